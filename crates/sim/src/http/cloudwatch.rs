//! CloudWatch's `DescribeAlarms` in smithy-rpcv2-cbor, the protocol `aws-sdk-cloudwatch`
//! speaks: `POST /service/GraniteServiceVersion20100801/operation/{Op}`
//! with a CBOR body; errors carry `__type` in the body and, CloudWatch being
//! awsQuery-compatible, `x-amzn-query-error: Code;Sender`. The same call in AWS JSON 1.0
//! (`X-Amz-Target`), which the AWS CLI sends, is served too.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minicbor::data::{Tag, Type};
use minicbor::{Decoder, Encoder};

use crate::Sim;
use crate::ops_alarms::DescribeAlarmsInput;
use flotilla_cloud::alarms::{AlarmState, MAX_NAMES_PER_CALL};

const PREFIX: &str = "/service/GraniteServiceVersion20100801/operation/";

/// The operation name when `path` is a CloudWatch rpcv2 call.
pub(crate) fn operation<'a>(method: &str, path: &'a str) -> Option<&'a str> {
    (method == "POST")
        .then(|| path.strip_prefix(PREFIX))
        .flatten()
        .filter(|op| !op.is_empty() && !op.contains('/'))
}

/// A CloudWatch error: status, code, message.
struct CwError(u16, &'static str, String);

impl CwError {
    fn validation(message: impl Into<String>) -> Self {
        CwError(400, "ValidationError", message.into())
    }
}

/// Serves one CloudWatch call.
pub(crate) fn handle(
    sim: &Sim,
    op: &str,
    body: &[u8],
    account: &str,
    region: &str,
    request_id: &str,
) -> Response {
    let result = match op {
        "DescribeAlarms" => describe_alarms(sim, body, account, region),
        other => Err(CwError(
            400,
            "UnknownOperationException",
            format!("flotilla sim serves DescribeAlarms only, not {other}"),
        )),
    };
    let (status, bytes, error) = match result {
        Ok(bytes) => (StatusCode::OK, bytes, None),
        Err(CwError(status, code, message)) => {
            let mut e = Encoder::new(Vec::new());
            let _ = e
                .map(2)
                .and_then(|e| e.str("__type"))
                .and_then(|e| e.str(code))
                .and_then(|e| e.str("message"))
                .and_then(|e| e.str(&message));
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                e.into_writer(),
                Some(code),
            )
        }
    };
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
    headers.insert("content-type", HeaderValue::from_static("application/cbor"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Some(code) = error
        && let Ok(v) = HeaderValue::from_str(&format!("{code};Sender"))
    {
        headers.insert("x-amzn-query-error", v);
    }
    response
}

fn bad_body(e: minicbor::decode::Error) -> CwError {
    CwError(
        400,
        "SerializationException",
        format!("the request body is not the CBOR of DescribeAlarmsInput: {e}"),
    )
}

/// A CBOR string (definite or indefinite).
fn string(d: &mut Decoder<'_>) -> Result<String, minicbor::decode::Error> {
    match d.datatype()? {
        Type::StringIndef => {
            let mut out = String::new();
            for part in d.str_iter()? {
                out.push_str(part?);
            }
            Ok(out)
        }
        _ => Ok(d.str()?.to_owned()),
    }
}

/// A CBOR array of strings (definite or indefinite).
fn strings(d: &mut Decoder<'_>) -> Result<Vec<String>, minicbor::decode::Error> {
    let mut out = Vec::new();
    match d.array()? {
        Some(n) => {
            for _ in 0..n {
                out.push(string(d)?);
            }
        }
        None => {
            while d.datatype()? != Type::Break {
                out.push(string(d)?);
            }
            d.skip()?;
        }
    }
    Ok(out)
}

struct Request {
    input: DescribeAlarmsInput,
    types: Option<Vec<String>>,
    max: Option<i64>,
    next: Option<String>,
}

fn parse(body: &[u8]) -> Result<Request, minicbor::decode::Error> {
    let mut req = Request {
        input: DescribeAlarmsInput::default(),
        types: None,
        max: None,
        next: None,
    };
    if body.is_empty() {
        return Ok(req);
    }
    let mut d = Decoder::new(body);
    let len = d.map()?;
    let mut i = 0u64;
    loop {
        match len {
            Some(n) if i >= n => break,
            None if d.datatype()? == Type::Break => {
                d.skip()?;
                break;
            }
            _ => {}
        }
        i += 1;
        let key = string(&mut d)?;
        if d.datatype()? == Type::Null {
            d.skip()?;
            continue;
        }
        match key.as_str() {
            "AlarmNames" => req.input.names = strings(&mut d)?,
            "AlarmNamePrefix" => req.input.prefix = Some(string(&mut d)?),
            "AlarmTypes" => req.types = Some(strings(&mut d)?),
            "StateValue" => {
                let s = string(&mut d)?;
                req.input.state = Some(AlarmState::from_api_str(&s).ok_or_else(|| {
                    minicbor::decode::Error::message(
                        "StateValue must be OK, ALARM or INSUFFICIENT_DATA",
                    )
                })?);
            }
            "MaxRecords" => req.max = Some(d.i64()?),
            "NextToken" => req.next = Some(string(&mut d)?),
            _ => d.skip()?,
        }
    }
    Ok(req)
}

fn describe_alarms(
    sim: &Sim,
    body: &[u8],
    account: &str,
    region: &str,
) -> Result<Vec<u8>, CwError> {
    let req = parse(body).map_err(bad_body)?;
    let (page, next) = run(sim, req, account, region)?;
    encode(&page, next)
        .map_err(|e| CwError(500, "InternalServiceError", format!("encoding failed: {e}")))
}

type Page = Vec<(flotilla_cloud::alarms::AlarmStatus, String, u64)>;

fn run(
    sim: &Sim,
    req: Request,
    account: &str,
    region: &str,
) -> Result<(Page, Option<String>), CwError> {
    if req.input.names.len() > MAX_NAMES_PER_CALL {
        return Err(CwError::validation(format!(
            "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to {MAX_NAMES_PER_CALL}"
        )));
    }
    if !req.input.names.is_empty() && req.input.prefix.is_some() {
        return Err(CwError(
            400,
            "InvalidParameterCombination",
            "AlarmNames and AlarmNamePrefix cannot be given together.".to_owned(),
        ));
    }
    let max = match req.max {
        None => 50,
        Some(m @ 1..=100) => usize::try_from(m).unwrap_or(50),
        Some(m) => {
            return Err(CwError::validation(format!(
                "1 validation error detected: Value '{m}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100"
            )));
        }
    };
    let start = match &req.next {
        None => 0,
        Some(t) => t.parse::<usize>().map_err(|_| {
            CwError(
                400,
                "InvalidNextToken",
                format!("The next token {t} is invalid."),
            )
        })?,
    };
    // Every emulated alarm is a metric alarm; without AlarmTypes only those are listed.
    let metric = req
        .types
        .as_ref()
        .is_none_or(|t| t.iter().any(|t| t == "MetricAlarm"));
    let all = sim.describe_alarms(account, region, &req.input);
    let all = if metric { all } else { Vec::new() };
    if start > all.len() {
        return Err(CwError(
            400,
            "InvalidNextToken",
            format!("The next token {start} is invalid."),
        ));
    }
    let end = start.saturating_add(max).min(all.len());
    let page = all.get(start..end).unwrap_or_default().to_vec();
    Ok((page, (end < all.len()).then(|| end.to_string())))
}

/// The AWS JSON 1.0 door (`X-Amz-Target: GraniteServiceVersion20100801.{Op}`), which the
/// AWS CLI uses.
pub(crate) fn json_operation(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("x-amz-target")?
        .to_str()
        .ok()?
        .strip_prefix("GraniteServiceVersion20100801.")
        .map(str::to_owned)
}

fn json_request(body: &[u8]) -> Result<Request, CwError> {
    use serde_json::{Value, json};
    let v: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            CwError(
                400,
                "SerializationException",
                format!("the body is not JSON: {e}"),
            )
        })?
    };
    let strs = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let state = match v["StateValue"].as_str() {
        None => None,
        Some(s) => Some(AlarmState::from_api_str(s).ok_or_else(|| {
            CwError::validation("StateValue must be OK, ALARM or INSUFFICIENT_DATA")
        })?),
    };
    Ok(Request {
        input: DescribeAlarmsInput {
            names: strs("AlarmNames"),
            prefix: v["AlarmNamePrefix"].as_str().map(str::to_owned),
            state,
        },
        types: v["AlarmTypes"].is_array().then(|| strs("AlarmTypes")),
        max: v["MaxRecords"].as_i64(),
        next: v["NextToken"].as_str().map(str::to_owned),
    })
}

