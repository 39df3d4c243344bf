//! S3's REST API in path style (`PUT /bucket/key`), for the calls an artifact upload
//! makes: CreateBucket, HeadBucket, PutObject, HeadObject, GetObject, and the four
//! multipart calls. Errors are S3's XML bodies.
//!
//! Lambda's routes begin with a dated segment (`/2015-03-31/...`) and the control API
//! with `/_sim/`; every other path is S3's.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::Sim;
use super::super::s3::{S3Object, S3SimError};
use super::wire;

const META_PREFIX: &str = "x-amz-meta-";

/// Whether a request path belongs to S3: not a dated Lambda route, not `/_sim/`.
pub(super) fn is_s3(first_segment: Option<&str>) -> bool {
    match first_segment {
        None => true,
        Some("_sim") => false,
        Some(s) => !is_api_version(s),
    }
}

/// `2015-03-31` and its siblings.
fn is_api_version(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// One S3 request.
pub(super) struct S3Request<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
    pub request_id: &'a str,
}

pub(super) fn handle(sim: &Sim, req: S3Request<'_>) -> Response {
    let path = req.raw_path.trim_start_matches('/');
    let (bucket, key) = match path.split_once('/') {
        Some((b, k)) => (
            wire::percent_decode(b, false),
            wire::percent_decode(k, false),
        ),
        None => (wire::percent_decode(path, false), String::new()),
    };
    let query: BTreeMap<String, String> = wire::query_pairs(req.query).into_iter().collect();
    let result = route(sim, &req, &bucket, &key, &query);
    let mut response = match result {
        Ok(r) => r,
        Err(e) => error_response(&e, req.raw_path),
    };
    if let Ok(v) = HeaderValue::from_str(req.request_id) {
        response.headers_mut().insert("x-amz-request-id", v);
    }
    response
}

fn route(
    sim: &Sim,
    req: &S3Request<'_>,
    bucket: &str,
    key: &str,
    query: &BTreeMap<String, String>,
) -> Result<Response, S3SimError> {
    if bucket.is_empty() {
        return Err(not_implemented("ListBuckets"));
    }
    let upload_id = query.get("uploadId").map(String::as_str);
    match (req.method, key.is_empty(), upload_id) {
        ("PUT", true, _) => {
            sim.with_s3(|s3| s3.create_bucket(bucket));
            Ok(ok_with(
                &[("location", &format!("/{bucket}"))],
                Body::empty(),
            ))
        }
        ("HEAD", true, _) => {
            sim.with_s3(|s3| s3.head_bucket(bucket))?;
            Ok(ok_with(&[], Body::empty()))
        }
        ("PUT", false, Some(id)) => {
            let number = query
                .get("partNumber")
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| invalid_argument("partNumber is required with uploadId"))?;
            let body = req.body.to_vec();
            let tag = sim.with_s3(|s3| s3.upload_part(bucket, key, id, number, body))?;
            Ok(ok_with(&[("etag", &tag)], Body::empty()))
        }
        ("PUT", false, None) => {
            if req.headers.contains_key("x-amz-copy-source") {
                return Err(not_implemented("CopyObject"));
            }
            let body = req.body.to_vec();
            let metadata = metadata(req.headers);
            let tag = sim.with_s3(|s3| s3.put_object(bucket, key, body, metadata))?;
            Ok(ok_with(&[("etag", &tag)], Body::empty()))
        }
        ("POST", false, None) if query.contains_key("uploads") => {
            let metadata = metadata(req.headers);
            let id = sim.with_s3(|s3| s3.create_multipart(bucket, key, metadata))?;
            Ok(xml(format!(
                "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId></InitiateMultipartUploadResult>",
                escape(bucket),
                escape(key),
                escape(&id)
            )))
        }
        ("POST", false, Some(id)) => {
            let parts = parse_parts(&req.body)?;
            let tag = sim.with_s3(|s3| s3.complete_multipart(bucket, key, id, &parts))?;
            Ok(xml(format!(
                "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location>/{b}/{k}</Location><Bucket>{b}</Bucket><Key>{k}</Key><ETag>{t}</ETag></CompleteMultipartUploadResult>",
                b = escape(bucket),
                k = escape(key),
                t = escape(&tag)
            )))
        }
        ("DELETE", false, Some(id)) => {
            sim.with_s3(|s3| s3.abort_multipart(bucket, key, id))?;
            Ok((StatusCode::NO_CONTENT, Body::empty()).into_response())
        }
        ("HEAD", false, None) => {
            let object = sim.with_s3(|s3| s3.head_object(bucket, key))?;
            Ok(object_response(&object, false))
        }
        ("GET", false, None) => {
            let object = sim.with_s3(|s3| s3.get_object(bucket, key))?;
            Ok(object_response(&object, true))
        }
        (method, _, _) => Err(not_implemented(method)),
    }
}

