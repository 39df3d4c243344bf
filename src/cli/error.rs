//! The errors the CLI reports itself (flag combinations, files it cannot write), with
//! their help and exit code as data, rendered in one place: [`CliError::report`].

use std::path::PathBuf;

use super::Exit;

/// An error of the CLI's own, not the manifest's or the API's.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CliError {
    /// `apply --local PLAN`.
    #[error("--local seeds a fresh emulator from the manifest, so it cannot run a saved plan")]
    #[diagnostic(help("run `flotilla apply -f FILE --local` instead"))]
    LocalWithSavedPlan,
    /// `rollback --local`.
    #[error("--local starts a fresh emulator, which has no earlier versions to roll back to")]
    #[diagnostic(help("run `flotilla sim` and pass --endpoint-url http://127.0.0.1:4566"))]
    LocalRollback,
    /// No terminal to ask on and no `--auto-approve`.
    #[error("stdin is not a terminal, so {command} cannot ask for confirmation")]
    #[diagnostic(help("{hint}, then pass --auto-approve"))]
    NoTerminal {
        /// `apply` or `rollback`.
        command: &'static str,
        /// What to do before approving.
        hint: &'static str,
    },
    /// `apply PLAN --env OTHER`.
    #[error("--env {given} does not match the plan's environment ({planned})")]
    #[diagnostic(help(
        "a saved plan deploys to the environment it was made for: drop --env, or make a plan with `flotilla plan --env {given} -o FILE`"
    ))]
    EnvMismatch {
        /// `--env`.
        given: String,
        /// The plan's environment, or `none`.
        planned: String,
    },
    /// `apply PLAN --changed-since REF`.
    #[error("--changed-since cannot select from a saved plan: it needs the manifest and git")]
    #[diagnostic(help(
        "make the plan with `flotilla plan --changed-since REF -o FILE`, or pick functions of the plan with --only NAME"
    ))]
    ChangedSinceWithPlan,
    /// `apply PLAN --shard S` with a shard the plan does not have.
    #[error("the plan has no shard `{shard}`")]
    #[diagnostic(help(
        "its shards are {shards} (`flotilla plan --list-shards` lists those with changes)"
    ))]
    NoSuchShard {
        /// The shard asked for.
        shard: String,
        /// The plan's shards, comma-separated.
        shards: String,
    },
    /// `rollback --to N` with more than one function selected.
    #[error("--to {to} needs exactly one function, but {selected} are selected")]
    #[diagnostic(help("version numbers are per function; select one with --only NAME"))]
    ToNeedsOneFunction {
        /// The version.
        to: String,
        /// How many functions are selected.
        selected: usize,
    },
    /// `man NAME` with an unknown subcommand.
    #[error("no subcommand `{name}`; man pages exist for: {known}")]
    NoSuchSubcommand {
        /// The name given.
        name: String,
        /// The subcommands, comma-separated.
        known: String,
    },
    /// The man page could not be rendered.
    #[error("cannot render the man page: {0}")]
    ManPage(#[source] std::io::Error),
    /// Writing to stdout failed (other than a closed pipe).
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// `--report FILE` could not be serialised or written.
    #[error("cannot write the report to {}: {source}", path.display())]
    WriteReport {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--report FILE` cannot be written, found before anything was applied.
    #[error("cannot write the report to {}: {source}; nothing was applied", path.display())]
    #[diagnostic(help("pass a --report path in a writable folder with free space"))]
    ReportNotWritable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `status --format json` could not serialise the status.
    #[error("cannot write the status as JSON: {0}")]
    StatusJson(#[source] serde_json::Error),
    /// `import` without `--region` and without `AWS_REGION`.
    #[error("no region to read")]
    #[diagnostic(help("pass --region REGION (repeat it for several) or set AWS_REGION"))]
    NoRegion,
    /// `import`, `init` or `schema --write` would overwrite a file.
    #[error("{} exists", path.display())]
    #[diagnostic(help("pass --force to overwrite it, or write elsewhere with -o"))]
    OutputExists {
        /// The file.
        path: PathBuf,
    },
    /// `init DIR`: the folder cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(help("pass the folder whose subfolders hold your functions"))]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `init DIR`: no subfolder looks like a function.
    #[error("no subfolder of {} looks like a function", path.display())]
    #[diagnostic(help(
        "each function is a subfolder with its code: Python (app.py, requirements.txt), JavaScript (index.mjs, package.json), a native bootstrap (Cargo.toml, go.mod) or Java (pom.xml)"
    ))]
    NoFunctionFolders {
        /// The folder.
        path: PathBuf,
    },
    /// A file `import`, `init` or `schema --write` writes could not be written.
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    /// The exit code this error ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::LocalWithSavedPlan
            | CliError::LocalRollback
            | CliError::NoTerminal { .. }
            | CliError::EnvMismatch { .. }
            | CliError::ChangedSinceWithPlan
            | CliError::NoSuchShard { .. }
            | CliError::ToNeedsOneFunction { .. }
            | CliError::NoSuchSubcommand { .. }
            | CliError::NoRegion
            | CliError::OutputExists { .. }
            | CliError::NoFunctionFolders { .. } => Exit::UsageOrChanges,
            CliError::ManPage(_)
            | CliError::Stdout(_)
            | CliError::Runtime(_)
            | CliError::WriteReport { .. }
            | CliError::ReportNotWritable { .. }
            | CliError::StatusJson(_)
            | CliError::WriteFile { .. }
            | CliError::ReadDir { .. } => Exit::Failure,
        }
    }

    /// The text printed to stderr, as [`render`] lays out every error.
    pub fn render(&self) -> String {
        render(self)
    }

    /// Prints the error to stderr and returns its exit code.
    pub fn report(self) -> Exit {
        eprintln!("{}", self.render());
        self.exit()
    }
}

/// The one layout of every error the CLI prints other than manifest problems (which
/// show their snippets): `error: MESSAGE`, then `  help: HELP` when there is one, then
/// `  - RELATED` for each related error. Causes are appended to the message only when
/// it does not already quote them, so nothing is printed twice; lines are left for the
/// terminal to wrap, so code spans and ARNs stay whole and can be copied.
pub fn render(e: &dyn miette::Diagnostic) -> String {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    let mut out = format!("error: {message}");
    if let Some(help) = e.help() {
        out.push_str(&format!("\n  help: {help}"));
    }
    for related in e.related().into_iter().flatten() {
        out.push_str(&format!(
            "\n  - {}",
            render(related).trim_start_matches("error: ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_message_and_help_like_before() {
        let e = CliError::NoTerminal {
            command: "apply",
            hint: "review the plan",
        };
        assert_eq!(
            e.render(),
            "error: stdin is not a terminal, so apply cannot ask for confirmation\n  help: review the plan, then pass --auto-approve"
        );
        assert_eq!(e.exit(), Exit::UsageOrChanges);
        let e = CliError::WriteReport {
            path: "r.json".into(),
            source: std::io::Error::other("disk full"),
        };
        assert_eq!(
            e.render(),
            "error: cannot write the report to r.json: disk full"
        );
        assert_eq!(e.exit(), Exit::Failure);
    }
}
