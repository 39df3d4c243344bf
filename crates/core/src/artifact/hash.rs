//! SHA-256 in Lambda's `CodeSha256` form (standard base64 of the raw digest), computed
//! while bytes stream past: from a file in fixed-size chunks, or from a writer wrapper
//! that sees every byte the zip writer emits, so nothing is read twice.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

use super::ArtifactError;

/// Chunk size for streaming reads: large enough that syscalls don't dominate hashing.
pub(crate) const CHUNK: usize = 256 * 1024;

/// Standard base64 (with padding) of a raw SHA-256 digest, as Lambda reports `CodeSha256`.
pub(crate) fn encode(digest: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// Base64 SHA-256 of a file's bytes (Lambda's `CodeSha256` when the file is the zip),
/// reading it in chunks without holding it in memory.
pub fn hash_file(path: &Path) -> Result<String, ArtifactError> {
    let mut file = File::open(path).map_err(|e| ArtifactError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ArtifactError::io(path, e)),
        }
    }
    Ok(encode(&hasher.finalize()))
}

/// The error a [`HashingWriter`] returns once its byte limit would be crossed; found
/// again with [`is_limit_exceeded`] after the zip writer has wrapped it.
#[derive(Debug, thiserror::Error)]
#[error("output exceeds {0} bytes")]
pub(crate) struct LimitExceeded(pub u64);

/// Whether an I/O error is a [`HashingWriter`] refusing to pass its limit.
pub(crate) fn is_limit_exceeded(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<LimitExceeded>())
}

/// Passes bytes to `inner`, hashing and counting them, and refuses to write past `limit`
/// bytes so an oversized package fails early instead of after compressing everything.
///
/// The write that would cross the limit fails; later writes are discarded, so the zip
/// writer's finalise-on-drop after that failure succeeds quietly instead of printing.
/// After a failure the output is garbage and `finish` must not be trusted.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
    limit: u64,
    exceeded: bool,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W, limit: u64) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            written: 0,
            limit,
            exceeded: false,
        }
    }

    /// The inner writer, the base64 SHA-256 and the byte count of everything written.
    pub(crate) fn finish(self) -> (W, String, u64) {
        (self.inner, encode(&self.hasher.finalize()), self.written)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.exceeded {
            return Ok(buf.len());
        }
        if self.written.saturating_add(buf.len() as u64) > self.limit {
            self.exceeded = true;
            return Err(io::Error::other(LimitExceeded(self.limit)));
        }
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn empty_input_has_the_well_known_digest() {
        let (_, digest, size) = HashingWriter::new(Vec::new(), 10).finish();
        assert_eq!(digest, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(size, 0);
    }

    #[test]
    fn writer_refuses_to_cross_its_limit() {
        let mut w = HashingWriter::new(Vec::new(), 4);
        w.write_all(b"abcd").unwrap();
        let err = w.write_all(b"e").unwrap_err();
        assert!(is_limit_exceeded(&err));
        w.write_all(b"discarded").unwrap();
        let (bytes, _, size) = w.finish();
        assert_eq!((bytes.as_slice(), size), (&b"abcd"[..], 4));
    }
}
