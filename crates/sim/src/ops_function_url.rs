//! Function URLs: Create/Get/Update/DeleteFunctionUrlConfig and
//! ListFunctionUrlConfigs (`/2021-10-31/functions/{FunctionName}/url[s]`), one URL per
//! qualifier (the unqualified function or an alias; Lambda refuses `$LATEST` and
//! version numbers), kept on the function's record so DeleteFunction takes them along.
//! The public-access statements a URL with `AuthType: NONE` needs are ordinary policy
//! statements (`ops_permissions.rs`).
//!
//! Served in process ([`crate::SimClient`]) and over HTTP ([`handle`]) from the same
//! model calls, validated as Lambda does.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::{Value, json};

use flotilla_cloud::lambda::{
    ApiOp, CORS_METHODS, FunctionUrlInfo, FunctionUrlSettings, MAX_CORS_HEADER_LEN, MAX_CORS_ITEMS,
    MAX_CORS_MAX_AGE, MAX_CORS_METHODS, MAX_CORS_ORIGIN_LEN, UrlAuthType, UrlCors, UrlInvokeMode,
};

use crate::Sim;
use crate::http::routes::{LambdaRequest, Reply, only_members, only_query};
use crate::state::{FunctionRecord, SimError, parse_function_ref};
use crate::world::{Call, World};

/// One function URL.
#[derive(Debug, Clone)]
pub(crate) struct UrlRecord {
    pub settings: FunctionUrlSettings,
    /// The 32 lowercase letters and digits of its host name.
    pub id: String,
    pub created: String,
    pub modified: String,
}

/// The URLs of a function, by qualifier (`""`: the unqualified function).
pub(crate) type FunctionUrls = BTreeMap<String, UrlRecord>;

/// What an UpdateFunctionUrlConfig changes: members left out stay as they are.
#[derive(Debug, Clone, Default)]
pub(crate) struct UrlPatch {
    pub auth: Option<UrlAuthType>,
    pub invoke_mode: Option<UrlInvokeMode>,
    pub cors: Option<UrlCors>,
}

