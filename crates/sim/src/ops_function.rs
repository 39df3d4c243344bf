//! Function operations: create, read, update code and configuration, delete, list,
//! tags and reserved concurrency. Each runs under the world lock at `call.now`.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::config::UpdateKind;
use super::state::CompetingStage;
use super::state::{
    FunctionRecord, PendingChange, SimError, parse_function_ref, valid_function_name,
};
use super::world::{Call, Env, World};
use flotilla_cloud::lambda::{
    CodeSource, ConfigField, CreateFunctionInput, FunctionConfig, FunctionInfo, FunctionStateKind,
    LastUpdateStatus, PackageType, Route, UpdateCodeInput, UpdateConfigInput,
};

/// A function placed directly into the emulator (no call counted, no latency), already
/// `Active` with its last update `Successful`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedFunction {
    /// Function name.
    pub name: String,
    /// Its configuration.
    pub config: FunctionConfig,
    /// Base64 SHA-256 of its code.
    pub code_sha256: String,
    /// Code size in bytes.
    pub code_size: u64,
    /// Image URI for image functions.
    pub image_uri: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency.
    pub reserved_concurrency: Option<u32>,
}

/// Base64 SHA-256, Lambda's `CodeSha256`.
pub(crate) fn code_sha256(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// `CodeSha256` of an image function, as Lambda reports it: the hex of the image's
/// digest. A pinned URI gives its digest; a tag (which the emulator cannot resolve) a
/// stable stand-in, the SHA-256 of the URI, so the same tag always "resolves" the same.
pub fn image_code_sha256(uri: &str) -> String {
    match flotilla_cloud::image::image_digest(uri) {
        Some(hex) => hex.to_owned(),
        None => Sha256::digest(uri.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    }
}

/// The hash and size Lambda would report for a code source. An S3 object in a bucket
/// the emulator holds is read (a missing one fails as in Lambda); in a bucket it does
/// not hold (benchmarks name S3 code without uploading it) the hash is derived from
/// the address, which is stable per object. Images are not fetched.
fn code_identity(
    s3: &mut super::s3::S3State,
    code: &CodeSource,
) -> Result<(String, u64, Option<String>), SimError> {
    Ok(match code {
        CodeSource::Zip(bytes) => {
            s3.keep_lambda_code(bytes);
            (code_sha256(bytes), bytes.len() as u64, None)
        }
        CodeSource::S3 {
            bucket,
            key,
            version,
        } => {
            if s3.has_bucket(bucket) {
                let bytes = s3.read_for_lambda(bucket, key).map_err(|e| {
                    SimError::invalid(format!(
                        "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}",
                        e.code, e.message
                    ))
                })?;
                s3.keep_lambda_code(&bytes);
                return Ok((code_sha256(&bytes), bytes.len() as u64, None));
            }
            let address = format!(
                "s3://{bucket}/{key}?versionId={}",
                version.as_deref().unwrap_or("")
            );
            (code_sha256(address.as_bytes()), 1024, None)
        }
        CodeSource::Image(uri) => (image_code_sha256(uri), 0, Some(uri.clone())),
    })
}

/// The checks Lambda makes on a configuration before accepting it (`creating` for
/// `CreateFunction`, which also refuses deprecated runtimes).
fn validate(name: &str, config: &FunctionConfig, creating: bool) -> Result<(), SimError> {
    crate::ops_checks::check_options(config, creating)?;
    // Lambda's checks of the settings the emulator knows the rules of; a setting without
    // a rule here is accepted as sent (Lambda's 256-character description limit is not
    // emulated, and every architecture is valid).
    let FunctionConfig {
        role,
        runtime,
        handler,
        memory_mb,
        timeout_s,
        ephemeral_storage_mb,
        environment,
        layers,
        package_type,
        ..
    } = config;
    if !valid_function_name(name) {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ and length 1-64"
        )));
    }
    let range = |what: &str, value: u32, lo: u32, hi: u32| {
        if (lo..=hi).contains(&value) {
            Ok(())
        } else {
            Err(SimError::invalid(format!(
                "{what} {value} is outside the allowed range {lo}-{hi}."
            )))
        }
    };
    range("MemorySize", *memory_mb, 128, 10_240)?;
    range("Timeout", *timeout_s, 1, 900)?;
    range("EphemeralStorage", *ephemeral_storage_mb, 512, 10_240)?;
    if layers.len() > 5 {
        return Err(SimError::invalid("Cannot reference more than 5 layers."));
    }
    if *package_type == PackageType::Zip && (runtime.is_none() || handler.is_none()) {
        return Err(SimError::invalid(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
        ));
    }
    check_environment(environment)?;
    if role.is_empty() {
        return Err(SimError::invalid(
            "The role defined for the function cannot be assumed by Lambda.",
        ));
    }
    Ok(())
}

