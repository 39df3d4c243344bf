//! The ownership check: a function whose `flotilla:manifest` or `flotilla:env` tag names
//! another manifest or environment belongs to another deployment, and plan and apply
//! refuse it (exit 1, before any change) unless `--adopt` names it. Without the check two
//! environments that resolve to the same name take the function over from each other.
//! Functions without Flotilla's tags (created by hand) are adopted as before, by a
//! `TagResource` step the plan shows.
//!
//! Plan checks what it observed ([`check_observed`], pure); apply of a saved plan reads
//! each function it changes again ([`verify_owners`]) and accepts another owner's tags
//! only where the plan adopted exactly them (its `TagResource` step's old values).

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{ENV_TAG, MANIFEST_TAG, Model, Ownership};
use crate::observe::{Clients, LiveState};
use crate::pace::{Pacer, read};
use crate::plan::{Action, Plan, Step};
use flotilla_cloud::lambda::ApiOp;

/// A function another deployment owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignFunction {
    /// Manifest key.
    pub key: String,
    /// Lambda name.
    pub name: String,
    /// Account (`None`: the credentials' own).
    pub account: Option<String>,
    /// Region.
    pub region: String,
    /// `(tag, its live value, this deployment's value)` of each tag that differs.
    pub tags: Vec<(String, String, String)>,
}

impl fmt::Display for ForeignFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let account = self
            .account
            .as_deref()
            .unwrap_or("the credentials' account");
        let tags: Vec<String> = self
            .tags
            .iter()
            .map(|(tag, live, ours)| format!("{tag} is {live:?}, not {ours:?}"))
            .collect();
        write!(
            f,
            "`{}` ({} in {account}, {}): {}",
            self.key,
            self.name,
            self.region,
            tags.join(", ")
        )
    }
}

fn list(functions: &[ForeignFunction]) -> String {
    functions
        .iter()
        .map(|f| format!("\n  - {f}"))
        .collect::<String>()
}

fn adopt_flags(functions: &[ForeignFunction]) -> String {
    functions
        .iter()
        .map(|f| format!("--adopt {}", f.key))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a function was refused as another deployment's.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum OwnershipError {
    /// Observed tags name another manifest or environment.
    #[error(
        "{} function(s) belong to another manifest or environment (their ownership tags say so); nothing was changed:{}",
        functions.len(),
        list(functions)
    )]
    #[diagnostic(
        code(flotilla::ownership::foreign),
        help(
            "to take them over on purpose, plan or apply again with `{}` (repeatable); otherwise give each a name of its own in this environment, e.g. `name: api-${{stage}}`",
            adopt_flags(functions)
        )
    )]
    Foreign {
        /// The functions refused.
        functions: Vec<ForeignFunction>,
    },
    /// A saved plan's function now carries another owner's tags the plan did not adopt.
    #[error(
        "{} function(s) now belong to another manifest or environment, which the plan did not adopt; nothing was changed:{}",
        functions.len(),
        list(functions)
    )]
    #[diagnostic(
        code(flotilla::ownership::changed),
        help(
            "someone deployed them from elsewhere since the plan; make a new plan, with `flotilla plan {} -o FILE` to take them over on purpose",
            adopt_flags(functions)
        )
    )]
    ChangedSincePlan {
        /// The functions refused.
        functions: Vec<ForeignFunction>,
    },
    /// `--adopt` names no function of the manifest (a typo adopts nothing).
    #[error("--adopt {name}: no function of the manifest has this key or Lambda name")]
    #[diagnostic(
        code(flotilla::ownership::unknown_adopt),
        help(
            "name a function by its key under `functions:` or by its Lambda name; functions: {known}"
        )
    )]
    UnknownAdopt {
        /// The name given.
        name: String,
        /// The model's keys.
        known: String,
    },
}

