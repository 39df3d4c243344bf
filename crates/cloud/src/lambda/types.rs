//! Crate-owned shapes of Lambda's control-plane data.
//!
//! These mirror the Lambda API closely enough that `sdk.rs` and the emulator translate
//! field by field, while the rest of the crate never sees an SDK type. The function
//! configuration itself (`FunctionConfig`, from the list of settings) is in `config.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ConfigField, FunctionConfig, Route, SettingValue};

/// AWS default memory size in MB when a function does not set one.
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// AWS default timeout in seconds.
pub const DEFAULT_TIMEOUT_S: u32 = 3;
/// AWS default ephemeral storage (`/tmp`) in MB.
pub const DEFAULT_EPHEMERAL_STORAGE_MB: u32 = 512;

/// Instruction set a function runs on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    /// `x86_64`, AWS's default.
    #[default]
    X86_64,
    /// `arm64` (Graviton).
    Arm64,
}

impl Architecture {
    /// The spelling Lambda's API uses.
    pub fn as_api_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// Parses Lambda's spelling; `None` for anything else.
    pub fn from_api_str(s: &str) -> Option<Self> {
        match s {
            "x86_64" => Some(Architecture::X86_64),
            "arm64" => Some(Architecture::Arm64),
            _ => None,
        }
    }
}

/// How a function's code is packaged.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum PackageType {
    /// A .zip archive (directly uploaded or from S3).
    #[default]
    Zip,
    /// A container image from ECR.
    Image,
}

impl PackageType {
    /// The spelling Lambda's API uses.
    pub fn as_api_str(self) -> &'static str {
        match self {
            PackageType::Zip => "Zip",
            PackageType::Image => "Image",
        }
    }

    /// Parses Lambda's spelling; `None` for anything else.
    pub fn from_api_str(s: &str) -> Option<Self> {
        match s {
            "Zip" => Some(PackageType::Zip),
            "Image" => Some(PackageType::Image),
            _ => None,
        }
    }
}

/// Where new code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSource {
    /// The bytes of a .zip archive, uploaded directly (50 MB at most).
    Zip(std::sync::Arc<Vec<u8>>),
    /// A .zip archive in S3.
    S3 {
        /// Bucket name.
        bucket: String,
        /// Object key.
        key: String,
        /// Object version, for versioned buckets.
        version: Option<String>,
    },
    /// A container image URI.
    Image(String),
}

/// `State` of a function. Unknown values are kept, not rejected: Lambda adds new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FunctionStateKind {
    /// Being created or (on some emulators) updated.
    Pending,
    /// Ready.
    Active,
    /// Idle long enough that Lambda reclaimed its resources.
    Inactive,
    /// Creation failed; final.
    Failed,
    /// A value this build does not know.
    Other(String),
}

impl FunctionStateKind {
    /// Parses Lambda's spelling.
    pub fn from_api_str(s: &str) -> Self {
        match s {
            "Pending" => Self::Pending,
            "Active" => Self::Active,
            "Inactive" => Self::Inactive,
            "Failed" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Lambda's spelling.
    pub fn as_api_str(&self) -> &str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Inactive => "Inactive",
            Self::Failed => "Failed",
            Self::Other(s) => s,
        }
    }
}

/// `LastUpdateStatus` of a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LastUpdateStatus {
    /// An update is running; further updates get 409.
    InProgress,
    /// The last update finished.
    Successful,
    /// The last update failed; see the reason.
    Failed,
    /// A value this build does not know.
    Other(String),
}