/// Serves one AWS JSON 1.0 CloudWatch call.
pub(crate) fn handle_json(
    sim: &Sim,
    op: &str,
    body: &[u8],
    account: &str,
    region: &str,
    request_id: &str,
) -> Response {
    use serde_json::json;
    let result = if op == "DescribeAlarms" {
        json_request(body).and_then(|req| run(sim, req, account, region))
    } else {
        Err(CwError(
            400,
            "UnknownOperationException",
            format!("flotilla sim serves DescribeAlarms only, not {op}"),
        ))
    };
    let (status, body, error) = match result {
        Ok((page, next)) => {
            let alarms: Vec<serde_json::Value> = page
                .iter()
                .map(|(a, arn, ms)| {
                    json!({
                        "AlarmName": a.name,
                        "AlarmArn": arn,
                        "StateValue": a.state.as_api_str(),
                        "StateReason": a.reason,
                        "StateUpdatedTimestamp": epoch_seconds(*ms),
                        "ActionsEnabled": true,
                    })
                })
                .collect();
            let mut out = json!({ "MetricAlarms": alarms, "CompositeAlarms": [] });
            if let Some(t) = next {
                out["NextToken"] = json!(t);
            }
            (StatusCode::OK, out, None)
        }
        Err(CwError(status, code, message)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            json!({ "__type": code, "message": message }),
            Some(code),
        ),
    };
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Some(code) = error
        && let Ok(v) = HeaderValue::from_str(&format!("{code};Sender"))
    {
        headers.insert("x-amzn-query-error", v);
    }
    response
}

