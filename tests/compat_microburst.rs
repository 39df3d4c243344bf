//! `flotilla plan` and `apply` (the real binary) against MiniStack behind microburst
//! 0.10.0, both started and stopped by the test, with microburst answering some
//! `UpdateFunctionConfiguration` and `UpdateFunctionCode` calls with 409
//! `ResourceConflictException` and 429 `TooManyRequestsException` instead of forwarding
//! them. Apply still converges and a second plan has nothing to do.
//!
//! microburst renders the error body only (no `Retry-After` header), so the engine
//! retries on its own backoff. It finds a Lambda function name only in a JSON body, not
//! in Lambda's REST paths, so the rules match by operation: in this fleet only `api`
//! changes its configuration and only `cron` its code.

mod compat_common;
#[path = "support/sdk_suite.rs"]
mod sdk_suite;
mod support;

use std::collections::BTreeMap;

use compat_common::Fleet;
use flotilla::lambda::SdkLambda;
use support::{MINISTACK_ACCOUNT, REGION, start_microburst, start_ministack};

/// Rules are tried in order and each fires `times` times: every faulted operation gets
/// both classes before its calls pass through.
const RULES: &str = r#"
- service: lambda
  operation: UpdateFunctionConfiguration
  times: 2
  error: {code: ResourceConflictException, status: 409, message: "An update is in progress for resource"}
- service: lambda
  operation: UpdateFunctionConfiguration
  times: 1
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded", fields: {Reason: CallerRateLimitExceeded}}
- service: lambda
  operation: UpdateFunctionCode
  times: 2
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded", fields: {Reason: CallerRateLimitExceeded}}
- service: lambda
  operation: UpdateFunctionCode
  times: 1
  error: {code: ResourceConflictException, status: 409, message: "An update is in progress for resource"}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_through_injected_409_and_429() {
    let Some(venv) = support::venv() else {
        return;
    };
    let ministack = start_ministack(&venv);
    let proxy = start_microburst(&venv, &ministack.url(), RULES);
    // Seeding and reading back go straight to MiniStack; Flotilla goes through the proxy.
    let api = SdkLambda::for_endpoint(&ministack.url(), REGION);
    let fleet = Fleet::write(
        "compat-mb",
        &format!("arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-compat"),
    );
    let retries = fleet.plan_apply_replan(&proxy.url(), &api).await;

    // Every rule fired as often as it may, on the function it was meant for...
    let (status, fired) = support::http(proxy.port, "GET", "/_microburst/fired", &[], "")
        .expect("microburst control API");
    assert_eq!(status, 200, "{fired}");
    let events: Vec<serde_json::Value> = serde_json::from_str(&fired).expect("fired log JSON");
    let mut seen = BTreeMap::<String, u32>::new();
    for e in &events {
        let line = format!(
            "{} {} {}",
            e["operation"].as_str().unwrap_or("?"),
            e["path"].as_str().unwrap_or("?"),
            e["action"].as_str().unwrap_or("?")
        );
        *seen.entry(line).or_default() += 1;
    }
    let api_config = format!("/2015-03-31/functions/{}/configuration", fleet.name("api"));
    let cron_code = format!("/2015-03-31/functions/{}/code", fleet.name("cron"));
    let expected = BTreeMap::from([
        (
            format!("UpdateFunctionConfiguration {api_config} error:ResourceConflictException"),
            2,
        ),
        (
            format!("UpdateFunctionConfiguration {api_config} error:TooManyRequestsException"),
            1,
        ),
        (
            format!("UpdateFunctionCode {cron_code} error:TooManyRequestsException"),
            2,
        ),
        (
            format!("UpdateFunctionCode {cron_code} error:ResourceConflictException"),
            1,
        ),
    ]);
    assert_eq!(seen, expected, "{fired}");
    // ...and apply retried each fault once, by its class, and nothing else.
    assert_eq!(retries.get("conflict"), Some(&3), "{retries:?}");
    assert_eq!(retries.get("throttled"), Some(&3), "{retries:?}");
    assert_eq!(retries.get("precondition_failed"), None, "{retries:?}");
}
