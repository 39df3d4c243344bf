//! Resource-based policy statements of a function (AddPermission, RemovePermission,
//! GetPolicy): the crate's own request and response types.

use serde::{Deserialize, Serialize};

/// The action a statement grants when the manifest names none.
pub const DEFAULT_PERMISSION_ACTION: &str = "lambda:InvokeFunction";

/// One statement of a function's resource-based policy, as AddPermission takes it and
/// as read back from GetPolicy's document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// `StatementId` (`Sid`).
    pub sid: String,
    /// `Action`, e.g. `lambda:InvokeFunction`.
    pub action: String,
    /// `Principal`: a service (`s3.amazonaws.com`), an account id, an ARN or `*`.
    pub principal: String,
    /// `SourceArn` (the policy's `ArnLike` `AWS:SourceArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
    /// `SourceAccount` (`StringEquals` `AWS:SourceAccount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account: Option<String>,
    /// `PrincipalOrgID` (`StringEquals` `aws:PrincipalOrgID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_org_id: Option<String>,
    /// `FunctionUrlAuthType` (`StringEquals` `lambda:FunctionUrlAuthType`): `NONE` or
    /// `AWS_IAM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_url_auth_type: Option<String>,
    /// `InvokedViaFunctionUrl` (`Bool` `lambda:InvokedViaFunctionUrl`): the statement
    /// holds only for invocations through a function URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_via_function_url: Option<bool>,
}

/// An AddPermission request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddPermissionInput {
    /// Function name or ARN.
    pub function_name: String,
    /// Version or alias; `None`: the unqualified function.
    pub qualifier: Option<String>,
    /// The statement.
    pub permission: Permission,
    /// The policy's `RevisionId` the caller read; the call fails with 412 if it moved.
    pub revision_id: Option<String>,
}

/// A RemovePermission request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovePermissionInput {
    /// Function name or ARN.
    pub function_name: String,
    /// Version or alias; `None`: the unqualified function.
    pub qualifier: Option<String>,
    /// The statement's id.
    pub sid: String,
    /// The policy's `RevisionId` the caller read; the call fails with 412 if it moved.
    pub revision_id: Option<String>,
}

/// What GetPolicy returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    /// The policy document (JSON text).
    pub policy: String,
    /// The policy's `RevisionId`.
    pub revision_id: Option<String>,
}