/// Refuses the model's functions whose observed ownership tags name another manifest or
/// environment, except those `adopt` names (by key or Lambda name). Pure.
///
/// # Errors
/// Every foreign function at once, or an `adopt` entry that names no function.
pub fn check_observed(
    model: &Model,
    live: &LiveState,
    adopt: &[String],
) -> Result<(), OwnershipError> {
    if let Some(name) = adopt.iter().find(|a| {
        !model
            .functions
            .iter()
            .any(|f| &f.key.0 == *a || f.name.as_str() == a.as_str())
    }) {
        return Err(OwnershipError::UnknownAdopt {
            name: name.clone(),
            known: model
                .functions
                .iter()
                .map(|f| f.key.0.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let functions: Vec<ForeignFunction> = model
        .functions
        .iter()
        .filter(|f| !adopt.iter().any(|a| *a == f.key.0 || a == f.name.as_str()))
        .filter_map(|f| {
            let info = live.functions.get(&f.key)?.info.as_ref()?;
            let tags = owned(model.ownership.foreign_tags(&info.tags));
            (!tags.is_empty()).then(|| ForeignFunction {
                key: f.key.0.clone(),
                name: f.name.as_str().to_owned(),
                account: f.account.as_ref().map(|a| a.as_str().to_owned()),
                region: f.region.as_str().to_owned(),
                tags,
            })
        })
        .collect();
    if functions.is_empty() {
        Ok(())
    } else {
        Err(OwnershipError::Foreign { functions })
    }
}

fn owned(tags: Vec<(&'static str, String, String)>) -> Vec<(String, String, String)> {
    tags.into_iter()
        .map(|(t, live, ours)| (t.to_owned(), live, ours))
        .collect()
}

/// The keys of the plan's functions that adopt another owner's function (a
/// `TagResource` step whose old values hold another owner's ownership tag).
pub fn adopted_in(plan: &Plan) -> Vec<String> {
    plan.functions
        .iter()
        .filter(|f| !adoptions(f).is_empty())
        .map(|f| f.key.0.clone())
        .collect()
}

/// The ownership tags (and their old values) a function's plan takes over.
fn adoptions(f: &crate::plan::FunctionPlan) -> BTreeMap<&str, &str> {
    f.steps
        .iter()
        .filter_map(|s| match s {
            Step::TagResource { tags, old } => Some((tags, old)),
            _ => None,
        })
        .flat_map(|(tags, old)| {
            [MANIFEST_TAG, ENV_TAG].into_iter().filter_map(move |k| {
                let theirs = old.get(k)?;
                (tags.get(k) != Some(theirs)).then_some((k, theirs.as_str()))
            })
        })
        .collect()
}

/// Before a saved plan's first change: reads each function it updates again
/// (GetFunction, paced and retried like observe's) and refuses those whose ownership
/// tags now name another manifest or environment, unless the plan adopted exactly
/// those values.
///
/// # Errors
/// Every function refused.
pub async fn verify_owners(plan: &Plan, clients: &dyn Clients) -> Result<(), OwnershipError> {
    let pacer = Pacer::new(plan.limits.into());
    let mut functions = Vec::new();
    for f in &plan.functions {
        if f.steps.is_empty() || matches!(f.action, Action::Create | Action::Delete) {
            // A create fails on a function that appeared meanwhile; a deletion re-reads
            // its ownership tags itself.
            continue;
        }
        let (Some(manifest), Some(env)) = (
            f.desired.tags.get(MANIFEST_TAG),
            f.desired.tags.get(ENV_TAG),
        ) else {
            continue;
        };
        let ours = Ownership {
            manifest: manifest.clone(),
            env: env.clone(),
        };
        let account = f.account.as_deref();
        let api = clients.client(account, &f.region);
        let name = f.name.as_str();
        let info = read(
            &pacer,
            account,
            &f.region,
            ApiOp::GetFunction,
            name,
            f.retry.into(),
            || api.get_function(name),
        )
        .await;
        // Deleted since: the executor's stale check reports it. A read that fails (a
        // role that cannot be assumed, no connection) fails the function's first call
        // the same way, once per function, before it changes anything.
        let Ok(Some(info)) = info else { continue };
        let adopted = adoptions(f);
        let tags: Vec<_> = owned(ours.foreign_tags(&info.tags))
            .into_iter()
            .filter(|(tag, live, _)| adopted.get(tag.as_str()) != Some(&live.as_str()))
            .collect();
        if !tags.is_empty() {
            functions.push(ForeignFunction {
                key: f.key.0.clone(),
                name: name.to_owned(),
                account: f.account.clone(),
                region: f.region.clone(),
                tags,
            });
        }
    }
    if functions.is_empty() {
        Ok(())
    } else {
        Err(OwnershipError::ChangedSincePlan { functions })
    }
}
