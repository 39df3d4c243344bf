//! End to end, `flotilla apply` as a user runs it: the real binary deploying through
//! the AWS SDK to `flotilla sim` over HTTP.
//!
//! - a 60-function fleet converges through outside writers, 5xx, dropped connections,
//!   slow updates and a control-plane quota of 8/s, never overlapping its own updates;
//! - a saved plan refuses only the function someone else changed, and `--refresh`
//!   re-plans it;
//! - SIGINT lets in-flight steps finish and starts no new one; a re-run converges;
//! - the quickstart (`apply --local` on `deploy.yaml.example`) converges.

use crate::e2e_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use e2e_support::{
    COMMAND_TIMEOUT, FLEET_ACCOUNT, Run, Sim, crate_root, flotilla, run, summary, write_fleet,
};

/// A fleet seeded from version `v1` of the generated manifest, with `v2` (new code and
/// description for every function) written to `dir` for plan and apply.
fn drifted_fleet(dir: &Path, n: usize, sim_args: &[&str]) -> Sim {
    let old = dir.join("v1");
    std::fs::create_dir_all(&old).expect("v1 folder");
    write_fleet(&old, n, &["eu-north-1"], "v1");
    write_fleet(dir, n, &["eu-north-1"], "v2");
    let mut args = vec!["--seed-from", "v1/deploy.yaml", "--env", "staging"];
    args.extend(["--account", FLEET_ACCOUNT]);
    args.extend(sim_args);
    Sim::start(dir, &args)
}

fn flo(dir: &Path, sim: &Sim, sub: &[&str]) -> Run {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(sub).args(["--endpoint-url", &sim.url]);
    run(cmd)
}

const PLAN: &[&str] = &["plan", "-f", "deploy.yaml", "--env", "staging"];

fn plan_with(extra: &[&str]) -> Vec<String> {
    PLAN.iter().chain(extra).map(|s| (*s).to_owned()).collect()
}

fn flo_owned(dir: &Path, sim: &Sim, sub: &[String]) -> Run {
    let sub: Vec<&str> = sub.iter().map(String::as_str).collect();
    flo(dir, sim, &sub)
}

const ALL_LATENCY_KINDS: [&str; 6] = [
    "create-zip",
    "create-image",
    "code-zip",
    "code-image",
    "configuration",
    "vpc",
];

