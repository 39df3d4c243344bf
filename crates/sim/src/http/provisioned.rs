//! Provisioned concurrency over HTTP (`/2019-09-30/functions/{FunctionName}/provisioned-concurrency`):
//! PutProvisionedConcurrencyConfig (PUT, 202), GetProvisionedConcurrencyConfig (GET with
//! `Qualifier`), ListProvisionedConcurrencyConfigs (GET with `List=ALL`, `Marker`,
//! `MaxItems` 1–50) and DeleteProvisionedConcurrencyConfig (DELETE, 204), per botocore.

use serde_json::{Value, json};

use super::routes::{LambdaRequest, Reply, page, with_marker};
use crate::Sim;
use crate::state::{SimError, parse_function_ref};
use flotilla_cloud::lambda::{ApiOp, ProvisionedConcurrencyInfo};

/// The members every output shape shares (`Get…Response`, `Put…Response`, list items).
fn members(info: &ProvisionedConcurrencyInfo) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert(
        "RequestedProvisionedConcurrentExecutions".into(),
        json!(info.requested),
    );
    if let Some(n) = info.available {
        m.insert("AvailableProvisionedConcurrentExecutions".into(), json!(n));
    }
    if let Some(n) = info.allocated {
        m.insert("AllocatedProvisionedConcurrentExecutions".into(), json!(n));
    }
    if let Some(s) = &info.status {
        m.insert("Status".into(), json!(s.as_api_str()));
    }
    if let Some(r) = &info.status_reason {
        m.insert("StatusReason".into(), json!(r));
    }
    if let Some(t) = &info.last_modified {
        m.insert("LastModified".into(), json!(t));
    }
    m
}

/// Refuses query parameters and body members the operation does not have.
fn only(req: &LambdaRequest<'_>, op: &str, query: &[&str], body: &[&str]) -> Result<(), SimError> {
    let mut extra: Vec<&str> = req
        .query
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !query.contains(k))
        .collect();
    if let Value::Object(m) = &req.body {
        extra.extend(m.keys().map(String::as_str).filter(|k| !body.contains(k)));
    } else if !req.body.is_null() && !body.is_empty() {
        return Err(SimError::invalid(format!(
            "The body of {op} must be a JSON object."
        )));
    }
    if extra.is_empty() {
        return Ok(());
    }
    Err(SimError::invalid(format!(
        "The emulator does not model {} of {op}; the request is refused rather than half done.",
        extra.join(", ")
    )))
}

fn qualifier<'r>(req: &'r LambdaRequest<'_>) -> Result<&'r str, SimError> {
    req.query_value("Qualifier")
        .ok_or_else(|| SimError::invalid("Qualifier is required."))
}

/// Serves the four operations on function `f` (a name or ARN).
pub(crate) async fn handle(sim: &Sim, req: &LambdaRequest<'_>, f: &str) -> Reply {
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    let name = parse_function_ref(f).0;
    match req.method {
        "PUT" => {
            const OP: &str = "PutProvisionedConcurrencyConfig";
            only(
                req,
                OP,
                &["Qualifier"],
                &["ProvisionedConcurrentExecutions"],
            )?;
            let q = qualifier(req)?;
            let count = req
                .body()
                .u32("ProvisionedConcurrentExecutions")?
                .ok_or_else(|| SimError::invalid("ProvisionedConcurrentExecutions is required."))?;
            let info = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::PutProvisionedConcurrencyConfig,
                    Some(&name),
                    |w, c| w.put_provisioned(c, f, q, count),
                )
                .await?;
            Ok((202, Some(Value::Object(members(&info)))))
        }
        "GET" if req.query_value("List") == Some("ALL") => {
            const OP: &str = "ListProvisionedConcurrencyConfigs";
            only(req, OP, &["List", "Marker", "MaxItems"], &[])?;
            if let Some(max) = req.query_value("MaxItems")
                && !max.parse::<u32>().is_ok_and(|m| (1..=50).contains(&m))
            {
                return Err(SimError::invalid(format!(
                    "1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 50"
                )));
            }
            let all = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::ListProvisionedConcurrencyConfigs,
                    Some(&name),
                    |w, c| w.list_provisioned(c, f),
                )
                .await?;
            let (items, next) = page(req, &all, 50);
            let items: Vec<Value> = items
                .iter()
                .map(|i| {
                    let mut m = members(&i.info);
                    m.insert("FunctionArn".into(), json!(i.function_arn));
                    Value::Object(m)
                })
                .collect();
            Ok((
                200,
                Some(with_marker(
                    json!({ "ProvisionedConcurrencyConfigs": items }),
                    next,
                )),
            ))
        }
        "GET" => {
            only(req, "GetProvisionedConcurrencyConfig", &["Qualifier"], &[])?;
            let q = qualifier(req)?;
            let info = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::GetProvisionedConcurrencyConfig,
                    Some(&name),
                    |w, c| w.get_provisioned(c, f, q),
                )
                .await?;
            Ok((200, Some(Value::Object(members(&info)))))
        }
        "DELETE" => {
            only(
                req,
                "DeleteProvisionedConcurrencyConfig",
                &["Qualifier"],
                &[],
            )?;
            let q = qualifier(req)?;
            sim.dispatch(
                acct,
                region,
                ApiOp::DeleteProvisionedConcurrencyConfig,
                Some(&name),
                |w, c| w.delete_provisioned(c, f, q),
            )
            .await?;
            Ok((204, None))
        }
        other => Err(SimError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation: {other} /2019-09-30/functions/{f}/provisioned-concurrency"),
        )),
    }
}
