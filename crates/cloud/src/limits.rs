//! Lambda's size limits for deployment packages.

/// Largest zip Lambda accepts in a direct upload (`ZipFile`): 50 MB. Larger code goes
/// through S3.
pub const MAX_ZIP_BYTES: u64 = 50 * 1024 * 1024;

/// Largest total size of a package's files once unzipped: 250 MB.
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

/// The largest zip a function may have: Lambda's direct-upload limit, or (uploaded to
/// S3 first) its 250 MB package limit, which a zip cannot exceed without its contents
/// exceeding it too.
pub fn zip_limit(uploaded: bool) -> u64 {
    if uploaded {
        MAX_UNZIPPED_BYTES
    } else {
        MAX_ZIP_BYTES
    }
}
