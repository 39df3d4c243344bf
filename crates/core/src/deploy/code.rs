//! Apply's code provider: rebuilds each zip from the files the plan names and refuses
//! it unless it still hashes to what the plan showed; with `upload`, streams it to its
//! content-addressed S3 key first and hands Lambda the object's address.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use base64::Engine as _;
use tokio::sync::Semaphore;

use super::ClientSet;
use crate::apply::{CodeProvider, PreparedCode};
use crate::artifact::{
    ArtifactDigest, digest_zip, package_dir, package_dir_to_file, read_zip, zip_limit,
};
use crate::plan::{CodeOrigin, FunctionPlan, UploadTarget};
use crate::s3::{UploadOptions, UploadProgress, upload_file};
use flotilla_cloud::lambda::CodeSource;

/// Uploads in flight at once by default: each holds up to `parallel_parts` part
/// buffers, and S3 bandwidth, not request count, is what they share.
pub const DEFAULT_PARALLEL_UPLOADS: usize = 4;

/// Reads `zip:` files and packages `dir:` folders relative to the manifest's folder.
#[derive(Clone)]
pub struct LocalCode {
    base: PathBuf,
    uploads: Option<Uploads>,
}

#[derive(Clone)]
struct Uploads {
    clients: Arc<ClientSet>,
    options: UploadOptions,
    slots: Arc<Semaphore>,
    /// One lock per S3 location, so functions sharing an artifact upload it once: the
    /// second waits for the first, then finds the object.
    keys: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl std::fmt::Debug for LocalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCode")
            .field("base", &self.base)
            .field("uploads", &self.uploads.as_ref().map(|u| u.options))
            .finish()
    }
}

impl LocalCode {
    /// Sources are relative to `base` (the manifest's folder).
    pub fn new(base: PathBuf) -> Self {
        Self {
            base,
            uploads: None,
        }
    }

    /// Uploads artifacts the plan sends through S3 with `clients`' S3 (the SDK's or
    /// the emulator's), [`DEFAULT_PARALLEL_UPLOADS`] at a time, with `options`.
    #[must_use]
    pub fn with_uploads(mut self, clients: Arc<ClientSet>, options: UploadOptions) -> Self {
        self.uploads = Some(Uploads {
            clients,
            options,
            slots: Arc::new(Semaphore::new(DEFAULT_PARALLEL_UPLOADS)),
            keys: Arc::default(),
        });
        self
    }

    /// Builds (or finds) the zip on disk, checks it against the plan, and uploads it.
    async fn upload(
        &self,
        function: &FunctionPlan,
        origin: &CodeOrigin,
        code_sha256: &str,
        target: &UploadTarget,
        progress: &dyn UploadProgress,
    ) -> Result<PreparedCode, String> {
        let Some(uploads) = &self.uploads else {
            return Err(format!(
                "the plan uploads this zip to {target}, but this apply has no S3 client"
            ));
        };
        let key_lock = uploads
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(target.to_string())
            .or_default()
            .clone();
        let _same_key = key_lock.lock().await;
        let _slot = uploads
            .slots
            .acquire()
            .await
            .map_err(|e| format!("upload stopped: {e}"))?;
        let origin = origin.clone();
        let base = self.base.clone();
        let (file, sha, size) = tokio::task::spawn_blocking(move || on_disk(&base, &origin))
            .await
            .map_err(|e| format!("packaging stopped: {e}"))??;
        if sha != code_sha256 {
            return Err(format!(
                "the artifact changed since the plan was made (plan: {code_sha256}, now: {sha}); run plan again"
            ));
        }
        let hex = hex_sha256(&sha).ok_or_else(|| format!("bad CodeSha256 `{sha}`"))?;
        if !target.key.contains(&hex) {
            return Err(format!(
                "the plan's S3 key `{}` does not name the zip's SHA-256 {hex}; run plan again",
                target.key
            ));
        }
        let store = uploads.clients.object_store(&function.region);
        let report = upload_file(
            store.as_ref(),
            file.path(),
            target,
            &hex,
            size,
            &uploads.options,
            function.retry.into(),
            progress,
        )
        .await
        .map_err(|e| format!("upload to {target}: {e}"))?;
        Ok(PreparedCode {
            source: CodeSource::S3 {
                bucket: target.bucket.clone(),
                key: target.key.clone(),
                version: None,
            },
            upload: Some(report),
        })
    }
}

/// A zip on disk: the user's own `zip:` file, or a packaged `dir:` in a temporary file
/// removed when this is dropped.
enum ZipFile {
    User(PathBuf),
    Temp(PathBuf),
}

