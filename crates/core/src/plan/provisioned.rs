//! Provisioned concurrency on the alias: the steps that bring the live configuration to
//! the manifest's, and the plan-file check of those steps.
//!
//! A manifest without `provisioned_concurrency` leaves the live configuration alone
//! (and it is never read). `0` removes a live one; `n` puts one when there is none, when
//! it requests another count, or when its last allocation `FAILED` (putting it again is
//! the only way to retry). The steps come last, after the alias has its new version
//! and after reserved concurrency is set (Lambda allocates provisioned concurrency out
//! of the reserved concurrency).

use super::types::{FunctionPlan, Step};
use crate::model::{AliasName, Function};
use crate::observe::LiveFunction;
use flotilla_cloud::lambda::ProvisionedStatus;

/// The provisioned concurrency steps of `f` against what was observed.
pub(super) fn provisioned_steps(f: &Function, live: &LiveFunction) -> Vec<Step> {
    let (Some(want), Some(alias)) = (f.provisioned_concurrency, &f.alias) else {
        return Vec::new();
    };
    let alias = alias.as_str().to_owned();
    let have = live.provisioned.as_ref();
    match (want, have) {
        (0, None) => Vec::new(),
        (0, Some(h)) => vec![Step::DeleteProvisionedConcurrency {
            alias,
            old: h.requested,
        }],
        (n, Some(h)) if h.requested == n && h.status != Some(ProvisionedStatus::Failed) => {
            Vec::new()
        }
        (n, h) => vec![Step::PutProvisionedConcurrency {
            alias,
            old: h.map(|h| h.requested),
            count: n,
        }],
    }
}

/// A provisioned concurrency step of a plan file: on the desired alias, a count of at
/// least 1 (`count` is `None` for a removal), and the desired configuration agrees.
pub(super) fn check_step(
    f: &FunctionPlan,
    alias: &str,
    count: Option<u32>,
    wrong: &impl Fn(&str) -> String,
    say: &mut impl FnMut(String),
) {
    if AliasName::new(alias.to_owned()).is_err() || f.desired.alias.as_deref() != Some(alias) {
        say(wrong(&format!(
            "set provisioned concurrency on `{}`, not the desired alias (never on $LATEST)",
            super::check_truncated(alias)
        )));
    }
    if count == Some(0) {
        say(wrong(
            "put a provisioned concurrency of 0: it is at least 1 (a removal is DeleteProvisionedConcurrencyConfig)",
        ));
    }
    let desired = f.desired.provisioned_concurrency;
    if desired != Some(count.unwrap_or(0)) {
        say(wrong(&format!(
            "set provisioned concurrency {} while the desired configuration has {}",
            count.map_or_else(|| "0 (removal)".to_owned(), |n| n.to_string()),
            desired.map_or_else(|| "none".to_owned(), |n| n.to_string())
        )));
    }
}
