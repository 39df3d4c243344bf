//! `flotilla sim`: a Lambda control-plane emulator with one state model and two front
//! doors.
//!
//! - In process: [`Sim::client`] gives a [`SimClient`] that implements
//!   [`LambdaApi`](flotilla_cloud::lambda::LambdaApi), for tests and benchmarks on tokio's paused
//!   clock.
//! - Over HTTP: [`http::serve`] speaks Lambda's REST-JSON protocol, so the real
//!   `aws-sdk-lambda` client and the AWS CLI work against it, plus a JSON control API
//!   under `/_sim/`.
//!
//! Both doors go through the same plumbing (`Sim::dispatch`): count the call, charge the
//! quota, draw faults, then run the operation under the lock at the current
//! `tokio::time::Instant`. Nothing spawns timers: pending changes settle lazily.

mod alarms_client;
mod client;
pub mod config;
mod counters;
mod faults;
pub mod http;
mod ops_alarms;
mod ops_async;
mod ops_checks;
mod ops_code_signing;
mod ops_function;
mod ops_function_url;
mod ops_invoke;
mod ops_layer;
mod ops_permissions;
mod ops_provisioned;
mod ops_triggers;
mod ops_version;
mod quota;
mod s3;
mod s3_client;
mod state;
mod world;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

pub use alarms_client::SimAlarms;
pub use client::SimClient;
pub use config::{DEFAULT_ACCOUNT, Latency, LatencyConfig, QuotaConfig, SimConfig, UpdateKind};
pub use counters::{Counters, ErrorEvent, FunctionCounters};
pub use faults::{FaultKind, FaultRule, Trigger};
pub use ops_alarms::SimAlarm;
pub use ops_function::{SeedFunction, image_code_sha256};
pub use ops_invoke::{Invocation, InvokeResult};
pub use ops_layer::PublishLayer;
pub use ops_provisioned::ProvisionedState;
pub use s3::{MIN_PART_SIZE, S3Counters, S3SimError};
pub use s3_client::SimObjectStore;

/// Memory of the configuration a competing release ([`FaultKind::CompetingRelease`]) sets.
pub const COMPETING_MEMORY_MB: u32 = 1024;

/// The whole environment a competing release ([`FaultKind::CompetingRelease`]) sets.
pub const COMPETING_ENV: &[(&str, &str)] = &[("RELEASE", "competing")];

/// The zip an outside writer ([`FaultKind::OutsideCodeWriter`], a competing release)
/// puts on function `name`.
pub fn outside_code(name: &str) -> Vec<u8> {
    format!("outside code for {name}").into_bytes()
}

/// `CodeSha256` of [`outside_code`].
pub fn outside_code_sha256(name: &str) -> String {
    ops_function::code_sha256(&outside_code(name))
}

use flotilla_cloud::lambda::{ApiError, ApiOp, FunctionConfig, FunctionInfo, LayerVersionInfo};
pub(crate) use state::SimError;
pub(crate) use world::{Call, World};

/// The emulator: shared state behind a lock. Cloning is cheap and shares the state.
#[derive(Debug, Clone)]
pub struct Sim {
    world: Arc<Mutex<World>>,
}

