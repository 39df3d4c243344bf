//! Provisioned concurrency on the alias end to end (issue 12, and its interplay with
//! rollouts from issue 15): the `flotilla` binary against `flotilla sim` over HTTP.
//!
//! - From nothing, `provisioned_concurrency: 2` on alias `live` is put and waited on
//!   until `READY`; the next plan is empty. `3` is planned (text, Markdown, JSON) and
//!   applied; a manifest without the key leaves it alone; `0` removes it.
//! - An allocation Lambda reports `FAILED` exits 1 with its `StatusReason` in the report.
//! - Without an alias, or on `$LATEST` (no `publish`), the manifest is refused with the
//!   place and a help.
//! - A canary rollout on an alias with provisioned concurrency converges, and no alias
//!   move ever reaches the emulator while its allocation is `IN_PROGRESS`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::e2e_support::{FLEET_ACCOUNT, Sim, flotilla, run};

const REGION: &str = "eu-north-1";
const NAME: &str = "api-staging";

/// One function `api` (publish, alias `live`) with `extra` added to its defaults;
/// `version` goes into the code, so a new one is a code change.
fn write_manifest(dir: &Path, version: &str, extra: &str) {
    let code = dir.join("fns/api");
    std::fs::create_dir_all(&code).expect("create artifact folder");
    std::fs::write(
        code.join("app.py"),
        format!("def handler(event, context):\n    return {{'v': {version:?}}}\n"),
    )
    .expect("write handler");
    let yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n  memory: 256\n  timeout: 30s\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n\
         \x20 retry: {{ max_attempts: 10, backoff: {{ initial: 100ms, max: 2s }} }}\n\
         \x20 wait: {{ timeout: 1m }}\n\
         {extra}\
         environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n  api:\n    name: api-${{stage}}\n    region: {REGION}\n    artifact: {{ dir: fns/api }}\n"
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

const ALIASED: &str = "  publish: true\n  alias: live\n";

fn flo(dir: &Path, sim: &Sim, args: &[&str]) -> Command {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(args)
        .args(["--endpoint-url", &sim.url])
        .env("FLOTILLA_TEST_TIME_SCALE", "60");
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

fn plan(dir: &Path, sim: &Sim, format: &str) -> crate::e2e_support::Run {
    run(flo(
        dir,
        sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--format",
            format,
            "--detailed-exitcode",
        ],
    ))
}

fn report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("the report is JSON")
}

/// The emulator's provisioned concurrency configurations of the function, with how many
/// allocations each started and how many alias moves arrived during one.
fn configs(sim: &Sim) -> Vec<serde_json::Value> {
    let state = sim.control(
        "GET",
        &format!("provisioned-concurrency/{NAME}?account={FLEET_ACCOUNT}&region={REGION}"),
        "",
    );
    state["configs"].as_array().cloned().unwrap_or_default()
}

/// The one configuration on alias `live`: `(requested, status)`.
fn on_live(sim: &Sim) -> (u64, String) {
    let all = configs(sim);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["qualifier"], "live", "{all:?}");
    (
        all[0]["requested"].as_u64().unwrap_or_default(),
        all[0]["status"].as_str().unwrap_or_default().to_owned(),
    )
}

/// An emulator whose allocations take `allocation` (updates 50–150 ms).
fn start(dir: &Path, allocation: &str) -> Sim {
    Sim::start(
        dir,
        &[
            "--latency",
            "50ms..150ms",
            "--latency",
            &format!("provisioned-concurrency={allocation}"),
        ],
    )
}

