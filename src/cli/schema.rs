//! `flotilla schema`: print the manifest's JSON Schema (draft-07).

use super::Exit;

/// Arguments of `flotilla schema`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Prints the schema to stdout.
pub fn run(_args: Args) -> Exit {
    print!("{}", flotilla_core::manifest::schema_json());
    Exit::Ok
}
