//! IAM facts Flotilla relies on: the shape of a role ARN and a role to assume.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleArn(String);

impl RoleArn {
    /// Checks the shape; the error says what is wrong.
    pub fn new(value: impl Into<String>) -> Result<Self, String> {
        let value = value.into();
        parse_role_arn(&value)?;
        Ok(Self(value))
    }

    /// The ARN.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 12-digit account the role lives in.
    pub fn account(&self) -> &str {
        // Checked at construction: the fifth field is 12 digits.
        self.0.split(':').nth(4).unwrap_or_default()
    }
}

impl TryFrom<String> for RoleArn {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::new(value)
    }
}

impl From<RoleArn> for String {
    fn from(value: RoleArn) -> String {
        value.0
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Characters IAM allows in role names and paths (besides ASCII letters and digits).
pub fn iam_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)
}

fn parse_role_arn(s: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{s}` is not an IAM role ARN: {why}"));
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return bad("expected arn:aws:iam::ACCOUNT:role/NAME");
    };
    if *arn != "arn" || !partition.starts_with("aws") {
        return bad("it must start with `arn:aws`");
    }
    if *service != "iam" || !region.is_empty() {
        return bad("the service must be `iam` with an empty region (`arn:aws:iam::`)");
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return bad("the account must be 12 digits");
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return bad("the resource must be `role/NAME`");
    };
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    let path_ok = path_and_name.bytes().all(|b| b == b'/' || iam_name_char(b));
    if name.is_empty() || name.len() > 64 || !path_ok || path_and_name.len() > 576 {
        return bad("the role name must be 1–64 of letters, digits and `+=,.@_-`");
    }
    Ok(())
}

/// A role to assume for every call to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssumeRole {
    /// The role's ARN.
    #[schemars(with = "String")]
    pub role_arn: RoleArn,
    /// The STS role session name (`flotilla-<environment>`), visible in CloudTrail.
    pub session_name: String,
    /// The external ID the role's trust policy requires, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}
