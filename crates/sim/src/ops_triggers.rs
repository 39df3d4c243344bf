//! Event source mappings: CreateEventSourceMapping, UpdateEventSourceMapping,
//! DeleteEventSourceMapping, GetEventSourceMapping and ListEventSourceMappings on the
//! model, with Lambda's validation and its states.
//!
//! A change moves a mapping to a transitional state (`Creating`, `Updating`,
//! `Enabling`, `Disabling`, `Deleting`) that settles [`SETTLE`] later on the
//! emulator's clock, read lazily like function updates. The fail-update fault on a
//! create or update makes the mapping settle `Disabled` with the fault's reason as its
//! `StateTransitionReason` and a `PROBLEM: …` `LastProcessingResult`, as Lambda reports
//! a mapping it had to stop.

use std::time::Duration;

use tokio::time::Instant;

use super::state::{SimError, parse_function_ref};
use super::world::{Call, World};
use flotilla_cloud::lambda::{
    CreateMappingInput, MappingInfo, MappingSettings, SourceKind, UpdateMappingInput,
};

/// How long a mapping's change takes to settle.
pub const SETTLE: Duration = Duration::from_millis(300);

/// Most filters one mapping takes (Lambda's default quota).
pub const MAX_FILTERS: usize = 5;

/// Longest filter pattern, in characters (botocore's `Pattern`).
pub const MAX_PATTERN: usize = 4096;

/// What `LastProcessingResult` says before anything was processed.
const NOTHING_PROCESSED: &str = "No records processed";

/// One stored mapping.
#[derive(Debug, Clone)]
pub(crate) struct MappingRecord {
    pub uuid: String,
    pub account: String,
    pub region: String,
    pub kind: SourceKind,
    pub source: String,
    pub function_arn: String,
    pub enabled: bool,
    pub state: String,
    /// When the transitional state ends, and the state it ends in (`None`: gone).
    pub settles: Option<(Instant, Option<String>)>,
    pub reason: String,
    pub last_result: String,
    /// A failure injected for the change under way: the mapping ends `Disabled`.
    pub failing: Option<String>,
    pub settings: MappingSettings,
    pub last_modified: f64,
}

/// Every mapping, in creation order.
#[derive(Debug, Default)]
pub(crate) struct MappingStore {
    records: Vec<MappingRecord>,
}

impl MappingStore {
    /// Settles every change due by `now`; deleted mappings go away.
    fn settle(&mut self, now: Instant) {
        self.records.retain_mut(|m| {
            let Some((at, next)) = m.settles.clone() else {
                return true;
            };
            if at > now {
                return true;
            }
            m.settles = None;
            match next {
                None => false,
                Some(state) => {
                    m.state = state;
                    if let Some(why) = m.failing.take() {
                        m.state = "Disabled".to_owned();
                        m.reason = why.clone();
                        m.last_result = format!("PROBLEM: {why}");
                    }
                    true
                }
            }
        });
    }

    /// The function name (unqualified) of mapping `uuid`, for fault matching.
    pub(crate) fn function_of(&self, account: &str, region: &str, uuid: &str) -> Option<String> {
        self.records
            .iter()
            .find(|m| m.uuid == uuid && m.account == account && m.region == region)
            .map(|m| parse_function_ref(&m.function_arn).0)
    }
}

fn info(m: &MappingRecord) -> MappingInfo {
    MappingInfo {
        uuid: m.uuid.clone(),
        event_source_arn: m.source.clone(),
        function_arn: m.function_arn.clone(),
        state: m.state.clone(),
        state_transition_reason: Some(m.reason.clone()),
        last_processing_result: Some(m.last_result.clone()),
        settings: m.settings.clone(),
    }
}

/// The mapping as GetEventSourceMapping answers, with its `LastModified` (epoch seconds)
/// and `EventSourceMappingArn`.
#[derive(Debug, Clone)]
pub(crate) struct MappingView {
    pub info: MappingInfo,
    pub kind: SourceKind,
    pub last_modified: f64,
    pub arn: String,
}

fn view(m: &MappingRecord) -> MappingView {
    MappingView {
        info: info(m),
        kind: m.kind,
        last_modified: m.last_modified,
        arn: format!(
            "arn:aws:lambda:{}:{}:event-source-mapping:{}",
            m.region, m.account, m.uuid
        ),
    }
}

fn not_found() -> SimError {
    SimError::not_found("The resource you requested does not exist.")
}

fn in_use(m: &MappingRecord) -> SimError {
    SimError::new(
        400,
        "ResourceInUseException",
        format!(
            "Cannot update the event source mapping because it is in use. The mapping {} is in state {}.",
            m.uuid, m.state
        ),
    )
}

