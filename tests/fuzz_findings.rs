//! Regression tests for what a fuzzer found (issue 16): panics, hangs, unbounded reads,
//! wrong locations, leaks and oversized output of `validate`; tampered plan files
//! refused whole before any call; the emulator's quotas. Each test holds the fuzzer's
//! reproducer and runs it through the `flotilla` binary or the emulator over HTTP.

use crate::e2e_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e_support::{FLEET_ACCOUNT, Run, Sim, flotilla, run, write_fleet};

/// `flotilla validate -f FILE ARGS` in `dir`.
fn validate(dir: &Path, file: &str, args: &[&str]) -> Run {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["validate", "-f", file]).args(args);
    run(cmd)
}

/// Writes `text` as `deploy.yaml` and validates it with `--format FORMAT`.
fn validate_text(dir: &Path, text: &str, format: &str) -> Run {
    std::fs::write(dir.join("deploy.yaml"), text).unwrap();
    validate(dir, "deploy.yaml", &["--format", format])
}

fn no_panic(r: &Run) {
    assert!(
        !r.stderr.contains("panicked") && r.code != Some(101),
        "panicked: {}",
        r.stderr
    );
}

/// A one-function manifest with a `dir:` artifact (created), `extra` spliced into the
/// function.
fn one_function(dir: &Path, extra: &str) -> String {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/app.py"), "def handler(e, c):\n    return 1\n").unwrap();
    format!(
        "version: 1\nfunctions:\n  api:\n    runtime: python3.12\n    handler: app.handler\n    \
         role: arn:aws:iam::111111111111:role/x\n    region: eu-north-1\n    artifact: {{ dir: src }}\n{extra}"
    )
}

/// Calls other than reads the emulator served, all functions together.
fn mutating_calls(sim: &Sim) -> u64 {
    let counters = sim.counters();
    counters["calls"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(op, _)| !(op.starts_with("Get") || op.starts_with("List")))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum()
}

// 1. Past column 65,535 miette's underline panicked ("Formatting argument out of range").
#[test]
fn validate_text_reports_a_problem_past_column_65535_without_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("version: 1\nfunctions: {{{}a: 1}}", " ".repeat(65_530));
    let r = validate_text(tmp.path(), &text, "text");
    no_panic(&r);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("deploy.yaml:2:"), "{}", r.stderr);
    assert!(
        r.stderr.len() < 4_000,
        "the snippet is a window: {}",
        r.stderr.len()
    );
}

// 2. The results table used `{:<w$}`, whose width is a u16.
#[test]
fn validate_text_prints_a_value_of_65536_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let runtime = "r".repeat(65_536);
    let text = one_function(tmp.path(), "").replace("python3.12", &runtime);
    let r = validate_text(tmp.path(), &text, "text");
    no_panic(&r);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains(&runtime));
}

// 3. A rate of 1e-300 built a Duration out of 1e300 seconds.
#[test]
fn tiny_rates_are_refused_in_the_manifest_and_on_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = one_function(tmp.path(), "limits: { mutating_per_second: 1e-300 }\n");
    let r = validate_text(tmp.path(), &text, "json");
    no_panic(&r);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stdout.contains("at least 0.1"), "{}", r.stdout);

    let mut cmd = flotilla(tmp.path(), FLEET_ACCOUNT);
    cmd.args([
        "apply",
        "--auto-approve",
        "--local",
        "--mutating-rate",
        "1e-300",
    ]);
    let r = run(cmd);
    no_panic(&r);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("at least 0.1"), "{}", r.stderr);
}

// 4. The emulator's token bucket built a Duration from 1/1e-300.
#[test]
fn the_emulator_refuses_tiny_quotas_and_keeps_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["sim", "--port", "0", "--quota", "control-plane=1e-300"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 0.01"));

    let sim = Sim::start(tmp.path(), &[]);
    let (status, body) = crate::support::http(
        sim.port,
        "PUT",
        "/_sim/quotas",
        &[("Content-Type", "application/json")],
        r#"{"control-plane": 1e-300}"#,
    )
    .unwrap();
    assert_eq!(status, 400, "{body}");
    for _ in 0..2 {
        let (status, _) = crate::support::http(
            sim.port,
            "GET",
            "/2015-03-31/functions/",
            &[(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=111111111111/20250101/eu-north-1/lambda/aws4_request, SignedHeaders=host, Signature=0",
            )],
            "",
        )
        .expect("the emulator still answers");
        assert_eq!(status, 200);
    }
}

