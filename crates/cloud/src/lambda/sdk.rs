//! [`SdkLambda`]: the production [`LambdaApi`] on top of `aws-sdk-lambda`.
//!
//! The client never retries (the engine owns retries, waits and pacing) and always runs
//! with explicit timeouts. Requests go out in the crate's types and come back through
//! `sdk_convert`; every failure goes through one classifier in `sdk_error`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{Credentials, Region};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{self as aws, FunctionCode};

use super::sdk_convert::{
    alias_info, architecture, create_request, function_info, layer_version_info, routing_config,
    tag_map, tags_from, to_i32, update_request, version_info,
};
use super::sdk_convert::{provisioned_from_get, provisioned_from_put};
use super::sdk_error::classify;
use super::{
    AliasInfo, AliasInput, ApiResult, CodeSource, CreateFunctionInput, FunctionInfo,
    FunctionSummary, InvokeInput, InvokeOutput, LambdaApi, LayerVersionInfo, PublishVersionInput,
    UpdateCodeInput, UpdateConfigInput, VersionInfo,
};

/// Region used when neither the options nor the environment name one.
const FALLBACK_REGION: &str = "us-east-1";

/// How to build an [`SdkLambda`] from the environment.
///
/// Every `None` falls back to the standard AWS configuration chain (environment
/// variables, shared config files, SSO, instance metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Region; otherwise `AWS_REGION` / the profile's region.
    pub region: Option<String>,
    /// Endpoint URL; otherwise `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL` / AWS.
    pub endpoint_url: Option<String>,
    /// Named profile; otherwise `AWS_PROFILE` / `default`.
    pub profile: Option<String>,
    /// Time allowed to open a TCP+TLS connection.
    pub connect_timeout: Duration,
    /// Time allowed for one request and its response (the client makes one attempt).
    pub operation_timeout: Duration,
    /// Time allowed for a request that uploads a zip directly (up to 50 MB), which on
    /// a slow uplink takes far longer than any other call.
    pub upload_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            region: None,
            endpoint_url: None,
            profile: None,
            // Just over the 3 s TCP SYN retransmit, so one lost SYN is survived.
            connect_timeout: Duration::from_millis(3100),
            operation_timeout: Duration::from_secs(30),
            // 50 MB at ~2 Mbit/s, the slowest uplink worth supporting.
            upload_timeout: Duration::from_secs(300),
        }
    }
}

impl ClientOptions {
    fn timeouts(&self, per_request: Duration) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(per_request)
            .operation_timeout(per_request)
            .build()
    }
}

/// The AWS configuration loaded once (credentials, endpoint, timeouts), from which a
/// client per region is made without reading the environment again.
#[derive(Debug, Clone)]
pub struct SdkFactory {
    shared: aws_config::SdkConfig,
    options: ClientOptions,
}

impl SdkFactory {
    /// Loads the standard configuration chain with `opts` overriding it. Retries are
    /// disabled; timeouts are explicit.
    pub async fn from_env(opts: &ClientOptions) -> SdkFactory {
        let (region, credentials) = standard_chains(opts).await;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .timeout_config(opts.timeouts(opts.operation_timeout))
            .region(region)
            .credentials_provider(credentials);
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        SdkFactory {
            shared: loader.load().await,
            options: opts.clone(),
        }
    }

    /// The loaded configuration, so clients of other services (S3) share its
    /// credentials, region and endpoint settings.
    pub fn sdk_config(&self) -> &aws_config::SdkConfig {
        &self.shared
    }

    /// The options the configuration was loaded with (timeouts for other clients).
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The region the configuration names, if any.
    pub fn default_region(&self) -> Option<String> {
        self.shared.region().map(|r| r.as_ref().to_owned())
    }

