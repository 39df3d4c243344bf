//! `triggers` against MiniStack 1.5.33, which serves SQS and Lambda's event source
//! mappings: the test creates a queue in MiniStack, then `flotilla apply` (the real
//! binary) creates the SQS mapping on the function's alias, the mapping is `Enabled`,
//! and the next plan has nothing to do.

use std::process::{Command, Output, Stdio};

use crate::support::{self, MINISTACK_ACCOUNT, REGION, Shared, start_ministack_with};

static MINISTACK: Shared = Shared::new();

fn flotilla(dir: &std::path::Path, endpoint: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flotilla"));
    cmd.args(args)
        .args([
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--endpoint-url",
            endpoint,
        ])
        .current_dir(dir)
        .stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    let empty = dir.join("no-aws-config");
    std::fs::write(&empty, "").expect("empty AWS config");
    cmd.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1");
    cmd.output().expect("run flotilla")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn signed(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20250101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn an_sqs_trigger_deploys_against_ministack() {
    let venv = support::venv();
    let emulator =
        MINISTACK.get(|| start_ministack_with(&venv, &[("SERVICES", "lambda,iam,s3,sts,sqs")]));
    let url = emulator.url();
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let queue = support::create_sqs_queue(&url, REGION, MINISTACK_ACCOUNT, "flotilla-compat-jobs");

    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("worker")).expect("source dir");
    std::fs::write(
        dir.join("worker/app.py"),
        "def handler(event, context):\n    return len(event.get('Records', []))\n",
    )
    .expect("handler");
    std::fs::write(
        dir.join("deploy.yaml"),
        format!(
            "version: 1\n\
             project: compat-ms-triggers\n\
             defaults:\n  region: {REGION}\n  role: arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-compat\n  runtime: python3.12\n  handler: app.handler\n\
             environments:\n  staging: {{}}\n\
             functions:\n  worker:\n    name: compat-ms-triggers-${{stage}}\n    artifact: {{ dir: worker }}\n    publish: true\n    alias: live\n\
             \x20   triggers:\n      jobs: {{ source: \"{queue}\", batch_size: 20, batching_window: 2s }}\n"
        ),
    )
    .expect("manifest");

    let apply = flotilla(dir, &url, &["apply", "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let lambda_auth = signed("lambda");
    let (status, body) = support::http(
        port,
        "GET",
        "/2015-03-31/event-source-mappings?FunctionName=compat-ms-triggers-staging%3Alive",
        &[("Authorization", &lambda_auth)],
        "",
    )
    .expect("MiniStack answers ListEventSourceMappings");
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let mappings = listed["EventSourceMappings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(mappings.len(), 1, "{body}");
    assert_eq!(mappings[0]["EventSourceArn"], queue.as_str());
    assert_eq!(mappings[0]["State"], "Enabled");
    assert_eq!(mappings[0]["BatchSize"], 20);
    assert!(
        mappings[0]["FunctionArn"]
            .as_str()
            .is_some_and(|a| a.ends_with(":compat-ms-triggers-staging:live")),
        "{body}"
    );

    let plan = flotilla(dir, &url, &["plan"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(
        text(&plan).contains("Plan: 0 to create, 0 to update, 1 unchanged."),
        "{}",
        text(&plan)
    );
}
