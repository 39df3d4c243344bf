//! `fleet-bench`'s reusable parts: scenarios drawn from a seed, the lower bound on
//! their wall time, models of peer tools, and the report.
//!
//! A run builds a [`Scenario`], computes its [`LowerBound`], then deploys it with
//! Flotilla's engine and each [`PeerPolicy`], every one on a fresh in-process emulator
//! under a paused tokio clock, and collects the emulator's counters into a
//! [`BenchReport`]. The binary `src/bin/fleet-bench.rs` only parses flags and prints.

pub mod artifacts;
mod flotilla;
pub mod http;
pub mod lower_bound;
pub mod manifest_scale;
pub mod peers;
pub mod report;
pub mod runner;
pub mod scenario;

pub use lower_bound::{LowerBound, TargetBound, lower_bound};
pub use peers::{PeerPolicy, all_peers};
pub use report::{BenchReport, Headline, ScenarioReport, ToolFigures};
pub use runner::{Tool, ToolRun, run_tool};
pub use scenario::{Scenario, ScenarioKind};

/// What to run in virtual mode.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualOptions {
    /// Functions per scenario.
    pub functions: usize,
    /// Seed of every draw.
    pub seed: u64,
    /// Scenarios to run.
    pub scenarios: Vec<ScenarioKind>,
    /// Include Flotilla's engine.
    pub flotilla: bool,
    /// Functions in flight for Flotilla; `None` is the engine's default.
    pub flotilla_parallelism: Option<usize>,
    /// Peer policies to run.
    pub peers: Vec<PeerPolicy>,
}

impl VirtualOptions {
    /// Every scenario with every tool.
    pub fn all(functions: usize, seed: u64) -> Self {
        VirtualOptions {
            functions,
            seed,
            scenarios: ScenarioKind::ALL.to_vec(),
            flotilla: true,
            flotilla_parallelism: None,
            peers: all_peers(),
        }
    }
}

/// Runs every scenario with every tool and returns the report.
///
/// Each run gets its own single-thread runtime with a paused clock, so the simulated
/// time is deterministic per seed and costs little real time.
pub fn run_virtual(options: &VirtualOptions) -> std::io::Result<BenchReport> {
    let mut tools = Vec::new();
    if options.flotilla {
        tools.push(Tool::Flotilla {
            parallelism: options.flotilla_parallelism,
        });
    }
    tools.extend(options.peers.iter().cloned().map(Tool::Peer));
    let mut scenarios = Vec::new();
    for kind in &options.scenarios {
        let scenario = Scenario::generate(*kind, options.functions, options.seed);
        let lb = lower_bound(&scenario);
        let runs = tools
            .iter()
            .map(|tool| run_tool(&scenario, tool))
            .collect::<std::io::Result<Vec<_>>>()?;
        scenarios.push(ScenarioReport::new(&scenario, lb, &runs));
    }
    let headline = scenarios
        .iter()
        .find(|s| s.scenario == ScenarioKind::Full.name())
        .and_then(Headline::from_report);
    Ok(BenchReport {
        scenarios,
        headline,
    })
}
