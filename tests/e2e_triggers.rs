//! `triggers` (event source mappings) and `keep_versions` end to end: the `flotilla`
//! binary against `flotilla sim` over HTTP.
//!
//! - An SQS trigger and a Kinesis trigger deploy from nothing and end `Enabled` on the
//!   function's alias; the next plan is empty.
//! - Batch size, window, filters and `enabled` changes are planned (text, Markdown and
//!   JSON show them) and applied; the next plan is empty. A trigger removed from the
//!   manifest is deleted live.
//! - A mapping that Lambda stops (the emulator's fail-update fault) fails the function:
//!   exit 1, the reason in the report.
//! - `keep_versions: 2` after four deploys leaves the two newest versions and the one
//!   another alias points to.
//! - Bad trigger values are refused by `validate` with exit 1 and a help.

use std::path::Path;
use std::process::Command;

use crate::e2e_support::{FLEET_ACCOUNT, Sim, flotilla, run};

const REGION: &str = "eu-north-1";
const QUEUE: &str = "arn:aws:sqs:eu-north-1:111111111111:jobs";
const STREAM: &str = "arn:aws:kinesis:eu-north-1:111111111111:stream/clicks";

fn flo(dir: &Path, sim: &Sim, args: &[&str]) -> Command {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(args).args(["--endpoint-url", &sim.url]);
    cmd
}

const APPLY: &[&str] = &[
    "apply",
    "-f",
    "deploy.yaml",
    "--env",
    "staging",
    "--auto-approve",
    "--report",
    "report.json",
];
const PLAN: &[&str] = &["plan", "-f", "deploy.yaml", "--env", "staging"];

