//! The event source mapping operations over HTTP, per botocore's model:
//! `POST /2015-03-31/event-source-mappings` (CreateEventSourceMapping, 202),
//! `GET /2015-03-31/event-source-mappings` (ListEventSourceMappings, 200, `FunctionName`,
//! `EventSourceArn`, `Marker`, `MaxItems` in the query), and
//! `GET`/`PUT`/`DELETE /2015-03-31/event-source-mappings/{UUID}` (Get 200, Update 202,
//! Delete 202). Every answer is an `EventSourceMappingConfiguration`.
//!
//! A request member the emulator does not model is refused (400), never dropped.

use serde_json::{Map, Value, json};

use super::routes::{LambdaRequest, Reply, only_members, page, with_marker};
use crate::Sim;
use crate::ops_triggers::MappingView;
use crate::state::{SimError, parse_function_ref};
use flotilla_cloud::lambda::{
    ApiOp, CreateMappingInput, MappingSettings, SourceKind, UpdateMappingInput,
};

/// The members of CreateEventSourceMapping the emulator models.
const CREATE_MEMBERS: &[&str] = &[
    "FunctionName",
    "EventSourceArn",
    "Enabled",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "StartingPosition",
    "StartingPositionTimestamp",
    "FilterCriteria",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "Topics",
];

/// The members of UpdateEventSourceMapping the emulator models (`UUID` is in the path).
const UPDATE_MEMBERS: &[&str] = &[
    "FunctionName",
    "Enabled",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "FilterCriteria",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
];

fn bad(message: impl Into<String>) -> SimError {
    SimError::invalid(message)
}

fn member<'a>(body: &'a Value, key: &str) -> Option<&'a Value> {
    body.get(key).filter(|v| !v.is_null())
}

fn string(body: &Value, key: &str) -> Result<Option<String>, SimError> {
    match member(body, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{key} must be a string."))),
    }
}

fn int(body: &Value, key: &str) -> Result<Option<i64>, SimError> {
    match member(body, key) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(format!("{key} must be an integer."))),
    }
}

fn u32_member(body: &Value, key: &str) -> Result<Option<u32>, SimError> {
    int(body, key)?
        .map(|n| {
            u32::try_from(n).map_err(|_| {
                bad(format!(
                    "1 validation error detected: Value '{n}' at '{key}' failed to satisfy constraint: Member must have value greater than or equal to 0"
                ))
            })
        })
        .transpose()
}

fn flag(body: &Value, key: &str) -> Result<Option<bool>, SimError> {
    match member(body, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("{key} must be a boolean."))),
    }
}

