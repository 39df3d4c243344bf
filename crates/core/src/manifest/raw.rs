//! The manifest's raw types: exactly what a user may write, every field optional,
//! every value remembering its position. No behaviour lives here.
//!
//! These types are the single source of the JSON Schema (`flotilla schema`): their doc
//! comments become the schema's descriptions, and the `schemars` attributes its bounds,
//! defaults and enums. The reader in `read.rs` fills them from the YAML node tree.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::node::Pos;

/// A value with the position of the YAML node it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub pos: Pos,
}

impl<T> Sp<T> {
    /// Pairs a value with its position.
    pub fn new(value: T, pos: Pos) -> Self {
        Self { value, pos }
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A YAML mapping from names to values, in document order, each key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Entries<T>(pub Vec<(Sp<String>, T)>);

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: JsonSchema> JsonSchema for Entries<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<T>(),
        })
    }
}

/// A Flotilla manifest (`deploy.yaml`): the functions of a fleet, their shared defaults
/// and the environments (deployment targets) they are deployed to.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields, title = "Flotilla manifest")]
pub struct RawManifest {
    /// Manifest format version. Only `1` exists.
    #[schemars(required, extend("enum" = [1]))]
    pub version: Option<Sp<u32>>,
    /// Stable name of this manifest, written to every function it deploys as the tag
    /// `flotilla:manifest` (with `flotilla:env`), so `plan --prune` can tell which
    /// functions it owns. Default: the manifest's path relative to the root of its git
    /// work tree (else its file name). 1–256 ASCII letters, digits, spaces and
    /// `_ . : / = + - @` (what a Lambda tag value allows).
    #[schemars(
        length(min = 1, max = 256),
        regex(pattern = r"^[A-Za-z0-9 _.:/=+@-]+$")
    )]
    pub project: Option<Sp<String>>,
    /// API rate limits Flotilla paces itself under, per account and region.
    pub limits: Option<RawLimits>,
    /// Settings merged into every function (a function's own settings win).
    pub defaults: Option<RawSettings>,
    /// Deployment targets (such as `staging` and `prod`), chosen with `--env NAME`.
    /// `${stage}` is the chosen environment's name.
    pub environments: Option<Entries<RawEnvironment>>,
    /// The functions, by key. The key is how `depends_on`, reports and `--only` name a
    /// function; `name` (default: the key) is the Lambda function name.
    #[schemars(
        required,
        extend("propertyNames" = { "pattern": "^[A-Za-z0-9_-]{1,64}$" }, "minProperties" = 1)
    )]
    pub functions: Option<Entries<RawFunction>>,
    /// Paths (such as `functions.api.memory`) of fields that were written but could not
    /// be read; validation does not report them again as missing.
    #[schemars(skip)]
    pub unreadable: std::collections::BTreeSet<String>,
    /// Where each top-level key was written, for problems about a whole section.
    #[schemars(skip)]
    pub key_positions: std::collections::BTreeMap<String, Pos>,
}

/// API rate limits, per account and region.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawLimits {
    /// Control-plane calls other than GetFunction per second (Lambda's quota: 15).
    #[schemars(range(min = 0.1), extend("default" = 15))]
    pub mutating_per_second: Option<Sp<f64>>,
    /// GetFunction calls per second (Lambda's quota: 100).
    #[schemars(range(min = 0.1), extend("default" = 100))]
    pub get_function_per_second: Option<Sp<f64>>,
}

/// One deployment target. Its settings merge over both `defaults` and each function's
/// own settings, except `account` and `region`, where a function's own value wins.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawEnvironment {
    /// Values for interpolation as `${var:NAME}`.
    pub variables: Option<Entries<Sp<String>>>,
    /// Settings for every function in this environment.
    #[serde(flatten)]
    pub settings: RawSettings,
}

