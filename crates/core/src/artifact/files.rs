//! The files inside a zip package (path → SHA-256 of its bytes) and the difference
//! between two such lists, so a plan can say which files a code change adds, removes
//! and changes. Only paths and digests: never a file's contents.

use std::collections::BTreeMap;
use std::io::{self, Cursor, Read};

use sha2::{Digest, Sha256};

use super::MAX_UNZIPPED_BYTES;
use super::hash::{CHUNK, encode};

/// Why a package's files could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileListError {
    /// The bytes are not a zip archive.
    #[error("the package is not a readable zip: {0}")]
    NotAZip(String),
    /// An entry could not be read.
    #[error("entry `{name}` of the package cannot be read: {reason}")]
    Entry {
        /// The entry's path.
        name: String,
        /// What failed.
        reason: String,
    },
    /// The files add up to more than Lambda's unzipped limit.
    #[error("the package unzips to more than {MAX_UNZIPPED_BYTES} bytes")]
    TooLarge,
}

/// Path → base64 SHA-256 of each file (directories left out) of the zip `bytes`.
/// Reads at most [`MAX_UNZIPPED_BYTES`] of file data in all, so a zip bomb stops early.
///
/// # Errors
/// Not a zip, an unreadable entry, or too much data.
pub fn zip_files(bytes: &[u8]) -> Result<BTreeMap<String, String>, FileListError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| FileListError::NotAZip(e.to_string()))?;
    let mut out = BTreeMap::new();
    let mut budget = MAX_UNZIPPED_BYTES;
    let mut buf = vec![0u8; CHUNK];
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| FileListError::NotAZip(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| FileListError::NotAZip(e.to_string()))?
            .into_owned();
        let entry_error = |reason: String| FileListError::Entry {
            name: name.clone(),
            reason,
        };
        let mut hasher = Sha256::new();
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(entry_error(e.to_string())),
            };
            budget = budget
                .checked_sub(n as u64)
                .ok_or(FileListError::TooLarge)?;
            hasher.update(&buf[..n]);
        }
        out.insert(name, encode(&hasher.finalize()));
    }
    Ok(out)
}

/// Paths in `new` only, in `old` only, and in both with another digest; each sorted.
pub fn diff_files(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let added = new
        .keys()
        .filter(|k| !old.contains_key(*k))
        .cloned()
        .collect();
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let changed = new
        .iter()
        .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
        .map(|(k, _)| k.clone())
        .collect();
    (added, removed, changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_directory("lib/", zip::write::SimpleFileOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        for (name, body) in files {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            w.write_all(body.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        w.finish().unwrap_or_else(|e| panic!("{e}")).into_inner()
    }

    #[test]
    fn lists_files_without_directories_and_diffs_them() {
        let old = zip_files(&zip(&[
            ("app.py", "v1"),
            ("lib/a.py", "a"),
            ("gone.txt", "x"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        let new = zip_files(&zip(&[
            ("app.py", "v2"),
            ("lib/a.py", "a"),
            ("new.txt", "y"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(old.len(), 3, "{old:?}");
        let (added, removed, changed) = diff_files(&old, &new);
        assert_eq!(added, ["new.txt"]);
        assert_eq!(removed, ["gone.txt"]);
        assert_eq!(changed, ["app.py"]);
    }

    #[test]
    fn garbage_is_not_a_zip() {
        assert!(matches!(
            zip_files(b"not a zip"),
            Err(FileListError::NotAZip(_))
        ));
    }
}
