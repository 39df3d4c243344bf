//! [`ObjectStore`]: the S3 calls an artifact upload needs, in the crate's own types.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::S3Error;

/// User-metadata key (`x-amz-meta-sha256`) under which Flotilla stores the hex SHA-256
/// of the object, so a later HeadObject can tell the object is exactly the zip.
pub const SHA256_METADATA: &str = "sha256";

/// What HeadObject tells about an object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectInfo {
    /// Size in bytes.
    pub size: u64,
    /// User metadata (without the `x-amz-meta-` prefix).
    pub metadata: BTreeMap<String, String>,
}

/// One uploaded part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// 1-based part number.
    pub part_number: u32,
    /// The ETag S3 returned for the part.
    pub etag: String,
}

/// The S3 operations an upload needs. Implemented by the AWS SDK ([`SdkS3`](super::SdkS3))
/// and by the emulator.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// HeadObject: `Ok(None)` when the key does not exist.
    async fn head_object(&self, bucket: &str, key: &str) -> Result<Option<ObjectInfo>, S3Error>;

    /// PutObject of `body` with user `metadata`.
    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        metadata: BTreeMap<String, String>,
    ) -> Result<(), S3Error>;

    /// CreateMultipartUpload: returns the upload id.
    async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<String, S3Error>;

    /// UploadPart: returns the part's ETag.
    async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Vec<u8>,
    ) -> Result<String, S3Error>;

    /// CompleteMultipartUpload with every part, in order.
    async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Vec<CompletedPart>,
    ) -> Result<(), S3Error>;

    /// AbortMultipartUpload, so a failed upload leaves no parts billed behind.
    async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), S3Error>;
}
