//! The HTTP door of `flotilla sim`, driven by the real `aws-sdk-lambda` client: state
//! transitions, 409/412/429 with the error types the SDK exposes, every fault kind,
//! versions and aliases, tags and concurrency.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AliasRoutingConfiguration, Environment, FunctionCode, LastUpdateStatus, Runtime, State,
    ThrottleReason,
};
use flotilla::lambda::ApiOp;
use flotilla::sim::{
    FaultKind, FaultRule, Latency, LatencyConfig, QuotaConfig, SeedSpec, Sim, SimConfig,
};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-north-1";

/// A running emulator on a free port, with its `Sim` for assertions.
struct Harness {
    sim: Sim,
    client: Client,
    url: String,
}

async fn start(latency: Duration, quota: QuotaConfig) -> Harness {
    let sim = Sim::new(SimConfig {
        seed: 7,
        latency: LatencyConfig::uniform(Latency::Fixed(latency)),
        quota,
        ..SimConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(flotilla::sim::http::serve(sim.clone(), listener));
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(&url)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
        .build();
    Harness {
        sim,
        client: Client::from_conf(config),
        url,
    }
}

fn seed(sim: &Sim, name: &str) {
    let spec = SeedSpec {
        name: name.to_owned(),
        ..SeedSpec::default()
    };
    sim.seed_function(ACCOUNT, REGION, spec.into_seed(ACCOUNT))
        .expect("seed");
}

/// Polls GetFunction (a bounded number of times) until the predicate holds.
async fn poll_until(
    client: &Client,
    name: &str,
    done: impl Fn(&aws_sdk_lambda::types::FunctionConfiguration) -> bool,
) -> aws_sdk_lambda::types::FunctionConfiguration {
    for _ in 0..200 {
        let out = client
            .get_function()
            .function_name(name)
            .send()
            .await
            .expect("get");
        let config = out.configuration.expect("configuration");
        if done(&config) {
            return config;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{name} never reached the expected state");
}

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

#[tokio::test]
async fn versions_aliases_tags_and_concurrency() {
    let h = start(Duration::from_millis(100), QuotaConfig::off()).await;
    seed(&h.sim, "svc");
    let v1 = h
        .client
        .publish_version()
        .function_name("svc")
        .description("first")
        .send()
        .await
        .expect("publish");
    assert_eq!(v1.version.as_deref(), Some("1"));
    let alias = h
        .client
        .create_alias()
        .function_name("svc")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("alias");
    assert_eq!(
        alias.alias_arn.as_deref(),
        Some(&*format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc:live"
        ))
    );
    let dup = h
        .client
        .create_alias()
        .function_name("svc")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect_err("dup");
    assert!(dup.into_service_error().is_resource_conflict_exception());

    h.client
        .update_function_code()
        .function_name("svc")
        .zip_file(Blob::new(b"v2".to_vec()))
        .send()
        .await
        .expect("code");
    let settled = poll_until(&h.client, "svc", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    let v2 = h
        .client
        .publish_version()
        .function_name("svc")
        .code_sha256(settled.code_sha256.clone().expect("sha"))
        .send()
        .await
        .expect("publish 2");
    assert_eq!(v2.version.as_deref(), Some("2"));
    // Publishing again with nothing changed returns the same version.
    let again = h
        .client
        .publish_version()
        .function_name("svc")
        .send()
        .await
        .expect("publish 3");
    assert_eq!(again.version.as_deref(), Some("2"));

    let stale_alias = h
        .client
        .update_alias()
        .function_name("svc")
        .name("live")
        .function_version("2")
        .revision_id("not-the-revision")
        .send()
        .await
        .expect_err("stale alias revision");
    assert!(
        stale_alias
            .into_service_error()
            .is_precondition_failed_exception()
    );
    let moved = h
        .client
        .update_alias()
        .function_name("svc")
        .name("live")
        .function_version("2")
        .routing_config(
            AliasRoutingConfiguration::builder()
                .additional_version_weights("1", 0.1)
                .build(),
        )
        .set_revision_id(alias.revision_id.clone())
        .send()
        .await
        .expect("move alias");
    assert_eq!(moved.function_version.as_deref(), Some("2"));
    let weights = moved
        .routing_config
        .and_then(|r| r.additional_version_weights)
        .expect("weights");
    assert_eq!(weights.get("1"), Some(&0.1));
    let got = h
        .client
        .get_alias()
        .function_name("svc")
        .name("live")
        .send()
        .await
        .expect("get alias");
    assert_eq!(got.function_version.as_deref(), Some("2"));

    let versions: Vec<String> = h
        .client
        .list_versions_by_function()
        .function_name("svc")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("versions")
        .into_iter()
        .filter_map(|v| v.version)
        .collect();
    assert_eq!(versions, ["$LATEST", "1", "2"]);
    let aliases = h
        .client
        .list_aliases()
        .function_name("svc")
        .send()
        .await
        .expect("aliases")
        .aliases
        .unwrap_or_default();
    assert_eq!(aliases.len(), 1);
    let qualified = h
        .client
        .get_function()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect("qualified");
    assert_eq!(
        qualified.configuration.and_then(|c| c.version).as_deref(),
        Some("2")
    );

    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc");
    h.client
        .tag_resource()
        .resource(&arn)
        .tags("team", "payments")
        .tags("env", "test")
        .send()
        .await
        .expect("tag");
    h.client
        .untag_resource()
        .resource(&arn)
        .tag_keys("env")
        .send()
        .await
        .expect("untag");
    let tags = h
        .client
        .list_tags()
        .resource(&arn)
        .send()
        .await
        .expect("tags")
        .tags
        .unwrap_or_default();
    assert_eq!(
        tags.into_iter().collect::<BTreeMap<_, _>>(),
        BTreeMap::from([("team".to_owned(), "payments".to_owned())])
    );

    let put = h
        .client
        .put_function_concurrency()
        .function_name("svc")
        .reserved_concurrent_executions(7)
        .send()
        .await
        .expect("put");
    assert_eq!(put.reserved_concurrent_executions, Some(7));
    let got = h
        .client
        .get_function()
        .function_name("svc")
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.concurrency
            .and_then(|c| c.reserved_concurrent_executions),
        Some(7)
    );
    assert_eq!(
        got.tags.and_then(|t| t.get("team").cloned()).as_deref(),
        Some("payments")
    );
    h.client
        .delete_function_concurrency()
        .function_name("svc")
        .send()
        .await
        .expect("delete concurrency");
    assert_eq!(
        h.sim
            .function_info(ACCOUNT, REGION, "svc")
            .expect("svc")
            .reserved_concurrency,
        None
    );

    h.client
        .delete_function()
        .function_name("svc")
        .send()
        .await
        .expect("delete");
    assert!(h.sim.function_info(ACCOUNT, REGION, "svc").is_none());
}

#[tokio::test]
async fn list_functions_pages_and_the_control_api_seeds_and_counts() {
    let h = start(Duration::from_millis(100), QuotaConfig::off()).await;
    let http = reqwest_free_post(
        &h.url,
        "/_sim/seed",
        r#"{"functions":[{"name":"a"},{"name":"b","image_uri":"1.dkr.ecr/x:1"}]}"#,
    )
    .await;
    assert!(http.starts_with("HTTP/1.1 200"), "{http}");
    for i in 0..60 {
        seed(&h.sim, &format!("fn-{i:02}"));
    }
    // Seeding without a signature lands in the default region; the SDK signs for eu-north-1.
    let names: Vec<String> = h
        .client
        .list_functions()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("list")
        .into_iter()
        .filter_map(|f| f.function_name)
        .collect();
    assert_eq!(names.len(), 60);
    assert_eq!(
        h.sim.counters().calls_of(ApiOp::ListFunctions),
        2,
        "two pages of 50"
    );
    assert!(
        h.sim
            .function_info(ACCOUNT, "us-east-1", "b")
            .is_some_and(|f| f.image_uri.is_some())
    );
    let counters = reqwest_free_get(&h.url, "/_sim/counters").await;
    assert!(counters.contains("\"ListFunctions\":2"), "{counters}");
}

/// Minimal HTTP/1.1 over a socket, so the control API is exercised without another client.
async fn raw_http(url: &str, request: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).await.expect("read");
    out
}

async fn reqwest_free_post(url: &str, path: &str, body: &str) -> String {
    let req = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    raw_http(url, req).await
}

async fn reqwest_free_get(url: &str, path: &str) -> String {
    raw_http(
        url,
        format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"),
    )
    .await
}
