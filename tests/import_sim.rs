//! `flotilla import` against `flotilla sim`: a varied 30-function fleet in two regions
//! (zip and image functions, several runtimes, roles, memory sizes, timeouts and
//! architectures, descriptions, ephemeral storage, reserved concurrency, tags, secrets in the environment, a
//! value with `${` in it, one name in both regions) becomes a manifest that validates,
//! whose first `plan --detailed-exitcode` exits 0, and that holds no secret value.
//! Functions with a VPC, EFS, JSON logging, tracing, KMS, a DLQ and an image config are
//! imported with those keys, and their first plan is empty too.

use serde_json::{Value, json};

use crate::e2e_support::{Run, Sim, flotilla, run};
use crate::support::{code_sha256, tiny_zip};

const ACCOUNT: &str = "111111111111";
const SECRETS: &[&str] = &[
    "hunter2-but-longer",
    "postgres://app:pa55word@db.internal:5432/app",
    "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRg",
];

fn seed(sim: &Sim, region: &str, functions: Vec<Value>) {
    let body = json!({ "account": ACCOUNT, "region": region, "functions": functions });
    sim.control("POST", "seed", &body.to_string());
}

/// Function `i` of the fleet: most share a runtime, role, memory and timeout (lifted
/// into `defaults`); every fifth differs in something.
fn function(i: usize, name: &str, owner: Option<&str>) -> Value {
    let mut env = serde_json::Map::new();
    env.insert("LOG_LEVEL".into(), json!("info"));
    env.insert("TABLE_NAME".into(), json!(format!("table-{i}")));
    match i % 6 {
        0 => {
            env.insert("DB_PASSWORD".into(), json!(SECRETS[0]));
        }
        1 => {
            env.insert("DATABASE_URL".into(), json!(SECRETS[1]));
        }
        2 => {
            env.insert("OPAQUE_VALUE".into(), json!(SECRETS[2]));
        }
        3 => {
            env.insert("GREETING".into(), json!("hello ${name}, 100% \"quoted\""));
        }
        _ => {}
    }
    let mut tags = serde_json::Map::new();
    tags.insert(
        "team".into(),
        json!(if i.is_multiple_of(2) {
            "orders"
        } else {
            "search"
        }),
    );
    if let Some(owner) = owner {
        tags.insert("flotilla:manifest".into(), json!(owner));
        tags.insert("flotilla:env".into(), json!("default"));
    }
    let memory = [256, 256, 256, 512, 1024, 128][i % 6];
    let mut f = json!({
        "name": name,
        "role": if i.is_multiple_of(7) {
            format!("arn:aws:iam::{ACCOUNT}:role/admin-lambda")
        } else {
            format!("arn:aws:iam::{ACCOUNT}:role/fleet-lambda")
        },
        "memory_mb": memory,
        "timeout_s": if i.is_multiple_of(5) { 60 } else { 30 },
        "architecture": if i.is_multiple_of(4) { "arm64" } else { "x86_64" },
        "environment": env,
        "tags": tags,
        "code_sha256": code_sha256(&tiny_zip(name)),
    });
    if i % 10 == 9 {
        let digest = format!("{:064x}", i);
        f["image_uri"] = json!(format!(
            "{ACCOUNT}.dkr.ecr.eu-north-1.amazonaws.com/{name}@sha256:{digest}"
        ));
        f["runtime"] = Value::Null;
    } else {
        let (runtime, handler) = [
            ("python3.12", "app.handler"),
            ("python3.12", "app.handler"),
            ("python3.12", "app.handler"),
            ("nodejs22.x", "index.handler"),
            ("provided.al2023", "bootstrap"),
        ][i % 5];
        f["runtime"] = json!(runtime);
        f["handler"] = json!(handler);
    }
    if i % 8 == 3 {
        f["reserved_concurrency"] = json!(5);
    }
    if i % 9 == 4 {
        f["description"] = json!("the one with: a colon, and # a hash");
        f["ephemeral_storage_mb"] = json!(1024);
    }
    f
}

