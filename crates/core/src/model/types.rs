//! The validated fleet: what the manifest means once every check passed.
//!
//! A value of these types cannot be invalid: constructors check their bounds, and the
//! only way to build a [`Model`] from YAML is `model::validate`. The planner reads a
//! `Model`; nothing downstream re-reads the manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use flotilla_cloud::lambda::{ConfigField, FunctionConfig, PackageType, SettingValue};

pub use super::assume_role::{AssumeRole, MAX_SESSION_NAME, RoleArn, session_name};

macro_rules! bounded_u32 {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "u32", into = "u32")]
        pub struct $name(u32);

        impl $name {
            /// Smallest value Lambda accepts.
            pub const MIN: u32 = $min;
            /// Largest value Lambda accepts.
            pub const MAX: u32 = $max;

            /// Checks the bounds.
            pub fn new(value: u32) -> Result<Self, OutOfRange> {
                if (Self::MIN..=Self::MAX).contains(&value) {
                    Ok(Self(value))
                } else {
                    Err(OutOfRange { value: u64::from(value), min: u64::from(Self::MIN), max: u64::from(Self::MAX), unit: $unit })
                }
            }

            /// The plain number.
            pub fn get(self) -> u32 {
                self.0
            }
        }

        impl TryFrom<u32> for $name {
            type Error = OutOfRange;
            fn try_from(value: u32) -> Result<Self, OutOfRange> {
                Self::new(value)
            }
        }

        impl From<$name> for u32 {
            fn from(value: $name) -> u32 {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", self.0, $unit)
            }
        }
    };
}

/// A number outside Lambda's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value} {unit} is outside {min}–{max} {unit}")]
pub struct OutOfRange {
    /// The value given.
    pub value: u64,
    /// Lower bound.
    pub min: u64,
    /// Upper bound.
    pub max: u64,
    /// Unit for messages.
    pub unit: &'static str,
}

bounded_u32!(
    /// Memory size in MB (128–10240).
    MemoryMb, 128, 10240, "MB"
);
bounded_u32!(
    /// Timeout in whole seconds (1–900).
    TimeoutSecs, 1, 900, "s"
);
bounded_u32!(
    /// Ephemeral storage in MB (512–10240).
    EphemeralStorageMb, 512, 10240, "MB"
);

macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks the value; the error says what is wrong.
            pub fn new(value: impl Into<String>) -> Result<Self, String> {
                let value = value.into();
                $check(&value)?;
                Ok(Self(value))
            }

            /// The string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn check_function_name(s: &str) -> Result<(), String> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if s.is_empty() || s.len() > 64 || !ok_chars {
        return Err(format!(
            "function name `{s}` must be 1–64 characters of letters, digits, `-` and `_`"
        ));
    }
    Ok(())
}

fn check_alias_name(s: &str) -> Result<(), String> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if s.is_empty() || s.len() > 128 || !ok_chars {
        return Err(format!(
            "alias `{s}` must be 1–128 characters of letters, digits, `-` and `_`"
        ));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "alias `{s}` is all digits, which Lambda reserves for versions"
        ));
    }
    Ok(())
}

fn check_account_id(s: &str) -> Result<(), String> {
    if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("account `{s}` must be 12 digits"));
    }
    Ok(())
}

fn check_region(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.contains('-');
    if !ok {
        return Err(format!("region `{s}` does not look like `eu-north-1`"));
    }
    Ok(())
}

checked_string!(
    /// A Lambda function name after interpolation: `[A-Za-z0-9_-]{1,64}`.
    FunctionName,
    check_function_name
);
checked_string!(
    /// An alias name: `[A-Za-z0-9_-]{1,128}`, not all digits.
    AliasName,
    check_alias_name
);
checked_string!(
    /// A 12-digit AWS account id.
    AccountId,
    check_account_id
);
checked_string!(
    /// An AWS region such as `eu-north-1`.
    Region,
    check_region
);

/// The key of a function in the manifest's `functions:` map (stable across environments,
/// used by `depends_on`, `--only` and reports).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct FunctionKey(pub String);

