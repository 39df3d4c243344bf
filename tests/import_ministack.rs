//! `flotilla import` against MiniStack 1.5.33 (started by the test): a few functions
//! created through the SDK (two runtimes, two architectures, shared and differing
//! memory and timeouts, a description, tags, a secret in the environment, reserved
//! concurrency) become a manifest that validates, holds no secret value, and whose
//! first `plan --detailed-exitcode` exits 0.
//!
//! Once with `--code-bucket` (each zip referenced as an S3 object pinned by its
//! `CodeSha256`, so nothing is read from S3) and once with `--download-code` (each
//! package fetched from GetFunction's `Code.Location`, which MiniStack serves itself).
//! The second also plans a changed package against MiniStack's `Code.Location`: one file
//! changed (issue 13 item 10).
//!
//! No MiniStack difference from Lambda matters here: GetFunction returns the
//! configuration, tags, reserved concurrency and a downloadable `Code.Location` as
//! botocore's model describes them.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use flotilla_cloud::lambda::{
    Architecture, CodeSource, CreateFunctionInput, FunctionConfig, LambdaApi, SdkLambda,
};
use support::{MINISTACK_ACCOUNT, REGION, Shared, Spawned, code_sha256, start_ministack, tiny_zip};

use crate::e2e_support::{Run, flotilla, run};
use crate::sdk_suite::wait_stable;

static MINISTACK: Shared = Shared::new();

const SECRET: &str = "s3cr3t-ministack-password-value";

fn ministack() -> (Arc<Spawned>, SdkLambda) {
    let venv = support::venv();
    let emulator = MINISTACK.get(|| start_ministack(&venv));
    let api = SdkLambda::for_endpoint(&emulator.url(), REGION);
    (emulator, api)
}

/// Creates four functions named `{prefix}-…` and waits until each is stable.
async fn seed(api: &SdkLambda, prefix: &str) -> Vec<String> {
    let role = format!("arn:aws:iam::{MINISTACK_ACCOUNT}:role/imported");
    let mut names = Vec::new();
    for (i, key) in ["api", "worker", "cron", "edge"].into_iter().enumerate() {
        let name = format!("{prefix}-{key}");
        let mut environment = BTreeMap::from([("LOG_LEVEL".to_owned(), "info".to_owned())]);
        if key == "api" {
            environment.insert("DB_PASSWORD".to_owned(), SECRET.to_owned());
        }
        let (runtime, handler) = if key == "edge" {
            ("nodejs22.x", "index.handler")
        } else {
            ("python3.12", "app.handler")
        };
        let config = FunctionConfig {
            role: role.clone(),
            runtime: Some(runtime.to_owned()),
            handler: Some(handler.to_owned()),
            description: if key == "cron" {
                "nightly: the # one".to_owned()
            } else {
                String::new()
            },
            memory_mb: [256, 256, 512, 256][i],
            timeout_s: [30, 30, 30, 10][i],
            architecture: if key == "worker" {
                Architecture::Arm64
            } else {
                Architecture::X86_64
            },
            environment,
            ..FunctionConfig::lambda_defaults()
        };
        let zip = package(&name, key == "edge");
        // Deployed by Flotilla before (the import keeps the owner): an untagged function
        // is adopted by the first plan with a TagResource instead.
        let tags = BTreeMap::from([
            ("team".to_owned(), "imports".to_owned()),
            (
                "flotilla:manifest".to_owned(),
                "legacy/deploy.yaml".to_owned(),
            ),
            ("flotilla:env".to_owned(), "default".to_owned()),
        ]);
        let created = api
            .create_function(CreateFunctionInput {
                name: name.clone(),
                config,
                code: CodeSource::Zip(Arc::new(zip.clone())),
                publish: false,
                tags,
                code_signing_config_arn: None,
            })
            .await
            .unwrap_or_else(|e| panic!("seed {name}: {e:?}"));
        assert_eq!(created.code_sha256, code_sha256(&zip));
        names.push(name);
    }
    for name in &names {
        wait_stable(api, name).await;
    }
    api.put_function_concurrency(&format!("{prefix}-worker"), 3)
        .await
        .expect("seed: worker concurrency");
    names
}