#[test]
fn provisioned_concurrency_is_put_on_the_alias_changed_left_alone_and_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let sim = start(dir, "700ms");
    write_manifest(
        dir,
        "v1",
        &format!("{ALIASED}  provisioned_concurrency: 2\n"),
    );
    let first = plan(dir, &sim, "text").expect_code(2);
    assert!(
        first
            .stdout
            .contains("+ provisioned concurrency 2 on alias live"),
        "{}",
        first.stdout
    );
    let started = Instant::now();
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "apply returned before the allocation could be READY"
    );
    assert_eq!(on_live(&sim), (2, "READY".to_owned()));
    let steps = report(dir)["functions"][0]["steps_done"].clone();
    assert!(
        steps
            .as_array()
            .is_some_and(|s| s.last() == Some(&"PutProvisionedConcurrencyConfig".into())),
        "{steps}"
    );
    plan(dir, &sim, "text").expect_code(0);

    // 2 → 3: planned in the three formats, applied, converged.
    write_manifest(
        dir,
        "v1",
        &format!("{ALIASED}  provisioned_concurrency: 3\n"),
    );
    let text = plan(dir, &sim, "text").expect_code(2);
    assert!(
        text.stdout
            .contains("~ provisioned concurrency 2 → 3 on alias live"),
        "{}",
        text.stdout
    );
    let md = plan(dir, &sim, "markdown").expect_code(2);
    assert!(
        md.stdout.contains("`provisioned concurrency`") && md.stdout.contains("3 on alias live"),
        "{}",
        md.stdout
    );
    let json = plan(dir, &sim, "json").expect_code(2);
    let plan_json: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let function = &plan_json["functions"][0];
    assert_eq!(
        function["steps"],
        serde_json::json!([{ "step": "put_provisioned_concurrency", "alias": "live", "old": 2, "count": 3 }]),
        "{function:#}"
    );
    assert_eq!(function["desired"]["provisioned_concurrency"], 3);
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert_eq!(on_live(&sim), (3, "READY".to_owned()));
    plan(dir, &sim, "text").expect_code(0);

    // Absent: the live configuration is not Flotilla's business, and not drift.
    write_manifest(dir, "v1", ALIASED);
    plan(dir, &sim, "text").expect_code(0);
    assert_eq!(on_live(&sim), (3, "READY".to_owned()));

    // 0 removes it.
    write_manifest(
        dir,
        "v1",
        &format!("{ALIASED}  provisioned_concurrency: 0\n"),
    );
    let removal = plan(dir, &sim, "text").expect_code(2);
    assert!(
        removal
            .stdout
            .contains("- provisioned concurrency 3 on alias live"),
        "{}",
        removal.stdout
    );
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert!(configs(&sim).is_empty(), "{:?}", configs(&sim));
    plan(dir, &sim, "text").expect_code(0);
}

#[test]
fn a_failed_allocation_fails_the_function_with_lambdas_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let sim = start(dir, "300ms");
    let reason = "FUNCTION_ERROR_INIT_FAILURE: the init code raised an exception";
    let rule = serde_json::json!([{
        "op": "PutProvisionedConcurrencyConfig",
        "kind": { "type": "fail_update", "reason": reason },
        "trigger": { "next": 1 },
    }]);
    sim.control("PUT", "faults", &rule.to_string());
    write_manifest(
        dir,
        "v1",
        &format!("{ALIASED}  provisioned_concurrency: 2\n"),
    );
    let apply = run(flo(dir, &sim, APPLY)).expect_code(1);
    assert!(apply.all().contains(reason), "{}", apply.all());
    let r = report(dir);
    let outcome = &r["functions"][0]["outcome"];
    assert_eq!(
        outcome["cause"]["kind"], "provisioned_concurrency_failed",
        "{r:#}"
    );
    assert_eq!(outcome["cause"]["alias"], "live", "{r:#}");
    assert_eq!(outcome["cause"]["reason"], reason, "{r:#}");
    assert_eq!(on_live(&sim), (2, "FAILED".to_owned()));
    // A failed allocation is put again by the next apply (the fault fired once).
    let again = plan(dir, &sim, "text").expect_code(2);
    assert!(
        again
            .stdout
            .contains("~ provisioned concurrency 2 → 2 on alias live"),
        "{}",
        again.stdout
    );
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert_eq!(on_live(&sim), (2, "READY".to_owned()));
}

