//! The plan as data: what `plan()` decided and everything `apply` needs to carry it out.
//!
//! A plan never holds a secret value nor a hash of one. Sensitive environment entries
//! carry only where apply must read the value from ([`EnvValue::Sensitive`]), and their
//! diffs only whether they changed ([`FieldValue::Sensitive`]).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::artifact::ArtifactDigest;
use crate::model::{AssumeRole, EnvSource, FunctionKey, Limits, RetryPolicy, WaitPolicy};
use flotilla_cloud::lambda::{ConfigField, FunctionConfig, SettingKind};

/// The plan-file format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Everything `flotilla plan` decided for one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Plan-file format; see [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Hex SHA-256 of the manifest the plan was made from.
    pub manifest_digest: String,
    /// When the plan was made (RFC 3339), as passed to `plan()`.
    pub created_at: String,
    /// The environment chosen with `--env`, if any.
    pub environment: Option<String>,
    /// The manifest's path as given to `plan`; artifact sources are relative to its
    /// folder.
    #[serde(default)]
    pub manifest_path: String,
    /// API rate limits apply paces itself under.
    pub limits: PlanLimits,
    /// One entry per function, in manifest order.
    pub functions: Vec<FunctionPlan>,
}

impl Plan {
    /// Counts of functions by action.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in &self.functions {
            match f.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::NoChange => s.unchanged += 1,
                Action::Delete => s.delete += 1,
                Action::Replace => s.replace += 1,
            }
        }
        s
    }

    /// True when applying the plan would change anything.
    pub fn has_changes(&self) -> bool {
        self.functions.iter().any(|f| f.action != Action::NoChange)
    }
}

/// How many functions a plan creates, updates and leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Functions to create.
    pub create: usize,
    /// Functions to update.
    pub update: usize,
    /// Functions already as desired.
    pub unchanged: usize,
    /// Managed functions that left the manifest, deleted (`plan --prune`).
    pub delete: usize,
    /// Functions whose creation failed, deleted and created again.
    pub replace: usize,
}

/// API rate limits, copied from the manifest so apply need not read it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanLimits {
    /// Control-plane calls other than GetFunction, per second.
    pub mutating_per_second: f64,
    /// GetFunction calls per second.
    pub get_function_per_second: f64,
}

impl From<Limits> for PlanLimits {
    fn from(l: Limits) -> Self {
        Self {
            mutating_per_second: l.mutating_per_second,
            get_function_per_second: l.get_function_per_second,
        }
    }
}

impl From<PlanLimits> for Limits {
    fn from(l: PlanLimits) -> Self {
        Self {
            mutating_per_second: l.mutating_per_second,
            get_function_per_second: l.get_function_per_second,
        }
    }
}

/// What happens to one function as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The function does not exist yet.
    Create,
    /// The function exists and at least one step changes it.
    Update,
    /// The function is already as desired; no steps.
    NoChange,
    /// A function this manifest deployed (its ownership tags say so) that the manifest
    /// no longer has: deleted with `--prune`. Its one step is
    /// [`Step::DeleteFunction`].
    Delete,
    /// The function's creation failed (`State` `Failed`), which Lambda cannot repair in
    /// place: it is deleted ([`Step::DeleteFailedFunction`]) and created again.
    Replace,
}

/// The local files a zip artifact is made from, so apply can rebuild it and check its
/// hash against the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CodeOrigin {
    /// A ready .zip file.
    Zip {
        /// Path relative to the manifest's folder.
        path: String,
    },
    /// A folder packaged reproducibly.
    Dir {
        /// Path relative to the manifest's folder.
        path: String,
        /// Exclude globs.
        exclude: Vec<String>,
    },
}

/// An S3 object a zip artifact is uploaded to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadTarget {
    /// Bucket.
    pub bucket: String,
    /// Key: `{prefix}/{hex sha256 of the zip}.zip`.
    pub key: String,
}