fn secret_env(cmd: &mut std::process::Command, imported_stderr: &str, fleet: &[(String, Value)]) {
    // The import named each variable; set it to the function's live value.
    for line in imported_stderr.lines() {
        let line = line.trim();
        let Some((variable, rest)) = line.split_once("  (") else {
            continue;
        };
        let (function, key) = rest.trim_end_matches(')').split_once(": ").unwrap();
        let value = fleet
            .iter()
            .find(|(k, _)| k == function)
            .map(|(_, f)| f["environment"][key].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no function {function}"));
        cmd.env(variable, value);
    }
}

#[test]
fn an_imported_fleet_of_30_in_two_regions_validates_and_plans_empty() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let mut fleet: Vec<(String, Value)> = Vec::new();
    let mut by_region: Vec<(&str, Vec<Value>)> =
        vec![("eu-north-1", vec![]), ("us-east-1", vec![])];
    for i in 0..30 {
        // fleet-worker lives in both regions: the manifest keys it by region.
        let name = if i == 0 || i == 20 {
            "fleet-worker".to_owned()
        } else {
            format!("fleet-fn-{i:02}")
        };
        let region = if i < 20 { 0 } else { 1 };
        let f = function(i, &name, Some("legacy/deploy.yaml"));
        let key = if name == "fleet-worker" {
            format!("{name}-{}", by_region[region].0)
        } else {
            name.clone()
        };
        fleet.push((key, f.clone()));
        by_region[region].1.push(f);
    }
    for (region, functions) in by_region {
        seed(&sim, region, functions);
    }
    // Not matched by --prefix.
    seed(&sim, "eu-north-1", vec![function(1, "other-service", None)]);

    let imported = run({
        let mut cmd = flotilla(dir.path(), ACCOUNT);
        cmd.args([
            "import",
            "--prefix",
            "fleet-",
            "--region",
            "eu-north-1",
            "--region",
            "us-east-1",
            "--code-bucket",
            "legacy-artifacts",
            "--code-prefix",
            "lambda/",
            "--endpoint-url",
            &sim.url,
        ]);
        cmd
    })
    .expect_code(0);
    assert!(
        imported
            .stderr
            .contains("Imported 30 function(s) into deploy.yaml."),
        "{}",
        imported.stderr
    );
    let manifest = std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap();
    for secret in SECRETS {
        assert!(!manifest.contains(secret), "{secret} leaked:\n{manifest}");
    }
    assert!(!manifest.contains("other-service"), "{manifest}");
    for needle in [
        "# yaml-language-server: $schema=https://",
        "project: \"legacy/deploy.yaml\"",
        "defaults:\n  region: \"eu-north-1\"\n",
        "runtime: \"python3.12\"",
        "  fleet-worker-us-east-1:\n    name: \"fleet-worker\"\n    region: \"us-east-1\"\n",
        "DB_PASSWORD: { from_env: FLEET_WORKER_EU_NORTH_1_DB_PASSWORD }",
        "$${name}",
        "    artifact:\n      s3:\n        bucket: \"legacy-artifacts\"\n        key: \"lambda/fleet-fn-01.zip\"\n",
        "@sha256:",
        "architecture: arm64",
        "reserved_concurrency: 5",
        "\"team\": \"orders\"",
    ] {
        assert!(manifest.contains(needle), "lacks {needle:?}:\n{manifest}");
    }
    assert!(!manifest.contains("flotilla:"), "{manifest}");
    assert!(
        imported.stderr.contains(
            "FLEET_WORKER_EU_NORTH_1_DB_PASSWORD  (fleet-worker-eu-north-1: DB_PASSWORD)"
        ),
        "{}",
        imported.stderr
    );

    run({
        let mut cmd = flotilla(dir.path(), ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml"]);
        cmd
    })
    .expect_code(0);

    let plan: Run = run({
        let mut cmd = flotilla(dir.path(), ACCOUNT);
        cmd.args([
            "plan",
            "-f",
            "deploy.yaml",
            "--detailed-exitcode",
            "--endpoint-url",
            &sim.url,
        ]);
        secret_env(&mut cmd, &imported.stderr, &fleet);
        cmd
    });
    assert_eq!(
        plan.code,
        Some(0),
        "the first plan is not empty:\n{}\n{}\n{manifest}",
        plan.stdout,
        plan.stderr
    );
    assert!(
        plan.stdout
            .contains("0 to create, 0 to update, 30 unchanged"),
        "{}",
        plan.stdout
    );
}

#[test]
fn import_by_name_notes_untagged_functions_and_refuses_mixed_owners() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    seed(
        &sim,
        "eu-north-1",
        vec![
            function(3, "alpha", None),
            function(4, "beta", Some("a.yaml")),
            function(5, "gamma", Some("b.yaml")),
        ],
    );
    let import = |args: &[&str]| {
        let mut cmd = flotilla(dir.path(), ACCOUNT);
        cmd.arg("import")
            .args(args)
            .args(["--endpoint-url", &sim.url, "-o", "-"]);
        run(cmd)
    };
    let one = import(&["alpha", "--code-bucket", "b"]).expect_code(0);
    assert!(one.stdout.contains("  alpha:\n"), "{}", one.stdout);
    assert!(
        one.stderr.contains("carry no Flotilla ownership tags"),
        "{}",
        one.stderr
    );

    let mixed = import(&["beta", "gamma", "--code-bucket", "b"]).expect_code(1);
    // miette wraps the message; each group is on one line.
    for needle in [
        "different Flotilla manifests",
        "a.yaml/default",
        "(beta)",
        "b.yaml/default",
        "(gamma)",
    ] {
        assert!(mixed.stderr.contains(needle), "{needle}: {}", mixed.stderr);
    }
    assert!(mixed.stdout.is_empty(), "{}", mixed.stdout);
    let missing = import(&["nope"]).expect_code(1);
    assert!(
        missing.stderr.contains("no function named nope"),
        "{}",
        missing.stderr
    );
    let no_code = import(&["alpha"]).expect_code(1);
    assert!(
        no_code.stderr.contains("--code-bucket"),
        "{}",
        no_code.stderr
    );
}

