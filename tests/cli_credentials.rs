//! Missing credentials fail a plan at once with the credential chain's own explanation,
//! instead of after every retry of a "transient" dispatch failure.

use std::process::Command;

#[test]
fn plan_without_credentials_fails_on_the_first_call_and_says_why() {
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args([
            "plan",
            "-f",
            "deploy.yaml.example",
            "--env",
            "staging",
            // Nothing listens on the discard port; credentials are resolved first anyway.
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("CONTACT_SMTP_PASSWORD", "not-a-real-secret")
        .output()
        .expect("run flotilla");
    // miette wraps long lines; compare with white space folded.
    let stderr = String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no usable AWS credentials"), "{stderr}");
    assert!(stderr.contains("calls made: 1"), "not retried: {stderr}");
}
