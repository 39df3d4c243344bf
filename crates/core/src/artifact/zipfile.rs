//! A ready `zip:` artifact: checked against Lambda's upload limit, read once in chunks
//! and hashed on the way, and opened as a zip so a wrong file fails at plan time rather
//! than in the middle of a deploy.

use std::fs::{self, File};
use std::io::{self, Cursor, Read, Seek, Write};
use std::path::Path;

use super::hash::{CHUNK, HashingWriter, hash_file};
use super::{ArtifactError, MAX_ZIP_BYTES, Package};

/// Reads the zip at `path` into memory for upload, with its `CodeSha256`.
pub fn read_zip(path: &Path) -> Result<Package, ArtifactError> {
    let size = check_size(path, MAX_ZIP_BYTES)?;
    let mut file = File::open(path).map_err(|e| ArtifactError::io(path, e))?;
    let capacity = usize::try_from(size).unwrap_or(0);
    let mut out = HashingWriter::new(Vec::with_capacity(capacity), MAX_ZIP_BYTES);
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ArtifactError::io(path, e)),
        };
        // The file may have grown since its size was checked.
        out.write_all(&buf[..n])
            .map_err(|_| ArtifactError::ZipTooLarge {
                path: path.to_owned(),
                size: None,
                limit: MAX_ZIP_BYTES,
            })?;
    }
    let (bytes, code_sha256, size) = out.finish();
    check_archive(path, Cursor::new(&bytes))?;
    Ok(Package {
        bytes,
        code_sha256,
        size,
    })
}

/// `CodeSha256` and size of the zip at `path`, streaming it rather than loading it;
/// a zip over `limit` bytes is refused.
pub fn digest_zip(path: &Path, limit: u64) -> Result<(String, u64), ArtifactError> {
    let size = check_size(path, limit)?;
    let file = File::open(path).map_err(|e| ArtifactError::io(path, e))?;
    check_archive(path, file)?;
    Ok((hash_file(path)?, size))
}

fn check_size(path: &Path, limit: u64) -> Result<u64, ArtifactError> {
    let meta = fs::metadata(path).map_err(|e| ArtifactError::io(path, e))?;
    if !meta.is_file() {
        return Err(ArtifactError::NotAFile {
            path: path.to_owned(),
        });
    }
    if meta.len() > limit {
        return Err(ArtifactError::too_large(
            path.to_owned(),
            Some(meta.len()),
            limit,
        ));
    }
    Ok(meta.len())
}

/// Opens the archive's central directory (not the entries' data) to prove it is a zip.
fn check_archive(path: &Path, reader: impl Read + Seek) -> Result<(), ArtifactError> {
    zip::ZipArchive::new(reader)
        .map(drop)
        .map_err(|e| ArtifactError::NotAZip {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}
