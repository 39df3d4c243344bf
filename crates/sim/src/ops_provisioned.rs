//! Provisioned concurrency: PutProvisionedConcurrencyConfig, GetProvisionedConcurrencyConfig,
//! DeleteProvisionedConcurrencyConfig and ListProvisionedConcurrencyConfigs.
//!
//! As in Lambda, a configuration belongs to an alias or a published version (never
//! `$LATEST`, nor an alias on it). A put starts an allocation: `IN_PROGRESS`, then
//! `READY` after the `provisioned-concurrency` latency on the emulator's clock, or
//! `FAILED` with a `StatusReason` when the `fail_update` fault fired on the put. Moving
//! an alias that has a configuration (a new version, or new weights) makes Lambda
//! allocate on the version(s) it now routes to: `IN_PROGRESS` again until the same
//! latency has passed. Like every pending change here, allocations settle lazily.

use serde::Serialize;
use tokio::time::Instant;

use super::config::UpdateKind;
use super::state::{FunctionRecord, SimError, parse_function_ref};
use super::world::{Call, Env, World};
use flotilla_cloud::lambda::{ProvisionedConcurrencyInfo, ProvisionedStatus};

/// Lambda's account concurrency in the emulator, and what must stay unreserved.
const ACCOUNT_CONCURRENCY: u32 = 1000;
const MIN_UNRESERVED: u32 = 100;

/// One configuration, on an alias or a version.
#[derive(Debug, Clone)]
pub(crate) struct ProvisionedRecord {
    pub requested: u32,
    pub status: ProvisionedStatus,
    pub reason: Option<String>,
    /// Environments ready now (the old version's during a re-allocation).
    pub allocated: u32,
    /// When the allocation in progress ends.
    pub done_at: Instant,
    /// Set when the allocation in progress ends `FAILED`.
    pub failure: Option<String>,
    pub last_modified: String,
    /// Allocations started (the put, then one per alias move).
    pub allocations: u32,
    /// Alias moves that arrived while an allocation was still `IN_PROGRESS`.
    pub moves_while_in_progress: u32,
}

impl ProvisionedRecord {
    /// Ends the allocation in progress if its time has come.
    pub(crate) fn settle(&mut self, now: Instant) {
        if self.status != ProvisionedStatus::InProgress || now < self.done_at {
            return;
        }
        match self.failure.take() {
            None => {
                self.status = ProvisionedStatus::Ready;
                self.allocated = self.requested;
                self.reason = None;
            }
            Some(reason) => {
                self.status = ProvisionedStatus::Failed;
                self.allocated = 0;
                self.reason = Some(reason);
            }
        }
    }

    /// The shape the engine sees.
    pub(crate) fn info(&self) -> ProvisionedConcurrencyInfo {
        ProvisionedConcurrencyInfo {
            requested: self.requested,
            available: Some(self.allocated),
            allocated: Some(self.allocated),
            status: Some(self.status.clone()),
            status_reason: self.reason.clone(),
            last_modified: Some(self.last_modified.clone()),
        }
    }
}

/// What the control API shows of one configuration (`GET /_sim/provisioned-concurrency/NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionedState {
    /// The alias or version.
    pub qualifier: String,
    /// `RequestedProvisionedConcurrentExecutions`.
    pub requested: u32,
    /// `Status`.
    pub status: String,
    /// `StatusReason`.
    pub status_reason: Option<String>,
    /// Allocations started: the put, then one per move of the alias.
    pub allocations: u32,
    /// Alias moves that arrived while an allocation was still `IN_PROGRESS`.
    pub moves_while_in_progress: u32,
}

/// One item of ListProvisionedConcurrencyConfigs.
#[derive(Debug, Clone)]
pub(crate) struct ProvisionedItem {
    pub function_arn: String,
    pub info: ProvisionedConcurrencyInfo,
}

