//! The display lines of one function plan, shared by the text and Markdown renderers.

use crate::artifact::ArtifactDigest;
use crate::plan::{
    Action, EnvValue, Field, FieldChange, FieldValue, FunctionPlan, PackageFiles, Step,
};
use flotilla_cloud::image::short_digests;
use flotilla_cloud::lambda::PackageType;

/// How a line changes its attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// Added (`+`).
    Add,
    /// Changed (`~`).
    Change,
    /// Removed (`-`).
    Remove,
}

impl Sign {
    /// `+`, `~` or `-`.
    pub fn symbol(self) -> char {
        match self {
            Sign::Add => '+',
            Sign::Change => '~',
            Sign::Remove => '-',
        }
    }
}

/// One attribute line: `~ memory_mb 128 → 256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Add, change or remove.
    pub sign: Sign,
    /// The attribute, such as `memory_mb` or `environment.API_TOKEN`.
    pub label: String,
    /// Value before (shown for changes and removals).
    pub old: Option<String>,
    /// Value after (shown for additions and changes).
    pub new: Option<String>,
}

/// `+`, `~` or `=` for a function.
pub fn action_symbol(action: Action) -> char {
    match action {
        Action::Create => '+',
        Action::Update => '~',
        Action::NoChange => '=',
        Action::Delete => '-',
        Action::Replace => '±',
    }
}

/// The version a plan's alias step points to, as displayed.
pub const NEW_VERSION: &str = "(version published by this plan)";

/// Every line to show for `fp`: the whole desired configuration for a create, the
/// changes of each step for an update, nothing for no change or a deletion.
pub fn function_lines(fp: &FunctionPlan) -> Vec<Line> {
    let mut out = Vec::new();
    for step in &fp.steps {
        step_lines(fp, step, &mut out);
    }
    if let Some(r) = &fp.rollout {
        let shares: Vec<String> = r.percents.iter().map(|p| format!("{p}%")).collect();
        out.push(Line {
            sign: Sign::Change,
            label: "rollout".to_owned(),
            old: None,
            new: Some(format!(
                "{} {} then 100%, about {} of holds",
                r.strategy,
                shares.join(", "),
                duration_words(r.expected_secs)
            )),
        });
    }
    out
}