impl LastUpdateStatus {
    /// Parses Lambda's spelling.
    pub fn from_api_str(s: &str) -> Self {
        match s {
            "InProgress" => Self::InProgress,
            "Successful" => Self::Successful,
            "Failed" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Lambda's spelling.
    pub fn as_api_str(&self) -> &str {
        match self {
            Self::InProgress => "InProgress",
            Self::Successful => "Successful",
            Self::Failed => "Failed",
            Self::Other(s) => s,
        }
    }
}

/// What `GetFunction` tells about one function (or one version of it).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionInfo {
    /// Lambda function name (not the ARN).
    pub name: String,
    /// The configuration, in canonical shape (AWS defaults as Lambda reports them).
    pub config: FunctionConfig,
    /// Full ARN of the function (unqualified for `$LATEST`).
    pub arn: String,
    /// `State`; `None` when the endpoint omits it.
    pub state: Option<FunctionStateKind>,
    /// `StateReason`.
    pub state_reason: Option<String>,
    /// `StateReasonCode`.
    pub state_reason_code: Option<String>,
    /// `LastUpdateStatus`; `None` when the endpoint omits it.
    pub last_update_status: Option<LastUpdateStatus>,
    /// `LastUpdateStatusReason`.
    pub last_update_status_reason: Option<String>,
    /// `LastUpdateStatusReasonCode`.
    pub last_update_status_reason_code: Option<String>,
    /// `RevisionId`; some emulators omit it.
    pub revision_id: Option<String>,
    /// Base64 of the SHA-256 of the deployment package.
    pub code_sha256: String,
    /// Size of the deployment package in bytes.
    pub code_size: u64,
    /// `Version`: `$LATEST` or a number.
    pub version: String,
    /// `LastModified`, as Lambda formats it (ISO 8601).
    pub last_modified: String,
    /// The image URI for image functions (from `Code.ImageUri`).
    pub image_uri: Option<String>,
    /// The resolved image URI with digest, when the endpoint reports it.
    pub resolved_image_uri: Option<String>,
    /// Tags on the function.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency, when set.
    pub reserved_concurrency: Option<u32>,
    /// Where the zip can be downloaded (`Code.Location` of GetFunction: a presigned URL
    /// valid for ten minutes); `None` for images and for other operations.
    pub code_location: Option<String>,
}

impl FunctionInfo {
    /// True when another update may start: not `Pending` and not `InProgress`.
    /// Missing fields count as stable (moto omits them).
    pub fn is_stable(&self) -> bool {
        !matches!(self.state, Some(FunctionStateKind::Pending))
            && !matches!(self.last_update_status, Some(LastUpdateStatus::InProgress))
    }
}

/// Input of `CreateFunction`.
#[derive(Debug, Clone)]
pub struct CreateFunctionInput {
    /// Function name.
    pub name: String,
    /// The configuration to create.
    pub config: FunctionConfig,
    /// The code.
    pub code: CodeSource,
    /// Publish version 1 on create.
    pub publish: bool,
    /// Tags to set at create.
    pub tags: BTreeMap<String, String>,
    /// `CodeSigningConfigArn`: the code signing configuration to create it with.
    pub code_signing_config_arn: Option<String>,
}

/// Input of `UpdateFunctionCode`.
#[derive(Debug, Clone)]
pub struct UpdateCodeInput {
    /// Function name.
    pub name: String,
    /// The new code.
    pub code: CodeSource,
    /// Expected `RevisionId`; a mismatch gives `PreconditionFailed`.
    pub revision_id: Option<String>,
    /// Instruction set to switch to with the code, if any.
    pub architecture: Option<Architecture>,
}

/// Input of `UpdateFunctionConfiguration`: only the listed fields are sent, with their
/// values in `config` (the others are ignored).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateConfigInput {
    /// Function name.
    pub name: String,
    /// Expected `RevisionId`.
    pub revision_id: Option<String>,
    /// The values to send.
    pub config: FunctionConfig,
    /// The settings to send, each [`Route::Configuration`] and with a value: Lambda
    /// cannot unset a setting by leaving it out.
    pub fields: Vec<ConfigField>,
}

impl UpdateConfigInput {
    /// An update of `fields` to `config`'s values; unmanaged structured settings
    /// (`None` where [`ConfigField::absent_leaves_alone`]) and fields another call
    /// changes are dropped. Another absent value is sent as a removal (no KMS key, no
    /// dead-letter queue).
    pub fn new(name: impl Into<String>, config: FunctionConfig, fields: &[ConfigField]) -> Self {
        let fields = fields
            .iter()
            .copied()
            .filter(|f| {
                f.route() == Route::Configuration
                    && !(f.absent_leaves_alone() && config.value(*f) == SettingValue::Absent)
            })
            .collect();
        UpdateConfigInput {
            name: name.into(),
            revision_id: None,
            config,
            fields,
        }
    }

    /// An update of one setting, the others left as they are.
    pub fn one(
        name: impl Into<String>,
        field: ConfigField,
        set: impl FnOnce(&mut FunctionConfig),
    ) -> Self {
        let mut config = FunctionConfig::lambda_defaults();
        set(&mut config);
        Self::new(name, config, &[field])
    }