    /// A factory whose clients assume `role` (through STS, with this factory's
    /// credentials, region and endpoint) for every call. The one credentials provider is
    /// shared by every client it makes, so all regions of the account share one cached,
    /// refreshed set of credentials. `region` is STS's region when the configuration
    /// names none. Nothing is called until the first client call.
    pub async fn assuming(
        &self,
        role: &crate::iam::AssumeRole,
        environment: Option<&str>,
        region: &str,
    ) -> SdkFactory {
        let credentials =
            super::sdk_assume::RoleCredentials::new(role, environment, &self.shared, region).await;
        SdkFactory {
            shared: self
                .shared
                .to_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
                )
                .build(),
            options: self.options.clone(),
        }
    }

    /// A client for `region`.
    pub fn client(&self, region: &str) -> SdkLambda {
        let config = aws_sdk_lambda::config::Builder::from(&self.shared)
            .region(Region::new(region.to_owned()))
            .build();
        SdkLambda {
            client: aws_sdk_lambda::Client::from_conf(config),
            options: self.options.clone(),
            region: region.to_owned(),
        }
    }
}

/// The standard region and credential chains (environment, profile, web identity,
/// container, instance metadata) with one short attempt at instance metadata: the SDK's
/// default of four attempts with a second's timeout each costs seconds on every machine
/// outside EC2, only to end in a confusing message. `sdk_error::credentials_error`
/// names the sources when none answers.
async fn standard_chains(
    opts: &ClientOptions,
) -> (
    aws_config::meta::region::RegionProviderChain,
    aws_config::default_provider::credentials::DefaultCredentialsChain,
) {
    let imds = || {
        aws_config::imds::Client::builder()
            .max_attempts(1)
            .connect_timeout(IMDS_TIMEOUT)
            .read_timeout(IMDS_TIMEOUT)
            .operation_timeout(IMDS_TIMEOUT * 2)
            .build()
    };
    let region = || {
        let mut profile = aws_config::profile::region::ProfileFileRegionProvider::builder();
        if let Some(name) = &opts.profile {
            profile = profile.profile_name(name);
        }
        use aws_config::meta::region::RegionProviderChain;
        if let Some(region) = &opts.region {
            return RegionProviderChain::first_try(Region::new(region.clone()));
        }
        let chain = RegionProviderChain::first_try(
            aws_config::environment::EnvironmentVariableRegionProvider::new(),
        );
        chain.or_else(profile.build()).or_else(
            aws_config::imds::region::ImdsRegionProvider::builder()
                .imds_client(imds())
                .build(),
        )
    };
    let mut credentials =
        aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
            .imds_client(imds())
            .region(region());
    if let Some(profile) = &opts.profile {
        credentials = credentials.profile_name(profile);
    }
    (region(), credentials.build().await)
}

/// How long the instance metadata endpoint may take to connect and to answer.
pub(crate) const IMDS_TIMEOUT: Duration = Duration::from_secs(1);

/// [`LambdaApi`] backed by the AWS SDK, for one account and region.
#[derive(Debug, Clone)]
pub struct SdkLambda {
    client: aws_sdk_lambda::Client,
    options: ClientOptions,
    region: String,
}

impl SdkLambda {
    /// A client configured from the environment (credential chain, `AWS_PROFILE`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`), with `opts`
    /// overriding what they set. Retries are disabled.
    pub async fn from_env(opts: &ClientOptions) -> SdkLambda {
        let factory = SdkFactory::from_env(opts).await;
        let region = factory
            .default_region()
            .unwrap_or_else(|| FALLBACK_REGION.to_owned());
        factory.client(&region)
    }

    /// A client for an emulator at `endpoint_url`, with static test credentials and
    /// default timeouts; nothing is read from the environment.
    pub fn for_endpoint(endpoint_url: &str, region: &str) -> SdkLambda {
        Self::for_endpoint_with_options(endpoint_url, region, &ClientOptions::default())
    }

    /// Like [`SdkLambda::for_endpoint`], with the timeouts of `opts` (its region,
    /// endpoint and profile are ignored).
    pub fn for_endpoint_with_options(
        endpoint_url: &str,
        region: &str,
        opts: &ClientOptions,
    ) -> SdkLambda {
        let config = aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint_url)
            .credentials_provider(Credentials::new(
                "AKIDFLOTILLATEST",
                "flotilla-test-secret",
                None,
                None,
                "flotilla-static",
            ))
            .retry_config(RetryConfig::disabled())
            .timeout_config(opts.timeouts(opts.operation_timeout))
            .build();
        SdkLambda {
            client: aws_sdk_lambda::Client::from_conf(config),
            options: opts.clone(),
            region: region.to_owned(),
        }
    }

    /// The region every call goes to.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// A per-call override that lets direct zip uploads run longer than other calls.
    fn upload_override(&self, code: &CodeSource) -> aws_sdk_lambda::config::Builder {
        let timeout = match code {
            CodeSource::Zip(_) => self.options.upload_timeout,
            CodeSource::S3 { .. } | CodeSource::Image(_) => self.options.operation_timeout,
        };
        aws_sdk_lambda::config::Builder::default().timeout_config(self.options.timeouts(timeout))
    }
}

