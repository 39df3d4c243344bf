//! Invoke: no code runs; each function (and version) answers what the control API set,
//! after the latency it set, and every invocation is recorded with the version that ran.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::{SimError, parse_function_ref};
use super::world::{Call, World};
use flotilla_cloud::lambda::{FunctionStateKind, InvokeOutput};

/// The version key of a result that applies to every version without its own.
const ANY_VERSION: &str = "*";

/// What an invoke of a function (or one of its versions) answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InvokeResult {
    /// The response payload (JSON; `null` when not set, as a handler returning nothing).
    pub payload: Value,
    /// `X-Amz-Function-Error` (`Unhandled` or `Handled`): the function failed. Without
    /// a payload the error object is `{"errorMessage": …, "errorType": "Error"}`.
    pub function_error: Option<String>,
    /// How long the invoke takes, in milliseconds.
    pub latency_ms: u64,
}

/// One recorded invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// Virtual time since the emulator started, in milliseconds.
    pub at_ms: u64,
    /// The qualifier asked for (a version or alias), if any.
    pub qualifier: Option<String>,
    /// The version that ran (`$LATEST` or a number).
    pub version: String,
    /// The event.
    pub payload: Value,
    /// Whether it answered with a function error.
    pub function_error: bool,
}

/// How an invoke is asked to run (`X-Amz-Invocation-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

impl InvocationType {
    pub(crate) fn parse(s: Option<&str>) -> Result<Self, SimError> {
        match s {
            None | Some("RequestResponse") => Ok(Self::RequestResponse),
            Some("Event") => Ok(Self::Event),
            Some("DryRun") => Ok(Self::DryRun),
            Some(other) => Err(SimError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            ))),
        }
    }
}

type FunctionKey = (String, String, String);

/// Configured results and recorded invocations, by account, region and function name
/// (so a result can be set before the function or its version exists).
#[derive(Debug, Default)]
pub(crate) struct InvokeState {
    results: HashMap<FunctionKey, BTreeMap<String, InvokeResult>>,
    invocations: HashMap<FunctionKey, Vec<Invocation>>,
}

fn key(call: &Call<'_>, name: &str) -> FunctionKey {
    (
        call.account.to_owned(),
        call.region.to_owned(),
        name.to_owned(),
    )
}

impl InvokeState {
    /// Sets what `name` answers for `version` (`None`: every version without its own).
    pub(crate) fn set(
        &mut self,
        call: &Call<'_>,
        name: &str,
        version: Option<&str>,
        r: InvokeResult,
    ) {
        self.results
            .entry(key(call, name))
            .or_default()
            .insert(version.unwrap_or(ANY_VERSION).to_owned(), r);
    }

    /// Every result set for `name`, by version (`*`: the default).
    pub(crate) fn results(&self, call: &Call<'_>, name: &str) -> BTreeMap<String, InvokeResult> {
        self.results
            .get(&key(call, name))
            .cloned()
            .unwrap_or_default()
    }

    /// Every invocation of `name`, oldest first.
    pub(crate) fn invocations(&self, call: &Call<'_>, name: &str) -> Vec<Invocation> {
        self.invocations
            .get(&key(call, name))
            .cloned()
            .unwrap_or_default()
    }

    fn result_for(&self, call: &Call<'_>, name: &str, version: &str) -> InvokeResult {
        self.results
            .get(&key(call, name))
            .and_then(|m| m.get(version).or_else(|| m.get(ANY_VERSION)))
            .cloned()
            .unwrap_or_default()
    }
}

impl World {
    /// Invoke: resolves the qualifier (an alias with weights picks its version by a
    /// draw), answers the configured result and records the invocation. Returns the
    /// latency to wait before answering.
    pub(crate) fn invoke(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
        payload: &[u8],
        kind: InvocationType,
    ) -> Result<(InvokeOutput, Duration), SimError> {
        let event: Value = if payload.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(payload).map_err(|e| {
                SimError::new(
                    400,
                    "InvalidRequestContentException",
                    format!("Could not parse request body into json: {e}"),
                )
            })?
        };
        let (name, derived) = parse_function_ref(reference);
        let qualifier = match (derived.as_deref(), qualifier) {
            (Some(d), Some(q)) if d != q => {
                return Err(SimError::invalid(
                    "The derived qualifier from the function name does not match the specified qualifier.",
                ));
            }
            (Some(d), _) => Some(d.to_owned()),
            (None, q) => q.map(str::to_owned),
        };
        let at = self.elapsed(call.now);
        let (record, env) = self.function_mut(call, &name)?;
        if record.state != FunctionStateKind::Active {
            return Err(SimError::conflict(format!(
                "The operation cannot be performed at this time. The function is currently in the following state: {}",
                record.state.as_api_str()
            )));
        }
        let version = match qualifier.as_deref() {
            None | Some("$LATEST") => "$LATEST".to_owned(),
            Some(q) => {
                let (primary, routing) = match record.aliases.get(q) {
                    Some(alias) => (alias.function_version.clone(), alias.routing.clone()),
                    None => (q.to_owned(), BTreeMap::new()),
                };
                let exists = primary == "$LATEST"
                    || primary
                        .parse::<u64>()
                        .ok()
                        .is_some_and(|n| record.versions.contains_key(&n));
                if !exists {
                    return Err(SimError::not_found(format!(
                        "Function not found: {}:{q}",
                        record.arn
                    )));
                }
                match routing.iter().next() {
                    Some((extra, weight)) if env.rng.random::<f64>() < *weight => extra.clone(),
                    _ => primary,
                }
            }
        };
        let result = self.invoke.result_for(call, &name, &version);
        let failed = result.function_error.is_some();
        let body = match (&result.function_error, &result.payload) {
            (Some(_), Value::Null) => serde_json::json!({
                "errorMessage": format!("{name}:{version} failed (set by flotilla sim)"),
                "errorType": "Error",
            }),
            (_, p) => p.clone(),
        };
        if kind != InvocationType::DryRun {
            self.invoke
                .invocations
                .entry(key(call, &name))
                .or_default()
                .push(Invocation {
                    at_ms: u64::try_from(at.as_millis()).unwrap_or(u64::MAX),
                    qualifier: qualifier.clone(),
                    version: version.clone(),
                    payload: event,
                    function_error: failed,
                });
        }
        let output = match kind {
            InvocationType::RequestResponse => InvokeOutput {
                status: 200,
                function_error: result.function_error.clone(),
                executed_version: Some(version),
                payload: serde_json::to_vec(&body).unwrap_or_default(),
            },
            InvocationType::Event => InvokeOutput {
                status: 202,
                function_error: None,
                executed_version: None,
                payload: Vec::new(),
            },
            InvocationType::DryRun => InvokeOutput {
                status: 204,
                function_error: None,
                executed_version: None,
                payload: Vec::new(),
            },
        };
        let latency = match kind {
            InvocationType::RequestResponse => Duration::from_millis(result.latency_ms),
            _ => Duration::ZERO,
        };
        Ok((output, latency))
    }
}
