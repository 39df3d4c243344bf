//! The state of one emulated function: configuration, code, lifecycle (`State`,
//! `LastUpdateStatus`), `RevisionId`, versions, aliases, tags and concurrency.
//!
//! An update in progress is a stored completion instant, settled lazily whenever the
//! function is touched ([`FunctionRecord::settle`]), so no timer task exists per update
//! and a paused clock costs nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use flotilla_cloud::lambda::{
    AliasInfo, FunctionConfig, FunctionInfo, FunctionStateKind, LastUpdateStatus,
};

/// An error response the emulator gives, in AWS's terms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SimError {
    /// An error response with status, `x-amzn-ErrorType` and message.
    Aws {
        status: u16,
        error_type: &'static str,
        message: String,
        retry_after: Option<Duration>,
    },
    /// No response at all: the connection is closed.
    Dropped,
}

impl SimError {
    pub(crate) fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        SimError::Aws {
            status,
            error_type,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "ResourceNotFoundException", message)
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "ResourceConflictException", message)
    }

    pub(crate) fn precondition(message: impl Into<String>) -> Self {
        Self::new(412, "PreconditionFailedException", message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterValueException", message)
    }

    pub(crate) fn status(&self) -> u16 {
        match self {
            SimError::Aws { status, .. } => *status,
            SimError::Dropped => 0,
        }
    }

    pub(crate) fn error_type(&self) -> &'static str {
        match self {
            SimError::Aws { error_type, .. } => error_type,
            SimError::Dropped => "ConnectionDropped",
        }
    }
}

/// A pending asynchronous change and how it ends.
#[derive(Debug, Clone)]
pub(crate) struct PendingChange {
    pub done_at: Instant,
    pub is_create: bool,
    /// `Some((reason, code))` when it ends `Failed`.
    pub failure: Option<(String, String)>,
    /// Started by the outside-writer fault rather than by a caller.
    pub outside: bool,
}

/// A published version: a frozen copy of `$LATEST` at publish time.
#[derive(Debug, Clone)]
pub(crate) struct VersionRecord {
    pub info: FunctionInfo,
}

/// One function in one account and region.
#[derive(Debug, Clone)]
pub(crate) struct FunctionRecord {
    pub name: String,
    pub config: FunctionConfig,
    pub arn: String,
    pub code_sha256: String,
    pub code_size: u64,
    pub image_uri: Option<String>,
    pub state: FunctionStateKind,
    pub state_reason: Option<String>,
    pub state_reason_code: Option<String>,
    pub last_update: LastUpdateStatus,
    pub last_update_reason: Option<String>,
    pub last_update_reason_code: Option<String>,
    pub revision_id: String,
    pub last_modified: String,
    pub pending: Option<PendingChange>,
    pub versions: BTreeMap<u64, VersionRecord>,
    pub next_version: u64,
    pub aliases: BTreeMap<String, AliasInfo>,
    pub tags: BTreeMap<String, String>,
    pub reserved_concurrency: Option<u32>,
    /// Provisioned concurrency configurations, by alias or version.
    pub provisioned: BTreeMap<String, super::ops_provisioned::ProvisionedRecord>,
    /// The event invoke configuration and the other resources around it.
    pub around: crate::ops_async::AroundState,
    /// A competing release (fault) still to finish on this function.
    pub competing: Option<CompetingStage>,
    /// Resource-based policies, by qualifier (`ops_permissions.rs`).
    pub policies: crate::ops_permissions::Policies,
    /// The ARN of the code signing configuration it uses (`ops_code_signing.rs`).
    pub code_signing_config: Option<String>,
    /// Function URLs, by qualifier (`ops_function_url.rs`).
    pub urls: crate::ops_function_url::FunctionUrls,
}

/// The stage a competing release (fault) is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompetingStage {
    /// Its code update runs; its configuration follows when that completes.
    Configuration,
    /// Both landed.
    Done,
}

