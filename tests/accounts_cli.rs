//! `assume_role` as a user meets it without AWS: how the manifest resolves it, what
//! `validate` and `plan` print, what a saved plan records, and that `--local` ignores it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use flotilla_core::model::{LoadOptions, Model, load};
use predicates::prelude::*;

const EXAMPLE: &str = "examples/accounts/deploy.yaml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn flotilla() -> Command {
    let mut cmd = Command::cargo_bin("flotilla").unwrap();
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    cmd
}

fn load_text(dir: &Path, yaml: &str, env: Option<&str>) -> Model {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/app.py"), "def handler(e, c):\n    pass\n").unwrap();
    let path = dir.join("deploy.yaml");
    std::fs::write(&path, yaml).unwrap();
    load(&path, &LoadOptions::with_vars(env, BTreeMap::new()))
        .unwrap_or_else(|e| panic!("{}", e.render_text(false)))
}

#[test]
fn the_role_layers_like_account_and_without_account_the_roles_account_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let model = load_text(
        dir.path(),
        r#"version: 1
defaults:
  region: eu-north-1
  runtime: python3.12
  handler: app.handler
  role: arn:aws:iam::${account}:role/app
  assume_role: arn:aws:iam::333333333333:role/default-deployer
environments:
  qa:
    assume_role: arn:aws:iam::444444444444:role/qa-deployer
    external_id: "${stage}-ext"
functions:
  api: { artifact: { dir: src } }
  pinned:
    artifact: { dir: src }
    assume_role: arn:aws:iam::555555555555:role/pinned-deployer
    external_id: pinned-ext
"#,
        Some("qa"),
    );
    // (function, role, external id, account): the environment's role wins over
    // `defaults`, a function's own over the environment's, as for `account`.
    let resolved: Vec<(&str, &str, Option<&str>, &str, &str)> = model
        .functions
        .iter()
        .map(|f| {
            let role = f.assume_role.as_ref().unwrap();
            assert_eq!(role.session_name, "flotilla-qa");
            (
                f.key.0.as_str(),
                role.role_arn.as_str(),
                role.external_id.as_deref(),
                f.account.as_ref().unwrap().as_str(),
                f.config.role.as_str(),
            )
        })
        .collect();
    // No `account` anywhere: each function lives in its role's account, and
    // `${account}` in the execution role resolves to it.
    assert_eq!(
        resolved,
        [
            (
                "api",
                "arn:aws:iam::444444444444:role/qa-deployer",
                Some("qa-ext"),
                "444444444444",
                "arn:aws:iam::444444444444:role/app"
            ),
            (
                "pinned",
                "arn:aws:iam::555555555555:role/pinned-deployer",
                Some("pinned-ext"),
                "555555555555",
                "arn:aws:iam::555555555555:role/app"
            ),
        ]
    );
}

#[test]
fn without_assume_role_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let model = load_text(
        dir.path(),
        "version: 1\nfunctions:\n  api:\n    region: eu-north-1\n    runtime: python3.12\n    handler: app.handler\n    role: arn:aws:iam::123456789012:role/app\n    artifact: { dir: src }\n",
        None,
    );
    assert_eq!(model.functions[0].assume_role, None);
    assert_eq!(model.functions[0].account, None);
}

#[test]
fn validate_shows_the_role_of_each_environment() {
    flotilla()
        .args(["validate", "-f", EXAMPLE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "examples/accounts/deploy.yaml: valid for environment `staging`, 1 function\n  assumes arn:aws:iam::111111111111:role/flotilla-deployer (session flotilla-staging) in account 111111111111\n",
        ))
        .stdout(predicate::str::contains(
            "  assumes arn:aws:iam::222222222222:role/flotilla-deployer (session flotilla-prod) in account 222222222222\n",
        ));
    let out = flotilla()
        .args([
            "validate", "-f", EXAMPLE, "--env", "prod", "--format", "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["environments"][0]["functions"][0]["assume_role"],
        "arn:aws:iam::222222222222:role/flotilla-deployer"
    );
}

#[test]
fn local_plan_says_it_ignores_the_role_and_the_saved_plan_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("plan.json");
    flotilla()
        .args(["plan", "--local", "--env", "prod", "-f", EXAMPLE, "-o"])
        .arg(&saved)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("note: --local ignores `assume_role`"))
        .stdout(predicate::str::contains(
            "Assumes role: account 222222222222 through arn:aws:iam::222222222222:role/flotilla-deployer (session flotilla-prod)\n",
        ));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(
        plan["functions"][0]["assume_role"],
        serde_json::json!({
            "role_arn": "arn:aws:iam::222222222222:role/flotilla-deployer",
            "session_name": "flotilla-prod",
            "external_id": "orders-ci"
        })
    );
    // The committed plan schema accepts it.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/plan.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_saved_plan_with_an_invalid_role_arn_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("plan.json");
    flotilla()
        .args(["plan", "--local", "--env", "staging", "-f", EXAMPLE, "-o"])
        .arg(&saved)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&saved)
        .unwrap()
        .replace(":role/flotilla-deployer", ":user/flotilla-deployer");
    std::fs::write(&saved, text).unwrap();
    flotilla()
        .arg("apply")
        .arg(&saved)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "eu-north-1")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not an IAM role ARN"));
}

#[test]
fn the_readme_example_is_the_checked_example() {
    let readme = std::fs::read_to_string(root().join("docs/accounts.md")).unwrap();
    let section = readme
        .split_once("<!-- section: accounts -->")
        .map(|(_, rest)| rest)
        .unwrap();
    let block = section
        .split_once("```yaml\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(yaml, _)| yaml)
        .unwrap();
    assert_eq!(
        block,
        std::fs::read_to_string(root().join(EXAMPLE)).unwrap()
    );
}