impl fmt::Display for FunctionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a function's code comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArtifactSource {
    /// A ready .zip file (absolute path, inside the manifest's folder).
    Zip {
        /// Absolute path.
        path: PathBuf,
        /// Upload the zip to S3 and deploy it from there instead of inline.
        #[serde(default)]
        upload: Option<Upload>,
    },
    /// A directory packaged into a reproducible .zip.
    Dir {
        /// Absolute path.
        path: PathBuf,
        /// Glob patterns (relative to `path`) left out of the package.
        exclude: Vec<String>,
        /// Upload the zip to S3 and deploy it from there instead of inline.
        #[serde(default)]
        upload: Option<Upload>,
    },
    /// An object in S3, passed through.
    S3 {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// Object version.
        version: Option<String>,
        /// Base64 SHA-256 of the zip, when the user supplies it for comparison.
        sha256: Option<String>,
    },
    /// A container image URI.
    Image {
        /// The URI, possibly pinned with `@sha256:`.
        uri: String,
    },
}

impl ArtifactSource {
    /// Where a `zip:` or `dir:` package goes in S3, when it is uploaded rather than
    /// sent inline.
    pub fn upload(&self) -> Option<&Upload> {
        match self {
            ArtifactSource::Zip { upload, .. } | ArtifactSource::Dir { upload, .. } => {
                upload.as_ref()
            }
            ArtifactSource::S3 { .. } | ArtifactSource::Image { .. } => None,
        }
    }
}

/// Where a packaged zip is uploaded: a bucket and an optional key prefix. The object's
/// key is content-addressed (`{prefix}/{hex sha256}.zip`), so an unchanged package is
/// never uploaded twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// Bucket name (checked against S3's naming rules).
    pub bucket: String,
    /// Key prefix without leading, trailing or doubled `/`; empty for none.
    pub prefix: String,
}

impl Upload {
    /// A destination; `prefix` is normalised (empty segments dropped), so no key ever
    /// has a leading or doubled `/`.
    pub fn new(bucket: impl Into<String>, prefix: &str) -> Self {
        let prefix = prefix
            .split('/')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        Self {
            bucket: bucket.into(),
            prefix,
        }
    }

    /// The object key of a zip whose SHA-256 is `hex_sha256` (lowercase hex).
    pub fn key_for(&self, hex_sha256: &str) -> String {
        if self.prefix.is_empty() {
            format!("{hex_sha256}.zip")
        } else {
            format!("{}/{hex_sha256}.zip", self.prefix)
        }
    }
}

/// Where an environment value came from, recorded for sensitive values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnvSource {
    /// `{ from_env: VAR }`: the process environment variable `VAR`.
    FromEnv(String),
}

/// Retry policy of one function (exponential backoff with full jitter).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (at least 1).
    pub max_attempts: u32,
    /// First backoff.
    pub initial: Duration,
    /// Cap on one backoff.
    pub max: Duration,
    /// Growth factor per attempt (at least 1.0).
    pub multiplier: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(20),
            multiplier: 2.0,
        }
    }
}

/// How long to wait for a function to become stable or an update to finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitPolicy {
    /// Upper bound on one wait.
    pub timeout: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
        }
    }
}

/// API rate limits the engine paces itself under, per account and region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Control-plane calls other than GetFunction, per second (Lambda: 15).
    pub mutating_per_second: f64,
    /// GetFunction calls per second (Lambda: 100).
    pub get_function_per_second: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            mutating_per_second: 15.0,
            get_function_per_second: 100.0,
        }
    }
}

impl Limits {
    /// The slowest rate accepted, per second: one call every 10 s, as the manifest
    /// schema documents. Slower is a typo, and a pace of ~0 would build a wait longer
    /// than any `Duration` holds.
    pub const MIN_PER_SECOND: f64 = 0.1;

    /// Whether `rate` is a finite number of calls per second no lower than
    /// [`Limits::MIN_PER_SECOND`].
    pub fn is_valid_rate(rate: f64) -> bool {
        rate.is_finite() && rate >= Self::MIN_PER_SECOND
    }

    /// The first rate that is not valid, with its name, if any.
    pub fn invalid_rate(&self) -> Option<(&'static str, f64)> {
        [
            ("mutating_per_second", self.mutating_per_second),
            ("get_function_per_second", self.get_function_per_second),
        ]
        .into_iter()
        .find(|(_, r)| !Self::is_valid_rate(*r))
    }
}

