//! `flotilla schema`: print the manifest's JSON Schema (draft-07), or write it to a file
//! for editors that work offline (`# yaml-language-server: $schema=./deploy.schema.json`).

use std::path::PathBuf;

use super::Exit;
use super::error::CliError;

/// Arguments of `flotilla schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the schema to PATH instead of stdout (replacing an older copy).
    #[arg(long, value_name = "PATH")]
    write: Option<PathBuf>,
}

/// Prints the schema to stdout, or writes it.
pub fn run(args: Args) -> Exit {
    let schema = flotilla_core::manifest::schema_json();
    match args.write {
        None => print!("{schema}"),
        Some(path) => {
            if let Err(source) = std::fs::write(&path, schema) {
                return CliError::WriteFile { path, source }.report();
            }
            eprintln!(
                "Wrote {}; point a manifest at it with `# yaml-language-server: $schema=<path to it>`.",
                path.display()
            );
        }
    }
    Exit::Ok
}
