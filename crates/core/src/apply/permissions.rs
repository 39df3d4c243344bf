//! Apply of the permission steps: RemovePermission and AddPermission, each passing the
//! policy's `RevisionId` from a GetPolicy just before, paced through the region's
//! limiter and retried by the function's policy. A 412 (someone changed the policy
//! between the read and the change) re-reads the policy and retries once.

use flotilla_cloud::lambda::{
    AddPermissionInput, ApiError, Permission, PolicyInfo, RemovePermissionInput,
};

use crate::observe::permissions::parse_policy;
use crate::retry::ErrorClass;

use super::failure::FailureCause;
use super::run::{Call, FnRun, Stop};

impl FnRun<'_> {
    /// The live policy of `qualifier` (`None` when there is none), paced and retried.
    async fn read_policy(&mut self, qualifier: Option<&str>) -> Result<Option<PolicyInfo>, Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let q = qualifier.map(str::to_owned);
        self.read("GetPolicy", || {
            let api = api.clone();
            let name = name.clone();
            let q = q.clone();
            Box::pin(async move { api.get_policy(&name, q.as_deref()).await })
        })
        .await
    }

    /// Whether the statement `sid` is live as `want` (`None`: absent).
    async fn statement_is(
        &mut self,
        qualifier: Option<&str>,
        sid: &str,
        want: Option<&Permission>,
    ) -> Result<bool, Stop> {
        let live = self.read_policy(qualifier).await?.map(|p| parse_policy(&p));
        let found = live
            .iter()
            .flat_map(|p| p.statements.iter())
            .find(|s| s.permission.sid == sid)
            .map(|s| &s.permission);
        Ok(found == want)
    }

    /// One policy change: read the `RevisionId`, send, retry (a 412 once, after a
    /// re-read); after an unknown outcome, a re-read tells whether it landed.
    async fn change_policy(
        &mut self,
        op: &'static str,
        qualifier: Option<&str>,
        sid: &str,
        want: Option<&Permission>,
        mut call: impl FnMut(Option<String>) -> Call<'static, ()>,
    ) -> Result<(), Stop> {
        let mut attempt = 0u32;
        let mut reread = false;
        let mut unknown = false;
        loop {
            attempt += 1;
            let revision = self
                .read_policy(qualifier)
                .await?
                .and_then(|p| p.revision_id);
            let err = match self.attempt(call(revision)).await? {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            match &err {
                ApiError::PreconditionFailed { .. } if !reread => {
                    reread = true;
                    continue;
                }
                ApiError::PreconditionFailed { .. } => {
                    return Err(Stop::Failed(FailureCause::api(op, &err)));
                }
                // A removal whose statement is gone already (our own lost response, or
                // someone else's removal): the policy is as planned.
                ApiError::NotFound { .. } if want.is_none() => return Ok(()),
                _ => {}
            }
            if unknown && matches!(err, ApiError::AlreadyExists { .. }) {
                // Our own addition, landed although its response was lost.
                if self.statement_is(qualifier, sid, want).await? {
                    return Ok(());
                }
            }
            let class = self.after_error(op, &err, attempt).await?;
            unknown |= class == ErrorClass::Transient;
            if unknown && self.statement_is(qualifier, sid, want).await? {
                return Ok(());
            }
        }
    }

    /// RemovePermission of `sid`.
    pub(crate) async fn remove_permission(
        &mut self,
        qualifier: Option<&str>,
        sid: &str,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let base = RemovePermissionInput {
            function_name: self.plan.name.clone(),
            qualifier: qualifier.map(str::to_owned),
            sid: sid.to_owned(),
            revision_id: None,
        };
        self.change_policy("RemovePermission", qualifier, sid, None, move |revision| {
            let api = api.clone();
            let input = RemovePermissionInput {
                revision_id: revision,
                ..base.clone()
            };
            Box::pin(async move { api.remove_permission(input).await })
        })
        .await
    }

    /// AddPermission of `permission`.
    pub(crate) async fn add_permission(
        &mut self,
        qualifier: Option<&str>,
        permission: &Permission,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let base = AddPermissionInput {
            function_name: self.plan.name.clone(),
            qualifier: qualifier.map(str::to_owned),
            permission: permission.clone(),
            revision_id: None,
        };
        self.change_policy(
            "AddPermission",
            qualifier,
            &permission.sid,
            Some(permission),
            move |revision| {
                let api = api.clone();
                let input = AddPermissionInput {
                    revision_id: revision,
                    ..base.clone()
                };
                Box::pin(async move { api.add_permission(input).await.map(|_| ()) })
            },
        )
        .await
    }
}
