//! The lower bound on a scenario's wall time, computed from the scenario alone.
//!
//! Per account and region, no tool can finish faster than the largest of:
//! - its control-plane calls at the mutating quota,
//! - one GetFunction per wait at the GetFunction quota,
//! - the longest chain of one function's update latencies (its updates run one after
//!   another, by Lambda's rules).
//!
//! Two refinements keep it a true bound on the emulator: each quota bucket starts full
//! with one second of burst, so that many calls are free; and the emulator draws a
//! latency when an update starts, so the chain uses the shortest latency the scenario's
//! distribution can draw. At 1,000 functions the quota term dominates by far.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::scenario::{BenchFunction, Change, Scenario};
use flotilla_cloud::lambda::PackageType;
use flotilla_sim::{Latency, LatencyConfig, UpdateKind};

/// The bound of one account and region, term by term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetBound {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Control-plane calls the scenario needs (one per change).
    pub mutating_calls: u64,
    /// GetFunction calls needed at one poll per wait.
    pub get_function_calls: u64,
    /// Seconds for the mutating calls at the quota.
    pub mutating_s: f64,
    /// Seconds for the GetFunction calls at the quota.
    pub get_function_s: f64,
    /// Seconds of the longest per-function chain of update latencies.
    pub chain_s: f64,
    /// The function with that chain.
    pub chain_function: Option<String>,
}

impl TargetBound {
    /// The largest term.
    pub fn seconds(&self) -> f64 {
        self.mutating_s.max(self.get_function_s).max(self.chain_s)
    }

    /// Which term binds: `mutating`, `get_function` or `chain`.
    pub fn binding(&self) -> &'static str {
        let s = self.seconds();
        if s == self.mutating_s {
            "mutating"
        } else if s == self.get_function_s {
            "get_function"
        } else {
            "chain"
        }
    }
}

/// The bound of a whole scenario: the slowest account and region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LowerBound {
    /// Seconds.
    pub seconds: f64,
    /// Per account and region.
    pub targets: Vec<TargetBound>,
}

/// Computes the lower bound of `scenario`.
pub fn lower_bound(scenario: &Scenario) -> LowerBound {
    let mut by_target: BTreeMap<(String, String), Vec<&BenchFunction>> = BTreeMap::new();
    for f in &scenario.functions {
        by_target
            .entry((f.account.clone(), f.region.clone()))
            .or_default()
            .push(f);
    }
    let targets: Vec<TargetBound> = by_target
        .into_iter()
        .map(|((account, region), functions)| target_bound(account, region, &functions, scenario))
        .collect();
    LowerBound {
        seconds: targets.iter().map(TargetBound::seconds).fold(0.0, f64::max),
        targets,
    }
}

fn target_bound(
    account: String,
    region: String,
    functions: &[&BenchFunction],
    scenario: &Scenario,
) -> TargetBound {
    let mutating_calls: u64 = functions.iter().map(|f| f.changes.len() as u64).sum();
    let get_function_calls: u64 = functions
        .iter()
        .map(|f| f.changes.iter().filter(|c| c.is_async()).count() as u64)
        .sum();
    let (chain, chain_function) = functions
        .iter()
        .map(|f| (chain_of(f, &scenario.latency), f.name.clone()))
        .max_by_key(|(d, _)| *d)
        .map_or((Duration::ZERO, None), |(d, n)| (d, Some(n)));
    TargetBound {
        account,
        region,
        mutating_calls,
        get_function_calls,
        mutating_s: at_rate(mutating_calls, scenario.quota.control_plane),
        get_function_s: at_rate(get_function_calls, scenario.quota.get_function),
        chain_s: chain.as_secs_f64(),
        chain_function,
    }
}

/// Seconds to make `calls` calls through a token bucket that starts with one second of
/// burst; zero without a quota.
fn at_rate(calls: u64, rate: Option<f64>) -> f64 {
    match rate {
        Some(rate) if rate > 0.0 => ((calls as f64 - rate).max(0.0)) / rate,
        _ => 0.0,
    }
}

/// The shortest time `f`'s updates can take one after another.
pub fn chain_of(f: &BenchFunction, latency: &LatencyConfig) -> Duration {
    f.changes
        .iter()
        .filter_map(|c| update_kind(f, c))
        .map(|k| shortest(latency.get(k)))
        .sum()
}

/// The emulator's latency class of a change, `None` for synchronous changes.
pub fn update_kind(f: &BenchFunction, change: &Change) -> Option<UpdateKind> {
    let base = match change {
        Change::Code { .. } if f.package_type == PackageType::Image => UpdateKind::CodeImage,
        Change::Code { .. } => UpdateKind::CodeZip,
        Change::Config { .. } => UpdateKind::Configuration,
        Change::Publish | Change::Alias => return None,
    };
    Some(if f.vpc { UpdateKind::Vpc } else { base })
}

fn shortest(l: Latency) -> Duration {
    match l {
        Latency::Fixed(d) => d,
        Latency::Uniform { min, .. } => min,
    }
}

#[cfg(test)]
mod tests {
    use super::super::scenario::{Scenario, ScenarioKind};
    use super::*;

    #[test]
    fn full_scenario_is_bound_by_the_mutating_quota_at_scale() {
        let s = Scenario::generate(ScenarioKind::Full, 1000, 1);
        let lb = lower_bound(&s);
        assert_eq!(lb.targets.len(), 1);
        let t = &lb.targets[0];
        assert_eq!(t.mutating_calls, 4000);
        assert_eq!(t.get_function_calls, 2000);
        assert!((t.mutating_s - (4000.0 - 15.0) / 15.0).abs() < 1e-9);
        assert_eq!(t.binding(), "mutating");
        assert!((lb.seconds - t.mutating_s).abs() < 1e-9);
    }

    #[test]
    fn small_fleets_are_bound_by_the_slowest_function() {
        let s = Scenario::generate(ScenarioKind::Full, 20, 3);
        let lb = lower_bound(&s);
        let t = &lb.targets[0];
        assert!(t.chain_s >= 1.4, "two zip updates of at least 0.7 s each");
        assert_eq!(t.mutating_s, (80.0 - 15.0) / 15.0);
        assert!(lb.seconds >= t.chain_s);
    }

    #[test]
    fn multi_region_splits_the_quota() {
        let one = lower_bound(&Scenario::generate(ScenarioKind::Full, 1000, 1));
        let two = lower_bound(&Scenario::generate(ScenarioKind::MultiRegion, 1000, 1));
        assert_eq!(two.targets.len(), 2);
        assert!(two.seconds < one.seconds * 0.6);
    }
}
