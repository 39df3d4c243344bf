//! A function's resource-based policy: GetPolicy, AddPermission and RemovePermission,
//! one policy per qualifier (the unqualified function, a version or an alias), written
//! as Lambda writes it (`Version`, `Id: default`, one statement per `Sid`, conditions
//! `ArnLike` `AWS:SourceArn`, `StringEquals` `AWS:SourceAccount`, `aws:PrincipalOrgID`,
//! `lambda:FunctionUrlAuthType`) with its own `RevisionId`.

use serde_json::{Map, Value, json};

use flotilla_cloud::lambda::{AddPermissionInput, Permission, PolicyInfo, RemovePermissionInput};

use super::state::{FunctionRecord, SimError, parse_function_ref};
use super::world::{Call, World};

/// The policy of one qualifier of a function.
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    /// Statements in the order they were added.
    pub statements: Vec<Permission>,
    pub revision_id: String,
}

/// The policies of a function, by qualifier (`""`: the unqualified function).
pub(crate) type Policies = std::collections::BTreeMap<String, Policy>;

const NO_RESOURCE: &str = "The resource you requested does not exist.";

/// The ARN a qualifier's statements name as `Resource`, after checking the qualifier
/// exists.
fn resource(record: &FunctionRecord, qualifier: Option<&str>) -> Result<String, SimError> {
    match qualifier {
        None => Ok(record.arn.clone()),
        Some("$LATEST") => Err(SimError::invalid(
            "We currently do not support adding policies for $LATEST.",
        )),
        Some(q) => {
            let exists = record.aliases.contains_key(q)
                || q.parse::<u64>()
                    .is_ok_and(|n| record.versions.contains_key(&n));
            if exists {
                Ok(format!("{}:{q}", record.arn))
            } else {
                Err(SimError::not_found(format!(
                    "Function not found: {}:{q}",
                    record.arn
                )))
            }
        }
    }
}

/// The qualifier a request names, in the function reference or the `Qualifier`
/// parameter (both must agree).
fn qualifier_of(
    reference: &str,
    given: Option<&str>,
) -> Result<(String, Option<String>), SimError> {
    let (name, in_ref) = parse_function_ref(reference);
    match (in_ref, given) {
        (Some(a), Some(b)) if a != b => Err(SimError::invalid(
            "The derived qualifier from the function name does not match the specified qualifier.",
        )),
        (Some(a), _) => Ok((name, Some(a))),
        (None, b) => Ok((name, b.map(str::to_owned))),
    }
}

