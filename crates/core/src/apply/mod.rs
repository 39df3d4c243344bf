//! `flotilla apply`: carries a [`Plan`] out against Lambda and reports what happened.
//!
//! Data enters as a `Plan` plus an [`ApplyContext`] (clients, code, secrets, limits,
//! cancellation, progress sink) and leaves as a [`Report`]. Files by concept:
//! `scheduler` (functions in parallel, `depends_on`), `executor` (one function per
//! `Step` variant), `run` (per-function state and the retry loop), `waiter` (adaptive
//! GetFunction polling), `cancel`, `events`, `report`; pacing (AIMD limiters per account
//! and region) is `crate::pace`, backoff with seeded full jitter and retry decisions
//! `crate::retry`.
//!
//! Apply never reads the manifest and decides nothing the plan did not: it refuses a
//! function whose live `RevisionId` moved since the plan.

mod around_async;
mod around_triggers;
mod cancel;
mod code_signing;
mod context;
mod delete;
mod events;
mod executor;
mod failure;
mod function_url;
mod permissions;
mod priority;
mod provisioned;
mod report;
mod rollout;
mod run;
mod scheduler;
mod waiter;

pub use crate::pace::{AdaptiveLimiter, LimiterRegistry, RegionLimiters};
pub use cancel::{CancelLevel, CancelToken};
pub use context::{
    ApplyContext, ClientProvider, CodeProvider, DEFAULT_PARALLELISM, PreparedCode, ProcessEnv,
    SecretSource,
};
pub use events::{CollectEvents, Event, EventSink, LineSink, NoEvents, QUOTA_NOTICE};
pub use failure::FailureCause;
pub use report::{FunctionReport, Outcome, Report, SharedQuota, StaleAction, Totals};
pub use waiter::{
    FIRST_POLL, Goal, MAX_POLL, MAX_POLL_IMAGE, Verdict, judge, poll_interval, poll_interval_capped,
};

use tokio::time::Instant;

use crate::model::Limits;
use crate::plan::Plan;

/// Carries out `plan` and reports, per function, what ran and how it ended.
///
/// Never fails as a whole: every problem is a function's outcome in the report.
pub async fn apply(plan: &Plan, ctx: ApplyContext) -> Report {
    let started = Instant::now();
    let limits = ctx.limits.unwrap_or_else(|| Limits::from(plan.limits));
    let limiters = LimiterRegistry::new(limits);
    let functions = scheduler::schedule(plan, &ctx, &limiters).await;
    let elapsed = u64::try_from((Instant::now() - started).as_millis()).unwrap_or(u64::MAX);
    let mut report = Report::new(functions, elapsed);
    report.shared_quota = limiters
        .throttled()
        .into_iter()
        .map(|(account, region, l)| report::SharedQuota {
            account,
            region,
            throttled: l.shared.throttles() + l.get_function.throttles(),
            configured_per_second: l.shared.max_rate(),
            lowest_per_second: l.shared.lowest_rate(),
        })
        .collect();
    report
}