/// The code of a `CreateFunction` request.
fn function_code(code: &CodeSource) -> FunctionCode {
    let builder = FunctionCode::builder();
    match code {
        CodeSource::Zip(bytes) => builder.zip_file(Blob::new(bytes.as_slice())),
        CodeSource::S3 {
            bucket,
            key,
            version,
        } => builder
            .s3_bucket(bucket)
            .s3_key(key)
            .set_s3_object_version(version.clone()),
        CodeSource::Image(uri) => builder.image_uri(uri),
    }
    .build()
}

#[async_trait]
impl LambdaApi for SdkLambda {
    async fn get_function(&self, name: &str) -> ApiResult<FunctionInfo> {
        let out = self
            .client
            .get_function()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        let mut info = out
            .configuration()
            .map(function_info)
            .unwrap_or_else(|| function_info(&aws::FunctionConfiguration::builder().build()));
        if let Some(code) = out.code() {
            info.image_uri = code.image_uri().map(str::to_owned);
            info.resolved_image_uri = code.resolved_image_uri().map(str::to_owned);
            info.code_location = code.location().map(str::to_owned);
        }
        info.tags = tags_from(out.tags());
        info.reserved_concurrency = out
            .concurrency()
            .and_then(aws::Concurrency::reserved_concurrent_executions)
            .and_then(|n| u32::try_from(n).ok());
        Ok(info)
    }

    async fn get_function_configuration(&self, name: &str) -> ApiResult<FunctionInfo> {
        let out = self
            .client
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(function_info(&out))
    }

    async fn create_function(&self, input: CreateFunctionInput) -> ApiResult<FunctionInfo> {
        let req = self
            .client
            .create_function()
            .function_name(&input.name)
            .code(function_code(&input.code))
            .publish(input.publish)
            .set_code_signing_config_arn(input.code_signing_config_arn.clone())
            .set_tags((!input.tags.is_empty()).then(|| tag_map(&input.tags)));
        let req = create_request(req, &input.config);
        let out = req
            .customize()
            .config_override(self.upload_override(&input.code))
            .send()
            .await
            .map_err(classify)?;
        let mut info = function_info(&out);
        info.tags = input.tags;
        if let CodeSource::Image(uri) = &input.code {
            info.image_uri = Some(uri.clone());
        }
        Ok(info)
    }

    async fn update_function_code(&self, input: UpdateCodeInput) -> ApiResult<FunctionInfo> {
        let req = self
            .client
            .update_function_code()
            .function_name(&input.name)
            .set_revision_id(input.revision_id.clone())
            .set_architectures(input.architecture.map(|a| vec![architecture(a)]));
        let req = match &input.code {
            CodeSource::Zip(bytes) => req.zip_file(Blob::new(bytes.as_slice())),
            CodeSource::S3 {
                bucket,
                key,
                version,
            } => req
                .s3_bucket(bucket)
                .s3_key(key)
                .set_s3_object_version(version.clone()),
            CodeSource::Image(uri) => req.image_uri(uri),
        };
        let out = req
            .customize()
            .config_override(self.upload_override(&input.code))
            .send()
            .await
            .map_err(classify)?;
        let mut info = function_info(&out);
        if let CodeSource::Image(uri) = &input.code {
            info.image_uri = Some(uri.clone());
        }
        Ok(info)
    }

    async fn update_function_configuration(
        &self,
        input: UpdateConfigInput,
    ) -> ApiResult<FunctionInfo> {
        let UpdateConfigInput {
            name,
            revision_id,
            config,
            fields,
        } = input;
        let req = self
            .client
            .update_function_configuration()
            .function_name(name)
            .set_revision_id(revision_id);
        let req = update_request(req, &config, &fields);
        let out = req.send().await.map_err(classify)?;
        Ok(function_info(&out))
    }