fn constraint(value: &str, member: &str, rule: &str) -> SimError {
    SimError::invalid(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

/// The function and qualifier a request names (in the reference or `Qualifier`; both
/// must agree), the qualifier checked against botocore's `FunctionUrlQualifier`.
fn target(reference: &str, given: Option<&str>) -> Result<(String, Option<String>), SimError> {
    let (name, in_ref) = parse_function_ref(reference);
    let q = match (in_ref, given) {
        (Some(a), Some(b)) if a != b => {
            return Err(SimError::invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
        (Some(a), _) => Some(a),
        (None, b) => b.map(str::to_owned),
    };
    if let Some(q) = &q {
        let allowed = (1..=128).contains(&q.len())
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !q.bytes().all(|b| b.is_ascii_digit());
        if !allowed {
            return Err(constraint(
                q,
                "qualifier",
                "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
            ));
        }
    }
    Ok((name, q))
}

/// The ARN a URL of `qualifier` names, after checking the alias exists.
fn function_arn(record: &FunctionRecord, qualifier: Option<&str>) -> Result<String, SimError> {
    match qualifier {
        None => Ok(record.arn.clone()),
        Some(q) if record.aliases.contains_key(q) => Ok(format!("{}:{q}", record.arn)),
        Some(q) => Err(SimError::not_found(format!(
            "Function not found: {}:{q}",
            record.arn
        ))),
    }
}

/// Lambda's checks of a URL's CORS (botocore's `Cors` shape).
pub(crate) fn check_cors(c: &UrlCors) -> Result<(), SimError> {
    let lists = [
        ("cors.allowOrigins", &c.allow_origins, MAX_CORS_ORIGIN_LEN),
        ("cors.allowHeaders", &c.allow_headers, MAX_CORS_HEADER_LEN),
        ("cors.exposeHeaders", &c.expose_headers, MAX_CORS_HEADER_LEN),
    ];
    for (member, list, max_len) in lists {
        if list.len() > MAX_CORS_ITEMS {
            return Err(constraint(
                &format!("[{}]", list.join(", ")),
                member,
                &format!("Member must have length less than or equal to {MAX_CORS_ITEMS}"),
            ));
        }
        if let Some(v) = list.iter().find(|v| v.is_empty() || v.len() > max_len) {
            return Err(constraint(
                v,
                &format!("{member}.member"),
                &format!("Member must have length between 1 and {max_len}"),
            ));
        }
    }
    if c.allow_methods.len() > MAX_CORS_METHODS {
        return Err(constraint(
            &format!("[{}]", c.allow_methods.join(", ")),
            "cors.allowMethods",
            &format!("Member must have length less than or equal to {MAX_CORS_METHODS}"),
        ));
    }
    if let Some(m) = c
        .allow_methods
        .iter()
        .find(|m| *m != "*" && !CORS_METHODS.contains(&m.as_str()))
    {
        return Err(SimError::invalid(format!(
            "Invalid Cors.AllowMethods value: {m}. Use `*` or HTTP methods: {}.",
            CORS_METHODS.join(", ")
        )));
    }
    if c.max_age > MAX_CORS_MAX_AGE {
        return Err(constraint(
            &c.max_age.to_string(),
            "cors.maxAge",
            &format!("Member must have value less than or equal to {MAX_CORS_MAX_AGE}"),
        ));
    }
    Ok(())
}

fn url_of(id: &str, region: &str) -> String {
    format!("https://{id}.lambda-url.{region}.on.aws/")
}

fn info(r: &UrlRecord, arn: String, region: &str) -> FunctionUrlInfo {
    FunctionUrlInfo {
        url: url_of(&r.id, region),
        function_arn: arn,
        settings: r.settings.clone(),
        creation_time: r.created.clone(),
        last_modified_time: Some(r.modified.clone()),
    }
}

fn no_url(arn: &str) -> SimError {
    SimError::not_found(format!(
        "The resource you requested does not exist. ({arn})"
    ))
}

impl World {
    /// GetFunctionUrlConfig; 404 when there is none.
    pub(crate) fn get_function_url(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<FunctionUrlInfo, SimError> {
        let (name, q) = target(reference, qualifier)?;
        let (record, _) = self.function_mut(call, &name)?;
        let arn = function_arn(record, q.as_deref())?;
        let r = record
            .urls
            .get(q.as_deref().unwrap_or_default())
            .ok_or_else(|| no_url(&arn))?;
        Ok(info(r, arn, call.region))
    }

    /// CreateFunctionUrlConfig; 409 when the qualifier has a URL already.
    pub(crate) fn create_function_url(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
        settings: FunctionUrlSettings,
    ) -> Result<FunctionUrlInfo, SimError> {
        let (name, q) = target(reference, qualifier)?;
        check_cors(&settings.cors)?;
        let now = self.env.last_modified(call.now);
        let (record, env) = self.function_mut(call, &name)?;
        let arn = function_arn(record, q.as_deref())?;
        let key = q.unwrap_or_default();
        if record.urls.contains_key(&key) {
            return Err(SimError::conflict(format!(
                "Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"
            )));
        }
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let id: String = (0..32)
            .map(|_| char::from(ALNUM[env.rng.random_range(0..ALNUM.len())]))
            .collect();
        let r = UrlRecord {
            settings,
            id,
            created: now.clone(),
            modified: now,
        };
        let out = info(&r, arn, call.region);
        record.urls.insert(key, r);
        Ok(out)
    }

    /// UpdateFunctionUrlConfig: the members given replace the live ones.
    pub(crate) fn update_function_url(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
        patch: UrlPatch,
    ) -> Result<FunctionUrlInfo, SimError> {
        let (name, q) = target(reference, qualifier)?;
        if let Some(c) = &patch.cors {
            check_cors(c)?;
        }
        let now = self.env.last_modified(call.now);
        let (record, _) = self.function_mut(call, &name)?;
        let arn = function_arn(record, q.as_deref())?;
        let r = record
            .urls
            .get_mut(q.as_deref().unwrap_or_default())
            .ok_or_else(|| no_url(&arn))?;
        if let Some(a) = patch.auth {
            r.settings.auth = a;
        }
        if let Some(m) = patch.invoke_mode {
            r.settings.invoke_mode = m;
        }
        if let Some(c) = patch.cors {
            r.settings.cors = c;
        }
        r.modified = now;
        Ok(info(r, arn, call.region))
    }

    /// DeleteFunctionUrlConfig; 404 when there is none.
    pub(crate) fn delete_function_url(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<(), SimError> {
        let (name, q) = target(reference, qualifier)?;
        let (record, _) = self.function_mut(call, &name)?;
        let arn = function_arn(record, q.as_deref())?;
        record
            .urls
            .remove(q.as_deref().unwrap_or_default())
            .map(|_| ())
            .ok_or_else(|| no_url(&arn))
    }

    /// ListFunctionUrlConfigs: every URL of the function, unqualified first.
    pub(crate) fn list_function_urls(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<Vec<FunctionUrlInfo>, SimError> {
        let (name, q) = parse_function_ref(reference);
        if q.is_some() {
            return Err(SimError::invalid(
                "ListFunctionUrlConfigs takes an unqualified function name.",
            ));
        }
        let (record, _) = self.function_mut(call, &name)?;
        Ok(record
            .urls
            .iter()
            .map(|(q, r)| {
                let arn = if q.is_empty() {
                    record.arn.clone()
                } else {
                    format!("{}:{q}", record.arn)
                };
                info(r, arn, call.region)
            })
            .collect())
    }
}

/// `Cors` on Lambda's wire (every member, once the URL has CORS).
fn cors_json(c: &UrlCors) -> Value {
    json!({
        "AllowOrigins": c.allow_origins,
        "AllowMethods": c.allow_methods,
        "AllowHeaders": c.allow_headers,
        "ExposeHeaders": c.expose_headers,
        "AllowCredentials": c.allow_credentials,
        "MaxAge": c.max_age,
    })
}

/// A URL's configuration on Lambda's wire; `modified`: with `LastModifiedTime`
/// (CreateFunctionUrlConfig's response has none).
fn url_json(i: &FunctionUrlInfo, modified: bool) -> Value {
    let mut out = json!({
        "FunctionUrl": i.url,
        "FunctionArn": i.function_arn,
        "AuthType": i.settings.auth.as_api_str(),
        "CreationTime": i.creation_time,
        "InvokeMode": i.settings.invoke_mode.as_api_str(),
    });
    if !i.settings.cors.is_empty() {
        out["Cors"] = cors_json(&i.settings.cors);
    }
    if modified && let Some(m) = &i.last_modified_time {
        out["LastModifiedTime"] = json!(m);
    }
    out
}

fn enum_error(value: &str, member: &str, allowed: &str) -> SimError {
    constraint(
        value,
        member,
        &format!("Member must satisfy enum value set: [{allowed}]"),
    )
}

fn auth_of(v: &Value) -> Result<Option<UrlAuthType>, SimError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => UrlAuthType::from_api_str(s)
            .map(Some)
            .ok_or_else(|| enum_error(s, "authType", "AWS_IAM, NONE")),
        _ => Err(SimError::invalid("AuthType must be a string.")),
    }
}

fn mode_of(v: &Value) -> Result<Option<UrlInvokeMode>, SimError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s == "BUFFERED" => Ok(Some(UrlInvokeMode::Buffered)),
        Value::String(s) if s == "RESPONSE_STREAM" => Ok(Some(UrlInvokeMode::ResponseStream)),
        Value::String(s) => Err(enum_error(s, "invokeMode", "BUFFERED, RESPONSE_STREAM")),
        _ => Err(SimError::invalid("InvokeMode must be a string.")),
    }
}

const CORS_MEMBERS: [&str; 6] = [
    "AllowCredentials",
    "AllowHeaders",
    "AllowMethods",
    "AllowOrigins",
    "ExposeHeaders",
    "MaxAge",
];

fn cors_of(v: &Value) -> Result<Option<UrlCors>, SimError> {
    let members = match v {
        Value::Null => return Ok(None),
        Value::Object(m) => m,
        _ => return Err(SimError::invalid("Cors must be an object.")),
    };
    only_members(v, "Cors", &CORS_MEMBERS)?;
    let list = |key: &str| -> Result<Vec<String>, SimError> {
        match members.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| SimError::invalid(format!("Cors.{key} must be strings.")))
                })
                .collect(),
            Some(_) => Err(SimError::invalid(format!("Cors.{key} must be a list."))),
        }
    };
    let allow_credentials = match members.get("AllowCredentials") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(SimError::invalid(
                "Cors.AllowCredentials must be a boolean.",
            ));
        }
    };
    let max_age = match members.get("MaxAge") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(a) if a < 0 => {
                return Err(constraint(
                    &a.to_string(),
                    "cors.maxAge",
                    "Member must have value greater than or equal to 0",
                ));
            }
            Some(a) => u32::try_from(a).unwrap_or(u32::MAX),
            None => return Err(SimError::invalid("Cors.MaxAge must be an integer.")),
        },
        Some(_) => return Err(SimError::invalid("Cors.MaxAge must be an integer.")),
    };
    Ok(Some(UrlCors {
        allow_origins: list("AllowOrigins")?,
        allow_methods: list("AllowMethods")?,
        allow_headers: list("AllowHeaders")?,
        expose_headers: list("ExposeHeaders")?,
        allow_credentials,
        max_age,
    }))
}