/// Keys Lambda reserves for itself.
const RESERVED_KEYS: [&str; 15] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_TASK_ROOT",
];

/// Lambda's environment rules: no reserved keys, 4 KB in total.
fn check_environment(env: &BTreeMap<String, String>) -> Result<(), SimError> {
    let reserved: Vec<&str> = env
        .keys()
        .map(String::as_str)
        .filter(|k| {
            RESERVED_KEYS.contains(k)
                || k.starts_with("AWS_LAMBDA_")
                || *k == "TZ"
                || *k == "LAMBDA_RUNTIME_DIR"
        })
        .collect();
    if !reserved.is_empty() {
        return Err(SimError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(",")
        )));
    }
    if let Some(bad) = env.keys().find(|k| {
        let mut chars = k.chars();
        !(chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    }) {
        return Err(SimError::invalid(format!(
            "Environment variable name '{bad}' is not valid: it must match [a-zA-Z]([a-zA-Z0-9_])+."
        )));
    }
    // Lambda measures the JSON of the map (values, which may be secret, stay out of the message).
    let size: usize = env
        .iter()
        .map(|(k, v)| k.len() + v.len() + 6)
        .sum::<usize>()
        + 2;
    if size > 4096 {
        return Err(SimError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. Size measured: {size} bytes"
        )));
    }
    Ok(())
}

/// Code of the function's package type: an image for an image function, a zip otherwise.
fn check_code_kind(package_type: PackageType, is_image: bool) -> Result<(), SimError> {
    if is_image == (package_type == PackageType::Image) {
        return Ok(());
    }
    Err(SimError::invalid(format!(
        "Please provide {} for a function with PackageType {package_type:?}.",
        if package_type == PackageType::Image {
            "ImageUri"
        } else {
            "ZipFile or S3Bucket/S3Key"
        },
    )))
}

/// The VPC latency for a function attached to a VPC (its `VpcConfig` names subnets),
/// `base` otherwise.
fn kind_for(config: &FunctionConfig, base: UpdateKind) -> UpdateKind {
    if config.vpc.as_ref().is_some_and(|v| v.is_attached()) {
        UpdateKind::Vpc
    } else {
        base
    }
}

