//! `flotilla status`: the live fleet next to the manifest.
//!
//! Data enters as the selected [`Model`], the [`LiveState`] `observe` read and the
//! [`Plan`] the planner made from both, and leaves as a [`FleetStatus`]: per function
//! what Lambda reports (state, versions, alias, code hash) and how it drifted from the
//! manifest, named by field. Drift is the plan's steps read back as field names, so
//! status and plan never disagree; values are not shown (secrets stay out).

mod render;

use serde::Serialize;

use crate::model::{FunctionKey, Model};
use crate::observe::{LiveFunction, LiveState};
use crate::plan::{Action, FunctionPlan, Plan, Step};

/// How a function compares with the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Drift {
    /// Lambda has what the manifest says.
    InSync,
    /// Some fields differ; `drifted_fields` names them.
    Drifted,
    /// The function is not deployed.
    Missing,
}

/// An alias and where it points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasStatus {
    /// Alias name.
    pub name: String,
    /// Version it points to.
    pub version: String,
    /// Weighted routing: additional version → weight (empty when none).
    pub routing: std::collections::BTreeMap<String, f64>,
}

/// One function of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionStatus {
    /// Key in the manifest.
    pub key: FunctionKey,
    /// Lambda function name.
    pub name: String,
    /// Account, when the manifest names one.
    pub account: Option<String>,
    /// Region.
    pub region: String,
    /// In sync, drifted or missing.
    pub drift: Drift,
    /// What differs from the manifest (`memory_mb`, `environment.KEY`, `code`,
    /// `tags.KEY`, `alias.NAME`, ...); empty unless drifted.
    pub drifted_fields: Vec<String>,
    /// Lambda's `State` (`Active`, `Pending`, ...), when deployed.
    pub state: Option<String>,
    /// Lambda's `LastUpdateStatus` (`Successful`, `InProgress`, `Failed`), when reported.
    pub last_update_status: Option<String>,
    /// `LastModified` of `$LATEST`, as Lambda reports it.
    pub last_modified: Option<String>,
    /// Highest published version (read when the manifest publishes).
    pub latest_published_version: Option<String>,
    /// The manifest's alias, when it exists in Lambda.
    pub alias: Option<AliasStatus>,
    /// `CodeSha256` of `$LATEST`.
    pub code_sha256: Option<String>,
}

/// The whole selected fleet, in manifest order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetStatus {
    /// The environment chosen with `--env`, if any.
    pub environment: Option<String>,
    /// One entry per selected function.
    pub functions: Vec<FunctionStatus>,
}

impl FleetStatus {
    /// True when any function drifted or is missing.
    pub fn has_drift(&self) -> bool {
        self.functions.iter().any(|f| f.drift != Drift::InSync)
    }
}

/// Puts the live state and the plan made from it side by side. Pure.
pub fn fleet_status(model: &Model, live: &LiveState, plan: &Plan) -> FleetStatus {
    let missing = LiveFunction::default();
    let functions = plan
        .functions
        .iter()
        .map(|fp| function_status(fp, live.functions.get(&fp.key).unwrap_or(&missing)))
        .collect();
    FleetStatus {
        environment: model.environment.clone(),
        functions,
    }
}

fn function_status(fp: &FunctionPlan, live: &LiveFunction) -> FunctionStatus {
    let info = live.info.as_ref();
    let (drift, drifted_fields) = match fp.action {
        Action::Create => (Drift::Missing, Vec::new()),
        Action::NoChange => (Drift::InSync, Vec::new()),
        Action::Update => (Drift::Drifted, drifted_fields(fp, live)),
        // Status plans without `--prune`; a deletion would be a function that left the
        // manifest, which is drift of the whole function.
        Action::Delete => (Drift::Drifted, vec!["function".to_owned()]),
        // Its creation failed: the whole function is to be made again.
        Action::Replace => (Drift::Drifted, vec!["state".to_owned()]),
    };
    FunctionStatus {
        key: fp.key.clone(),
        name: fp.name.clone(),
        account: fp.account.clone(),
        region: fp.region.clone(),
        drift,
        drifted_fields,
        state: info.and_then(|i| i.state.as_ref().map(|s| s.as_api_str().to_owned())),
        last_update_status: info.and_then(|i| {
            i.last_update_status
                .as_ref()
                .map(|s| s.as_api_str().to_owned())
        }),
        last_modified: info
            .map(|i| i.last_modified.clone())
            .filter(|s| !s.is_empty()),
        latest_published_version: live.latest_published.as_ref().map(|v| v.version.clone()),
        alias: live.alias.as_ref().map(|a| AliasStatus {
            name: a.name.clone(),
            version: a.function_version.clone(),
            routing: a.routing.clone(),
        }),
        code_sha256: info.map(|i| i.code_sha256.clone()),
    }
}

