//! One function's run: the state carried between its steps and the retry loop every
//! mutation goes through.
//!
//! Each mutation starts from a stable read whose `RevisionId` must still be the one
//! Flotilla itself last verified (the plan's, then each of its own settled updates'):
//! that revision is what the mutation carries, so another writer's change is detected
//! at every step (a moved revision, or Lambda's 412), never adopted. Mutations are
//! paced on the shared limiter and retried by error class. When a mutation's outcome is
//! unknown (5xx, dropped connection) the function is re-read first and the retry
//! skipped if the change already landed.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::model::WaitPolicy;
use crate::plan::{Action, FunctionPlan};
use flotilla_cloud::lambda::{
    ApiError, ApiResult, CodeSource, ConfigField, FunctionInfo, LambdaApi, UpdateConfigInput,
};

use super::cancel::CancelLevel;
use super::context::ApplyContext;
use super::events::{Event, QUOTA_NOTICE};
use super::failure::FailureCause;
use super::report::{FunctionReport, Outcome, StaleAction};
use super::waiter::Goal;
use crate::pace::{AdaptiveLimiter, RegionLimiters};
use crate::retry::{Backoff, Decision, ErrorClass};

/// Why a function stopped before converging.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stop {
    Failed(FailureCause),
    Stale {
        live_revision_id: Option<String>,
        last_modified: Option<String>,
        message: String,
    },
    Cancelled,
}

/// What a mutation waits for and checks before each attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Nothing: the call does not conflict with updates (tags, concurrency).
    None,
    /// The function is stable (Lambda refuses alias changes during an update with 409).
    Stable,
    /// The function is stable and still as Flotilla last verified it; the call carries
    /// that `RevisionId`.
    Own,
}

/// How long a pacing wait may go on after the first interrupt.
pub(crate) const PACING_GRACE: Duration = Duration::from_secs(2);

/// How long the one re-read after an interrupt may take ([`FnRun::confirm_in_flight`]).
pub(crate) const CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);

/// A boxed API call, so steps can hand the retry loop a closure over their input.
pub(crate) type Call<'c, T> = Pin<Box<dyn Future<Output = ApiResult<T>> + Send + 'c>>;

/// How to tell, after an unknown outcome, whether a mutation already landed.
#[derive(Debug, Clone)]
pub(crate) enum Landed {
    /// `CodeSha256` (zip, or S3 with a known hash) or image URI, plus architecture.
    Code,
    /// Every field set in the input equals the live one.
    Config(Box<UpdateConfigInput>),
    /// A version with this `CodeSha256` exists.
    Publish(String),
    /// The alias points at this version.
    Alias { name: String, version: String },
    /// The alias points at `version` and routes exactly `routing` elsewhere.
    AliasRouting {
        name: String,
        version: String,
        routing: BTreeMap<String, f64>,
    },
    /// These tags are set.
    Tags(BTreeMap<String, String>),
    /// None of these tag keys is set.
    Untagged(Vec<String>),
    /// Reserved concurrency is this.
    Concurrency(Option<u32>),
    /// The function no longer exists.
    Deleted,
}

/// The state of one function's run.
pub(crate) struct FnRun<'a> {
    pub plan: &'a FunctionPlan,
    pub ctx: &'a ApplyContext,
    pub api: Arc<dyn LambdaApi>,
    pub limits: RegionLimiters,
    pub backoff: Backoff,
    pub wait: WaitPolicy,
    pub report: FunctionReport,
    /// The function's environment with secrets read (when a step needs it).
    pub env: Option<BTreeMap<String, String>>,
    /// The code to upload (when a step needs it).
    pub code: Option<CodeSource>,
    /// The share of the code-memory budget `code` holds, returned after the code step.
    pub code_permit: Option<tokio::sync::OwnedSemaphorePermit>,
    /// The last stable read, valid until the next mutation.
    pub fresh: Option<FunctionInfo>,
    /// The function ARN, once known.
    pub arn: Option<String>,
    /// Version published by this run.
    pub published: Option<String>,
    /// The function as Flotilla last verified it: the read that matched the plan's
    /// `RevisionId`, then the settled result of each of its own updates. Every
    /// revision-checked mutation carries this read's `RevisionId`.
    pub own: Option<FunctionInfo>,
    /// The mutation of the current step once it was sent, with how to tell it landed:
    /// after an interrupt abandons the wait for it, one re-read says what the report
    /// may claim ([`FnRun::confirm_in_flight`]).
    pub in_flight: Option<Landed>,
    /// The alias's `RevisionId` after this run's last move of it, during a rollout.
    pub alias_revision: Option<String>,
    /// The traffic a rollout moved so far, until the final move lands.
    pub shifted: Option<super::rollout::Shifted>,
}