/// Declares [`RawSettings`] and its key list from one list of fields, so a new setting's
/// key is written once: the reader asks for every field by name through
/// [`ReadSetting`](super::read_settings::ReadSetting).
macro_rules! raw_settings {
    (
        $(#[$attr:meta])*
        pub struct RawSettings {
            $($(#[$field_attr:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$attr])*
        pub struct RawSettings {
            $($(#[$field_attr])* pub $field: $ty,)*
        }

        impl RawSettings {
            /// Every key, in declaration order.
            pub const KEYS: &'static [&'static str] = &[$(unraw(stringify!($field))),*];

            /// Every field, read by its key.
            pub(crate) fn read_with(read: &mut impl super::read_settings::ReadSetting) -> Self {
                RawSettings {
                    $($field: read.setting(unraw(stringify!($field))),)*
                }
            }
        }
    };
}

/// A field's key: its name without the `r#` of a keyword (`r#async` is `async`).
const fn unraw(name: &'static str) -> &'static str {
    match name.as_bytes() {
        [b'r', b'#', ..] => name.split_at(2).1,
        _ => name,
    }
}

raw_settings! {
/// Settings that `defaults`, an environment and a function may all carry.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSettings {
    /// 12-digit AWS account id. Absent: the account of the credentials in use.
    #[schemars(regex(pattern = r"^([0-9]{12}|.*\$\{.*)$"))]
    pub account: Option<Sp<String>>,
    /// AWS region such as `eu-north-1`. Absent everywhere: `AWS_REGION` from the
    /// environment Flotilla runs in.
    pub region: Option<Sp<String>>,
    /// Execution role ARN (may use `${account}`).
    pub role: Option<Sp<String>>,
    /// IAM role Flotilla assumes (through STS, session `flotilla-<environment>`) for
    /// every call to this account, e.g. `arn:aws:iam::${account}:role/deployer`. Its
    /// account must match `account`; without `account`, it is the role's account. Like
    /// `account`, a function's own value wins over the environment's.
    #[schemars(regex(
        pattern = r"^(arn:aws[a-z-]*:iam::([0-9]{12}|\$\{[^}]*\}):role/.+|.*\$\{.*)$"
    ))]
    pub assume_role: Option<Sp<String>>,
    /// External ID passed to STS with `assume_role`, when the role's trust policy
    /// requires one.
    #[schemars(length(min = 2, max = 1224))]
    pub external_id: Option<Sp<String>>,
    /// Runtime identifier such as `python3.12`, `nodejs22.x` or `provided.al2023`
    /// (zip functions only).
    pub runtime: Option<Sp<String>>,
    /// Handler such as `app.handler` (zip functions only).
    pub handler: Option<Sp<String>>,
    /// Description shown in the Lambda console.
    #[schemars(length(max = 256), extend("default" = ""))]
    pub description: Option<Sp<String>>,
    /// Instruction set.
    #[schemars(extend("default" = "x86_64"))]
    pub architecture: Option<Sp<RawArchitecture>>,
    /// Memory in MB (128–10240).
    #[schemars(range(min = 128, max = 10240), extend("default" = 128))]
    pub memory: Option<Sp<u32>>,
    /// Timeout, 1–900 s: seconds as a number, or a duration such as `30s` or `5m`.
    #[serde(default)] // with `schema_with`, keeps the field optional in the schema
    #[schemars(schema_with = "timeout_schema")]
    pub timeout: Option<Sp<RawDuration>>,
    /// Ephemeral storage (`/tmp`) in MB (512–10240).
    #[schemars(range(min = 512, max = 10240), extend("default" = 512))]
    pub ephemeral_storage: Option<Sp<u32>>,
    /// Environment variables. Maps merge key by key (function over defaults,
    /// environment over both). At most 4 KB in all.
    #[schemars(extend("propertyNames" = {
        "pattern": "^[a-zA-Z][a-zA-Z0-9_]+$",
        "not": { "anyOf": [
            { "enum": [
                "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
                "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_XRAY_CONTEXT_MISSING",
                "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ"
            ] },
            { "pattern": "^AWS_LAMBDA_" }
        ] }
    }))]
    pub environment: Option<Entries<Sp<RawEnvValue>>>,
    /// Layers (at most 5): layer version ARNs, or `${layer:NAME}` for the latest version
    /// of layer NAME in the function's account and region (looked up when planning),
    /// or `${layer:NAME:VERSION}` for one version of it.
    #[schemars(length(max = 5))]
    pub layers: Option<Sp<Vec<Sp<String>>>>,
    /// X-Ray tracing: `active` samples and records incoming requests, `passthrough`
    /// (Lambda's default) only passes a caller's trace header on. Absent everywhere:
    /// the live setting is left alone.
    #[schemars(extend("enum" = ["active", "passthrough"]))]
    pub tracing: Option<Sp<String>>,
    /// ARN of the KMS key that encrypts the environment variables at rest; `none`:
    /// Lambda's own key. Absent everywhere: the live setting is left alone.
    #[schemars(regex(pattern = r"^(none|arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:([0-9]{12}|\$\{[^}]*\}):key/.+|.*\$\{.*)$"))]
    pub kms_key: Option<Sp<String>>,
    /// ARN of the SQS queue or SNS topic that receives events whose asynchronous
    /// invocations failed (the function's dead-letter queue); `none`: no queue. Absent
    /// everywhere: the live setting is left alone.
    #[schemars(regex(pattern = r"^(none|arn:aws[a-zA-Z-]*:(sqs|sns):[a-z0-9-]+:([0-9]{12}|\$\{[^}]*\}):.+|.*\$\{.*)$"))]
    pub dead_letter: Option<Sp<String>>,
    /// SnapStart: `published_versions` snapshots the initialized function when a
    /// version is published (Java 11+, Python 3.12+ and .NET 8+ zip functions);
    /// `none` (Lambda's default) turns it off. Absent everywhere: left alone.
    #[schemars(extend("enum" = ["published_versions", "none"]))]
    pub snap_start: Option<Sp<String>>,
    /// VPC attachment: subnets and security groups (both or neither; an empty `vpc: {}`
    /// detaches the function). Replaced as a whole by a later layer. Absent everywhere:
    /// the live VPC setting is left alone.
    pub vpc: Option<Sp<RawVpc>>,
    /// Logs: `format` (`text`, Lambda's default, or `json`), `log_group` (default
    /// `/aws/lambda/<name>`), and for JSON logs `application_level` and `system_level`
    /// (default `info`). Replaced as a whole by a later layer; absent: left alone.
    pub logging: Option<Sp<RawLogging>>,
    /// EFS access points to mount (at most 1; needs `vpc`); `[]` unmounts. Absent:
    /// left alone.
    #[schemars(length(max = 1))]
    pub file_systems: Option<Sp<Vec<Sp<RawFileSystem>>>>,
    /// Overrides of a container image's `CMD`, `ENTRYPOINT` and `WORKDIR` (image
    /// functions only); `{}` restores the image's own. Absent: left alone.
    pub image_config: Option<Sp<RawImageConfig>>,
    /// Tags. Maps merge key by key like `environment`. Keys 1–128 characters, not
    /// starting with `aws:` or `flotilla:` (Flotilla's own: `flotilla:manifest`,
    /// `flotilla:env`); values at most 256 characters.
    #[schemars(extend(
        "propertyNames" = { "minLength": 1, "maxLength": 128, "not": { "pattern": "^(aws|flotilla):" } },
        "additionalProperties" = { "type": ["string", "number", "boolean"], "maxLength": 256 }
    ))]
    pub tags: Option<Entries<Sp<RawScalar>>>,
    /// Reserved concurrency; absent leaves the function unreserved, `0` throttles it.
    #[schemars(range(min = 0))]
    pub reserved_concurrency: Option<Sp<u32>>,
    /// Provisioned concurrency on the alias (needs `publish: true` and `alias`; never on
    /// `$LATEST`): environments Lambda keeps initialized; at most `reserved_concurrency`
    /// when that is set. `0` removes it; absent leaves the live configuration alone.
    #[schemars(range(min = 0))]
    pub provisioned_concurrency: Option<Sp<u32>>,
    /// Publish a new version after each change.
    #[schemars(extend("default" = false))]
    pub publish: Option<Sp<bool>>,
    /// Alias moved to the newly published version (needs `publish: true`); not all digits.
    #[schemars(regex(
        pattern = r"^([A-Za-z0-9_-]|\$\{[^}]*\})*([A-Za-z_-]|\$\{[^}]*\})([A-Za-z0-9_-]|\$\{[^}]*\})*$"
    ))]
    pub alias: Option<Sp<String>>,
    /// Retry policy for throttled, conflicting and transient API calls.
    pub retry: Option<RawRetry>,
    /// How long to wait for a function to settle.
    pub wait: Option<RawWait>,
    /// Upload `zip`/`dir` packages to this S3 bucket and deploy them from there
    /// (an artifact's own `upload` wins). Ignored for `s3` and `image` artifacts.
    pub upload: Option<Sp<RawUpload>>,
    /// Gradual deployment: how the alias moves to each newly published version (needs
    /// `publish: true` and `alias`), the alarms that stop it and a smoke invoke first.
    /// Each key layers like every setting.
    pub rollout: Option<Sp<RawRollout>>,
    /// Event source mappings, by trigger name: `{ source: ARN, batch_size, ... }` for
    /// SQS queues, Kinesis streams, DynamoDB streams and MSK clusters. Matched to the
    /// live mappings by event source ARN; a live mapping of the function to a source not
    /// listed is deleted, and `triggers: {}` deletes them all. Taken whole from the last
    /// layer that sets it; absent: the function's mappings are left alone.
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z0-9_-]{1,64}$" }))]
    pub triggers: Option<Sp<Entries<Sp<RawTrigger>>>>,
    /// After each deployment, delete the published versions beyond the newest N that no
    /// alias routes to (needs `publish: true`); never `$LATEST`. Absent: versions are
    /// kept.
    #[schemars(range(min = 1))]
    pub keep_versions: Option<Sp<u32>>,
    /// The function's resource-based policy: statements by id (1–100 letters, digits,
    /// `-` or `_`), each granting `action` to `principal`, applied to the alias when the
    /// function has one. Present: the manifest owns the policy's statements (others are
    /// removed; `{}` removes them all). Taken whole from the last layer; absent: left
    /// alone.
    #[schemars(extend("propertyNames" = { "pattern": "^[a-zA-Z0-9_-]{1,100}$" }))]
    pub permissions: Option<Sp<Entries<Sp<RawPermission>>>>,
    /// Asynchronous invocation (PutFunctionEventInvokeConfig on the unqualified
    /// function): `retries` (0–2, default 2), `max_age` (60s–6h, default 6h) and the
    /// `on_success`/`on_failure` destination ARNs. `{}` removes the configuration;
    /// absent: left alone. Taken whole from the last layer that has it.
    pub r#async: Option<Sp<RawAsync>>,
    /// What Lambda does when it detects the function in a recursive loop
    /// (PutFunctionRecursionConfig): `terminate` (Lambda's default) stops it, `allow`
    /// lets it run. Absent: left alone.
    #[schemars(extend("enum" = ["allow", "terminate"], "default" = "terminate"))]
    pub recursion: Option<Sp<String>>,
    /// When Lambda updates the runtime (PutRuntimeManagementConfig; zip functions
    /// only): `auto` (Lambda's default), `function_update` (with the function's next
    /// update), or `{ manual: RUNTIME_VERSION_ARN }` to stay on one version. Absent:
    /// left alone.
    pub runtime_management: Option<Sp<RawRuntimeManagement>>,
    /// ARN of the code signing configuration whose signing profiles the function's
    /// code must be signed by (PutFunctionCodeSigningConfig; zip functions only), e.g.
    /// `arn:aws:lambda:eu-north-1:${account}:code-signing-config:csc-0123456789abcdef0`.
    /// `false` removes it; absent: left alone.
    pub code_signing_config: Option<Sp<RawCodeSigning>>,
    /// A function URL (CreateFunctionUrlConfig, on the alias when the function has
    /// one): `auth` (`none` | `aws_iam`), `invoke_mode` and `cors`; `auth: none` also
    /// adds the policy statements that allow public calls. `false` deletes the URL;
    /// absent: left alone. Taken whole from the last layer that has it.
    pub url: Option<Sp<super::raw_url::RawUrl>>,
}
}

