//! The whole-plan check a saved plan passes before apply makes its first call.
//!
//! A plan file is data a user can edit. Apply checks each step as it runs it, but by
//! then other functions (or the same function's earlier steps) have changed, so a
//! tampered plan is half applied before it is refused. [`check_plan`] holds every value
//! to the manifest's rules (the model's newtypes), every function's steps to the closed
//! step grammar `plan()` writes, and every path to the manifest's folder, and lists
//! everything wrong at once, like `terraform apply` refusing a stale or corrupt plan
//! file before touching anything. Digests of local artifacts are checked by the caller
//! that knows the folder (`deploy::verify_artifacts`).

use std::collections::BTreeSet;
use std::path::{Component, Path};

use super::types::{Action, CodeOrigin, EnvValue, FunctionPlan, Plan, Step};
use crate::artifact::ArtifactDigest;
use crate::model::{
    AccountId, AliasName, EphemeralStorageMb, FunctionName, Limits, MAX_ENVIRONMENT_BYTES,
    MAX_LAYERS, MemoryMb, Region, TimeoutSecs, is_reserved_env_key, valid_env_key,
};

/// Every problem of a plan, one sentence each, in plan order; empty when it is sound.
pub fn check_plan(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    let limits: Limits = plan.limits.into();
    if let Some((name, rate)) = limits.invalid_rate() {
        problems.push(format!(
            "`limits.{name}` is {rate}: it must be a number of calls per second, at least {}",
            Limits::MIN_PER_SECOND
        ));
    }
    let mut keys = BTreeSet::new();
    for f in &plan.functions {
        if !keys.insert(f.key.0.as_str()) {
            problems.push(format!("function `{}` appears twice", f.key));
        }
    }
    for f in &plan.functions {
        let mut say = |what: String| problems.push(format!("function `{}`: {what}", f.key));
        check_values(f, &mut say);
        check_steps(f, &mut say);
        for dep in &f.depends_on {
            if !keys.contains(dep.0.as_str()) {
                say(format!("depends on `{dep}`, which the plan does not have"));
            }
        }
    }
    problems
}

fn check_values(f: &FunctionPlan, say: &mut impl FnMut(String)) {
    if let Err(e) = FunctionName::new(f.name.clone()) {
        say(format!("name `{}`: {e}", truncated(&f.name)));
    }
    if let Err(e) = Region::new(f.region.clone()) {
        say(format!("region `{}`: {e}", truncated(&f.region)));
    }
    if let Some(account) = &f.account
        && let Err(e) = AccountId::new(account.clone())
    {
        say(format!("account `{}`: {e}", truncated(account)));
    }
    let c = &f.desired.config;
    if let Err(e) = MemoryMb::new(c.memory_mb) {
        say(format!("memory_mb: {e}"));
    }
    if let Err(e) = TimeoutSecs::new(c.timeout_s) {
        say(format!("timeout_s: {e}"));
    }
    if let Err(e) = EphemeralStorageMb::new(c.ephemeral_storage_mb) {
        say(format!("ephemeral_storage_mb: {e}"));
    }
    if c.layers.len() > MAX_LAYERS {
        say(format!(
            "{} layers, more than Lambda's {MAX_LAYERS}",
            c.layers.len()
        ));
    }
    let mut env_bytes = 0usize;
    for (key, value) in &c.environment {
        if !valid_env_key(key) || is_reserved_env_key(key) {
            say(format!(
                "environment variable name `{}` is not allowed",
                truncated(key)
            ));
        }
        env_bytes += key.len()
            + match value {
                EnvValue::Value(v) => v.len(),
                EnvValue::Sensitive(_) => 0,
            };
    }
    if env_bytes > MAX_ENVIRONMENT_BYTES {
        say(format!(
            "the environment is at least {env_bytes} bytes, more than Lambda's {MAX_ENVIRONMENT_BYTES}"
        ));
    }
    if let Some(alias) = &f.desired.alias
        && let Err(e) = AliasName::new(alias.clone())
    {
        say(format!("alias `{}`: {e}", truncated(alias)));
    }
    if let ArtifactDigest::Zip { code_sha256, .. } = &f.artifact
        && !is_sha256_base64(code_sha256)
    {
        say(format!(
            "code_sha256 `{}` is not a base64 SHA-256",
            truncated(code_sha256)
        ));
    }
    if let Some(origin) = &f.source {
        let (CodeOrigin::Zip { path } | CodeOrigin::Dir { path, .. }) = origin;
        if !inside_folder(path) {
            say(format!(
                "artifact path `{}` is outside the manifest's folder",
                truncated(path)
            ));
        }
    }
}

