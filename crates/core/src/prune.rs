//! Finding the managed functions that left the manifest (`plan --prune`). Read-only.
//!
//! In every account and region the manifest's environment deploys to, ListFunctions
//! names what exists; each function the manifest does not have there is read with
//! GetFunction (its own 100/s quota, and it returns tags and the `RevisionId` the plan
//! records, where ListTags would cost the shared 15/s one), and kept when its tags name
//! this manifest and environment ([`Ownership::owns`]). Untagged functions, and those
//! tagged for another manifest or environment, are never candidates. Calls are paced
//! like `observe` and retried on throttling and transient errors.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;

use crate::model::{Model, Ownership, RetryPolicy};
use crate::observe::{Clients, LeftFunction};
use crate::pace::Pacer;
use flotilla_cloud::lambda::{ApiError, ApiOp, ApiResult};

/// Reads that may run at once; the pacer, not this number, keeps the rate under quota.
const PARALLEL_READS: usize = 64;

/// A read that failed after its retries.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
#[error("could not list the functions of {place} for --prune: {op} failed: {source}")]
#[diagnostic(help(
    "--prune needs lambda:ListFunctions and lambda:GetFunction on the whole account and region (calls made: {attempts})"
))]
pub struct PruneScanError {
    /// `account/region` (account `default`: the credentials' own).
    pub place: String,
    /// The call that failed.
    pub op: &'static str,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    #[source]
    pub source: ApiError,
}

/// Every function tagged for `model`'s manifest and environment, in the accounts and
/// regions its functions deploy to, whose name the model does not have there.
///
/// # Errors
/// A ListFunctions or GetFunction that failed after its retries.
pub async fn find_left(
    model: &Model,
    clients: &dyn Clients,
    pacer: &Pacer,
) -> Result<Vec<LeftFunction>, PruneScanError> {
    let places: BTreeSet<(Option<String>, String)> = model
        .functions
        .iter()
        .map(|f| {
            (
                f.account.as_ref().map(|a| a.as_str().to_owned()),
                f.region.as_str().to_owned(),
            )
        })
        .collect();
    // Names are kept per region across accounts: an account left implicit (the
    // credentials' own) may be the same as one written out, so a name the manifest has
    // in the region under any account is never a candidate.
    let mut names: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for f in &model.functions {
        names
            .entry(f.region.as_str())
            .or_default()
            .insert(f.name.as_str().to_owned());
    }
    let no_names = BTreeSet::new();
    let mut left: Vec<LeftFunction> = Vec::new();
    for (account, region) in &places {
        let scan = Scan {
            clients,
            pacer,
            owner: &model.ownership,
            account: account.as_deref(),
            region,
        };
        let found = scan
            .run(names.get(region.as_str()).unwrap_or(&no_names))
            .await?;
        // The same account listed under two spellings yields each function twice.
        for f in found {
            if !left.iter().any(|l| same_function(l, &f)) {
                left.push(f);
            }
        }
    }
    Ok(left)
}

fn same_function(a: &LeftFunction, b: &LeftFunction) -> bool {
    if a.info.arn.is_empty() || b.info.arn.is_empty() {
        a.region == b.region && a.account == b.account && a.info.name == b.info.name
    } else {
        a.info.arn == b.info.arn
    }
}

struct Scan<'a> {
    clients: &'a dyn Clients,
    pacer: &'a Pacer,
    owner: &'a Ownership,
    account: Option<&'a str>,
    region: &'a str,
}

impl Scan<'_> {
    async fn run(&self, names: &BTreeSet<String>) -> Result<Vec<LeftFunction>, PruneScanError> {
        let api = self.clients.client(self.account, self.region);
        let listed = self
            .call(ApiOp::ListFunctions, || api.list_functions())
            .await?
            .unwrap_or_default();
        let others = listed.into_iter().filter(|s| !names.contains(&s.name));
        let reads = others.map(|summary| {
            let api = api.clone();
            async move {
                self.call(ApiOp::GetFunction, || api.get_function(&summary.name))
                    .await
            }
        });
        let mut stream = futures::stream::iter(reads).buffer_unordered(PARALLEL_READS);
        let mut left = Vec::new();
        while let Some(read) = stream.next().await {
            // Deleted between the list and the read: nothing to prune.
            let Some(info) = read? else { continue };
            if self.owner.owns(&info.tags) {
                left.push(LeftFunction {
                    account: self.account.map(str::to_owned),
                    region: self.region.to_owned(),
                    info,
                });
            }
        }
        Ok(left)
    }

    /// One paced read with retries; `Ok(None)` on NotFound.
    async fn call<T, Fut>(
        &self,
        op: ApiOp,
        call: impl FnMut() -> Fut,
    ) -> Result<Option<T>, PruneScanError>
    where
        Fut: Future<Output = ApiResult<T>>,
    {
        let policy = RetryPolicy::default();
        let place = format!("{}/{}", self.account.unwrap_or("default"), self.region);
        crate::pace::read(
            self.pacer,
            self.account,
            self.region,
            op,
            &place,
            policy,
            call,
        )
        .await
        .map_err(|gave_up| PruneScanError {
            place,
            op: op.name(),
            attempts: gave_up.attempts,
            source: gave_up.error,
        })
    }
}
