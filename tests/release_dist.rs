//! The release automation: the committed `.github/workflows/release.yml` is what
//! cargo-dist generates from `dist-workspace.toml` (`dist generate --check`), and
//! `dist plan` lists an archive with a SHA-256 for every platform the README promises,
//! plus the shell and PowerShell installers. The Dockerfile passes hadolint.

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn dist(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(tool("dist"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn the_release_workflow_is_what_dist_generates() {
    let (ok, out, err) = dist(&["generate", "--check"]);
    assert!(ok, "run `dist generate` and commit the result:\n{out}{err}");
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn dist_plan_lists_every_archive_with_its_checksum_and_both_installers() {
    let (ok, out, err) = dist(&["plan", "--output-format=json"]);
    assert!(ok, "{out}{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let artifacts = plan["artifacts"].as_object().unwrap();
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
    ] {
        let archive = format!("flotilla-{target}.tar.xz");
        assert!(artifacts.contains_key(&archive), "{archive}: {artifacts:?}");
        assert!(
            artifacts.contains_key(&format!("{archive}.sha256")),
            "{archive}"
        );
    }
    for name in [
        "flotilla-x86_64-pc-windows-msvc.zip",
        "flotilla-x86_64-pc-windows-msvc.zip.sha256",
        "flotilla-installer.sh",
        "flotilla-installer.ps1",
        "sha256.sum",
    ] {
        assert!(artifacts.contains_key(name), "{name}: {artifacts:?}");
    }
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn hadolint_finds_nothing_in_the_dockerfile() {
    let out = Command::new(tool("hadolint"))
        .args(["--no-color", "Dockerfile"])
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

/// The archive names the Action's install script asks for are ones dist publishes.
#[test]
fn the_action_downloads_archives_dist_publishes() {
    let script = std::fs::read_to_string(root().join("action/install.sh")).unwrap();
    let config = std::fs::read_to_string(root().join("dist-workspace.toml")).unwrap();
    for target in [
        "unknown-linux-musl",
        "apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(script.contains(target), "install.sh lacks {target}");
    }
    for needle in [
        "\"x86_64-unknown-linux-musl\"",
        "\"aarch64-unknown-linux-musl\"",
        "\"x86_64-apple-darwin\"",
        "\"aarch64-apple-darwin\"",
        "\"x86_64-pc-windows-msvc\"",
        "unix-archive = \".tar.xz\"",
        "windows-archive = \".zip\"",
        "checksum = \"sha256\"",
    ] {
        assert!(
            config.contains(needle),
            "dist-workspace.toml lacks {needle}"
        );
    }
    assert!(script.contains("flotilla-$target.tar.xz"));
    assert!(script.contains("flotilla-$target.zip"));
}
