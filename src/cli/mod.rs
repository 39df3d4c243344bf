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
mod report_file;
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
    /// `plan --detailed-exitcode` (which turns every error into [`Exit::Failure`]).
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

// One help layout for every subcommand: each flag's text on the line after it, as clap
// does anyway for the commands whose values are described.
#[derive(Debug, Subcommand)]
enum Command {
    /// Check a manifest and print the resolved fleet (or every problem found).
    #[command(next_line_help = true)]
    Validate(validate::Args),
    /// Print the manifest's JSON Schema (draft-07), for editors and CI.
    #[command(next_line_help = true)]
    Schema(schema::Args),
    /// Show what apply would change, field by field (and save it with -o).
    #[command(next_line_help = true)]
    Plan(plan::Args),
    /// Deploy: carry out a saved plan, or plan and apply in one go.
    #[command(next_line_help = true)]
    Apply(apply::Args),
    /// Move each selected function's alias back to its previous published version.
    #[command(next_line_help = true)]
    Rollback(rollback::Args),
    /// Show the live fleet and how it drifted from the manifest.
    #[command(next_line_help = true)]
    Status(status::Args),
    /// Write a manifest for functions that already exist (by name, prefix or tag).
    #[command(next_line_help = true)]
    Import(import::Args),
    /// Write a starter deploy.yaml for a folder of functions, one per subfolder.
    #[command(next_line_help = true)]
    Init(init::Args),
    /// Run a Lambda control-plane emulator (conflicts, throttling, stale revisions).
    #[command(next_line_help = true)]
    Sim(sim::SimArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(next_line_help = true)]
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) to stdout: `flotilla man | man -l -`.
    #[command(next_line_help = true)]
    Man(completions::ManArgs),
}

/// Sets up `tracing` from `RUST_LOG` (default: warnings only), writing to stderr.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // A refused AssumeRole is reported once, as Flotilla's own error naming the role
        // and environment; aws-config's warning about it would only repeat it. Every
        // function names its region, so a default region that IMDS cannot supply (any
        // machine outside EC2) is no news either. A credential source that fails is
        // named in the error that follows, with the sources tried; the chain's own
        // warning is a debug dump of the same.
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "warn,aws_config::sts::assume_role=error,aws_config::imds::region=error,\
                 aws_config::meta::credentials::chain=error",
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

/// The exit code of `plan`/`status`: with `--detailed-exitcode`, 2 means changes and
/// nothing else, so every error (usage ones included) exits 1 and CI cannot mistake a
/// typo for a diff; without it, errors keep their own code and changes exit 0.
fn detailed(detailed_exitcode: bool, outcome: Result<bool, Exit>) -> Exit {
    match outcome {
        Ok(true) if detailed_exitcode => Exit::UsageOrChanges,
        Ok(_) => Exit::Ok,
        Err(_) if detailed_exitcode => Exit::Failure,
        Err(exit) => exit,
    }
}

/// The exit code of a command line clap refused (or `--help`/`--version`, which exit 0):
/// clap's usage code 2 would read as "changes" to a CI step that passed
/// `--detailed-exitcode`, so that flag turns it into 1.
pub fn parse_error_exit(error: &clap::Error, args: &[std::ffi::OsString]) -> u8 {
    let code = error.exit_code();
    if code != 0 && args.iter().any(|a| a == "--detailed-exitcode") {
        Exit::Failure as u8
    } else {
        u8::try_from(code).unwrap_or(Exit::Failure as u8)
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
