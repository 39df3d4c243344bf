//! The resource-based policy as observed: GetPolicy on the alias when the function has
//! one (where SAM's `AutoPublishAlias` puts event permissions, so callers invoke the
//! alias), else on the unqualified function, parsed from the document Lambda writes.
//! Read only when the manifest has `permissions` or `url`.

use serde_json::Value;

use flotilla_cloud::lambda::{ApiOp, LambdaApi, Permission, PolicyInfo};

use crate::model::Function;

use super::{ObserveError, Reader};

/// A function's resource-based policy as observed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LivePolicy {
    /// The policy's `RevisionId`.
    pub revision_id: Option<String>,
    /// Its statements, in document order. A statement Flotilla cannot express (several
    /// actions, other conditions) is read with `exact: false`, so a manifest statement
    /// of the same id replaces it.
    pub statements: Vec<LiveStatement>,
}

/// One statement of a live policy.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStatement {
    /// The statement as AddPermission would have written it.
    pub permission: Permission,
    /// False when the statement holds something [`Permission`] cannot say.
    pub exact: bool,
}

/// The qualifier the function's policy lives on: its alias, else none.
pub fn qualifier(alias: Option<&str>) -> Option<String> {
    alias.map(str::to_owned)
}

/// Reads the policy when the manifest manages it (a fleet without `permissions` makes
/// no extra call). A 404 (no policy, or the alias does not exist yet) is an empty one.
pub(crate) async fn observe_policy(
    f: &Function,
    reader: &Reader<'_>,
    api: &dyn LambdaApi,
) -> Result<Option<LivePolicy>, ObserveError> {
    // `url` owns its statements in the same policy.
    if f.permissions.is_none() && f.url.is_none() {
        return Ok(None);
    }
    let name = f.name.as_str();
    let q = qualifier(f.alias.as_ref().map(|a| a.as_str()));
    let info = reader
        .call(ApiOp::GetPolicy, || api.get_policy(name, q.as_deref()))
        .await?;
    Ok(Some(info.map(|i| parse_policy(&i)).unwrap_or_default()))
}

/// Parses a policy document as Lambda writes it. Statements without a `Sid` are
/// skipped (AddPermission always writes one).
pub fn parse_policy(info: &PolicyInfo) -> LivePolicy {
    let doc: Value = serde_json::from_str(&info.policy).unwrap_or(Value::Null);
    let statements = match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().filter_map(parse_statement).collect(),
        Some(one @ Value::Object(_)) => parse_statement(one).into_iter().collect(),
        _ => Vec::new(),
    };
    LivePolicy {
        revision_id: info.revision_id.clone(),
        statements,
    }
}

