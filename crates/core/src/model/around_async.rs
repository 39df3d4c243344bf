//! The resources around a function with calls of their own: `async` (the event invoke
//! configuration). Each section is taken whole from the last layer that has it
//! (`defaults` < environment < function < function in environment); absent, the live
//! resource is left alone; written empty (`async: {}`), what Flotilla manages is removed.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use flotilla_cloud::lambda::{
    DestinationKind, EventInvokeConfig, MAX_ASYNC_RETRIES, MIN_ASYNC_MAX_AGE_SECS, RecursiveLoop,
    RuntimeManagement, UpdateRuntimeOn, destination_problem, destination_region,
    is_runtime_version_arn,
};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::Sp;

use super::layers::Layers;
use super::validate::Validator;

/// A managed resource around a function: set to a value, or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Managed<T> {
    /// The manifest writes the section empty: Flotilla removes the live one.
    Remove,
    /// The manifest sets this (Lambda's defaults filled).
    Set(T),
}

/// What the manifest manages around one function; `None`: the section is absent and
/// the live resource is left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Around {
    /// `async`: the event invoke configuration of the unqualified function.
    #[serde(rename = "async", default, skip_serializing_if = "Option::is_none")]
    pub event_invoke: Option<Managed<EventInvokeConfig>>,
    /// `recursion`: what Lambda does in a recursive loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recursion: Option<RecursiveLoop>,
    /// `runtime_management`: when Lambda updates the runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_management: Option<RuntimeManagement>,
}

impl Around {
    /// True when the manifest manages none of these resources (no extra calls).
    pub fn is_empty(&self) -> bool {
        self.event_invoke.is_none() && self.recursion.is_none() && self.runtime_management.is_none()
    }
}

impl<'a> Validator<'a> {
    /// The sections around the function, each from the last layer that has it.
    pub(crate) fn around_async(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        path: &str,
        is_image: bool,
    ) -> Option<Around> {
        let event_invoke = match layers.pick(|s| s.r#async.as_ref()) {
            None => None,
            Some(section) => Some(self.event_invoke(section, ctx, &format!("{path}.async"))?),
        };
        let recursion = match layers.pick(|s| s.recursion.as_ref()) {
            None => None,
            Some(src) => Some(self.recursion(src, ctx, &format!("{path}.recursion"))?),
        };
        let runtime_management = match layers.pick(|s| s.runtime_management.as_ref()) {
            None => None,
            Some(src) => Some(self.runtime_management(
                src,
                ctx,
                &format!("{path}.runtime_management"),
                is_image,
            )?),
        };
        Some(Around {
            event_invoke,
            recursion,
            runtime_management,
        })
    }

