//! Read-only calls that turn the live fleet into [`LiveState`].

mod around;
mod function_url;
pub mod permissions;

pub use around::LiveAround as LiveAroundAsync;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;

use crate::model::{Function, FunctionKey, Model};
use crate::pace::Pacer;
use flotilla_cloud::lambda::{
    AliasInfo, ApiError, ApiOp, ApiResult, FunctionInfo, FunctionStateKind, LambdaApi, MappingInfo,
    ProvisionedConcurrencyInfo, VersionInfo,
};

/// What exists in Lambda for each function of the model, by function key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    /// Observed functions; a key that is absent counts as a missing function.
    pub functions: BTreeMap<FunctionKey, LiveFunction>,
    /// Functions tagged for this manifest and environment that the manifest no longer
    /// has (read only with `--prune`, see [`crate::prune`]); the planner deletes them.
    pub left_manifest: Vec<LeftFunction>,
    /// Event source mappings, versions and aliases of the functions whose manifest
    /// entry has `triggers` or `keep_versions` (see [`observe_around`]).
    pub around: BTreeMap<FunctionKey, LiveAround>,
}

/// A managed function found in an account and region the manifest deploys to, whose
/// name the manifest no longer has there.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftFunction {
    /// The account, as the manifest names it (`None`: the credentials' own).
    pub account: Option<String>,
    /// The region.
    pub region: String,
    /// `$LATEST` as GetFunction returned it (tags included).
    pub info: FunctionInfo,
}

/// What exists in Lambda for one function.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveFunction {
    /// `$LATEST`, or `None` when the function does not exist.
    pub info: Option<FunctionInfo>,
    /// The manifest's alias, when configured and present.
    pub alias: Option<AliasInfo>,
    /// The highest-numbered published version, when the function publishes.
    pub latest_published: Option<VersionInfo>,
    /// The alias's provisioned concurrency; read only when the manifest has
    /// `provisioned_concurrency` and the alias exists.
    pub provisioned: Option<ProvisionedConcurrencyInfo>,
    /// The resource-based policy, read only when the manifest has `permissions`
    /// (`None`: not read, or the function has none).
    pub policy: Option<permissions::LivePolicy>,
    /// The resources around it the manifest manages (`async`).
    pub around_async: around::LiveAround,
    /// The code signing configuration's ARN, read only when the manifest has
    /// `code_signing_config` (`None`: not read, or the function has none).
    pub code_signing: Option<String>,
    /// The function URL, read only when the manifest has `url` (`None`: not read, or
    /// there is none).
    pub url: Option<flotilla_cloud::lambda::FunctionUrlInfo>,
}

impl LiveFunction {
    /// `$LATEST` when the function exists and its creation did not fail: a failed one
    /// is deleted and created again, so nothing of it is kept or changed in place.
    pub fn existing(&self) -> Option<&FunctionInfo> {
        self.info
            .as_ref()
            .filter(|i| !matches!(i.state, Some(FunctionStateKind::Failed)))
    }
}

/// Hands out the Lambda client for an account (`None`: the credentials' own) and region.
pub trait Clients: Send + Sync {
    /// The client for `account` and `region`.
    fn client(&self, account: Option<&str>, region: &str) -> Arc<dyn LambdaApi>;
}

impl<F> Clients for F
where
    F: Fn(Option<&str>, &str) -> Arc<dyn LambdaApi> + Send + Sync,
{
    fn client(&self, account: Option<&str>, region: &str) -> Arc<dyn LambdaApi> {
        self(account, region)
    }
}

/// A read that failed after its retries.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
#[error("could not read function `{key}` ({name}): {op} failed: {source}")]
#[diagnostic(help(
    "check the credentials, region and endpoint for this function (calls made: {attempts}; throttling, 5xx and lost connections are retried)"
))]
pub struct ObserveError {
    /// The function's manifest key.
    pub key: FunctionKey,
    /// Its Lambda name.
    pub name: String,
    /// The call that failed.
    pub op: &'static str,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    #[source]
    pub source: ApiError,
}

/// Reads that may run at once; the pacer, not this number, keeps the rate under quota.
const PARALLEL_READS: usize = 64;

/// Reads the live state of every function in `model`: GetFunction (NotFound: missing),
/// then GetAlias when an alias is configured and ListVersionsByFunction when it
/// publishes. Functions are read in parallel, paced per account and region; throttling
/// and transient failures are retried with the function's retry policy.
pub async fn observe(
    model: &Model,
    clients: &dyn Clients,
    pacer: &Pacer,
) -> Result<LiveState, ObserveError> {
    let reads = model.functions.iter().map(|f| async move {
        let (live, around) = observe_one(f, clients, pacer).await?;
        Ok::<_, ObserveError>((f.key.clone(), live, around))
    });
    let mut functions = BTreeMap::new();
    let mut around_all = BTreeMap::new();
    let mut stream = futures::stream::iter(reads).buffer_unordered(PARALLEL_READS);
    while let Some(result) = stream.next().await {
        let (key, live, around) = result?;
        if let Some(around) = around {
            around_all.insert(key.clone(), around);
        }
        functions.insert(key, live);
    }
    Ok(LiveState {
        functions,
        left_manifest: Vec::new(),
        around: around_all,
    })
}

