//! `flotilla sim` as a process: flag errors, and `tests/awscli_sim.sh` (the stock AWS
//! CLI) against the built binary, started on a free port and stopped by PID with SIGTERM.
//! Configuration updates take 6 s so the overlapping update reliably lands while the first
//! is still in progress, however slowly the Python CLI starts.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn venv() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let venv = std::env::var_os("FLOTILLA_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv"));
    let venv = if venv.is_absolute() {
        venv
    } else {
        root.join(venv)
    };
    assert!(
        venv.join("bin/aws").exists(),
        "no AWS CLI in {} (run tests/tools/install.sh)",
        venv.display()
    );
    venv
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn the_aws_cli_works_against_flotilla_sim_unchanged() {
    let venv = venv();
    let mut sim = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args([
            "sim",
            "--port",
            "0",
            "--seed",
            "1",
            "--latency",
            "1s",
            "--latency",
            "configuration=6s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flotilla sim");
    let mut stdout = BufReader::new(sim.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the ready line");
    let url = line
        .trim()
        .strip_prefix("flotilla sim listening on ")
        .map(str::to_owned);
    let result = url.as_ref().map(|url| {
        Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/awscli_sim.sh"))
            .arg(url)
            .env("FLOTILLA_VENV", &venv)
            .output()
            .expect("run the script")
    });
    // Stop by PID, the way a CI script would, and expect a clean exit.
    let pid = sim.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let exit = sim.wait_with_output().expect("wait for flotilla sim");
    let url = url.unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = result.expect("script ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "script failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("awscli_sim: all checks passed"), "{stdout}");
    assert!(killed.success());
    assert!(
        exit.status.success(),
        "flotilla sim did not stop cleanly: {:?}",
        exit.status
    );
    assert!(String::from_utf8_lossy(&exit.stderr).contains("flotilla sim stopped"));
}

#[test]
fn bad_flags_are_usage_errors_with_a_hint() {
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["sim", "--port", "0", "--quota", "get-function=fast"])
        .output()
        .expect("run flotilla sim");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid --quota: `fast`: expected a rate of at least 0.01/s or `off`"),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["sim", "--port", "0", "--latency", "publish=1s"])
        .output()
        .expect("run flotilla sim");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown update kind `publish`"));
}
