//! `plan()`: the pure decision of what to do with each function.

use std::collections::BTreeMap;
use std::path::Path;

use crate::artifact::{ArtifactDigest, Artifacts};
use crate::model::rollout::{Rollout, Strategy};
use crate::model::{ArtifactSource, Function, FunctionKey, LayerRef, Model};
use crate::observe::{LiveFunction, LiveState};
use flotilla_cloud::image::{image_digest, is_digest_hex};
use flotilla_cloud::lambda::{
    AliasInfo, FunctionConfig, FunctionInfo, FunctionStateKind, LastUpdateStatus, VersionInfo,
};

use super::diff::{diff_config, fill_defaults};
use super::types::{
    Action, CodeOrigin, DesiredConfig, EnvValue, FORMAT_VERSION, Field, FieldChange, FieldValue,
    FunctionPlan, Plan, RolloutSummary, Step, UploadTarget,
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
    /// The alias routes traffic to two versions: a rollout is under way (another tool's,
    /// or an interrupted one), and apply never clears weights it did not set.
    #[error(
        "function `{key}`: alias `{alias}` routes {weights} and the rest to version {primary}: a gradual rollout is under way"
    )]
    #[diagnostic(help(
        "let the tool that is shifting the alias finish, or end the rollout with `flotilla rollback --only {key}` (all traffic back on version {primary}); then plan again"
    ))]
    AliasWeighted {
        /// The function.
        key: FunctionKey,
        /// The alias.
        alias: String,
        /// The version with the rest of the traffic.
        primary: String,
        /// The extra versions and their weights, in words (`10% to version 7`).
        weights: String,
    },
    /// A `${layer:NAME}` entry reached the planner unresolved.
    #[error("function `{key}` lists layer `{reference}`, which was not resolved to an ARN")]
    #[diagnostic(help(
        "resolve layer references first (`deploy::resolve_layers`, which `make_plan` runs)"
    ))]
    UnresolvedLayer {
        /// The function.
        key: FunctionKey,
        /// The entry as written.
        reference: String,
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
    let mut functions = model
        .functions
        .iter()
        .map(|f| {
            let artifact = artifacts
                .get(&f.key)
                .ok_or_else(|| PlanError::MissingArtifact { key: f.key.clone() })?;
            // A plan holds ARNs only: apply never resolves anything.
            if let Some(named) = f
                .config
                .layers
                .iter()
                .find(|l| LayerRef::from_entry(l).is_named())
            {
                return Err(PlanError::UnresolvedLayer {
                    key: f.key.clone(),
                    reference: named.clone(),
                });
            }
            let mut fp = plan_function(
                f,
                &model.ownership.tags_of(f),
                live.functions.get(&f.key).unwrap_or(&missing),
                artifact,
                &model.manifest_dir,
            )?;
            super::around_triggers::add_steps(f, live.around.get(&f.key), &mut fp);
            Ok(fp)
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
    tags: &BTreeMap<String, String>,
    live: &LiveFunction,
    artifact: &ArtifactDigest,
    manifest_dir: &Path,
) -> Result<FunctionPlan, PlanError> {
    // A function whose creation failed is replaced: nothing of it is kept.
    let config = fill_defaults(f.desired_config_against(live.existing().map(|i| &i.config)));
    let (mut action, mut steps) = match &live.info {
        None => (
            Action::Create,
            with_provisioned(create_steps(f, tags), f, live),
        ),
        // Lambda cannot repair a function whose creation failed: delete, create again.
        Some(info) if matches!(info.state, Some(FunctionStateKind::Failed)) => {
            let mut steps = vec![Step::DeleteFailedFunction {
                reason: info.state_reason.clone(),
                reason_code: info.state_reason_code.clone(),
            }];
            steps.extend(create_steps(f, tags));
            // The function is created again: nothing provisioned survives it.
            let missing = LiveFunction::default();
            (Action::Replace, with_provisioned(steps, f, &missing))
        }
        Some(info) => {
            let steps = update_steps(
                f,
                &config,
                tags,
                info,
                live.alias.as_ref(),
                live.latest_published.as_ref(),
                artifact,
            )?;
            let steps = with_provisioned(steps, f, live);
            let action = if steps.is_empty() {
                Action::NoChange
            } else {
                Action::Update
            };
            (action, steps)
        }
    };
    // First of an existing function's steps (rank 1, before UpdateCode).
    if let Some(step) = super::code_signing::step(f, live) {
        steps.insert(0, step);
    }
    let rollout = f
        .rollout
        .as_ref()
        .and_then(|r| add_rollout_steps(r, live.alias.as_ref(), &mut steps));
    steps.extend(super::function_url::url_steps(f, live));
    steps.extend(super::permissions::permission_steps(f, live));
    super::around_async::add_around_steps(f, live, &mut action, &mut steps);
    let action = if action == Action::NoChange && !steps.is_empty() {
        Action::Update
    } else {
        action
    };
    Ok(FunctionPlan {
        key: f.key.clone(),
        name: f.name.as_str().to_owned(),
        account: f.account.as_ref().map(|a| a.as_str().to_owned()),
        region: f.region.as_str().to_owned(),
        assume_role: f.assume_role.clone(),
        action,
        observed_revision_id: live.info.as_ref().and_then(|i| i.revision_id.clone()),
        observed_code_sha256: live.info.as_ref().map(|i| i.code_sha256.clone()),
        artifact: artifact.clone(),
        source: code_origin(f, manifest_dir),
        upload: upload_target(f, artifact),
        desired: desired_from(f, tags, config),
        depends_on: f.depends_on.clone(),
        retry: f.retry.into(),
        wait: f.wait.into(),
        steps,
        rollout,
    })
}

/// Refuses a plan that would move an alias that routes traffic to two versions (a
/// rollout under way, another tool's or an interrupted one): apply never clears weights
/// it did not set. `status` shows such an alias instead. Pure.
///
/// # Errors
/// The first function whose alias has weights.
pub fn refuse_weighted_aliases(model: &Model, live: &LiveState) -> Result<(), PlanError> {
    for f in &model.functions {
        let (Some(name), Some(a)) = (
            &f.alias,
            live.functions.get(&f.key).and_then(|l| l.alias.as_ref()),
        ) else {
            continue;
        };
        if a.routing.is_empty() {
            continue;
        }
        return Err(PlanError::AliasWeighted {
            key: f.key.clone(),
            alias: name.as_str().to_owned(),
            primary: a.function_version.clone(),
            weights: a
                .routing
                .iter()
                .map(|(v, w)| format!("{:.0}% to version {v}", w * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// Puts the rollout's steps into `steps`: the smoke invoke right after PublishVersion,
/// and, when the alias moves from a published version, one [`Step::ShiftTraffic`] per
/// share before the final UpdateAlias. A new alias, or one on `$LATEST` (which Lambda
/// cannot weight), moves at once. Returns the gradual part's summary, if any.
fn add_rollout_steps(
    rollout: &Rollout,
    alias: Option<&AliasInfo>,
    steps: &mut Vec<Step>,
) -> Option<RolloutSummary> {
    if let Some(smoke) = &rollout.smoke
        && let Some(at) = steps.iter().position(|s| matches!(s, Step::PublishVersion))
    {
        steps.insert(
            at + 1,
            Step::SmokeInvoke {
                payload: smoke.payload.clone(),
                expect: smoke.expect.clone(),
            },
        );
    }
    let (at, alias_name, from_version) = steps.iter().enumerate().find_map(|(i, s)| match s {
        Step::UpdateAlias {
            alias,
            from_version,
        } if from_version != "$LATEST" => Some((i, alias.clone(), from_version.clone())),
        _ => None,
    })?;
    let shifts = rollout.strategy.shifts();
    if shifts.is_empty() {
        return None;
    }
    let revision = alias.and_then(|a| a.revision_id.clone());
    let mut expected_secs = 0u64;
    let mut percents = Vec::new();
    let shift_steps: Vec<Step> = shifts
        .iter()
        .map(|&(percent, hold)| {
            expected_secs = expected_secs.saturating_add(hold.as_secs());
            percents.push(percent);
            Step::ShiftTraffic {
                alias: alias_name.clone(),
                from_version: from_version.clone(),
                percent,
                hold_secs: hold.as_secs(),
                alarms: rollout.alarms.clone(),
                on_failure: rollout.on_failure,
                alias_revision_id: revision.clone(),
            }
        })
        .collect();
    steps.splice(at..at, shift_steps);
    let strategy = match rollout.strategy {
        Strategy::Canary { .. } => "canary",
        Strategy::Linear { .. } => "linear",
        Strategy::AllAtOnce => return None,
    };
    Some(RolloutSummary {
        strategy: strategy.to_owned(),
        percents,
        expected_secs,
    })
}

/// `steps` followed by the provisioned concurrency steps (last: after the alias move
/// and the reserved concurrency).
fn with_provisioned(mut steps: Vec<Step>, f: &Function, live: &LiveFunction) -> Vec<Step> {
    steps.extend(super::provisioned::provisioned_steps(f, live));
    steps
}

/// The artifact's local source relative to the manifest's folder (the model holds
/// absolute paths inside that folder), so a saved plan works from any checkout.
/// The content-addressed S3 object of an uploaded zip: its key carries the zip's
/// SHA-256 in hex (the digest holds it in base64, as Lambda reports it).
fn upload_target(f: &Function, artifact: &ArtifactDigest) -> Option<UploadTarget> {
    use base64::Engine as _;
    let upload = f.artifact.upload()?;
    let ArtifactDigest::Zip { code_sha256, .. } = artifact else {
        return None;
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(code_sha256)
        .ok()?;
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    Some(UploadTarget {
        bucket: upload.bucket.clone(),
        key: upload.key_for(&hex),
    })
}

fn code_origin(f: &Function, manifest_dir: &Path) -> Option<CodeOrigin> {
    let rel = |p: &Path| {
        p.strip_prefix(manifest_dir)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    match &f.artifact {
        ArtifactSource::Zip { path, .. } => Some(CodeOrigin::Zip { path: rel(path) }),
        ArtifactSource::Dir { path, exclude, .. } => Some(CodeOrigin::Dir {
            path: rel(path),
            exclude: exclude.clone(),
        }),
        ArtifactSource::S3 { .. } | ArtifactSource::Image { .. } => None,
    }
}

/// The desired configuration of `f` as a plan carries it (secrets by reference), the
/// settings the manifest leaves alone taken from `live` when the function exists.
pub(crate) fn desired_config(
    f: &Function,
    tags: &BTreeMap<String, String>,
    live: Option<&FunctionConfig>,
) -> DesiredConfig {
    desired_from(f, tags, fill_defaults(f.desired_config_against(live)))
}

/// [`desired_config`] from the configuration already built.
fn desired_from(
    f: &Function,
    tags: &BTreeMap<String, String>,
    config: FunctionConfig,
) -> DesiredConfig {
    let config = config.map_environment(|k, v| {
        if f.sensitive_keys.contains(k) {
            EnvValue::Sensitive(f.environment_sources.get(k).cloned())
        } else {
            EnvValue::Value(v)
        }
    });
    DesiredConfig {
        config,
        tags: tags.clone(),
        reserved_concurrency: f.reserved_concurrency,
        around: f.around_async.clone(),
        code_signing_config: super::code_signing::create_arn(f),
        publish: f.publish,
        alias: f.alias.as_ref().map(|a| a.as_str().to_owned()),
        provisioned_concurrency: f.provisioned_concurrency,
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
/// `desired` is [`Function::desired_config_against`] the live configuration, defaults
/// filled.
fn update_steps(
    f: &Function,
    desired: &FunctionConfig,
    tags: &BTreeMap<String, String>,
    info: &FunctionInfo,
    alias: Option<&AliasInfo>,
    latest: Option<&VersionInfo>,
    artifact: &ArtifactDigest,
) -> Result<Vec<Step>, PlanError> {
    let live = fill_defaults(info.config.clone());
    let diff = diff_config(desired, &live, &f.sensitive_keys);
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
    // The last update failed: its fields may read as desired but did not take effect.
    // Which of code and configuration failed is not reported, so both are sent again.
    let failed = matches!(info.last_update_status, Some(LastUpdateStatus::Failed));
    let changed = failed || !code_changes.is_empty() || !diff.configuration.is_empty();
    if failed || !code_changes.is_empty() {
        steps.push(Step::UpdateCode {
            changes: code_changes,
            files: None,
        });
    }
    if failed {
        steps.push(Step::ReapplyConfiguration {
            reason: info.last_update_status_reason.clone(),
            reason_code: info.last_update_status_reason_code.clone(),
            changes: diff.configuration,
        });
    } else if !diff.configuration.is_empty() {
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
        ArtifactDigest::Image { uri } => image_change(info, uri),
    }
}

/// The image change, if any. A URI pinned by digest is compared by digest, so the same
/// image under another spelling (a tag plus the digest, another registry alias of the
/// repository) is no change. A tag is compared as text: the plan cannot know what the
/// tag points to now, and Lambda keeps the digest it resolved when the code was set, so
/// an unchanged tag is no change (as in Terraform and lambroll); pin digests to deploy
/// re-pushed images.
fn image_change(info: &FunctionInfo, uri: &str) -> Option<FieldChange> {
    let live_digest = live_image_digest(info);
    let unchanged = match (image_digest(uri), live_digest) {
        (Some(want), Some(have)) => want == have,
        _ => info.image_uri.as_deref() == Some(uri),
    };
    if unchanged {
        return None;
    }
    // The live image with the digest it runs: `repo:tag@sha256:…` is a valid reference.
    let old = match (info.image_uri.as_deref(), live_digest) {
        (Some(u), Some(d)) if image_digest(u) == Some(d) => Some(u.to_owned()),
        (Some(u), Some(d)) => Some(format!(
            "{}@sha256:{d}",
            u.split_once('@').map_or(u, |(repo, _)| repo)
        )),
        (Some(u), None) => Some(u.to_owned()),
        (None, Some(d)) => Some(format!("sha256:{d}")),
        (None, None) => None,
    };
    Some(FieldChange {
        field: Field::Code,
        old: old.map(FieldValue::Text),
        new: Some(FieldValue::Text(uri.to_owned())),
    })
}

/// The digest a live image function runs: from `ResolvedImageUri`, else `CodeSha256`
/// (the digest's hex for images), else a digest in `ImageUri`.
fn live_image_digest(info: &FunctionInfo) -> Option<&str> {
    info.resolved_image_uri
        .as_deref()
        .and_then(image_digest)
        .or_else(|| is_digest_hex(&info.code_sha256).then_some(info.code_sha256.as_str()))
        .or_else(|| info.image_uri.as_deref().and_then(image_digest))
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

fn package_name(p: flotilla_cloud::lambda::PackageType) -> &'static str {
    match p {
        flotilla_cloud::lambda::PackageType::Zip => "zip",
        flotilla_cloud::lambda::PackageType::Image => "image",
    }
}
