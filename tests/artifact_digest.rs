//! `digest_all` over a fleet: every kind of source, shared sources, and every failure
//! reported under its function's key.
#![cfg(unix)] // symlinks and Unix modes are part of what is tested

use crate::artifact_common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use artifact_common::{at, python, python_code_sha256, write_tree};
use flotilla_cloud::lambda::FunctionConfig;
use flotilla_core::artifact::{
    ArtifactDigest, ArtifactError, digest_all, load_package, package_dir,
};
use flotilla_core::model::{
    ArtifactSource, Function, FunctionKey, FunctionName, Limits, Model, Region, RetryPolicy,
    WaitPolicy,
};
use miette::Diagnostic;

fn function(key: &str, artifact: ArtifactSource) -> Function {
    Function {
        key: FunctionKey(key.to_owned()),
        name: FunctionName::new(key).unwrap(),
        account: None,
        assume_role: None,
        region: Region::new("eu-north-1").unwrap(),
        config: FunctionConfig {
            role: "arn:aws:iam::111111111111:role/r".to_owned(),
            runtime: Some("python3.12".to_owned()),
            handler: Some("app.handler".to_owned()),
            ..FunctionConfig::lambda_defaults()
        },
        sensitive_keys: BTreeSet::new(),
        environment_sources: Default::default(),
        tags: BTreeMap::new(),
        reserved_concurrency: None,
        provisioned_concurrency: None,
        publish: false,
        alias: None,
        artifact,
        retry: RetryPolicy::default(),
        wait: WaitPolicy::default(),
        rollout: None,
        around: Default::default(),
        permissions: None,
        around_async: Default::default(),
        left_alone: Vec::new(),
        code_signing: None,
        url: None,
        depends_on: Vec::new(),
        paths: Vec::new(),
    }
}

fn model(dir: &Path, functions: Vec<Function>) -> Model {
    Model {
        manifest_path: dir.join("deploy.yaml"),
        manifest_dir: dir.to_owned(),
        manifest_digest: String::new(),
        environment: None,
        limits: Limits::default(),
        functions,
        ..Model::default()
    }
}

fn dir_source(path: &Path, exclude: &[&str]) -> ArtifactSource {
    ArtifactSource::Dir {
        path: path.to_owned(),
        exclude: exclude.iter().map(|e| (*e).to_owned()).collect(),
        upload: None,
    }
}

fn key(k: &str) -> FunctionKey {
    FunctionKey(k.to_owned())
}

/// A folder `src` with a handler and a test file, and `app.zip` packaged from it.
fn workspace() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("src");
    write_tree(
        &src,
        &[
            ("app.py", b"def handler(e, c):\n    return 1\n", 0o644),
            ("test_app.py", b"assert True\n", 0o644),
        ],
        at(1_234_567_890),
    );
    let zip = root.path().join("app.zip");
    fs::write(&zip, package_dir(&src, &[]).unwrap().bytes).unwrap();
    (root, src, zip)
}

