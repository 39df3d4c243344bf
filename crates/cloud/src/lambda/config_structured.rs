//! The structured settings of [`super::FunctionConfig`]: `vpc`, `logging`,
//! `file_systems` and `image_config`, each an object on Lambda's wire.
//!
//! Each is `Option<T>`: `None` in a desired configuration means the manifest does not
//! manage the setting, so the plan leaves the live value alone
//! ([`Setting::ABSENT_LEAVES_ALONE`]); a live configuration always holds `Some`, with
//! Lambda's defaults filled (no subnets, `Text` logs to `/aws/lambda/<name>`, no file
//! systems, the image's own command).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Setting, SettingKind, SettingValue};

/// `VpcConfig` members: (name in the value, Lambda's name).
pub const VPC_MEMBERS: &[(&str, &str)] = &[
    ("subnets", "SubnetIds"),
    ("security_groups", "SecurityGroupIds"),
    ("ipv6", "Ipv6AllowedForDualStack"),
];
/// `LoggingConfig` members.
pub const LOGGING_MEMBERS: &[(&str, &str)] = &[
    ("format", "LogFormat"),
    ("log_group", "LogGroup"),
    ("application_level", "ApplicationLogLevel"),
    ("system_level", "SystemLogLevel"),
];
/// `FileSystemConfig` members (one item of `FileSystemConfigs`).
pub const FILE_SYSTEM_MEMBERS: &[(&str, &str)] = &[("arn", "Arn"), ("mount", "LocalMountPath")];
/// `ImageConfig` members.
pub const IMAGE_CONFIG_MEMBERS: &[(&str, &str)] = &[
    ("command", "Command"),
    ("entry_point", "EntryPoint"),
    ("working_directory", "WorkingDirectory"),
];

/// Lambda's limit on subnets in `VpcConfig`.
pub const MAX_SUBNETS: usize = 16;
/// Lambda's limit on security groups in `VpcConfig`.
pub const MAX_SECURITY_GROUPS: usize = 5;
/// Lambda's limit on `FileSystemConfigs`.
pub const MAX_FILE_SYSTEMS: usize = 1;
/// Lambda's log formats (botocore's `LogFormat`).
pub const LOG_FORMATS: &[&str] = &["JSON", LOG_FORMAT_TEXT];
/// Lambda's default log format.
pub const LOG_FORMAT_TEXT: &str = "Text";
/// Lambda's application log levels (botocore's `ApplicationLogLevel`).
pub const APPLICATION_LOG_LEVELS: &[&str] = &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
/// Lambda's system log levels (botocore's `SystemLogLevel`).
pub const SYSTEM_LOG_LEVELS: &[&str] = &["DEBUG", "INFO", "WARN"];
/// The level Lambda uses for JSON logs when none is set.
pub const DEFAULT_LOG_LEVEL: &str = "INFO";

/// `VpcConfig`. No subnets means the function is not attached to a VPC (Lambda's
/// default, and how a function is detached).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VpcConfig {
    /// Subnet ids (`subnet-…`), sorted: Lambda treats them as a set.
    pub subnets: Vec<String>,
    /// Security group ids (`sg-…`), sorted.
    pub security_groups: Vec<String>,
    /// IPv6 traffic for dual-stack subnets.
    pub ipv6: bool,
}

impl VpcConfig {
    /// True when the function is attached to a VPC (its updates take 20–90 s).
    pub fn is_attached(&self) -> bool {
        !self.subnets.is_empty()
    }

    /// Ids sorted and without repeats, so order does not show as a change.
    #[must_use]
    pub fn normalized(mut self) -> Self {
        self.subnets.sort();
        self.subnets.dedup();
        self.security_groups.sort();
        self.security_groups.dedup();
        self
    }
}

/// `LoggingConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LoggingConfig {
    /// `JSON` or `Text` (Lambda's spelling).
    pub format: String,
    /// CloudWatch log group.
    pub log_group: String,
    /// Application log level (JSON format only).
    pub application_level: Option<String>,
    /// System log level (JSON format only).
    pub system_level: Option<String>,
}

impl LoggingConfig {
    /// Lambda's default for function `name`: `Text` to `/aws/lambda/<name>`.
    pub fn lambda_default(name: &str) -> Self {
        LoggingConfig {
            format: LOG_FORMAT_TEXT.to_owned(),
            log_group: default_log_group(name),
            application_level: None,
            system_level: None,
        }
    }

