//! Injected faults: rules that pick calls by API and function, and fire by probability
//! or for the next N matching calls.
//!
//! Rules are data (serde), so a `--faults` file, the `/_sim/faults` endpoint and tests
//! share one format:
//! `{"op": "UpdateFunctionCode", "function": "api", "kind": {"type": "service_error"}, "trigger": {"next": 2}}`.

use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

use flotilla_cloud::lambda::ApiOp;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 `ServiceException`; the call has no effect.
    ServiceError,
    /// The connection closes without a response. With `applied`, the mutation took
    /// effect before the response was lost (the case a deploy tool must survive).
    DropConnection {
        /// Whether the call's effect happens before the response is lost.
        #[serde(default)]
        applied: bool,
    },
    /// The response is delayed by this long (virtual time in process).
    LatencySpike {
        /// The extra delay in milliseconds.
        #[serde(rename = "delay_ms", with = "super::config::millis")]
        delay: Duration,
    },
    /// The create or update is accepted but ends `Failed` with this reason (for an
    /// event source mapping: it ends `Disabled`, the reason its
    /// `StateTransitionReason` and `PROBLEM: <reason>` its `LastProcessingResult`).
    FailUpdate {
        /// `LastUpdateStatusReason` / `StateReason`.
        #[serde(default)]
        reason: Option<String>,
        /// `LastUpdateStatusReasonCode` / `StateReasonCode` (default `InternalError`).
        #[serde(default)]
        reason_code: Option<String>,
    },
    /// Before the call is served, a second writer updates the function's configuration
    /// (its description), as a concurrent pipeline would: the `RevisionId` moves and an
    /// update is in progress.
    OutsideWriter,
    /// Before the call is served, a second writer replaces the function's code (a zip
    /// whose `CodeSha256` is [`crate::outside_code_sha256`]); configuration untouched.
    OutsideCodeWriter,
    /// Before the call is served, a second pipeline starts deploying another release:
    /// it replaces the code (as [`FaultKind::OutsideCodeWriter`]) and, when that update
    /// completes, the configuration ([`crate::COMPETING_MEMORY_MB`], the environment
    /// [`crate::COMPETING_ENV`] and description `competing release`).
    CompetingRelease,
}

impl FaultKind {
    /// A short name for counters.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::ServiceError => "service_error",
            FaultKind::DropConnection { .. } => "drop_connection",
            FaultKind::LatencySpike { .. } => "latency_spike",
            FaultKind::FailUpdate { .. } => "fail_update",
            FaultKind::OutsideWriter => "outside_writer",
            FaultKind::OutsideCodeWriter => "outside_code_writer",
            FaultKind::CompetingRelease => "competing_release",
        }
    }

    /// Whether this fault means anything for a call of `op` (on a function or not).
    fn applies_to(&self, op: ApiOp, has_function: bool) -> bool {
        match self {
            FaultKind::FailUpdate { .. } => matches!(
                op,
                ApiOp::CreateFunction
                    | ApiOp::UpdateFunctionCode
                    | ApiOp::UpdateFunctionConfiguration
                    | ApiOp::CreateEventSourceMapping
                    | ApiOp::UpdateEventSourceMapping
                    | ApiOp::PutProvisionedConcurrencyConfig
            ),
            FaultKind::OutsideWriter
            | FaultKind::OutsideCodeWriter
            | FaultKind::CompetingRelease => has_function && op != ApiOp::CreateFunction,
            _ => true,
        }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// On each matching call with this probability (0.0–1.0), drawn from the seed.
    Probability(f64),
    /// On the next N matching calls, then never again.
    Next(u32),
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Only calls of this API; any API when absent.
    #[serde(default)]
    pub op: Option<ApiOp>,
    /// Only calls on this function (by name); any function when absent.
    #[serde(default)]
    pub function: Option<String>,
    /// What goes wrong.
    pub kind: FaultKind,
    /// When.
    pub trigger: Trigger,
}

impl FaultRule {
    /// A rule firing on the next `n` matching calls.
    pub fn next(n: u32, op: Option<ApiOp>, function: Option<&str>, kind: FaultKind) -> Self {
        FaultRule {
            op,
            function: function.map(str::to_owned),
            kind,
            trigger: Trigger::Next(n),
        }
    }

    /// A rule firing with probability `p` on every matching call.
    pub fn probability(p: f64, op: Option<ApiOp>, function: Option<&str>, kind: FaultKind) -> Self {
        FaultRule {
            op,
            function: function.map(str::to_owned),
            kind,
            trigger: Trigger::Probability(p),
        }
    }
}

