//! The display lines of the steps around a function (`async.retries 2 → 0`), one line
//! per member that the step adds, changes or removes.

use flotilla_cloud::lambda::{
    EventInvokeConfig, RecursiveLoop, RuntimeManagement, UpdateRuntimeOn,
};

use super::lines::{Line, Sign, duration_words};
use crate::plan::Step;

/// Lines for one of the steps of `plan/around_async.rs`; other steps add nothing.
pub(super) fn step_lines(step: &Step, out: &mut Vec<Line>) {
    match step {
        Step::PutEventInvokeConfig { old, config } => {
            let old = old.as_ref().map(members);
            let new = members(config);
            for (i, (label, value)) in new.iter().enumerate() {
                let before = old.as_ref().and_then(|o| o[i].1.clone());
                if before == *value {
                    continue;
                }
                out.push(Line {
                    sign: match (&before, value) {
                        (None, _) => Sign::Add,
                        (Some(_), None) => Sign::Remove,
                        (Some(_), Some(_)) => Sign::Change,
                    },
                    label: format!("async.{label}"),
                    old: before,
                    new: value.clone(),
                });
            }
        }
        Step::DeleteEventInvokeConfig { old } => {
            for (label, value) in members(old) {
                if let Some(value) = value {
                    out.push(Line {
                        sign: Sign::Remove,
                        label: format!("async.{label}"),
                        old: Some(value),
                        new: None,
                    });
                }
            }
        }
        Step::PutRecursionConfig { old, recursion } => out.push(Line {
            sign: Sign::Change,
            label: "recursion".to_owned(),
            old: Some(recursion_word(*old).to_owned()),
            new: Some(recursion_word(*recursion).to_owned()),
        }),
        Step::PutRuntimeManagementConfig { old, config } => out.push(Line {
            sign: Sign::Change,
            label: "runtime_management".to_owned(),
            old: Some(runtime_words(old)),
            new: Some(runtime_words(config)),
        }),
        _ => {}
    }
}

/// `auto`, `function_update` or `manual ARN`, as the manifest writes it.
fn runtime_words(r: &RuntimeManagement) -> String {
    match r.update_on {
        UpdateRuntimeOn::Auto => "auto".to_owned(),
        UpdateRuntimeOn::FunctionUpdate => "function_update".to_owned(),
        UpdateRuntimeOn::Manual => format!(
            "manual {:?}",
            r.runtime_version_arn.as_deref().unwrap_or_default()
        ),
    }
}

/// `allow` or `terminate`, as the manifest writes it.
fn recursion_word(r: RecursiveLoop) -> &'static str {
    match r {
        RecursiveLoop::Allow => "allow",
        RecursiveLoop::Terminate => "terminate",
    }
}

/// The members as the manifest names them, with their displayed values.
fn members(c: &EventInvokeConfig) -> [(&'static str, Option<String>); 4] {
    [
        ("retries", c.retries.map(|n| n.to_string())),
        (
            "max_age",
            c.max_age_secs.map(|s| duration_words(u64::from(s))),
        ),
        (
            "on_success",
            c.on_success.as_ref().map(|a| format!("{a:?}")),
        ),
        (
            "on_failure",
            c.on_failure.as_ref().map(|a| format!("{a:?}")),
        ),
    ]
}