impl ZipFile {
    fn path(&self) -> &Path {
        match self {
            ZipFile::User(p) | ZipFile::Temp(p) => p,
        }
    }
}

impl Drop for ZipFile {
    fn drop(&mut self) {
        if let ZipFile::Temp(p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The zip for `origin` as a file, with its `CodeSha256` and size.
fn on_disk(base: &Path, origin: &CodeOrigin) -> Result<(ZipFile, String, u64), String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let limit = zip_limit(true);
    match origin {
        CodeOrigin::Zip { path } => {
            let path = base.join(path);
            let (sha, size) = digest_zip(&path, limit).map_err(|e| e.to_string())?;
            Ok((ZipFile::User(path), sha, size))
        }
        CodeOrigin::Dir { path, exclude } => {
            let temp = std::env::temp_dir().join(format!(
                "flotilla-upload-{}-{}.zip",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let file = ZipFile::Temp(temp);
            let (sha, size) = package_dir_to_file(&base.join(path), exclude, file.path(), limit)
                .map_err(|e| e.to_string())?;
            Ok((file, sha, size))
        }
    }
}

/// Lowercase hex of a base64 SHA-256.
fn hex_sha256(b64: &str) -> Option<String> {
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some(raw.iter().map(|b| format!("{b:02x}")).collect())
}

#[async_trait]
impl CodeProvider for LocalCode {
    async fn code(&self, function: &FunctionPlan) -> Result<CodeSource, String> {
        let quiet = |_: u64, _: u64| {};
        self.prepare(function, &quiet).await.map(|p| p.source)
    }

    async fn prepare(
        &self,
        function: &FunctionPlan,
        progress: &dyn UploadProgress,
    ) -> Result<PreparedCode, String> {
        let source = match (&function.artifact, &function.source, &function.upload) {
            (
                ArtifactDigest::S3 {
                    bucket,
                    key,
                    version,
                    ..
                },
                _,
                _,
            ) => CodeSource::S3 {
                bucket: bucket.clone(),
                key: key.clone(),
                version: version.clone(),
            },
            (ArtifactDigest::Image { uri }, _, _) => CodeSource::Image(uri.clone()),
            (ArtifactDigest::Zip { code_sha256, .. }, Some(origin), Some(target)) => {
                return self
                    .upload(function, origin, code_sha256, target, progress)
                    .await;
            }
            (ArtifactDigest::Zip { code_sha256, .. }, Some(origin), None) => {
                let origin = origin.clone();
                let base = self.base.clone();
                let package = tokio::task::spawn_blocking(move || match origin {
                    CodeOrigin::Zip { path } => read_zip(&base.join(path)),
                    CodeOrigin::Dir { path, exclude } => package_dir(&base.join(path), &exclude),
                })
                .await
                .map_err(|e| format!("packaging stopped: {e}"))?
                .map_err(|e| e.to_string())?;
                if &package.code_sha256 != code_sha256 {
                    return Err(format!(
                        "the artifact changed since the plan was made (plan: {code_sha256}, now: {}); run plan again",
                        package.code_sha256
                    ));
                }
                CodeSource::Zip(Arc::new(package.bytes))
            }
            (ArtifactDigest::Zip { .. }, None, _) => {
                return Err(
                    "the plan does not say where this zip comes from; run plan again".to_owned(),
                );
            }
        };
        Ok(PreparedCode {
            source,
            upload: None,
        })
    }
}

/// Checks, before apply makes its first call, that every local artifact a plan uploads
/// still has the `CodeSha256` the plan recorded; one sentence per function that does
/// not. Apply checks each again as it uploads; this check refuses the plan whole
/// instead of after other functions changed.
pub fn verify_artifacts(base: &Path, plan: &crate::plan::Plan) -> Vec<String> {
    use crate::plan::{Action, Step};
    plan.functions
        .iter()
        .filter(|f| matches!(f.action, Action::Create | Action::Update))
        .filter(|f| {
            f.steps
                .iter()
                .any(|s| matches!(s, Step::CreateFunction { .. } | Step::UpdateCode { .. }))
        })
        .filter_map(|f| {
            let (Some(origin), crate::artifact::ArtifactDigest::Zip { code_sha256, .. }) =
                (&f.source, &f.artifact)
            else {
                return None;
            };
            match on_disk(base, origin) {
                Ok((_, sha, _)) if sha == *code_sha256 => None,
                Ok((_, sha, _)) => Some(format!(
                    "function `{}`: the artifact changed since the plan was made (plan: {code_sha256}, now: {sha})",
                    f.key
                )),
                Err(e) => Some(format!("function `{}`: {e}", f.key)),
            }
        })
        .collect()
}
