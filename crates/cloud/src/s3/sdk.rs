//! [`SdkS3`]: the production [`ObjectStore`] on top of `aws-sdk-s3`; the only file that
//! imports it.
//!
//! Built from the same loaded AWS configuration as the Lambda clients (credentials,
//! region, `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`), with the SDK's retries off (the
//! upload retries by itself) and path-style addressing whenever an endpoint is
//! overridden, since emulators rarely serve `bucket.host` names. Checksums are sent
//! only where S3 requires them: the streamed `aws-chunked` trailers the SDK would add
//! otherwise are not understood by every S3-compatible endpoint, and the object's
//! SHA-256 is recorded in its metadata instead.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{Region, RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart as SdkPart};

use super::{CompletedPart, ObjectInfo, ObjectStore, S3Error};

/// An S3 client for one region.
#[derive(Debug, Clone)]
pub struct SdkS3 {
    client: aws_sdk_s3::Client,
}

impl SdkS3 {
    /// A client for `region` from a loaded configuration. `upload_timeout` bounds one
    /// request (a part or a whole small object); `connect_timeout` the connection.
    pub fn new(
        shared: &aws_config::SdkConfig,
        region: &str,
        connect_timeout: Duration,
        upload_timeout: Duration,
    ) -> Self {
        let overridden = shared.endpoint_url().is_some()
            || ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
                .iter()
                .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(connect_timeout)
            .operation_attempt_timeout(upload_timeout)
            .operation_timeout(upload_timeout)
            .build();
        // The service-specific variable beats a global endpoint (`--endpoint-url` sets
        // one in code, which the SDK would otherwise prefer).
        let s3_endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .ok()
            .filter(|v| !v.is_empty());
        let mut builder = aws_sdk_s3::config::Builder::from(shared);
        if let Some(url) = s3_endpoint {
            builder = builder.endpoint_url(url);
        }
        let config = builder
            .region(Region::new(region.to_owned()))
            .force_path_style(overridden)
            .timeout_config(timeouts)
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(config),
        }
    }

    /// A client from an explicit configuration (tests; nothing read from the environment).
    pub fn from_conf(config: aws_sdk_s3::Config) -> Self {
        Self {
            client: aws_sdk_s3::Client::from_conf(config),
        }
    }
}

#[async_trait]
impl ObjectStore for SdkS3 {
    async fn head_object(&self, bucket: &str, key: &str) -> Result<Option<ObjectInfo>, S3Error> {
        match self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(ObjectInfo {
                size: out
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                metadata: out
                    .metadata()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            })),
            // Without s3:ListBucket, S3 answers a missing key with 403, not 404: treat it
            // as "not known to be there" and let the PutObject succeed or fail on its own.
            Err(SdkError::ServiceError(ctx))
                if matches!(ctx.raw().status().as_u16(), 403 | 404) =>
            {
                Ok(None)
            }
            Err(e) => Err(classify(e, bucket)),
        }
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        metadata: BTreeMap<String, String>,
    ) -> Result<(), S3Error> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/zip")
            .set_metadata(Some(metadata.into_iter().collect()))
            .body(ByteStream::from(body))
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(e, bucket))
    }

    async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<String, S3Error> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type("application/zip")
            .set_metadata(Some(metadata.into_iter().collect()))
            .send()
            .await
            .map_err(|e| classify(e, bucket))?;
        out.upload_id()
            .map(str::to_owned)
            .ok_or_else(|| S3Error::Fatal {
                code: "InvalidResponse".to_owned(),
                message: "CreateMultipartUpload returned no UploadId".to_owned(),
            })
    }

    async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Vec<u8>,
    ) -> Result<String, S3Error> {
        let out = self
            .client
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(i32::try_from(part_number).unwrap_or(i32::MAX))
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| classify(e, bucket))?;
        out.e_tag()
            .map(str::to_owned)
            .ok_or_else(|| S3Error::Fatal {
                code: "InvalidResponse".to_owned(),
                message: format!("UploadPart {part_number} returned no ETag"),
            })
    }

    async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Vec<CompletedPart>,
    ) -> Result<(), S3Error> {
        let parts = parts
            .into_iter()
            .map(|p| {
                SdkPart::builder()
                    .part_number(i32::try_from(p.part_number).unwrap_or(i32::MAX))
                    .e_tag(p.etag)
                    .build()
            })
            .collect();
        self.client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(e, bucket))
    }

    async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), S3Error> {
        self.client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(e, bucket))
    }
}

/// Classifies a failed SDK call.
fn classify<E>(err: SdkError<E, HttpResponse>, bucket: &str) -> S3Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let meta = ctx.err();
            let code = meta.code().unwrap_or("").to_owned();
            let message = meta
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| DisplayErrorContext(meta).to_string());
            match (status, code.as_str()) {
                (_, "NoSuchBucket") => S3Error::NoSuchBucket {
                    bucket: bucket.to_owned(),
                },
                (403, _) | (_, "AccessDenied") => S3Error::AccessDenied { message },
                (503, _) | (_, "SlowDown") => S3Error::Throttled {
                    retry_after: None,
                    message,
                },
                (500.., _) | (_, "RequestTimeout") => S3Error::Transient { message },
                _ => S3Error::Fatal {
                    code: if code.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        code
                    },
                    message,
                },
            }
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => S3Error::Transient {
            message: DisplayErrorContext(&err).to_string(),
        },
        SdkError::DispatchFailure(failure) if !failure.is_user() => S3Error::Transient {
            message: DisplayErrorContext(&err).to_string(),
        },
        _ => S3Error::Fatal {
            code: "RequestFailed".to_owned(),
            message: DisplayErrorContext(&err).to_string(),
        },
    }
}
