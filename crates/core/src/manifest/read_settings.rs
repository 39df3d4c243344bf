//! Reading [`RawSettings`]: each field by its key, with the reader its type names.
//!
//! `raw_settings!` (in `raw.rs`) lists the fields and asks for each through
//! [`ReadSetting`]; a field's type picks its reader through [`ReadValue`]. So a new setting
//! of a type listed here needs no edit in this file, and one of a new type fails to
//! compile until its `ReadValue` impl is written.

use super::node::Node;
use super::raw::RawPermission;
use super::raw::{
    Entries, RawArchitecture, RawDuration, RawEnvValue, RawFileSystem, RawImageConfig, RawLogging,
    RawRetry, RawScalar, RawSettings, RawUpload, RawVpc, RawWait, Sp,
};
use super::raw::{
    RawAsync, RawCanary, RawCodeSigning, RawLinear, RawRollout, RawRuntimeManagement, RawSmoke,
};
use super::read::{Fields, Reader};

/// What `RawSettings::read_with` asks its source for.
pub(crate) trait ReadSetting {
    /// The value under `key`, `None` when absent or unreadable.
    fn setting<T: ReadValue>(&mut self, key: &'static str) -> Option<T>;
}

/// A raw type a setting can have, and how to read it from a node.
pub(crate) trait ReadValue: Sized {
    /// Reads one value, reporting problems on the reader.
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self>;
}

/// The fields of one mapping, read as settings.
struct FromFields<'r, 'p, 'f> {
    reader: &'r mut Reader<'p>,
    fields: &'r Fields<'f>,
    path: &'r str,
}

impl ReadSetting for FromFields<'_, '_, '_> {
    fn setting<T: ReadValue>(&mut self, key: &'static str) -> Option<T> {
        self.reader.field(self.fields, self.path, key, |r, n, p| {
            T::read_value(r, n, p)
        })
    }
}

impl Reader<'_> {
    /// The settings of a `defaults`, environment or function mapping.
    pub(crate) fn settings(&mut self, fields: &Fields<'_>, path: &str) -> RawSettings {
        RawSettings::read_with(&mut FromFields {
            reader: self,
            fields,
            path,
        })
    }
}

impl ReadValue for Sp<String> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.string(node, path)
    }
}

impl ReadValue for Sp<u32> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.u32(node, path)
    }
}

impl ReadValue for Sp<bool> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.bool(node, path)
    }
}

impl ReadValue for Sp<RawDuration> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.duration(node, path)
    }
}

impl ReadValue for Sp<RawArchitecture> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.architecture(node, path)
    }
}

impl ReadValue for Sp<Vec<Sp<String>>> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.strings(node, path).map(|v| Sp::new(v, node.pos))
    }
}

impl ReadValue for Entries<Sp<RawEnvValue>> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.entries(node, path, Reader::env_value)
    }
}

impl ReadValue for Entries<Sp<RawScalar>> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.entries(node, path, Reader::scalar)
    }
}

impl ReadValue for RawRetry {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.retry(node, path)
    }
}

impl ReadValue for RawWait {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let f = r.map(node, path, &["timeout"])?;
        Some(RawWait {
            timeout: r.field(&f, path, "timeout", Reader::duration),
        })
    }
}

impl ReadValue for Sp<RawRollout> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let keys = [
            "strategy",
            "canary",
            "linear",
            "alarms",
            "smoke",
            "on_failure",
        ];
        let f = r.map(node, path, &keys)?;
        let canary = r.field(&f, path, "canary", |r, n, p| {
            let c = r.map(n, p, &["percent", "wait"])?;
            Some(Sp::new(
                RawCanary {
                    percent: r.field(&c, p, "percent", Reader::u32),
                    wait: r.field(&c, p, "wait", Reader::duration),
                },
                n.pos,
            ))
        });
        let linear = r.field(&f, path, "linear", |r, n, p| {
            let l = r.map(n, p, &["percent", "every"])?;
            Some(Sp::new(
                RawLinear {
                    percent: r.field(&l, p, "percent", Reader::u32),
                    every: r.field(&l, p, "every", Reader::duration),
                },
                n.pos,
            ))
        });
        let smoke = r.field(&f, path, "smoke", |r, n, p| {
            let s = r.map(n, p, &["payload", "expect"])?;
            let json = |_: &mut Reader<'_>, n: &Node, _: &str| Some(Sp::new(n.to_json(), n.pos));
            Some(Sp::new(
                RawSmoke {
                    payload: r.field(&s, p, "payload", json),
                    expect: r.field(&s, p, "expect", json),
                },
                n.pos,
            ))
        });
        Some(Sp::new(
            RawRollout {
                strategy: r.field(&f, path, "strategy", Reader::string),
                canary,
                linear,
                alarms: r.field(&f, path, "alarms", |r, n, p| {
                    r.strings(n, p).map(|v| Sp::new(v, n.pos))
                }),
                smoke,
                on_failure: r.field(&f, path, "on_failure", Reader::string),
            },
            node.pos,
        ))
    }
}

