//! The `DeleteFunction` step of a managed function that left the manifest.
//!
//! The plan saw the function tagged for this manifest and environment; the executor
//! already refused it if its `RevisionId` moved since. Right before deleting, its tags
//! are read again (ListTags): a function someone re-tagged or adopted elsewhere is
//! refused as stale, never deleted.

use std::collections::BTreeMap;

use super::run::{FnRun, Guard, Landed, Stop};

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
