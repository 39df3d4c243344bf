//! The cloud seam: everything Flotilla asks of Lambda goes through [`LambdaApi`].
//!
//! Types here are the crate's own; only `sdk*.rs` files import `aws_sdk_*`,
//! and the emulator in `sim` implements the same trait in process. One `LambdaApi` value
//! talks to one account and region.

mod around;
mod code_download;
mod config;
mod config_structured;
mod error;
#[cfg(feature = "sdk")]
mod sdk;
#[cfg(feature = "sdk")]
mod sdk_assume;
#[cfg(feature = "sdk")]
mod sdk_convert;
#[cfg(feature = "sdk")]
pub(crate) mod sdk_error;
mod types;

pub use around::*;
pub use code_download::{DownloadError, MAX_CODE_BYTES};
#[cfg(feature = "sdk")]
pub use code_download::{download_code, download_code_limited};
pub use config::*;
pub use config_structured::*;
pub use error::ApiError;
#[cfg(feature = "sdk")]
pub use sdk::{ClientOptions, SdkFactory, SdkLambda};
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
}

/// The error of a call a client does not make.
pub fn unsupported(op: &str, function: &str) -> ApiError {
    ApiError::Fatal {
        code: "UnsupportedOperation".to_owned(),
        message: format!("this client cannot call {op} (asked for {function})"),
    }
}