/// A function's code signing configuration: an ARN, or `false` to remove it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCodeSigning {
    /// The configuration's ARN (may use `${account}`, `${region}`).
    Arn(Sp<String>),
    /// `false`: the function uses none.
    Off,
}

impl JsonSchema for RawCodeSigning {
    fn schema_name() -> Cow<'static, str> {
        "RawCodeSigning".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A code signing configuration ARN, or `false` to remove it.",
            "anyOf": [
                {
                    "type": "string",
                    "pattern": r"^(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}|.*\$\{.*)$"
                },
                { "const": false }
            ]
        })
    }
}

/// One trigger: an event source mapping of the function.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawTrigger {
    /// ARN of the SQS queue, Kinesis stream, DynamoDB stream or MSK cluster.
    #[schemars(
        required,
        regex(pattern = r"^(arn:aws[a-zA-Z-]*:(sqs|kinesis|dynamodb|kafka):.+|.*\$\{.*)$")
    )]
    pub source: Option<Sp<String>>,
    /// Records per batch (1–10000; default 10 for SQS, 100 otherwise; above 10 on SQS
    /// needs `batching_window`).
    #[schemars(range(min = 1, max = 10000))]
    pub batch_size: Option<Sp<u32>>,
    /// How long Lambda gathers records before invoking, 0–300 s in whole seconds
    /// (default 0).
    #[serde(default)]
    #[schemars(schema_with = "duration_schema")]
    pub batching_window: Option<Sp<RawDuration>>,
    /// Where a stream or MSK topic is read from: `trim_horizon`, `latest` or
    /// `at_timestamp` (with `starting_timestamp`). Required for streams and MSK,
    /// refused for SQS. Fixed once created: a change replaces the mapping.
    #[schemars(extend("enum" = ["trim_horizon", "latest", "at_timestamp"]))]
    pub starting_position: Option<Sp<String>>,
    /// RFC 3339 time to start reading from with `starting_position: at_timestamp`.
    pub starting_timestamp: Option<Sp<String>>,
    /// Whether the mapping polls (default `true`).
    #[schemars(extend("default" = true))]
    pub enabled: Option<Sp<bool>>,
    /// Event filter patterns (at most 5): each a JSON text or a YAML mapping. `[]`
    /// removes the filters.
    #[schemars(length(max = 5), extend("items" = { "type": ["string", "object"] }))]
    pub filters: Option<Sp<Vec<Sp<serde_json::Value>>>>,
    /// Streams: retries of a failed batch, -1 (until the record expires, the default)
    /// to 10000.
    #[schemars(range(min = -1, max = 10000))]
    pub maximum_retry_attempts: Option<Sp<i64>>,
    /// Streams: split a failed batch in two and retry each half (default `false`).
    pub bisect_on_error: Option<Sp<bool>>,
    /// Streams: ARN of the SQS queue, SNS topic or S3 bucket that receives records of
    /// batches that failed for good.
    pub on_failure: Option<Sp<String>>,
    /// MSK: the topic to read (exactly one). Fixed once created.
    #[schemars(length(min = 1, max = 1))]
    pub topics: Option<Sp<Vec<Sp<String>>>>,
}

