//! Apply's calls for `code_signing_config`: paced on the region's limiter and retried
//! by the function's policy through [`FnRun::mutate`]. They do not change `$LATEST`'s
//! configuration, so they wait for nothing.

use super::run::{FnRun, Guard, Stop, gone_is_done};

impl FnRun<'_> {
    /// PutFunctionCodeSigningConfig (idempotent: a retry puts the same ARN).
    pub(crate) async fn put_code_signing_config(&mut self, arn: &str) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        let arn = arn.to_owned();
        self.mutate(
            "PutFunctionCodeSigningConfig",
            Guard::None,
            None,
            move |_| {
                let api = api.clone();
                let name = name.clone();
                let arn = arn.clone();
                Box::pin(async move { api.put_function_code_signing_config(&name, &arn).await })
            },
        )
        .await?;
        Ok(())
    }

    /// DeleteFunctionCodeSigningConfig; a configuration already gone (such as a retry
    /// after a lost response) is what was wanted.
    pub(crate) async fn delete_code_signing_config(&mut self) -> Result<(), Stop> {
        let api = self.api.clone();
        let name = self.plan.name.clone();
        self.mutate(
            "DeleteFunctionCodeSigningConfig",
            Guard::None,
            None,
            move |_| {
                let api = api.clone();
                let name = name.clone();
                Box::pin(async move {
                    gone_is_done(api.delete_function_code_signing_config(&name).await)
                })
            },
        )
        .await?;
        Ok(())
    }
}
