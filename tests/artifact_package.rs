//! `dir:` packaging: reproducible bytes, exclude globs, modes, symlinks, and archives that
//! the `zip` crate and Python's `zipfile` read back with the same contents.
#![cfg(unix)] // symlinks and Unix modes are part of what is tested

use crate::artifact_common;

use std::fs;
use std::io::Read;
use std::os::unix::fs::symlink;

use artifact_common::{at, names, python, python_code_sha256, python_entries, write_tree};
use flotilla_core::artifact::{ArtifactError, package_dir};

const APP: &[artifact_common::Spec<'static>] = &[
    (
        "app.py",
        b"def handler(event, context):\n    return 1\n",
        0o644,
    ),
    ("bin/run", b"#!/bin/sh\nexec python app.py\n", 0o755),
    ("lib/util.py", b"X = 1\n", 0o644),
    ("lib/deep/more.py", b"Y = 2\n", 0o644),
    ("a-b.txt", b"dash sorts before slash\n", 0o644),
    ("a/c.txt", b"in a folder\n", 0o644),
];

#[test]
fn same_tree_gives_same_bytes_whatever_times_modes_and_creation_order() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    write_tree(one.path(), APP, at(1_000_000_000));
    // Reverse creation order, another mtime, and other (non-executable vs executable)
    // permission bits that normalise to the same modes.
    let mut reversed: Vec<_> = APP.to_vec();
    reversed.reverse();
    for spec in &mut reversed {
        spec.2 = if spec.2 == 0o755 { 0o700 } else { 0o600 };
    }
    write_tree(two.path(), &reversed, at(1_700_000_000));

    let a = package_dir(one.path(), &[]).unwrap();
    let b = package_dir(two.path(), &[]).unwrap();
    assert_eq!(a.code_sha256, b.code_sha256);
    assert!(a.bytes == b.bytes, "packages differ byte for byte");
    assert_eq!(a.size, a.bytes.len() as u64);

    let again = package_dir(one.path(), &[]).unwrap();
    assert!(again.bytes == a.bytes);
}

#[test]
fn entries_are_sorted_bytewise_with_fixed_headers_and_no_extra_fields() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), APP, at(1_600_000_000));
    let package = package_dir(dir.path(), &[]).unwrap();

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    let names = names(&zip);
    assert_eq!(
        names,
        [
            "a-b.txt",
            "a/c.txt",
            "app.py",
            "bin/run",
            "lib/deep/more.py",
            "lib/util.py"
        ]
    );
    for (name, contents, mode) in APP {
        let mut file = zip.by_name(name).unwrap();
        assert_eq!(file.unix_mode(), Some(0o100_000 | mode), "{name}");
        assert_eq!(
            file.last_modified().map(|t| t.to_string()).as_deref(),
            Some("1980-01-01 00:00:00")
        );
        assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
        assert!(file.extra_data().is_none_or(|d| d.is_empty()), "{name}");
        let mut read = Vec::new();
        file.read_to_end(&mut read).unwrap();
        assert_eq!(read, *contents, "{name}");
    }
}

#[test]
fn python_reads_the_same_contents_and_computes_the_same_code_sha256() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), APP, at(1_600_000_000));
    let package = package_dir(dir.path(), &[]).unwrap();
    let out = tempfile::tempdir().unwrap();
    let zip_path = out.path().join("package.zip");
    fs::write(&zip_path, &package.bytes).unwrap();

    let mut entries = python_entries(&python, &zip_path);
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut expected: Vec<_> = APP.to_vec();
    expected.sort_by_key(|spec| spec.0);
    assert_eq!(entries.len(), expected.len());
    for (entry, (name, contents, mode)) in entries.iter().zip(&expected) {
        assert_eq!(entry.name, *name);
        assert_eq!(entry.text.as_bytes(), *contents);
        assert_eq!(entry.mode, 0o100_000 | mode, "{name}");
        assert_eq!(entry.date_time, [1980, 1, 1, 0, 0, 0]);
        assert_eq!(entry.extra_len, 0, "{name}");
        assert_eq!(entry.create_system, 3, "{name}: made on Unix");
        assert_eq!(entry.compress_type, 8, "{name}: deflate");
    }
    assert_eq!(python_code_sha256(&python, &zip_path), package.code_sha256);
}

#[test]
fn executable_bit_is_kept_as_0755_and_everything_else_is_0644() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("owner-x", b"1", 0o700),
            ("group-x", b"2", 0o654),
            ("other-x", b"3", 0o641),
            ("private", b"4", 0o600),
            ("readonly", b"5", 0o444),
        ],
        at(0),
    );
    let package = package_dir(dir.path(), &[]).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    for (name, mode) in [
        ("owner-x", 0o755),
        ("group-x", 0o755),
        ("other-x", 0o755),
        ("private", 0o644),
        ("readonly", 0o644),
    ] {
        assert_eq!(
            zip.by_name(name).unwrap().unix_mode(),
            Some(0o100_000 | mode),
            "{name}"
        );
    }
}

