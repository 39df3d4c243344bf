//! Gradual rollouts: the smoke invoke of a new version, the weighted alias steps with
//! their watched holds, and moving the traffic back when a rollout stops.
//!
//! While weights are set the old version stays the alias's primary and the new one
//! gets `AdditionalVersionWeights`; every alias move passes the `RevisionId` of this
//! run's previous one, so a move by anyone else is refused (412), never overwritten.
//! Any stop after the first shift ends in [`FnRun::end_rollout`]: an interrupt always
//! moves the traffic back; a failure does unless the manifest says `on_failure: hold`.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::model::rollout::OnFailure;
use crate::retry::ErrorClass;
use flotilla_cloud::alarms::AlarmState;
use flotilla_cloud::lambda::{AliasInfo, AliasInput, InvokeInput};

use super::cancel::CancelLevel;
use super::failure::FailureCause;
use super::report::RolloutEnd;
use super::run::{FnRun, Guard, Landed, Stop};

/// How often a hold polls its alarms (divided by the context's time scale).
const ALARM_POLL: Duration = Duration::from_secs(15);

/// Attempts at moving the traffic back, and how long they may take together.
const REVERT_ATTEMPTS: u32 = 8;
const REVERT_TIMEOUT: Duration = Duration::from_secs(60);

/// Most characters of a response quoted in a smoke failure.
const QUOTE_MAX: usize = 200;

/// The traffic a rollout has moved so far.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shifted {
    pub alias: String,
    /// The primary version: all the traffic the new one does not get.
    pub from_version: String,
    pub new_version: String,
    pub percent: u8,
    pub on_failure: OnFailure,
}

/// Whether `a` points at `version` and routes exactly `routing` elsewhere (weights
/// compared to a millionth: Lambda reports them as it stored them).
pub(crate) fn routes(a: &AliasInfo, version: &str, routing: &BTreeMap<String, f64>) -> bool {
    a.function_version == version
        && a.routing.len() == routing.len()
        && routing
            .iter()
            .all(|(v, w)| a.routing.get(v).is_some_and(|live| (live - w).abs() < 1e-6))
}

