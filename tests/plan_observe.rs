//! `observe()` against a small in-test fake of `LambdaApi`, and the pacer, on tokio's
//! paused clock.

use crate::plan_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use flotilla_cloud::lambda::*;
use flotilla_core::model::{AliasName, Function, Limits};
use flotilla_core::observe::{Clients, observe};
use flotilla_core::pace::{Class, Pacer};
use plan_support::*;
use tokio::time::Instant;

/// Functions by name, plus scripted failures and a log of (call, time).
#[derive(Default)]
struct Fake {
    functions: BTreeMap<String, FunctionInfo>,
    aliases: BTreeMap<(String, String), AliasInfo>,
    versions: BTreeMap<String, Vec<VersionInfo>>,
    /// Errors returned, in order, before calls succeed.
    failures: Mutex<Vec<ApiError>>,
    log: Mutex<Vec<(ApiOp, Instant)>>,
}

impl Fake {
    fn record(&self, op: ApiOp) -> ApiResult<()> {
        self.log.lock().unwrap().push((op, Instant::now()));
        match self.failures.lock().unwrap().pop() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn calls(&self, op: ApiOp) -> Vec<Instant> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, _)| *o == op)
            .map(|(_, t)| *t)
            .collect()
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        message: "nope".into(),
    }
}

fn unsupported<T>() -> ApiResult<T> {
    Err(ApiError::Fatal {
        code: "Unsupported".into(),
        message: "observe must not call this".into(),
    })
}

#[async_trait]
impl LambdaApi for Fake {
    async fn get_function(&self, name: &str) -> ApiResult<FunctionInfo> {
        self.record(ApiOp::GetFunction)?;
        self.functions.get(name).cloned().ok_or_else(not_found)
    }
    async fn get_function_configuration(&self, _: &str) -> ApiResult<FunctionInfo> {
        unsupported()
    }
    async fn create_function(&self, _: CreateFunctionInput) -> ApiResult<FunctionInfo> {
        unsupported()
    }
    async fn update_function_code(&self, _: UpdateCodeInput) -> ApiResult<FunctionInfo> {
        unsupported()
    }
    async fn update_function_configuration(&self, _: UpdateConfigInput) -> ApiResult<FunctionInfo> {
        unsupported()
    }
    async fn publish_version(&self, _: PublishVersionInput) -> ApiResult<VersionInfo> {
        unsupported()
    }
    async fn list_versions(&self, name: &str) -> ApiResult<Vec<VersionInfo>> {
        self.record(ApiOp::ListVersionsByFunction)?;
        self.versions.get(name).cloned().ok_or_else(not_found)
    }
    async fn get_alias(&self, function_name: &str, alias: &str) -> ApiResult<AliasInfo> {
        self.record(ApiOp::GetAlias)?;
        self.aliases
            .get(&(function_name.to_owned(), alias.to_owned()))
            .cloned()
            .ok_or_else(not_found)
    }
    async fn create_alias(&self, _: AliasInput) -> ApiResult<AliasInfo> {
        unsupported()
    }
    async fn update_alias(&self, _: AliasInput) -> ApiResult<AliasInfo> {
        unsupported()
    }
    async fn list_aliases(&self, _: &str) -> ApiResult<Vec<AliasInfo>> {
        unsupported()
    }
    async fn tag_resource(&self, _: &str, _: BTreeMap<String, String>) -> ApiResult<()> {
        unsupported()
    }
    async fn untag_resource(&self, _: &str, _: Vec<String>) -> ApiResult<()> {
        unsupported()
    }
    async fn list_tags(&self, _: &str) -> ApiResult<BTreeMap<String, String>> {
        unsupported()
    }
    async fn put_function_concurrency(&self, _: &str, _: u32) -> ApiResult<()> {
        unsupported()
    }
    async fn delete_function_concurrency(&self, _: &str) -> ApiResult<()> {
        unsupported()
    }
    async fn delete_function(&self, _: &str) -> ApiResult<()> {
        unsupported()
    }
    async fn list_functions(&self) -> ApiResult<Vec<FunctionSummary>> {
        unsupported()
    }
    async fn list_layer_versions(&self, _: &str) -> ApiResult<Vec<LayerVersionInfo>> {
        unsupported()
    }
}

fn clients(fake: Arc<Fake>) -> impl Clients {
    move |_: Option<&str>, _: &str| -> Arc<dyn LambdaApi> { fake.clone() }
}

fn publishing(key: &str) -> Function {
    let mut f = function(key);
    f.publish = true;
    f.alias = Some(AliasName::new("live").unwrap());
    f
}

#[tokio::test(start_paused = true)]
async fn reads_functions_aliases_and_latest_versions() {
    let present = publishing("present");
    let no_alias = publishing("no-alias");
    let plain = function("plain");
    let missing = publishing("missing");
    let mut fake = Fake::default();
    for f in [&present, &no_alias, &plain] {
        fake.functions
            .insert(f.name.to_string(), live_info(f, SHA_A));
    }
    fake.aliases.insert(
        (present.name.to_string(), "live".into()),
        alias(&present, "live", "2"),
    );
    fake.versions.insert(
        present.name.to_string(),
        vec![
            version("$LATEST", SHA_B),
            version("10", SHA_A),
            version("9", SHA_B),
        ],
    );
    fake.versions
        .insert(no_alias.name.to_string(), vec![version("$LATEST", SHA_A)]);
    let fake = Arc::new(fake);
    let m = model(vec![
        present.clone(),
        no_alias.clone(),
        plain.clone(),
        missing.clone(),
    ]);
    let live = observe(&m, &clients(fake.clone()), &Pacer::new(Limits::default()))
        .await
        .unwrap();

    let p = &live.functions[&present.key];
    assert_eq!(p.info.as_ref().unwrap().code_sha256, SHA_A);
    assert_eq!(p.alias.as_ref().unwrap().function_version, "2");
    assert_eq!(
        p.latest_published.as_ref().unwrap().version,
        "10",
        "numeric, not lexical, maximum"
    );
    let n = &live.functions[&no_alias.key];
    assert!(n.info.is_some() && n.alias.is_none() && n.latest_published.is_none());
    assert!(live.functions[&missing.key].info.is_none());
    // Only what is needed: no alias or version reads for the plain or missing function.
    assert_eq!(fake.calls(ApiOp::GetFunction).len(), 4);
    assert_eq!(fake.calls(ApiOp::GetAlias).len(), 2);
    assert_eq!(fake.calls(ApiOp::ListVersionsByFunction).len(), 2);
}

