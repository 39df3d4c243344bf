//! The `flotilla` command line: parses arguments, dispatches, turns errors into reports
//! and exit codes. Logic lives in the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    cli::init_tracing();
    let code = cli::run(cli);
    ExitCode::from(code as u8)
}
