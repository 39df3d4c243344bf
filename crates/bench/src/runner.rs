//! Runs one tool over one scenario on a fresh emulator under a paused tokio clock, and
//! checks afterwards, from the emulator's state, which functions did not converge.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use super::peers::{Clients, PeerPolicy, ToolOutcome, run_peer};
use super::scenario::{ACCOUNT, ALIAS, Change, REGION_A, Scenario};
use flotilla_cloud::lambda::{FunctionInfo, LambdaApi};
use flotilla_sim::{Counters, QuotaConfig, SeedSpec, Sim};

/// The function a noisy neighbour reads in chaos runs; left out of the figures.
pub const NEIGHBOUR_FUNCTION: &str = "neighbour-monitor";

/// A tool that deploys a scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Tool {
    /// Flotilla's apply engine, with the functions in flight when not its default.
    Flotilla {
        /// Overrides `apply`'s default parallelism.
        parallelism: Option<usize>,
    },
    /// A model of another tool.
    Peer(PeerPolicy),
}

impl Tool {
    /// Name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Tool::Flotilla { .. } => "flotilla",
            Tool::Peer(p) => p.name,
        }
    }
}

/// Everything measured in one run.
#[derive(Debug, Clone)]
pub struct ToolRun {
    /// The tool's name.
    pub tool: &'static str,
    /// Simulated wall time from the first call to the last.
    pub wall: Duration,
    /// The emulator's counters when the tool finished (the neighbour's calls removed).
    pub counters: Counters,
    /// What the tool itself reported.
    pub outcome: ToolOutcome,
    /// Changed functions whose final state is not the desired one, or that the tool
    /// reported as failed.
    pub failed: BTreeSet<String>,
}

/// Runs `tool` over `scenario` on its own paused single-thread runtime.
pub fn run_tool(scenario: &Scenario, tool: &Tool) -> std::io::Result<ToolRun> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()?;
    Ok(rt.block_on(run_tool_async(scenario, tool)))
}

async fn run_tool_async(scenario: &Scenario, tool: &Tool) -> ToolRun {
    let sim = Sim::new(scenario.sim_config());
    let mut seeded = BTreeMap::new();
    for f in &scenario.functions {
        // The scenario's own names and settings are valid, so seeding cannot fail;
        // a function that did not seed shows up as not converged.
        let seed = f.seed_spec().into_seed(&f.account);
        if let Ok(info) = sim.seed_function(&f.account, &f.region, seed) {
            seeded.insert(f.name.clone(), info);
        }
    }
    let clients: Clients = scenario
        .targets()
        .into_iter()
        .map(|(account, region)| {
            let client: Arc<dyn LambdaApi> = Arc::new(sim.client(&account, &region));
            ((account, region), client)
        })
        .collect();
    let neighbour = start_neighbour(&sim, scenario.neighbour_rate);
    sim.set_faults(scenario.faults.clone());

    let start = tokio::time::Instant::now();
    let outcome = match tool {
        Tool::Flotilla { parallelism } => {
            super::flotilla::run(scenario, &clients, &seeded, *parallelism).await
        }
        Tool::Peer(policy) => run_peer(policy, &scenario.functions, &clients).await,
    };
    let wall = start.elapsed();
    if let Some(handle) = neighbour {
        handle.abort();
    }
    let mut counters = sim.counters();
    // The check below reads through the API; it must not be throttled or faulted.
    sim.set_faults(Vec::new());
    sim.set_quotas(QuotaConfig::off());
    remove_function(&mut counters, NEIGHBOUR_FUNCTION);

    let failed = not_converged(scenario, &sim, &clients, &seeded, &outcome).await;
    ToolRun {
        tool: tool.name(),
        wall,
        counters,
        outcome,
        failed,
    }
}

/// Another team's monitoring in the same account and region, spending `rate` calls per
/// second of the shared control-plane quota.
fn start_neighbour(sim: &Sim, rate: f64) -> Option<tokio::task::JoinHandle<()>> {
    if rate <= 0.0 {
        return None;
    }
    let spec = SeedSpec {
        name: NEIGHBOUR_FUNCTION.to_owned(),
        ..SeedSpec::default()
    };
    sim.seed_function(ACCOUNT, REGION_A, spec.into_seed(ACCOUNT))
        .ok()?;
    let client = sim.client(ACCOUNT, REGION_A);
    let period = Duration::from_secs_f64(1.0 / rate);
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            // Its throttles are its own problem; it keeps its pace regardless.
            let _ = client.get_function_configuration(NEIGHBOUR_FUNCTION).await;
        }
    }))
}

fn remove_function(counters: &mut Counters, name: &str) {
    let Some(f) = counters.functions.remove(name) else {
        return;
    };
    for (op, n) in &f.calls {
        if let Some(total) = counters.calls.get_mut(op) {
            *total = total.saturating_sub(*n);
        }
    }
    counters.calls.retain(|_, n| *n > 0);
    counters.conflicts = counters.conflicts.saturating_sub(f.conflicts);
    counters.throttles = counters.throttles.saturating_sub(f.throttles);
    counters.precondition_failures = counters
        .precondition_failures
        .saturating_sub(f.precondition_failures);
    counters
        .errors
        .retain(|e| e.function.as_deref() != Some(name));
}

async fn not_converged(
    scenario: &Scenario,
    sim: &Sim,
    clients: &Clients,
    seeded: &BTreeMap<String, FunctionInfo>,
    outcome: &ToolOutcome,
) -> BTreeSet<String> {
    let mut failed: BTreeSet<String> = outcome.failed.keys().cloned().collect();
    for f in scenario.functions.iter().filter(|f| !f.changes.is_empty()) {
        let Some(info) = sim.function_info(&f.account, &f.region, &f.name) else {
            failed.insert(f.name.clone());
            continue;
        };
        let api = clients.get(&(f.account.clone(), f.region.clone()));
        let mut ok = info.is_stable();
        for change in &f.changes {
            ok &= match change {
                Change::Code { .. } => seeded
                    .get(&f.name)
                    .is_some_and(|s| s.code_sha256 != info.code_sha256),
                Change::Config {
                    memory_mb,
                    environment,
                } => info.config.memory_mb == *memory_mb && info.config.environment == *environment,
                Change::Publish => match api {
                    Some(api) => api.list_versions(&f.name).await.is_ok_and(|v| v.len() > 1),
                    None => false,
                },
                Change::Alias => match api {
                    Some(api) => api
                        .get_alias(&f.name, ALIAS)
                        .await
                        .is_ok_and(|a| a.function_version != "$LATEST"),
                    None => false,
                },
            };
        }
        if !ok {
            failed.insert(f.name.clone());
        }
    }
    failed
}
