//! `url` through the `flotilla` binary against MiniStack 1.5.33, which serves
//! Create/Get/Update/Delete/ListFunctionUrlConfigs and writes `InvokedViaFunctionUrl`
//! as a `Bool` condition: a public URL with CORS on an alias deploys from nothing with
//! its two statements, a change of auth and CORS is applied, `url: false` deletes it,
//! and each next plan is empty.

use std::path::Path;

use crate::e2e_support::{Run, flotilla, run};
use crate::support::{MINISTACK_ACCOUNT, start_ministack, venv};

fn write_manifest(dir: &Path, url: &str) {
    let yaml = format!(
        "version: 1\n\
         defaults:\n  region: eu-north-1\n  runtime: python3.12\n  handler: app.handler\n\
         \x20 role: arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-url\n\
         functions:\n  web:\n    name: flotilla-url\n    artifact: {{ dir: fns/a }}\n\
         \x20   publish: true\n    alias: live\n    url: {url}\n"
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

fn flo(dir: &Path, url: &str, args: &[&str]) -> Run {
    let mut cmd = flotilla(dir, MINISTACK_ACCOUNT);
    cmd.args(args)
        .args(["-f", "deploy.yaml", "--endpoint-url", url]);
    run(cmd)
}

fn settles(dir: &Path, url: &str) {
    flo(dir, url, &["apply", "--auto-approve"]).expect_code(0);
    let empty = flo(dir, url, &["plan", "--detailed-exitcode"]);
    assert_eq!(empty.code, Some(0), "{}\n{}", empty.stdout, empty.stderr);
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn function_url_deploys_changes_and_is_deleted_on_ministack() {
    let ministack = start_ministack(&venv());
    let url = ministack.url();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("fns/a")).expect("artifact folder");
    std::fs::write(
        dir.join("fns/a/app.py"),
        "def handler(event, context):\n    return 1\n",
    )
    .expect("handler");

    write_manifest(
        dir,
        "{ auth: none, cors: { allow_origins: [\"https://example.com\"], allow_methods: [GET], max_age: 60 } }",
    );
    let first = flo(dir, &url, &["plan"]).expect_code(0);
    assert!(
        first
            .stdout
            .contains("+ permission FunctionURLAllowInvokeAction"),
        "{}",
        first.stdout
    );
    settles(dir, &url);

    write_manifest(
        dir,
        "{ auth: aws_iam, invoke_mode: response_stream, cors: { allow_origins: [\"*\"] } }",
    );
    let plan = flo(dir, &url, &["plan", "--detailed-exitcode"]).expect_code(2);
    for line in [
        "~ url (alias live) auth",
        "~ url (alias live) invoke_mode",
        "~ url (alias live) cors.allow_origins",
        "- url (alias live) cors.allow_methods",
        "- permission FunctionURLAllowPublicAccess",
    ] {
        assert!(plan.stdout.contains(line), "lacks {line}:\n{}", plan.stdout);
    }
    settles(dir, &url);

    write_manifest(dir, "false");
    let plan = flo(dir, &url, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(
        plan.stdout.contains("- url (alias live)"),
        "{}",
        plan.stdout
    );
    settles(dir, &url);
}
