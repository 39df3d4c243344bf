//! Versions, aliases, tags, concurrency, ListFunctions paging and the control API.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, LastUpdateStatus};
use flotilla_cloud::lambda::ApiOp;
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, http_get, http_post, poll_until, seed, start};

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
    let http = http_post(
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
    let counters = http_get(&h.url, "/_sim/counters").await;
    assert!(counters.contains("\"ListFunctions\":2"), "{counters}");
}

#[tokio::test]
async fn publish_on_create_and_on_code_update_and_lambda_validation() {
    let h = start(Duration::from_millis(100), QuotaConfig::off()).await;
    let created = h
        .client
        .create_function()
        .function_name("pub")
        .runtime(aws_sdk_lambda::types::Runtime::Nodejs22x)
        .role(format!("arn:aws:iam::{ACCOUNT}:role/pub"))
        .handler("index.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(b"v1".to_vec()))
                .build(),
        )
        .publish(true)
        .send()
        .await
        .expect("create");
    assert_eq!(created.version.as_deref(), Some("$LATEST"));
    let v1 = h
        .client
        .get_function()
        .function_name("pub")
        .qualifier("1")
        .send()
        .await
        .expect("version 1");
    let v1 = v1.configuration.expect("configuration");
    assert_eq!(
        v1.state,
        Some(aws_sdk_lambda::types::State::Active),
        "a published version is usable"
    );
    assert_eq!(
        v1.function_arn.as_deref(),
        Some(&*format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:pub:1"
        ))
    );

    poll_until(&h.client, "pub", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    let v2 = h
        .client
        .update_function_code()
        .function_name("pub")
        .zip_file(Blob::new(b"v2".to_vec()))
        .publish(true)
        .send()
        .await
        .expect("update and publish");
    assert_eq!(v2.version.as_deref(), Some("2"));
    assert_ne!(v2.code_sha256, v1.code_sha256);

    poll_until(&h.client, "pub", |c| {
        c.last_update_status == Some(LastUpdateStatus::Successful)
    })
    .await;
    let reserved = h
        .client
        .update_function_configuration()
        .function_name("pub")
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("AWS_REGION", "x")
                .build(),
        )
        .send()
        .await
        .expect_err("reserved key");
    let service = reserved.into_service_error();
    assert!(
        service.is_invalid_parameter_value_exception(),
        "{service:?}"
    );
    assert!(
        service
            .meta()
            .message()
            .unwrap_or_default()
            .contains("AWS_REGION")
    );
    let memory = h
        .client
        .update_function_configuration()
        .function_name("pub")
        .memory_size(64)
        .send()
        .await
        .expect_err("memory");
    assert!(
        memory
            .into_service_error()
            .is_invalid_parameter_value_exception()
    );
    assert_eq!(
        h.sim.counters().conflicts,
        0,
        "validation errors are not conflicts"
    );
}