/// One function `worker` (publish, alias `live`) with `extra` under it; `version`
/// goes into the code.
fn write_manifest(dir: &Path, version: &str, extra: &str) {
    let code = dir.join("fns/worker");
    std::fs::create_dir_all(&code).expect("create artifact folder");
    std::fs::write(
        code.join("app.py"),
        format!("def handler(event, context):\n    return {version:?}\n"),
    )
    .expect("write handler");
    let yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n\
         \x20 publish: true\n  alias: live\n\
         \x20 wait: {{ timeout: 1m }}\n\
         environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n  worker:\n    name: worker-${{stage}}\n    region: {REGION}\n    artifact: {{ dir: fns/worker }}\n{extra}"
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

fn signed(sim: &Sim, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    sim.lambda(REGION, method, path, body)
}

/// The mappings of `worker-staging:live`, by source ARN.
fn mappings(sim: &Sim) -> Vec<serde_json::Value> {
    let (status, body) = signed(
        sim,
        "GET",
        "/2015-03-31/event-source-mappings?FunctionName=worker-staging%3Alive",
        "",
    );
    assert_eq!(status, 200, "{body}");
    body["EventSourceMappings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn mapping<'a>(all: &'a [serde_json::Value], source: &str) -> &'a serde_json::Value {
    all.iter()
        .find(|m| m["EventSourceArn"] == source)
        .unwrap_or_else(|| panic!("no mapping of {source} in {all:?}"))
}

/// `text` with every run of spaces made one (the plan aligns its columns).
fn squeeze(text: &str) -> String {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_unchanged(dir: &Path, sim: &Sim) {
    let plan = run(flo(dir, sim, PLAN)).expect_code(0);
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 0 to update, 1 unchanged."),
        "{}",
        plan.stdout
    );
}

const TWO_TRIGGERS: &str = "    triggers:\n\
     \x20     jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs, batch_size: 10 }\n\
     \x20     clicks:\n        source: arn:aws:kinesis:eu-north-1:111111111111:stream/clicks\n        starting_position: latest\n        maximum_retry_attempts: 3\n";

#[test]
fn sqs_and_kinesis_triggers_deploy_change_and_leave() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &[]);
    write_manifest(dir, "v1", TWO_TRIGGERS);

    let plan = run(flo(dir, &sim, PLAN)).expect_code(0);
    assert!(plan.stdout.contains("+ trigger.jobs"), "{}", plan.stdout);
    assert!(plan.stdout.contains("+ trigger.clicks"), "{}", plan.stdout);
    run(flo(dir, &sim, APPLY)).expect_code(0);
    let live = mappings(&sim);
    assert_eq!(live.len(), 2, "{live:?}");
    for source in [QUEUE, STREAM] {
        let m = mapping(&live, source);
        assert_eq!(m["State"], "Enabled", "{m}");
        assert!(
            m["FunctionArn"]
                .as_str()
                .unwrap_or_default()
                .ends_with(":function:worker-staging:live"),
            "{m}"
        );
    }
    assert_eq!(mapping(&live, STREAM)["MaximumRetryAttempts"], 3);
    assert_eq!(mapping(&live, STREAM)["StartingPosition"], "LATEST");
    assert_unchanged(dir, &sim);

    // Batch size and window on the queue; a filter and `enabled: false` on the stream.
    let changed = "    triggers:\n\
         \x20     jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs, batch_size: 50, batching_window: 5s }\n\
         \x20     clicks:\n        source: arn:aws:kinesis:eu-north-1:111111111111:stream/clicks\n        starting_position: latest\n        maximum_retry_attempts: 3\n        enabled: false\n        filters:\n          - { data: { kind: [click] } }\n";
    write_manifest(dir, "v1", changed);
    let text = squeeze(&run(flo(dir, &sim, PLAN)).expect_code(0).stdout);
    for want in [
        "~ trigger.jobs.batch_size 10 → 50",
        "~ trigger.jobs.batching_window 0s → 5s",
        "~ trigger.clicks.enabled true → false",
        "trigger.clicks.filters",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    assert!(text.contains("Plan: 0 to create, 1 to update"), "{text}");
    let md = run(flo(dir, &sim, &[PLAN, &["--format", "markdown"]].concat()))
        .expect_code(0)
        .stdout;
    assert!(md.contains("trigger.jobs.batch_size"), "{md}");
    assert!(md.contains("trigger.clicks.enabled"), "{md}");
    let json: serde_json::Value = serde_json::from_str(
        &run(flo(dir, &sim, &[PLAN, &["--format", "json"]].concat()))
            .expect_code(0)
            .stdout,
    )
    .expect("plan JSON");
    let steps = json["functions"][0]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let updates: Vec<&serde_json::Value> = steps
        .iter()
        .filter(|s| s["step"] == "update_event_source_mapping")
        .collect();
    assert_eq!(updates.len(), 2, "{steps:?}");
    let jobs = updates
        .iter()
        .find(|s| s["trigger"] == "jobs")
        .expect("jobs update");
    assert_eq!(jobs["settings"]["batch_size"], 50);
    assert_eq!(jobs["settings"]["batching_window_secs"], 5);
    let clicks = updates
        .iter()
        .find(|s| s["trigger"] == "clicks")
        .expect("clicks update");
    assert_eq!(clicks["enabled"], false);
    assert_eq!(
        clicks["settings"]["filters"][0],
        r#"{"data":{"kind":["click"]}}"#
    );

    run(flo(dir, &sim, APPLY)).expect_code(0);
    let live = mappings(&sim);
    assert_eq!(mapping(&live, QUEUE)["BatchSize"], 50);
    assert_eq!(mapping(&live, QUEUE)["MaximumBatchingWindowInSeconds"], 5);
    assert_eq!(mapping(&live, STREAM)["State"], "Disabled");
    assert_eq!(
        mapping(&live, STREAM)["FilterCriteria"]["Filters"][0]["Pattern"],
        r#"{"data":{"kind":["click"]}}"#
    );
    assert_unchanged(dir, &sim);

    // The stream leaves the manifest: its mapping is deleted.
    write_manifest(
        dir,
        "v1",
        "    triggers:\n      jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs, batch_size: 50, batching_window: 5s }\n",
    );
    let text = run(flo(dir, &sim, PLAN)).expect_code(0).stdout;
    assert!(text.contains("- trigger"), "{text}");
    assert!(text.contains(STREAM), "{text}");
    run(flo(dir, &sim, APPLY)).expect_code(0);
    let live = mappings(&sim);
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0]["EventSourceArn"], QUEUE);
    assert_unchanged(dir, &sim);

    // Without `triggers` the mapping is left alone; `triggers: {}` deletes it.
    write_manifest(dir, "v1", "");
    assert_unchanged(dir, &sim);
    assert_eq!(mappings(&sim).len(), 1);
    write_manifest(dir, "v1", "    triggers: {}\n");
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert!(mappings(&sim).is_empty());
    assert_unchanged(dir, &sim);
}

#[test]
fn a_mapping_lambda_stops_fails_the_function_with_the_reason() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &[]);
    write_manifest(
        dir,
        "v1",
        "    triggers:\n      jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs }\n",
    );
    sim.control(
        "PUT",
        "faults",
        r#"[{"op": "CreateEventSourceMapping", "kind": {"type": "fail_update", "reason": "Lambda cannot read the queue: access denied (sqs:ReceiveMessage)"}, "trigger": {"next": 1}}]"#,
    );
    let out = run(flo(dir, &sim, APPLY)).expect_code(1);
    let report = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    assert!(report.contains("trigger_failed"), "{report}");
    assert!(
        report.contains("access denied (sqs:ReceiveMessage)"),
        "{report}"
    );
    assert!(
        out.all().contains("access denied (sqs:ReceiveMessage)"),
        "{}",
        out.all()
    );
    assert_eq!(mapping(&mappings(&sim), QUEUE)["State"], "Disabled");
    // The next apply sees the mapping disabled and enables it again.
    let text = squeeze(&run(flo(dir, &sim, PLAN)).expect_code(0).stdout);
    assert!(
        text.contains("~ trigger.jobs.enabled false → true"),
        "{text}"
    );
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert_eq!(mapping(&mappings(&sim), QUEUE)["State"], "Enabled");
}

