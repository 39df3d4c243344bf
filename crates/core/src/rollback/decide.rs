//! The pure decision of where one alias moves.

use flotilla_cloud::lambda::{AliasInfo, VersionInfo};

/// What happens to one function's alias.
#[derive(Debug, Clone, PartialEq)]
pub enum RollbackDecision {
    /// The alias moves.
    Move {
        /// Version it points to now.
        from_version: String,
        /// Version it will point to.
        to_version: String,
        /// The alias's `RevisionId` as read, passed to UpdateAlias so a concurrent move
        /// is refused (412) instead of overwritten.
        alias_revision_id: Option<String>,
    },
    /// Nothing to do, for a reason the user expects (no alias, nothing earlier, ...).
    Skip {
        /// Why.
        reason: String,
    },
    /// Rollback will not move this alias; the run fails for it.
    Refuse {
        /// Why, and what to do instead.
        reason: String,
    },
}

/// Where `alias` (named `alias_name`, `None` when it does not exist) moves, given the
/// function's published versions. Without `to`: the highest published version below
/// the current one. With `to`: that version, which must exist.
///
/// A weighted alias (routing to a second version: a rollout in progress or
/// interrupted) ends that rollout: without `to` all traffic goes back to the version
/// that has the rest of it (the old one), with the weights removed; with `to`, to that
/// version, also without weights.
pub fn decide(
    alias_name: &str,
    alias: Option<&AliasInfo>,
    versions: &[VersionInfo],
    to: Option<u64>,
) -> RollbackDecision {
    let Some(alias) = alias else {
        return RollbackDecision::Skip {
            reason: format!("alias `{alias_name}` does not exist in Lambda"),
        };
    };
    if !alias.routing.is_empty() && to.is_none() {
        return RollbackDecision::Move {
            from_version: format!("{} + {}", alias.function_version, weights(alias)),
            to_version: alias.function_version.clone(),
            alias_revision_id: alias.revision_id.clone(),
        };
    }
    let mut published: Vec<u64> = versions
        .iter()
        .filter_map(|v| v.version.parse::<u64>().ok())
        .collect();
    published.sort_unstable();
    published.dedup();
    let current = alias.function_version.parse::<u64>().ok();
    let from_version = alias.function_version.clone();
    let target = match (to, current) {
        (Some(to), _) if !published.contains(&to) => {
            return RollbackDecision::Refuse {
                reason: format!(
                    "version {to} does not exist (published versions: {})",
                    list(&published)
                ),
            };
        }
        (Some(to), Some(current)) if to == current && alias.routing.is_empty() => {
            return RollbackDecision::Skip {
                reason: format!("alias `{alias_name}` is already at version {to}"),
            };
        }
        (Some(to), _) => to,
        (None, None) => {
            return RollbackDecision::Skip {
                reason: format!(
                    "alias `{alias_name}` points to {from_version}, not a published version; pass --to VERSION"
                ),
            };
        }
        (None, Some(current)) => match published.iter().rev().find(|v| **v < current) {
            Some(v) => *v,
            None => {
                return RollbackDecision::Skip {
                    reason: format!("no published version before {current}"),
                };
            }
        },
    };
    let from_version = if alias.routing.is_empty() {
        from_version
    } else {
        format!("{from_version} + {}", weights(alias))
    };
    RollbackDecision::Move {
        from_version,
        to_version: target.to_string(),
        alias_revision_id: alias.revision_id.clone(),
    }
}

/// `10% to version 7`: the extra versions of a weighted alias.
fn weights(alias: &AliasInfo) -> String {
    alias
        .routing
        .iter()
        .map(|(v, w)| format!("{:.0}% to version {v}", w * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(versions: &[u64]) -> String {
    if versions.is_empty() {
        return "none".to_owned();
    }
    versions
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
