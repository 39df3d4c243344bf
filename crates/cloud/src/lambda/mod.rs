//! The cloud seam: everything Flotilla asks of Lambda goes through [`LambdaApi`].
//!
//! Types here are the crate's own; only `sdk*.rs` files import `aws_sdk_*`,
//! and the emulator in `sim` implements the same trait in process. One `LambdaApi` value
//! talks to one account and region.

mod around;
mod code_download;
mod code_signing;
mod config;
mod config_structured;
mod error;
mod function_url;
mod permission;
mod provisioned;
#[cfg(feature = "sdk")]
mod sdk;
#[cfg(feature = "sdk")]
mod sdk_assume;
#[cfg(feature = "sdk")]
mod sdk_convert;
#[cfg(feature = "sdk")]
pub(crate) mod sdk_error;
#[cfg(feature = "sdk")]
mod sdk_function_url;
mod triggers;
mod types;

pub use around::*;
pub use code_download::{DownloadError, MAX_CODE_BYTES};
#[cfg(feature = "sdk")]
pub use code_download::{download_code, download_code_limited};
pub use code_signing::*;
pub use config::*;
pub use config_structured::*;
pub use error::ApiError;
pub use function_url::*;
pub use permission::*;
pub use provisioned::{ProvisionedConcurrencyInfo, ProvisionedStatus};
#[cfg(feature = "sdk")]
pub use sdk::{ClientOptions, SdkFactory, SdkLambda};
pub use triggers::*;
pub use types::*;

use async_trait::async_trait;
use std::collections::BTreeMap;

/// Result of a Lambda API call.
pub type ApiResult<T> = Result<T, ApiError>;

