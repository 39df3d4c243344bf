//! GetPolicy, AddPermission and RemovePermission over HTTP through `aws-sdk-lambda`:
//! the policy document as Lambda writes it, `RevisionId`, 409 for a duplicate statement
//! id, 404 for an unknown one or no policy, 412 for a stale `RevisionId`, 400 for bad
//! values and for members the emulator does not model.

use std::time::Duration;

use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, http_post, seed, split_response, start};

#[tokio::test]
async fn permissions_round_trip_with_lambdas_errors() {
    let h = start(Duration::from_millis(10), QuotaConfig::off()).await;
    seed(&h.sim, "svc");
    let none = h
        .client
        .get_policy()
        .function_name("svc")
        .send()
        .await
        .expect_err("no policy yet");
    assert!(none.into_service_error().is_resource_not_found_exception());

    let added = h
        .client
        .add_permission()
        .function_name("svc")
        .statement_id("s3-upload")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::uploads")
        .source_account(ACCOUNT)
        .send()
        .await
        .expect("add");
    let statement: serde_json::Value =
        serde_json::from_str(added.statement().expect("statement")).expect("JSON");
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc");
    assert_eq!(
        statement,
        serde_json::json!({
            "Sid": "s3-upload",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": arn,
            "Condition": {
                "StringEquals": {"AWS:SourceAccount": ACCOUNT},
                "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"},
            },
        })
    );
    h.client
        .add_permission()
        .function_name("svc")
        .statement_id("other-account")
        .action("lambda:InvokeFunction")
        .principal("210987654321")
        .send()
        .await
        .expect("add an account");

    let got = h
        .client
        .get_policy()
        .function_name("svc")
        .send()
        .await
        .expect("policy");
    let revision = got.revision_id().expect("revision").to_owned();
    let doc: serde_json::Value = serde_json::from_str(got.policy().expect("policy")).expect("JSON");
    assert_eq!(doc["Version"], "2012-10-17");
    assert_eq!(doc["Id"], "default");
    assert_eq!(
        doc["Statement"][1]["Principal"],
        serde_json::json!({"AWS": "arn:aws:iam::210987654321:root"})
    );

    // 409: the statement id exists.
    let dup = h
        .client
        .add_permission()
        .function_name("svc")
        .statement_id("s3-upload")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .send()
        .await
        .expect_err("duplicate sid");
    let dup = dup.into_service_error();
    assert!(dup.is_resource_conflict_exception(), "{dup:?}");
    assert!(
        format!("{dup:?}").contains("The statement id (s3-upload) provided already exists"),
        "{dup:?}"
    );

    // 412: a stale RevisionId, on add and on remove.
    let stale = h
        .client
        .add_permission()
        .function_name("svc")
        .statement_id("third")
        .action("lambda:InvokeFunction")
        .principal("sns.amazonaws.com")
        .revision_id("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .expect_err("stale revision");
    assert!(
        stale
            .into_service_error()
            .is_precondition_failed_exception()
    );
    let stale = h
        .client
        .remove_permission()
        .function_name("svc")
        .statement_id("s3-upload")
        .revision_id("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .expect_err("stale revision");
    assert!(
        stale
            .into_service_error()
            .is_precondition_failed_exception()
    );

    // 404: an unknown statement id.
    let unknown = h
        .client
        .remove_permission()
        .function_name("svc")
        .statement_id("nope")
        .send()
        .await
        .expect_err("unknown sid");
    assert!(
        unknown
            .into_service_error()
            .is_resource_not_found_exception()
    );

    // The current RevisionId is accepted; the last removal deletes the policy.
    h.client
        .remove_permission()
        .function_name("svc")
        .statement_id("s3-upload")
        .revision_id(revision)
        .send()
        .await
        .expect("remove with the current revision");
    h.client
        .remove_permission()
        .function_name("svc")
        .statement_id("other-account")
        .send()
        .await
        .expect("remove");
    let gone = h
        .client
        .get_policy()
        .function_name("svc")
        .send()
        .await
        .expect_err("no policy left");
    assert!(gone.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn permissions_on_an_alias_and_bad_values() {
    let h = start(Duration::from_millis(10), QuotaConfig::off()).await;
    seed(&h.sim, "svc");
    // An alias that does not exist: 404.
    let missing = h
        .client
        .add_permission()
        .function_name("svc")
        .qualifier("live")
        .statement_id("a")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .send()
        .await
        .expect_err("no alias");
    assert!(
        missing
            .into_service_error()
            .is_resource_not_found_exception()
    );
    h.client
        .publish_version()
        .function_name("svc")
        .send()
        .await
        .expect("publish");
    h.client
        .create_alias()
        .function_name("svc")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("alias");
    h.client
        .add_permission()
        .function_name("svc")
        .qualifier("live")
        .statement_id("a")
        .action("lambda:InvokeFunction")
        .principal("events.amazonaws.com")
        .send()
        .await
        .expect("add on the alias");
    let on_alias = h
        .client
        .get_policy()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect("alias policy");
    assert!(
        on_alias
            .policy()
            .unwrap_or_default()
            .contains("function:svc:live"),
        "{on_alias:?}"
    );
    let unqualified = h
        .client
        .get_policy()
        .function_name("svc")
        .send()
        .await
        .expect_err("the function itself has none");
    assert!(
        unqualified
            .into_service_error()
            .is_resource_not_found_exception()
    );

    // 400s: a bad statement id, principal, action and source account.
    for (sid, principal, action, account) in [
        ("bad id", "s3.amazonaws.com", "lambda:InvokeFunction", None),
        ("b", "not a principal", "lambda:InvokeFunction", None),
        ("c", "s3.amazonaws.com", "s3:GetObject", None),
        ("d", "s3.amazonaws.com", "lambda:InvokeFunction", Some("12")),
    ] {
        let err = h
            .client
            .add_permission()
            .function_name("svc")
            .statement_id(sid)
            .action(action)
            .principal(principal)
            .set_source_account(account.map(str::to_owned))
            .send()
            .await
            .expect_err("refused");
        assert!(
            err.into_service_error()
                .is_invalid_parameter_value_exception(),
            "{sid}"
        );
    }

    // A member the emulator does not model: 400, nothing added.
    let raw = http_post(
        &h.url,
        "/2015-03-31/functions/svc/policy",
        r#"{"StatementId":"alexa","Action":"lambda:InvokeFunction","Principal":"alexa-connectedhome.amazon.com","EventSourceToken":"t"}"#,
    )
    .await;
    let (status, _, body) = split_response(&raw);
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("EventSourceToken"), "{body}");
}
