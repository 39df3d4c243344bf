//! `flotilla plan` and `apply` (the real binary) against MiniStack 1.5.33, started by the
//! test: the first plan shows exactly the drift seeded through the SDK, apply converges,
//! and a second plan has nothing to do.
//!
//! MiniStack differs from Lambda in ways the engine must tolerate without knowing which
//! endpoint it talks to: `State` is `Pending` while an update runs (Lambda keeps
//! `Active` and reports `LastUpdateStatus: InProgress`), its `RevisionId` does not change
//! when an update completes, and it never checks the execution role.

mod compat_common;
#[path = "support/sdk_suite.rs"]
mod sdk_suite;
mod support;

use compat_common::Fleet;
use flotilla::lambda::SdkLambda;
use support::{MINISTACK_ACCOUNT, REGION, start_ministack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_replan_against_ministack() {
    let Some(venv) = support::venv() else {
        return;
    };
    let ministack = start_ministack(&venv);
    let api = SdkLambda::for_endpoint(&ministack.url(), REGION);
    let fleet = Fleet::write(
        "compat-ms",
        &format!("arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-compat"),
    );
    let retries = fleet.plan_apply_replan(&ministack.url(), &api).await;
    // Nothing else writes to these functions: the engine never overlapped its own
    // updates (409) and every `RevisionId` it sent was current (412), although
    // MiniStack's does not change when an update completes.
    for class in ["conflict", "precondition_failed"] {
        assert_eq!(retries.get(class).copied().unwrap_or(0), 0, "{retries:?}");
    }
}
