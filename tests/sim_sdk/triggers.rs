//! Event source mappings over HTTP, driven by `aws-sdk-lambda`: create, get, list
//! (paged, by function), update, delete, the states they pass through, Lambda's
//! validation with its error types, unmodelled members refused, and the fail-update
//! fault stopping a mapping.

use std::time::Duration;

use aws_sdk_lambda::types::{EventSourcePosition, Filter, FilterCriteria};
use flotilla_cloud::lambda::ApiOp;
use flotilla_sim::{FaultKind, FaultRule, QuotaConfig};

use super::harness::{ACCOUNT, REGION, http_post, seed, start};

const QUEUE: &str = "arn:aws:sqs:eu-north-1:123456789012:jobs";
const STREAM: &str = "arn:aws:kinesis:eu-north-1:123456789012:stream/clicks";

/// Waits (bounded) until GetEventSourceMapping reports `state`.
async fn wait_state(client: &aws_sdk_lambda::Client, uuid: &str, state: &str) {
    for _ in 0..100 {
        let m = client
            .get_event_source_mapping()
            .uuid(uuid)
            .send()
            .await
            .expect("get mapping");
        if m.state() == Some(state) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mapping {uuid} never became {state}");
}

#[tokio::test]
async fn mappings_are_created_changed_listed_and_deleted() {
    let h = start(Duration::from_millis(10), QuotaConfig::off()).await;
    seed(&h.sim, "worker");
    let created = h
        .client
        .create_event_source_mapping()
        .function_name("worker")
        .event_source_arn(QUEUE)
        .batch_size(50)
        .maximum_batching_window_in_seconds(5)
        .filter_criteria(
            FilterCriteria::builder()
                .filters(
                    Filter::builder()
                        .pattern(r#"{"body":{"kind":["order"]}}"#)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create");
    let uuid = created.uuid().expect("uuid").to_owned();
    assert_eq!(uuid.len(), 36);
    assert_eq!(created.state(), Some("Creating"));
    assert_eq!(created.batch_size(), Some(50));
    assert_eq!(created.maximum_batching_window_in_seconds(), Some(5));
    assert_eq!(
        created.function_arn(),
        Some(&*format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:worker"
        ))
    );
    assert_eq!(
        created.filter_criteria().map(|c| c.filters().len()),
        Some(1)
    );
    assert!(
        created
            .event_source_mapping_arn()
            .is_some_and(|a| a.ends_with(&format!(":event-source-mapping:{uuid}")))
    );
    wait_state(&h.client, &uuid, "Enabled").await;

    // One mapping per function and source.
    let dup = h
        .client
        .create_event_source_mapping()
        .function_name("worker")
        .event_source_arn(QUEUE)
        .send()
        .await
        .expect_err("duplicate");
    let dup = dup.into_service_error();
    assert!(dup.is_resource_conflict_exception(), "{dup:?}");
    assert!(format!("{dup:?}").contains(&uuid), "{dup:?}");

    let stream = h
        .client
        .create_event_source_mapping()
        .function_name("worker")
        .event_source_arn(STREAM)
        .starting_position(EventSourcePosition::TrimHorizon)
        .maximum_retry_attempts(3)
        .bisect_batch_on_function_error(true)
        .enabled(false)
        .send()
        .await
        .expect("create stream mapping");
    let stream_uuid = stream.uuid().expect("uuid").to_owned();
    wait_state(&h.client, &stream_uuid, "Disabled").await;

    let listed = h
        .client
        .list_event_source_mappings()
        .function_name("worker")
        .max_items(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let by_source = h
        .client
        .list_event_source_mappings()
        .event_source_arn(STREAM)
        .send()
        .await
        .expect("list by source");
    let only = by_source.event_source_mappings();
    assert_eq!(only.len(), 1);
    assert_eq!(
        only[0].starting_position(),
        Some(&EventSourcePosition::TrimHorizon)
    );
    assert_eq!(only[0].maximum_retry_attempts(), Some(3));
    assert_eq!(only[0].bisect_batch_on_function_error(), Some(true));

    let updated = h
        .client
        .update_event_source_mapping()
        .uuid(&uuid)
        .batch_size(10)
        .enabled(false)
        .send()
        .await
        .expect("update");
    assert_eq!(updated.state(), Some("Disabling"));
    assert_eq!(updated.batch_size(), Some(10));
    // A change while one settles is refused.
    let busy = h
        .client
        .update_event_source_mapping()
        .uuid(&uuid)
        .batch_size(20)
        .send()
        .await
        .expect_err("in use");
    assert!(busy.into_service_error().is_resource_in_use_exception());
    wait_state(&h.client, &uuid, "Disabled").await;

    let deleted = h
        .client
        .delete_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.state(), Some("Deleting"));
    let mut gone = false;
    for _ in 0..100 {
        match h.client.get_event_source_mapping().uuid(&uuid).send().await {
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                gone = true;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert!(gone, "the mapping was never deleted");
    assert!(
        h.sim
            .counters()
            .calls
            .get(&ApiOp::CreateEventSourceMapping)
            .is_some_and(|n| *n >= 2)
    );
}

#[tokio::test]
async fn lambdas_rules_are_enforced_with_its_errors() {
    let h = start(Duration::from_millis(10), QuotaConfig::off()).await;
    seed(&h.sim, "worker");
    let invalid = |r: Result<
        _,
        aws_sdk_lambda::error::SdkError<
            aws_sdk_lambda::operation::create_event_source_mapping::CreateEventSourceMappingError,
        >,
    >| {
        let e = r.expect_err("refused").into_service_error();
        assert!(e.is_invalid_parameter_value_exception(), "{e:?}");
        format!("{e:?}")
    };
    let big = h
        .client
        .create_event_source_mapping()
        .function_name("worker")
        .event_source_arn(QUEUE)
        .batch_size(100)
        .send()
        .await;
    assert!(invalid(big).contains("Maximum batch window in seconds must be greater than 0"));
    let no_position = h
        .client
        .create_event_source_mapping()
        .function_name("worker")
        .event_source_arn(STREAM)
        .send()
        .await;
    assert!(invalid(no_position).contains("StartingPosition"));
    let bad_filter = h
        .client
        .create_event_source_mapping()
        .function_name("worker")
        .event_source_arn(QUEUE)
        .filter_criteria(
            FilterCriteria::builder()
                .filters(Filter::builder().pattern("not json").build())
                .build(),
        )
        .send()
        .await;
    assert!(invalid(bad_filter).contains("Invalid filter pattern"));
    let missing = h
        .client
        .create_event_source_mapping()
        .function_name("nobody")
        .event_source_arn(QUEUE)
        .send()
        .await
        .expect_err("no function")
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
    let no_alias = h
        .client
        .create_event_source_mapping()
        .function_name("worker:live")
        .event_source_arn(QUEUE)
        .send()
        .await
        .expect_err("no alias")
        .into_service_error();
    assert!(no_alias.is_resource_not_found_exception(), "{no_alias:?}");
    let unknown = h
        .client
        .update_event_source_mapping()
        .uuid("00000000-0000-4000-8000-000000000000")
        .batch_size(5)
        .send()
        .await
        .expect_err("unknown uuid")
        .into_service_error();
    assert!(unknown.is_resource_not_found_exception(), "{unknown:?}");

    // A member the emulator does not model is refused, not dropped.
    let raw = http_post(
        &h.url,
        "/2015-03-31/event-source-mappings",
        r#"{"FunctionName": "worker", "EventSourceArn": "arn:aws:sqs:eu-north-1:123456789012:jobs", "ParallelizationFactor": 2}"#,
    )
    .await;
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
    assert!(raw.contains("InvalidParameterValueException"), "{raw}");
    assert!(raw.contains("ParallelizationFactor"), "{raw}");
}

#[tokio::test]
async fn the_fail_update_fault_stops_a_mapping_with_its_reason() {
    let h = start(Duration::from_millis(10), QuotaConfig::off()).await;
    seed(&h.sim, "worker");
    h.sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::CreateEventSourceMapping),
        Some("worker"),
        FaultKind::FailUpdate {
            reason: Some("access denied (sqs:ReceiveMessage)".to_owned()),
            reason_code: None,
        },
    )]);
    let created = h
        .client
        .create_event_source_mapping()
        .function_name("worker")
        .event_source_arn(QUEUE)
        .send()
        .await
        .expect("accepted");
    let uuid = created.uuid().expect("uuid").to_owned();
    wait_state(&h.client, &uuid, "Disabled").await;
    let m = h
        .client
        .get_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .expect("get");
    assert_eq!(
        m.state_transition_reason(),
        Some("access denied (sqs:ReceiveMessage)")
    );
    assert_eq!(
        m.last_processing_result(),
        Some("PROBLEM: access denied (sqs:ReceiveMessage)")
    );
}
