//! Problems no retry can fix fail a plan at once, with an explanation, instead of after
//! every retry of a "transient" dispatch failure: missing credentials, and an endpoint
//! nobody listens on.

use std::net::TcpListener;
use std::process::{Command, Output};

/// `flotilla plan` of the example manifest against `endpoint`, with a clean environment
/// (no profile, no IMDS) plus `env`. Returns the output and stderr with white space
/// folded (miette wraps long lines).
fn plan_against(endpoint: &str, env: &[(&str, &str)]) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["plan", "-f", "deploy.yaml.example", "--env", "staging"])
        .args(["--endpoint-url", endpoint])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("CONTACT_SMTP_PASSWORD", "not-a-real-secret")
        .envs(env.iter().copied())
        .output()
        .expect("run flotilla");
    let stderr = String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (out, stderr)
}

#[test]
fn plan_without_credentials_fails_on_the_first_call_and_says_why() {
    // Nothing listens on the discard port; credentials are resolved first anyway.
    let (out, stderr) = plan_against("http://127.0.0.1:9", &[]);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no usable AWS credentials"), "{stderr}");
    assert!(stderr.contains("calls made: 1"), "not retried: {stderr}");
}

#[test]
fn plan_against_a_closed_port_fails_on_the_first_call_and_names_the_endpoint_settings() {
    // A port that was just free: bind, note it, close it.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let (out, stderr) = plan_against(
        &format!("http://127.0.0.1:{port}"),
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the endpoint refused the connection"),
        "{stderr}"
    );
    assert!(stderr.contains("--endpoint-url"), "{stderr}");
    assert!(stderr.contains("calls made: 1"), "not retried: {stderr}");
    assert!(!stderr.contains("not-a-real-secret"), "{stderr}");
}

/// A TCP listener that accepts connections and never answers, counting them: an
/// instance metadata endpoint on a machine outside EC2 that swallows packets.
fn black_hole() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            open.push(stream);
        }
    });
    (port, count)
}

#[test]
fn item_15_no_credentials_names_the_sources_tried_and_how_to_set_one() {
    let (port, connections) = black_hole();
    let imds = format!("http://127.0.0.1:{port}");
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["plan", "-f", "deploy.yaml.example", "--env", "staging"])
        .args(["--endpoint-url", "http://127.0.0.1:9"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds)
        .env("CONTACT_SMTP_PASSWORD", "not-a-real-secret")
        .output()
        .expect("run flotilla");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for source in [
        "1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY not set",
        "2. profile `default` in /dev/null and /dev/null",
        "3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN not set",
        "4. container credentials:",
        "5. EC2 instance metadata: one attempt of 1 s; set AWS_EC2_METADATA_DISABLED=true",
        "To set one: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE=NAME",
    ] {
        assert!(stderr.contains(source), "missing {source:?} in {stderr}");
    }
    // One attempt at instance metadata per credential lookup (the account check, then
    // the first Lambda call), not the SDK's default of four each.
    let attempts = connections.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=2).contains(&attempts), "{attempts} attempts: {stderr}");
    // Item 14: one error in one layout, not the SDK's debug dump or a repeated cause.
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
    assert!(!stderr.contains("ProviderError {"), "{stderr}");
    assert!(!stderr.contains("WARN"), "{stderr}");
    assert!(!stderr.contains("╰─▶"), "{stderr}");
    assert!(!stderr.contains("not-a-real-secret"), "{stderr}");
}
