//! `url`: the function URL, on the alias when the function has one (else on the
//! unqualified function; never `$LATEST`). Taken whole from the last layer that has it;
//! absent everywhere, the live URL is left alone; `url: false` deletes it. With
//! `auth: none`, the policy statements that let anyone call it are Flotilla's too
//! ([`url_statements`]).

use flotilla_cloud::lambda::{
    CORS_METHODS, FunctionUrlSettings, MAX_CORS_HEADER_LEN, MAX_CORS_ITEMS, MAX_CORS_MAX_AGE,
    MAX_CORS_METHODS, MAX_CORS_ORIGIN_LEN, Permission, URL_INVOKE_ACTION_SID,
    URL_PUBLIC_ACCESS_SID, UrlAuthType, UrlCors, UrlInvokeMode,
};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::Sp;
use crate::manifest::raw_url::{RawCors, RawUrl};

use super::around_async::Managed;
use super::layers::Layers;
use super::validate::Validator;

/// The function URL the manifest manages; `None`: left alone.
pub type Url = Option<Managed<FunctionUrlSettings>>;

/// The statement ids the `url` section owns in the function's policy.
pub const URL_SIDS: [&str; 2] = [URL_PUBLIC_ACCESS_SID, URL_INVOKE_ACTION_SID];

/// The statements a URL with these settings needs (none for `aws_iam`): as AWS
/// documents for `AuthType: NONE`, `lambda:InvokeFunctionUrl` to `*` when the auth type
/// is `NONE`, and (since October 2025) `lambda:InvokeFunction` to `*` when invoked
/// through a function URL.
pub fn url_statements(settings: &FunctionUrlSettings) -> Vec<Permission> {
    if settings.auth != UrlAuthType::None {
        return Vec::new();
    }
    vec![
        Permission {
            sid: URL_PUBLIC_ACCESS_SID.to_owned(),
            action: "lambda:InvokeFunctionUrl".to_owned(),
            principal: "*".to_owned(),
            source_arn: None,
            source_account: None,
            principal_org_id: None,
            function_url_auth_type: Some("NONE".to_owned()),
            invoked_via_function_url: None,
        },
        Permission {
            sid: URL_INVOKE_ACTION_SID.to_owned(),
            action: "lambda:InvokeFunction".to_owned(),
            principal: "*".to_owned(),
            source_arn: None,
            source_account: None,
            principal_org_id: None,
            function_url_auth_type: None,
            invoked_via_function_url: Some(true),
        },
    ]
}

impl<'a> Validator<'a> {
    /// Refuses a `permissions` statement with an id the `url` section owns.
    pub(crate) fn url_sids_clash(
        &mut self,
        layers: &Layers<'a>,
        path: &str,
        permissions: &super::permissions::Permissions,
        url: &Url,
    ) -> Option<()> {
        let (Some(perms), Some(_)) = (permissions, url) else {
            return Some(());
        };
        let clash: Vec<&str> = URL_SIDS
            .into_iter()
            .filter(|sid| perms.contains_key(*sid))
            .collect();
        if clash.is_empty() {
            return Some(());
        }
        let pos = layers
            .pick(|s| s.permissions.as_ref())
            .map(|p| p.pos)
            .unwrap_or_default();
        self.push(
            Problem::new(
                pos,
                format!(
                    "`{path}.permissions.{}` is a statement `{path}.url` manages",
                    clash[0]
                ),
                "statement id of the URL",
            )
            .help(format!(
                "remove or rename it: with `url`, Flotilla writes the statements {} itself (for `auth: none`)",
                URL_SIDS.join(" and ")
            )),
        );
        None
    }

    /// `url`, from the last layer that sets it.
    pub(crate) fn function_url(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        path: &str,
    ) -> Option<Url> {
        let Some(src) = layers.pick(|s| s.url.as_ref()) else {
            return Some(None);
        };
        let path = format!("{path}.url");
        let raw = match &src.value {
            RawUrl::Flag(b) if !b.value => return Some(Some(Managed::Remove)),
            RawUrl::Flag(b) => {
                self.push(
                    Problem::new(b.pos, format!("`{path}` is `true`"), "settings needed")
                        .help("write the URL's settings, e.g. `url: { auth: aws_iam }`, or `url: false` to delete it"),
                );
                return None;
            }
            RawUrl::Set(raw) => raw,
        };
        let auth = match &raw.auth {
            None => {
                if !self.unreadable(&format!("{path}.auth")) {
                    self.push(
                        Problem::new(src.pos, format!("`{path}.auth` is missing"), "no auth")
                            .help("write `auth: aws_iam` (callers sign with IAM) or `auth: none` (public; Flotilla adds the policy statements that allow it)"),
                    );
                }
                None
            }
            Some(a) => {
                let v = self.text(a, ctx, &format!("{path}.auth"));
                match v.as_deref() {
                    None => None,
                    Some("none") => Some(UrlAuthType::None),
                    Some("aws_iam") => Some(UrlAuthType::AwsIam),
                    Some(other) => {
                        self.push(
                            Problem::new(
                                a.pos,
                                format!("`{path}.auth` is `{other}`, not a known value"),
                                "unknown value",
                            )
                            .help("write `none` or `aws_iam`"),
                        );
                        None
                    }
                }
            }
        };
        let invoke_mode = match &raw.invoke_mode {
            None => Some(UrlInvokeMode::Buffered),
            Some(m) => {
                let v = self.text(m, ctx, &format!("{path}.invoke_mode"));
                match v.as_deref() {
                    None => None,
                    Some("buffered") => Some(UrlInvokeMode::Buffered),
                    Some("response_stream") => Some(UrlInvokeMode::ResponseStream),
                    Some(other) => {
                        self.push(
                            Problem::new(
                                m.pos,
                                format!("`{path}.invoke_mode` is `{other}`, not a known value"),
                                "unknown value",
                            )
                            .help("write `buffered` (Lambda's default) or `response_stream`"),
                        );
                        None
                    }
                }
            }
        };
        let cors = match &raw.cors {
            None => Some(UrlCors::default()),
            Some(c) => self.cors(c, ctx, &format!("{path}.cors")),
        };
        Some(Some(Managed::Set(FunctionUrlSettings {
            auth: auth?,
            invoke_mode: invoke_mode?,
            cors: cors?,
        })))
    }

