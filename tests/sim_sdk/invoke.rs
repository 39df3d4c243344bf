//! Weighted aliases (Lambda's validation of `RoutingConfig`) and Invoke (results set per
//! function and version through `PUT /_sim/invoke/{function}`, invocations recorded,
//! `X-Amz-Function-Error` and `X-Amz-Executed-Version`), through the real SDK.

use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, InvocationType, LastUpdateStatus};
use flotilla_sim::QuotaConfig;

use super::harness::{
    ACCOUNT, Harness, REGION, http_get, poll_until, raw_http, seed, split_response, start,
};

/// Publishes version 1 of `name`, changes the code, publishes version 2.
async fn two_versions(h: &Harness, name: &str) {
    seed(&h.sim, name);
    h.client
        .publish_version()
        .function_name(name)
        .send()
        .await
        .expect("publish 1");
    h.client
        .update_function_code()
        .function_name(name)
        .zip_file(Blob::new(b"v2".to_vec()))
        .send()
        .await
        .expect("code");
    poll_until(&h.client, name, |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    let v2 = h
        .client
        .publish_version()
        .function_name(name)
        .send()
        .await
        .expect("publish 2");
    assert_eq!(v2.version.as_deref(), Some("2"));
}

fn weights(pairs: &[(&str, f64)]) -> AliasRoutingConfiguration {
    let mut b = AliasRoutingConfiguration::builder();
    for (v, w) in pairs {
        b = b.additional_version_weights(*v, *w);
    }
    b.build()
}

async fn http_put(url: &str, path: &str, body: &str) -> String {
    raw_http(
        url,
        format!(
            "PUT {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
}

/// The message of a 400 the SDK got, checked to be `InvalidParameterValueException`.
fn invalid_message<E>(service: E) -> String
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata + std::fmt::Debug,
{
    assert_eq!(
        service.code(),
        Some("InvalidParameterValueException"),
        "{service:?}"
    );
    service.message().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn weighted_aliases_follow_lambdas_rules() {
    let h = start(Duration::from_millis(50), QuotaConfig::off()).await;
    two_versions(&h, "svc").await;

    // On CreateAlias: two additional versions, a weight above 1, $LATEST as either version,
    // the primary again, an unpublished version.
    let create = |version: &'static str, routing: AliasRoutingConfiguration| {
        h.client
            .create_alias()
            .function_name("svc")
            .name("live")
            .function_version(version)
            .routing_config(routing)
            .send()
    };
    let two = create("2", weights(&[("1", 0.1), ("3", 0.1)]))
        .await
        .expect_err("two extra versions");
    assert!(invalid_message(two.into_service_error()).contains("cannot be greater than 1"));
    let heavy = create("2", weights(&[("1", 1.5)]))
        .await
        .expect_err("weight 1.5");
    assert!(invalid_message(heavy.into_service_error()).contains("between 0.0 and 1.0"));
    let latest_extra = create("2", weights(&[("$LATEST", 0.1)]))
        .await
        .expect_err("$LATEST as the extra version");
    assert!(invalid_message(latest_extra.into_service_error()).contains("not $LATEST"));
    let latest_primary = create("$LATEST", weights(&[("1", 0.1)]))
        .await
        .expect_err("alias on $LATEST with weights");
    assert!(
        invalid_message(latest_primary.into_service_error()).contains("$LATEST is not supported")
    );
    let same = create("2", weights(&[("2", 0.1)]))
        .await
        .expect_err("the primary as the extra version");
    assert!(invalid_message(same.into_service_error()).contains("another one"));
    let unpublished = create("2", weights(&[("9", 0.1)]))
        .await
        .expect_err("unpublished version");
    assert!(
        unpublished
            .into_service_error()
            .is_resource_not_found_exception()
    );

    // A valid weighted alias, read back by GetAlias.
    let alias = create("1", weights(&[("2", 0.1)]))
        .await
        .expect("weighted alias");
    let got = h
        .client
        .get_alias()
        .function_name("svc")
        .name("live")
        .send()
        .await
        .expect("get alias");
    assert_eq!(got.function_version.as_deref(), Some("1"));
    assert_eq!(
        got.routing_config
            .and_then(|r| r.additional_version_weights)
            .and_then(|w| w.get("2").copied()),
        Some(0.1)
    );

    // UpdateAlias: a stale RevisionId is 412 and changes nothing; the current one shifts.
    let stale = h
        .client
        .update_alias()
        .function_name("svc")
        .name("live")
        .routing_config(weights(&[("2", 0.5)]))
        .revision_id("stale")
        .send()
        .await
        .expect_err("stale revision");
    assert!(
        stale
            .into_service_error()
            .is_precondition_failed_exception()
    );
    let shifted = h
        .client
        .update_alias()
        .function_name("svc")
        .name("live")
        .routing_config(weights(&[("2", 0.5)]))
        .set_revision_id(alias.revision_id.clone())
        .send()
        .await
        .expect("shift to 50%");
    assert_ne!(shifted.revision_id, alias.revision_id);
    // The old revision no longer passes.
    let old = h
        .client
        .update_alias()
        .function_name("svc")
        .name("live")
        .routing_config(weights(&[("2", 0.9)]))
        .set_revision_id(alias.revision_id.clone())
        .send()
        .await
        .expect_err("the revision moved");
    assert!(old.into_service_error().is_precondition_failed_exception());
    // Moving the primary onto the extra version while keeping its weight is refused;
    // moving it with empty weights is the final step of a rollout.
    let onto_extra = h
        .client
        .update_alias()
        .function_name("svc")
        .name("live")
        .function_version("2")
        .send()
        .await
        .expect_err("primary onto the weighted version");
    assert!(invalid_message(onto_extra.into_service_error()).contains("another one"));
    let done = h
        .client
        .update_alias()
        .function_name("svc")
        .name("live")
        .function_version("2")
        .routing_config(AliasRoutingConfiguration::builder().build())
        .set_revision_id(shifted.revision_id.clone())
        .send()
        .await
        .expect("final move");
    assert_eq!(done.function_version.as_deref(), Some("2"));
    assert!(
        done.routing_config
            .and_then(|r| r.additional_version_weights)
            .is_none_or(|w| w.is_empty())
    );
}

#[tokio::test]
async fn weighted_versions_need_the_same_role() {
    let h = start(Duration::from_millis(50), QuotaConfig::off()).await;
    two_versions(&h, "svc").await;
    h.client
        .update_function_configuration()
        .function_name("svc")
        .role(format!("arn:aws:iam::{ACCOUNT}:role/other-role"))
        .send()
        .await
        .expect("role");
    poll_until(&h.client, "svc", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    h.client
        .publish_version()
        .function_name("svc")
        .send()
        .await
        .expect("publish 3");
    let err = h
        .client
        .create_alias()
        .function_name("svc")
        .name("live")
        .function_version("3")
        .routing_config(weights(&[("2", 0.1)]))
        .send()
        .await
        .expect_err("different roles");
    assert!(invalid_message(err.into_service_error()).contains("different execution roles"));
}

#[tokio::test]
async fn invoke_answers_the_result_set_per_version_and_records_it() {
    let h = start(Duration::from_millis(50), QuotaConfig::off()).await;
    two_versions(&h, "svc").await;

    // Nothing set: `null`, as a handler that returns nothing; $LATEST ran.
    let out = h
        .client
        .invoke()
        .function_name("svc")
        .payload(Blob::new(br#"{"ping": 1}"#.to_vec()))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.status_code, 200);
    assert_eq!(out.executed_version.as_deref(), Some("$LATEST"));
    assert_eq!(out.function_error, None);
    assert_eq!(out.payload.map(Blob::into_inner), Some(b"null".to_vec()));

    // Version 2 fails, every other version answers `{"ok": true}` after 300 ms.
    let body = format!(
        r#"{{"region": "{REGION}", "version": "2", "function_error": "Unhandled", "payload": {{"errorMessage": "boom", "errorType": "ValueError"}}}}"#
    );
    let (status, _, _) = split_response(&http_put(&h.url, "/_sim/invoke/svc", &body).await);
    assert_eq!(status, 200);
    let body = format!(r#"{{"region": "{REGION}", "payload": {{"ok": true}}, "latency_ms": 300}}"#);
    let (status, _, _) = split_response(&http_put(&h.url, "/_sim/invoke/svc", &body).await);
    assert_eq!(status, 200);

    let failed = h
        .client
        .invoke()
        .function_name("svc")
        .qualifier("2")
        .send()
        .await
        .expect("a function error is a 200");
    assert_eq!(failed.status_code, 200);
    assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(failed.executed_version.as_deref(), Some("2"));
    let error: serde_json::Value =
        serde_json::from_slice(&failed.payload.expect("payload").into_inner()).expect("json");
    assert_eq!(error["errorMessage"], "boom");

    let started = Instant::now();
    let ok = h
        .client
        .invoke()
        .function_name("svc:1")
        .send()
        .await
        .expect("invoke 1");
    assert!(started.elapsed() >= Duration::from_millis(300), "latency");
    assert_eq!(ok.executed_version.as_deref(), Some("1"));
    assert_eq!(ok.function_error, None);
    assert_eq!(
        ok.payload.map(Blob::into_inner),
        Some(br#"{"ok":true}"#.to_vec())
    );

    // Through an alias with 50% on version 2, both versions run, and each is recorded.
    h.client
        .create_alias()
        .function_name("svc")
        .name("live")
        .function_version("1")
        .routing_config(weights(&[("2", 0.5)]))
        .send()
        .await
        .expect("alias");
    let body = format!(r#"{{"region": "{REGION}"}}"#);
    split_response(&http_put(&h.url, "/_sim/invoke/svc", &body).await);
    let mut executed = Vec::new();
    for _ in 0..40 {
        let out = h
            .client
            .invoke()
            .function_name("svc")
            .qualifier("live")
            .send()
            .await
            .expect("invoke alias");
        executed.push(out.executed_version.expect("executed version"));
    }
    let on_two = executed.iter().filter(|v| *v == "2").count();
    assert!(
        (5..=35).contains(&on_two),
        "about half should run version 2: {on_two} of 40"
    );
    assert!(executed.iter().all(|v| v == "1" || v == "2"));

    // Event and DryRun: 202 and 204, no payload; a dry run is not recorded.
    let event = h
        .client
        .invoke()
        .function_name("svc")
        .invocation_type(InvocationType::Event)
        .send()
        .await
        .expect("event");
    assert_eq!(event.status_code, 202);
    let dry = h
        .client
        .invoke()
        .function_name("svc")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .expect("dry run");
    assert_eq!(dry.status_code, 204);

    let (status, _, state) =
        split_response(&http_get(&h.url, &format!("/_sim/invoke/svc?region={REGION}")).await);
    assert_eq!(status, 200);
    let invocations = state["invocations"].as_array().expect("invocations");
    assert_eq!(invocations.len(), 1 + 1 + 1 + 40 + 1);
    assert_eq!(invocations[0]["version"], "$LATEST");
    assert_eq!(invocations[0]["payload"]["ping"], 1);
    assert_eq!(invocations[1]["version"], "2");
    assert_eq!(invocations[1]["function_error"], true);
    assert_eq!(invocations[3]["qualifier"], "live");
    let recorded = h.sim.invocations(ACCOUNT, REGION, "svc");
    assert_eq!(
        recorded.iter().filter(|i| i.version == "2").count(),
        on_two + 1
    );
    // Invoke is not charged to the control-plane quota.
    let counters = h.sim.counters();
    assert_eq!(
        counters.calls_of(flotilla_cloud::lambda::ApiOp::Invoke),
        invocations.len() as u64 + 1
    );
}

#[tokio::test]
async fn invoke_errors_as_lambda_gives_them() {
    let h = start(Duration::from_millis(50), QuotaConfig::default()).await;
    let missing = h
        .client
        .invoke()
        .function_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert!(
        missing
            .into_service_error()
            .is_resource_not_found_exception()
    );
    seed(&h.sim, "svc");
    let no_version = h
        .client
        .invoke()
        .function_name("svc")
        .qualifier("7")
        .send()
        .await
        .expect_err("no version 7");
    assert!(
        no_version
            .into_service_error()
            .is_resource_not_found_exception()
    );
    let mismatch = h
        .client
        .invoke()
        .function_name("svc:1")
        .qualifier("2")
        .send()
        .await
        .expect_err("two qualifiers");
    assert!(invalid_message(mismatch.into_service_error()).contains("does not match"));
    let bad_json = h
        .client
        .invoke()
        .function_name("svc")
        .payload(Blob::new(b"{not json".to_vec()))
        .send()
        .await
        .expect_err("bad payload");
    assert!(
        bad_json
            .into_service_error()
            .is_invalid_request_content_exception()
    );
    // A function still being created is not invokable yet.
    h.client
        .create_function()
        .function_name("fresh")
        .role(format!("arn:aws:iam::{ACCOUNT}:role/r"))
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("app.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(b"zip".to_vec()))
                .build(),
        )
        .send()
        .await
        .expect("create");
    let pending = h
        .client
        .invoke()
        .function_name("fresh")
        .send()
        .await
        .expect_err("pending");
    assert!(
        pending
            .into_service_error()
            .is_resource_conflict_exception()
    );
    // A bad control body names the field.
    let (status, _, body) = split_response(
        &http_put(
            &h.url,
            "/_sim/invoke/svc",
            r#"{"version": "live", "payload": 1}"#,
        )
        .await,
    );
    assert_eq!(status, 400);
    assert!(body.to_string().contains("version number"), "{body}");
}
