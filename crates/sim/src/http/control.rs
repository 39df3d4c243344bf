//! The control API under `/_sim/` (JSON): reset, seed functions, faults, quotas,
//! latencies, counters, and an outside write on demand.

use serde::Deserialize;
use serde_json::{Value, json};

use super::wire;
use crate::state::SimError;
use crate::{FaultRule, LatencyConfig, QuotaConfig, SeedSpec, Sim};

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
    account: &str,
    region: &str,
) -> Result<(u16, Option<Value>), SimError> {
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
