//! Uploading one zip to its content-addressed key: skip when it is there already, one
//! PutObject when small, a multipart upload streamed from disk when large.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::SeekFrom;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::{CompletedPart, ObjectStore, S3Error, SHA256_METADATA};
use crate::model::RetryPolicy;
use crate::plan::UploadTarget;
use crate::retry::{Backoff, Decision, ErrorClass};

const MIB: u64 = 1024 * 1024;

/// S3 allows at most this many parts in one upload.
const MAX_PARTS: u64 = 10_000;

/// When to switch to multipart and how big the parts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadOptions {
    /// Files of at least this many bytes go up in parts.
    pub multipart_threshold: u64,
    /// Size of every part but the last (S3 wants at least 5 MiB).
    pub part_size: u64,
    /// Parts in flight at once; memory use is about `part_size * parallel_parts`.
    pub parallel_parts: usize,
}

impl Default for UploadOptions {
    /// 16 MiB threshold, 8 MiB parts, 4 at a time (32 MiB of buffers per upload).
    fn default() -> Self {
        Self {
            multipart_threshold: 16 * MIB,
            part_size: 8 * MIB,
            parallel_parts: 4,
        }
    }
}

/// Receives upload progress (bytes sent so far, out of `total`).
pub trait UploadProgress: Send + Sync {
    /// Called after each part (or the whole object) is sent.
    fn sent(&self, sent: u64, total: u64);
}

