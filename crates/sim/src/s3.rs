//! The emulator's S3: buckets (global, as in AWS), objects, multipart uploads and call
//! counters, enough for Lambda code uploads.
//!
//! It lives in the [`World`](super::World) beside the functions, so CreateFunction and
//! UpdateFunctionCode naming `S3Bucket`/`S3Key` read the object's bytes the way Lambda
//! does: `CodeSha256` is the SHA-256 of the object, and a missing object is Lambda's
//! `InvalidParameterValueException`. S3 calls are not Lambda calls: they pass no quota
//! and no fault rule. S3's rule that every part but the last is at least 5 MiB is
//! enforced at CompleteMultipartUpload (`EntityTooSmall`), as S3 does.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// S3's smallest part, except for the last one.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

/// An S3 failure as S3 reports it: HTTP status, error code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct S3SimError {
    /// HTTP status.
    pub status: u16,
    /// S3's error code (`NoSuchKey`, `NoSuchBucket`, ...).
    pub code: &'static str,
    /// Message.
    pub message: String,
}

impl S3SimError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn no_such_bucket(bucket: &str) -> Self {
        Self::new(
            404,
            "NoSuchBucket",
            format!("The specified bucket does not exist: {bucket}"),
        )
    }

    fn no_such_upload() -> Self {
        Self::new(
            404,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        )
    }
}

/// One stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    /// The bytes.
    pub bytes: Arc<Vec<u8>>,
    /// User metadata (`x-amz-meta-*`, without the prefix).
    pub metadata: BTreeMap<String, String>,
    /// ETag, quoted as S3 sends it.
    pub etag: String,
}

/// How many S3 calls of each kind the emulator served (successful or not), and bytes
/// stored by PutObject and UploadPart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct S3Counters {
    /// Calls by S3 operation name (`PutObject`, `HeadObject`, ...).
    pub calls: BTreeMap<String, u64>,
    /// Bytes received by PutObject and UploadPart.
    pub bytes_received: u64,
    /// Objects stored, as `bucket/key`.
    pub objects: Vec<String>,
    /// Multipart uploads started but neither completed nor aborted.
    pub open_multipart_uploads: usize,
}

#[derive(Debug, Default)]
struct Multipart {
    bucket: String,
    key: String,
    metadata: BTreeMap<String, String>,
    parts: BTreeMap<u32, (String, Vec<u8>)>,
}

/// Buckets, objects and multipart uploads.
#[derive(Debug, Default)]
pub(crate) struct S3State {
    buckets: BTreeMap<String, BTreeMap<String, S3Object>>,
    uploads: BTreeMap<String, Multipart>,
    next_upload: u64,
    calls: BTreeMap<String, u64>,
    bytes_received: u64,
    /// Lambda's own copy of each zip package it was given (the `awslambda-*-tasks`
    /// bucket behind GetFunction's `Code.Location`), by hex SHA-256, within
    /// [`MAX_LAMBDA_CODE_BYTES`].
    lambda_code: BTreeMap<String, Arc<Vec<u8>>>,
    lambda_code_bytes: u64,
}

/// The most package bytes kept for download: a benchmark fleet of 10,000 distinct zips
/// must not exhaust memory; a package past it is served as missing.
pub(crate) const MAX_LAMBDA_CODE_BYTES: u64 = 1024 * 1024 * 1024;

