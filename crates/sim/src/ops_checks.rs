//! Lambda's checks of the runtime, tracing, SnapStart, KMS key and dead-letter queue of
//! a configuration, with Lambda's messages (400 `InvalidParameterValueException`).

use flotilla_cloud::lambda::{
    APPLICATION_LOG_LEVELS, FunctionConfig, LOG_FORMAT_TEXT, LOG_FORMATS, MAX_FILE_SYSTEMS,
    MAX_SECURITY_GROUPS, MAX_SUBNETS, PackageType, SNAP_START_APPLY_ON, SYSTEM_LOG_LEVELS,
    TRACING_MODES,
};

use crate::state::SimError;

/// botocore's `Runtime` enum (Lambda model 2015-03-31): every runtime Lambda names.
const RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "java8",
    "java8.al2",
    "java11",
    "java17",
    "java21",
    "java25",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "dotnet10",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "ruby4.0",
    "provided",
    "provided.al2",
    "provided.al2023",
    "nodejs26.x",
    "python3.15",
    "java8.al2023",
    "java11.al2023",
    "java17.al2023",
];

/// Runtimes past the date AWS blocks creating functions with them (the "Deprecated
/// runtimes" table of the Lambda developer guide, as of 2025). Existing functions keep
/// them and may still be updated, so only `CreateFunction` refuses these.
pub(crate) const DEPRECATED_RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
];

/// Whether Lambda offers SnapStart for `runtime` (Java 11+, Python 3.12+, .NET 8+).
fn snap_start_runtime(runtime: &str) -> bool {
    let major = |prefix: &str| -> Option<u32> {
        runtime
            .strip_prefix(prefix)?
            .split(['.', '-'])
            .next()?
            .parse()
            .ok()
    };
    match runtime.strip_prefix("python3.") {
        Some(minor) => minor.parse::<u32>().is_ok_and(|m| m >= 12),
        None => major("java").is_some_and(|v| v >= 11) || major("dotnet").is_some_and(|v| v >= 8),
    }
}

/// Botocore's pattern for `KMSKeyArn` and `DeadLetterConfig.TargetArn`:
/// `(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`.
fn arn_shaped(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:") else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let partition = parts.next().unwrap_or_default();
    let service = parts.next().unwrap_or_default();
    parts.next().is_some()
        && (partition.is_empty() || partition.starts_with("aws"))
        && !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// The checks of this module on a configuration being created (`creating`) or updated.
pub(crate) fn check_options(config: &FunctionConfig, creating: bool) -> Result<(), SimError> {
    if let Some(runtime) = &config.runtime {
        if !RUNTIMES.contains(&runtime.as_str()) {
            return Err(SimError::invalid(format!(
                "Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
                RUNTIMES.join(", ")
            )));
        }
        if creating && DEPRECATED_RUNTIMES.contains(&runtime.as_str()) {
            return Err(SimError::invalid(format!(
                "The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
            )));
        }
    }
    if !TRACING_MODES.contains(&config.tracing.as_str()) {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{}' at 'tracingConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            config.tracing,
            TRACING_MODES.join(", ")
        )));
    }
    if !SNAP_START_APPLY_ON.contains(&config.snap_start.as_str()) {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{}' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            config.snap_start,
            SNAP_START_APPLY_ON.join(", ")
        )));
    }
    if config.snap_start != SNAP_START_APPLY_ON[1] {
        let supported = config.package_type == PackageType::Zip
            && config.runtime.as_deref().is_some_and(snap_start_runtime);
        if !supported {
            let runtime = config.runtime.as_deref().unwrap_or("container images");
            return Err(SimError::invalid(format!(
                "{runtime} is not supported for SnapStart enabled functions."
            )));
        }
    }
    if let Some(key) = &config.kms_key
        && !arn_shaped(key)
    {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{key}' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"
        )));
    }
    if let Some(target) = &config.dead_letter {
        let service = target.split(':').nth(2).unwrap_or_default();
        if !arn_shaped(target) || !matches!(service, "sqs" | "sns") {
            return Err(SimError::invalid(format!(
                "The provided target arn {target} is invalid: a dead-letter queue is an Amazon SQS queue or Amazon SNS topic ARN."
            )));
        }
    }
    Ok(())
}

