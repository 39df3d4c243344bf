//! Reading a user-named input file (manifest, plan) without blocking or exhausting memory.
//!
//! A FIFO with no writer blocks `open` forever and a device such as `/dev/zero` never
//! ends, so only regular files are opened, and at most `limit + 1` bytes are read: the
//! caller sees that the file is too big without holding all of it.

use std::io::Read;
use std::path::Path;

/// Reads up to `limit + 1` bytes of the regular file at `path`. A result longer than
/// `limit` means the file is larger than the caller accepts.
///
/// # Errors
/// The path is missing, unreadable, or not a regular file (`InvalidInput`).
pub(crate) fn read_at_most(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a directory, pipe, socket or device)",
        ));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
