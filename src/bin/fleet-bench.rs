//! `fleet-bench`: how fast Flotilla deploys a fleet, next to models of other tools, and
//! how far from the lower bound the API quotas allow. See README "Performance".
//!
//! Flag parsing and printing only; the benchmark itself is `flotilla::bench`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use flotilla::bench::{self, ScenarioKind, VirtualOptions};

/// Benchmark Flotilla's deploy engine.
#[derive(Debug, Parser)]
#[command(name = "fleet-bench", version)]
struct Args {
    /// Functions per scenario.
    #[arg(long, default_value_t = 1000)]
    functions: usize,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Scenario to run (repeatable; default: all). One of code-only, config-only,
    /// code+config+publish+alias, mixed, multi-region, chaos.
    #[arg(long = "scenario", value_parser = parse_scenario)]
    scenarios: Vec<ScenarioKind>,
    /// Virtual (in-process emulator, paused clock) or http (real SDK, localhost).
    #[arg(long, value_enum, default_value_t = Mode::Virtual)]
    mode: Mode,
    /// Only Flotilla, no peer policies.
    #[arg(long)]
    flotilla_only: bool,
    /// Functions Flotilla keeps in flight (default: the engine's default).
    #[arg(long)]
    parallelism: Option<usize>,
    /// Write every figure as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Virtual,
    Http,
}

fn parse_scenario(s: &str) -> Result<ScenarioKind, String> {
    s.parse()
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fleet-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    match args.mode {
        Mode::Virtual => run_virtual(args),
        Mode::Http => Err("http mode is not built yet".to_owned()),
    }
}

fn run_virtual(args: &Args) -> Result<(), String> {
    let mut options = VirtualOptions::all(args.functions, args.seed);
    if !args.scenarios.is_empty() {
        options.scenarios.clone_from(&args.scenarios);
    }
    options.flotilla_parallelism = args.parallelism;
    if args.flotilla_only {
        options.peers.clear();
    }
    let started = std::time::Instant::now();
    let report = bench::run_virtual(&options).map_err(|e| format!("runtime: {e}"))?;
    eprintln!("(real time {:.1}s)", started.elapsed().as_secs_f64());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    print!("{}", report.render());
    Ok(())
}
