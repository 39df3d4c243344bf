//! `flotilla --version`: the crate's version and the commit the binary was built from
//! (build.rs: `FLOTILLA_BUILD_COMMIT`, `.cargo_vcs_info.json`, `git rev-parse HEAD`).

use std::process::Command;

#[test]
fn version_names_the_release_and_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = format!("flotilla {} (commit ", env!("CARGO_PKG_VERSION"));
    let commit = text
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("{text:?}"));
    // In a checkout (as in CI) it is HEAD's; elsewhere a hash or `unknown`.
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match head {
        Some(head) if std::env::var_os("FLOTILLA_BUILD_COMMIT").is_none() => {
            assert!(head.starts_with(commit), "{commit} is not HEAD {head}");
            assert_eq!(commit.len(), 12, "{commit}");
        }
        _ => assert!(
            commit == "unknown" || commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{commit}"
        ),
    }
}
