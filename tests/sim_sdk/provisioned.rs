//! Provisioned concurrency through `aws-sdk-lambda` over HTTP: Put (202, `IN_PROGRESS`
//! then `READY` on the emulator's clock), Get (404
//! `ProvisionedConcurrencyConfigNotFoundException` when none), List (`FunctionArn` per
//! qualifier), Delete (204); `$LATEST` and an alias on it refused (400), an unknown
//! qualifier 404, more than the reserved concurrency 400, a moved alias allocating
//! again, and an unmodelled member 400.

use std::time::Duration;

use aws_sdk_lambda::types::ProvisionedConcurrencyStatusEnum as Status;
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, raw_http, seed, split_response, start};

const LATENCY: Duration = Duration::from_millis(150);

/// The service error code of a failed SDK call, and its HTTP status.
fn code_of<E: aws_sdk_lambda::error::ProvideErrorMetadata + std::fmt::Debug>(
    err: &aws_sdk_lambda::error::SdkError<E, aws_sdk_lambda::config::http::HttpResponse>,
) -> (String, u16) {
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    let code = err
        .as_service_error()
        .and_then(|e| e.code())
        .unwrap_or_default()
        .to_owned();
    (code, status)
}

#[tokio::test]
async fn put_get_list_delete_and_reallocation_on_an_alias_move() {
    let h = start(LATENCY, QuotaConfig::off()).await;
    seed(&h.sim, "svc");
    let c = &h.client;
    c.publish_version()
        .function_name("svc")
        .send()
        .await
        .expect("publish 1");
    c.create_alias()
        .function_name("svc")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("alias live");
    c.create_alias()
        .function_name("svc")
        .name("head")
        .function_version("$LATEST")
        .send()
        .await
        .expect("alias head");

    let none = c
        .get_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect_err("nothing configured");
    assert!(
        none.as_service_error()
            .is_some_and(|e| e.is_provisioned_concurrency_config_not_found_exception()),
        "{none:?}"
    );
    assert_eq!(code_of(&none).1, 404);

    for (qualifier, want) in [
        ("$LATEST", ("InvalidParameterValueException", 400)),
        ("head", ("InvalidParameterValueException", 400)),
        ("nope", ("ResourceNotFoundException", 404)),
    ] {
        let err = c
            .put_provisioned_concurrency_config()
            .function_name("svc")
            .qualifier(qualifier)
            .provisioned_concurrent_executions(2)
            .send()
            .await
            .expect_err(qualifier);
        assert_eq!(code_of(&err), (want.0.to_owned(), want.1), "{qualifier}");
    }

    let put = c
        .put_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .provisioned_concurrent_executions(2)
        .send()
        .await
        .expect("put");
    assert_eq!(put.requested_provisioned_concurrent_executions, Some(2));
    assert_eq!(put.status, Some(Status::InProgress));
    assert_eq!(put.allocated_provisioned_concurrent_executions, Some(0));
    assert!(put.last_modified.is_some());

    tokio::time::sleep(LATENCY * 2).await;
    let got = c
        .get_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect("get");
    assert_eq!(got.status, Some(Status::Ready));
    assert_eq!(got.allocated_provisioned_concurrent_executions, Some(2));
    assert_eq!(got.available_provisioned_concurrent_executions, Some(2));
    assert_eq!(got.status_reason, None);

    let list = c
        .list_provisioned_concurrency_configs()
        .function_name("svc")
        .send()
        .await
        .expect("list");
    let items = list.provisioned_concurrency_configs.unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].function_arn.as_deref(),
        Some(&*format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc:live"
        ))
    );
    assert_eq!(items[0].status, Some(Status::Ready));

    // A new version on the alias: Lambda allocates there, IN_PROGRESS again.
    c.update_function_configuration()
        .function_name("svc")
        .memory_size(1024)
        .send()
        .await
        .expect("update");
    tokio::time::sleep(LATENCY * 2).await;
    c.publish_version()
        .function_name("svc")
        .send()
        .await
        .expect("publish 2");
    c.update_alias()
        .function_name("svc")
        .name("live")
        .function_version("2")
        .send()
        .await
        .expect("move");
    let moving = c
        .get_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect("get while moving");
    assert_eq!(moving.status, Some(Status::InProgress));
    tokio::time::sleep(LATENCY * 2).await;
    let moved = c
        .get_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect("get after the move");
    assert_eq!(moved.status, Some(Status::Ready));
    let states = h
        .sim
        .provisioned_states(ACCOUNT, REGION, "svc")
        .expect("states");
    assert_eq!(states[0].allocations, 2);
    assert_eq!(states[0].moves_while_in_progress, 0);

    c.delete_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect("delete");
    let gone = c
        .get_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect_err("deleted");
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_provisioned_concurrency_config_not_found_exception())
    );
}

#[tokio::test]
async fn more_than_the_reserved_concurrency_and_unmodelled_members_are_refused() {
    let h = start(LATENCY, QuotaConfig::off()).await;
    seed(&h.sim, "svc");
    let c = &h.client;
    c.publish_version()
        .function_name("svc")
        .send()
        .await
        .expect("publish");
    c.create_alias()
        .function_name("svc")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("alias");
    c.put_function_concurrency()
        .function_name("svc")
        .reserved_concurrent_executions(3)
        .send()
        .await
        .expect("reserve");
    let over = c
        .put_provisioned_concurrency_config()
        .function_name("svc")
        .qualifier("live")
        .provisioned_concurrent_executions(4)
        .send()
        .await
        .expect_err("more than reserved");
    assert_eq!(
        code_of(&over),
        ("InvalidParameterValueException".to_owned(), 400)
    );
    let body = r#"{"ProvisionedConcurrentExecutions":2,"Burst":5}"#;
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={ACCOUNT}/20250101/{REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0"
    );
    let raw = raw_http(
        &h.url,
        format!(
            "PUT /2019-09-30/functions/svc/provisioned-concurrency?Qualifier=live HTTP/1.1\r\nhost: x\r\nauthorization: {auth}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    let (status, headers, json) = split_response(&raw);
    assert_eq!(status, 400, "{raw}");
    assert_eq!(
        headers.get("x-amzn-errortype").map(String::as_str),
        Some("InvalidParameterValueException"),
        "{raw}"
    );
    assert!(json.to_string().contains("Burst"), "{json}");
    assert!(
        h.sim
            .provisioned_states(ACCOUNT, REGION, "svc")
            .expect("states")
            .is_empty(),
        "nothing was put"
    );
}
