//! The resources around a function with calls of their own: the event invoke
//! configuration (`/2019-09-25/functions/{FunctionName}/event-invoke-config`:
//! Get/Put/DeleteFunctionEventInvokeConfig) and the recursive-loop setting
//! (`/2024-08-31/functions/{FunctionName}/recursion-config`) and runtime management
//! (`/2021-07-20/functions/{FunctionName}/runtime-management-config`). Each is kept on the function's record,
//! so DeleteFunction takes it along; only the unqualified function is modelled (a
//! qualifier is refused with 400, never dropped).
//!
//! Served in process ([`crate::SimClient`]) and over HTTP ([`handle`]) from the same
//! model calls, validated as Lambda does.

use serde_json::{Map, Value, json};

use flotilla_cloud::lambda::{
    ApiOp, DestinationKind, EventInvokeConfig, MAX_ASYNC_RETRIES, MIN_ASYNC_MAX_AGE_SECS,
    RecursiveLoop, RuntimeManagement, UpdateRuntimeOn, destination_problem, destination_region,
};

use crate::Sim;
use crate::http::routes::{LambdaRequest, Reply, only_members};
use crate::state::{SimError, parse_function_ref};
use crate::world::{Call, World};

/// Seconds from the Unix epoch to the emulator's clock start (2026-01-01, as
/// `state::last_modified`).
const EPOCH_START_SECS: f64 = 1_767_225_600.0;

/// What one function has around it.
#[derive(Debug, Clone, Default)]
pub(crate) struct AroundState {
    /// The event invoke configuration and when it was last put (seconds since the
    /// epoch), when there is one.
    pub event_invoke: Option<(EventInvokeConfig, f64)>,
    /// `RecursiveLoop` (Lambda's default: `Terminate`).
    pub recursion: RecursiveLoop,
    /// The runtime management configuration (Lambda's default: `Auto`).
    pub runtime_management: RuntimeManagement,
}

/// Lambda's checks of a PutFunctionEventInvokeConfig's members, for a function in
/// `region`.
pub(crate) fn check_event_invoke(config: &EventInvokeConfig, region: &str) -> Result<(), SimError> {
    if let Some(r) = config.retries
        && r > MAX_ASYNC_RETRIES
    {
        return Err(SimError::invalid(format!(
            "1 validation error detected: Value '{r}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"
        )));
    }
    if let Some(a) = config.max_age_secs {
        if a < MIN_ASYNC_MAX_AGE_SECS {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value '{a}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"
            )));
        }
        if a > flotilla_cloud::lambda::DEFAULT_ASYNC_MAX_AGE_SECS {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value '{a}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600"
            )));
        }
    }
    let ends = [
        (&config.on_success, DestinationKind::OnSuccess, "OnSuccess"),
        (&config.on_failure, DestinationKind::OnFailure, "OnFailure"),
    ];
    for (arn, kind, end) in ends {
        if let Some(arn) = arn
            && destination_region(arn).is_some_and(|r| r != region)
        {
            return Err(SimError::invalid(format!(
                "The destination ARN {arn} must be in the same region as the Lambda function."
            )));
        }
        if let Some(arn) = arn
            && destination_problem(arn, kind).is_some()
        {
            return Err(SimError::invalid(format!(
                "The provided destination config DestinationConfig.{end}.Destination is invalid: {arn}"
            )));
        }
    }
    Ok(())
}

/// The unqualified function a reference names; a qualifier is not modelled.
fn unqualified(reference: &str, qualifier: Option<&str>) -> Result<String, SimError> {
    let (name, q) = parse_function_ref(reference);
    match q.as_deref().or(qualifier) {
        None | Some("$LATEST") => Ok(name),
        Some(q) => Err(SimError::invalid(format!(
            "The emulator models these settings of the unqualified function only, not of qualifier `{q}`; the request is refused rather than half done."
        ))),
    }
}

impl World {
    fn latest_arn(&self, call: &Call<'_>, name: &str) -> String {
        format!("{}:$LATEST", self.env.arn(call, name))
    }

