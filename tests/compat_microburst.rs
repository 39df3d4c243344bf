//! `flotilla plan` and `apply` (the real binary) against MiniStack behind microburst
//! 0.10.0, both started and stopped by the test, with microburst answering some
//! `UpdateFunctionConfiguration` and `UpdateFunctionCode` calls (and one call of every
//! other step apply takes) with 409 `ResourceConflictException` and 429
//! `TooManyRequestsException` instead of forwarding them. Apply still converges, retries
//! each fault exactly once, and a second plan has nothing to do.
//!
//! microburst renders the error body only (no `Retry-After` header), so the engine
//! retries on its own backoff. It finds a Lambda function name only in a JSON body, not
//! in Lambda's REST paths, so the rules match by operation: in this fleet only `api`
//! changes its configuration and only `cron` its code.

use crate::compat_common;
use crate::support;

use std::collections::BTreeMap;

use compat_common::Fleet;
use flotilla_cloud::lambda::SdkLambda;
use support::{MINISTACK_ACCOUNT, REGION, start_microburst, start_ministack};

/// Rules are tried in order and each fires `times` times, then lets calls through.
/// The two update calls get both classes, several times; every other step of the fleet
/// (PublishVersion, UpdateAlias, TagResource, PutFunctionConcurrency, CreateFunction)
/// gets a 429 once, and PublishVersion a 409 too.
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
- service: lambda
  operation: PublishVersion
  times: 1
  error: {code: ResourceConflictException, status: 409, message: "An update is in progress for resource"}
- service: lambda
  operation: PublishVersion
  times: 1
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded"}
- service: lambda
  operation: UpdateAlias
  times: 1
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded"}
- service: lambda
  operation: TagResource
  times: 1
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded"}
- service: lambda
  operation: PutFunctionConcurrency
  times: 1
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded"}
- service: lambda
  operation: CreateFunction
  times: 1
  error: {code: TooManyRequestsException, status: 429, message: "Rate exceeded"}
"#;

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_through_injected_409_and_429() {
    let venv = support::venv();
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
        // The function a fault hit: named in the path, or (CreateFunction) in the body,
        // which microburst reports as the resource.
        let path = e["path"].as_str().unwrap_or("");
        let resource = e["resource"].as_str().unwrap_or("");
        let key = compat_common::KEYS
            .iter()
            .find(|k| {
                let name = fleet.name(k);
                path.contains(&format!("{name}/"))
                    || path.ends_with(&name)
                    || path.contains(&format!("{name}%"))
                    || resource == name
            })
            .copied()
            .unwrap_or("?");
        let line = format!(
            "{} {key} {}",
            e["operation"].as_str().unwrap_or("?"),
            e["action"].as_str().unwrap_or("?")
        );
        *seen.entry(line).or_default() += 1;
    }
    let expected: BTreeMap<String, u32> = [
        (
            "UpdateFunctionConfiguration api error:ResourceConflictException",
            2,
        ),
        (
            "UpdateFunctionConfiguration api error:TooManyRequestsException",
            1,
        ),
        ("UpdateFunctionCode cron error:TooManyRequestsException", 2),
        ("UpdateFunctionCode cron error:ResourceConflictException", 1),
        ("PublishVersion api error:ResourceConflictException", 1),
        ("PublishVersion api error:TooManyRequestsException", 1),
        ("UpdateAlias api error:TooManyRequestsException", 1),
        ("TagResource worker error:TooManyRequestsException", 1),
        (
            "PutFunctionConcurrency worker error:TooManyRequestsException",
            1,
        ),
        ("CreateFunction report error:TooManyRequestsException", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect();
    assert_eq!(seen, expected, "{fired}");
    // ...and apply retried each fault once, by its class, and nothing else.
    assert_eq!(retries.get("conflict"), Some(&4), "{retries:?}");
    assert_eq!(retries.get("throttled"), Some(&8), "{retries:?}");
    assert_eq!(retries.get("precondition_failed"), None, "{retries:?}");
}