#[test]
fn provisioned_concurrency_without_an_alias_or_on_latest_is_refused_with_a_help() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let sim = start(dir, "300ms");
    let cases = [
        (
            "  publish: true\n  provisioned_concurrency: 2\n",
            "`functions.api.provisioned_concurrency` needs an `alias`",
            "add `alias: live`",
        ),
        (
            "  provisioned_concurrency: 2\n",
            "`functions.api.provisioned_concurrency` needs `publish: true` and an `alias`",
            "never on `$LATEST`",
        ),
        (
            "  publish: true\n  alias: live\n  reserved_concurrency: 3\n  provisioned_concurrency: 5\n",
            "`functions.api.provisioned_concurrency` is 5, more than the",
            "`provisioned_concurrency` to at most 3",
        ),
    ];
    for (extra, message, help) in cases {
        write_manifest(dir, "v1", extra);
        let refused = run(flo(
            dir,
            &sim,
            &["plan", "-f", "deploy.yaml", "--env", "staging"],
        ))
        .expect_code(1);
        let all = refused.all();
        assert!(all.contains(message), "{extra}: {all}");
        assert!(all.contains(help), "{extra}: {all}");
        assert!(
            all.contains("deploy.yaml"),
            "the span names the file: {all}"
        );
    }
    // Nothing reached the emulator's provisioned concurrency calls.
    let counters = sim.counters();
    assert!(
        !counters
            .to_string()
            .contains("PutProvisionedConcurrencyConfig"),
        "{counters:#}"
    );
}

#[test]
fn a_canary_on_an_alias_with_provisioned_concurrency_never_shifts_during_an_allocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    // Each allocation (the put, then every move of the alias) takes 1.5 s; the canary
    // holds its share for 1 minute / 60 = 1 s, less than an allocation.
    let sim = start(dir, "1500ms");
    let body = serde_json::json!({
        "account": FLEET_ACCOUNT, "region": REGION, "payload": {"ok": true},
    });
    sim.control("PUT", &format!("invoke/{NAME}"), &body.to_string());
    let rollout = "  rollout:\n    strategy: canary\n    canary: { percent: 10, wait: 1m }\n    smoke: { payload: {} }\n";
    let extra = format!("{ALIASED}  provisioned_concurrency: 2\n{rollout}");
    write_manifest(dir, "v1", &extra);
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert_eq!(on_live(&sim), (2, "READY".to_owned()));

    write_manifest(dir, "v2", &extra);
    let planned = plan(dir, &sim, "text").expect_code(2);
    assert!(
        planned
            .stdout
            .contains("10% on (version published by this plan)"),
        "{}",
        planned.stdout
    );
    let started = Instant::now();
    let apply = run(flo(dir, &sim, APPLY)).expect_code(0);
    // Two allocations (the 10% share, then the final move) of 1.5 s and the 1 s hold.
    assert!(
        started.elapsed() >= Duration::from_millis(4000),
        "the rollout did not wait for the allocations: {:?}\n{}",
        started.elapsed(),
        apply.all()
    );
    let all = configs(&sim);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["status"], "READY", "{all:?}");
    assert_eq!(all[0]["allocations"], 3, "put, share, final move: {all:?}");
    assert_eq!(
        all[0]["moves_while_in_progress"], 0,
        "an alias move arrived while Lambda was still allocating: {all:?}"
    );
    let (status, alias) = sim.lambda(
        REGION,
        "GET",
        &format!("/2015-03-31/functions/{NAME}/aliases/live"),
        "",
    );
    assert_eq!(status, 200, "{alias}");
    assert_eq!(alias["FunctionVersion"], "2", "{alias:#}");
    assert!(
        alias["RoutingConfig"]["AdditionalVersionWeights"]
            .as_object()
            .is_none_or(|w| w.is_empty()),
        "{alias:#}"
    );
    plan(dir, &sim, "text").expect_code(0);
}