impl fmt::Display for UploadTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// The plan for one function.
///
/// A deletion ([`Action::Delete`], `plan --prune`) has no manifest entry: its key is
/// its Lambda name (`NAME@ACCOUNT/REGION` where that would be ambiguous), `artifact`
/// and `desired` describe the live function as observed (without environment values),
/// and `depends_on` names every other function of the plan, so it runs last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionPlan {
    /// Key in the manifest's `functions:` map.
    pub key: FunctionKey,
    /// Lambda function name.
    pub name: String,
    /// Target account, when the manifest names one.
    pub account: Option<String>,
    /// Target region.
    pub region: String,
    /// The role apply assumes for every call to this function's account (the same for
    /// every function of an account); `None`: the base credentials. Never credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<AssumeRole>,
    /// Create, update or nothing.
    pub action: Action,
    /// `RevisionId` of `$LATEST` when observed; apply refuses to act if it moved.
    pub observed_revision_id: Option<String>,
    /// `CodeSha256` of `$LATEST` when observed.
    pub observed_code_sha256: Option<String>,
    /// The code apply must upload (and, for zips, the hash it must have).
    pub artifact: ArtifactDigest,
    /// Where apply finds the zip or folder to upload, relative to the manifest's
    /// folder; `None` for S3 and image artifacts.
    #[serde(default)]
    pub source: Option<CodeOrigin>,
    /// Where apply uploads the zip before Lambda reads it from S3 (the manifest's
    /// `upload`); `None`: the zip is sent inline. The key is content-addressed, so it
    /// names exactly the bytes of [`FunctionPlan::artifact`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadTarget>,
    /// The whole desired configuration (secrets by reference only).
    pub desired: DesiredConfig,
    /// Keys of functions apply must finish first.
    pub depends_on: Vec<FunctionKey>,
    /// Retry policy for this function's calls.
    pub retry: RetrySpec,
    /// Wait policy for this function's updates.
    pub wait: WaitSpec,
    /// Steps in the order apply runs them; empty for [`Action::NoChange`].
    pub steps: Vec<Step>,
    /// The gradual rollout the steps run, when there is one (for display).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<RolloutSummary>,
}

/// What a gradual rollout in a function's steps amounts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolloutSummary {
    /// `canary` or `linear`.
    pub strategy: String,
    /// The shares the new version gets before the final move, in order.
    pub percents: Vec<u8>,
    /// The time the holds take together, in seconds: the rollout's expected duration
    /// beyond the calls themselves.
    pub expected_secs: u64,
}

impl FunctionPlan {
    /// True when a step sends the environment (create, or a changed environment key), so
    /// apply must resolve every value, secrets included.
    pub fn writes_environment(&self) -> bool {
        self.steps.iter().any(|s| match s {
            Step::CreateFunction { .. } | Step::ReapplyConfiguration { .. } => true,
            Step::UpdateConfiguration { changes } => changes
                .iter()
                .any(|c| matches!(c.field, Field::Environment(_))),
            _ => false,
        })
    }

    /// The environment keys whose sensitive value was written inline in the manifest and
    /// that a step would send: a saved plan cannot carry them, so applying it would fail.
    pub fn inline_secrets_sent(&self) -> Vec<&str> {
        if !self.writes_environment() {
            return Vec::new();
        }
        self.desired
            .config
            .environment
            .iter()
            .filter(|(_, v)| matches!(v, EnvValue::Sensitive(None)))
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// The desired configuration of a function, with sensitive values by reference.
// The Lambda configuration is flattened, so the plan file lists its fields directly (as
// before it was one type) and `deny_unknown_fields` still refuses a stray key; the rest
// is what apply sets besides it. (A doc comment here would change the plan schema.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DesiredConfig {
    /// The Lambda configuration; environment values by reference.
    #[serde(flatten)]
    pub config: FunctionConfig<EnvValue>,
    /// Tags the manifest sets.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency; `None` means unreserved.
    pub reserved_concurrency: Option<u32>,
    /// The resources around the function the manifest manages (`async`); absent: none.
    #[serde(
        default,
        skip_serializing_if = "crate::model::around_async::Around::is_empty"
    )]
    pub around: crate::model::around_async::Around,
    /// `CodeSigningConfigArn` the function is created with (`code_signing_config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_signing_config: Option<String>,
    /// Publish a version after changes.
    pub publish: bool,
    /// Alias moved to the version this plan publishes.
    pub alias: Option<String>,
    /// Provisioned concurrency on the alias: `0` removes it; `None` leaves it alone.
    /// When at least 1, every move of the alias waits until Lambda has allocated it on
    /// the version(s) the alias routes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_concurrency: Option<u32>,
}

