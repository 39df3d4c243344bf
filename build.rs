//! Records the commit the binary is built from, for `flotilla --version`.
//!
//! In order: `FLOTILLA_BUILD_COMMIT` (for builds outside a checkout), the
//! `.cargo_vcs_info.json` that `cargo package` writes into a crates.io package (so
//! `cargo install flotilla` knows its commit, even when unpacked inside someone else's
//! repository), `git rev-parse HEAD` in a checkout, and `unknown` when none answers.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=FLOTILLA_BUILD_COMMIT");
    let commit = std::env::var("FLOTILLA_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(from_vcs_info)
        .or_else(from_git)
        .unwrap_or_else(|| "unknown".to_owned());
    let short: String = commit.trim().chars().take(12).collect();
    println!("cargo:rustc-env=FLOTILLA_COMMIT={short}");
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn from_git() -> Option<String> {
    let commit = git(&["rev-parse", "HEAD"])?;
    // Rebuild when HEAD moves: HEAD itself (a branch switch) and the ref it points at
    // (a commit). `--git-path` resolves both for worktrees too.
    // Only paths that exist: cargo re-runs a script on every build for a missing one.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for path in watched {
        if let Some(p) = git(&["rev-parse", "--git-path", &path])
            && Path::new(&p).exists()
        {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    Some(commit)
}

fn from_vcs_info() -> Option<String> {
    let text = std::fs::read_to_string(Path::new(".cargo_vcs_info.json")).ok()?;
    // {"git": {"sha1": "…"}, "path_in_vcs": ""}: a tiny fixed shape, no JSON parser needed.
    let rest = &text[text.find("\"sha1\"")? + 6..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}