/// Lambda's `Qualifier` pattern, `[a-zA-Z0-9$_-]+`, 1 to 128 characters.
fn check_qualifier(qualifier: &str) -> Result<(), SimError> {
    let ok = (1..=128).contains(&qualifier.len())
        && qualifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(SimError::invalid(format!(
            "1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"
        )))
    }
}

const UNPUBLISHED: &str =
    "Provisioned Concurrency Configs cannot be applied to unpublished function versions.";

/// The qualifier must name a published version or an alias on one.
fn check_target(record: &FunctionRecord, qualifier: &str) -> Result<(), SimError> {
    check_qualifier(qualifier)?;
    if qualifier == "$LATEST" {
        return Err(SimError::invalid(UNPUBLISHED));
    }
    if let Some(alias) = record.aliases.get(qualifier) {
        if alias.function_version == "$LATEST" {
            return Err(SimError::invalid(UNPUBLISHED));
        }
        return Ok(());
    }
    let published = qualifier
        .parse::<u64>()
        .ok()
        .is_some_and(|n| record.versions.contains_key(&n));
    if published {
        Ok(())
    } else {
        Err(SimError::not_found(format!(
            "Function not found: {}:{qualifier}",
            record.arn
        )))
    }
}

fn not_configured() -> SimError {
    SimError::new(
        404,
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
    )
}

/// Called by UpdateAlias when it changed where `alias` routes: Lambda allocates the
/// alias's provisioned concurrency on the version(s) it now routes to.
pub(crate) fn alias_moved(record: &mut FunctionRecord, env: &mut Env, now: Instant, alias: &str) {
    let Some(pc) = record.provisioned.get_mut(alias) else {
        return;
    };
    pc.settle(now);
    if pc.status == ProvisionedStatus::InProgress {
        pc.moves_while_in_progress += 1;
    }
    if pc.status == ProvisionedStatus::Failed {
        // A failed allocation stays failed until the configuration is put again.
        return;
    }
    pc.status = ProvisionedStatus::InProgress;
    pc.done_at = env.completion(UpdateKind::ProvisionedConcurrency, now);
    pc.allocations += 1;
}