/// One environment value in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnvValue {
    /// A plain value, written in the plan as is.
    Value(String),
    /// A secret: only where apply reads it from. `None` when the manifest wrote it
    /// inline, which apply cannot recover (it never re-reads the manifest).
    Sensitive(Option<EnvSource>),
}

/// Retry policy in plan-file units (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Attempts in all, including the first.
    pub max_attempts: u32,
    /// First backoff in milliseconds.
    pub initial_ms: u64,
    /// Cap on one backoff in milliseconds.
    pub max_ms: u64,
    /// Growth factor per attempt.
    pub multiplier: f64,
}

impl From<RetryPolicy> for RetrySpec {
    fn from(r: RetryPolicy) -> Self {
        Self {
            max_attempts: r.max_attempts,
            initial_ms: millis(r.initial),
            max_ms: millis(r.max),
            multiplier: r.multiplier,
        }
    }
}

impl From<RetrySpec> for RetryPolicy {
    fn from(r: RetrySpec) -> Self {
        Self {
            max_attempts: r.max_attempts.max(1),
            initial: Duration::from_millis(r.initial_ms),
            max: Duration::from_millis(r.max_ms),
            multiplier: if r.multiplier.is_finite() && r.multiplier >= 1.0 {
                r.multiplier
            } else {
                1.0
            },
        }
    }
}

/// Wait policy in plan-file units (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitSpec {
    /// Upper bound on one wait, in milliseconds.
    pub timeout_ms: u64,
}

impl From<WaitPolicy> for WaitSpec {
    fn from(w: WaitPolicy) -> Self {
        Self {
            timeout_ms: millis(w.timeout),
        }
    }
}