    /// Lambda's defaults filled where this leaves them out: the format `Text`, the
    /// group `/aws/lambda/<name>`, levels `INFO` for JSON logs; a `Text` configuration
    /// has no levels (Lambda filters by level only in JSON).
    #[must_use]
    pub fn normalized(mut self, name: &str) -> Self {
        if self.format.is_empty() {
            LOG_FORMAT_TEXT.clone_into(&mut self.format);
        }
        if self.log_group.is_empty() {
            self.log_group = default_log_group(name);
        }
        if self.format == LOG_FORMAT_TEXT {
            self.application_level = None;
            self.system_level = None;
        } else {
            for level in [&mut self.application_level, &mut self.system_level] {
                if level.as_deref().is_none_or(str::is_empty) {
                    *level = Some(DEFAULT_LOG_LEVEL.to_owned());
                }
            }
        }
        self
    }
}

/// Lambda's log group for function `name`.
pub fn default_log_group(name: &str) -> String {
    format!("/aws/lambda/{name}")
}

/// One `FileSystemConfig`: an EFS access point and where it is mounted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FileSystem {
    /// EFS access point ARN.
    pub arn: String,
    /// Mount path (`/mnt/…`).
    pub mount: String,
}

/// `ImageConfig`: overrides of the image's own settings; empty means the image's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImageConfig {
    /// `CMD` override.
    pub command: Vec<String>,
    /// `ENTRYPOINT` override.
    pub entry_point: Vec<String>,
    /// `WORKDIR` override.
    pub working_directory: Option<String>,
}

type Members = BTreeMap<String, SettingValue>;

fn member_list(m: &Members, key: &str) -> Result<Vec<String>, String> {
    match m.get(key) {
        None | Some(SettingValue::Absent) => Ok(Vec::new()),
        Some(SettingValue::List(items)) => Ok(items.clone()),
        Some(other) => Err(format!("{key}: unexpected value {other:?}")),
    }
}

