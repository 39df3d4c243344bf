//! Downloading a zip function's package from GetFunction's `Code.Location`.
//!
//! The location is a presigned HTTPS URL (valid for ten minutes) on Lambda's own
//! bucket, so this is a plain GET, not an S3 call: no credentials, no SDK. The
//! emulator answers the same way over HTTP. The body is read up to a limit, so a wrong
//! URL cannot fill memory. [`DownloadError`] is always built; the download itself
//! needs the `sdk` feature.

#[cfg(feature = "sdk")]
use http_body_util::{BodyExt, Empty, Limited};
#[cfg(feature = "sdk")]
use hyper::body::Bytes;

/// The largest package read: Lambda's zip limit (50 MB direct, 250 MB unzipped from
/// S3) with room to spare.
pub const MAX_CODE_BYTES: usize = 300 * 1024 * 1024;

/// Why a package could not be downloaded.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The URL is not an http(s) URL.
    #[error("`{0}` is not an http or https URL")]
    BadUrl(String),
    /// No TLS roots could be loaded.
    #[error("cannot load the system's TLS root certificates: {0}")]
    Tls(String),
    /// The request failed.
    #[error("the download failed: {0}")]
    Request(String),
    /// The server answered with an error status.
    #[error("the download answered HTTP {0}")]
    Status(u16),
    /// The body is larger than [`MAX_CODE_BYTES`] or could not be read.
    #[error("reading the package failed (at most {MAX_CODE_BYTES} bytes are read): {0}")]
    Body(String),
    /// The body is larger than the limit the caller set.
    #[error("the package is larger than the {0} bytes read to list its files")]
    TooLarge(usize),
    /// This client cannot download packages (the in-process emulator).
    #[error("this endpoint does not serve deployment packages")]
    Unsupported,
}

impl DownloadError {
    /// The error as a sentence that never holds the URL (a presigned URL carries a
    /// signature and, with temporary credentials, a session token).
    pub fn without_url(&self) -> String {
        match self {
            DownloadError::BadUrl(_) => {
                "GetFunction's Code.Location is not an http or https URL".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// GETs `url` and returns the body.
///
/// # Errors
/// A bad URL, a TLS or connection failure, a non-2xx status, or a body past the limit.
#[cfg(feature = "sdk")]
pub async fn download_code(url: &str) -> Result<Vec<u8>, DownloadError> {
    download_code_limited(url, MAX_CODE_BYTES).await
}

/// [`download_code`] reading at most `max_bytes` ([`DownloadError::TooLarge`] past it).
///
/// # Errors
/// As [`download_code`].
#[cfg(feature = "sdk")]
pub async fn download_code_limited(url: &str, max_bytes: usize) -> Result<Vec<u8>, DownloadError> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| DownloadError::BadUrl(url.to_owned()))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(DownloadError::BadUrl(url.to_owned()));
    }
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| DownloadError::Tls(e.to_string()))?
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Empty<Bytes>>(https);
    let response = client
        .get(uri)
        .await
        .map_err(|e| DownloadError::Request(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(DownloadError::Status(status.as_u16()));
    }
    let body = Limited::new(response.into_body(), max_bytes)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() && max_bytes < MAX_CODE_BYTES {
                DownloadError::TooLarge(max_bytes)
            } else {
                DownloadError::Body(e.to_string())
            }
        })?;
    Ok(body.to_bytes().to_vec())
}
