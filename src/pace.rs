//! Client-side pacing: token buckets that keep Flotilla under Lambda's API quotas.
//!
//! A [`Pacer`] holds one [`TokenBucket`] per (account, region, [`Class`]): GetFunction
//! has its own quota (100/s), every other control-plane call shares one (15/s). Buckets
//! run on `tokio::time`, so tests drive them with a paused clock. The rate adapts AIMD
//! style: [`TokenBucket::on_throttled`] halves it, [`TokenBucket::on_success`] raises it
//! slowly back to the configured rate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::lambda::ApiOp;
use crate::model::Limits;

/// Which quota a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// GetFunction.
    GetFunction,
    /// Every other control-plane call.
    Other,
}

impl Class {
    /// The quota `op` counts against.
    pub fn of(op: ApiOp) -> Self {
        if op.is_get_function() {
            Class::GetFunction
        } else {
            Class::Other
        }
    }
}

/// Lowest rate AIMD may fall to, as a fraction of the configured rate.
const MIN_RATE_FRACTION: f64 = 0.05;
/// How much one success raises the rate, as a fraction of the configured rate.
const INCREASE_FRACTION: f64 = 0.02;

#[derive(Debug)]
struct BucketState {
    rate: f64,
    /// May go negative: each caller reserves a token and sleeps until it is due, so
    /// waiters are served in arrival order without a thundering herd.
    tokens: f64,
    last: Instant,
}

/// A token bucket: at most `burst` calls at once, then `rate` calls per second.
#[derive(Debug)]
pub struct TokenBucket {
    max_rate: f64,
    burst: f64,
    state: Mutex<BucketState>,
}

impl TokenBucket {
    /// A full bucket. Non-positive or non-finite rates are raised to a tiny positive one
    /// rather than dividing by zero.
    pub fn new(rate_per_second: f64, burst: f64) -> Self {
        let max_rate = if rate_per_second.is_finite() && rate_per_second > 0.0 {
            rate_per_second
        } else {
            0.001
        };
        let burst = if burst.is_finite() {
            burst.max(1.0)
        } else {
            1.0
        };
        Self {
            max_rate,
            burst,
            state: Mutex::new(BucketState {
                rate: max_rate,
                tokens: burst,
                last: Instant::now(),
            }),
        }
    }

    /// Waits until a call may be made, then returns.
    pub async fn acquire(&self) {
        let wait = {
            let mut s = self.lock();
            let now = Instant::now();
            let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
            s.tokens = (s.tokens + elapsed * s.rate).min(self.burst);
            s.last = now;
            s.tokens -= 1.0;
            if s.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-s.tokens / s.rate)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// The current rate in calls per second.
    pub fn rate(&self) -> f64 {
        self.lock().rate
    }

    /// A call was throttled (429): halve the rate (multiplicative decrease).
    pub fn on_throttled(&self) {
        let mut s = self.lock();
        s.rate = (s.rate / 2.0).max(self.max_rate * MIN_RATE_FRACTION);
    }

    /// A call succeeded: raise the rate a little, up to the configured one.
    pub fn on_success(&self) {
        let mut s = self.lock();
        s.rate = (s.rate + self.max_rate * INCREASE_FRACTION).min(self.max_rate);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BucketState> {
        // The state stays consistent even if a holder panicked: every update is one step.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type BucketKey = (Option<String>, String, Class);

/// One bucket per account, region and quota class, shared by every caller.
#[derive(Debug)]
pub struct Pacer {
    limits: Limits,
    buckets: Mutex<HashMap<BucketKey, Arc<TokenBucket>>>,
}

impl Pacer {
    /// A pacer with the manifest's limits. Buckets start full with a burst of one
    /// second's worth of calls divided by ten (at least one), so a fleet starts quickly
    /// without a spike that trips the quota.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The shared bucket for `account` (`None`: the credentials' own), `region`, `class`.
    pub fn bucket(&self, account: Option<&str>, region: &str, class: Class) -> Arc<TokenBucket> {
        let key = (account.map(str::to_owned), region.to_owned(), class);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets
            .entry(key)
            .or_insert_with(|| {
                let rate = match class {
                    Class::GetFunction => self.limits.get_function_per_second,
                    Class::Other => self.limits.mutating_per_second,
                };
                Arc::new(TokenBucket::new(rate, rate / 10.0))
            })
            .clone()
    }

    /// Waits for a token for `op` in `account` and `region`.
    pub async fn acquire(&self, account: Option<&str>, region: &str, op: ApiOp) {
        self.bucket(account, region, Class::of(op)).acquire().await;
    }
}

/// A paced read that gave up: how many attempts were made and the last error.
#[derive(Debug)]
pub(crate) struct GaveUp {
    /// Attempts made.
    pub attempts: u32,
    /// The error that ended them.
    pub error: crate::lambda::ApiError,
}

/// One read, paced by `op`'s bucket and retried on throttling (honouring `Retry-After`)
/// and transient failures with `policy`'s backoff. `Ok(None)` on NotFound. Observe,
/// the prune scan and layer resolution all read this way.
pub(crate) async fn read<T, Fut>(
    pacer: &Pacer,
    account: Option<&str>,
    region: &str,
    op: ApiOp,
    policy: crate::model::RetryPolicy,
    mut call: impl FnMut() -> Fut,
) -> Result<Option<T>, GaveUp>
where
    Fut: std::future::Future<Output = crate::lambda::ApiResult<T>>,
{
    use crate::lambda::ApiError;
    let bucket = pacer.bucket(account, region, Class::of(op));
    let mut backoff = policy.initial;
    let mut attempts = 0;
    loop {
        attempts += 1;
        bucket.acquire().await;
        let error = match call().await {
            Ok(value) => {
                bucket.on_success();
                return Ok(Some(value));
            }
            Err(ApiError::NotFound { .. }) => {
                bucket.on_success();
                return Ok(None);
            }
            Err(e) => e,
        };
        let retry_in = match &error {
            ApiError::Throttled { retry_after, .. } => {
                bucket.on_throttled();
                Some(retry_after.unwrap_or(backoff))
            }
            ApiError::Transient { .. } => Some(backoff),
            _ => None,
        };
        let Some(delay) = retry_in.filter(|_| attempts < policy.max_attempts) else {
            return Err(GaveUp { attempts, error });
        };
        tokio::time::sleep(delay).await;
        backoff = backoff.mul_f64(policy.multiplier).min(policy.max);
    }
}