impl<F: Fn(u64, u64) + Send + Sync> UploadProgress for F {
    fn sent(&self, sent: u64, total: u64) {
        self(sent, total);
    }
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UploadReport {
    /// `s3://bucket/key`.
    pub location: String,
    /// Size of the object in bytes.
    pub bytes: u64,
    /// True when the object was there already (same size and SHA-256), so nothing was sent.
    pub skipped: bool,
    /// Parts sent: 0 when skipped, 1 for a single PutObject.
    pub parts: u32,
}

/// Uploads `file` (`size` bytes, SHA-256 `sha256_hex`) to `target`, unless an object of
/// the same size (and, when it records one, the same SHA-256) is there already.
///
/// Every call is retried on throttling and transient errors under `retry`; a multipart
/// upload that fails is aborted.
///
/// # Errors
/// The S3 error that ended the upload, or an I/O error reading `file` (as `Fatal`).
#[allow(clippy::too_many_arguments)] // each is a distinct input; a struct would only rename them
pub async fn upload_file(
    store: &dyn ObjectStore,
    file: &Path,
    target: &UploadTarget,
    sha256_hex: &str,
    size: u64,
    options: &UploadOptions,
    retry: RetryPolicy,
    progress: &dyn UploadProgress,
) -> Result<UploadReport, S3Error> {
    let UploadTarget { bucket, key } = target;
    let mut report = UploadReport {
        location: target.to_string(),
        bytes: size,
        skipped: false,
        parts: 0,
    };
    let mut backoff = Backoff::new(retry, 0, key);
    let existing = retrying(&mut backoff, || store.head_object(bucket, key)).await?;
    if let Some(info) = existing {
        let same_sha = info
            .metadata
            .get(SHA256_METADATA)
            .is_none_or(|s| s.eq_ignore_ascii_case(sha256_hex));
        if info.size == size && same_sha {
            report.skipped = true;
            return Ok(report);
        }
    }
    let metadata = BTreeMap::from([(SHA256_METADATA.to_owned(), sha256_hex.to_owned())]);
    progress.sent(0, size);
    if size < options.multipart_threshold {
        let body = tokio::fs::read(file)
            .await
            .map_err(|e| io_error(file, &e))?;
        if body.len() as u64 != size {
            return Err(changed(file));
        }
        retrying(&mut backoff, || {
            store.put_object(bucket, key, body.clone(), metadata.clone())
        })
        .await?;
        report.parts = 1;
        progress.sent(size, size);
        return Ok(report);
    }
    let upload_id = retrying(&mut backoff, || {
        store.create_multipart_upload(bucket, key, metadata.clone())
    })
    .await?;
    match upload_parts(
        store, file, target, &upload_id, size, options, retry, progress,
    )
    .await
    {
        Ok(parts) => {
            report.parts = u32::try_from(parts.len()).unwrap_or(u32::MAX);
            let done = retrying(&mut backoff, || {
                store.complete_multipart_upload(bucket, key, &upload_id, parts.clone())
            })
            .await;
            if let Err(e) = done {
                abort(store, target, &upload_id).await;
                return Err(e);
            }
            Ok(report)
        }
        Err(e) => {
            abort(store, target, &upload_id).await;
            Err(e)
        }
    }
}

/// Sends every part, `parallel_parts` at a time, each read from disk only when its
/// turn comes; returns them in part order.
#[allow(clippy::too_many_arguments)]
async fn upload_parts(
    store: &dyn ObjectStore,
    file: &Path,
    target: &UploadTarget,
    upload_id: &str,
    size: u64,
    options: &UploadOptions,
    retry: RetryPolicy,
    progress: &dyn UploadProgress,
) -> Result<Vec<CompletedPart>, S3Error> {
    // Grow the parts if the file would need more than S3's 10,000.
    let part_size = options.part_size.max(size.div_ceil(MAX_PARTS)).max(1);
    let count = size.div_ceil(part_size);
    let sent = AtomicU64::new(0);
    let sent = &sent;
    let mut parts: Vec<CompletedPart> = futures::stream::iter(1..=count)
        .map(|number| async move {
            let offset = (number - 1) * part_size;
            let len = part_size.min(size - offset);
            let body = read_part(file, offset, len).await?;
            let part_number = u32::try_from(number).unwrap_or(u32::MAX);
            let mut backoff = Backoff::new(retry, number, &target.key);
            let etag = retrying(&mut backoff, || {
                store.upload_part(
                    &target.bucket,
                    &target.key,
                    upload_id,
                    part_number,
                    body.clone(),
                )
            })
            .await?;
            let total = sent.fetch_add(len, Ordering::Relaxed) + len;
            progress.sent(total, size);
            Ok::<_, S3Error>(CompletedPart { part_number, etag })
        })
        .buffer_unordered(options.parallel_parts.max(1))
        .try_collect()
        .await?;
    parts.sort_by_key(|p| p.part_number);
    Ok(parts)
}

async fn read_part(file: &Path, offset: u64, len: u64) -> Result<Vec<u8>, S3Error> {
    let mut f = tokio::fs::File::open(file)
        .await
        .map_err(|e| io_error(file, &e))?;
    f.seek(SeekFrom::Start(offset))
        .await
        .map_err(|e| io_error(file, &e))?;
    let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
    f.read_exact(&mut buf).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            changed(file)
        } else {
            io_error(file, &e)
        }
    })?;
    Ok(buf)
}

/// Best effort: an abort that fails leaves parts S3's lifecycle rules can clean up.
async fn abort(store: &dyn ObjectStore, target: &UploadTarget, upload_id: &str) {
    let _ = store
        .abort_multipart_upload(&target.bucket, &target.key, upload_id)
        .await;
}

/// Runs `call` until it succeeds, fails for good, or the policy's attempts are used up.
async fn retrying<T, Fut>(
    backoff: &mut Backoff,
    mut call: impl FnMut() -> Fut,
) -> Result<T, S3Error>
where
    Fut: Future<Output = Result<T, S3Error>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let e = match call().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        match backoff.decide(ErrorClass::from(&e), attempt) {
            Decision::RetryAfter(delay) => tokio::time::sleep(delay).await,
            Decision::GiveUp | Decision::Fatal => return Err(e),
        }
    }
}

fn io_error(file: &Path, e: &std::io::Error) -> S3Error {
    S3Error::Fatal {
        code: "LocalFile".to_owned(),
        message: format!("cannot read `{}`: {e}", file.display()),
    }
}

fn changed(file: &Path) -> S3Error {
    S3Error::Fatal {
        code: "LocalFile".to_owned(),
        message: format!(
            "`{}` changed size while it was being uploaded",
            file.display()
        ),
    }
}
