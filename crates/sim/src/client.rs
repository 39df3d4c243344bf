//! The in-process front door: [`SimClient`] implements [`LambdaApi`] on the model.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::ops_version::version_info;
use super::state::parse_function_ref;
use super::{Sim, to_api_error};
use flotilla_cloud::lambda::{
    AliasInfo, AliasInput, ApiOp, ApiResult, CreateFunctionInput, FunctionInfo, FunctionSummary,
    InvokeInput, InvokeOutput, LambdaApi, LayerVersionInfo, ProvisionedConcurrencyInfo,
    PublishVersionInput, UpdateCodeInput, UpdateConfigInput, VersionInfo,
};

/// A `LambdaApi` for one account and region of a [`Sim`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SimClient {
    sim: Sim,
    account: Arc<str>,
    region: Arc<str>,
}

impl SimClient {
    pub(crate) fn new(sim: Sim, account: &str, region: &str) -> Self {
        SimClient {
            sim,
            account: account.into(),
            region: region.into(),
        }
    }

    /// The account this client calls as.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The region this client calls.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The emulator behind this client.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    async fn run<T>(
        &self,
        op: ApiOp,
        function: Option<&str>,
        f: impl FnOnce(&mut super::World, &super::Call<'_>) -> Result<T, super::SimError>,
    ) -> ApiResult<T> {
        self.sim
            .dispatch(&self.account, &self.region, op, function, f)
            .await
            .map_err(to_api_error)
    }
}

fn name_of(reference: &str) -> String {
    parse_function_ref(reference).0
}

#[async_trait]
impl LambdaApi for SimClient {
    async fn get_function(&self, name: &str) -> ApiResult<FunctionInfo> {
        let n = name_of(name);
        self.run(ApiOp::GetFunction, Some(&n), |w, c| {
            w.get_function(c, name, None, true)
        })
        .await
    }

    async fn get_function_configuration(&self, name: &str) -> ApiResult<FunctionInfo> {
        let n = name_of(name);
        self.run(ApiOp::GetFunctionConfiguration, Some(&n), |w, c| {
            w.get_function(c, name, None, false)
        })
        .await
    }

    async fn create_function(&self, input: CreateFunctionInput) -> ApiResult<FunctionInfo> {
        let n = input.name.clone();
        self.run(ApiOp::CreateFunction, Some(&n), |w, c| {
            w.create_function(c, input)
        })
        .await
    }

    async fn update_function_code(&self, input: UpdateCodeInput) -> ApiResult<FunctionInfo> {
        let n = name_of(&input.name);
        self.run(ApiOp::UpdateFunctionCode, Some(&n), |w, c| {
            w.update_code(c, input, false, false)
        })
        .await
    }

    async fn update_function_configuration(
        &self,
        input: UpdateConfigInput,
    ) -> ApiResult<FunctionInfo> {
        let n = name_of(&input.name);
        self.run(ApiOp::UpdateFunctionConfiguration, Some(&n), |w, c| {
            w.update_config(c, input)
        })
        .await
    }

    async fn publish_version(&self, input: PublishVersionInput) -> ApiResult<VersionInfo> {
        let n = name_of(&input.name);
        self.run(ApiOp::PublishVersion, Some(&n), |w, c| {
            w.publish_version(c, input).map(|i| version_info(&i))
        })
        .await
    }

    async fn list_versions(&self, name: &str) -> ApiResult<Vec<VersionInfo>> {
        let n = name_of(name);
        self.run(ApiOp::ListVersionsByFunction, Some(&n), |w, c| {
            w.list_versions(c, name)
                .map(|all| all.iter().map(version_info).collect())
        })
        .await
    }

    async fn get_alias(&self, function_name: &str, alias: &str) -> ApiResult<AliasInfo> {
        let n = name_of(function_name);
        self.run(ApiOp::GetAlias, Some(&n), |w, c| {
            w.get_alias(c, function_name, alias)
        })
        .await
    }

