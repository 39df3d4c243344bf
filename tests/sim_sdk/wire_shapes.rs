//! Golden files of what the emulator puts on the wire: a GetFunction body, an accepted
//! update, and the status, headers and body of a 409 and a 429, as a client sees them.

use std::time::Duration;

use flotilla_sim::QuotaConfig;
use serde_json::{Value, json};

use super::harness::{http_get, raw_http, split_response, start};

/// A SigV4-style header (unchecked by the emulator) so the call lands in eu-north-1.
const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/eu-north-1/lambda/aws4_request, SignedHeaders=host, Signature=0";

async fn call(url: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\nauthorization: {AUTH}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, headers, mut body) = split_response(&raw_http(url, request).await);
    // Only the headers a client acts on; timestamps are virtual but wall-clock-relative here.
    let kept: serde_json::Map<String, Value> = headers
        .into_iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "x-amzn-errortype" | "retry-after" | "content-type"
            )
        })
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    redact(&mut body);
    (status, Value::Object(kept), body)
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "LastModified" {
                    *v = json!("[last-modified]");
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[tokio::test]
async fn responses_match_lambdas_wire_format() {
    let h = start(
        Duration::from_secs(5),
        QuotaConfig {
            get_function: Some(100.0),
            control_plane: Some(2.0),
        },
    )
    .await;
    let seeded = super::harness::http_post(
        &h.url,
        "/_sim/seed",
        r#"{"region":"eu-north-1","functions":[{"name":"wire","memory_mb":256,"environment":{"STAGE":"test"},"tags":{"team":"a"},"reserved_concurrency":3}]}"#,
    )
    .await;
    assert!(seeded.starts_with("HTTP/1.1 200"), "{seeded}");

    let get = call(&h.url, "GET", "/2015-03-31/functions/wire", None).await;
    insta::assert_json_snapshot!("get_function", get);

    let update = json!({ "Timeout": 10 });
    let accepted = call(
        &h.url,
        "PUT",
        "/2015-03-31/functions/wire/configuration",
        Some(update.clone()),
    )
    .await;
    insta::assert_json_snapshot!("update_accepted", accepted);
    let conflict = call(
        &h.url,
        "PUT",
        "/2015-03-31/functions/wire/configuration",
        Some(update),
    )
    .await;
    insta::assert_json_snapshot!("conflict_409", conflict);

    // Two control-plane calls per second: the third is throttled.
    let throttled = call(
        &h.url,
        "GET",
        "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aeu-north-1%3A123456789012%3Afunction%3Awire",
        None,
    )
    .await;
    insta::assert_json_snapshot!("throttled_429", throttled);

    let counters = http_get(&h.url, "/_sim/counters").await;
    let (_, _, counters) = split_response(&counters);
    assert_eq!(counters["conflicts"], json!(1));
    assert_eq!(counters["throttles"], json!(1));
}