impl FnRun<'_> {
    /// `d` on the context's clock (divided by `time_scale`, which is 1 outside tests).
    fn scaled(&self, d: Duration) -> Duration {
        let scale = self.ctx.time_scale;
        if scale.is_finite() && scale > 1.0 {
            d.div_f64(scale)
        } else {
            d
        }
    }

    /// Invokes the version this run published with `payload`; a function error or a
    /// response other than `expect` fails the function before any traffic moves.
    pub(crate) async fn smoke_invoke(
        &mut self,
        payload: &serde_json::Value,
        expect: Option<&serde_json::Value>,
    ) -> Result<(), Stop> {
        let Some(version) = self.published.clone() else {
            return Err(Stop::Failed(FailureCause::SmokeFailed {
                version: "(none)".to_owned(),
                message: "no version was published in this run".to_owned(),
            }));
        };
        let input = InvokeInput {
            function_name: self.plan.name.clone(),
            qualifier: Some(version.clone()),
            payload: payload.to_string().into_bytes(),
        };
        let api = self.api.clone();
        let out = self
            .read("Invoke", || {
                let api = api.clone();
                let input = input.clone();
                Box::pin(async move { api.invoke(input).await })
            })
            .await?;
        let fail = |message: String| {
            Stop::Failed(FailureCause::SmokeFailed {
                version: version.clone(),
                message,
            })
        };
        let Some(out) = out else {
            return Err(fail("Lambda does not know the version".to_owned()));
        };
        let text = String::from_utf8_lossy(&out.payload).into_owned();
        if let Some(kind) = &out.function_error {
            return Err(fail(format!("function error ({kind}): {}", quote(&text))));
        }
        if let Some(expect) = expect {
            let got: Option<serde_json::Value> = serde_json::from_slice(&out.payload).ok();
            if got.as_ref() != Some(expect) {
                return Err(fail(format!(
                    "the response {} is not the expected {}",
                    quote(&text),
                    quote(&expect.to_string())
                )));
            }
        }
        Ok(())
    }

    /// One rollout step: `percent` of `alias`'s traffic on the new version, the rest on
    /// `from_version`, then the hold, watching `alarms`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn shift_traffic(
        &mut self,
        alias: &str,
        from_version: &str,
        percent: u8,
        hold_secs: u64,
        alarms: &[String],
        on_failure: OnFailure,
        alias_revision_id: Option<&str>,
    ) -> Result<(), Stop> {
        let new_version = self.published.clone().ok_or_else(|| {
            Stop::Failed(FailureCause::NoPublishedVersion {
                alias: alias.to_owned(),
            })
        })?;
        if new_version == from_version {
            // PublishVersion gave back the version the alias is on: nothing to shift.
            return Ok(());
        }
        if self.shifted.is_none() {
            // Before any traffic moves: the alarms exist and none is firing.
            self.check_alarms(alarms, 0).await?;
            self.alias_revision = alias_revision_id.map(str::to_owned);
        }
        let routing = BTreeMap::from([(new_version.clone(), f64::from(percent) / 100.0)]);
        self.set_alias(alias, from_version, routing).await?;
        self.shifted = Some(Shifted {
            alias: alias.to_owned(),
            from_version: from_version.to_owned(),
            new_version,
            percent,
            on_failure,
        });
        // Lambda allocates the alias's provisioned concurrency on the versions it now
        // routes to: no hold (and no next share) starts before that allocation is done.
        self.await_provisioned_after_move(alias).await?;
        self.hold(Duration::from_secs(hold_secs), alarms, percent)
            .await
    }

    /// UpdateAlias to `version` with `routing`, passing the alias's last `RevisionId`
    /// (a 412 means someone else moved it: stale, never overwritten).
    async fn set_alias(
        &mut self,
        alias: &str,
        version: &str,
        routing: BTreeMap<String, f64>,
    ) -> Result<(), Stop> {
        let input = AliasInput {
            function_name: self.plan.name.clone(),
            name: alias.to_owned(),
            function_version: version.to_owned(),
            routing: routing.clone(),
            revision_id: self.alias_revision.clone(),
            ..AliasInput::default()
        };
        let landed = Landed::AliasRouting {
            name: alias.to_owned(),
            version: version.to_owned(),
            routing,
        };
        let api = self.api.clone();
        let moved = self
            .mutate("UpdateAlias", Guard::Stable, Some(&landed), move |_| {
                let api = api.clone();
                let input = input.clone();
                Box::pin(async move { api.update_alias(input).await })
            })
            .await;
        match moved {
            Ok(Some(info)) => {
                self.alias_revision = info.revision_id;
                Ok(())
            }
            Ok(None) => {
                // Landed after a lost response: the next move needs the new revision.
                self.alias_revision = self.alias_now(alias).await?.and_then(|a| a.revision_id);
                Ok(())
            }
            Err(Stop::Stale {
                live_revision_id,
                last_modified,
                message: _,
            }) => Err(Stop::Stale {
                live_revision_id,
                last_modified,
                message: format!(
                    "alias `{alias}` was moved by someone else during the rollout (UpdateAlias got 412 PreconditionFailed); not moving it"
                ),
            }),
            Err(other) => Err(other),
        }
    }

    /// Holds the current weights for `hold`, polling `alarms`; an interrupt ends it.
    async fn hold(&mut self, hold: Duration, alarms: &[String], percent: u8) -> Result<(), Stop> {
        let end = Instant::now() + self.scaled(hold);
        let poll = self.scaled(ALARM_POLL).max(Duration::from_millis(10));
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            let next = (now + poll).min(end);
            tokio::select! {
                () = tokio::time::sleep_until(next) => {}
                () = self.ctx.cancel.reached(CancelLevel::Soft) => return Err(Stop::Cancelled),
            }
            self.check_alarms(alarms, percent).await?;
        }
    }

    /// Fails when an alarm is in `ALARM`, or when CloudWatch does not know one of them.
    async fn check_alarms(&mut self, alarms: &[String], percent: u8) -> Result<(), Stop> {
        if alarms.is_empty() {
            return Ok(());
        }
        let client = self
            .ctx
            .clients
            .alarms(self.plan.account.as_deref(), &self.plan.region)
            .map_err(|message| Stop::Failed(FailureCause::AlarmsUnreadable { message }))?;
        let names = alarms.to_vec();
        let statuses = self
            .read("DescribeAlarms", || {
                let client = client.clone();
                let names = names.clone();
                Box::pin(async move { client.describe_alarms(&names).await })
            })
            .await
            .map_err(|stop| match stop {
                Stop::Failed(cause) => Stop::Failed(FailureCause::AlarmsUnreadable {
                    message: cause.to_string(),
                }),
                other => other,
            })?
            .unwrap_or_default();
        if let Some(firing) = statuses.iter().find(|a| a.state == AlarmState::Alarm) {
            return Err(Stop::Failed(FailureCause::Alarm {
                alarm: firing.name.clone(),
                reason: firing.reason.clone(),
                percent,
            }));
        }
        let missing: Vec<&str> = alarms
            .iter()
            .filter(|n| !statuses.iter().any(|a| &a.name == *n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Stop::Failed(FailureCause::AlarmsUnreadable {
                message: format!(
                    "CloudWatch in {} has no alarm named {}; create it or remove it from `rollout.alarms`",
                    self.plan.region,
                    missing
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }));
        }
        Ok(())
    }

    /// The final move landed: all the traffic on the new version, no weights.
    pub(crate) fn rollout_completed(&mut self, alias: &str, version: &str) {
        if self.shifted.take().is_some() {
            self.report.rollout = Some(RolloutEnd::Completed {
                alias: alias.to_owned(),
                version: version.to_owned(),
            });
        }
    }

    /// After a stop with weights set: moves the traffic back to the old version (always
    /// on an interrupt, on a failure unless `on_failure: hold`) and says in the report
    /// where the traffic is. An alias someone else moved is left alone.
    pub(crate) async fn end_rollout(&mut self, stop: Stop) -> Stop {
        let Some(s) = self.shifted.take() else {
            return stop;
        };
        let revert = match &stop {
            Stop::Cancelled => true,
            Stop::Stale { .. } => false,
            Stop::Failed(_) => s.on_failure == OnFailure::Rollback,
        };
        self.report.rollout = Some(if revert {
            self.in_flight = None;
            match self.revert(&s).await {
                Ok(()) => RolloutEnd::RolledBack {
                    alias: s.alias.clone(),
                    version: s.from_version.clone(),
                    new_version: s.new_version.clone(),
                },
                Err(error) => RolloutEnd::RollbackFailed {
                    alias: s.alias.clone(),
                    version: s.from_version.clone(),
                    new_version: s.new_version.clone(),
                    percent: s.percent,
                    error,
                },
            }
        } else if matches!(stop, Stop::Stale { .. }) {
            RolloutEnd::RollbackFailed {
                alias: s.alias.clone(),
                version: s.from_version.clone(),
                new_version: s.new_version.clone(),
                percent: s.percent,
                error: "the alias was changed by someone else during the rollout; left as it is"
                    .to_owned(),
            }
        } else {
            RolloutEnd::Held {
                alias: s.alias.clone(),
                version: s.from_version.clone(),
                new_version: s.new_version.clone(),
                percent: s.percent,
            }
        });
        stop
    }

    /// UpdateAlias back to the old version with no weights. Runs after an interrupt
    /// too, so it does not give way to cancellation; it is bounded by
    /// [`REVERT_ATTEMPTS`] and [`REVERT_TIMEOUT`] instead.
    async fn revert(&mut self, s: &Shifted) -> Result<(), String> {
        let api = self.api.clone();
        let limiter = self.limits.shared.clone();
        let input = AliasInput {
            function_name: self.plan.name.clone(),
            name: s.alias.clone(),
            function_version: s.from_version.clone(),
            revision_id: self.alias_revision.clone(),
            ..AliasInput::default()
        };
        let calls = &mut self.report.calls;
        let attempts = async {
            let mut last = String::new();
            for attempt in 1..=REVERT_ATTEMPTS {
                tokio::time::sleep_until(limiter.reserve()).await;
                *calls += 1;
                let err = match api.update_alias(input.clone()).await {
                    Ok(_) => return Ok(()),
                    Err(e) => e,
                };
                last = err.to_string();
                let class = ErrorClass::from(&err);
                if !class.is_retryable() {
                    return Err(last);
                }
                if class == ErrorClass::Transient
                    && let Ok(a) = api.get_alias(&input.function_name, &input.name).await
                    && routes(&a, &input.function_version, &BTreeMap::new())
                {
                    return Ok(());
                }
                let backoff = Duration::from_millis(250 << attempt.min(5));
                tokio::time::sleep(match class {
                    ErrorClass::Throttled(Some(after)) => after.max(backoff),
                    _ => backoff,
                })
                .await;
            }
            Err(last)
        };
        match tokio::time::timeout(REVERT_TIMEOUT, attempts).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "UpdateAlias did not succeed within {}s",
                REVERT_TIMEOUT.as_secs()
            )),
        }
    }
}

/// `text` in backticks, cut to [`QUOTE_MAX`] characters.
fn quote(text: &str) -> String {
    if text.chars().count() <= QUOTE_MAX {
        format!("`{text}`")
    } else {
        let cut: String = text.chars().take(QUOTE_MAX).collect();
        format!("`{cut}…`")
    }
}