    fn runtime_management(
        &mut self,
        src: &Sp<crate::manifest::raw::RawRuntimeManagement>,
        ctx: &Context<'_>,
        path: &str,
        is_image: bool,
    ) -> Option<RuntimeManagement> {
        use crate::manifest::raw::RawRuntimeManagement as Raw;
        if is_image {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}`: a container image brings its own runtime"),
                    "image function",
                )
                .help("runtime management is for zip functions only; remove `runtime_management` from this function"),
            );
            return None;
        }
        match &src.value {
            Raw::Mode(mode) => {
                let value = self.text(mode, ctx, path)?;
                let update_on = match value.as_str() {
                    "auto" => UpdateRuntimeOn::Auto,
                    "function_update" => UpdateRuntimeOn::FunctionUpdate,
                    _ => {
                        self.push(
                            Problem::new(
                                mode.pos,
                                format!("`{path}` is `{value}`, not a known value"),
                                "unknown value",
                            )
                            .help("write `auto` (Lambda's default), `function_update`, or `{ manual: arn:aws:lambda:REGION::runtime:… }`"),
                        );
                        return None;
                    }
                };
                Some(RuntimeManagement {
                    update_on,
                    runtime_version_arn: None,
                })
            }
            Raw::Manual(None) => {
                self.push(
                    Problem::new(src.pos, format!("`{path}.manual` is missing"), "no runtime version")
                        .help("name the runtime version to stay on: `{ manual: arn:aws:lambda:REGION::runtime:… }` (the function's `RuntimeVersionConfig` shows the current one)"),
                );
                None
            }
            Raw::Manual(Some(arn)) => {
                let value = self.text(arn, ctx, &format!("{path}.manual"))?;
                if !is_runtime_version_arn(&value) {
                    self.push(
                        Problem::new(
                            arn.pos,
                            format!("`{path}.manual` is not a runtime version ARN"),
                            "not a runtime version",
                        )
                        .help("a runtime version ARN looks like `arn:aws:lambda:eu-north-1::runtime:0123456789abcdef…` (no account); the function's `RuntimeVersionConfig` shows the current one"),
                    );
                    return None;
                }
                Some(RuntimeManagement {
                    update_on: UpdateRuntimeOn::Manual,
                    runtime_version_arn: Some(value),
                })
            }
        }
    }

    fn recursion(
        &mut self,
        src: &Sp<String>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<RecursiveLoop> {
        let value = self.text(src, ctx, path)?;
        match value.as_str() {
            "allow" => Some(RecursiveLoop::Allow),
            "terminate" => Some(RecursiveLoop::Terminate),
            _ => {
                self.push(
                    Problem::new(
                        src.pos,
                        format!("`{path}` is `{value}`, not a known value"),
                        "unknown value",
                    )
                    .help(
                        "write `terminate` (Lambda stops a recursive loop, its default) or `allow`",
                    ),
                );
                None
            }
        }
    }

    fn event_invoke(
        &mut self,
        section: &Sp<crate::manifest::raw::RawAsync>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<Managed<EventInvokeConfig>> {
        let raw = &section.value;
        if raw.retries.is_none()
            && raw.max_age.is_none()
            && raw.on_success.is_none()
            && raw.on_failure.is_none()
        {
            return Some(Managed::Remove);
        }
        let mut ok = true;
        let retries = match &raw.retries {
            Some(r) if r.value > MAX_ASYNC_RETRIES => {
                self.push(
                    Problem::new(
                        r.pos,
                        format!("`{path}.retries` is {}: it must be 0–2", r.value),
                        "outside 0–2",
                    )
                    .help("Lambda retries a failed asynchronous invocation at most twice; write 0, 1 or 2"),
                );
                ok = false;
                None
            }
            Some(r) => Some(r.value),
            None => None,
        };
        let max_age = match &raw.max_age {
            Some(d) => {
                let secs = d.value.0.as_secs();
                let whole = d.value.0 == Duration::from_secs(secs);
                if !whole
                    || secs < u64::from(MIN_ASYNC_MAX_AGE_SECS)
                    || secs > u64::from(flotilla_cloud::lambda::DEFAULT_ASYNC_MAX_AGE_SECS)
                {
                    self.push(
                        Problem::new(
                            d.pos,
                            format!("`{path}.max_age` must be whole seconds from 60s to 6h"),
                            "outside 60s–6h",
                        )
                        .help("how long Lambda keeps an event for processing: e.g. `1h`, or seconds such as `3600`"),
                    );
                    ok = false;
                    None
                } else {
                    u32::try_from(secs).ok()
                }
            }
            None => None,
        };
        let on_success = self.destination(
            raw.on_success.as_ref(),
            ctx,
            &format!("{path}.on_success"),
            DestinationKind::OnSuccess,
        );
        let on_failure = self.destination(
            raw.on_failure.as_ref(),
            ctx,
            &format!("{path}.on_failure"),
            DestinationKind::OnFailure,
        );
        let (Some(on_success), Some(on_failure)) = (on_success, on_failure) else {
            return None;
        };
        if !ok {
            return None;
        }
        Some(Managed::Set(
            EventInvokeConfig {
                retries,
                max_age_secs: max_age,
                on_success,
                on_failure,
            }
            .filled(),
        ))
    }

    /// A destination ARN; `Some(None)` when absent, `None` when refused.
    fn destination(
        &mut self,
        src: Option<&Sp<String>>,
        ctx: &Context<'_>,
        path: &str,
        kind: DestinationKind,
    ) -> Option<Option<String>> {
        let Some(src) = src else {
            return Some(None);
        };
        let value = self.text(src, ctx, path)?;
        if let (Some(there), Some(here)) = (destination_region(&value), ctx.region)
            && there != here
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}` is in {there}, not in the function's region {here}"),
                    "another region",
                )
                .help("Lambda sends records only to destinations in the function's own region; use `${region}` in the ARN, e.g. `arn:aws:sqs:${region}:${account}:events`"),
            );
            return None;
        }
        match destination_problem(&value, kind) {
            None => Some(Some(value)),
            Some(why) => {
                let also_s3 = if kind == DestinationKind::OnFailure {
                    ", `arn:aws:s3:::failed-events-bucket`"
                } else {
                    ""
                };
                self.push(
                    Problem::new(src.pos, format!("`{path}` {why}"), "not a destination")
                        .help(format!(
                            "give the ARN of an SQS queue, SNS topic, Lambda function or EventBridge event bus{}, e.g. `arn:aws:sqs:eu-north-1:${{account}}:events`, `arn:aws:events:eu-north-1:${{account}}:event-bus/default`{also_s3}",
                            if kind == DestinationKind::OnFailure { " (or, on failure, an S3 bucket)" } else { "" }
                        )),
                );
                None
            }
        }
    }
}
