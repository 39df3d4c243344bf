//! Lambda's size limits (50 MB zipped for direct upload, 250 MB unzipped) and ready
//! `zip:` files: hashing against an independent reference, refusing what is not a zip.
#![cfg(unix)] // symlinks and Unix modes are part of what is tested

use crate::artifact_common;

use std::fs;
use std::io::Read;

use artifact_common::{python, python_code_sha256};
use flotilla_core::artifact::{
    ArtifactError, MAX_UNZIPPED_BYTES, MAX_ZIP_BYTES, hash_file, package_dir, read_zip,
};
use miette::Diagnostic;

#[test]
fn limits_are_lambdas() {
    assert_eq!(MAX_ZIP_BYTES, 52_428_800);
    assert_eq!(MAX_UNZIPPED_BYTES, 262_144_000);
}

#[test]
fn a_zip_over_50_mb_is_refused_with_a_pointer_to_s3() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.zip");
    // Sparse: the size check must not need to read the file.
    fs::File::create(&path)
        .unwrap()
        .set_len(MAX_ZIP_BYTES + 1)
        .unwrap();
    let err = read_zip(&path).unwrap_err();
    assert!(
        matches!(err, ArtifactError::ZipTooLarge { size: Some(s), .. } if s == MAX_ZIP_BYTES + 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("big.zip"), "{err}");
    let help = err.help().unwrap().to_string();
    assert!(help.contains("s3:"), "{help}");

    // Exactly at the limit the size is fine; this file then fails as not being a zip.
    fs::File::create(&path)
        .unwrap()
        .set_len(MAX_ZIP_BYTES)
        .unwrap();
    assert!(matches!(
        read_zip(&path).unwrap_err(),
        ArtifactError::NotAZip { .. }
    ));
}

#[test]
fn a_folder_over_250_mb_unzipped_is_refused_before_packaging() {
    let dir = tempfile::tempdir().unwrap();
    let half = MAX_UNZIPPED_BYTES / 2;
    for name in ["a.bin", "b.bin"] {
        fs::File::create(dir.path().join(name))
            .unwrap()
            .set_len(half)
            .unwrap();
    }
    fs::write(dir.path().join("c.txt"), "one byte too many").unwrap();
    let err = package_dir(dir.path(), &[]).unwrap_err();
    assert!(
        matches!(err, ArtifactError::UnzippedTooLarge { size, .. } if size == 2 * half + 17),
        "{err:?}"
    );
    // Excluded files do not count.
    let package = package_dir(dir.path(), &["*.bin".to_owned()]).unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(&package.bytes)).unwrap();
    assert_eq!(zip.len(), 1);
}

#[test]
fn a_folder_whose_zip_exceeds_50_mb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Incompressible bytes, just over the limit.
    let mut file = fs::File::create(dir.path().join("noise.bin")).unwrap();
    let random = fs::File::open("/dev/urandom").unwrap();
    std::io::copy(&mut random.take(MAX_ZIP_BYTES + (1 << 20)), &mut file).unwrap();
    drop(file);
    let err = package_dir(dir.path(), &[]).unwrap_err();
    assert!(
        matches!(err, ArtifactError::ZipTooLarge { size: None, .. }),
        "{err:?}"
    );
    assert!(err.help().unwrap().to_string().contains("s3:"));
}

#[test]
fn read_zip_hashes_like_lambda_and_matches_an_independent_reference() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("app.py"), "def handler(e, c):\n    return 42\n").unwrap();
    let packaged = package_dir(&src, &[]).unwrap();
    let path = dir.path().join("app.zip");
    fs::write(&path, &packaged.bytes).unwrap();

    let read = read_zip(&path).unwrap();
    assert!(read.bytes == packaged.bytes);
    assert_eq!(read.code_sha256, packaged.code_sha256);
    assert_eq!(read.size, packaged.bytes.len() as u64);
    assert_eq!(hash_file(&path).unwrap(), read.code_sha256);
    {
        let python = python();
        assert_eq!(python_code_sha256(&python, &path), read.code_sha256);
    }
}

#[test]
fn hash_file_is_standard_base64_of_the_raw_digest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("abc");
    fs::write(&path, "abc").unwrap();
    // FIPS 180-2 test vector: ba7816bf...f20015ad, as base64.
    assert_eq!(
        hash_file(&path).unwrap(),
        "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    );
    // Bigger than one read chunk, compared with Python's hashlib.
    let big = dir.path().join("big");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(&big, &data).unwrap();
    {
        let python = python();
        assert_eq!(hash_file(&big).unwrap(), python_code_sha256(&python, &big));
    }
}

#[test]
fn a_file_that_is_not_a_zip_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.zip");
    fs::write(&path, "this is not a zip").unwrap();
    let err = read_zip(&path).unwrap_err();
    assert!(matches!(err, ArtifactError::NotAZip { .. }), "{err:?}");
    assert!(matches!(
        read_zip(dir.path()).unwrap_err(),
        ArtifactError::NotAFile { .. }
    ));
}
