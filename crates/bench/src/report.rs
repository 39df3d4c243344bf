//! The benchmark's figures: one row per tool and scenario, a text table, JSON, and the
//! headline line CI greps.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::lower_bound::LowerBound;
use super::runner::ToolRun;
use super::scenario::Scenario;
use flotilla_cloud::lambda::ApiOp;

/// One tool's figures on one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolFigures {
    /// Tool name.
    pub tool: String,
    /// Simulated wall time in seconds.
    pub wall_s: f64,
    /// Wall time over the lower bound.
    pub ratio_to_lb: f64,
    /// Wall time over Flotilla's (absent when Flotilla did not run).
    pub ratio_to_flotilla: Option<f64>,
    /// API calls by operation name.
    pub calls: BTreeMap<String, u64>,
    /// All calls.
    pub total_calls: u64,
    /// Waits for an update to finish.
    pub waits: u64,
    /// Median polls per wait.
    pub polls_median: f64,
    /// 95th percentile of polls per wait.
    pub polls_p95: f64,
    /// 409 `ResourceConflictException`s the emulator returned.
    pub conflicts: u64,
    /// 429 `TooManyRequestsException`s.
    pub throttles: u64,
    /// 412 `PreconditionFailedException`s.
    pub precondition_failures: u64,
    /// The most updates that overlapped on one function (1 = never).
    pub peak_overlap: u32,
    /// Changed functions that did not reach their desired state.
    pub failed_functions: u64,
    /// Up to five of them, with the tool's reason when it gave one.
    pub failed_sample: Vec<String>,
}

impl ToolFigures {
    /// Figures of one run against the scenario's lower bound.
    pub fn from_run(run: &ToolRun, lb: &LowerBound) -> Self {
        let wall_s = run.wall.as_secs_f64();
        let calls: BTreeMap<String, u64> = run
            .counters
            .calls
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(op, n)| (op.name().to_owned(), *n))
            .collect();
        let mut polls = run.outcome.polls_per_wait.clone();
        polls.sort_unstable();
        ToolFigures {
            tool: run.tool.to_owned(),
            wall_s,
            ratio_to_lb: ratio(wall_s, lb.seconds),
            ratio_to_flotilla: None,
            total_calls: calls.values().sum(),
            calls,
            waits: polls.len() as u64,
            polls_median: quantile(&polls, 0.5),
            polls_p95: quantile(&polls, 0.95),
            conflicts: run.counters.conflicts,
            throttles: run.counters.throttles,
            precondition_failures: run.counters.precondition_failures,
            peak_overlap: run.counters.max_overlap(),
            failed_functions: run.failed.len() as u64,
            failed_sample: run
                .failed
                .iter()
                .take(5)
                .map(|name| match run.outcome.failed.get(name) {
                    Some(reason) => format!("{name}: {reason}"),
                    None => format!("{name}: not in the desired state"),
                })
                .collect(),
        }
    }

    /// Calls of one operation.
    pub fn calls_of(&self, op: ApiOp) -> u64 {
        self.calls.get(op.name()).copied().unwrap_or(0)
    }
}

/// `a / b`, or 1.0 when both are zero (an empty scenario takes no time anywhere).
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else if a > 0.0 {
        f64::INFINITY
    } else {
        1.0
    }
}

/// Nearest-rank quantile of sorted values; 0 when empty.
pub fn quantile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// All tools on one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioReport {
    /// Scenario name.
    pub scenario: String,
    /// Functions in the fleet.
    pub functions: usize,
    /// Functions that change.
    pub changed: usize,
    /// Seed.
    pub seed: u64,
    /// True when faults are injected.
    pub chaos: bool,
    /// The lower bound, term by term.
    pub lower_bound: LowerBound,
    /// One row per tool, Flotilla first when it ran.
    pub tools: Vec<ToolFigures>,
}

impl ScenarioReport {
    /// Builds the rows and fills the ratios to Flotilla.
    pub fn new(scenario: &Scenario, lower_bound: LowerBound, runs: &[ToolRun]) -> Self {
        let mut tools: Vec<ToolFigures> = runs
            .iter()
            .map(|r| ToolFigures::from_run(r, &lower_bound))
            .collect();
        let flotilla = tools
            .iter()
            .find(|t| t.tool == "flotilla")
            .map(|t| t.wall_s);
        if let Some(base) = flotilla {
            for t in &mut tools {
                t.ratio_to_flotilla = Some(ratio(t.wall_s, base));
            }
        }
        ScenarioReport {
            scenario: scenario.kind.name().to_owned(),
            functions: scenario.functions.len(),
            changed: scenario.changed(),
            seed: scenario.seed,
            chaos: scenario.kind.has_chaos(),
            lower_bound,
            tools,
        }
    }