// Issue 14: `--download-code DIR` saves each zip function's package (the bytes the
// emulator serves at GetFunction's Code.Location) and references it as `zip:`, so the
// first plan hashes the same CodeSha256 and is empty.
#[test]
fn import_download_code_saves_each_zip_and_plans_empty() {
    use crate::e2e_support::{FLEET_ACCOUNT, write_fleet};
    let deployed = tempfile::tempdir().unwrap();
    write_fleet(deployed.path(), 3, &["eu-north-1"], "v1");
    let sim = Sim::start(deployed.path(), &[]);
    run({
        let mut cmd = flotilla(deployed.path(), FLEET_ACCOUNT);
        cmd.args(["apply", "--env", "staging", "--auto-approve"])
            .args(["--endpoint-url", &sim.url]);
        cmd
    })
    .expect_code(0);

    let dir = tempfile::tempdir().unwrap();
    let imported = run({
        let mut cmd = flotilla(dir.path(), FLEET_ACCOUNT);
        cmd.args(["import", "--prefix", "fn-", "--region", "eu-north-1"])
            .args(["--download-code", "code", "--endpoint-url", &sim.url]);
        cmd
    })
    .expect_code(0);
    let manifest = std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap();
    for i in 0..3 {
        let file = format!("code/fn-{i:03}-staging.zip");
        assert!(
            manifest.contains(&format!("zip: \"{file}\"")),
            "lacks {file}:\n{manifest}"
        );
        let bytes = std::fs::read(dir.path().join(&file)).unwrap();
        assert!(bytes.starts_with(b"PK"), "{file} is not a zip");
    }
    let env = imported
        .stderr
        .split("--env ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .map(|e| vec!["--env".to_owned(), e.to_owned()])
        .unwrap_or_default();
    let plan = run({
        let mut cmd = flotilla(dir.path(), FLEET_ACCOUNT);
        cmd.args(["plan", "-f", "deploy.yaml", "--detailed-exitcode"])
            .args(&env)
            .args(["--endpoint-url", &sim.url]);
        cmd
    });
    assert_eq!(plan.code, Some(0), "{}\n{manifest}", plan.all());
}

/// UpdateFunctionConfiguration of `name` over HTTP with `body`, then waits until the
/// update is done.
fn configure(sim: &Sim, region: &str, name: &str, body: &Value) {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={ACCOUNT}/20250101/{region}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let (status, text) =
        crate::support::http_patient(sim.port, "PUT", &path, &headers, &body.to_string()).unwrap();
    assert_eq!(status, 200, "UpdateFunctionConfiguration {name}: {text}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, text) =
            crate::support::http_patient(sim.port, "GET", &path, &headers, "").unwrap();
        assert_eq!(status, 200, "{text}");
        let config: Value = serde_json::from_str(&text).unwrap();
        if config["LastUpdateStatus"] == "Successful" {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} still updating: {config:#}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn import_writes_vpc_logging_file_systems_image_config_and_plans_empty() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &["--latency", "50ms..150ms"]);
    let region = "eu-north-1";
    let image = format!(
        "{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/svc-image@sha256:{:064x}",
        7
    );
    // Owned by the manifest the import writes, so the first plan has nothing to tag.
    let tags = json!({"flotilla:manifest": "deploy.yaml", "flotilla:env": "default"});
    let zip = |name: &str| json!({"name": name, "code_sha256": code_sha256(&tiny_zip(name)), "tags": tags});
    seed(
        &sim,
        region,
        vec![
            zip("svc-vpc"),
            zip("svc-logs"),
            zip("svc-plain"),
            json!({"name": "svc-image", "image_uri": image, "runtime": null, "handler": null, "tags": tags}),
        ],
    );
    configure(
        &sim,
        region,
        "svc-vpc",
        &json!({
            "VpcConfig": {
                "SubnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
                "SecurityGroupIds": ["sg-0123456789abcdef0"],
                "Ipv6AllowedForDualStack": true,
            },
            "FileSystemConfigs": [{
                "Arn": format!("arn:aws:elasticfilesystem:{region}:{ACCOUNT}:access-point/fsap-0123456789abcdef0"),
                "LocalMountPath": "/mnt/data",
            }],
            "TracingConfig": {"Mode": "Active"},
            "KMSKeyArn": format!("arn:aws:kms:{region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            "DeadLetterConfig": {"TargetArn": format!("arn:aws:sqs:{region}:{ACCOUNT}:svc-dlq")},
        }),
    );
    configure(
        &sim,
        region,
        "svc-logs",
        &json!({"LoggingConfig": {
            "LogFormat": "JSON", "LogGroup": "/shared/svc", "ApplicationLogLevel": "DEBUG",
        }}),
    );
    configure(
        &sim,
        region,
        "svc-image",
        &json!({"ImageConfig": {
            "Command": ["app.handler"], "EntryPoint": ["/lambda-entrypoint.sh"],
            "WorkingDirectory": "/var/task",
        }}),
    );

    let imported = run({
        let mut cmd = flotilla(dir.path(), ACCOUNT);
        cmd.args([
            "import",
            "--prefix",
            "svc-",
            "--region",
            region,
            "--code-bucket",
            "artifacts",
            "--endpoint-url",
            &sim.url,
        ]);
        cmd
    })
    .expect_code(0);
    let manifest = std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap();
    for needle in [
        "    vpc:\n      subnets: [\"subnet-0a1b2c3d4e5f60718\", \"subnet-0f1e2d3c4b5a69788\"]\n      security_groups: [\"sg-0123456789abcdef0\"]\n      ipv6: true\n",
        "    file_systems:\n      - arn: \"arn:aws:elasticfilesystem:eu-north-1:111111111111:access-point/fsap-0123456789abcdef0\"\n        mount: \"/mnt/data\"\n",
        "    tracing: active\n",
        "    kms_key: \"arn:aws:kms:",
        "    dead_letter: \"arn:aws:sqs:eu-north-1:111111111111:svc-dlq\"\n",
        "    logging:\n      format: json\n      log_group: \"/shared/svc\"\n      application_level: debug\n      system_level: info\n",
        "    image_config: { command: [\"app.handler\"], entry_point: [\"/lambda-entrypoint.sh\"], working_directory: \"/var/task\" }\n",
    ] {
        assert!(manifest.contains(needle), "lacks {needle:?}:\n{manifest}");
    }
    // A function with Lambda's defaults gets none of the structured keys.
    let plain = manifest
        .split("  svc-plain:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n  svc-").next())
        .unwrap_or_else(|| panic!("svc-plain is not in the manifest:\n{manifest}"));
    for key in [
        "vpc:",
        "logging:",
        "file_systems:",
        "image_config:",
        "tracing:",
    ] {
        assert!(!plain.contains(key), "svc-plain has {key}:\n{plain}");
    }

    run({
        let mut cmd = flotilla(dir.path(), ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml"]);
        cmd
    })
    .expect_code(0);
    let plan = run({
        let mut cmd = flotilla(dir.path(), ACCOUNT);
        cmd.args([
            "plan",
            "-f",
            "deploy.yaml",
            "--detailed-exitcode",
            "--endpoint-url",
            &sim.url,
        ]);
        cmd
    });
    assert_eq!(
        plan.code,
        Some(0),
        "the first plan is not empty:\n{}\n{}\n{manifest}\n{}",
        plan.stdout,
        plan.stderr,
        imported.stderr
    );
}
