//! `flotilla status`: the live fleet, and how it drifted from the manifest.

use std::io::IsTerminal;

use flotilla_core::deploy::observe_and_plan;
use flotilla_core::status::fleet_status;

use super::Exit;
use super::target::{TargetArgs, report_error};

/// How to print the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns (colours on a terminal only); `table` is accepted too.
    #[value(alias = "table")]
    Text,
    /// For machines (shape in docs/operations.md).
    Json,
}

/// Arguments of `flotilla status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 2 when a function drifted or is missing (0: all in sync, 1: error).
    #[arg(long)]
    detailed_exitcode: bool,
}

/// Reads the fleet and prints it.
pub fn run(args: Args) -> Exit {
    let model = match args.target.load_selected() {
        Ok(m) => m,
        Err(exit) => return exit,
    };
    let target = args.target.target();
    let result = super::runtime().block_on(async {
        let (clients, _) = flotilla::connect::connect(&target).await;
        observe_and_plan(&model, &clients).await
    });
    let (live, plan) = match result {
        Ok(r) => r,
        Err(e) => return report_error(e),
    };
    let status = fleet_status(&model, &live, &plan);
    match args.format {
        Format::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", status.to_table(color));
        }
        Format::Json => match serde_json::to_string_pretty(&status) {
            Ok(json) => println!("{json}"),
            Err(e) => return super::error::CliError::StatusJson(e).report(),
        },
    }
    if args.detailed_exitcode && status.has_drift() {
        Exit::UsageOrChanges
    } else {
        Exit::Ok
    }
}
