//! The report of one apply run: per function what happened, plus totals.
//!
//! `Report` is `Serialize` for `--report report.json`; [`Report::to_markdown`] renders
//! it for `GITHUB_STEP_SUMMARY` and [`Report::to_table`] as a plain summary table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use super::failure::FailureCause;

use crate::model::FunctionKey;

/// How one function ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Every step ran (or none were needed); the function is as planned.
    Converged,
    /// A step failed; the cause says why (the API's error, a failed update's reason).
    Failed {
        /// What went wrong, tagged by `kind`.
        cause: FailureCause,
    },
    /// Not started because a dependency did not converge.
    Skipped {
        /// Which dependency and what happened to it.
        because: String,
    },
    /// The live function moved since the plan (another writer); nothing was changed
    /// after that was noticed.
    Stale {
        /// `RevisionId` the plan observed.
        planned_revision_id: Option<String>,
        /// `RevisionId` now live.
        live_revision_id: Option<String>,
        /// `LastModified` now live (when the other change happened).
        last_modified: Option<String>,
        /// What the caller must do: re-plan (with `--refresh`) or look first.
        action: StaleAction,
        /// A sentence for humans.
        message: String,
    },
    /// Cancelled before it converged; `steps_done` says exactly what ran.
    Cancelled,
}

/// What a stale function needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaleAction {
    /// Refused: the user should look at the other change, then plan again.
    Refused,
    /// `refresh` was requested: the caller should re-plan this function and apply again.
    Replan,
}

impl Outcome {
    /// A short label: `converged`, `failed`, ...
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Converged => "converged",
            Outcome::Failed { .. } => "failed",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Stale { .. } => "stale",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// The cause, reason or message, when there is one, as a sentence.
    pub fn detail(&self) -> Option<String> {
        match self {
            Outcome::Converged | Outcome::Cancelled => None,
            Outcome::Failed { cause } => Some(cause.to_string()),
            Outcome::Skipped { because } => Some(because.clone()),
            Outcome::Stale { message, .. } => Some(message.clone()),
        }
    }

    /// The failure cause, when the function failed.
    pub fn failure(&self) -> Option<&FailureCause> {
        match self {
            Outcome::Failed { cause } => Some(cause),
            _ => None,
        }
    }
}

/// What happened to one function.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FunctionReport {
    /// Key in the manifest.
    pub key: FunctionKey,
    /// Lambda function name.
    pub name: String,
    /// Account, when the plan names one.
    pub account: Option<String>,
    /// Region.
    pub region: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Steps that completed, in order (Lambda operation names).
    pub steps_done: Vec<String>,
    /// The step that was running when the function stopped, if it did not finish.
    pub interrupted_step: Option<String>,
    /// Retries by error class (`conflict`, `throttled`, `transient`, ...).
    pub retries: BTreeMap<String, u32>,
    /// Mutations whose response was lost but that had landed, so were not repeated.
    pub landed_after_unknown: u32,
    /// API calls made (including polls).
    pub calls: u32,
    /// GetFunction polls made by the waiter.
    pub polls: u32,
    /// Waits for stability or update completion.
    pub waits: u32,
    /// GetFunction polls of each wait for an update to finish, in order.
    pub polls_per_update: Vec<u32>,
    /// Time spent in waits, in milliseconds.
    pub waited_ms: u64,
    /// Time spent in retry backoff, in milliseconds.
    pub backoff_ms: u64,
    /// Version published by this run, if any.
    pub published_version: Option<String>,
    /// The upload of the zip to S3, when the plan uploads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload: Option<crate::s3::UploadReport>,
    /// Where a gradual rollout left the alias's traffic, when the function ran one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<RolloutEnd>,
}

