//! The Action's shell scripts (action/install.sh, action/run.sh): shellcheck finds
//! nothing, and install.sh installs from a local folder laid out like a GitHub release
//! (`download/v0.1.0/flotilla-<target>.tar.xz` and its `.sha256`, as cargo-dist writes
//! them), with no network: it verifies the checksum, refuses a tampered archive, skips the
//! download when the cache restored the binary, and writes the outputs and PATH entry.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("FLOTILLA_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"));
    let path = venv.join("bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing; run tests/tools/install.sh",
        path.display()
    );
    path
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn shellcheck_finds_nothing_in_the_action_scripts() {
    let out = Command::new(tool("shellcheck"))
        .args(["--severity=style", "action/install.sh", "action/run.sh"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn shellcheck_would_catch_an_unquoted_variable() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bad.sh");
    std::fs::write(&script, "#!/usr/bin/env bash\ndir=$1\nrm -rf $dir/x\n").unwrap();
    let out = Command::new(tool("shellcheck"))
        .arg(&script)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("SC2086"));
}

const TARGET: &str = "x86_64-unknown-linux-musl";

/// A release folder with one archive whose binary is a script printing its version.
/// Returns the `file://` base URL. `tamper` writes a checksum that does not match.
fn release(dir: &Path, tamper: bool) -> String {
    let stage = dir.join("stage").join(format!("flotilla-{TARGET}"));
    std::fs::create_dir_all(&stage).unwrap();
    let bin = stage.join("flotilla");
    std::fs::write(&bin, "#!/bin/sh\necho 'flotilla 0.1.0 (commit test)'\n").unwrap();
    std::fs::write(stage.join("README.md"), "readme\n").unwrap();
    let assets = dir.join("releases/download/v0.1.0");
    std::fs::create_dir_all(&assets).unwrap();
    let archive = assets.join(format!("flotilla-{TARGET}.tar.xz"));
    let status = Command::new("tar")
        .arg("-cJf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.join("stage"))
        .arg(format!("flotilla-{TARGET}"))
        .status()
        .unwrap();
    assert!(status.success());
    let hex = if tamper {
        "0".repeat(64)
    } else {
        Sha256::digest(std::fs::read(&archive).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    std::fs::write(
        assets.join(format!("flotilla-{TARGET}.tar.xz.sha256")),
        format!("{hex} *flotilla-{TARGET}.tar.xz\n"),
    )
    .unwrap();
    format!("file://{}", dir.join("releases").display())
}

struct Run {
    out: Output,
    github_output: String,
    github_path: String,
}

fn install(url: &str, version: &str, dir: &Path, phase: &str) -> Run {
    let gh_out = dir.join("github_output");
    let gh_path = dir.join("github_path");
    let _ = std::fs::remove_file(&gh_out);
    let _ = std::fs::remove_file(&gh_path);
    let out = Command::new("bash")
        .arg(root().join("action/install.sh"))
        .arg(phase)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", dir)
        .env("FLOTILLA_RELEASE_URL", url)
        .env("FLOTILLA_VERSION", version)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TOOL_CACHE", dir.join("toolcache"))
        .env("GITHUB_OUTPUT", &gh_out)
        .env("GITHUB_PATH", &gh_path)
        .output()
        .unwrap();
    Run {
        out,
        github_output: std::fs::read_to_string(&gh_out).unwrap_or_default(),
        github_path: std::fs::read_to_string(&gh_path).unwrap_or_default(),
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn install_script_installs_a_verified_release_and_reuses_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let url = release(dir.path(), false);
    let installed = dir
        .path()
        .join(format!("toolcache/flotilla/0.1.0/{TARGET}"));

    let resolved = install(&url, "v0.1.0", dir.path(), "resolve");
    assert!(resolved.out.status.success(), "{}", text(&resolved.out));
    assert_eq!(
        resolved.github_output,
        format!(
            "version=0.1.0\ntarget={TARGET}\ndir={}\n",
            installed.display()
        )
    );

    let run = install(&url, "v0.1.0", dir.path(), "install");
    assert!(run.out.status.success(), "{}", text(&run.out));
    let bin = installed.join("flotilla");
    let version = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        "flotilla 0.1.0 (commit test)\n"
    );
    assert_eq!(run.github_path, format!("{}\n", installed.display()));
    assert_eq!(
        run.github_output,
        format!("path={}\nversion=0.1.0\n", bin.display())
    );

    // A restored cache: nothing is downloaded (the release folder is gone).
    std::fs::remove_dir_all(dir.path().join("releases")).unwrap();
    let cached = install(&url, "0.1.0", dir.path(), "install");
    assert!(cached.out.status.success(), "{}", text(&cached.out));
    assert!(
        text(&cached.out).contains("already in"),
        "{}",
        text(&cached.out)
    );
}

#[test]
fn install_script_refuses_an_archive_whose_checksum_does_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let url = release(dir.path(), true);
    let run = install(&url, "0.1.0", dir.path(), "install");
    assert!(!run.out.status.success());
    assert!(
        text(&run.out).contains("checksum mismatch for flotilla-x86_64-unknown-linux-musl.tar.xz"),
        "{}",
        text(&run.out)
    );
    assert!(!dir.path().join("toolcache/flotilla").exists());
    assert_eq!(run.github_path, "");
}

#[test]
fn install_script_names_the_version_it_could_not_find() {
    let dir = tempfile::tempdir().unwrap();
    let url = release(dir.path(), false);
    let run = install(&url, "9.9.9", dir.path(), "install");
    assert!(!run.out.status.success());
    assert!(
        text(&run.out).contains("download/v9.9.9/flotilla-x86_64-unknown-linux-musl.tar.xz"),
        "{}",
        text(&run.out)
    );
}