/// `5m`, `1h 30m`, `45s`, `2m 5s`: a hold as the manifest writes it.
pub fn duration_words(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let parts: Vec<String> = [(h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// A JSON value on one line, cut to a readable length.
fn json_short(v: &serde_json::Value) -> String {
    const MAX: usize = 60;
    let s = v.to_string();
    if s.chars().count() <= MAX {
        s
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

fn add(label: impl Into<String>, new: impl Into<String>) -> Line {
    Line {
        sign: Sign::Add,
        label: label.into(),
        old: None,
        new: Some(new.into()),
    }
}

fn step_lines(fp: &FunctionPlan, step: &Step, out: &mut Vec<Line>) {
    if let Some(lines) = super::around_triggers::step_lines(step) {
        out.extend(lines);
        return;
    }
    match step {
        Step::CreateFunction { tags } => {
            created_config(fp, out);
            super::code_signing::created_line(fp, out);
            upload_line(fp, out);
            out.extend(tags.iter().map(|(k, v)| add(format!("tags.{k}"), quote(v))));
        }
        Step::UpdateCode { changes, files } => {
            if changes.is_empty() {
                // Sent again after a failed update; the configuration line says why.
                out.push(Line {
                    sign: Sign::Change,
                    label: "code".to_owned(),
                    old: None,
                    new: Some("(sent again)".to_owned()),
                });
            }
            out.extend(changes.iter().map(|c| change_line(fp, c)));
            if let Some(files) = files {
                out.push(files_line(files));
            }
            upload_line(fp, out);
        }
        Step::ReapplyConfiguration {
            reason,
            reason_code,
            changes,
        } => {
            out.push(Line {
                sign: Sign::Change,
                label: "last_update_status".to_owned(),
                old: Some(format!("Failed ({})", failure(reason, reason_code))),
                new: Some("(code and whole configuration sent again)".to_owned()),
            });
            out.extend(changes.iter().map(|c| change_line(fp, c)));
        }
        Step::UpdateConfiguration { changes } => {
            out.extend(changes.iter().map(|c| change_line(fp, c)));
        }
        Step::PublishVersion => out.push(add("version", NEW_VERSION)),
        Step::CreateAlias { alias } => out.push(add(format!("alias.{alias}"), NEW_VERSION)),
        Step::UpdateAlias {
            alias,
            from_version,
        } => out.push(Line {
            sign: Sign::Change,
            label: format!("alias.{alias}"),
            old: Some(from_version.clone()),
            new: Some(NEW_VERSION.to_owned()),
        }),
        Step::MoveAlias {
            alias,
            from_version,
            to_version,
            alias_revision_id: _,
        } => out.push(Line {
            sign: Sign::Change,
            label: format!("alias.{alias}"),
            old: Some(from_version.clone()),
            new: Some(to_version.clone()),
        }),
        Step::SmokeInvoke { payload, expect } => out.push(add(
            "smoke",
            match expect {
                Some(e) => format!(
                    "invoke {NEW_VERSION} with {}, expecting {}",
                    json_short(payload),
                    json_short(e)
                ),
                None => format!(
                    "invoke {NEW_VERSION} with {}, no function error",
                    json_short(payload)
                ),
            },
        )),
        Step::ShiftTraffic {
            alias,
            from_version,
            percent,
            hold_secs,
            alarms,
            on_failure: _,
            alias_revision_id: _,
        } => out.push(Line {
            sign: Sign::Change,
            label: format!("alias.{alias}"),
            old: Some(from_version.clone()),
            new: Some(format!(
                "{percent}% on {NEW_VERSION} for {}{}",
                duration_words(*hold_secs),
                if alarms.is_empty() {
                    String::new()
                } else {
                    format!(", watching {}", alarms.join(", "))
                }
            )),
        }),
        Step::TagResource { tags, old } => {
            out.extend(tags.iter().map(|(k, v)| Line {
                sign: if old.contains_key(k) {
                    Sign::Change
                } else {
                    Sign::Add
                },
                label: format!("tags.{k}"),
                old: old.get(k).map(|o| quote(o)),
                new: Some(quote(v)),
            }));
        }
        Step::UntagResource { keys } => out.extend(keys.iter().map(|k| Line {
            sign: Sign::Remove,
            label: format!("tags.{k}"),
            old: None,
            new: None,
        })),
        Step::PutConcurrency { old, reserved } => out.push(Line {
            sign: if old.is_some() {
                Sign::Change
            } else {
                Sign::Add
            },
            label: "reserved_concurrency".to_owned(),
            old: old.map(|o| o.to_string()),
            new: Some(reserved.to_string()),
        }),
        Step::DeleteConcurrency { old } => out.push(Line {
            sign: Sign::Remove,
            label: "reserved_concurrency".to_owned(),
            old: Some(old.to_string()),
            new: None,
        }),
        // Shown by `render::around_triggers::step_lines` above.
        Step::CreateEventSourceMapping { .. }
        | Step::UpdateEventSourceMapping { .. }
        | Step::DeleteEventSourceMapping { .. }
        | Step::DeleteVersions { .. } => {}
        Step::PutProvisionedConcurrency { alias, old, count } => out.push(Line {
            sign: if old.is_some() {
                Sign::Change
            } else {
                Sign::Add
            },
            label: "provisioned concurrency".to_owned(),
            old: old.map(|o| o.to_string()),
            new: Some(format!("{count} on alias {alias}")),
        }),
        Step::DeleteProvisionedConcurrency { alias, old } => out.push(Line {
            sign: Sign::Remove,
            label: "provisioned concurrency".to_owned(),
            old: Some(format!("{old} on alias {alias}")),
            new: None,
        }),
        Step::PutCodeSigningConfig { .. } | Step::DeleteCodeSigningConfig { .. } => {
            super::code_signing::step_lines(step, out);
        }
        Step::PutEventInvokeConfig { .. }
        | Step::DeleteEventInvokeConfig { .. }
        | Step::PutRecursionConfig { .. }
        | Step::PutRuntimeManagementConfig { .. } => {
            super::around_async::step_lines(step, out);
        }
        // The whole function goes; the heading says so and says why.
        Step::RemovePermission { .. } | Step::AddPermission { .. } => {
            super::permissions::step_lines(step, out);
        }
        Step::CreateFunctionUrlConfig { .. }
        | Step::UpdateFunctionUrlConfig { .. }
        | Step::DeleteFunctionUrlConfig { .. } => super::function_url::step_lines(step, out),
        Step::DeleteFunction { owner_tags: _ } => {}
        Step::DeleteFailedFunction {
            reason,
            reason_code,
        } => out.push(Line {
            sign: Sign::Remove,
            label: "state".to_owned(),
            old: Some(format!(
                "Failed ({}): deleted, then created again",
                failure(reason, reason_code)
            )),
            new: None,
        }),
    }
}

/// `reason [code]` of a failed creation or update, as Lambda reported it.
pub fn failure(reason: &Option<String>, code: &Option<String>) -> String {
    match (reason.as_deref(), code.as_deref()) {
        (Some(r), Some(c)) => format!("{c}: {r}"),
        (Some(r), None) => r.to_owned(),
        (None, Some(c)) => c.to_owned(),
        (None, None) => "no reason given".to_owned(),
    }
}

/// `~ package 1 file changed, 1 added, 0 removed`: counts only (the JSON plan lists
/// the paths), or why the live package could not be compared.
fn files_line(files: &PackageFiles) -> Line {
    let text = match files {
        PackageFiles::Diff {
            added,
            removed,
            changed,
        } => format!(
            "{} file{} changed, {} added, {} removed",
            changed.len(),
            if changed.len() == 1 { "" } else { "s" },
            added.len(),
            removed.len()
        ),
        PackageFiles::Unavailable { reason } => format!("file list unavailable: {reason}"),
    };
    Line {
        sign: Sign::Change,
        label: "package".to_owned(),
        old: None,
        new: Some(text),
    }
}

/// `+ upload s3://bucket/prefix/<sha>.zip`: where apply puts the zip before Lambda
/// reads it (whether it is already there is found out at apply time).
fn upload_line(fp: &FunctionPlan, out: &mut Vec<Line>) {
    if let Some(target) = &fp.upload {
        out.push(add("upload", target.to_string()));
    }
}

fn change_line(fp: &FunctionPlan, c: &FieldChange) -> Line {
    let sign = match (&c.old, &c.new) {
        (None, _) => Sign::Add,
        (_, None) => Sign::Remove,
        _ => Sign::Change,
    };
    if c.field == Field::Code && fp.desired.config.package_type == PackageType::Image {
        // Digests are cut to 12 digits here; the JSON plan keeps them whole.
        let show = |v: &FieldValue| short_digests(&v.to_string());
        return Line {
            sign,
            label: IMAGE_LABEL.to_owned(),
            old: c.old.as_ref().map(show),
            new: c.new.as_ref().map(show),
        };
    }
    Line {
        sign,
        label: c.field.to_string(),
        old: c.old.as_ref().map(FieldValue::to_string),
        new: c.new.as_ref().map(FieldValue::to_string),
    }
}

/// The label of an image function's code line.
const IMAGE_LABEL: &str = "image";

fn created_config(fp: &FunctionPlan, out: &mut Vec<Line>) {
    let d = &fp.desired.config;
    match &fp.artifact {
        ArtifactDigest::Image { uri } => out.push(add(IMAGE_LABEL, short_digests(&quote(uri)))),
        other => out.push(add("code", artifact(other))),
    }
    out.push(add(
        "package_type",
        match d.package_type {
            PackageType::Zip => "zip",
            PackageType::Image => "image",
        },
    ));
    out.push(add("role", quote(&d.role)));
    if let Some(runtime) = &d.runtime {
        out.push(add("runtime", quote(runtime)));
    }
    if let Some(handler) = &d.handler {
        out.push(add("handler", quote(handler)));
    }
    if !d.description.is_empty() {
        out.push(add("description", quote(&d.description)));
    }
    out.push(add("architecture", d.architecture.as_api_str()));
    out.push(add("memory_mb", d.memory_mb.to_string()));
    out.push(add("timeout_s", d.timeout_s.to_string()));
    out.push(add(
        "ephemeral_storage_mb",
        d.ephemeral_storage_mb.to_string(),
    ));
    if !d.layers.is_empty() {
        out.push(add(
            "layers",
            FieldValue::List(d.layers.clone()).to_string(),
        ));
    }
    for (key, value) in &d.environment {
        let shown = match value {
            EnvValue::Value(v) => quote(v),
            EnvValue::Sensitive(_) => FieldValue::Sensitive { changed: true }.to_string(),
        };
        out.push(add(format!("environment.{key}"), shown));
    }
}

fn artifact(a: &ArtifactDigest) -> String {
    match a {
        ArtifactDigest::Zip { code_sha256, .. } => quote(code_sha256),
        ArtifactDigest::S3 {
            bucket,
            key,
            version,
            ..
        } => match version {
            Some(v) => quote(&format!("s3://{bucket}/{key}?versionId={v}")),
            None => quote(&format!("s3://{bucket}/{key}")),
        },
        ArtifactDigest::Image { uri } => quote(uri),
    }
}

fn quote(s: &str) -> String {
    FieldValue::Text(s.to_owned()).to_string()
}
