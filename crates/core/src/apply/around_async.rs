//! Apply's calls for the resources around a function (`async`): each paced on the
//! region's limiter and retried by the function's policy through [`FnRun::mutate`].
//! They do not change `$LATEST`'s configuration, so they wait for nothing.

use flotilla_cloud::lambda::{EventInvokeConfig, RecursiveLoop, RuntimeManagement};

use super::run::{FnRun, Guard, Stop, gone_is_done};

impl FnRun<'_> {
    /// PutFunctionEventInvokeConfig with the whole configuration (Put replaces it, so
    /// a retry after a lost response sets the same thing again).
    pub(crate) async fn put_event_invoke_config(
        &mut self,
        config: &EventInvokeConfig,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let config = config.clone();
        self.mutate(
            "PutFunctionEventInvokeConfig",
            Guard::None,
            None,
            move |_| {
                let api = api.clone();
                let name = name.clone();
                let config = config.clone();
                Box::pin(async move { api.put_event_invoke_config(&name, config).await })
            },
        )
        .await?;
        Ok(())
    }

    /// DeleteFunctionEventInvokeConfig; a configuration already gone (404, such as a
    /// retry after a lost response) is what was wanted.
    pub(crate) async fn delete_event_invoke_config(&mut self) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        self.mutate(
            "DeleteFunctionEventInvokeConfig",
            Guard::None,
            None,
            move |_| {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move { gone_is_done(api.delete_event_invoke_config(&name).await) })
            },
        )
        .await?;
        Ok(())
    }

    /// PutFunctionRecursionConfig (idempotent: a retry sets the same value).
    pub(crate) async fn put_recursion_config(
        &mut self,
        recursion: RecursiveLoop,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        self.mutate("PutFunctionRecursionConfig", Guard::None, None, move |_| {
            let api = api.clone();
            let name = name.clone();
            Box::pin(async move { api.put_recursion_config(&name, recursion).await })
        })
        .await?;
        Ok(())
    }

    /// PutRuntimeManagementConfig (idempotent: a retry sets the same value).
    pub(crate) async fn put_runtime_management_config(
        &mut self,
        config: &RuntimeManagement,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let config = config.clone();
        self.mutate("PutRuntimeManagementConfig", Guard::None, None, move |_| {
            let api = api.clone();
            let name = name.clone();
            let config = config.clone();
            Box::pin(async move { api.put_runtime_management_config(&name, config).await })
        })
        .await?;
        Ok(())
    }
}
