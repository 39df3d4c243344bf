//! Property tests of issue 16, in process on the code paths the binary uses:
//!
//! - a seeded manifest mutator (2,000 cases): `Source::read` and `check`, then every
//!   rendering `validate` prints. No panic, an exit code of 1 or 2 for every error, and
//!   a location (line and column within the file) on every problem;
//! - a seeded plan-file mutator (200 cases): `PlanFile::from_json` (what `PlanFile::read`
//!   runs) and `verify_artifacts`, then, only for a plan both accept, `apply` against the
//!   emulator. No panic, and a refused plan made no call at all.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use flotilla_core::apply::{ApplyContext, NoEvents, apply};
use flotilla_core::deploy::{ClientSet, LocalCode, make_plan, verify_artifacts};
use flotilla_core::model::{LoadOptions, Source};
use flotilla_core::plan::PlanFile;
use flotilla_sim::{Sim, SimConfig};

use crate::e2e_support::write_fleet;

const MANIFEST_CASES: usize = 2_000;
const PLAN_CASES: usize = 200;

/// Pieces a mutation splices in: YAML syntax, line ends, interpolation, non-ASCII,
/// and the numbers and sizes the fuzzer found trouble with.
const TOKENS: &[&str] = &[
    ":",
    "{",
    "}",
    "[",
    "]",
    "- ",
    "\n",
    "\r",
    "\r\n",
    " ",
    "  ",
    "\t",
    "#",
    "'",
    "\"",
    "&a ",
    "*a",
    "!!str ",
    "${stage}",
    "${env:X}",
    "${var:",
    "é",
    "ø: 1",
    "1e-300",
    "-1",
    "0",
    "4294967296",
    "65536",
    "nan",
    ".inf",
    "~",
    "null",
    "true",
    "\"\"",
    "sensitive: true",
    "memory: 127",
    "timeout: 901",
    "region: ",
    "runtime: \"\"",
    "limits: {mutating_per_second: 1e-300}\n",
];

fn base_manifests(dir: &Path) -> Vec<String> {
    write_fleet(dir, 3, &["eu-north-1", "eu-west-1"], "v1");
    let fleet = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    let small =
        "version: 1\nfunctions:\n  api:\n    runtime: python3.12\n    handler: app.handler\n    \
                 role: arn:aws:iam::111111111111:role/x\n    region: eu-north-1\n    \
                 environment:\n      TOKEN: { value: hunter2, sensitive: true }\n    \
                 artifact: { dir: fns/fn-000 }\n"
            .to_owned();
    vec![fleet, small]
}

fn mutate_text(rng: &mut SmallRng, text: &str) -> String {
    let mut s = text.to_owned();
    for _ in 0..rng.random_range(1..=4) {
        let at = floor(&s, rng.random_range(0..=s.len()));
        match rng.random_range(0..5) {
            0 => {
                let end = floor(&s, (at + rng.random_range(0..40)).min(s.len()));
                s.replace_range(at..end, "");
            }
            1 | 2 => s.insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]),
            3 => {
                let long = "x".repeat(rng.random_range(1..70_000));
                s.insert_str(at, &long);
            }
            _ => {
                let lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let line = lines[rng.random_range(0..lines.len())].to_owned();
                    s.insert_str(at, &format!("{line}\n"));
                }
            }
        }
    }
    s
}

fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// What `validate` does with one manifest, minus the printing.
fn validate_case(path: &Path, text: &str) {
    let checked = match Source::read(path) {
        Err(e) => vec![Err(e)],
        Ok(source) => {
            let envs = source.environments();
            let envs: Vec<Option<String>> = if envs.is_empty() {
                vec![None]
            } else {
                envs.into_iter().map(Some).collect()
            };
            envs.iter()
                .map(|env| {
                    let mut opts = LoadOptions::with_vars(env.as_deref(), BTreeMap::new());
                    opts.lenient_from_env = true;
                    source.check(&opts)
                })
                .collect()
        }
    };
    let lines = text.split(['\n', '\r']).count() + 1;
    for result in checked {
        let Err(e) = result else { continue };
        assert!(
            matches!(e.exit_code(), 1 | 2),
            "exit code {}",
            e.exit_code()
        );
        assert!(!e.problems().is_empty(), "an error with no problem");
        for p in e.problems() {
            assert!(
                p.line() >= 1 && p.column() >= 1 && p.line() <= lines,
                "no location in the file: {}:{} for {:?} ({lines} lines)",
                p.line(),
                p.column(),
                p.message
            );
        }
        let rendered = e.render_text(false);
        // Broken YAML leaves no raw manifest to find the secret's node in; the
        // line-based fallback covers the flow form on one line only.
        let yaml_error = e
            .problems()
            .iter()
            .any(|p| p.message.starts_with("invalid YAML"));
        // Only while the value is still declared secret (a mutation may unmark it).
        let still_secret = text.contains("TOKEN: { value: hunter2, sensitive: true }");
        assert!(
            yaml_error || !still_secret || !rendered.contains("hunter2"),
            "a secret in a snippet:\n{rendered}"
        );
        let _ = e.render_github();
        let _ = serde_json::to_string(&e.records()).unwrap();
    }
}