/// Where a gradual rollout left the alias's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "traffic", rename_all = "snake_case")]
pub enum RolloutEnd {
    /// All of it on the new version, no weights left.
    Completed {
        /// The alias.
        alias: String,
        /// The new version.
        version: String,
    },
    /// All of it back on the old version, no weights left.
    RolledBack {
        /// The alias.
        alias: String,
        /// The old version, which has all the traffic again.
        version: String,
        /// The new version, which has none.
        new_version: String,
    },
    /// The weights stay where the rollout stopped (`on_failure: hold`).
    Held {
        /// The alias.
        alias: String,
        /// The old version (primary).
        version: String,
        /// The new version.
        new_version: String,
        /// The new version's share.
        percent: u8,
    },
    /// Moving the traffic back failed: the alias still routes `percent` to the new
    /// version. `flotilla rollback` ends it.
    RollbackFailed {
        /// The alias.
        alias: String,
        /// The old version.
        version: String,
        /// The new version.
        new_version: String,
        /// The new version's share left.
        percent: u8,
        /// Why the move back failed.
        error: String,
    },
}

impl FunctionReport {
    pub(crate) fn new(key: FunctionKey, name: &str, account: Option<&str>, region: &str) -> Self {
        Self {
            key,
            name: name.to_owned(),
            account: account.map(str::to_owned),
            region: region.to_owned(),
            outcome: Outcome::Converged,
            steps_done: Vec::new(),
            interrupted_step: None,
            retries: BTreeMap::new(),
            landed_after_unknown: 0,
            calls: 0,
            polls: 0,
            waits: 0,
            polls_per_update: Vec::new(),
            waited_ms: 0,
            backoff_ms: 0,
            published_version: None,
            upload: None,
            rollout: None,
        }
    }

    /// Total retries of every class.
    pub fn retry_count(&self) -> u32 {
        self.retries.values().sum()
    }
}

/// Sums over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Totals {
    /// Functions in the plan.
    pub functions: usize,
    /// Converged.
    pub converged: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// Stale.
    pub stale: usize,
    /// Cancelled.
    pub cancelled: usize,
    /// Functions deleted (managed functions that left the manifest, `--prune`).
    pub deleted: usize,
    /// Steps completed.
    pub steps: usize,
    /// Retries by class.
    pub retries: BTreeMap<String, u32>,
    /// API calls.
    pub calls: u64,
    /// Waiter polls.
    pub polls: u64,
    /// Waits.
    pub waits: u64,
    /// Median GetFunction polls per wait for an update to finish (0 without updates).
    pub median_polls_per_update: u32,
    /// Wall-clock duration of the run, in milliseconds.
    pub elapsed_ms: u64,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Report {
    /// One entry per function, in plan order.
    pub functions: Vec<FunctionReport>,
    /// Sums.
    pub totals: Totals,
    /// Accounts and regions where Lambda throttled Flotilla (429): the account's quota
    /// was shared with another caller (another pipeline, another tool), so Flotilla
    /// lowered its rate there and retried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_quota: Vec<SharedQuota>,
}

/// Throttling seen in one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SharedQuota {
    /// Account, when the plan names one.
    pub account: Option<String>,
    /// Region.
    pub region: String,
    /// Calls answered 429.
    pub throttled: u64,
    /// The rate Flotilla started at, calls per second.
    pub configured_per_second: f64,
    /// The lowest rate it fell back to, calls per second.
    pub lowest_per_second: f64,
}

impl SharedQuota {
    fn line(&self) -> String {
        format!(
            "quota shared in {}/{}: {} calls throttled (429), so another caller uses this account's Lambda quota; Flotilla lowered its rate from {:.1}/s to {:.1}/s and retried",
            self.account.as_deref().unwrap_or("default"),
            self.region,
            self.throttled,
            self.configured_per_second,
            self.lowest_per_second
        )
    }
}

impl Report {
    /// The report of a run that changed nothing (no functions, no time).
    pub fn empty() -> Self {
        Self::new(Vec::new(), 0)
    }

