//! The `flotilla` command line: parses arguments, dispatches, turns errors into reports
//! and exit codes. Logic lives in the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors go to stderr, `--help`/`--version` to stdout, as clap does.
            let _ = e.print();
            return ExitCode::from(cli::parse_error_exit(&e, &args));
        }
    };
    cli::init_tracing();
    let code = cli::run(cli);
    ExitCode::from(code as u8)
}