    /// GetFunctionEventInvokeConfig: the configuration as put (members left out stay
    /// out), or 404.
    pub(crate) fn get_event_invoke_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<EventInvokeConfig, SimError> {
        self.event_invoke_entry(call, reference).map(|(c, _, _)| c)
    }

    fn event_invoke_entry(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<(EventInvokeConfig, f64, String), SimError> {
        let name = unqualified(reference, None)?;
        let arn = self.latest_arn(call, &name);
        let (record, _) = self.function_mut(call, &name)?;
        match &record.around.event_invoke {
            Some((config, modified)) => Ok((config.clone(), *modified, arn)),
            None => Err(SimError::not_found(format!(
                "The function {arn} doesn't have an EventInvokeConfig"
            ))),
        }
    }

    /// PutFunctionEventInvokeConfig: replaces the whole configuration.
    pub(crate) fn put_event_invoke_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        config: EventInvokeConfig,
    ) -> Result<EventInvokeConfig, SimError> {
        let name = unqualified(reference, None)?;
        check_event_invoke(&config, call.region)?;
        let modified = EPOCH_START_SECS + self.elapsed(call.now).as_secs_f64();
        let (record, _) = self.function_mut(call, &name)?;
        record.around.event_invoke = Some((config.clone(), modified));
        Ok(config)
    }

    /// DeleteFunctionEventInvokeConfig; 404 when there is none.
    pub(crate) fn delete_event_invoke_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<(), SimError> {
        self.event_invoke_entry(call, reference)?;
        let name = unqualified(reference, None)?;
        let (record, _) = self.function_mut(call, &name)?;
        record.around.event_invoke = None;
        Ok(())
    }
}

impl World {
    /// GetFunctionRecursionConfig.
    pub(crate) fn get_recursion_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<RecursiveLoop, SimError> {
        let name = unqualified(reference, None)?;
        let (record, _) = self.function_mut(call, &name)?;
        Ok(record.around.recursion)
    }

    /// PutFunctionRecursionConfig.
    pub(crate) fn put_recursion_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        recursion: RecursiveLoop,
    ) -> Result<RecursiveLoop, SimError> {
        let name = unqualified(reference, None)?;
        let (record, _) = self.function_mut(call, &name)?;
        record.around.recursion = recursion;
        Ok(recursion)
    }
}

impl World {
    /// GetRuntimeManagementConfig.
    pub(crate) fn get_runtime_management_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<(RuntimeManagement, String), SimError> {
        let name = unqualified(reference, None)?;
        let arn = self.latest_arn(call, &name);
        let (record, _) = self.function_mut(call, &name)?;
        Ok((record.around.runtime_management.clone(), arn))
    }

    /// PutRuntimeManagementConfig: a runtime version ARN with `Manual` and only then;
    /// zip functions only.
    pub(crate) fn put_runtime_management_config(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        config: RuntimeManagement,
    ) -> Result<(RuntimeManagement, String), SimError> {
        let name = unqualified(reference, None)?;
        match (&config.update_on, &config.runtime_version_arn) {
            (UpdateRuntimeOn::Manual, None) => {
                return Err(SimError::invalid(
                    "RuntimeVersionArn is required when UpdateRuntimeOn is Manual.",
                ));
            }
            (UpdateRuntimeOn::Manual, Some(arn))
                if !flotilla_cloud::lambda::is_runtime_version_arn(arn) =>
            {
                return Err(SimError::invalid(format!(
                    "1 validation error detected: Value '{arn}' at 'runtimeVersionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}::runtime:.+"
                )));
            }
            (UpdateRuntimeOn::Manual, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(SimError::invalid(
                    "RuntimeVersionArn can be set only when UpdateRuntimeOn is Manual.",
                ));
            }
        }
        let arn = self.latest_arn(call, &name);
        let (record, _) = self.function_mut(call, &name)?;
        if record.config.package_type == flotilla_cloud::lambda::PackageType::Image {
            return Err(SimError::invalid(
                "Runtime management configuration is not supported for functions with package type Image.",
            ));
        }
        record.around.runtime_management = config.clone();
        Ok((config, arn))
    }
}

