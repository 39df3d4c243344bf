//! The one live check a saved plan passes before apply's first mutating call: every
//! version a `MoveAlias` step moves an alias to still exists.
//!
//! `check_plan` holds a plan file to the step grammar without I/O, so it can tell that
//! `to_version` is a version number but not that the function has it. A tampered (or
//! merely old) rollback plan naming version 99 of a function with three would otherwise
//! be refused by Lambda only when its step runs, after other functions had moved.
//! Aliases that `CreateAlias`/`UpdateAlias` move point at the version the same plan
//! publishes, which `check_plan` already requires. Reads are paced and retried like
//! observe's; one `ListVersionsByFunction` per function with a `MoveAlias` step.

use crate::observe::Clients;
use crate::pace::{Pacer, read};
use crate::plan::{Plan, Step};
use flotilla_cloud::lambda::ApiOp;

/// One sentence per `MoveAlias` step whose target version the function does not have
/// (or whose versions could not be read); empty when every target exists.
pub async fn verify_alias_targets(plan: &Plan, clients: &dyn Clients) -> Vec<String> {
    let pacer = Pacer::new(plan.limits.into());
    let mut problems = Vec::new();
    for f in &plan.functions {
        let targets: Vec<(&str, &str)> = f
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::MoveAlias {
                    alias, to_version, ..
                } => Some((alias.as_str(), to_version.as_str())),
                _ => None,
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        let account = f.account.as_deref();
        let api = clients.client(account, &f.region);
        let name = f.name.as_str();
        let versions = read(
            &pacer,
            account,
            &f.region,
            ApiOp::ListVersionsByFunction,
            name,
            f.retry.into(),
            || api.list_versions(name),
        )
        .await;
        let versions = match versions {
            Ok(Some(v)) => v,
            Ok(None) => {
                problems.push(format!(
                    "function `{}`: moves alias `{}` but the function `{name}` does not exist",
                    f.key, targets[0].0
                ));
                continue;
            }
            Err(gave_up) => {
                problems.push(format!(
                    "function `{}`: cannot list its versions to check the alias target ({} attempts): {}",
                    f.key, gave_up.attempts, gave_up.error
                ));
                continue;
            }
        };
        for (alias, to) in targets {
            if !versions.iter().any(|v| v.version == to) {
                problems.push(format!(
                    "function `{}`: moves alias `{alias}` to version {to}, which the function does not have",
                    f.key
                ));
            }
        }
    }
    problems
}
