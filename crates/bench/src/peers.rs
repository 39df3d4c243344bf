//! Models of how other tools deploy a fleet, run against the same `LambdaApi` as
//! Flotilla so 409s and 429s hit them as they would hit the real tool.
//!
//! Each [`PeerPolicy`] is a documented model, not the tool itself: how many functions
//! it updates at once, how it waits for an update to finish, how it retries conflicts,
//! and how its AWS SDK retries throttling and 5xx. The sources are cited per policy.
//! Every policy performs a function's changes in the scenario's order (code,
//! configuration, publish, alias), so only the waiting and retrying differ.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;

use super::scenario::{ALIAS, BenchFunction, Change};
use flotilla_cloud::lambda::{
    AliasInput, ApiError, ApiOp, ApiResult, CodeSource, ConfigField, FunctionConfig, FunctionInfo,
    FunctionStateKind, LambdaApi, LastUpdateStatus, PackageType, PublishVersionInput,
    UpdateCodeInput, UpdateConfigInput,
};

/// A delay that grows per attempt: `initial * multiplier^attempt`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Backoff {
    /// First delay.
    pub initial: Duration,
    /// Cap.
    pub max: Duration,
    /// Growth per attempt (1.0 for a constant delay).
    pub multiplier: f64,
}

impl Backoff {
    /// A constant delay.
    pub const fn constant(d: Duration) -> Self {
        Backoff {
            initial: d,
            max: d,
            multiplier: 1.0,
        }
    }

    /// The delay before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let grown = self.initial.as_secs_f64() * self.multiplier.powi(attempt.min(64) as i32);
        Duration::from_secs_f64(grown.min(self.max.as_secs_f64()))
    }
}

/// How a tool retries a 409 `ResourceConflictException` on an update.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ConflictRetry {
    /// Retries after the first attempt (0: a conflict fails the function).
    pub retries: u32,
    /// Delay between retries.
    pub delay: Backoff,
    /// Only UpdateFunctionConfiguration is retried (Terraform).
    pub configuration_only: bool,
}

/// How the tool's AWS SDK retries throttling (429) and 5xx on every call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SdkRetry {
    /// Attempts in all, including the first.
    pub max_attempts: u32,
    /// Delay between attempts; the SDKs jitter it, the model uses the mean.
    pub delay: Backoff,
}

/// The model of one peer tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerPolicy {
    /// Name in reports.
    pub name: &'static str,
    /// Functions updated at once.
    pub parallel: usize,
    /// The call that polls for an update's end.
    pub poll_op: ApiOp,
    /// Delay between polls (the first poll is immediate).
    pub poll: Backoff,
    /// Polls per wait before the tool gives up on the function.
    pub max_polls: u32,
    /// Conflict handling.
    pub conflict: ConflictRetry,
    /// SDK retries.
    pub sdk: SdkRetry,
}

/// AWS SDK "standard" retry mode: 3 attempts, exponential backoff `rand(0,1) * 2^i`
/// capped at 20 s (mean: 0.5 s, 1 s). Used by AWS CLI v2 and aws-sdk-go-v2.
/// Source: <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>.
const SDK_STANDARD: SdkRetry = SdkRetry {
    max_attempts: 3,
    delay: Backoff {
        initial: Duration::from_millis(500),
        max: Duration::from_secs(20),
        multiplier: 2.0,
    },
};

/// The seed repository's bash script: functions one after another with the AWS CLI;
/// after each update it polls `get-function-configuration --query LastUpdateStatus`
/// every 15 s, at most 20 checks; a 409 is retried after `sleep 30`, 5 times.
pub fn seed_script() -> PeerPolicy {
    PeerPolicy {
        name: "seed bash script",
        parallel: 1,
        poll_op: ApiOp::GetFunctionConfiguration,
        poll: Backoff::constant(Duration::from_secs(15)),
        max_polls: 20,
        conflict: ConflictRetry {
            retries: 5,
            delay: Backoff::constant(Duration::from_secs(30)),
            configuration_only: false,
        },
        sdk: SDK_STANDARD,
    }
}

