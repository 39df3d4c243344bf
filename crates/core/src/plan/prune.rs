//! Deletions: one [`FunctionPlan`] with [`Action::Delete`] per managed function that
//! left the manifest (found by `crate::prune` and handed over in
//! [`LiveState::left_manifest`](crate::observe::LiveState)).
//!
//! A deletion depends on every other function of the plan, so apply deletes only after
//! the rest of the fleet converged (a renamed function's replacement is live first),
//! and skips the deletions when anything else failed.

use std::collections::{BTreeMap, BTreeSet};

use crate::artifact::ArtifactDigest;
use crate::model::{FunctionKey, Model, RetryPolicy, WaitPolicy};
use crate::observe::LeftFunction;

use super::types::{Action, DesiredConfig, EnvValue, FunctionPlan, Step};

/// The deletions, sorted by account, region and name. `planned` are the manifest's own
/// function plans: their keys are kept unique and become each deletion's `depends_on`.
pub(crate) fn delete_plans(
    model: &Model,
    left: &[LeftFunction],
    planned: &[FunctionPlan],
) -> Vec<FunctionPlan> {
    let mut left: Vec<&LeftFunction> = left.iter().collect();
    left.sort_by(|a, b| {
        (&a.account, &a.region, &a.info.name).cmp(&(&b.account, &b.region, &b.info.name))
    });
    let taken: BTreeSet<&str> = planned.iter().map(|f| f.key.0.as_str()).collect();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &left {
        *names.entry(l.info.name.as_str()).or_default() += 1;
    }
    let depends_on: Vec<FunctionKey> = planned.iter().map(|f| f.key.clone()).collect();
    let owner_tags = model.ownership.tags();
    left.into_iter()
        .map(|l| {
            let name = l.info.name.clone();
            // The key is the name, qualified where it would be ambiguous (a manifest
            // key, or the same name in two regions).
            let key = if taken.contains(name.as_str()) || names.get(name.as_str()) > Some(&1) {
                format!(
                    "{name}@{}/{}",
                    l.account.as_deref().unwrap_or("default"),
                    l.region
                )
            } else {
                name.clone()
            };
            // The account's role, so `apply plan.json` deletes with the same credentials.
            let assume_role = model
                .functions
                .iter()
                .find(|f| f.account.as_ref().map(|a| a.as_str()) == l.account.as_deref())
                .and_then(|f| f.assume_role.clone());
            let mut fp = delete_plan(l, FunctionKey(key), depends_on.clone(), &owner_tags);
            fp.assume_role = assume_role;
            fp
        })
        .collect()
}

fn delete_plan(
    l: &LeftFunction,
    key: FunctionKey,
    depends_on: Vec<FunctionKey>,
    owner_tags: &BTreeMap<String, String>,
) -> FunctionPlan {
    let info = &l.info;
    let mut c = super::fill_defaults(info.config.clone());
    c.environment.clear();
    let artifact = match &info.image_uri {
        Some(uri) => ArtifactDigest::Image { uri: uri.clone() },
        None => ArtifactDigest::Zip {
            code_sha256: info.code_sha256.clone(),
            size: info.code_size,
        },
    };
    FunctionPlan {
        key,
        name: info.name.clone(),
        account: l.account.clone(),
        region: l.region.clone(),
        action: Action::Delete,
        observed_revision_id: info.revision_id.clone(),
        observed_code_sha256: Some(info.code_sha256.clone()),
        artifact,
        source: None,
        upload: None,
        assume_role: None,
        // What is being deleted, for reviewers; environment values stay out (they may
        // be secrets, and nothing is ever written from them).
        desired: DesiredConfig {
            config: c.map_environment(|_, v| EnvValue::Value(v)),
            tags: info.tags.clone(),
            reserved_concurrency: info.reserved_concurrency,
            around: Default::default(),
            code_signing_config: None,
            publish: false,
            alias: None,
            provisioned_concurrency: None,
        },
        depends_on,
        retry: RetryPolicy::default().into(),
        wait: WaitPolicy::default().into(),
        steps: vec![Step::DeleteFunction {
            owner_tags: owner_tags.clone(),
        }],
        rollout: None,
    }
}
