//! `assume_role`: the IAM role Flotilla assumes (through STS) to reach an account.
//!
//! The manifest names the role per environment, function or `defaults`; validation turns
//! it into an [`AssumeRole`] on each function (with the STS session name Flotilla will
//! use), checks that the role's account matches the function's `account`, and that all
//! functions of one account use the same role (one set of credentials, one Lambda client
//! and one quota limiter per account and region). A saved plan carries the same
//! [`AssumeRole`], so `apply plan.json` assumes the role the plan was made with.

use std::collections::BTreeMap;

use flotilla_cloud::iam::iam_name_char;
pub use flotilla_cloud::iam::{AssumeRole, RoleArn};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::Sp;

use super::layers::Layers;
use super::validate::Validator;
use super::{AccountId, Function};

/// Longest role session name STS accepts.
pub const MAX_SESSION_NAME: usize = 64;

/// The STS session name for an environment: `flotilla-<env>` (`flotilla` without one),
/// with characters STS refuses replaced by `-` and cut to 64 characters.
pub fn session_name(environment: Option<&str>) -> String {
    let raw = match environment {
        Some(env) => format!("flotilla-{env}"),
        None => "flotilla".to_owned(),
    };
    raw.chars()
        .map(|c| {
            if c.is_ascii() && iam_name_char(c as u8) {
                c
            } else {
                '-'
            }
        })
        .take(MAX_SESSION_NAME)
        .collect()
}

impl<'a> Validator<'a> {
    /// The function's `assume_role` (and `external_id`), interpolated and checked.
    /// `Err(())` when it was written but is invalid (already reported).
    pub(crate) fn assume_role(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        account: Option<&AccountId>,
        path: &str,
    ) -> Result<Option<(AssumeRole, &'a Sp<String>)>, ()> {
        // The role belongs to the account, so it layers like `account` (a function's own
        // value wins over the environment's); its external ID comes with it.
        let layered = [Some(layers.function), layers.environment, layers.defaults];
        let stray = layered
            .iter()
            .flatten()
            .find_map(|s| s.external_id.as_ref().filter(|_| s.assume_role.is_none()));
        if let Some(e) = stray {
            self.push(
                Problem::new(
                    e.pos,
                    "`external_id` is set without an `assume_role` next to it",
                    "external_id without assume_role",
                )
                .help("`external_id` is passed to STS with the `assume_role` it sits next to; write both in the same place"),
            );
            return Err(());
        }
        let Some((src, external)) = layered
            .into_iter()
            .flatten()
            .find_map(|s| Some((s.assume_role.as_ref()?, s.external_id.as_ref())))
        else {
            return Ok(None);
        };
        let arn_path = format!("{path}.assume_role");
        let value = self.text(src, ctx, &arn_path).ok_or(())?;
        let role_arn = RoleArn::new(value).map_err(|e| {
            self.push(
                Problem::new(src.pos, format!("`{arn_path}`: {e}"), "not an IAM role ARN")
                    .help("write the role's ARN, e.g. arn:aws:iam::123456789012:role/deployer (or arn:aws:iam::${account}:role/deployer)"),
            );
        })?;
        if let Some(account) = account
            && account.as_str() != role_arn.account()
        {
            self.push(
                Problem::new(
                    src.pos,
                    format!(
                        "`{arn_path}` is in account {}, but the function's `account` is {}",
                        role_arn.account(),
                        account.as_str()
                    ),
                    "role in another account",
                )
                .help("Flotilla deploys into the account whose role it assumes: name a role in the same account, or write it as arn:aws:iam::${account}:role/NAME"),
            );
            return Err(());
        }
        let external_id = match external {
            Some(e) => {
                let v = self
                    .text(e, ctx, &format!("{path}.external_id"))
                    .ok_or(())?;
                let ok = (2..=1224).contains(&v.len())
                    && v.bytes()
                        .all(|b| iam_name_char(b) || b == b':' || b == b'/');
                if !ok {
                    self.push(
                        Problem::new(
                            e.pos,
                            format!("`{path}.external_id` is not a valid external ID"),
                            "invalid external ID",
                        )
                        .help("an external ID is 2–1224 letters, digits and `+=,.@:/-_`"),
                    );
                    return Err(());
                }
                Some(v)
            }
            None => None,
        };
        Ok(Some((
            AssumeRole {
                role_arn,
                session_name: session_name(self.input.environment),
                external_id,
            },
            src,
        )))
    }

    /// One account, one set of credentials: every function deployed into an account
    /// must assume the same role (or none).
    pub(crate) fn one_role_per_account(
        &mut self,
        functions: &[(Function, Option<&'a Sp<String>>)],
    ) {
        let mut first: BTreeMap<Option<&str>, &Function> = BTreeMap::new();
        for (f, src) in functions {
            let account = f.account.as_ref().map(AccountId::as_str);
            let Some(seen) = first.get(&account).copied() else {
                first.insert(account, f);
                continue;
            };
            if seen.assume_role == f.assume_role {
                continue;
            }
            let describe = |g: &Function| {
                g.assume_role.as_ref().map_or_else(
                    || "no `assume_role`".to_owned(),
                    |r| format!("`assume_role` {}", r.role_arn),
                )
            };
            let pos = src.map_or_else(
                || {
                    self.raw
                        .functions
                        .as_ref()
                        .and_then(|fs| fs.0.iter().find(|(k, _)| k.value == f.key.0))
                        .map(|(k, _)| k.pos)
                        .unwrap_or(crate::manifest::node::Pos::START)
                },
                |s| s.pos,
            );
            self.push(
                Problem::new(
                    pos,
                    format!(
                        "function `{}` has {}, but `{}` in the same account has {}",
                        f.key,
                        describe(f),
                        seen.key,
                        describe(seen)
                    ),
                    "another role for the same account",
                )
                .help("Flotilla uses one set of credentials per account: set `assume_role` once for the account (on the environment or in `defaults`)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked() {
        for ok in [
            "arn:aws:iam::123456789012:role/deployer",
            "arn:aws:iam::123456789012:role/ci/flotilla/deployer",
            "arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f_g-h",
        ] {
            assert!(RoleArn::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "deployer",
            "arn:aws:iam::12345678901:role/deployer",
            "arn:aws:iam:eu-north-1:123456789012:role/deployer",
            "arn:aws:iam::123456789012:user/deployer",
            "arn:aws:sts::123456789012:role/deployer",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/has space",
        ] {
            assert!(RoleArn::new(bad).is_err(), "{bad}");
        }
        assert_eq!(
            RoleArn::new("arn:aws:iam::123456789012:role/x")
                .map(|r| r.account().to_owned())
                .ok(),
            Some("123456789012".to_owned())
        );
    }

    #[test]
    fn session_names_are_flotilla_dash_env_within_sts_rules() {
        assert_eq!(session_name(Some("staging")), "flotilla-staging");
        assert_eq!(session_name(None), "flotilla");
        assert_eq!(session_name(Some("eu prod/1")), "flotilla-eu-prod-1");
        assert_eq!(session_name(Some("é")), "flotilla--");
        let long = session_name(Some(&"x".repeat(100)));
        assert_eq!(long.len(), MAX_SESSION_NAME);
        assert!(long.starts_with("flotilla-xxx"));
    }
}
