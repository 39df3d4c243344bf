//! Which role each account of a plan is reached through, for the plan's header.

use std::collections::BTreeMap;

use crate::plan::Plan;

/// One line per account reached through `assume_role`, e.g. `account 111111111111
/// through arn:aws:iam::111111111111:role/deployer (session flotilla-staging)`; empty
/// when the plan uses only the base credentials.
pub fn role_lines(plan: &Plan) -> Vec<String> {
    let mut by_account = BTreeMap::new();
    for f in &plan.functions {
        if let Some(role) = &f.assume_role {
            let account = f
                .account
                .clone()
                .unwrap_or_else(|| role.role_arn.account().to_owned());
            by_account
                .entry(account)
                .or_insert_with(|| (role.role_arn.to_string(), role.session_name.clone()));
        }
    }
    by_account
        .into_iter()
        .map(|(account, (arn, session))| {
            format!("account {account} through {arn} (session {session})")
        })
        .collect()
}
