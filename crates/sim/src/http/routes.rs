//! The Lambda REST-JSON operations: method and path to model call, per botocore's
//! `service-2.json` (paths, status codes, input locations).

use serde_json::{Value, json};

use super::wire::{self, BadField, Body};
use crate::state::{SimError, parse_function_ref};
use crate::{Sim, ceil_secs};
use flotilla_cloud::lambda::{
    AliasInput, ApiOp, CreateFunctionInput, PackageType, PublishVersionInput, UpdateCodeInput,
    UpdateConfigInput,
};

/// A successful answer: status and optional JSON body.
pub(crate) type Reply = Result<(u16, Option<Value>), SimError>;

/// One parsed request.
pub(crate) struct LambdaRequest<'a> {
    pub method: &'a str,
    /// Path segments, percent-decoded, without empty ones.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: Value,
    pub account: String,
    pub region: String,
    /// The `Host` header, for URLs that point back at the emulator.
    pub host: Option<String>,
}

impl LambdaRequest<'_> {
    pub(crate) fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn body(&self) -> Body<'_> {
        Body(&self.body)
    }
}

/// Refuses members of the JSON object `value` (a request body, or an object in one,
/// named `what`) other than `allowed`: 400, never a silent drop.
pub(crate) fn only_members(value: &Value, what: &str, allowed: &[&str]) -> Result<(), SimError> {
    let Value::Object(members) = value else {
        return Ok(());
    };
    let extra: Vec<&str> = members
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if extra.is_empty() {
        return Ok(());
    }
    Err(SimError::invalid(format!(
        "The emulator does not model {} of {what}; Lambda would apply it, so the request is refused rather than half done.",
        extra.join(", ")
    )))
}

/// Refuses query parameters of `req` other than `allowed`.
pub(crate) fn only_query(
    req: &LambdaRequest<'_>,
    op: &str,
    allowed: &[&str],
) -> Result<(), SimError> {
    let other: Vec<&str> = req
        .query
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !allowed.contains(k))
        .collect();
    if other.is_empty() {
        return Ok(());
    }
    Err(SimError::invalid(format!(
        "The emulator does not model {} of {op}; the request is refused rather than half done.",
        other.join(", ")
    )))
}

impl From<BadField> for SimError {
    fn from(e: BadField) -> Self {
        SimError::new(400, "InvalidParameterValueException", e.0)
    }
}

fn unknown_operation(method: &str, path: &str) -> SimError {
    SimError::new(
        404,
        "UnknownOperationException",
        format!("Unknown operation: {method} {path}"),
    )
}

/// The `MaxItems`/`Marker` page of a list, and the next marker.
pub(crate) fn page<T: Clone>(
    req: &LambdaRequest<'_>,
    all: &[T],
    default_max: usize,
) -> (Vec<T>, Option<String>) {
    let start = req
        .query_value("Marker")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0);
    let max = req
        .query_value("MaxItems")
        .and_then(|m| m.parse::<usize>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(default_max);
    let end = start.saturating_add(max).min(all.len());
    let items = all
        .get(start.min(all.len())..end)
        .unwrap_or_default()
        .to_vec();
    let next = (end < all.len()).then(|| end.to_string());
    (items, next)
}

pub(crate) fn with_marker(mut body: Value, next: Option<String>) -> Value {
    if let Some(m) = next {
        body["NextMarker"] = json!(m);
    }
    body
}