impl FnRun<'_> {
    pub(crate) fn emit(&self, event: Event) {
        self.ctx.events.event(&event);
    }

    pub(crate) fn count_retry(&mut self, class: &str) {
        *self.report.retries.entry(class.to_owned()).or_default() += 1;
    }

    pub(crate) fn note_read(&mut self, info: &FunctionInfo) {
        if !info.arn.is_empty() {
            self.arn = Some(info.arn.clone());
        }
    }

    /// Sleeps, unless a hard cancel comes first.
    pub(crate) async fn pause(&mut self, d: Duration) -> Result<(), Stop> {
        if d.is_zero() {
            return if self.ctx.cancel.is_hard() {
                Err(Stop::Cancelled)
            } else {
                Ok(())
            };
        }
        tokio::select! {
            () = tokio::time::sleep(d) => Ok(()),
            () = self.ctx.cancel.reached(CancelLevel::Hard) => Err(Stop::Cancelled),
        }
    }

    /// Waits for a slot on `limiter`, unless a hard cancel comes first, or a soft one
    /// and then [`PACING_GRACE`]: at a slow rate a slot can be many minutes away, and
    /// the first interrupt must end that wait promptly while letting a step whose next
    /// call is due soon finish.
    pub(crate) async fn paced(&mut self, limiter: &Arc<AdaptiveLimiter>) -> Result<(), Stop> {
        let cancel = &self.ctx.cancel;
        let at = limiter.reserve();
        let events = self.ctx.events.clone();
        let key = self.plan.key.clone();
        // Sleeps until the slot, saying so at the start of a long wait and again every
        // QUOTA_NOTICE while it lasts.
        let slot = async move {
            loop {
                let left = at.saturating_duration_since(Instant::now());
                if left < QUOTA_NOTICE {
                    tokio::time::sleep_until(at).await;
                    return;
                }
                events.event(&Event::WaitingForQuota {
                    key: key.clone(),
                    left,
                });
                tokio::time::sleep(QUOTA_NOTICE).await;
            }
        };
        tokio::select! {
            () = slot => {
                self.report.calls += 1;
                Ok(())
            }
            () = cancel.reached(CancelLevel::Hard) => Err(Stop::Cancelled),
            () = async {
                cancel.reached(CancelLevel::Soft).await;
                tokio::time::sleep(PACING_GRACE).await;
            } => Err(Stop::Cancelled),
        }
    }

    /// The stable state a mutation starts from: the last read if still valid, else a wait.
    pub(crate) async fn stable(&mut self) -> Result<FunctionInfo, Stop> {
        match self.fresh.clone() {
            Some(info) => Ok(info),
            None => self.wait_for(Goal::Stable).await,
        }
    }

    /// The `CodeSha256` the artifact must have, when it is known before upload.
    pub(crate) fn expected_sha(&self) -> Option<String> {
        match &self.plan.artifact {
            crate::artifact::ArtifactDigest::Zip { code_sha256, .. } => Some(code_sha256.clone()),
            crate::artifact::ArtifactDigest::S3 { code_sha256, .. } => code_sha256.clone(),
            crate::artifact::ArtifactDigest::Image { .. } => None,
        }
    }

    /// Turns a stale observation into the outcome the caller acts on.
    pub(crate) fn stale(&self, info: Option<&FunctionInfo>, what: &str) -> Stop {
        let live_revision_id = info.and_then(|i| i.revision_id.clone());
        let last_modified = info.map(|i| i.last_modified.clone());
        let facts = match info {
            Some(i) => format!(
                "live RevisionId {}, LastModified {}",
                i.revision_id.as_deref().unwrap_or("(none)"),
                if i.last_modified.is_empty() {
                    "(unknown)"
                } else {
                    &i.last_modified
                }
            ),
            None => "the function does not exist".to_owned(),
        };
        Stop::Stale {
            live_revision_id,
            last_modified,
            message: format!(
                "{what} ({facts}; {}); not changing it",
                self.expected_revision()
            ),
        }
    }

    /// The revision Flotilla expected, as a stale message names it.
    fn expected_revision(&self) -> String {
        match (&self.own, &self.plan.observed_revision_id) {
            (Some(own), _) if own.revision_id.is_some() && self.own_is_newer() => format!(
                "Flotilla's own last RevisionId {}",
                own.revision_id.as_deref().unwrap_or_default()
            ),
            (_, Some(planned)) => format!("plan observed {planned}"),
            (_, None) => "plan observed no function".to_owned(),
        }
    }

    fn own_is_newer(&self) -> bool {
        self.own
            .as_ref()
            .is_some_and(|o| o.revision_id != self.plan.observed_revision_id)
    }

    /// Refuses to build on a function that moved since Flotilla last verified it: its
    /// `RevisionId` changed (or, where the API has none, its code or configuration).
    pub(crate) fn check_own(&self, info: &FunctionInfo, op: &str) -> Result<(), Stop> {
        let Some(own) = &self.own else {
            return Ok(());
        };
        let moved = match (&own.revision_id, &info.revision_id) {
            (Some(mine), Some(live)) => mine != live,
            _ => own.code_sha256 != info.code_sha256 || own.config != info.config,
        };
        if moved {
            return Err(self.stale(
                Some(info),
                &format!(
                    "contended: another writer changed the function during apply, before {op}"
                ),
            ));
        }
        Ok(())
    }

    /// Reads the function once for facts, without failing if the read fails.
    pub(crate) async fn probe(&mut self) -> Option<FunctionInfo> {
        let limiter = self.limits.get_function.clone();
        self.paced(&limiter).await.ok()?;
        let info = self.api.get_function(&self.plan.name).await.ok();
        if let Some(i) = &info {
            self.note_read(i);
        }
        info
    }

    /// One paced call; any mutation invalidates the last read.
    /// `Err(Stop)` only for a hard cancel while waiting for the slot.
    pub(crate) async fn attempt<'c, T>(
        &mut self,
        call: Call<'c, T>,
    ) -> Result<Result<T, ApiError>, Stop> {
        let limiter = self.limits.shared.clone();
        self.paced(&limiter).await?;
        self.fresh = None;
        let result = call.await;
        if result.is_ok() {
            limiter.on_success();
        }
        Ok(result)
    }

    /// What to do after attempt number `attempt` failed with `err`: stop (fatal, 412,
    /// attempts used up, cancelled) or back off and return the error's class so the
    /// caller can run its landed check before the next attempt.
    pub(crate) async fn after_error(
        &mut self,
        op: &'static str,
        err: &ApiError,
        attempt: u32,
    ) -> Result<ErrorClass, Stop> {
        let class = ErrorClass::from(err);
        let delay = match self.backoff.decide(class, attempt) {
            Decision::RetryAfter(delay) => delay,
            Decision::Fatal if class == ErrorClass::Precondition => {
                let info = self.probe().await;
                return Err(self.stale(
                    info.as_ref(),
                    &format!(
                        "{op} got 412 PreconditionFailed: another writer changed the function during apply"
                    ),
                ));
            }
            Decision::Fatal => return Err(Stop::Failed(FailureCause::api(op, err))),
            Decision::GiveUp => {
                return Err(Stop::Failed(FailureCause::gave_up(op, attempt, err)));
            }
        };
        if self.ctx.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        self.count_retry(err.class());
        if let ErrorClass::Throttled(after) = class {
            self.limits.shared.on_throttle(after);
        }
        self.emit(Event::Retrying {
            key: self.plan.key.clone(),
            op,
            class: err.class(),
            attempt,
            delay,
        });
        let slept = Instant::now();
        self.pause(delay).await?;
        self.report.backoff_ms +=
            u64::try_from((Instant::now() - slept).as_millis()).unwrap_or(u64::MAX);
        Ok(class)
    }

    /// Runs one mutation with pacing, retries and the landed check.
    ///
    /// Returns `Ok(None)` when the mutation's response was lost but it had landed.
    pub(crate) async fn mutate<'c, T>(
        &mut self,
        op: &'static str,
        guard: Guard,
        landed: Option<&Landed>,
        mut call: impl FnMut(Option<String>) -> Call<'c, T>,
    ) -> Result<Option<T>, Stop> {
        let mut attempt = 0u32;
        // Set once an attempt's outcome was unknown: from then on, a retry is preceded
        // by a check that the change is not live already (a 409 may be our own change).
        let mut unknown = false;
        loop {
            attempt += 1;
            let revision = match guard {
                Guard::None => None,
                Guard::Stable => {
                    self.stable().await?;
                    None
                }
                Guard::Own => {
                    let info = self.stable().await?;
                    self.check_own(&info, op)?;
                    info.revision_id
                }
            };
            if let Some(landed) = landed {
                self.in_flight = Some(landed.clone());
            }
            let err = match self.attempt(call(revision)).await? {
                Ok(v) => return Ok(Some(v)),
                Err(e) => e,
            };
            let class = self.after_error(op, &err, attempt).await?;
            unknown |= class == ErrorClass::Transient;
            if let (true, Some(landed)) = (unknown, landed)
                && self.has_landed(landed).await?
            {
                self.mark_landed(op);
                return Ok(None);
            }
        }
    }

    /// After an interrupt: whether the step whose mutation was sent landed, from one
    /// re-read outside pacing and retries (bounded by [`CONFIRM_TIMEOUT`]). A landed
    /// step moves from `interrupted_step` to `steps_done`, so the report never says a
    /// change that is live did not happen; when the read fails the step stays
    /// interrupted.
    pub(crate) async fn confirm_in_flight(&mut self) {
        let Some(landed) = self.in_flight.take() else {
            return;
        };
        let name = self.plan.name.clone();
        let api = self.api.clone();
        self.report.calls += 1;
        let read = async {
            match &landed {
                Landed::Deleted => match api.get_function(&name).await {
                    Err(flotilla_cloud::lambda::ApiError::NotFound { .. }) => Some(true),
                    Ok(_) => Some(false),
                    Err(_) => None,
                },
                Landed::Publish(sha) => api.list_versions(&name).await.ok().map(|versions| {
                    versions
                        .iter()
                        .any(|v| v.version != "$LATEST" && &v.code_sha256 == sha)
                }),
                Landed::Alias {
                    name: alias,
                    version,
                } => api
                    .get_alias(&name, alias)
                    .await
                    .ok()
                    .map(|a| &a.function_version == version),
                Landed::AliasRouting {
                    name: alias,
                    version,
                    routing,
                } => api
                    .get_alias(&name, alias)
                    .await
                    .ok()
                    .map(|a| super::rollout::routes(&a, version, routing)),
                other => api
                    .get_function(&name)
                    .await
                    .ok()
                    .map(|info| self.landed_in(other, &info)),
            }
        };
        let landed = tokio::time::timeout(CONFIRM_TIMEOUT, read)
            .await
            .ok()
            .flatten();
        if landed == Some(true)
            && let Some(step) = self.report.interrupted_step.take()
        {
            self.report.steps_done.push(step);
        }
    }

    pub(crate) fn mark_landed(&mut self, op: &'static str) {
        self.report.landed_after_unknown += 1;
        self.emit(Event::Landed {
            key: self.plan.key.clone(),
            step: op,
        });
    }

    /// After an unknown outcome: waits until stable, then checks whether the change is live.
    async fn has_landed(&mut self, landed: &Landed) -> Result<bool, Stop> {
        if let Landed::Deleted = landed {
            return Ok(self.read_function().await?.is_none());
        }
        let info = self.wait_for(Goal::Stable).await?;
        if matches!(
            info.last_update_status,
            Some(flotilla_cloud::lambda::LastUpdateStatus::Failed)
        ) && matches!(landed, Landed::Code | Landed::Config(_))
            && self.landed_in(landed, &info)
        {
            return Err(Stop::Failed(FailureCause::update_failed(&info)));
        }
        match landed {
            Landed::Publish(sha) => {
                let versions = self.versions().await?;
                let found = versions
                    .iter()
                    .filter(|v| v.version != "$LATEST" && &v.code_sha256 == sha)
                    .max_by_key(|v| v.version.parse::<u64>().unwrap_or(0));
                if let Some(v) = found {
                    self.published = Some(v.version.clone());
                    return Ok(true);
                }
                Ok(false)
            }
            Landed::Alias { name, version } => {
                let alias = self.alias_now(name).await?;
                Ok(alias.is_some_and(|a| &a.function_version == version))
            }
            Landed::AliasRouting {
                name,
                version,
                routing,
            } => {
                let alias = self.alias_now(name).await?;
                Ok(alias.is_some_and(|a| super::rollout::routes(&a, version, routing)))
            }
            other => Ok(self.landed_in(other, &info)),
        }
    }

    /// Whether a change visible in a `GetFunction` read is live.
    pub(crate) fn landed_in(&self, landed: &Landed, info: &FunctionInfo) -> bool {
        let d = &self.plan.desired;
        match landed {
            Landed::Code => {
                let code = match &self.plan.artifact {
                    crate::artifact::ArtifactDigest::Image { uri } => {
                        info.image_uri.as_deref() == Some(uri.as_str())
                    }
                    _ => self.expected_sha().is_some_and(|s| s == info.code_sha256),
                };
                code && info.config.architecture == d.config.architecture
            }
            Landed::Config(input) => config_matches(input, info),
            Landed::Tags(tags) => tags.iter().all(|(k, v)| info.tags.get(k) == Some(v)),
            Landed::Untagged(keys) => keys.iter().all(|k| !info.tags.contains_key(k)),
            Landed::Concurrency(c) => info.reserved_concurrency == *c,
            Landed::Publish(_)
            | Landed::Alias { .. }
            | Landed::AliasRouting { .. }
            | Landed::Deleted => false,
        }
    }

    /// A read on the shared quota, retried on throttling and transient errors.
    /// `Ok(None)` when the resource is not found.
    pub(crate) async fn read<'c, T>(
        &mut self,
        op: &'static str,
        mut call: impl FnMut() -> Call<'c, T>,
    ) -> Result<Option<T>, Stop> {
        let mut attempt = 0u32;
        let limiter = match op {
            "GetFunction" => self.limits.get_function.clone(),
            "DescribeAlarms" => self.limits.cloudwatch.clone(),
            _ => self.limits.shared.clone(),
        };
        loop {
            attempt += 1;
            self.paced(&limiter).await?;
            match call().await {
                Ok(v) => {
                    limiter.on_success();
                    return Ok(Some(v));
                }
                Err(ApiError::NotFound { .. }) => return Ok(None),
                Err(e) => {
                    let class = ErrorClass::from(&e);
                    let delay = match self.backoff.decide(class, attempt) {
                        Decision::RetryAfter(delay) => delay,
                        Decision::Fatal => return Err(Stop::Failed(FailureCause::api(op, &e))),
                        Decision::GiveUp => {
                            return Err(Stop::Failed(FailureCause::gave_up(op, attempt, &e)));
                        }
                    };
                    self.count_retry(e.class());
                    if let ErrorClass::Throttled(after) = class {
                        limiter.on_throttle(after);
                    }
                    self.pause(delay).await?;
                }
            }
        }
    }

    /// The function's versions (`$LATEST` included), read with retries.
    pub(crate) async fn versions(
        &mut self,
    ) -> Result<Vec<flotilla_cloud::lambda::VersionInfo>, Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        Ok(self
            .read("ListVersionsByFunction", || {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { api.list_versions(&name).await })
            })
            .await?
            .unwrap_or_default())
    }

    /// The alias as it is now, if it exists, read with retries.
    pub(crate) async fn alias_now(
        &mut self,
        alias: &str,
    ) -> Result<Option<flotilla_cloud::lambda::AliasInfo>, Stop> {
        let api = self.api.clone();
        let function = self.plan.name.clone();
        let alias = alias.to_owned();
        self.read("GetAlias", || {
            let api = api.clone();
            let function = function.clone();
            let alias = alias.clone();
            Box::pin(async move { api.get_alias(&function, &alias).await })
        })
        .await
    }

    /// GetFunction with retries; `Ok(None)` when the function does not exist.
    pub(crate) async fn read_function(&mut self) -> Result<Option<FunctionInfo>, Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let info = self
            .read("GetFunction", || {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { api.get_function(&name).await })
            })
            .await?;
        if let Some(i) = &info {
            self.note_read(i);
        }
        Ok(info)
    }
}