/// `aws lambda update-function-*` followed by `aws lambda wait function-updated-v2`,
/// 10 functions at a time (`xargs -P 10`). The waiter polls GetFunction every 1 s, at
/// most 300 times (botocore `data/lambda/2015-03-31/waiters-2.json`, FunctionUpdatedV2);
/// the CLI never retries a 409, so a conflict fails the function.
pub fn aws_cli_waiter() -> PeerPolicy {
    PeerPolicy {
        name: "aws cli + waiter",
        parallel: 10,
        poll_op: ApiOp::GetFunction,
        poll: Backoff::constant(Duration::from_secs(1)),
        max_polls: 300,
        conflict: ConflictRetry {
            retries: 0,
            delay: Backoff::constant(Duration::ZERO),
            configuration_only: false,
        },
        sdk: SDK_STANDARD,
    }
}

/// Terraform with the AWS provider: 10 resources at a time (`-parallelism=10`); after
/// an update it waits with GetFunction every 5 s (`waitFunctionUpdated`, up to the 10 min
/// timeout); it retries `ResourceConflictException` only around
/// UpdateFunctionConfiguration (`retryFunctionOp` in
/// `internal/service/lambda/function.go`, 2 min propagation timeout, modelled as 5 s
/// steps); the provider's SDK retries throttling up to 25 times (`max_retries`).
pub fn terraform() -> PeerPolicy {
    PeerPolicy {
        name: "terraform",
        parallel: 10,
        poll_op: ApiOp::GetFunction,
        poll: Backoff::constant(Duration::from_secs(5)),
        max_polls: 120,
        conflict: ConflictRetry {
            retries: 24,
            delay: Backoff::constant(Duration::from_secs(5)),
            configuration_only: true,
        },
        sdk: SdkRetry {
            max_attempts: 26,
            delay: SDK_STANDARD.delay,
        },
    }
}

/// lambroll (`fujiwara/lambroll`, `deploy.go`): one function per run, so a fleet goes
/// one after another; conflicts and the wait for `LastUpdateStatus` both use its retry
/// policy of 1 s growing to 10 s, 30 attempts (`retry.Policy{MinDelay: time.Second,
/// MaxDelay: 10 * time.Second, MaxCount: 30}`), polling GetFunction.
pub fn lambroll() -> PeerPolicy {
    let backoff = Backoff {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(10),
        multiplier: 2.0,
    };
    PeerPolicy {
        name: "lambroll",
        parallel: 1,
        poll_op: ApiOp::GetFunction,
        poll: backoff,
        max_polls: 30,
        conflict: ConflictRetry {
            retries: 29,
            delay: backoff,
            configuration_only: false,
        },
        sdk: SDK_STANDARD,
    }
}

/// Every peer, in report order.
pub fn all_peers() -> Vec<PeerPolicy> {
    vec![terraform(), aws_cli_waiter(), lambroll(), seed_script()]
}

/// What a tool run tells beyond the emulator's counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolOutcome {
    /// Functions the tool gave up on, with the reason.
    pub failed: BTreeMap<String, String>,
    /// Polls each wait took.
    pub polls_per_wait: Vec<u32>,
}

/// Clients by (account, region).
pub type Clients = BTreeMap<(String, String), Arc<dyn LambdaApi>>;

/// Runs `policy` over every function of the scenario.
pub async fn run_peer(
    policy: &PeerPolicy,
    functions: &[BenchFunction],
    clients: &Clients,
) -> ToolOutcome {
    let outcome = Mutex::new(ToolOutcome::default());
    futures::stream::iter(functions.iter().filter(|f| !f.changes.is_empty()))
        .for_each_concurrent(policy.parallel.max(1), |f| {
            let outcome = &outcome;
            async move {
                let key = (f.account.clone(), f.region.clone());
                let Some(api) = clients.get(&key) else {
                    record(outcome, |o| {
                        o.failed.insert(f.name.clone(), "no client".to_owned());
                    });
                    return;
                };
                let mut polls = Vec::new();
                let result = deploy_function(policy, api.as_ref(), f, &mut polls).await;
                record(outcome, |o| {
                    o.polls_per_wait.extend(polls);
                    if let Err(reason) = result {
                        o.failed.insert(f.name.clone(), reason);
                    }
                });
            }
        })
        .await;
    outcome.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn record(outcome: &Mutex<ToolOutcome>, f: impl FnOnce(&mut ToolOutcome)) {
    let mut guard = outcome.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut guard);
}