fn member_text(m: &Members, key: &str) -> Result<Option<String>, String> {
    match m.get(key) {
        None | Some(SettingValue::Absent) => Ok(None),
        Some(SettingValue::Text(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{key}: unexpected value {other:?}")),
    }
}

fn member_bool(m: &Members, key: &str) -> Result<bool, String> {
    match m.get(key) {
        None | Some(SettingValue::Absent) => Ok(false),
        Some(SettingValue::Bool(b)) => Ok(*b),
        Some(other) => Err(format!("{key}: unexpected value {other:?}")),
    }
}

fn text(s: Option<&String>) -> SettingValue {
    s.map_or(SettingValue::Absent, |s| SettingValue::Text(s.clone()))
}

fn object<T>(
    value: SettingValue,
    read: impl FnOnce(&Members) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match value {
        SettingValue::Absent => Ok(None),
        SettingValue::Object(m) => read(&m).map(Some),
        other => Err(format!("unexpected value {other:?}")),
    }
}

impl Setting for Option<VpcConfig> {
    const KIND: SettingKind = SettingKind::Object;
    const ABSENT_LEAVES_ALONE: bool = true;
    fn to_value(&self) -> SettingValue {
        let Some(v) = self else {
            return SettingValue::Absent;
        };
        SettingValue::Object(BTreeMap::from([
            ("subnets".to_owned(), SettingValue::List(v.subnets.clone())),
            (
                "security_groups".to_owned(),
                SettingValue::List(v.security_groups.clone()),
            ),
            ("ipv6".to_owned(), SettingValue::Bool(v.ipv6)),
        ]))
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        object(value, |m| {
            Ok(VpcConfig {
                subnets: member_list(m, "subnets")?,
                security_groups: member_list(m, "security_groups")?,
                ipv6: member_bool(m, "ipv6")?,
            }
            .normalized())
        })
    }
}

impl Setting for Option<LoggingConfig> {
    const KIND: SettingKind = SettingKind::Object;
    const ABSENT_LEAVES_ALONE: bool = true;
    fn to_value(&self) -> SettingValue {
        let Some(l) = self else {
            return SettingValue::Absent;
        };
        SettingValue::Object(BTreeMap::from([
            ("format".to_owned(), SettingValue::Text(l.format.clone())),
            (
                "log_group".to_owned(),
                SettingValue::Text(l.log_group.clone()),
            ),
            (
                "application_level".to_owned(),
                text(l.application_level.as_ref()),
            ),
            ("system_level".to_owned(), text(l.system_level.as_ref())),
        ]))
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        object(value, |m| {
            Ok(LoggingConfig {
                format: member_text(m, "format")?.unwrap_or_default(),
                log_group: member_text(m, "log_group")?.unwrap_or_default(),
                application_level: member_text(m, "application_level")?,
                system_level: member_text(m, "system_level")?,
            })
        })
    }
}

impl Setting for Option<Vec<FileSystem>> {
    const KIND: SettingKind = SettingKind::Objects;
    const ABSENT_LEAVES_ALONE: bool = true;
    fn to_value(&self) -> SettingValue {
        let Some(list) = self else {
            return SettingValue::Absent;
        };
        SettingValue::Objects(
            list.iter()
                .map(|f| {
                    BTreeMap::from([
                        ("arn".to_owned(), SettingValue::Text(f.arn.clone())),
                        ("mount".to_owned(), SettingValue::Text(f.mount.clone())),
                    ])
                })
                .collect(),
        )
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        match value {
            SettingValue::Absent => Ok(None),
            SettingValue::Objects(items) => items
                .iter()
                .map(|m| {
                    Ok(FileSystem {
                        arn: member_text(m, "arn")?.unwrap_or_default(),
                        mount: member_text(m, "mount")?.unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<_>, String>>()
                .map(Some),
            other => Err(format!("unexpected value {other:?}")),
        }
    }
}

impl Setting for Option<ImageConfig> {
    const KIND: SettingKind = SettingKind::Object;
    const ABSENT_LEAVES_ALONE: bool = true;
    fn to_value(&self) -> SettingValue {
        let Some(i) = self else {
            return SettingValue::Absent;
        };
        SettingValue::Object(BTreeMap::from([
            ("command".to_owned(), SettingValue::List(i.command.clone())),
            (
                "entry_point".to_owned(),
                SettingValue::List(i.entry_point.clone()),
            ),
            (
                "working_directory".to_owned(),
                text(i.working_directory.as_ref()),
            ),
        ]))
    }
    fn from_value(value: SettingValue) -> Result<Self, String> {
        object(value, |m| {
            Ok(ImageConfig {
                command: member_list(m, "command")?,
                entry_point: member_list(m, "entry_point")?,
                working_directory: member_text(m, "working_directory")?.filter(|s| !s.is_empty()),
            })
        })
    }
}

impl<E> super::FunctionConfig<E> {
    /// Lambda's values where the structured settings are unset, as a live function
    /// reports them (`name` for the default log group): a live configuration compares
    /// with a desired one that sets any of them.
    pub fn fill_live_defaults(&mut self, name: &str) {
        let vpc = self.vpc.take().unwrap_or_default().normalized();
        self.vpc = Some(vpc);
        let logging = self
            .logging
            .take()
            .unwrap_or_else(|| LoggingConfig::lambda_default(name))
            .normalized(name);
        self.logging = Some(logging);
        self.file_systems.get_or_insert_with(Vec::new);
        if self.package_type == super::PackageType::Image {
            self.image_config.get_or_insert_with(ImageConfig::default);
        } else {
            self.image_config = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_defaults_follow_lambda() {
        let text = LoggingConfig {
            format: String::new(),
            log_group: String::new(),
            application_level: Some("DEBUG".to_owned()),
            system_level: None,
        }
        .normalized("f");
        assert_eq!(text, LoggingConfig::lambda_default("f"));
        let json = LoggingConfig {
            format: "JSON".to_owned(),
            log_group: "/shared".to_owned(),
            application_level: None,
            system_level: Some("WARN".to_owned()),
        }
        .normalized("f");
        assert_eq!(json.application_level.as_deref(), Some("INFO"));
        assert_eq!(json.system_level.as_deref(), Some("WARN"));
        assert_eq!(json.log_group, "/shared");
    }

    #[test]
    fn structured_values_round_trip() {
        let vpc = Some(VpcConfig {
            subnets: vec!["subnet-b".into(), "subnet-a".into()],
            security_groups: vec!["sg-1".into()],
            ipv6: true,
        });
        let back = <Option<VpcConfig>>::from_value(vpc.to_value()).unwrap_or_default();
        assert_eq!(
            back.map(|v| v.subnets),
            Some(vec!["subnet-a".into(), "subnet-b".into()])
        );
        let fs = Some(vec![FileSystem {
            arn: "arn".into(),
            mount: "/mnt/x".into(),
        }]);
        assert_eq!(<Option<Vec<FileSystem>>>::from_value(fs.to_value()), Ok(fs));
        let image = Some(ImageConfig {
            command: vec!["a".into()],
            entry_point: Vec::new(),
            working_directory: Some("/w".into()),
        });
        assert_eq!(
            <Option<ImageConfig>>::from_value(image.to_value()),
            Ok(image)
        );
    }
}
