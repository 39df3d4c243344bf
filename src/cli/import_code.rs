//! `flotilla import --download-code DIR`: each zip function's package saved as
//! `DIR/<function>.zip` (`<function>-<region>.zip` for a name in several regions) and
//! referenced from the manifest as a `zip:` artifact.
//!
//! The file is the exact bytes Lambda serves at GetFunction's `Code.Location`, checked
//! against the function's `CodeSha256`, so the first plan hashes the same digest and is
//! empty. A `dir:` artifact would not be: repackaging an unzipped folder reproducibly
//! gives other bytes than the zip someone else built. The folder must lie inside the
//! manifest's folder, because artifact paths are relative to it and may not leave it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use flotilla_cloud::lambda::{DownloadError, PackageType, download_code};
use flotilla_core::import::Found;
use sha2::{Digest, Sha256};

/// Why a package could not be saved.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DownloadCodeError {
    /// The folder is not inside the manifest's folder.
    #[error("--download-code {} is outside the manifest's folder {}", dir.display(), base.display())]
    #[diagnostic(help(
        "artifact paths are relative to the manifest and may not leave its folder: pass a folder under {}",
        base.display()
    ))]
    Outside {
        /// The folder asked for.
        dir: PathBuf,
        /// The manifest's folder.
        base: PathBuf,
    },
    /// GetFunction gave no `Code.Location`.
    #[error("function `{name}` in {region}: GetFunction returned no Code.Location to download")]
    #[diagnostic(help("pass --code-bucket BUCKET to reference the code as an S3 object instead"))]
    NoLocation {
        /// Function name.
        name: String,
        /// Region.
        region: String,
    },
    /// The download failed.
    #[error("function `{name}` in {region}: {source}")]
    #[diagnostic(help(
        "the URL is valid for ten minutes after GetFunction; run the import again, or pass --code-bucket BUCKET instead"
    ))]
    Download {
        /// Function name.
        name: String,
        /// Region.
        region: String,
        /// What failed.
        #[source]
        source: DownloadError,
    },
    /// The bytes do not hash to the function's `CodeSha256`.
    #[error(
        "function `{name}` in {region}: the downloaded package has CodeSha256 {got}, the function reports {want}"
    )]
    #[diagnostic(help("the function's code changed during the import; run it again"))]
    Digest {
        /// Function name.
        name: String,
        /// Region.
        region: String,
        /// Hash of the bytes.
        got: String,
        /// Hash the function reports.
        want: String,
    },
    /// Writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(help("check that the folder is writable"))]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Downloads every zip function of `found` into `dir`, returning for each (region,
/// name) the file's path relative to `base` (the manifest's folder), with `/`.
///
/// # Errors
/// The first package that cannot be placed, downloaded, checked or written.
pub async fn download_all(
    found: &[Found],
    dir: &Path,
    base: &Path,
) -> Result<BTreeMap<(String, String), String>, DownloadCodeError> {
    let relative = relative_inside(dir, base).ok_or_else(|| DownloadCodeError::Outside {
        dir: dir.to_owned(),
        base: base.to_owned(),
    })?;
    let mut per_name: BTreeMap<&str, usize> = BTreeMap::new();
    for f in found {
        *per_name.entry(f.info.name.as_str()).or_default() += 1;
    }
    let mut out = BTreeMap::new();
    for f in found
        .iter()
        .filter(|f| f.info.config.package_type == PackageType::Zip)
    {
        let (name, region) = (f.info.name.clone(), f.region.clone());
        let url = f
            .info
            .code_location
            .as_deref()
            .ok_or_else(|| DownloadCodeError::NoLocation {
                name: name.clone(),
                region: region.clone(),
            })?;
        let bytes = download_code(url)
            .await
            .map_err(|source| DownloadCodeError::Download {
                name: name.clone(),
                region: region.clone(),
                source,
            })?;
        let got = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
        if got != f.info.code_sha256 {
            return Err(DownloadCodeError::Digest {
                name,
                region,
                got,
                want: f.info.code_sha256.clone(),
            });
        }
        let file = if per_name[name.as_str()] > 1 {
            format!("{name}-{region}.zip")
        } else {
            format!("{name}.zip")
        };
        let write = |path: &Path, source| DownloadCodeError::Write {
            path: path.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| write(dir, e))?;
        let path = dir.join(&file);
        std::fs::write(&path, &bytes).map_err(|e| write(&path, e))?;
        let shown = if relative.is_empty() {
            file
        } else {
            format!("{relative}/{file}")
        };
        out.insert((region, name), shown);
    }
    Ok(out)
}

/// `dir` relative to `base`, with `/`, when it lies inside it (`""`: `base` itself).
fn relative_inside(dir: &Path, base: &Path) -> Option<String> {
    let dir = normalize(&std::path::absolute(dir).ok()?);
    let base = normalize(&std::path::absolute(base).ok()?);
    let rest = dir.strip_prefix(&base).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// `path` without `.` and with `..` applied, lexically (the folder may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
