//! Shards: the account/region groups of a plan, so a CI job matrix can apply one saved
//! plan in parallel jobs, each within its own account-region quota.

use std::collections::BTreeSet;

use super::types::{Action, Plan};

/// Shard name of functions whose account is the credentials' own.
pub const DEFAULT_ACCOUNT_SHARD: &str = "default";

impl Plan {
    /// `ACCOUNT/REGION` of every group with changes, sorted.
    pub fn shards(&self) -> Vec<String> {
        self.functions
            .iter()
            .filter(|f| f.action != Action::NoChange)
            .map(|f| shard_name(f.account.as_deref(), &f.region))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// `ACCOUNT/REGION` of every group in the plan, changed or not, sorted: the names
    /// `--shard` accepts.
    pub fn all_shards(&self) -> Vec<String> {
        self.functions
            .iter()
            .map(|f| shard_name(f.account.as_deref(), &f.region))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The part of the plan in `shard`; dependencies on functions outside it count as
    /// done (another job applies them), as with `--only`.
    pub fn only_shard(&self, shard: &str) -> Plan {
        let mut part = self.clone();
        part.functions
            .retain(|f| shard_name(f.account.as_deref(), &f.region) == shard);
        let keys: BTreeSet<_> = part.functions.iter().map(|f| f.key.clone()).collect();
        for f in &mut part.functions {
            f.depends_on.retain(|d| keys.contains(d));
        }
        part
    }
}

/// `ACCOUNT/REGION`, with `default` for the credentials' account.
pub fn shard_name(account: Option<&str>, region: &str) -> String {
    format!("{}/{region}", account.unwrap_or(DEFAULT_ACCOUNT_SHARD))
}