/// The result of a delete whose target is already gone (404: deleted by someone else,
/// or by our own earlier attempt whose response was lost): that is what was wanted.
pub(crate) fn gone_is_done(result: ApiResult<()>) -> ApiResult<()> {
    match result {
        Err(ApiError::NotFound { .. }) => Ok(()),
        other => other,
    }
}

/// True when every field the input sets equals the live configuration.
pub(crate) fn config_matches(input: &UpdateConfigInput, info: &FunctionInfo) -> bool {
    config_mismatches(input, info).is_empty()
}

/// The fields set in `input` whose live values differ (names as plans show them;
/// environment values are never named, only the key set as a whole).
pub(crate) fn config_mismatches(
    input: &UpdateConfigInput,
    info: &FunctionInfo,
) -> Vec<&'static str> {
    input
        .mismatches(&info.config)
        .into_iter()
        .map(ConfigField::name)
        .collect()
}

/// The configuration fields whose values differ between two reads (names as plans
/// show them; environment values are never named).
pub(crate) fn differing_fields(
    a: &flotilla_cloud::lambda::FunctionConfig,
    b: &flotilla_cloud::lambda::FunctionConfig,
) -> Vec<&'static str> {
    a.changed_fields(b)
        .into_iter()
        .map(ConfigField::name)
        .collect()
}

