//! The whole emulated cloud behind one lock: every account's and region's functions,
//! the random source, quotas, faults and tallies.
//!
//! Operations live in `ops_*.rs` as methods on [`World`]; they run under the lock,
//! never await, and see time only through the [`Call`] they are given.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

use super::config::{SimConfig, UpdateKind};
use super::counters::Tally;
use super::faults::Faults;
use super::ops_layer::LayerStore;
use super::quota::Quotas;
use super::state::{FunctionRecord, SimError, last_modified};

/// Who is calling, and when.
#[derive(Debug, Clone)]
pub(crate) struct Call<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub now: Instant,
    /// Set by the fail-update fault: the change this call starts ends `Failed`.
    pub fail_update: Option<(String, String)>,
}

impl<'a> Call<'a> {
    /// A call made now, outside the API (seeding, assertions, the outside writer): no
    /// fault attached.
    pub(crate) fn direct(account: &'a str, region: &'a str) -> Self {
        Self {
            account,
            region,
            now: Instant::now(),
            fail_update: None,
        }
    }
}

/// Settings and the random source, split from the functions so both can be borrowed.
#[derive(Debug)]
pub(crate) struct Env {
    pub config: SimConfig,
    pub rng: SmallRng,
    pub started: Instant,
}

impl Env {
    pub(crate) fn new(config: SimConfig, now: Instant) -> Self {
        Env {
            rng: SmallRng::seed_from_u64(config.seed),
            config,
            started: now,
        }
    }

    /// A fresh `RevisionId`, UUID-shaped, drawn from the seed.
    pub(crate) fn revision(&mut self) -> String {
        let a: u64 = self.rng.random();
        let b: u64 = self.rng.random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// When a change of this kind started now completes.
    pub(crate) fn completion(&mut self, kind: UpdateKind, now: Instant) -> Instant {
        let latency = self.config.latency.get(kind);
        now + latency.draw(&mut self.rng)
    }

    pub(crate) fn last_modified(&self, now: Instant) -> String {
        last_modified(now.saturating_duration_since(self.started))
    }

    pub(crate) fn arn(&self, call: &Call<'_>, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            call.region, call.account
        )
    }
}

/// Functions of one account and region, by name (sorted, as ListFunctions pages them).
pub(crate) type RegionFunctions = BTreeMap<String, FunctionRecord>;

/// Functions by account, then region; looked up by `&str` so a call allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Regions(HashMap<String, HashMap<String, RegionFunctions>>);

impl Regions {
    pub(crate) fn get(&self, account: &str, region: &str) -> Option<&RegionFunctions> {
        self.0.get(account).and_then(|regions| regions.get(region))
    }

    pub(crate) fn get_mut(&mut self, account: &str, region: &str) -> Option<&mut RegionFunctions> {
        self.0
            .get_mut(account)
            .and_then(|regions| regions.get_mut(region))
    }

    pub(crate) fn entry(&mut self, account: &str, region: &str) -> &mut RegionFunctions {
        self.0
            .entry(account.to_owned())
            .or_default()
            .entry(region.to_owned())
            .or_default()
    }
}

/// Everything the emulator holds.
#[derive(Debug)]
pub(crate) struct World {
    pub regions: Regions,
    /// Layer versions, by account, region and name.
    pub layers: LayerStore,
    pub env: Env,
    pub quotas: Quotas,
    pub faults: Faults,
    pub tally: Tally,
    /// S3 buckets and objects (global, like S3's bucket namespace).
    pub s3: super::s3::S3State,
    /// Invoke results set through the control API, and the invocations made.
    pub invoke: super::ops_invoke::InvokeState,
    /// CloudWatch alarms and their states.
    pub alarms: super::ops_alarms::AlarmStore,
    /// Event source mappings.
    pub mappings: super::ops_triggers::MappingStore,
    /// Code signing configurations.
    pub code_signing: super::ops_code_signing::CodeSigningStore,
}

impl World {
    pub(crate) fn new(config: SimConfig, now: Instant) -> Self {
        World {
            regions: Regions::default(),
            layers: LayerStore::default(),
            env: Env::new(config, now),
            quotas: Quotas::default(),
            faults: Faults::default(),
            tally: Tally::default(),
            s3: super::s3::S3State::default(),
            invoke: super::ops_invoke::InvokeState::default(),
            alarms: super::ops_alarms::AlarmStore::default(),
            mappings: super::ops_triggers::MappingStore::default(),
            code_signing: Default::default(),
        }
    }

    /// Virtual time since the start, for event timestamps.
    pub(crate) fn elapsed(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.env.started)
    }

    /// The functions of the caller's account and region (created on first use).
    pub(crate) fn region_mut(&mut self, call: &Call<'_>) -> &mut RegionFunctions {
        self.regions.entry(call.account, call.region)
    }

    /// A function, settled to `call.now`, with the environment to change it.
    pub(crate) fn function_mut(
        &mut self,
        call: &Call<'_>,
        name: &str,
    ) -> Result<(&mut FunctionRecord, &mut Env), SimError> {
        let World { regions, env, .. } = self;
        let record = regions
            .get_mut(call.account, call.region)
            .and_then(|functions| functions.get_mut(name))
            .ok_or_else(|| {
                SimError::not_found(format!("Function not found: {}", env.arn(call, name)))
            })?;
        record.settle(call.now, || env.revision());
        Ok((record, env))
    }

    /// The start every change Lambda refuses during an update shares (code, configuration,
    /// publish, alias): resolve the function from a name or ARN, count the attempt for
    /// the overlap counter, and answer 409 while an update runs.
    pub(crate) fn begin_change(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<(&mut FunctionRecord, &mut Env), SimError> {
        let (name, _) = super::state::parse_function_ref(reference);
        self.note_update_attempt(call, &name);
        let (record, env) = self.function_mut(call, &name)?;
        if let Some(conflict) = record.conflict() {
            return Err(conflict);
        }
        // As Lambda: a function whose creation failed cannot be changed, only deleted.
        if record.state == flotilla_cloud::lambda::FunctionStateKind::Failed {
            return Err(SimError::conflict(format!(
                "The operation cannot be performed at this time. The function is currently in the following state: Failed. Resource: {}",
                record.arn
            )));
        }
        Ok((record, env))
    }

    /// Records how many updates overlap if one more starts now on `name`. An update the
    /// outside-writer fault started does not count: the overlap measures what callers
    /// did to themselves, while a 409 from another pipeline is the world's doing.
    pub(crate) fn note_update_attempt(&mut self, call: &Call<'_>, name: &str) {
        let busy = match self.function_mut(call, name) {
            Ok((record, _)) => record.busy_with_caller_update(),
            Err(_) => return,
        };
        self.tally.overlap(name, 1 + u32::from(busy));
    }
}
