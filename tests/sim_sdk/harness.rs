//! A running emulator on a free port and an SDK client for it (retries off, static
//! credentials), plus small helpers.

use std::time::Duration;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use flotilla_sim::{Latency, LatencyConfig, QuotaConfig, SeedSpec, Sim, SimConfig};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "eu-north-1";

/// A running emulator on a free port, with its `Sim` for assertions.
pub struct Harness {
    pub sim: Sim,
    pub client: Client,
    pub url: String,
}

pub async fn start(latency: Duration, quota: QuotaConfig) -> Harness {
    let sim = Sim::new(SimConfig {
        seed: 7,
        latency: LatencyConfig::uniform(Latency::Fixed(latency)),
        quota,
        ..SimConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(flotilla_sim::http::serve(sim.clone(), listener));
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(&url)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
        .build();
    Harness {
        sim,
        client: Client::from_conf(config),
        url,
    }
}

pub fn seed(sim: &Sim, name: &str) {
    let spec = SeedSpec {
        name: name.to_owned(),
        ..SeedSpec::default()
    };
    sim.seed_function(ACCOUNT, REGION, spec.into_seed(ACCOUNT))
        .expect("seed");
}

/// Polls GetFunction (a bounded number of times) until the predicate holds.
pub async fn poll_until(
    client: &Client,
    name: &str,
    done: impl Fn(&aws_sdk_lambda::types::FunctionConfiguration) -> bool,
) -> aws_sdk_lambda::types::FunctionConfiguration {
    for _ in 0..200 {
        let out = client
            .get_function()
            .function_name(name)
            .send()
            .await
            .expect("get");
        let config = out.configuration.expect("configuration");
        if done(&config) {
            return config;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{name} never reached the expected state");
}

/// Minimal HTTP/1.1 over a socket, so the control API is exercised without another client.
pub async fn raw_http(url: &str, request: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).await.expect("read");
    out
}

pub async fn http_post(url: &str, path: &str, body: &str) -> String {
    let req = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    raw_http(url, req).await
}

pub async fn http_get(url: &str, path: &str) -> String {
    raw_http(
        url,
        format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"),
    )
    .await
}

/// A raw response split into status code, lower-cased headers and JSON body.
pub fn split_response(
    raw: &str,
) -> (
    u16,
    std::collections::BTreeMap<String, String>,
    serde_json::Value,
) {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(body).expect("JSON body")
    };
    (status, headers, body)
}