/// Lambda's checks of the settings for a source of `kind`, on the values as they will
/// be (`settings` filled with what the mapping has).
fn check_settings(kind: SourceKind, source: &str, s: &MappingSettings) -> Result<(), SimError> {
    let batch = s.batch_size.unwrap_or(kind.default_batch_size());
    let window = s.batching_window_secs.unwrap_or(0);
    if !(1..=10_000).contains(&batch) {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{batch}' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000"
        )));
    }
    if window > 300 {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{window}' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300"
        )));
    }
    if kind == SourceKind::Sqs {
        let fifo = source.ends_with(".fifo");
        if fifo && batch > 10 {
            return Err(SimError::invalid(
                "Batch size must be between 1 and 10 for FIFO queues.",
            ));
        }
        if batch > 10 && window == 0 {
            return Err(SimError::invalid(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
            ));
        }
        if s.starting_position.is_some() {
            return Err(SimError::invalid(
                "StartingPosition is not valid for SQS event sources.",
            ));
        }
    } else if s.starting_position.is_none() {
        return Err(SimError::invalid(
            "StartingPosition is required for stream and Kafka event sources.",
        ));
    }
    match s.starting_position.as_deref() {
        None | Some("TRIM_HORIZON" | "LATEST") => {}
        Some("AT_TIMESTAMP") if kind == SourceKind::Dynamodb => {
            return Err(SimError::invalid(
                "Unsupported starting position for DynamoDB streams: AT_TIMESTAMP.",
            ));
        }
        Some("AT_TIMESTAMP") if s.starting_timestamp.is_none() => {
            return Err(SimError::invalid(
                "StartingPositionTimestamp is required with StartingPosition AT_TIMESTAMP.",
            ));
        }
        Some("AT_TIMESTAMP") => {}
        Some(other) => {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [AT_TIMESTAMP, LATEST, TRIM_HORIZON]"
            )));
        }
    }
    let stream_only = s.maximum_retry_attempts.is_some()
        || s.bisect_on_error.is_some()
        || s.on_failure.as_deref().is_some_and(|d| !d.is_empty());
    if stream_only && !kind.is_stream() {
        return Err(SimError::invalid(format!(
            "MaximumRetryAttempts, BisectBatchOnFunctionError and DestinationConfig are not supported for {}.",
            kind.describe()
        )));
    }
    if let Some(n) = s.maximum_retry_attempts
        && !(-1..=10_000).contains(&n)
    {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{n}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value between -1 and 10000"
        )));
    }
    match (&s.topics, kind) {
        (Some(t), SourceKind::Msk) if t.len() == 1 && !t[0].is_empty() => {}
        (_, SourceKind::Msk) => {
            return Err(SimError::invalid(
                "Topics is required for Kafka event sources and takes exactly one topic.",
            ));
        }
        (Some(_), _) => {
            return Err(SimError::invalid(format!(
                "Topics is not supported for {}.",
                kind.describe()
            )));
        }
        (None, _) => {}
    }
    if let Some(filters) = &s.filters {
        if filters.len() > MAX_FILTERS {
            return Err(SimError::invalid(format!(
                "The number of filters ({}) exceeds the limit of {MAX_FILTERS}.",
                filters.len()
            )));
        }
        for p in filters {
            let ok = p.chars().count() <= MAX_PATTERN
                && serde_json::from_str::<serde_json::Value>(p).is_ok_and(|v| v.is_object());
            if !ok {
                return Err(SimError::invalid(format!(
                    "Invalid filter pattern definition: {p}"
                )));
            }
        }
    }
    Ok(())
}

/// The settings a new mapping of `kind` has: what was sent, Lambda's defaults for the
/// rest.
fn with_defaults(kind: SourceKind, mut s: MappingSettings) -> MappingSettings {
    s.batch_size.get_or_insert(kind.default_batch_size());
    s.batching_window_secs.get_or_insert(0);
    if kind.is_stream() {
        s.maximum_retry_attempts.get_or_insert(-1);
        s.bisect_on_error.get_or_insert(false);
    }
    if s.filters.as_ref().is_some_and(Vec::is_empty) {
        s.filters = None;
    }
    if s.on_failure.as_ref().is_some_and(String::is_empty) {
        s.on_failure = None;
    }
    s
}

impl World {
    fn mappings_now(&mut self, now: Instant) -> &mut MappingStore {
        self.mappings.settle(now);
        &mut self.mappings
    }

    /// The function ARN a `FunctionName` resolves to (qualified when it names an alias
    /// or version), or 404 as Lambda answers for a missing function or alias.
    fn mapping_target(&mut self, call: &Call<'_>, reference: &str) -> Result<String, SimError> {
        let (name, qualifier) = parse_function_ref(reference);
        self.get_function(call, &name, qualifier.as_deref(), false)?;
        let base = self.env.arn(call, &name);
        Ok(match qualifier.as_deref() {
            None | Some("$LATEST") => base,
            Some(q) => format!("{base}:{q}"),
        })
    }