impl From<WaitSpec> for WaitPolicy {
    fn from(w: WaitSpec) -> Self {
        Self {
            timeout: Duration::from_millis(w.timeout_ms),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// One call apply makes, in order. Apply has one function per variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// CreateFunction with [`FunctionPlan::desired`], the artifact and these tags.
    CreateFunction {
        /// Tags set at create.
        tags: BTreeMap<String, String>,
    },
    /// UpdateFunctionCode with the artifact and the desired architecture.
    UpdateCode {
        /// What differs: `code` and/or `architecture` (for display).
        changes: Vec<FieldChange>,
        /// Which files of a zip or folder package differ from the live package's (for
        /// display; paths only). Absent when the code is unchanged, is not a local zip
        /// or folder, or the endpoint gives no package to compare with.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        files: Option<PackageFiles>,
    },
    /// UpdateFunctionConfiguration with only the changed fields (the environment, when
    /// any key changed, as a whole map from [`DesiredConfig::environment`]).
    UpdateConfiguration {
        /// The changed fields, one entry per environment key.
        changes: Vec<FieldChange>,
    },
    /// UpdateFunctionConfiguration with the whole desired configuration, after the
    /// function's last update failed (`LastUpdateStatus` `Failed`): the live fields may
    /// already read as desired, but the change did not take effect, so it is sent again
    /// (after an [`Step::UpdateCode`], which sends the code again).
    ReapplyConfiguration {
        /// `LastUpdateStatusReason` when observed.
        #[serde(default)]
        reason: Option<String>,
        /// `LastUpdateStatusReasonCode` when observed.
        #[serde(default)]
        reason_code: Option<String>,
        /// The fields that also differ (for display).
        changes: Vec<FieldChange>,
    },
    /// PublishVersion of `$LATEST`.
    PublishVersion,
    /// CreateAlias pointing to the version this plan publishes.
    CreateAlias {
        /// Alias name.
        alias: String,
    },
    /// UpdateAlias to the version this plan publishes.
    UpdateAlias {
        /// Alias name.
        alias: String,
        /// Version the alias pointed to when observed (for display).
        from_version: String,
    },
    /// UpdateAlias to a version that already exists (`flotilla rollback`), guarded by
    /// the alias's own `RevisionId` so a concurrent alias move is refused, not overwritten.
    MoveAlias {
        /// Alias name.
        alias: String,
        /// Version the alias pointed to when observed (for display).
        from_version: String,
        /// Published version the alias moves to.
        to_version: String,
        /// The alias's `RevisionId` when observed; `None` when the endpoint reports none.
        #[serde(default)]
        alias_revision_id: Option<String>,
    },
    /// Invoke of the version this plan publishes, before any traffic moves (the
    /// rollout's `smoke`): a function error, or a response other than `expect`, fails
    /// the function with the alias untouched.
    SmokeInvoke {
        /// The event sent (JSON).
        payload: serde_json::Value,
        /// The response it must equal (JSON); `None`: any response that is not a
        /// function error.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<serde_json::Value>,
    },
    /// One step of a gradual rollout: UpdateAlias keeping `from_version` primary with
    /// `percent` of the traffic on the version this plan publishes (passing the alias's
    /// `RevisionId`), then `hold_secs` while `alarms` are polled. An alarm in `ALARM`
    /// stops the rollout; `on_failure` says whether the traffic goes back to
    /// `from_version` (`rollback`) or stays where it is (`hold`). An interrupt always
    /// moves it back.
    ShiftTraffic {
        /// Alias name.
        alias: String,
        /// The version the alias pointed to when observed; it keeps the rest.
        from_version: String,
        /// Share of the traffic on the new version, 1–99.
        percent: u8,
        /// How long this share is held, watched, in seconds.
        hold_secs: u64,
        /// CloudWatch alarms polled during the hold.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        alarms: Vec<String>,
        /// What a failure leaves behind.
        on_failure: crate::model::rollout::OnFailure,
        /// The alias's `RevisionId` when observed, for the first shift.
        #[serde(default)]
        alias_revision_id: Option<String>,
    },
    /// TagResource with the tags that are missing or differ.
    TagResource {
        /// Tags to set.
        tags: BTreeMap<String, String>,
        /// Live values of the keys that exist already (for display).
        old: BTreeMap<String, String>,
    },
    /// UntagResource of `flotilla:*` tags the manifest no longer sets.
    UntagResource {
        /// Tag keys to remove.
        keys: Vec<String>,
    },
    /// PutFunctionConcurrency.
    PutConcurrency {
        /// Reserved concurrency when observed (for display).
        old: Option<u32>,
        /// Reserved concurrency to set.
        reserved: u32,
    },
    /// DeleteFunctionConcurrency (the manifest sets none).
    DeleteConcurrency {
        /// Reserved concurrency when observed (for display).
        old: u32,
    },
    /// PutProvisionedConcurrencyConfig on the alias (after the alias has its new
    /// version), then a wait until Lambda reports the allocation `READY`; `FAILED`
    /// fails the function with Lambda's `StatusReason`.
    PutProvisionedConcurrency {
        /// Alias name (never `$LATEST`).
        alias: String,
        /// Provisioned concurrency on the alias when observed (for display).
        #[serde(default)]
        old: Option<u32>,
        /// Environments to keep initialized, at least 1.
        count: u32,
    },
    /// DeleteProvisionedConcurrencyConfig of the alias (the manifest sets `0`).
    DeleteProvisionedConcurrency {
        /// Alias name.
        alias: String,
        /// Provisioned concurrency on the alias when observed (for display).
        old: u32,
    },
    /// PutFunctionCodeSigningConfig (`code_signing_config`), before any code update:
    /// Lambda checks the code's signature against the configuration in place.
    PutCodeSigningConfig {
        /// The configuration's ARN when observed (for display); `None`: none.
        old: Option<String>,
        /// The ARN to put.
        arn: String,
    },
    /// DeleteFunctionCodeSigningConfig (`code_signing_config: false`).
    DeleteCodeSigningConfig {
        /// The configuration's ARN when observed (for display).
        old: String,
    },
    /// PutFunctionEventInvokeConfig on the unqualified function: the manifest's `async`,
    /// Lambda's defaults filled, replacing the whole configuration.
    PutEventInvokeConfig {
        /// The configuration when observed, defaults filled (for display); `None`: none.
        old: Option<flotilla_cloud::lambda::EventInvokeConfig>,
        /// The configuration to set.
        config: flotilla_cloud::lambda::EventInvokeConfig,
    },
    /// DeleteFunctionEventInvokeConfig on the unqualified function (`async: {}`).
    DeleteEventInvokeConfig {
        /// The configuration when observed, defaults filled (for display).
        old: flotilla_cloud::lambda::EventInvokeConfig,
    },
    /// PutFunctionRecursionConfig (the manifest's `recursion`).
    PutRecursionConfig {
        /// The setting when observed (Lambda's default, `terminate`, for a new function).
        old: flotilla_cloud::lambda::RecursiveLoop,
        /// The setting to put.
        recursion: flotilla_cloud::lambda::RecursiveLoop,
    },
    /// PutRuntimeManagementConfig on the unqualified function (`runtime_management`).
    PutRuntimeManagementConfig {
        /// The configuration when observed (Lambda's default, `auto`, for a new function).
        old: flotilla_cloud::lambda::RuntimeManagement,
        /// The configuration to put.
        config: flotilla_cloud::lambda::RuntimeManagement,
    },
    /// DeleteFunction of a managed function that left the manifest ([`Action::Delete`]).
    /// Apply first re-reads the function's tags and refuses it (stale) unless it
    /// still carries every one of `owner_tags`.
    DeleteFunction {
        /// The ownership tags (`flotilla:manifest`, `flotilla:env`) the function must
        /// still carry.
        owner_tags: BTreeMap<String, String>,
    },
    /// DeleteFunction of a function whose creation failed ([`Action::Replace`]), then a
    /// wait until it is gone so the [`Step::CreateFunction`] that follows can create it
    /// again. Apply refuses the function (stale) if it is no longer `Failed`.
    DeleteFailedFunction {
        /// `StateReason` when observed.
        #[serde(default)]
        reason: Option<String>,
        /// `StateReasonCode` when observed.
        #[serde(default)]
        reason_code: Option<String>,
    },
    /// CreateEventSourceMapping of a trigger, then a wait until the mapping is `Enabled`
    /// (`Disabled` with `enabled: false`).
    CreateEventSourceMapping {
        /// The trigger's name in the manifest.
        trigger: String,
        /// `FunctionName` sent: the function, or `name:alias` when it has an alias.
        function: String,
        /// The event source's ARN.
        source: String,
        /// `Enabled`.
        enabled: bool,
        /// Every managed setting, Lambda's defaults filled.
        settings: flotilla_cloud::lambda::MappingSettings,
    },
    /// UpdateEventSourceMapping of the live mapping with the trigger's source, sending
    /// only what changes, then a wait until it is `Enabled` (or `Disabled`).
    UpdateEventSourceMapping {
        /// The trigger's name in the manifest.
        trigger: String,
        /// The mapping's `UUID`.
        uuid: String,
        /// The event source's ARN.
        source: String,
        /// `Enabled` when it changes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        enabled: Option<bool>,
        /// The settings that change.
        settings: flotilla_cloud::lambda::MappingSettings,
        /// What changes (for display).
        changes: Vec<super::around_triggers::TriggerChange>,
    },
    /// DeleteEventSourceMapping, then a wait until the mapping is gone: a live mapping
    /// to a source the manifest's `triggers` does not list, or one whose starting
    /// position or topic changed (created again by the next step).
    DeleteEventSourceMapping {
        /// The trigger it is replaced for; `None`: its source left the manifest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trigger: Option<String>,
        /// The mapping's `UUID`.
        uuid: String,
        /// The event source's ARN.
        source: String,
    },
    /// DeleteFunction with `Qualifier` for each of `versions` that is still beyond the
    /// newest `keep` and routed to by no alias once the new version is live
    /// (`keep_versions`).
    DeleteVersions {
        /// How many newest published versions stay.
        keep: u32,
        /// The versions found to delete when planning.
        versions: Vec<String>,
    },
    /// RemovePermission of one statement of the function's resource-based policy (on
    /// the alias when the function has one), passing the policy's `RevisionId` read just
    /// before (a 412 re-reads it and retries once).
    RemovePermission {
        /// The alias the policy is on; `None`: the unqualified function.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
        /// Statement id.
        sid: String,
        /// The statement changed: an [`Step::AddPermission`] of the same id follows
        /// (Lambda has no update of a statement).
        #[serde(default)]
        replaced: bool,
    },
    /// AddPermission of one statement (on the alias when the function has one), passing
    /// the policy's `RevisionId` read just before.
    AddPermission {
        /// The alias the policy is on; `None`: the unqualified function.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
        /// The statement.
        permission: flotilla_cloud::lambda::Permission,
        /// It replaces a live statement of the same id, removed just before.
        #[serde(default)]
        replaced: bool,
    },
    /// CreateFunctionUrlConfig (`url`), on the alias when the function has one.
    CreateFunctionUrlConfig {
        /// The alias the URL is on; `None`: the unqualified function.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
        /// The URL's settings.
        config: flotilla_cloud::lambda::FunctionUrlSettings,
    },
    /// UpdateFunctionUrlConfig with every setting (`url`).
    UpdateFunctionUrlConfig {
        /// The alias the URL is on; `None`: the unqualified function.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
        /// The live settings when planning.
        old: flotilla_cloud::lambda::FunctionUrlSettings,
        /// The settings wanted.
        config: flotilla_cloud::lambda::FunctionUrlSettings,
    },
    /// DeleteFunctionUrlConfig (`url: false`).
    DeleteFunctionUrlConfig {
        /// The alias the URL is on; `None`: the unqualified function.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
        /// The live settings when planning.
        old: flotilla_cloud::lambda::FunctionUrlSettings,
    },
}

impl Step {
    /// The Lambda operation name, for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Step::CreateFunction { .. } => "CreateFunction",
            Step::UpdateCode { .. } => "UpdateFunctionCode",
            Step::UpdateConfiguration { .. } | Step::ReapplyConfiguration { .. } => {
                "UpdateFunctionConfiguration"
            }
            Step::PublishVersion => "PublishVersion",
            Step::CreateAlias { .. } => "CreateAlias",
            Step::UpdateAlias { .. } | Step::MoveAlias { .. } | Step::ShiftTraffic { .. } => {
                "UpdateAlias"
            }
            Step::SmokeInvoke { .. } => "Invoke",
            Step::TagResource { .. } => "TagResource",
            Step::UntagResource { .. } => "UntagResource",
            Step::PutConcurrency { .. } => "PutFunctionConcurrency",
            Step::DeleteConcurrency { .. } => "DeleteFunctionConcurrency",
            Step::DeleteFunction { .. }
            | Step::DeleteFailedFunction { .. }
            | Step::DeleteVersions { .. } => "DeleteFunction",
            Step::CreateEventSourceMapping { .. } => "CreateEventSourceMapping",
            Step::UpdateEventSourceMapping { .. } => "UpdateEventSourceMapping",
            Step::DeleteEventSourceMapping { .. } => "DeleteEventSourceMapping",
            Step::PutProvisionedConcurrency { .. } => "PutProvisionedConcurrencyConfig",
            Step::DeleteProvisionedConcurrency { .. } => "DeleteProvisionedConcurrencyConfig",
            Step::RemovePermission { .. } => "RemovePermission",
            Step::AddPermission { .. } => "AddPermission",
            Step::PutCodeSigningConfig { .. } => "PutFunctionCodeSigningConfig",
            Step::DeleteCodeSigningConfig { .. } => "DeleteFunctionCodeSigningConfig",
            Step::PutEventInvokeConfig { .. } => "PutFunctionEventInvokeConfig",
            Step::DeleteEventInvokeConfig { .. } => "DeleteFunctionEventInvokeConfig",
            Step::PutRecursionConfig { .. } => "PutFunctionRecursionConfig",
            Step::PutRuntimeManagementConfig { .. } => "PutRuntimeManagementConfig",
            Step::CreateFunctionUrlConfig { .. } => "CreateFunctionUrlConfig",
            Step::UpdateFunctionUrlConfig { .. } => "UpdateFunctionUrlConfig",
            Step::DeleteFunctionUrlConfig { .. } => "DeleteFunctionUrlConfig",
        }
    }
}