fn constraint(value: &str, member: &str, rule: &str) -> SimError {
    SimError::invalid(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

/// Lambda's checks of AddPermission's members (botocore's patterns and lengths).
fn check(p: &Permission) -> Result<(), SimError> {
    let sid_ok = (1..=100).contains(&p.sid.len())
        && p.sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !sid_ok {
        return Err(constraint(
            &p.sid,
            "statementId",
            "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
        ));
    }
    let action_ok = p.action == "*"
        || p.action == "lambda:*"
        || p.action
            .strip_prefix("lambda:")
            .is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphabetic()));
    if !action_ok {
        return Err(constraint(
            &p.action,
            "action",
            "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
        ));
    }
    if p.principal.is_empty()
        || p.principal.len() > 2048
        || p.principal.chars().any(char::is_whitespace)
        || !(p.principal == "*"
            || p.principal.ends_with(".amazonaws.com")
            || is_account(&p.principal)
            || p.principal.starts_with("arn:"))
    {
        return Err(SimError::invalid(
            "The provided principal was invalid. Please check the principal and try again.",
        ));
    }
    if let Some(a) = &p.source_account
        && !is_account(a)
    {
        return Err(constraint(
            a,
            "sourceAccount",
            "Member must satisfy regular expression pattern: \\d{12}",
        ));
    }
    if let Some(arn) = &p.source_arn
        && (!arn.starts_with("arn:aws") || arn.split(':').count() < 6)
    {
        return Err(constraint(
            arn,
            "sourceArn",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)",
        ));
    }
    if let Some(org) = &p.principal_org_id {
        let ok = org.strip_prefix("o-").is_some_and(|rest| {
            (10..=32).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !ok {
            return Err(constraint(
                org,
                "principalOrgID",
                "Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}",
            ));
        }
    }
    if let Some(auth) = &p.function_url_auth_type
        && auth != "NONE"
        && auth != "AWS_IAM"
    {
        return Err(constraint(
            auth,
            "functionUrlAuthType",
            "Member must satisfy enum value set: [NONE, AWS_IAM]",
        ));
    }
    Ok(())
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// One statement as Lambda writes it in the policy document.
pub(crate) fn statement_json(p: &Permission, resource: &str) -> Value {
    let principal = if p.principal == "*" {
        json!("*")
    } else if p.principal.ends_with(".amazonaws.com") {
        json!({ "Service": p.principal })
    } else if is_account(&p.principal) {
        json!({ "AWS": format!("arn:aws:iam::{}:root", p.principal) })
    } else {
        json!({ "AWS": p.principal })
    };
    let mut equals = Map::new();
    if let Some(a) = &p.source_account {
        equals.insert("AWS:SourceAccount".to_owned(), json!(a));
    }
    if let Some(o) = &p.principal_org_id {
        equals.insert("aws:PrincipalOrgID".to_owned(), json!(o));
    }
    if let Some(t) = &p.function_url_auth_type {
        equals.insert("lambda:FunctionUrlAuthType".to_owned(), json!(t));
    }
    let mut condition = Map::new();
    if !equals.is_empty() {
        condition.insert("StringEquals".to_owned(), Value::Object(equals));
    }
    if let Some(via) = p.invoked_via_function_url {
        condition.insert(
            "Bool".to_owned(),
            json!({ "lambda:InvokedViaFunctionUrl": if via { "true" } else { "false" } }),
        );
    }
    if let Some(arn) = &p.source_arn {
        condition.insert("ArnLike".to_owned(), json!({ "AWS:SourceArn": arn }));
    }
    let mut s = json!({
        "Sid": p.sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": p.action,
        "Resource": resource,
    });
    if !condition.is_empty() {
        s["Condition"] = Value::Object(condition);
    }
    s
}

impl World {
    /// GetPolicy.
    pub(crate) fn get_policy(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<PolicyInfo, SimError> {
        let (name, qualifier) = qualifier_of(reference, qualifier)?;
        let (record, _) = self.function_mut(call, &name)?;
        let resource = match qualifier.as_deref() {
            Some("$LATEST") => record.arn.clone(),
            q => self::resource(record, q)?,
        };
        let policy = record
            .policies
            .get(qualifier.as_deref().unwrap_or_default())
            .filter(|p| !p.statements.is_empty())
            .ok_or_else(|| SimError::not_found(NO_RESOURCE))?;
        let statements: Vec<Value> = policy
            .statements
            .iter()
            .map(|s| statement_json(s, &resource))
            .collect();
        let doc = json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements });
        Ok(PolicyInfo {
            policy: doc.to_string(),
            revision_id: Some(policy.revision_id.clone()),
        })
    }

    /// AddPermission; returns the statement added (JSON text).
    pub(crate) fn add_permission(
        &mut self,
        call: &Call<'_>,
        input: AddPermissionInput,
    ) -> Result<String, SimError> {
        let (name, qualifier) = qualifier_of(&input.function_name, input.qualifier.as_deref())?;
        let (record, env) = self.function_mut(call, &name)?;
        let resource = resource(record, qualifier.as_deref())?;
        check(&input.permission)?;
        let policy = record
            .policies
            .entry(qualifier.unwrap_or_default())
            .or_default();
        if let Some(expected) = &input.revision_id
            && policy.revision_id != *expected
        {
            return Err(stale_revision());
        }
        if policy
            .statements
            .iter()
            .any(|s| s.sid == input.permission.sid)
        {
            return Err(SimError::conflict(format!(
                "The statement id ({}) provided already exists. Please provide a new statement id, or remove the existing statement.",
                input.permission.sid
            )));
        }
        let statement = statement_json(&input.permission, &resource);
        policy.statements.push(input.permission);
        policy.revision_id = env.revision();
        Ok(statement.to_string())
    }

    /// RemovePermission.
    pub(crate) fn remove_permission(
        &mut self,
        call: &Call<'_>,
        input: RemovePermissionInput,
    ) -> Result<(), SimError> {
        let (name, qualifier) = qualifier_of(&input.function_name, input.qualifier.as_deref())?;
        let (record, env) = self.function_mut(call, &name)?;
        let resource = resource(record, qualifier.as_deref())?;
        let policy = record
            .policies
            .get_mut(qualifier.as_deref().unwrap_or_default())
            .filter(|p| !p.statements.is_empty())
            .ok_or_else(|| SimError::not_found(format!("No policy is found for: {resource}")))?;
        if let Some(expected) = &input.revision_id
            && policy.revision_id != *expected
        {
            return Err(stale_revision());
        }
        let Some(at) = policy.statements.iter().position(|s| s.sid == input.sid) else {
            return Err(SimError::not_found(format!(
                "Statement {} is not found in resource policy.",
                input.sid
            )));
        };
        policy.statements.remove(at);
        policy.revision_id = env.revision();
        Ok(())
    }
}

fn stale_revision() -> SimError {
    SimError::precondition(
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
    )
}

/// The HTTP side: `/2015-03-31/functions/{FunctionName}/policy[/{StatementId}]`.
pub(crate) mod http {
    use serde_json::{Value, json};

    use flotilla_cloud::lambda::{AddPermissionInput, ApiOp, Permission, RemovePermissionInput};

    use crate::Sim;
    use crate::http::routes::{LambdaRequest, Reply, only_query};
    use crate::state::{SimError, parse_function_ref};

    /// AddPermission's body members the emulator models.
    const ADD_MEMBERS: [&str; 10] = [
        "StatementId",
        "Action",
        "Principal",
        "SourceArn",
        "SourceAccount",
        "PrincipalOrgID",
        "FunctionUrlAuthType",
        "InvokedViaFunctionUrl",
        "RevisionId",
        "Qualifier",
    ];

    fn text(body: &Value, key: &str) -> Result<Option<String>, SimError> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(SimError::invalid(format!("{key} must be a string."))),
        }
    }

    fn required(body: &Value, key: &str) -> Result<String, SimError> {
        text(body, key)?.ok_or_else(|| SimError::invalid(format!("{key} is required.")))
    }

    /// Routes one policy request; `rest` is what follows `policy` in the path.
    pub(crate) async fn handle(
        sim: &Sim,
        req: &LambdaRequest<'_>,
        f: &str,
        rest: &[&str],
    ) -> Reply {
        let (acct, region) = (req.account.as_str(), req.region.as_str());
        let name = parse_function_ref(f).0;
        let qualifier = req.query_value("Qualifier").map(str::to_owned);
        match (req.method, rest) {
            ("GET", []) => {
                only_query(req, "GetPolicy", &["Qualifier"])?;
                let info = sim
                    .dispatch(acct, region, ApiOp::GetPolicy, Some(&name), |w, c| {
                        w.get_policy(c, f, qualifier.as_deref())
                    })
                    .await?;
                Ok((
                    200,
                    Some(json!({ "Policy": info.policy, "RevisionId": info.revision_id })),
                ))
            }
            ("POST", []) => {
                only_query(req, "AddPermission", &["Qualifier"])?;
                let body = &req.body;
                if let Value::Object(members) = body {
                    let other: Vec<&str> = members
                        .keys()
                        .map(String::as_str)
                        .filter(|k| !ADD_MEMBERS.contains(k))
                        .collect();
                    if !other.is_empty() {
                        return Err(SimError::invalid(format!(
                            "The emulator does not model {} of AddPermission; Lambda would apply it, so the request is refused rather than half done.",
                            other.join(", ")
                        )));
                    }
                }
                let permission = Permission {
                    sid: required(body, "StatementId")?,
                    action: required(body, "Action")?,
                    principal: required(body, "Principal")?,
                    source_arn: text(body, "SourceArn")?,
                    source_account: text(body, "SourceAccount")?,
                    principal_org_id: text(body, "PrincipalOrgID")?,
                    function_url_auth_type: text(body, "FunctionUrlAuthType")?,
                    invoked_via_function_url: match body.get("InvokedViaFunctionUrl") {
                        None | Some(Value::Null) => None,
                        Some(Value::Bool(b)) => Some(*b),
                        Some(_) => {
                            return Err(SimError::invalid(
                                "InvokedViaFunctionUrl must be a boolean.",
                            ));
                        }
                    },
                };
                let input = AddPermissionInput {
                    function_name: f.to_owned(),
                    qualifier,
                    permission,
                    revision_id: text(body, "RevisionId")?,
                };
                let statement = sim
                    .dispatch(acct, region, ApiOp::AddPermission, Some(&name), |w, c| {
                        w.add_permission(c, input)
                    })
                    .await?;
                Ok((201, Some(json!({ "Statement": statement }))))
            }
            ("DELETE", [sid]) => {
                only_query(req, "RemovePermission", &["Qualifier", "RevisionId"])?;
                let input = RemovePermissionInput {
                    function_name: f.to_owned(),
                    qualifier,
                    sid: (*sid).to_owned(),
                    revision_id: req.query_value("RevisionId").map(str::to_owned),
                };
                sim.dispatch(
                    acct,
                    region,
                    ApiOp::RemovePermission,
                    Some(&name),
                    |w, c| w.remove_permission(c, input),
                )
                .await?;
                Ok((204, None))
            }
            _ => Err(SimError::new(
                404,
                "UnknownOperationException",
                format!("Unknown operation: {} {f}/policy", req.method),
            )),
        }
    }
}