fn metadata(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix(META_PREFIX)?;
            Some((key.to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

fn object_response(object: &S3Object, with_body: bool) -> Response {
    let mut headers: Vec<(String, String)> = vec![
        ("etag".to_owned(), object.etag.clone()),
        ("content-type".to_owned(), "application/zip".to_owned()),
        (
            "last-modified".to_owned(),
            "Thu, 01 Jan 2026 00:00:00 GMT".to_owned(),
        ),
    ];
    for (k, v) in &object.metadata {
        headers.push((format!("{META_PREFIX}{k}"), v.clone()));
    }
    let body = if with_body {
        Body::from(object.bytes.as_ref().clone())
    } else {
        headers.push(("content-length".to_owned(), object.bytes.len().to_string()));
        Body::empty()
    };
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ok_with(&pairs, body)
}

fn ok_with(headers: &[(&str, &str)], body: Body) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn xml(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `(PartNumber, ETag)` pairs of a CompleteMultipartUpload body, in document order.
fn parse_parts(body: &[u8]) -> Result<Vec<(u32, String)>, S3SimError> {
    let text = std::str::from_utf8(body).map_err(|_| malformed())?;
    let mut parts = Vec::new();
    for chunk in text.split("<Part>").skip(1) {
        let part = chunk.split("</Part>").next().unwrap_or("");
        let number = element(part, "PartNumber")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or_else(malformed)?;
        let tag = element(part, "ETag").ok_or_else(malformed)?;
        parts.push((number, unescape(tag.trim())));
    }
    Ok(parts)
}

fn element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let start = text.find(&format!("<{name}>"))? + name.len() + 2;
    let end = text[start..].find(&format!("</{name}>"))? + start;
    Some(&text[start..end])
}

fn malformed() -> S3SimError {
    S3SimError {
        status: 400,
        code: "MalformedXML",
        message: "The XML you provided was not well-formed or did not validate against our published schema.".to_owned(),
    }
}

fn invalid_argument(message: &str) -> S3SimError {
    S3SimError {
        status: 400,
        code: "InvalidArgument",
        message: message.to_owned(),
    }
}

fn not_implemented(what: &str) -> S3SimError {
    S3SimError {
        status: 501,
        code: "NotImplemented",
        message: format!("flotilla sim does not implement {what}"),
    }
}

fn error_response(e: &S3SimError, resource: &str) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><Resource>{}</Resource></Error>",
        e.code,
        escape(&e.message),
        escape(resource)
    );
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_and_control_paths_are_not_s3() {
        assert!(!is_s3(Some("2015-03-31")));
        assert!(!is_s3(Some("2017-10-31")));
        assert!(!is_s3(Some("_sim")));
        assert!(is_s3(Some("my-artifacts")));
        assert!(is_s3(None));
    }

    #[test]
    fn complete_body_lists_parts_in_order() {
        let body = b"<CompleteMultipartUpload><Part><ETag>&quot;a&quot;</ETag><PartNumber>1</PartNumber></Part><Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag></Part></CompleteMultipartUpload>";
        assert_eq!(
            parse_parts(body).ok(),
            Some(vec![(1, "\"a\"".to_owned()), (2, "\"b\"".to_owned())])
        );
    }
}
