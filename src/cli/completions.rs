//! `flotilla completions SHELL` and `flotilla man`: generated from the clap definition,
//! so they list exactly the subcommands and flags this binary has.

use std::io::Write;

use clap::CommandFactory;

use super::error::CliError;
use super::{Cli, Exit};

/// Arguments of `flotilla completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Prints the completion script for the shell.
pub fn completions(args: CompletionsArgs) -> Exit {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "flotilla", &mut buf);
    print(&buf)
}

/// Arguments of `flotilla man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// A subcommand whose page (`flotilla-SUBCOMMAND(1)`) to print instead of the main one.
    subcommand: Option<String>,
}

/// Prints the man page (roff) of `flotilla` or of one subcommand.
pub fn man(args: ManArgs) -> Exit {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &args.subcommand {
        None => clap_mangen::Man::new(cmd),
        Some(name) => match cmd.find_subcommand(name) {
            // The main page refers to `flotilla-NAME(1)`; title the page to match.
            Some(sub) => {
                let sub = sub
                    .clone()
                    .bin_name(format!("flotilla {name}"))
                    .version(env!("CARGO_PKG_VERSION"));
                clap_mangen::Man::new(sub).title(format!("flotilla-{name}"))
            }
            None => {
                let known: Vec<&str> = cmd
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|n| *n != "help")
                    .collect();
                return CliError::NoSuchSubcommand {
                    name: name.clone(),
                    known: known.join(", "),
                }
                .report();
            }
        },
    };
    let mut buf = Vec::new();
    if let Err(e) = page.render(&mut buf) {
        return CliError::ManPage(e).report();
    }
    print(&buf)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth reporting.
fn print(bytes: &[u8]) -> Exit {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Exit::Ok,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(e) => CliError::Stdout(e).report(),
    }
}