/// How the files of a new package differ from the live one's: paths, never contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PackageFiles {
    /// The live package was read and compared file by file (SHA-256 of each).
    Diff {
        /// Files only in the new package, sorted.
        added: Vec<String>,
        /// Files only in the live package, sorted.
        removed: Vec<String>,
        /// Files in both whose bytes differ, sorted.
        changed: Vec<String>,
    },
    /// The live package could not be read; the code change stands without a file list.
    Unavailable {
        /// Why, in a sentence (never a URL).
        reason: String,
    },
}

/// A field of a function that a step changes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, schemars::JsonSchema)]
#[schemars(with = "String")]
pub enum Field {
    /// The deployment package (zip hash, S3 object or image URI).
    Code,
    /// A Lambda setting other than the environment, shown by its name (`memory_mb`).
    Setting(ConfigField),
    /// One environment variable.
    Environment(String),
    /// One member of a structured setting (`vpc.subnets`, `logging.format`); the update
    /// sends the whole setting.
    Member(ConfigField, String),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Code => f.write_str("code"),
            Field::Setting(field) => f.write_str(field.name()),
            Field::Environment(key) => write!(f, "environment.{key}"),
            Field::Member(field, member) => write!(f, "{}.{member}", field.name()),
        }
    }
}

impl std::str::FromStr for Field {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "code" {
            return Ok(Field::Code);
        }
        if let Some(field) = ConfigField::from_name(s)
            && field.kind() != SettingKind::Map
        {
            return Ok(Field::Setting(field));
        }
        if let Some((setting, member)) = s.split_once('.')
            && let Some(field) = ConfigField::from_name(setting)
            && field.kind() == SettingKind::Object
        {
            return match field.wire() {
                flotilla_cloud::lambda::Wire::Object(members)
                | flotilla_cloud::lambda::Wire::WrappedObject(_, members)
                    if members.iter().any(|(name, _)| *name == member) =>
                {
                    Ok(Field::Member(field, member.to_owned()))
                }
                _ => Err(format!("unknown field `{s}`")),
            };
        }
        match s.strip_prefix("environment.") {
            Some(key) if !key.is_empty() => Ok(Field::Environment(key.to_owned())),
            _ => Err(format!("unknown field `{s}`")),
        }
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One field's old and new value. `None` means absent (a new or removed env key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// Which field.
    pub field: Field,
    /// Value when observed.
    pub old: Option<FieldValue>,
    /// Value after apply.
    pub new: Option<FieldValue>,
}

/// A value in a field diff. Secrets are never values: only whether they changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    /// A string.
    Text(String),
    /// A number.
    Number(u64),
    /// A list of strings (layers).
    List(Vec<String>),
    /// A flag (`vpc.ipv6`).
    Flag(bool),
    /// A sensitive value, shown as `(sensitive)`.
    Sensitive {
        /// Whether the value differs from the live one.
        changed: bool,
    },
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(s) => write!(f, "{s:?}"),
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Flag(b) => write!(f, "{b}"),
            FieldValue::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item:?}")?;
                }
                f.write_str("]")
            }
            FieldValue::Sensitive { .. } => f.write_str("(sensitive)"),
        }
    }
}