    async fn publish_version(&self, input: PublishVersionInput) -> ApiResult<VersionInfo> {
        let out = self
            .client
            .publish_version()
            .function_name(input.name)
            .set_code_sha256(input.code_sha256)
            .set_revision_id(input.revision_id)
            .set_description(input.description)
            .send()
            .await
            .map_err(classify)?;
        Ok(version_info(&out))
    }

    async fn list_versions(&self, name: &str) -> ApiResult<Vec<VersionInfo>> {
        let versions: Vec<aws::FunctionConfiguration> = self
            .client
            .list_versions_by_function()
            .function_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(classify)?;
        Ok(versions.iter().map(version_info).collect())
    }

    async fn get_alias(&self, function_name: &str, alias: &str) -> ApiResult<AliasInfo> {
        let out = self
            .client
            .get_alias()
            .function_name(function_name)
            .name(alias)
            .send()
            .await
            .map_err(classify)?;
        Ok(alias_info(&out))
    }

    async fn create_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        let out = self
            .client
            .create_alias()
            .function_name(input.function_name)
            .name(input.name)
            .function_version(input.function_version)
            .set_description(input.description)
            .set_routing_config((!input.routing.is_empty()).then(|| routing_config(&input.routing)))
            .send()
            .await
            .map_err(classify)?;
        Ok(alias_info(&out))
    }

    async fn update_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        let out = self
            .client
            .update_alias()
            .function_name(input.function_name)
            .name(input.name)
            .function_version(input.function_version)
            .set_description(input.description)
            .routing_config(routing_config(&input.routing))
            .set_revision_id(input.revision_id)
            .send()
            .await
            .map_err(classify)?;
        Ok(alias_info(&out))
    }

    async fn list_aliases(&self, function_name: &str) -> ApiResult<Vec<AliasInfo>> {
        let aliases: Vec<aws::AliasConfiguration> = self
            .client
            .list_aliases()
            .function_name(function_name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(classify)?;
        Ok(aliases.iter().map(alias_info).collect())
    }

    async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> ApiResult<()> {
        self.client
            .tag_resource()
            .resource(arn)
            .set_tags(Some(tag_map(&tags)))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: Vec<String>) -> ApiResult<()> {
        self.client
            .untag_resource()
            .resource(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn list_tags(&self, arn: &str) -> ApiResult<BTreeMap<String, String>> {
        let out = self
            .client
            .list_tags()
            .resource(arn)
            .send()
            .await
            .map_err(classify)?;
        Ok(tags_from(out.tags()))
    }

    async fn put_function_concurrency(&self, name: &str, reserved: u32) -> ApiResult<()> {
        self.client
            .put_function_concurrency()
            .function_name(name)
            .reserved_concurrent_executions(to_i32(reserved))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn delete_function_concurrency(&self, name: &str) -> ApiResult<()> {
        self.client
            .delete_function_concurrency()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn get_provisioned_concurrency(
        &self,
        name: &str,
        qualifier: &str,
    ) -> ApiResult<super::ProvisionedConcurrencyInfo> {
        let out = self
            .client
            .get_provisioned_concurrency_config()
            .function_name(name)
            .qualifier(qualifier)
            .send()
            .await
            .map_err(classify)?;
        Ok(provisioned_from_get(&out))
    }

    async fn put_provisioned_concurrency(
        &self,
        name: &str,
        qualifier: &str,
        count: u32,
    ) -> ApiResult<super::ProvisionedConcurrencyInfo> {
        let out = self
            .client
            .put_provisioned_concurrency_config()
            .function_name(name)
            .qualifier(qualifier)
            .provisioned_concurrent_executions(to_i32(count))
            .send()
            .await
            .map_err(classify)?;
        Ok(provisioned_from_put(&out))
    }

    async fn delete_provisioned_concurrency(&self, name: &str, qualifier: &str) -> ApiResult<()> {
        self.client
            .delete_provisioned_concurrency_config()
            .function_name(name)
            .qualifier(qualifier)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn get_event_invoke_config(&self, name: &str) -> ApiResult<super::EventInvokeConfig> {
        let out = self
            .client
            .get_function_event_invoke_config()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::event_invoke_config(
            out.maximum_retry_attempts(),
            out.maximum_event_age_in_seconds(),
            out.destination_config(),
        ))
    }

    async fn put_event_invoke_config(
        &self,
        name: &str,
        config: super::EventInvokeConfig,
    ) -> ApiResult<super::EventInvokeConfig> {
        let out = self
            .client
            .put_function_event_invoke_config()
            .function_name(name)
            .set_maximum_retry_attempts(config.retries.map(to_i32))
            .set_maximum_event_age_in_seconds(config.max_age_secs.map(to_i32))
            .set_destination_config(super::sdk_convert::destination_config(&config))
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::event_invoke_config(
            out.maximum_retry_attempts(),
            out.maximum_event_age_in_seconds(),
            out.destination_config(),
        ))
    }

    async fn get_recursion_config(&self, name: &str) -> ApiResult<super::RecursiveLoop> {
        let out = self
            .client
            .get_function_recursion_config()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::recursive_loop(out.recursive_loop()))
    }

    async fn put_recursion_config(
        &self,
        name: &str,
        recursion: super::RecursiveLoop,
    ) -> ApiResult<super::RecursiveLoop> {
        let out = self
            .client
            .put_function_recursion_config()
            .function_name(name)
            .recursive_loop(aws::RecursiveLoop::from(recursion.as_api_str()))
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::recursive_loop(out.recursive_loop()))
    }

    async fn get_runtime_management_config(
        &self,
        name: &str,
    ) -> ApiResult<super::RuntimeManagement> {
        let out = self
            .client
            .get_runtime_management_config()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::runtime_management(
            out.update_runtime_on(),
            out.runtime_version_arn(),
        ))
    }

    async fn put_runtime_management_config(
        &self,
        name: &str,
        config: super::RuntimeManagement,
    ) -> ApiResult<super::RuntimeManagement> {
        let out = self
            .client
            .put_runtime_management_config()
            .function_name(name)
            .update_runtime_on(aws::UpdateRuntimeOn::from(config.update_on.as_api_str()))
            .set_runtime_version_arn(config.runtime_version_arn)
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::runtime_management(
            Some(out.update_runtime_on()),
            out.runtime_version_arn(),
        ))
    }

    async fn get_function_code_signing_config(&self, name: &str) -> ApiResult<Option<String>> {
        let out = self
            .client
            .get_function_code_signing_config()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        let arn = out.code_signing_config_arn();
        Ok((!arn.is_empty()).then(|| arn.to_owned()))
    }

    async fn put_function_code_signing_config(&self, name: &str, arn: &str) -> ApiResult<String> {
        let out = self
            .client
            .put_function_code_signing_config()
            .function_name(name)
            .code_signing_config_arn(arn)
            .send()
            .await
            .map_err(classify)?;
        Ok(out.code_signing_config_arn().to_owned())
    }

    async fn delete_function_code_signing_config(&self, name: &str) -> ApiResult<()> {
        self.client
            .delete_function_code_signing_config()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn get_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<super::FunctionUrlInfo> {
        super::sdk_function_url::get(&self.client, name, qualifier).await
    }

    async fn create_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
        settings: super::FunctionUrlSettings,
    ) -> ApiResult<super::FunctionUrlInfo> {
        super::sdk_function_url::create(&self.client, name, qualifier, settings).await
    }

    async fn update_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
        settings: super::FunctionUrlSettings,
    ) -> ApiResult<super::FunctionUrlInfo> {
        super::sdk_function_url::update(&self.client, name, qualifier, settings).await
    }

    async fn delete_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<()> {
        super::sdk_function_url::delete(&self.client, name, qualifier).await
    }

    async fn delete_event_invoke_config(&self, name: &str) -> ApiResult<()> {
        self.client
            .delete_function_event_invoke_config()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn delete_function(&self, name: &str) -> ApiResult<()> {
        self.client
            .delete_function()
            .function_name(name)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn create_event_source_mapping(
        &self,
        input: super::CreateMappingInput,
    ) -> ApiResult<super::MappingInfo> {
        let s = &input.settings;
        let out = self
            .client
            .create_event_source_mapping()
            .function_name(&input.function_name)
            .event_source_arn(&input.event_source_arn)
            .enabled(input.enabled)
            .set_batch_size(s.batch_size.map(to_i32))
            .set_maximum_batching_window_in_seconds(s.batching_window_secs.map(to_i32))
            .set_starting_position(
                s.starting_position
                    .as_deref()
                    .map(aws::EventSourcePosition::from),
            )
            .set_starting_position_timestamp(
                s.starting_timestamp
                    .map(aws_sdk_lambda::primitives::DateTime::from_secs),
            )
            .set_filter_criteria(
                s.filters
                    .as_deref()
                    .filter(|f| !f.is_empty())
                    .map(super::sdk_convert::filter_criteria),
            )
            .set_maximum_retry_attempts(s.maximum_retry_attempts)
            .set_bisect_batch_on_function_error(s.bisect_on_error)
            .set_destination_config(
                s.on_failure
                    .as_deref()
                    .filter(|d| !d.is_empty())
                    .map(super::sdk_convert::on_failure_config),
            )
            .set_topics(s.topics.clone())
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::mapping_info!(&out))
    }

    async fn update_event_source_mapping(
        &self,
        input: super::UpdateMappingInput,
    ) -> ApiResult<super::MappingInfo> {
        let s = &input.settings;
        let out = self
            .client
            .update_event_source_mapping()
            .uuid(&input.uuid)
            .set_function_name(input.function_name.clone())
            .set_enabled(input.enabled)
            .set_batch_size(s.batch_size.map(to_i32))
            .set_maximum_batching_window_in_seconds(s.batching_window_secs.map(to_i32))
            .set_filter_criteria(
                s.filters
                    .as_deref()
                    .map(super::sdk_convert::filter_criteria),
            )
            .set_maximum_retry_attempts(s.maximum_retry_attempts)
            .set_bisect_batch_on_function_error(s.bisect_on_error)
            .set_destination_config(
                s.on_failure
                    .as_deref()
                    .map(super::sdk_convert::on_failure_config),
            )
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::mapping_info!(&out))
    }

    async fn delete_event_source_mapping(&self, uuid: &str) -> ApiResult<super::MappingInfo> {
        let out = self
            .client
            .delete_event_source_mapping()
            .uuid(uuid)
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::mapping_info!(&out))
    }

    async fn get_event_source_mapping(&self, uuid: &str) -> ApiResult<super::MappingInfo> {
        let out = self
            .client
            .get_event_source_mapping()
            .uuid(uuid)
            .send()
            .await
            .map_err(classify)?;
        Ok(super::sdk_convert::mapping_info!(&out))
    }

    async fn list_event_source_mappings(
        &self,
        function_name: &str,
    ) -> ApiResult<Vec<super::MappingInfo>> {
        let all: Vec<aws::EventSourceMappingConfiguration> = self
            .client
            .list_event_source_mappings()
            .function_name(function_name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(classify)?;
        Ok(all
            .iter()
            .map(|m| super::sdk_convert::mapping_info!(m))
            .collect())
    }

    async fn delete_function_version(&self, name: &str, version: &str) -> ApiResult<()> {
        self.client
            .delete_function()
            .function_name(name)
            .qualifier(version)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn list_functions(&self) -> ApiResult<Vec<FunctionSummary>> {
        let functions: Vec<aws::FunctionConfiguration> = self
            .client
            .list_functions()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(classify)?;
        Ok(functions
            .iter()
            .map(|f| FunctionSummary {
                name: f.function_name().unwrap_or_default().to_owned(),
                arn: f.function_arn().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    async fn get_policy(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<super::PolicyInfo> {
        let out = self
            .client
            .get_policy()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .send()
            .await
            .map_err(classify)?;
        Ok(super::PolicyInfo {
            policy: out.policy().unwrap_or_default().to_owned(),
            revision_id: out.revision_id().map(str::to_owned),
        })
    }

    async fn add_permission(&self, input: super::AddPermissionInput) -> ApiResult<String> {
        let p = input.permission;
        let out = self
            .client
            .add_permission()
            .function_name(input.function_name)
            .set_qualifier(input.qualifier)
            .statement_id(p.sid)
            .action(p.action)
            .principal(p.principal)
            .set_source_arn(p.source_arn)
            .set_source_account(p.source_account)
            .set_principal_org_id(p.principal_org_id)
            .set_function_url_auth_type(
                p.function_url_auth_type
                    .as_deref()
                    .map(aws::FunctionUrlAuthType::from),
            )
            .set_invoked_via_function_url(p.invoked_via_function_url)
            .set_revision_id(input.revision_id)
            .send()
            .await
            .map_err(classify)?;
        Ok(out.statement().unwrap_or_default().to_owned())
    }

    async fn remove_permission(&self, input: super::RemovePermissionInput) -> ApiResult<()> {
        self.client
            .remove_permission()
            .function_name(input.function_name)
            .set_qualifier(input.qualifier)
            .statement_id(input.sid)
            .set_revision_id(input.revision_id)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn list_layer_versions(&self, layer_name: &str) -> ApiResult<Vec<LayerVersionInfo>> {
        let versions: Vec<aws::LayerVersionsListItem> = self
            .client
            .list_layer_versions()
            .layer_name(layer_name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(classify)?;
        Ok(versions.iter().map(layer_version_info).collect())
    }

    async fn download_package(
        &self,
        location: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, super::DownloadError> {
        super::download_code_limited(location, max_bytes).await
    }

    async fn invoke(&self, input: InvokeInput) -> ApiResult<InvokeOutput> {
        let out = self
            .client
            .invoke()
            .function_name(input.function_name)
            .set_qualifier(input.qualifier)
            .invocation_type(aws::InvocationType::RequestResponse)
            .payload(Blob::new(input.payload))
            .send()
            .await
            .map_err(classify)?;
        Ok(InvokeOutput {
            status: u16::try_from(out.status_code).unwrap_or(0),
            function_error: out.function_error,
            executed_version: out.executed_version,
            payload: out.payload.map(Blob::into_inner).unwrap_or_default(),
        })
    }
}

#[async_trait]
impl crate::Connector for SdkFactory {
    fn lambda(&self, _account: Option<&str>, region: &str) -> std::sync::Arc<dyn LambdaApi> {
        std::sync::Arc::new(self.client(region))
    }

    fn alarms(
        &self,
        _account: Option<&str>,
        region: &str,
    ) -> std::sync::Arc<dyn crate::alarms::Alarms> {
        std::sync::Arc::new(crate::alarms::SdkAlarms::new(&self.shared, region))
    }

    fn object_store(&self, region: &str) -> std::sync::Arc<dyn crate::s3::ObjectStore> {
        std::sync::Arc::new(crate::s3::SdkS3::new(
            &self.shared,
            region,
            self.options.connect_timeout,
            self.options.upload_timeout,
        ))
    }

    async fn assuming(
        &self,
        role: &crate::iam::AssumeRole,
        environment: Option<&str>,
        region: &str,
    ) -> Option<std::sync::Arc<dyn crate::Connector>> {
        Some(std::sync::Arc::new(
            SdkFactory::assuming(self, role, environment, region).await,
        ))
    }

    async fn caller_account(
        &self,
        region: &str,
    ) -> Result<Option<String>, crate::CallerIdentityError> {
        use crate::CallerIdentityError as E;
        let mut config = aws_sdk_sts::config::Builder::from(&self.shared);
        if self.shared.region().is_none() {
            config = config.region(Region::new(region.to_owned()));
        }
        let client = aws_sdk_sts::Client::from_conf(config.build());
        match client.get_caller_identity().send().await {
            Ok(identity) => match identity.account() {
                Some(account) => Ok(Some(account.to_owned())),
                None => Err(E::Refused(
                    "STS GetCallerIdentity answered without an account".to_owned(),
                )),
            },
            Err(e) => {
                let message = format!(
                    "STS GetCallerIdentity failed: {}",
                    aws_sdk_lambda::error::DisplayErrorContext(&e)
                );
                match e {
                    aws_sdk_lambda::error::SdkError::ServiceError(_)
                    | aws_sdk_lambda::error::SdkError::ResponseError(_) => Err(E::Refused(message)),
                    _ => Err(E::Unreachable(message)),
                }
            }
        }
    }
}
