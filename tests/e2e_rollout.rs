//! Gradual rollouts end to end (issue 15): the `flotilla` binary against `flotilla sim`
//! over HTTP, on a clock shortened 6 to 60 times (`FLOTILLA_TEST_TIME_SCALE`), so a
//! 5-minute canary holds for 5–50 s while the alarms are polled 60–6 times as often.
//!
//! - A 10% canary for 5 minutes on 20 functions converges: every alias on the new
//!   version, no weights left; one alarm switched to `ALARM` during the hold rolls that
//!   function back (alias on the old version, no weights, exit 1, the alarm named in
//!   the report) while the other 19 converge.
//! - A failing smoke invoke never moves traffic.
//! - SIGINT during a hold leaves the traffic on the old version.
//! - The plan shows the rollout steps and the expected time in text, Markdown and JSON.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::e2e_support::{COMMAND_TIMEOUT, FLEET_ACCOUNT, Run, Sim, flotilla, run};

const REGION: &str = "eu-north-1";
const SCALE: &str = "60";

/// `n` functions `fn-000`… that publish, alias `live`, roll out as a 10% canary for 5
/// minutes watching `fleet-errors` (and `fn-007` also `fn-007-errors`); `version`
/// goes into the code, so a new one is a code change.
fn write_manifest(dir: &Path, n: usize, version: &str, extra_defaults: &str) {
    let mut yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n  memory: 256\n  timeout: 30s\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n\
         \x20 publish: true\n  alias: live\n\
         \x20 retry: {{ max_attempts: 10, backoff: {{ initial: 100ms, max: 2s }} }}\n\
         \x20 wait: {{ timeout: 2m }}\n\
         \x20 rollout:\n    strategy: canary\n    canary: {{ percent: 10, wait: 5m }}\n    alarms: [fleet-errors]\n\
         {extra_defaults}\
         environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n"
    );
    for i in 0..n {
        let key = format!("fn-{i:03}");
        let code = dir.join("fns").join(&key);
        std::fs::create_dir_all(&code).expect("create artifact folder");
        std::fs::write(
            code.join("app.py"),
            format!("def handler(event, context):\n    return {{'fn': {i}, 'v': {version:?}}}\n"),
        )
        .expect("write handler");
        yaml.push_str(&format!(
            "  {key}:\n    name: {key}-${{stage}}\n    region: {REGION}\n    artifact: {{ dir: fns/{key} }}\n"
        ));
        if i == 7 {
            yaml.push_str("    rollout: { alarms: [fleet-errors, fn-007-errors] }\n");
        }
    }
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

fn flo(dir: &Path, sim: &Sim, args: &[&str]) -> Command {
    flo_at(dir, sim, args, SCALE)
}

/// [`flo`] with the clock shortened `scale` times.
fn flo_at(dir: &Path, sim: &Sim, args: &[&str], scale: &str) -> Command {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(args)
        .args(["--endpoint-url", &sim.url])
        .env("FLOTILLA_TEST_TIME_SCALE", scale);
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

/// The alias `live` of `name` as the emulator serves it (`GetAlias` over HTTP).
fn alias(sim: &Sim, name: &str) -> serde_json::Value {
    let path = format!("/2015-03-31/functions/{name}/aliases/live");
    let (status, body) = sim.lambda(REGION, "GET", &path, "");
    assert_eq!(status, 200, "GetAlias {name}: {body}");
    body
}

/// `(primary version, additional weights)` of `name`'s alias.
fn traffic(sim: &Sim, name: &str) -> (String, serde_json::Value) {
    let a = alias(sim, name);
    let weights = a["RoutingConfig"]["AdditionalVersionWeights"].clone();
    let weights = if weights.is_null() {
        serde_json::json!({})
    } else {
        weights
    };
    (
        a["FunctionVersion"].as_str().unwrap_or_default().to_owned(),
        weights,
    )
}

fn set_alarm(sim: &Sim, name: &str, state: &str, reason: &str) {
    let body = serde_json::json!({
        "state": state,
        "reason": reason,
        "account": FLEET_ACCOUNT,
        "region": REGION,
    });
    sim.control("PUT", &format!("alarms/{name}"), &body.to_string());
}

/// Starts the emulator and deploys version `v1` of `n` functions (a new alias moves at
/// once), then writes `v2`.
fn deployed(dir: &Path, n: usize, extra_defaults: &str) -> Sim {
    let sim = Sim::start(dir, &["--latency", "50ms..150ms"]);
    set_alarm(&sim, "fleet-errors", "OK", "fine");
    set_alarm(&sim, "fn-007-errors", "OK", "fine");
    for i in 0..n {
        let body = serde_json::json!({
            "account": FLEET_ACCOUNT, "region": REGION, "payload": {"ok": true},
        });
        sim.control(
            "PUT",
            &format!("invoke/fn-{i:03}-staging"),
            &body.to_string(),
        );
    }
    write_manifest(dir, n, "v1", extra_defaults);
    run(flo(dir, &sim, APPLY)).expect_code(0);
    for i in 0..n {
        let (version, weights) = traffic(&sim, &format!("fn-{i:03}-staging"));
        assert_eq!(
            (version.as_str(), weights),
            ("1", serde_json::json!({})),
            "v1 of fn-{i:03}"
        );
    }
    write_manifest(dir, n, "v2", extra_defaults);
    sim
}

/// `flotilla plan --format json` for staging, parsed.
fn plan_json(dir: &Path, sim: &Sim) -> serde_json::Value {
    let json = run(flo(
        dir,
        sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--format",
            "json",
        ],
    ))
    .expect_code(0);
    serde_json::from_str(&json.stdout).expect("JSON plan")
}