async fn observe_one(
    f: &Function,
    clients: &dyn Clients,
    pacer: &Pacer,
) -> Result<(LiveFunction, Option<LiveAround>), ObserveError> {
    let account = f.account.as_ref().map(|a| a.as_str());
    let region = f.region.as_str();
    let api = clients.client(account, region);
    let name = f.name.as_str();
    let reader = Reader {
        f,
        pacer,
        account,
        region,
    };
    let Some(info) = reader
        .call(ApiOp::GetFunction, || api.get_function(name))
        .await?
    else {
        return Ok((LiveFunction::default(), None));
    };
    let alias = match &f.alias {
        Some(alias) => {
            reader
                .call(ApiOp::GetAlias, || api.get_alias(name, alias.as_str()))
                .await?
        }
        None => None,
    };
    let latest_published = if f.publish {
        reader
            .call(ApiOp::ListVersionsByFunction, || api.list_versions(name))
            .await?
            .and_then(latest_numbered)
    } else {
        None
    };
    let provisioned = match (&f.alias, &alias, f.provisioned_concurrency) {
        (Some(name_of_alias), Some(_), Some(_)) => {
            reader
                .call(ApiOp::GetProvisionedConcurrencyConfig, || {
                    api.get_provisioned_concurrency(name, name_of_alias.as_str())
                })
                .await?
        }
        _ => None,
    };
    let policy = permissions::observe_policy(f, &reader, api.as_ref()).await?;
    let around_async = around::observe_around(f, api.as_ref(), &reader).await?;
    let url = function_url::observe_url(f, alias.as_ref(), &reader, api.as_ref()).await?;
    let around = observe_around(f, api.as_ref(), &reader).await?;
    let code_signing = match &f.code_signing {
        Some(_) => reader
            .call(ApiOp::GetFunctionCodeSigningConfig, || {
                api.get_function_code_signing_config(name)
            })
            .await?
            .flatten(),
        None => None,
    };
    Ok((
        LiveFunction {
            info: Some(info),
            alias,
            latest_published,
            provisioned,
            policy,
            around_async,
            code_signing,
            url,
        },
        around,
    ))
}

/// The highest numbered version (`$LATEST` is not a published version).
fn latest_numbered(versions: Vec<VersionInfo>) -> Option<VersionInfo> {
    versions
        .into_iter()
        .filter_map(|v| v.version.parse::<u64>().ok().map(|n| (n, v)))
        .max_by_key(|(n, _)| *n)
        .map(|(_, v)| v)
}

/// Paced, retried reads for one function (shared with `rollback`).
pub(crate) struct Reader<'a> {
    pub(crate) f: &'a Function,
    pub(crate) pacer: &'a Pacer,
    pub(crate) account: Option<&'a str>,
    pub(crate) region: &'a str,
}

impl Reader<'_> {
    /// One paced read with retries; `Ok(None)` on NotFound.
    pub(crate) async fn call<T, Fut>(
        &self,
        op: ApiOp,
        call: impl FnMut() -> Fut,
    ) -> Result<Option<T>, ObserveError>
    where
        Fut: Future<Output = ApiResult<T>>,
    {
        crate::pace::read(
            self.pacer,
            self.account,
            self.region,
            op,
            self.f.name.as_str(),
            self.f.retry,
            call,
        )
        .await
        .map_err(|gave_up| ObserveError {
            key: self.f.key.clone(),
            name: self.f.name.as_str().to_owned(),
            op: op.name(),
            attempts: gave_up.attempts,
            source: gave_up.error,
        })
    }
}

// `triggers` and `keep_versions`: read only for the functions whose manifest entry has
// the key (ListEventSourceMappings of the mappings' target; ListVersionsByFunction and
// ListAliases), so a fleet without either makes no extra call.

/// What exists around one function.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveAround {
    /// The mappings of the function the triggers target (read with `triggers`).
    pub mappings: Option<Vec<MappingInfo>>,
    /// Every version, `$LATEST` included (read with `keep_versions`).
    pub versions: Option<Vec<VersionInfo>>,
    /// Every alias (read with `keep_versions`).
    pub aliases: Option<Vec<AliasInfo>>,
    /// Versions with provisioned concurrency (never deleted); `None`: not read.
    pub provisioned: Option<Vec<String>>,
}

/// Reads what `f`'s `triggers` and `keep_versions` need, when the function exists.
pub(crate) async fn observe_around(
    f: &Function,
    api: &dyn LambdaApi,
    reader: &Reader<'_>,
) -> Result<Option<LiveAround>, ObserveError> {
    if f.around.triggers.is_none() && f.around.keep_versions.is_none() {
        return Ok(None);
    }
    let name = f.name.as_str();
    let mut live = LiveAround::default();
    if f.around.triggers.is_some() {
        let target = crate::model::around_triggers::mapping_target(f);
        // A missing alias has no mappings yet.
        live.mappings = Some(
            reader
                .call(ApiOp::ListEventSourceMappings, || {
                    api.list_event_source_mappings(&target)
                })
                .await?
                .unwrap_or_default(),
        );
    }
    if f.around.keep_versions.is_some() {
        live.versions = reader
            .call(ApiOp::ListVersionsByFunction, || api.list_versions(name))
            .await?;
        live.aliases = reader
            .call(ApiOp::ListAliases, || api.list_aliases(name))
            .await?;
    }
    Ok(Some(live))
}
