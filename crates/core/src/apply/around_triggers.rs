//! Applying `triggers` and `keep_versions`: the event source mapping calls with their
//! waits, and the deletion of old versions once the new one is live.
//!
//! After each mapping change apply polls GetEventSourceMapping (on the region's shared
//! limiter, like every control-plane read, at the waiter's growing intervals, bounded
//! by the function's `wait.timeout`) until the mapping leaves its transitional state.
//! It must end `Enabled` (`Disabled` for `enabled: false`) with no problem reported;
//! otherwise the function fails with Lambda's reason.

use std::time::Duration;

use tokio::time::Instant;

use crate::observe::LiveAround;
use crate::plan::around_triggers::versions_to_delete;
use flotilla_cloud::lambda::{
    ApiError, CreateMappingInput, MappingInfo, MappingSettings, UpdateMappingInput,
};

use super::failure::FailureCause;
use super::run::{Call, FnRun, Stop};
use super::waiter::{Goal, poll_interval};

/// What a mapping wait waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    /// `Enabled`.
    Enabled,
    /// `Disabled`.
    Disabled,
    /// Gone.
    Deleted,
}

impl Settle {
    fn of(enabled: bool) -> Settle {
        if enabled {
            Settle::Enabled
        } else {
            Settle::Disabled
        }
    }

    fn state(self) -> &'static str {
        match self {
            Settle::Enabled => "Enabled",
            Settle::Disabled => "Disabled",
            Settle::Deleted => "deleted",
        }
    }
}

