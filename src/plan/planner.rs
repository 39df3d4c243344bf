//! `plan()`: the pure decision of what to do with each function.

use std::collections::BTreeMap;
use std::path::Path;

use crate::artifact::{ArtifactDigest, Artifacts};
use crate::lambda::{AliasInfo, FunctionInfo, VersionInfo};
use crate::model::{ArtifactSource, Function, FunctionKey, Model};
use crate::observe::{LiveFunction, LiveState};

use super::diff::{diff_config, fill_defaults};
use super::types::{
    Action, CodeOrigin, DesiredConfig, EnvValue, FORMAT_VERSION, Field, FieldChange, FieldValue,
    FunctionPlan, Plan, Step,
};

/// Tag keys with this prefix belong to Flotilla: a live one the manifest no longer sets is
/// removed. Any other tag the manifest does not mention is left alone (someone else's).
pub const MANAGED_TAG_PREFIX: &str = crate::model::RESERVED_TAG_PREFIX;

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum PlanError {
    /// The caller did not compute an artifact for a function.
    #[error("no artifact digest for function `{key}`")]
    #[diagnostic(help("package every function's artifact before planning"))]
    MissingArtifact {
        /// The function.
        key: FunctionKey,
    },
    /// Zip ↔ image cannot change in place.
    #[error(
        "function `{key}` ({name}) is a {live} function in Lambda but the manifest makes it {desired}"
    )]
    #[diagnostic(help(
        "Lambda cannot switch a function between zip and image; delete it first or give it a new name"
    ))]
    PackageTypeChange {
        /// The function.
        key: FunctionKey,
        /// Its Lambda name.
        name: String,
        /// Live package type.
        live: &'static str,
        /// Desired package type.
        desired: &'static str,
    },
}