impl World {
    /// CreateFunction: the function starts `Pending` and becomes `Active` later.
    pub(crate) fn create_function(
        &mut self,
        call: &Call<'_>,
        mut input: CreateFunctionInput,
    ) -> Result<FunctionInfo, SimError> {
        let name = input.name.clone();
        crate::ops_checks::check_structured(&input.config)?;
        input.config.fill_live_defaults(&name);
        validate(&name, &input.config, true)?;
        self.check_layers_exist(&input.config.layers)?;
        self.check_create_code_signing(
            call,
            input.code_signing_config_arn.as_deref(),
            input.config.package_type,
        )?;
        let arn = self.env.arn(call, &name);
        if self
            .regions
            .get(call.account, call.region)
            .is_some_and(|f| f.contains_key(&name))
        {
            return Err(SimError::conflict(format!(
                "Function already exist: {name}"
            )));
        }
        let (sha, size, image_uri) = code_identity(&mut self.s3, &input.code)?;
        let is_image = matches!(input.code, CodeSource::Image(_));
        if is_image != (input.config.package_type == PackageType::Image) {
            return Err(SimError::invalid(
                "Code and PackageType do not match: use ImageUri with PackageType Image, a zip otherwise.",
            ));
        }
        let base = if is_image {
            UpdateKind::CreateImage
        } else {
            UpdateKind::CreateZip
        };
        let done_at = self.env.completion(kind_for(&input.config, base), call.now);
        let record = FunctionRecord {
            name: name.clone(),
            config: input.config,
            arn,
            code_sha256: sha,
            code_size: size,
            image_uri,
            state: FunctionStateKind::Pending,
            state_reason: Some("The function is being created.".to_owned()),
            state_reason_code: Some("Creating".to_owned()),
            last_update: LastUpdateStatus::InProgress,
            last_update_reason: None,
            last_update_reason_code: None,
            revision_id: self.env.revision(),
            last_modified: self.env.last_modified(call.now),
            pending: Some(PendingChange {
                done_at,
                is_create: true,
                failure: call.fail_update.clone(),
                outside: false,
            }),
            versions: BTreeMap::new(),
            next_version: 1,
            aliases: BTreeMap::new(),
            tags: input.tags,
            reserved_concurrency: None,
            provisioned: BTreeMap::new(),
            competing: None,
            policies: Default::default(),
            urls: Default::default(),
            around: Default::default(),
            code_signing_config: input.code_signing_config_arn,
        };
        self.region_mut(call).insert(name.clone(), record);
        if input.publish {
            // Lambda publishes version 1 from the create; it becomes usable with the function.
            let (record, env) = self.function_mut(call, &name)?;
            super::ops_version::freeze_version(record, env, call, None);
        }
        let (record, _) = self.function_mut(call, &name)?;
        Ok(record.latest_info(false))
    }

    /// GetFunction / GetFunctionConfiguration.
    pub(crate) fn get_function(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
        with_extras: bool,
    ) -> Result<FunctionInfo, SimError> {
        let (name, arn_qualifier) = parse_function_ref(reference);
        let qualifier = qualifier.map(str::to_owned).or(arn_qualifier);
        let (record, _) = self.function_mut(call, &name)?;
        record.qualified_info(qualifier.as_deref(), with_extras)
    }

    /// UpdateFunctionCode; with `publish`, a version of the new code is published at once
    /// and returned (as Lambda's `Publish` parameter does).
    pub(crate) fn update_code(
        &mut self,
        call: &Call<'_>,
        input: UpdateCodeInput,
        publish: bool,
        dry_run: bool,
    ) -> Result<FunctionInfo, SimError> {
        // Read before the function is borrowed; its error counts once the function accepted the call.
        let identity = code_identity(&mut self.s3, &input.code);
        let is_image = matches!(input.code, CodeSource::Image(_));
        if dry_run {
            // `DryRun` validates the request and changes nothing: no update starts, the
            // code, revision and status stay as they are.
            let (record, _) = self.function_mut(call, &input.name)?;
            record.check_revision(input.revision_id.as_deref())?;
            check_code_kind(record.config.package_type, is_image)?;
            identity?;
            return Ok(record.latest_info(false));
        }
        let (record, env) = self.begin_change(call, &input.name)?;
        record.check_revision(input.revision_id.as_deref())?;
        check_code_kind(record.config.package_type, is_image)?;
        let (sha, size, image_uri) = identity?;
        record.code_sha256 = sha;
        record.code_size = size;
        record.image_uri = image_uri;
        if let Some(arch) = input.architecture {
            record.config.architecture = arch;
        }
        let base = if is_image {
            UpdateKind::CodeImage
        } else {
            UpdateKind::CodeZip
        };
        start_update(record, env, call, kind_for(&record.config, base));
        if publish {
            return Ok(super::ops_version::freeze_version(record, env, call, None));
        }
        Ok(record.latest_info(false))
    }

    /// UpdateFunctionConfiguration.
    pub(crate) fn update_config(
        &mut self,
        call: &Call<'_>,
        input: UpdateConfigInput,
    ) -> Result<FunctionInfo, SimError> {
        if input.fields.contains(&ConfigField::Layers) {
            self.check_layers_exist(&input.config.layers)?;
        }
        let (record, env) = self.begin_change(call, &input.name)?;
        record.check_revision(input.revision_id.as_deref())?;
        let mut config = record.config.clone();
        // UpdateFunctionConfiguration changes only the settings it carries.
        let fields: Vec<ConfigField> = (input.fields.iter().copied())
            .filter(|f| f.route() == Route::Configuration)
            .collect();
        config.copy_fields(&input.config, &fields);
        crate::ops_checks::check_structured(&config)?;
        config.fill_live_defaults(&record.name);
        validate(&record.name, &config, false)?;
        record.config = config;
        start_update(
            record,
            env,
            call,
            kind_for(&record.config, UpdateKind::Configuration),
        );
        Ok(record.latest_info(false))
    }

