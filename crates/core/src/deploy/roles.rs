//! Which role (if any) each account is reached through, gathered from a model or a plan.

use std::collections::BTreeMap;

use crate::model::{AssumeRole, Model};
use crate::plan::Plan;

/// The role of each account (`None`: the credentials' own account) with a region to
/// call STS in when the configuration names none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRoles {
    /// The environment the roles were chosen for (named in errors).
    pub environment: Option<String>,
    /// Account → (role, or none; the first region seen for it).
    pub accounts: BTreeMap<Option<String>, (Option<AssumeRole>, String)>,
}

/// Functions of one account name different roles (only a hand-edited plan can).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("account {account} is reached through two roles in this plan: {first} and {second}")]
#[diagnostic(help(
    "Flotilla uses one set of credentials per account; re-create the plan with `flotilla plan -o`"
))]
pub struct RoleConflict {
    /// The account (or `(credentials' own)`).
    pub account: String,
    /// One role (or `no role`).
    pub first: String,
    /// Another.
    pub second: String,
}

impl AccountRoles {
    /// The roles of a validated model (validation already refused conflicts).
    ///
    /// # Errors
    /// When two functions of one account name different roles.
    pub fn of_model(model: &Model) -> Result<Self, RoleConflict> {
        Self::collect(
            model.environment.as_deref(),
            model.functions.iter().map(|f| {
                (
                    f.account.as_ref().map(|a| a.as_str()),
                    f.assume_role.as_ref(),
                    f.region.as_str(),
                )
            }),
        )
    }

    /// The roles a saved plan records, so apply assumes what plan assumed.
    ///
    /// # Errors
    /// When two functions of one account name different roles.
    pub fn of_plan(plan: &Plan) -> Result<Self, RoleConflict> {
        Self::collect(
            plan.environment.as_deref(),
            plan.functions.iter().map(|f| {
                (
                    f.account.as_deref(),
                    f.assume_role.as_ref(),
                    f.region.as_str(),
                )
            }),
        )
    }

    fn collect<'a>(
        environment: Option<&str>,
        functions: impl Iterator<Item = (Option<&'a str>, Option<&'a AssumeRole>, &'a str)>,
    ) -> Result<Self, RoleConflict> {
        let mut accounts: BTreeMap<Option<String>, (Option<AssumeRole>, String)> = BTreeMap::new();
        for (account, role, region) in functions {
            let key = account.map(str::to_owned);
            match accounts.get(&key) {
                None => {
                    accounts.insert(key, (role.cloned(), region.to_owned()));
                }
                Some((seen, _)) if seen.as_ref() == role => {}
                Some((seen, _)) => {
                    let name = |r: Option<&AssumeRole>| {
                        r.map_or_else(|| "no role".to_owned(), |r| r.role_arn.to_string())
                    };
                    return Err(RoleConflict {
                        account: account.unwrap_or("(credentials' own)").to_owned(),
                        first: name(seen.as_ref()),
                        second: name(role),
                    });
                }
            }
        }
        Ok(Self {
            environment: environment.map(str::to_owned),
            accounts,
        })
    }

    /// True when some account is reached through a role.
    pub fn any(&self) -> bool {
        self.accounts.values().any(|(r, _)| r.is_some())
    }

    /// Each account with a role: (account, role, STS region).
    pub fn roles(&self) -> impl Iterator<Item = (Option<&str>, &AssumeRole, &str)> {
        self.accounts
            .iter()
            .filter_map(|(a, (r, region))| Some((a.as_deref(), r.as_ref()?, region.as_str())))
    }
}
