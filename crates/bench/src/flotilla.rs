//! Flotilla's row: the scenario turned into a [`Plan`] (as `flotilla plan` would make it
//! from the observed "before" state), carried out by the real apply engine.
//!
//! Observation is not timed, as for the peers: every tool is measured from its first
//! mutating call's decision to its last wait.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::peers::{Clients, ToolOutcome};
use super::scenario::{ACCOUNT, ALIAS, BenchFunction, Change, Scenario};
use flotilla_cloud::lambda::{CodeSource, ConfigField, FunctionInfo, PackageType};
use flotilla_core::apply::{ApplyContext, CodeProvider, NoEvents, Outcome, apply};
use flotilla_core::artifact::ArtifactDigest;
use flotilla_core::model::{FunctionKey, RetryPolicy, WaitPolicy};
use flotilla_core::plan::{
    Action, DesiredConfig, EnvValue, FORMAT_VERSION, Field, FieldChange, FieldValue, FunctionPlan,
    Plan, PlanLimits, Step,
};

/// Deploys the scenario with the apply engine; `seeded` is each function's observed
/// "before" state; `parallelism` overrides the engine's default functions in flight.
pub(super) async fn run(
    scenario: &Scenario,
    clients: &Clients,
    seeded: &BTreeMap<String, FunctionInfo>,
    parallelism: Option<usize>,
) -> ToolOutcome {
    let plan = build_plan(scenario, seeded);
    let clients = clients.clone();
    let provider = move |_account: Option<&str>, region: &str| {
        clients
            .get(&(ACCOUNT.to_owned(), region.to_owned()))
            .cloned()
            .ok_or_else(|| format!("no emulator client for {region}"))
    };
    let mut ctx = ApplyContext::new(Arc::new(provider), Arc::new(PlannedCode));
    ctx.events = Arc::new(NoEvents);
    ctx.seed = scenario.seed;
    if let Some(p) = parallelism {
        ctx.parallelism = p;
    }
    let report = apply(&plan, ctx).await;

    let mut outcome = ToolOutcome::default();
    for f in &report.functions {
        outcome
            .polls_per_wait
            .extend(f.polls_per_update.iter().copied());
        if !matches!(f.outcome, Outcome::Converged) {
            let detail = f.outcome.detail().unwrap_or_default();
            outcome
                .failed
                .insert(f.name.clone(), format!("{}: {detail}", f.outcome.label()));
        }
    }
    outcome
}

/// Hands apply the code the plan names: S3 objects and images pass through.
struct PlannedCode;

#[async_trait]
impl CodeProvider for PlannedCode {
    async fn code(&self, function: &FunctionPlan) -> Result<CodeSource, String> {
        match &function.artifact {
            ArtifactDigest::S3 {
                bucket,
                key,
                version,
                ..
            } => Ok(CodeSource::S3 {
                bucket: bucket.clone(),
                key: key.clone(),
                version: version.clone(),
            }),
            ArtifactDigest::Image { uri } => Ok(CodeSource::Image(uri.clone())),
            ArtifactDigest::Zip { .. } => Err("the benchmark plans S3 and image code only".into()),
        }
    }
}

/// A rate no run reaches: pacing off.
const UNPACED: f64 = 1.0e6;

/// The plan `flotilla plan` would make for this scenario against the seeded state.
pub(super) fn build_plan(scenario: &Scenario, seeded: &BTreeMap<String, FunctionInfo>) -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        manifest_digest: format!("bench-{}-{}", scenario.kind.name(), scenario.seed),
        created_at: "1970-01-01T00:00:00Z".to_owned(),
        environment: None,
        manifest_path: String::new(),
        // The manifest's limits match the account's quotas; without quotas (HTTP
        // mode) the engine should not pace at all.
        limits: PlanLimits {
            mutating_per_second: scenario.quota.control_plane.unwrap_or(UNPACED),
            get_function_per_second: scenario.quota.get_function.unwrap_or(UNPACED),
        },
        functions: scenario
            .functions
            .iter()
            .filter_map(|f| seeded.get(&f.name).map(|info| function_plan(f, info)))
            .collect(),
    }
}