/// Routes one Lambda API request to the model.
pub(crate) async fn handle(sim: &Sim, req: LambdaRequest<'_>, raw_path: &str) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    match (req.method, segs.as_slice()) {
        ("GET", ["2015-03-31", "functions"]) => {
            let all = sim
                .dispatch(acct, region, ApiOp::ListFunctions, None, |w, c| {
                    Ok(w.list_functions(c))
                })
                .await?;
            let (items, next) = page(&req, &all, 50);
            let functions: Vec<Value> = items.iter().map(wire::function_configuration).collect();
            Ok((
                200,
                Some(with_marker(json!({ "Functions": functions }), next)),
            ))
        }
        ("POST", ["2015-03-31", "functions"]) => create_function(sim, &req).await,
        ("GET", ["2015-03-31", "functions", f]) => {
            let name = parse_function_ref(f).0;
            let q = req.query_value("Qualifier");
            let info = sim
                .dispatch(acct, region, ApiOp::GetFunction, Some(&name), |w, c| {
                    w.get_function(c, f, q, true)
                })
                .await?;
            Ok((
                200,
                Some(wire::get_function_response(
                    &info,
                    region,
                    req.host.as_deref(),
                )),
            ))
        }
        ("DELETE", ["2015-03-31", "functions", f]) => {
            let name = parse_function_ref(f).0;
            let q = req.query_value("Qualifier");
            sim.dispatch(acct, region, ApiOp::DeleteFunction, Some(&name), |w, c| {
                w.delete_function(c, f, q)
            })
            .await?;
            Ok((204, None))
        }
        ("GET", ["2015-03-31", "functions", f, "configuration"]) => {
            let name = parse_function_ref(f).0;
            let q = req.query_value("Qualifier");
            let info = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::GetFunctionConfiguration,
                    Some(&name),
                    |w, c| w.get_function(c, f, q, false),
                )
                .await?;
            Ok((200, Some(wire::function_configuration(&info))))
        }
        ("PUT", ["2015-03-31", "functions", f, "configuration"]) => {
            update_configuration(sim, &req, f).await
        }
        ("PUT", ["2015-03-31", "functions", f, "code"]) => update_code(sim, &req, f).await,
        ("POST", ["2015-03-31", "functions", f, "versions"]) => {
            let name = parse_function_ref(f).0;
            let b = req.body();
            let input = PublishVersionInput {
                name: f.to_string(),
                code_sha256: b.str("CodeSha256")?,
                revision_id: b.str("RevisionId")?,
                description: b.str("Description")?,
            };
            let info = sim
                .dispatch(acct, region, ApiOp::PublishVersion, Some(&name), |w, c| {
                    w.publish_version(c, input)
                })
                .await?;
            Ok((201, Some(wire::function_configuration(&info))))
        }
        ("GET", ["2015-03-31", "functions", f, "versions"]) => {
            let name = parse_function_ref(f).0;
            let all = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::ListVersionsByFunction,
                    Some(&name),
                    |w, c| w.list_versions(c, f),
                )
                .await?;
            let (items, next) = page(&req, &all, 50);
            let versions: Vec<Value> = items.iter().map(wire::function_configuration).collect();
            Ok((
                200,
                Some(with_marker(json!({ "Versions": versions }), next)),
            ))
        }
        ("GET", ["2015-03-31", "functions", f, "aliases"]) => {
            let name = parse_function_ref(f).0;
            let version = req.query_value("FunctionVersion");
            let all = sim
                .dispatch(acct, region, ApiOp::ListAliases, Some(&name), |w, c| {
                    w.list_aliases(c, f, version)
                })
                .await?;
            let (items, next) = page(&req, &all, 50);
            let aliases: Vec<Value> = items.iter().map(wire::alias_configuration).collect();
            Ok((200, Some(with_marker(json!({ "Aliases": aliases }), next))))
        }
        ("POST", ["2015-03-31", "functions", f, "aliases"]) => {
            let name = parse_function_ref(f).0;
            let b = req.body();
            let input = AliasInput {
                function_name: f.to_string(),
                name: b.str("Name")?.unwrap_or_default(),
                function_version: b.str("FunctionVersion")?.unwrap_or_default(),
                description: b.str("Description")?,
                routing: b.routing()?.unwrap_or_default(),
                revision_id: None,
            };
            let alias = sim
                .dispatch(acct, region, ApiOp::CreateAlias, Some(&name), |w, c| {
                    w.create_alias(c, input)
                })
                .await?;
            Ok((201, Some(wire::alias_configuration(&alias))))
        }
        ("GET", ["2015-03-31", "functions", f, "aliases", a]) => {
            let name = parse_function_ref(f).0;
            let alias = sim
                .dispatch(acct, region, ApiOp::GetAlias, Some(&name), |w, c| {
                    w.get_alias(c, f, a)
                })
                .await?;
            Ok((200, Some(wire::alias_configuration(&alias))))
        }
        ("PUT", ["2015-03-31", "functions", f, "aliases", a]) => {
            let name = parse_function_ref(f).0;
            let b = req.body();
            let routing = b.routing()?;
            let input = AliasInput {
                function_name: f.to_string(),
                name: a.to_string(),
                function_version: b.str("FunctionVersion")?.unwrap_or_default(),
                description: b.str("Description")?,
                routing: routing.clone().unwrap_or_default(),
                revision_id: b.str("RevisionId")?,
            };
            let given = routing.is_some();
            let alias = sim
                .dispatch(acct, region, ApiOp::UpdateAlias, Some(&name), |w, c| {
                    w.update_alias(c, input, given)
                })
                .await?;
            Ok((200, Some(wire::alias_configuration(&alias))))
        }
        ("GET", ["2017-03-31", "tags", arn]) => {
            let name = parse_function_ref(arn).0;
            let tags = sim
                .dispatch(acct, region, ApiOp::ListTags, Some(&name), |w, c| {
                    w.list_tags(c, arn)
                })
                .await?;
            Ok((200, Some(json!({ "Tags": tags }))))
        }
        ("POST", ["2017-03-31", "tags", arn]) => {
            let name = parse_function_ref(arn).0;
            let tags = req.body().string_map("Tags")?.unwrap_or_default();
            sim.dispatch(acct, region, ApiOp::TagResource, Some(&name), |w, c| {
                w.tag_resource(c, arn, tags)
            })
            .await?;
            Ok((204, None))
        }
        ("DELETE", ["2017-03-31", "tags", arn]) => {
            let name = parse_function_ref(arn).0;
            let keys: Vec<String> = req
                .query
                .iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.clone())
                .collect();
            sim.dispatch(acct, region, ApiOp::UntagResource, Some(&name), |w, c| {
                w.untag_resource(c, arn, &keys)
            })
            .await?;
            Ok((204, None))
        }
        ("PUT", ["2017-10-31", "functions", f, "concurrency"]) => {
            let name = parse_function_ref(f).0;
            let n = req
                .body()
                .u32("ReservedConcurrentExecutions")?
                .ok_or_else(|| SimError::invalid("ReservedConcurrentExecutions is required."))?;
            sim.dispatch(
                acct,
                region,
                ApiOp::PutFunctionConcurrency,
                Some(&name),
                |w, c| w.set_concurrency(c, f, Some(n)),
            )
            .await?;
            Ok((200, Some(json!({ "ReservedConcurrentExecutions": n }))))
        }
        ("DELETE", ["2017-10-31", "functions", f, "concurrency"]) => {
            let name = parse_function_ref(f).0;
            sim.dispatch(
                acct,
                region,
                ApiOp::DeleteFunctionConcurrency,
                Some(&name),
                |w, c| w.set_concurrency(c, f, None),
            )
            .await?;
            Ok((204, None))
        }
        (_, ["2019-09-30", "functions", f, "provisioned-concurrency"]) => {
            super::provisioned::handle(sim, &req, f).await
        }
        (_, ["2015-03-31", "functions", f, "policy", rest @ ..]) => {
            crate::ops_permissions::http::handle(sim, &req, f, rest).await
        }
        (_, ["2021-10-31", "functions", f, "url"]) => {
            crate::ops_function_url::handle(sim, &req, f, false).await
        }
        (_, ["2021-10-31", "functions", f, "urls"]) => {
            crate::ops_function_url::handle(sim, &req, f, true).await
        }
        (_, segs) if crate::ops_async::handles(segs) => crate::ops_async::handle(sim, &req).await,
        (_, segs) if crate::ops_code_signing::handles(segs) => {
            crate::ops_code_signing::handle(sim, &req).await
        }
        ("GET" | "POST", ["2018-10-31", "layers", layer, "versions"]) => {
            super::layers::handle(sim, &req, layer).await
        }
        (_, ["2015-03-31", "event-source-mappings"]) => {
            super::triggers::handle(sim, &req, None).await
        }
        (_, ["2015-03-31", "event-source-mappings", uuid]) => {
            super::triggers::handle(sim, &req, Some(uuid)).await
        }
        _ => Err(unknown_operation(req.method, raw_path)),
    }
}