/// Routes `/2021-07-20/functions/{FunctionName}/runtime-management-config`.
async fn handle_runtime_management(sim: &Sim, req: &LambdaRequest<'_>, reference: &str) -> Reply {
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    let name = unqualified(reference, req.query_value("Qualifier"))?;
    let (config, arn) = match req.method {
        "GET" => {
            sim.dispatch(
                acct,
                region,
                ApiOp::GetRuntimeManagementConfig,
                Some(&name),
                |w, c| w.get_runtime_management_config(c, &name),
            )
            .await?
        }
        "PUT" => {
            only_members(
                &req.body,
                "PutRuntimeManagementConfig",
                &["UpdateRuntimeOn", "RuntimeVersionArn"],
            )?;
            let b = req.body();
            let value = b
                .str("UpdateRuntimeOn")?
                .ok_or_else(|| SimError::invalid("UpdateRuntimeOn is required."))?;
            let update_on = UpdateRuntimeOn::from_api_str(&value).ok_or_else(|| {
                SimError::invalid(format!(
                    "1 validation error detected: Value '{value}' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]"
                ))
            })?;
            let config = RuntimeManagement {
                update_on,
                runtime_version_arn: b.str("RuntimeVersionArn")?,
            };
            sim.dispatch(
                acct,
                region,
                ApiOp::PutRuntimeManagementConfig,
                Some(&name),
                |w, c| w.put_runtime_management_config(c, &name, config),
            )
            .await?
        }
        other => {
            return Err(SimError::new(
                404,
                "UnknownOperationException",
                format!("Unknown operation: {other} runtime-management-config"),
            ));
        }
    };
    let mut body = json!({
        "UpdateRuntimeOn": config.update_on.as_api_str(),
        "FunctionArn": arn,
    });
    if let Some(v) = &config.runtime_version_arn {
        body["RuntimeVersionArn"] = json!(v);
    }
    Ok((200, Some(body)))
}

/// Routes `/2024-08-31/functions/{FunctionName}/recursion-config`.
async fn handle_recursion(sim: &Sim, req: &LambdaRequest<'_>, reference: &str) -> Reply {
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    let name = unqualified(reference, req.query_value("Qualifier"))?;
    let recursion = match req.method {
        "GET" => {
            sim.dispatch(
                acct,
                region,
                ApiOp::GetFunctionRecursionConfig,
                Some(&name),
                |w, c| w.get_recursion_config(c, &name),
            )
            .await?
        }
        "PUT" => {
            only_members(&req.body, "PutFunctionRecursionConfig", &["RecursiveLoop"])?;
            let value = req
                .body()
                .str("RecursiveLoop")?
                .ok_or_else(|| SimError::invalid("RecursiveLoop is required."))?;
            let wanted = RecursiveLoop::from_api_str(&value).ok_or_else(|| {
                SimError::invalid(format!(
                    "1 validation error detected: Value '{value}' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]"
                ))
            })?;
            sim.dispatch(
                acct,
                region,
                ApiOp::PutFunctionRecursionConfig,
                Some(&name),
                |w, c| w.put_recursion_config(c, &name, wanted),
            )
            .await?
        }
        other => {
            return Err(SimError::new(
                404,
                "UnknownOperationException",
                format!("Unknown operation: {other} recursion-config"),
            ));
        }
    };
    Ok((
        200,
        Some(json!({ "RecursiveLoop": recursion.as_api_str() })),
    ))
}

/// `FunctionEventInvokeConfig` on Lambda's wire.
fn event_invoke_json(config: &EventInvokeConfig, modified: f64, arn: &str) -> Value {
    let mut out = json!({ "LastModified": modified, "FunctionArn": arn });
    if let Some(r) = config.retries {
        out["MaximumRetryAttempts"] = json!(r);
    }
    if let Some(a) = config.max_age_secs {
        out["MaximumEventAgeInSeconds"] = json!(a);
    }
    let end =
        |d: &Option<String>| json!({ "Destination": d.clone().map_or(Value::Null, Value::String) });
    out["DestinationConfig"] = json!({
        "OnSuccess": end(&config.on_success),
        "OnFailure": end(&config.on_failure),
    });
    strip_nulls(&mut out);
    out
}