impl Sim {
    /// A fresh emulator with no functions.
    pub fn new(config: SimConfig) -> Sim {
        let world = World::new(config, Instant::now());
        Sim {
            world: Arc::new(Mutex::new(world)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A client for one account and region, implementing `LambdaApi`.
    pub fn client(&self, account: &str, region: &str) -> SimClient {
        SimClient::new(self.clone(), account, region)
    }

    /// The current settings.
    pub fn config(&self) -> SimConfig {
        self.lock().env.config.clone()
    }

    /// Replaces the quotas (and refills every bucket). A rate that is not a positive
    /// number counts as off; [`QuotaConfig::validate`] says which.
    pub fn set_quotas(&self, quota: QuotaConfig) {
        let mut world = self.lock();
        world.env.config.quota = quota;
        world.quotas.clear();
    }

    /// Replaces the update latencies (for changes started from now on).
    pub fn set_latency(&self, latency: LatencyConfig) {
        self.lock().env.config.latency = latency;
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.lock().faults.set(rules);
    }

    /// Adds fault rules to the active ones.
    pub fn add_faults(&self, rules: Vec<FaultRule>) {
        self.lock().faults.add(rules);
    }

    /// The active fault rules ("next N" budgets as they stand).
    pub fn faults(&self) -> Vec<FaultRule> {
        self.lock().faults.rules().to_vec()
    }

    /// Everything counted so far.
    pub fn counters(&self) -> Counters {
        self.lock().tally.snapshot()
    }

    /// Forgets every function, counter, fault and quota bucket; restarts the random
    /// source from `seed` (or the configured seed).
    pub fn reset(&self, seed: Option<u64>) {
        let mut world = self.lock();
        let mut config = world.env.config.clone();
        if let Some(seed) = seed {
            config.seed = seed;
        }
        *world = World::new(config, Instant::now());
    }

    /// The emulator's S3 as an [`ObjectStore`](flotilla_cloud::s3::ObjectStore), in process.
    pub fn object_store(&self) -> SimObjectStore {
        SimObjectStore::new(self.clone())
    }

    /// Creates an S3 bucket (buckets are global, as in AWS); an existing one is kept.
    pub fn create_bucket(&self, bucket: &str) {
        self.lock().s3.create_bucket(bucket);
    }

    /// S3 calls served, bytes received and objects stored.
    pub fn s3_counters(&self) -> S3Counters {
        self.lock().s3.counters()
    }

    /// The bytes of an S3 object, for assertions; no call counted.
    pub fn s3_object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.lock()
            .s3
            .read_for_lambda(bucket, key)
            .ok()
            .map(|b| b.as_ref().clone())
    }

    /// Runs one S3 operation under the lock.
    pub(crate) fn with_s3<T>(&self, op: impl FnOnce(&mut s3::S3State) -> T) -> T {
        op(&mut self.lock().s3)
    }

    /// Places a function directly: `Active`, last update `Successful`, no call counted.
    pub fn seed_function(
        &self,
        account: &str,
        region: &str,
        seed: SeedFunction,
    ) -> Result<FunctionInfo, ApiError> {
        let call = Call::direct(account, region);
        self.lock().seed(&call, seed).map_err(to_api_error)
    }

    /// Publishes the next version of layer `name` in an account and region directly (no
    /// call counted, no quota, no faults), for seeding and tests.
    pub fn publish_layer_version(
        &self,
        account: &str,
        region: &str,
        name: &str,
        input: PublishLayer,
    ) -> Result<LayerVersionInfo, ApiError> {
        let call = Call::direct(account, region);
        self.lock()
            .publish_layer_version(&call, name, input)
            .map_err(to_api_error)
    }

    /// Every version of a layer, newest first; no call counted.
    pub fn layer_versions(&self, account: &str, region: &str, name: &str) -> Vec<LayerVersionInfo> {
        let call = Call::direct(account, region);
        self.lock()
            .list_layer_versions(&call, name)
            .unwrap_or_default()
    }

    /// `$LATEST` of a function with tags and concurrency, for assertions; no call counted.
    pub fn function_info(&self, account: &str, region: &str, name: &str) -> Option<FunctionInfo> {
        let call = Call::direct(account, region);
        self.lock().get_function(&call, name, None, true).ok()
    }

    /// Sets what invoking function `name` answers: for `version` (a number or
    /// `$LATEST`), or for every version without a result of its own (`None`).
    pub fn set_invoke_result(
        &self,
        account: &str,
        region: &str,
        name: &str,
        version: Option<&str>,
        result: InvokeResult,
    ) {
        let call = Call::direct(account, region);
        self.lock().invoke.set(&call, name, version, result);
    }

    /// The results set for function `name`, by version (`*`: every other version).
    pub fn invoke_results(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> BTreeMap<String, InvokeResult> {
        let call = Call::direct(account, region);
        self.lock().invoke.results(&call, name)
    }

    /// Every invocation of function `name`, oldest first, with the version that ran.
    pub fn invocations(&self, account: &str, region: &str, name: &str) -> Vec<Invocation> {
        let call = Call::direct(account, region);
        self.lock().invoke.invocations(&call, name)
    }

    /// Sets CloudWatch alarm `name` to `state`, now or at `at` (emulator time since the
    /// start; a time already past is now), creating the alarm (in `OK`) if needed.
    pub fn set_alarm(
        &self,
        account: &str,
        region: &str,
        name: &str,
        state: flotilla_cloud::alarms::AlarmState,
        reason: Option<String>,
        at: Option<std::time::Duration>,
    ) {
        let call = Call::direct(account, region);
        let mut world = self.lock();
        let at = at.map(|d| world.env.started + d);
        world.set_alarm(&call, name, state, reason, at);
    }

    /// Every alarm of an account and region with its state now and the changes to come.
    pub fn alarm_states(&self, account: &str, region: &str) -> Vec<SimAlarm> {
        let call = Call::direct(account, region);
        self.lock().list_alarms(&call)
    }

    /// `DescribeAlarms` calls served so far (both doors).
    pub fn describe_alarms_calls(&self) -> u64 {
        self.lock().describe_alarms_calls()
    }

    /// The provisioned concurrency configurations of function `name`, with how many
    /// allocations each started and how many alias moves came while one was in progress.
    pub fn provisioned_states(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Vec<ProvisionedState>, ApiError> {
        let call = Call::direct(account, region);
        self.lock()
            .provisioned_states(&call, name)
            .map_err(to_api_error)
    }

    /// Emulator time since the start (the clock alarm times are given in).
    pub fn elapsed(&self) -> std::time::Duration {
        let world = self.lock();
        world.elapsed(Instant::now())
    }

    /// Runs `DescribeAlarms` under the lock.
    pub(crate) fn describe_alarms(
        &self,
        account: &str,
        region: &str,
        input: &ops_alarms::DescribeAlarmsInput,
    ) -> Vec<(flotilla_cloud::alarms::AlarmStatus, String, u64)> {
        let call = Call::direct(account, region);
        self.lock().describe_alarms(&call, input)
    }

    /// An outside writer (a second pipeline) updates the function's configuration now.
    /// Fails with `Conflict` when an update is already in progress.
    pub fn outside_write(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<FunctionInfo, ApiError> {
        let call = Call::direct(account, region);
        self.lock().outside_write(&call, name).map_err(to_api_error)
    }

    /// The function (unqualified name) event source mapping `uuid` targets, if it
    /// exists: what fault rules naming a function match for the mapping's calls.
    pub(crate) fn mapping_function(
        &self,
        account: &str,
        region: &str,
        uuid: &str,
    ) -> Option<String> {
        self.lock().mappings.function_of(account, region, uuid)
    }

    /// Runs one API call through quotas and faults, then `op` under the lock.
    pub(crate) async fn dispatch<T>(
        &self,
        account: &str,
        region: &str,
        op: ApiOp,
        function: Option<&str>,
        run: impl FnOnce(&mut World, &Call<'_>) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        let fired = {
            let mut world = self.lock();
            let now = Instant::now();
            world.tally.call(op, function);
            let quota = world.env.config.quota;
            if let Err(wait) = world.quotas.charge(&quota, account, region, op, now) {
                let at = world.elapsed(now);
                world
                    .tally
                    .error(at, op, function, 429, "TooManyRequestsException");
                return Err(SimError::Aws {
                    status: 429,
                    error_type: "TooManyRequestsException",
                    message: "Rate exceeded".to_owned(),
                    retry_after: Some(wait),
                });
            }
            let World { faults, env, .. } = &mut *world;
            let fired = faults.draw(op, function, &mut env.rng);
            for name in &fired.names {
                world.tally.fault(name);
            }
            fired
        };
        if !fired.spike.is_zero() {
            tokio::time::sleep(fired.spike).await;
        }
        if fired.service_error {
            return Err(SimError::new(
                500,
                "ServiceException",
                "An internal error occurred (injected by flotilla sim).",
            ));
        }
        if fired.drop == Some(false) {
            return Err(SimError::Dropped);
        }
        let mut world = self.lock();
        let now = Instant::now();
        let call = Call {
            account,
            region,
            now,
            fail_update: fired.fail_update,
        };
        if fired.outside_writer
            && let Some(name) = function
        {
            // A second pipeline that finds the function busy simply loses; that is fine.
            let _ = world.outside_write(&call, name);
        }
        if let Some(name) = function.filter(|_| fired.outside_code || fired.competing_release) {
            // Likewise: a busy function keeps its code, and the release does not start.
            let _ = world.outside_code_write(&call, name, fired.competing_release);
        }
        let result = run(&mut world, &call);
        if let Err(e) = &result {
            let at = world.elapsed(now);
            world
                .tally
                .error(at, op, function, e.status(), e.error_type());
        }
        if fired.drop == Some(true) {
            return Err(SimError::Dropped);
        }
        result
    }
}

/// The classified error the engine sees for an emulator error.
pub(crate) fn to_api_error(e: SimError) -> ApiError {
    match e {
        SimError::Dropped => ApiError::Transient {
            message: "connection closed before a response".to_owned(),
        },
        SimError::Aws {
            status,
            error_type,
            message,
            retry_after,
        } => match status {
            404 => ApiError::NotFound { message },
            409 => ApiError::conflict(message),
            412 => ApiError::PreconditionFailed { message },
            429 => ApiError::Throttled {
                retry_after: retry_after.map(ceil_secs),
                message,
            },
            500.. => ApiError::Transient {
                message: format!("{error_type}: {message}"),
            },
            _ => ApiError::Fatal {
                code: error_type.to_owned(),
                message,
            },
        },
    }
}

/// `Retry-After` is whole seconds on the wire; round up so callers never come back early.
pub(crate) fn ceil_secs(d: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_secs(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

/// A friendlier shape for seeding over the control API and from files: everything but
/// the name has a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedSpec {
    /// Function name.
    pub name: String,
    /// Role ARN (default: a role in the same account named `lambda-role`).
    pub role: Option<String>,
    /// Runtime (default `python3.12` for zip functions).
    pub runtime: Option<String>,
    /// Handler (default `app.handler` for zip functions).
    pub handler: Option<String>,
    /// Description.
    pub description: String,
    /// Memory in MB (default 128).
    pub memory_mb: Option<u32>,
    /// Timeout in seconds (default 3).
    pub timeout_s: Option<u32>,
    /// Ephemeral storage in MB (default 512).
    pub ephemeral_storage_mb: Option<u32>,
    /// `x86_64` (default) or `arm64`.
    pub architecture: flotilla_cloud::lambda::Architecture,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Layer ARNs.
    pub layers: Vec<String>,
    /// Image URI: makes it an image function.
    pub image_uri: Option<String>,
    /// Base64 SHA-256 of the code (default: the hash of an empty zip's name).
    pub code_sha256: Option<String>,
    /// Code size in bytes.
    pub code_size: u64,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Reserved concurrency.
    pub reserved_concurrency: Option<u32>,
    /// Attached to a VPC.
    pub vpc: bool,
}

impl SeedSpec {
    /// The function to seed, with AWS defaults filled in.
    pub fn into_seed(self, account: &str) -> SeedFunction {
        let image = self.image_uri.is_some();
        let default_if_zip = |v: Option<String>, d: &str| {
            if image {
                v
            } else {
                v.or_else(|| Some(d.to_owned()))
            }
        };
        let code_sha256 = self.code_sha256.unwrap_or_else(|| match &self.image_uri {
            Some(uri) => ops_function::image_code_sha256(uri),
            None => ops_function::code_sha256(self.name.as_bytes()),
        });
        // A setting the spec does not name gets Lambda's default.
        let mut config = FunctionConfig::lambda_defaults();
        config.role = self
            .role
            .unwrap_or_else(|| format!("arn:aws:iam::{account}:role/lambda-role"));
        config.runtime = default_if_zip(self.runtime, "python3.12");
        config.handler = default_if_zip(self.handler, "app.handler");
        config.description = self.description;
        config.memory_mb = self
            .memory_mb
            .unwrap_or(flotilla_cloud::lambda::DEFAULT_MEMORY_MB);
        config.timeout_s = self
            .timeout_s
            .unwrap_or(flotilla_cloud::lambda::DEFAULT_TIMEOUT_S);
        config.ephemeral_storage_mb = self
            .ephemeral_storage_mb
            .unwrap_or(flotilla_cloud::lambda::DEFAULT_EPHEMERAL_STORAGE_MB);
        config.architecture = self.architecture;
        config.environment = self.environment;
        config.layers = self.layers;
        config.package_type = if image {
            flotilla_cloud::lambda::PackageType::Image
        } else {
            flotilla_cloud::lambda::PackageType::Zip
        };
        if self.vpc {
            // A stand-in attachment: its updates take the VPC latency.
            config.vpc = Some(flotilla_cloud::lambda::VpcConfig {
                subnets: vec!["subnet-0000000000000000a".to_owned()],
                security_groups: vec!["sg-0000000000000000a".to_owned()],
                ipv6: false,
            });
        }
        SeedFunction {
            name: self.name,
            config,
            code_sha256,
            code_size: self.code_size,
            image_uri: self.image_uri,
            tags: self.tags,
            reserved_concurrency: self.reserved_concurrency,
        }
    }
}

/// The emulator as a [`Connector`](flotilla_cloud::Connector): clients of `account` (or
/// the default account) in any region, its in-process S3, and no STS (roles are ignored).
#[async_trait::async_trait]
impl flotilla_cloud::Connector for Sim {
    fn lambda(
        &self,
        account: Option<&str>,
        region: &str,
    ) -> Arc<dyn flotilla_cloud::lambda::LambdaApi> {
        let account = account.map_or_else(|| self.config().default_account, str::to_owned);
        Arc::new(self.client(&account, region))
    }

    fn alarms(
        &self,
        account: Option<&str>,
        region: &str,
    ) -> Arc<dyn flotilla_cloud::alarms::Alarms> {
        let account = account.map_or_else(|| self.config().default_account, str::to_owned);
        Arc::new(SimAlarms::new(self.clone(), &account, region))
    }

    fn object_store(&self, _region: &str) -> Arc<dyn flotilla_cloud::s3::ObjectStore> {
        Arc::new(Sim::object_store(self))
    }

    async fn assuming(
        &self,
        _role: &flotilla_cloud::iam::AssumeRole,
        _environment: Option<&str>,
        _region: &str,
    ) -> Option<Arc<dyn flotilla_cloud::Connector>> {
        None
    }

    /// In process, each client serves exactly the account it was made for.
    async fn caller_account(
        &self,
        _region: &str,
    ) -> Result<Option<String>, flotilla_cloud::CallerIdentityError> {
        Ok(None)
    }
}
