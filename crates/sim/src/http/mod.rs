//! The HTTP front door: Lambda's REST-JSON API, CloudWatch's `DescribeAlarms`
//! (smithy-rpcv2-cbor), the `/_sim/` control API, and S3 in path style for every other
//! path (`s3_routes`).
//!
//! Requests are accepted with any SigV4 signature (none is checked). The caller's
//! account comes from the access key when it is 12 digits (as LocalStack does) or a
//! session key minted by STS `AssumeRole` (the role's account, see `sts`), else the
//! configured default; the region comes from the signature's credential scope.
//! A dropped-connection fault closes the socket without writing a response.

mod cloudwatch;
mod control;
mod invoke;
mod layers;
pub(crate) mod routes;
mod s3_routes;
mod sts;
mod wire;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::Sim;
use super::state::SimError;
use routes::LambdaRequest;

/// Region used when a request carries no SigV4 credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Largest request body accepted (a 50 MB zip grows by a third in base64).
const MAX_BODY: usize = 80 * 1024 * 1024;

/// Serves the emulator on `listener` until the future is dropped.
pub async fn serve(sim: Sim, listener: TcpListener) -> io::Result<()> {
    serve_with_shutdown(sim, listener, std::future::pending()).await
}

/// Serves the emulator until `shutdown` completes, then finishes in-flight requests.
pub async fn serve_with_shutdown(
    sim: Sim,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = Router::new().fallback(handle).with_state(AppState {
        sim,
        requests: Arc::new(AtomicU64::new(0)),
        sts: sts::Sessions::default(),
    });
    axum::serve(
        SimListener(listener),
        app.into_make_service_with_connect_info::<ConnHandle>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[derive(Clone)]
struct AppState {
    sim: Sim,
    requests: Arc<AtomicU64>,
    /// Sessions STS `AssumeRole` granted, by access key.
    sts: sts::Sessions,
}

/// A TCP listener whose connections can be cut from inside a handler.
struct SimListener(TcpListener);

impl axum::serve::Listener for SimListener {
    type Io = DroppableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (
                        DroppableStream {
                            inner: stream,
                            dropped: Arc::new(AtomicBool::new(false)),
                        },
                        addr,
                    );
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that, once marked dropped, neither reads nor writes another byte.
struct DroppableStream {
    inner: TcpStream,
    dropped: Arc<AtomicBool>,
}

impl DroppableStream {
    fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by a fault",
    )
}

impl AsyncRead for DroppableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.is_dropped() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for DroppableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.is_dropped() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.is_dropped() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Per-connection handle a handler uses to cut its own connection.
#[derive(Clone)]
struct ConnHandle(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, SimListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        ConnHandle(stream.io().dropped.clone())
    }
}

/// The SigV4 credential scope: (access key, region), from the `Authorization` header.
fn credential_scope(headers: &HeaderMap) -> Option<(String, String)> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let scope = auth
        .split([',', ' '])
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    match scope.split('/').collect::<Vec<_>>().as_slice() {
        [key, _date, region, ..] => Some(((*key).to_owned(), (*region).to_owned())),
        _ => None,
    }
}

/// Account and region of the caller, from the SigV4 `Authorization` header.
fn caller(
    headers: &HeaderMap,
    default_account: &str,
    sessions: &sts::Sessions,
) -> (String, String) {
    match credential_scope(headers) {
        Some((key, region)) => {
            let account = if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
                key
            } else if let Some(session) = sessions.get(&key) {
                session.account
            } else {
                default_account.to_owned()
            };
            (account, region)
        }
        None => (default_account.to_owned(), DEFAULT_REGION.to_owned()),
    }
}