    fn cors(&mut self, c: &Sp<RawCors>, ctx: &Context<'_>, path: &str) -> Option<UrlCors> {
        let r = &c.value;
        let origins = self.cors_list(
            r.allow_origins.as_ref(),
            ctx,
            &format!("{path}.allow_origins"),
            MAX_CORS_ITEMS,
            MAX_CORS_ORIGIN_LEN,
            "an origin such as `https://example.com`, or `*`",
        );
        let methods = self.cors_list(
            r.allow_methods.as_ref(),
            ctx,
            &format!("{path}.allow_methods"),
            MAX_CORS_METHODS,
            6,
            "an HTTP method such as `GET`, or `*`",
        );
        let methods = methods.and_then(|list| {
            let mut ok = true;
            let src = r
                .allow_methods
                .as_ref()
                .map(|l| l.value.as_slice())
                .unwrap_or_default();
            for (i, m) in list.iter().enumerate() {
                if m != "*" && !CORS_METHODS.contains(&m.as_str()) {
                    let pos = src.get(i).map_or(c.pos, |s| s.pos);
                    self.push(
                        Problem::new(
                            pos,
                            format!(
                                "`{path}.allow_methods[{i}]` is `{m}`, not `*` or an HTTP method"
                            ),
                            "not a method",
                        )
                        .help(format!(
                            "write `*` or one of {} (upper case)",
                            CORS_METHODS.join(", ")
                        )),
                    );
                    ok = false;
                }
            }
            ok.then_some(list)
        });
        let headers = self.cors_list(
            r.allow_headers.as_ref(),
            ctx,
            &format!("{path}.allow_headers"),
            MAX_CORS_ITEMS,
            MAX_CORS_HEADER_LEN,
            "a header name such as `content-type`",
        );
        let expose = self.cors_list(
            r.expose_headers.as_ref(),
            ctx,
            &format!("{path}.expose_headers"),
            MAX_CORS_ITEMS,
            MAX_CORS_HEADER_LEN,
            "a header name such as `x-request-id`",
        );
        let max_age = match &r.max_age {
            Some(a) if a.value > MAX_CORS_MAX_AGE => {
                self.push(
                    Problem::new(
                        a.pos,
                        format!("`{path}.max_age` is {}: it must be 0–{MAX_CORS_MAX_AGE}", a.value),
                        "outside 0–86400",
                    )
                    .help("how many seconds a browser may cache the preflight answer: at most 86400 (a day)"),
                );
                None
            }
            Some(a) => Some(a.value),
            None => Some(0),
        };
        Some(UrlCors {
            allow_origins: origins?,
            allow_methods: methods?,
            allow_headers: headers?,
            expose_headers: expose?,
            allow_credentials: r.allow_credentials.as_ref().is_some_and(|b| b.value),
            max_age: max_age?,
        })
    }

    /// One CORS list: at most `max_items` values of 1–`max_len` characters.
    fn cors_list(
        &mut self,
        src: Option<&Sp<Vec<Sp<String>>>>,
        ctx: &Context<'_>,
        path: &str,
        max_items: usize,
        max_len: usize,
        example: &str,
    ) -> Option<Vec<String>> {
        let Some(src) = src else {
            return Some(Vec::new());
        };
        let mut ok = true;
        if src.value.len() > max_items {
            self.push(
                Problem::new(
                    src.pos,
                    format!(
                        "`{path}` has {} values: at most {max_items}",
                        src.value.len()
                    ),
                    "too many values",
                )
                .help(format!("Lambda takes at most {max_items}; `*` allows any")),
            );
            ok = false;
        }
        let mut out = Vec::new();
        for (i, item) in src.value.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(v) = self.text(item, ctx, &p) else {
                ok = false;
                continue;
            };
            if v.is_empty() || v.len() > max_len {
                self.push(
                    Problem::new(
                        item.pos,
                        format!("`{p}` is {} characters: it must be 1–{max_len}", v.len()),
                        "wrong length",
                    )
                    .help(format!("write {example}")),
                );
                ok = false;
                continue;
            }
            out.push(v);
        }
        ok.then_some(out)
    }
}