/// The fields an `UpdateFunctionConfiguration` input sets.
pub(crate) fn sent_fields(input: &UpdateConfigInput) -> Vec<&'static str> {
    input.fields.iter().map(|f| f.name()).collect()
}

impl Stop {
    /// The report outcome for this stop.
    pub(crate) fn into_outcome(self, plan: &FunctionPlan, refresh: bool) -> Outcome {
        match self {
            Stop::Failed(cause) => Outcome::Failed { cause },
            Stop::Cancelled => Outcome::Cancelled,
            Stop::Stale {
                live_revision_id,
                last_modified,
                message,
            } if plan.action == Action::Delete => Outcome::Stale {
                planned_revision_id: plan.observed_revision_id.clone(),
                live_revision_id,
                last_modified,
                // Re-planning cannot bring back a function the manifest no longer has.
                action: StaleAction::Refused,
                message: format!(
                    "{message}; not deleted: look at it, then run `flotilla plan --prune` again"
                ),
            },
            Stop::Stale {
                live_revision_id,
                last_modified,
                message,
            } => Outcome::Stale {
                planned_revision_id: plan.observed_revision_id.clone(),
                live_revision_id,
                last_modified,
                action: if refresh {
                    StaleAction::Replan
                } else {
                    StaleAction::Refused
                },
                message: if refresh {
                    format!("{message}; re-planning it from scratch")
                } else {
                    format!("{message}; run `flotilla plan` again (or apply with --refresh)")
                },
            },
        }
    }
}