impl FunctionRecord {
    /// Finishes the pending change if its time has come. Returns true when it did, so
    /// the caller can issue a new `RevisionId` (AWS changes it on completion).
    pub(crate) fn settle(&mut self, now: Instant, new_revision: impl FnOnce() -> String) -> bool {
        let Some(pending) = &self.pending else {
            return false;
        };
        if now < pending.done_at {
            return false;
        }
        let pending = self.pending.take().expect("checked above");
        match (pending.is_create, pending.failure) {
            (true, None) => {
                self.state = FunctionStateKind::Active;
                self.state_reason = None;
                self.state_reason_code = None;
                self.last_update = LastUpdateStatus::Successful;
                self.last_update_reason = None;
                self.last_update_reason_code = None;
            }
            (true, Some((reason, code))) => {
                self.state = FunctionStateKind::Failed;
                self.state_reason = Some(reason.clone());
                self.state_reason_code = Some(code.clone());
                self.last_update = LastUpdateStatus::Failed;
                self.last_update_reason = Some(reason);
                self.last_update_reason_code = Some(code);
            }
            (false, None) => {
                self.last_update = LastUpdateStatus::Successful;
                self.last_update_reason = None;
                self.last_update_reason_code = None;
                if pending.outside && self.competing == Some(CompetingStage::Configuration) {
                    // The competing pipeline's configuration update, at once.
                    self.competing = Some(CompetingStage::Done);
                    self.config.memory_mb = crate::COMPETING_MEMORY_MB;
                    self.config.description = "competing release".to_owned();
                    self.config.environment = crate::COMPETING_ENV
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect();
                }
            }
            (false, Some((reason, code))) => {
                self.last_update = LastUpdateStatus::Failed;
                self.last_update_reason = Some(reason);
                self.last_update_reason_code = Some(code);
            }
        }
        self.revision_id = new_revision();
        true
    }

    /// True while a create or update is running.
    /// An update is running that a caller (not the outside-writer fault) started.
    pub(crate) fn busy_with_caller_update(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| !p.outside)
    }

    /// The 409 Lambda gives when a change arrives while another is running, or `None`.
    pub(crate) fn conflict(&self) -> Option<SimError> {
        let pending = self.pending.as_ref()?;
        Some(if pending.is_create {
            SimError::conflict(format!(
                "The operation cannot be performed at this time. The function is currently in the following state: Pending. Resource: {}",
                self.arn
            ))
        } else {
            SimError::conflict(format!(
                "The operation cannot be performed at this time. An update is in progress for resource: {}",
                self.arn
            ))
        })
    }

    /// The 412 when `expected` is given and differs from the current `RevisionId`.
    pub(crate) fn check_revision(&self, expected: Option<&str>) -> Result<(), SimError> {
        match expected {
            Some(rev) if rev != self.revision_id => Err(SimError::precondition(
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
            )),
            _ => Ok(()),
        }
    }

    /// `$LATEST` as the API reports it.
    pub(crate) fn latest_info(&self, with_extras: bool) -> FunctionInfo {
        FunctionInfo {
            name: self.name.clone(),
            config: self.config.clone(),
            arn: self.arn.clone(),
            state: Some(self.state.clone()),
            state_reason: self.state_reason.clone(),
            state_reason_code: self.state_reason_code.clone(),
            last_update_status: Some(self.last_update.clone()),
            last_update_status_reason: self.last_update_reason.clone(),
            last_update_status_reason_code: self.last_update_reason_code.clone(),
            revision_id: Some(self.revision_id.clone()),
            code_sha256: self.code_sha256.clone(),
            code_size: self.code_size,
            version: "$LATEST".to_owned(),
            last_modified: self.last_modified.clone(),
            image_uri: self.image_uri.clone(),
            resolved_image_uri: self
                .image_uri
                .as_ref()
                .map(|u| resolved_image(u, &self.code_sha256)),
            code_location: None,
            tags: if with_extras {
                self.tags.clone()
            } else {
                BTreeMap::new()
            },
            reserved_concurrency: if with_extras {
                self.reserved_concurrency
            } else {
                None
            },
        }
    }

    /// A version or alias qualifier resolved to what GetFunction reports.
    pub(crate) fn qualified_info(
        &self,
        qualifier: Option<&str>,
        with_extras: bool,
    ) -> Result<FunctionInfo, SimError> {
        let qualifier = match qualifier {
            None | Some("$LATEST") => return Ok(self.latest_info(with_extras)),
            Some(q) => q,
        };
        let version = match self.aliases.get(qualifier) {
            Some(alias) => alias.function_version.clone(),
            None => qualifier.to_owned(),
        };
        if version == "$LATEST" {
            return Ok(self.latest_info(with_extras));
        }
        let record = version
            .parse::<u64>()
            .ok()
            .and_then(|n| self.versions.get(&n))
            .ok_or_else(|| {
                SimError::not_found(format!("Function not found: {}:{qualifier}", self.arn))
            })?;
        let mut info = record.info.clone();
        if with_extras {
            info.tags = self.tags.clone();
            info.reserved_concurrency = self.reserved_concurrency;
        }
        Ok(info)
    }
}

