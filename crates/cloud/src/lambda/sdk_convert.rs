//! Field-by-field translation between `aws-sdk-lambda` shapes and the crate's own types.
//!
//! Lambda returns the same function configuration from five operations, each as its own
//! generated struct with identical accessors; [`ConfigView`] names those accessors once
//! so one conversion serves all of them (likewise [`AliasView`] for aliases). Where the
//! API omits a field, the AWS default is filled here, so callers always see the
//! canonical shape.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_lambda::types as aws;

use super::{
    AliasInfo, Architecture, ConfigField, DEFAULT_EPHEMERAL_STORAGE_MB, DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S, FileSystem, FunctionConfig, FunctionInfo, FunctionStateKind, ImageConfig,
    LastUpdateStatus, LayerVersionInfo, LoggingConfig, PackageType, SNAP_START_NONE,
    TRACING_PASS_THROUGH, VersionInfo, VpcConfig,
};

/// Read access to a function configuration, whichever operation returned it.
pub(crate) trait ConfigView {
    fn v_function_name(&self) -> Option<&str>;
    fn v_function_arn(&self) -> Option<&str>;
    fn v_runtime(&self) -> Option<&aws::Runtime>;
    fn v_role(&self) -> Option<&str>;
    fn v_handler(&self) -> Option<&str>;
    fn v_code_size(&self) -> i64;
    fn v_description(&self) -> Option<&str>;
    fn v_timeout(&self) -> Option<i32>;
    fn v_memory_size(&self) -> Option<i32>;
    fn v_last_modified(&self) -> Option<&str>;
    fn v_code_sha256(&self) -> Option<&str>;
    fn v_version(&self) -> Option<&str>;
    fn v_environment(&self) -> Option<&aws::EnvironmentResponse>;
    fn v_revision_id(&self) -> Option<&str>;
    fn v_layers(&self) -> &[aws::Layer];
    fn v_state(&self) -> Option<&aws::State>;
    fn v_state_reason(&self) -> Option<&str>;
    fn v_state_reason_code(&self) -> Option<&aws::StateReasonCode>;
    fn v_last_update_status(&self) -> Option<&aws::LastUpdateStatus>;
    fn v_last_update_status_reason(&self) -> Option<&str>;
    fn v_last_update_status_reason_code(&self) -> Option<&aws::LastUpdateStatusReasonCode>;
    fn v_package_type(&self) -> Option<&aws::PackageType>;
    fn v_architectures(&self) -> &[aws::Architecture];
    fn v_ephemeral_storage(&self) -> Option<&aws::EphemeralStorage>;
    fn v_tracing_config(&self) -> Option<&aws::TracingConfigResponse>;
    fn v_kms_key_arn(&self) -> Option<&str>;
    fn v_dead_letter_config(&self) -> Option<&aws::DeadLetterConfig>;
    fn v_snap_start(&self) -> Option<&aws::SnapStartResponse>;
    fn v_vpc_config(&self) -> Option<&aws::VpcConfigResponse>;
    fn v_logging_config(&self) -> Option<&aws::LoggingConfig>;
    fn v_file_system_configs(&self) -> &[aws::FileSystemConfig];
    fn v_image_config_response(&self) -> Option<&aws::ImageConfigResponse>;
}