    /// The row of one tool.
    pub fn tool(&self, name: &str) -> Option<&ToolFigures> {
        self.tools.iter().find(|t| t.tool == name)
    }

    /// The text table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let lb = &self.lower_bound;
        let terms: Vec<String> = lb
            .targets
            .iter()
            .map(|t| {
                format!(
                    "{}/{}: {} calls {:.1}s, {} GetFunction {:.1}s, chain {:.1}s",
                    t.account,
                    t.region,
                    t.mutating_calls,
                    t.mutating_s,
                    t.get_function_calls,
                    t.get_function_s,
                    t.chain_s
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "== {} — {} functions ({} changed), seed {}{}\n   lower bound {:.1}s ({})",
            self.scenario,
            self.functions,
            self.changed,
            self.seed,
            if self.chaos { ", faults injected" } else { "" },
            lb.seconds,
            terms.join("; ")
        );
        let _ = writeln!(
            out,
            "   {:<18} {:>10} {:>7} {:>8} {:>7} {:>6} {:>6} {:>6} {:>6} {:>5} {:>9} {:>5} {:>5} {:>5} {:>6}",
            "tool",
            "wall",
            "xLB",
            "xFlot",
            "calls",
            "GetFn",
            "GetCfg",
            "Code",
            "Config",
            "Pub",
            "polls",
            "409",
            "429",
            "412",
            "failed"
        );
        for t in &self.tools {
            let _ = writeln!(
                out,
                "   {:<18} {:>10} {:>7.3} {:>8} {:>7} {:>6} {:>6} {:>6} {:>6} {:>5} {:>9} {:>5} {:>5} {:>5} {:>6}",
                t.tool,
                human_secs(t.wall_s),
                t.ratio_to_lb,
                t.ratio_to_flotilla
                    .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
                t.total_calls,
                t.calls_of(ApiOp::GetFunction),
                t.calls_of(ApiOp::GetFunctionConfiguration),
                t.calls_of(ApiOp::UpdateFunctionCode),
                t.calls_of(ApiOp::UpdateFunctionConfiguration),
                t.calls_of(ApiOp::PublishVersion),
                format!("{}/{}", t.polls_median, t.polls_p95),
                t.conflicts,
                t.throttles,
                t.precondition_failures,
                t.failed_functions
            );
        }
        out
    }
}

fn human_secs(s: f64) -> String {
    if s >= 3600.0 {
        format!("{:.0}h{:02.0}m", (s / 3600.0).floor(), (s % 3600.0) / 60.0)
    } else {
        format!("{s:.1}s")
    }
}

/// The headline of the `code+config+publish+alias` scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Headline {
    /// Functions in that scenario.
    pub functions: usize,
    /// Flotilla's wall time over the lower bound.
    pub ratio_to_lb: f64,
    /// Terraform policy's wall time over Flotilla's.
    pub speedup_vs_terraform: f64,
    /// Seed script's wall time over Flotilla's.
    pub speedup_vs_seed: f64,
}

impl Headline {
    /// The line CI greps.
    pub fn line(&self) -> String {
        format!(
            "ratio_to_lb={:.3} speedup_vs_terraform={:.1} speedup_vs_seed={:.1}",
            self.ratio_to_lb, self.speedup_vs_terraform, self.speedup_vs_seed
        )
    }

    /// From the scenario's report, when Flotilla, Terraform and the seed script ran.
    pub fn from_report(report: &ScenarioReport) -> Option<Self> {
        let flotilla = report.tool("flotilla")?;
        let terraform = report.tool(super::peers::terraform().name)?;
        let seed = report.tool(super::peers::seed_script().name)?;
        Some(Headline {
            functions: report.functions,
            ratio_to_lb: flotilla.ratio_to_lb,
            speedup_vs_terraform: ratio(terraform.wall_s, flotilla.wall_s),
            speedup_vs_seed: ratio(seed.wall_s, flotilla.wall_s),
        })
    }
}

/// Everything one `fleet-bench` run measured in virtual mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    /// One report per scenario run.
    pub scenarios: Vec<ScenarioReport>,
    /// The headline, when the `code+config+publish+alias` scenario ran with every tool.
    pub headline: Option<Headline>,
}

impl BenchReport {
    /// Tables of every scenario, then the headline as the last line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for s in &self.scenarios {
            out.push_str(&s.table());
            out.push('\n');
        }
        if let Some(h) = &self.headline {
            let _ = writeln!(out, "headline at {} functions:", h.functions);
            out.push_str(&h.line());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[1, 2, 3, 4], 0.5), 2.0);
        assert_eq!(quantile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 10.0);
        assert_eq!(quantile(&[5], 0.95), 5.0);
    }
}
