//! End to end, artifacts deployed through S3: the real `flotilla` binary against
//! `flotilla sim` over HTTP (Lambda and S3 on one endpoint).
//!
//! - the first apply uploads the packaged `dir:` once, to `{prefix}/{hex sha256}.zip`,
//!   and Lambda's `CodeSha256` is the zip's;
//! - applying the same artifact to a second environment finds the object and skips
//!   the upload; a re-plan has nothing to do;
//! - changing a file uploads a new key and updates the code;
//! - a zip over 50 MB is a validation error without `upload` and valid with it.

use crate::e2e_support;
use crate::support;

use std::path::Path;

use e2e_support::{Run, Sim, flotilla, run};

const ACCOUNT: &str = "111111111111";
const BUCKET: &str = "artifacts-111111111111";

const MANIFEST: &str = r#"version: 1
defaults:
  account: "111111111111"
  region: eu-north-1
  runtime: python3.12
  handler: app.handler
  role: arn:aws:iam::111111111111:role/lambda
  upload: { bucket: "artifacts-${account}", prefix: "/lambda/${stage}//builds/" }
environments:
  staging: {}
  prod: {}
functions:
  api:
    name: api-${stage}
    artifact: { dir: src }
"#;

fn flo(dir: &Path, sim: &Sim, args: &[&str]) -> Run {
    let mut cmd = flotilla(dir, ACCOUNT);
    cmd.args(args).args(["--endpoint-url", &sim.url]);
    run(cmd)
}

fn s3(sim: &Sim) -> serde_json::Value {
    sim.control("GET", "s3", "")
}

fn calls(sim: &Sim, op: &str) -> u64 {
    s3(sim)["calls"][op].as_u64().unwrap_or(0)
}

/// The zip Flotilla packages from `src`, as hex (the key) and base64 (`CodeSha256`).
fn digest(dir: &Path) -> (String, String) {
    let package = flotilla_core::artifact::package_dir(&dir.join("src"), &[]).expect("package");
    let raw = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        &package.code_sha256,
    )
    .expect("base64");
    let hex = raw.iter().map(|b| format!("{b:02x}")).collect();
    (hex, package.code_sha256)
}

