//! The event invoke configuration over the SDK: Put replaces it whole and answers
//! `FunctionEventInvokeConfig`, Get reads it back, Delete removes it (204), and Lambda's
//! errors: 404 for none, 400 for a value out of bounds, an S3 success destination, a
//! destination in another region, a qualifier the emulator does not model.

use std::time::Duration;

use aws_sdk_lambda::types::{DestinationConfig, OnFailure, OnSuccess};
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, seed, start};

#[tokio::test]
async fn event_invoke_config_round_trips_and_refuses_bad_values() {
    let h = start(Duration::from_millis(5), QuotaConfig::off()).await;
    seed(&h.sim, "svc");

    let none = h
        .client
        .get_function_event_invoke_config()
        .function_name("svc")
        .send()
        .await
        .expect_err("no configuration yet");
    let none = none.into_service_error();
    assert!(none.is_resource_not_found_exception(), "{none:?}");

    let queue = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:done");
    let put = h
        .client
        .put_function_event_invoke_config()
        .function_name("svc")
        .maximum_retry_attempts(1)
        .maximum_event_age_in_seconds(600)
        .destination_config(
            DestinationConfig::builder()
                .on_success(OnSuccess::builder().destination(&queue).build())
                .on_failure(
                    OnFailure::builder()
                        .destination("arn:aws:s3:::failed-events")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("put");
    assert_eq!(put.maximum_retry_attempts, Some(1));
    assert_eq!(put.maximum_event_age_in_seconds, Some(600));
    assert_eq!(
        put.function_arn.as_deref(),
        Some(&*format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc:$LATEST"
        ))
    );
    assert!(put.last_modified.is_some());

    let got = h
        .client
        .get_function_event_invoke_config()
        .function_name("svc")
        .send()
        .await
        .expect("get");
    let destinations = got.destination_config.expect("destinations");
    assert_eq!(
        destinations
            .on_success
            .and_then(|d| d.destination)
            .as_deref(),
        Some(queue.as_str())
    );
    assert_eq!(
        destinations
            .on_failure
            .and_then(|d| d.destination)
            .as_deref(),
        Some("arn:aws:s3:::failed-events")
    );

    // Put replaces the whole configuration: members left out are gone.
    let replaced = h
        .client
        .put_function_event_invoke_config()
        .function_name("svc")
        .maximum_retry_attempts(0)
        .send()
        .await
        .expect("put again");
    assert_eq!(replaced.maximum_retry_attempts, Some(0));
    assert_eq!(replaced.maximum_event_age_in_seconds, None);
    let got = h
        .client
        .get_function_event_invoke_config()
        .function_name("svc")
        .send()
        .await
        .expect("get again");
    assert_eq!(
        got.destination_config
            .and_then(|d| d.on_success)
            .and_then(|d| d.destination),
        None
    );

    for (retries, age, success, why) in [
        (Some(3), None, None, "maximumRetryAttempts"),
        (None, Some(59), None, "maximumEventAgeInSeconds"),
        (None, Some(21_601), None, "maximumEventAgeInSeconds"),
        (None, None, Some("arn:aws:s3:::bucket"), "OnSuccess"),
        (
            None,
            None,
            Some("arn:aws:sqs:us-east-1:123456789012:q"),
            "same region",
        ),
    ] {
        let mut req = h
            .client
            .put_function_event_invoke_config()
            .function_name("svc")
            .set_maximum_retry_attempts(retries)
            .set_maximum_event_age_in_seconds(age);
        if let Some(s) = success {
            req = req.destination_config(
                DestinationConfig::builder()
                    .on_success(OnSuccess::builder().destination(s).build())
                    .build(),
            );
        }
        let err = req.send().await.expect_err("refused").into_service_error();
        assert!(err.is_invalid_parameter_value_exception(), "{why}: {err:?}");
        assert!(format!("{err:?}").contains(why), "{why}: {err:?}");
    }
    let qualified = h
        .client
        .put_function_event_invoke_config()
        .function_name("svc")
        .qualifier("live")
        .maximum_retry_attempts(0)
        .send()
        .await
        .expect_err("qualifier not modelled")
        .into_service_error();
    assert!(
        qualified.is_invalid_parameter_value_exception(),
        "{qualified:?}"
    );
    let missing = h
        .client
        .put_function_event_invoke_config()
        .function_name("nope")
        .maximum_retry_attempts(0)
        .send()
        .await
        .expect_err("no such function")
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");

    h.client
        .delete_function_event_invoke_config()
        .function_name("svc")
        .send()
        .await
        .expect("delete");
    let gone = h
        .client
        .delete_function_event_invoke_config()
        .function_name("svc")
        .send()
        .await
        .expect_err("already gone")
        .into_service_error();
    assert!(gone.is_resource_not_found_exception(), "{gone:?}");
}

#[tokio::test]
async fn recursion_config_round_trips_and_refuses_bad_values() {
    use aws_sdk_lambda::types::RecursiveLoop;
    let h = start(Duration::from_millis(5), QuotaConfig::off()).await;
    seed(&h.sim, "svc");
    let default = h
        .client
        .get_function_recursion_config()
        .function_name("svc")
        .send()
        .await
        .expect("get");
    assert_eq!(default.recursive_loop, Some(RecursiveLoop::Terminate));
    let put = h
        .client
        .put_function_recursion_config()
        .function_name("svc")
        .recursive_loop(RecursiveLoop::Allow)
        .send()
        .await
        .expect("put");
    assert_eq!(put.recursive_loop, Some(RecursiveLoop::Allow));
    let got = h
        .client
        .get_function_recursion_config()
        .function_name("svc")
        .send()
        .await
        .expect("get again");
    assert_eq!(got.recursive_loop, Some(RecursiveLoop::Allow));
    let bad = h
        .client
        .put_function_recursion_config()
        .function_name("svc")
        .recursive_loop(RecursiveLoop::from("Sometimes"))
        .send()
        .await
        .expect_err("not a value")
        .into_service_error();
    assert!(bad.is_invalid_parameter_value_exception(), "{bad:?}");
    assert!(format!("{bad:?}").contains("recursiveLoop"), "{bad:?}");
    let missing = h
        .client
        .get_function_recursion_config()
        .function_name("nope")
        .send()
        .await
        .expect_err("no such function")
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
}

#[tokio::test]
async fn runtime_management_config_round_trips_and_refuses_bad_values() {
    use aws_sdk_lambda::types::UpdateRuntimeOn;
    let h = start(Duration::from_millis(5), QuotaConfig::off()).await;
    seed(&h.sim, "svc");
    let version = format!("arn:aws:lambda:{REGION}::runtime:0123456789abcdef");
    let default = h
        .client
        .get_runtime_management_config()
        .function_name("svc")
        .send()
        .await
        .expect("get");
    assert_eq!(default.update_runtime_on, Some(UpdateRuntimeOn::Auto));
    assert_eq!(default.runtime_version_arn, None);
    let no_arn = h
        .client
        .put_runtime_management_config()
        .function_name("svc")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .send()
        .await
        .expect_err("manual needs an ARN")
        .into_service_error();
    assert!(no_arn.is_invalid_parameter_value_exception(), "{no_arn:?}");
    let extra_arn = h
        .client
        .put_runtime_management_config()
        .function_name("svc")
        .update_runtime_on(UpdateRuntimeOn::Auto)
        .runtime_version_arn(&version)
        .send()
        .await
        .expect_err("auto takes no ARN")
        .into_service_error();
    assert!(
        extra_arn.is_invalid_parameter_value_exception(),
        "{extra_arn:?}"
    );
    let put = h
        .client
        .put_runtime_management_config()
        .function_name("svc")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .runtime_version_arn(&version)
        .send()
        .await
        .expect("put");
    assert_eq!(put.update_runtime_on, UpdateRuntimeOn::Manual);
    assert_eq!(put.runtime_version_arn.as_deref(), Some(version.as_str()));
    assert_eq!(
        put.function_arn,
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:svc:$LATEST")
    );
    let got = h
        .client
        .get_runtime_management_config()
        .function_name("svc")
        .send()
        .await
        .expect("get again");
    assert_eq!(got.update_runtime_on, Some(UpdateRuntimeOn::Manual));
    assert_eq!(got.runtime_version_arn.as_deref(), Some(version.as_str()));
}