async fn create_function(sim: &Sim, req: &LambdaRequest<'_>) -> Reply {
    let b = req.body();
    b.only_modelled(
        "CreateFunction",
        &[
            "FunctionName",
            "Code",
            "Publish",
            "Tags",
            "PackageType",
            "CodeSigningConfigArn",
        ],
    )?;
    let name = b
        .str("FunctionName")?
        .ok_or_else(|| SimError::invalid("FunctionName is required."))?;
    let code_body = b
        .object("Code")?
        .ok_or_else(|| SimError::invalid("Code is required."))?;
    let code = code_body.code()?.ok_or_else(|| {
        SimError::invalid(
            "Please provide a source for function code: ZipFile, S3Bucket/S3Key or ImageUri.",
        )
    })?;
    let package_type = match b.str("PackageType")?.as_deref() {
        None | Some("Zip") => PackageType::Zip,
        Some("Image") => PackageType::Image,
        Some(other) => return Err(SimError::invalid(format!("Unknown PackageType {other}."))),
    };
    let config = b.function_config(package_type)?;
    let input = CreateFunctionInput {
        name: name.clone(),
        config,
        code,
        publish: b.bool("Publish")?,
        tags: b.string_map("Tags")?.unwrap_or_default(),
        code_signing_config_arn: b.str("CodeSigningConfigArn")?,
    };
    let short = parse_function_ref(&name).0;
    let info = sim
        .dispatch(
            &req.account,
            &req.region,
            ApiOp::CreateFunction,
            Some(&short),
            |w, c| w.create_function(c, input),
        )
        .await?;
    Ok((201, Some(wire::function_configuration(&info))))
}