// 5. A FIFO with no writer blocked `open` forever.
#[test]
fn validate_and_apply_refuse_a_named_pipe_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let r = validate(tmp.path(), "pipe", &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    let mut cmd = flotilla(tmp.path(), FLEET_ACCOUNT);
    cmd.args(["apply", "pipe", "--endpoint-url", "http://127.0.0.1:9"]);
    let r = run(cmd);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(20));
}

// 8. `/dev/zero` was read to the end of memory before the 2 MiB check.
#[test]
fn validate_refuses_dev_zero_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let r = validate(tmp.path(), "/dev/zero", &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

// 17. `--report /dev/full` failed only after everything was applied.
#[test]
fn an_unwritable_report_path_is_refused_before_anything_is_applied() {
    let tmp = tempfile::tempdir().unwrap();
    write_fleet(tmp.path(), 2, &["eu-north-1"], "v1");
    let sim = Sim::start(tmp.path(), &["--latency", "10ms..20ms"]);
    let mut cmd = flotilla(tmp.path(), FLEET_ACCOUNT);
    cmd.args([
        "apply",
        "--env",
        "staging",
        "--auto-approve",
        "--report",
        "/dev/full",
    ])
    .args(["--endpoint-url", &sim.url]);
    let r = run(cmd);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was applied"), "{}", r.stderr);
    assert_eq!(mutating_calls(&sim), 0);
}

/// `flotilla plan -o plan.json` of `deploy.yaml` (environment `staging`) against `sim`.
fn save_plan(dir: &Path, sim: &Sim) -> serde_json::Value {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["plan", "--env", "staging", "-o", "plan.json"])
        .args(["--endpoint-url", &sim.url]);
    let r = run(cmd);
    assert!(matches!(r.code, Some(0 | 2)), "{}", r.stderr);
    serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap()
}

/// `flotilla apply PLAN` of `plan` written to `tampered.json`.
fn apply_plan(dir: &Path, sim: &Sim, plan: &serde_json::Value) -> Run {
    std::fs::write(
        dir.join("tampered.json"),
        serde_json::to_string_pretty(plan).unwrap(),
    )
    .unwrap();
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["apply", "tampered.json", "--endpoint-url", &sim.url]);
    run(cmd)
}

