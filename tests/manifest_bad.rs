//! The corpus of bad manifests: each is refused (exit code 1) with diagnostics that
//! name the file and line, matching its golden snapshot; none panics.

use crate::manifest_support;

use std::collections::BTreeMap;
use std::path::Path;

use flotilla_core::model::{LoadOptions, ManifestError, load};
use manifest_support::{bad_manifests, relative, root};

fn refuse(path: &Path) -> ManifestError {
    let opts = LoadOptions::with_vars(None, BTreeMap::new());
    match load(path, &opts) {
        Ok(model) => panic!("{} was accepted: {model:?}", path.display()),
        Err(e) => e,
    }
}

/// Checks what every refusal must show, and returns the rendered report.
fn located_report(path: &Path, shown_as: &str) -> String {
    let err = refuse(path);
    assert_eq!(err.exit_code(), 1, "{}: {err}", path.display());
    assert!(!err.problems().is_empty());
    for p in err.problems() {
        assert!(p.line() >= 1 && p.column() >= 1, "{p:?}");
        assert_eq!(p.path, path);
        assert!(p.help.is_some(), "every problem says how to fix it: {p:?}");
    }
    // Wide enough that wrapping does not depend on where the file is.
    let text = err
        .render_text_width(false, 1000)
        .replace(&path.display().to_string(), shown_as);
    let first = &err.problems()[0];
    assert!(
        text.contains(&format!("{shown_as}:{}:{}", first.line(), first.column())),
        "the report names file and line:\n{text}"
    );
    text
}

#[test]
fn the_corpus_is_large_enough() {
    assert!(bad_manifests().len() >= 40);
}

#[test]
fn every_bad_manifest_is_refused_with_a_located_diagnostic() {
    for path in bad_manifests() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = located_report(&path, &path.display().to_string());
        insta::assert_snapshot!(format!("bad_{name}"), text);
    }
}

#[test]
fn three_errors_are_reported_at_once_each_on_its_line() {
    let path = Path::new("tests/bad_manifests/three-errors.yaml");
    let err = refuse(path);
    let lines: Vec<(usize, &str)> = err
        .problems()
        .iter()
        .map(|p| (p.line(), p.message.as_str()))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].1.contains("memory"), "{lines:?}");
    assert!(lines[1].1.contains("alias"), "{lines:?}");
    assert!(lines[2].1.contains("billing"), "{lines:?}");
    assert_eq!(
        lines.iter().map(|l| l.0).collect::<Vec<_>>(),
        vec![10, 12, 13]
    );
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad_manifests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_ten_megabyte_manifest_is_refused_before_parsing() {
    let path = scratch("huge.yaml");
    let mut text = String::from("version: 1\nfunctions:\n");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str("  # padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&path, text).unwrap();
    insta::assert_snapshot!(
        "generated_ten_megabytes",
        located_report(&path, "huge.yaml")
    );
}

#[test]
fn a_directory_is_refused() {
    let path = scratch("a-directory.yaml");
    std::fs::create_dir_all(&path).unwrap();
    insta::assert_snapshot!(
        "generated_directory",
        located_report(&path, "a-directory.yaml")
    );
}

#[test]
fn a_missing_file_is_refused() {
    let path = scratch("does-not-exist.yaml");
    let text = located_report(&path, "does-not-exist.yaml");
    assert!(text.contains("cannot read manifest"), "{text}");
}

#[test]
fn non_utf8_text_is_refused_at_the_bad_byte() {
    let path = scratch("latin1.yaml");
    std::fs::write(
        &path,
        b"version: 1\nfunctions:\n  caf\xe9:\n    memory: 256\n",
    )
    .unwrap();
    let err = refuse(&path);
    assert_eq!(
        (err.problems()[0].line(), err.problems()[0].column()),
        (3, 6)
    );
    insta::assert_snapshot!("generated_non_utf8", located_report(&path, "latin1.yaml"));
}

#[test]
fn binary_garbage_is_refused() {
    let path = scratch("garbage.yaml");
    // A deterministic xorshift stream: arbitrary bytes, NULs and invalid UTF-8 included.
    let mut x: u32 = 0x2545_f491;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect();
    std::fs::write(&path, bytes).unwrap();
    insta::assert_snapshot!(
        "generated_binary_garbage",
        located_report(&path, "garbage.yaml")
    );
}

#[test]
fn binary_garbage_that_is_valid_utf8_is_refused() {
    let path = scratch("printable-garbage.yaml");
    let mut x: u32 = 0x1234_5678;
    let text: String = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(b' ' + (x % 95) as u8)
        })
        .collect();
    std::fs::write(&path, text).unwrap();
    let err = refuse(&path);
    assert_eq!(err.exit_code(), 1);
}

#[test]
fn the_corpus_paths_are_relative_to_the_crate() {
    assert!(
        root()
            .join(relative(&root().join("tests/bad_manifests/empty.yaml")))
            .exists()
    );
}