/// The plan's steps as field names. Publishing and the alias move are consequences of a
/// code or configuration change, so they are named only when nothing else differs
/// (code never published, an alias moved or rolled back).
fn drifted_fields(fp: &FunctionPlan, live: &LiveFunction) -> Vec<String> {
    let mut fields = Vec::new();
    let mut consequences = Vec::new();
    for step in &fp.steps {
        match step {
            Step::CreateFunction { .. }
            | Step::DeleteFunction { .. }
            | Step::DeleteFailedFunction { .. } => {}
            Step::UpdateCode { changes, .. } | Step::UpdateConfiguration { changes } => {
                fields.extend(changes.iter().map(|c| c.field.to_string()));
            }
            Step::ReapplyConfiguration { changes, .. } => {
                fields.push("last_update_status".to_owned());
                fields.extend(changes.iter().map(|c| c.field.to_string()));
            }
            Step::PublishVersion => {
                let published = match (&live.latest_published, &live.info) {
                    (Some(v), Some(i)) => v.code_sha256 == i.code_sha256,
                    _ => false,
                };
                if !published {
                    consequences.push("version".to_owned());
                }
            }
            Step::CreateAlias { alias }
            | Step::UpdateAlias { alias, .. }
            | Step::MoveAlias { alias, .. }
            | Step::ShiftTraffic { alias, .. } => consequences.push(format!("alias.{alias}")),
            Step::SmokeInvoke { .. } => {}
            Step::TagResource { tags, .. } => {
                fields.extend(tags.keys().map(|k| format!("tags.{k}")));
            }
            Step::UntagResource { keys } => fields.extend(keys.iter().map(|k| format!("tags.{k}"))),
            Step::RemovePermission { sid, .. } => fields.push(format!("permissions.{sid}")),
            Step::AddPermission {
                permission,
                replaced: false,
                ..
            } => fields.push(format!("permissions.{}", permission.sid)),
            Step::AddPermission { .. } => {}
            Step::PutConcurrency { .. } | Step::DeleteConcurrency { .. } => {
                fields.push("reserved_concurrency".to_owned());
            }
            Step::CreateEventSourceMapping { trigger, .. }
            | Step::DeleteEventSourceMapping {
                trigger: Some(trigger),
                ..
            } => fields.push(format!("trigger.{trigger}")),
            Step::DeleteEventSourceMapping {
                trigger: None,
                source,
                ..
            } => fields.push(format!("trigger ({source})")),
            Step::UpdateEventSourceMapping {
                trigger, changes, ..
            } => fields.extend(
                changes
                    .iter()
                    .map(|c| format!("trigger.{trigger}.{}", c.field)),
            ),
            // Old versions are housekeeping, not drift.
            Step::DeleteVersions { .. } => {}
            Step::PutProvisionedConcurrency { .. } | Step::DeleteProvisionedConcurrency { .. } => {
                fields.push("provisioned_concurrency".to_owned());
            }
            Step::PutEventInvokeConfig { .. } | Step::DeleteEventInvokeConfig { .. } => {
                fields.push("async".to_owned());
            }
            Step::PutRecursionConfig { .. } => fields.push("recursion".to_owned()),
            Step::PutCodeSigningConfig { .. } | Step::DeleteCodeSigningConfig { .. } => {
                fields.push("code_signing_config".to_owned());
            }
            Step::CreateFunctionUrlConfig { .. }
            | Step::UpdateFunctionUrlConfig { .. }
            | Step::DeleteFunctionUrlConfig { .. } => fields.push("url".to_owned()),
            Step::PutRuntimeManagementConfig { .. } => {
                fields.push("runtime_management".to_owned());
            }
        }
    }
    let code_or_config = fp.steps.iter().any(|s| {
        matches!(
            s,
            Step::UpdateCode { .. }
                | Step::UpdateConfiguration { .. }
                | Step::ReapplyConfiguration { .. }
        )
    });
    if !code_or_config {
        consequences.dedup();
        fields.extend(consequences);
    }
    fields
}
