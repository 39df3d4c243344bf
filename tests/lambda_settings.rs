//! Lambda's tracing, KMS key, dead-letter queue and SnapStart settings, and the
//! members of `CreateFunction`/`UpdateFunctionConfiguration` Flotilla leaves alone:
//!
//! - every member of both requests in botocore's model is a manifest key, set by
//!   Flotilla itself, or listed in docs/manifest.md's table of unmanaged members;
//! - end to end through the binary against `flotilla sim`: a function using the new
//!   settings deploys from nothing, a change of each is planned (text, Markdown, JSON)
//!   and applied, and the next plan is empty;
//! - over HTTP against the sim: what UpdateFunctionConfiguration sets, GetFunction
//!   returns; an unmodelled member and bad values get 400; `DryRun` changes nothing.

use crate::e2e_support;
use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e_support::{FLEET_ACCOUNT, Run, Sim, crate_root, flotilla, run};
use flotilla_cloud::lambda::ConfigField;

const REGION: &str = "eu-north-1";

/// Request members Flotilla sets without a manifest key of the same name.
const SET_OTHERWISE: &[&str] = &[
    "FunctionName", // `name`
    "Code",         // `artifact`
    "Publish",      // `publish` (a separate PublishVersion after the update)
    "Tags",         // `tags` (TagResource)
    "RevisionId",   // the revision the plan observed
    // `code_signing_config` (PutFunctionCodeSigningConfig on an existing function)
    "CodeSigningConfigArn",
];