/// Most calls in any window of one second.
fn peak_per_second(mut times: Vec<Instant>) -> usize {
    times.sort();
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t < times[i] + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn reads_are_paced_under_the_quotas() {
    let functions: Vec<Function> = (0..300)
        .map(|i| publishing(&format!("fn-{i:03}")))
        .collect();
    let mut fake = Fake::default();
    for f in &functions {
        fake.functions
            .insert(f.name.to_string(), live_info(f, SHA_A));
    }
    let fake = Arc::new(fake);
    let m = model(functions);
    let start = Instant::now();
    let live = observe(&m, &clients(fake.clone()), &Pacer::new(Limits::default()))
        .await
        .unwrap();
    assert_eq!(live.functions.len(), 300);
    let gets = fake.calls(ApiOp::GetFunction);
    let others: Vec<Instant> = [ApiOp::GetAlias, ApiOp::ListVersionsByFunction]
        .into_iter()
        .flat_map(|op| fake.calls(op))
        .collect();
    assert_eq!(others.len(), 600);
    // The first call goes at once, then the limiter paces.
    assert!(peak_per_second(gets) <= 110, "GetFunction over quota");
    assert!(
        peak_per_second(others.clone()) <= 16,
        "GetAlias + ListVersions over the 15/s quota"
    );
    // And it does not dawdle: 600 shared-quota calls at 15/s take about 40 s.
    let elapsed = others.iter().max().unwrap().duration_since(start);
    assert!(elapsed < Duration::from_secs(41), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_and_slows_the_bucket() {
    let f = function("api");
    let mut fake = Fake::default();
    fake.functions
        .insert(f.name.to_string(), live_info(&f, SHA_A));
    *fake.failures.get_mut().unwrap() = vec![
        ApiError::Transient {
            message: "502".into(),
        },
        ApiError::Throttled {
            retry_after: Some(Duration::from_secs(2)),
            message: "slow down".into(),
        },
    ];
    let fake = Arc::new(fake);
    let pacer = Pacer::new(Limits::default());
    let start = Instant::now();
    let live = observe(&model(vec![f.clone()]), &clients(fake.clone()), &pacer)
        .await
        .unwrap();
    assert!(live.functions[&f.key].info.is_some());
    let gets = fake.calls(ApiOp::GetFunction);
    assert_eq!(gets.len(), 3);
    assert!(
        gets[1].duration_since(start) >= Duration::from_secs(2),
        "Retry-After honoured"
    );
    // Full jitter: the wait before the second retry is drawn from [0, 1 s] (initial
    // 500 ms doubled), plus at most one slot of the halved GetFunction rate.
    let after_5xx = gets[2].duration_since(gets[1]);
    assert!(
        after_5xx > Duration::ZERO && after_5xx <= Duration::from_millis(1020),
        "jittered backoff after a 5xx, got {after_5xx:?}"
    );
    let rate = pacer
        .bucket(Some("111111111111"), "eu-north-1", Class::GetFunction)
        .rate();
    assert!(rate < 100.0, "throttling lowered the rate, got {rate}");
}

#[tokio::test(start_paused = true)]
async fn fatal_errors_name_the_function_and_call() {
    let f = function("api");
    let fake = Fake::default();
    *fake.failures.lock().unwrap() = vec![ApiError::Fatal {
        code: "AccessDeniedException".into(),
        message: "no".into(),
    }];
    let err = observe(
        &model(vec![f]),
        &clients(Arc::new(fake)),
        &Pacer::new(Limits::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not read function `api` (api-staging): GetFunction failed: AccessDeniedException: no"
    );
    assert_eq!(err.attempts, 1, "fatal errors are not retried");
}

#[tokio::test(start_paused = true)]
async fn pacer_shares_buckets_per_account_region_and_class() {
    let pacer = Pacer::new(Limits::default());
    let a = pacer.bucket(Some("111111111111"), "eu-north-1", Class::Other);
    assert!(Arc::ptr_eq(
        &a,
        &pacer.bucket(Some("111111111111"), "eu-north-1", Class::Other)
    ));
    assert!(!Arc::ptr_eq(
        &a,
        &pacer.bucket(Some("111111111111"), "eu-west-1", Class::Other)
    ));
    assert!(!Arc::ptr_eq(
        &a,
        &pacer.bucket(Some("222222222222"), "eu-north-1", Class::Other)
    ));
    let g = pacer.bucket(Some("111111111111"), "eu-north-1", Class::GetFunction);
    assert_eq!((a.rate(), g.rate()), (15.0, 100.0));
    assert_eq!(Class::of(ApiOp::GetAlias), Class::Other);
    assert_eq!(Class::of(ApiOp::GetFunction), Class::GetFunction);
}