fn enum_error(value: &str, at: &str, allowed: &[&str]) -> SimError {
    SimError::invalid(format!(
        "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    ))
}

/// Lambda's checks of `VpcConfig`, `FileSystemConfigs`, `ImageConfig` and
/// `LoggingConfig` as sent (before the emulator fills Lambda's defaults).
pub(crate) fn check_structured(config: &FunctionConfig) -> Result<(), SimError> {
    let attached = config.vpc.as_ref().is_some_and(|v| v.is_attached());
    if let Some(vpc) = &config.vpc {
        if vpc.subnets.len() > MAX_SUBNETS {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must have length less than or equal to {MAX_SUBNETS}"
            )));
        }
        if vpc.security_groups.len() > MAX_SECURITY_GROUPS {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member must have length less than or equal to {MAX_SECURITY_GROUPS}"
            )));
        }
        for (ids, prefix, what) in [
            (&vpc.subnets, "subnet-", "Subnet"),
            (&vpc.security_groups, "sg-", "SecurityGroup"),
        ] {
            if let Some(bad) = ids.iter().find(|id| !id.starts_with(prefix)) {
                return Err(SimError::invalid(format!(
                    "Error occurred while DescribeSecurityGroups/DescribeSubnets. EC2 Error Code: Invalid{what}ID.Malformed. EC2 Error Message: Invalid id: \"{bad}\""
                )));
            }
        }
        if attached && vpc.security_groups.is_empty() {
            return Err(SimError::invalid(
                "SecurityGroupIds are required when SubnetIds are specified in VpcConfig.",
            ));
        }
    }
    if let Some(list) = &config.file_systems {
        if list.len() > MAX_FILE_SYSTEMS {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value at 'fileSystemConfigs' failed to satisfy constraint: Member must have length less than or equal to {MAX_FILE_SYSTEMS}"
            )));
        }
        for fs in list {
            if !arn_shaped(&fs.arn) || !fs.arn.contains(":elasticfilesystem:") {
                return Err(SimError::invalid(format!(
                    "1 validation error detected: Value '{}' at 'fileSystemConfigs.1.member.arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:access-point/fsap-[a-f0-9]{{17}}",
                    fs.arn
                )));
            }
            let name_ok = fs.mount.strip_prefix("/mnt/").is_some_and(|n| {
                !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            });
            if !name_ok {
                return Err(SimError::invalid(format!(
                    "1 validation error detected: Value '{}' at 'fileSystemConfigs.1.member.localMountPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^/mnt/[a-zA-Z0-9-_.]+$",
                    fs.mount
                )));
            }
        }
        if !list.is_empty() && !attached {
            return Err(SimError::invalid(
                "The function must be connected to a VPC to use a file system (FileSystemConfigs needs VpcConfig with SubnetIds).",
            ));
        }
    }
    if let Some(image) = &config.image_config
        && config.package_type != PackageType::Image
        && *image != flotilla_cloud::lambda::ImageConfig::default()
    {
        return Err(SimError::invalid(
            "ImageConfig is only supported for functions with PackageType Image.",
        ));
    }
    if let Some(l) = &config.logging {
        if !l.format.is_empty() && !LOG_FORMATS.contains(&l.format.as_str()) {
            return Err(enum_error(
                &l.format,
                "loggingConfig.logFormat",
                LOG_FORMATS,
            ));
        }
        for (level, at, allowed) in [
            (
                &l.application_level,
                "loggingConfig.applicationLogLevel",
                APPLICATION_LOG_LEVELS,
            ),
            (
                &l.system_level,
                "loggingConfig.systemLogLevel",
                SYSTEM_LOG_LEVELS,
            ),
        ] {
            if let Some(level) = level {
                if !allowed.contains(&level.as_str()) {
                    return Err(enum_error(level, at, allowed));
                }
                if l.format.is_empty() || l.format == LOG_FORMAT_TEXT {
                    return Err(SimError::invalid(
                        "LoggingConfig: ApplicationLogLevel and SystemLogLevel can only be set when LogFormat is JSON.",
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(runtime: &str) -> FunctionConfig {
        FunctionConfig {
            runtime: Some(runtime.to_owned()),
            handler: Some("app.handler".to_owned()),
            ..FunctionConfig::lambda_defaults()
        }
    }

    #[test]
    fn runtimes_outside_the_list_and_deprecated_ones_on_create_are_refused() {
        assert!(check_options(&zip("python3.12"), true).is_ok());
        assert!(check_options(&zip("python0.1"), false).is_err());
        assert!(check_options(&zip("python2.7"), true).is_err());
        assert!(check_options(&zip("python2.7"), false).is_ok());
    }

    #[test]
    fn snap_start_tracing_and_arns_are_checked() {
        let mut c = zip("java21");
        c.snap_start = "PublishedVersions".to_owned();
        assert!(check_options(&c, true).is_ok());
        c.runtime = Some("python3.11".to_owned());
        assert!(check_options(&c, true).is_err());
        let mut c = zip("python3.12");
        c.tracing = "On".to_owned();
        assert!(check_options(&c, true).is_err());
        let mut c = zip("python3.12");
        c.dead_letter = Some("arn:aws:s3:::bucket".to_owned());
        assert!(check_options(&c, true).is_err());
        c.dead_letter = Some("arn:aws:sqs:eu-north-1:123456789012:dlq".to_owned());
        c.kms_key = Some("key".to_owned());
        assert!(check_options(&c, true).is_err());
        c.kms_key = Some("arn:aws:kms:eu-north-1:123456789012:key/k".to_owned());
        assert!(check_options(&c, true).is_ok());
    }
}
