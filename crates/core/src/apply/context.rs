//! What apply needs from its caller: clients, code, secrets, limits, cancellation,
//! progress. The CLI wires the real ones; tests wire the emulator and bytes.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{EnvSource, FunctionKey, Limits};
use crate::plan::{EnvValue, FunctionPlan};
use crate::s3::{UploadProgress, UploadReport};
use flotilla_cloud::alarms::Alarms;
use flotilla_cloud::lambda::{CodeSource, LambdaApi};

use super::cancel::CancelToken;
use super::events::{EventSink, LineSink};
use super::failure::FailureCause;

/// Hands out one `LambdaApi` per account and region.
pub trait ClientProvider: Send + Sync {
    /// The client for `account` (`None`: the credentials' account) and `region`.
    ///
    /// # Errors
    /// A message when no client can be built (no credentials, bad region); the
    /// functions of that target fail with it.
    fn client(&self, account: Option<&str>, region: &str) -> Result<Arc<dyn LambdaApi>, String>;

    /// The CloudWatch client a rollout watches its alarms with, for the same account
    /// and region. The default has none, so a rollout that watches alarms fails (before
    /// any traffic moves).
    ///
    /// # Errors
    /// A message when no client can be made.
    fn alarms(&self, account: Option<&str>, region: &str) -> Result<Arc<dyn Alarms>, String> {
        let _ = account;
        Err(format!("no CloudWatch client for region {region}"))
    }
}

impl<F> ClientProvider for F
where
    F: Fn(Option<&str>, &str) -> Result<Arc<dyn LambdaApi>, String> + Send + Sync,
{
    fn client(&self, account: Option<&str>, region: &str) -> Result<Arc<dyn LambdaApi>, String> {
        self(account, region)
    }
}

/// Supplies the code to upload for a function.
#[async_trait]
pub trait CodeProvider: Send + Sync {
    /// The code for `function`. Implementations re-check that the artifact still hashes
    /// to `function.artifact` and fail otherwise (the plan is what was reviewed).
    ///
    /// # Errors
    /// A message saying why the code is unavailable or differs from the plan.
    async fn code(&self, function: &FunctionPlan) -> Result<CodeSource, String>;

    /// The code for `function`, uploading it to S3 first when the plan says
    /// [`FunctionPlan::upload`]; `progress` hears how many bytes were sent. Apply calls
    /// this; the default serves [`CodeProvider::code`] and uploads nothing.
    ///
    /// # Errors
    /// As [`CodeProvider::code`], plus why an upload failed.
    async fn prepare(
        &self,
        function: &FunctionPlan,
        progress: &dyn UploadProgress,
    ) -> Result<PreparedCode, String> {
        let _ = progress;
        Ok(PreparedCode {
            source: self.code(function).await?,
            upload: None,
        })
    }
}

/// Code ready for CreateFunction or UpdateFunctionCode.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedCode {
    /// What to pass to Lambda.
    pub source: CodeSource,
    /// What the upload to S3 did, when there was one.
    pub upload: Option<UploadReport>,
}

/// Reads the environment variables secret values come from (`{ from_env: VAR }`).
pub trait SecretSource: Send + Sync {
    /// The value of `var`, or `None` when unset.
    fn var(&self, var: &str) -> Option<String>;
}

/// Reads the process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl SecretSource for ProcessEnv {
    fn var(&self, var: &str) -> Option<String> {
        std::env::var(var).ok()
    }
}

impl SecretSource for BTreeMap<String, String> {
    fn var(&self, var: &str) -> Option<String> {
        self.get(var).cloned()
    }
}

/// Everything [`apply`](super::apply) needs besides the plan.
///
/// Not `Debug`: it may hold secret values.
pub struct ApplyContext {
    /// Clients per account and region.
    pub clients: Arc<dyn ClientProvider>,
    /// Code per function.
    pub code: Arc<dyn CodeProvider>,
    /// Where `{ from_env: VAR }` secrets are read, at apply time.
    pub secrets: Arc<dyn SecretSource>,
    /// Secrets written inline in the manifest, by function key and environment key.
    /// Saved plans cannot carry them; a CLI that plans and applies in one process may
    /// pass them from the `Model`. Missing ones fail that function with a clear message.
    pub inline_secrets: BTreeMap<FunctionKey, BTreeMap<String, String>>,
    /// Functions in flight at once.
    pub parallelism: usize,
    /// Rate limits overriding `Plan.limits`.
    pub limits: Option<Limits>,
    /// Cancellation.
    pub cancel: CancelToken,
    /// Progress events.
    pub events: Arc<dyn EventSink>,
    /// `--refresh`: report stale functions as needing a re-plan instead of refusing.
    pub refresh: bool,
    /// Seed of the jitter RNG, so retries and polls are reproducible.
    pub seed: u64,
    /// Memory budget for zips held between packaging and upload, in MiB: a function
    /// takes its zip's size from it before packaging and gives it back once its code
    /// step is done, so many functions in flight never hold every zip at once.
    pub code_memory: Arc<tokio::sync::Semaphore>,
    /// Divides a rollout's holds and alarm polls, so tests can run a 5-minute canary in
    /// seconds against a real endpoint (1: real time).
    pub time_scale: f64,
}

/// Functions in flight at once by default. Each costs a few KB while it waits (zips are
/// bounded by [`DEFAULT_CODE_MEMORY_MIB`]), and the rate limiter, not this number, keeps
/// calls under quota: it only has to be large enough that slow updates (images, VPC)
/// never leave the quota idle.
pub const DEFAULT_PARALLELISM: usize = 1024;

/// Default memory budget for zips awaiting upload, in MiB.
pub const DEFAULT_CODE_MEMORY_MIB: usize = 1024;

impl ApplyContext {
    /// A context with defaults: process environment for secrets, [`DEFAULT_PARALLELISM`]
    /// functions at once, [`DEFAULT_CODE_MEMORY_MIB`] for zips awaiting upload,
    /// the plan's limits, plain progress lines on stderr, seed 0.
    pub fn new(clients: Arc<dyn ClientProvider>, code: Arc<dyn CodeProvider>) -> Self {
        Self {
            clients,
            code,
            secrets: Arc::new(ProcessEnv),
            inline_secrets: BTreeMap::new(),
            parallelism: DEFAULT_PARALLELISM,
            limits: None,
            cancel: CancelToken::new(),
            events: Arc::new(LineSink),
            refresh: false,
            seed: 0,
            code_memory: Arc::new(tokio::sync::Semaphore::new(DEFAULT_CODE_MEMORY_MIB)),
            time_scale: 1.0,
        }
    }
}

/// Resolves a function's environment to plain values, reading secrets now.
///
/// # Errors
/// A message naming the key (never the value) when a secret cannot be read.
pub(crate) fn resolve_environment(
    f: &FunctionPlan,
    ctx: &ApplyContext,
) -> Result<BTreeMap<String, String>, FailureCause> {
    let mut out = BTreeMap::new();
    for (k, v) in &f.desired.config.environment {
        let value = match v {
            EnvValue::Value(s) => s.clone(),
            EnvValue::Sensitive(Some(EnvSource::FromEnv(var))) => {
                ctx.secrets
                    .var(var)
                    .ok_or_else(|| FailureCause::SecretMissing {
                        variable: var.clone(),
                        key: k.clone(),
                    })?
            }
            EnvValue::Sensitive(None) => ctx
                .inline_secrets
                .get(&f.key)
                .and_then(|m| m.get(k))
                .cloned()
                .ok_or_else(|| FailureCause::SecretInline { key: k.clone() })?,
        };
        out.insert(k.clone(), value);
    }
    Ok(out)
}