/// The one rank that repeats: a linear rollout's shares.
const SHIFT_RANK: u8 = 6;

/// The rank of the function URL's steps (one URL per function: at most one step).
const URL_RANK: u8 = 12;

/// The rank of permission removals; additions follow. Each repeats (one step per
/// statement).
const PERMISSION_RANK: u8 = URL_RANK + 1;

/// The rank of trigger deletions; updates and creations follow. Each repeats (one step
/// per trigger).
const TRIGGER_RANK: u8 = 18;

/// Whether steps of `rank` may follow one another.
fn repeats(rank: u8) -> bool {
    rank == SHIFT_RANK
        || (PERMISSION_RANK..PERMISSION_RANK + 2).contains(&rank)
        || (TRIGGER_RANK..TRIGGER_RANK + 3).contains(&rank)
}

/// Rank of a step in the order `plan()` writes them; each rank at most once but
/// [`SHIFT_RANK`], the permission steps and the trigger steps.
fn rank(step: &Step) -> u8 {
    match step {
        Step::CreateFunction { .. }
        | Step::DeleteFunction { .. }
        | Step::DeleteFailedFunction { .. }
        | Step::MoveAlias { .. } => 0,
        // Before the code: Lambda checks the signature at UpdateFunctionCode.
        Step::PutCodeSigningConfig { .. } | Step::DeleteCodeSigningConfig { .. } => 1,
        Step::UpdateCode { .. } => 2,
        Step::UpdateConfiguration { .. } | Step::ReapplyConfiguration { .. } => 3,
        Step::PublishVersion => 4,
        Step::SmokeInvoke { .. } => 5,
        Step::ShiftTraffic { .. } => SHIFT_RANK,
        Step::CreateAlias { .. } | Step::UpdateAlias { .. } => 7,
        Step::TagResource { .. } => 8,
        Step::UntagResource { .. } => 9,
        Step::PutConcurrency { .. } | Step::DeleteConcurrency { .. } => 10,
        Step::PutProvisionedConcurrency { .. } | Step::DeleteProvisionedConcurrency { .. } => 11,
        Step::CreateFunctionUrlConfig { .. }
        | Step::UpdateFunctionUrlConfig { .. }
        | Step::DeleteFunctionUrlConfig { .. } => URL_RANK,
        Step::RemovePermission { .. } => PERMISSION_RANK,
        Step::AddPermission { .. } => PERMISSION_RANK + 1,
        Step::PutEventInvokeConfig { .. } | Step::DeleteEventInvokeConfig { .. } => 15,
        Step::PutRecursionConfig { .. } => 16,
        Step::PutRuntimeManagementConfig { .. } => 17,
        Step::DeleteEventSourceMapping { .. } => TRIGGER_RANK,
        Step::UpdateEventSourceMapping { .. } => TRIGGER_RANK + 1,
        Step::CreateEventSourceMapping { .. } => TRIGGER_RANK + 2,
        Step::DeleteVersions { .. } => TRIGGER_RANK + 3,
    }
}