fn parse_statement(s: &Value) -> Option<LiveStatement> {
    let sid = s.get("Sid")?.as_str()?.to_owned();
    let mut exact = s.get("Effect").and_then(Value::as_str) == Some("Allow");
    let action = match s.get("Action") {
        Some(Value::String(a)) => a.clone(),
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_str().unwrap_or_default().to_owned(),
        _ => {
            exact = false;
            String::new()
        }
    };
    let principal = match s.get("Principal") {
        Some(Value::String(p)) => p.clone(),
        Some(Value::Object(m)) if m.len() == 1 => {
            let (kind, v) = m.iter().next()?;
            let v = v.as_str().unwrap_or_default();
            match kind.as_str() {
                "Service" => v.to_owned(),
                "AWS" => account_of_root(v).unwrap_or(v).to_owned(),
                _ => {
                    exact = false;
                    v.to_owned()
                }
            }
        }
        _ => {
            exact = false;
            String::new()
        }
    };
    let mut p = Permission {
        sid,
        action,
        principal,
        source_arn: None,
        source_account: None,
        principal_org_id: None,
        function_url_auth_type: None,
        invoked_via_function_url: None,
    };
    if let Some(cond) = s.get("Condition") {
        let Value::Object(ops) = cond else {
            return Some(LiveStatement {
                permission: p,
                exact: false,
            });
        };
        for (op, keys) in ops {
            let Value::Object(keys) = keys else {
                exact = false;
                continue;
            };
            for (key, v) in keys {
                if op == "Bool" && key.eq_ignore_ascii_case("lambda:InvokedViaFunctionUrl") {
                    match v
                        .as_str()
                        .or(v.as_bool().map(|b| if b { "true" } else { "false" }))
                    {
                        Some("true") => p.invoked_via_function_url = Some(true),
                        Some("false") => p.invoked_via_function_url = Some(false),
                        _ => exact = false,
                    }
                    continue;
                }
                let v = v.as_str().map(str::to_owned);
                let slot = match (op.as_str(), key.to_ascii_lowercase().as_str()) {
                    ("ArnLike" | "ArnEquals" | "StringLike", "aws:sourcearn") => &mut p.source_arn,
                    ("StringEquals", "aws:sourceaccount") => &mut p.source_account,
                    ("StringEquals", "aws:principalorgid") => &mut p.principal_org_id,
                    ("StringEquals", "lambda:functionurlauthtype") => &mut p.function_url_auth_type,
                    _ => {
                        exact = false;
                        continue;
                    }
                };
                if v.is_none() {
                    exact = false;
                }
                *slot = v;
            }
        }
    }
    Some(LiveStatement {
        permission: p,
        exact,
    })
}

/// `123456789012` from `arn:aws:iam::123456789012:root`.
fn account_of_root(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws")?;
    let (_, rest) = rest.split_once(":iam::")?;
    let account = rest.strip_suffix(":root")?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: serde_json::Value) -> LivePolicy {
        parse_policy(&PolicyInfo {
            policy: doc.to_string(),
            revision_id: Some("r1".to_owned()),
        })
    }

    #[test]
    fn lambdas_statements_read_back_as_written() {
        let p = parse(serde_json::json!({
            "Version": "2012-10-17", "Id": "default",
            "Statement": [
                {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:r:1:function:f",
                 "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"},
                               "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}}},
                {"Sid": "acct", "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                 "Action": "lambda:InvokeFunction", "Resource": "x"},
                {"Sid": "org", "Effect": "Allow", "Principal": "*", "Action": "lambda:*",
                 "Resource": "x", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
            ]
        }));
        assert_eq!(p.revision_id.as_deref(), Some("r1"));
        let by: Vec<(&str, &str, bool)> = p
            .statements
            .iter()
            .map(|s| {
                (
                    s.permission.sid.as_str(),
                    s.permission.principal.as_str(),
                    s.exact,
                )
            })
            .collect();
        assert_eq!(
            by,
            [
                ("s3", "s3.amazonaws.com", true),
                ("acct", "210987654321", true),
                ("org", "*", true)
            ]
        );
        let s3 = &p.statements[0].permission;
        assert_eq!(s3.source_arn.as_deref(), Some("arn:aws:s3:::b"));
        assert_eq!(s3.source_account.as_deref(), Some("123456789012"));
        assert_eq!(
            p.statements[2].permission.principal_org_id.as_deref(),
            Some("o-a1b2c3d4e5")
        );
    }

    #[test]
    fn what_a_permission_cannot_say_is_not_exact() {
        let p = parse(serde_json::json!({
            "Statement": [
                {"Sid": "two-actions", "Effect": "Allow", "Principal": "*",
                 "Action": ["lambda:InvokeFunction", "lambda:GetFunction"]},
                {"Sid": "other-condition", "Effect": "Allow", "Principal": "*",
                 "Action": "lambda:InvokeFunction",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
                {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction"},
            ]
        }));
        assert_eq!(p.statements.len(), 2, "a statement without Sid is skipped");
        assert!(p.statements.iter().all(|s| !s.exact));
        assert!(
            parse(serde_json::json!("not a policy"))
                .statements
                .is_empty()
        );
    }
}