macro_rules! impl_config_view {
    ($($ty:ty),* $(,)?) => {$(
        impl ConfigView for $ty {
            fn v_function_name(&self) -> Option<&str> { self.function_name() }
            fn v_function_arn(&self) -> Option<&str> { self.function_arn() }
            fn v_runtime(&self) -> Option<&aws::Runtime> { self.runtime() }
            fn v_role(&self) -> Option<&str> { self.role() }
            fn v_handler(&self) -> Option<&str> { self.handler() }
            fn v_code_size(&self) -> i64 { self.code_size() }
            fn v_description(&self) -> Option<&str> { self.description() }
            fn v_timeout(&self) -> Option<i32> { self.timeout() }
            fn v_memory_size(&self) -> Option<i32> { self.memory_size() }
            fn v_last_modified(&self) -> Option<&str> { self.last_modified() }
            fn v_code_sha256(&self) -> Option<&str> { self.code_sha256() }
            fn v_version(&self) -> Option<&str> { self.version() }
            fn v_environment(&self) -> Option<&aws::EnvironmentResponse> { self.environment() }
            fn v_revision_id(&self) -> Option<&str> { self.revision_id() }
            fn v_layers(&self) -> &[aws::Layer] { self.layers() }
            fn v_state(&self) -> Option<&aws::State> { self.state() }
            fn v_state_reason(&self) -> Option<&str> { self.state_reason() }
            fn v_state_reason_code(&self) -> Option<&aws::StateReasonCode> { self.state_reason_code() }
            fn v_last_update_status(&self) -> Option<&aws::LastUpdateStatus> { self.last_update_status() }
            fn v_last_update_status_reason(&self) -> Option<&str> { self.last_update_status_reason() }
            fn v_last_update_status_reason_code(&self) -> Option<&aws::LastUpdateStatusReasonCode> {
                self.last_update_status_reason_code()
            }
            fn v_package_type(&self) -> Option<&aws::PackageType> { self.package_type() }
            fn v_architectures(&self) -> &[aws::Architecture] { self.architectures() }
            fn v_ephemeral_storage(&self) -> Option<&aws::EphemeralStorage> { self.ephemeral_storage() }
            fn v_tracing_config(&self) -> Option<&aws::TracingConfigResponse> { self.tracing_config() }
            fn v_kms_key_arn(&self) -> Option<&str> { self.kms_key_arn() }
            fn v_dead_letter_config(&self) -> Option<&aws::DeadLetterConfig> { self.dead_letter_config() }
            fn v_snap_start(&self) -> Option<&aws::SnapStartResponse> { self.snap_start() }
            fn v_vpc_config(&self) -> Option<&aws::VpcConfigResponse> { self.vpc_config() }
            fn v_logging_config(&self) -> Option<&aws::LoggingConfig> { self.logging_config() }
            fn v_file_system_configs(&self) -> &[aws::FileSystemConfig] { self.file_system_configs() }
            fn v_image_config_response(&self) -> Option<&aws::ImageConfigResponse> { self.image_config_response() }
        }
    )*};
}

impl_config_view!(
    aws::FunctionConfiguration,
    aws_sdk_lambda::operation::create_function::CreateFunctionOutput,
    aws_sdk_lambda::operation::update_function_code::UpdateFunctionCodeOutput,
    aws_sdk_lambda::operation::update_function_configuration::UpdateFunctionConfigurationOutput,
    aws_sdk_lambda::operation::publish_version::PublishVersionOutput,
    aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput,
);

/// Read access to an alias, whichever operation returned it.
pub(crate) trait AliasView {
    fn v_alias_arn(&self) -> Option<&str>;
    fn v_name(&self) -> Option<&str>;
    fn v_function_version(&self) -> Option<&str>;
    fn v_description(&self) -> Option<&str>;
    fn v_routing_config(&self) -> Option<&aws::AliasRoutingConfiguration>;
    fn v_revision_id(&self) -> Option<&str>;
}

macro_rules! impl_alias_view {
    ($($ty:ty),* $(,)?) => {$(
        impl AliasView for $ty {
            fn v_alias_arn(&self) -> Option<&str> { self.alias_arn() }
            fn v_name(&self) -> Option<&str> { self.name() }
            fn v_function_version(&self) -> Option<&str> { self.function_version() }
            fn v_description(&self) -> Option<&str> { self.description() }
            fn v_routing_config(&self) -> Option<&aws::AliasRoutingConfiguration> { self.routing_config() }
            fn v_revision_id(&self) -> Option<&str> { self.revision_id() }
        }
    )*};
}

impl_alias_view!(
    aws::AliasConfiguration,
    aws_sdk_lambda::operation::create_alias::CreateAliasOutput,
    aws_sdk_lambda::operation::update_alias::UpdateAliasOutput,
    aws_sdk_lambda::operation::get_alias::GetAliasOutput,
);