/// The Lambda control-plane calls Flotilla makes, for one account and region.
///
/// Implementations never retry: the engine owns retries, waits and pacing.
#[async_trait]
pub trait LambdaApi: Send + Sync {
    /// GetFunction on `$LATEST` (configuration, code location, tags, concurrency).
    async fn get_function(&self, name: &str) -> ApiResult<FunctionInfo>;
    /// GetFunctionConfiguration on `$LATEST` (tags and concurrency left empty).
    async fn get_function_configuration(&self, name: &str) -> ApiResult<FunctionInfo>;
    /// CreateFunction.
    async fn create_function(&self, input: CreateFunctionInput) -> ApiResult<FunctionInfo>;
    /// UpdateFunctionCode.
    async fn update_function_code(&self, input: UpdateCodeInput) -> ApiResult<FunctionInfo>;
    /// UpdateFunctionConfiguration.
    async fn update_function_configuration(
        &self,
        input: UpdateConfigInput,
    ) -> ApiResult<FunctionInfo>;
    /// PublishVersion.
    async fn publish_version(&self, input: PublishVersionInput) -> ApiResult<VersionInfo>;
    /// ListVersionsByFunction (all pages).
    async fn list_versions(&self, name: &str) -> ApiResult<Vec<VersionInfo>>;
    /// GetAlias.
    async fn get_alias(&self, function_name: &str, alias: &str) -> ApiResult<AliasInfo>;
    /// CreateAlias.
    async fn create_alias(&self, input: AliasInput) -> ApiResult<AliasInfo>;
    /// UpdateAlias.
    async fn update_alias(&self, input: AliasInput) -> ApiResult<AliasInfo>;
    /// ListAliases (all pages).
    async fn list_aliases(&self, function_name: &str) -> ApiResult<Vec<AliasInfo>>;
    /// TagResource on a function ARN.
    async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> ApiResult<()>;
    /// UntagResource on a function ARN.
    async fn untag_resource(&self, arn: &str, keys: Vec<String>) -> ApiResult<()>;
    /// ListTags on a function ARN.
    async fn list_tags(&self, arn: &str) -> ApiResult<BTreeMap<String, String>>;
    /// PutFunctionConcurrency.
    async fn put_function_concurrency(&self, name: &str, reserved: u32) -> ApiResult<()>;
    /// DeleteFunctionConcurrency.
    async fn delete_function_concurrency(&self, name: &str) -> ApiResult<()>;
    /// DeleteFunction (the whole function, all versions).
    async fn delete_function(&self, name: &str) -> ApiResult<()>;
    /// ListFunctions (all pages).
    async fn list_functions(&self) -> ApiResult<Vec<FunctionSummary>>;
    /// ListLayerVersions (all pages) of the layer `layer_name` (a name or a layer ARN)
    /// in this client's account and region. A layer with no versions, or none at all,
    /// gives an empty list (Lambda answers 200 with no versions).
    async fn list_layer_versions(&self, layer_name: &str) -> ApiResult<Vec<LayerVersionInfo>>;
    /// GETs a zip function's package from GetFunction's `Code.Location` (a presigned
    /// URL, not a Lambda call), reading at most `max_bytes`. The default: this client
    /// cannot ([`DownloadError::Unsupported`]).
    async fn download_package(
        &self,
        location: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, DownloadError> {
        let _ = (location, max_bytes);
        Err(DownloadError::Unsupported)
    }

    /// CreateEventSourceMapping. The default: this client cannot.
    async fn create_event_source_mapping(
        &self,
        input: CreateMappingInput,
    ) -> ApiResult<MappingInfo> {
        Err(unsupported(
            "CreateEventSourceMapping",
            &input.function_name,
        ))
    }
    /// UpdateEventSourceMapping. The default: this client cannot.
    async fn update_event_source_mapping(
        &self,
        input: UpdateMappingInput,
    ) -> ApiResult<MappingInfo> {
        Err(unsupported("UpdateEventSourceMapping", &input.uuid))
    }
    /// DeleteEventSourceMapping (the mapping goes to `Deleting`, then away). The
    /// default: this client cannot.
    async fn delete_event_source_mapping(&self, uuid: &str) -> ApiResult<MappingInfo> {
        Err(unsupported("DeleteEventSourceMapping", uuid))
    }
    /// GetEventSourceMapping. The default: this client cannot.
    async fn get_event_source_mapping(&self, uuid: &str) -> ApiResult<MappingInfo> {
        Err(unsupported("GetEventSourceMapping", uuid))
    }
    /// ListEventSourceMappings of one function (`name` or `name:alias`), all pages.
    /// The default: this client cannot.
    async fn list_event_source_mappings(&self, function_name: &str) -> ApiResult<Vec<MappingInfo>> {
        Err(unsupported("ListEventSourceMappings", function_name))
    }
    /// DeleteFunction with a `Qualifier`: one published version. The default: this
    /// client cannot.
    async fn delete_function_version(&self, name: &str, version: &str) -> ApiResult<()> {
        Err(unsupported("DeleteFunction", &format!("{name}:{version}")))
    }

    /// GetProvisionedConcurrencyConfig of `qualifier` (an alias or a version). None
    /// configured is [`ApiError::NotFound`] (`ProvisionedConcurrencyConfigNotFoundException`).
    /// Clients that do not model it refuse it (the default).
    async fn get_provisioned_concurrency(
        &self,
        name: &str,
        qualifier: &str,
    ) -> ApiResult<ProvisionedConcurrencyInfo> {
        Err(unsupported(
            "GetProvisionedConcurrencyConfig",
            &format!("{name}:{qualifier}"),
        ))
    }

    /// PutProvisionedConcurrencyConfig: `count` environments on `qualifier`. Lambda
    /// answers at once (202, usually `IN_PROGRESS`); the allocation ends `READY` or
    /// `FAILED` later.
    async fn put_provisioned_concurrency(
        &self,
        name: &str,
        qualifier: &str,
        count: u32,
    ) -> ApiResult<ProvisionedConcurrencyInfo> {
        let _ = count;
        Err(unsupported(
            "PutProvisionedConcurrencyConfig",
            &format!("{name}:{qualifier}"),
        ))
    }

    /// DeleteProvisionedConcurrencyConfig of `qualifier`.
    async fn delete_provisioned_concurrency(&self, name: &str, qualifier: &str) -> ApiResult<()> {
        Err(unsupported(
            "DeleteProvisionedConcurrencyConfig",
            &format!("{name}:{qualifier}"),
        ))
    }

    /// GetFunctionEventInvokeConfig on the unqualified function; NotFound when it has
    /// none. The default: this client cannot ([`unsupported`]).
    async fn get_event_invoke_config(&self, name: &str) -> ApiResult<EventInvokeConfig> {
        Err(unsupported("GetFunctionEventInvokeConfig", name))
    }

    /// PutFunctionEventInvokeConfig on the unqualified function (replaces it whole).
    async fn put_event_invoke_config(
        &self,
        name: &str,
        config: EventInvokeConfig,
    ) -> ApiResult<EventInvokeConfig> {
        let _ = config;
        Err(unsupported("PutFunctionEventInvokeConfig", name))
    }

    /// DeleteFunctionEventInvokeConfig on the unqualified function.
    async fn delete_event_invoke_config(&self, name: &str) -> ApiResult<()> {
        Err(unsupported("DeleteFunctionEventInvokeConfig", name))
    }

    /// GetFunctionUrlConfig of `qualifier` (an alias; `None`: the unqualified
    /// function); NotFound when there is no URL. The default: this client cannot.
    async fn get_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<FunctionUrlInfo> {
        let _ = qualifier;
        Err(unsupported("GetFunctionUrlConfig", name))
    }

    /// CreateFunctionUrlConfig of `qualifier`.
    async fn create_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
        settings: FunctionUrlSettings,
    ) -> ApiResult<FunctionUrlInfo> {
        let _ = (qualifier, settings);
        Err(unsupported("CreateFunctionUrlConfig", name))
    }

