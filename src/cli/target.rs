//! Flags shared by the commands that read a manifest and talk to Lambda.

use std::path::PathBuf;

use flotilla::connect::Target;
use flotilla_cloud::lambda::ClientOptions;
use flotilla_core::model::{LoadOptions, ManifestError, Model, Source, load};

use super::select::SelectArgs;

/// Which manifest, which environment, which endpoint.
#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// The manifest.
    #[arg(short = 'f', long = "file", default_value = "deploy.yaml")]
    pub file: PathBuf,
    /// Environment (deployment target) from the manifest's `environments:`.
    #[arg(long = "env")]
    pub env: Option<String>,
    /// Run against a fresh in-process emulator seeded from the manifest (no AWS
    /// account needed; see the README's set-up).
    #[arg(long, conflicts_with_all = ["endpoint_url", "profile"])]
    pub local: bool,
    /// Lambda endpoint (default: `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`, AWS).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS profile (default: `AWS_PROFILE`).
    #[arg(long)]
    pub profile: Option<String>,
    #[command(flatten)]
    pub select: SelectArgs,
}

impl TargetArgs {
    /// The endpoint to talk to.
    pub fn target(&self) -> Target {
        if self.local {
            Target::Local
        } else {
            Target::Aws(ClientOptions {
                endpoint_url: self.endpoint_url.clone(),
                profile: self.profile.clone(),
                ..ClientOptions::default()
            })
        }
    }

    /// Loads and validates the manifest for the chosen environment. In local mode an
    /// unset `from_env` secret is no error: the emulator gets an empty placeholder.
    pub fn load(&self) -> Result<Model, ManifestError> {
        self.load_or_env(None)
    }

    /// Like [`load`](Self::load), for `environment` when `--env` was not given (a saved
    /// plan's own environment, when re-planning part of it).
    pub fn load_or_env(&self, environment: Option<&str>) -> Result<Model, ManifestError> {
        let mut opts = LoadOptions::for_environment(self.env.as_deref().or(environment));
        if !self.local {
            return load(&self.file, &opts);
        }
        opts.lenient_from_env = true;
        let checked = Source::read(&self.file)?.check(&opts)?;
        for var in &checked.unset_from_env {
            eprintln!(
                "warning: `from_env: {var}` is unset; --local gives the emulator an empty \
                 value, but plan and apply against AWS refuse it: set {var} in CI before deploying"
            );
        }
        Ok(checked.model)
    }
}

impl TargetArgs {
    /// Loads the manifest and keeps the functions `--only`/`--changed-since` select,
    /// saying why each was selected. Errors are reported here; the exit code returns.
    pub fn load_selected(&self) -> Result<Model, super::Exit> {
        let model = self.load().map_err(|e| report_manifest_error(&e))?;
        if self.local && model.functions.iter().any(|f| f.assume_role.is_some()) {
            eprintln!(
                "note: --local ignores `assume_role`: the in-process emulator has no STS, and each account is simply a separate account in it."
            );
        }
        if self.select.criteria().is_empty() {
            return Ok(model);
        }
        let (selected, selection) = self.select.apply(&model).map_err(report_error)?;
        if selection.selected.is_empty() {
            eprintln!("No function selected (nothing matched --only / --changed-since).");
        } else {
            eprintln!("Selected functions:\n{}", selection.describe());
        }
        Ok(selected)
    }
}

/// Prints a manifest error the way `validate` does and returns its exit code.
pub fn report_manifest_error(e: &ManifestError) -> super::Exit {
    use std::io::IsTerminal;
    eprint!("{}", e.render_text(std::io::stderr().is_terminal()));
    match e.exit_code() {
        2 => super::Exit::UsageOrChanges,
        _ => super::Exit::Failure,
    }
}

/// Prints any other error in the CLI's one layout ([`super::error::render`]).
pub fn report_error(e: impl miette::Diagnostic) -> super::Exit {
    eprintln!("{}", super::error::render(&e));
    super::Exit::Failure
}