    fn stamp(&self, now: Instant) -> f64 {
        // A fixed epoch plus emulator time: stable across runs with the same seed.
        1_767_225_600.0 + self.elapsed(now).as_secs_f64().floor()
    }

    /// CreateEventSourceMapping.
    pub(crate) fn create_mapping(
        &mut self,
        call: &Call<'_>,
        input: CreateMappingInput,
    ) -> Result<MappingInfo, SimError> {
        let kind = SourceKind::of_arn(&input.event_source_arn)
            .ok_or_else(|| SimError::invalid("Unrecognized event source."))?;
        check_settings(kind, &input.event_source_arn, &input.settings)?;
        let function_arn = self.mapping_target(call, &input.function_name)?;
        let now = call.now;
        let stamp = self.stamp(now);
        let uuid = self.env.revision();
        let store = self.mappings_now(now);
        if let Some(other) = store.records.iter().find(|m| {
            m.account == call.account
                && m.region == call.region
                && m.source == input.event_source_arn
                && m.function_arn == function_arn
        }) {
            return Err(SimError::conflict(format!(
                "An event source mapping with {} arn (\" {} \") and function (\" {} \") already exists. Please update or delete the existing mapping with UUID {}",
                kind_word(kind),
                input.event_source_arn,
                parse_function_ref(&function_arn).0,
                other.uuid
            )));
        }
        let target = if input.enabled { "Enabled" } else { "Disabled" };
        let record = MappingRecord {
            uuid,
            account: call.account.to_owned(),
            region: call.region.to_owned(),
            kind,
            source: input.event_source_arn,
            function_arn,
            enabled: input.enabled,
            state: "Creating".to_owned(),
            settles: Some((now + SETTLE, Some(target.to_owned()))),
            reason: "USER_INITIATED".to_owned(),
            last_result: NOTHING_PROCESSED.to_owned(),
            failing: call.fail_update.as_ref().map(|(why, _)| why.clone()),
            settings: with_defaults(kind, input.settings),
            last_modified: stamp,
        };
        let out = info(&record);
        store.records.push(record);
        Ok(out)
    }

    /// UpdateEventSourceMapping.
    pub(crate) fn update_mapping(
        &mut self,
        call: &Call<'_>,
        input: UpdateMappingInput,
    ) -> Result<MappingInfo, SimError> {
        let now = call.now;
        let function_arn = match &input.function_name {
            Some(f) => Some(self.mapping_target(call, f)?),
            None => None,
        };
        let stamp = self.stamp(now);
        let store = self.mappings_now(now);
        let m = store
            .records
            .iter_mut()
            .find(|m| m.uuid == input.uuid && m.account == call.account && m.region == call.region)
            .ok_or_else(not_found)?;
        if m.settles.is_some() {
            return Err(in_use(m));
        }
        let s = input.settings;
        if s.starting_position.is_some() || s.topics.is_some() {
            return Err(SimError::invalid(
                "StartingPosition and Topics cannot be changed; delete the mapping and create it again.",
            ));
        }
        let mut next = m.settings.clone();
        if let Some(v) = s.batch_size {
            next.batch_size = Some(v);
        }
        if let Some(v) = s.batching_window_secs {
            next.batching_window_secs = Some(v);
        }
        if let Some(v) = s.filters {
            next.filters = Some(v);
        }
        if let Some(v) = s.maximum_retry_attempts {
            next.maximum_retry_attempts = Some(v);
        }
        if let Some(v) = s.bisect_on_error {
            next.bisect_on_error = Some(v);
        }
        if let Some(v) = s.on_failure {
            next.on_failure = Some(v);
        }
        check_settings(m.kind, &m.source, &next)?;
        let enabled = input.enabled.unwrap_or(m.enabled);
        let state = match (m.enabled, enabled) {
            (true, false) => "Disabling",
            (false, true) => "Enabling",
            _ => "Updating",
        };
        m.enabled = enabled;
        if let Some(arn) = function_arn {
            m.function_arn = arn;
        }
        m.settings = with_defaults(m.kind, next);
        m.state = state.to_owned();
        let target = if enabled { "Enabled" } else { "Disabled" };
        m.settles = Some((now + SETTLE, Some(target.to_owned())));
        m.reason = "USER_INITIATED".to_owned();
        m.last_result = NOTHING_PROCESSED.to_owned();
        m.failing = call.fail_update.as_ref().map(|(why, _)| why.clone());
        m.last_modified = stamp;
        Ok(info(m))
    }