// 15. A well-formed plan with bad values was checked step by step, so the functions
// before the bad one were created before the refusal.
#[test]
fn a_tampered_plan_is_refused_whole_before_the_first_call() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 3, &["eu-north-1"], "v1");
    let sim = Sim::start(dir, &["--latency", "10ms..20ms"]);
    let plan = save_plan(dir, &sim);
    type Tamper = fn(&mut serde_json::Value);
    let cases: &[(&str, Tamper, &str)] = &[
        (
            "wrong code_sha256",
            |p| p["functions"][2]["artifact"]["code_sha256"] = "AAAA".into(),
            "code_sha256",
        ),
        (
            "right shape, other digest",
            |p| {
                p["functions"][2]["artifact"]["code_sha256"] =
                    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into();
            },
            "artifact changed",
        ),
        (
            "artifact outside the folder",
            |p| p["functions"][2]["source"]["dir"]["path"] = "../../etc".into(),
            "is outside the manifest's",
        ),
        (
            "memory 127",
            |p| p["functions"][2]["desired"]["memory_mb"] = 127.into(),
            "memory_mb",
        ),
        (
            "20,000 environment keys",
            |p| {
                let env = p["functions"][2]["desired"]["environment"]
                    .as_object_mut()
                    .unwrap();
                for i in 0..20_000 {
                    env.insert(format!("K{i}"), serde_json::json!({ "value": "v" }));
                }
            },
            "environment",
        ),
        (
            "duplicated step",
            |p| {
                let steps = p["functions"][2]["steps"].as_array_mut().unwrap();
                let first = steps[0].clone();
                steps.push(first);
            },
            "repeated",
        ),
        (
            "reordered steps",
            |p| {
                let steps = p["functions"][2]["steps"].as_array_mut().unwrap();
                steps.insert(0, serde_json::json!({ "step": "publish_version" }));
            },
            "steps",
        ),
        (
            "move_alias to a missing version",
            |p| {
                p["functions"][2]["action"] = "update".into();
                p["functions"][2]["steps"] = serde_json::json!([{
                    "step": "move_alias", "alias": "live", "from_version": "1",
                    "to_version": "not-a-version", "alias_revision_id": null
                }]);
            },
            "not a published version number",
        ),
        (
            "move_alias to a version number the function lacks",
            |p| {
                p["functions"][2]["action"] = "update".into();
                p["functions"][2]["steps"] = serde_json::json!([{
                    "step": "move_alias", "alias": "live", "from_version": "1",
                    "to_version": "99", "alias_revision_id": null
                }]);
            },
            "does not exist",
        ),
        (
            "alias step without the version the plan publishes",
            |p| {
                p["functions"][2]["desired"]["alias"] = "live".into();
                let steps = p["functions"][2]["steps"].as_array_mut().unwrap();
                steps.push(serde_json::json!({ "step": "create_alias", "alias": "live" }));
            },
            "without publishing a version first",
        ),
        (
            "a replacement that does not delete the failed function first",
            |p| p["functions"][2]["action"] = "replace".into(),
            "followed by CreateFunction",
        ),
        (
            "a failed function's deletion in a create",
            |p| {
                let steps = p["functions"][2]["steps"].as_array_mut().unwrap();
                steps.insert(0, serde_json::json!({ "step": "delete_failed_function" }));
            },
            "delete a function the plan creates or updates",
        ),
        (
            "a configuration re-applied on a function it creates",
            |p| {
                let steps = p["functions"][2]["steps"].as_array_mut().unwrap();
                steps.insert(
                    1,
                    serde_json::json!({ "step": "reapply_configuration", "changes": [] }),
                );
            },
            "update a function they create",
        ),
        (
            "unknown dependency",
            |p| p["functions"][2]["depends_on"] = serde_json::json!(["nowhere"]),
            "which the plan does not have",
        ),
        (
            "tiny rate",
            |p| p["limits"]["mutating_per_second"] = 1e-300.into(),
            "at least 0.1",
        ),
    ];
    for (name, tamper, expect) in cases {
        let mut p = plan.clone();
        tamper(&mut p);
        let r = apply_plan(dir, &sim, &p);
        no_panic(&r);
        assert_eq!(r.code, Some(1), "{name}: {}", r.stderr);
        assert!(r.stderr.contains(expect), "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains("refusing all of it"),
            "{name}: {}",
            r.stderr
        );
        assert_eq!(mutating_calls(&sim), 0, "{name}: a call was made");
    }

    // The same against a deployed fleet: functions 0 and 1 have real updates, and
    // function 2 moves an alias to version 1, which it lacks (nothing was published).
    // Only a live read can tell; it must come before the first update, not at step 2.
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["apply", "--env", "staging", "--auto-approve"])
        .args(["--endpoint-url", &sim.url]);
    run(cmd).expect_code(0);
    write_fleet(dir, 3, &["eu-north-1"], "v2");
    let mut p = save_plan(dir, &sim);
    p["functions"][2]["steps"] = serde_json::json!([{
        "step": "move_alias", "alias": "live", "from_version": "2",
        "to_version": "1", "alias_revision_id": null
    }]);
    let before = mutating_calls(&sim);
    let r = apply_plan(dir, &sim, &p);
    no_panic(&r);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("moves alias `live` to version 1, which the function"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("refusing all of it"), "{}", r.stderr);
    assert_eq!(
        mutating_calls(&sim),
        before,
        "a call was made: {}",
        r.stderr
    );
}