const BODY_MEMBERS: [&str; 3] = ["AuthType", "Cors", "InvokeMode"];

/// Routes `/2021-10-31/functions/{FunctionName}/url` and `.../urls`.
pub(crate) async fn handle(sim: &Sim, req: &LambdaRequest<'_>, f: &str, list: bool) -> Reply {
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    let name = parse_function_ref(f).0;
    let qualifier = req.query_value("Qualifier").map(str::to_owned);
    let body = &req.body;
    let field = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    match (req.method, list) {
        ("GET", true) => {
            only_query(req, "ListFunctionUrlConfigs", &["Marker", "MaxItems"])?;
            let max = match req.query_value("MaxItems") {
                None => 50,
                Some(m) => match m.parse::<usize>() {
                    Ok(n) if (1..=50).contains(&n) => n,
                    _ => {
                        return Err(constraint(
                            m,
                            "maxItems",
                            "Member must have value between 1 and 50",
                        ));
                    }
                },
            };
            let start = match req.query_value("Marker") {
                None => 0,
                Some(m) => m
                    .parse::<usize>()
                    .map_err(|_| SimError::invalid(format!("Invalid marker: {m}")))?,
            };
            let all = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::ListFunctionUrlConfigs,
                    Some(&name),
                    |w, c| w.list_function_urls(c, f),
                )
                .await?;
            let page: Vec<Value> = all
                .iter()
                .skip(start)
                .take(max)
                .map(|i| url_json(i, true))
                .collect();
            let mut out = json!({ "FunctionUrlConfigs": page });
            if start + max < all.len() {
                out["NextMarker"] = json!((start + max).to_string());
            }
            Ok((200, Some(out)))
        }
        ("GET", false) => {
            only_query(req, "GetFunctionUrlConfig", &["Qualifier"])?;
            let i = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::GetFunctionUrlConfig,
                    Some(&name),
                    |w, c| w.get_function_url(c, f, qualifier.as_deref()),
                )
                .await?;
            Ok((200, Some(url_json(&i, true))))
        }
        ("POST", false) => {
            only_query(req, "CreateFunctionUrlConfig", &["Qualifier"])?;
            only_members(body, "CreateFunctionUrlConfig", &BODY_MEMBERS)?;
            let auth = auth_of(&field("AuthType"))?.ok_or_else(|| {
                SimError::invalid("1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null")
            })?;
            let settings = FunctionUrlSettings {
                auth,
                invoke_mode: mode_of(&field("InvokeMode"))?.unwrap_or_default(),
                cors: cors_of(&field("Cors"))?.unwrap_or_default(),
            };
            let i = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::CreateFunctionUrlConfig,
                    Some(&name),
                    |w, c| w.create_function_url(c, f, qualifier.as_deref(), settings),
                )
                .await?;
            Ok((201, Some(url_json(&i, false))))
        }
        ("PUT", false) => {
            only_query(req, "UpdateFunctionUrlConfig", &["Qualifier"])?;
            only_members(body, "UpdateFunctionUrlConfig", &BODY_MEMBERS)?;
            let patch = UrlPatch {
                auth: auth_of(&field("AuthType"))?,
                invoke_mode: mode_of(&field("InvokeMode"))?,
                cors: cors_of(&field("Cors"))?,
            };
            let i = sim
                .dispatch(
                    acct,
                    region,
                    ApiOp::UpdateFunctionUrlConfig,
                    Some(&name),
                    |w, c| w.update_function_url(c, f, qualifier.as_deref(), patch),
                )
                .await?;
            Ok((200, Some(url_json(&i, true))))
        }
        ("DELETE", false) => {
            only_query(req, "DeleteFunctionUrlConfig", &["Qualifier"])?;
            sim.dispatch(
                acct,
                region,
                ApiOp::DeleteFunctionUrlConfig,
                Some(&name),
                |w, c| w.delete_function_url(c, f, qualifier.as_deref()),
            )
            .await?;
            Ok((204, None))
        }
        (other, _) => Err(SimError::new(
            404,
            "UnknownOperationException",
            format!(
                "Unknown operation: {other} {}",
                if list { "urls" } else { "url" }
            ),
        )),
    }
}