/// A rollout's shares: 1–99, rising, each held at most a day, at most 100 alarms,
/// from a published version, and followed by the final UpdateAlias of the same alias.
fn check_shifts(steps: &[Step], wrong: &impl Fn(&str) -> String, say: &mut impl FnMut(String)) {
    let mut last = 0u8;
    for (i, s) in steps.iter().enumerate() {
        let Step::ShiftTraffic {
            alias,
            from_version,
            percent,
            hold_secs,
            alarms,
            ..
        } = s
        else {
            continue;
        };
        if !(1..=99).contains(percent) || *percent <= last {
            say(wrong(&format!(
                "shift {percent}% of the traffic: shares are 1–99 and rise"
            )));
        }
        last = *percent;
        if *hold_secs > 24 * 3600 {
            say(wrong(&format!(
                "hold a share for {hold_secs}s: at most 24h"
            )));
        }
        if alarms.len() > crate::model::rollout::MAX_ALARMS
            || alarms.iter().any(|a| a.is_empty() || a.len() > 255)
        {
            say(wrong(
                "watch more than 100 alarms, or an alarm name that is not 1–255 characters",
            ));
        }
        if !is_version_number(from_version) {
            say(wrong(&format!(
                "shift traffic from `{}`, which is not a published version number",
                truncated(from_version)
            )));
        }
        let final_move = steps[i + 1..].iter().find_map(|s| match s {
            Step::UpdateAlias { alias, .. } => Some(alias),
            _ => None,
        });
        if final_move != Some(alias) {
            say(wrong(&format!(
                "shift alias `{}` without moving it to the new version after",
                truncated(alias)
            )));
        }
    }
}

/// The closed step grammar: create = CreateFunction [Publish [CreateAlias]]
/// [PutConcurrency] [PutProvisionedConcurrency]; update = [Code]
/// [Configuration|ReapplyConfiguration] [Publish (Create|Update)Alias?] [Tag] [Untag]
/// [Put|DeleteConcurrency] [Put|DeleteProvisionedConcurrency], or MoveAlias
/// alone (rollback); delete = DeleteFunction alone; replace = DeleteFailedFunction then
/// a create; no change = nothing.
fn check_steps(f: &FunctionPlan, say: &mut impl FnMut(String)) {
    let names: Vec<&str> = f.steps.iter().map(Step::name).collect();
    let wrong = |why: &str| format!("steps [{}] {why}", names.join(", "));
    match f.action {
        Action::Replace => match f.steps.split_first() {
            Some((Step::DeleteFailedFunction { .. }, rest))
                if matches!(rest.first(), Some(Step::CreateFunction { .. })) =>
            {
                check_change(f, Action::Create, rest, &wrong, say);
            }
            _ => say(wrong(
                "are not DeleteFunction of the failed function followed by CreateFunction",
            )),
        },
        action => check_change(f, action, &f.steps, &wrong, say),
    }
}

