//! Competing releases: two `flotilla apply` processes deploying different releases of
//! the same functions at the same moment, and outside writers that change only code or
//! only configuration between Flotilla's two updates, against `flotilla sim` over HTTP.
//! Afterwards every function must be entirely one release (code and configuration from
//! the same manifest), a process may exit 0 only if every function it reports converged
//! is entirely its release, and a non-zero exit names the functions it could not finish.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::e2e_support::*;

const FUNCTIONS: usize = 12;
const REGION: &str = "eu-north-1";

/// One release of the fleet: what its manifest sets and its code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Release {
    build: &'static str,
    memory: u64,
}

const A: Release = Release {
    build: "v2",
    memory: 256,
};
const B: Release = Release {
    build: "v3",
    memory: 512,
};

/// Writes `deploy.yaml` for the release in `dir`: code, memory, `BUILD` and the
/// description all carry the release, and every function publishes to alias `live`.
fn write_release(dir: &Path, r: Release) {
    let mut yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n  memory: {}\n  timeout: 30s\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n  publish: true\n  alias: live\n\
         \x20 retry: {{ max_attempts: 12, backoff: {{ initial: 100ms, max: 2s }} }}\n\
         \x20 wait: {{ timeout: 2m }}\n\
         environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n",
        r.memory
    );
    for i in 0..FUNCTIONS {
        let key = format!("fn-{i:02}");
        let code = dir.join("fns").join(&key);
        std::fs::create_dir_all(&code).unwrap();
        std::fs::write(
            code.join("app.py"),
            format!(
                "def handler(event, context):\n    return {{'fn': {i}, 'build': {:?}}}\n",
                r.build
            ),
        )
        .unwrap();
        yaml.push_str(&format!(
            "  {key}:\n    name: {key}-${{stage}}\n    region: {REGION}\n    \
             description: release {}\n    \
             environment: {{ BUILD: \"{}\" }}\n    artifact: {{ dir: fns/{key} }}\n",
            r.build, r.build
        ));
    }
    std::fs::write(dir.join("deploy.yaml"), yaml).unwrap();
}

/// A release's folder, manifest and the `CodeSha256` of each function's package.
struct Side {
    release: Release,
    dir: PathBuf,
    sha: BTreeMap<String, String>,
}