/// `FilterCriteria.Filters[].Pattern`; `{}` or no `Filters` clears them.
fn filters(body: &Value) -> Result<Option<Vec<String>>, SimError> {
    let Some(criteria) = member(body, "FilterCriteria") else {
        return Ok(None);
    };
    only_members(criteria, "FilterCriteria", &["Filters"])?;
    let Some(list) = member(criteria, "Filters") else {
        return Ok(Some(Vec::new()));
    };
    let items = list
        .as_array()
        .ok_or_else(|| bad("FilterCriteria.Filters must be a list."))?;
    items
        .iter()
        .map(|f| {
            only_members(f, "Filter", &["Pattern"])?;
            string(f, "Pattern")?.ok_or_else(|| bad("Filter.Pattern is required."))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `DestinationConfig.OnFailure.Destination` (`""` removes it).
fn on_failure(body: &Value) -> Result<Option<String>, SimError> {
    let Some(config) = member(body, "DestinationConfig") else {
        return Ok(None);
    };
    only_members(config, "DestinationConfig", &["OnFailure"])?;
    let Some(on) = member(config, "OnFailure") else {
        return Ok(Some(String::new()));
    };
    only_members(on, "OnFailure", &["Destination"])?;
    Ok(Some(string(on, "Destination")?.unwrap_or_default()))
}

fn settings(body: &Value) -> Result<MappingSettings, SimError> {
    let timestamp = match member(body, "StartingPositionTimestamp") {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .map(|t| t.floor() as i64)
                .ok_or_else(|| bad("StartingPositionTimestamp must be a timestamp."))?,
        ),
    };
    let retries = int(body, "MaximumRetryAttempts")?
        .map(|n| {
            i32::try_from(n).map_err(|_| {
                bad(format!(
                    "1 validation error detected: Value '{n}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value between -1 and 10000"
                ))
            })
        })
        .transpose()?;
    let topics = match member(body, "Topics") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|t| {
                    t.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad("Topics must be a list of strings."))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(bad("Topics must be a list of strings.")),
    };
    Ok(MappingSettings {
        batch_size: u32_member(body, "BatchSize")?,
        batching_window_secs: u32_member(body, "MaximumBatchingWindowInSeconds")?,
        starting_position: string(body, "StartingPosition")?,
        starting_timestamp: timestamp,
        filters: filters(body)?,
        maximum_retry_attempts: retries,
        bisect_on_error: flag(body, "BisectBatchOnFunctionError")?,
        on_failure: on_failure(body)?,
        topics,
    })
}

/// One `EventSourceMappingConfiguration`, with the members Lambda reports for the
/// mapping's kind of source.
pub(crate) fn configuration(v: &MappingView) -> Value {
    let m = &v.info;
    let s = &m.settings;
    let mut out = Map::new();
    out.insert("UUID".into(), json!(m.uuid));
    out.insert("EventSourceArn".into(), json!(m.event_source_arn));
    out.insert("FunctionArn".into(), json!(m.function_arn));
    out.insert("State".into(), json!(m.state));
    if let Some(r) = &m.state_transition_reason {
        out.insert("StateTransitionReason".into(), json!(r));
    }
    if let Some(r) = &m.last_processing_result {
        out.insert("LastProcessingResult".into(), json!(r));
    }
    out.insert("LastModified".into(), json!(v.last_modified));
    out.insert("EventSourceMappingArn".into(), json!(v.arn));
    if let Some(b) = s.batch_size {
        out.insert("BatchSize".into(), json!(b));
    }
    if let Some(w) = s.batching_window_secs {
        out.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(p) = &s.starting_position {
        out.insert("StartingPosition".into(), json!(p));
    }
    if let Some(t) = s.starting_timestamp {
        out.insert("StartingPositionTimestamp".into(), json!(t));
    }
    if let Some(f) = s.filters.as_ref().filter(|f| !f.is_empty()) {
        let list: Vec<Value> = f.iter().map(|p| json!({ "Pattern": p })).collect();
        out.insert("FilterCriteria".into(), json!({ "Filters": list }));
    }
    if v.kind.is_stream() {
        out.insert("ParallelizationFactor".into(), json!(1));
        out.insert("MaximumRecordAgeInSeconds".into(), json!(-1));
        out.insert("TumblingWindowInSeconds".into(), json!(0));
        if let Some(n) = s.maximum_retry_attempts {
            out.insert("MaximumRetryAttempts".into(), json!(n));
        }
        if let Some(b) = s.bisect_on_error {
            out.insert("BisectBatchOnFunctionError".into(), json!(b));
        }
        let on = match &s.on_failure {
            Some(d) => json!({ "Destination": d }),
            None => json!({}),
        };
        out.insert("DestinationConfig".into(), json!({ "OnFailure": on }));
    }
    if v.kind == SourceKind::Msk
        && let Some(t) = &s.topics
    {
        out.insert("Topics".into(), json!(t));
    }
    out.insert("FunctionResponseTypes".into(), json!([]));
    Value::Object(out)
}

/// Serves `/2015-03-31/event-source-mappings[/{UUID}]`.
pub(crate) async fn handle(sim: &Sim, req: &LambdaRequest<'_>, uuid: Option<&str>) -> Reply {
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    match (req.method, uuid) {
        ("POST", None) => {
            only_members(&req.body, "CreateEventSourceMapping", CREATE_MEMBERS)?;
            let function_name = string(&req.body, "FunctionName")?
                .ok_or_else(|| bad("FunctionName is required."))?;
            let source = string(&req.body, "EventSourceArn")?
                .ok_or_else(|| bad("Unrecognized event source."))?;
            let input = CreateMappingInput {
                function_name: function_name.clone(),
                event_source_arn: source,
                enabled: flag(&req.body, "Enabled")?.unwrap_or(true),
                settings: settings(&req.body)?,
            };
            let name = parse_function_ref(&function_name).0;
            let info = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::CreateEventSourceMapping,
                    Some(&name),
                    |w, c| {
                        let created = w.create_mapping(c, input)?;
                        w.get_mapping(c, &created.uuid)
                    },
                )
                .await?;
            Ok((202, Some(configuration(&info))))
        }
        ("GET", None) => {
            let function = req.query_value("FunctionName");
            let source = req.query_value("EventSourceArn");
            let name = function.map(|f| parse_function_ref(f).0);
            let all = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::ListEventSourceMappings,
                    name.as_deref(),
                    |w, c| w.list_mappings(c, function, source),
                )
                .await?;
            let (items, next) = page(req, &all, 100);
            let list: Vec<Value> = items.iter().map(configuration).collect();
            Ok((
                200,
                Some(with_marker(json!({ "EventSourceMappings": list }), next)),
            ))
        }
        ("GET", Some(uuid)) => {
            let name = sim.mapping_function(acct, region, uuid);
            let view = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::GetEventSourceMapping,
                    name.as_deref(),
                    |w, c| w.get_mapping(c, uuid),
                )
                .await?;
            Ok((200, Some(configuration(&view))))
        }
        ("PUT", Some(uuid)) => {
            only_members(&req.body, "UpdateEventSourceMapping", UPDATE_MEMBERS)?;
            let input = UpdateMappingInput {
                uuid: uuid.to_owned(),
                function_name: string(&req.body, "FunctionName")?,
                enabled: flag(&req.body, "Enabled")?,
                settings: settings(&req.body)?,
            };
            let name = sim.mapping_function(acct, region, uuid);
            let view = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::UpdateEventSourceMapping,
                    name.as_deref(),
                    |w, c| {
                        w.update_mapping(c, input)?;
                        w.get_mapping(c, uuid)
                    },
                )
                .await?;
            Ok((202, Some(configuration(&view))))
        }
        ("DELETE", Some(uuid)) => {
            let name = sim.mapping_function(acct, region, uuid);
            let view = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::DeleteEventSourceMapping,
                    name.as_deref(),
                    |w, c| {
                        let before = w.get_mapping(c, uuid)?;
                        w.delete_mapping(c, uuid)?;
                        Ok(MappingView {
                            info: flotilla_cloud::lambda::MappingInfo {
                                state: "Deleting".to_owned(),
                                ..before.info
                            },
                            ..before
                        })
                    },
                )
                .await?;
            Ok((202, Some(configuration(&view))))
        }
        (method, _) => Err(SimError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation: {method} /2015-03-31/event-source-mappings"),
        )),
    }
}
