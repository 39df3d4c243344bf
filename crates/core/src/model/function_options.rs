//! Checks of the settings Lambda takes as a mode or an ARN: `tracing`, `snap_start`,
//! `kms_key` and `dead_letter`.
//!
//! The manifest spells modes in lower case (`active`, `published_versions`); the model
//! holds Lambda's spelling (`Active`, `PublishedVersions`), which is what the plan diffs
//! against the live function.

use flotilla_cloud::lambda::{ConfigField, SNAP_START_NONE, TRACING_PASS_THROUGH};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::Sp;

use super::layers::Layers;
use super::validate::Validator;

/// The manifest's tracing modes and Lambda's spelling of each.
const TRACING: &[(&str, &str)] = &[("active", "Active"), ("passthrough", "PassThrough")];

/// The manifest's SnapStart settings and Lambda's spelling of each.
const SNAP_START: &[(&str, &str)] = &[
    ("published_versions", "PublishedVersions"),
    ("none", SNAP_START_NONE),
];

/// Whether Lambda offers SnapStart for `runtime`: Java 11 and later, Python 3.12 and
/// later, .NET 8 and later (AWS's SnapStart documentation, "Supported features and
/// limitations").
pub(crate) fn snap_start_runtime(runtime: &str) -> bool {
    let version = |prefix: &str| -> Option<u32> {
        let rest = runtime.strip_prefix(prefix)?;
        rest.split(['.', '-']).next()?.parse().ok()
    };
    if let Some(minor) = runtime
        .strip_prefix("python3.")
        .and_then(|r| r.parse::<u32>().ok())
    {
        return minor >= 12;
    }
    version("java").is_some_and(|v| v >= 11) || version("dotnet").is_some_and(|v| v >= 8)
}

/// What the settings of this file validate to, in Lambda's spelling.
pub(crate) struct FunctionOptions {
    pub tracing: String,
    pub snap_start: String,
    pub kms_key: Option<String>,
    pub dead_letter: Option<String>,
    /// The ones no layer sets: the plan keeps their live values (Lambda's defaults
    /// above, for a new function).
    pub left_alone: Vec<ConfigField>,
}