/// A count from the network as `u32`; negative or absurd values fall back to `default`
/// rather than wrapping.
fn to_u32(value: Option<i32>, default: u32) -> u32 {
    value.and_then(|v| u32::try_from(v).ok()).unwrap_or(default)
}

/// A validated size for the API. Values come from the validated model, far below
/// `i32::MAX`; saturating keeps a bad caller from wrapping into a negative number.
pub(crate) fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn to_btree(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// The canonical [`FunctionConfig`] of a configuration, AWS defaults filled in.
pub(crate) fn function_config(c: &impl ConfigView) -> FunctionConfig {
    let package_type = match c.v_package_type() {
        Some(aws::PackageType::Image) => PackageType::Image,
        _ => PackageType::Zip,
    };
    let mut config = FunctionConfig {
        role: c.v_role().unwrap_or_default().to_owned(),
        runtime: non_empty(c.v_runtime().map(aws::Runtime::as_str)).map(str::to_owned),
        handler: non_empty(c.v_handler()).map(str::to_owned),
        description: c.v_description().unwrap_or_default().to_owned(),
        memory_mb: to_u32(c.v_memory_size(), DEFAULT_MEMORY_MB),
        timeout_s: to_u32(c.v_timeout(), DEFAULT_TIMEOUT_S),
        ephemeral_storage_mb: to_u32(
            c.v_ephemeral_storage().map(aws::EphemeralStorage::size),
            DEFAULT_EPHEMERAL_STORAGE_MB,
        ),
        // Lambda lists exactly one architecture; an empty or unknown list means the
        // default, which is what Lambda itself assumes.
        architecture: c
            .v_architectures()
            .first()
            .and_then(|a| Architecture::from_api_str(a.as_str()))
            .unwrap_or_default(),
        environment: to_btree(
            c.v_environment()
                .and_then(aws::EnvironmentResponse::variables),
        ),
        layers: c
            .v_layers()
            .iter()
            .filter_map(|l| l.arn().map(str::to_owned))
            .collect(),
        package_type,
        // Left out means Lambda's default; emulators that do not model these fields
        // (MiniStack, moto) thus read as a function with the defaults.
        tracing: non_empty(
            c.v_tracing_config()
                .and_then(aws::TracingConfigResponse::mode)
                .map(aws::TracingMode::as_str),
        )
        .unwrap_or(TRACING_PASS_THROUGH)
        .to_owned(),
        kms_key: non_empty(c.v_kms_key_arn()).map(str::to_owned),
        dead_letter: non_empty(
            c.v_dead_letter_config()
                .and_then(aws::DeadLetterConfig::target_arn),
        )
        .map(str::to_owned),
        snap_start: non_empty(
            c.v_snap_start()
                .and_then(aws::SnapStartResponse::apply_on)
                .map(aws::SnapStartApplyOn::as_str),
        )
        .unwrap_or(SNAP_START_NONE)
        .to_owned(),
        vpc: c.v_vpc_config().map(|v| VpcConfig {
            subnets: v.subnet_ids().to_vec(),
            security_groups: v.security_group_ids().to_vec(),
            ipv6: v.ipv6_allowed_for_dual_stack().unwrap_or(false),
        }),
        logging: c.v_logging_config().map(|l| LoggingConfig {
            format: l
                .log_format()
                .map(|f| f.as_str().to_owned())
                .unwrap_or_default(),
            log_group: l.log_group().unwrap_or_default().to_owned(),
            application_level: l.application_log_level().map(|v| v.as_str().to_owned()),
            system_level: l.system_log_level().map(|v| v.as_str().to_owned()),
        }),
        file_systems: Some(
            c.v_file_system_configs()
                .iter()
                .map(|f| FileSystem {
                    arn: f.arn().to_owned(),
                    mount: f.local_mount_path().to_owned(),
                })
                .collect(),
        ),
        image_config: c
            .v_image_config_response()
            .and_then(aws::ImageConfigResponse::image_config)
            .map(|i| ImageConfig {
                command: i.command().to_vec(),
                entry_point: i.entry_point().to_vec(),
                working_directory: non_empty(i.working_directory()).map(str::to_owned),
            }),
    };
    // Left out (or, from emulators that do not model them, never there) means Lambda's
    // defaults.
    config.fill_live_defaults(c.v_function_name().unwrap_or_default());
    config
}

/// `req` with every field of `c` set (a `CreateFunction` request). Destructured without
/// `..`, so a new field fails to compile until it is sent.
pub(crate) fn create_request(
    req: aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder,
    c: &FunctionConfig,
) -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder {
    let FunctionConfig {
        role,
        runtime,
        handler,
        description,
        memory_mb,
        timeout_s,
        ephemeral_storage_mb,
        architecture: arch,
        environment: env,
        layers,
        package_type,
        tracing,
        kms_key,
        dead_letter,
        snap_start,
        vpc,
        logging,
        file_systems,
        image_config,
    } = c;
    // Unmanaged (`None`) structured settings are left out: Lambda's defaults.
    let req = req
        .set_vpc_config(vpc.as_ref().map(vpc_config))
        .set_logging_config(logging.as_ref().map(logging_config))
        .set_file_system_configs(file_systems.as_deref().map(file_system_configs))
        .set_image_config(image_config.as_ref().map(image_config_request));
    let req = req
        .tracing_config(tracing_config(tracing))
        .snap_start(snap_start_config(snap_start))
        .set_kms_key_arn(kms_key.clone())
        .set_dead_letter_config(
            dead_letter
                .as_ref()
                .map(|arn| aws::DeadLetterConfig::builder().target_arn(arn).build()),
        )
        .role(role)
        .description(description)
        .memory_size(to_i32(*memory_mb))
        .timeout(to_i32(*timeout_s))
        .architectures(architecture(*arch))
        .environment(environment(env))
        .set_layers(Some(layers.clone()))
        .package_type(match package_type {
            PackageType::Zip => aws::PackageType::Zip,
            PackageType::Image => aws::PackageType::Image,
        })
        .set_runtime(runtime.as_deref().map(aws::Runtime::from))
        .set_handler(handler.clone());
    match aws::EphemeralStorage::builder()
        .size(to_i32(*ephemeral_storage_mb))
        .build()
    {
        Ok(storage) => req.ephemeral_storage(storage),
        Err(_) => req,
    }
}

/// `req` with the listed fields of `c` set (an `UpdateFunctionConfiguration` request).
/// Matched without a wildcard, so a new field fails to compile until it is sent.
pub(crate) fn update_request(
    mut req: aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder,
    c: &FunctionConfig,
    fields: &[ConfigField],
) -> aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder{
    for field in fields {
        req = match field {
            ConfigField::Role => req.role(&c.role),
            ConfigField::Runtime => req.set_runtime(c.runtime.as_deref().map(aws::Runtime::from)),
            ConfigField::Handler => req.set_handler(c.handler.clone()),
            ConfigField::Description => req.description(&c.description),
            ConfigField::MemoryMb => req.memory_size(to_i32(c.memory_mb)),
            ConfigField::TimeoutS => req.timeout(to_i32(c.timeout_s)),
            ConfigField::EphemeralStorageMb => match aws::EphemeralStorage::builder()
                .size(to_i32(c.ephemeral_storage_mb))
                .build()
            {
                Ok(storage) => req.ephemeral_storage(storage),
                Err(_) => req,
            },
            ConfigField::Environment => req.environment(environment(&c.environment)),
            ConfigField::Layers => req.set_layers(Some(c.layers.clone())),
            ConfigField::Tracing => req.tracing_config(tracing_config(&c.tracing)),
            // Lambda removes the key and the queue when sent an empty ARN.
            ConfigField::KmsKey => req.kms_key_arn(c.kms_key.as_deref().unwrap_or_default()),
            ConfigField::DeadLetter => req.dead_letter_config(
                aws::DeadLetterConfig::builder()
                    .target_arn(c.dead_letter.as_deref().unwrap_or_default())
                    .build(),
            ),
            ConfigField::SnapStart => req.snap_start(snap_start_config(&c.snap_start)),
            // An empty value resets each (no subnets detaches the VPC, no file systems
            // unmounts them, an empty image configuration restores the image's own).
            ConfigField::Vpc => req.vpc_config(vpc_config(&c.vpc.clone().unwrap_or_default())),
            ConfigField::Logging => match &c.logging {
                Some(l) => req.logging_config(logging_config(l)),
                None => req,
            },
            ConfigField::FileSystems => req.set_file_system_configs(Some(file_system_configs(
                c.file_systems.as_deref().unwrap_or_default(),
            ))),
            ConfigField::ImageConfig => req.image_config(image_config_request(
                &c.image_config.clone().unwrap_or_default(),
            )),
            // Not part of this call: the instruction set goes with UpdateFunctionCode and
            // the package type cannot change (`UpdateConfigInput::new` drops both).
            ConfigField::Architecture | ConfigField::PackageType => req,
        };
    }
    req
}

fn vpc_config(v: &VpcConfig) -> aws::VpcConfig {
    aws::VpcConfig::builder()
        .set_subnet_ids(Some(v.subnets.clone()))
        .set_security_group_ids(Some(v.security_groups.clone()))
        .ipv6_allowed_for_dual_stack(v.ipv6)
        .build()
}

fn logging_config(l: &LoggingConfig) -> aws::LoggingConfig {
    aws::LoggingConfig::builder()
        .log_format(aws::LogFormat::from(l.format.as_str()))
        .log_group(&l.log_group)
        .set_application_log_level(
            l.application_level
                .as_deref()
                .map(aws::ApplicationLogLevel::from),
        )
        .set_system_log_level(l.system_level.as_deref().map(aws::SystemLogLevel::from))
        .build()
}

fn file_system_configs(list: &[FileSystem]) -> Vec<aws::FileSystemConfig> {
    list.iter()
        .filter_map(|f| {
            aws::FileSystemConfig::builder()
                .arn(&f.arn)
                .local_mount_path(&f.mount)
                .build()
                .ok()
        })
        .collect()
}

fn image_config_request(i: &ImageConfig) -> aws::ImageConfig {
    aws::ImageConfig::builder()
        .set_command(Some(i.command.clone()))
        .set_entry_point(Some(i.entry_point.clone()))
        .set_working_directory(i.working_directory.clone())
        .build()
}

fn tracing_config(mode: &str) -> aws::TracingConfig {
    aws::TracingConfig::builder()
        .mode(aws::TracingMode::from(mode))
        .build()
}

fn snap_start_config(apply_on: &str) -> aws::SnapStart {
    aws::SnapStart::builder()
        .apply_on(aws::SnapStartApplyOn::from(apply_on))
        .build()
}

/// A [`FunctionInfo`] with no tags, concurrency or code location (the caller adds
/// them where the operation returns them).
pub(crate) fn function_info(c: &impl ConfigView) -> FunctionInfo {
    FunctionInfo {
        name: c.v_function_name().unwrap_or_default().to_owned(),
        config: function_config(c),
        arn: c.v_function_arn().unwrap_or_default().to_owned(),
        state: non_empty(c.v_state().map(aws::State::as_str)).map(FunctionStateKind::from_api_str),
        state_reason: non_empty(c.v_state_reason()).map(str::to_owned),
        state_reason_code: non_empty(c.v_state_reason_code().map(aws::StateReasonCode::as_str))
            .map(str::to_owned),
        last_update_status: non_empty(c.v_last_update_status().map(aws::LastUpdateStatus::as_str))
            .map(LastUpdateStatus::from_api_str),
        last_update_status_reason: non_empty(c.v_last_update_status_reason()).map(str::to_owned),
        last_update_status_reason_code: non_empty(
            c.v_last_update_status_reason_code()
                .map(aws::LastUpdateStatusReasonCode::as_str),
        )
        .map(str::to_owned),
        revision_id: non_empty(c.v_revision_id()).map(str::to_owned),
        code_sha256: c.v_code_sha256().unwrap_or_default().to_owned(),
        code_size: u64::try_from(c.v_code_size()).unwrap_or(0),
        version: c.v_version().unwrap_or("$LATEST").to_owned(),
        last_modified: c.v_last_modified().unwrap_or_default().to_owned(),
        image_uri: None,
        resolved_image_uri: None,
        code_location: None,
        tags: BTreeMap::new(),
        reserved_concurrency: None,
    }
}

/// Emulators send `""` where AWS omits a field; both mean "no value".
fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// A [`VersionInfo`] from a configuration.
pub(crate) fn version_info(c: &impl ConfigView) -> VersionInfo {
    VersionInfo {
        version: c.v_version().unwrap_or("$LATEST").to_owned(),
        code_sha256: c.v_code_sha256().unwrap_or_default().to_owned(),
        description: c.v_description().unwrap_or_default().to_owned(),
        revision_id: non_empty(c.v_revision_id()).map(str::to_owned),
        last_modified: c.v_last_modified().unwrap_or_default().to_owned(),
    }
}

/// A [`LayerVersionInfo`] from a `ListLayerVersions` item. A version number the
/// network sends negative reads as 0, which no real version has.
pub(crate) fn layer_version_info(l: &aws::LayerVersionsListItem) -> LayerVersionInfo {
    LayerVersionInfo {
        layer_version_arn: l.layer_version_arn().unwrap_or_default().to_owned(),
        version: u64::try_from(l.version()).unwrap_or(0),
        description: l.description().unwrap_or_default().to_owned(),
        created_date: l.created_date().unwrap_or_default().to_owned(),
        compatible_runtimes: l
            .compatible_runtimes()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        compatible_architectures: l
            .compatible_architectures()
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    }
}

/// An [`AliasInfo`] from an alias configuration.
pub(crate) fn alias_info(a: &impl AliasView) -> AliasInfo {
    AliasInfo {
        name: a.v_name().unwrap_or_default().to_owned(),
        arn: a.v_alias_arn().unwrap_or_default().to_owned(),
        function_version: a.v_function_version().unwrap_or_default().to_owned(),
        description: a.v_description().unwrap_or_default().to_owned(),
        routing: a
            .v_routing_config()
            .and_then(aws::AliasRoutingConfiguration::additional_version_weights)
            .map(|w| w.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default(),
        revision_id: non_empty(a.v_revision_id()).map(str::to_owned),
    }
}

/// The routing configuration to send; `None` for "no weighted routing".
///
/// UpdateAlias keeps the old routing when the field is absent, so an empty map is sent
/// as an empty routing configuration, which clears it.
pub(crate) fn routing_config(routing: &BTreeMap<String, f64>) -> aws::AliasRoutingConfiguration {
    aws::AliasRoutingConfiguration::builder()
        .set_additional_version_weights(Some(
            routing.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        ))
        .build()
}

/// An environment for the request (the whole map: Lambda replaces it).
pub(crate) fn environment(vars: &BTreeMap<String, String>) -> aws::Environment {
    aws::Environment::builder()
        .set_variables(Some(
            vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ))
        .build()
}

/// Tags as the SDK wants them.
pub(crate) fn tag_map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Tags from the SDK.
pub(crate) fn tags_from(tags: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    to_btree(tags)
}

/// The SDK's architecture enum.
pub(crate) fn architecture(a: Architecture) -> aws::Architecture {
    aws::Architecture::from(a.as_api_str())
}

/// A mapping as the crate knows it, from any of the five operations that return an
/// `EventSourceMappingConfiguration` (each its own struct with the same accessors).
macro_rules! mapping_info {
    ($o:expr) => {{
        let o = $o;
        super::MappingInfo {
            uuid: o.uuid().unwrap_or_default().to_owned(),
            event_source_arn: o.event_source_arn().unwrap_or_default().to_owned(),
            function_arn: o.function_arn().unwrap_or_default().to_owned(),
            state: o.state().unwrap_or_default().to_owned(),
            state_transition_reason: o.state_transition_reason().map(str::to_owned),
            last_processing_result: o.last_processing_result().map(str::to_owned),
            settings: super::MappingSettings {
                batch_size: o.batch_size().and_then(|n| u32::try_from(n).ok()),
                batching_window_secs: o
                    .maximum_batching_window_in_seconds()
                    .and_then(|n| u32::try_from(n).ok()),
                starting_position: o.starting_position().map(|p| p.as_str().to_owned()),
                starting_timestamp: o.starting_position_timestamp().map(|t| t.secs()),
                filters: o.filter_criteria().map(|c| {
                    c.filters()
                        .iter()
                        .filter_map(|f| f.pattern().map(str::to_owned))
                        .collect()
                }),
                maximum_retry_attempts: o.maximum_retry_attempts(),
                bisect_on_error: o.bisect_batch_on_function_error(),
                on_failure: o
                    .destination_config()
                    .and_then(|d| d.on_failure())
                    .and_then(|f| f.destination())
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned),
                topics: (!o.topics().is_empty()).then(|| o.topics().to_vec()),
            },
        }
    }};
}
pub(crate) use mapping_info;

/// `FilterCriteria` from patterns (`[]`: no filters, which clears them on update).
pub(crate) fn filter_criteria(patterns: &[String]) -> aws::FilterCriteria {
    aws::FilterCriteria::builder()
        .set_filters(Some(
            patterns
                .iter()
                .map(|p| aws::Filter::builder().pattern(p).build())
                .collect(),
        ))
        .build()
}

/// `DestinationConfig` with an on-failure destination (`""` removes it).
pub(crate) fn on_failure_config(destination: &str) -> aws::DestinationConfig {
    aws::DestinationConfig::builder()
        .on_failure(aws::OnFailure::builder().destination(destination).build())
        .build()
}

/// `RecursiveLoop` as Lambda returned it; absent (or a value this build does not know)
/// is Lambda's default, `Terminate`.
pub(super) fn recursive_loop(v: Option<&aws::RecursiveLoop>) -> super::RecursiveLoop {
    v.and_then(|r| super::RecursiveLoop::from_api_str(r.as_str()))
        .unwrap_or_default()
}

/// A runtime management configuration as Lambda returned it; an absent or unknown
/// `UpdateRuntimeOn` is Lambda's default, `Auto`.
pub(super) fn runtime_management(
    update_on: Option<&aws::UpdateRuntimeOn>,
    arn: Option<&str>,
) -> super::RuntimeManagement {
    super::RuntimeManagement {
        update_on: update_on
            .and_then(|u| super::UpdateRuntimeOn::from_api_str(u.as_str()))
            .unwrap_or_default(),
        runtime_version_arn: arn.filter(|a| !a.is_empty()).map(str::to_owned),
    }
}

/// An event invoke configuration as Lambda returned it (members as given, no defaults).
pub(super) fn event_invoke_config(
    retries: Option<i32>,
    max_age: Option<i32>,
    destinations: Option<&aws::DestinationConfig>,
) -> super::EventInvokeConfig {
    let non_negative = |n: i32| u32::try_from(n).ok();
    super::EventInvokeConfig {
        retries: retries.and_then(non_negative),
        max_age_secs: max_age.and_then(non_negative),
        on_success: destinations
            .and_then(aws::DestinationConfig::on_success)
            .and_then(aws::OnSuccess::destination)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        on_failure: destinations
            .and_then(aws::DestinationConfig::on_failure)
            .and_then(aws::OnFailure::destination)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
    }
}

/// The `DestinationConfig` sent with PutFunctionEventInvokeConfig: only the ends that
/// have a destination (Put replaces the whole configuration, so an end left out has none).
pub(super) fn destination_config(
    config: &super::EventInvokeConfig,
) -> Option<aws::DestinationConfig> {
    if config.on_success.is_none() && config.on_failure.is_none() {
        return None;
    }
    let mut out = aws::DestinationConfig::builder();
    if let Some(d) = &config.on_success {
        out = out.on_success(aws::OnSuccess::builder().destination(d).build());
    }
    if let Some(d) = &config.on_failure {
        out = out.on_failure(aws::OnFailure::builder().destination(d).build());
    }
    Some(out.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_get_aws_defaults() {
        let c = aws::FunctionConfiguration::builder()
            .function_name("f")
            .build();
        let info = function_info(&c);
        assert_eq!(info.config.memory_mb, DEFAULT_MEMORY_MB);
        assert_eq!(info.config.timeout_s, DEFAULT_TIMEOUT_S);
        assert_eq!(info.config.ephemeral_storage_mb, 512);
        assert_eq!(info.config.architecture, Architecture::X86_64);
        assert_eq!(info.config.description, "");
        assert_eq!(info.config.package_type, PackageType::Zip);
        assert_eq!(info.state, None);
        assert_eq!(info.last_update_status, None);
        assert_eq!(info.revision_id, None);
        assert_eq!(info.version, "$LATEST");
        assert!(info.is_stable());
    }

    #[test]
    fn layer_versions_are_translated() {
        let item = aws::LayerVersionsListItem::builder()
            .layer_version_arn("arn:aws:lambda:eu-north-1:1:layer:x:3")
            .version(3)
            .compatible_runtimes(aws::Runtime::Python312)
            .compatible_architectures(aws::Architecture::Arm64)
            .build();
        let info = layer_version_info(&item);
        assert_eq!(info.version, 3);
        assert_eq!(info.compatible_runtimes, ["python3.12"]);
        assert_eq!(info.compatible_architectures, ["arm64"]);
        let bad = aws::LayerVersionsListItem::builder().version(-1).build();
        assert_eq!(layer_version_info(&bad).version, 0, "never wraps");
    }

    #[test]
    fn present_fields_are_translated() {
        let c = aws::FunctionConfiguration::builder()
            .function_name("f")
            .memory_size(1024)
            .architectures(aws::Architecture::Arm64)
            .package_type(aws::PackageType::Image)
            .state(aws::State::from("Restoring"))
            .last_update_status(aws::LastUpdateStatus::InProgress)
            .revision_id("")
            .runtime(aws::Runtime::from(""))
            .handler("")
            .layers(aws::Layer::builder().arn("arn:l:1").build())
            .environment(
                aws::EnvironmentResponse::builder()
                    .variables("A", "1")
                    .build(),
            )
            .build();
        let info = function_info(&c);
        assert_eq!(info.config.memory_mb, 1024);
        assert_eq!(info.config.architecture, Architecture::Arm64);
        assert_eq!(info.config.package_type, PackageType::Image);
        assert_eq!(info.config.layers, vec!["arn:l:1".to_owned()]);
        assert_eq!(
            info.config.environment.get("A").map(String::as_str),
            Some("1")
        );
        assert_eq!(
            info.state,
            Some(FunctionStateKind::Other("Restoring".to_owned()))
        );
        assert_eq!(info.last_update_status, Some(LastUpdateStatus::InProgress));
        assert_eq!(info.revision_id, None, "empty RevisionId means none");
        assert_eq!((&info.config.runtime, &info.config.handler), (&None, &None));
        assert!(!info.is_stable());
    }
}

/// A [`ProvisionedConcurrencyInfo`] from the output of GetProvisionedConcurrencyConfig
/// or PutProvisionedConcurrencyConfig (the same members, two generated structs).
macro_rules! provisioned_info {
    ($name:ident, $ty:ty) => {
        pub(crate) fn $name(o: &$ty) -> super::ProvisionedConcurrencyInfo {
            let count = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
            super::ProvisionedConcurrencyInfo {
                requested: count(o.requested_provisioned_concurrent_executions()).unwrap_or(0),
                available: count(o.available_provisioned_concurrent_executions()),
                allocated: count(o.allocated_provisioned_concurrent_executions()),
                status: o
                    .status()
                    .map(|s| super::ProvisionedStatus::from_api(s.as_str())),
                status_reason: non_empty(o.status_reason()).map(str::to_owned),
                last_modified: non_empty(o.last_modified()).map(str::to_owned),
            }
        }
    };
}

provisioned_info!(
    provisioned_from_get,
    aws_sdk_lambda::operation::get_provisioned_concurrency_config::GetProvisionedConcurrencyConfigOutput
);
provisioned_info!(
    provisioned_from_put,
    aws_sdk_lambda::operation::put_provisioned_concurrency_config::PutProvisionedConcurrencyConfigOutput
);
