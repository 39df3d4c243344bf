//! Function URLs (CreateFunctionUrlConfig, GetFunctionUrlConfig,
//! UpdateFunctionUrlConfig, DeleteFunctionUrlConfig): the crate's own types.

use serde::{Deserialize, Serialize};

/// The statement id of the public-access statement a URL with `AuthType: NONE` needs
/// (`lambda:InvokeFunctionUrl` to `*`), as the console names it.
pub const URL_PUBLIC_ACCESS_SID: &str = "FunctionURLAllowPublicAccess";

/// The statement id of the `lambda:InvokeFunction` statement (condition
/// `lambda:InvokedViaFunctionUrl`) new public URLs need since October 2025.
pub const URL_INVOKE_ACTION_SID: &str = "FunctionURLAllowInvokeAction";

/// botocore's `AllowOriginsList`/`HeadersList` `max`.
pub const MAX_CORS_ITEMS: usize = 100;
/// botocore's `AllowMethodsList` `max`.
pub const MAX_CORS_METHODS: usize = 6;
/// botocore's `Origin` `max`.
pub const MAX_CORS_ORIGIN_LEN: usize = 253;
/// botocore's `Header` `max`.
pub const MAX_CORS_HEADER_LEN: usize = 1024;
/// botocore's `MaxAge` `max`.
pub const MAX_CORS_MAX_AGE: u32 = 86_400;

/// The HTTP methods a CORS `AllowMethods` may name (besides `*`).
pub const CORS_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// `AuthType` of a function URL.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum UrlAuthType {
    /// `NONE`: public; the resource-based policy must allow it.
    None,
    /// `AWS_IAM`: callers sign with IAM credentials.
    #[default]
    AwsIam,
}

impl UrlAuthType {
    /// Lambda's name.
    pub fn as_api_str(self) -> &'static str {
        match self {
            UrlAuthType::None => "NONE",
            UrlAuthType::AwsIam => "AWS_IAM",
        }
    }

    /// Lambda's name read back (`None` for one this crate does not know).
    pub fn from_api_str(s: &str) -> Option<Self> {
        match s {
            "NONE" => Some(UrlAuthType::None),
            "AWS_IAM" => Some(UrlAuthType::AwsIam),
            _ => None,
        }
    }

    /// The manifest's word.
    pub fn word(self) -> &'static str {
        match self {
            UrlAuthType::None => "none",
            UrlAuthType::AwsIam => "aws_iam",
        }
    }
}

/// `InvokeMode` of a function URL.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum UrlInvokeMode {
    /// `BUFFERED` (Lambda's default).
    #[default]
    Buffered,
    /// `RESPONSE_STREAM`.
    ResponseStream,
}

impl UrlInvokeMode {
    /// Lambda's name.
    pub fn as_api_str(self) -> &'static str {
        match self {
            UrlInvokeMode::Buffered => "BUFFERED",
            UrlInvokeMode::ResponseStream => "RESPONSE_STREAM",
        }
    }

    /// Lambda's name read back; absent or unknown is Lambda's default.
    pub fn from_api_str(s: Option<&str>) -> Self {
        match s {
            Some("RESPONSE_STREAM") => UrlInvokeMode::ResponseStream,
            _ => UrlInvokeMode::Buffered,
        }
    }

    /// The manifest's word.
    pub fn word(self) -> &'static str {
        match self {
            UrlInvokeMode::Buffered => "buffered",
            UrlInvokeMode::ResponseStream => "response_stream",
        }
    }
}

/// `Cors` of a function URL, Lambda's defaults filled (no list, no credentials, max age
/// 0): a URL without `Cors` equals one with `Cors::default()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UrlCors {
    /// `AllowOrigins`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<String>,
    /// `AllowMethods`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    /// `AllowHeaders`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    /// `ExposeHeaders`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    /// `AllowCredentials`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_credentials: bool,
    /// `MaxAge`, seconds (0–86400).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_age: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

impl UrlCors {
    /// True when it says nothing (what Lambda means by no `Cors`).
    pub fn is_empty(&self) -> bool {
        *self == UrlCors::default()
    }

    /// Why Lambda would refuse it (botocore's `Cors` limits), if it would.
    pub fn problem(&self) -> Option<String> {
        let lists = [
            ("allow_origins", &self.allow_origins, MAX_CORS_ORIGIN_LEN),
            ("allow_headers", &self.allow_headers, MAX_CORS_HEADER_LEN),
            ("expose_headers", &self.expose_headers, MAX_CORS_HEADER_LEN),
        ];
        for (name, list, max_len) in lists {
            if list.len() > MAX_CORS_ITEMS {
                return Some(format!("{name} has more than {MAX_CORS_ITEMS} items"));
            }
            if list.iter().any(|v| v.is_empty() || v.len() > max_len) {
                return Some(format!("{name} has a value not 1–{max_len} characters"));
            }
        }
        if self.allow_methods.len() > MAX_CORS_METHODS {
            return Some(format!(
                "allow_methods has more than {MAX_CORS_METHODS} items"
            ));
        }
        if let Some(m) = self
            .allow_methods
            .iter()
            .find(|m| *m != "*" && !CORS_METHODS.contains(&m.as_str()))
        {
            return Some(format!(
                "allow_methods has `{m}`, not `*` or an HTTP method"
            ));
        }
        if self.max_age > MAX_CORS_MAX_AGE {
            return Some(format!("max_age is above {MAX_CORS_MAX_AGE}"));
        }
        None
    }
}

/// The settings of a function URL, Lambda's defaults filled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionUrlSettings {
    /// `AuthType`.
    pub auth: UrlAuthType,
    /// `InvokeMode`.
    #[serde(default)]
    pub invoke_mode: UrlInvokeMode,
    /// `Cors` (empty: none).
    #[serde(default, skip_serializing_if = "UrlCors::is_empty")]
    pub cors: UrlCors,
}

/// A function URL as Lambda returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionUrlInfo {
    /// `FunctionUrl`, e.g. `https://abc….lambda-url.eu-north-1.on.aws/`.
    pub url: String,
    /// `FunctionArn`.
    pub function_arn: String,
    /// The settings.
    pub settings: FunctionUrlSettings,
    /// `CreationTime`.
    pub creation_time: String,
    /// `LastModifiedTime` (absent from CreateFunctionUrlConfig's response).
    pub last_modified_time: Option<String>,
}
