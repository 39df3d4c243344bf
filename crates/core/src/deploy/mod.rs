//! The workflow the CLI runs, with the clients it hands in (the SDK's or the emulator's): package and
//! hash artifacts, observe, plan; then hand a plan to the engine. Commands stay thin;
//! each phase keeps its own typed error.

mod accounts;
mod alias_targets;
mod clients;
mod code;
mod files;
mod layers;
mod ownership;
mod roles;

pub use accounts::AccountError;
pub use alias_targets::verify_alias_targets;
pub use clients::{ClientSet, Seed};
pub use code::{DEFAULT_PARALLEL_UPLOADS, LocalCode, verify_artifacts};
pub use layers::{LayerError, LayerErrors, Location, resolve_layers};
pub use ownership::{ForeignFunction, OwnershipError, adopted_in, check_observed, verify_owners};
pub use roles::{AccountRoles, RoleConflict};

use crate::artifact::{ArtifactErrors, Artifacts, digest_all};
use crate::model::Model;
use crate::observe::{LiveState, ObserveError, observe};
use crate::pace::Pacer;
use crate::plan::{Plan, PlanError, plan};
use flotilla_cloud::lambda::ApiError;

/// Something that stopped a plan from being made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DeployError {
    /// An artifact could not be read or packaged.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Artifacts(#[from] ArtifactErrors),
    /// The live state could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Observe(#[from] ObserveError),
    /// A `${layer:NAME}` reference could not be resolved.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Layers(#[from] LayerErrors),
    /// Managed functions that left the manifest could not be listed (`--prune`).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Prune(#[from] crate::prune::PruneScanError),
    /// The planner refused the change.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plan(#[from] PlanError),
    /// Functions of one account name different roles to assume.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Roles(#[from] RoleConflict),
    /// The credentials act in another account than the manifest's.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Account(#[from] AccountError),
    /// A function belongs to another manifest or environment.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Ownership(#[from] OwnershipError),
    /// The local emulator could not be seeded.
    #[error("could not seed the local emulator: {0}")]
    #[diagnostic(help("this is a bug in Flotilla's local mode; please report it"))]
    Seed(ApiError),
    /// A worker thread stopped unexpectedly.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Hashes or packages every artifact, off the async threads.
///
/// # Errors
/// Every artifact problem at once.
pub async fn digest(model: &Model) -> Result<Artifacts, DeployError> {
    let model = model.clone();
    match tokio::task::spawn_blocking(move || digest_all(&model)).await {
        Ok(result) => Ok(result?),
        Err(join) => Err(DeployError::Internal(format!(
            "artifact packaging stopped: {join}"
        ))),
    }
}

/// Assumes each account's `assume_role` (the emulator ignores roles), resolves
/// `${layer:NAME}` references, observes the fleet and plans it. The clients' [`Seed`],
/// if any (local mode), runs first.
///
/// # Errors
/// Artifact, observe, plan or seeding errors.
pub async fn make_plan(model: &Model, clients: &ClientSet) -> Result<Plan, DeployError> {
    make_plan_with(model, clients, &PlanOptions::default()).await
}

/// What a plan looks at besides the manifest's own functions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Also list the managed functions that left the manifest and plan their deletion
    /// (`--prune`). Only for a whole manifest: never with a selection.
    pub prune: bool,
    /// Functions (by key or Lambda name) whose ownership tags may name another manifest
    /// or environment: the plan takes them over (`--adopt`). Any other such function
    /// is refused.
    pub adopt: Vec<String>,
}

/// [`make_plan`] with options (`--prune`, `--adopt`). A function whose ownership tags
/// name another manifest or environment is refused unless `options.adopt` names it.
///
/// # Errors
/// Artifact, observe, prune-scan, ownership, plan or seeding errors.
pub async fn make_plan_with(
    model: &Model,
    clients: &ClientSet,
    options: &PlanOptions,
) -> Result<Plan, DeployError> {
    let (live, plan) = observe_and_plan_with(model, clients, options).await?;
    check_observed(model, &live, &options.adopt)?;
    crate::plan::refuse_weighted_aliases(model, &live)?;
    Ok(plan)
}

/// Like [`make_plan`], also returning the live state the plan was made from (for
/// `status`, which shows both).
///
/// # Errors
/// Artifact, observe, plan or seeding errors.
pub async fn observe_and_plan(
    model: &Model,
    clients: &ClientSet,
) -> Result<(LiveState, Plan), DeployError> {
    observe_and_plan_with(model, clients, &PlanOptions::default()).await
}

async fn observe_and_plan_with(
    model: &Model,
    clients: &ClientSet,
    options: &PlanOptions,
) -> Result<(LiveState, Plan), DeployError> {
    let roles = AccountRoles::of_model(model)?;
    clients.assume_roles(&roles).await;
    // Before anything is read: a layer or function looked up in the wrong account
    // would be reported there.
    clients.check_accounts(&roles).await?;
    let artifacts = digest(model).await?;
    clients.seed(model, &artifacts).map_err(DeployError::Seed)?;
    let pacer = Pacer::new(model.limits);
    let model = &resolve_layers(model, clients, &pacer).await?;
    let mut live = observe(model, clients, &pacer).await?;
    if options.prune {
        live.left_manifest = crate::prune::find_left(model, clients, &pacer).await?;
    }
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let mut plan = plan(model, &live, &artifacts, &now)?;
    files::attach_file_lists(model, &live, clients, &mut plan).await;
    Ok((live, plan))
}