/// botocore's members of `shape`, read from the pinned venv's gzipped model.
fn botocore_members(shape: &str) -> Vec<String> {
    let venv = std::env::var_os("FLOTILLA_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_root().join(".venv"));
    let python = venv.join("bin").join("python");
    assert!(
        python.is_file(),
        "{} is missing; run tests/tools/install.sh",
        python.display()
    );
    let script = format!(
        "import botocore.loaders as l\n\
         m = l.Loader().load_service_model('lambda', 'service-2')\n\
         print('\\n'.join(m['shapes']['{shape}']['members']))"
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let members: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(members.len() > 10, "{shape}: {members:?}");
    members
}

/// The members named in the first column of docs/manifest.md's "What Flotilla does not
/// manage" table.
fn documented_unmanaged() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(crate_root().join("docs/manifest.md")).expect("docs");
    let section = doc
        .split("## What Flotilla does not manage")
        .nth(1)
        .expect("docs/manifest.md has a section \"What Flotilla does not manage\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn every_create_and_update_configuration_member_is_managed_or_documented() {
    let managed: BTreeSet<&str> = ConfigField::ALL.iter().map(|f| f.api_name()).collect();
    let unmanaged = documented_unmanaged();
    let mut missing = Vec::new();
    for shape in [
        "CreateFunctionRequest",
        "UpdateFunctionConfigurationRequest",
    ] {
        for member in botocore_members(shape) {
            let known = managed.contains(member.as_str())
                || SET_OTHERWISE.contains(&member.as_str())
                || unmanaged.contains(&member);
            if !known {
                missing.push(format!("{shape}.{member}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "neither a manifest key nor in docs/manifest.md's unmanaged table: {missing:?}"
    );
    // A member both managed and listed as unmanaged would make the table lie.
    let both: Vec<&String> = unmanaged
        .iter()
        .filter(|m| managed.contains(m.as_str()) || SET_OTHERWISE.contains(&m.as_str()))
        .collect();
    assert!(
        both.is_empty(),
        "managed yet documented as unmanaged: {both:?}"
    );
}

fn flo(dir: &Path, sim: &Sim, sub: &[&str]) -> Run {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(sub).args(["--endpoint-url", &sim.url]);
    run(cmd)
}

struct Settings<'a> {
    tracing: &'a str,
    kms_key: &'a str,
    dead_letter: &'a str,
    snap_start: &'a str,
}

fn write_manifest(dir: &Path, s: &Settings<'_>) {
    std::fs::create_dir_all(dir.join("src")).expect("src");
    std::fs::write(dir.join("src/App.java"), "class App {}\n").expect("code");
    let yaml = format!(
        "version: 1\n\
         defaults:\n  region: {REGION}\n  account: \"{FLEET_ACCOUNT}\"\n  tracing: {}\n\
         functions:\n  orders:\n    role: arn:aws:iam::{FLEET_ACCOUNT}:role/orders\n    \
         runtime: java21\n    handler: app.App::handle\n    artifact: {{ dir: src }}\n    \
         kms_key: arn:aws:kms:{REGION}:{FLEET_ACCOUNT}:key/{}\n    \
         dead_letter: arn:aws:{}\n    snap_start: {}\n",
        s.tracing, s.kms_key, s.dead_letter, s.snap_start
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("manifest");
}

#[test]
fn tracing_kms_dead_letter_and_snap_start_deploy_change_and_settle() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = Sim::start(root, &["--account", FLEET_ACCOUNT, "--latency", "50ms"]);
    let v1 = Settings {
        tracing: "active",
        kms_key: "one",
        dead_letter: &format!("sqs:{REGION}:{FLEET_ACCOUNT}:orders-dlq"),
        snap_start: "published_versions",
    };
    write_manifest(root, &v1);
    flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    let live = sim.get_function(FLEET_ACCOUNT, REGION, "orders");
    let c = &live["Configuration"];
    assert_eq!(c["TracingConfig"]["Mode"], "Active", "{c}");
    assert_eq!(c["SnapStart"]["ApplyOn"], "PublishedVersions", "{c}");
    assert_eq!(
        c["KMSKeyArn"],
        format!("arn:aws:kms:{REGION}:{FLEET_ACCOUNT}:key/one")
    );
    assert_eq!(
        c["DeadLetterConfig"]["TargetArn"],
        format!("arn:aws:sqs:{REGION}:{FLEET_ACCOUNT}:orders-dlq")
    );
    flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);

    let v2 = Settings {
        tracing: "passthrough",
        kms_key: "two",
        dead_letter: &format!("sns:{REGION}:{FLEET_ACCOUNT}:orders-failed"),
        snap_start: "none",
    };
    write_manifest(root, &v2);
    let fields = ["tracing", "kms_key", "dead_letter", "snap_start"];
    let text = flo(root, &sim, &["plan"]).expect_code(0).stdout;
    let markdown = flo(root, &sim, &["plan", "--format", "markdown"])
        .expect_code(0)
        .stdout;
    let json = flo(root, &sim, &["plan", "--format", "json"])
        .expect_code(0)
        .stdout;
    for field in fields {
        assert!(
            text.contains(&format!("~ {field}")),
            "text names {field}:\n{text}"
        );
        assert!(
            markdown.contains(field),
            "Markdown names {field}:\n{markdown}"
        );
        assert!(
            json.contains(&format!("\"{field}\"")),
            "JSON names {field}:\n{json}"
        );
    }
    assert!(text.contains("\"Active\" → \"PassThrough\""), "{text}");
    assert!(text.contains("orders-failed"), "{text}");

    flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    let c = sim.get_function(FLEET_ACCOUNT, REGION, "orders")["Configuration"].clone();
    assert_eq!(c["TracingConfig"]["Mode"], "PassThrough", "{c}");
    assert_eq!(c["SnapStart"]["ApplyOn"], "None", "{c}");
    assert_eq!(
        c["KMSKeyArn"],
        format!("arn:aws:kms:{REGION}:{FLEET_ACCOUNT}:key/two")
    );
    flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);
}

/// `orders` with only `extra` of the four settings.
fn write_bare(dir: &Path, extra: &str) {
    std::fs::create_dir_all(dir.join("src")).expect("src");
    std::fs::write(dir.join("src/App.java"), "class App {}\n").expect("code");
    let yaml = format!(
        "version: 1\n\
         defaults:\n  region: {REGION}\n  account: \"{FLEET_ACCOUNT}\"\n\
         functions:\n  orders:\n    role: arn:aws:iam::{FLEET_ACCOUNT}:role/orders\n    \
         runtime: java21\n    handler: app.App::handle\n    artifact: {{ dir: src }}\n{extra}"
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("manifest");
}

#[test]
fn tracing_kms_dead_letter_and_snap_start_the_manifest_does_not_mention_are_left_alone() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = Sim::start(root, &["--account", FLEET_ACCOUNT, "--latency", "20ms"]);
    write_bare(root, "");
    flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    let c = sim.get_function(FLEET_ACCOUNT, REGION, "orders")["Configuration"].clone();
    assert_eq!(c["TracingConfig"]["Mode"], "PassThrough", "{c}");

    // Someone else (the console, Terraform) sets all four.
    let kms = format!("arn:aws:kms:{REGION}:{FLEET_ACCOUNT}:key/by-hand");
    let dlq = format!("arn:aws:sqs:{REGION}:{FLEET_ACCOUNT}:by-hand");
    let (status, body) = call(
        &sim,
        "PUT",
        "/2015-03-31/functions/orders/configuration",
        &serde_json::json!({
            "TracingConfig": { "Mode": "Active" }, "KMSKeyArn": kms,
            "DeadLetterConfig": { "TargetArn": dlq },
            "SnapStart": { "ApplyOn": "PublishedVersions" },
            "VpcConfig": {
                "SubnetIds": ["subnet-0a1b2c3d4e5f60718"],
                "SecurityGroupIds": ["sg-0123456789abcdef0"],
            },
        }),
    );
    assert_eq!(status, 200, "{body}");
    settled(&sim, "orders");
    let p = flo(root, &sim, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        p.code,
        Some(0),
        "not left alone:\n{}\n{}",
        p.stdout,
        p.stderr
    );
    let json = flo(root, &sim, &["plan", "--format", "json"])
        .expect_code(0)
        .stdout;
    let plan: serde_json::Value = serde_json::from_str(&json).expect("JSON plan");
    assert_eq!(
        plan["functions"][0]["desired"]["tracing"], "Active",
        "{json}"
    );

    // Said in the manifest, they are managed again: `none` removes the key and queue.
    write_bare(
        root,
        "    tracing: passthrough\n    kms_key: none\n    dead_letter: none\n    snap_start: none\n",
    );
    let text = flo(root, &sim, &["plan"]).expect_code(0).stdout;
    for line in ["~ tracing", "- kms_key", "- dead_letter", "~ snap_start"] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
    flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    let c = sim.get_function(FLEET_ACCOUNT, REGION, "orders")["Configuration"].clone();
    assert_eq!(c["TracingConfig"]["Mode"], "PassThrough", "{c}");
    assert_eq!(c["SnapStart"]["ApplyOn"], "None", "{c}");
    assert!(c.get("KMSKeyArn").is_none_or(|k| k == ""), "{c}");
    assert!(c["DeadLetterConfig"]["TargetArn"].is_null(), "{c}");
    flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn a_function_whose_creation_failed_is_created_again_from_the_manifest_alone() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = Sim::start(root, &["--account", FLEET_ACCOUNT, "--latency", "20ms"]);
    let rule = r#"[{"op": "CreateFunction", "function": "orders", "kind": {"type": "fail_update", "reason": "the zip is broken", "reason_code": "InvalidZipFileException"}, "trigger": {"next": 1}}]"#;
    let (status, text) =
        support::http(sim.port, "POST", "/_sim/faults", &[], rule).expect("the sim answers");
    assert!((200..300).contains(&status), "{status} {text}");
    // Someone else's creation, with settings the manifest does not mention, failed.
    let (status, body) = call(
        &sim,
        "POST",
        "/2015-03-31/functions",
        &serde_json::json!({
            "FunctionName": "orders", "Role": format!("arn:aws:iam::{FLEET_ACCOUNT}:role/orders"),
            "Runtime": "java21", "Handler": "app.App::handle",
            "Code": { "ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==" },
            "TracingConfig": { "Mode": "Active" },
            "VpcConfig": {
                "SubnetIds": ["subnet-0a1b2c3d4e5f60718"],
                "SecurityGroupIds": ["sg-0123456789abcdef0"],
            },
        }),
    );
    assert_eq!(status, 201, "{body}");
    for _ in 0..200 {
        let c = sim.get_function(FLEET_ACCOUNT, REGION, "orders")["Configuration"].clone();
        if c["State"] == "Failed" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // Nothing of the failed function is kept: it is created with Lambda's defaults.
    write_bare(root, "");
    let json = flo(root, &sim, &["plan", "--format", "json"])
        .expect_code(0)
        .stdout;
    let plan: serde_json::Value = serde_json::from_str(&json).expect("JSON plan");
    let f = &plan["functions"][0];
    assert_eq!(f["action"], "replace", "{json}");
    assert_eq!(f["desired"]["tracing"], "PassThrough", "{json}");
    assert!(f["desired"]["vpc"].is_null(), "{json}");
    flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    let c = settled(&sim, "orders")["Configuration"].clone();
    assert_eq!(c["TracingConfig"]["Mode"], "PassThrough", "{c}");
    assert!(
        c.get("VpcConfig")
            .is_none_or(|v| v["SubnetIds"] == serde_json::json!([])),
        "{c}"
    );
}

#[test]
fn the_manifest_refuses_bad_modes_arns_and_snap_start_runtimes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(root.join("src/app.py"), "def handler(e, c): pass\n").expect("code");
    let yaml = format!(
        "version: 1\n\
         defaults: {{ region: {REGION}, account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n  api:\n    role: arn:aws:iam::{FLEET_ACCOUNT}:role/api\n    \
         runtime: python3.11\n    handler: app.handler\n    artifact: {{ dir: src }}\n    \
         tracing: on\n    kms_key: alias/mine\n    \
         dead_letter: arn:aws:s3:::bucket\n    snap_start: published_versions\n"
    );
    std::fs::write(root.join("deploy.yaml"), yaml).expect("manifest");
    let out = run({
        let mut cmd = flotilla(root, FLEET_ACCOUNT);
        cmd.args(["validate"]);
        cmd
    });
    assert_ne!(out.code, Some(0), "{}", out.all());
    let all = out.all();
    for expected in [
        "`functions.api.tracing` is `on`, not a known value",
        "`functions.api.kms_key` is `alias/mine`, not an ARN of kms",
        "`functions.api.dead_letter` is `arn:aws:s3:::bucket`, not an ARN of sqs or sns",
        "not `python3.11`",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
}

/// Signed (unchecked) headers for `FLEET_ACCOUNT` in `REGION`.
fn auth() -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    )
}

fn call(sim: &Sim, method: &str, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let auth = auth();
    let (status, text) = support::http(
        sim.port,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body.to_string(),
    )
    .expect("the sim answers");
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, value)
}

/// Polls GetFunction until the last update finished.
fn settled(sim: &Sim, name: &str) -> serde_json::Value {
    for _ in 0..200 {
        let f = sim.get_function(FLEET_ACCOUNT, REGION, name);
        let c = &f["Configuration"];
        if c["State"] == "Active" && c["LastUpdateStatus"] == "Successful" {
            return f;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("{name} did not settle");
}

#[test]
fn the_sim_stores_what_it_accepts_and_refuses_what_it_does_not_model() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let sim = Sim::start(
        tmp.path(),
        &["--account", FLEET_ACCOUNT, "--latency", "20ms"],
    );
    let role = format!("arn:aws:iam::{FLEET_ACCOUNT}:role/r");
    let zip = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";
    let create = serde_json::json!({
        "FunctionName": "f", "Role": role, "Runtime": "java21", "Handler": "a.B::c",
        "Code": { "ZipFile": zip },
    });
    let (status, body) = call(&sim, "POST", "/2015-03-31/functions", &create);
    assert_eq!(status, 201, "{body}");
    let before = settled(&sim, "f");
    let c = &before["Configuration"];
    assert_eq!(c["TracingConfig"]["Mode"], "PassThrough", "{c}");
    assert_eq!(c["SnapStart"]["ApplyOn"], "None", "{c}");
    assert!(
        c.get("KMSKeyArn").is_none() && c.get("DeadLetterConfig").is_none(),
        "{c}"
    );

    // Every field UpdateFunctionConfiguration accepts is on the next GetFunction.
    let kms = format!("arn:aws:kms:{REGION}:{FLEET_ACCOUNT}:key/k");
    let dlq = format!("arn:aws:sqs:{REGION}:{FLEET_ACCOUNT}:q");
    let update = serde_json::json!({
        "Role": format!("{role}2"), "Runtime": "java17", "Handler": "a.B::d",
        "Description": "d", "MemorySize": 256, "Timeout": 9,
        "EphemeralStorage": { "Size": 1024 },
        "Environment": { "Variables": { "K": "v" } },
        "TracingConfig": { "Mode": "Active" }, "KMSKeyArn": kms,
        "DeadLetterConfig": { "TargetArn": dlq },
        "SnapStart": { "ApplyOn": "PublishedVersions" },
    });
    let (status, body) = call(
        &sim,
        "PUT",
        "/2015-03-31/functions/f/configuration",
        &update,
    );
    assert_eq!(status, 200, "{body}");
    let c = settled(&sim, "f")["Configuration"].clone();
    for (key, value) in update.as_object().expect("object") {
        // `SnapStart` also reports the optimization status, which Lambda sets.
        let live = match key.as_str() {
            "SnapStart" => serde_json::json!({ "ApplyOn": c[key]["ApplyOn"] }),
            _ => c[key].clone(),
        };
        assert_eq!(&live, value, "GetFunction returns {key}: {c}");
    }

    // Clearing with an empty ARN removes the key and the queue, as on Lambda.
    let clear = serde_json::json!({ "KMSKeyArn": "", "DeadLetterConfig": { "TargetArn": "" } });
    let (status, body) = call(&sim, "PUT", "/2015-03-31/functions/f/configuration", &clear);
    assert_eq!(status, 200, "{body}");
    let c = settled(&sim, "f")["Configuration"].clone();
    assert!(
        c.get("KMSKeyArn").is_none() && c.get("DeadLetterConfig").is_none(),
        "{c}"
    );

    // An unmodelled member is refused, not dropped; bad values get Lambda's 400.
    let refused = [
        (
            serde_json::json!({ "ImageConfig": { "Command": ["x"] } }),
            "ImageConfig",
        ),
        (
            serde_json::json!({ "TracingConfig": { "Mode": "On" } }),
            "tracingConfig.mode",
        ),
        (serde_json::json!({ "KMSKeyArn": "key" }), "kMSKeyArn"),
        (
            serde_json::json!({ "DeadLetterConfig": { "TargetArn": "arn:aws:s3:::b" } }),
            "target arn",
        ),
        (serde_json::json!({ "Runtime": "python0.1" }), "python0.1"),
        (
            serde_json::json!({ "Runtime": "python3.11", "SnapStart": { "ApplyOn": "PublishedVersions" } }),
            "SnapStart",
        ),
    ];
    let settled_before = settled(&sim, "f");
    for (body, needle) in refused {
        let (status, answer) = call(&sim, "PUT", "/2015-03-31/functions/f/configuration", &body);
        assert_eq!(status, 400, "{body}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{body}: {answer}");
    }
    let mut deprecated = create.clone();
    deprecated["FunctionName"] = "old".into();
    deprecated["Runtime"] = "python2.7".into();
    let (status, answer) = call(&sim, "POST", "/2015-03-31/functions", &deprecated);
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no longer supported"),
        "{answer}"
    );

    // DryRun validates and changes nothing: same code, same revision, no update.
    let dry = serde_json::json!({ "ZipFile": zip, "DryRun": true });
    let (status, answer) = call(&sim, "PUT", "/2015-03-31/functions/f/code", &dry);
    assert_eq!(status, 200, "{answer}");
    let after = sim.get_function(FLEET_ACCOUNT, REGION, "f");
    assert_eq!(after["Configuration"], settled_before["Configuration"]);
}

/// The structured settings of one version of the fleet.
struct Structured<'a> {
    subnets: &'a str,
    ipv6: bool,
    system_level: &'a str,
    mount: &'a str,
    command: &'a str,
}