/// The key a package is kept and served under: the hex SHA-256 of its bytes.
pub(crate) fn lambda_code_key(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Quoted hex of a digest prefix: an ETag stable per content (S3 uses MD5; any opaque
/// value does for clients).
fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

impl S3State {
    fn count(&mut self, op: &str) {
        *self.calls.entry(op.to_owned()).or_default() += 1;
    }

    fn bucket_mut(&mut self, bucket: &str) -> Result<&mut BTreeMap<String, S3Object>, S3SimError> {
        self.buckets
            .get_mut(bucket)
            .ok_or_else(|| S3SimError::no_such_bucket(bucket))
    }

    /// CreateBucket; creating one that exists is fine (as in us-east-1).
    pub(crate) fn create_bucket(&mut self, bucket: &str) {
        self.count("CreateBucket");
        self.buckets.entry(bucket.to_owned()).or_default();
    }

    /// HeadBucket.
    pub(crate) fn head_bucket(&mut self, bucket: &str) -> Result<(), S3SimError> {
        self.count("HeadBucket");
        self.bucket_mut(bucket).map(drop)
    }

    /// Whether a bucket exists (no call counted).
    pub(crate) fn has_bucket(&self, bucket: &str) -> bool {
        self.buckets.contains_key(bucket)
    }

    /// PutObject.
    pub(crate) fn put_object(
        &mut self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
        metadata: BTreeMap<String, String>,
    ) -> Result<String, S3SimError> {
        self.count("PutObject");
        self.bytes_received += bytes.len() as u64;
        let objects = self.bucket_mut(bucket)?;
        let tag = etag(&bytes);
        objects.insert(
            key.to_owned(),
            S3Object {
                bytes: Arc::new(bytes),
                metadata,
                etag: tag.clone(),
            },
        );
        Ok(tag)
    }

    fn object(&mut self, bucket: &str, key: &str) -> Result<S3Object, S3SimError> {
        self.bucket_mut(bucket)?
            .get(key)
            .cloned()
            .ok_or_else(|| S3SimError::new(404, "NoSuchKey", "The specified key does not exist."))
    }

    /// HeadObject.
    pub(crate) fn head_object(&mut self, bucket: &str, key: &str) -> Result<S3Object, S3SimError> {
        self.count("HeadObject");
        self.object(bucket, key)
    }

    /// GetObject.
    pub(crate) fn get_object(&mut self, bucket: &str, key: &str) -> Result<S3Object, S3SimError> {
        self.count("GetObject");
        self.object(bucket, key)
    }

    /// What Lambda reads for `S3Bucket`/`S3Key` (not counted as a client's call).
    /// Keeps a zip package for download (see `lambda_code`).
    pub(crate) fn keep_lambda_code(&mut self, bytes: &Arc<Vec<u8>>) {
        let key = lambda_code_key(bytes);
        let size = bytes.len() as u64;
        if self.lambda_code.contains_key(&key)
            || self.lambda_code_bytes.saturating_add(size) > MAX_LAMBDA_CODE_BYTES
        {
            return;
        }
        self.lambda_code_bytes += size;
        self.lambda_code.insert(key, Arc::clone(bytes));
    }

    /// The package kept under `key` (its hex SHA-256).
    pub(crate) fn lambda_code(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        self.lambda_code.get(key).cloned()
    }

    pub(crate) fn read_for_lambda(
        &mut self,
        bucket: &str,
        key: &str,
    ) -> Result<Arc<Vec<u8>>, S3SimError> {
        self.object(bucket, key).map(|o| o.bytes)
    }

    /// CreateMultipartUpload: returns the upload id.
    pub(crate) fn create_multipart(
        &mut self,
        bucket: &str,
        key: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<String, S3SimError> {
        self.count("CreateMultipartUpload");
        self.bucket_mut(bucket)?;
        self.next_upload += 1;
        let id = format!("sim-upload-{:08}", self.next_upload);
        self.uploads.insert(
            id.clone(),
            Multipart {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                metadata,
                parts: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    fn upload_mut(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<&mut Multipart, S3SimError> {
        self.uploads
            .get_mut(upload_id)
            .filter(|u| u.bucket == bucket && u.key == key)
            .ok_or_else(S3SimError::no_such_upload)
    }

    /// UploadPart: returns the part's ETag.
    pub(crate) fn upload_part(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        bytes: Vec<u8>,
    ) -> Result<String, S3SimError> {
        self.count("UploadPart");
        self.bytes_received += bytes.len() as u64;
        if !(1..=10_000).contains(&part_number) {
            return Err(S3SimError::new(
                400,
                "InvalidArgument",
                "Part number must be an integer between 1 and 10000, inclusive",
            ));
        }
        let upload = self.upload_mut(bucket, key, upload_id)?;
        let tag = etag(&bytes);
        upload.parts.insert(part_number, (tag.clone(), bytes));
        Ok(tag)
    }

    /// CompleteMultipartUpload with the client's list of `(part number, ETag)`.
    pub(crate) fn complete_multipart(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<String, S3SimError> {
        self.count("CompleteMultipartUpload");
        let upload = self.upload_mut(bucket, key, upload_id)?;
        if parts.is_empty() {
            return Err(S3SimError::new(
                400,
                "MalformedXML",
                "You must specify at least one part.",
            ));
        }
        if parts.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(S3SimError::new(
                400,
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            ));
        }
        let mut bytes = Vec::new();
        for (i, (number, tag)) in parts.iter().enumerate() {
            let Some((stored_tag, data)) = upload.parts.get(number) else {
                return Err(S3SimError::new(
                    400,
                    "InvalidPart",
                    format!(
                        "One or more of the specified parts could not be found: part {number}."
                    ),
                ));
            };
            if stored_tag.trim_matches('"') != tag.trim_matches('"') {
                return Err(S3SimError::new(
                    400,
                    "InvalidPart",
                    format!("The ETag of part {number} does not match."),
                ));
            }
            if i + 1 < parts.len() && (data.len() as u64) < MIN_PART_SIZE {
                return Err(S3SimError::new(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed object size.",
                ));
            }
            bytes.extend_from_slice(data);
        }
        let metadata = std::mem::take(&mut upload.metadata);
        self.uploads.remove(upload_id);
        let tag = format!("\"{}-{}\"", etag(&bytes).trim_matches('"'), parts.len());
        self.bucket_mut(bucket)?.insert(
            key.to_owned(),
            S3Object {
                bytes: Arc::new(bytes),
                metadata,
                etag: tag.clone(),
            },
        );
        Ok(tag)
    }

    /// AbortMultipartUpload.
    pub(crate) fn abort_multipart(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), S3SimError> {
        self.count("AbortMultipartUpload");
        self.upload_mut(bucket, key, upload_id)?;
        self.uploads.remove(upload_id);
        Ok(())
    }

    /// Counters and the list of stored objects.
    pub(crate) fn counters(&self) -> S3Counters {
        S3Counters {
            calls: self.calls.clone(),
            bytes_received: self.bytes_received,
            objects: self
                .buckets
                .iter()
                .flat_map(|(b, objects)| objects.keys().map(move |k| format!("{b}/{k}")))
                .collect(),
            open_multipart_uploads: self.uploads.len(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn multipart_assembles_parts_in_order_and_refuses_small_middle_parts() {
        let mut s3 = S3State::default();
        s3.create_bucket("b");
        let big = vec![1u8; MIN_PART_SIZE as usize];
        let id = s3.create_multipart("b", "k", BTreeMap::new()).unwrap();
        let t2 = s3.upload_part("b", "k", &id, 2, b"tail".to_vec()).unwrap();
        let t1 = s3.upload_part("b", "k", &id, 1, big.clone()).unwrap();
        s3.complete_multipart("b", "k", &id, &[(1, t1), (2, t2)])
            .unwrap();
        let o = s3.get_object("b", "k").unwrap();
        assert_eq!(o.bytes.len(), big.len() + 4);
        assert_eq!(&o.bytes[big.len()..], b"tail");

        let id = s3.create_multipart("b", "k2", BTreeMap::new()).unwrap();
        let t1 = s3
            .upload_part("b", "k2", &id, 1, b"small".to_vec())
            .unwrap();
        let t2 = s3.upload_part("b", "k2", &id, 2, b"tail".to_vec()).unwrap();
        let err = s3
            .complete_multipart("b", "k2", &id, &[(1, t1), (2, t2)])
            .unwrap_err();
        assert_eq!(err.code, "EntityTooSmall");
        s3.abort_multipart("b", "k2", &id).unwrap();
        assert_eq!(s3.counters().open_multipart_uploads, 0);
        assert_eq!(s3.get_object("b", "k2").unwrap_err().code, "NoSuchKey");
    }
}
