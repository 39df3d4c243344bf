//! The display lines of the function URL's steps: one line per setting the step adds,
//! changes or removes (`~ url auth aws_iam → none`, `+ url cors.allow_origins […]`).

use flotilla_cloud::lambda::{FunctionUrlSettings, UrlCors};

use super::lines::{Line, Sign};
use crate::plan::Step;

/// Each setting's label and value; `None` for a CORS member Lambda's default holds.
fn members(s: &FunctionUrlSettings) -> Vec<(&'static str, Option<String>)> {
    let list = |v: &[String]| (!v.is_empty()).then(|| format!("[{}]", v.join(", ")));
    let UrlCors {
        allow_origins,
        allow_methods,
        allow_headers,
        expose_headers,
        allow_credentials,
        max_age,
    } = &s.cors;
    vec![
        ("auth", Some(s.auth.word().to_owned())),
        ("invoke_mode", Some(s.invoke_mode.word().to_owned())),
        ("cors.allow_origins", list(allow_origins)),
        ("cors.allow_methods", list(allow_methods)),
        ("cors.allow_headers", list(allow_headers)),
        ("cors.expose_headers", list(expose_headers)),
        (
            "cors.allow_credentials",
            allow_credentials.then(|| "true".to_owned()),
        ),
        (
            "cors.max_age",
            (*max_age > 0).then(|| format!("{max_age}s")),
        ),
    ]
}

fn on(qualifier: Option<&str>) -> String {
    qualifier
        .map(|q| format!(" (alias {q})"))
        .unwrap_or_default()
}

/// Lines for one of the URL steps; other steps add nothing.
pub(super) fn step_lines(step: &Step, out: &mut Vec<Line>) {
    let (qualifier, old, new) = match step {
        Step::CreateFunctionUrlConfig { qualifier, config } => (qualifier, None, Some(config)),
        Step::UpdateFunctionUrlConfig {
            qualifier,
            old,
            config,
        } => (qualifier, Some(old), Some(config)),
        Step::DeleteFunctionUrlConfig { qualifier, old } => (qualifier, Some(old), None),
        _ => return,
    };
    let on = on(qualifier.as_deref());
    let Some(new) = new else {
        out.push(Line {
            sign: Sign::Remove,
            label: format!("url{on}"),
            old: old.map(|o| o.auth.word().to_owned()),
            new: None,
        });
        return;
    };
    let before = old.map(members);
    for (i, (label, value)) in members(new).into_iter().enumerate() {
        let was = before.as_ref().and_then(|b| b[i].1.clone());
        if old.is_some() && was == value {
            continue;
        }
        let sign = match (&was, &value) {
            (_, None) if old.is_none() => continue,
            (None, _) => Sign::Add,
            (Some(_), None) => Sign::Remove,
            (Some(_), Some(_)) => Sign::Change,
        };
        out.push(Line {
            sign,
            label: format!("url{on} {label}"),
            old: was,
            new: value,
        });
    }
}