#[test]
fn a_sixty_function_fleet_converges_through_faults_and_a_tight_quota() {
    const N: usize = 60;
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = drifted_fleet(
        root,
        N,
        &[
            "--quota",
            "control-plane=8",
            "--latency",
            "200ms..800ms",
            "--seed",
            "7",
        ],
    );
    let out = flo_owned(root, &sim, &plan_with(&["-o", "plan.json"])).expect_code(0);
    assert!(
        out.stdout
            .contains("Plan: 15 to create, 45 to update, 0 unchanged."),
        "{}",
        out.stdout
    );
    for f in ["fn-000", "fn-001", "fn-002"] {
        let block = out
            .stdout
            .split("\n\n")
            .find(|b| b.contains(&format!("function {f} ")))
            .expect("function in plan");
        assert!(block.contains("~ code"), "{block}");
        assert!(block.contains("~ description"), "{block}");
    }

    // Faults start with apply, so the plan above saw a clean fleet. (A call that fires
    // both a drop and the outside writer drops first, so they pick different calls.)
    let faults = r#"[
      {"op": "UpdateFunctionConfiguration", "kind": {"type": "outside_writer"}, "trigger": {"next": 3}},
      {"op": "UpdateFunctionCode", "kind": {"type": "service_error"}, "trigger": {"next": 3}},
      {"op": "UpdateFunctionCode", "kind": {"type": "drop_connection", "applied": true}, "trigger": {"next": 2}},
      {"op": "UpdateFunctionConfiguration", "function": "fn-040-staging", "kind": {"type": "drop_connection", "applied": false}, "trigger": {"next": 1}},
      {"op": "UpdateFunctionConfiguration", "function": "fn-041-staging", "kind": {"type": "drop_connection", "applied": false}, "trigger": {"next": 1}},
      {"op": "GetFunction", "kind": {"type": "drop_connection"}, "trigger": {"next": 2}},
      {"op": "GetFunction", "kind": {"type": "latency_spike", "delay_ms": 1500}, "trigger": {"next": 3}}
    ]"#;
    sim.control("PUT", "faults", faults);
    let slow = r#"{"configuration": {"uniform": {"min": 500, "max": 3000}}}"#;
    sim.control("PUT", "latency", slow);

    // `--refresh`: the functions the outside writer changed are re-planned, not
    // finished on top of its change.
    let out = flo(
        root,
        &sim,
        &["apply", "plan.json", "--refresh", "--report", "report.json"],
    );
    let counters = sim.counters();
    println!("apply under faults:\n{}", out.stderr);
    let out = out.expect_code(0);
    let s = summary(&out.stderr);
    assert_eq!(
        (s.functions, s.converged, s.failed, s.stale),
        (N as u32, N as u32, 0, 0),
        "{}",
        out.stderr
    );

    println!(
        "sim counters: throttles {}, conflicts {}, precondition failures {}, faults {}, calls {}",
        counters["throttles"],
        counters["conflicts"],
        counters["precondition_failures"],
        counters["faults"],
        counters["calls"]
    );
    let functions = counters["functions"].as_object().expect("per function");
    for i in 0..N {
        let name = format!("fn-{i:03}-staging");
        let c = &functions[&name];
        // Created functions (every fourth) had no update, so no overlap at all.
        let want = if i % 4 == 3 { 0 } else { 1 };
        assert_eq!(c["peak_overlap"], want, "{name}: {c}");
    }
    assert!(
        counters["throttles"].as_u64() > Some(0),
        "no 429: {counters}"
    );
    assert!(
        counters["conflicts"].as_u64() > Some(0),
        "no 409: {counters}"
    );
    // The outside writer really wrote (it gives up on a function that is busy).
    let outside: u64 = functions
        .values()
        .map(|c| c["outside_writes"].as_u64().unwrap_or_default())
        .sum();
    assert!(outside > 0, "no outside write landed: {counters}");
    let fired = &counters["faults"];
    for kind in [
        "outside_writer",
        "service_error",
        "drop_connection",
        "latency_spike",
    ] {
        assert!(
            fired[kind].as_u64() > Some(0),
            "{kind} never fired: {fired}"
        );
    }

    let out = flo_owned(root, &sim, &plan_with(&["--detailed-exitcode"])).expect_code(0);
    assert!(
        out.stdout
            .contains("0 to create, 0 to update, 60 unchanged"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_saved_plan_refuses_only_the_function_changed_since_and_refresh_replans_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = drifted_fleet(root, 5, &["--latency", "50ms..150ms"]);
    flo_owned(root, &sim, &plan_with(&["-o", "plan.json"])).expect_code(0);

    let body = format!(
        r#"{{"account": "{FLEET_ACCOUNT}", "region": "eu-north-1", "function": "fn-002-staging"}}"#
    );
    sim.control("POST", "outside-write", &body);

    let out = flo(root, &sim, &["apply", "plan.json"]).expect_code(1);
    println!("apply plan.json after an outside write:\n{}", out.stderr);
    let s = summary(&out.stderr);
    assert_eq!(
        (s.functions, s.converged, s.stale, s.failed),
        (5, 4, 1, 0),
        "{}",
        out.stderr
    );
    let stale_lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("stale"))
        .filter(|l| l.contains("fn-"))
        .collect();
    assert!(
        stale_lines.iter().any(|l| l.contains("fn-002")),
        "no stale line names fn-002:\n{}",
        out.stderr
    );
    assert!(
        stale_lines.iter().all(|l| l.contains("fn-002")),
        "another function reported stale:\n{}",
        out.stderr
    );
    let live = sim.get_function(FLEET_ACCOUNT, "eu-north-1", "fn-002-staging");
    assert!(
        !live["Configuration"]["Description"]
            .as_str()
            .unwrap_or_default()
            .contains("(v2)"),
        "the stale function was changed anyway: {live}"
    );
    // Still one change left.
    flo_owned(root, &sim, &plan_with(&["--detailed-exitcode"])).expect_code(2);

    // Re-planning with another environment than the plan's is refused up front.
    let out = flo(
        root,
        &sim,
        &["apply", "plan.json", "--refresh", "--env", "prod"],
    )
    .expect_code(2);
    assert!(
        out.stderr
            .contains("--env prod does not match the plan's environment (staging)"),
        "{}",
        out.stderr
    );
    // Without --env, --refresh re-plans with the plan's own environment.
    let out = flo(
        root,
        &sim,
        &["apply", "plan.json", "--refresh", "-f", "deploy.yaml"],
    )
    .expect_code(0);
    println!("apply plan.json --refresh:\n{}", out.stderr);
    assert!(
        out.stderr.contains("Re-planning"),
        "no re-plan announced:\n{}",
        out.stderr
    );
    let live = sim.get_function(FLEET_ACCOUNT, "eu-north-1", "fn-002-staging");
    assert_eq!(
        live["Configuration"]["Description"], "fleet member 2 (v2)",
        "{live}"
    );
    let out = flo_owned(root, &sim, &plan_with(&["--detailed-exitcode"])).expect_code(0);
    assert!(out.stdout.contains("5 unchanged"), "{}", out.stdout);

    // The same through a fresh plan: another outside write, then plan-and-apply.
    sim.control("POST", "outside-write", &body);
    flo(
        root,
        &sim,
        &[
            "apply",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--refresh",
            "--auto-approve",
        ],
    )
    .expect_code(0);
    flo_owned(root, &sim, &plan_with(&["--detailed-exitcode"])).expect_code(0);
}

