//! `SdkLambda` against MiniStack through the real SDK client: the whole `LambdaApi`
//! surface, `RevisionId` preconditions and `ListFunctions` pagination.

#[path = "support/sdk_suite.rs"]
mod sdk_suite;
mod support;

use flotilla::lambda::{ApiError, LambdaApi, SdkLambda, UpdateConfigInput};
use support::{MINISTACK_ACCOUNT, REGION, Shared, start_ministack};

static MINISTACK: Shared = Shared::new();

fn role() -> String {
    format!("arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-test")
}

fn ministack() -> Option<(std::sync::Arc<support::Spawned>, SdkLambda)> {
    let venv = support::venv()?;
    let emulator = MINISTACK.get(|| start_ministack(&venv));
    let api = SdkLambda::for_endpoint(&emulator.url(), REGION);
    Some((emulator, api))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_lifecycle() {
    let Some((_emulator, api)) = ministack() else {
        return;
    };
    assert_eq!(api.region(), REGION);
    sdk_suite::lifecycle(&api, "flotilla-ms-lifecycle", &role()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_functions_reads_every_page() {
    let Some((_emulator, api)) = ministack() else {
        return;
    };
    // MiniStack pages ListFunctions by 50, like AWS.
    sdk_suite::list_all_pages(&api, "flotilla-ms-page", &role(), 53).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_updates_never_lose_the_accepted_write() {
    let Some((_emulator, api)) = ministack() else {
        return;
    };
    let name = "flotilla-ms-overlap";
    sdk_suite::create(&api, name, &role()).await;
    let update = |memory_mb| {
        api.update_function_configuration(UpdateConfigInput {
            name: name.to_owned(),
            memory_mb: Some(memory_mb),
            ..UpdateConfigInput::default()
        })
    };
    let first = update(384).await.expect("first update");
    assert!(!first.is_stable(), "an update reports itself in progress");
    // Lambda refuses an update while another is in progress (409); MiniStack accepts
    // it. Either way the outcome the API reported must be the outcome that sticks.
    let expected = match update(640).await {
        Err(ApiError::Conflict { .. }) => 384,
        Ok(_) => 640,
        Err(other) => panic!("expected Conflict or success, got {other:?}"),
    };
    let live = sdk_suite::wait_stable(&api, name).await;
    assert_eq!(live.config.memory_mb, expected);
    api.delete_function(name).await.expect("delete");
}
