//! Function URLs over the SDK: Create (201) answers botocore's
//! `CreateFunctionUrlConfigResponse`, Get/Update/List read it back, Delete (204)
//! removes it; Lambda's errors: 409 for a second URL of the same qualifier, 404 for
//! none or a missing alias, 400 for a `$LATEST` or version qualifier, bad CORS, an
//! unknown member; DeleteFunction takes the URLs along.

use std::time::Duration;

use aws_sdk_lambda::types::{Cors, FunctionUrlAuthType, InvokeMode};
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, raw_http, seed, split_response, start};

/// One request over plain HTTP, signed (unchecked) for the harness's account and
/// region, so the status code is seen as sent.
async fn signed(url: &str, method: &str, path: &str, body: &str) -> String {
    raw_http(
        url,
        format!(
            "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
             authorization: AWS4-HMAC-SHA256 Credential={ACCOUNT}/20250101/{REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
}

#[tokio::test]
async fn function_url_round_trips_with_lambdas_status_codes_and_errors() {
    let h = start(Duration::from_millis(5), QuotaConfig::off()).await;
    seed(&h.sim, "svc");

    let none = h
        .client
        .get_function_url_config()
        .function_name("svc")
        .send()
        .await
        .expect_err("no URL yet")
        .into_service_error();
    assert!(none.is_resource_not_found_exception(), "{none:?}");

    let cors = Cors::builder()
        .allow_origins("https://example.com")
        .allow_methods("GET")
        .allow_headers("content-type")
        .expose_headers("x-request-id")
        .allow_credentials(true)
        .max_age(300)
        .build();
    let created = h
        .client
        .create_function_url_config()
        .function_name("svc")
        .auth_type(FunctionUrlAuthType::None)
        .cors(cors.clone())
        .send()
        .await
        .expect("create");
    let url = created.function_url().to_owned();
    let host = url
        .strip_prefix("https://")
        .and_then(|u| u.strip_suffix(&format!(".lambda-url.{REGION}.on.aws/")))
        .unwrap_or_else(|| panic!("{url}"));
    assert!(
        host.len() == 32
            && host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{url}"
    );
    assert_eq!(
        created.function_arn(),
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc")
    );
    assert_eq!(created.auth_type(), &FunctionUrlAuthType::None);
    assert_eq!(created.cors(), Some(&cors));
    assert_eq!(created.invoke_mode(), Some(&InvokeMode::Buffered));
    assert!(!created.creation_time().is_empty());

    let again = h
        .client
        .create_function_url_config()
        .function_name("svc")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .send()
        .await
        .expect_err("one URL per qualifier")
        .into_service_error();
    assert!(again.is_resource_conflict_exception(), "{again:?}");

    let got = h
        .client
        .get_function_url_config()
        .function_name("svc")
        .send()
        .await
        .expect("get");
    assert_eq!(got.function_url(), url);
    assert_eq!(got.cors(), Some(&cors));
    assert!(!got.last_modified_time().is_empty());

    // Update: members given replace the live ones, others stay.
    let updated = h
        .client
        .update_function_url_config()
        .function_name("svc")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .invoke_mode(InvokeMode::ResponseStream)
        .send()
        .await
        .expect("update");
    assert_eq!(updated.auth_type(), &FunctionUrlAuthType::AwsIam);
    assert_eq!(updated.invoke_mode(), Some(&InvokeMode::ResponseStream));
    assert_eq!(updated.cors(), Some(&cors), "CORS left out stays");
    assert_eq!(updated.function_url(), url, "the URL itself never changes");

    let listed = h
        .client
        .list_function_url_configs()
        .function_name("svc")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.function_url_configs().len(), 1);
    assert_eq!(listed.function_url_configs()[0].function_url(), url);

    // Qualifiers Lambda refuses, and an alias that does not exist.
    for q in ["$LATEST", "1"] {
        let err = h
            .client
            .create_function_url_config()
            .function_name("svc")
            .qualifier(q)
            .auth_type(FunctionUrlAuthType::AwsIam)
            .send()
            .await
            .expect_err("refused qualifier")
            .into_service_error();
        assert!(err.is_invalid_parameter_value_exception(), "{q}: {err:?}");
    }
    let err = h
        .client
        .get_function_url_config()
        .function_name("svc")
        .qualifier("live")
        .send()
        .await
        .expect_err("no alias")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // Bad CORS: 400, nothing changed.
    let bad = [
        Cors::builder().max_age(86_401).build(),
        Cors::builder().allow_methods("FETCH").build(),
        Cors::builder().allow_origins("").build(),
        Cors::builder()
            .set_allow_methods(Some(
                ["GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"]
                    .map(str::to_owned)
                    .to_vec(),
            ))
            .build(),
    ];
    for cors in bad {
        let err = h
            .client
            .update_function_url_config()
            .function_name("svc")
            .cors(cors.clone())
            .send()
            .await
            .expect_err("bad CORS")
            .into_service_error();
        assert!(
            err.is_invalid_parameter_value_exception(),
            "{cors:?}: {err:?}"
        );
    }

    // A member the emulator does not model, and an unknown auth type: 400.
    h.sim
        .seed_function(ACCOUNT, REGION, {
            let spec = flotilla_sim::SeedSpec {
                name: "other".to_owned(),
                ..flotilla_sim::SeedSpec::default()
            };
            spec.into_seed(ACCOUNT)
        })
        .expect("seed");
    for body in [
        r#"{"AuthType":"NONE","Extra":1}"#,
        r#"{"AuthType":"OPEN"}"#,
        r#"{"InvokeMode":"BUFFERED"}"#,
    ] {
        let raw = signed(&h.url, "POST", "/2021-10-31/functions/other/url", body).await;
        let (status, _, answer) = split_response(&raw);
        assert_eq!(status, 400, "{body}: {answer}");
    }
    // Create over plain HTTP answers 201; Delete 204 with no body.
    let raw = signed(
        &h.url,
        "POST",
        "/2021-10-31/functions/other/url",
        r#"{"AuthType":"AWS_IAM"}"#,
    )
    .await;
    let (status, _, answer) = split_response(&raw);
    assert_eq!(status, 201, "{answer}");
    assert!(answer.get("LastModifiedTime").is_none(), "{answer}");
    let raw = signed(&h.url, "DELETE", "/2021-10-31/functions/other/url", "").await;
    let (status, _, answer) = split_response(&raw);
    assert_eq!((status, answer), (204, serde_json::Value::Null));

    h.client
        .delete_function_url_config()
        .function_name("svc")
        .send()
        .await
        .expect("delete");
    let gone = h
        .client
        .delete_function_url_config()
        .function_name("svc")
        .send()
        .await
        .expect_err("deleted already")
        .into_service_error();
    assert!(gone.is_resource_not_found_exception(), "{gone:?}");
}

#[tokio::test]
async fn function_url_on_an_alias_goes_with_the_function() {
    let h = start(Duration::from_millis(5), QuotaConfig::off()).await;
    seed(&h.sim, "svc");
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
    let created = h
        .client
        .create_function_url_config()
        .function_name("svc")
        .qualifier("live")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .send()
        .await
        .expect("create on the alias");
    assert_eq!(
        created.function_arn(),
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc:live")
    );
    // The unqualified function has its own (none yet).
    let none = h
        .client
        .get_function_url_config()
        .function_name("svc")
        .send()
        .await
        .expect_err("none unqualified")
        .into_service_error();
    assert!(none.is_resource_not_found_exception());
    // The qualifier in the name works as the parameter does.
    let got = h
        .client
        .get_function_url_config()
        .function_name("svc:live")
        .send()
        .await
        .expect("get by qualified name");
    assert_eq!(got.function_url(), created.function_url());

    h.client
        .delete_function()
        .function_name("svc")
        .send()
        .await
        .expect("delete function");
    seed(&h.sim, "svc");
    let listed = h
        .client
        .list_function_url_configs()
        .function_name("svc")
        .send()
        .await
        .expect("list");
    assert!(listed.function_url_configs().is_empty());
}