fn apply(dir: &Path, sim: &Sim, env: &str) -> Run {
    let out = flo(
        dir,
        sim,
        &[
            "apply",
            "-f",
            "deploy.yaml",
            "--env",
            env,
            "--auto-approve",
            "--report",
            "report.json",
        ],
    );
    assert_eq!(
        out.code,
        Some(0),
        "apply {env}:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    out
}

#[test]
fn dir_artifacts_are_uploaded_once_and_deployed_from_s3() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("src")).expect("src");
    std::fs::write(dir.join("src/app.py"), "def handler(e, c):\n    return 1\n").expect("app");
    std::fs::write(dir.join("deploy.yaml"), MANIFEST).expect("manifest");
    let sim = Sim::start(dir, &["--account", ACCOUNT]);
    let (status, body) =
        support::http(sim.port, "PUT", &format!("/{BUCKET}"), &[], "").expect("sim answers");
    assert_eq!(status, 200, "CreateBucket: {body}");

    let (hex, b64) = digest(dir);
    let key = format!("lambda/staging/builds/{hex}.zip");
    let location = format!("s3://{BUCKET}/{key}");

    // The plan names the destination in every format.
    let plan = flo(
        dir,
        &sim,
        &["plan", "-f", "deploy.yaml", "--env", "staging"],
    );
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert!(plan.stdout.contains("+ upload"), "{}", plan.stdout);
    assert!(plan.stdout.contains(&location), "{}", plan.stdout);
    let md = flo(
        dir,
        &sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--format",
            "markdown",
        ],
    );
    assert!(md.stdout.contains(&location), "{}", md.stdout);
    let json = flo(
        dir,
        &sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan json");
    assert_eq!(json["functions"][0]["upload"]["bucket"], BUCKET);
    assert_eq!(json["functions"][0]["upload"]["key"], key.as_str());

    // First apply: one PutObject, and Lambda's CodeSha256 is the zip's.
    let out = apply(dir, &sim, "staging");
    assert!(
        out.stderr.contains("api: uploaded ") && out.stderr.contains(&location),
        "{}",
        out.stderr
    );
    assert_eq!(calls(&sim, "PutObject"), 1);
    let live = sim.get_function(ACCOUNT, "eu-north-1", "api-staging");
    assert_eq!(live["Configuration"]["CodeSha256"], b64.as_str());
    let objects = s3(&sim)["objects"].clone();
    assert_eq!(objects, serde_json::json!([format!("{BUCKET}/{key}")]));

    // Nothing changed: no plan step, no S3 call, no code update.
    let before = sim.counters();
    let plan = flo(
        dir,
        &sim,
        &["plan", "-f", "deploy.yaml", "--env", "staging"],
    );
    assert!(
        plan.stdout
            .contains("0 to create, 0 to update, 1 unchanged"),
        "{}",
        plan.stdout
    );
    apply(dir, &sim, "staging");
    assert_eq!(calls(&sim, "PutObject"), 1);
    let after = sim.counters();
    assert_eq!(
        after["calls"]["UpdateFunctionCode"], before["calls"]["UpdateFunctionCode"],
        "{after}"
    );

    // Another environment with the same bytes but its own prefix uploads its own key;
    // moved to the same prefix, the object is found and the upload skipped.
    let shared = MANIFEST.replace("/lambda/${stage}//builds/", "lambda/shared");
    std::fs::write(dir.join("deploy.yaml"), &shared).expect("manifest");
    let shared_key = format!("lambda/shared/{hex}.zip");
    let out = apply(dir, &sim, "prod");
    assert!(out.stderr.contains("uploaded"), "{}", out.stderr);
    assert_eq!(calls(&sim, "PutObject"), 2);
    // staging's code is the same zip, so only its S3 address in the plan changed: it is
    // up to date and nothing is uploaded.
    let out = apply(dir, &sim, "staging");
    assert!(!out.stderr.contains("uploaded"), "{}", out.stderr);
    assert_eq!(calls(&sim, "PutObject"), 2);
    let prod = sim.get_function(ACCOUNT, "eu-north-1", "api-prod");
    assert_eq!(prod["Configuration"]["CodeSha256"], b64.as_str());
    assert!(
        s3(&sim)["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .any(|o| o == &serde_json::json!(format!("{BUCKET}/{shared_key}"))),
        "{}",
        s3(&sim)
    );

    // A second function with the same artifact in prod, created now: the object is
    // there, so the upload is skipped.
    let two =
        format!("{shared}  worker:\n    name: worker-${{stage}}\n    artifact: {{ dir: src }}\n");
    std::fs::write(dir.join("deploy.yaml"), &two).expect("manifest");
    let out = apply(dir, &sim, "prod");
    assert!(
        out.stderr.contains(&format!(
            "worker: s3://{BUCKET}/{shared_key} already uploaded"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(calls(&sim, "PutObject"), 2);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("report"))
            .expect("report json");
    let worker_report = report["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["key"] == "worker")
        .expect("worker in the report");
    assert_eq!(worker_report["upload"]["skipped"], true, "{report}");
    assert_eq!(
        worker_report["upload"]["location"],
        format!("s3://{BUCKET}/{shared_key}").as_str()
    );
    let worker = sim.get_function(ACCOUNT, "eu-north-1", "worker-prod");
    assert_eq!(worker["Configuration"]["CodeSha256"], b64.as_str());

    // A changed file: a new key, uploaded from a saved plan, and the code updated to it.
    std::fs::write(dir.join("src/app.py"), "def handler(e, c):\n    return 2\n").expect("app");
    let (hex2, b64_2) = digest(dir);
    assert_ne!(hex2, hex);
    let plan = flo(
        dir,
        &sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "prod",
            "-o",
            "plan.json",
        ],
    );
    assert!(plan.stdout.contains("~ code"), "{}", plan.stdout);
    assert!(plan.stdout.contains(&hex2), "{}", plan.stdout);

    // The files changed after the plan: apply refuses to upload what was not reviewed.
    std::fs::write(dir.join("src/app.py"), "def handler(e, c):\n    return 3\n").expect("app");
    let out = flo(dir, &sim, &["apply", "plan.json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the artifact changed since the plan was made"),
        "{}",
        out.stderr
    );
    assert_eq!(calls(&sim, "PutObject"), 2);

    std::fs::write(dir.join("src/app.py"), "def handler(e, c):\n    return 2\n").expect("app");
    let out = flo(dir, &sim, &["apply", "plan.json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains(&hex2), "{}", out.stderr);
    assert_eq!(calls(&sim, "PutObject"), 3);
    for name in ["api-prod", "worker-prod"] {
        let live = sim.get_function(ACCOUNT, "eu-north-1", name);
        assert_eq!(
            live["Configuration"]["CodeSha256"],
            b64_2.as_str(),
            "{name}"
        );
    }
}

/// A zip over Lambda's 50 MB direct-upload limit (stored, not compressed, so the file
/// really is that large): refused by `validate` with a pointer to `upload`, accepted
/// with `upload`.
#[test]
fn a_zip_over_50_mb_needs_upload() {
    use std::io::Write as _;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    {
        let file = std::fs::File::create(dir.join("big.zip")).expect("zip");
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false);
        zip.start_file("app.py", stored).expect("handler entry");
        zip.write_all(b"def handler(event, context):\n    return 1\n")
            .expect("write");
        zip.start_file("data.bin", stored).expect("entry");
        let chunk = vec![7u8; 1024 * 1024];
        for _ in 0..51 {
            zip.write_all(&chunk).expect("write");
        }
        zip.finish().expect("finish");
    }
    let base = "version: 1\ndefaults: { region: eu-north-1, runtime: python3.12, handler: app.handler, role: arn:aws:iam::111111111111:role/lambda }\nfunctions:\n  big:\n";
    std::fs::write(
        dir.join("deploy.yaml"),
        format!("{base}    artifact: {{ zip: big.zip }}\n"),
    )
    .expect("manifest");
    let out = run({
        let mut cmd = flotilla(dir, ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml"]);
        cmd
    });
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("limit for direct upload") && out.stderr.contains("upload: { bucket"),
        "{}",
        out.stderr
    );

    std::fs::write(
        dir.join("deploy.yaml"),
        format!("{base}    artifact: {{ zip: big.zip, upload: {{ bucket: my-artifacts }} }}\n"),
    )
    .expect("manifest");
    let out = run({
        let mut cmd = flotilla(dir, ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml"]);
        cmd
    });
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("zip big.zip via s3://my-artifacts/"),
        "{}",
        out.stdout
    );
    // Plan packages nothing new: the digest accepts the zip too.
    let out = run({
        let mut cmd = flotilla(dir, ACCOUNT);
        cmd.args(["plan", "-f", "deploy.yaml", "--local"]);
        cmd
    });
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("s3://my-artifacts/"), "{}", out.stdout);
}

#[test]
fn bad_bucket_names_are_validation_errors_with_a_span() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("src")).expect("src");
    std::fs::write(dir.join("src/app.py"), "x = 1\n").expect("app");
    let manifest = "version: 1\ndefaults: { region: eu-north-1, runtime: python3.12, handler: app.handler, role: arn:aws:iam::111111111111:role/lambda }\nfunctions:\n  api:\n    artifact:\n      dir: src\n      upload: { bucket: My_Bucket }\n";
    std::fs::write(dir.join("deploy.yaml"), manifest).expect("manifest");
    let out = run({
        let mut cmd = flotilla(dir, ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml", "--format", "json"]);
        cmd
    });
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let d = &json["diagnostics"][0];
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("`My_Bucket` is not a valid S3 bucket name")),
        "{json}"
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(7), Some(25)),
        "{json}"
    );
}