fn strip_nulls(v: &mut Value) {
    if let Value::Object(members) = v {
        members.retain(|_, m| !m.is_null());
        members.values_mut().for_each(strip_nulls);
    }
}

/// Whether `segments` name one of this file's paths.
pub(crate) fn handles(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["2019-09-25", "functions", _, "event-invoke-config"]
            | ["2024-08-31", "functions", _, "recursion-config"]
            | ["2021-07-20", "functions", _, "runtime-management-config"]
    )
}

/// The `Destination` of one end of a `DestinationConfig`.
fn destination(config: Option<&Map<String, Value>>, end: &str) -> Result<Option<String>, SimError> {
    let Some(v) = config.and_then(|c| c.get(end)).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Value::Object(members) = v else {
        return Err(SimError::invalid(format!(
            "DestinationConfig.{end} must be an object"
        )));
    };
    only_members(v, "PutFunctionEventInvokeConfig", &["Destination"])?;
    match members.get("Destination") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(SimError::invalid(format!(
            "DestinationConfig.{end}.Destination must be a string"
        ))),
    }
}

/// Routes the requests [`handles`] accepts.
pub(crate) async fn handle(sim: &Sim, req: &LambdaRequest<'_>) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let Some(reference) = segs.get(2).copied() else {
        return Err(SimError::invalid("FunctionName is required."));
    };
    if segs.first() == Some(&"2021-07-20") {
        return handle_runtime_management(sim, req, reference).await;
    }
    if segs.first() == Some(&"2024-08-31") {
        return handle_recursion(sim, req, reference).await;
    }
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    let qualifier = req.query_value("Qualifier");
    let name = unqualified(reference, qualifier)?;
    let op = match req.method {
        "GET" => ApiOp::GetFunctionEventInvokeConfig,
        "PUT" => ApiOp::PutFunctionEventInvokeConfig,
        "DELETE" => ApiOp::DeleteFunctionEventInvokeConfig,
        other => {
            return Err(SimError::new(
                404,
                "UnknownOperationException",
                format!("Unknown operation: {other} event-invoke-config"),
            ));
        }
    };
    match op {
        ApiOp::PutFunctionEventInvokeConfig => {
            only_members(
                &req.body,
                "PutFunctionEventInvokeConfig",
                &[
                    "MaximumRetryAttempts",
                    "MaximumEventAgeInSeconds",
                    "DestinationConfig",
                ],
            )?;
            let b = req.body();
            let destinations = match req.body.get("DestinationConfig") {
                None | Some(Value::Null) => None,
                Some(v @ Value::Object(m)) => {
                    only_members(
                        v,
                        "PutFunctionEventInvokeConfig",
                        &["OnSuccess", "OnFailure"],
                    )?;
                    Some(m)
                }
                Some(_) => {
                    return Err(SimError::invalid("DestinationConfig must be an object"));
                }
            };
            let config = EventInvokeConfig {
                retries: b.u32("MaximumRetryAttempts")?,
                max_age_secs: b.u32("MaximumEventAgeInSeconds")?,
                on_success: destination(destinations, "OnSuccess")?,
                on_failure: destination(destinations, "OnFailure")?,
            };
            let (config, modified, arn) = sim
                .dispatch(acct, region, op, Some(&name), |w, c| {
                    w.put_event_invoke_config(c, &name, config)?;
                    w.event_invoke_entry(c, &name)
                })
                .await?;
            Ok((200, Some(event_invoke_json(&config, modified, &arn))))
        }
        ApiOp::DeleteFunctionEventInvokeConfig => {
            sim.dispatch(acct, region, op, Some(&name), |w, c| {
                w.delete_event_invoke_config(c, &name)
            })
            .await?;
            Ok((204, None))
        }
        _ => {
            let (config, modified, arn) = sim
                .dispatch(acct, region, op, Some(&name), |w, c| {
                    w.event_invoke_entry(c, &name)
                })
                .await?;
            Ok((200, Some(event_invoke_json(&config, modified, &arn))))
        }
    }
}