fn report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("the report is JSON")
}

fn function_report<'a>(report: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    report["functions"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["key"] == key))
        .unwrap_or_else(|| panic!("{key} is not in the report: {report:#}"))
}

/// Polls until `name`'s alias routes some traffic to another version.
fn wait_for_weights(sim: &Sim, name: &str, child: &mut std::process::Child) {
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    while Instant::now() < deadline {
        let (_, weights) = traffic(sim, name);
        if weights.as_object().is_some_and(|w| !w.is_empty()) {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("apply ended ({status}) before {name}'s canary started");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{name}'s canary never started");
}

fn finish(mut child: std::process::Child) -> Run {
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("apply did not end within {COMMAND_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run::from(child.wait_with_output().expect("apply output"))
}

fn spawn(mut cmd: Command) -> std::process::Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flotilla apply")
}

#[test]
fn a_canary_on_twenty_functions_converges_and_an_alarm_rolls_one_back() {
    const N: usize = 20;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = deployed(dir, N, "");

    // The plan shows each function's rollout steps and the expected time.
    let text = run(flo(
        dir,
        &sim,
        &["plan", "-f", "deploy.yaml", "--env", "staging"],
    ))
    .expect_code(0);
    assert!(
        text.stdout.contains(
            "~ alias.live 1 → 10% on (version published by this plan) for 5m, watching fleet-errors"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("canary 10% then 100%, about 5m of holds"),
        "{}",
        text.stdout
    );
    let md = run(flo(
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
    ))
    .expect_code(0);
    assert!(
        md.stdout
            .contains("10% on (version published by this plan) for 5m")
            && md
                .stdout
                .contains("canary 10% then 100%, about 5m of holds"),
        "{}",
        md.stdout
    );
    let plan = plan_json(dir, &sim);
    let f7 = plan["functions"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["key"] == "fn-007"))
        .expect("fn-007 planned");
    assert_eq!(
        f7["rollout"],
        serde_json::json!({"strategy": "canary", "percents": [10], "expected_secs": 300})
    );
    let shift = f7["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["step"] == "shift_traffic"))
        .expect("a shift_traffic step");
    assert_eq!(shift["percent"], 10);
    assert_eq!(shift["hold_secs"], 300);
    assert_eq!(
        shift["alarms"],
        serde_json::json!(["fleet-errors", "fn-007-errors"])
    );

    // Apply (holds of 15 s, so a loaded machine still sees fn-007's canary holding);
    // once fn-007's canary holds 10%, its own alarm fires.
    let mut child = spawn(flo_at(dir, &sim, APPLY, "20"));
    wait_for_weights(&sim, "fn-007-staging", &mut child);
    set_alarm(&sim, "fn-007-errors", "ALARM", "Errors > 5 for 1 datapoint");
    let out = finish(child);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("fn-007-errors"),
        "the alarm is named:\n{}",
        out.stderr
    );

    for i in 0..N {
        let name = format!("fn-{i:03}-staging");
        let (version, weights) = traffic(&sim, &name);
        let want = if i == 7 { "1" } else { "2" };
        assert_eq!(
            (version.as_str(), &weights),
            (want, &serde_json::json!({})),
            "{name}"
        );
    }
    let r = report(dir);
    let f7 = function_report(&r, "fn-007");
    assert_eq!(f7["outcome"]["kind"], "failed", "{f7:#}");
    assert_eq!(f7["outcome"]["cause"]["kind"], "alarm", "{f7:#}");
    assert_eq!(f7["outcome"]["cause"]["alarm"], "fn-007-errors");
    assert_eq!(
        f7["outcome"]["cause"]["reason"],
        "Errors > 5 for 1 datapoint"
    );
    assert_eq!(
        f7["rollout"],
        serde_json::json!({"traffic": "rolled_back", "alias": "live", "version": "1", "new_version": "2"})
    );
    for i in (0..N).filter(|i| *i != 7) {
        let f = function_report(&r, &format!("fn-{i:03}"));
        assert_eq!(f["outcome"]["kind"], "converged", "{f:#}");
        assert_eq!(
            f["rollout"],
            serde_json::json!({"traffic": "completed", "alias": "live", "version": "2"})
        );
    }
    // The alarms were polled, paced, during the holds.
    let alarms = sim.control("GET", "alarms", "");
    assert!(
        alarms["describe_alarms_calls"].as_u64().unwrap_or(0) >= 2 * N as u64,
        "{alarms:#}"
    );
}

#[test]
fn a_failing_smoke_invoke_never_moves_traffic() {
    const N: usize = 3;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let smoke = "    smoke: { payload: { ping: 1 }, expect: { ok: true } }\n";
    let sim = deployed(dir, N, smoke);
    let before = alias(&sim, "fn-001-staging")["RevisionId"].clone();
    // Version 2 of fn-001 fails; every other version answers `{"ok": true}`.
    let body = serde_json::json!({
        "account": FLEET_ACCOUNT, "region": REGION, "version": "2",
        "function_error": "Unhandled", "payload": {"errorMessage": "boom"},
    });
    sim.control("PUT", "invoke/fn-001-staging", &body.to_string());
    let out = run(flo(dir, &sim, APPLY));
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("smoke invoke of version 2 failed"),
        "{}",
        out.stderr
    );

    let (version, weights) = traffic(&sim, "fn-001-staging");
    assert_eq!((version.as_str(), weights), ("1", serde_json::json!({})));
    assert_eq!(
        alias(&sim, "fn-001-staging")["RevisionId"],
        before,
        "fn-001's alias was never updated"
    );
    let r = report(dir);
    let f1 = function_report(&r, "fn-001");
    assert_eq!(f1["outcome"]["cause"]["kind"], "smoke_failed", "{f1:#}");
    assert!(f1.get("rollout").is_none(), "{f1:#}");
    // The smoke invoke ran the new version itself.
    let calls = sim.control(
        "GET",
        "invoke/fn-001-staging?account=111111111111&region=eu-north-1",
        "",
    );
    let ran: Vec<&str> = calls["invocations"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["version"].as_str()).collect())
        .unwrap_or_default();
    // v1's smoke ran version 1; v2's ran version 2, once, and nothing else ran.
    assert_eq!(ran, ["1", "2"], "{calls:#}");
    for i in [0, 2] {
        let (version, weights) = traffic(&sim, &format!("fn-{i:03}-staging"));
        assert_eq!((version.as_str(), weights), ("2", serde_json::json!({})));
    }
}

