//! The waiter: polls GetFunction until a function is stable or its update finished.
//!
//! Polls are adaptive: the first one soon after the call (400 ms), then intervals
//! growing by half with ±20 % jitter up to 3 s (5 s for image functions, whose updates
//! take far longer), all bounded by the function's `wait.timeout`. An update of about a second is thus seen finished on the second or
//! third poll, where the AWS CLI polls every second and scripts every 15 s. Polls go
//! through the GetFunction limiter (100/s), never the shared 15/s one.

use std::time::Duration;

use tokio::time::Instant;

use flotilla_cloud::lambda::{
    ApiError, FunctionInfo, FunctionStateKind, LastUpdateStatus, PackageType,
};

use super::failure::FailureCause;
use super::run::{FnRun, Stop};

/// Delay before the first poll after a mutation.
pub const FIRST_POLL: Duration = Duration::from_millis(400);
/// Growth of the poll interval per poll.
pub const POLL_GROWTH: f64 = 1.5;
/// Cap on one poll interval.
pub const MAX_POLL: Duration = Duration::from_secs(3);
/// Cap on one poll interval for image functions, whose updates take tens of seconds to
/// minutes (Lambda optimizes the image): fewer GetFunction calls for the same wait,
/// at most 2 s later to notice the end.
pub const MAX_POLL_IMAGE: Duration = Duration::from_secs(5);
/// Jitter spread of poll intervals (±).
pub const POLL_JITTER: f64 = 0.2;

/// What a wait is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Another update may start: `State` not `Pending`, `LastUpdateStatus` not `InProgress`.
    Stable,
    /// The update just made finished: `LastUpdateStatus` `Successful` (or absent).
    Updated,
}

impl Goal {
    fn describe(self) -> &'static str {
        match self {
            Goal::Stable => "the function to become stable",
            Goal::Updated => "the update to finish",
        }
    }
}

/// What one GetFunction says about a wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The goal is reached.
    Done,
    /// Not yet (or an unknown state): poll again.
    Keep,
    /// Final failure; the cause says why.
    Fail(FailureCause),
}

/// Judges one read against a goal. Unknown states are waited on, never taken as done.
pub fn judge(info: &FunctionInfo, goal: Goal) -> Verdict {
    if matches!(info.state, Some(FunctionStateKind::Failed)) {
        return Verdict::Fail(FailureCause::function_failed(info));
    }
    let state_ok = match &info.state {
        None | Some(FunctionStateKind::Active | FunctionStateKind::Inactive) => true,
        Some(FunctionStateKind::Pending | FunctionStateKind::Other(_)) => false,
        Some(FunctionStateKind::Failed) => false,
    };
    match (&info.last_update_status, goal) {
        (Some(LastUpdateStatus::Failed), Goal::Updated) => {
            Verdict::Fail(FailureCause::update_failed(info))
        }
        (Some(LastUpdateStatus::InProgress | LastUpdateStatus::Other(_)), _) => Verdict::Keep,
        // A previous update that failed does not block the next one.
        (None | Some(LastUpdateStatus::Successful | LastUpdateStatus::Failed), _) => {
            if state_ok {
                Verdict::Done
            } else {
                Verdict::Keep
            }
        }
    }
}

/// The interval before poll number `n` (0-based) of a wait, before jitter, capped at
/// [`MAX_POLL`].
pub fn poll_interval(goal: Goal, n: u32) -> Duration {
    poll_interval_capped(goal, n, MAX_POLL)
}

/// [`poll_interval`] with another cap ([`MAX_POLL_IMAGE`] for image functions).
pub fn poll_interval_capped(goal: Goal, n: u32, cap: Duration) -> Duration {
    if n == 0 {
        return match goal {
            // Usually stable already: look at once.
            Goal::Stable => Duration::ZERO,
            Goal::Updated => FIRST_POLL,
        };
    }
    let k = match goal {
        Goal::Stable => n - 1,
        Goal::Updated => n,
    };
    let exp = i32::try_from(k).unwrap_or(i32::MAX);
    let secs = FIRST_POLL.as_secs_f64() * POLL_GROWTH.powi(exp);
    Duration::from_secs_f64(secs.min(cap.as_secs_f64()))
}

fn describe_state(info: &FunctionInfo) -> String {
    format!(
        "State={}, LastUpdateStatus={}",
        info.state.as_ref().map_or("(none)", |s| s.as_api_str()),
        info.last_update_status
            .as_ref()
            .map_or("(none)", |s| s.as_api_str())
    )
}

