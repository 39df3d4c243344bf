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

/// Reads the fleet and prints it. With `--detailed-exitcode` an error of any kind exits
/// 1, so only drift exits 2.
pub fn run(args: Args) -> Exit {
    super::detailed(args.detailed_exitcode, status_and_print(&args))
}

/// Reads and prints the fleet; `Ok(true)` when a function drifted or is missing, `Err`
/// with the error's exit code once it has been reported.
fn status_and_print(args: &Args) -> Result<bool, Exit> {
    let model = args.target.load_selected()?;
    let target = args.target.target();
    let result = super::runtime().block_on(async {
        let (clients, _) = flotilla::connect::connect(&target).await;
        observe_and_plan(&model, &clients).await
    });
    let (live, plan) = result.map_err(report_error)?;
    let status = fleet_status(&model, &live, &plan);
    match args.format {
        Format::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", status.to_table(color));
        }
        Format::Json => match serde_json::to_string_pretty(&status) {
            Ok(json) => println!("{json}"),
            Err(e) => return Err(super::error::CliError::StatusJson(e).report()),
        },
    }
    Ok(status.has_drift())
}