    pub(crate) fn new(functions: Vec<FunctionReport>, elapsed_ms: u64) -> Self {
        let mut t = Totals {
            functions: functions.len(),
            elapsed_ms,
            ..Totals::default()
        };
        let mut per_update: Vec<u32> = functions
            .iter()
            .flat_map(|f| f.polls_per_update.iter().copied())
            .collect();
        per_update.sort_unstable();
        t.median_polls_per_update = per_update.get(per_update.len() / 2).copied().unwrap_or(0);
        for f in &functions {
            match f.outcome {
                Outcome::Converged => t.converged += 1,
                Outcome::Failed { .. } => t.failed += 1,
                Outcome::Skipped { .. } => t.skipped += 1,
                Outcome::Stale { .. } => t.stale += 1,
                Outcome::Cancelled => t.cancelled += 1,
            }
            t.steps += f.steps_done.len();
            // A failed function that was replaced is created again, not deleted.
            if f.steps_done.iter().any(|s| s == "DeleteFunction")
                && !f.steps_done.iter().any(|s| s == "CreateFunction")
            {
                t.deleted += 1;
            }
            for (class, n) in &f.retries {
                *t.retries.entry(class.clone()).or_default() += n;
            }
            t.calls += u64::from(f.calls);
            t.polls += u64::from(f.polls);
            t.waits += u64::from(f.waits);
        }
        Self {
            functions,
            totals: t,
            shared_quota: Vec::new(),
        }
    }

    /// Replaces the entries of the functions `rerun` covers (a second pass over
    /// re-planned functions) and recomputes the totals over both passes.
    pub fn merge_rerun(&mut self, rerun: Report) {
        let elapsed_ms = self.totals.elapsed_ms + rerun.totals.elapsed_ms;
        let mut functions = std::mem::take(&mut self.functions);
        for again in rerun.functions {
            match functions.iter_mut().find(|f| f.key == again.key) {
                Some(slot) => *slot = again,
                None => functions.push(again),
            }
        }
        let mut quota = std::mem::take(&mut self.shared_quota);
        for q in rerun.shared_quota {
            match quota
                .iter_mut()
                .find(|o| o.account == q.account && o.region == q.region)
            {
                Some(o) => {
                    o.throttled += q.throttled;
                    o.lowest_per_second = o.lowest_per_second.min(q.lowest_per_second);
                }
                None => quota.push(q),
            }
        }
        *self = Report::new(functions, elapsed_ms);
        self.shared_quota = quota;
    }

    /// The JSON Schema (draft-07) of `--report report.json`, as committed in
    /// `schema/report.schema.json`.
    pub fn schema() -> serde_json::Value {
        schemars::generate::SchemaSettings::draft07()
            .into_generator()
            .into_root_schema_for::<Report>()
            .to_value()
    }

    /// The report as `--report` writes it: pretty JSON and a final newline.
    ///
    /// # Errors
    /// When serialising fails (it cannot for these types, but is not hidden if it does).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    /// True when every function converged.
    pub fn success(&self) -> bool {
        self.totals.converged == self.totals.functions
    }

    /// Functions the caller should re-plan (stale with `refresh` requested).
    pub fn to_replan(&self) -> Vec<&FunctionKey> {
        self.functions
            .iter()
            .filter(|f| {
                matches!(
                    f.outcome,
                    Outcome::Stale {
                        action: StaleAction::Replan,
                        ..
                    }
                )
            })
            .map(|f| &f.key)
            .collect()
    }

    /// The report for one function key.
    pub fn function(&self, key: &str) -> Option<&FunctionReport> {
        self.functions.iter().find(|f| f.key.0 == key)
    }

    fn totals_line(&self) -> String {
        let t = &self.totals;
        let deleted = if t.deleted > 0 {
            format!(", {} deleted", t.deleted)
        } else {
            String::new()
        };
        format!(
            "{} functions: {} converged, {} failed, {} skipped, {} stale, {} cancelled{deleted}; {} steps, {} retries, {} calls, {} polls in {:.1}s",
            t.functions,
            t.converged,
            t.failed,
            t.skipped,
            t.stale,
            t.cancelled,
            t.steps,
            t.retries.values().sum::<u32>(),
            t.calls,
            t.polls,
            ms_to_s(t.elapsed_ms),
        )
    }

