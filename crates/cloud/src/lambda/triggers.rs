//! Event source mappings (a function's triggers) as the seam knows them: what Flotilla
//! sends to CreateEventSourceMapping/UpdateEventSourceMapping and what
//! GetEventSourceMapping/ListEventSourceMappings return, in the crate's own types.

use serde::{Deserialize, Serialize};

/// The kind of event source a mapping reads, told from its ARN.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An SQS queue (`arn:aws:sqs:…`).
    Sqs,
    /// A Kinesis data stream (`arn:aws:kinesis:…:stream/…`).
    Kinesis,
    /// A DynamoDB stream (`arn:aws:dynamodb:…:table/…/stream/…`).
    Dynamodb,
    /// An Amazon MSK cluster (`arn:aws:kafka:…:cluster/…`).
    Msk,
}

impl SourceKind {
    /// The kind of the source `arn` names, if Flotilla manages mappings of it.
    pub fn of_arn(arn: &str) -> Option<SourceKind> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(_region), Some(_account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let resource = parts.next()?;
        if !partition.starts_with("aws") || resource.is_empty() {
            return None;
        }
        match service {
            "sqs" if !resource.contains('/') => Some(SourceKind::Sqs),
            "kinesis" if resource.starts_with("stream/") => Some(SourceKind::Kinesis),
            "dynamodb" if resource.starts_with("table/") && resource.contains("/stream/") => {
                Some(SourceKind::Dynamodb)
            }
            "kafka" if resource.starts_with("cluster/") => Some(SourceKind::Msk),
            _ => None,
        }
    }

    /// True for Kinesis and DynamoDB streams (a starting position, retries, bisect and
    /// an on-failure destination apply to them).
    pub fn is_stream(self) -> bool {
        matches!(self, SourceKind::Kinesis | SourceKind::Dynamodb)
    }

    /// Lambda's default `BatchSize` for this kind of source.
    pub fn default_batch_size(self) -> u32 {
        match self {
            SourceKind::Sqs => 10,
            SourceKind::Kinesis | SourceKind::Dynamodb | SourceKind::Msk => 100,
        }
    }

    /// The kind in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SourceKind::Sqs => "an SQS queue",
            SourceKind::Kinesis => "a Kinesis stream",
            SourceKind::Dynamodb => "a DynamoDB stream",
            SourceKind::Msk => "an MSK cluster",
        }
    }
}

/// The settings of one mapping that Flotilla manages, as sent and as read back. `None`
/// means "not sent" in a request and "not reported" in a response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingSettings {
    /// `BatchSize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// `MaximumBatchingWindowInSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batching_window_secs: Option<u32>,
    /// `StartingPosition`: `TRIM_HORIZON`, `LATEST` or `AT_TIMESTAMP` (create only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_position: Option<String>,
    /// `StartingPositionTimestamp`, seconds since the epoch (with `AT_TIMESTAMP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_timestamp: Option<i64>,
    /// `FilterCriteria.Filters[].Pattern`, in order; `Some([])` clears the filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<String>>,
    /// `MaximumRetryAttempts` (streams; -1: until the record expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<i32>,
    /// `BisectBatchOnFunctionError` (streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bisect_on_error: Option<bool>,
    /// `DestinationConfig.OnFailure.Destination` (streams); `Some("")` removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// `Topics` (MSK; create only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<Vec<String>>,
}

/// CreateEventSourceMapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateMappingInput {
    /// `FunctionName`: the function, unqualified or `name:alias`.
    pub function_name: String,
    /// `EventSourceArn`.
    pub event_source_arn: String,
    /// `Enabled`.
    pub enabled: bool,
    /// The rest.
    pub settings: MappingSettings,
}

/// UpdateEventSourceMapping (`StartingPosition` and `Topics` cannot change: they must
/// be `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateMappingInput {
    /// `UUID`.
    pub uuid: String,
    /// `FunctionName`, when it changes.
    pub function_name: Option<String>,
    /// `Enabled`.
    pub enabled: Option<bool>,
    /// The settings to change.
    pub settings: MappingSettings,
}

/// One mapping as Lambda reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingInfo {
    /// `UUID`.
    pub uuid: String,
    /// `EventSourceArn`.
    pub event_source_arn: String,
    /// `FunctionArn` (qualified when the mapping targets an alias or version).
    pub function_arn: String,
    /// `State`: `Creating`, `Enabling`, `Enabled`, `Disabling`, `Disabled`, `Updating`
    /// or `Deleting`.
    pub state: String,
    /// `StateTransitionReason`.
    pub state_transition_reason: Option<String>,
    /// `LastProcessingResult`.
    pub last_processing_result: Option<String>,
    /// The settings as reported.
    pub settings: MappingSettings,
}

impl MappingInfo {
    /// Whether the state is one a change passes through (not yet final).
    pub fn is_transitional(&self) -> bool {
        matches!(
            self.state.as_str(),
            "Creating" | "Enabling" | "Disabling" | "Updating" | "Deleting"
        )
    }

    /// A problem Lambda reports for this mapping: a `LastProcessingResult` starting
    /// with `PROBLEM`, or a `StateTransitionReason` naming a failure.
    pub fn problem(&self) -> Option<String> {
        if let Some(r) = &self.last_processing_result
            && r.starts_with("PROBLEM")
        {
            return Some(r.clone());
        }
        let reason = self.state_transition_reason.as_deref()?;
        let lower = reason.to_ascii_lowercase();
        let benign = ["user action", "user_initiated", "user initiated", ""];
        if benign.contains(&lower.as_str()) {
            return None;
        }
        (lower.contains("fail")
            || lower.contains("problem")
            || lower.contains("error")
            || lower.contains("denied"))
        .then(|| reason.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_arn() {
        let k = |a: &str| SourceKind::of_arn(a);
        assert_eq!(
            k("arn:aws:sqs:eu-north-1:123456789012:jobs"),
            Some(SourceKind::Sqs)
        );
        assert_eq!(
            k("arn:aws:kinesis:eu-north-1:123456789012:stream/clicks"),
            Some(SourceKind::Kinesis)
        );
        assert_eq!(
            k("arn:aws:dynamodb:eu-north-1:123456789012:table/t/stream/2024-01-01T00:00:00.000"),
            Some(SourceKind::Dynamodb)
        );
        assert_eq!(
            k("arn:aws:kafka:eu-north-1:123456789012:cluster/c/abc-1"),
            Some(SourceKind::Msk)
        );
        assert_eq!(k("arn:aws:dynamodb:eu-north-1:123456789012:table/t"), None);
        assert_eq!(k("arn:aws:sns:eu-north-1:123456789012:topic"), None);
        assert_eq!(k("jobs"), None);
    }

    #[test]
    fn problems_are_read_from_the_result_and_the_reason() {
        let mut m = MappingInfo {
            state: "Disabled".to_owned(),
            state_transition_reason: Some("USER_INITIATED".to_owned()),
            last_processing_result: Some("No records processed".to_owned()),
            ..MappingInfo::default()
        };
        assert_eq!(m.problem(), None);
        m.last_processing_result = Some("PROBLEM: Function call failed".to_owned());
        assert_eq!(
            m.problem().as_deref(),
            Some("PROBLEM: Function call failed")
        );
    }
}
