//! STS for the HTTP front: `AssumeRole` and `GetCallerIdentity` (Query protocol: a
//! form-encoded `POST /`, XML answers), enough for `assume_role` to work against
//! `flotilla sim`.
//!
//! No trust policy is checked: any 12-digit-account role ARN is granted. Each grant
//! mints a session access key that the front then maps to the role's account, so Lambda
//! calls signed with the assumed credentials land in that account. Sessions are listed
//! (keys left out) at `GET /_sim/sts/sessions` for tests.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::wire::percent_decode;
use flotilla_cloud::iam::RoleArn;

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// One granted AssumeRole.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Session {
    /// The role's account: where calls with the session's key land.
    pub account: String,
    /// The role assumed.
    pub role_arn: String,
    /// `RoleSessionName` as sent.
    pub session_name: String,
    /// `ExternalId` as sent.
    pub external_id: Option<String>,
    /// The account that asked.
    pub caller_account: String,
}

/// Sessions by access key, in grant order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sessions {
    by_key: Arc<Mutex<BTreeMap<String, Session>>>,
    order: Arc<Mutex<Vec<String>>>,
}

impl Sessions {
    fn grant(&self, session: Session) -> String {
        let mut order = self.order.lock().unwrap_or_else(PoisonError::into_inner);
        let key = format!("ASIASIM{:013}", order.len() + 1);
        order.push(key.clone());
        self.by_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone(), session);
        key
    }

    /// The session of an access key, if it is one.
    pub(crate) fn get(&self, access_key: &str) -> Option<Session> {
        self.by_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(access_key)
            .cloned()
    }

    /// Every session in grant order, as JSON (without keys or secrets).
    pub(crate) fn list(&self) -> serde_json::Value {
        let order = self.order.lock().unwrap_or_else(PoisonError::into_inner);
        let by_key = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        let sessions: Vec<&Session> = order.iter().filter_map(|k| by_key.get(k)).collect();
        serde_json::json!({ "sessions": sessions })
    }
}

/// True for the requests this module serves: a form-encoded `POST /`.
pub(crate) fn is_sts(method: &str, path: &str, content_type: Option<&str>) -> bool {
    method == "POST"
        && path == "/"
        && content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
}

/// Serves one STS request from `caller_account` (the account its key maps to) with
/// `caller_key` (its access key).
pub(crate) fn handle(
    sessions: &Sessions,
    body: &[u8],
    caller_account: &str,
    caller_key: Option<&str>,
    request_id: &str,
) -> Response {
    let form: BTreeMap<String, String> = String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k, true), percent_decode(v, true))).filter(|(k, _)| !k.is_empty())
        })
        .collect();
    match form.get("Action").map(String::as_str) {
        Some("AssumeRole") => assume_role(sessions, &form, caller_account, request_id),
        Some("GetCallerIdentity") => {
            let arn = caller_key.and_then(|k| sessions.get(k)).map_or_else(
                || format!("arn:aws:iam::{caller_account}:root"),
                |s| assumed_arn(&s),
            );
            xml_ok(
                "GetCallerIdentity",
                &format!(
                    "<Arn>{}</Arn><UserId>{caller_account}</UserId><Account>{caller_account}</Account>",
                    escape(&arn)
                ),
                request_id,
            )
        }
        other => xml_error(
            400,
            "InvalidAction",
            &format!(
                "flotilla sim's STS serves AssumeRole and GetCallerIdentity, not {}",
                other.unwrap_or("(no Action)")
            ),
            request_id,
        ),
    }
}

fn assumed_arn(s: &Session) -> String {
    let role_name = s.role_arn.rsplit('/').next().unwrap_or_default();
    format!(
        "arn:aws:sts::{}:assumed-role/{role_name}/{}",
        s.account, s.session_name
    )
}

fn assume_role(
    sessions: &Sessions,
    form: &BTreeMap<String, String>,
    caller_account: &str,
    request_id: &str,
) -> Response {
    let role_arn = match RoleArn::new(form.get("RoleArn").cloned().unwrap_or_default()) {
        Ok(r) => r,
        Err(e) => return xml_error(400, "ValidationError", &e, request_id),
    };
    let session_name = form.get("RoleSessionName").cloned().unwrap_or_default();
    let name_ok = (2..=64).contains(&session_name.len())
        && session_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !name_ok {
        return xml_error(
            400,
            "ValidationError",
            "RoleSessionName must be 2-64 characters of [\\w+=,.@-]",
            request_id,
        );
    }
    let seconds: u64 = form
        .get("DurationSeconds")
        .and_then(|d| d.parse().ok())
        .unwrap_or(3600);
    let session = Session {
        account: role_arn.account().to_owned(),
        role_arn: role_arn.to_string(),
        session_name,
        external_id: form.get("ExternalId").cloned(),
        caller_account: caller_account.to_owned(),
    };
    let arn = assumed_arn(&session);
    let user_id = format!("AROASIM:{}", session.session_name);
    let key = sessions.grant(session);
    let expiration =
        humantime::format_rfc3339_seconds(SystemTime::now() + Duration::from_secs(seconds));
    xml_ok(
        "AssumeRole",
        &format!(
            "<Credentials><AccessKeyId>{key}</AccessKeyId>\
             <SecretAccessKey>sim-secret-{key}</SecretAccessKey>\
             <SessionToken>sim-token-{key}</SessionToken>\
             <Expiration>{expiration}</Expiration></Credentials>\
             <AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
             <PackedPolicySize>0</PackedPolicySize>",
            escape(&user_id),
            escape(&arn)
        ),
        request_id,
    )
}

fn xml(status: u16, body: String, request_id: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

fn xml_ok(action: &str, result: &str, request_id: &str) -> Response {
    xml(
        200,
        format!(
            "<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result>\
             <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
             </{action}Response>"
        ),
        request_id,
    )
}

fn xml_error(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    xml(
        status,
        format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
            escape(message)
        ),
        request_id,
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
