//! Checks of the structured settings: `vpc`, `logging`, `file_systems` and
//! `image_config`, as Lambda checks them (id and ARN shapes, its limits, log levels only
//! with JSON logs, EFS only in a VPC, image overrides only for images).
//!
//! Each is taken whole from the layer that sets it last (a function's `vpc` replaces
//! the default's). Absent everywhere, the model holds `None` and the plan leaves the
//! live value alone.

use flotilla_cloud::lambda::{
    APPLICATION_LOG_LEVELS, FileSystem, ImageConfig, LOG_FORMAT_TEXT, LoggingConfig,
    MAX_FILE_SYSTEMS, MAX_SECURITY_GROUPS, MAX_SUBNETS, SYSTEM_LOG_LEVELS, VpcConfig,
};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::Sp;

use super::layers::Layers;
use super::validate::Validator;

/// What the structured settings validate to.
#[derive(Default)]
pub(crate) struct StructuredOptions {
    pub vpc: Option<VpcConfig>,
    pub logging: Option<LoggingConfig>,
    pub file_systems: Option<Vec<FileSystem>>,
    pub image_config: Option<ImageConfig>,
}

/// `prefix-` and 8 or 17 lowercase hex digits (`subnet-0123456789abcdef0`).
fn aws_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            (8..=17).contains(&hex.len())
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// `arn:aws…:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-HEX`, as botocore's
/// `FileSystemArn` pattern has it.
fn access_point_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    *prefix == "arn"
        && partition.starts_with("aws")
        && *service == "elasticfilesystem"
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix("access-point/fsap-")
            .is_some_and(|hex| hex.len() == 17 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Lambda's `LocalMountPath` pattern: `^/mnt/[a-zA-Z0-9-_.]+$`.
fn mount_path(path: &str) -> bool {
    path.strip_prefix("/mnt/").is_some_and(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    })
}

/// Lambda's `LogGroup` pattern: `[\.\-_/#A-Za-z0-9]+`, at most 512 characters.
fn log_group(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 512
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'#'))
}

impl<'a> Validator<'a> {
    /// `vpc`, `logging`, `file_systems` and `image_config`; `name` is the function's
    /// Lambda name (for the default log group).
    pub(crate) fn structured_options(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        path: &str,
        is_image: bool,
        name: Option<&str>,
    ) -> Option<StructuredOptions> {
        let p = |k: &str| format!("{path}.{k}");
        let mut ok = true;
        let vpc_src = layers.pick(|s| s.vpc.as_ref());
        let vpc = match vpc_src {
            None => None,
            Some(v) => {
                let vpc = self.vpc(v, ctx, &p("vpc"));
                ok &= vpc.is_some();
                vpc
            }
        };
        let logging = match layers.pick(|s| s.logging.as_ref()) {
            None => None,
            Some(l) => {
                let logging = self.logging(l, ctx, &p("logging"), name.unwrap_or_default());
                ok &= logging.is_some();
                logging
            }
        };
        let file_systems = match layers.pick(|s| s.file_systems.as_ref()) {
            None => None,
            Some(list) => {
                let fs = self.file_systems(list, ctx, &p("file_systems"));
                ok &= fs.is_some();
                if let Some(fs) = &fs
                    && !fs.is_empty()
                    && !vpc.as_ref().is_some_and(VpcConfig::is_attached)
                    && (vpc_src.is_none() || vpc.is_some())
                {
                    self.push(
                        Problem::new(
                            list.pos,
                            format!("`{}` needs the function in a VPC", p("file_systems")),
                            "EFS without VPC",
                        )
                        .help("Lambda mounts EFS only through a VPC: add `vpc: { subnets: [...], security_groups: [...] }` with the file system's subnets"),
                    );
                    ok = false;
                }
                fs
            }
        };
        let image_config = match layers.pick(|s| s.image_config.as_ref()) {
            None => None,
            Some(i) if !is_image => {
                self.push(
                    Problem::new(
                        i.pos,
                        format!("`{}` is only for container image functions", p("image_config")),
                        "not an image function",
                    )
                    .help("remove `image_config`, or deploy the function as `artifact: { image: URI }`"),
                );
                ok = false;
                None
            }
            Some(i) => {
                let image = self.image_config(i, ctx, &p("image_config"));
                ok &= image.is_some();
                image
            }
        };
        ok.then_some(StructuredOptions {
            vpc,
            logging,
            file_systems,
            image_config,
        })
    }