/// One statement of a function's resource-based policy (AddPermission).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPermission {
    /// Who may call: a service (`s3.amazonaws.com`), a 12-digit account id, an IAM ARN
    /// or `*`.
    #[schemars(required, length(min = 1, max = 2048))]
    pub principal: Option<Sp<String>>,
    /// The action granted.
    #[schemars(
        regex(pattern = r"^(lambda:[*]|lambda:[a-zA-Z]+|[*])$"),
        extend("default" = "lambda:InvokeFunction")
    )]
    pub action: Option<Sp<String>>,
    /// Only calls on behalf of this resource (an S3 bucket, an EventBridge rule, ...).
    pub source_arn: Option<Sp<String>>,
    /// Only calls on behalf of resources this 12-digit account owns.
    #[schemars(regex(pattern = r"^([0-9]{12}|.*\$\{.*)$"))]
    pub source_account: Option<Sp<String>>,
    /// Only principals of this AWS Organizations organization (`o-` and 10–32
    /// lowercase letters or digits).
    #[schemars(regex(pattern = r"^(o-[a-z0-9]{10,32}|.*\$\{.*)$"))]
    pub principal_org_id: Option<Sp<String>>,
    /// Only for calls through the function URL with this auth type: `aws_iam` or
    /// `none` (with `action: lambda:InvokeFunctionUrl`).
    #[schemars(extend("enum" = ["aws_iam", "none"]))]
    pub function_url_auth_type: Option<Sp<String>>,
}

