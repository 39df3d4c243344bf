//! `flotilla_core::model::load`: what a valid manifest means once loaded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use flotilla_cloud::lambda::Architecture;
use flotilla_core::model::{ArtifactSource, ErrorKind, Function, LoadOptions, Model, load};
use sha2::{Digest, Sha256};

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn load_env(path: &str, env: Option<&str>, pairs: &[(&str, &str)]) -> Model {
    match load(Path::new(path), &LoadOptions::with_vars(env, vars(pairs))) {
        Ok(m) => m,
        Err(e) => panic!("{}", e.render_text(false)),
    }
}

fn function<'m>(m: &'m Model, key: &str) -> &'m Function {
    m.functions.iter().find(|f| f.key.0 == key).unwrap()
}

#[test]
fn unset_settings_get_aws_defaults() {
    let m = load_env("examples/minimal/deploy.yaml", None, &[]);
    let f = function(&m, "hello");
    assert_eq!(f.name.as_str(), "hello", "name defaults to the key");
    assert_eq!(f.config.memory_mb, 128);
    assert_eq!(f.config.timeout_s, 3);
    assert_eq!(f.config.ephemeral_storage_mb, 512);
    assert_eq!(f.config.description, "");
    assert_eq!(f.config.architecture, Architecture::X86_64);
    assert_eq!(f.account, None);
    assert!(!f.publish && f.alias.is_none());
    assert_eq!(f.retry.max_attempts, 8);
    assert_eq!(f.wait.timeout, Duration::from_secs(600));
    assert_eq!(m.limits.mutating_per_second, 15.0);
    assert_eq!(m.limits.get_function_per_second, 100.0);
    assert_eq!(m.environment, None);
}

