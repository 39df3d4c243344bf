//! Clap types and dispatch. Each subcommand's arguments and glue live in their own file.

mod sim;

use clap::{Parser, Subcommand};

mod apply;
mod completions;
mod error;
mod import;
mod import_code;
mod init;
mod plan;
mod progress;
mod rollback;
mod schema;
mod select;
mod status;
mod target;
mod validate;

/// Process exit codes, documented in docs/plan-and-apply.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[allow(dead_code)] // the variants are used as subcommands land
pub enum Exit {
    /// Success (valid manifest, no changes, every function converged).
    Ok = 0,
    /// Failure: invalid manifest, API error, a function that did not converge.
    Failure = 1,
    /// Usage error (bad flags, unknown environment), or changes present with
    /// `plan --detailed-exitcode`.
    UsageOrChanges = 2,
}

/// `flotilla --version`: the crate's version and the commit it was built from (build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("FLOTILLA_COMMIT"),
    ")"
);

/// Deploy a fleet of AWS Lambda functions from one YAML manifest.
#[derive(Debug, Parser)]
#[command(name = "flotilla", version = VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a manifest and print the resolved fleet (or every problem found).
    Validate(validate::Args),
    /// Print the manifest's JSON Schema (draft-07), for editors and CI.
    Schema(schema::Args),
    /// Show what apply would change, field by field (and save it with -o).
    Plan(plan::Args),
    /// Deploy: carry out a saved plan, or plan and apply in one go.
    Apply(apply::Args),
    /// Move each selected function's alias back to its previous published version.
    Rollback(rollback::Args),
    /// Show the live fleet and how it drifted from the manifest.
    Status(status::Args),
    /// Write a manifest for functions that already exist (by name, prefix or tag).
    Import(import::Args),
    /// Write a starter deploy.yaml for a folder of functions, one per subfolder.
    Init(init::Args),
    /// Run a Lambda control-plane emulator (conflicts, throttling, stale revisions).
    Sim(sim::SimArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) to stdout: `flotilla man | man -l -`.
    Man(completions::ManArgs),
}

/// Sets up `tracing` from `RUST_LOG` (default: warnings only), writing to stderr.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // A refused AssumeRole is reported once, as Flotilla's own error naming the role
        // and environment; aws-config's warning about it would only repeat it. Every
        // function names its region, so a default region that IMDS cannot supply (any
        // machine outside EC2) is no news either.
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "warn,aws_config::sts::assume_role=error,aws_config::imds::region=error",
            )
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A multi-threaded tokio runtime for the commands that talk to Lambda.
pub fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => std::process::exit(error::CliError::Runtime(e).report() as i32),
    }
}

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Status(args) => status::run(args),
        Command::Import(args) => import::run(args),
        Command::Init(args) => init::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    }
}