impl World {
    /// PutProvisionedConcurrencyConfig.
    pub(crate) fn put_provisioned(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: &str,
        count: u32,
    ) -> Result<ProvisionedConcurrencyInfo, SimError> {
        let (name, _) = parse_function_ref(reference);
        let reserved_elsewhere: u32 = self
            .regions
            .get(call.account, call.region)
            .map(|functions| {
                functions
                    .values()
                    .filter(|f| f.name != name)
                    .filter_map(|f| f.reserved_concurrency)
                    .sum()
            })
            .unwrap_or(0);
        let (record, env) = self.function_mut(call, &name)?;
        if count < 1 {
            return Err(SimError::invalid(format!(
                "1 validation error detected: Value '{count}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )));
        }
        check_target(record, qualifier)?;
        let others: u32 = record
            .provisioned
            .iter()
            .filter(|(q, _)| q.as_str() != qualifier)
            .map(|(_, p)| p.requested)
            .sum();
        let total = others.saturating_add(count);
        match record.reserved_concurrency {
            Some(reserved) if total > reserved => {
                return Err(SimError::invalid(
                    "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
                ));
            }
            Some(_) => {}
            None => {
                let unreserved = ACCOUNT_CONCURRENCY.saturating_sub(reserved_elsewhere);
                if total > unreserved.saturating_sub(MIN_UNRESERVED) {
                    return Err(SimError::invalid(format!(
                        "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{unreserved}]."
                    )));
                }
            }
        }
        let now = call.now;
        let done_at = env.completion(UpdateKind::ProvisionedConcurrency, now);
        let last_modified = env.last_modified(now);
        let failure = call.fail_update.as_ref().map(|(reason, _)| reason.clone());
        let allocations = record
            .provisioned
            .get(qualifier)
            .map_or(0, |p| p.allocations);
        let pc = ProvisionedRecord {
            requested: count,
            status: ProvisionedStatus::InProgress,
            reason: None,
            allocated: 0,
            done_at,
            failure,
            last_modified,
            allocations: allocations + 1,
            moves_while_in_progress: record
                .provisioned
                .get(qualifier)
                .map_or(0, |p| p.moves_while_in_progress),
        };
        let info = pc.info();
        record.provisioned.insert(qualifier.to_owned(), pc);
        Ok(info)
    }

    /// GetProvisionedConcurrencyConfig.
    pub(crate) fn get_provisioned(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: &str,
    ) -> Result<ProvisionedConcurrencyInfo, SimError> {
        let (name, _) = parse_function_ref(reference);
        let (record, _) = self.function_mut(call, &name)?;
        check_qualifier(qualifier)?;
        let pc = record
            .provisioned
            .get_mut(qualifier)
            .ok_or_else(not_configured)?;
        pc.settle(call.now);
        Ok(pc.info())
    }

    /// DeleteProvisionedConcurrencyConfig: a qualifier without one is left as it is.
    pub(crate) fn delete_provisioned(
        &mut self,
        call: &Call<'_>,
        reference: &str,
        qualifier: &str,
    ) -> Result<(), SimError> {
        let (name, _) = parse_function_ref(reference);
        let (record, _) = self.function_mut(call, &name)?;
        check_qualifier(qualifier)?;
        if record.provisioned.remove(qualifier).is_none() {
            let known = record.aliases.contains_key(qualifier)
                || qualifier
                    .parse::<u64>()
                    .ok()
                    .is_some_and(|n| record.versions.contains_key(&n));
            if !known {
                return Err(SimError::not_found(format!(
                    "Function not found: {}:{qualifier}",
                    record.arn
                )));
            }
        }
        Ok(())
    }

    /// ListProvisionedConcurrencyConfigs: every configuration of the function, by qualifier.
    pub(crate) fn list_provisioned(
        &mut self,
        call: &Call<'_>,
        reference: &str,
    ) -> Result<Vec<ProvisionedItem>, SimError> {
        let (name, _) = parse_function_ref(reference);
        let (record, _) = self.function_mut(call, &name)?;
        let arn = record.arn.clone();
        Ok(record
            .provisioned
            .iter_mut()
            .map(|(q, pc)| {
                pc.settle(call.now);
                ProvisionedItem {
                    function_arn: format!("{arn}:{q}"),
                    info: pc.info(),
                }
            })
            .collect())
    }

    /// The configurations of a function with their allocation history, for the control API.
    pub(crate) fn provisioned_states(
        &mut self,
        call: &Call<'_>,
        name: &str,
    ) -> Result<Vec<ProvisionedState>, SimError> {
        let (record, _) = self.function_mut(call, name)?;
        Ok(record
            .provisioned
            .iter_mut()
            .map(|(q, pc)| {
                pc.settle(call.now);
                ProvisionedState {
                    qualifier: q.clone(),
                    requested: pc.requested,
                    status: pc.status.as_api_str().to_owned(),
                    status_reason: pc.reason.clone(),
                    allocations: pc.allocations,
                    moves_while_in_progress: pc.moves_while_in_progress,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{FaultKind, FaultRule, Latency, LatencyConfig, SeedSpec, Sim, SimConfig};
    use flotilla_cloud::lambda::{
        AliasInput, ApiError, ApiOp, LambdaApi, ProvisionedStatus, PublishVersionInput,
    };

    const A: &str = "123456789012";
    const R: &str = "eu-north-1";

    async fn aliased() -> (Sim, crate::SimClient) {
        let sim = Sim::new(SimConfig {
            latency: LatencyConfig::uniform(Latency::Fixed(Duration::from_secs(2))),
            ..SimConfig::default()
        });
        let spec = SeedSpec {
            name: "f".to_owned(),
            ..SeedSpec::default()
        };
        sim.seed_function(A, R, spec.into_seed(A)).expect("seed");
        let c = sim.client(A, R);
        c.publish_version(PublishVersionInput {
            name: "f".to_owned(),
            code_sha256: None,
            revision_id: None,
            description: Some("one".to_owned()),
        })
        .await
        .expect("publish");
        c.create_alias(AliasInput {
            function_name: "f".to_owned(),
            name: "live".to_owned(),
            function_version: "1".to_owned(),
            ..AliasInput::default()
        })
        .await
        .expect("alias");
        (sim, c)
    }

    #[tokio::test(start_paused = true)]
    async fn an_allocation_is_ready_after_its_latency_and_again_after_an_alias_move() {
        let (sim, c) = aliased().await;
        let put = c
            .put_provisioned_concurrency("f", "live", 3)
            .await
            .expect("put");
        assert_eq!(put.status, Some(ProvisionedStatus::InProgress));
        tokio::time::advance(Duration::from_millis(1_999)).await;
        let pc = c
            .get_provisioned_concurrency("f", "live")
            .await
            .expect("get");
        assert_eq!(pc.status, Some(ProvisionedStatus::InProgress));
        tokio::time::advance(Duration::from_millis(1)).await;
        let pc = c
            .get_provisioned_concurrency("f", "live")
            .await
            .expect("get");
        assert_eq!(pc.status, Some(ProvisionedStatus::Ready));
        assert_eq!(pc.allocated, Some(3));
        c.update_alias(AliasInput {
            function_name: "f".to_owned(),
            name: "live".to_owned(),
            function_version: "1".to_owned(),
            routing: [("1".to_owned(), 0.0)].into(),
            ..AliasInput::default()
        })
        .await
        .expect_err("weights on the primary are refused");
        c.update_alias(AliasInput {
            function_name: "f".to_owned(),
            name: "live".to_owned(),
            function_version: "1".to_owned(),
            description: Some("same routing".to_owned()),
            ..AliasInput::default()
        })
        .await
        .expect("a move to where it is");
        let pc = c
            .get_provisioned_concurrency("f", "live")
            .await
            .expect("get");
        assert_eq!(
            pc.status,
            Some(ProvisionedStatus::Ready),
            "routing unchanged: nothing to allocate"
        );
        let states = sim.provisioned_states(A, R, "f").expect("states");
        assert_eq!(
            (states[0].allocations, states[0].moves_while_in_progress),
            (1, 0)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn latest_is_refused_and_a_failed_allocation_carries_the_reason() {
        let (sim, c) = aliased().await;
        let err = c
            .put_provisioned_concurrency("f", "$LATEST", 1)
            .await
            .expect_err("$LATEST");
        assert!(
            matches!(&err, ApiError::Fatal { code, .. } if code == "InvalidParameterValueException"),
            "{err:?}"
        );
        assert!(matches!(
            c.get_provisioned_concurrency("f", "live").await,
            Err(ApiError::NotFound { .. })
        ));
        sim.set_faults(vec![FaultRule::next(
            1,
            Some(ApiOp::PutProvisionedConcurrencyConfig),
            None,
            FaultKind::FailUpdate {
                reason: Some("init failed".to_owned()),
                reason_code: None,
            },
        )]);
        c.put_provisioned_concurrency("f", "live", 2)
            .await
            .expect("put");
        tokio::time::advance(Duration::from_secs(3)).await;
        let pc = c
            .get_provisioned_concurrency("f", "live")
            .await
            .expect("get");
        assert_eq!(pc.status, Some(ProvisionedStatus::Failed));
        assert_eq!(pc.status_reason.as_deref(), Some("init failed"));
        c.delete_provisioned_concurrency("f", "live")
            .await
            .expect("delete");
        c.delete_provisioned_concurrency("f", "live")
            .await
            .expect("deleting none is a no-op");
        assert!(matches!(
            c.delete_provisioned_concurrency("f", "nope").await,
            Err(ApiError::NotFound { .. })
        ));
    }
}