/// When Lambda updates a function's runtime: a mode, or a pinned runtime version.
#[derive(Debug, Clone, PartialEq)]
pub enum RawRuntimeManagement {
    /// `auto` or `function_update`.
    Mode(Sp<String>),
    /// `{ manual: ARN }`; `None` when `manual` is missing.
    Manual(Option<Sp<String>>),
}

impl JsonSchema for RawRuntimeManagement {
    fn schema_name() -> Cow<'static, str> {
        "RawRuntimeManagement".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`auto`, `function_update`, or `{ manual: RUNTIME_VERSION_ARN }`.",
            "anyOf": [
                { "type": "string", "enum": ["auto", "function_update"] },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["manual"],
                    "properties": {
                        "manual": {
                            "description": "The runtime version ARN to stay on, e.g. `arn:aws:lambda:eu-north-1::runtime:0123abcd…`.",
                            "type": "string"
                        }
                    }
                }
            ]
        })
    }
}

/// The asynchronous invocation configuration of a function.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawAsync {
    /// Retries after a function error, 0–2 (Lambda's default: 2).
    #[schemars(range(min = 0, max = 2), extend("default" = 2))]
    pub retries: Option<Sp<u32>>,
    /// How long an event is kept for processing, 60s–6h: seconds as a number, or a
    /// duration such as `1h` (Lambda's default: 6h).
    #[serde(default)]
    #[schemars(schema_with = "duration_schema")]
    pub max_age: Option<Sp<RawDuration>>,
    /// Where a record of each successful invocation goes: an SQS queue, SNS topic,
    /// Lambda function or EventBridge event bus ARN.
    pub on_success: Option<Sp<String>>,
    /// Where a record of each failed invocation goes: an SQS queue, SNS topic, Lambda
    /// function, EventBridge event bus or S3 bucket ARN.
    pub on_failure: Option<Sp<String>>,
}