    /// The listed fields of `live` that differ from the values sent.
    pub fn mismatches(&self, live: &FunctionConfig) -> Vec<ConfigField> {
        self.config
            .changed_fields(live)
            .into_iter()
            .filter(|f| self.fields.contains(f))
            .collect()
    }
}

/// Input of `PublishVersion`.
#[derive(Debug, Clone, Default)]
pub struct PublishVersionInput {
    /// Function name.
    pub name: String,
    /// Publish only if `$LATEST` has this `CodeSha256`.
    pub code_sha256: Option<String>,
    /// Publish only if `$LATEST` has this `RevisionId`.
    pub revision_id: Option<String>,
    /// Description of the version.
    pub description: Option<String>,
}

/// An alias and where it points.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasInfo {
    /// Alias name.
    pub name: String,
    /// Alias ARN.
    pub arn: String,
    /// Version it points to.
    pub function_version: String,
    /// Description.
    pub description: String,
    /// Weighted routing: extra version → weight (0.0–1.0).
    pub routing: BTreeMap<String, f64>,
    /// `RevisionId` of the alias.
    pub revision_id: Option<String>,
}

/// Input of `CreateAlias` and `UpdateAlias`.
#[derive(Debug, Clone, Default)]
pub struct AliasInput {
    /// Function name.
    pub function_name: String,
    /// Alias name.
    pub name: String,
    /// Version to point to.
    pub function_version: String,
    /// Description.
    pub description: Option<String>,
    /// Weighted routing.
    pub routing: BTreeMap<String, f64>,
    /// Expected alias `RevisionId` (update only).
    pub revision_id: Option<String>,
}

/// Input of `Invoke` (synchronous, `RequestResponse`).
#[derive(Debug, Clone, Default)]
pub struct InvokeInput {
    /// Function name or ARN.
    pub function_name: String,
    /// Version or alias to invoke (`None`: `$LATEST`).
    pub qualifier: Option<String>,
    /// The event, JSON.
    pub payload: Vec<u8>,
}

/// What `Invoke` answered.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeOutput {
    /// The HTTP status (200 for a synchronous invoke).
    pub status: u16,
    /// `X-Amz-Function-Error` (`Unhandled`, `Handled`): the function failed, and the
    /// payload describes how.
    pub function_error: Option<String>,
    /// `X-Amz-Executed-Version`: the version that ran (an alias resolves to one).
    pub executed_version: Option<String>,
    /// The function's response (or error object).
    pub payload: Vec<u8>,
}

/// A published version, from `ListVersionsByFunction` or `PublishVersion`.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionInfo {
    /// `$LATEST` or a number.
    pub version: String,
    /// `CodeSha256` of that version.
    pub code_sha256: String,
    /// Description.
    pub description: String,
    /// `RevisionId` of that version.
    pub revision_id: Option<String>,
    /// `LastModified` of that version.
    pub last_modified: String,
}

/// A function in `ListFunctions`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSummary {
    /// Function name.
    pub name: String,
    /// Function ARN.
    pub arn: String,
}

/// One version of a layer, from `ListLayerVersions` (or `PublishLayerVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LayerVersionInfo {
    /// ARN of the layer version (`arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`),
    /// what a function's `Layers` lists.
    pub layer_version_arn: String,
    /// The version number.
    pub version: u64,
    /// Description of the version.
    pub description: String,
    /// `CreatedDate`, as Lambda formats it (ISO 8601).
    pub created_date: String,
    /// Runtimes the publisher declared; empty means "not declared" (any).
    pub compatible_runtimes: Vec<String>,
    /// Architectures the publisher declared (`x86_64`, `arm64`); empty means any.
    pub compatible_architectures: Vec<String>,
}

