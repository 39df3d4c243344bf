//! Apply's code provider: rebuilds each zip from the files the plan names and refuses
//! it unless it still hashes to what the plan showed.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use crate::apply::CodeProvider;
use crate::artifact::{ArtifactDigest, package_dir, read_zip};
use crate::lambda::CodeSource;
use crate::plan::{CodeOrigin, FunctionPlan};

/// Reads `zip:` files and packages `dir:` folders relative to the manifest's folder.
#[derive(Debug, Clone)]
pub struct LocalCode {
    base: PathBuf,
}

impl LocalCode {
    /// Sources are relative to `base` (the manifest's folder).
    pub fn new(base: PathBuf) -> Self {
        Self { base }
    }
}

#[async_trait]
impl CodeProvider for LocalCode {
    async fn code(&self, function: &FunctionPlan) -> Result<CodeSource, String> {
        match (&function.artifact, &function.source) {
            (
                ArtifactDigest::S3 {
                    bucket,
                    key,
                    version,
                    ..
                },
                _,
            ) => Ok(CodeSource::S3 {
                bucket: bucket.clone(),
                key: key.clone(),
                version: version.clone(),
            }),
            (ArtifactDigest::Image { uri }, _) => Ok(CodeSource::Image(uri.clone())),
            (ArtifactDigest::Zip { code_sha256, .. }, Some(origin)) => {
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
                Ok(CodeSource::Zip(Arc::new(package.bytes)))
            }
            (ArtifactDigest::Zip { .. }, None) => {
                Err("the plan does not say where this zip comes from; run plan again".to_owned())
            }
        }
    }
}