/// A gradual deployment of each published version through the alias.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRollout {
    /// `all-at-once` (the alias moves at once), `canary` (`canary.percent` of the
    /// traffic for `canary.wait`, then all) or `linear` (`linear.percent` more every
    /// `linear.every`).
    #[schemars(extend("enum" = ["all-at-once", "canary", "linear"], "default" = "all-at-once"))]
    pub strategy: Option<Sp<String>>,
    /// The canary: `{ percent: 10, wait: 5m }`.
    pub canary: Option<Sp<RawCanary>>,
    /// Linear steps: `{ percent: 20, every: 1m }`.
    pub linear: Option<Sp<RawLinear>>,
    /// CloudWatch alarm names watched while traffic shifts: any in `ALARM` stops the
    /// rollout (at most 100).
    #[schemars(length(max = 100))]
    pub alarms: Option<Sp<Vec<Sp<String>>>>,
    /// An invoke of the new version before any traffic moves: `payload` is sent, and
    /// the response must equal `expect` when given; a function error fails it.
    pub smoke: Option<Sp<RawSmoke>>,
    /// What a failed rollout leaves: `rollback` (all traffic on the old version, the
    /// default) or `hold` (the weights as they were).
    #[schemars(extend("enum" = ["rollback", "hold"], "default" = "rollback"))]
    pub on_failure: Option<Sp<String>>,
}

/// A canary: a share of the traffic for a while, then all of it.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawCanary {
    /// Percent of the traffic on the new version during the wait (1–99).
    #[schemars(range(min = 1, max = 99))]
    pub percent: Option<Sp<u32>>,
    /// How long the canary runs, alarms watched.
    #[serde(default)]
    #[schemars(schema_with = "duration_schema")]
    pub wait: Option<Sp<RawDuration>>,
}

/// Linear steps: a share more of the traffic at each interval.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawLinear {
    /// Percent added at each step (1–99).
    #[schemars(range(min = 1, max = 99))]
    pub percent: Option<Sp<u32>>,
    /// Time between steps, alarms watched.
    #[serde(default)]
    #[schemars(schema_with = "duration_schema")]
    pub every: Option<Sp<RawDuration>>,
}

/// The smoke invoke.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSmoke {
    /// The event sent to the new version (any YAML, sent as JSON).
    pub payload: Option<Sp<serde_json::Value>>,
    /// The response expected (any YAML, compared as JSON).
    pub expect: Option<Sp<serde_json::Value>>,
}

/// One function of the fleet.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    extend(
        // A container image brings its own runtime and handler.
        "if" = { "required": ["artifact"], "properties": { "artifact": { "required": ["image"] } } },
        "then" = { "not": { "anyOf": [{ "required": ["runtime"] }, { "required": ["handler"] }] } }
    )
)]
pub struct RawFunction {
    /// Lambda function name (may use `${stage}` and other interpolations); after
    /// interpolation 1–64 letters, digits, `-` or `_`. Default: the function's key.
    #[schemars(extend("anyOf" = [
        { "pattern": "^[A-Za-z0-9_-]{1,64}$" },
        // with interpolation the length is only known after it
        { "pattern": "^([A-Za-z0-9_-]|\\$\\{[^}]*\\})*\\$\\{[^}]*\\}([A-Za-z0-9_-]|\\$\\{[^}]*\\})*$" }
    ]))]
    pub name: Option<Sp<String>>,
    /// Where the code comes from: exactly one of `zip`, `dir`, `s3` or `image`.
    #[schemars(required)]
    pub artifact: Option<Sp<RawArtifact>>,
    /// Keys of functions that must be deployed before this one.
    pub depends_on: Option<Vec<Sp<String>>>,
    /// Globs of source paths this function is built from (for monorepo selection).
    pub paths: Option<Vec<Sp<String>>>,
    /// This function's settings in one environment, by environment name: they win over
    /// everything else (`defaults` < environment < function < function in environment),
    /// e.g. `environments: { prod: { memory: 4096 } }`.
    pub environments: Option<Entries<RawSettings>>,
    /// The function's own settings (over `defaults` and the environment's).
    #[serde(flatten)]
    pub settings: RawSettings,
}