/// Seconds since the Unix epoch of an emulator time (the fixed epoch `LastModified` uses).
fn epoch_seconds(ms: u64) -> f64 {
    const EPOCH: f64 = 1_767_225_600.0; // 2026-01-01, as state::last_modified
    EPOCH + ms as f64 / 1000.0
}

fn encode(
    page: &[(flotilla_cloud::alarms::AlarmStatus, String, u64)],
    next: Option<String>,
) -> Result<Vec<u8>, minicbor::encode::Error<std::convert::Infallible>> {
    let mut e = Encoder::new(Vec::new());
    e.map(if next.is_some() { 3 } else { 2 })?;
    e.str("MetricAlarms")?.array(page.len() as u64)?;
    for (status, arn, updated_ms) in page {
        e.map(6)?;
        e.str("AlarmName")?.str(&status.name)?;
        e.str("AlarmArn")?.str(arn)?;
        e.str("StateValue")?.str(status.state.as_api_str())?;
        e.str("StateReason")?.str(&status.reason)?;
        e.str("StateUpdatedTimestamp")?
            .tag(Tag::new(1))?
            .f64(epoch_seconds(*updated_ms))?;
        e.str("ActionsEnabled")?.bool(true)?;
    }
    e.str("CompositeAlarms")?.array(0)?;
    if let Some(t) = next {
        e.str("NextToken")?.str(&t)?;
    }
    Ok(e.into_writer())
}