async fn handle(
    State(app): State<AppState>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    let request_id = app.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = format!("00000000-0000-4000-8000-{request_id:012x}");
    let (parts, body) = req.into_parts();
    let (account, region) = caller(&parts.headers, &app.sim.config().default_account, &app.sts);
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(
                &SimError::new(
                    413,
                    "RequestTooLargeException",
                    "Request must be smaller than 80 MB.",
                ),
                &request_id,
            );
        }
    };
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    if sts::is_sts(parts.method.as_str(), parts.uri.path(), content_type) {
        let key = credential_scope(&parts.headers).map(|(key, _)| key);
        return sts::handle(&app.sts, &bytes, &account, key.as_deref(), &request_id);
    }
    if parts.method == "GET" && parts.uri.path() == "/_sim/sts/sessions" {
        return axum::Json(app.sts.list()).into_response();
    }
    if parts.method == "GET"
        && let Some(key) = parts.uri.path().strip_prefix("/_sim/code/")
    {
        return match app.sim.with_s3(|s3| s3.lambda_code(key)) {
            Some(bytes) => (
                StatusCode::OK,
                [("content-type", "application/zip")],
                bytes.as_ref().clone(),
            )
                .into_response(),
            None => (
                StatusCode::NOT_FOUND,
                "no package with this SHA-256 is kept",
            )
                .into_response(),
        };
    }
    if let Some(op) = cloudwatch::operation(parts.method.as_str(), parts.uri.path()) {
        return cloudwatch::handle(&app.sim, op, &bytes, &account, &region, &request_id);
    }
    if parts.method == "POST"
        && let Some(op) = cloudwatch::json_operation(&parts.headers)
    {
        return cloudwatch::handle_json(&app.sim, &op, &bytes, &account, &region, &request_id);
    }
    let first = parts
        .uri
        .path()
        .split('/')
        .find(|s| !s.is_empty())
        .map(|s| wire::percent_decode(s, false));
    if s3_routes::is_s3(first.as_deref()) {
        return s3_routes::handle(
            &app.sim,
            s3_routes::S3Request {
                method: parts.method.as_str(),
                raw_path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &parts.headers,
                body: bytes,
                request_id: &request_id,
            },
        );
    }
    let raw_path = parts.uri.path().to_owned();
    let segments: Vec<String> = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| wire::percent_decode(s, false))
        .collect();
    if invoke::is_invoke(parts.method.as_str(), &segments) {
        let result = invoke::handle(
            &app.sim,
            &segments[2],
            parts.uri.query(),
            &parts.headers,
            &bytes,
            &account,
            &region,
        )
        .await;
        return match result {
            Ok(mut response) => {
                set_request_id(&mut response, &request_id);
                response
            }
            Err(SimError::Dropped) => {
                conn.0.store(true, Ordering::Relaxed);
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
            Err(e) => error_response(&e, &request_id),
        };
    }
    let json: Value = if bytes.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                let err = SimError::new(
                    400,
                    "InvalidRequestContentException",
                    format!("Could not parse request body into json: {e}"),
                );
                return error_response(&err, &request_id);
            }
        }
    };
    let result = if segments.first().map(String::as_str) == Some("_sim") {
        let segs: Vec<&str> = segments[1..].iter().map(String::as_str).collect();
        control::handle(
            &app.sim,
            parts.method.as_str(),
            &segs,
            &json,
            &wire::query_pairs(parts.uri.query()),
            &account,
            &region,
        )
    } else {
        let req = LambdaRequest {
            method: parts.method.as_str(),
            segments,
            query: wire::query_pairs(parts.uri.query()),
            body: json,
            account,
            region,
            host: parts
                .headers
                .get("host")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        routes::handle(&app.sim, req, &raw_path).await
    };
    match result {
        Ok((status, body)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = match body {
                Some(v) => (status, axum::Json(v)).into_response(),
                None => (status, Body::empty()).into_response(),
            };
            set_request_id(&mut response, &request_id);
            response
        }
        Err(SimError::Dropped) => {
            conn.0.store(true, Ordering::Relaxed);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(e) => error_response(&e, &request_id),
    }
}

fn set_request_id(response: &mut Response, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", v);
    }
}

fn error_response(e: &SimError, request_id: &str) -> Response {
    let Some((status, error_type, body, retry_after)) = routes::error_parts(e) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert("x-amzn-errortype", HeaderValue::from_static(error_type));
    if let Some(secs) = retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        headers.insert("retry-after", v);
    }
    set_request_id(&mut response, request_id);
    response
}