/// Instruction set architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub enum RawArchitecture {
    /// Intel/AMD 64-bit.
    #[serde(rename = "x86_64")]
    X86_64,
    /// ARM 64-bit (Graviton).
    #[serde(rename = "arm64")]
    Arm64,
}

/// A duration: whole seconds as a number, or text such as `500ms`, `30s`, `10m`, `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(schema_with = "duration_schema")]
pub struct RawDuration(pub std::time::Duration);

/// A scalar written where Lambda wants a string (numbers and booleans are kept as text).
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(schema_with = "scalar_schema")]
pub struct RawScalar(pub String);

/// An environment variable's value: a plain scalar, or a mapping that reads it from
/// Flotilla's own environment and/or marks it sensitive.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum RawEnvValue {
    /// A plain value (may use interpolation).
    Plain(RawScalar),
    /// A value with options.
    Spec(RawEnvSpec),
}

/// Options of one environment variable. Exactly one of `value` and `from_env`.
#[derive(Debug, Clone, PartialEq, Default, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    extend("oneOf" = [{ "required": ["value"] }, { "required": ["from_env"] }])
)]
pub struct RawEnvSpec {
    /// The value (may use interpolation).
    pub value: Option<Sp<RawScalar>>,
    /// Name of a variable in the environment Flotilla runs in (e.g. a CI secret).
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub from_env: Option<Sp<String>>,
    /// Secret: never printed, logged or written to plans. Default: `true` for
    /// `from_env`, `false` otherwise.
    pub sensitive: Option<Sp<bool>>,
}

/// Where a function's code comes from.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum RawArtifact {
    /// A ready .zip file.
    Zip(RawZip),
    /// A directory, packaged reproducibly into a .zip.
    Dir(RawDir),
    /// An object in S3.
    S3(RawS3Artifact),
    /// A container image.
    Image(RawImage),
}

/// A ready .zip file.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawZip {
    /// Path to the .zip, relative to the manifest's folder (must stay inside it).
    pub zip: Sp<String>,
    /// Upload the zip to S3 and deploy it from there (needed above Lambda's 50 MB
    /// direct-upload limit). Overrides an `upload` setting from the function,
    /// environment or `defaults`.
    pub upload: Option<Sp<RawUpload>>,
}

/// A directory packaged reproducibly into a .zip.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawDir {
    /// Path to the directory, relative to the manifest's folder (must stay inside it).
    pub dir: Sp<String>,
    /// Glob patterns (relative to `dir`) left out of the package.
    pub exclude: Option<Vec<Sp<String>>>,
    /// Upload the package to S3 and deploy it from there (needed above Lambda's 50 MB
    /// direct-upload limit). Overrides an `upload` setting from the function,
    /// environment or `defaults`.
    pub upload: Option<Sp<RawUpload>>,
}

/// Where a `zip`/`dir` package is uploaded before Lambda reads it: the object key is
/// `{prefix}/{hex sha256 of the zip}.zip`, so an unchanged package is uploaded once.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawUpload {
    /// Bucket, in the function's region (may use `${stage}`, `${account}`, `${region}`).
    pub bucket: Sp<String>,
    /// Key prefix such as `lambda/${stage}` (optional; slashes at either end are ignored).
    pub prefix: Option<Sp<String>>,
}

/// An artifact in S3.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawS3Artifact {
    /// The object.
    pub s3: RawS3,
}

/// An object in S3.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawS3 {
    /// Bucket name.
    pub bucket: Sp<String>,
    /// Object key.
    pub key: Sp<String>,
    /// Object version.
    pub version: Option<Sp<String>>,
    /// Base64 SHA-256 of the zip, so the plan can tell whether the code changed.
    pub sha256: Option<Sp<String>>,
}

/// A container image.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawImage {
    /// Image URI in ECR, by tag (`REPO:v1`) or pinned by digest
    /// (`REPO@sha256:<64 hex digits>`). A pinned image is compared by digest; a tag
    /// only as text, so a re-pushed tag is not seen as a change: pin digests.
    pub image: Sp<String>,
}

