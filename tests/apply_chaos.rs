//! Seeded chaos: hundreds of random fleets, dependency graphs, latencies, quotas and
//! injected faults, each checked for the engine's promises. `FLOTILLA_CHAOS_SEEDS=N`
//! runs N scenarios instead of 300; a failure names its seed.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crate::apply_common;

use std::collections::BTreeMap;
use std::time::Duration;

use apply_common::*;
use flotilla_cloud::lambda::{ApiOp, LambdaApi};
use flotilla_core::apply::{Outcome, apply};
use flotilla_core::model::FunctionKey;
use flotilla_sim::{FaultKind, FaultRule, Latency, LatencyConfig, QuotaConfig, Sim};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[derive(Default)]
struct Tally {
    converged: usize,
    failed: usize,
    stale: usize,
    skipped: usize,
    landed: u32,
    faults: u64,
    competing: u64,
    retries: u32,
}

fn faults(rng: &mut SmallRng) -> Vec<FaultRule> {
    let mut p = |max: f64| rng.random_range(0.0..max);
    let mutations = [
        ApiOp::CreateFunction,
        ApiOp::UpdateFunctionCode,
        ApiOp::UpdateFunctionConfiguration,
        ApiOp::PublishVersion,
        ApiOp::CreateAlias,
    ];
    let mut rules = vec![
        FaultRule::probability(p(0.1), None, None, FaultKind::ServiceError),
        FaultRule::probability(p(0.04), None, None, FaultKind::OutsideWriter),
        FaultRule::probability(p(0.04), None, None, FaultKind::CompetingRelease),
        FaultRule::probability(
            p(0.1),
            None,
            None,
            FaultKind::LatencySpike {
                delay: Duration::from_secs(3),
            },
        ),
    ];
    for op in mutations {
        rules.push(FaultRule::probability(
            p(0.08),
            Some(op),
            None,
            FaultKind::DropConnection { applied: true },
        ));
        rules.push(FaultRule::probability(
            p(0.05),
            Some(op),
            None,
            FaultKind::DropConnection { applied: false },
        ));
    }
    for op in [
        ApiOp::UpdateFunctionCode,
        ApiOp::UpdateFunctionConfiguration,
    ] {
        rules.push(FaultRule::probability(
            p(0.03),
            Some(op),
            None,
            FaultKind::FailUpdate {
                reason: Some("injected failure".into()),
                reason_code: None,
            },
        ));
    }
    rules
}

async fn scenario(seed: u64, tally: &mut Tally) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let sim: Sim = new_sim(seed);
    let n = rng.random_range(3..=8);
    let names: Vec<String> = (0..n).map(name).collect();
    let existing: Vec<String> = names
        .iter()
        .filter(|_| rng.random_bool(0.8))
        .cloned()
        .collect();
    seed_fleet(&sim, &existing);
    let lo = rng.random_range(100..1500);
    sim.set_latency(LatencyConfig::uniform(Latency::Uniform {
        min: Duration::from_millis(lo),
        max: Duration::from_millis(lo + rng.random_range(0..4000)),
    }));
    let mut fps: Vec<_> = names.iter().map(|n| function_plan(&sim, n)).collect();
    for (i, fp) in fps.iter_mut().enumerate().skip(1) {
        if rng.random_bool(0.35) {
            let j = rng.random_range(0..i);
            fp.depends_on.push(FunctionKey(names[j].clone()));
        }
    }
    let plan = plan(fps);
    if rng.random_bool(0.3) {
        sim.set_quotas(QuotaConfig {
            get_function: Some(rng.random_range(5.0..100.0)),
            control_plane: Some(rng.random_range(1.0..15.0)),
        });
    }
    sim.set_faults(faults(&mut rng));
    let (mut ctx, repeats) = context(&sim, seed);
    ctx.parallelism = rng.random_range(1..=8);

    let report = apply(&plan, ctx).await;

    let counters = sim.counters();
    let repeats = repeats.lock().unwrap().clone();
    assert!(
        repeats.is_empty(),
        "seed {seed}: steps repeated after landing: {repeats:?}"
    );
    tally.faults += counters.faults.values().sum::<u64>();
    tally.competing += counters
        .faults
        .get("competing_release")
        .copied()
        .unwrap_or(0);
    quiet(&sim);
    // Let every update finish, a competing release's configuration included.
    tokio::time::sleep(Duration::from_secs(60)).await;
    for name in &names {
        assert_one_release(&sim, name, seed);
    }
    let outcome: BTreeMap<&str, &Outcome> = report
        .functions
        .iter()
        .map(|f| (f.key.0.as_str(), &f.outcome))
        .collect();
    for (f, fp) in report.functions.iter().zip(&plan.functions) {
        let c = counters.function(&f.name);
        if c.outside_writes == 0 {
            assert!(c.peak_overlap <= 1, "seed {seed}: {} overlapped", f.name);
            assert_eq!(
                c.conflicts, 0,
                "seed {seed}: {} got a 409 flotilla caused",
                f.name
            );
        }
        let deps_ok = fp
            .depends_on
            .iter()
            .all(|d| outcome[d.0.as_str()] == &Outcome::Converged);
        tally.landed += f.landed_after_unknown;
        tally.retries += f.retry_count();
        match &f.outcome {
            Outcome::Converged => {
                assert!(
                    deps_ok,
                    "seed {seed}: {} ran before its dependencies",
                    f.key
                );
                if c.outside_writes == 0 {
                    assert_converged(&sim, &f.name, f.published_version.as_deref()).await;
                } else {
                    // Another writer may have struck after Flotilla finished; what
                    // Flotilla published is still entirely its release.
                    assert_published_is_ours(&sim, &f.name, f.published_version.as_deref(), seed)
                        .await;
                }
                tally.converged += 1;
            }
            Outcome::Failed { cause } => {
                assert!(
                    !cause.to_string().trim().is_empty(),
                    "seed {seed}: {} failed without cause",
                    f.key
                );
                assert!(
                    deps_ok,
                    "seed {seed}: {} ran before its dependencies",
                    f.key
                );
                tally.failed += 1;
            }
            Outcome::Stale { message, .. } => {
                assert!(!message.is_empty(), "seed {seed}");
                tally.stale += 1;
            }
            Outcome::Skipped { because } => {
                assert!(!deps_ok, "seed {seed}: {} skipped: {because}", f.key);
                assert_eq!(
                    c.calls.len(),
                    0,
                    "seed {seed}: skipped {} was touched",
                    f.key
                );
                tally.skipped += 1;
            }
            Outcome::Cancelled => panic!("seed {seed}: nothing cancelled this run"),
        }
        if !deps_ok {
            assert!(
                matches!(f.outcome, Outcome::Skipped { .. }),
                "seed {seed}: dependent {} of a failure was not skipped",
                f.key
            );
        }
    }
}