/// A package holding the handler's file: `index.js` for Node.js, else `app.py`.
fn package(name: &str, node: bool) -> Vec<u8> {
    use std::io::Write as _;
    use zip::write::SimpleFileOptions;
    if !node {
        return tiny_zip(name);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    let opts = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    w.start_file("index.js", opts).expect("zip entry");
    w.write_all(format!("exports.handler = async () => {name:?};\n").as_bytes())
        .expect("zip write");
    w.finish().expect("zip finish");
    out.into_inner()
}

fn import(dir: &Path, endpoint: &str, prefix: &str, code: &[&str]) -> Run {
    let mut cmd = flotilla(dir, MINISTACK_ACCOUNT);
    cmd.env("AWS_REGION", REGION)
        .args([
            "import",
            "--prefix",
            &format!("{prefix}-"),
            "--region",
            REGION,
        ])
        .args(code)
        .args(["--endpoint-url", endpoint]);
    run(cmd).expect_code(0)
}

/// Validates the written manifest, checks it for the secret and what it must say, and
/// plans it with the secret's variable set to the live value: exit 0.
/// Returns the manifest and the variable the secret is read from.
fn validate_and_plan_empty(
    dir: &Path,
    endpoint: &str,
    imported: &Run,
    names: &[String],
) -> (String, String) {
    let manifest = std::fs::read_to_string(dir.join("deploy.yaml")).expect("deploy.yaml");
    assert!(!manifest.contains(SECRET), "the secret leaked:\n{manifest}");
    for name in names {
        assert!(
            manifest.contains(&format!("  {name}:\n")),
            "lacks {name}:\n{manifest}"
        );
    }
    for needle in [
        "project: \"legacy/deploy.yaml\"",
        "runtime: \"python3.12\"",
        "runtime: \"nodejs22.x\"",
        "architecture: arm64",
        "reserved_concurrency: 3",
        "\"team\": \"imports\"",
        "DB_PASSWORD: { from_env: ",
    ] {
        assert!(manifest.contains(needle), "lacks {needle:?}:\n{manifest}");
    }
    assert!(
        imported
            .stderr
            .contains(&format!("Imported {} function(s)", names.len())),
        "{}",
        imported.stderr
    );
    run({
        let mut cmd = flotilla(dir, MINISTACK_ACCOUNT);
        cmd.env("AWS_REGION", REGION)
            .args(["validate", "-f", "deploy.yaml"]);
        cmd
    })
    .expect_code(0);

    // The import names the variable to set for the secret: `VAR  (function: KEY)`.
    let variable = imported
        .stderr
        .lines()
        .find_map(|l| {
            let (var, rest) = l.trim().split_once("  (")?;
            rest.ends_with(": DB_PASSWORD)").then(|| var.to_owned())
        })
        .unwrap_or_else(|| panic!("no variable named for DB_PASSWORD:\n{}", imported.stderr));
    let plan = run({
        let mut cmd = flotilla(dir, MINISTACK_ACCOUNT);
        cmd.env("AWS_REGION", REGION)
            .env(&variable, SECRET)
            .args(["plan", "-f", "deploy.yaml", "--detailed-exitcode"])
            .args(["--endpoint-url", endpoint]);
        cmd
    });
    assert_eq!(
        plan.code,
        Some(0),
        "the first plan is not empty:\n{}\n{manifest}",
        plan.all()
    );
    assert!(
        plan.stdout.contains(&format!(
            "0 to create, 0 to update, {} unchanged",
            names.len()
        )),
        "{}",
        plan.stdout
    );
    (manifest, variable)
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_from_ministack_with_code_bucket_validates_and_plans_empty() {
    let (ministack, api) = ministack();
    let names = seed(&api, "imp-ms-s3").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let endpoint = ministack.url();
    let imported = import(
        dir.path(),
        &endpoint,
        "imp-ms-s3",
        &[
            "--code-bucket",
            "legacy-artifacts",
            "--code-prefix",
            "lambda/",
        ],
    );
    let (manifest, _) = validate_and_plan_empty(dir.path(), &endpoint, &imported, &names);
    assert!(
        manifest.contains("bucket: \"legacy-artifacts\"")
            && manifest.contains("key: \"lambda/imp-ms-s3-api.zip\""),
        "{manifest}"
    );
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_from_ministack_with_download_code_validates_and_plans_empty() {
    let (ministack, api) = ministack();
    let names = seed(&api, "imp-ms-dl").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let endpoint = ministack.url();
    let imported = import(
        dir.path(),
        &endpoint,
        "imp-ms-dl",
        &["--download-code", "code"],
    );
    let (manifest, variable) = validate_and_plan_empty(dir.path(), &endpoint, &imported, &names);
    for name in &names {
        let file = format!("code/{name}.zip");
        assert!(manifest.contains(&format!("zip: \"{file}\"")), "{manifest}");
        let bytes = std::fs::read(dir.path().join(&file)).expect("downloaded zip");
        assert_eq!(bytes, package(name, name.ends_with("-edge")), "{file}");
    }
    // Issue 13 item 10 against MiniStack's `Code.Location`: new code in one package is
    // one changed file.
    std::fs::write(
        dir.path().join("code/imp-ms-dl-cron.zip"),
        tiny_zip("new cron"),
    )
    .expect("new code");
    let plan = run({
        let mut cmd = flotilla(dir.path(), MINISTACK_ACCOUNT);
        cmd.env("AWS_REGION", REGION).env(&variable, SECRET).args([
            "plan",
            "-f",
            "deploy.yaml",
            "--endpoint-url",
            &endpoint,
        ]);
        cmd
    })
    .expect_code(0);
    assert!(
        plan.stdout
            .contains("~ package 1 file changed, 0 added, 0 removed"),
        "{}",
        plan.stdout
    );
}
