//! Reading the functions to import: by name (GetFunction in each region), or by listing
//! each region (ListFunctions) and keeping those whose name has the prefix, then reading
//! each (GetFunction, which also returns the tags) and keeping those with the tags asked
//! for. Every call is paced per region under the same limits as `plan` and retried on
//! throttling and transient failures.

use futures::StreamExt;

use super::Found;
use crate::model::RetryPolicy;
use crate::observe::Clients;
use crate::pace::Pacer;
use flotilla_cloud::lambda::{ApiError, ApiOp, ApiResult, FunctionInfo, LambdaApi};

/// Which functions to import. Empty: every function in the regions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Exact function names; each must exist in at least one region.
    pub names: Vec<String>,
    /// Names starting with this.
    pub prefix: Option<String>,
    /// Tags a function must all carry (`KEY=VALUE`; an empty value: the key at all).
    pub tags: Vec<(String, String)>,
}

impl Filter {
    fn keeps_name(&self, name: &str) -> bool {
        self.prefix.as_deref().is_none_or(|p| name.starts_with(p))
    }

    fn keeps_tags(&self, info: &FunctionInfo) -> bool {
        self.tags.iter().all(|(k, v)| match info.tags.get(k) {
            Some(live) => v.is_empty() || live == v,
            None => false,
        })
    }
}

/// A read that failed after its retries, or names found in no region.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum ImportReadError {
    /// A call gave up.
    #[error("could not read {place}: {op} failed after {attempts} call(s): {source}")]
    #[diagnostic(help(
        "check the credentials, --region and endpoint (throttling, 5xx and lost connections are retried)"
    ))]
    Call {
        /// The region, or `region/name`.
        place: String,
        /// The call.
        op: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        #[source]
        source: ApiError,
    },
    /// Names asked for that no region has.
    #[error("no function named {names} in {regions}")]
    #[diagnostic(help("check the names and pass every region they live in with --region"))]
    NotFound {
        /// The names.
        names: String,
        /// The regions searched.
        regions: String,
    },
}

/// Reads that may run at once; the pacer keeps the rate under quota.
const PARALLEL_READS: usize = 32;

/// Reads the functions `filter` selects in each of `regions` (the credentials' own
/// account), sorted by region and name.
///
/// # Errors
/// A call that failed after its retries; names that exist in no region.
pub async fn read_fleet(
    clients: &dyn Clients,
    pacer: &Pacer,
    regions: &[String],
    filter: &Filter,
) -> Result<Vec<Found>, ImportReadError> {
    let mut found = Vec::new();
    for region in regions {
        let api = clients.client(None, region);
        let names: Vec<String> = if filter.names.is_empty() {
            call(pacer, region, region, ApiOp::ListFunctions, || {
                api.list_functions()
            })
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.name)
            .filter(|n| filter.keeps_name(n))
            .collect()
        } else {
            filter
                .names
                .iter()
                .filter(|n| filter.keeps_name(n))
                .cloned()
                .collect()
        };
        let reads = names.into_iter().map(|name| {
            let api = api.clone();
            async move {
                let place = format!("{region}/{name}");
                get(pacer, region, &place, api.as_ref(), &name).await
            }
        });
        let mut stream = futures::stream::iter(reads).buffer_unordered(PARALLEL_READS);
        while let Some(result) = stream.next().await {
            if let Some(info) = result?
                && filter.keeps_tags(&info)
            {
                found.push(Found::new(region.clone(), info));
            }
        }
    }
    let missing: Vec<&str> = filter
        .names
        .iter()
        .filter(|n| !found.iter().any(|f| &f.info.name == *n))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() && filter.tags.is_empty() {
        return Err(ImportReadError::NotFound {
            names: missing.join(", "),
            regions: regions.join(", "),
        });
    }
    found.sort_by(|a, b| (&a.region, &a.info.name).cmp(&(&b.region, &b.info.name)));
    Ok(found)
}

async fn get(
    pacer: &Pacer,
    region: &str,
    place: &str,
    api: &dyn LambdaApi,
    name: &str,
) -> Result<Option<FunctionInfo>, ImportReadError> {
    call(pacer, region, place, ApiOp::GetFunction, || {
        api.get_function(name)
    })
    .await
}

async fn call<T, Fut>(
    pacer: &Pacer,
    region: &str,
    place: &str,
    op: ApiOp,
    call: impl FnMut() -> Fut,
) -> Result<Option<T>, ImportReadError>
where
    Fut: Future<Output = ApiResult<T>>,
{
    crate::pace::read(pacer, None, region, op, place, RetryPolicy::default(), call)
        .await
        .map_err(|gave_up| ImportReadError::Call {
            place: place.to_owned(),
            op: op.name(),
            attempts: gave_up.attempts,
            source: gave_up.error,
        })
}