// 6. At 0.1 calls/s a pacing wait is 10 s, and one SIGTERM did not end it.
#[test]
fn one_sigterm_ends_a_slow_pacing_wait_promptly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 4, &["eu-north-1"], "v1");
    let manifest = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    std::fs::write(
        dir.join("deploy.yaml"),
        manifest.replacen(
            "version: 1\n",
            "version: 1\nlimits: { mutating_per_second: 0.1 }\n",
            1,
        ),
    )
    .unwrap();
    let sim = Sim::start(dir, &["--latency", "10ms..20ms"]);
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["apply", "--env", "staging", "--auto-approve"])
        .args(["--endpoint-url", &sim.url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // Let it start (plan, first create) and sit in a pacing wait.
    std::thread::sleep(Duration::from_secs(4));
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let waited = signalled.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        waited < Duration::from_secs(6),
        "ended {waited:?} after SIGTERM: {stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
}

// 6, continued. At 0.1 calls/s each call waits 10 s for its slot, and apply said nothing
// meanwhile: a long pacing wait must show on stderr with the time left.
#[test]
fn a_long_pacing_wait_says_so_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 3, &["eu-north-1"], "v1");
    let manifest = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    std::fs::write(
        dir.join("deploy.yaml"),
        manifest.replacen(
            "version: 1\n",
            "version: 1\nlimits: { mutating_per_second: 0.1 }\n",
            1,
        ),
    )
    .unwrap();
    let sim = Sim::start(dir, &["--latency", "10ms..20ms"]);
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["apply", "--env", "staging", "--auto-approve"])
        .args(["--endpoint-url", &sim.url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // The first create goes at once; the other two wait 10 s and 20 s for theirs.
    std::thread::sleep(Duration::from_secs(4));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let notice = stderr
        .lines()
        .find(|l| l.contains("waiting for quota: next call in "))
        .unwrap_or_else(|| panic!("no pacing notice: {stderr}"));
    let secs: f64 = notice
        .rsplit("next call in ")
        .next()
        .and_then(|s| s.strip_suffix('s'))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no time left in {notice:?}"));
    assert!((5.0..=20.0).contains(&secs), "{notice}");
    assert!(notice.contains("fn-00"), "names the function: {notice}");
}

// 7. A 409 "Alias already exists" was retried as if an update were in progress.
#[test]
fn an_alias_that_already_exists_is_not_retried() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 1, &["eu-north-1"], "v1");
    let manifest = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    let publish = manifest.replace("  wait: {", "  publish: true\n  wait: {");
    std::fs::write(dir.join("deploy.yaml"), &publish).unwrap();
    let sim = Sim::start(dir, &["--latency", "10ms..20ms"]);
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["apply", "--env", "staging", "--auto-approve"])
        .args(["--endpoint-url", &sim.url]);
    run(cmd).expect_code(0);
    let alias = publish.replace("  publish: true\n", "  publish: true\n  alias: live\n");
    std::fs::write(dir.join("deploy.yaml"), alias).unwrap();
    let plan = save_plan(dir, &sim);
    let steps = plan["functions"][0]["steps"].to_string();
    assert!(steps.contains("create_alias"), "{steps}");
    // Someone else creates the alias between plan and apply.
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/eu-north-1/lambda/aws4_request, SignedHeaders=host, Signature=0"
    );
    let (status, body) = crate::support::http(
        sim.port,
        "POST",
        "/2015-03-31/functions/fn-000-staging/aliases",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        r#"{"Name": "live", "FunctionVersion": "1"}"#,
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let started = Instant::now();
    let r = apply_plan(dir, &sim, &plan);
    // One 409, not retried; the alias someone else created is exactly where the plan
    // puts it (version 1, the latest), so the function has converged.
    assert_eq!(sim.counters()["conflicts"], 1, "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

/// `(line, column)` of every diagnostic of `validate --format json`.
fn json_places(r: &Run) -> Vec<(u64, u64)> {
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect()
}

// 9. Lone CR line ends read as one comment line: "manifest is empty".
#[test]
fn a_manifest_with_lone_cr_line_ends_reads_as_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let text = one_function(tmp.path(), "").replace('\n', "\r");
    let r = validate_text(tmp.path(), &format!("# fleet\r{text}"), "text");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let bad = format!("# fleet\r{}", text.replace("python3.12", "[unclosed"));
    let r = validate_text(tmp.path(), &bad, "text");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(!r.stderr.contains("manifest is empty"), "{}", r.stderr);
    let json = validate_text(tmp.path(), &bad, "json");
    let (line, _) = json_places(&json)[0];
    // The header and the snippet's gutter name the same line.
    assert!(
        r.stderr.contains(&format!("deploy.yaml:{line}:")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!(" {line} │")), "{}", r.stderr);
}

// 10. After non-ASCII text JSON columns counted characters and text columns bytes.
#[test]
fn text_and_json_count_columns_in_characters_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let text = one_function(
        tmp.path(),
        "    description: \"ééé\"\n    memory: { ø: 1 }\n",
    );
    let json = validate_text(tmp.path(), &text, "json");
    assert_eq!(json.code, Some(1), "{}", json.stdout);
    let (line, column) = json_places(&json)[0];
    let r = validate_text(tmp.path(), &text, "text");
    assert!(
        r.stderr.contains(&format!("deploy.yaml:{line}:{column}]")),
        "json says {line}:{column}; text: {}",
        r.stderr
    );
}

