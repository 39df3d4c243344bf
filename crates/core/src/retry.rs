//! The one retry primitive every caller shares: reads (`pace::read`, apply's reads),
//! mutations (apply) and uploads (`s3`).
//!
//! A failed call's error is reduced to an [`ErrorClass`]; [`Backoff::decide`] turns the
//! class and the attempt number into a [`Decision`] under the function's
//! [`RetryPolicy`]: retry after an exponential backoff with full jitter (never sooner
//! than a `Retry-After` hint), give up (attempts used up), or fail at once. What a class
//! means beyond that (a 409 waits until the function is stable, a 5xx after a mutation
//! checks whether it landed, a 429 slows the limiter) stays with the caller.
//!
//! Randomness comes from a small RNG seeded from a seed and a key (for apply: the run's
//! seed and the function key), so a run is reproducible under a seed whatever order
//! functions run in. Only a retry draws from it: one draw per retry, none for a give-up
//! or a fatal error.

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::model::RetryPolicy;
use flotilla_cloud::lambda::ApiError;
use flotilla_cloud::s3::S3Error;

/// What a failed call's error says about trying it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// 409: the resource is busy (an update is in progress); retry.
    Conflict,
    /// 429 / S3 `SlowDown`: retry, no sooner than the hint when there is one.
    Throttled(Option<Duration>),
    /// 5xx, timeout, dropped connection: retry; for a mutation the outcome is unknown.
    Transient,
    /// 412: someone else changed the resource; retrying will not help.
    Precondition,
    /// 404 (Lambda resource or S3 bucket).
    NotFound,
    /// Anything else (validation, access denied, ...): retrying will not help.
    Fatal,
}

impl ErrorClass {
    /// Whether another attempt may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::Conflict | ErrorClass::Throttled(_) | ErrorClass::Transient
        )
    }
}

impl From<&ApiError> for ErrorClass {
    fn from(e: &ApiError) -> Self {
        match e {
            ApiError::Conflict { .. } => ErrorClass::Conflict,
            ApiError::Throttled { retry_after, .. } => ErrorClass::Throttled(*retry_after),
            ApiError::Transient { .. } => ErrorClass::Transient,
            ApiError::PreconditionFailed { .. } => ErrorClass::Precondition,
            ApiError::NotFound { .. } => ErrorClass::NotFound,
            ApiError::AlreadyExists { .. } | ApiError::Fatal { .. } => ErrorClass::Fatal,
        }
    }
}

impl From<&S3Error> for ErrorClass {
    fn from(e: &S3Error) -> Self {
        match e {
            S3Error::Throttled { retry_after, .. } => ErrorClass::Throttled(*retry_after),
            S3Error::Transient { .. } => ErrorClass::Transient,
            S3Error::NoSuchBucket { .. } => ErrorClass::NotFound,
            S3Error::AccessDenied { .. } | S3Error::Fatal { .. } => ErrorClass::Fatal,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// The error is retryable but the policy's attempts are used up.
    GiveUp,
    /// The error is not retryable.
    Fatal,
}

/// Exponential backoff with full jitter, bounded by the policy's cap.
#[derive(Debug)]
pub struct Backoff {
    policy: RetryPolicy,
    rng: SmallRng,
}

impl Backoff {
    /// A backoff reproducible from `seed` and `key` (for apply: the function key).
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

    /// Attempts allowed in all (at least 1).
    pub fn max_attempts(&self) -> u32 {
        self.policy.max_attempts.max(1)
    }

    /// What to do after attempt number `attempt` (1-based) failed with an error of
    /// `class`. Draws from the RNG only when the answer is to retry.
    pub fn decide(&mut self, class: ErrorClass, attempt: u32) -> Decision {
        if !class.is_retryable() {
            return Decision::Fatal;
        }
        if attempt >= self.max_attempts() {
            return Decision::GiveUp;
        }
        let mut delay = self.delay(attempt);
        if let ErrorClass::Throttled(Some(after)) = class {
            delay = delay.max(after);
        }
        Decision::RetryAfter(delay)
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

    /// A multiplicative jitter factor in `[1 - spread, 1 + spread]` (for poll intervals),
    /// drawn from the same RNG as the delays.
    pub fn jitter(&mut self, spread: f64) -> f64 {
        1.0 + spread * (2.0 * self.rng.random::<f64>() - 1.0)
    }
}

/// FNV-1a, to mix a key into the seed without depending on `Hash`'s unspecified
/// algorithm.
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
    fn decide_retries_with_the_same_draws_as_delay() {
        // A retry draws exactly what `delay` would: apply's seeded sequence is kept.
        let mut a = Backoff::new(policy(), 7, "fn");
        let mut b = Backoff::new(policy(), 7, "fn");
        for attempt in 1..8 {
            let expected = b.delay(attempt);
            assert_eq!(
                a.decide(ErrorClass::Transient, attempt),
                Decision::RetryAfter(expected)
            );
        }
    }

    #[test]
    fn give_up_and_fatal_draw_nothing() {
        let mut a = Backoff::new(policy(), 7, "fn");
        let mut b = Backoff::new(policy(), 7, "fn");
        assert_eq!(a.decide(ErrorClass::Transient, 8), Decision::GiveUp);
        assert_eq!(a.decide(ErrorClass::Fatal, 1), Decision::Fatal);
        assert_eq!(a.decide(ErrorClass::Precondition, 1), Decision::Fatal);
        assert_eq!(a.decide(ErrorClass::NotFound, 1), Decision::Fatal);
        assert_eq!(a.delay(1), b.delay(1));
    }

    #[test]
    fn throttling_waits_at_least_the_hint() {
        let mut b = Backoff::new(policy(), 7, "fn");
        let hint = Duration::from_secs(3);
        match b.decide(ErrorClass::Throttled(Some(hint)), 1) {
            Decision::RetryAfter(d) => assert!(d >= hint, "{d:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn at_least_one_attempt() {
        let mut b = Backoff::new(
            RetryPolicy {
                max_attempts: 0,
                ..policy()
            },
            0,
            "fn",
        );
        assert_eq!(b.decide(ErrorClass::Conflict, 1), Decision::GiveUp);
    }

    #[test]
    fn errors_map_to_classes() {
        let m = |s: &str| s.to_owned();
        let api = |e: ApiError| ErrorClass::from(&e);
        assert_eq!(
            api(ApiError::Conflict { message: m("x") }),
            ErrorClass::Conflict
        );
        assert_eq!(
            api(ApiError::Throttled {
                retry_after: Some(Duration::from_secs(1)),
                message: m("x")
            }),
            ErrorClass::Throttled(Some(Duration::from_secs(1)))
        );
        assert_eq!(
            api(ApiError::Transient { message: m("x") }),
            ErrorClass::Transient
        );
        assert_eq!(
            api(ApiError::PreconditionFailed { message: m("x") }),
            ErrorClass::Precondition
        );
        assert_eq!(
            api(ApiError::NotFound { message: m("x") }),
            ErrorClass::NotFound
        );
        assert_eq!(
            api(ApiError::Fatal {
                code: m("c"),
                message: m("x")
            }),
            ErrorClass::Fatal
        );
        for e in [
            S3Error::NoSuchBucket { bucket: m("b") },
            S3Error::AccessDenied { message: m("x") },
            S3Error::Throttled {
                retry_after: None,
                message: m("x"),
            },
            S3Error::Transient { message: m("x") },
            S3Error::Fatal {
                code: m("c"),
                message: m("x"),
            },
        ] {
            assert_eq!(
                ErrorClass::from(&e).is_retryable(),
                e.is_retryable(),
                "{e:?}"
            );
        }
    }
}