impl FnRun<'_> {
    /// CreateEventSourceMapping, then the wait. A 409 means a mapping of this function
    /// and source exists already (our own, when an earlier attempt's response was lost):
    /// it is adopted and waited on.
    pub(crate) async fn create_mapping(
        &mut self,
        trigger: &str,
        function: &str,
        source: &str,
        enabled: bool,
        settings: &MappingSettings,
    ) -> Result<(), Stop> {
        const OP: &str = "CreateEventSourceMapping";
        let input = CreateMappingInput {
            function_name: function.to_owned(),
            event_source_arn: source.to_owned(),
            enabled,
            settings: settings.clone(),
        };
        let mut attempt = 0u32;
        let uuid = loop {
            attempt += 1;
            let call: Call<'static, MappingInfo> = {
                let api = self.api.clone();
                let input = input.clone();
                Box::pin(async move { api.create_event_source_mapping(input).await })
            };
            let err = match self.attempt(call).await? {
                Ok(m) => break m.uuid,
                Err(e) => e,
            };
            if matches!(
                err,
                ApiError::Conflict { .. } | ApiError::AlreadyExists { .. }
            ) && let Some(m) = self.mapping_of(function, source).await?
            {
                break m.uuid;
            }
            self.after_error(OP, &err, attempt).await?;
        };
        self.settle_mapping(trigger, &uuid, Settle::of(enabled))
            .await
    }

    /// UpdateEventSourceMapping of `uuid` once it is not changing, then the wait.
    pub(crate) async fn update_mapping(
        &mut self,
        trigger: &str,
        uuid: &str,
        enabled: Option<bool>,
        settings: &MappingSettings,
    ) -> Result<(), Stop> {
        const OP: &str = "UpdateEventSourceMapping";
        let Some(now) = self.wait_mapping(uuid, None).await? else {
            return Err(self.stale(
                None,
                &format!("the event source mapping {uuid} of trigger `{trigger}` was deleted since the plan"),
            ));
        };
        let input = UpdateMappingInput {
            uuid: uuid.to_owned(),
            function_name: None,
            enabled,
            settings: settings.clone(),
        };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let call: Call<'static, MappingInfo> = {
                let api = self.api.clone();
                let input = input.clone();
                Box::pin(async move { api.update_event_source_mapping(input).await })
            };
            match self.attempt(call).await? {
                Ok(_) => break,
                Err(e) => {
                    self.after_error(OP, &e, attempt).await?;
                }
            }
        }
        let want =
            enabled.unwrap_or_else(|| crate::model::around_triggers::state_enabled(&now.state));
        self.settle_mapping(trigger, uuid, Settle::of(want)).await
    }

    /// DeleteEventSourceMapping (a mapping already gone is fine), then the wait until it
    /// is gone.
    pub(crate) async fn delete_mapping(&mut self, uuid: &str, source: &str) -> Result<(), Stop> {
        const OP: &str = "DeleteEventSourceMapping";
        if self.wait_mapping(uuid, None).await?.is_none() {
            return Ok(());
        }
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let call: Call<'static, MappingInfo> = {
                let api = self.api.clone();
                let uuid = uuid.to_owned();
                Box::pin(async move { api.delete_event_source_mapping(&uuid).await })
            };
            match self.attempt(call).await? {
                Ok(_) | Err(ApiError::NotFound { .. }) => break,
                Err(e) => {
                    self.after_error(OP, &e, attempt).await?;
                }
            }
        }
        self.settle_mapping(source, uuid, Settle::Deleted).await
    }

    /// The live mapping of `function` and `source`, if any.
    async fn mapping_of(
        &mut self,
        function: &str,
        source: &str,
    ) -> Result<Option<MappingInfo>, Stop> {
        let api = self.api.clone();
        let function = function.to_owned();
        let all = self
            .read("ListEventSourceMappings", || {
                let api = api.clone();
                let function = function.clone();
                Box::pin(async move { api.list_event_source_mappings(&function).await })
            })
            .await?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .find(|m| m.event_source_arn == source && m.state != "Deleting"))
    }

    /// One GetEventSourceMapping; `None` when the mapping does not exist.
    async fn read_mapping(&mut self, uuid: &str) -> Result<Option<MappingInfo>, Stop> {
        let api = self.api.clone();
        let uuid = uuid.to_owned();
        self.read("GetEventSourceMapping", || {
            let api = api.clone();
            let uuid = uuid.clone();
            Box::pin(async move { api.get_event_source_mapping(&uuid).await })
        })
        .await
    }

    /// Polls `uuid` until it leaves its transitional state (or is gone); `goal`
    /// `Deleted` waits until it is gone. Returns the last read.
    async fn wait_mapping(
        &mut self,
        uuid: &str,
        goal: Option<Settle>,
    ) -> Result<Option<MappingInfo>, Stop> {
        let timeout = Duration::from_millis(self.plan.wait.timeout_ms);
        let started = Instant::now();
        let mut n = 0u32;
        loop {
            let read = self.read_mapping(uuid).await?;
            let settled = match (&read, goal) {
                (None, _) => true,
                (Some(_), Some(Settle::Deleted)) => false,
                (Some(m), _) => !m.is_transitional(),
            };
            if settled {
                return Ok(read);
            }
            if started.elapsed() >= timeout {
                return Err(Stop::Failed(FailureCause::TimedOut {
                    waiting_for: format!(
                        "event source mapping {uuid} to become {}",
                        goal.map_or("stable", Settle::state)
                    ),
                    timeout_ms: self.plan.wait.timeout_ms,
                    last_seen: read
                        .map_or_else(|| "(gone)".to_owned(), |m| format!("State={}", m.state)),
                }));
            }
            n += 1;
            self.pause(poll_interval(Goal::Updated, n.saturating_sub(1)))
                .await?;
        }
    }

    /// Waits for a change of `uuid` to settle as `goal`; anything else fails the
    /// function with Lambda's reason.
    async fn settle_mapping(
        &mut self,
        trigger: &str,
        uuid: &str,
        goal: Settle,
    ) -> Result<(), Stop> {
        let last = self.wait_mapping(uuid, Some(goal)).await?;
        let fail = |state: &str, reason: String| {
            Stop::Failed(FailureCause::TriggerFailed {
                trigger: trigger.to_owned(),
                uuid: uuid.to_owned(),
                state: state.to_owned(),
                reason,
            })
        };
        match (goal, last) {
            (Settle::Deleted, None) => Ok(()),
            (Settle::Deleted, Some(m)) => {
                Err(fail(&m.state, "the mapping was not deleted".to_owned()))
            }
            (_, None) => Err(fail(
                "gone",
                "the mapping disappeared while it was being changed".to_owned(),
            )),
            (goal, Some(m)) => {
                if let Some(problem) = m.problem() {
                    return Err(fail(&m.state, problem));
                }
                if m.state != goal.state() {
                    let reason = m
                        .state_transition_reason
                        .clone()
                        .or(m.last_processing_result.clone())
                        .unwrap_or_else(|| format!("it ended {}, not {}", m.state, goal.state()));
                    return Err(fail(&m.state, reason));
                }
                Ok(())
            }
        }
    }

    /// Deletes the versions of `planned` that are, now that the new version is live,
    /// still beyond the newest `keep` and routed to by no alias (a version an alias
    /// moved to since the plan, or a newer one, stays).
    pub(crate) async fn delete_versions(
        &mut self,
        keep: u32,
        planned: &[String],
    ) -> Result<(), Stop> {
        let versions = self.versions().await?;
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let aliases = self
            .read("ListAliases", || {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { api.list_aliases(&name).await })
            })
            .await?
            .unwrap_or_default();
        let live = LiveAround {
            mappings: None,
            versions: Some(versions),
            aliases: Some(aliases),
            provisioned: None,
        };
        let now = versions_to_delete(keep, &live, false);
        for version in planned.iter().filter(|v| now.contains(v)) {
            self.delete_version(version).await?;
        }
        Ok(())
    }

    /// DeleteFunction with `Qualifier`: gone already is fine; a 409 (an alias or
    /// provisioned concurrency uses it now) leaves it.
    async fn delete_version(&mut self, version: &str) -> Result<(), Stop> {
        const OP: &str = "DeleteFunction";
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let call: Call<'static, ()> = {
                let api = self.api.clone();
                let name = self.plan.name.clone();
                let version = version.to_owned();
                Box::pin(async move { api.delete_function_version(&name, &version).await })
            };
            match self.attempt(call).await? {
                Ok(()) | Err(ApiError::NotFound { .. }) => return Ok(()),
                Err(ApiError::Conflict { .. }) => return Ok(()),
                Err(e) => {
                    self.after_error(OP, &e, attempt).await?;
                }
            }
        }
    }
}