fn side(root: &Path, name: &str, release: Release, sim: &Sim) -> Side {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    write_release(&dir, release);
    // The plan carries every artifact's digest: the code this release deploys.
    let mut plan = flotilla(&dir, FLEET_ACCOUNT);
    plan.args([
        "plan",
        "--env",
        "staging",
        "--endpoint-url",
        &sim.url,
        "-o",
        "plan.json",
    ]);
    run(plan).expect_code(0);
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let sha = plan["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["artifact"]["code_sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    Side { release, dir, sha }
}

/// Which release a function's code and its configuration each belong to.
fn releases_of(sides: &[&Side], name: &str, config: &serde_json::Value) -> (String, String) {
    let code = config["CodeSha256"].as_str().unwrap_or_default();
    let code_rel = sides
        .iter()
        .find(|s| s.sha.get(name).map(String::as_str) == Some(code))
        .map_or_else(
            || format!("other code {code}"),
            |s| s.release.build.to_owned(),
        );
    let memory = config["MemorySize"].as_u64().unwrap_or_default();
    let build = config["Environment"]["Variables"]["BUILD"]
        .as_str()
        .unwrap_or_default();
    let description = config["Description"].as_str().unwrap_or_default();
    let config_rel = sides
        .iter()
        .find(|s| {
            s.release.memory == memory
                && s.release.build == build
                && description == format!("release {}", s.release.build)
        })
        .map_or_else(
            || format!("other configuration (memory {memory}, BUILD {build:?}, {description:?})"),
            |s| s.release.build.to_owned(),
        );
    (code_rel, config_rel)
}

fn names() -> Vec<String> {
    (0..FUNCTIONS)
        .map(|i| format!("fn-{i:02}-staging"))
        .collect()
}

/// `GetFunction` of `name` (with `Qualifier` when given) over HTTP.
fn read(sim: &Sim, name: &str, qualifier: Option<&str>) -> serde_json::Value {
    let reference = match qualifier {
        Some(q) => format!("{name}:{q}"),
        None => name.to_owned(),
    };
    sim.get_function(FLEET_ACCOUNT, REGION, &reference)["Configuration"].clone()
}

/// Waits until no function has an update in progress (a stopped writer may leave one).
fn settle(sim: &Sim) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let busy = names().iter().any(|n| {
            let c = read(sim, n, None);
            c["LastUpdateStatus"] == "InProgress" || c["State"] == "Pending"
        });
        if !busy {
            return;
        }
        assert!(Instant::now() < deadline, "functions never settled");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The apply a CI job runs: one go (plan and apply), report written.
fn apply_cmd(side: &Side, sim: &Sim) -> std::process::Command {
    let mut cmd = flotilla(&side.dir, FLEET_ACCOUNT);
    cmd.args([
        "apply",
        "--env",
        "staging",
        "--endpoint-url",
        &sim.url,
        "--auto-approve",
        "--report",
        "report.json",
    ]);
    cmd
}

/// Checks what a finished process may claim: exit 0 only when every function converged
/// with a published version that is entirely its release; otherwise every function it
/// did not converge is named on stderr. Returns whether it reported a shared quota.
fn check_claims(sim: &Sim, side: &Side, code: Option<i32>, stderr: &str, seed: u64) -> bool {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(side.dir.join("report.json")).unwrap())
            .unwrap_or_else(|e| panic!("seed {seed}: report.json: {e}\n{stderr}"));
    // Throttled calls mean the account's quota was shared: the report says so.
    let throttled = report["totals"]["retries"]["throttled"]
        .as_u64()
        .unwrap_or_default();
    let shared = report["shared_quota"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if throttled > 0 {
        assert!(
            !shared.is_empty() && stderr.contains("quota shared in"),
            "seed {seed}: {throttled} throttled retries but no shared quota reported\n{stderr}"
        );
    }
    let functions = report["functions"].as_array().unwrap();
    let mut unfinished = Vec::new();
    for f in functions {
        let name = f["name"].as_str().unwrap();
        if f["outcome"]["kind"] == "converged" {
            // A converged function's published version is what this run deployed;
            // versions are immutable, so it must be entirely this release.
            let version = f["published_version"]
                .as_str()
                .unwrap_or_else(|| panic!("seed {seed}: {name} converged without a version"));
            let (code_rel, config_rel) =
                releases_of(&[side], name, &read(sim, name, Some(version)));
            assert!(
                code_rel == side.release.build && config_rel == side.release.build,
                "seed {seed}: {} reported {name} converged, but its version {version} has code of {code_rel} and configuration of {config_rel}",
                side.release.build
            );
        } else {
            unfinished.push(f["key"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        functions.len(),
        FUNCTIONS,
        "seed {seed}: every function reported"
    );
    if code == Some(0) {
        assert!(
            unfinished.is_empty(),
            "seed {seed}: {} exited 0 with unfinished functions {unfinished:?}",
            side.release.build
        );
    } else {
        assert_eq!(code, Some(1), "seed {seed}: exit code\n{stderr}");
        assert!(
            !unfinished.is_empty(),
            "seed {seed}: exit 1 with every function converged\n{stderr}"
        );
        // The summary table names each function by its key, with its outcome.
        for key in &unfinished {
            assert!(
                stderr
                    .lines()
                    .any(|l| l.starts_with(&format!("{key} ")) && !l.contains("converged")),
                "seed {seed}: {} exited 1 without naming {key}\n{stderr}",
                side.release.build
            );
        }
    }
    !shared.is_empty()
}

/// No function is half one release and half another.
fn check_no_mix(sim: &Sim, sides: &[&Side], seed: u64) {
    settle(sim);
    for name in names() {
        let (code_rel, config_rel) = releases_of(sides, &name, &read(sim, &name, None));
        assert_eq!(
            code_rel, config_rel,
            "seed {seed}: {name} has code of {code_rel} and configuration of {config_rel}"
        );
    }
}

#[test]
fn two_pipelines_with_different_releases_never_leave_a_mix() {
    let seeds: u64 = std::env::var("FLOTILLA_RACE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let mut exits = BTreeMap::<(Option<i32>, Option<i32>), u32>::new();
    let mut shared_races = 0;
    // Races run four at a time (each with its own emulator): they mostly wait.
    let all: Vec<u64> = (1..=seeds).collect();
    let results: Vec<RaceResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = all
            .chunks(all.len().div_ceil(4).max(1))
            .map(|chunk| scope.spawn(move || chunk.iter().map(|&s| race(s)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (codes, shared) in results {
        *exits.entry(codes).or_default() += 1;
        if shared {
            shared_races += 1;
        }
    }
    eprintln!(
        "exit codes (A, B) over {seeds} races: {exits:?}; {shared_races} races reported a shared quota"
    );
    // Two processes at 15 calls/s each on a 15/s quota: they must have met the limit.
    assert!(shared_races > 0, "no race shared the quota");
}

/// Waits for a spawned `flotilla`, killing it (and failing) past [`COMMAND_TIMEOUT`].
fn wait_limited(mut child: std::process::Child, seed: u64) -> std::process::Output {
    let pid = child.id();
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let (tx, rx) = std::sync::mpsc::channel();
    let out = child.stdout.take();
    let err = child.stderr.take();
    let drain = |stream: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut s) = stream {
                let _ = std::io::Read::read_to_end(&mut s, &mut buf);
            }
            buf
        })
    };
    let (out, err) = (
        drain(out.map(|s| Box::new(s) as Box<dyn std::io::Read + Send>)),
        drain(err.map(|s| Box::new(s) as Box<dyn std::io::Read + Send>)),
    );
    std::thread::spawn(move || {
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let _ = tx.send(status);
    });
    let status = rx.recv().unwrap();
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    let status = status.unwrap_or_else(|| {
        panic!(
            "seed {seed}: flotilla (pid {pid}) ran past {COMMAND_TIMEOUT:?}\n{}",
            String::from_utf8_lossy(&stderr)
        )
    });
    std::process::Output {
        status,
        stdout,
        stderr,
    }
}

/// Both exit codes (A, B) and whether either reported a shared quota.
type RaceResult = ((Option<i32>, Option<i32>), bool);

/// One race: the fleet in neither release, then A and B applied at the same moment.
/// Returns both exit codes and whether either reported a shared quota.
fn race(seed: u64) -> RaceResult {
    let root = tempfile::tempdir().unwrap();
    let a_dir = root.path().join("a");
    std::fs::create_dir_all(&a_dir).unwrap();
    write_release(&a_dir, A);
    // The fleet exists (in a state of neither release; one function left to create).
    let seed_arg = seed.to_string();
    let sim = Sim::start(
        root.path(),
        &[
            "--seed",
            &seed_arg,
            "--latency",
            "50ms..400ms",
            "--seed-from",
            "a/deploy.yaml",
            "--env",
            "staging",
        ],
    );
    let a = side(root.path(), "a", A, &sim);
    let b = side(root.path(), "b", B, &sim);
    let spawn = |s: &Side| {
        apply_cmd(s, &sim)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (pa, pb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (wait_limited(pa, seed), wait_limited(pb, seed));
    let (ea, eb) = (
        String::from_utf8_lossy(&oa.stderr).into_owned(),
        String::from_utf8_lossy(&ob.stderr).into_owned(),
    );
    if std::env::var_os("FLOTILLA_RACE_DEBUG").is_some() {
        eprintln!("--- A\n{ea}\n--- B\n{eb}");
    }
    let shared_a = check_claims(&sim, &a, oa.status.code(), &ea, seed);
    let shared_b = check_claims(&sim, &b, ob.status.code(), &eb, seed);
    check_no_mix(&sim, &[&a, &b], seed);
    ((oa.status.code(), ob.status.code()), shared_a || shared_b)
}

/// One apply of release A while an outside writer strikes function `fn-00` just before
/// Flotilla's UpdateFunctionConfiguration (between its two updates).
fn outside_writer_between_updates(kind: &str) {
    let root = tempfile::tempdir().unwrap();
    let a_dir = root.path().join("a");
    std::fs::create_dir_all(&a_dir).unwrap();
    write_release(&a_dir, A);
    let sim = Sim::start(
        root.path(),
        &[
            "--latency",
            "100ms..200ms",
            "--seed-from",
            "a/deploy.yaml",
            "--env",
            "staging",
        ],
    );
    let a = side(root.path(), "a", A, &sim);
    // Every function gets new code and configuration from release A.
    let rule = format!(
        r#"[{{"op": "UpdateFunctionConfiguration", "function": "fn-00-staging", "kind": {{"type": "{kind}"}}, "trigger": {{"next": 1}}}}]"#
    );
    // One go: the contended function is re-observed and re-planned, and converges.
    sim.control("PUT", "faults", &rule);
    let one_go = run(apply_cmd(&a, &sim));
    assert_eq!(
        one_go.code,
        Some(0),
        "{kind}: one-go apply\n{}",
        one_go.all()
    );
    assert!(
        one_go.stderr.contains("Re-planning 1 function(s)") && one_go.stderr.contains("fn-00"),
        "{kind}: the contended function was re-planned\n{}",
        one_go.stderr
    );
    assert_eq!(
        sim.counters()["faults"][kind],
        1,
        "{kind}: the writer struck"
    );
    let _ = check_claims(&sim, &a, one_go.code, &one_go.stderr, 0);
    check_no_mix(&sim, &[&a], 0);

    // A saved plan stays strict: the function is stopped as stale with both
    // revisions named, and the others converge.
    let b = side(root.path(), "b", B, &sim);
    sim.control("PUT", "faults", &rule);
    let mut saved = flotilla(&b.dir, FLEET_ACCOUNT);
    saved.args([
        "apply",
        "plan.json",
        "--endpoint-url",
        &sim.url,
        "--report",
        "report.json",
    ]);
    let saved = run(saved);
    assert_eq!(saved.code, Some(1), "{kind}: saved plan\n{}", saved.all());
    let _ = check_claims(&sim, &b, saved.code, &saved.stderr, 0);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(b.dir.join("report.json")).unwrap()).unwrap();
    let stale = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "fn-00-staging")
        .unwrap();
    let outcome = &stale["outcome"];
    assert_eq!(outcome["kind"], "stale", "{kind}: {outcome}");
    let message = outcome["message"].as_str().unwrap();
    let live = outcome["live_revision_id"].as_str().unwrap();
    assert!(
        message.contains("contended") && message.contains(live),
        "{kind}: message names the contention and the live revision: {message}"
    );
    // The two revisions named are the one Flotilla expected and the one that moved.
    let own = message
        .split("Flotilla's own last RevisionId ")
        .nth(1)
        .and_then(|rest| rest.split([')', ';']).next())
        .unwrap_or_else(|| panic!("{kind}: message names Flotilla's own revision: {message}"));
    assert_ne!(
        own, live,
        "{kind}: the same revision named twice: {message}"
    );
}

#[test]
fn outside_writer_changing_only_code_between_updates_is_caught() {
    outside_writer_between_updates("outside_code_writer");
}

#[test]
fn outside_writer_changing_only_configuration_between_updates_is_caught() {
    outside_writer_between_updates("outside_writer");
}