impl<'a> Validator<'a> {
    /// `tracing`, `snap_start`, `kms_key` and `dead_letter`, Lambda's defaults where
    /// absent (and listed as left alone). `runtime` is the zip function's runtime
    /// (`None` when it has none).
    pub(crate) fn function_options(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        path: &str,
        is_image: bool,
        runtime: Option<&str>,
    ) -> Option<FunctionOptions> {
        let p = |k: &str| format!("{path}.{k}");
        let tracing_src = layers.pick(|s| s.tracing.as_ref());
        let snap_src = layers.pick(|s| s.snap_start.as_ref());
        let kms_src = layers.pick(|s| s.kms_key.as_ref());
        let dead_letter_src = layers.pick(|s| s.dead_letter.as_ref());
        let left_alone = [
            (tracing_src, ConfigField::Tracing),
            (snap_src, ConfigField::SnapStart),
            (kms_src, ConfigField::KmsKey),
            (dead_letter_src, ConfigField::DeadLetter),
        ]
        .into_iter()
        .filter(|(src, _)| src.is_none())
        .map(|(_, field)| field)
        .collect();
        let tracing = self.mode(tracing_src, ctx, &p("tracing"), TRACING);
        let snap_start = self.mode(snap_src, ctx, &p("snap_start"), SNAP_START);
        if let (Some(Some(mode)), Some(src)) = (&snap_start, snap_src)
            && mode != SNAP_START_NONE
        {
            let refusal = match runtime {
                _ if is_image => Some("container image functions cannot use SnapStart".to_owned()),
                // A missing runtime is reported on its own.
                None => None,
                Some(r) if !snap_start_runtime(r) => Some(format!(
                    "Lambda offers SnapStart for Java 11+, Python 3.12+ and .NET 8+, not `{r}`"
                )),
                Some(_) => None,
            };
            if let Some(why) = refusal {
                self.push(
                    Problem::new(
                        src.pos,
                        format!("`{}`: {why}", p("snap_start")),
                        "SnapStart not available",
                    )
                    .help(
                        "remove `snap_start`, set it to `none`, or use a runtime that supports it",
                    ),
                );
            }
        }
        let kms_key = self.arn(
            kms_src,
            ctx,
            &p("kms_key"),
            &["kms"],
            "arn:aws:kms:eu-north-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        );
        let dead_letter = self.arn(
            dead_letter_src,
            ctx,
            &p("dead_letter"),
            &["sqs", "sns"],
            "arn:aws:sqs:eu-north-1:${account}:my-function-dlq",
        );
        Some(FunctionOptions {
            tracing: tracing?.unwrap_or_else(|| TRACING_PASS_THROUGH.to_owned()),
            snap_start: snap_start?.unwrap_or_else(|| SNAP_START_NONE.to_owned()),
            kms_key: kms_key?,
            dead_letter: dead_letter?,
            left_alone,
        })
    }

    /// A mode from `modes` (manifest spelling, Lambda spelling); `Some(None)` when
    /// absent, `None` when wrong.
    fn mode(
        &mut self,
        src: Option<&Sp<String>>,
        ctx: &Context<'_>,
        path: &str,
        modes: &[(&str, &str)],
    ) -> Option<Option<String>> {
        let Some(src) = src else {
            return Some(None);
        };
        let value = self.text(src, ctx, path)?;
        if let Some((_, api)) = modes.iter().find(|(m, _)| *m == value) {
            return Some(Some((*api).to_owned()));
        }
        let names: Vec<String> = modes.iter().map(|(m, _)| format!("`{m}`")).collect();
        self.push(
            Problem::new(
                src.pos,
                format!("`{path}` is `{value}`, not a known value"),
                "unknown value",
            )
            .help(format!("write one of {}", names.join(", "))),
        );
        None
    }

    /// An ARN of one of `services` in the shape Lambda accepts
    /// (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`); `Some(None)` when absent.
    fn arn(
        &mut self,
        src: Option<&Sp<String>>,
        ctx: &Context<'_>,
        path: &str,
        services: &[&str],
        example: &str,
    ) -> Option<Option<String>> {
        let Some(src) = src else {
            return Some(None);
        };
        let value = self.text(src, ctx, path)?;
        // `none`: Lambda's own key, no dead-letter queue.
        if value == "none" {
            return Some(None);
        }
        if arn_of(&value, services) {
            return Some(Some(value));
        }
        self.push(
            Problem::new(
                src.pos,
                format!(
                    "`{path}` is `{value}`, not an ARN of {}",
                    services.join(" or ")
                ),
                "not an ARN",
            )
            .help(format!("write the ARN, e.g. {example}, or `none`")),
        );
        None
    }
}

/// Whether `arn` is `arn:aws*:SERVICE:REGION:ACCOUNT:RESOURCE` with one of `services`,
/// a region, a 12-digit account and a resource.
fn arn_of(arn: &str, services: &[&str]) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    *prefix == "arn"
        && partition.starts_with("aws")
        && services.contains(service)
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !resource.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snap_start_runtimes_are_lambdas() {
        for ok in [
            "java11",
            "java17",
            "java21",
            "java25",
            "java17.al2023",
            "python3.12",
            "python3.13",
            "dotnet8",
            "dotnet10",
        ] {
            assert!(snap_start_runtime(ok), "{ok}");
        }
        for no in [
            "java8",
            "java8.al2",
            "python3.11",
            "python3.9",
            "dotnet6",
            "nodejs22.x",
            "provided.al2023",
        ] {
            assert!(!snap_start_runtime(no), "{no}");
        }
    }

    #[test]
    fn arns_need_service_region_account_and_resource() {
        assert!(arn_of(
            "arn:aws:sqs:eu-north-1:123456789012:q",
            &["sqs", "sns"]
        ));
        assert!(arn_of(
            "arn:aws:sns:eu-north-1:123456789012:t",
            &["sqs", "sns"]
        ));
        assert!(!arn_of("arn:aws:s3:::bucket", &["sqs", "sns"]));
        assert!(!arn_of("arn:aws:sqs:eu-north-1:1234:q", &["sqs"]));
        assert!(!arn_of("arn:aws:sqs:eu-north-1:123456789012:", &["sqs"]));
        assert!(!arn_of("queue", &["sqs"]));
    }
}
