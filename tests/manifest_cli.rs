//! `flotilla validate` and `flotilla schema` as a user runs them: output and exit codes.

use crate::manifest_support;

use assert_cmd::Command;
use manifest_support::{example_manifests, root};
use predicates::prelude::*;

fn flotilla() -> Command {
    let mut cmd = Command::cargo_bin("flotilla").unwrap();
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    cmd
}

#[test]
fn readme_first_command_prints_the_fleet_and_exits_0() {
    flotilla()
        .args(["validate", "-f", "deploy.yaml.example"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("deploy.yaml.example: valid for environment `staging`, 2 functions"))
        .stdout(predicate::str::contains(
            "contact-form-prod  222222222222  eu-west-1  python3.12       dir examples/secrets/contact-form/",
        ));
}

#[test]
fn validate_notes_images_that_are_not_pinned_by_digest() {
    flotilla()
        .args(["validate", "-f", "examples/monorepo/deploy.yaml"])
        .env("IMAGE_TAG", "v7")
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "note: images by tag, not digest: thumbnailer",
        ));
    flotilla()
        .args(["validate", "-f", "deploy.yaml.example"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("images by tag").not());
}

#[test]
fn every_example_validates_with_exit_0() {
    for path in example_manifests() {
        flotilla()
            .args(["validate", "-f"])
            .arg(&path)
            .assert()
            .code(0)
            .stdout(predicate::str::contains("valid"));
    }
}

#[test]
fn one_environment_prints_one_fleet() {
    let out = flotilla()
        .args([
            "validate",
            "-f",
            "examples/monorepo/deploy.yaml",
            "--env",
            "prod",
        ])
        .env("IMAGE_TAG", "v42")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("valid for environment"))
            .count(),
        1
    );
    assert_eq!(out.lines().filter(|l| l.starts_with("  shop-")).count(), 9);
    assert!(out.contains("shop-thumbnailer-prod"));
    assert!(out.contains("222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/thumbnailer:v42"));
}

#[test]
fn secrets_are_never_printed() {
    flotilla()
        .args([
            "validate",
            "-f",
            "examples/secrets/deploy.yaml",
            "--format",
            "json",
        ])
        .env("SMTP_PASSWORD", "hunter2-very-secret")
        .env("CAPTCHA_SECRET", "captcha-very-secret")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("very-secret").not())
        .stderr(predicate::str::contains("very-secret").not());
}

#[test]
fn unknown_environment_is_a_usage_error() {
    flotilla()
        .args([
            "validate",
            "-f",
            "examples/monorepo/deploy.yaml",
            "--env",
            "prdo",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown environment `prdo`"))
        .stderr(predicate::str::contains("did you mean `prod`?"));
}

#[test]
fn bad_flags_exit_2() {
    flotilla()
        .args(["validate", "--frobnicate"])
        .assert()
        .code(2);
}

#[test]
fn a_bad_manifest_exits_1_with_every_problem_underlined() {
    flotilla()
        .args(["validate", "-f", "tests/bad_manifests/three-errors.yaml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("3 problems in the manifest"))
        .stderr(predicate::str::contains(
            "[tests/bad_manifests/three-errors.yaml:10:13]",
        ))
        .stderr(predicate::str::contains(
            "[tests/bad_manifests/three-errors.yaml:12:12]",
        ))
        .stderr(predicate::str::contains(
            "[tests/bad_manifests/three-errors.yaml:13:18]",
        ));
}

#[test]
fn json_format_lists_path_line_column_and_message() {
    let out = flotilla()
        .args([
            "validate",
            "-f",
            "tests/bad_manifests/three-errors.yaml",
            "--format",
            "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["valid"], false);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 3);
    assert_eq!(diags[0]["path"], "tests/bad_manifests/three-errors.yaml");
    assert_eq!(diags[0]["line"], 10);
    assert_eq!(diags[0]["column"], 13);
    assert!(diags[0]["message"].as_str().unwrap().contains("memory"));
    assert!(diags[0]["help"].is_string());
}

#[test]
fn github_format_gives_error_annotations() {
    flotilla()
        .args(["validate", "-f", "tests/bad_manifests/unknown-function-key.yaml", "--format", "github"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "::error file=tests/bad_manifests/unknown-function-key.yaml,line=10,col=5::unknown key `functions.api.memroy` (help: did you mean `memory`?)\n",
        ));
}

#[test]
fn a_directory_as_manifest_exits_1() {
    flotilla()
        .args(["validate", "-f", "examples"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a directory"));
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let committed = std::fs::read_to_string(root().join("schema/deploy.schema.json")).unwrap();
    flotilla().arg("schema").assert().code(0).stdout(committed);
}
