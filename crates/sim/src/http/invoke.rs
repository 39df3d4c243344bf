//! `POST /2015-03-31/functions/{FunctionName}/invocations`: Invoke, whose response is
//! the function's payload with `X-Amz-Function-Error` and `X-Amz-Executed-Version`.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::wire;
use crate::Sim;
use crate::ops_invoke::InvocationType;
use crate::state::{SimError, parse_function_ref};
use flotilla_cloud::lambda::ApiOp;

/// True for the Invoke path.
pub(crate) fn is_invoke(method: &str, segments: &[String]) -> bool {
    method == "POST"
        && segments.len() == 4
        && segments[0] == "2015-03-31"
        && segments[1] == "functions"
        && segments[3] == "invocations"
}

/// Serves one Invoke.
pub(crate) async fn handle(
    sim: &Sim,
    function: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    account: &str,
    region: &str,
) -> Result<Response, SimError> {
    let query = wire::query_pairs(query);
    let qualifier = query
        .iter()
        .find(|(k, _)| k == "Qualifier")
        .map(|(_, v)| v.as_str());
    let kind = InvocationType::parse(
        headers
            .get("x-amz-invocation-type")
            .and_then(|v| v.to_str().ok()),
    )?;
    let name = parse_function_ref(function).0;
    let (output, latency) = sim
        .dispatch(account, region, ApiOp::Invoke, Some(&name), |w, c| {
            w.invoke(c, function, qualifier, body, kind)
        })
        .await?;
    tokio::time::sleep(latency).await;
    let status = StatusCode::from_u16(output.status).unwrap_or(StatusCode::OK);
    let mut response = (status, output.payload).into_response();
    let out = response.headers_mut();
    if output.status == 200 {
        out.insert("content-type", HeaderValue::from_static("application/json"));
    }
    if let Some(v) = output
        .executed_version
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        out.insert("x-amz-executed-version", v);
    }
    if let Some(v) = output
        .function_error
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        out.insert("x-amz-function-error", v);
    }
    Ok(response)
}
