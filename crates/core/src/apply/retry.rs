//! Retry policy: exponential backoff with full jitter, and what each error class means.
//!
//! Randomness comes from a per-function RNG seeded from the run's seed and the function
//! key, so a run is reproducible under a seed whatever order functions run in.

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::model::RetryPolicy;
use flotilla_cloud::lambda::ApiError;

/// Exponential backoff with full jitter, bounded by the policy's cap.
#[derive(Debug)]
pub struct Backoff {
    policy: RetryPolicy,
    rng: SmallRng,
}

impl Backoff {
    /// A backoff for one function, reproducible from `seed` and the function `key`.
    pub fn new(policy: RetryPolicy, seed: u64, key: &str) -> Self {
        Self {
            policy,
            rng: SmallRng::seed_from_u64(seed ^ fnv1a(key)),
        }
    }

    /// The policy this backoff follows.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    /// The ceiling of the delay before retry number `retry` (1-based): `initial *
    /// multiplier^(retry-1)`, capped at `max`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let p = &self.policy;
        let exp = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let grown = p.initial.as_secs_f64() * p.multiplier.max(1.0).powi(exp);
        let capped = grown.min(p.max.as_secs_f64());
        if capped.is_finite() && capped > 0.0 {
            Duration::from_secs_f64(capped)
        } else {
            Duration::ZERO
        }
    }

    /// Full jitter: a uniform delay in `[0, ceiling(retry)]`.
    pub fn delay(&mut self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        ceiling.mul_f64(self.rng.random::<f64>())
    }

    /// A multiplicative jitter factor in `[1 - spread, 1 + spread]` (for poll intervals).
    pub fn jitter(&mut self, spread: f64) -> f64 {
        1.0 + spread * (2.0 * self.rng.random::<f64>() - 1.0)
    }
}

/// What the engine does about one failed call.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// 409: wait until the function is stable, then retry.
    WaitStableThenRetry,
    /// 429: back off at least this long (and slow the limiter down), then retry.
    Throttled(Option<Duration>),
    /// 5xx, timeout, dropped connection: back off; for a mutation, check whether it
    /// landed before retrying.
    Transient,
    /// 412: someone else changed the function; stop and report.
    Precondition,
    /// NotFound / Fatal: fail at once with the API's message.
    Fail,
}

/// Classifies an error into what to do next.
pub fn decide(e: &ApiError) -> Decision {
    match e {
        ApiError::Conflict { .. } => Decision::WaitStableThenRetry,
        ApiError::Throttled { retry_after, .. } => Decision::Throttled(*retry_after),
        ApiError::Transient { .. } => Decision::Transient,
        ApiError::PreconditionFailed { .. } => Decision::Precondition,
        ApiError::NotFound { .. } | ApiError::Fatal { .. } => Decision::Fail,
    }
}

/// FNV-1a, to mix a function key into the seed without depending on `Hash`'s
/// unspecified algorithm.
pub(crate) fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 8,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(20),
            multiplier: 2.0,
        }
    }

    #[test]
    fn ceiling_grows_exponentially_and_caps() {
        let b = Backoff::new(policy(), 1, "f");
        assert_eq!(b.ceiling(1), Duration::from_millis(500));
        assert_eq!(b.ceiling(2), Duration::from_secs(1));
        assert_eq!(b.ceiling(4), Duration::from_secs(4));
        assert_eq!(b.ceiling(10), Duration::from_secs(20));
        assert_eq!(b.ceiling(1000), Duration::from_secs(20));
    }

    #[test]
    fn full_jitter_stays_within_ceiling_and_is_reproducible() {
        let mut a = Backoff::new(policy(), 42, "fn-a");
        let mut b = Backoff::new(policy(), 42, "fn-a");
        let mut c = Backoff::new(policy(), 42, "fn-b");
        let da: Vec<_> = (1..20).map(|r| a.delay(r)).collect();
        let db: Vec<_> = (1..20).map(|r| b.delay(r)).collect();
        let dc: Vec<_> = (1..20).map(|r| c.delay(r)).collect();
        assert_eq!(da, db);
        assert_ne!(da, dc);
        let ceil = Backoff::new(policy(), 0, "x");
        for (i, d) in da.iter().enumerate() {
            let retry = u32::try_from(i).expect("small") + 1;
            assert!(*d <= ceil.ceiling(retry), "{d:?} at retry {retry}");
        }
        // Full jitter spreads over the whole range, not just the top.
        assert!(da.iter().any(|d| *d < Duration::from_secs(5)));
    }

    #[test]
    fn classes_map_to_decisions() {
        let m = |s: &str| s.to_owned();
        assert_eq!(
            decide(&ApiError::Conflict { message: m("x") }),
            Decision::WaitStableThenRetry
        );
        assert_eq!(
            decide(&ApiError::Throttled {
                retry_after: Some(Duration::from_secs(1)),
                message: m("x")
            }),
            Decision::Throttled(Some(Duration::from_secs(1)))
        );
        assert_eq!(
            decide(&ApiError::Transient { message: m("x") }),
            Decision::Transient
        );
        assert_eq!(
            decide(&ApiError::PreconditionFailed { message: m("x") }),
            Decision::Precondition
        );
        assert_eq!(
            decide(&ApiError::NotFound { message: m("x") }),
            Decision::Fail
        );
    }
}
