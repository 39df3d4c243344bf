//! Packaging a `dir:` into a reproducible zip: the same files give the same bytes, and so
//! the same `CodeSha256`, on any machine, whatever the files' timestamps, owners, umask
//! or the order the file system lists them in.
//!
//! Every entry is written with the same fixed header: 1980-01-01 00:00:00 (the zip
//! format's earliest time), Unix "made by", mode 0644 or 0755, deflate level 6, no extra
//! fields. Directories get no entries of their own (unzip tools create them from the
//! file names), so empty directories are not kept. The zip is written as a stream
//! (sizes and CRCs follow each entry in a data descriptor), which lets a hashing writer
//! see every byte exactly once, in order, without seeking back.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use super::hash::{CHUNK, HashingWriter, is_limit_exceeded};
use super::walk::{Entry, Exclude, collect};
use super::{ArtifactError, MAX_ZIP_BYTES, Package};

/// Deflate level of packaged entries. Part of the output format: changing it changes
/// every `CodeSha256`.
const DEFLATE_LEVEL: i64 = 6;

/// Packages the folder at `path` into a reproducible zip, leaving out what `exclude`
/// matches (globs relative to the folder; see docs/manifest.md).
pub fn package_dir(path: &Path, exclude: &[String]) -> Result<Package, ArtifactError> {
    let entries = list(path, exclude)?;
    let (bytes, code_sha256, size) = write_zip(path, &entries, Vec::new(), MAX_ZIP_BYTES)?;
    Ok(Package {
        bytes,
        code_sha256,
        size,
    })
}

/// `CodeSha256` and size of the folder's package, without keeping its bytes; a package
/// over `limit` bytes is refused.
pub(crate) fn digest_dir(
    path: &Path,
    exclude: &[String],
    limit: u64,
) -> Result<(String, u64), ArtifactError> {
    let entries = list(path, exclude)?;
    let (_, code_sha256, size) = write_zip(path, &entries, io::sink(), limit)?;
    Ok((code_sha256, size))
}

/// Packages the folder into the file `out` (created or truncated), streaming, so a
/// package of any size (up to `limit` bytes) is never held in memory. Returns the
/// package's `CodeSha256` and size. Used for packages uploaded to S3.
pub fn package_dir_to_file(
    path: &Path,
    exclude: &[String],
    out: &Path,
    limit: u64,
) -> Result<(String, u64), ArtifactError> {
    let entries = list(path, exclude)?;
    let file = File::create(out).map_err(|e| ArtifactError::io(out, e))?;
    let (writer, code_sha256, size) = write_zip(
        path,
        &entries,
        io::BufWriter::with_capacity(CHUNK, file),
        limit,
    )?;
    writer
        .into_inner()
        .map_err(|e| ArtifactError::io(out, e.into_error()))?
        .sync_all()
        .map_err(|e| ArtifactError::io(out, e))?;
    Ok((code_sha256, size))
}

fn list(path: &Path, exclude: &[String]) -> Result<Vec<Entry>, ArtifactError> {
    let exclude = Exclude::new(exclude)?;
    let entries = collect(path, &exclude)?;
    if entries.is_empty() {
        return Err(ArtifactError::EmptyPackage {
            path: path.to_owned(),
        });
    }
    Ok(entries)
}

/// Writes `entries` as a zip into `out`; returns `out`, the base64 SHA-256 and the size.
fn write_zip<W: Write>(
    root: &Path,
    entries: &[Entry],
    out: W,
    limit: u64,
) -> Result<(W, String, u64), ArtifactError> {
    let write_error = |e: zip::result::ZipError| match e {
        zip::result::ZipError::Io(e) => io_error(root, root, e, limit),
        other => ArtifactError::ZipWrite {
            path: root.to_owned(),
            reason: other.to_string(),
        },
    };
    let mut zip = ZipWriter::new_stream(HashingWriter::new(out, limit));
    let mut buf = vec![0u8; CHUNK];
    for entry in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(DEFLATE_LEVEL))
            .last_modified_time(DateTime::default())
            .unix_permissions(entry.mode)
            .system(System::Unix);
        zip.start_file(entry.name.as_str(), options)
            .map_err(write_error)?;
        let mut file =
            File::open(&entry.source).map_err(|e| ArtifactError::io(&entry.source, e))?;
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ArtifactError::io(&entry.source, e)),
            };
            zip.write_all(&buf[..n])
                .map_err(|e| io_error(root, &entry.source, e, limit))?;
        }
    }
    let hashing = zip.finish().map_err(write_error)?.into_inner();
    Ok(hashing.finish())
}

/// A write error is either the size limit tripping (reported for the whole folder) or
/// a real I/O failure of the output.
fn io_error(root: &Path, path: &Path, e: io::Error, limit: u64) -> ArtifactError {
    if is_limit_exceeded(&e) {
        ArtifactError::too_large(root.to_owned(), None, limit)
    } else {
        ArtifactError::io(path, e)
    }
}