    /// DeleteEventSourceMapping: `Deleting`, then gone.
    pub(crate) fn delete_mapping(
        &mut self,
        call: &Call<'_>,
        uuid: &str,
    ) -> Result<MappingInfo, SimError> {
        let now = call.now;
        let store = self.mappings_now(now);
        let m = store
            .records
            .iter_mut()
            .find(|m| m.uuid == uuid && m.account == call.account && m.region == call.region)
            .ok_or_else(not_found)?;
        if m.state == "Deleting" {
            return Err(in_use(m));
        }
        m.state = "Deleting".to_owned();
        m.settles = Some((now + SETTLE, None));
        m.failing = None;
        Ok(info(m))
    }

    /// GetEventSourceMapping.
    pub(crate) fn get_mapping(
        &mut self,
        call: &Call<'_>,
        uuid: &str,
    ) -> Result<MappingView, SimError> {
        let store = self.mappings_now(call.now);
        store
            .records
            .iter()
            .find(|m| m.uuid == uuid && m.account == call.account && m.region == call.region)
            .map(view)
            .ok_or_else(not_found)
    }

    /// ListEventSourceMappings, filtered by function (exactly as qualified) and source.
    pub(crate) fn list_mappings(
        &mut self,
        call: &Call<'_>,
        function: Option<&str>,
        source: Option<&str>,
    ) -> Result<Vec<MappingView>, SimError> {
        let function_arn = match function {
            Some(f) => Some(self.mapping_target(call, f)?),
            None => None,
        };
        let store = self.mappings_now(call.now);
        Ok(store
            .records
            .iter()
            .filter(|m| m.account == call.account && m.region == call.region)
            .filter(|m| function_arn.as_ref().is_none_or(|f| *f == m.function_arn))
            .filter(|m| source.is_none_or(|s| s == m.source))
            .map(view)
            .collect())
    }
}

fn kind_word(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Sqs => "SQS",
        SourceKind::Kinesis => "Kinesis",
        SourceKind::Dynamodb => "DynamoDB",
        SourceKind::Msk => "Kafka",
    }
}

/// Mappings by UUID, for tests of the store.
#[cfg(test)]
fn uuids(store: &MappingStore) -> std::collections::BTreeMap<String, String> {
    store
        .records
        .iter()
        .map(|m| (m.uuid.clone(), m.state.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqs() -> MappingSettings {
        MappingSettings::default()
    }

    #[test]
    fn lambdas_rules_for_sqs_batches() {
        let q = "arn:aws:sqs:eu-north-1:123456789012:jobs";
        assert!(check_settings(SourceKind::Sqs, q, &sqs()).is_ok());
        let big = MappingSettings {
            batch_size: Some(100),
            ..sqs()
        };
        assert!(check_settings(SourceKind::Sqs, q, &big).is_err());
        let windowed = MappingSettings {
            batching_window_secs: Some(5),
            ..big
        };
        assert!(check_settings(SourceKind::Sqs, q, &windowed).is_ok());
        let positioned = MappingSettings {
            starting_position: Some("LATEST".to_owned()),
            ..sqs()
        };
        assert!(check_settings(SourceKind::Sqs, q, &positioned).is_err());
    }

    #[test]
    fn streams_need_a_position_and_filters_are_json() {
        let k = "arn:aws:kinesis:eu-north-1:123456789012:stream/s";
        assert!(check_settings(SourceKind::Kinesis, k, &sqs()).is_err());
        let ok = MappingSettings {
            starting_position: Some("TRIM_HORIZON".to_owned()),
            filters: Some(vec![r#"{"data":{"kind":["a"]}}"#.to_owned()]),
            ..sqs()
        };
        assert!(check_settings(SourceKind::Kinesis, k, &ok).is_ok());
        let bad = MappingSettings {
            filters: Some(vec!["not json".to_owned()]),
            ..ok.clone()
        };
        assert!(check_settings(SourceKind::Kinesis, k, &bad).is_err());
        let many = MappingSettings {
            filters: Some(vec!["{}".to_owned(); 6]),
            ..ok
        };
        assert!(check_settings(SourceKind::Kinesis, k, &many).is_err());
    }

    #[test]
    fn deleted_mappings_go_away_once_settled() {
        let now = Instant::now();
        let mut store = MappingStore::default();
        store.records.push(MappingRecord {
            uuid: "u".to_owned(),
            account: "a".to_owned(),
            region: "r".to_owned(),
            kind: SourceKind::Sqs,
            source: "s".to_owned(),
            function_arn: "f".to_owned(),
            enabled: true,
            state: "Deleting".to_owned(),
            settles: Some((now + SETTLE, None)),
            reason: String::new(),
            last_result: String::new(),
            failing: None,
            settings: sqs(),
            last_modified: 0.0,
        });
        store.settle(now);
        assert_eq!(uuids(&store).len(), 1);
        store.settle(now + SETTLE);
        assert!(uuids(&store).is_empty());
    }
}
