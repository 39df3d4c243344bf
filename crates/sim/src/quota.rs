//! Token buckets for Lambda's control-plane quotas, one pair per account and region.
//!
//! Time comes from `tokio::time::Instant`, so quotas behave the same on a paused clock.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::config::QuotaConfig;
use flotilla_cloud::lambda::ApiOp;

/// One bucket: holds one second of burst (at least one call) and refills at `rate`/s.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl Bucket {
    fn capacity(rate: f64) -> f64 {
        rate.max(1.0)
    }

    fn full(rate: f64, now: Instant) -> Self {
        Bucket {
            tokens: Self::capacity(rate),
            refilled_at: now,
        }
    }

    /// Takes a token, or says how long until one is available.
    fn take(&mut self, rate: f64, now: Instant) -> Result<(), Duration> {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(Self::capacity(rate));
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            // Rates are validated, but a wait is never built from an unchecked float.
            Err(Duration::try_from_secs_f64((1.0 - self.tokens) / rate)
                .unwrap_or(Duration::from_secs(3600)))
        }
    }
}

/// The buckets of every account and region seen so far.
#[derive(Debug, Default)]
pub(crate) struct Quotas {
    buckets: HashMap<(String, String, bool), Bucket>,
}

impl Quotas {
    /// Charges one call; `Err(wait)` when the caller is over quota.
    pub(crate) fn charge(
        &mut self,
        config: &QuotaConfig,
        account: &str,
        region: &str,
        op: ApiOp,
        now: Instant,
    ) -> Result<(), Duration> {
        if op.is_data_plane() {
            return Ok(());
        }
        let is_get = op.is_get_function();
        let rate = if is_get {
            config.get_function
        } else {
            config.control_plane
        };
        // A rate that is not a positive number cannot be enforced; it counts as off.
        let Some(rate) = rate.filter(|r| r.is_finite() && *r > 0.0) else {
            return Ok(());
        };
        let key = (account.to_owned(), region.to_owned(), is_get);
        self.buckets
            .entry(key)
            .or_insert_with(|| Bucket::full(rate, now))
            .take(rate, now)
    }

    /// Forgets all buckets (after a quota change or a reset).
    pub(crate) fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bucket_allows_a_burst_then_refills_at_the_rate() {
        let config = QuotaConfig {
            get_function: Some(100.0),
            control_plane: Some(15.0),
        };
        let mut q = Quotas::default();
        let now = Instant::now();
        for _ in 0..15 {
            assert!(q.charge(&config, "a", "r", ApiOp::UpdateAlias, now).is_ok());
        }
        let wait = q
            .charge(&config, "a", "r", ApiOp::ListTags, now)
            .expect_err("over quota");
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(67));
        // GetFunction has its own bucket; another region has its own too.
        assert!(q.charge(&config, "a", "r", ApiOp::GetFunction, now).is_ok());
        assert!(
            q.charge(&config, "a", "other", ApiOp::ListTags, now)
                .is_ok()
        );
        let later = now + Duration::from_millis(200);
        for _ in 0..3 {
            assert!(q.charge(&config, "a", "r", ApiOp::ListTags, later).is_ok());
        }
        assert!(q.charge(&config, "a", "r", ApiOp::ListTags, later).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_below_one_still_allows_one_call_per_period() {
        let config = QuotaConfig {
            get_function: None,
            control_plane: Some(0.5),
        };
        let mut q = Quotas::default();
        let now = Instant::now();
        assert!(q.charge(&config, "a", "r", ApiOp::ListTags, now).is_ok());
        let wait = q
            .charge(&config, "a", "r", ApiOp::ListTags, now)
            .expect_err("over quota");
        assert_eq!(wait, Duration::from_secs(2));
        assert!(
            q.charge(&config, "a", "r", ApiOp::ListTags, now + wait)
                .is_ok()
        );
        // GetFunction quota off: never throttled.
        for _ in 0..1000 {
            assert!(q.charge(&config, "a", "r", ApiOp::GetFunction, now).is_ok());
        }
    }
}