impl ReadValue for Sp<Entries<Sp<RawPermission>>> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let keys = [
            "principal",
            "action",
            "source_arn",
            "source_account",
            "principal_org_id",
            "function_url_auth_type",
        ];
        let entries = r.entries(node, path, |r, n, p| {
            let f = r.map(n, p, &keys)?;
            Some(Sp::new(
                RawPermission {
                    principal: r.field(&f, p, "principal", Reader::string),
                    action: r.field(&f, p, "action", Reader::string),
                    source_arn: r.field(&f, p, "source_arn", Reader::string),
                    source_account: r.field(&f, p, "source_account", Reader::string),
                    principal_org_id: r.field(&f, p, "principal_org_id", Reader::string),
                    function_url_auth_type: r.field(
                        &f,
                        p,
                        "function_url_auth_type",
                        Reader::string,
                    ),
                },
                n.pos,
            ))
        })?;
        Some(Sp::new(entries, node.pos))
    }
}

impl ReadValue for Sp<RawUpload> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.upload(node, path)
    }
}

impl ReadValue for Sp<RawVpc> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let f = r.map(node, path, &["subnets", "security_groups", "ipv6"])?;
        let strings =
            |r: &mut Reader<'_>, n: &Node, p: &str| r.strings(n, p).map(|v| Sp::new(v, n.pos));
        Some(Sp::new(
            RawVpc {
                subnets: r.field(&f, path, "subnets", strings),
                security_groups: r.field(&f, path, "security_groups", strings),
                ipv6: r.field(&f, path, "ipv6", Reader::bool),
            },
            node.pos,
        ))
    }
}

impl ReadValue for Sp<RawLogging> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let f = r.map(
            node,
            path,
            &["format", "log_group", "application_level", "system_level"],
        )?;
        Some(Sp::new(
            RawLogging {
                format: r.field(&f, path, "format", Reader::string),
                log_group: r.field(&f, path, "log_group", Reader::string),
                application_level: r.field(&f, path, "application_level", Reader::string),
                system_level: r.field(&f, path, "system_level", Reader::string),
            },
            node.pos,
        ))
    }
}

impl ReadValue for Sp<Vec<Sp<RawFileSystem>>> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let items = r.list(node, path, |r, n, p| {
            let f = r.map(n, p, &["arn", "mount"])?;
            Some(Sp::new(
                RawFileSystem {
                    arn: r.field(&f, p, "arn", Reader::string),
                    mount: r.field(&f, p, "mount", Reader::string),
                },
                n.pos,
            ))
        })?;
        Some(Sp::new(items, node.pos))
    }
}

impl ReadValue for Sp<RawImageConfig> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let f = r.map(node, path, &["command", "entry_point", "working_directory"])?;
        let strings =
            |r: &mut Reader<'_>, n: &Node, p: &str| r.strings(n, p).map(|v| Sp::new(v, n.pos));
        Some(Sp::new(
            RawImageConfig {
                command: r.field(&f, path, "command", strings),
                entry_point: r.field(&f, path, "entry_point", strings),
                working_directory: r.field(&f, path, "working_directory", Reader::string),
            },
            node.pos,
        ))
    }
}

impl ReadValue for Sp<RawAsync> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        let f = r.map(
            node,
            path,
            &["retries", "max_age", "on_success", "on_failure"],
        )?;
        Some(Sp::new(
            RawAsync {
                retries: r.field(&f, path, "retries", Reader::u32),
                max_age: r.field(&f, path, "max_age", Reader::duration),
                on_success: r.field(&f, path, "on_success", Reader::string),
                on_failure: r.field(&f, path, "on_failure", Reader::string),
            },
            node.pos,
        ))
    }
}

impl ReadValue for Sp<RawRuntimeManagement> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        if matches!(node.value, super::node::Value::Map(_)) {
            let f = r.map(node, path, &["manual"])?;
            let arn = r.field(&f, path, "manual", Reader::string);
            return Some(Sp::new(RawRuntimeManagement::Manual(arn), node.pos));
        }
        let mode = r.string(node, path)?;
        Some(Sp::new(RawRuntimeManagement::Mode(mode), node.pos))
    }
}

impl ReadValue for Sp<RawCodeSigning> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        match &node.value {
            super::node::Value::Bool(false) => Some(Sp::new(RawCodeSigning::Off, node.pos)),
            super::node::Value::Str(_) => {
                let arn = r.string(node, path)?;
                Some(Sp::new(RawCodeSigning::Arn(arn), node.pos))
            }
            _ => {
                r.wrong_type(
                    node,
                    path,
                    "a code signing configuration ARN or `false`",
                    "write e.g. `arn:aws:lambda:eu-north-1:${account}:code-signing-config:csc-0123456789abcdef0`, or `false` to remove it",
                );
                None
            }
        }
    }
}
