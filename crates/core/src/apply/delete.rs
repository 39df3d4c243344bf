//! The `DeleteFunction` step of a managed function that left the manifest, and the
//! `DeleteFailedFunction` step that starts the replacement of a function whose creation
//! failed.
//!
//! The plan saw the function tagged for this manifest and environment; the executor
//! already refused it if its `RevisionId` moved since. Right before deleting, its tags
//! are read again (ListTags): a function someone re-tagged or adopted elsewhere is
//! refused as stale, never deleted.

use std::collections::BTreeMap;

use flotilla_cloud::lambda::FunctionStateKind;

use super::failure::FailureCause;
use super::run::{FnRun, Guard, Landed, Stop};
use super::waiter::{Goal, poll_interval};

impl FnRun<'_> {
    pub(crate) async fn delete_function(
        &mut self,
        owner_tags: &BTreeMap<String, String>,
    ) -> Result<(), Stop> {
        let arn = self.arn().await?;
        let api = self.api.clone();
        let tags = self
            .read("ListTags", || {
                let api = api.clone();
                let arn = arn.clone();
                Box::pin(async move { api.list_tags(&arn).await })
            })
            .await?;
        let Some(tags) = tags else {
            return Err(self.stale(None, "the function was deleted since the plan"));
        };
        let lost: Vec<String> = owner_tags
            .iter()
            .filter(|(k, v)| tags.get(*k) != Some(*v))
            .map(|(k, v)| match tags.get(k) {
                Some(now) => format!("{k} is now {now:?}, not {v:?}"),
                None => format!("{k} {v:?} was removed"),
            })
            .collect();
        if !lost.is_empty() {
            let info = self.fresh.clone();
            return Err(self.stale(
                info.as_ref(),
                &format!(
                    "its ownership tags changed since the plan ({})",
                    lost.join("; ")
                ),
            ));
        }
        let name = self.plan.name.clone();
        self.mutate(
            "DeleteFunction",
            Guard::Own,
            Some(&Landed::Deleted),
            move |_| {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { api.delete_function(&name).await })
            },
        )
        .await?;
        Ok(())
    }
}

impl FnRun<'_> {
    /// The first step of a replacement: deletes a function whose creation failed (it
    /// must still be `Failed`, else someone repaired it and the plan is stale), then
    /// polls until GetFunction no longer finds it, so CreateFunction can follow.
    pub(crate) async fn delete_failed_function(&mut self) -> Result<(), Stop> {
        let info = match self.fresh.clone() {
            Some(info) => Some(info),
            None => self.read_function().await?,
        };
        let Some(info) = info else {
            return Err(self.stale(None, "the function was deleted since the plan"));
        };
        if !matches!(info.state, Some(FunctionStateKind::Failed)) {
            return Err(self.stale(
                Some(&info),
                "the function is no longer in state Failed (someone repaired it since the plan)",
            ));
        }
        let api = self.api.clone();
        let name = self.plan.name.clone();
        self.mutate(
            "DeleteFunction",
            Guard::Own,
            Some(&Landed::Deleted),
            move |_| {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { api.delete_function(&name).await })
            },
        )
        .await?;
        self.fresh = None;
        self.own = None;
        self.wait_gone().await
    }

    /// Polls GetFunction until the function is gone, within the wait timeout.
    async fn wait_gone(&mut self) -> Result<(), Stop> {
        let deadline = tokio::time::Instant::now() + self.wait.timeout;
        for n in 0u32.. {
            if self.read_function().await?.is_none() {
                return Ok(());
            }
            let delay = poll_interval(Goal::Updated, n);
            if tokio::time::Instant::now() + delay > deadline {
                return Err(Stop::Failed(FailureCause::TimedOut {
                    waiting_for: "the failed function to be deleted".to_owned(),
                    timeout_ms: u64::try_from(self.wait.timeout.as_millis()).unwrap_or(u64::MAX),
                    last_seen: "the function still exists".to_owned(),
                }));
            }
            self.pause(delay).await?;
        }
        Ok(())
    }
}