    /// A plain-text summary table (one line per function, then totals).
    pub fn to_table(&self) -> String {
        let width = self
            .functions
            .iter()
            .map(|f| f.key.0.len())
            .max()
            .unwrap_or(8)
            .max(8);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:width$}  {:9}  {:>5}  {:>7}  {:>5}  {:>7}  detail",
            "function", "outcome", "steps", "retries", "polls", "waited"
        );
        for f in &self.functions {
            let _ = writeln!(
                out,
                "{:width$}  {:9}  {:>5}  {:>7}  {:>5}  {:>6.1}s  {}",
                f.key.0,
                f.outcome.label(),
                f.steps_done.len(),
                f.retry_count(),
                f.polls,
                ms_to_s(f.waited_ms),
                f.outcome.detail().unwrap_or_default()
            );
        }
        let _ = writeln!(out, "{}", self.totals_line());
        for q in &self.shared_quota {
            let _ = writeln!(out, "{}", q.line());
        }
        out
    }

    /// Markdown for `GITHUB_STEP_SUMMARY`.
    pub fn to_markdown(&self) -> String {
        self.to_markdown_titled("flotilla apply")
    }

    /// Markdown under a `## TITLE` heading (`flotilla rollback` reports with the same table).
    pub fn to_markdown_titled(&self, title: &str) -> String {
        let mut out = format!("## {title}\n\n");
        let _ = writeln!(out, "{}\n", self.totals_line());
        for q in &self.shared_quota {
            let _ = writeln!(out, "{}\n", q.line());
        }
        out.push_str("| function | outcome | steps | retries | polls | waited | detail |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for f in &self.functions {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {:.1}s | {} |",
                f.key.0,
                f.outcome.label(),
                if f.steps_done.is_empty() {
                    "—".to_owned()
                } else {
                    f.steps_done.join(", ")
                },
                f.retry_count(),
                f.polls,
                ms_to_s(f.waited_ms),
                md_escape(&f.outcome.detail().unwrap_or_default())
            );
        }
        out
    }
}

fn ms_to_s(ms: u64) -> f64 {
    // Precision loss only past 2^52 ms, which no deploy reaches.
    #[allow(clippy::cast_precision_loss)]
    let s = ms as f64 / 1000.0;
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(key: &str, outcome: Outcome) -> FunctionReport {
        let mut r = FunctionReport::new(FunctionKey(key.into()), key, None, "eu-north-1");
        r.outcome = outcome;
        r
    }

    #[test]
    fn totals_count_outcomes_and_render() {
        let mut a = f("a", Outcome::Converged);
        a.steps_done = vec!["UpdateFunctionCode".into()];
        a.retries.insert("conflict".into(), 2);
        let r = Report::new(
            vec![
                a,
                f(
                    "b",
                    Outcome::Failed {
                        cause: FailureCause::Refused {
                            reason: "x|y".into(),
                        },
                    },
                ),
                f(
                    "c",
                    Outcome::Skipped {
                        because: "dependency `b` failed".into(),
                    },
                ),
            ],
            1500,
        );
        assert_eq!(r.totals.converged, 1);
        assert_eq!(r.totals.failed, 1);
        assert_eq!(r.totals.skipped, 1);
        assert_eq!(r.totals.retries["conflict"], 2);
        assert!(!r.success());
        let md = r.to_markdown();
        assert!(md.contains("| `b` | failed |"), "{md}");
        assert!(md.contains("x\\|y"), "{md}");
        let table = r.to_table();
        assert!(table.contains("dependency `b` failed"), "{table}");
        let json = serde_json::to_value(&r).expect("serializes");
        assert_eq!(json["functions"][1]["outcome"]["kind"], "failed");
    }
}
