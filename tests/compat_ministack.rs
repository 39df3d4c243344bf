//! `flotilla plan` and `apply` (the real binary) against MiniStack 1.5.33, started by the
//! test: the first plan shows exactly the drift seeded through the SDK, apply converges,
//! and a second plan has nothing to do; a saved plan refuses a function someone else
//! changed after it was made, and `--refresh` re-plans it.
//!
//! MiniStack differs from Lambda in ways the engine must tolerate without knowing which
//! endpoint it talks to: `State` is `Pending` while an update runs (Lambda keeps
//! `Active` and reports `LastUpdateStatus: InProgress`), its `RevisionId` does not change
//! when an update completes, and it never checks the execution role.

use crate::compat_common;
use crate::sdk_suite;
use crate::support;

use std::sync::Arc;

use compat_common::{Fleet, assert_exit, report_outcomes, text};
use flotilla_cloud::lambda::{
    ConfigField, FunctionConfig, LambdaApi, SdkLambda, UpdateConfigInput,
};
use support::{MINISTACK_ACCOUNT, REGION, Shared, Spawned, start_ministack};

static MINISTACK: Shared = Shared::new();

fn ministack() -> (Arc<Spawned>, SdkLambda) {
    let venv = support::venv();
    let emulator = MINISTACK.get(|| start_ministack(&venv));
    let api = SdkLambda::for_endpoint(&emulator.url(), REGION);
    (emulator, api)
}

fn role() -> String {
    format!("arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-compat")
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_replan_against_ministack() {
    let (ministack, api) = ministack();
    let fleet = Fleet::write("compat-ms", &role());
    let retries = fleet.plan_apply_replan(&ministack.url(), &api).await;
    // Nothing else writes to these functions: the engine never overlapped its own
    // updates (409) and every `RevisionId` it sent was current (412), although
    // MiniStack's does not change when an update completes.
    for class in ["conflict", "precondition_failed"] {
        assert_eq!(retries.get(class).copied().unwrap_or(0), 0, "{retries:?}");
    }
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plan_refuses_an_outside_change_and_refresh_replans_it() {
    let (ministack, api) = ministack();
    let endpoint = ministack.url();
    let fleet = Fleet::write("compat-ms-saved", &role());
    fleet.seed_drift(&api).await;
    let saved = fleet.dir.path().join("plan.json");
    let saved_s = saved.to_string_lossy().into_owned();
    let plan = fleet.flotilla(&endpoint, &["plan", "-o", &saved_s]);
    assert_exit(&plan, 0, "plan -o");

    // Someone else changes `cron` after the plan was made.
    let cron = fleet.name("cron");
    let before = api.get_function(&cron).await.expect("read cron");
    api.update_function_configuration(UpdateConfigInput::new(
        cron.clone(),
        FunctionConfig {
            description: "hotfix".to_owned(),
            ..FunctionConfig::lambda_defaults()
        },
        &[ConfigField::Description],
    ))
    .await
    .expect("outside write");
    let after = sdk_suite::wait_stable(&api, &cron).await;
    assert_ne!(
        after.revision_id, before.revision_id,
        "the write moved RevisionId"
    );

    let report = fleet.dir.path().join("report.json");
    let report_s = report.to_string_lossy().into_owned();
    let apply = fleet.flotilla(&endpoint, &["apply", &saved_s, "--report", &report_s]);
    assert_exit(&apply, 1, "apply of a plan with a stale function");
    assert_eq!(
        report_outcomes(&report),
        [
            "api: converged",
            "worker: converged",
            "cron: stale",
            "audit: converged",
            "report: converged"
        ]
    );
    assert!(
        text(&apply.stderr).contains("changed by someone else since the plan"),
        "{}",
        text(&apply.stderr)
    );
    let untouched = api.get_function(&cron).await.expect("read cron");
    assert_eq!(
        untouched.config.description, "hotfix",
        "stale cron was left alone"
    );

    // --refresh re-plans (from the manifest) the function someone else changed: cron.
    // api and report moved since the saved plan too, but only because the first apply
    // brought them to the planned state, so they have converged.
    let refresh = fleet.flotilla(
        &endpoint,
        &["apply", &saved_s, "--refresh", "--report", &report_s],
    );
    assert_exit(&refresh, 0, "apply --refresh");
    assert!(
        text(&refresh.stderr)
            .contains("Re-planning 1 function(s) another writer changed during apply: cron."),
        "{}",
        text(&refresh.stderr)
    );
    assert!(
        report_outcomes(&report)
            .iter()
            .all(|o| o.ends_with(": converged"))
    );
    fleet.assert_converged(&api).await;
    let again = fleet.flotilla(&endpoint, &["plan", "--detailed-exitcode"]);
    assert_exit(&again, 0, "plan after refresh");
}
