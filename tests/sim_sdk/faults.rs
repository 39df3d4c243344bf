//! Each injected fault kind, as the SDK sees it.

use std::time::Duration;

use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LastUpdateStatus;
use flotilla_cloud::lambda::ApiOp;
use flotilla_sim::{FaultKind, FaultRule, QuotaConfig};

use super::harness::{ACCOUNT, REGION, poll_until, seed, start};

#[tokio::test]
async fn injected_faults_show_up_as_the_sdk_would_see_them() {
    let h = start(Duration::from_millis(150), QuotaConfig::off()).await;
    seed(&h.sim, "f");

    // 500 ServiceException on the next GetFunction only.
    h.sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::GetFunction),
        Some("f"),
        FaultKind::ServiceError,
    )]);
    let err = h
        .client
        .get_function()
        .function_name("f")
        .send()
        .await
        .expect_err("500");
    assert!(err.into_service_error().is_service_exception());
    h.client
        .get_function()
        .function_name("f")
        .send()
        .await
        .expect("fault used up");

    // A dropped connection: the SDK sees no response at all.
    h.sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::GetFunction),
        None,
        FaultKind::DropConnection { applied: false },
    )]);
    let err = h
        .client
        .get_function()
        .function_name("f")
        .send()
        .await
        .expect_err("dropped");
    assert!(
        matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        ),
        "{err:?}"
    );

    // Dropped after applying: the update happened although the caller never heard.
    h.sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::UpdateFunctionConfiguration),
        None,
        FaultKind::DropConnection { applied: true },
    )]);
    let err = h
        .client
        .update_function_configuration()
        .function_name("f")
        .memory_size(1024)
        .send()
        .await
        .expect_err("dropped");
    assert!(
        matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    assert_eq!(
        h.sim
            .function_info(ACCOUNT, REGION, "f")
            .expect("f")
            .config
            .memory_mb,
        1024
    );
    poll_until(&h.client, "f", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;

    // A latency spike still answers.
    h.sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::GetFunction),
        None,
        FaultKind::LatencySpike {
            delay: Duration::from_millis(300),
        },
    )]);
    h.client
        .get_function()
        .function_name("f")
        .send()
        .await
        .expect("slow but fine");

    // An update that ends Failed, with the reason.
    h.sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::UpdateFunctionConfiguration),
        None,
        FaultKind::FailUpdate {
            reason: Some("ENI limit reached".into()),
            reason_code: Some("EniLimitExceeded".into()),
        },
    )]);
    h.client
        .update_function_configuration()
        .function_name("f")
        .timeout(10)
        .send()
        .await
        .expect("accepted");
    let failed = poll_until(&h.client, "f", |c| {
        c.last_update_status != Some(LastUpdateStatus::InProgress)
    })
    .await;
    assert_eq!(failed.last_update_status, Some(LastUpdateStatus::Failed));
    assert_eq!(
        failed.last_update_status_reason.as_deref(),
        Some("ENI limit reached")
    );
    assert_eq!(
        failed
            .last_update_status_reason_code
            .as_ref()
            .map(|c| c.as_str()),
        Some("EniLimitExceeded")
    );

    // An outside writer updates the function just before our update: 409.
    let rev = h
        .client
        .get_function()
        .function_name("f")
        .send()
        .await
        .expect("get")
        .configuration
        .and_then(|c| c.revision_id);
    h.sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::UpdateFunctionCode),
        Some("f"),
        FaultKind::OutsideWriter,
    )]);
    let update = || {
        h.client
            .update_function_code()
            .function_name("f")
            .zip_file(Blob::new(b"mine".to_vec()))
            .set_revision_id(rev.clone())
    };
    let err = update().send().await.expect_err("outside writer");
    assert!(err.into_service_error().is_resource_conflict_exception());
    poll_until(&h.client, "f", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    // Once it settles our revision is stale: 412, not a silent overwrite.
    let err = update()
        .send()
        .await
        .expect_err("stale after outside write");
    assert!(err.into_service_error().is_precondition_failed_exception());

    let counters = h.sim.counters();
    for kind in [
        "service_error",
        "drop_connection",
        "latency_spike",
        "fail_update",
        "outside_writer",
    ] {
        assert!(
            counters.faults.get(kind).copied().unwrap_or(0) >= 1,
            "{kind} not counted: {:?}",
            counters.faults
        );
    }
    assert_eq!(counters.function("f").outside_writes, 1);
}