    async fn create_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        let n = name_of(&input.function_name);
        self.run(ApiOp::CreateAlias, Some(&n), |w, c| {
            w.create_alias(c, input)
        })
        .await
    }

    async fn update_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        let n = name_of(&input.function_name);
        // The trait always sends the whole routing map, so it always replaces it.
        self.run(ApiOp::UpdateAlias, Some(&n), |w, c| {
            w.update_alias(c, input, true)
        })
        .await
    }

    async fn list_aliases(&self, function_name: &str) -> ApiResult<Vec<AliasInfo>> {
        let n = name_of(function_name);
        self.run(ApiOp::ListAliases, Some(&n), |w, c| {
            w.list_aliases(c, function_name, None)
        })
        .await
    }

    async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> ApiResult<()> {
        let n = name_of(arn);
        self.run(ApiOp::TagResource, Some(&n), |w, c| {
            w.tag_resource(c, arn, tags)
        })
        .await
    }

    async fn untag_resource(&self, arn: &str, keys: Vec<String>) -> ApiResult<()> {
        let n = name_of(arn);
        self.run(ApiOp::UntagResource, Some(&n), |w, c| {
            w.untag_resource(c, arn, &keys)
        })
        .await
    }

    async fn list_tags(&self, arn: &str) -> ApiResult<BTreeMap<String, String>> {
        let n = name_of(arn);
        self.run(ApiOp::ListTags, Some(&n), |w, c| w.list_tags(c, arn))
            .await
    }

    async fn put_function_concurrency(&self, name: &str, reserved: u32) -> ApiResult<()> {
        let n = name_of(name);
        self.run(ApiOp::PutFunctionConcurrency, Some(&n), |w, c| {
            w.set_concurrency(c, name, Some(reserved))
        })
        .await
    }

    async fn delete_function_concurrency(&self, name: &str) -> ApiResult<()> {
        let n = name_of(name);
        self.run(ApiOp::DeleteFunctionConcurrency, Some(&n), |w, c| {
            w.set_concurrency(c, name, None)
        })
        .await
    }

    async fn get_provisioned_concurrency(
        &self,
        name: &str,
        qualifier: &str,
    ) -> ApiResult<ProvisionedConcurrencyInfo> {
        let n = name_of(name);
        self.run(ApiOp::GetProvisionedConcurrencyConfig, Some(&n), |w, c| {
            w.get_provisioned(c, name, qualifier)
        })
        .await
    }

    async fn get_event_invoke_config(
        &self,
        name: &str,
    ) -> ApiResult<flotilla_cloud::lambda::EventInvokeConfig> {
        let n = name_of(name);
        self.run(ApiOp::GetFunctionEventInvokeConfig, Some(&n), |w, c| {
            w.get_event_invoke_config(c, name)
        })
        .await
    }

    async fn put_provisioned_concurrency(
        &self,
        name: &str,
        qualifier: &str,
        count: u32,
    ) -> ApiResult<ProvisionedConcurrencyInfo> {
        let n = name_of(name);
        self.run(ApiOp::PutProvisionedConcurrencyConfig, Some(&n), |w, c| {
            w.put_provisioned(c, name, qualifier, count)
        })
        .await
    }

    async fn put_event_invoke_config(
        &self,
        name: &str,
        config: flotilla_cloud::lambda::EventInvokeConfig,
    ) -> ApiResult<flotilla_cloud::lambda::EventInvokeConfig> {
        let n = name_of(name);
        self.run(ApiOp::PutFunctionEventInvokeConfig, Some(&n), |w, c| {
            w.put_event_invoke_config(c, name, config)
        })
        .await
    }

    async fn delete_provisioned_concurrency(&self, name: &str, qualifier: &str) -> ApiResult<()> {
        let n = name_of(name);
        self.run(
            ApiOp::DeleteProvisionedConcurrencyConfig,
            Some(&n),
            |w, c| w.delete_provisioned(c, name, qualifier),
        )
        .await
    }

    async fn get_recursion_config(
        &self,
        name: &str,
    ) -> ApiResult<flotilla_cloud::lambda::RecursiveLoop> {
        let n = name_of(name);
        self.run(ApiOp::GetFunctionRecursionConfig, Some(&n), |w, c| {
            w.get_recursion_config(c, name)
        })
        .await
    }

    async fn put_recursion_config(
        &self,
        name: &str,
        recursion: flotilla_cloud::lambda::RecursiveLoop,
    ) -> ApiResult<flotilla_cloud::lambda::RecursiveLoop> {
        let n = name_of(name);
        self.run(ApiOp::PutFunctionRecursionConfig, Some(&n), |w, c| {
            w.put_recursion_config(c, name, recursion)
        })
        .await
    }

    async fn get_runtime_management_config(
        &self,
        name: &str,
    ) -> ApiResult<flotilla_cloud::lambda::RuntimeManagement> {
        let n = name_of(name);
        self.run(ApiOp::GetRuntimeManagementConfig, Some(&n), |w, c| {
            w.get_runtime_management_config(c, name).map(|(r, _)| r)
        })
        .await
    }

    async fn put_runtime_management_config(
        &self,
        name: &str,
        config: flotilla_cloud::lambda::RuntimeManagement,
    ) -> ApiResult<flotilla_cloud::lambda::RuntimeManagement> {
        let n = name_of(name);
        self.run(ApiOp::PutRuntimeManagementConfig, Some(&n), |w, c| {
            w.put_runtime_management_config(c, name, config)
                .map(|(r, _)| r)
        })
        .await
    }

    async fn get_function_code_signing_config(&self, name: &str) -> ApiResult<Option<String>> {
        let n = name_of(name);
        self.run(ApiOp::GetFunctionCodeSigningConfig, Some(&n), |w, c| {
            w.get_function_code_signing_config(c, name)
                .map(|(arn, _)| (!arn.is_empty()).then_some(arn))
        })
        .await
    }

    async fn put_function_code_signing_config(&self, name: &str, arn: &str) -> ApiResult<String> {
        let n = name_of(name);
        self.run(ApiOp::PutFunctionCodeSigningConfig, Some(&n), |w, c| {
            w.put_function_code_signing_config(c, name, arn)
                .map(|(arn, _)| arn)
        })
        .await
    }

    async fn delete_function_code_signing_config(&self, name: &str) -> ApiResult<()> {
        let n = name_of(name);
        self.run(ApiOp::DeleteFunctionCodeSigningConfig, Some(&n), |w, c| {
            w.delete_function_code_signing_config(c, name)
        })
        .await
    }

    async fn get_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<flotilla_cloud::lambda::FunctionUrlInfo> {
        let n = name_of(name);
        self.run(ApiOp::GetFunctionUrlConfig, Some(&n), |w, c| {
            w.get_function_url(c, name, qualifier)
        })
        .await
    }

    async fn create_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
        settings: flotilla_cloud::lambda::FunctionUrlSettings,
    ) -> ApiResult<flotilla_cloud::lambda::FunctionUrlInfo> {
        let n = name_of(name);
        self.run(ApiOp::CreateFunctionUrlConfig, Some(&n), |w, c| {
            w.create_function_url(c, name, qualifier, settings)
        })
        .await
    }

    async fn update_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
        settings: flotilla_cloud::lambda::FunctionUrlSettings,
    ) -> ApiResult<flotilla_cloud::lambda::FunctionUrlInfo> {
        let n = name_of(name);
        let patch = crate::ops_function_url::UrlPatch {
            auth: Some(settings.auth),
            invoke_mode: Some(settings.invoke_mode),
            cors: Some(settings.cors),
        };
        self.run(ApiOp::UpdateFunctionUrlConfig, Some(&n), |w, c| {
            w.update_function_url(c, name, qualifier, patch)
        })
        .await
    }

    async fn delete_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<()> {
        let n = name_of(name);
        self.run(ApiOp::DeleteFunctionUrlConfig, Some(&n), |w, c| {
            w.delete_function_url(c, name, qualifier)
        })
        .await
    }

    async fn delete_event_invoke_config(&self, name: &str) -> ApiResult<()> {
        let n = name_of(name);
        self.run(ApiOp::DeleteFunctionEventInvokeConfig, Some(&n), |w, c| {
            w.delete_event_invoke_config(c, name)
        })
        .await
    }

    async fn delete_function(&self, name: &str) -> ApiResult<()> {
        let n = name_of(name);
        self.run(ApiOp::DeleteFunction, Some(&n), |w, c| {
            w.delete_function(c, name, None)
        })
        .await
    }

    async fn list_functions(&self) -> ApiResult<Vec<FunctionSummary>> {
        self.run(ApiOp::ListFunctions, None, |w, c| {
            Ok(w.list_functions(c)
                .into_iter()
                .map(|f| FunctionSummary {
                    name: f.name,
                    arn: f.arn,
                })
                .collect())
        })
        .await
    }

    async fn list_layer_versions(&self, layer_name: &str) -> ApiResult<Vec<LayerVersionInfo>> {
        self.run(ApiOp::ListLayerVersions, None, |w, c| {
            w.list_layer_versions(c, layer_name)
        })
        .await
    }

    async fn invoke(&self, input: InvokeInput) -> ApiResult<InvokeOutput> {
        let n = name_of(&input.function_name);
        let (output, latency) = self
            .run(ApiOp::Invoke, Some(&n), |w, c| {
                w.invoke(
                    c,
                    &input.function_name,
                    input.qualifier.as_deref(),
                    &input.payload,
                    super::ops_invoke::InvocationType::RequestResponse,
                )
            })
            .await?;
        tokio::time::sleep(latency).await;
        Ok(output)
    }

    async fn create_event_source_mapping(
        &self,
        input: flotilla_cloud::lambda::CreateMappingInput,
    ) -> ApiResult<flotilla_cloud::lambda::MappingInfo> {
        let n = name_of(&input.function_name);
        self.run(ApiOp::CreateEventSourceMapping, Some(&n), |w, c| {
            w.create_mapping(c, input)
        })
        .await
    }

    async fn update_event_source_mapping(
        &self,
        input: flotilla_cloud::lambda::UpdateMappingInput,
    ) -> ApiResult<flotilla_cloud::lambda::MappingInfo> {
        let n = self
            .sim
            .mapping_function(&self.account, &self.region, &input.uuid);
        self.run(ApiOp::UpdateEventSourceMapping, n.as_deref(), |w, c| {
            w.update_mapping(c, input)
        })
        .await
    }

    async fn delete_event_source_mapping(
        &self,
        uuid: &str,
    ) -> ApiResult<flotilla_cloud::lambda::MappingInfo> {
        let n = self.sim.mapping_function(&self.account, &self.region, uuid);
        self.run(ApiOp::DeleteEventSourceMapping, n.as_deref(), |w, c| {
            w.delete_mapping(c, uuid)
        })
        .await
    }

    async fn get_policy(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<flotilla_cloud::lambda::PolicyInfo> {
        let n = name_of(name);
        self.run(ApiOp::GetPolicy, Some(&n), |w, c| {
            w.get_policy(c, name, qualifier)
        })
        .await
    }

    async fn get_event_source_mapping(
        &self,
        uuid: &str,
    ) -> ApiResult<flotilla_cloud::lambda::MappingInfo> {
        let n = self.sim.mapping_function(&self.account, &self.region, uuid);
        self.run(ApiOp::GetEventSourceMapping, n.as_deref(), |w, c| {
            w.get_mapping(c, uuid).map(|v| v.info)
        })
        .await
    }

    async fn add_permission(
        &self,
        input: flotilla_cloud::lambda::AddPermissionInput,
    ) -> ApiResult<String> {
        let n = name_of(&input.function_name);
        self.run(ApiOp::AddPermission, Some(&n), |w, c| {
            w.add_permission(c, input)
        })
        .await
    }

    async fn list_event_source_mappings(
        &self,
        function_name: &str,
    ) -> ApiResult<Vec<flotilla_cloud::lambda::MappingInfo>> {
        let n = name_of(function_name);
        self.run(ApiOp::ListEventSourceMappings, Some(&n), |w, c| {
            w.list_mappings(c, Some(function_name), None)
                .map(|all| all.into_iter().map(|v| v.info).collect())
        })
        .await
    }

    async fn delete_function_version(&self, name: &str, version: &str) -> ApiResult<()> {
        let n = name_of(name);
        self.run(ApiOp::DeleteFunction, Some(&n), |w, c| {
            w.delete_function(c, name, Some(version))
        })
        .await
    }

    async fn remove_permission(
        &self,
        input: flotilla_cloud::lambda::RemovePermissionInput,
    ) -> ApiResult<()> {
        let n = name_of(&input.function_name);
        self.run(ApiOp::RemovePermission, Some(&n), |w, c| {
            w.remove_permission(c, input)
        })
        .await
    }
}