    /// The outside-writer fault: a second pipeline changes the description, if it can.
    pub(crate) fn outside_write(
        &mut self,
        call: &Call<'_>,
        name: &str,
    ) -> Result<FunctionInfo, SimError> {
        let (record, env) = self.function_mut(call, name)?;
        if let Some(conflict) = record.conflict() {
            return Err(conflict);
        }
        record.config.description = format!(
            "changed by an outside writer at {}",
            env.last_modified(call.now)
        );
        start_outside_update(record, env, call, UpdateKind::Configuration);
        let info = record.latest_info(false);
        self.tally.outside_write(name);
        Ok(info)
    }

    /// The outside-code-writer and competing-release faults: a second writer replaces
    /// the code of a zip function; for a competing release, its configuration follows
    /// when that update completes.
    pub(crate) fn outside_code_write(
        &mut self,
        call: &Call<'_>,
        name: &str,
        release: bool,
    ) -> Result<FunctionInfo, SimError> {
        let (record, env) = self.function_mut(call, name)?;
        if let Some(conflict) = record.conflict() {
            return Err(conflict);
        }
        if record.config.package_type == PackageType::Image || record.competing.is_some() {
            return Ok(record.latest_info(false));
        }
        record.code_sha256 = crate::outside_code_sha256(name);
        record.code_size = crate::outside_code(name).len() as u64;
        start_outside_update(record, env, call, UpdateKind::CodeZip);
        if release {
            record.competing = Some(CompetingStage::Configuration);
        }
        let info = record.latest_info(false);
        self.tally.outside_write(name);
        Ok(info)
    }

