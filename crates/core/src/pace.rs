//! Client-side pacing: adaptive rate limiters that keep Flotilla under Lambda's API
//! quotas, shared by every reader (observe, prune scan, layer lookups, rollback) and by
//! apply's engine.
//!
//! Lambda counts GetFunction (100/s) apart from every other control-plane call (15/s
//! together). Flotilla keeps one [`AdaptiveLimiter`] per quota [`Class`] and account+region
//! and paces itself below the configured rate instead of bouncing off the quota. The rate
//! adapts AIMD-style: halved on a 429 (at most once per second, so one burst of 429s
//! counts once), raised by a small step on each success, never above the configured rate.
//!
//! Scheduling is GCRA ("virtual arrival time"): each caller reserves the next slot under
//! a lock and sleeps outside it, so waiters are served in order and the lock is never
//! held across an await. Limiters run on `tokio::time`, so tests drive them with a paused
//! clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::model::Limits;
use flotilla_cloud::lambda::ApiOp;

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

/// Lowest rate the limiter slows to after repeated 429s, per second.
const MIN_RATE: f64 = 0.5;
/// Fraction of the configured rate regained per successful call.
const ADDITIVE_STEP: f64 = 0.02;
/// Minimum time between two multiplicative decreases.
const DECREASE_WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct State {
    max_rate: f64,
    rate: f64,
    /// The earliest time the next call may go.
    next: Instant,
    last_decrease: Option<Instant>,
    throttles: u64,
    /// The lowest `rate` so far.
    lowest: f64,
}

/// A rate limiter whose rate backs off on 429 and recovers on success.
#[derive(Debug)]
pub struct AdaptiveLimiter {
    state: Mutex<State>,
}

impl AdaptiveLimiter {
    /// A limiter at `rate` calls per second (its ceiling).
    pub fn new(rate: f64) -> Self {
        // Validation keeps rates at or above `Limits::MIN_PER_SECOND`; a rate that
        // slipped past it still must not build an interval no `Duration` can hold.
        let rate = if rate.is_finite() && rate > 0.0 {
            rate.max(Limits::MIN_PER_SECOND)
        } else {
            MIN_RATE
        };
        Self {
            state: Mutex::new(State {
                max_rate: rate,
                rate,
                next: Instant::now(),
                last_decrease: None,
                throttles: 0,
                lowest: rate,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain numbers; a poisoned lock still holds usable values.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for this caller's slot.
    pub async fn acquire(&self) {
        tokio::time::sleep_until(self.reserve()).await;
    }

    /// Takes the next slot and returns when it is: the caller must not call before.
    /// For callers that show the wait ([`AdaptiveLimiter::acquire`] just sleeps).
    pub fn reserve(&self) -> Instant {
        let mut s = self.lock();
        let now = Instant::now();
        let at = s.next.max(now);
        let interval = Duration::try_from_secs_f64(1.0 / s.rate)
            .unwrap_or(Duration::from_secs_f64(1.0 / Limits::MIN_PER_SECOND));
        s.next = at + interval;
        at
    }

    /// A call succeeded: creep the rate back up.
    pub fn on_success(&self) {
        let mut s = self.lock();
        s.rate = (s.rate + s.max_rate * ADDITIVE_STEP).min(s.max_rate);
    }

    /// A call was throttled: halve the rate and hold every caller back for
    /// `retry_after` (the quota is shared, so the others would be throttled too).
    pub fn on_throttle(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        let now = Instant::now();
        s.throttles += 1;
        let recent = s
            .last_decrease
            .is_some_and(|t| now.saturating_duration_since(t) < DECREASE_WINDOW);
        if !recent {
            s.rate = (s.rate / 2.0).max(MIN_RATE.min(s.max_rate));
            s.lowest = s.lowest.min(s.rate);
            s.last_decrease = Some(now);
        }
        if let Some(wait) = retry_after {
            s.next = s.next.max(now + wait);
        }
    }

    /// The current rate, per second.
    pub fn rate(&self) -> f64 {
        self.lock().rate
    }

    /// The configured ceiling, per second.
    pub fn max_rate(&self) -> f64 {
        self.lock().max_rate
    }

    /// 429s reported so far.
    pub fn throttles(&self) -> u64 {
        self.lock().throttles
    }

    /// The lowest rate it fell to, per second.
    pub fn lowest_rate(&self) -> f64 {
        self.lock().lowest
    }
}

/// The two limiters of one account and region.
#[derive(Debug, Clone)]
pub struct RegionLimiters {
    /// Every call but GetFunction.
    pub shared: Arc<AdaptiveLimiter>,
    /// GetFunction.
    pub get_function: Arc<AdaptiveLimiter>,
    /// CloudWatch `DescribeAlarms` (rollouts), at [`CLOUDWATCH_PER_SECOND`].
    pub cloudwatch: Arc<AdaptiveLimiter>,
}

/// `DescribeAlarms` calls per second per account and region: well under CloudWatch's
/// quota (9 per second), which other tools and dashboards share.
pub const CLOUDWATCH_PER_SECOND: f64 = 5.0;

/// Limiters by (account, region), created on first use with the run's limits.
#[derive(Debug)]
pub struct LimiterRegistry {
    limits: Limits,
    by_target: Mutex<HashMap<(Option<String>, String), RegionLimiters>>,
}

impl LimiterRegistry {
    /// A registry handing out limiters at `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            by_target: Mutex::new(HashMap::new()),
        }
    }

    /// Where calls were throttled: (account, region, limiters), sorted.
    pub fn throttled(&self) -> Vec<(Option<String>, String, RegionLimiters)> {
        let map = self.by_target.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<_> = map
            .iter()
            .filter(|(_, l)| l.shared.throttles() + l.get_function.throttles() > 0)
            .map(|((a, r), l)| (a.clone(), r.clone(), l.clone()))
            .collect();
        out.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
        out
    }

    /// The limiters of one account and region.
    pub fn get(&self, account: Option<&str>, region: &str) -> RegionLimiters {
        let mut map = self.by_target.lock().unwrap_or_else(|p| p.into_inner());
        map.entry((account.map(str::to_owned), region.to_owned()))
            .or_insert_with(|| RegionLimiters {
                shared: Arc::new(AdaptiveLimiter::new(self.limits.mutating_per_second)),
                get_function: Arc::new(AdaptiveLimiter::new(self.limits.get_function_per_second)),
                cloudwatch: Arc::new(AdaptiveLimiter::new(CLOUDWATCH_PER_SECOND)),
            })
            .clone()
    }
}

/// The limiters of a run, handed out by account, region and quota class.
#[derive(Debug)]
pub struct Pacer {
    registry: LimiterRegistry,
}

impl Pacer {
    /// A pacer with the manifest's limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            registry: LimiterRegistry::new(limits),
        }
    }