/// One function, fully resolved for the chosen environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Key in the manifest's `functions:` map.
    pub key: FunctionKey,
    /// Resolved Lambda function name.
    pub name: FunctionName,
    /// Target account, when the manifest names one (else: the credentials' account, or
    /// the account of `assume_role`).
    pub account: Option<AccountId>,
    /// The role assumed (through STS) for every call to this function's account; `None`
    /// uses the base credentials. Functions of one account all share the same value.
    pub assume_role: Option<AssumeRole>,
    /// Target region.
    pub region: Region,
    /// The Lambda configuration (checked: memory, timeout and storage within Lambda's
    /// limits; environment values resolved, secrets included: handle with care). Its
    /// `package_type` follows `artifact`.
    pub config: FunctionConfig,
    /// Settings of `config` no manifest layer sets (`tracing`, `kms_key`,
    /// `dead_letter`, `snap_start`): they hold Lambda's defaults for a new function, and
    /// for an existing one the plan keeps the live value, so it is never drift.
    pub left_alone: Vec<ConfigField>,
    /// Keys of `config.environment` whose values are secret: never printed or written.
    pub sensitive_keys: BTreeSet<String>,
    /// Where each sensitive value came from, so a saved plan can name the source and
    /// apply re-read it (plans never hold secret values). Keys are a subset of
    /// `sensitive_keys`; a sensitive key without an entry was written inline.
    pub environment_sources: BTreeMap<String, EnvSource>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency; `None` leaves it unreserved.
    pub reserved_concurrency: Option<u32>,
    /// Provisioned concurrency on the alias: `Some(0)` removes it, `None` leaves the
    /// live configuration alone.
    pub provisioned_concurrency: Option<u32>,
    /// Publish a version after each change.
    pub publish: bool,
    /// Alias moved to the published version (needs `publish`).
    pub alias: Option<AliasName>,
    /// The code.
    pub artifact: ArtifactSource,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Wait policy.
    pub wait: WaitPolicy,
    /// How the alias moves to a new version (`None`: at once, unwatched).
    pub rollout: Option<super::rollout::Rollout>,
    /// `triggers` and `keep_versions` (default: neither managed).
    pub around: super::around_triggers::Around,
    /// The resource-based policy's statements the manifest manages (`None`: the live
    /// policy is left alone).
    pub permissions: super::permissions::Permissions,
    /// The resources around the function the manifest manages (`async`).
    pub around_async: super::around_async::Around,
    /// `code_signing_config`: the code signing configuration's ARN, or removed
    /// (`None`: the live one is left alone).
    pub code_signing: Option<super::around_async::Managed<String>>,
    /// The function URL the manifest manages (`None`: left alone).
    pub url: super::function_url::Url,
    /// Keys of functions that must be deployed first.
    pub depends_on: Vec<FunctionKey>,
    /// Globs of source paths the function is built from (monorepo selection).
    pub paths: Vec<String>,
}

impl Function {
    /// The desired configuration in the canonical shape shared with live state.
    pub fn desired_config(&self) -> FunctionConfig {
        FunctionConfig {
            package_type: package_type(&self.artifact),
            ..self.config.clone()
        }
    }

    /// [`Function::desired_config`] with the settings the manifest leaves alone taken
    /// from `live` (the function's live configuration, when it exists): those of
    /// `left_alone` and the structured ones it does not mention. The plan then shows no
    /// change for them, and apply's scheduling sees a live VPC as well as one in the
    /// manifest.
    pub fn desired_config_against(&self, live: Option<&FunctionConfig>) -> FunctionConfig {
        let mut config = self.desired_config();
        if let Some(live) = live {
            let mut kept = self.left_alone.clone();
            kept.extend(
                ConfigField::ALL.iter().copied().filter(|f| {
                    f.absent_leaves_alone() && config.value(*f) == SettingValue::Absent
                }),
            );
            config.copy_fields(live, &kept);
        }
        config
    }
}

/// Zip or image, by where the code comes from.
pub fn package_type(artifact: &ArtifactSource) -> PackageType {
    match artifact {
        ArtifactSource::Image { .. } => PackageType::Image,
        _ => PackageType::Zip,
    }
}

/// The whole validated fleet for one environment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// Path of the manifest as given.
    pub manifest_path: PathBuf,
    /// Folder artifact paths are relative to (absolute).
    pub manifest_dir: PathBuf,
    /// Hex SHA-256 of the manifest's bytes (recorded in plans).
    pub manifest_digest: String,
    /// The environment chosen with `--env`, if any.
    pub environment: Option<String>,
    /// API rate limits.
    pub limits: Limits,
    /// Functions in manifest order.
    pub functions: Vec<Function>,
    /// The ownership tags every function gets (`flotilla:manifest`, `flotilla:env`).
    pub ownership: super::Ownership,
}
