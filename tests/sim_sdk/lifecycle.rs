//! Pending → Active, InProgress → Successful, 409 on overlap, 412 on a stale revision, 429.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, LastUpdateStatus, Runtime, State, ThrottleReason,
};
use flotilla_cloud::lambda::ApiOp;
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, poll_until, seed, start};

#[tokio::test]
async fn create_goes_pending_then_active_and_updates_go_in_progress_then_successful() {
    let h = start(Duration::from_millis(200), QuotaConfig::off()).await;
    let zip = b"PK fake zip bytes".to_vec();
    let created = h
        .client
        .create_function()
        .function_name("orders")
        .runtime(Runtime::Python312)
        .role(format!("arn:aws:iam::{ACCOUNT}:role/orders"))
        .handler("app.handler")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zip.clone()))
                .build(),
        )
        .environment(Environment::builder().variables("STAGE", "test").build())
        .send()
        .await
        .expect("create");
    assert_eq!(created.state, Some(State::Pending));
    assert_eq!(
        created.state_reason_code.as_ref().map(|c| c.as_str()),
        Some("Creating")
    );
    assert_eq!(
        created.function_arn.as_deref(),
        Some(&*format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"
        ))
    );
    // CodeSha256 is the base64 SHA-256 of the zip, and the size its length.
    use base64::Engine as _;
    use sha2::Digest as _;
    let expected_sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip));
    assert_eq!(created.code_sha256.as_deref(), Some(expected_sha.as_str()));
    assert_eq!(created.code_size, zip.len() as i64);

    let active = poll_until(&h.client, "orders", |c| c.state == Some(State::Active)).await;
    assert_eq!(
        active.last_update_status,
        Some(LastUpdateStatus::Successful)
    );
    assert_ne!(
        active.revision_id, created.revision_id,
        "RevisionId changes when the create completes"
    );

    let updated = h
        .client
        .update_function_configuration()
        .function_name("orders")
        .memory_size(512)
        .revision_id(active.revision_id.clone().expect("rev"))
        .send()
        .await
        .expect("update");
    assert_eq!(
        updated.last_update_status,
        Some(LastUpdateStatus::InProgress)
    );
    assert_eq!(updated.memory_size, Some(512));
    assert_ne!(updated.revision_id, active.revision_id);
    let done = poll_until(&h.client, "orders", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    assert_ne!(
        done.revision_id, updated.revision_id,
        "RevisionId changes again on completion"
    );
    assert_eq!(
        done.environment
            .and_then(|e| e.variables)
            .map(|v| v["STAGE"].clone())
            .as_deref(),
        Some("test")
    );

    // An image update by URI, and a zip function by ARN as FunctionName.
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders");
    let by_arn = h
        .client
        .get_function_configuration()
        .function_name(&arn)
        .send()
        .await
        .expect("by arn");
    assert_eq!(by_arn.function_name.as_deref(), Some("orders"));
    let missing = h
        .client
        .get_function()
        .function_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert!(
        missing
            .into_service_error()
            .is_resource_not_found_exception()
    );
}

#[tokio::test]
async fn an_overlapping_update_gets_409_and_a_stale_revision_gets_412() {
    let h = start(Duration::from_secs(2), QuotaConfig::off()).await;
    seed(&h.sim, "api");
    let before = h
        .client
        .get_function()
        .function_name("api")
        .send()
        .await
        .expect("get");
    let rev = before
        .configuration
        .and_then(|c| c.revision_id)
        .expect("rev");
    h.client
        .update_function_code()
        .function_name("api")
        .zip_file(Blob::new(b"v2".to_vec()))
        .revision_id(&rev)
        .send()
        .await
        .expect("first update");
    let err = h
        .client
        .update_function_configuration()
        .function_name("api")
        .timeout(30)
        .send()
        .await
        .expect_err("overlap");
    let raw = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(raw, Some(409));
    let service = err.into_service_error();
    assert!(service.is_resource_conflict_exception(), "{service:?}");
    let message = service.meta().message().unwrap_or_default().to_owned();
    assert_eq!(
        message,
        format!(
            "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:{REGION}:{ACCOUNT}:function:api"
        )
    );
    // Publishing and alias changes are refused too while the update runs.
    let publish = h
        .client
        .publish_version()
        .function_name("api")
        .send()
        .await
        .expect_err("publish");
    assert!(
        publish
            .into_service_error()
            .is_resource_conflict_exception()
    );

    // The revision read before the update is stale now.
    let stale = h
        .client
        .update_function_code()
        .function_name("api")
        .zip_file(Blob::new(b"v3".to_vec()))
        .revision_id(&rev);
    poll_until(&h.client, "api", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    let err = stale.send().await.expect_err("stale");
    assert!(err.into_service_error().is_precondition_failed_exception());

    let counters = h.sim.counters();
    assert_eq!(counters.conflicts, 2);
    assert_eq!(counters.precondition_failures, 1);
    let api = counters.function("api");
    assert_eq!(
        api.peak_overlap, 2,
        "the second update overlapped the first"
    );
    assert_eq!(api.calls_of(ApiOp::UpdateFunctionCode), 2);
    assert_eq!(
        counters.errors.iter().map(|e| e.status).collect::<Vec<_>>(),
        vec![409, 409, 412]
    );
}

#[tokio::test]
async fn over_quota_calls_get_429_with_retry_after_and_a_reason() {
    let h = start(
        Duration::from_millis(100),
        QuotaConfig {
            get_function: Some(100.0),
            control_plane: Some(1.0),
        },
    )
    .await;
    seed(&h.sim, "q");
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:q");
    // A bucket of one token that refills in a second: the second call is over quota.
    h.client
        .list_tags()
        .resource(&arn)
        .send()
        .await
        .expect("within quota");
    let err = h
        .client
        .list_tags()
        .resource(&arn)
        .send()
        .await
        .expect_err("over quota");
    let retry_after = err
        .raw_response()
        .and_then(|r| r.headers().get("retry-after"))
        .map(str::to_owned);
    assert_eq!(retry_after.as_deref(), Some("1"));
    let service = err.into_service_error();
    assert!(service.is_too_many_requests_exception(), "{service:?}");
    let aws_sdk_lambda::operation::list_tags::ListTagsError::TooManyRequestsException(e) = service
    else {
        panic!("not a TooManyRequestsException");
    };
    assert_eq!(e.retry_after_seconds(), Some("1"));
    assert_eq!(e.reason(), Some(&ThrottleReason::CallerRateLimitExceeded));
    // GetFunction has its own, larger bucket.
    h.client
        .get_function()
        .function_name("q")
        .send()
        .await
        .expect("get_function has its own quota");
    assert_eq!(h.sim.counters().throttles, 1);
}