    /// The shared limiter for `account` (`None`: the credentials' own), `region`, `class`.
    pub fn bucket(
        &self,
        account: Option<&str>,
        region: &str,
        class: Class,
    ) -> Arc<AdaptiveLimiter> {
        let limiters = self.registry.get(account, region);
        match class {
            Class::GetFunction => limiters.get_function,
            Class::Other => limiters.shared,
        }
    }

    /// Waits for a slot for `op` in `account` and `region`.
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
    pub error: flotilla_cloud::lambda::ApiError,
}

/// One read, paced by `op`'s bucket and retried through [`crate::retry`]: on
/// throttling (slowing the bucket down, and never sooner than `Retry-After`), 409 and
/// transient failures, with `policy`'s backoff and full jitter drawn from an RNG seeded
/// by `key` (the function or place read) and `op`. `Ok(None)` on NotFound. Observe, the
/// prune scan and layer resolution all read this way.
pub(crate) async fn read<T, Fut>(
    pacer: &Pacer,
    account: Option<&str>,
    region: &str,
    op: ApiOp,
    key: &str,
    policy: crate::model::RetryPolicy,
    mut call: impl FnMut() -> Fut,
) -> Result<Option<T>, GaveUp>
where
    Fut: std::future::Future<Output = flotilla_cloud::lambda::ApiResult<T>>,
{
    use crate::retry::{Backoff, Decision, ErrorClass};
    use flotilla_cloud::lambda::ApiError;
    let bucket = pacer.bucket(account, region, Class::of(op));
    let mut backoff = Backoff::new(policy, 0, &format!("{}:{key}", op.name()));
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
        let class = ErrorClass::from(&error);
        if let ErrorClass::Throttled(after) = class {
            bucket.on_throttle(after);
        }
        match backoff.decide(class, attempts) {
            Decision::RetryAfter(delay) => tokio::time::sleep(delay).await,
            Decision::GiveUp | Decision::Fatal => return Err(GaveUp { attempts, error }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_calls_at_the_rate() {
        let l = AdaptiveLimiter::new(10.0);
        let start = Instant::now();
        for _ in 0..21 {
            l.acquire().await;
        }
        // 21 calls at 10/s: the first goes at once, the last after 2 s.
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn halves_on_throttle_once_per_window_and_recovers_additively() {
        let l = AdaptiveLimiter::new(16.0);
        l.on_throttle(None);
        l.on_throttle(None);
        assert!((l.rate() - 8.0).abs() < 1e-9, "one burst counts once");
        tokio::time::advance(Duration::from_secs(2)).await;
        l.on_throttle(None);
        assert!((l.rate() - 4.0).abs() < 1e-9);
        for _ in 0..10 {
            l.on_success();
        }
        assert!((l.rate() - (4.0 + 10.0 * 16.0 * ADDITIVE_STEP)).abs() < 1e-9);
        for _ in 0..1000 {
            l.on_success();
        }
        assert!(
            (l.rate() - 16.0).abs() < 1e-9,
            "never above the configured rate"
        );
        assert_eq!(l.throttles(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_every_caller_back() {
        let l = AdaptiveLimiter::new(100.0);
        let start = Instant::now();
        l.on_throttle(Some(Duration::from_secs(2)));
        l.acquire().await;
        assert!(Instant::now() - start >= Duration::from_secs(2));
    }
}