#[test]
fn keep_versions_leaves_the_newest_and_the_aliased() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &[]);
    let extra = "    keep_versions: 2\n";
    write_manifest(dir, "v1", extra);
    run(flo(dir, &sim, APPLY)).expect_code(0);
    // Another alias holds version 1.
    let (status, body) = signed(
        &sim,
        "POST",
        "/2015-03-31/functions/worker-staging/aliases",
        r#"{"Name": "pinned", "FunctionVersion": "1"}"#,
    );
    assert_eq!(status, 201, "{body}");
    for v in ["v2", "v3", "v4"] {
        write_manifest(dir, v, extra);
        run(flo(dir, &sim, APPLY)).expect_code(0);
    }
    let (status, body) = signed(
        &sim,
        "GET",
        "/2015-03-31/functions/worker-staging/versions",
        "",
    );
    assert_eq!(status, 200, "{body}");
    let versions: Vec<String> = body["Versions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v["Version"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(versions, ["$LATEST", "1", "3", "4"], "{body}");
    assert_unchanged(dir, &sim);
    // The plan says how many a deploy deletes.
    write_manifest(dir, "v5", extra);
    let text = squeeze(&run(flo(dir, &sim, PLAN)).expect_code(0).stdout);
    assert!(
        text.contains("- versions 3 (1 version beyond the newest 2 that no alias routes to)"),
        "{text}"
    );
}

#[test]
fn bad_trigger_values_are_refused_with_a_help() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let cases = [
        (
            "    triggers:\n      jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs, batch_size: 100 }\n",
            "needs a batching window",
        ),
        (
            "    triggers:\n      jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs, starting_position: latest }\n",
            "an SQS queue has no position to start from",
        ),
        (
            "    triggers:\n      clicks: { source: arn:aws:kinesis:eu-north-1:111111111111:stream/clicks }\n",
            "starting_position: latest",
        ),
        (
            "    triggers:\n      clicks: { source: arn:aws:kinesis:eu-north-1:111111111111:stream/clicks, starting_position: lastest }\n",
            "did you mean `latest`?",
        ),
        (
            "    triggers:\n      jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs, batching_window: 10m }\n",
            "0 to 300 whole seconds",
        ),
        (
            "    triggers:\n      jobs: { source: arn:aws:sns:eu-north-1:111111111111:topic }\n",
            "arn:aws:sqs:REGION:ACCOUNT:queue",
        ),
        (
            "    triggers:\n      jobs:\n        source: arn:aws:sqs:eu-north-1:111111111111:jobs\n        filters: [{a: [1]}, {a: [2]}, {a: [3]}, {a: [4]}, {a: [5]}, {a: [6]}]\n",
            "at most 5 filters",
        ),
        ("    keep_versions: 0\n", "keep at least 1 version"),
    ];
    for (extra, help) in cases {
        write_manifest(dir, "v1", extra);
        let out = run({
            let mut cmd = flotilla(dir, FLEET_ACCOUNT);
            cmd.args(["validate", "-f", "deploy.yaml", "--env", "staging"]);
            cmd
        })
        .expect_code(1);
        assert!(out.all().contains(help), "{help:?} not in:\n{}", out.all());
    }
}

#[test]
fn a_saved_plan_with_tampered_trigger_steps_is_refused_whole() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &[]);
    write_manifest(
        dir,
        "v1",
        "    triggers:\n      jobs: { source: arn:aws:sqs:eu-north-1:111111111111:jobs }\n",
    );
    run(flo(dir, &sim, &[PLAN, &["-o", "plan.json"]].concat())).expect_code(0);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).expect("plan.json"))
            .expect("plan JSON");
    let step_at = saved["functions"][0]["steps"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .position(|s| s["step"] == "create_event_source_mapping")
        })
        .expect("a create_event_source_mapping step");
    let cases: [(&str, serde_json::Value, &str); 2] = [
        (
            "function",
            serde_json::json!("someone-elses-function"),
            "create a mapping on `someone-elses-function`",
        ),
        (
            "settings",
            serde_json::json!({ "batch_size": 20000 }),
            "batch size outside 1–10000",
        ),
    ];
    for (member, value, expect) in cases {
        let mut p = saved.clone();
        p["functions"][0]["steps"][step_at][member] = value;
        std::fs::write(dir.join("tampered.json"), p.to_string()).expect("write plan");
        let out = run(flo(dir, &sim, &["apply", "tampered.json"])).expect_code(1);
        assert!(out.stderr.contains(expect), "{member}: {}", out.stderr);
        assert!(out.stderr.contains("refusing all of it"), "{}", out.stderr);
    }
    assert!(mappings_or_none(&sim).is_empty());
}

/// The mappings of `worker-staging:live`, or none when the function does not exist.
fn mappings_or_none(sim: &Sim) -> Vec<serde_json::Value> {
    let (status, body) = signed(
        sim,
        "GET",
        "/2015-03-31/event-source-mappings?FunctionName=worker-staging%3Alive",
        "",
    );
    if status == 404 {
        return Vec::new();
    }
    assert_eq!(status, 200, "{body}");
    body["EventSourceMappings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}
