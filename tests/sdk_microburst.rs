//! Faults injected by microburst in front of MiniStack come out of `SdkLambda` as the
//! right `ApiError` class: 409 → `Conflict`, 429 → `Throttled`, 503 and reset
//! connections → `Transient`; unmatched requests pass through untouched.

use crate::sdk_suite;
use crate::support;

use flotilla_cloud::lambda::{
    ApiError, ConfigField, FunctionConfig, LambdaApi, SdkLambda, UpdateConfigInput,
};
use support::{MINISTACK_ACCOUNT, REGION, start_microburst, start_ministack};

/// Each rule fires on an `UpdateFunctionConfiguration` whose body carries a marker
/// description, so one proxy serves every case and other calls pass through.
const RULES: &str = r#"
- service: lambda
  operation: UpdateFunctionConfiguration
  body: "Description == 'inject-409'"
  error: {code: ResourceConflictException, status: 409, message: "An update is in progress"}
- service: lambda
  operation: UpdateFunctionConfiguration
  body: "Description == 'inject-429'"
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded", fields: {Reason: CallerRateLimitExceeded}}
- service: lambda
  operation: UpdateFunctionConfiguration
  body: "Description == 'inject-503'"
  error: {code: ServiceException, status: 503, message: "try later"}
- service: lambda
  operation: UpdateFunctionConfiguration
  body: "Description == 'inject-reset'"
  reset: true
"#;

fn describe(name: &str, description: &str) -> UpdateConfigInput {
    UpdateConfigInput::new(
        name.to_owned(),
        FunctionConfig {
            description: description.to_owned(),
            ..FunctionConfig::lambda_defaults()
        },
        &[ConfigField::Description],
    )
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_are_classified() {
    let venv = support::venv();
    let ministack = start_ministack(&venv);
    let proxy = start_microburst(&venv, &ministack.url(), RULES);
    let api = SdkLambda::for_endpoint(&proxy.url(), REGION);
    let name = "flotilla-mb-faults";
    let role = format!("arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-test");
    sdk_suite::create(&api, name, &role).await;

    let conflict = api
        .update_function_configuration(describe(name, "inject-409"))
        .await
        .expect_err("409 injected");
    assert_eq!(
        conflict,
        ApiError::Conflict {
            message: "An update is in progress".to_owned()
        }
    );

    let throttled = api
        .update_function_configuration(describe(name, "inject-429"))
        .await
        .expect_err("429 injected");
    // microburst renders the error body only; Lambda's `Retry-After` header is absent,
    // so no hint comes through (the header path is covered in tests/sdk_errors.rs).
    assert_eq!(
        throttled,
        ApiError::Throttled {
            retry_after: None,
            message: "Rate exceeded".to_owned()
        }
    );

    let unavailable = api
        .update_function_configuration(describe(name, "inject-503"))
        .await
        .expect_err("503 injected");
    assert!(
        matches!(unavailable, ApiError::Transient { .. }),
        "{unavailable:?}"
    );

    let reset = api
        .update_function_configuration(describe(name, "inject-reset"))
        .await
        .expect_err("reset injected");
    assert!(matches!(reset, ApiError::Transient { .. }), "{reset:?}");

    // None of the faulted calls reached MiniStack; an unmatched one does.
    let live = sdk_suite::wait_stable(&api, name).await;
    assert_eq!(live.config.description, "created by flotilla tests");
    api.update_function_configuration(describe(name, "passes through"))
        .await
        .expect("unmatched request is forwarded");
    let live = sdk_suite::wait_stable(&api, name).await;
    assert_eq!(live.config.description, "passes through");

    let (status, fired) = support::http(proxy.port, "GET", "/_microburst/fired", &[], "")
        .expect("microburst control API");
    assert_eq!(status, 200);
    for code in [
        "ResourceConflictException",
        "TooManyRequestsException",
        "ServiceException",
    ] {
        assert!(fired.contains(code), "{code} not in fired log: {fired}");
    }
}
