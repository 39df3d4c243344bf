//! `flotilla apply` with `upload` against MiniStack 1.5.33 (Lambda and S3 on one
//! endpoint), started by the test: the packaged folder is uploaded to its
//! content-addressed key through the real `aws-sdk-s3` client, the function is created
//! from S3 with the zip's `CodeSha256`, and a second plan has nothing to do.

use crate::support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use flotilla_cloud::lambda::{LambdaApi, SdkLambda};
use support::{MINISTACK_ACCOUNT, REGION, aws_cli, start_ministack};

fn flotilla(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flotilla"));
    cmd.args(args)
        .args(["--endpoint-url", endpoint])
        .current_dir(dir)
        .stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("AWS_") || k == "GITHUB_STEP_SUMMARY" {
            cmd.env_remove(&key);
        }
    }
    let no_config = dir.join("no-aws-config");
    std::fs::write(&no_config, "").unwrap();
    cmd.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", &no_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &no_config)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1");
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_and_apply_against_ministack() {
    let venv = support::venv();
    let ministack = start_ministack(&venv);
    let endpoint = ministack.url();
    let bucket = "flotilla-upload-test";
    let created = aws_cli(
        &venv,
        &endpoint,
        &["s3api", "create-bucket", "--bucket", bucket],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/app.py"),
        "def handler(e, c):\n    return 's3'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("deploy.yaml"),
        format!(
            "version: 1\nfunctions:\n  s3fn:\n    name: flotilla-ms-upload\n    region: {REGION}\n    runtime: python3.12\n    handler: app.handler\n    role: arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-compat\n    artifact: {{ dir: src, upload: {{ bucket: {bucket}, prefix: lambda }} }}\n"
        ),
    )
    .unwrap();
    let package = flotilla_core::artifact::package_dir(&dir.join("src"), &[]).unwrap();

    let out = flotilla(
        dir,
        &endpoint,
        &["apply", "-f", "deploy.yaml", "--auto-approve"],
    );
    assert!(
        out.status.success(),
        "{}\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr),
        ministack.log_tail()
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("s3fn: uploaded"), "{stderr}");

    let listed = aws_cli(
        &venv,
        &endpoint,
        &["s3api", "list-objects-v2", "--bucket", bucket],
    );
    let listed = text(&listed.stdout);
    assert!(
        listed.contains("lambda/") && listed.contains(".zip"),
        "{listed}"
    );

    let api = SdkLambda::for_endpoint(&endpoint, REGION);
    let live = api.get_function("flotilla-ms-upload").await.unwrap();
    assert_eq!(live.code_sha256, package.code_sha256);

    let plan = flotilla(dir, &endpoint, &["plan", "-f", "deploy.yaml"]);
    let stdout = text(&plan.stdout);
    assert!(
        stdout.contains("0 to create, 0 to update, 1 unchanged"),
        "{stdout}\n{}",
        text(&plan.stderr)
    );
}
