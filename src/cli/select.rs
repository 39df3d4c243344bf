//! `--only` and `--changed-since`, shared by `plan`, `apply` and `status`
//! (`#[command(flatten)] select: select::SelectArgs`).

use flotilla_core::model::Model;
use flotilla_core::select::{Criteria, Git, SelectError, Selection};

/// Monorepo selection flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectArgs {
    /// Only these functions: a manifest key or Lambda name, or a glob such as `api-*`
    /// (repeatable; a pattern that matches nothing is an error).
    #[arg(long = "only", value_name = "NAME|GLOB")]
    pub only: Vec<String>,
    /// Only functions whose sources changed since the merge base of this git revision
    /// and HEAD (plus uncommitted files), and the functions that depend on them.
    #[arg(long = "changed-since", value_name = "GIT_REF")]
    pub changed_since: Option<String>,
}

impl SelectArgs {
    /// The library's view of the flags.
    pub fn criteria(&self) -> Criteria {
        Criteria {
            only: self.only.clone(),
            changed_since: self.changed_since.clone(),
        }
    }

    /// Selects from `model` (git runs in the manifest's folder) and returns the smaller
    /// model together with the reasons, for the plan's header.
    pub fn apply(&self, model: &Model) -> Result<(Model, Selection), SelectError> {
        let selection =
            flotilla_core::select::select(model, &self.criteria(), &Git::new(&model.manifest_dir))?;
        Ok((selection.apply(model), selection))
    }
}