fn function_plan(f: &BenchFunction, live: &FunctionInfo) -> FunctionPlan {
    let c = &live.config;
    // A setting the manifest leaves alone (the VPC where the scenario's manifest does
    // not name it) holds its live value in the plan, as in `flotilla plan`; so the
    // desired configuration is the live one either way.
    let config = c.clone().map_environment(|_, v| EnvValue::Value(v));
    let mut desired = DesiredConfig {
        config,
        tags: live.tags.clone(),
        reserved_concurrency: live.reserved_concurrency,
        around: Default::default(),
        code_signing_config: None,
        publish: f.changes.contains(&Change::Publish),
        alias: f.changes.contains(&Change::Alias).then(|| ALIAS.to_owned()),
        provisioned_concurrency: None,
    };
    let mut artifact = match &live.image_uri {
        Some(uri) => ArtifactDigest::Image { uri: uri.clone() },
        None => ArtifactDigest::S3 {
            bucket: String::new(),
            key: String::new(),
            version: None,
            code_sha256: Some(live.code_sha256.clone()),
        },
    };
    let steps = f
        .changes
        .iter()
        .map(|change| match change {
            Change::Code { bucket, key_or_uri } => {
                artifact = match f.package_type {
                    PackageType::Image => ArtifactDigest::Image {
                        uri: key_or_uri.clone(),
                    },
                    PackageType::Zip => ArtifactDigest::S3 {
                        bucket: bucket.clone(),
                        key: key_or_uri.clone(),
                        version: None,
                        code_sha256: None,
                    },
                };
                Step::UpdateCode {
                    changes: vec![FieldChange {
                        field: Field::Code,
                        old: Some(FieldValue::Text(live.code_sha256.clone())),
                        new: Some(FieldValue::Text(key_or_uri.clone())),
                    }],
                    files: None,
                }
            }
            Change::Config {
                memory_mb,
                environment,
            } => {
                let mut changes = vec![FieldChange {
                    field: Field::Setting(ConfigField::MemoryMb),
                    old: Some(FieldValue::Number(u64::from(c.memory_mb))),
                    new: Some(FieldValue::Number(u64::from(*memory_mb))),
                }];
                for (k, v) in environment {
                    let old = c.environment.get(k);
                    if old != Some(v) {
                        changes.push(FieldChange {
                            field: Field::Environment(k.clone()),
                            old: old.map(|o| FieldValue::Text(o.clone())),
                            new: Some(FieldValue::Text(v.clone())),
                        });
                    }
                }
                desired.config.memory_mb = *memory_mb;
                desired.config.environment = env_values(environment);
                Step::UpdateConfiguration { changes }
            }
            Change::Publish => Step::PublishVersion,
            Change::Alias => Step::CreateAlias {
                alias: ALIAS.to_owned(),
            },
        })
        .collect();
    FunctionPlan {
        key: FunctionKey(f.name.clone()),
        name: f.name.clone(),
        account: Some(f.account.clone()),
        region: f.region.clone(),
        assume_role: None,
        action: if f.changes.is_empty() {
            Action::NoChange
        } else {
            Action::Update
        },
        observed_revision_id: live.revision_id.clone(),
        observed_code_sha256: Some(live.code_sha256.clone()),
        artifact,
        // S3 and image code: nothing to read from disk.
        source: None,
        upload: None,
        desired,
        depends_on: Vec::new(),
        retry: RetryPolicy::default().into(),
        wait: WaitPolicy::default().into(),
        steps,
        rollout: None,
    }
}

fn env_values(env: &BTreeMap<String, String>) -> BTreeMap<String, EnvValue> {
    env.iter()
        .map(|(k, v)| (k.clone(), EnvValue::Value(v.clone())))
        .collect()
}