#[test]
fn digest_and_paths() {
    let m = load_env("examples/minimal/deploy.yaml", None, &[]);
    let bytes = std::fs::read("examples/minimal/deploy.yaml").unwrap();
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(m.manifest_digest, hex);
    assert!(m.manifest_dir.is_absolute());
    match &function(&m, "hello").artifact {
        ArtifactSource::Dir { path, exclude, .. } => {
            assert!(
                path.is_absolute() && path.ends_with("examples/minimal/hello"),
                "{path:?}"
            );
            assert!(exclude.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn layers_merge_defaults_then_environment_then_function() {
    let m = load_env(
        "examples/monorepo/deploy.yaml",
        Some("prod"),
        &[("IMAGE_TAG", "v7")],
    );
    assert_eq!(m.environment.as_deref(), Some("prod"));
    assert_eq!(
        (
            m.limits.mutating_per_second,
            m.limits.get_function_per_second
        ),
        (10.0, 50.0)
    );
    let orders = function(&m, "orders-api");
    assert_eq!(orders.name.as_str(), "shop-orders-api-prod");
    assert_eq!(orders.account.as_ref().unwrap().as_str(), "222222222222");
    assert_eq!(orders.region.as_str(), "eu-west-1");
    assert_eq!(
        orders.config.role,
        "arn:aws:iam::222222222222:role/prod-lambda-exec"
    );
    assert_eq!(
        orders.config.environment["LOG_LEVEL"], "warn",
        "environment over defaults"
    );
    assert_eq!(orders.config.environment["STAGE"], "prod");
    assert_eq!(
        orders.config.environment["PUBLIC_URL"],
        "https://shop.example.com/orders"
    );
    assert_eq!(orders.tags["cost-center"], "4711");
    assert_eq!(orders.tags["team"], "shop");
    assert_eq!(orders.config.memory_mb, 512);
    assert_eq!(orders.config.timeout_s, 30);
    assert_eq!(orders.config.architecture, Architecture::Arm64);
    assert_eq!(
        orders.config.layers,
        vec!["arn:aws:lambda:eu-west-1:222222222222:layer:shop-common-python:14"]
    );
    assert_eq!(
        orders
            .depends_on
            .iter()
            .map(|k| k.0.as_str())
            .collect::<Vec<_>>(),
        vec!["auth"]
    );
    assert_eq!(
        orders.paths,
        vec!["services/orders-api/**", "libs/python/**"]
    );
    match &orders.artifact {
        ArtifactSource::Dir { exclude, .. } => assert_eq!(exclude.len(), 3),
        other => panic!("{other:?}"),
    }
    assert!(orders.publish);
    assert_eq!(orders.alias.as_ref().unwrap().as_str(), "live");
    assert!(
        function(&m, "auth").config.layers.is_empty(),
        "a function's empty list replaces the default"
    );
    assert_eq!(function(&m, "reports").config.timeout_s, 900);
    assert_eq!(function(&m, "reports").config.ephemeral_storage_mb, 2048);
    assert_eq!(function(&m, "payments").reserved_concurrency, Some(20));
    let image = function(&m, "thumbnailer");
    assert_eq!(
        (
            image.config.runtime.as_deref(),
            image.config.handler.as_deref()
        ),
        (None, None)
    );
    assert!(
        image.config.layers.is_empty(),
        "images take no layers from defaults"
    );
    assert_eq!(
        image.artifact,
        ArtifactSource::Image {
            uri: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/thumbnailer:v7".into()
        }
    );
    assert_eq!(
        function(&m, "legacy-export").artifact,
        ArtifactSource::S3 {
            bucket: "shop-artifacts-222222222222".into(),
            key: "legacy-export/export-2.3.1.zip".into(),
            version: None,
            sha256: None
        }
    );
    assert_eq!(m.functions.len(), 9);
}

#[test]
fn from_env_values_are_sensitive_unless_marked_otherwise() {
    let m = load_env(
        "examples/secrets/deploy.yaml",
        Some("staging"),
        &[
            ("SMTP_PASSWORD", "pw"),
            ("CAPTCHA_SECRET", "cs"),
            ("GITHUB_SHA", "abc123"),
        ],
    );
    let f = function(&m, "contact-form");
    let expected: BTreeSet<String> = ["CAPTCHA_SECRET", "FEATURE_FLAGS_TOKEN", "SMTP_PASSWORD"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(f.sensitive_keys, expected);
    assert_eq!(f.config.environment["SMTP_PASSWORD"], "pw");
    assert_eq!(f.config.environment["BUILD_SHA"], "abc123");
    assert_eq!(
        f.config.environment["SMTP_USER"], "contact-form",
        "${{env:VAR:-default}}"
    );
    assert_eq!(
        f.config.environment["SENDER"], "noreply@staging.example.org",
        "${{var:NAME}}"
    );
    assert_eq!(f.account.as_ref().unwrap().as_str(), "333333333333");
}

#[test]
fn unset_from_env_fails_load() {
    let err = load(
        Path::new("examples/secrets/deploy.yaml"),
        &LoadOptions::with_vars(Some("prod"), vars(&[])),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    let messages: Vec<_> = err.problems().iter().map(|p| p.message.clone()).collect();
    assert!(
        messages.iter().any(|m| m.contains("SMTP_PASSWORD")),
        "{messages:?}"
    );
}

#[test]
fn environment_choice_is_checked() {
    let path = Path::new("examples/monorepo/deploy.yaml");
    let missing = load(path, &LoadOptions::with_vars(None, vars(&[]))).unwrap_err();
    assert_eq!((missing.kind, missing.exit_code()), (ErrorKind::Usage, 2));
    assert!(missing.to_string().contains("--env"), "{missing}");
    let unknown = load(path, &LoadOptions::with_vars(Some("qa"), vars(&[]))).unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::Usage);
    assert!(unknown.to_string().contains("unknown environment `qa`"));
}

fn scratch_manifest(body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/app.py"), "x = 1\n").unwrap();
    let path = dir.path().join("deploy.yaml");
    std::fs::write(&path, body).unwrap();
    (dir, path)
}

const NO_REGION: &str = "version: 1
functions:
  api:
    role: arn:aws:iam::123456789012:role/api
    runtime: python3.12
    handler: app.handler
    artifact: { dir: src }
";

#[test]
fn region_falls_back_to_aws_region() {
    let (_dir, path) = scratch_manifest(NO_REGION);
    let m = load(
        &path,
        &LoadOptions::with_vars(None, vars(&[("AWS_REGION", "ap-south-1")])),
    )
    .unwrap();
    assert_eq!(m.functions[0].region.as_str(), "ap-south-1");
    let err = load(&path, &LoadOptions::with_vars(None, vars(&[]))).unwrap_err();
    assert!(err.problems()[0].message.contains("no region"), "{err:?}");
}

/// Issue 13 item 7: defaults < environment < function < function in environment.
#[test]
fn item_07_a_functions_own_values_beat_the_environments_and_its_per_environment_values_beat_both() {
    let body = "version: 1
defaults: { memory: 128, timeout: 5s, region: eu-north-1 }
environments:
  staging: {}
  prod: { region: eu-west-1, memory: 512, timeout: 20s, environment: { LEVEL: warn, MODE: env } }
functions:
  edge:
    region: us-east-1
    memory: 2048
    environment: { MODE: function }
    environments:
      prod: { memory: 4096, environment: { MODE: function-in-prod } }
    role: arn:aws:iam::123456789012:role/api
    runtime: python3.12
    handler: app.handler
    artifact: { dir: src }
  plain:
    role: arn:aws:iam::123456789012:role/api
    runtime: python3.12
    handler: app.handler
    artifact: { dir: src }
";
    let (_dir, path) = scratch_manifest(body);
    let m = load(&path, &LoadOptions::with_vars(Some("prod"), vars(&[]))).unwrap();
    let (edge, plain) = (&m.functions[0], &m.functions[1]);
    assert_eq!(edge.region.as_str(), "us-east-1");
    assert_eq!(edge.config.memory_mb, 4096, "function in environment wins");
    assert_eq!(edge.config.timeout_s, 20, "environment over defaults");
    let env = |f: &flotilla_core::model::Function, k: &str| f.config.environment.get(k).cloned();
    assert_eq!(env(edge, "MODE").as_deref(), Some("function-in-prod"));
    assert_eq!(env(edge, "LEVEL").as_deref(), Some("warn"));
    assert_eq!(plain.config.memory_mb, 512, "environment over defaults");
    assert_eq!(plain.region.as_str(), "eu-west-1");
    let m = load(&path, &LoadOptions::with_vars(Some("staging"), vars(&[]))).unwrap();
    assert_eq!(
        m.functions[0].config.memory_mb, 2048,
        "function over defaults"
    );
    assert_eq!(m.functions[1].config.memory_mb, 128);

    // A per-environment block for an environment the manifest does not have.
    let (_dir, path) =
        scratch_manifest(&body.replace("      prod: { memory: 4096", "      prd: { memory: 4096"));
    let err = load(&path, &LoadOptions::with_vars(Some("prod"), vars(&[]))).unwrap_err();
    let msg = err.problems()[0].message.clone();
    assert!(
        msg.contains("`functions.edge.environments.prd` names no environment"),
        "{err:?}"
    );
    assert_eq!(
        err.problems()[0]
            .help
            .as_deref()
            .map(|h| h.contains("did you mean `prod`?")),
        Some(true)
    );
}

#[test]
fn yaml_anchors_and_merge_keys_work() {
    let body = "version: 1
x-common: &common
  region: eu-north-1
  role: arn:aws:iam::123456789012:role/api
  runtime: python3.12
  handler: app.handler
  artifact: { dir: src }
functions:
  a: *common
  b:
    <<: *common
    memory: 512
";
    let (_dir, path) = scratch_manifest(body);
    // `x-` keys are not part of the manifest: anchors must live somewhere that is.
    let err = load(&path, &LoadOptions::with_vars(None, vars(&[]))).unwrap_err();
    assert!(err.problems()[0].message.contains("unknown key `x-common`"));
    let body = body
        .replace("x-common: &common\n", "defaults: &common\n")
        .replace("  artifact: { dir: src }\n", "");
    let body = body
        .replace(
            "  a: *common\n",
            "  a:\n    <<: *common\n    artifact: { dir: src }\n",
        )
        .replace(
            "    memory: 512\n",
            "    memory: 512\n    artifact: { dir: src }\n",
        );
    let (_dir, path) = scratch_manifest(&body);
    let m = load(&path, &LoadOptions::with_vars(None, vars(&[]))).unwrap();
    assert_eq!(m.functions[1].config.memory_mb, 512);
    assert_eq!(
        m.functions[0].config.handler.as_deref(),
        Some("app.handler")
    );
}

/// Issue 15: `rollout` layers key by key like every setting.
#[test]
fn rollout_layers_key_by_key_and_reads_smoke_as_json() {
    use flotilla_core::model::rollout::{OnFailure, Strategy};
    let (_dir, path) = scratch_manifest(
        "version: 1
defaults:
  region: eu-north-1
  role: arn:aws:iam::123456789012:role/api
  runtime: python3.12
  handler: app.handler
  rollout:
    strategy: canary
    canary: { percent: 10, wait: 5m }
    alarms: [api-errors]
environments:
  staging: {}
  prod:
    rollout:
      on_failure: hold
      alarms: [prod-errors, prod-latency]
functions:
  api:
    artifact: { dir: src }
    publish: true
    alias: live
    rollout:
      canary: { percent: 20 }
      smoke: { payload: { path: /health, n: 1 }, expect: { ok: true } }
  worker:
    artifact: { dir: src }
    publish: true
    alias: live
    rollout: { strategy: linear, linear: { percent: 25, every: 1m } }
  plain:
    artifact: { dir: src }
    rollout: { strategy: all-at-once }
",
    );
    let m = load(&path, &LoadOptions::with_vars(Some("prod"), vars(&[]))).unwrap();
    let api = function(&m, "api").rollout.clone().expect("api rolls out");
    assert_eq!(
        api.strategy,
        Strategy::Canary {
            percent: 20,
            wait: Duration::from_secs(300)
        }
    );
    assert_eq!(api.alarms, ["prod-errors", "prod-latency"]);
    assert_eq!(api.on_failure, OnFailure::Hold);
    let smoke = api.smoke.expect("smoke");
    assert_eq!(
        smoke.payload,
        serde_json::json!({ "path": "/health", "n": 1 })
    );
    assert_eq!(smoke.expect, Some(serde_json::json!({ "ok": true })));
    let worker = function(&m, "worker").rollout.clone().expect("worker");
    assert_eq!(
        worker.strategy,
        Strategy::Linear {
            percent: 25,
            every: Duration::from_secs(60)
        }
    );
    assert_eq!(
        worker
            .strategy
            .shifts()
            .iter()
            .map(|s| s.0)
            .collect::<Vec<_>>(),
        [25, 50, 75]
    );
    let plain = function(&m, "plain").rollout.clone().expect("plain");
    assert!(!plain.is_gradual());
    // In an environment without its own, the defaults' alarms and on_failure apply.
    let m = load(&path, &LoadOptions::with_vars(Some("staging"), vars(&[]))).unwrap();
    let api = function(&m, "api").rollout.clone().unwrap();
    assert_eq!(api.alarms, ["api-errors"]);
    assert_eq!(api.on_failure, OnFailure::Rollback);
}
