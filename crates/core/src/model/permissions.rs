//! `permissions`: the statements of a function's resource-based policy, by statement id,
//! checked as Lambda checks AddPermission (statement id, principal, action, source
//! account, organization id, function URL auth type).
//!
//! Taken whole from the layer that sets it last. Absent everywhere, the model holds
//! `None` and the plan leaves the live policy alone; `{}` removes every statement.

use std::collections::BTreeMap;

use flotilla_cloud::lambda::{DEFAULT_PERMISSION_ACTION, Permission};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::{RawPermission, Sp};

use super::layers::Layers;
use super::validate::Validator;

/// The statements the manifest manages, by statement id; `None`: not managed.
pub type Permissions = Option<BTreeMap<String, Permission>>;

/// botocore's `StatementId`: `[a-zA-Z0-9-_]{1,100}`.
pub fn valid_sid(sid: &str) -> bool {
    (1..=100).contains(&sid.len())
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A service principal: `name.amazonaws.com` (lowercase letters, digits, `-` and `.`).
fn is_service(s: &str) -> bool {
    s.strip_suffix(".amazonaws.com").is_some_and(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    })
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with a non-empty service and
/// resource.
fn is_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, service, _, _, resource]
        if partition.starts_with("aws") && !service.is_empty() && !resource.is_empty())
}

/// botocore's `Action` pattern: `lambda:*`, `lambda:Name` or `*`.
fn valid_action(a: &str) -> bool {
    a == "*"
        || a == "lambda:*"
        || a.strip_prefix("lambda:")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphabetic()))
}

impl<'a> Validator<'a> {
    /// `permissions`, from the last layer that sets it.
    pub(crate) fn permissions(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<Permissions> {
        let Some(src) = layers.pick(|s| s.permissions.as_ref()) else {
            return Some(None);
        };
        let base = format!("{path}.permissions");
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (sid, raw) in &src.value.0 {
            let p = format!("{base}.{}", sid.value);
            if !valid_sid(&sid.value) {
                self.push(
                    Problem::new(
                        sid.pos,
                        format!("statement id `{p}` is not 1–100 letters, digits, `-` or `_`"),
                        "invalid statement id",
                    )
                    .help("rename the statement, e.g. `s3-upload`"),
                );
                ok = false;
                continue;
            }
            match self.permission(&sid.value, raw, ctx, &p) {
                Some(perm) => {
                    out.insert(sid.value.clone(), perm);
                }
                None => ok = false,
            }
        }
        ok.then_some(Some(out))
    }

    fn permission(
        &mut self,
        sid: &str,
        raw: &Sp<RawPermission>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<Permission> {
        let r = &raw.value;
        let mut ok = true;
        let mut text = |v: &mut Self, src: Option<&Sp<String>>, key: &str| -> Option<String> {
            let s = src?;
            let out = v.text(s, ctx, &format!("{path}.{key}"));
            if out.is_none() {
                ok = false;
            }
            out
        };
        let principal = text(self, r.principal.as_ref(), "principal");
        let action = text(self, r.action.as_ref(), "action");
        let source_arn = text(self, r.source_arn.as_ref(), "source_arn");
        let source_account = text(self, r.source_account.as_ref(), "source_account");
        let principal_org_id = text(self, r.principal_org_id.as_ref(), "principal_org_id");
        let auth = text(
            self,
            r.function_url_auth_type.as_ref(),
            "function_url_auth_type",
        );
        let Some(principal) = principal else {
            if r.principal.is_none() && !self.unreadable(&format!("{path}.principal")) {
                self.push(
                    Problem::new(raw.pos, format!("`{path}` has no principal"), "no principal")
                        .help("name who may call, e.g. `principal: s3.amazonaws.com`, an account id, an IAM ARN or `*`"),
                );
            }
            return None;
        };
        if !(principal == "*"
            || is_service(&principal)
            || is_account(&principal)
            || is_arn(&principal))
            && let Some(src) = &r.principal
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}.principal` is `{principal}`, not a service, account, ARN or `*`"),
                    "invalid principal",
                )
                .help("write a service principal such as `s3.amazonaws.com`, a 12-digit account id, an IAM ARN, or `*`"),
            );
            ok = false;
        }
        let action = action.unwrap_or_else(|| DEFAULT_PERMISSION_ACTION.to_owned());
        if !valid_action(&action)
            && let Some(src) = &r.action
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}.action` is `{action}`, not a Lambda action"),
                    "invalid action",
                )
                .help("write `lambda:InvokeFunction` (the default), another `lambda:Name`, `lambda:*` or `*`"),
            );
            ok = false;
        }
        if let (Some(v), Some(src)) = (&source_arn, &r.source_arn)
            && !is_arn(v)
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}.source_arn` is `{v}`, not an ARN"),
                    "not an ARN",
                )
                .help("write the ARN of the resource that calls, e.g. `arn:aws:s3:::my-bucket`"),
            );
            ok = false;
        }
        if let (Some(v), Some(src)) = (&source_account, &r.source_account)
            && !is_account(v)
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!("`{path}.source_account` is `{v}`, not a 12-digit account id"),
                    "not an account id",
                )
                .help("write the 12-digit id of the account that owns the source, e.g. `123456789012`"),
            );
            ok = false;
        }
        if let (Some(v), Some(src)) = (&principal_org_id, &r.principal_org_id) {
            let valid = v.strip_prefix("o-").is_some_and(|rest| {
                (10..=32).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            if !valid {
                self.push(
                    Problem::new(
                        src.pos,
                        format!("`{path}.principal_org_id` is `{v}`, not an organization id"),
                        "not an organization id",
                    )
                    .help("write the id of the organization, `o-` and 10–32 lowercase letters or digits, e.g. `o-a1b2c3d4e5`"),
                );
                ok = false;
            }
        }
        let function_url_auth_type = match (&auth, &r.function_url_auth_type) {
            (Some(v), Some(src)) => match v.to_ascii_lowercase().as_str() {
                "none" => Some("NONE".to_owned()),
                "aws_iam" => Some("AWS_IAM".to_owned()),
                _ => {
                    self.push(
                        Problem::new(
                            src.pos,
                            format!("`{path}.function_url_auth_type` is `{v}`"),
                            "unknown auth type",
                        )
                        .help("write `none` or `aws_iam`"),
                    );
                    ok = false;
                    None
                }
            },
            _ => None,
        };
        if principal == "*"
            && source_arn.is_none()
            && source_account.is_none()
            && principal_org_id.is_none()
            && function_url_auth_type.is_none()
        {
            self.warn(
                Problem::new(
                    raw.pos,
                    format!("`{path}` lets anyone call the function (`principal: \"*\"` without a condition)"),
                    "public",
                )
                .help("limit it with `source_arn`, `source_account` or `principal_org_id`, unless the function is meant to be public"),
            );
        }
        ok.then(|| Permission {
            sid: sid.to_owned(),
            action,
            principal,
            source_arn,
            source_account,
            principal_org_id,
            function_url_auth_type,
            invoked_via_function_url: None,
        })
    }
}