    /// DeleteFunction (with a qualifier: that version only).
    pub(crate) fn delete_function(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<(), SimError> {
        let (name, arn_qualifier) = parse_function_ref(reference);
        let qualifier = qualifier.map(str::to_owned).or(arn_qualifier);
        let (record, _) = self.function_mut(call, &name)?;
        match qualifier.as_deref() {
            None | Some("$LATEST") => {
                self.region_mut(call).remove(&name);
                Ok(())
            }
            Some(q) => {
                let version = q.parse::<u64>().map_err(|_| {
                    SimError::invalid(
                        "Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.",
                    )
                })?;
                if record.aliases.values().any(|a| a.function_version == q) {
                    return Err(SimError::conflict(format!(
                        "Unable to delete version because the following aliases reference it: {q}"
                    )));
                }
                record.versions.remove(&version).map(|_| ()).ok_or_else(|| {
                    SimError::not_found(format!("Function not found: {}:{q}", record.arn))
                })
            }
        }
    }

    /// ListFunctions: `$LATEST` of every function in the caller's account and region.
    pub(crate) fn list_functions(&mut self, call: &Call<'_>) -> Vec<FunctionInfo> {
        let World { regions, env, .. } = self;
        let Some(functions) = regions.get_mut(call.account, call.region) else {
            return Vec::new();
        };
        functions
            .values_mut()
            .map(|record| {
                record.settle(call.now, || env.revision());
                record.latest_info(false)
            })
            .collect()
    }

    /// Resolves a tag resource ARN to a function name in the caller's region.
    fn tagged_function(&mut self, call: &Call<'_>, arn: &str) -> Result<String, SimError> {
        let (name, qualifier) = parse_function_ref(arn);
        if qualifier.is_some() || !arn.starts_with("arn:") {
            return Err(SimError::invalid(format!(
                "{arn} is not a valid function ARN for tagging."
            )));
        }
        self.function_mut(call, &name)?;
        Ok(name)
    }

    /// TagResource.
    pub(crate) fn tag_resource(
        &mut self,
        call: &Call<'_>,
        arn: &str,
        tags: BTreeMap<String, String>,
    ) -> Result<(), SimError> {
        let name = self.tagged_function(call, arn)?;
        let (record, env) = self.function_mut(call, &name)?;
        record.tags.extend(tags);
        record.revision_id = env.revision();
        Ok(())
    }

    /// UntagResource.
    pub(crate) fn untag_resource(
        &mut self,
        call: &Call<'_>,
        arn: &str,
        keys: &[String],
    ) -> Result<(), SimError> {
        let name = self.tagged_function(call, arn)?;
        let (record, env) = self.function_mut(call, &name)?;
        for key in keys {
            record.tags.remove(key);
        }
        record.revision_id = env.revision();
        Ok(())
    }

    /// ListTags.
    pub(crate) fn list_tags(
        &mut self,
        call: &Call<'_>,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, SimError> {
        let name = self.tagged_function(call, arn)?;
        let (record, _) = self.function_mut(call, &name)?;
        Ok(record.tags.clone())
    }

    /// PutFunctionConcurrency (`Some`) or DeleteFunctionConcurrency (`None`).
    pub(crate) fn set_concurrency(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        reserved: Option<u32>,
    ) -> Result<(), SimError> {
        let (name, _) = parse_function_ref(reference);
        let (record, env) = self.function_mut(call, &name)?;
        if reserved.is_some_and(|r| r > 1000) {
            return Err(SimError::invalid(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
            ));
        }
        record.reserved_concurrency = reserved;
        record.revision_id = env.revision();
        Ok(())
    }

    /// Places a function directly, replacing one of the same name.
    pub(crate) fn seed(
        &mut self,
        call: &Call<'_>,
        mut seed: SeedFunction,
    ) -> Result<FunctionInfo, SimError> {
        let name = seed.name.clone();
        seed.config.fill_live_defaults(&name);
        validate(&name, &seed.config, false)?;
        let record = FunctionRecord {
            name: name.clone(),
            arn: self.env.arn(call, &name),
            config: seed.config,
            code_sha256: seed.code_sha256,
            code_size: seed.code_size,
            image_uri: seed.image_uri,
            state: FunctionStateKind::Active,
            state_reason: None,
            state_reason_code: None,
            last_update: LastUpdateStatus::Successful,
            last_update_reason: None,
            last_update_reason_code: None,
            revision_id: self.env.revision(),
            last_modified: self.env.last_modified(call.now),
            pending: None,
            versions: BTreeMap::new(),
            next_version: 1,
            aliases: BTreeMap::new(),
            tags: seed.tags,
            reserved_concurrency: seed.reserved_concurrency,
            provisioned: BTreeMap::new(),
            competing: None,
            policies: Default::default(),
            urls: Default::default(),
            around: Default::default(),
            code_signing_config: None,
        };
        let info = record.latest_info(true);
        self.region_mut(call).insert(name, record);
        Ok(info)
    }
}

/// Marks an accepted update: `InProgress`, a new `RevisionId`, completion scheduled.
fn start_update(
    record: &mut FunctionRecord,
    env: &mut super::world::Env,
    call: &Call<'_>,
    kind: UpdateKind,
) {
    record.last_update = LastUpdateStatus::InProgress;
    record.last_update_reason = Some("The function is being updated.".to_owned());
    record.last_update_reason_code = None;
    record.revision_id = env.revision();
    record.last_modified = env.last_modified(call.now);
    let done_at = env.completion(kind, call.now);
    record.pending = Some(PendingChange {
        done_at,
        is_create: false,
        failure: call.fail_update.clone(),
        outside: false,
    });
}

/// Starts an update an outside writer (a fault) made: it never fails by injection and
/// is marked outside, so the overlap counter leaves it out.
fn start_outside_update(
    record: &mut FunctionRecord,
    env: &mut Env,
    call: &Call<'_>,
    base: UpdateKind,
) {
    let kind = kind_for(&record.config, base);
    let outside = Call {
        fail_update: None,
        ..call.clone()
    };
    start_update(record, env, &outside, kind);
    if let Some(pending) = &mut record.pending {
        pending.outside = true;
    }
}
