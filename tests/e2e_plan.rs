//! End to end, `flotilla plan` (and a little apply) as a user runs it: the real binary
//! against `flotilla sim` over HTTP through the AWS SDK.
//!
//! - the monorepo example seeded with drift plans exactly that drift, field by field,
//!   in text, Markdown and JSON (snapshots), and touching a `dir:` artifact's files
//!   changes nothing;
//! - secrets from the environment reach Lambda but no output, log or file;
//! - `--detailed-exitcode`, `--list-shards` and `apply PLAN --shard`.

use crate::e2e_support;

use std::collections::BTreeMap;
use std::path::Path;

use e2e_support::{
    FLEET_ACCOUNT, Sim, copy_dir, crate_root, files_under, flotilla, redact_json, redact_times,
    run, summary, write_fleet,
};

/// Fast updates: these tests are about what is planned, not about waiting.
const FAST: &[&str] = &["--latency", "50ms..150ms"];

fn plan_json(dir: &Path, sim: &Sim, manifest: &str) -> serde_json::Value {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args([
        "plan", "-f", manifest, "--env", "staging", "--format", "json",
    ])
    .args(["--endpoint-url", &sim.url]);
    let out = run(cmd).expect_code(0);
    serde_json::from_str(&out.stdout).expect("plan --format json prints JSON")
}

/// Per function: its action and the fields its steps change, in order.
fn changed_fields(plan: &serde_json::Value) -> BTreeMap<String, (String, Vec<String>)> {
    plan["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| {
            let fields = f["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .flat_map(|s| s["changes"].as_array().cloned().unwrap_or_default())
                .map(|c| c["field"].as_str().expect("field").to_owned())
                .collect();
            (
                f["key"].as_str().expect("key").to_owned(),
                (f["action"].as_str().expect("action").to_owned(), fields),
            )
        })
        .collect()
}