/// The digest-pinned URI (`ResolvedImageUri`): the repository at the digest that
/// `CodeSha256` holds for images.
fn resolved_image(uri: &str, sha: &str) -> String {
    let repo = flotilla_cloud::image::image_repository(uri);
    let hex = if flotilla_cloud::image::is_digest_hex(sha) {
        sha.to_owned()
    } else {
        // A function seeded with a hash of another shape: still a stable digest.
        super::ops_function::image_code_sha256(&format!("{uri}#{sha}"))
    };
    format!("{repo}@sha256:{hex}")
}

/// Splits what callers pass as `FunctionName` (a name, `name:qualifier`, a partial ARN
/// `account:function:name[:qualifier]`, or a full ARN) into the name and qualifier.
pub(crate) fn parse_function_ref(reference: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = reference.split(':').collect();
    let (name, qualifier) = match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => (*name, None),
        ["arn", _, "lambda", _, _, "function", name, q] => (*name, Some(*q)),
        [_, "function", name] => (*name, None),
        [_, "function", name, q] => (*name, Some(*q)),
        [name, q] => (*name, Some(*q)),
        _ => (reference, None),
    };
    (name.to_owned(), qualifier.map(str::to_owned))
}

/// Lambda's function name rule.
pub(crate) fn valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Formats a virtual instant as Lambda's `LastModified` (`2026-01-01T00:00:00.000+0000`).
pub(crate) fn last_modified(since_start: Duration) -> String {
    // A fixed epoch keeps timestamps deterministic per seed, whatever the wall clock says.
    let epoch = std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600); // 2026-01-01
    let text = humantime::format_rfc3339_millis(epoch + since_start).to_string();
    format!("{}+0000", text.trim_end_matches('Z'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_references_resolve_to_name_and_qualifier() {
        let cases = [
            ("api", ("api", None)),
            ("api:live", ("api", Some("live"))),
            ("123456789012:function:api", ("api", None)),
            ("123456789012:function:api:3", ("api", Some("3"))),
            (
                "arn:aws:lambda:eu-north-1:123456789012:function:api",
                ("api", None),
            ),
            (
                "arn:aws:lambda:eu-north-1:123456789012:function:api:$LATEST",
                ("api", Some("$LATEST")),
            ),
        ];
        for (input, (name, q)) in cases {
            assert_eq!(
                parse_function_ref(input),
                (name.to_owned(), q.map(str::to_owned)),
                "{input}"
            );
        }
    }

    #[test]
    fn last_modified_uses_lambda_format() {
        assert_eq!(
            last_modified(Duration::from_millis(1_500)),
            "2026-01-01T00:00:01.500+0000"
        );
    }
}