#[test]
fn sigint_during_a_canary_leaves_the_traffic_on_the_old_version() {
    const N: usize = 3;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = deployed(dir, N, "");
    // Holds of 50 s: every canary is still holding when the interrupt comes, however
    // loaded the machine.
    let mut child = spawn(flo_at(dir, &sim, APPLY, "6"));
    for i in 0..N {
        wait_for_weights(&sim, &format!("fn-{i:03}-staging"), &mut child);
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let out = finish(child);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    for i in 0..N {
        let (version, weights) = traffic(&sim, &format!("fn-{i:03}-staging"));
        assert_eq!(
            (version.as_str(), weights),
            ("1", serde_json::json!({})),
            "fn-{i:03}\n{}",
            out.stderr
        );
    }
    let r = report(dir);
    for i in 0..N {
        let f = function_report(&r, &format!("fn-{i:03}"));
        assert_eq!(f["outcome"]["kind"], "cancelled", "{f:#}");
        assert_eq!(f["rollout"]["traffic"], "rolled_back", "{f:#}");
    }
}

#[test]
fn a_weighted_alias_is_refused_by_plan_shown_by_status_and_ended_by_rollback() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = deployed(dir, 2, "");
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert_eq!(traffic(&sim, "fn-000-staging").0, "2");
    // Another tool (or a killed apply) shifts 20% of fn-000's traffic to version 1.
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let body = serde_json::json!({
        "FunctionVersion": "2",
        "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.2}},
    });
    let (status, text) = crate::support::http_patient(
        sim.port,
        "PUT",
        "/2015-03-31/functions/fn-000-staging/aliases/live",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body.to_string(),
    )
    .expect("the sim answers");
    assert_eq!(status, 200, "{text}");

    let plan = run(flo(
        dir,
        &sim,
        &["plan", "-f", "deploy.yaml", "--env", "staging"],
    ))
    .expect_code(1);
    assert!(
        plan.stderr.contains(
            "function `fn-000`: alias `live` routes 20% to version 1 and the rest to version 2: a gradual rollout is under way"
        ) && plan.stderr.contains("flotilla rollback --only fn-000"),
        "{}",
        plan.stderr
    );
    let status = run(flo(
        dir,
        &sim,
        &["status", "-f", "deploy.yaml", "--env", "staging"],
    ));
    assert!(
        status
            .stdout
            .contains("live → 2 (+1 20%) rollout in progress"),
        "{}\n{}",
        status.stdout,
        status.stderr
    );
    run(flo(
        dir,
        &sim,
        &[
            "rollback",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--only",
            "fn-000",
            "--auto-approve",
        ],
    ))
    .expect_code(0);
    assert_eq!(
        traffic(&sim, "fn-000-staging"),
        ("2".to_owned(), serde_json::json!({}))
    );
    let plan = run(flo(
        dir,
        &sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--detailed-exitcode",
        ],
    ))
    .expect_code(0);
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 0 to update, 2 unchanged."),
        "{}",
        plan.stdout
    );
}