/// The faults that fired for one call, folded into what the call must do.
#[derive(Debug, Default, Clone)]
pub(crate) struct FiredFaults {
    pub spike: Duration,
    pub service_error: bool,
    /// `Some(applied)` when the connection is to be dropped.
    pub drop: Option<bool>,
    pub fail_update: Option<(String, String)>,
    pub outside_writer: bool,
    pub outside_code: bool,
    pub competing_release: bool,
    pub names: Vec<&'static str>,
}

/// The active rules.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    pub(crate) fn set(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
    }

    pub(crate) fn add(&mut self, rules: Vec<FaultRule>) {
        self.rules.extend(rules);
    }

    pub(crate) fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Decides which rules fire for this call, consuming "next N" budgets.
    pub(crate) fn draw(
        &mut self,
        op: ApiOp,
        function: Option<&str>,
        rng: &mut impl Rng,
    ) -> FiredFaults {
        let mut fired = FiredFaults::default();
        if self.rules.is_empty() {
            return fired;
        }
        for rule in &mut self.rules {
            let op_matches = rule.op.is_none_or(|o| o == op);
            let fn_matches = match (&rule.function, function) {
                (None, _) => true,
                (Some(want), Some(got)) => want == got,
                (Some(_), None) => false,
            };
            if !op_matches || !fn_matches || !rule.kind.applies_to(op, function.is_some()) {
                continue;
            }
            let fires = match &mut rule.trigger {
                Trigger::Probability(p) => !p.is_nan() && rng.random_bool(p.clamp(0.0, 1.0)),
                Trigger::Next(0) => false,
                Trigger::Next(n) => {
                    *n -= 1;
                    true
                }
            };
            if !fires {
                continue;
            }
            fired.names.push(rule.kind.name());
            match &rule.kind {
                FaultKind::ServiceError => fired.service_error = true,
                FaultKind::DropConnection { applied } => fired.drop = Some(*applied),
                FaultKind::LatencySpike { delay } => fired.spike += *delay,
                FaultKind::FailUpdate {
                    reason,
                    reason_code,
                } => {
                    fired.fail_update = Some((
                        reason.clone().unwrap_or_else(|| {
                            "The update failed (injected by flotilla sim).".to_owned()
                        }),
                        reason_code
                            .clone()
                            .unwrap_or_else(|| "InternalError".to_owned()),
                    ));
                }
                FaultKind::OutsideWriter => fired.outside_writer = true,
                FaultKind::OutsideCodeWriter => fired.outside_code = true,
                FaultKind::CompetingRelease => fired.competing_release = true,
            }
        }
        self.rules.retain(|r| r.trigger != Trigger::Next(0));
        fired
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;

    #[test]
    fn next_n_fires_n_times_on_matching_calls_only() {
        let mut f = Faults::default();
        f.set(vec![FaultRule::next(
            2,
            Some(ApiOp::GetFunction),
            Some("a"),
            FaultKind::ServiceError,
        )]);
        let mut rng = SmallRng::seed_from_u64(1);
        assert!(
            !f.draw(ApiOp::GetFunction, Some("b"), &mut rng)
                .service_error
        );
        assert!(!f.draw(ApiOp::ListTags, Some("a"), &mut rng).service_error);
        assert!(
            f.draw(ApiOp::GetFunction, Some("a"), &mut rng)
                .service_error
        );
        assert!(
            f.draw(ApiOp::GetFunction, Some("a"), &mut rng)
                .service_error
        );
        assert!(
            !f.draw(ApiOp::GetFunction, Some("a"), &mut rng)
                .service_error
        );
        assert!(f.rules().is_empty());
    }

    #[test]
    fn fail_update_waits_for_an_update_call() {
        let mut f = Faults::default();
        let kind = FaultKind::FailUpdate {
            reason: None,
            reason_code: None,
        };
        f.set(vec![FaultRule::next(1, None, None, kind)]);
        let mut rng = SmallRng::seed_from_u64(1);
        assert!(
            f.draw(ApiOp::GetFunction, Some("a"), &mut rng)
                .fail_update
                .is_none()
        );
        let fired = f.draw(ApiOp::UpdateFunctionCode, Some("a"), &mut rng);
        assert_eq!(
            fired.fail_update.map(|(_, code)| code).as_deref(),
            Some("InternalError")
        );
    }

    #[test]
    fn rules_parse_from_json() {
        let rules: Vec<FaultRule> = serde_json::from_str(
            r#"[{"op":"UpdateFunctionCode","kind":{"type":"latency_spike","delay_ms":1500},"trigger":{"probability":0.5}},
                {"function":"api","kind":{"type":"drop_connection","applied":true},"trigger":{"next":1}}]"#,
        )
        .expect("valid rules");
        assert_eq!(
            rules[0].kind,
            FaultKind::LatencySpike {
                delay: Duration::from_millis(1500)
            }
        );
        assert_eq!(rules[1].trigger, Trigger::Next(1));
        assert_eq!(rules[1].kind, FaultKind::DropConnection { applied: true });
    }
}