async fn deploy_function(
    policy: &PeerPolicy,
    api: &dyn LambdaApi,
    f: &BenchFunction,
    polls: &mut Vec<u32>,
) -> Result<(), String> {
    let mut published: Option<String> = None;
    for change in &f.changes {
        let retries_conflict =
            !policy.conflict.configuration_only || matches!(change, Change::Config { .. });
        let mut conflicts = 0;
        loop {
            match with_sdk_retry(policy, || call(api, f, change, published.as_deref())).await {
                Ok(version) => {
                    if version.is_some() {
                        published = version;
                    }
                    break;
                }
                // Peer tools go by the error code, which is the same for both.
                Err(ApiError::Conflict { .. } | ApiError::AlreadyExists { .. })
                    if retries_conflict && conflicts < policy.conflict.retries =>
                {
                    tokio::time::sleep(policy.conflict.delay.delay(conflicts)).await;
                    conflicts += 1;
                }
                Err(e) => return Err(format!("{}: {e}", change.op().name())),
            }
        }
        if change.is_async() {
            wait_updated(policy, api, &f.name, polls).await?;
        }
    }
    Ok(())
}

/// One change as one API call; returns the version a publish made.
async fn call(
    api: &dyn LambdaApi,
    f: &BenchFunction,
    change: &Change,
    published: Option<&str>,
) -> ApiResult<Option<String>> {
    match change {
        Change::Code { bucket, key_or_uri } => {
            let code = match f.package_type {
                PackageType::Image => CodeSource::Image(key_or_uri.clone()),
                PackageType::Zip => CodeSource::S3 {
                    bucket: bucket.clone(),
                    key: key_or_uri.clone(),
                    version: None,
                },
            };
            api.update_function_code(UpdateCodeInput {
                name: f.name.clone(),
                code,
                revision_id: None,
                architecture: None,
            })
            .await
            .map(|_| None)
        }
        Change::Config {
            memory_mb,
            environment,
        } => api
            .update_function_configuration(UpdateConfigInput::new(
                f.name.clone(),
                FunctionConfig {
                    memory_mb: *memory_mb,
                    environment: environment.clone(),
                    ..FunctionConfig::lambda_defaults()
                },
                &[ConfigField::MemoryMb, ConfigField::Environment],
            ))
            .await
            .map(|_| None),
        Change::Publish => api
            .publish_version(PublishVersionInput {
                name: f.name.clone(),
                ..PublishVersionInput::default()
            })
            .await
            .map(|v| Some(v.version)),
        Change::Alias => api
            .create_alias(AliasInput {
                function_name: f.name.clone(),
                name: ALIAS.to_owned(),
                function_version: published.unwrap_or("$LATEST").to_owned(),
                ..AliasInput::default()
            })
            .await
            .map(|_| None),
    }
}

async fn with_sdk_retry<T, Fut>(policy: &PeerPolicy, mut op: impl FnMut() -> Fut) -> ApiResult<T>
where
    Fut: Future<Output = ApiResult<T>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Err(ApiError::Throttled { .. } | ApiError::Transient { .. })
                if attempt + 1 < policy.sdk.max_attempts =>
            {
                tokio::time::sleep(policy.sdk.delay.delay(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

async fn wait_updated(
    policy: &PeerPolicy,
    api: &dyn LambdaApi,
    name: &str,
    polls: &mut Vec<u32>,
) -> Result<(), String> {
    for n in 0..policy.max_polls {
        let info: FunctionInfo = with_sdk_retry(policy, || async {
            match policy.poll_op {
                ApiOp::GetFunctionConfiguration => api.get_function_configuration(name).await,
                _ => api.get_function(name).await,
            }
        })
        .await
        .map_err(|e| format!("waiting: {e}"))?;
        if matches!(info.last_update_status, Some(LastUpdateStatus::Failed))
            || matches!(info.state, Some(FunctionStateKind::Failed))
        {
            polls.push(n + 1);
            return Err("update failed".to_owned());
        }
        if info.is_stable() {
            polls.push(n + 1);
            return Ok(());
        }
        tokio::time::sleep(policy.poll.delay(n)).await;
    }
    polls.push(policy.max_polls);
    Err(format!("still updating after {} polls", policy.max_polls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let b = lambroll().poll;
        let secs: Vec<u64> = (0..6).map(|i| b.delay(i).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 10, 10]);
        assert_eq!(seed_script().poll.delay(7), Duration::from_secs(15));
    }
}
