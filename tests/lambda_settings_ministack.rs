//! The Lambda settings (tracing, KMS key, dead-letter queue, SnapStart, `vpc`, `logging`,
//! `file_systems`) through the `flotilla` binary against MiniStack 1.5.33: a function
//! using all of them deploys from nothing, a change of each is planned and applied,
//! and the next plan is empty. MiniStack stores and returns every one of them.
//! `image_config` is not run here: it needs an image function, which MiniStack runs
//! only with a container runtime this test does not start.

use std::path::Path;

use crate::e2e_support::{Run, flotilla, run};
use crate::support::{MINISTACK_ACCOUNT, start_ministack, venv};

const KMS: &str = "arn:aws:kms:eu-north-1:000000000000:key/";
const FSAP: &str = "arn:aws:elasticfilesystem:eu-north-1:000000000000:access-point/fsap-";

/// The settings of one deploy; `n` picks one of two values of each.
fn write_manifest(dir: &Path, n: usize) {
    let pick = |a: &'static str, b: &'static str| if n == 0 { a } else { b };
    let yaml = format!(
        "version: 1\n\
         defaults:\n  region: eu-north-1\n  runtime: python3.12\n  handler: app.handler\n\
         \x20 role: arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-settings\n\
         functions:\n  settings:\n    name: flotilla-settings\n    artifact: {{ dir: fns/a }}\n\
         \x20   publish: true\n\
         \x20   tracing: {tracing}\n\
         \x20   kms_key: {KMS}{key}-12ab-34cd-56ef-1234567890ab\n\
         \x20   dead_letter: arn:aws:sqs:eu-north-1:{MINISTACK_ACCOUNT}:{dlq}\n\
         \x20   snap_start: {snap}\n\
         \x20   vpc: {{ subnets: [{subnet}], security_groups: [sg-0123456789abcdef0] }}\n\
         \x20   logging: {{ format: json, log_group: {group}, application_level: {app}{system} }}\n\
         \x20   file_systems:\n      - {{ arn: {FSAP}{fsap}, mount: {mount} }}\n",
        tracing = pick("active", "passthrough"),
        key = pick("1234abcd", "5678abcd"),
        dlq = pick("settings-dlq", "settings-dlq-2"),
        snap = pick("published_versions", "none"),
        subnet = pick("subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"),
        group = pick("/shared/a", "/shared/b"),
        app = pick("debug", "warn"),
        system = pick("", ", system_level: debug"),
        fsap = pick("0123456789abcdef0", "0123456789abcdef1"),
        mount = pick("/mnt/data", "/mnt/other"),
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

fn flo(dir: &Path, url: &str, args: &[&str]) -> Run {
    let mut cmd = flotilla(dir, MINISTACK_ACCOUNT);
    cmd.args(args)
        .args(["-f", "deploy.yaml", "--endpoint-url", url]);
    run(cmd)
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn every_setting_deploys_changes_and_settles_on_ministack() {
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

    write_manifest(dir, 0);
    flo(dir, &url, &["apply", "--auto-approve"]).expect_code(0);
    let empty = flo(dir, &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(empty.code, Some(0), "{}\n{}", empty.stdout, empty.stderr);

    write_manifest(dir, 1);
    let plan = flo(dir, &url, &["plan", "--detailed-exitcode"]).expect_code(2);
    for line in [
        "~ tracing",
        "~ kms_key",
        "~ dead_letter",
        "~ snap_start",
        "~ vpc.subnets",
        "~ logging.application_level",
        "~ logging.log_group",
        "~ logging.system_level",
        "~ file_systems",
    ] {
        assert!(plan.stdout.contains(line), "lacks {line}:\n{}", plan.stdout);
    }
    flo(dir, &url, &["apply", "--auto-approve"]).expect_code(0);
    let empty = flo(dir, &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(empty.code, Some(0), "{}\n{}", empty.stdout, empty.stderr);
}