/// Diffs the validated model against live state. Pure: no I/O, no clock (`created_at`
/// is passed in, RFC 3339).
pub fn plan(
    model: &Model,
    live: &LiveState,
    artifacts: &Artifacts,
    created_at: &str,
) -> Result<Plan, PlanError> {
    let missing = LiveFunction::default();
    let owner = model.ownership.tags();
    let mut functions = model
        .functions
        .iter()
        .map(|f| {
            let artifact = artifacts
                .get(&f.key)
                .ok_or_else(|| PlanError::MissingArtifact { key: f.key.clone() })?;
            plan_function(
                f,
                &owner,
                live.functions.get(&f.key).unwrap_or(&missing),
                artifact,
                &model.manifest_dir,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let deletions = super::prune::delete_plans(model, &live.left_manifest, &functions);
    functions.extend(deletions);
    Ok(Plan {
        format_version: FORMAT_VERSION,
        manifest_digest: model.manifest_digest.clone(),
        created_at: created_at.to_owned(),
        environment: model.environment.clone(),
        manifest_path: model.manifest_path.to_string_lossy().into_owned(),
        limits: model.limits.into(),
        functions,
    })
}

fn plan_function(
    f: &Function,
    owner: &BTreeMap<String, String>,
    live: &LiveFunction,
    artifact: &ArtifactDigest,
    manifest_dir: &Path,
) -> Result<FunctionPlan, PlanError> {
    // The ownership tags join the manifest's own: set at create, and added to an
    // existing function that lacks them (adopting it) like any other tag change.
    let mut tags = f.tags.clone();
    tags.extend(owner.iter().map(|(k, v)| (k.clone(), v.clone())));
    let desired = desired_config(f, &tags);
    let (action, steps) = match &live.info {
        None => (Action::Create, create_steps(f, &tags)),
        Some(info) => {
            let steps = update_steps(
                f,
                &tags,
                info,
                live.alias.as_ref(),
                live.latest_published.as_ref(),
                artifact,
            )?;
            let action = if steps.is_empty() {
                Action::NoChange
            } else {
                Action::Update
            };
            (action, steps)
        }
    };
    Ok(FunctionPlan {
        key: f.key.clone(),
        name: f.name.as_str().to_owned(),
        account: f.account.as_ref().map(|a| a.as_str().to_owned()),
        region: f.region.as_str().to_owned(),
        action,
        observed_revision_id: live.info.as_ref().and_then(|i| i.revision_id.clone()),
        observed_code_sha256: live.info.as_ref().map(|i| i.code_sha256.clone()),
        artifact: artifact.clone(),
        source: code_origin(f, manifest_dir),
        desired,
        depends_on: f.depends_on.clone(),
        retry: f.retry.into(),
        wait: f.wait.into(),
        steps,
    })
}

/// The artifact's local source relative to the manifest's folder (the model holds
/// absolute paths inside that folder), so a saved plan works from any checkout.
fn code_origin(f: &Function, manifest_dir: &Path) -> Option<CodeOrigin> {
    let rel = |p: &Path| {
        p.strip_prefix(manifest_dir)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    match &f.artifact {
        ArtifactSource::Zip { path } => Some(CodeOrigin::Zip { path: rel(path) }),
        ArtifactSource::Dir { path, exclude } => Some(CodeOrigin::Dir {
            path: rel(path),
            exclude: exclude.clone(),
        }),
        ArtifactSource::S3 { .. } | ArtifactSource::Image { .. } => None,
    }
}

fn desired_config(f: &Function, tags: &BTreeMap<String, String>) -> DesiredConfig {
    let c = fill_defaults(f.desired_config());
    let environment = c
        .environment
        .into_iter()
        .map(|(k, v)| {
            let value = if f.sensitive_keys.contains(&k) {
                EnvValue::Sensitive(f.environment_sources.get(&k).cloned())
            } else {
                EnvValue::Value(v)
            };
            (k, value)
        })
        .collect();
    DesiredConfig {
        role: c.role,
        runtime: c.runtime,
        handler: c.handler,
        description: c.description,
        memory_mb: c.memory_mb,
        timeout_s: c.timeout_s,
        ephemeral_storage_mb: c.ephemeral_storage_mb,
        architecture: c.architecture,
        environment,
        layers: c.layers,
        package_type: c.package_type,
        tags: tags.clone(),
        reserved_concurrency: f.reserved_concurrency,
        publish: f.publish,
        alias: f.alias.as_ref().map(|a| a.as_str().to_owned()),
    }
}

fn create_steps(f: &Function, tags: &BTreeMap<String, String>) -> Vec<Step> {
    let mut steps = vec![Step::CreateFunction { tags: tags.clone() }];
    if f.publish {
        steps.push(Step::PublishVersion);
        if let Some(alias) = &f.alias {
            steps.push(Step::CreateAlias {
                alias: alias.as_str().to_owned(),
            });
        }
    }
    if let Some(reserved) = f.reserved_concurrency {
        steps.push(Step::PutConcurrency {
            old: None,
            reserved,
        });
    }
    steps
}

/// Steps in apply's order: code → configuration → publish → alias, then the
/// function-level settings that need no wait (tags, concurrency).
fn update_steps(
    f: &Function,
    tags: &BTreeMap<String, String>,
    info: &FunctionInfo,
    alias: Option<&AliasInfo>,
    latest: Option<&VersionInfo>,
    artifact: &ArtifactDigest,
) -> Result<Vec<Step>, PlanError> {
    let desired = fill_defaults(f.desired_config());
    let live = fill_defaults(info.config.clone());
    let diff = diff_config(&desired, &live, &f.sensitive_keys);
    if diff.package_type_differs {
        return Err(PlanError::PackageTypeChange {
            key: f.key.clone(),
            name: f.name.as_str().to_owned(),
            live: package_name(live.package_type),
            desired: package_name(desired.package_type),
        });
    }
    let mut steps = Vec::new();
    let mut code_changes: Vec<FieldChange> = code_change(info, artifact).into_iter().collect();
    code_changes.extend(diff.architecture);
    let changed = !code_changes.is_empty() || !diff.configuration.is_empty();
    if !code_changes.is_empty() {
        steps.push(Step::UpdateCode {
            changes: code_changes,
        });
    }
    if !diff.configuration.is_empty() {
        steps.push(Step::UpdateConfiguration {
            changes: diff.configuration,
        });
    }
    if f.publish {
        // Publish when something changes, when `$LATEST` has code no published version
        // has, or when the alias is not on the latest version: PublishVersion returns
        // the existing version when nothing changed, so the alias lands on it either way.
        let latest_matches = latest.is_some_and(|v| v.code_sha256 == info.code_sha256);
        let alias_ok = match (&f.alias, alias, latest) {
            (None, _, _) => true,
            (Some(_), Some(a), Some(v)) => a.function_version == v.version && a.routing.is_empty(),
            (Some(_), _, _) => false,
        };
        if changed || !latest_matches || !alias_ok {
            steps.push(Step::PublishVersion);
            if let Some(name) = &f.alias {
                let name = name.as_str().to_owned();
                steps.push(match alias {
                    None => Step::CreateAlias { alias: name },
                    Some(a) => Step::UpdateAlias {
                        alias: name,
                        from_version: a.function_version.clone(),
                    },
                });
            }
        }
    }
    steps.extend(tag_steps(tags, &info.tags));
    match (f.reserved_concurrency, info.reserved_concurrency) {
        (Some(want), have) if have != Some(want) => steps.push(Step::PutConcurrency {
            old: have,
            reserved: want,
        }),
        (None, Some(have)) => steps.push(Step::DeleteConcurrency { old: have }),
        _ => {}
    }
    Ok(steps)
}

/// The code change, if the artifact differs from what `$LATEST` runs.
fn code_change(info: &FunctionInfo, artifact: &ArtifactDigest) -> Option<FieldChange> {
    let live_sha = Some(FieldValue::Text(info.code_sha256.clone()));
    match artifact {
        ArtifactDigest::Zip { code_sha256, .. } => {
            (*code_sha256 != info.code_sha256).then(|| FieldChange {
                field: Field::Code,
                old: live_sha,
                new: Some(FieldValue::Text(code_sha256.clone())),
            })
        }
        ArtifactDigest::S3 {
            bucket,
            key,
            version,
            code_sha256,
        } => {
            // Without a hash the object cannot be compared, so it is always uploaded.
            if code_sha256.as_ref() == Some(&info.code_sha256) {
                return None;
            }
            let location = match version {
                Some(v) => format!("s3://{bucket}/{key}?versionId={v}"),
                None => format!("s3://{bucket}/{key}"),
            };
            Some(FieldChange {
                field: Field::Code,
                old: live_sha,
                new: Some(FieldValue::Text(match code_sha256 {
                    Some(sha) => format!("{sha} ({location})"),
                    None => location,
                })),
            })
        }
        ArtifactDigest::Image { uri } => {
            (info.image_uri.as_ref() != Some(uri)).then(|| FieldChange {
                field: Field::Code,
                old: info.image_uri.clone().map(FieldValue::Text),
                new: Some(FieldValue::Text(uri.clone())),
            })
        }
    }
}

fn tag_steps(desired: &BTreeMap<String, String>, live: &BTreeMap<String, String>) -> Vec<Step> {
    let mut steps = Vec::new();
    let set: BTreeMap<String, String> = desired
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !set.is_empty() {
        let old = set
            .keys()
            .filter_map(|k| live.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        steps.push(Step::TagResource { tags: set, old });
    }
    let keys: Vec<String> = live
        .keys()
        .filter(|k| k.starts_with(MANAGED_TAG_PREFIX) && !desired.contains_key(*k))
        .cloned()
        .collect();
    if !keys.is_empty() {
        steps.push(Step::UntagResource { keys });
    }
    steps
}

fn package_name(p: crate::lambda::PackageType) -> &'static str {
    match p {
        crate::lambda::PackageType::Zip => "zip",
        crate::lambda::PackageType::Image => "image",
    }
}