async fn update_configuration(sim: &Sim, req: &LambdaRequest<'_>, f: &str) -> Reply {
    let b = req.body();
    b.only_modelled("UpdateFunctionConfiguration", &["RevisionId"])?;
    let (config, fields) = b.config_update()?;
    let input = UpdateConfigInput {
        name: f.to_owned(),
        revision_id: b.str("RevisionId")?,
        config,
        fields,
    };
    let name = parse_function_ref(f).0;
    let info = sim
        .dispatch(
            &req.account,
            &req.region,
            ApiOp::UpdateFunctionConfiguration,
            Some(&name),
            |w, c| w.update_config(c, input),
        )
        .await?;
    Ok((200, Some(wire::function_configuration(&info))))
}

async fn update_code(sim: &Sim, req: &LambdaRequest<'_>, f: &str) -> Reply {
    let b = req.body();
    let code = b.code()?.ok_or_else(|| {
        SimError::invalid(
            "Please provide a source for function code: ZipFile, S3Bucket/S3Key or ImageUri.",
        )
    })?;
    let input = UpdateCodeInput {
        name: f.to_owned(),
        code,
        revision_id: b.str("RevisionId")?,
        architecture: b.architecture()?,
    };
    let publish = b.bool("Publish")?;
    let dry_run = b.bool("DryRun")?;
    let name = parse_function_ref(f).0;
    let info = sim
        .dispatch(
            &req.account,
            &req.region,
            ApiOp::UpdateFunctionCode,
            Some(&name),
            |w, c| w.update_code(c, input, publish, dry_run),
        )
        .await?;
    Ok((200, Some(wire::function_configuration(&info))))
}

/// The JSON error body and headers Lambda sends for an error.
pub(crate) fn error_parts(e: &SimError) -> Option<(u16, &'static str, Value, Option<u64>)> {
    let SimError::Aws {
        status,
        error_type,
        message,
        retry_after,
    } = e
    else {
        return None;
    };
    let fault = if *status >= 500 { "Service" } else { "User" };
    let mut body = json!({ "Type": fault, "message": message });
    if *status >= 500 || *status == 404 {
        // These shapes spell it `Message`; the SDK reads either.
        body = json!({ "Type": fault, "Message": message });
    }
    let retry = retry_after.map(|d| ceil_secs(d).as_secs().max(1));
    if *status == 429 {
        body["Reason"] = json!("CallerRateLimitExceeded");
    }
    Some((*status, error_type, body, retry))
}
