//! End to end, `flotilla rollback` and `flotilla status` as a user runs them: the real
//! binary through the AWS SDK against `flotilla sim` over HTTP.
//!
//! - apply version 1, change code, apply again (alias → 2); `rollback --auto-approve`
//!   moves the alias back to 1 through an outside writer (409), a lost response that
//!   had landed, and a control-plane quota low enough to throttle (429), never
//!   overlapping its own updates; `--to` moves it explicitly; a function with no
//!   earlier version and one without an alias are skipped with their reasons;
//! - `status --format json` names in-sync, drifted (with the field) and missing
//!   functions.

use crate::e2e_support;
use crate::support;

use std::path::Path;

use e2e_support::{FLEET_ACCOUNT, Run, Sim, flotilla, flotilla_on_terminal, run, summary};

const REGION: &str = "eu-north-1";

/// `api` and `web` publish with alias `live`; `worker` too, `plain` has no alias.
/// `build` goes into every handler of `api` and `web`, so a new build changes their code.
fn write_manifest(dir: &Path, build: &str, extra: &str) {
    for (key, code) in [
        ("api", build),
        ("web", build),
        ("worker", "w1"),
        ("plain", "p1"),
        ("batch", "b1"),
    ] {
        let folder = dir.join("fns").join(key);
        std::fs::create_dir_all(&folder).expect("artifact folder");
        std::fs::write(
            folder.join("app.py"),
            format!("def handler(event, context):\n    return {code:?}\n"),
        )
        .expect("write handler");
    }
    let yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n  region: {REGION}\n\
         \x20 role: arn:aws:iam::${{account}}:role/ops\n\
         \x20 retry: {{ max_attempts: 12, backoff: {{ initial: 100ms, max: 2s }} }}\n\
         \x20 wait: {{ timeout: 2m }}\n\
         environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n\
         \x20 api:\n    name: api-${{stage}}\n    artifact: {{ dir: fns/api }}\n    publish: true\n    alias: live\n\
         \x20   environment: {{ TOKEN: {{ value: s3cr3t-value, sensitive: true }}, MODE: fast }}\n\
         \x20 web:\n    name: web-${{stage}}\n    artifact: {{ dir: fns/web }}\n    publish: true\n    alias: live\n\
         \x20 worker:\n    name: worker-${{stage}}\n    artifact: {{ dir: fns/worker }}\n    publish: true\n    alias: live\n\
         \x20 plain:\n    name: plain-${{stage}}\n    artifact: {{ dir: fns/plain }}\n\
         {extra}"
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

fn flo(dir: &Path, sim: &Sim, sub: &[&str]) -> Run {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(sub)
        .args(["-f", "deploy.yaml", "--env", "staging"])
        .args(["--endpoint-url", &sim.url]);
    run(cmd)
}

fn start_sim(dir: &Path) -> Sim {
    Sim::start(
        dir,
        &["--account", FLEET_ACCOUNT, "--latency", "50ms..150ms"],
    )
}

fn signed(path: &str, sim: &Sim, method: &str, body: &str) -> (u16, serde_json::Value) {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let (status, text) = support::http(
        sim.port,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .expect("the sim answers");
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// The version alias `live` of `function` points to, read with GetAlias.
fn alias_version(sim: &Sim, function: &str) -> String {
    let (status, alias) = signed(
        &format!("/2015-03-31/functions/{function}/aliases/live"),
        sim,
        "GET",
        "",
    );
    assert_eq!(status, 200, "GetAlias {function}: {alias}");
    alias["FunctionVersion"]
        .as_str()
        .expect("FunctionVersion")
        .to_owned()
}

/// Deploys build `v1`, then `v2` (new code for `api` and `web`: their alias moves to 2).
fn deploy_two_builds(root: &Path, sim: &Sim) {
    write_manifest(root, "v1", "");
    flo(root, sim, &["apply", "--auto-approve"]).expect_code(0);
    write_manifest(root, "v2", "");
    flo(root, sim, &["apply", "--auto-approve"]).expect_code(0);
    for f in ["api-staging", "web-staging"] {
        assert_eq!(alias_version(sim, f), "2", "{f} after the second apply");
    }
    assert_eq!(alias_version(sim, "worker-staging"), "1");
}

#[test]
fn rollback_moves_aliases_back_through_conflicts_lost_responses_and_throttling() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = start_sim(root);
    deploy_two_builds(root, &sim);

    // Faults start now: an outside writer starts an update of `api` just before its
    // UpdateAlias (409 until it finishes), `web`'s UpdateAlias lands but its response is
    // lost, and one control-plane call a second throttles the reads and the moves.
    let faults = r#"[
      {"op": "UpdateAlias", "function": "api-staging", "kind": {"type": "outside_writer"}, "trigger": {"next": 1}},
      {"op": "UpdateAlias", "function": "web-staging", "kind": {"type": "drop_connection", "applied": true}, "trigger": {"next": 1}}
    ]"#;
    sim.control("PUT", "faults", faults);
    sim.control("PUT", "quotas", r#"{"control-plane": 1}"#);
    let before = sim.counters();

    let out = flo(
        root,
        &sim,
        &["rollback", "--auto-approve", "--report", "rb.json"],
    );
    let after = sim.counters();
    sim.control("PUT", "quotas", r#"{"control-plane": null}"#);
    println!("rollback:\n{}\n{}", out.stdout, out.stderr);
    let out = out.expect_code(0);
    assert!(
        out.stdout.contains("api: alias live 2 → 1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("web: alias live 2 → 1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("worker: skipped (no published version before 1)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("plain: skipped (no alias in the manifest)"),
        "{}",
        out.stdout
    );
    let s = summary(&out.stderr);
    assert_eq!(
        (s.functions, s.converged, s.skipped, s.failed, s.stale),
        (4, 2, 2, 0, 0),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("web: UpdateAlias response lost, but it had landed"),
        "{}",
        out.stderr
    );
    for f in ["api-staging", "web-staging"] {
        assert_eq!(alias_version(&sim, f), "1", "{f} after rollback");
    }
    assert_eq!(alias_version(&sim, "worker-staging"), "1");

    let grew = |what: &str| after[what].as_u64() > before[what].as_u64();
    assert!(grew("conflicts"), "no 409 during rollback: {after}");
    assert!(grew("throttles"), "no 429 during rollback: {after}");
    let functions = after["functions"].as_object().expect("per function");
    for f in ["api-staging", "web-staging", "worker-staging"] {
        assert_eq!(functions[f]["peak_overlap"], 1, "{f}: {}", functions[f]);
    }
    // Never updated after its create.
    assert_eq!(functions["plain-staging"]["peak_overlap"], 0);
    assert!(
        functions["api-staging"]["outside_writes"].as_u64() > Some(0),
        "the outside writer never wrote: {}",
        functions["api-staging"]
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("rb.json")).expect("report"))
            .expect("report is JSON");
    let api = report["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["key"] == "api")
        .expect("api in the report");
    assert_eq!(api["outcome"]["kind"], "converged", "{api}");
    assert_eq!(
        api["steps_done"],
        serde_json::json!(["UpdateAlias"]),
        "{api}"
    );
    assert!(api["retries"]["conflict"].as_u64() > Some(0), "{api}");

    // Rolling back again goes one further down: api has nothing before 1.
    let out = flo(
        root,
        &sim,
        &[
            "rollback",
            "--auto-approve",
            "--only",
            "api",
            "--report",
            "rb.md",
        ],
    )
    .expect_code(0);
    let md = std::fs::read_to_string(root.join("rb.md")).expect("markdown report");
    assert!(
        md.starts_with("## flotilla rollback: environment `staging`\n"),
        "{md}"
    );
    assert!(
        md.contains("| `api` | skipped |") && md.contains("no published version before 1"),
        "{md}"
    );
    assert!(
        out.stdout
            .contains("api: skipped (no published version before 1)"),
        "{}",
        out.stdout
    );

    // --to moves forward or back to a version that exists, one function at a time.
    let out = flo(
        root,
        &sim,
        &["rollback", "--auto-approve", "--only", "api", "--to", "2"],
    )
    .expect_code(0);
    assert!(
        out.stdout.contains("api: alias live 1 → 2"),
        "{}",
        out.stdout
    );
    assert_eq!(alias_version(&sim, "api-staging"), "2");
    assert_eq!(alias_version(&sim, "web-staging"), "1", "web must not move");

    let out = flo(root, &sim, &["rollback", "--auto-approve", "--to", "1"]).expect_code(2);
    assert!(
        out.stderr.contains("needs exactly one function"),
        "{}",
        out.stderr
    );

    let out = flo(
        root,
        &sim,
        &["rollback", "--auto-approve", "--only", "api", "--to", "9"],
    )
    .expect_code(1);
    assert!(
        out.stdout
            .contains("api: refused (version 9 does not exist (published versions: 1, 2))"),
        "{}",
        out.stdout
    );
    assert_eq!(alias_version(&sim, "api-staging"), "2");

    // Without a terminal and without --auto-approve, nothing moves (usage error).
    let out = flo(root, &sim, &["rollback"]).expect_code(2);
    assert!(out.stderr.contains("--auto-approve"), "{}", out.stderr);
    assert_eq!(alias_version(&sim, "api-staging"), "2");
}

#[test]
fn status_json_names_in_sync_drifted_and_missing_functions() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = start_sim(root);
    deploy_two_builds(root, &sim);
    // A function added to the manifest but not deployed yet.
    write_manifest(
        root,
        "v2",
        "\x20 batch:\n    name: batch-${stage}\n    artifact: { dir: fns/batch }\n",
    );
    // Someone changes `api`'s memory and environment outside Flotilla.
    let (status, body) = signed(
        "/2015-03-31/functions/api-staging/configuration",
        &sim,
        "PUT",
        r#"{"MemorySize": 512, "Environment": {"Variables": {"TOKEN": "leaked-if-printed", "MODE": "slow"}}}"#,
    );
    assert_eq!(status, 200, "outside UpdateFunctionConfiguration: {body}");

    let out = flo(root, &sim, &["status", "--format", "json"]).expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("status is JSON");
    assert!(
        !out.all().contains("leaked-if-printed") && !out.all().contains("s3cr3t-value"),
        "a secret value was printed:\n{}",
        out.all()
    );
    let by_key = |key: &str| {
        json["functions"]
            .as_array()
            .expect("functions")
            .iter()
            .find(|f| f["key"] == key)
            .unwrap_or_else(|| panic!("{key} in {json}"))
            .clone()
    };
    let api = by_key("api");
    assert_eq!(api["drift"], "drifted", "{api}");
    assert_eq!(
        api["drifted_fields"],
        serde_json::json!(["memory_mb", "environment.MODE", "environment.TOKEN"]),
        "{api}"
    );
    assert_eq!(api["alias"]["name"], "live", "{api}");
    assert_eq!(api["alias"]["version"], "2", "{api}");
    assert_eq!(api["latest_published_version"], "2", "{api}");
    assert_eq!(api["state"], "Active", "{api}");
    for key in ["web", "worker", "plain"] {
        let f = by_key(key);
        assert_eq!(f["drift"], "in_sync", "{f}");
        assert_eq!(f["drifted_fields"], serde_json::json!([]), "{f}");
        assert_eq!(f["last_update_status"], "Successful", "{f}");
        assert!(
            f["code_sha256"].as_str().is_some_and(|s| s.len() == 44),
            "{f}"
        );
    }
    let batch = by_key("batch");
    assert_eq!(batch["drift"], "missing", "{batch}");
    assert_eq!(batch["state"], serde_json::Value::Null, "{batch}");
    assert_eq!(json["environment"], "staging");

    // --detailed-exitcode: 2 while anything drifted; the table names the same drift.
    let out = flo(root, &sim, &["status", "--detailed-exitcode"]).expect_code(2);
    let api_row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("api "))
        .unwrap_or_else(|| panic!("no api row:\n{}", out.stdout));
    assert!(
        api_row.contains("live → 2")
            && api_row.ends_with("drifted: memory_mb, environment.MODE, environment.TOKEN"),
        "{api_row}"
    );
    assert!(
        !out.stdout.contains('\x1b'),
        "colours off a terminal:\n{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("5 functions: 3 in sync, 1 drifted, 1 missing"),
        "{}",
        out.stdout
    );

    // A rolled-back alias is drift too: apply would move it forward again.
    flo(root, &sim, &["rollback", "--auto-approve", "--only", "web"]).expect_code(0);
    let out = flo(root, &sim, &["status", "--format", "json", "--only", "web"]).expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("status is JSON");
    assert_eq!(
        json["functions"][0]["drifted_fields"],
        serde_json::json!(["alias.live"]),
        "{json}"
    );
    assert_eq!(json["functions"][0]["alias"]["version"], "1", "{json}");
}

#[test]
fn rollback_on_a_terminal_shows_the_moves_and_waits_for_yes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = start_sim(root);
    deploy_two_builds(root, &sim);
    let args = [
        "rollback",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--only",
        "api",
        "--endpoint-url",
        &sim.url,
    ];

    let declined = flotilla_on_terminal(root, FLEET_ACCOUNT, &args, "no\n").expect_code(1);
    let text = declined.all();
    assert!(text.contains("api: alias live 2 → 1"), "{text}");
    assert!(
        text.contains("Rollback cancelled; nothing was changed."),
        "{text}"
    );
    assert_eq!(alias_version(&sim, "api-staging"), "2", "kept after `no`");

    flotilla_on_terminal(root, FLEET_ACCOUNT, &args, "yes\n").expect_code(0);
    assert_eq!(alias_version(&sim, "api-staging"), "1", "moved after `yes`");
    assert_eq!(alias_version(&sim, "web-staging"), "2", "not selected");
}
