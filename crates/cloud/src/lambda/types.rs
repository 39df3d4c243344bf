//! Crate-owned shapes of Lambda's control-plane data.
//!
//! These mirror the Lambda API closely enough that `sdk.rs` and the emulator translate
//! field by field, while the rest of the crate never sees an SDK type. `FunctionConfig`
//! is the one canonical shape: the planner turns both the manifest and the live function
//! into it (with AWS defaults filled) before diffing.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

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

/// The configuration of a function, in the one shape desired and live state share: the
/// manifest's model holds one, a plan's `DesiredConfig` wraps one (environment values by
/// reference, hence the `E` parameter), `GetFunction` returns one and the emulator
/// stores one.
///
/// Optional fields are `None` where Lambda has no value (a zip function has no image
/// URI; an image function has no runtime or handler). The name is not part of it: it
/// identifies the function and sits beside the configuration.
///
/// Adding a field: the plan's diff (`flotilla-core` `plan/diff.rs`) and the emulator
/// (`flotilla-sim` `ops_function.rs`) destructure this struct without `..`, so a field
/// either of them does not handle fails to compile there. Besides this struct, a new
/// setting needs its manifest key and validation, its SDK conversion (`sdk_convert.rs`)
/// and the emulator's wire parse (`http/wire.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FunctionConfig<E = String> {
    /// Execution role ARN.
    pub role: String,
    /// Runtime; `None` for images.
    pub runtime: Option<String>,
    /// Handler; `None` for images.
    pub handler: Option<String>,
    /// Description.
    pub description: String,
    /// Memory in MB.
    pub memory_mb: u32,
    /// Timeout in seconds.
    pub timeout_s: u32,
    /// Ephemeral storage in MB.
    pub ephemeral_storage_mb: u32,
    /// Instruction set.
    pub architecture: Architecture,
    /// The whole environment map (Lambda replaces it as a whole).
    pub environment: BTreeMap<String, E>,
    /// Layer ARNs, in order.
    pub layers: Vec<String>,
    /// Zip or image.
    pub package_type: PackageType,
}

impl<E> FunctionConfig<E> {
    /// The same configuration with each environment value mapped by `f` (key, value).
    pub fn map_environment<F>(self, mut f: impl FnMut(&str, E) -> F) -> FunctionConfig<F> {
        let FunctionConfig {
            role,
            runtime,
            handler,
            description,
            memory_mb,
            timeout_s,
            ephemeral_storage_mb,
            architecture,
            environment,
            layers,
            package_type,
        } = self;
        FunctionConfig {
            role,
            runtime,
            handler,
            description,
            memory_mb,
            timeout_s,
            ephemeral_storage_mb,
            architecture,
            environment: environment
                .into_iter()
                .map(|(k, v)| {
                    let v = f(&k, v);
                    (k, v)
                })
                .collect(),
            layers,
            package_type,
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

/// Input of `UpdateFunctionConfiguration`: only the fields set are sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateConfigInput {
    /// Function name.
    pub name: String,
    /// Expected `RevisionId`.
    pub revision_id: Option<String>,
    /// New role.
    pub role: Option<String>,
    /// New runtime.
    pub runtime: Option<String>,
    /// New handler.
    pub handler: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New memory size.
    pub memory_mb: Option<u32>,
    /// New timeout.
    pub timeout_s: Option<u32>,
    /// New ephemeral storage.
    pub ephemeral_storage_mb: Option<u32>,
    /// The whole new environment (Lambda replaces the map).
    pub environment: Option<BTreeMap<String, String>>,
    /// The whole new layer list.
    pub layers: Option<Vec<String>>,
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
}

impl ApiOp {
    /// Every operation, in declaration order.
    pub const ALL: [ApiOp; 20] = [
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
        )
    }
}

/// Retry hint carried by a throttling error.
pub type RetryAfter = Option<Duration>;
