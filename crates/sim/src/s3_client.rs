//! [`SimObjectStore`]: the emulator's S3 as an [`ObjectStore`], in process (for
//! `--local` and tests), on the same state the HTTP door serves.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::Sim;
use super::s3::S3SimError;
use flotilla_cloud::s3::{CompletedPart, ObjectInfo, ObjectStore, S3Error};

/// The emulator's S3, called directly.
#[derive(Debug, Clone)]
pub struct SimObjectStore {
    sim: Sim,
}

impl SimObjectStore {
    pub(crate) fn new(sim: Sim) -> Self {
        Self { sim }
    }
}

/// The classified error a client sees for an emulated S3 error.
fn to_s3_error(e: S3SimError, bucket: &str) -> S3Error {
    match (e.status, e.code) {
        (_, "NoSuchBucket") => S3Error::NoSuchBucket {
            bucket: bucket.to_owned(),
        },
        (403, _) => S3Error::AccessDenied { message: e.message },
        (503, _) => S3Error::Throttled {
            retry_after: None,
            message: e.message,
        },
        (500.., _) => S3Error::Transient { message: e.message },
        (_, code) => S3Error::Fatal {
            code: code.to_owned(),
            message: e.message,
        },
    }
}

#[async_trait]
impl ObjectStore for SimObjectStore {
    async fn head_object(&self, bucket: &str, key: &str) -> Result<Option<ObjectInfo>, S3Error> {
        match self.sim.with_s3(|s3| s3.head_object(bucket, key)) {
            Ok(o) => Ok(Some(ObjectInfo {
                size: o.bytes.len() as u64,
                metadata: o.metadata,
            })),
            Err(e) if e.code == "NoSuchKey" => Ok(None),
            Err(e) => Err(to_s3_error(e, bucket)),
        }
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        metadata: BTreeMap<String, String>,
    ) -> Result<(), S3Error> {
        self.sim
            .with_s3(|s3| s3.put_object(bucket, key, body, metadata))
            .map(drop)
            .map_err(|e| to_s3_error(e, bucket))
    }

    async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<String, S3Error> {
        self.sim
            .with_s3(|s3| s3.create_multipart(bucket, key, metadata))
            .map_err(|e| to_s3_error(e, bucket))
    }

    async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Vec<u8>,
    ) -> Result<String, S3Error> {
        self.sim
            .with_s3(|s3| s3.upload_part(bucket, key, upload_id, part_number, body))
            .map_err(|e| to_s3_error(e, bucket))
    }

    async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Vec<CompletedPart>,
    ) -> Result<(), S3Error> {
        let parts: Vec<(u32, String)> =
            parts.into_iter().map(|p| (p.part_number, p.etag)).collect();
        self.sim
            .with_s3(|s3| s3.complete_multipart(bucket, key, upload_id, &parts))
            .map(drop)
            .map_err(|e| to_s3_error(e, bucket))
    }

    async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), S3Error> {
        self.sim
            .with_s3(|s3| s3.abort_multipart(bucket, key, upload_id))
            .map_err(|e| to_s3_error(e, bucket))
    }
}