#[test]
fn mutated_manifests_never_panic_and_every_problem_has_a_location() {
    let tmp = tempfile::tempdir().unwrap();
    let bases = base_manifests(tmp.path());
    let path = tmp.path().join("mutated.yaml");
    let mut rng = SmallRng::seed_from_u64(16);
    for case in 0..MANIFEST_CASES {
        let base = &bases[case % bases.len()];
        let text = mutate_text(&mut rng, base);
        std::fs::write(&path, &text).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| validate_case(&path, &text)));
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            let kept = tmp.path().join(format!("case-{case}.yaml"));
            std::fs::write(&kept, &text).unwrap();
            panic!(
                "case {case} (seed 16): {message}\n--- manifest (first 2,000 bytes)\n{}",
                &text[..floor(&text, text.len().min(2_000))]
            );
        }
    }
}

/// A JSON value the plan mutator puts in place of another.
fn random_value(rng: &mut SmallRng) -> serde_json::Value {
    use serde_json::json;
    match rng.random_range(0..12) {
        0 => json!(null),
        1 => json!(-1),
        2 => json!(127),
        3 => json!(1e-300),
        4 => json!(4_294_967_296_u64),
        5 => json!(""),
        6 => json!("../../etc/passwd"),
        7 => json!("x".repeat(70_000)),
        8 => json!(true),
        9 => json!({ "step": "publish_version" }),
        10 => json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        _ => json!([]),
    }
}

/// Changes one node of `plan` (a leaf value, a removed key, a duplicated or moved step).
fn mutate_plan(rng: &mut SmallRng, plan: &mut serde_json::Value) {
    let f = rng.random_range(0..3);
    let function = &mut plan["functions"][f];
    match rng.random_range(0..4) {
        0 => {
            if let Some(steps) = function["steps"].as_array_mut()
                && !steps.is_empty()
            {
                let i = rng.random_range(0..steps.len());
                let step = steps[i].clone();
                let j = rng.random_range(0..=steps.len());
                steps.insert(j, step);
            }
        }
        1 => {
            if let Some(steps) = function["steps"].as_array_mut()
                && steps.len() > 1
            {
                let i = rng.random_range(0..steps.len());
                let step = steps.remove(i);
                steps.insert(0, step);
            }
        }
        _ => {
            // A random leaf or object member, anywhere in the plan.
            let mut pointer = String::new();
            let mut node = &*plan;
            for _ in 0..rng.random_range(1..6) {
                let next = match node {
                    serde_json::Value::Object(m) if !m.is_empty() => {
                        let k = m.keys().nth(rng.random_range(0..m.len())).unwrap();
                        pointer.push('/');
                        pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                        &m[k]
                    }
                    serde_json::Value::Array(a) if !a.is_empty() => {
                        let i = rng.random_range(0..a.len());
                        pointer.push_str(&format!("/{i}"));
                        &a[i]
                    }
                    _ => break,
                };
                node = next;
            }
            let value = random_value(rng);
            if let Some(slot) = plan.pointer_mut(&pointer) {
                *slot = value;
            }
        }
    }
}

fn mutating_calls(sim: &Sim) -> u64 {
    sim.counters()
        .calls
        .iter()
        .filter(|(op, _)| !op.is_get_function() && !format!("{op:?}").starts_with("List"))
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test(start_paused = true)]
async fn mutated_plans_never_panic_and_a_refused_plan_makes_no_call() {
    let tmp = tempfile::tempdir().unwrap();
    write_fleet(tmp.path(), 3, &["eu-north-1"], "v1");
    let manifest = tmp.path().join("deploy.yaml");
    let model = flotilla_core::model::load(
        &manifest,
        &LoadOptions::with_vars(Some("staging"), BTreeMap::new()),
    )
    .unwrap();
    let planning = Sim::new(SimConfig::default());
    let plan = make_plan(&model, &ClientSet::new(Arc::new(planning)))
        .await
        .unwrap();
    let original = serde_json::to_value(&plan).unwrap();
    let mut rng = SmallRng::seed_from_u64(1616);
    let (mut refused, mut applied) = (0, 0);
    for case in 0..PLAN_CASES {
        let mut value = original.clone();
        mutate_plan(&mut rng, &mut value);
        let text = serde_json::to_string(&value).unwrap();
        let checked = catch_unwind(AssertUnwindSafe(|| {
            let plan = PlanFile::from_json(&text).map_err(|e| e.to_string())?;
            let changed = verify_artifacts(tmp.path(), &plan);
            if changed.is_empty() {
                Ok(plan)
            } else {
                Err(changed.join("; "))
            }
        }));
        let Ok(checked) = checked else {
            panic!("case {case}: the plan check panicked on\n{text:.2000}");
        };
        let sim = Sim::new(SimConfig::default());
        match checked {
            Err(_) => {
                refused += 1;
                // The binary runs these checks before it connects; nothing was called.
                assert_eq!(
                    mutating_calls(&sim),
                    0,
                    "case {case}: a call before the refusal"
                );
            }
            Ok(plan) => {
                applied += 1;
                let clients = Arc::new(ClientSet::new(Arc::new(sim.clone())));
                let mut ctx =
                    ApplyContext::new(clients, Arc::new(LocalCode::new(tmp.path().to_owned())));
                ctx.events = Arc::new(NoEvents);
                let report = apply(&plan, ctx).await;
                assert_eq!(report.functions.len(), plan.functions.len(), "case {case}");
            }
        }
    }
    assert!(
        refused > PLAN_CASES / 4,
        "the mutator should mostly tamper: {refused} refused, {applied} applied"
    );
}