/// Polls `name`'s alias while `child` runs and returns every distinct
/// `(primary, weights)` pair it saw, in order.
fn watch_traffic(
    sim: &Sim,
    name: &str,
    child: &mut std::process::Child,
) -> Vec<(String, serde_json::Value)> {
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let mut seen: Vec<(String, serde_json::Value)> = Vec::new();
    while Instant::now() < deadline {
        let now = traffic(sim, name);
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        if let Ok(Some(_)) = child.try_wait() {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("apply did not end within {COMMAND_TIMEOUT:?}");
}

#[test]
fn a_linear_rollout_raises_the_share_step_by_step() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    // 40% a minute: 40%, 80%, then all of it.
    let sim = deployed(dir, 1, "");
    let yaml = std::fs::read_to_string(dir.join("deploy.yaml")).expect("read the manifest");
    let yaml = yaml.replace(
        "    strategy: canary\n    canary: { percent: 10, wait: 5m }\n",
        "    strategy: linear\n    linear: { percent: 40, every: 1m }\n",
    );
    assert!(yaml.contains("strategy: linear"), "{yaml}");
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");

    let plan = plan_json(dir, &sim);
    let f0 = &plan["functions"][0];
    assert_eq!(
        f0["rollout"],
        serde_json::json!({"strategy": "linear", "percents": [40, 80], "expected_secs": 120}),
        "{f0:#}"
    );
    let shares: Vec<u64> = f0["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|s| s["step"] == "shift_traffic")
                .filter_map(|s| s["percent"].as_u64())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(shares, [40, 80], "{f0:#}");

    // Holds of 3 s each; the test watches the alias through them.
    let mut child = spawn(flo_at(dir, &sim, APPLY, "20"));
    let seen = watch_traffic(&sim, "fn-000-staging", &mut child);
    let out = finish(child);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    // The new version's share, as the alias routed it: version 1 primary with version 2
    // weighted, then version 2 alone.
    let route = |(primary, weights): &(String, serde_json::Value)| {
        let w = weights["2"].as_f64().map(|w| (w * 100.0).round() as u64);
        (primary.clone(), w)
    };
    let routes: Vec<_> = seen.iter().map(route).collect();
    assert_eq!(
        routes,
        [
            ("1".to_owned(), None),
            ("1".to_owned(), Some(40)),
            ("1".to_owned(), Some(80)),
            ("2".to_owned(), None),
        ],
        "{seen:?}"
    );
    let r = report(dir);
    assert_eq!(
        function_report(&r, "fn-000")["rollout"],
        serde_json::json!({"traffic": "completed", "alias": "live", "version": "2"})
    );
}

#[test]
fn on_failure_hold_leaves_the_weights_where_the_alarm_stopped_them() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = deployed(dir, 1, "    on_failure: hold\n");
    let mut child = spawn(flo_at(dir, &sim, APPLY, "20"));
    wait_for_weights(&sim, "fn-000-staging", &mut child);
    set_alarm(&sim, "fleet-errors", "ALARM", "p99 > 2s");
    let out = finish(child);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("fleet-errors"), "{}", out.stderr);
    // The canary's 10% stays on version 2 for someone to look at.
    let (version, weights) = traffic(&sim, "fn-000-staging");
    assert_eq!(version, "1");
    let w = weights["2"].as_f64().unwrap_or_default();
    assert!((w - 0.1).abs() < 1e-9, "{weights}");
    let r = report(dir);
    let f0 = function_report(&r, "fn-000");
    assert_eq!(f0["outcome"]["cause"]["kind"], "alarm", "{f0:#}");
    assert_eq!(
        f0["rollout"],
        serde_json::json!({
            "traffic": "held", "alias": "live", "version": "1", "new_version": "2", "percent": 10,
        })
    );
    // The next plan refuses the alias until the rollout is ended.
    let plan = run(flo(
        dir,
        &sim,
        &["plan", "-f", "deploy.yaml", "--env", "staging"],
    ))
    .expect_code(1);
    assert!(
        plan.stderr.contains("a gradual rollout is under way"),
        "{}",
        plan.stderr
    );
}