#[test]
fn exclude_globs_drop_files_and_whole_subtrees() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("app.py", b"a", 0o644),
            ("app.pyc", b"b", 0o644),
            ("pkg/mod.py", b"c", 0o644),
            ("pkg/mod.pyc", b"d", 0o644),
            ("tests/test_app.py", b"e", 0o644),
            ("tests/data/big.bin", b"f", 0o644),
            ("pkg/tests/keep.py", b"g", 0o644),
            ("build/out.txt", b"h", 0o644),
            ("notes/build", b"i", 0o644),
        ],
        at(0),
    );
    let exclude = ["**/*.pyc", "tests", "**/build/"].map(str::to_owned);
    let package = package_dir(dir.path(), &exclude).unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    let names = names(&zip);
    assert_eq!(
        names,
        ["app.py", "notes/build", "pkg/mod.py", "pkg/tests/keep.py"]
    );

    let err = package_dir(dir.path(), &["[".to_owned()]).unwrap_err();
    assert!(
        matches!(err, ArtifactError::BadExclude { ref pattern, .. } if pattern == "["),
        "{err:?}"
    );
}

#[test]
fn symlinks_inside_are_stored_as_their_targets_content() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_tree(
        root,
        &[("real.txt", b"real", 0o755), ("lib/x.py", b"x", 0o644)],
        at(0),
    );
    symlink("real.txt", root.join("link.txt")).unwrap();
    symlink("lib", root.join("lib64")).unwrap();
    // Through an absolute path that stays inside the folder.
    symlink(root.join("lib/x.py"), root.join("abs.py")).unwrap();

    let package = package_dir(root, &[]).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    let names = names(&zip);
    assert_eq!(
        names,
        ["abs.py", "lib/x.py", "lib64/x.py", "link.txt", "real.txt"]
    );
    let mut link = zip.by_name("link.txt").unwrap();
    assert_eq!(link.unix_mode(), Some(0o100_755), "the target's mode");
    assert!(!link.is_symlink());
    let mut text = String::new();
    link.read_to_string(&mut text).unwrap();
    assert_eq!(text, "real");
}

#[test]
fn symlinks_leaving_the_folder_dangling_or_looping_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), "do not ship").unwrap();

    type MakeLinks<'a> = &'a dyn Fn(&std::path::Path);
    let cases: [(&str, MakeLinks<'_>); 5] = [
        ("relative escape", &|root| {
            symlink(outside.path().join("secret.txt"), root.join("l")).unwrap();
        }),
        ("dir escape", &|root| {
            symlink(outside.path(), root.join("l")).unwrap();
        }),
        ("dangling", &|root| {
            symlink("nowhere", root.join("l")).unwrap();
        }),
        ("link loop", &|root| {
            symlink("l2", root.join("l")).unwrap();
            symlink("l", root.join("l2")).unwrap();
        }),
        ("ancestor", &|root| {
            fs::create_dir(root.join("sub")).unwrap();
            symlink("..", root.join("sub/l")).unwrap();
        }),
    ];
    for (what, make) in cases {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("app.py"), "ok").unwrap();
        make(dir.path());
        let err = package_dir(dir.path(), &[]).unwrap_err();
        let message = err.to_string();
        match what {
            "relative escape" | "dir escape" => {
                assert!(
                    matches!(err, ArtifactError::SymlinkOutside { .. }),
                    "{what}: {err:?}"
                );
                assert!(message.contains("outside the packaged folder"), "{message}");
            }
            "dangling" | "link loop" => {
                assert!(
                    matches!(err, ArtifactError::SymlinkBroken { .. }),
                    "{what}: {err:?}"
                );
            }
            _ => assert!(
                matches!(err, ArtifactError::SymlinkLoop { .. }),
                "{what}: {err:?}"
            ),
        }
        assert!(
            message.contains("/l`") || message.contains("/l2`"),
            "{what}: names the link: {message}"
        );
    }
}

#[test]
fn an_excluded_bad_symlink_is_never_resolved() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.py"), "ok").unwrap();
    symlink("/etc/passwd", dir.path().join("escape")).unwrap();
    symlink("nowhere", dir.path().join("dangling")).unwrap();
    let exclude = ["escape", "dangling"].map(str::to_owned);
    let package = package_dir(dir.path(), &exclude).unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    assert_eq!(names(&zip), ["app.py"]);
}

#[test]
fn wrong_paths_and_empty_folders_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    assert!(matches!(
        package_dir(&missing, &[]).unwrap_err(),
        ArtifactError::NotFound { path } if path == missing
    ));
    let file = dir.path().join("file.txt");
    fs::write(&file, "x").unwrap();
    assert!(matches!(
        package_dir(&file, &[]).unwrap_err(),
        ArtifactError::NotADirectory { .. }
    ));
    let empty = dir.path().join("empty");
    fs::create_dir_all(empty.join("only/dirs")).unwrap();
    assert!(matches!(
        package_dir(&empty, &[]).unwrap_err(),
        ArtifactError::EmptyPackage { .. }
    ));
}

/// Pins the package format. If this changes (a new `zip` or `zlib-rs` version, another
/// deflate level, header tweaks), every `dir:` function shows a code change in the next
/// plan and gets re-uploaded: change it only on purpose, and say so in the release notes.
#[test]
fn package_format_is_stable_across_releases() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), APP, at(1_600_000_000));
    let package = package_dir(dir.path(), &[]).unwrap();
    assert_eq!(package.size, 813);
    assert_eq!(
        package.code_sha256,
        "+g4TShbPNE/IOOPm4Fp56AwFu/kgVslPRa5y7UCCvf0="
    );
}
