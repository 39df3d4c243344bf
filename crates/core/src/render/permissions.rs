//! The display lines of the permission steps.

use flotilla_cloud::lambda::Permission;

use crate::plan::Step;

use super::lines::{Line, Sign};

/// What a statement grants, on one line: `lambda:InvokeFunction to s3.amazonaws.com if
/// source_arn arn:aws:s3:::b`.
pub fn describe(p: &Permission) -> String {
    let mut out = format!("{} to {}", p.action, p.principal);
    let conds: Vec<String> = [
        ("source_arn", &p.source_arn),
        ("source_account", &p.source_account),
        ("principal_org_id", &p.principal_org_id),
        ("function_url_auth_type", &p.function_url_auth_type),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
    .chain(
        p.invoked_via_function_url
            .map(|v| format!("invoked_via_function_url {v}")),
    )
    .collect();
    if !conds.is_empty() {
        out.push_str(" if ");
        out.push_str(&conds.join(", "));
    }
    out
}

/// The display lines of a permission step: `+ permission s3 …`, `- permission old`,
/// `~ permission s3 (replaced) …` (on the addition; its removal shows nothing).
pub fn step_lines(step: &Step, out: &mut Vec<Line>) {
    match step {
        Step::AddPermission {
            qualifier,
            permission,
            replaced,
        } => {
            let on = qualifier
                .as_deref()
                .map(|q| format!(" on alias {q}"))
                .unwrap_or_default();
            out.push(Line {
                sign: if *replaced { Sign::Change } else { Sign::Add },
                label: if *replaced {
                    format!("permission {} (replaced)", permission.sid)
                } else {
                    format!("permission {}", permission.sid)
                },
                old: None,
                new: Some(format!("{}{on}", describe(permission))),
            });
        }
        Step::RemovePermission {
            sid,
            replaced: false,
            ..
        } => out.push(Line {
            sign: Sign::Remove,
            label: format!("permission {sid}"),
            old: None,
            new: None,
        }),
        _ => {}
    }
}