fn write_structured(dir: &Path, s: &Structured<'_>) {
    std::fs::create_dir_all(dir.join("src")).expect("src");
    std::fs::write(dir.join("src/app.py"), "def handler(e, c): pass\n").expect("code");
    let ap = format!(
        "arn:aws:elasticfilesystem:{REGION}:{FLEET_ACCOUNT}:access-point/fsap-0123456789abcdef0"
    );
    let yaml = format!(
        "version: 1\n\
         defaults:\n  region: {REGION}\n  account: \"{FLEET_ACCOUNT}\"\n  \
         role: arn:aws:iam::{FLEET_ACCOUNT}:role/app\n  \
         vpc: {{ subnets: [{}], security_groups: [sg-0123456789abcdef0], ipv6: {} }}\n\
         functions:\n  api:\n    runtime: python3.13\n    handler: app.handler\n    \
         artifact: {{ dir: src }}\n    \
         logging: {{ format: json, application_level: debug, system_level: {} }}\n    \
         file_systems:\n      - {{ arn: \"{ap}\", mount: {} }}\n  \
         renderer:\n    artifact: {{ image: \"{FLEET_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/r:1\" }}\n    \
         vpc: {{}}\n    logging: {{ log_group: /shared/renderer }}\n    \
         image_config: {{ command: [{}], entry_point: [/lambda-entrypoint.sh], working_directory: /var/task }}\n",
        s.subnets, s.ipv6, s.system_level, s.mount, s.command
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("manifest");
}

#[test]
fn vpc_logging_file_systems_and_image_config_deploy_change_and_settle() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = Sim::start(root, &["--account", FLEET_ACCOUNT, "--latency", "50ms"]);
    let v1 = Structured {
        subnets: "subnet-0a1b2c3d4e5f60718",
        ipv6: false,
        system_level: "info",
        mount: "/mnt/data",
        command: "app.handler",
    };
    write_structured(root, &v1);
    flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    let api = sim.get_function(FLEET_ACCOUNT, REGION, "api")["Configuration"].clone();
    assert_eq!(
        api["VpcConfig"]["SubnetIds"],
        serde_json::json!(["subnet-0a1b2c3d4e5f60718"]),
        "{api}"
    );
    assert_eq!(
        api["VpcConfig"]["SecurityGroupIds"],
        serde_json::json!(["sg-0123456789abcdef0"]),
        "{api}"
    );
    assert_eq!(
        api["LoggingConfig"],
        serde_json::json!({
            "LogFormat": "JSON", "LogGroup": "/aws/lambda/api",
            "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "INFO",
        }),
        "{api}"
    );
    assert_eq!(
        api["FileSystemConfigs"][0]["LocalMountPath"], "/mnt/data",
        "{api}"
    );
    let renderer = sim.get_function(FLEET_ACCOUNT, REGION, "renderer")["Configuration"].clone();
    assert_eq!(
        renderer["ImageConfigResponse"]["ImageConfig"],
        serde_json::json!({
            "Command": ["app.handler"], "EntryPoint": ["/lambda-entrypoint.sh"],
            "WorkingDirectory": "/var/task",
        }),
        "{renderer}"
    );
    assert_eq!(
        renderer["LoggingConfig"],
        serde_json::json!({ "LogFormat": "Text", "LogGroup": "/shared/renderer" }),
        "{renderer}"
    );
    assert!(renderer.get("VpcConfig").is_none(), "{renderer}");
    flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);

    let v2 = Structured {
        subnets: "subnet-0a1b2c3d4e5f60718, subnet-0f1e2d3c4b5a69788",
        ipv6: true,
        system_level: "warn",
        mount: "/mnt/shared",
        command: "render.handler",
    };
    write_structured(root, &v2);
    let fields = [
        "vpc.subnets",
        "vpc.ipv6",
        "logging.system_level",
        "file_systems",
        "image_config.command",
    ];
    let text = flo(root, &sim, &["plan"]).expect_code(0).stdout;
    let markdown = flo(root, &sim, &["plan", "--format", "markdown"])
        .expect_code(0)
        .stdout;
    let json = flo(root, &sim, &["plan", "--format", "json"])
        .expect_code(0)
        .stdout;
    for field in fields {
        assert!(
            text.contains(&format!("~ {field}")),
            "text names {field}:\n{text}"
        );
        assert!(
            markdown.contains(field),
            "Markdown names {field}:\n{markdown}"
        );
        assert!(
            json.contains(&format!("\"{field}\"")),
            "JSON names {field}:\n{json}"
        );
    }
    assert!(text.contains("\"INFO\" → \"WARN\""), "{text}");
    assert!(text.contains("/mnt/shared"), "{text}");

    flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    let api = sim.get_function(FLEET_ACCOUNT, REGION, "api")["Configuration"].clone();
    assert_eq!(
        api["VpcConfig"]["SubnetIds"],
        serde_json::json!(["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]),
        "{api}"
    );
    assert_eq!(api["VpcConfig"]["Ipv6AllowedForDualStack"], true, "{api}");
    assert_eq!(api["LoggingConfig"]["SystemLogLevel"], "WARN", "{api}");
    assert_eq!(
        api["FileSystemConfigs"][0]["LocalMountPath"], "/mnt/shared",
        "{api}"
    );
    let renderer = sim.get_function(FLEET_ACCOUNT, REGION, "renderer")["Configuration"].clone();
    assert_eq!(
        renderer["ImageConfigResponse"]["ImageConfig"]["Command"],
        serde_json::json!(["render.handler"]),
        "{renderer}"
    );
    flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn the_manifest_refuses_bad_vpc_logging_file_systems_and_image_config() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(root.join("src/app.py"), "def handler(e, c): pass\n").expect("code");
    let yaml = format!(
        "version: 1\n\
         defaults: {{ region: {REGION}, account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n  api:\n    role: arn:aws:iam::{FLEET_ACCOUNT}:role/api\n    \
         runtime: python3.13\n    handler: app.handler\n    artifact: {{ dir: src }}\n    \
         vpc: {{ subnets: [subnet-xyz], security_groups: [] }}\n    \
         logging: {{ format: text, application_level: debug }}\n    \
         file_systems: [{{ arn: \"arn:aws:s3:::b\", mount: /data }}]\n    \
         image_config: {{ command: [x] }}\n  \
         worker:\n    role: arn:aws:iam::{FLEET_ACCOUNT}:role/w\n    \
         runtime: python3.13\n    handler: app.handler\n    artifact: {{ dir: src }}\n    \
         file_systems: [{{ arn: \"arn:aws:elasticfilesystem:{REGION}:{FLEET_ACCOUNT}:access-point/fsap-0123456789abcdef0\", mount: /mnt/x }}]\n"
    );
    std::fs::write(root.join("deploy.yaml"), yaml).expect("manifest");
    let out = run({
        let mut cmd = flotilla(root, FLEET_ACCOUNT);
        cmd.args(["validate"]);
        cmd
    });
    assert_ne!(out.code, Some(0), "{}", out.all());
    let all = out.all();
    for expected in [
        "`functions.api.vpc.subnets[0]` is `subnet-xyz`, not a subnet id",
        "`functions.api.logging.application_level` needs `format: json`",
        "not an EFS access point ARN",
        "`functions.api.file_systems[0].mount` is `/data`, not a path under /mnt",
        "`functions.api.image_config` is only for container image functions",
        "`functions.worker.file_systems` needs the function in a VPC",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
}