fn check_change(
    f: &FunctionPlan,
    action: Action,
    steps: &[Step],
    wrong: &impl Fn(&str) -> String,
    say: &mut impl FnMut(String),
) {
    match action {
        Action::NoChange if !steps.is_empty() => say(wrong("on a function with no change")),
        Action::NoChange => {}
        Action::Delete => {
            if !matches!(steps, [Step::DeleteFunction { owner_tags }] if !owner_tags.is_empty()) {
                say(wrong("are not one DeleteFunction with its ownership tags"));
            }
        }
        Action::Replace => say(wrong("replace a function inside a replacement")),
        Action::Create | Action::Update => {
            if let Some(why) = f
                .desired
                .code_signing_config
                .as_deref()
                .and_then(super::code_signing::arn_problem)
            {
                say(wrong(&why));
            }
            if steps.iter().any(|s| {
                matches!(
                    s,
                    Step::DeleteFunction { .. } | Step::DeleteFailedFunction { .. }
                )
            }) {
                say(wrong("delete a function the plan creates or updates"));
            }
            if steps.is_empty() {
                say(wrong("are empty for a function that changes"));
                return;
            }
            let create = matches!(steps.first(), Some(Step::CreateFunction { .. }));
            if (action == Action::Create) != create {
                say(wrong(if create {
                    "create a function the plan updates"
                } else {
                    "do not start with CreateFunction"
                }));
            }
            if matches!(steps.first(), Some(Step::MoveAlias { .. })) && steps.len() > 1 {
                say(wrong("combine MoveAlias with other steps"));
            }
            let ranks: Vec<u8> = steps.iter().map(rank).collect();
            if ranks
                .windows(2)
                .any(|w| w[0] > w[1] || (w[0] == w[1] && !repeats(w[0])))
            {
                say(wrong("are out of order or repeated"));
            }
            if steps.iter().skip(1).any(|s| rank(s) == 0) {
                say(wrong(
                    "hold CreateFunction, DeleteFunction or MoveAlias after the first step",
                ));
            }
            if create
                && steps.iter().any(|s| {
                    matches!(
                        s,
                        Step::UpdateCode { .. }
                            | Step::UpdateConfiguration { .. }
                            | Step::ReapplyConfiguration { .. }
                            | Step::UpdateAlias { .. }
                            | Step::ShiftTraffic { .. }
                            | Step::TagResource { .. }
                            | Step::UntagResource { .. }
                            | Step::DeleteConcurrency { .. }
                            | Step::DeleteProvisionedConcurrency { .. }
                            | Step::DeleteEventInvokeConfig { .. }
                            | Step::DeleteCodeSigningConfig { .. }
                            | Step::UpdateFunctionUrlConfig { .. }
                            | Step::DeleteFunctionUrlConfig { .. }
                    )
                })
            {
                say(wrong("update a function they create"));
            }
            let publishes = steps.iter().any(|s| matches!(s, Step::PublishVersion));
            check_shifts(steps, wrong, say);
            super::around_triggers::check_steps(f, wrong, say);
            for s in steps {
                match s {
                    Step::PutRuntimeManagementConfig { config, .. }
                        if (config.update_on
                            == flotilla_cloud::lambda::UpdateRuntimeOn::Manual)
                            != config
                                .runtime_version_arn
                                .as_deref()
                                .is_some_and(flotilla_cloud::lambda::is_runtime_version_arn) =>
                    {
                        say(wrong(
                            "set runtime management without a runtime version ARN for `manual`, or with one for another mode",
                        ));
                    }
                    Step::PutCodeSigningConfig { arn, .. } => {
                        if let Some(why) = super::code_signing::arn_problem(arn) {
                            say(wrong(&why));
                        }
                    }
                    Step::CreateFunctionUrlConfig { qualifier, config }
                    | Step::UpdateFunctionUrlConfig {
                        qualifier, config, ..
                    } => {
                        if let Some(why) =
                            super::function_url::config_problem(f, qualifier.as_deref(), config)
                        {
                            say(wrong(&why));
                        }
                    }
                    Step::PutEventInvokeConfig { config, .. } => {
                        if let Some(why) = super::around_async::config_problem(config) {
                            say(wrong(&why));
                        }
                    }
                    Step::PublishVersion if !f.desired.publish => {
                        say(wrong(
                            "publish a version the desired configuration does not",
                        ));
                    }
                    Step::SmokeInvoke { .. } if !publishes => {
                        say(wrong("invoke a new version without publishing one first"));
                    }
                    Step::CreateAlias { alias }
                    | Step::UpdateAlias { alias, .. }
                    | Step::ShiftTraffic { alias, .. } => {
                        if !publishes {
                            say(wrong("move an alias without publishing a version first"));
                        }
                        if f.desired.alias.as_deref() != Some(alias.as_str()) {
                            say(wrong(&format!(
                                "name alias `{}`, not the desired alias",
                                truncated(alias)
                            )));
                        }
                    }
                    Step::PutProvisionedConcurrency { alias, count, .. } => {
                        super::provisioned::check_step(f, alias, Some(*count), &wrong, say);
                    }
                    Step::DeleteProvisionedConcurrency { alias, .. } => {
                        super::provisioned::check_step(f, alias, None, &wrong, say);
                    }
                    Step::MoveAlias {
                        alias, to_version, ..
                    } => {
                        if AliasName::new(alias.clone()).is_err() {
                            say(wrong(&format!("name alias `{}`", truncated(alias))));
                        }
                        if !is_version_number(to_version) {
                            say(wrong(&format!(
                                "move an alias to `{}`, which is not a published version number",
                                truncated(to_version)
                            )));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn is_version_number(v: &str) -> bool {
    !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()) && !v.starts_with('0')
}

/// The shape of a base64 SHA-256 (44 characters, one `=`). Not a strict decode:
/// whether the bytes are the artifact's is `verify_artifacts`' question.
fn is_sha256_base64(s: &str) -> bool {
    s.len() == 44
        && s.ends_with('=')
        && s[..43]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// A relative path that stays in the manifest's folder (no root, no `..`).
fn inside_folder(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// A value quoted in a message, cut to 80 characters.
pub(crate) fn truncated(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}… ({} characters)", s.chars().count())
    }
}