/// Which call an error or a counter refers to; used by the emulator's counters, fault
/// injection and the engine's rate limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiOp {
    /// GetFunction (its own 100/s quota).
    GetFunction,
    /// GetFunctionConfiguration.
    GetFunctionConfiguration,
    /// CreateFunction.
    CreateFunction,
    /// UpdateFunctionCode.
    UpdateFunctionCode,
    /// UpdateFunctionConfiguration.
    UpdateFunctionConfiguration,
    /// PublishVersion.
    PublishVersion,
    /// ListVersionsByFunction.
    ListVersionsByFunction,
    /// GetAlias.
    GetAlias,
    /// CreateAlias.
    CreateAlias,
    /// UpdateAlias.
    UpdateAlias,
    /// ListAliases.
    ListAliases,
    /// TagResource.
    TagResource,
    /// UntagResource.
    UntagResource,
    /// ListTags.
    ListTags,
    /// PutFunctionConcurrency.
    PutFunctionConcurrency,
    /// DeleteFunctionConcurrency.
    DeleteFunctionConcurrency,
    /// DeleteFunction.
    DeleteFunction,
    /// ListFunctions.
    ListFunctions,
    /// ListLayerVersions.
    ListLayerVersions,
    /// PublishLayerVersion.
    PublishLayerVersion,
    /// Invoke (the data plane: no control-plane quota).
    Invoke,
    /// CreateEventSourceMapping.
    CreateEventSourceMapping,
    /// UpdateEventSourceMapping.
    UpdateEventSourceMapping,
    /// DeleteEventSourceMapping.
    DeleteEventSourceMapping,
    /// GetEventSourceMapping.
    GetEventSourceMapping,
    /// ListEventSourceMappings.
    ListEventSourceMappings,
    /// GetProvisionedConcurrencyConfig.
    GetProvisionedConcurrencyConfig,
    /// PutProvisionedConcurrencyConfig.
    PutProvisionedConcurrencyConfig,
    /// DeleteProvisionedConcurrencyConfig.
    DeleteProvisionedConcurrencyConfig,
    /// ListProvisionedConcurrencyConfigs.
    ListProvisionedConcurrencyConfigs,
    /// GetPolicy.
    GetPolicy,
    /// AddPermission.
    AddPermission,
    /// RemovePermission.
    RemovePermission,
    /// GetFunctionEventInvokeConfig.
    GetFunctionEventInvokeConfig,
    /// PutFunctionEventInvokeConfig.
    PutFunctionEventInvokeConfig,
    /// DeleteFunctionEventInvokeConfig.
    DeleteFunctionEventInvokeConfig,
    /// GetFunctionRecursionConfig.
    GetFunctionRecursionConfig,
    /// PutFunctionRecursionConfig.
    PutFunctionRecursionConfig,
    /// GetRuntimeManagementConfig.
    GetRuntimeManagementConfig,
    /// PutRuntimeManagementConfig.
    PutRuntimeManagementConfig,
    /// GetFunctionCodeSigningConfig.
    GetFunctionCodeSigningConfig,
    /// PutFunctionCodeSigningConfig.
    PutFunctionCodeSigningConfig,
    /// DeleteFunctionCodeSigningConfig.
    DeleteFunctionCodeSigningConfig,
    /// CreateCodeSigningConfig.
    CreateCodeSigningConfig,
    /// GetCodeSigningConfig.
    GetCodeSigningConfig,
    /// ListCodeSigningConfigs.
    ListCodeSigningConfigs,
    /// UpdateCodeSigningConfig.
    UpdateCodeSigningConfig,
    /// DeleteCodeSigningConfig.
    DeleteCodeSigningConfig,
    /// GetFunctionUrlConfig.
    GetFunctionUrlConfig,
    /// CreateFunctionUrlConfig.
    CreateFunctionUrlConfig,
    /// UpdateFunctionUrlConfig.
    UpdateFunctionUrlConfig,
    /// DeleteFunctionUrlConfig.
    DeleteFunctionUrlConfig,
    /// ListFunctionUrlConfigs.
    ListFunctionUrlConfigs,
}

