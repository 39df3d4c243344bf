//! The crates.io packages (`cargo install flotilla --locked`, `cargo binstall flotilla`):
//! `flotilla` and the libraries it needs (`flotilla-core`, `flotilla-cloud`,
//! `flotilla-sim`) are published with complete metadata, path dependencies carry a
//! version, the benchmark is not published, and `cargo package --list` of each holds
//! what it needs (its README, the committed schemas and every local file the README
//! links to) and none of the tests.
//!
//! `cargo package --workspace --locked` itself (which builds every package from its
//! `.crate`) takes minutes; `.ci/run` runs it, see docs/development.md.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const PUBLISHED: [&str; 4] = [
    "flotilla",
    "flotilla-core",
    "flotilla-cloud",
    "flotilla-sim",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cargo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn listed(package: &str) -> BTreeSet<String> {
    cargo(&[
        "package",
        "--list",
        "--allow-dirty",
        "--offline",
        "-p",
        package,
    ])
    .lines()
    .map(str::to_owned)
    .collect()
}

#[test]
fn published_crates_have_complete_metadata_and_versioned_path_deps() {
    let meta: serde_json::Value = serde_json::from_str(&cargo(&[
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--offline",
    ]))
    .unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let by_name = |name: &str| {
        packages
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no package {name}"))
    };
    for name in PUBLISHED {
        let p = by_name(name);
        assert!(
            p["publish"].is_null(),
            "{name} is not published: {}",
            p["publish"]
        );
        for key in ["description", "license", "repository", "readme", "homepage"] {
            assert!(
                p[key].as_str().is_some_and(|v| !v.is_empty()),
                "{name} lacks {key}"
            );
        }
        for key in ["keywords", "categories"] {
            assert!(
                p[key].as_array().is_some_and(|v| !v.is_empty()),
                "{name} lacks {key}"
            );
        }
        for dep in p["dependencies"].as_array().unwrap() {
            if dep["path"].is_string() && dep["kind"].is_null() {
                assert_ne!(
                    dep["req"], "*",
                    "{name} → {}: a path dependency needs a version",
                    dep["name"]
                );
                assert!(
                    PUBLISHED.contains(&dep["name"].as_str().unwrap()),
                    "{name} depends on unpublished {}",
                    dep["name"]
                );
            }
        }
    }
    assert_eq!(
        by_name("flotilla-bench")["publish"],
        serde_json::json!([]),
        "the benchmark is not published"
    );
    let binstall = &by_name("flotilla")["metadata"]["binstall"];
    let url = binstall["pkg-url"].as_str().unwrap_or_default();
    assert!(
        url.contains("/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }"),
        "cargo-binstall must find the dist archives: {binstall}"
    );
}

#[test]
fn cargo_package_lists_what_each_crate_needs_and_no_tests() {
    let flotilla = listed("flotilla");
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "build.rs",
        "src/main.rs",
        "src/lib.rs",
        "schema/deploy.schema.json",
        "schema/plan.schema.json",
        "schema/report.schema.json",
        "deploy.yaml.example",
    ] {
        assert!(
            flotilla.contains(file),
            "flotilla lacks {file}: {flotilla:?}"
        );
    }
    // Every local file the README links to ships with it.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for link in readme.split("](").skip(1) {
        let target = link.split([')', '#']).next().unwrap_or_default();
        if target.is_empty() || target.contains("://") || !root().join(target).is_file() {
            continue;
        }
        assert!(
            flotilla.contains(target),
            "the README links to {target}, which is not packaged"
        );
    }
    assert!(
        flotilla
            .iter()
            .all(|f| !f.starts_with("tests/") && !f.starts_with(".github/")),
        "{flotilla:?}"
    );
    for name in ["flotilla-core", "flotilla-cloud", "flotilla-sim"] {
        let files = listed(name);
        for file in ["Cargo.toml", "README.md", "src/lib.rs"] {
            assert!(files.contains(file), "{name} lacks {file}: {files:?}");
        }
        assert!(
            files.iter().all(|f| {
                f.starts_with("src/")
                    || [
                        "Cargo.toml",
                        "Cargo.toml.orig",
                        "Cargo.lock",
                        "README.md",
                        ".cargo_vcs_info.json",
                    ]
                    .contains(&f.as_str())
            }),
            "{name} ships more than its code: {files:?}"
        );
    }
}
