//! `fleet-bench`: how fast Flotilla deploys a fleet, next to models of other tools, and
//! how far from the lower bound the API quotas allow. See docs/performance.md.
//!
//! Flag parsing and printing only; the benchmark itself is the `flotilla_bench` library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use flotilla_bench::{self as bench, ScenarioKind, VirtualOptions};

/// Benchmark Flotilla's deploy engine.
#[derive(Debug, Parser)]
#[command(name = "fleet-bench", version)]
struct Args {
    /// Functions per scenario.
    #[arg(long, default_value_t = DEFAULT_FUNCTIONS)]
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
    /// Instead: time load + validate + plan of a generated manifest (5,000 functions
    /// unless --functions says otherwise).
    #[arg(long)]
    manifest_scale: bool,
    /// Instead: hashing and packaging throughput next to sha256sum and zip -X -r.
    #[arg(long)]
    artifacts: bool,
    /// Size of the generated tree for --artifacts, in MB.
    #[arg(long, default_value_t = 1024)]
    artifact_mb: usize,
    /// Files in the generated tree for --artifacts.
    #[arg(long, default_value_t = 2000)]
    artifact_files: usize,
    /// Internal: serve the HTTP emulator for --mode http (prints `port=N`).
    #[arg(long, hide = true)]
    serve_sim: bool,
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
    if args.serve_sim {
        return bench::http::serve_sim_child(args.functions, args.seed).map_err(|e| e.to_string());
    }
    if args.manifest_scale {
        let functions = if args.functions == DEFAULT_FUNCTIONS {
            5000
        } else {
            args.functions
        };
        let dir = scratch_dir("manifest")?;
        let result = bench::manifest_scale::run_manifest_scale(functions, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let result = result.map_err(|e| e.to_string())?;
        write_json(args, &result)?;
        print!("{}", result.render());
        return Ok(());
    }
    if args.artifacts {
        let dir = scratch_dir("artifacts")?;
        let result = bench::artifacts::run_artifacts(&dir, args.artifact_mb, args.artifact_files);
        let _ = std::fs::remove_dir_all(&dir);
        let result = result.map_err(|e| e.to_string())?;
        write_json(args, &result)?;
        print!("{}", result.render());
        return Ok(());
    }
    match args.mode {
        Mode::Virtual => run_virtual(args),
        Mode::Http => {
            let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
            let result = bench::http::run_http(&exe, args.functions, args.seed)?;
            write_json(args, &result)?;
            print!("{}", result.render());
            Ok(())
        }
    }
}

const DEFAULT_FUNCTIONS: usize = 1000;

/// A fresh directory under the system temp dir, named after this process.
fn scratch_dir(what: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("fleet-bench-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn write_json(args: &Args, value: &impl serde::Serialize) -> Result<(), String> {
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
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
    write_json(args, &report)?;
    print!("{}", report.render());
    Ok(())
}