    /// Each of `list` interpolated; `None` when one fails.
    fn texts(
        &mut self,
        list: &[Sp<String>],
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<Vec<(String, Sp<String>)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in list.iter().enumerate() {
            match self.text(item, ctx, &format!("{path}[{i}]")) {
                Some(v) => out.push((v, item.clone())),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Ids of `kind` (`subnet`, `sg`), at most `max`.
    fn ids(
        &mut self,
        src: Option<&Sp<Vec<Sp<String>>>>,
        ctx: &Context<'_>,
        path: &str,
        prefix: &str,
        max: usize,
    ) -> Option<Vec<String>> {
        let Some(src) = src else {
            return Some(Vec::new());
        };
        let items = self.texts(&src.value, ctx, path)?;
        let mut ok = true;
        if items.len() > max {
            self.push(
                Problem::new(
                    src.pos,
                    format!(
                        "`{path}` lists {} ids; Lambda allows at most {max}",
                        items.len()
                    ),
                    "too many",
                )
                .help(format!("keep at most {max}")),
            );
            ok = false;
        }
        for (i, (v, item)) in items.iter().enumerate() {
            if !aws_id(v, prefix) {
                self.push(
                    Problem::new(
                        item.pos,
                        format!("`{path}[{i}]` is `{v}`, not a {prefix} id"),
                        "not an id",
                    )
                    .help(format!("write the id, e.g. `{prefix}-0123456789abcdef0`")),
                );
                ok = false;
            }
        }
        ok.then(|| items.into_iter().map(|(v, _)| v).collect())
    }

    fn vpc(
        &mut self,
        v: &Sp<crate::manifest::raw::RawVpc>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<VpcConfig> {
        let raw = &v.value;
        let subnets = self.ids(
            raw.subnets.as_ref(),
            ctx,
            &format!("{path}.subnets"),
            "subnet",
            MAX_SUBNETS,
        );
        let groups = self.ids(
            raw.security_groups.as_ref(),
            ctx,
            &format!("{path}.security_groups"),
            "sg",
            MAX_SECURITY_GROUPS,
        );
        let (subnets, groups) = (subnets?, groups?);
        let ipv6 = raw.ipv6.as_ref().is_some_and(|b| b.value);
        if subnets.is_empty() != groups.is_empty() {
            let missing = if subnets.is_empty() {
                "subnets"
            } else {
                "security_groups"
            };
            self.push(
                Problem::new(v.pos, format!("`{path}` has no {missing}"), "incomplete VPC")
                    .help("Lambda attaches a function with both subnets and security groups; write both, or `vpc: {}` to detach it"),
            );
            return None;
        }
        if ipv6 && subnets.is_empty() {
            self.push(
                Problem::new(
                    v.pos,
                    format!("`{path}.ipv6` needs subnets"),
                    "IPv6 without VPC",
                )
                .help("list dual-stack subnets, or remove `ipv6`"),
            );
            return None;
        }
        Some(
            VpcConfig {
                subnets,
                security_groups: groups,
                ipv6,
            }
            .normalized(),
        )
    }

    /// A lower-case value of `allowed` (Lambda's spelling upper-cased, or as listed).
    fn level(
        &mut self,
        src: Option<&Sp<String>>,
        ctx: &Context<'_>,
        path: &str,
        allowed: &[&str],
    ) -> Option<Option<String>> {
        let Some(src) = src else {
            return Some(None);
        };
        let v = self.text(src, ctx, path)?;
        if let Some(api) = allowed.iter().find(|a| a.eq_ignore_ascii_case(&v)) {
            return Some(Some((*api).to_owned()));
        }
        let names: Vec<String> = allowed
            .iter()
            .map(|a| format!("`{}`", a.to_ascii_lowercase()))
            .collect();
        self.push(
            Problem::new(
                src.pos,
                format!("`{path}` is `{v}`, not a known value"),
                "unknown value",
            )
            .help(format!("write one of {}", names.join(", "))),
        );
        None
    }

    fn logging(
        &mut self,
        l: &Sp<crate::manifest::raw::RawLogging>,
        ctx: &Context<'_>,
        path: &str,
        name: &str,
    ) -> Option<LoggingConfig> {
        let raw = &l.value;
        let format = self.level(
            raw.format.as_ref(),
            ctx,
            &format!("{path}.format"),
            &["JSON", LOG_FORMAT_TEXT],
        );
        let app = self.level(
            raw.application_level.as_ref(),
            ctx,
            &format!("{path}.application_level"),
            APPLICATION_LOG_LEVELS,
        );
        let system = self.level(
            raw.system_level.as_ref(),
            ctx,
            &format!("{path}.system_level"),
            SYSTEM_LOG_LEVELS,
        );
        let group = match &raw.log_group {
            None => Some(None),
            Some(g) => self
                .text(g, ctx, &format!("{path}.log_group"))
                .and_then(|v| {
                    if log_group(&v) {
                        Some(Some(v))
                    } else {
                        self.push(
                            Problem::new(
                                g.pos,
                                format!("`{path}.log_group` is `{v}`, not a log group name"),
                                "bad log group",
                            )
                            .help("1–512 letters, digits and `.-_/#`, e.g. `/aws/lambda/shared`"),
                        );
                        None
                    }
                }),
        };
        let (format, app, system, group) = (format?, app?, system?, group?);
        let format = format.unwrap_or_else(|| LOG_FORMAT_TEXT.to_owned());
        if format == LOG_FORMAT_TEXT {
            for (set, key) in [
                (&raw.application_level, "application_level"),
                (&raw.system_level, "system_level"),
            ] {
                if let Some(src) = set {
                    self.push(
                        Problem::new(src.pos, format!("`{path}.{key}` needs `format: json`"), "level with text logs")
                            .help("Lambda filters logs by level only in JSON format: add `format: json` or remove the level"),
                    );
                }
            }
            if raw.application_level.is_some() || raw.system_level.is_some() {
                return None;
            }
        }
        Some(
            LoggingConfig {
                format,
                log_group: group.unwrap_or_default(),
                application_level: app,
                system_level: system,
            }
            .normalized(name),
        )
    }

    fn file_systems(
        &mut self,
        list: &Sp<Vec<Sp<crate::manifest::raw::RawFileSystem>>>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<Vec<FileSystem>> {
        let mut ok = true;
        if list.value.len() > MAX_FILE_SYSTEMS {
            self.push(
                Problem::new(
                    list.pos,
                    format!(
                        "`{path}` lists {} file systems; Lambda mounts at most {MAX_FILE_SYSTEMS}",
                        list.value.len()
                    ),
                    "too many",
                )
                .help("keep one access point"),
            );
            ok = false;
        }
        let mut out = Vec::new();
        for (i, item) in list.value.iter().enumerate() {
            let ip = format!("{path}[{i}]");
            let arn = match &item.value.arn {
                None => {
                    self.push(Problem::new(item.pos, format!("`{ip}` has no `arn`"), "no arn").help("add `arn:` (the EFS access point's ARN)"));
                    None
                }
                Some(a) => self.text(a, ctx, &format!("{ip}.arn")).and_then(|v| {
                    if access_point_arn(&v) {
                        Some(v)
                    } else {
                        self.push(
                            Problem::new(a.pos, format!("`{ip}.arn` is `{v}`, not an EFS access point ARN"), "not an access point ARN")
                                .help("write the access point's ARN, e.g. arn:aws:elasticfilesystem:eu-north-1:${account}:access-point/fsap-0123456789abcdef0"),
                        );
                        None
                    }
                }),
            };
            let mount = match &item.value.mount {
                None => {
                    self.push(Problem::new(item.pos, format!("`{ip}` has no `mount`"), "no mount").help("add `mount: /mnt/NAME`"));
                    None
                }
                Some(m) => self.text(m, ctx, &format!("{ip}.mount")).and_then(|v| {
                    if mount_path(&v) {
                        Some(v)
                    } else {
                        self.push(
                            Problem::new(m.pos, format!("`{ip}.mount` is `{v}`, not a path under /mnt"), "bad mount path")
                                .help("Lambda mounts at `/mnt/` and a name of letters, digits, `-`, `_` or `.`, e.g. `/mnt/data`"),
                        );
                        None
                    }
                }),
            };
            match (arn, mount) {
                (Some(arn), Some(mount)) => out.push(FileSystem { arn, mount }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn image_config(
        &mut self,
        i: &Sp<crate::manifest::raw::RawImageConfig>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<ImageConfig> {
        let raw = &i.value;
        let list =
            |v: &mut Self, src: &Option<Sp<Vec<Sp<String>>>>, key: &str| -> Option<Vec<String>> {
                match src {
                    None => Some(Vec::new()),
                    Some(l) => {
                        let items = v.texts(&l.value, ctx, &format!("{path}.{key}"))?;
                        if items.len() > 1500 {
                            v.push(
                                Problem::new(
                                    l.pos,
                                    format!("`{path}.{key}` has more than 1500 items"),
                                    "too long",
                                )
                                .help("Lambda allows at most 1500"),
                            );
                            return None;
                        }
                        Some(items.into_iter().map(|(s, _)| s).collect())
                    }
                }
            };
        let command = list(self, &raw.command, "command");
        let entry_point = list(self, &raw.entry_point, "entry_point");
        let dir = match &raw.working_directory {
            None => Some(None),
            Some(d) => self
                .text(d, ctx, &format!("{path}.working_directory"))
                .and_then(|v| {
                    if v.is_empty() || v.chars().count() > 1000 {
                        self.push(
                            Problem::new(
                                d.pos,
                                format!("`{path}.working_directory` must be 1–1000 characters"),
                                "bad working directory",
                            )
                            .help("write an absolute path such as `/var/task`"),
                        );
                        None
                    } else {
                        Some(Some(v))
                    }
                }),
        };
        Some(ImageConfig {
            command: command?,
            entry_point: entry_point?,
            working_directory: dir?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_arns_and_paths_have_lambdas_shapes() {
        assert!(aws_id("subnet-0123456789abcdef0", "subnet"));
        assert!(aws_id("sg-0123abcd", "sg"));
        assert!(!aws_id("sg-0123abcd", "subnet"));
        assert!(!aws_id("subnet-XYZ", "subnet"));
        assert!(!aws_id("subnet-12", "subnet"));
        assert!(access_point_arn(
            "arn:aws:elasticfilesystem:eu-north-1:123456789012:access-point/fsap-0123456789abcdef0"
        ));
        assert!(!access_point_arn(
            "arn:aws:elasticfilesystem:eu-north-1:123456789012:file-system/fs-0123"
        ));
        assert!(mount_path("/mnt/data_1.x-y"));
        assert!(!mount_path("/mnt/"));
        assert!(!mount_path("/data"));
        assert!(!mount_path("/mnt/a/b"));
        assert!(log_group("/aws/lambda/x#1"));
        assert!(!log_group("bad group"));
    }
}