// 11. The snippet echoed an inline sensitive value.
#[test]
fn snippets_never_show_a_sensitive_value() {
    let tmp = tempfile::tempdir().unwrap();
    let text = one_function(
        tmp.path(),
        "    environment:\n      AWS_REGION: { value: hunter2-SECRET, sensitive: true }\n",
    );
    for format in ["text", "json", "github"] {
        let r = validate_text(tmp.path(), &text, format);
        assert_eq!(r.code, Some(1), "{}", r.all());
        assert!(!r.all().contains("hunter2"), "{format}: {}", r.all());
    }
}

// 11, continued. A manifest whose YAML does not parse (a tab, an unclosed flow
// mapping) has no parsed entry to say which value is sensitive; the snippet still
// showed the block-style secret next to the syntax error.
#[test]
fn snippets_of_broken_yaml_never_show_an_environment_value() {
    let tmp = tempfile::tempdir().unwrap();
    let block =
        "    environment:\n      TOKEN:\n        sensitive: true\n        value: hunter2-SECRET\n";
    let cases = [
        ("a tab after the secret", format!("{block}\tmemory: 128\n")),
        (
            "an unclosed flow mapping",
            format!(
                "{block}      OTHER: {{ value: \"hunter3-SECRET\", sensitive: true\n    memory: [\n"
            ),
        ),
        (
            "a plain value next to a syntax error",
            "    environment:\n      PASSWORD: hunter4-SECRET\n\tmemory: 128\n".to_owned(),
        ),
        (
            "a shape error beside a block secret",
            format!("{block}        bogus: 1\n"),
        ),
    ];
    for (name, extra) in cases {
        let text = one_function(tmp.path(), &extra);
        for format in ["text", "json", "github"] {
            let r = validate_text(tmp.path(), &text, format);
            no_panic(&r);
            assert_eq!(r.code, Some(1), "{name}/{format}: {}", r.all());
            if format == "text" {
                // The snippet shows the value's line, masked byte for byte.
                assert!(r.stderr.contains("**********"), "{name}: {}", r.stderr);
            }
            assert!(!r.all().contains("SECRET"), "{name}/{format}: {}", r.all());
        }
    }
}

// 12. A 100,000-character value was quoted whole; 300 problems on one line reprinted it.
#[test]
fn messages_and_snippets_stay_small_for_huge_values_and_many_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let region = "x".repeat(100_000);
    let text = one_function(tmp.path(), "").replace("eu-north-1", &region);
    for format in ["text", "json"] {
        let r = validate_text(tmp.path(), &text, format);
        assert_eq!(r.code, Some(1), "{format}");
        assert!(r.all().len() < 5_000, "{format}: {} bytes", r.all().len());
    }
    let mut many = String::from("version: 1\nfunctions: { ");
    for i in 0..300 {
        many.push_str(&format!("f{i}: {{ memory: 1, {} }}, ", "y".repeat(100)));
    }
    many.push('}');
    let r = validate_text(tmp.path(), &many, "text");
    no_panic(&r);
    assert_eq!(r.code, Some(1));
    // 1,500 problems on one 33 KB line: each shows a window, never the line.
    let longest = r.stderr.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 400, "a line of {longest} bytes was printed");
    assert!(r.stderr.len() < 600_000, "{} bytes", r.stderr.len());
}

// 13. A timeout past u32 was clamped in the message.
#[test]
fn a_timeout_past_u32_is_reported_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let text = one_function(tmp.path(), "    timeout: 4294967296\n");
    let r = validate_text(tmp.path(), &text, "json");
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stdout.contains("4294967296"), "{}", r.stdout);
    assert!(!r.stdout.contains("4294967295"), "{}", r.stdout);
}

// 14. An empty runtime or handler passed validate.
#[test]
fn an_empty_runtime_or_handler_is_a_problem() {
    let tmp = tempfile::tempdir().unwrap();
    for (field, value) in [("runtime", "python3.12"), ("handler", "app.handler")] {
        let text = one_function(tmp.path(), "").replace(value, "\"\"");
        let r = validate_text(tmp.path(), &text, "json");
        assert_eq!(r.code, Some(1), "{field}: {}", r.stdout);
        assert!(
            r.stdout.contains(&format!("api.{field}` is empty")),
            "{}",
            r.stdout
        );
    }
}