#[test]
fn the_monorepo_plan_shows_exactly_the_seeded_drift_and_touching_files_changes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    copy_dir(
        &crate_root().join("examples/monorepo"),
        &root.join("examples/monorepo"),
    );
    let manifest = "examples/monorepo/deploy.yaml";
    let mut args = vec!["--seed-from", manifest, "--env", "staging"];
    args.extend(["--account", FLEET_ACCOUNT]);
    args.extend(FAST);
    let sim = Sim::start(root, &args);

    let mut texts = BTreeMap::new();
    for format in ["text", "markdown"] {
        let mut cmd = flotilla(root, FLEET_ACCOUNT);
        cmd.args([
            "plan", "-f", manifest, "--env", "staging", "--format", format,
        ])
        .args(["--endpoint-url", &sim.url, "--detailed-exitcode"]);
        let out = run(cmd).expect_code(2);
        texts.insert(format, redact_times(&out.stdout));
    }
    insta::assert_snapshot!("monorepo_plan_text", texts["text"]);
    insta::assert_snapshot!("monorepo_plan_markdown", texts["markdown"]);
    let first = plan_json(root, &sim, manifest);
    let mut redacted = first.clone();
    redact_json(&mut redacted);
    insta::assert_json_snapshot!("monorepo_plan_json", redacted);

    // `sim --seed-from` drifts function i by i % 3 (memory, an extra variable, the
    // description), gives even ones older code, and leaves every fourth out.
    let expect = |action: &str, fields: &[&str]| {
        (
            action.to_owned(),
            fields.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>(),
        )
    };
    let want: BTreeMap<String, (String, Vec<String>)> = [
        ("auth", expect("update", &["code", "memory_mb"])),
        (
            "orders-api",
            expect("update", &["environment.FEATURE_FLAGS"]),
        ),
        ("payments", expect("update", &["code", "description"])),
        ("reports", expect("create", &[])),
        (
            "notify",
            expect("update", &["code", "environment.FEATURE_FLAGS"]),
        ),
        ("webhooks", expect("update", &["description"])),
        ("search-indexer", expect("update", &["code", "memory_mb"])),
        ("thumbnailer", expect("create", &[])),
        ("legacy-export", expect("update", &["code", "description"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(changed_fields(&first), want);
    let text = &texts["text"];
    assert!(text.contains("~ memory_mb  256 → 128"), "{text}");
    assert!(
        text.contains("Plan: 2 to create, 7 to update, 0 unchanged."),
        "{text}"
    );

    // New mtimes on every file of every artifact (six `dir:`, one `zip:`): the packages are reproducible,
    // so the plan is the same (orders-api, seeded with today's code, keeps no code change).
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(86_400);
    let touched = files_under(&root.join("examples/monorepo/services"));
    assert!(touched.len() >= 10, "{touched:?}");
    for file in touched {
        std::fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(later))
            .expect("touch");
    }
    let second = plan_json(root, &sim, manifest);
    assert_eq!(
        changed_fields(&second)["orders-api"],
        expect("update", &["environment.FEATURE_FLAGS"]),
        "touching files must not change the code"
    );
    let mut second_redacted = second.clone();
    redact_json(&mut second_redacted);
    assert_eq!(
        second_redacted, redacted,
        "the plan changed after touching files"
    );
    drop(sim);
}

const SMTP_PASSWORD: &str = "e2e-Smtp-Pa55word-7f4c9a1d";
const CAPTCHA_SECRET: &str = "e2e-captcha-Secret-91b2d7ee";
const FLAGS_TOKEN: &str = "e2e-flags-Token-0c5e33aa";
const ROTATED_PASSWORD: &str = "e2e-Rotated-Pa55word-b81f02c4";

fn assert_no_secret(what: &str, text: &str) {
    for secret in [SMTP_PASSWORD, CAPTCHA_SECRET, FLAGS_TOKEN, ROTATED_PASSWORD] {
        assert!(
            !text.contains(secret),
            "{what} contains the secret {secret:?}:\n{text}"
        );
    }
}

#[test]
fn secrets_from_the_environment_reach_lambda_but_no_output_log_or_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    copy_dir(&crate_root().join("examples/secrets"), root);
    // A saved plan never carries secrets, so apply refuses one written inline (tested
    // in the apply suite); here it comes from the environment like the others.
    let manifest = std::fs::read_to_string(root.join("deploy.yaml")).expect("manifest");
    let inline = r#"{ value: "ff-public-read-only", sensitive: true }"#;
    assert!(manifest.contains(inline));
    let manifest = manifest.replace(inline, "{ from_env: FLAGS_TOKEN }");
    std::fs::write(root.join("deploy.yaml"), manifest).expect("write manifest");
    let account = "333333333333";
    let mut args = vec!["--seed-from", "deploy.yaml", "--env", "staging"];
    args.extend(["--account", account]);
    args.extend(FAST);
    let sim = Sim::start(root, &args);
    let with_secrets = |sub: &[&str]| {
        let mut cmd = flotilla(root, account);
        cmd.args(sub)
            .args(["--endpoint-url", &sim.url])
            .env("AWS_REGION", "eu-central-1")
            .env("RUST_LOG", "trace")
            .env("SMTP_PASSWORD", SMTP_PASSWORD)
            .env("CAPTCHA_SECRET", CAPTCHA_SECRET)
            .env("FLAGS_TOKEN", FLAGS_TOKEN)
            .env("GITHUB_SHA", "0123abcd");
        cmd
    };

    let plan_file = root.join("plan.json");
    let plan_file_s = plan_file.to_string_lossy().into_owned();
    for format in ["text", "markdown", "json"] {
        let out = run(with_secrets(&[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--format",
            format,
            "-o",
            &plan_file_s,
        ]))
        .expect_code(0);
        assert_no_secret(&format!("plan --format {format} stdout"), &out.stdout);
        assert_no_secret(&format!("plan --format {format} stderr"), &out.stderr);
        assert!(
            out.stdout.contains("SMTP_PASSWORD"),
            "the plan names the secret's key: {}",
            out.stdout
        );
        // Trace logging is really on, so the check above covered the SDK's logs too.
        assert!(out.stderr.contains("TRACE"), "{}", out.stderr);
        let saved = std::fs::read_to_string(&plan_file).expect("plan file");
        assert_no_secret("the plan file", &saved);
    }

    let report = root.join("report.json");
    let out = run(with_secrets(&[
        "apply",
        &plan_file_s,
        "--report",
        &report.to_string_lossy(),
    ]));
    assert_no_secret("apply stdout", &out.stdout);
    assert_no_secret("apply stderr", &out.stderr);
    assert_no_secret(
        "the apply report",
        &std::fs::read_to_string(&report).expect("report written"),
    );
    let out = out.expect_code(0);
    assert_eq!(summary(&out.stderr).converged, 1, "{}", out.stderr);

    // The secrets did reach the function.
    let live = sim.get_function(account, "eu-central-1", "contact-form-staging");
    let vars = &live["Configuration"]["Environment"]["Variables"];
    assert_eq!(vars["SMTP_PASSWORD"], SMTP_PASSWORD, "{live}");
    assert_eq!(vars["CAPTCHA_SECRET"], CAPTCHA_SECRET, "{live}");
    assert_eq!(vars["FEATURE_FLAGS_TOKEN"], FLAGS_TOKEN, "{live}");
    assert_eq!(vars["BUILD_SHA"], "0123abcd", "{live}");

    // A rotated password, planned and applied in one go: the printed plan shows the
    // change without either value.
    let mut cmd = with_secrets(&[
        "apply",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--auto-approve",
        "--report",
        &report.to_string_lossy(),
    ]);
    cmd.env("SMTP_PASSWORD", ROTATED_PASSWORD);
    let out = run(cmd);
    assert_no_secret("the rotating apply", &out.all());
    assert_no_secret(
        "the rotating apply's report",
        &std::fs::read_to_string(&report).expect("report written"),
    );
    let out = out.expect_code(0);
    assert!(
        out.stdout
            .contains("~ environment.SMTP_PASSWORD (sensitive)"),
        "{}",
        out.stdout
    );
    let live = sim.get_function(account, "eu-central-1", "contact-form-staging");
    let vars = &live["Configuration"]["Environment"]["Variables"];
    assert_eq!(vars["SMTP_PASSWORD"], ROTATED_PASSWORD, "{live}");
    assert_no_secret("the emulator's log", &sim.log());
}

#[test]
fn detailed_exitcode_list_shards_and_apply_one_shard() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    write_fleet(root, 6, &["eu-north-1", "eu-west-1"], "v2");
    let mut args = vec!["--seed-from", "deploy.yaml", "--env", "staging"];
    args.extend(["--account", FLEET_ACCOUNT]);
    args.extend(FAST);
    let sim = Sim::start(root, &args);
    let flo = |sub: &[&str]| {
        let mut cmd = flotilla(root, FLEET_ACCOUNT);
        cmd.args(sub).args(["--endpoint-url", &sim.url]);
        run(cmd)
    };
    let plan_args = ["plan", "-f", "deploy.yaml", "--env", "staging"];
    let shards = |out: &e2e_support::Run| -> Vec<String> {
        serde_json::from_str(out.stdout.trim()).expect("--list-shards prints a JSON array")
    };

    let out = flo(&[&plan_args[..], &["--list-shards"]].concat()).expect_code(0);
    let all = shards(&out);
    assert_eq!(
        all,
        ["111111111111/eu-north-1", "111111111111/eu-west-1"],
        "{}",
        out.stdout
    );
    flo(&[&plan_args[..], &["--detailed-exitcode"]].concat()).expect_code(2);

    flo(&[&plan_args[..], &["-o", "plan.json"]].concat()).expect_code(0);
    // A misspelt shard (here: the wrong account) is a usage error, not an empty apply.
    let out = flo(&["apply", "plan.json", "--shard", "222222222222/eu-west-1"]).expect_code(2);
    assert!(
        out.stderr
            .contains("the plan has no shard `222222222222/eu-west-1`")
            && out
                .stderr
                .contains("111111111111/eu-north-1, 111111111111/eu-west-1"),
        "{}",
        out.stderr
    );
    let out = flo(&["apply", "plan.json", "--shard", "111111111111/eu-west-1"]).expect_code(0);
    let s = summary(&out.stderr);
    assert_eq!((s.functions, s.converged), (3, 3), "{}", out.stderr);
    for i in [0, 2, 4] {
        assert!(
            !out.stderr.contains(&format!("fn-00{i}:")),
            "fn-00{i} is in the other shard:\n{}",
            out.stderr
        );
    }

    let out = flo(&[&plan_args[..], &["--list-shards"]].concat()).expect_code(0);
    assert_eq!(shards(&out), ["111111111111/eu-north-1"]);
    let out = flo(&["apply", "plan.json", "--shard", "111111111111/eu-north-1"]).expect_code(0);
    assert_eq!(summary(&out.stderr).converged, 3, "{}", out.stderr);

    let out = flo(&[&plan_args[..], &["--detailed-exitcode"]].concat()).expect_code(0);
    assert!(
        out.stdout.contains("0 to create, 0 to update, 6 unchanged"),
        "{}",
        out.stdout
    );
    let out = flo(&[&plan_args[..], &["--list-shards"]].concat()).expect_code(0);
    assert!(shards(&out).is_empty(), "{}", out.stdout);
}
