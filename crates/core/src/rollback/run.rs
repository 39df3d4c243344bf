//! Turns rollback's decisions into a plan for the apply engine, runs it, and reports
//! every selected function (skipped and refused ones included).

use std::collections::BTreeMap;

use crate::apply::{ApplyContext, FailureCause, FunctionReport, Outcome, Report, apply};
use crate::artifact::ArtifactDigest;
use crate::model::{Function, FunctionKey, Model};
use crate::plan::{Action, FORMAT_VERSION, FunctionPlan, Plan, Step, desired_config};

use super::{Rollback, RollbackDecision, RollbackEntry};

/// The plan entry for one alias move. Its artifact is the live code (rollback changes
/// no code) and it observes no function `RevisionId`: what guards the move is the
/// alias's own `RevisionId`, carried in the step.
pub(crate) fn function_plan(
    f: &Function,
    entry: &RollbackEntry,
    code_sha256: String,
) -> FunctionPlan {
    let steps = match (&entry.decision, &entry.alias) {
        (
            RollbackDecision::Move {
                from_version,
                to_version,
                alias_revision_id,
            },
            Some(alias),
        ) => vec![Step::MoveAlias {
            alias: alias.clone(),
            from_version: from_version.clone(),
            to_version: to_version.clone(),
            alias_revision_id: alias_revision_id.clone(),
        }],
        _ => Vec::new(),
    };
    FunctionPlan {
        key: f.key.clone(),
        name: entry.name.clone(),
        account: entry.account.clone(),
        region: entry.region.clone(),
        action: Action::Update,
        observed_revision_id: None,
        observed_code_sha256: Some(code_sha256.clone()),
        artifact: ArtifactDigest::Zip {
            code_sha256,
            size: 0,
        },
        source: None,
        upload: None,
        assume_role: f.assume_role.clone(),
        desired: desired_config(f, &f.tags, None),
        // Alias moves are independent of each other: no ordering between functions.
        depends_on: Vec::new(),
        retry: f.retry.into(),
        wait: f.wait.into(),
        steps,
        rollout: None,
    }
}

/// The plan of every move (never saved, so no creation time).
pub(crate) fn plan_of(model: &Model, functions: Vec<FunctionPlan>) -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        manifest_digest: model.manifest_digest.clone(),
        created_at: String::new(),
        environment: model.environment.clone(),
        manifest_path: model.manifest_path.to_string_lossy().into_owned(),
        limits: model.limits.into(),
        functions,
    }
}

/// Moves every alias the rollback decided to move, through the apply engine (in
/// parallel across functions, waits, retries, pacing per account and region,
/// cancellation from `ctx`), and reports every selected function in manifest order:
/// skipped ones as `skipped`, refused ones as `failed`.
pub async fn rollback(rb: &Rollback, ctx: ApplyContext) -> Report {
    let moved = apply(&rb.plan, ctx).await;
    let elapsed_ms = moved.totals.elapsed_ms;
    let mut by_key: BTreeMap<FunctionKey, FunctionReport> = moved
        .functions
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
    let functions = rb
        .entries
        .iter()
        .map(|e| match &e.decision {
            RollbackDecision::Move {
                alias_revision_id, ..
            } => match by_key.remove(&e.key) {
                Some(r) => restate_stale(r, e, alias_revision_id.as_deref()),
                None => not_run(
                    e,
                    Outcome::Failed {
                        cause: FailureCause::NotRun,
                    },
                ),
            },
            RollbackDecision::Skip { reason } => not_run(
                e,
                Outcome::Skipped {
                    because: reason.clone(),
                },
            ),
            RollbackDecision::Refuse { reason } => not_run(
                e,
                Outcome::Failed {
                    cause: FailureCause::Refused {
                        reason: reason.clone(),
                    },
                },
            ),
        })
        .collect();
    Report::new(functions, elapsed_ms)
}

/// True when every selected function rolled back or was skipped: nothing failed,
/// was refused, went stale or was cancelled.
pub fn succeeded(report: &Report) -> bool {
    let t = &report.totals;
    t.failed == 0 && t.stale == 0 && t.cancelled == 0
}

fn not_run(e: &RollbackEntry, outcome: Outcome) -> FunctionReport {
    let mut r = FunctionReport::new(e.key.clone(), &e.name, e.account.as_deref(), &e.region);
    r.outcome = outcome;
    r
}

/// Apply's stale message speaks of plans; a rollback's stale case is the alias.
fn restate_stale(
    mut r: FunctionReport,
    e: &RollbackEntry,
    alias_revision_id: Option<&str>,
) -> FunctionReport {
    if let Outcome::Stale {
        last_modified,
        action,
        ..
    } = &r.outcome
    {
        r.outcome = Outcome::Stale {
            planned_revision_id: alias_revision_id.map(str::to_owned),
            live_revision_id: None,
            last_modified: last_modified.clone(),
            action: *action,
            message: format!(
                "alias `{}` was moved by someone else after rollback read it (UpdateAlias got 412 PreconditionFailed); left as it is; run `flotilla rollback` again to see where it points now",
                e.alias.as_deref().unwrap_or("")
            ),
        };
    }
    r
}