    /// UpdateFunctionUrlConfig of `qualifier`, every member sent (an empty `Cors`
    /// clears it).
    async fn update_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
        settings: FunctionUrlSettings,
    ) -> ApiResult<FunctionUrlInfo> {
        let _ = (qualifier, settings);
        Err(unsupported("UpdateFunctionUrlConfig", name))
    }

    /// DeleteFunctionUrlConfig of `qualifier`.
    async fn delete_function_url_config(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<()> {
        let _ = qualifier;
        Err(unsupported("DeleteFunctionUrlConfig", name))
    }

    /// GetFunctionRecursionConfig.
    async fn get_recursion_config(&self, name: &str) -> ApiResult<RecursiveLoop> {
        Err(unsupported("GetFunctionRecursionConfig", name))
    }

    /// PutFunctionRecursionConfig.
    async fn put_recursion_config(
        &self,
        name: &str,
        recursion: RecursiveLoop,
    ) -> ApiResult<RecursiveLoop> {
        let _ = recursion;
        Err(unsupported("PutFunctionRecursionConfig", name))
    }

    /// GetRuntimeManagementConfig on the unqualified function.
    async fn get_runtime_management_config(&self, name: &str) -> ApiResult<RuntimeManagement> {
        Err(unsupported("GetRuntimeManagementConfig", name))
    }

    /// PutRuntimeManagementConfig on the unqualified function.
    async fn put_runtime_management_config(
        &self,
        name: &str,
        config: RuntimeManagement,
    ) -> ApiResult<RuntimeManagement> {
        let _ = config;
        Err(unsupported("PutRuntimeManagementConfig", name))
    }

    /// GetFunctionCodeSigningConfig: `None` when the function has none (Lambda answers
    /// an empty `CodeSigningConfigArn`).
    async fn get_function_code_signing_config(&self, name: &str) -> ApiResult<Option<String>> {
        Err(unsupported("GetFunctionCodeSigningConfig", name))
    }

    /// PutFunctionCodeSigningConfig: returns the ARN Lambda holds.
    async fn put_function_code_signing_config(&self, name: &str, arn: &str) -> ApiResult<String> {
        let _ = arn;
        Err(unsupported("PutFunctionCodeSigningConfig", name))
    }

    /// DeleteFunctionCodeSigningConfig.
    async fn delete_function_code_signing_config(&self, name: &str) -> ApiResult<()> {
        Err(unsupported("DeleteFunctionCodeSigningConfig", name))
    }

    /// Invoke, synchronously: a function error is an `Ok` with `function_error` set.
    /// Clients that cannot invoke refuse it (the default).
    async fn invoke(&self, input: InvokeInput) -> ApiResult<InvokeOutput> {
        Err(ApiError::Fatal {
            code: "UnsupportedOperation".to_owned(),
            message: format!(
                "this client cannot invoke functions (asked to invoke {})",
                input.function_name
            ),
        })
    }

    /// GetPolicy of the function (`qualifier`: a version or alias). A function without
    /// a policy gives 404 (`NotFound`). The default: this client cannot.
    async fn get_policy(&self, name: &str, qualifier: Option<&str>) -> ApiResult<PolicyInfo> {
        let _ = qualifier;
        Err(unsupported("GetPolicy", name))
    }

    /// AddPermission; returns the statement Lambda added (JSON text). The default: this
    /// client cannot.
    async fn add_permission(&self, input: AddPermissionInput) -> ApiResult<String> {
        Err(unsupported("AddPermission", &input.function_name))
    }

    /// RemovePermission. The default: this client cannot.
    async fn remove_permission(&self, input: RemovePermissionInput) -> ApiResult<()> {
        Err(unsupported("RemovePermission", &input.function_name))
    }
}

/// The error of a call a client does not make.
pub fn unsupported(op: &str, function: &str) -> ApiError {
    ApiError::Fatal {
        code: "UnsupportedOperation".to_owned(),
        message: format!("this client cannot call {op} (asked for {function})"),
    }
}
