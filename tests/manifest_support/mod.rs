//! Helpers shared by the manifest tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `path` relative to the crate root (tests run there), so diagnostics name short paths.
pub fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(root()).unwrap_or(path).to_owned()
}

/// Every example manifest: `deploy.yaml.example` and `examples/**/deploy.yaml`
/// (outside `examples/ci/`, whose files are not manifests).
pub fn example_manifests() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("deploy.yaml.example")];
    for entry in walkdir_yaml(&root().join("examples")) {
        out.push(relative(&entry));
    }
    out.sort();
    out
}

fn walkdir_yaml(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "ci")
                && p.parent() == Some(&root().join("examples"))
            {
                continue;
            }
            out.extend(walkdir_yaml(&p));
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    out
}

/// The bad manifests of the corpus, sorted.
pub fn bad_manifests() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("tests/bad_manifests"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| relative(&p))
        .collect();
    out.sort();
    out
}

/// What the JSON Schema must say about a corpus file (`# schema: reject|accept|n/a`).
pub fn schema_expectation(path: &Path) -> &'static str {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_default();
    match text.lines().next() {
        Some("# schema: reject") => "reject",
        Some("# schema: accept") => "accept",
        _ => "n/a",
    }
}
