//! `flotilla sim`: flags and glue for the Lambda control-plane emulator.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::Args;
use flotilla_sim::{FaultRule, LatencyConfig, QuotaConfig, Sim, SimConfig, http};

use super::Exit;

/// Run a Lambda control-plane emulator that reproduces conflicts, throttling and stale
/// revisions, for tests and CI.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 4566)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Seed of every random draw (latencies, revision ids, fault probabilities).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Update latency: `DURATION`, `MIN..MAX`, or `KIND=...` for one kind of update
    /// (create-zip, create-image, code-zip, code-image, configuration, vpc,
    /// provisioned-concurrency). Repeatable.
    #[arg(long, value_name = "[KIND=]LATENCY")]
    latency: Vec<String>,
    /// Quotas in requests/s per account and region: `get-function=N`,
    /// `control-plane=N` (N may be `off`), or `off`. Repeatable.
    #[arg(long, value_name = "NAME=RATE|off")]
    quota: Vec<String>,
    /// JSON file with a list of fault rules (see docs/emulator.md).
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Create the functions of this manifest first, each in a slightly different state
    /// from the manifest's (so a first plan shows changes), one left out (a create).
    #[arg(long, value_name = "FILE")]
    seed_from: Option<PathBuf>,
    /// Environment of `--seed-from`'s manifest.
    #[arg(long = "env", requires = "seed_from")]
    env: Option<String>,
    /// Account for requests whose access key is not a 12-digit account id.
    #[arg(long, default_value = flotilla_sim::DEFAULT_ACCOUNT)]
    account: String,
}

/// What can stop the emulator from starting.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum SimCliError {
    #[error("invalid --latency: {0}")]
    #[diagnostic(help("use e.g. `--latency 1s`, `--latency code-zip=500ms..2s`"))]
    Latency(String),
    #[error("invalid --quota: {0}")]
    #[diagnostic(help(
        "use e.g. `--quota control-plane=15 --quota get-function=100`, or `--quota off`"
    ))]
    Quota(String),
    #[error("cannot read the faults file {path}")]
    #[diagnostic(help("the file holds a JSON list of fault rules, as in docs/emulator.md"))]
    FaultsFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the faults file {path} is not a valid list of fault rules: {message}")]
    #[diagnostic(help(
        "each rule has `kind` (with `type`) and `trigger` (`probability` or `next`)"
    ))]
    FaultsJson { path: PathBuf, message: String },
    #[error("cannot listen on {addr}")]
    #[diagnostic(help("pick another port with --port, or 0 for any free one"))]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server failed")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] flotilla_core::model::ManifestError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Seed(#[from] flotilla_core::deploy::DeployError),
}

fn config(args: &SimArgs) -> Result<(SimConfig, Vec<FaultRule>), SimCliError> {
    let mut latency = LatencyConfig::default();
    for setting in &args.latency {
        latency
            .apply_setting(setting)
            .map_err(SimCliError::Latency)?;
    }
    let mut quota = QuotaConfig::default();
    for setting in &args.quota {
        quota.apply_setting(setting).map_err(SimCliError::Quota)?;
    }
    let faults = match &args.faults {
        None => Vec::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| SimCliError::FaultsFile {
                path: path.clone(),
                source,
            })?;
            serde_json::from_str(&text).map_err(|e| SimCliError::FaultsJson {
                path: path.clone(),
                message: e.to_string(),
            })?
        }
    };
    let config = SimConfig {
        seed: args.seed,
        latency,
        quota,
        default_account: args.account.clone(),
    };
    Ok((config, faults))
}

async fn serve(args: SimArgs) -> Result<(), SimCliError> {
    let (config, faults) = config(&args)?;
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimCliError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimCliError::Bind { addr, source })?;
    let sim = Sim::new(config);
    if let Some(path) = &args.seed_from {
        let seeded = seed(&sim, path, args.env.as_deref()).await?;
        eprintln!("seeded {seeded} functions from {}", path.display());
    }
    sim.set_faults(faults);
    println!("flotilla sim listening on http://{local}");
    let shutdown = shutdown_signal();
    http::serve_with_shutdown(sim, listener, shutdown)
        .await
        .map_err(SimCliError::Serve)?;
    eprintln!("flotilla sim stopped");
    Ok(())
}

/// Seeds the emulator from a manifest (secrets not set here get empty values).
async fn seed(sim: &Sim, path: &std::path::Path, env: Option<&str>) -> Result<usize, SimCliError> {
    let mut opts = flotilla_core::model::LoadOptions::for_environment(env);
    opts.lenient_from_env = true;
    let model = flotilla_core::model::load(path, &opts)?;
    let artifacts = flotilla_core::deploy::digest(&model).await?;
    flotilla::local::seed_from_model(sim, &model, &artifacts)
        .map(|notes| notes.iter().filter(|n| n.seeded).count())
        .map_err(|e| SimCliError::Seed(flotilla_core::deploy::DeployError::Seed(e)))
}

/// Completes on Ctrl-C, or on SIGTERM where there is one (CI scripts stop by PID).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs the emulator until Ctrl-C.
pub fn run(args: SimArgs) -> Exit {
    match super::runtime().block_on(serve(args)) {
        Ok(()) => Exit::Ok,
        Err(SimCliError::Manifest(e)) => super::target::report_manifest_error(&e),
        Err(e @ (SimCliError::Latency(_) | SimCliError::Quota(_))) => {
            eprintln!("{}", super::error::render(&e));
            Exit::UsageOrChanges
        }
        Err(e) => {
            eprintln!("{}", super::error::render(&e));
            Exit::Failure
        }
    }
}