impl FnRun<'_> {
    /// Polls until `goal`, within the function's wait timeout. On success the read is
    /// kept as the fresh state the next mutation starts from.
    pub(crate) async fn wait_for(&mut self, goal: Goal) -> Result<FunctionInfo, Stop> {
        let started = Instant::now();
        let deadline = started + self.wait.timeout;
        self.report.waits += 1;
        let polls_before = self.report.polls;
        let result = self.poll_loop(goal, deadline).await;
        if goal == Goal::Updated {
            self.report
                .polls_per_update
                .push(self.report.polls - polls_before);
        }
        let waited = Instant::now() - started;
        self.report.waited_ms += u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
        if let Ok(info) = &result {
            self.note_read(info);
            self.fresh = Some(info.clone());
        }
        result
    }

    async fn poll_loop(&mut self, goal: Goal, deadline: Instant) -> Result<FunctionInfo, Stop> {
        let mut last_seen: Option<FunctionInfo> = None;
        let mut extra = Duration::ZERO;
        let cap = match self.plan.desired.config.package_type {
            PackageType::Image => MAX_POLL_IMAGE,
            PackageType::Zip => MAX_POLL,
        };
        for n in 0u32.. {
            let base = poll_interval_capped(goal, n, cap);
            let delay = base.mul_f64(self.backoff.jitter(POLL_JITTER)).max(extra);
            extra = Duration::ZERO;
            let now = Instant::now();
            if now + delay > deadline && n > 0 {
                let seen = last_seen
                    .as_ref()
                    .map_or_else(|| "no successful read".to_owned(), describe_state);
                return Err(Stop::Failed(FailureCause::TimedOut {
                    waiting_for: goal.describe().to_owned(),
                    timeout_ms: u64::try_from(self.wait.timeout.as_millis()).unwrap_or(u64::MAX),
                    last_seen: seen,
                }));
            }
            self.pause(delay).await?;
            let limiter = self.limits.get_function.clone();
            self.paced(&limiter).await?;
            self.report.polls += 1;
            match self.api.get_function(&self.plan.name).await {
                Ok(info) => {
                    self.limits.get_function.on_success();
                    match judge(&info, goal) {
                        Verdict::Done => return Ok(info),
                        Verdict::Fail(why) => return Err(Stop::Failed(why)),
                        Verdict::Keep => last_seen = Some(info),
                    }
                }
                Err(ApiError::Throttled { retry_after, .. }) => {
                    self.limits.get_function.on_throttle(retry_after);
                    self.count_retry("throttled");
                    extra = retry_after.unwrap_or(Duration::ZERO);
                }
                Err(
                    e @ (ApiError::Transient { .. }
                    | ApiError::Conflict { .. }
                    | ApiError::PreconditionFailed { .. }),
                ) => self.count_retry(e.class()),
                Err(
                    e @ (ApiError::NotFound { .. }
                    | ApiError::AlreadyExists { .. }
                    | ApiError::Fatal { .. }),
                ) => {
                    return Err(Stop::Failed(FailureCause::WaitFailed {
                        waiting_for: goal.describe().to_owned(),
                        class: e.class().to_owned(),
                        message: e.to_string(),
                    }));
                }
            }
        }
        unreachable!("the poll loop returns from inside")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flotilla_cloud::lambda::FunctionConfig;

    fn info(state: Option<FunctionStateKind>, lus: Option<LastUpdateStatus>) -> FunctionInfo {
        FunctionInfo {
            name: String::new(),
            config: FunctionConfig::default(),
            arn: String::new(),
            state,
            state_reason: None,
            state_reason_code: None,
            last_update_status: lus,
            last_update_status_reason: Some("bad zip".into()),
            last_update_status_reason_code: None,
            revision_id: None,
            code_sha256: String::new(),
            code_size: 0,
            version: "$LATEST".into(),
            last_modified: String::new(),
            image_uri: None,
            resolved_image_uri: None,
            code_location: None,
            tags: Default::default(),
            reserved_concurrency: None,
        }
    }

    use FunctionStateKind as S;
    use LastUpdateStatus as L;

    #[test]
    fn judges_states() {
        let a = Some(S::Active);
        assert_eq!(
            judge(&info(a.clone(), Some(L::Successful)), Goal::Updated),
            Verdict::Done
        );
        assert_eq!(
            judge(&info(a.clone(), Some(L::InProgress)), Goal::Stable),
            Verdict::Keep
        );
        assert_eq!(
            judge(&info(Some(S::Pending), None), Goal::Stable),
            Verdict::Keep
        );
        assert_eq!(
            judge(&info(None, None), Goal::Updated),
            Verdict::Done,
            "moto omits both"
        );
        match judge(&info(a.clone(), Some(L::Failed)), Goal::Updated) {
            Verdict::Fail(cause) => {
                assert_eq!(cause.kind(), "update_failed");
                assert_eq!(cause.to_string(), "update failed: bad zip");
            }
            other => panic!("{other:?}"),
        }
        // An earlier failed update does not block the next one.
        assert_eq!(
            judge(&info(a.clone(), Some(L::Failed)), Goal::Stable),
            Verdict::Done
        );
        assert!(matches!(
            judge(&info(Some(S::Failed), None), Goal::Stable),
            Verdict::Fail(_)
        ));
        assert_eq!(
            judge(&info(a, Some(L::Other("Rolling".into()))), Goal::Updated),
            Verdict::Keep
        );
        assert_eq!(
            judge(
                &info(Some(S::Other("Deactivating".into())), None),
                Goal::Stable
            ),
            Verdict::Keep
        );
    }

    #[test]
    fn polls_start_soon_and_grow_to_a_cap() {
        assert_eq!(poll_interval(Goal::Stable, 0), Duration::ZERO);
        assert_eq!(poll_interval(Goal::Updated, 0), FIRST_POLL);
        assert_eq!(poll_interval(Goal::Updated, 1), Duration::from_millis(600));
        assert_eq!(poll_interval(Goal::Stable, 1), FIRST_POLL);
        assert_eq!(poll_interval(Goal::Updated, 20), MAX_POLL);
        assert_eq!(
            poll_interval_capped(Goal::Updated, 20, MAX_POLL_IMAGE),
            MAX_POLL_IMAGE
        );
        assert_eq!(
            poll_interval_capped(Goal::Updated, 1, MAX_POLL_IMAGE),
            poll_interval(Goal::Updated, 1),
            "the cap changes only long waits"
        );
        // A 1 s update is seen done by the third poll: 0.4 + 0.6 + 0.9 = 1.9 s.
        let t: Duration = (0..3).map(|n| poll_interval(Goal::Updated, n)).sum();
        assert!(t >= Duration::from_secs(1) && t < Duration::from_secs(2));
    }
}
