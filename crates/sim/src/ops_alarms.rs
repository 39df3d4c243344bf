//! CloudWatch alarms: states set (now, or at a given emulator time) through the control
//! API, read by `DescribeAlarms`. Scheduled changes settle lazily when alarms are read.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::world::{Call, World};
use flotilla_cloud::alarms::{AlarmState, AlarmStatus};

/// One alarm as the control API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimAlarm {
    /// `AlarmName`.
    pub name: String,
    /// `AlarmArn`.
    pub arn: String,
    /// `StateValue` now.
    pub state: AlarmState,
    /// `StateReason`.
    pub reason: String,
    /// When the state last changed, in milliseconds of emulator time since the start.
    pub updated_ms: u64,
    /// Changes still to come: (emulator time in ms, state, reason).
    pub scheduled: Vec<(u64, AlarmState, String)>,
}

#[derive(Debug, Clone)]
struct Scheduled {
    at: Instant,
    state: AlarmState,
    reason: String,
}

#[derive(Debug, Clone)]
struct AlarmRecord {
    arn: String,
    state: AlarmState,
    reason: String,
    updated: Instant,
    scheduled: Vec<Scheduled>,
}

impl AlarmRecord {
    fn settle(&mut self, now: Instant) {
        self.scheduled.sort_by_key(|s| s.at);
        while let Some(first) = self.scheduled.first() {
            if first.at > now {
                break;
            }
            let s = self.scheduled.remove(0);
            self.state = s.state;
            self.reason = s.reason;
            self.updated = s.at;
        }
    }
}

/// Every alarm, by account and region, then name (sorted, as CloudWatch lists them).
#[derive(Debug, Default)]
pub(crate) struct AlarmStore {
    alarms: HashMap<(String, String), BTreeMap<String, AlarmRecord>>,
    /// `DescribeAlarms` calls served.
    pub describe_calls: u64,
}

/// What `DescribeAlarms` asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct DescribeAlarmsInput {
    pub names: Vec<String>,
    pub prefix: Option<String>,
    pub state: Option<AlarmState>,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl World {
    /// Sets alarm `name` to `state` at `at` (now when `None` or past), creating it (in
    /// `OK`) if it does not exist yet.
    pub(crate) fn set_alarm(
        &mut self,
        call: &Call<'_>,
        name: &str,
        state: AlarmState,
        reason: Option<String>,
        at: Option<Instant>,
    ) {
        let arn = format!(
            "arn:aws:cloudwatch:{}:{}:alarm:{name}",
            call.region, call.account
        );
        let record = self
            .alarms
            .alarms
            .entry((call.account.to_owned(), call.region.to_owned()))
            .or_default()
            .entry(name.to_owned())
            .or_insert_with(|| AlarmRecord {
                arn,
                state: AlarmState::Ok,
                reason: "Created by flotilla sim".to_owned(),
                updated: call.now,
                scheduled: Vec::new(),
            });
        let reason = reason.unwrap_or_else(|| format!("Set to {state} by flotilla sim"));
        let at = at.unwrap_or(call.now).max(call.now);
        record.scheduled.push(Scheduled { at, state, reason });
        record.settle(call.now);
    }

    /// Every alarm of the caller's account and region, settled to now.
    pub(crate) fn list_alarms(&mut self, call: &Call<'_>) -> Vec<SimAlarm> {
        let started = self.env.started;
        let Some(alarms) = self
            .alarms
            .alarms
            .get_mut(&(call.account.to_owned(), call.region.to_owned()))
        else {
            return Vec::new();
        };
        alarms
            .iter_mut()
            .map(|(name, r)| {
                r.settle(call.now);
                SimAlarm {
                    name: name.clone(),
                    arn: r.arn.clone(),
                    state: r.state,
                    reason: r.reason.clone(),
                    updated_ms: ms(r.updated.saturating_duration_since(started)),
                    scheduled: r
                        .scheduled
                        .iter()
                        .map(|s| {
                            (
                                ms(s.at.saturating_duration_since(started)),
                                s.state,
                                s.reason.clone(),
                            )
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// `DescribeAlarms`: the alarms named (all when no name is given), filtered by
    /// prefix and state, in name order. Unknown names are left out.
    pub(crate) fn describe_alarms(
        &mut self,
        call: &Call<'_>,
        input: &DescribeAlarmsInput,
    ) -> Vec<(AlarmStatus, String, u64)> {
        self.alarms.describe_calls += 1;
        self.list_alarms(call)
            .into_iter()
            .filter(|a| input.names.is_empty() || input.names.contains(&a.name))
            .filter(|a| input.prefix.as_ref().is_none_or(|p| a.name.starts_with(p)))
            .filter(|a| input.state.is_none_or(|s| a.state == s))
            .map(|a| {
                (
                    AlarmStatus {
                        name: a.name,
                        state: a.state,
                        reason: a.reason,
                    },
                    a.arn,
                    a.updated_ms,
                )
            })
            .collect()
    }

    /// `DescribeAlarms` calls served so far.
    pub(crate) fn describe_alarms_calls(&self) -> u64 {
        self.alarms.describe_calls
    }
}