/// `[   1.2s] key: rest` → (key, rest).
fn event(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('[')?.split_once("] ")?.1;
    rest.split_once(": ")
}

/// A step-start event: `key: StepName` (one CamelCase word).
fn step_started(line: &str) -> Option<(String, String)> {
    let (key, rest) = event(line)?;
    let word = rest.trim();
    (!word.contains(' ') && word.starts_with(|c: char| c.is_ascii_uppercase()))
        .then(|| (key.to_owned(), word.to_owned()))
}

/// A running `flotilla` whose stderr lines arrive on a channel as it prints them.
struct Streaming {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    reader: std::thread::JoinHandle<()>,
    /// Every line read so far.
    seen: Vec<String>,
}

impl Streaming {
    /// Starts `cmd` with stderr piped (stdout discarded).
    fn start(mut cmd: std::process::Command) -> Streaming {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start flotilla");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Streaming {
            child,
            lines,
            reader,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one satisfies `stop` (or the output ends, or the time limit).
    fn until(&mut self, stop: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_secs(1)) {
                Ok(line) => {
                    let done = stop(&line);
                    self.seen.push(line);
                    if done {
                        return;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                // It exited first: the caller's assertions say why.
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Sends SIGINT.
    fn interrupt(&self) {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill -INT");
        assert!(sent.success());
    }

    /// Waits for the exit (killed and failed past the time limit); returns the exit
    /// status and every line.
    fn finish(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("flotilla did not stop:\n{}", self.seen.join("\n"));
            }
            self.seen.extend(self.lines.try_iter());
            std::thread::sleep(Duration::from_millis(50));
        };
        self.reader.join().expect("reader thread");
        self.seen.extend(self.lines.try_iter());
        (status, self.seen)
    }
}

#[test]
fn sigint_finishes_in_flight_steps_starts_none_and_a_rerun_converges() {
    const N: usize = 6;
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let sim = drifted_fleet(root, N, &["--latency", "4s"]);

    let mut cmd = flotilla(root, FLEET_ACCOUNT);
    cmd.args([
        "apply",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--auto-approve",
    ])
    .args(["--endpoint-url", &sim.url]);
    let mut apply = Streaming::start(cmd);
    // Interrupt once the first updates are in flight (each takes 4 s to settle).
    apply.until(|line| step_started(line).is_some());
    std::thread::sleep(Duration::from_millis(500));
    apply.interrupt();
    let (status, lines) = apply.finish();
    let text = lines.join("\n");
    println!("interrupted apply (exit {:?}):\n{text}", status.code());
    assert_eq!(status.code(), Some(1), "{text}");

    let at = lines
        .iter()
        .position(|l| l.starts_with("Interrupted: starting no new steps"))
        .unwrap_or_else(|| panic!("no interrupt message:\n{text}"));
    let before: Vec<(String, String)> =
        lines[..at].iter().filter_map(|l| step_started(l)).collect();
    assert!(!before.is_empty(), "nothing was in flight:\n{text}");
    let after: Vec<(String, String)> = lines[at..].iter().filter_map(|l| step_started(l)).collect();
    assert!(
        after.is_empty(),
        "steps started after SIGINT: {after:?}\n{text}"
    );
    for (key, step) in &before {
        let done = format!("{key}: {step} done");
        assert!(
            lines.iter().any(|l| l.ends_with(&done)),
            "in-flight {key}: {step} did not finish:\n{text}"
        );
    }
    let s = summary(&text);
    assert!(s.cancelled > 0, "{text}");
    assert_eq!(s.failed, 0, "{text}");

    // Fast updates for the re-run; it picks up where the interrupted one stopped.
    let fast: Vec<String> = ALL_LATENCY_KINDS
        .iter()
        .map(|k| format!(r#""{k}": {{"fixed": 100}}"#))
        .collect();
    sim.control("PUT", "latency", &format!("{{{}}}", fast.join(", ")));
    let out = flo(
        root,
        &sim,
        &[
            "apply",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--auto-approve",
        ],
    )
    .expect_code(0);
    let s = summary(&out.stderr);
    assert_eq!(s.failed + s.cancelled + s.stale, 0, "{}", out.stderr);
    let out = flo_owned(root, &sim, &plan_with(&["--detailed-exitcode"])).expect_code(0);
    assert!(
        out.stdout.contains(&format!("{N} unchanged")),
        "{}",
        out.stdout
    );
}

#[test]
fn the_quickstart_converges_locally_from_the_crate_root() {
    let mut cmd = flotilla(&crate_root(), "AKIDEXAMPLE");
    cmd.args([
        "apply",
        "-f",
        "deploy.yaml.example",
        "--env",
        "staging",
        "--local",
        "--auto-approve",
    ]);
    let out = run(cmd).expect_code(0);
    println!("quickstart:\n{}", out.stderr);
    let s = summary(&out.stderr);
    assert_eq!(s.functions, 2, "{}", out.stderr);
    assert_eq!(s.converged, s.functions, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("peak overlapping updates per function: 1"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("Plan: "), "{}", out.stdout);
}

/// Issue 13 item 9: after a double interrupt the report says which in-flight steps
/// landed (re-read, not assumed), and a function with nothing to do is converged, not
/// cancelled.
#[test]
fn item_09_a_double_interrupt_reports_what_landed_and_nothing_to_do_as_converged() {
    const N: usize = 3;
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let old = root.join("v1");
    std::fs::create_dir_all(&old).expect("v1 folder");
    write_fleet(&old, N, &["eu-north-1"], "v1");
    write_fleet(root, N, &["eu-north-1"], "v2");
    // `same` is identical in both releases and waits for fn-000.
    for dir in [root, old.as_path()] {
        let code = dir.join("fns/same");
        std::fs::create_dir_all(&code).expect("same folder");
        std::fs::write(code.join("app.py"), "def handler(e, c):\n    return 0\n").expect("code");
        let manifest = dir.join("deploy.yaml");
        let mut yaml = std::fs::read_to_string(&manifest).expect("manifest");
        yaml.push_str(
            "  same:\n    name: same-${stage}\n    region: eu-north-1\n    \
             depends_on: [fn-000]\n    artifact: { dir: fns/same }\n",
        );
        std::fs::write(&manifest, yaml).expect("manifest");
    }
    let sim = Sim::start(root, &["--account", FLEET_ACCOUNT]);
    flo(
        &old,
        &sim,
        &[
            "apply",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--auto-approve",
        ],
    )
    .expect_code(0);
    let slow: Vec<String> = ALL_LATENCY_KINDS
        .iter()
        .map(|k| format!(r#""{k}": {{"fixed": 8000}}"#))
        .collect();
    sim.control("PUT", "latency", &format!("{{{}}}", slow.join(", ")));

    let report = root.join("report.json");
    let mut cmd = flotilla(root, FLEET_ACCOUNT);
    cmd.args([
        "apply",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--auto-approve",
    ])
    .args(["--endpoint-url", &sim.url, "--report"])
    .arg(&report);
    let mut apply = Streaming::start(cmd);
    apply.until(|line| line.ends_with(": UpdateFunctionCode"));
    // The call is sent at once; its update takes 8 s to settle. Interrupt twice.
    std::thread::sleep(Duration::from_millis(1500));
    for _ in 0..2 {
        apply.interrupt();
        std::thread::sleep(Duration::from_millis(300));
    }
    let (status, lines) = apply.finish();
    let text = lines.join("\n");
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(
        text.contains("Interrupted again: abandoning waits"),
        "{text}"
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written"))
            .expect("report JSON");
    let functions = report["functions"].as_array().expect("functions");
    let of = |key: &str| {
        functions
            .iter()
            .find(|f| f["key"] == key)
            .unwrap_or_else(|| panic!("{key} missing: {report}"))
    };
    assert_eq!(of("same")["outcome"]["kind"], "converged", "{report}");
    let started: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split("] ").nth(1)?.strip_suffix(": UpdateFunctionCode"))
        .collect();
    assert!(!started.is_empty(), "{text}");
    for key in started {
        let f = of(key);
        assert_eq!(f["outcome"]["kind"], "cancelled", "{report}");
        // The code landed at once (Lambda shows the new CodeSha256 while the update
        // runs), so the report says the step happened.
        assert!(
            f["steps_done"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == "UpdateFunctionCode")),
            "{key}: {f}\n{text}"
        );
        let live = sim.get_function(FLEET_ACCOUNT, "eu-north-1", &format!("{key}-staging"));
        assert!(
            live["Configuration"]["Description"]
                .as_str()
                .is_some_and(|d| d.contains("(v1)")),
            "the configuration step never ran: {live}"
        );
    }
}