/// `vpc`: the function's subnets and security groups.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawVpc {
    /// Subnet ids (`subnet-0123456789abcdef0`), at most 16.
    #[schemars(length(max = 16), extend("items" = { "type": "string", "pattern": "^(subnet-[0-9a-f]{8,17}|.*\\$\\{.*)$" }))]
    pub subnets: Option<Sp<Vec<Sp<String>>>>,
    /// Security group ids (`sg-0123456789abcdef0`), at most 5.
    #[schemars(length(max = 5), extend("items" = { "type": "string", "pattern": "^(sg-[0-9a-f]{8,17}|.*\\$\\{.*)$" }))]
    pub security_groups: Option<Sp<Vec<Sp<String>>>>,
    /// Allow IPv6 traffic through dual-stack subnets.
    #[schemars(extend("default" = false))]
    pub ipv6: Option<Sp<bool>>,
}

/// `logging`: where and how the function's logs go.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawLogging {
    /// `text` (Lambda's default) or `json`.
    #[schemars(extend("enum" = ["text", "json"], "default" = "text"))]
    pub format: Option<Sp<String>>,
    /// CloudWatch log group; default `/aws/lambda/<function name>`.
    #[schemars(length(min = 1, max = 512))]
    pub log_group: Option<Sp<String>>,
    /// Lowest application log level sent (JSON format only; default `info`).
    #[schemars(extend("enum" = ["trace", "debug", "info", "warn", "error", "fatal"]))]
    pub application_level: Option<Sp<String>>,
    /// Lowest Lambda system log level sent (JSON format only; default `info`).
    #[schemars(extend("enum" = ["debug", "info", "warn"]))]
    pub system_level: Option<Sp<String>>,
}

/// One item of `file_systems`: an EFS access point and where it is mounted.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawFileSystem {
    /// EFS access point ARN
    /// (`arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-…`).
    #[schemars(required)]
    pub arn: Option<Sp<String>>,
    /// Mount path: `/mnt/` and a name of letters, digits, `-`, `_` or `.`.
    #[schemars(required, regex(pattern = r"^/mnt/[a-zA-Z0-9-_.]+$"))]
    pub mount: Option<Sp<String>>,
}

/// `image_config`: overrides of the image's own settings.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawImageConfig {
    /// `CMD` (the handler and its arguments), e.g. `[app.handler]`.
    #[schemars(length(max = 1500))]
    pub command: Option<Sp<Vec<Sp<String>>>>,
    /// `ENTRYPOINT`, e.g. `[/lambda-entrypoint.sh]`.
    #[schemars(length(max = 1500))]
    pub entry_point: Option<Sp<Vec<Sp<String>>>>,
    /// `WORKDIR`, e.g. `/var/task`.
    #[schemars(length(max = 1000))]
    pub working_directory: Option<Sp<String>>,
}

/// Retry policy: exponential backoff with full jitter.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRetry {
    /// Attempts in all, including the first.
    #[schemars(range(min = 1), extend("default" = 8))]
    pub max_attempts: Option<Sp<u32>>,
    /// Backoff between attempts.
    pub backoff: Option<RawBackoff>,
}

/// Backoff between attempts.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawBackoff {
    /// First backoff.
    #[schemars(extend("default" = "500ms"))]
    pub initial: Option<Sp<RawDuration>>,
    /// Cap on one backoff.
    #[schemars(extend("default" = "20s"))]
    pub max: Option<Sp<RawDuration>>,
    /// Growth factor per attempt (at least 1).
    #[schemars(range(min = 1.0), extend("default" = 2.0))]
    pub multiplier: Option<Sp<f64>>,
}

/// Wait policy.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawWait {
    /// Upper bound on one wait for a function to settle.
    #[schemars(extend("default" = "10m"))]
    pub timeout: Option<Sp<RawDuration>>,
}

/// The duration spellings `read.rs` accepts.
pub const DURATION_PATTERN: &str = r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$";

fn duration_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "A duration: whole seconds as a number, or text such as `500ms`, `30s`, `10m`, `1h`.",
        "anyOf": [
            { "type": "integer", "minimum": 0 },
            { "type": "string", "pattern": DURATION_PATTERN }
        ]
    })
}

fn timeout_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "default": 3,
        "anyOf": [
            { "type": "integer", "minimum": 1, "maximum": 900 },
            { "type": "string", "pattern": DURATION_PATTERN }
        ]
    })
}

fn scalar_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "number", "boolean"] })
}
