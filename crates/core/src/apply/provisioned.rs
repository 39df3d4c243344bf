//! Provisioned concurrency on the alias: PutProvisionedConcurrencyConfig and its wait
//! until Lambda reports the allocation `READY`, DeleteProvisionedConcurrencyConfig, and
//! the wait after every move of an alias that has provisioned concurrency.
//!
//! AWS allocates an alias's provisioned concurrency on the version(s) the alias routes
//! to; when the alias moves (a new version, or new weights during a rollout), the
//! configuration goes back to `IN_PROGRESS` while Lambda initializes environments of the
//! new version, and the move is not done until it is `READY` again. So apply waits
//! after each move, and a rollout's next share never starts while AWS's own
//! allocation is in progress. The polls are paced through the region's shared limiter
//! (GetProvisionedConcurrencyConfig shares the control-plane quota), grow like the
//! other waits (0.4 s, then by half up to 3 s) and are bounded by the function's
//! `wait.timeout`.

use std::time::Duration;

use tokio::time::Instant;

use flotilla_cloud::lambda::{ProvisionedConcurrencyInfo, ProvisionedStatus};

use super::failure::FailureCause;
use super::run::{FnRun, Guard, Stop, gone_is_done};
use super::waiter::{Goal, POLL_JITTER, poll_interval};

const GET: &str = "GetProvisionedConcurrencyConfig";

/// How a read of the configuration reads.
fn describe(pc: Option<&ProvisionedConcurrencyInfo>) -> String {
    match pc {
        None => "no provisioned concurrency configured".to_owned(),
        Some(pc) => format!(
            "Status={}, {} of {} allocated",
            pc.status
                .as_ref()
                .map_or("(none)", ProvisionedStatus::as_api_str),
            pc.allocated
                .map_or_else(|| "?".to_owned(), |n| n.to_string()),
            pc.requested
        ),
    }
}

impl FnRun<'_> {
    /// PutProvisionedConcurrencyConfig of `count` on `alias`, then the wait until `READY`.
    pub(crate) async fn put_provisioned(&mut self, alias: &str, count: u32) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let qualifier = alias.to_owned();
        // The put is idempotent: after a lost response it is simply sent again.
        self.mutate(
            "PutProvisionedConcurrencyConfig",
            Guard::None,
            None,
            move |_| {
                let api = api.clone();
                let name = name.clone();
                let qualifier = qualifier.clone();
                Box::pin(async move {
                    api.put_provisioned_concurrency(&name, &qualifier, count)
                        .await
                })
            },
        )
        .await?;
        match self.await_provisioned(alias).await? {
            Some(_) => Ok(()),
            None => Err(Stop::Failed(FailureCause::NotApplied {
                operation: "PutProvisionedConcurrencyConfig".to_owned(),
                fields: vec!["provisioned_concurrency".to_owned()],
            })),
        }
    }

    /// DeleteProvisionedConcurrencyConfig of `alias`; one already gone is removed.
    pub(crate) async fn delete_provisioned(&mut self, alias: &str) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let qualifier = alias.to_owned();
        self.mutate(
            "DeleteProvisionedConcurrencyConfig",
            Guard::None,
            None,
            move |_| {
                let api = api.clone();
                let name = name.clone();
                let qualifier = qualifier.clone();
                Box::pin(async move {
                    gone_is_done(api.delete_provisioned_concurrency(&name, &qualifier).await)
                })
            },
        )
        .await?;
        Ok(())
    }

    /// After `alias` moved: when the plan manages provisioned concurrency on it, waits
    /// until Lambda's allocation on the version(s) it now routes to is `READY` (none
    /// configured yet: nothing to wait for). Plans without the key make no call.
    pub(crate) async fn await_provisioned_after_move(&mut self, alias: &str) -> Result<(), Stop> {
        if self
            .plan
            .desired
            .provisioned_concurrency
            .is_none_or(|n| n == 0)
        {
            return Ok(());
        }
        self.await_provisioned(alias).await.map(|_| ())
    }

    /// Whether the alias's provisioned concurrency is as the plan wants it (for a
    /// function found already deployed by someone else).
    pub(crate) async fn provisioned_as_desired(&mut self) -> Result<bool, Stop> {
        let (Some(want), Some(alias)) = (
            self.plan.desired.provisioned_concurrency,
            self.plan.desired.alias.clone(),
        ) else {
            return Ok(true);
        };
        let pc = self.read_provisioned(&alias).await?;
        Ok(match (want, pc) {
            (0, pc) => pc.is_none(),
            (n, Some(pc)) => pc.requested == n && pc.status == Some(ProvisionedStatus::Ready),
            (_, None) => false,
        })
    }

    async fn read_provisioned(
        &mut self,
        alias: &str,
    ) -> Result<Option<ProvisionedConcurrencyInfo>, Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let qualifier = alias.to_owned();
        self.read(GET, || {
            let api = api.clone();
            let name = name.clone();
            let qualifier = qualifier.clone();
            Box::pin(async move { api.get_provisioned_concurrency(&name, &qualifier).await })
        })
        .await
    }

    /// Polls GetProvisionedConcurrencyConfig of `alias` until `READY` (`Some`) or none is
    /// configured (`None`); `FAILED` fails the function with Lambda's `StatusReason`, and
    /// the function's `wait.timeout` bounds the wait.
    async fn await_provisioned(
        &mut self,
        alias: &str,
    ) -> Result<Option<ProvisionedConcurrencyInfo>, Stop> {
        let started = Instant::now();
        let deadline = started + self.wait.timeout;
        self.report.waits += 1;
        let result = async {
            let mut last: Option<ProvisionedConcurrencyInfo> = None;
            for n in 0u32.. {
                let delay =
                    poll_interval(Goal::Updated, n).mul_f64(self.backoff.jitter(POLL_JITTER));
                if n > 0 && Instant::now() + delay > deadline {
                    return Err(Stop::Failed(FailureCause::TimedOut {
                        waiting_for: format!(
                            "the provisioned concurrency on alias `{alias}` to become READY"
                        ),
                        timeout_ms: u64::try_from(self.wait.timeout.as_millis())
                            .unwrap_or(u64::MAX),
                        last_seen: describe(last.as_ref()),
                    }));
                }
                // The first read follows the call that started the allocation closely.
                self.pause(if n == 0 { Duration::ZERO } else { delay })
                    .await?;
                self.report.polls += 1;
                let Some(pc) = self.read_provisioned(alias).await? else {
                    return Ok(None);
                };
                match &pc.status {
                    Some(ProvisionedStatus::Ready) => return Ok(Some(pc)),
                    Some(ProvisionedStatus::Failed) => {
                        return Err(Stop::Failed(FailureCause::ProvisionedConcurrencyFailed {
                            alias: alias.to_owned(),
                            reason: pc.status_reason.clone(),
                        }));
                    }
                    // IN_PROGRESS, an unknown status or none: not done yet.
                    _ => last = Some(pc),
                }
            }
            unreachable!("the poll loop returns from inside")
        }
        .await;
        let waited = Instant::now() - started;
        self.report.waited_ms += u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
        result
    }
}
