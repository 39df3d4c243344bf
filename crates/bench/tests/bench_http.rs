//! fleet-bench's HTTP mode end to end, small: the real binary starts the emulator as a
//! child, deploys through the SDK, and reports every function converged.

use assert_cmd::Command;

#[test]
fn http_mode_deploys_every_function_through_the_sdk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("http.json");
    let out = Command::cargo_bin("fleet-bench")
        .expect("binary")
        .args(["--mode", "http", "--functions", "20", "--json"])
        .arg(&json)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("http mode: 20 functions"), "{stdout}");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("json");
    assert_eq!(v["functions"], 20);
    assert_eq!(v["failed"], 0, "{stdout}");
    assert!(v["cpu_s"].as_f64().is_some_and(|c| c >= 0.0));
    assert!(
        v["peak_rss_mb"]
            .as_f64()
            .is_some_and(|m| m >= v["rss_before_mb"].as_f64().unwrap_or(0.0))
    );
}
