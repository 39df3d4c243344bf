//! The control API under `/_sim/` (JSON): reset, seed functions, faults, quotas,
//! latencies, counters, and an outside write on demand.

use serde::Deserialize;
use serde_json::{Value, json};

use super::wire;
use crate::state::SimError;
use crate::{FaultRule, InvokeResult, LatencyConfig, QuotaConfig, SeedSpec, Sim};

/// Body of `POST /_sim/seed`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRequest {
    account: Option<String>,
    region: Option<String>,
    functions: Vec<SeedSpec>,
}

/// Body of `POST /_sim/reset` (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    seed: Option<u64>,
}

/// Body of `POST /_sim/outside-write`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutsideWriteRequest {
    account: Option<String>,
    region: Option<String>,
    function: String,
}

/// Body of `PUT /_sim/invoke/{function}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvokeResultRequest {
    account: Option<String>,
    region: Option<String>,
    /// A version number or `$LATEST`; without it, every version without its own.
    version: Option<String>,
    #[serde(default)]
    payload: Value,
    function_error: Option<String>,
    #[serde(default)]
    latency_ms: u64,
}

/// Body of `PUT /_sim/alarms/{name}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlarmRequest {
    account: Option<String>,
    region: Option<String>,
    state: flotilla_cloud::alarms::AlarmState,
    reason: Option<String>,
    /// Emulator time since the start, in milliseconds.
    at_ms: Option<u64>,
    /// Milliseconds from now.
    after_ms: Option<u64>,
}