#[test]
fn every_kind_of_source_gets_its_digest() {
    let (root, src, zip) = workspace();
    let fleet = model(
        root.path(),
        vec![
            function("from-dir", dir_source(&src, &["test_*.py"])),
            function("same-dir", dir_source(&src, &["test_*.py", "test_*.py"])),
            function("whole-dir", dir_source(&src, &[])),
            function(
                "from-zip",
                ArtifactSource::Zip {
                    path: zip.clone(),
                    upload: None,
                },
            ),
            function(
                "from-s3",
                ArtifactSource::S3 {
                    bucket: "b".to_owned(),
                    key: "k.zip".to_owned(),
                    version: Some("v1".to_owned()),
                    sha256: Some("abc=".to_owned()),
                },
            ),
            function(
                "from-image",
                ArtifactSource::Image {
                    uri: "111111111111.dkr.ecr.eu-north-1.amazonaws.com/app:1".to_owned(),
                },
            ),
        ],
    );
    let digests = digest_all(&fleet).unwrap();
    assert_eq!(digests.len(), 6);

    let excluded = package_dir(&src, &["test_*.py".to_owned()]).unwrap();
    assert_eq!(digests[&key("from-dir")], excluded.digest());
    assert_eq!(digests[&key("same-dir")], excluded.digest());
    let whole = package_dir(&src, &[]).unwrap();
    assert_eq!(digests[&key("whole-dir")], whole.digest());
    assert_ne!(whole.code_sha256, excluded.code_sha256);
    // The zip was written from the same package, so it has the same digest.
    assert_eq!(digests[&key("from-zip")], whole.digest());
    {
        let python = python();
        let ArtifactDigest::Zip { code_sha256, size } = &digests[&key("from-zip")] else {
            panic!("zip source gives a zip digest");
        };
        assert_eq!(*code_sha256, python_code_sha256(&python, &zip));
        assert_eq!(*size, fs::metadata(&zip).unwrap().len());
    }
    assert_eq!(
        digests[&key("from-s3")],
        ArtifactDigest::S3 {
            bucket: "b".to_owned(),
            key: "k.zip".to_owned(),
            version: Some("v1".to_owned()),
            code_sha256: Some("abc=".to_owned()),
        }
    );
    assert_eq!(
        digests[&key("from-image")],
        ArtifactDigest::Image {
            uri: "111111111111.dkr.ecr.eu-north-1.amazonaws.com/app:1".to_owned()
        }
    );
}

#[test]
fn load_package_gives_the_bytes_that_were_planned() {
    let (root, src, zip) = workspace();
    let sources = [
        dir_source(&src, &["test_*.py"]),
        ArtifactSource::Zip {
            path: zip,
            upload: None,
        },
    ];
    let fleet = model(
        root.path(),
        vec![
            function("a", sources[0].clone()),
            function("b", sources[1].clone()),
        ],
    );
    let digests = digest_all(&fleet).unwrap();
    for (k, source) in ["a", "b"].into_iter().zip(&sources) {
        let package = load_package(source).unwrap().unwrap();
        assert_eq!(package.digest(), digests[&key(k)]);
        assert_eq!(package.size, package.bytes.len() as u64);
    }
    let image = ArtifactSource::Image {
        uri: "x".to_owned(),
    };
    assert!(load_package(&image).unwrap().is_none());
}

#[test]
fn every_failure_is_reported_under_each_function_it_affects() {
    let (root, src, _) = workspace();
    let missing = root.path().join("missing");
    let big = root.path().join("big.zip");
    fs::File::create(&big)
        .unwrap()
        .set_len(flotilla_core::artifact::MAX_ZIP_BYTES + 1)
        .unwrap();
    let escaping = root.path().join("escaping");
    fs::create_dir(&escaping).unwrap();
    symlink("/etc/hostname", escaping.join("h")).unwrap();

    let fleet = model(
        root.path(),
        vec![
            function("gone", dir_source(&missing, &[])),
            function("ok", dir_source(&src, &[])),
            function(
                "too-big",
                ArtifactSource::Zip {
                    path: big.clone(),
                    upload: None,
                },
            ),
            function("link", dir_source(&escaping, &[])),
            function("gone-too", dir_source(&missing, &[])),
        ],
    );
    let all = digest_all(&fleet).unwrap_err();
    assert_eq!(
        all.to_string(),
        "the artifacts of 4 functions could not be prepared"
    );
    let errors = all.errors;
    let keys: Vec<&str> = errors.iter().map(|e| e.key.0.as_str()).collect();
    assert_eq!(keys, ["gone", "too-big", "link", "gone-too"]);
    assert!(matches!(errors[0].error, ArtifactError::NotFound { ref path } if *path == missing));
    assert!(matches!(errors[1].error, ArtifactError::ZipTooLarge { .. }));
    assert!(matches!(
        errors[2].error,
        ArtifactError::SymlinkOutside { .. }
    ));
    assert!(matches!(errors[3].error, ArtifactError::NotFound { .. }));
    for error in &errors {
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("function `{}`: ", error.key)),
            "{message}"
        );
        assert!(error.help().is_some(), "{message} has help");
        assert!(error.code().is_some(), "{message} has a code");
    }
    assert!(errors[1].to_string().contains(&big.display().to_string()));
    assert!(errors[1].help().unwrap().to_string().contains("s3:"));
}
