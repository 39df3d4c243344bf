//! Many accounts: `plan` and `apply` (the real binary) against MiniStack 1.5.33 with two
//! environments in two accounts, each reached through `assume_role`.
//!
//! MiniStack serves STS AssumeRole and puts every later call signed with the assumed
//! credentials into the role's account, so where the functions land shows which role
//! was used; its CloudTrail (recording on) shows each AssumeRole call with its role ARN,
//! session name and external ID. Only `AWS_ENDPOINT_URL` points Flotilla at MiniStack,
//! so STS and Lambda both find it the standard way.

use crate::support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::{REGION, Spawned, aws_cli, http, start_ministack_with};

const STAGING: &str = "111111111111";
const PROD: &str = "222222222222";
/// The prod environment's region; `edge` stays in [`REGION`] everywhere.
const PROD_REGION: &str = "us-west-2";
const KEYS: [&str; 3] = ["api", "worker", "edge"];

fn manifest() -> String {
    format!(
        r#"version: 1
defaults:
  region: {REGION}
  role: arn:aws:iam::${{account}}:role/app
  runtime: python3.12
  handler: app.handler
environments:
  staging:
    account: "{STAGING}"
    assume_role: arn:aws:iam::${{account}}:role/deployer
  prod:
    account: "{PROD}"
    region: {PROD_REGION}
    assume_role: arn:aws:iam::${{account}}:role/deployer
    external_id: flotilla-ci
functions:
  api:
    name: acct-api-${{stage}}
    artifact: {{ dir: api }}
  worker:
    name: acct-worker-${{stage}}
    artifact: {{ dir: worker }}
  edge:
    name: acct-edge-${{stage}}
    region: {REGION}
    artifact: {{ dir: edge }}
"#
    )
}

fn write_fleet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for key in KEYS {
        std::fs::create_dir_all(dir.path().join(key)).unwrap();
        std::fs::write(
            dir.path().join(key).join("app.py"),
            format!("def handler(event, context):\n    return {key:?}\n"),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("deploy.yaml"), manifest()).unwrap();
    dir
}

/// Runs flotilla in `dir` with base credentials `test` and only `AWS_ENDPOINT_URL`
/// pointing at the emulator (nothing else from the developer's AWS set-up).
fn flotilla(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    let no_config = dir.join("no-aws-config");
    std::fs::write(&no_config, "").unwrap();
    Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", &no_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &no_config)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn assert_ok(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// GetFunction signed (loosely: MiniStack does not check signatures) as `access_key`:
/// a 12-digit key acts in that account. Returns the status and the function's ARN.
fn get_function(ms: &Spawned, access_key: &str, region: &str, name: &str) -> (u16, String) {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/20250101/{region}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let (status, body) = http(
        ms.port,
        "GET",
        &format!("/2015-03-31/functions/{name}"),
        &[("Authorization", &auth)],
        "",
    )
    .unwrap();
    let arn = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v["Configuration"]["FunctionArn"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (status, arn)
}

/// Every STS call MiniStack's CloudTrail recorded in the base credentials' account:
/// (Action, RoleArn, RoleSessionName, ExternalId), oldest first.
fn sts_calls(venv: &Path, ms: &Spawned) -> Vec<[String; 4]> {
    let out = aws_cli(
        venv,
        &ms.url(),
        &[
            "cloudtrail",
            "lookup-events",
            "--lookup-attributes",
            "AttributeKey=EventSource,AttributeValue=sts.amazonaws.com",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut calls: Vec<[String; 4]> = doc["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let event: serde_json::Value =
                serde_json::from_str(e["CloudTrailEvent"].as_str().unwrap()).unwrap();
            let p = &event["requestParameters"];
            ["Action", "RoleArn", "RoleSessionName", "ExternalId"]
                .map(|k| p[k].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    calls.reverse();
    calls
}

fn assume(account: &str, session: &str, external_id: &str) -> [String; 4] {
    [
        "AssumeRole".to_owned(),
        format!("arn:aws:iam::{account}:role/deployer"),
        session.to_owned(),
        external_id.to_owned(),
    ]
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn plan_and_apply_assume_each_environments_role_and_deploy_into_its_account() {
    let venv = support::venv();
    let ms = start_ministack_with(
        &venv,
        &[
            ("SERVICES", "lambda,iam,s3,sts,cloudtrail"),
            ("CLOUDTRAIL_RECORDING", "1"),
        ],
    );
    let endpoint = ms.url();
    let fleet = write_fleet();
    let dir = fleet.path();

    // Staging: a saved plan records the role (never credentials); apply assumes it again.
    let plan = flotilla(
        dir,
        &endpoint,
        &["plan", "--env", "staging", "-o", "staging.json"],
    );
    assert_ok(&plan, "plan --env staging");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("staging.json")).unwrap()).unwrap();
    for f in saved["functions"].as_array().unwrap() {
        assert_eq!(
            f["assume_role"],
            serde_json::json!({
                "role_arn": format!("arn:aws:iam::{STAGING}:role/deployer"),
                "session_name": "flotilla-staging"
            }),
            "{f}"
        );
    }
    let text = std::fs::read_to_string(dir.join("staging.json")).unwrap();
    assert!(
        !text.contains("ASIA") && !text.contains("SessionToken"),
        "{text}"
    );
    assert_ok(
        &flotilla(dir, &endpoint, &["apply", "staging.json"]),
        "apply staging.json",
    );

    // Prod: plan and apply in one go, in two regions of the other account.
    assert_ok(
        &flotilla(
            dir,
            &endpoint,
            &["apply", "--env", "prod", "--auto-approve"],
        ),
        "apply --env prod",
    );
    // Reads go through the role too: the fleet it just deployed is up to date.
    assert_ok(
        &flotilla(
            dir,
            &endpoint,
            &["plan", "--env", "prod", "--detailed-exitcode"],
        ),
        "plan --env prod after apply",
    );

    // One AssumeRole per role and process (all regions of an account share the
    // credentials), with the session name `flotilla-<env>` and prod's external ID.
    assert_eq!(
        sts_calls(&venv, &ms),
        [
            assume(STAGING, "flotilla-staging", ""),
            assume(STAGING, "flotilla-staging", ""),
            assume(PROD, "flotilla-prod", "flotilla-ci"),
            assume(PROD, "flotilla-prod", "flotilla-ci"),
        ]
    );

    // Every function landed in its role's account, none in the base credentials' own.
    for (account, env) in [(STAGING, "staging"), (PROD, "prod")] {
        for key in KEYS {
            let name = format!("acct-{key}-{env}");
            let region = if env == "prod" && key != "edge" {
                PROD_REGION
            } else {
                REGION
            };
            let (status, arn) = get_function(&ms, account, region, &name);
            assert_eq!(status, 200, "{name} in {account}/{region}");
            assert_eq!(
                arn,
                format!("arn:aws:lambda:{region}:{account}:function:{name}")
            );
            let (elsewhere, _) = get_function(&ms, "test", region, &name);
            assert_eq!(elsewhere, 404, "{name} is not in the default account");
        }
    }
}