impl ApiOp {
    /// Every operation, in declaration order.
    pub const ALL: [ApiOp; 53] = [
        ApiOp::GetFunction,
        ApiOp::GetFunctionConfiguration,
        ApiOp::CreateFunction,
        ApiOp::UpdateFunctionCode,
        ApiOp::UpdateFunctionConfiguration,
        ApiOp::PublishVersion,
        ApiOp::ListVersionsByFunction,
        ApiOp::GetAlias,
        ApiOp::CreateAlias,
        ApiOp::UpdateAlias,
        ApiOp::ListAliases,
        ApiOp::TagResource,
        ApiOp::UntagResource,
        ApiOp::ListTags,
        ApiOp::PutFunctionConcurrency,
        ApiOp::DeleteFunctionConcurrency,
        ApiOp::DeleteFunction,
        ApiOp::ListFunctions,
        ApiOp::ListLayerVersions,
        ApiOp::PublishLayerVersion,
        ApiOp::Invoke,
        ApiOp::CreateEventSourceMapping,
        ApiOp::UpdateEventSourceMapping,
        ApiOp::DeleteEventSourceMapping,
        ApiOp::GetEventSourceMapping,
        ApiOp::ListEventSourceMappings,
        ApiOp::GetProvisionedConcurrencyConfig,
        ApiOp::PutProvisionedConcurrencyConfig,
        ApiOp::DeleteProvisionedConcurrencyConfig,
        ApiOp::ListProvisionedConcurrencyConfigs,
        ApiOp::GetPolicy,
        ApiOp::AddPermission,
        ApiOp::RemovePermission,
        ApiOp::GetFunctionEventInvokeConfig,
        ApiOp::PutFunctionEventInvokeConfig,
        ApiOp::DeleteFunctionEventInvokeConfig,
        ApiOp::GetFunctionRecursionConfig,
        ApiOp::PutFunctionRecursionConfig,
        ApiOp::GetRuntimeManagementConfig,
        ApiOp::PutRuntimeManagementConfig,
        ApiOp::GetFunctionCodeSigningConfig,
        ApiOp::PutFunctionCodeSigningConfig,
        ApiOp::DeleteFunctionCodeSigningConfig,
        ApiOp::CreateCodeSigningConfig,
        ApiOp::GetCodeSigningConfig,
        ApiOp::ListCodeSigningConfigs,
        ApiOp::UpdateCodeSigningConfig,
        ApiOp::DeleteCodeSigningConfig,
        ApiOp::GetFunctionUrlConfig,
        ApiOp::CreateFunctionUrlConfig,
        ApiOp::UpdateFunctionUrlConfig,
        ApiOp::DeleteFunctionUrlConfig,
        ApiOp::ListFunctionUrlConfigs,
    ];