/// Which deploy a function's code and configuration come from.
#[derive(Debug, PartialEq, Eq)]
enum Release {
    Seeded,
    Flotilla,
    Competing,
    Other,
}

/// No function is Flotilla's code with the competing release's configuration, or the
/// other way round.
fn assert_one_release(sim: &Sim, name: &str, seed: u64) {
    let Some(live) = sim.function_info(ACCOUNT, REGION, name) else {
        return;
    };
    let code = if live.code_sha256 == sha(&new_code(name)) {
        Release::Flotilla
    } else if live.code_sha256 == flotilla_sim::outside_code_sha256(name) {
        Release::Competing
    } else {
        Release::Seeded
    };
    let competing_env: BTreeMap<String, String> = flotilla_sim::COMPETING_ENV
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let env = &live.config.environment;
    let config = if live.config.memory_mb == 256 && *env == resolved_env() {
        Release::Flotilla
    } else if live.config.memory_mb == flotilla_sim::COMPETING_MEMORY_MB && *env == competing_env {
        Release::Competing
    } else if env.get("STAGE").map(String::as_str) == Some("old") {
        Release::Seeded
    } else {
        Release::Other
    };
    let mixed = matches!(
        (&code, &config),
        (Release::Flotilla, Release::Competing | Release::Other)
            | (Release::Competing, Release::Flotilla | Release::Other)
    );
    assert!(
        !mixed,
        "seed {seed}: {name} has code of {code:?} and configuration of {config:?}: {live:?}"
    );
}

/// The alias is on the version this run published, and that version has this run's code.
async fn assert_published_is_ours(sim: &Sim, name: &str, published: Option<&str>, seed: u64) {
    let client = sim.client(ACCOUNT, REGION);
    let version = published.unwrap_or_else(|| panic!("seed {seed}: {name} published"));
    let versions = client.list_versions(name).await.unwrap();
    let v = versions
        .iter()
        .find(|v| v.version == version)
        .unwrap_or_else(|| panic!("seed {seed}: {name} version {version} exists"));
    assert_eq!(
        v.code_sha256,
        sha(&new_code(name)),
        "seed {seed}: {name} version code"
    );
}

fn quiet(sim: &Sim) {
    sim.set_faults(Vec::new());
    sim.set_quotas(QuotaConfig::off());
}

#[tokio::test(start_paused = true)]
async fn chaos_scenarios_keep_every_promise() {
    let seeds: u64 = std::env::var("FLOTILLA_CHAOS_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut tally = Tally::default();
    for seed in 0..seeds {
        scenario(seed, &mut tally).await;
    }
    eprintln!(
        "{seeds} scenarios: {} converged, {} failed, {} stale, {} skipped; {} faults fired ({} competing releases), {} retries, {} lost-but-landed mutations not repeated",
        tally.converged,
        tally.failed,
        tally.stale,
        tally.skipped,
        tally.faults,
        tally.competing,
        tally.retries,
        tally.landed
    );
    // The scenarios really exercised the paths they claim to.
    assert!(tally.converged > 0 && tally.faults > 0 && tally.retries > 0);
    assert!(tally.landed > 0, "some lost responses had landed");
    assert!(tally.competing > 0, "competing releases struck");
    assert!(
        tally.failed > 0 && tally.skipped > 0,
        "failures and skipped dependents occurred"
    );
}
