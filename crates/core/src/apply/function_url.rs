//! Apply's calls for the function URL (`url`), paced on the region's limiter and
//! retried by the function's policy through [`FnRun::mutate`]. They do not change
//! `$LATEST`'s configuration, so they wait for nothing.

use flotilla_cloud::lambda::{ApiError, FunctionUrlSettings};

use super::run::{FnRun, Guard, Stop, gone_is_done};

impl FnRun<'_> {
    /// CreateFunctionUrlConfig. A 409 (a URL exists: our own after a lost response, or
    /// someone else's) is success only when the live URL has the settings wanted.
    pub(crate) async fn create_function_url(
        &mut self,
        qualifier: Option<&str>,
        config: &FunctionUrlSettings,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let q = qualifier.map(str::to_owned);
        let config = config.clone();
        self.mutate("CreateFunctionUrlConfig", Guard::None, None, move |_| {
            let api = api.clone();
            let name = name.clone();
            let q = q.clone();
            let config = config.clone();
            Box::pin(async move {
                match api
                    .create_function_url_config(&name, q.as_deref(), config.clone())
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(ApiError::Conflict { message } | ApiError::AlreadyExists { message }) => {
                        match api.get_function_url_config(&name, q.as_deref()).await {
                            Ok(live) if live.settings == config => Ok(()),
                            _ => Err(ApiError::AlreadyExists { message }),
                        }
                    }
                    Err(e) => Err(e),
                }
            })
        })
        .await?;
        Ok(())
    }

    /// UpdateFunctionUrlConfig with every setting (a retry sets the same thing).
    pub(crate) async fn update_function_url(
        &mut self,
        qualifier: Option<&str>,
        config: &FunctionUrlSettings,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let q = qualifier.map(str::to_owned);
        let config = config.clone();
        self.mutate("UpdateFunctionUrlConfig", Guard::None, None, move |_| {
            let api = api.clone();
            let name = name.clone();
            let q = q.clone();
            let config = config.clone();
            Box::pin(async move {
                api.update_function_url_config(&name, q.as_deref(), config)
                    .await
                    .map(|_| ())
            })
        })
        .await?;
        Ok(())
    }

    /// DeleteFunctionUrlConfig; a URL already gone (404) is what was wanted.
    pub(crate) async fn delete_function_url(
        &mut self,
        qualifier: Option<&str>,
    ) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let q = qualifier.map(str::to_owned);
        self.mutate("DeleteFunctionUrlConfig", Guard::None, None, move |_| {
            let api = api.clone();
            let name = name.clone();
            let q = q.clone();
            Box::pin(async move {
                gone_is_done(api.delete_function_url_config(&name, q.as_deref()).await)
            })
        })
        .await?;
        Ok(())
    }
}