    /// Lambda's operation name.
    pub fn name(self) -> &'static str {
        match self {
            ApiOp::GetFunction => "GetFunction",
            ApiOp::GetFunctionConfiguration => "GetFunctionConfiguration",
            ApiOp::CreateFunction => "CreateFunction",
            ApiOp::UpdateFunctionCode => "UpdateFunctionCode",
            ApiOp::UpdateFunctionConfiguration => "UpdateFunctionConfiguration",
            ApiOp::PublishVersion => "PublishVersion",
            ApiOp::ListVersionsByFunction => "ListVersionsByFunction",
            ApiOp::GetAlias => "GetAlias",
            ApiOp::CreateAlias => "CreateAlias",
            ApiOp::UpdateAlias => "UpdateAlias",
            ApiOp::ListAliases => "ListAliases",
            ApiOp::TagResource => "TagResource",
            ApiOp::UntagResource => "UntagResource",
            ApiOp::ListTags => "ListTags",
            ApiOp::PutFunctionConcurrency => "PutFunctionConcurrency",
            ApiOp::DeleteFunctionConcurrency => "DeleteFunctionConcurrency",
            ApiOp::DeleteFunction => "DeleteFunction",
            ApiOp::ListFunctions => "ListFunctions",
            ApiOp::ListLayerVersions => "ListLayerVersions",
            ApiOp::PublishLayerVersion => "PublishLayerVersion",
            ApiOp::Invoke => "Invoke",
            ApiOp::CreateEventSourceMapping => "CreateEventSourceMapping",
            ApiOp::UpdateEventSourceMapping => "UpdateEventSourceMapping",
            ApiOp::DeleteEventSourceMapping => "DeleteEventSourceMapping",
            ApiOp::GetEventSourceMapping => "GetEventSourceMapping",
            ApiOp::ListEventSourceMappings => "ListEventSourceMappings",
            ApiOp::GetProvisionedConcurrencyConfig => "GetProvisionedConcurrencyConfig",
            ApiOp::PutProvisionedConcurrencyConfig => "PutProvisionedConcurrencyConfig",
            ApiOp::DeleteProvisionedConcurrencyConfig => "DeleteProvisionedConcurrencyConfig",
            ApiOp::ListProvisionedConcurrencyConfigs => "ListProvisionedConcurrencyConfigs",
            ApiOp::GetPolicy => "GetPolicy",
            ApiOp::AddPermission => "AddPermission",
            ApiOp::RemovePermission => "RemovePermission",
            ApiOp::GetFunctionEventInvokeConfig => "GetFunctionEventInvokeConfig",
            ApiOp::PutFunctionEventInvokeConfig => "PutFunctionEventInvokeConfig",
            ApiOp::DeleteFunctionEventInvokeConfig => "DeleteFunctionEventInvokeConfig",
            ApiOp::GetFunctionRecursionConfig => "GetFunctionRecursionConfig",
            ApiOp::PutFunctionRecursionConfig => "PutFunctionRecursionConfig",
            ApiOp::GetRuntimeManagementConfig => "GetRuntimeManagementConfig",
            ApiOp::PutRuntimeManagementConfig => "PutRuntimeManagementConfig",
            ApiOp::GetFunctionCodeSigningConfig => "GetFunctionCodeSigningConfig",
            ApiOp::PutFunctionCodeSigningConfig => "PutFunctionCodeSigningConfig",
            ApiOp::DeleteFunctionCodeSigningConfig => "DeleteFunctionCodeSigningConfig",
            ApiOp::CreateCodeSigningConfig => "CreateCodeSigningConfig",
            ApiOp::GetCodeSigningConfig => "GetCodeSigningConfig",
            ApiOp::ListCodeSigningConfigs => "ListCodeSigningConfigs",
            ApiOp::UpdateCodeSigningConfig => "UpdateCodeSigningConfig",
            ApiOp::DeleteCodeSigningConfig => "DeleteCodeSigningConfig",
            ApiOp::GetFunctionUrlConfig => "GetFunctionUrlConfig",
            ApiOp::CreateFunctionUrlConfig => "CreateFunctionUrlConfig",
            ApiOp::UpdateFunctionUrlConfig => "UpdateFunctionUrlConfig",
            ApiOp::DeleteFunctionUrlConfig => "DeleteFunctionUrlConfig",
            ApiOp::ListFunctionUrlConfigs => "ListFunctionUrlConfigs",
        }
    }

    /// Parses Lambda's operation name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == s)
    }

    /// True for GetFunction, which has its own quota (100/s); every other call shares
    /// the control-plane quota (15/s).
    pub fn is_get_function(self) -> bool {
        matches!(self, ApiOp::GetFunction)
    }

    /// True for Invoke, which runs the function: Lambda's control-plane quotas do not
    /// apply to it (its concurrency does).
    pub fn is_data_plane(self) -> bool {
        matches!(self, ApiOp::Invoke)
    }

    /// True for calls that change something.
    pub fn is_mutation(self) -> bool {
        matches!(
            self,
            ApiOp::CreateFunction
                | ApiOp::UpdateFunctionCode
                | ApiOp::UpdateFunctionConfiguration
                | ApiOp::PublishVersion
                | ApiOp::CreateAlias
                | ApiOp::UpdateAlias
                | ApiOp::TagResource
                | ApiOp::UntagResource
                | ApiOp::PutFunctionConcurrency
                | ApiOp::DeleteFunctionConcurrency
                | ApiOp::DeleteFunction
                | ApiOp::PublishLayerVersion
                | ApiOp::CreateEventSourceMapping
                | ApiOp::UpdateEventSourceMapping
                | ApiOp::DeleteEventSourceMapping
                | ApiOp::PutProvisionedConcurrencyConfig
                | ApiOp::DeleteProvisionedConcurrencyConfig
                | ApiOp::AddPermission
                | ApiOp::RemovePermission
                | ApiOp::PutFunctionEventInvokeConfig
                | ApiOp::DeleteFunctionEventInvokeConfig
                | ApiOp::PutFunctionRecursionConfig
                | ApiOp::PutRuntimeManagementConfig
                | ApiOp::CreateFunctionUrlConfig
                | ApiOp::UpdateFunctionUrlConfig
                | ApiOp::DeleteFunctionUrlConfig
        )
    }
}

/// Retry hint carried by a throttling error.
pub type RetryAfter = Option<Duration>;
