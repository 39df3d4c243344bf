//! An endpoint nobody listens on fails a plan at once, saying so, instead of after a
//! minute of retrying a "transient" dispatch failure.

use std::net::TcpListener;
use std::process::Command;

#[test]
fn plan_against_a_closed_port_fails_on_the_first_call_and_names_the_endpoint_settings() {
    // A port that was just free: bind, note it, close it.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["plan", "-f", "deploy.yaml.example", "--env", "staging"])
        .args(["--endpoint-url", &format!("http://127.0.0.1:{port}")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("CONTACT_SMTP_PASSWORD", "not-a-real-secret")
        .output()
        .expect("run flotilla");
    let stderr = String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the endpoint refused the connection"),
        "{stderr}"
    );
    assert!(stderr.contains("--endpoint-url"), "{stderr}");
    assert!(stderr.contains("calls made: 1"), "not retried: {stderr}");
    assert!(!stderr.contains("not-a-real-secret"), "{stderr}");
}