/// The example manifest in docs/s3-artifacts.md is valid as written.
#[test]
fn the_readme_example_validates() {
    let readme = std::fs::read_to_string(e2e_support::crate_root().join("docs/s3-artifacts.md"))
        .expect("docs/s3-artifacts.md");
    let section = readme
        .split("<!-- section: s3 -->")
        .nth(1)
        .and_then(|s| s.split("<!-- section:").next())
        .expect("the s3 section");
    let yaml = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a yaml block");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("services/api")).expect("api");
    std::fs::write(dir.join("services/api/app.py"), "x = 1\n").expect("app");
    std::fs::create_dir_all(dir.join("build")).expect("build");
    std::fs::write(dir.join("build/ml.zip"), support::tiny_zip("ml")).expect("zip");
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("manifest");
    let out = run({
        let mut cmd = flotilla(dir, ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml", "--env", "staging"]);
        cmd
    });
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "dir services/api/ via s3://my-artifacts-111111111111-eu-north-1/lambda/staging/"
        ) && out
            .stdout
            .contains("zip build/ml.zip via s3://ml-artifacts-eu-north-1/"),
        "{}",
        out.stdout
    );
}

/// `AWS_ENDPOINT_URL_S3` sends S3 calls to another endpoint than Lambda's.
#[test]
fn aws_endpoint_url_s3_moves_only_the_uploads() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("src")).expect("src");
    std::fs::write(dir.join("src/app.py"), "x = 1\n").expect("app");
    std::fs::write(dir.join("deploy.yaml"), MANIFEST).expect("manifest");
    let lambda = Sim::start(dir, &["--account", ACCOUNT]);
    let s3_sim = Sim::start(dir, &["--account", ACCOUNT]);
    let (status, _) =
        support::http(s3_sim.port, "PUT", &format!("/{BUCKET}"), &[], "").expect("sim answers");
    assert_eq!(status, 200);
    let mut cmd = flotilla(dir, ACCOUNT);
    cmd.args([
        "apply",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--auto-approve",
        "--endpoint-url",
        &lambda.url,
    ])
    .env("AWS_ENDPOINT_URL_S3", &s3_sim.url);
    let out = run(cmd);
    assert!(out.stderr.contains("api: uploaded"), "{}", out.stderr);
    assert_eq!(calls(&s3_sim, "PutObject"), 1);
    assert_eq!(calls(&lambda, "PutObject"), 0);
    assert_eq!(lambda.counters()["calls"]["CreateFunction"], 1);
}
