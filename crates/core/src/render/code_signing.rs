//! The display line of `code_signing_config` (`~ code_signing_config "ARN" → "ARN"`),
//! the ARNs quoted as `async`'s destinations are.

use super::lines::{Line, Sign};
use crate::plan::{FunctionPlan, Step};

/// The line of a code signing step; other steps add nothing.
pub(super) fn step_lines(step: &Step, out: &mut Vec<Line>) {
    match step {
        Step::PutCodeSigningConfig { old, arn } => out.push(Line {
            sign: if old.is_some() {
                Sign::Change
            } else {
                Sign::Add
            },
            label: "code_signing_config".to_owned(),
            old: old.as_ref().map(|a| format!("{a:?}")),
            new: Some(format!("{arn:?}")),
        }),
        Step::DeleteCodeSigningConfig { old } => out.push(Line {
            sign: Sign::Remove,
            label: "code_signing_config".to_owned(),
            old: Some(format!("{old:?}")),
            new: None,
        }),
        _ => {}
    }
}

/// The line of the configuration a new function is created with.
pub(super) fn created_line(fp: &FunctionPlan, out: &mut Vec<Line>) {
    if let Some(arn) = &fp.desired.code_signing_config {
        out.push(Line {
            sign: Sign::Add,
            label: "code_signing_config".to_owned(),
            old: None,
            new: Some(format!("{arn:?}")),
        });
    }
}
