//! The saved plan: versioned JSON (`plan -o plan.json`, `apply plan.json`) and its schema.

use std::path::{Path, PathBuf};

use super::types::{FORMAT_VERSION, Plan};

/// The largest plan file read: far above any fleet's plan (a plan of 10,000 functions
/// is a few tens of MiB), far below what exhausts memory.
pub const MAX_PLAN_BYTES: usize = 256 * 1024 * 1024;

/// Why a plan file could not be read or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanFileError {
    /// Reading or writing the file failed.
    #[error("cannot {action} plan file {}: {source}", path.display())]
    #[diagnostic(help("check the path and its permissions"))]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or not the shape of a plan.
    #[error("plan file is not a valid Flotilla plan: {message}")]
    #[diagnostic(help(
        "pass a file written by `flotilla plan -o FILE`; its schema is schema/plan.schema.json"
    ))]
    Malformed {
        /// What is wrong, with line and column when known.
        message: String,
    },
    /// Well-formed, but values or steps no `flotilla plan` writes: refused whole, before
    /// any call.
    #[error("plan file was changed after `flotilla plan`; refusing all of it:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(help("nothing was applied; make a new plan with `flotilla plan -o FILE`"))]
    Tampered {
        /// Every problem found, one sentence each.
        problems: Vec<String>,
    },
    /// A local artifact no longer has the digest the plan recorded.
    #[error("the plan's artifacts changed since it was made; refusing all of it:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(help("nothing was applied; run `flotilla plan -o FILE` again"))]
    ArtifactsChanged {
        /// One sentence per function.
        problems: Vec<String>,
    },
    /// `plan -o FILE` with a sensitive value written inline that the plan would send:
    /// `apply FILE` could not recover it, so it is refused now rather than then.
    #[error(
        "cannot save the plan: the sensitive value of `{key}` in function `{function}` is written inline in the manifest, and a plan never carries secrets"
    )]
    #[diagnostic(help(
        "write it as `{{ from_env: VAR, sensitive: true }}` or apply in the same run as plan (`flotilla apply -f FILE`)"
    ))]
    InlineSecret {
        /// The function's manifest key.
        function: String,
        /// The environment key.
        key: String,
    },
    /// Written by a Flotilla with another plan format.
    #[error("plan file has format_version {found}, this Flotilla reads format_version {supported}")]
    #[diagnostic(help("re-run `flotilla plan` with this version of Flotilla"))]
    UnsupportedVersion {
        /// The version in the file.
        found: u64,
        /// The version this build reads.
        supported: u32,
    },
}

/// Reading and writing plan files.
pub struct PlanFile;

impl PlanFile {
    /// The plan as pretty JSON with a trailing newline.
    pub fn to_json(plan: &Plan) -> String {
        // A `Plan` holds only strings, numbers, maps with string keys and enums, none of
        // which serde_json can fail on; the fallback keeps this total anyway.
        let mut json = serde_json::to_string_pretty(plan)
            .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
        json.push('\n');
        json
    }

    /// Parses a plan, checking the format version before the shape so an old or newer
    /// file gets a version error rather than a confusing field error.
    pub fn from_json(text: &str) -> Result<Plan, PlanFileError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| PlanFileError::Malformed {
                message: e.to_string(),
            })?;
        let version = value
            .get("format_version")
            .ok_or_else(|| PlanFileError::Malformed {
                message: "missing `format_version`".to_owned(),
            })?;
        let Some(found) = version.as_u64() else {
            return Err(PlanFileError::Malformed {
                message: format!("`format_version` must be a number, found {version}"),
            });
        };
        if found != u64::from(FORMAT_VERSION) {
            return Err(PlanFileError::UnsupportedVersion {
                found,
                supported: FORMAT_VERSION,
            });
        }
        let plan: Plan = serde_json::from_str(text).map_err(|e| PlanFileError::Malformed {
            message: e.to_string(),
        })?;
        let mut problems = super::check::check_plan(&plan);
        if problems.is_empty() {
            Ok(plan)
        } else {
            // One line per problem, and not 20,000 of them.
            const SHOWN: usize = 20;
            if problems.len() > SHOWN {
                let more = problems.len() - SHOWN;
                problems.truncate(SHOWN);
                problems.push(format!("and {more} more"));
            }
            Err(PlanFileError::Tampered { problems })
        }
    }

    /// Reads and parses a plan file.
    pub fn read(path: &Path) -> Result<Plan, PlanFileError> {
        let io = |source| PlanFileError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        };
        let bytes = crate::read_at_most(path, MAX_PLAN_BYTES).map_err(io)?;
        if bytes.len() > MAX_PLAN_BYTES {
            return Err(PlanFileError::Malformed {
                message: format!("the file is larger than {MAX_PLAN_BYTES} bytes"),
            });
        }
        let text = String::from_utf8(bytes)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        Self::from_json(&text)
    }

    /// Writes a plan file.
    pub fn write(path: &Path, plan: &Plan) -> Result<(), PlanFileError> {
        for f in &plan.functions {
            if let Some(key) = f.inline_secrets_sent().first() {
                return Err(PlanFileError::InlineSecret {
                    function: f.key.0.clone(),
                    key: (*key).to_owned(),
                });
            }
        }
        std::fs::write(path, Self::to_json(plan)).map_err(|source| PlanFileError::Io {
            action: "write",
            path: path.to_owned(),
            source,
        })
    }

    /// The JSON Schema (draft-07) of a plan file, as committed in `schema/plan.schema.json`.
    pub fn schema() -> serde_json::Value {
        let schema = schemars::generate::SchemaSettings::draft07()
            .into_generator()
            .into_root_schema_for::<Plan>();
        schema.to_value()
    }
}