fn alarms_state(sim: &Sim, account: &str, region: &str) -> Value {
    json!({
        "alarms": to_json(&sim.alarm_states(account, region)),
        "describe_alarms_calls": sim.describe_alarms_calls(),
        "now_ms": u64::try_from(sim.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// `GET /_sim/invoke/{function}`: the results set and the invocations made.
fn invoke_state(sim: &Sim, account: &str, region: &str, function: &str) -> Value {
    json!({
        "results": to_json(&sim.invoke_results(account, region, function)),
        "invocations": to_json(&sim.invocations(account, region, function)),
    })
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Value) -> Result<T, SimError> {
    serde_json::from_value(body.clone())
        .map_err(|e| SimError::new(400, "InvalidRequestContentException", e.to_string()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Serves one `/_sim/...` request. `account`/`region` come from the caller's signature
/// and are overridden by the body.
pub(crate) fn handle(
    sim: &Sim,
    method: &str,
    segments: &[&str],
    body: &Value,
    query: &[(String, String)],
    account: &str,
    region: &str,
) -> Result<(u16, Option<Value>), SimError> {
    let from_query = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    match (method, segments) {
        ("POST", ["reset"]) => {
            let req: ResetRequest = if body.is_null() {
                ResetRequest::default()
            } else {
                parse(body)?
            };
            sim.reset(req.seed);
            Ok((200, Some(json!({ "reset": true }))))
        }
        ("POST", ["seed"]) => {
            let req: SeedRequest = parse(body)?;
            let account = req.account.as_deref().unwrap_or(account);
            let region = req.region.as_deref().unwrap_or(region);
            let mut seeded = Vec::new();
            for spec in req.functions {
                let info = sim
                    .seed_function(account, region, spec.into_seed(account))
                    .map_err(api_to_sim)?;
                seeded.push(wire::function_configuration(&info));
            }
            Ok((200, Some(json!({ "Functions": seeded }))))
        }
        ("GET", ["faults"]) => Ok((200, Some(to_json(&sim.faults())))),
        ("PUT", ["faults"]) => {
            sim.set_faults(parse::<Vec<FaultRule>>(body)?);
            Ok((200, Some(to_json(&sim.faults()))))
        }
        ("POST", ["faults"]) => {
            sim.add_faults(parse::<Vec<FaultRule>>(body)?);
            Ok((200, Some(to_json(&sim.faults()))))
        }
        ("DELETE", ["faults"]) => {
            sim.set_faults(Vec::new());
            Ok((200, Some(json!([]))))
        }
        ("GET", ["quotas"]) => Ok((200, Some(to_json(&sim.config().quota)))),
        ("PUT", ["quotas"]) => {
            let quota = parse::<QuotaConfig>(body)?;
            quota.validate().map_err(SimError::invalid)?;
            sim.set_quotas(quota);
            Ok((200, Some(to_json(&sim.config().quota))))
        }
        ("GET", ["latency"]) => Ok((200, Some(to_json(&sim.config().latency)))),
        ("PUT", ["latency"]) => {
            sim.set_latency(parse::<LatencyConfig>(body)?);
            Ok((200, Some(to_json(&sim.config().latency))))
        }
        ("PUT", ["invoke", function]) => {
            let req: InvokeResultRequest = parse(body)?;
            if let Some(v) = &req.version
                && v != "$LATEST"
                && (v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(SimError::invalid(format!(
                    "version {v:?}: give a version number or $LATEST (an alias routes to versions)"
                )));
            }
            if let Some(e) = &req.function_error
                && e != "Unhandled"
                && e != "Handled"
            {
                return Err(SimError::invalid(format!(
                    "function_error {e:?}: Lambda sends Unhandled or Handled"
                )));
            }
            let account = req.account.as_deref().unwrap_or(account);
            let region = req.region.as_deref().unwrap_or(region);
            sim.set_invoke_result(
                account,
                region,
                function,
                req.version.as_deref(),
                InvokeResult {
                    payload: req.payload,
                    function_error: req.function_error,
                    latency_ms: req.latency_ms,
                },
            );
            Ok((200, Some(invoke_state(sim, account, region, function))))
        }
        ("GET", ["invoke", function]) => {
            let account = from_query("account").unwrap_or(account);
            let region = from_query("region").unwrap_or(region);
            Ok((200, Some(invoke_state(sim, account, region, function))))
        }
        ("PUT", ["alarms", name]) => {
            let req: AlarmRequest = parse(body)?;
            let at = match (req.at_ms, req.after_ms) {
                (Some(_), Some(_)) => {
                    return Err(SimError::invalid(
                        "give at_ms (emulator time) or after_ms (from now), not both",
                    ));
                }
                (Some(at), None) => Some(std::time::Duration::from_millis(at)),
                (None, Some(after)) => {
                    Some(sim.elapsed() + std::time::Duration::from_millis(after))
                }
                (None, None) => None,
            };
            if name.is_empty() || name.len() > 255 {
                return Err(SimError::invalid("alarm names are 1 to 255 characters"));
            }
            let account = req.account.as_deref().unwrap_or(account);
            let region = req.region.as_deref().unwrap_or(region);
            sim.set_alarm(account, region, name, req.state, req.reason, at);
            Ok((200, Some(alarms_state(sim, account, region))))
        }
        ("GET", ["alarms"]) => {
            let account = from_query("account").unwrap_or(account);
            let region = from_query("region").unwrap_or(region);
            Ok((200, Some(alarms_state(sim, account, region))))
        }
        ("GET", ["provisioned-concurrency", function]) => {
            let account = from_query("account").unwrap_or(account);
            let region = from_query("region").unwrap_or(region);
            let states = sim
                .provisioned_states(account, region, function)
                .map_err(api_to_sim)?;
            Ok((200, Some(json!({ "configs": to_json(&states) }))))
        }
        ("GET", ["counters"]) => Ok((200, Some(to_json(&sim.counters())))),
        ("GET", ["s3"]) => Ok((200, Some(to_json(&sim.s3_counters())))),
        ("POST", ["outside-write"]) => {
            let req: OutsideWriteRequest = parse(body)?;
            let account = req.account.as_deref().unwrap_or(account);
            let region = req.region.as_deref().unwrap_or(region);
            let info = sim
                .outside_write(account, region, &req.function)
                .map_err(api_to_sim)?;
            Ok((200, Some(wire::function_configuration(&info))))
        }
        _ => Err(SimError::new(
            404,
            "UnknownOperationException",
            format!(
                "Unknown control call: {method} /_sim/{}",
                segments.join("/")
            ),
        )),
    }
}

/// Control calls reuse the model's errors; map the classified error back to a response.
fn api_to_sim(e: flotilla_cloud::lambda::ApiError) -> SimError {
    use flotilla_cloud::lambda::ApiError;
    match e {
        ApiError::NotFound { message } => SimError::not_found(message),
        ApiError::Conflict { message } | ApiError::AlreadyExists { message } => {
            SimError::conflict(message)
        }
        ApiError::PreconditionFailed { message } => SimError::precondition(message),
        ApiError::Throttled { message, .. } => {
            SimError::new(429, "TooManyRequestsException", message)
        }
        ApiError::Transient { message } => SimError::new(500, "ServiceException", message),
        ApiError::Fatal { message, .. } => SimError::invalid(message),
    }
}
