//! The scheduler: every function is one task running its steps in order; tasks run in
//! parallel up to `parallelism`, a function starts only after its `depends_on` all
//! converged, and dependents of a function that did not converge are skipped.
//!
//! Tasks are futures polled by one `FuturesUnordered` on the caller's task: the work is
//! waiting on the API and the clock, so one thread is plenty, and a borrowed plan needs
//! no `'static` copies.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::model::{RetryPolicy, WaitPolicy};
use crate::plan::{FunctionPlan, Plan};

use super::context::ApplyContext;
use super::events::Event;
use super::failure::FailureCause;
use super::priority::{ReadyQueue, critical_paths};
use super::report::{FunctionReport, Outcome};
use super::run::{FnRun, Stop};
use crate::pace::LimiterRegistry;
use crate::retry::Backoff;

type Task<'a> = Pin<Box<dyn Future<Output = (usize, FunctionReport)> + 'a>>;

/// Runs every function of the plan and returns their reports in plan order.
pub(crate) async fn schedule(
    plan: &Plan,
    ctx: &ApplyContext,
    limiters: &LimiterRegistry,
) -> Vec<FunctionReport> {
    let n = plan.functions.len();
    let index: HashMap<&str, usize> = plan
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.key.0.as_str(), i))
        .collect();
    let mut pending_deps = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, f) in plan.functions.iter().enumerate() {
        // A dependency outside this plan (filtered out with --only) is taken as done.
        let mut deps: Vec<usize> = f
            .depends_on
            .iter()
            .filter_map(|k| index.get(k.0.as_str()).copied())
            .collect();
        deps.sort_unstable();
        deps.dedup();
        pending_deps[i] = deps.len();
        for d in deps {
            dependents[d].push(i);
        }
    }
    let mut reports: Vec<Option<FunctionReport>> = vec![None; n];
    let mut ready = ReadyQueue::new(critical_paths(&plan.functions, &dependents));
    for i in (0..n).filter(|&i| pending_deps[i] == 0) {
        ready.push(i);
    }
    let mut running: FuturesUnordered<Task<'_>> = FuturesUnordered::new();
    let parallelism = ctx.parallelism.max(1);

    loop {
        while running.len() < parallelism {
            let Some(i) = ready.pop() else { break };
            if reports[i].is_some() {
                continue;
            }
            let f = &plan.functions[i];
            if ctx.cancel.is_cancelled() {
                // A function with nothing to do is as planned, interrupt or not.
                let outcome = if f.steps.is_empty() {
                    Outcome::Converged
                } else {
                    Outcome::Cancelled
                };
                ctx.events.event(&Event::FunctionFinished {
                    key: f.key.clone(),
                    outcome: outcome.clone(),
                });
                let r = not_started(f, outcome);
                finish(
                    plan,
                    ctx,
                    i,
                    r,
                    &mut reports,
                    &mut pending_deps,
                    &dependents,
                    &mut ready,
                );
                continue;
            }
            running.push(Box::pin(async move {
                (i, run_function(f, ctx, limiters).await)
            }));
        }
        let Some((i, r)) = running.next().await else {
            if ready.is_empty() {
                break;
            }
            continue;
        };
        finish(
            plan,
            ctx,
            i,
            r,
            &mut reports,
            &mut pending_deps,
            &dependents,
            &mut ready,
        );
    }

    plan.functions
        .iter()
        .zip(reports)
        .map(|(f, r)| {
            r.unwrap_or_else(|| {
                not_started(
                    f,
                    Outcome::Skipped {
                        because: "its depends_on forms a cycle".to_owned(),
                    },
                )
            })
        })
        .collect()
}

fn not_started(f: &FunctionPlan, outcome: Outcome) -> FunctionReport {
    let mut r = FunctionReport::new(f.key.clone(), &f.name, f.account.as_deref(), &f.region);
    r.outcome = outcome;
    r
}

/// Records a report and releases or skips the function's dependents.
#[allow(clippy::too_many_arguments)]
fn finish(
    plan: &Plan,
    ctx: &ApplyContext,
    i: usize,
    report: FunctionReport,
    reports: &mut [Option<FunctionReport>],
    pending_deps: &mut [usize],
    dependents: &[Vec<usize>],
    ready: &mut ReadyQueue,
) {
    let converged = report.outcome == Outcome::Converged;
    let cancelled = report.outcome == Outcome::Cancelled;
    let label = report.outcome.label();
    reports[i] = Some(report);
    for &d in &dependents[i] {
        if reports[d].is_some() {
            continue;
        }
        if converged {
            pending_deps[d] -= 1;
            if pending_deps[d] == 0 {
                ready.push(d);
            }
            continue;
        }
        let f = &plan.functions[d];
        let outcome = if cancelled && f.steps.is_empty() {
            // Nothing to do: as planned, interrupt or not (its dependents, if any,
            // are then cancelled in turn).
            Outcome::Converged
        } else if cancelled {
            Outcome::Cancelled
        } else {
            Outcome::Skipped {
                because: format!("dependency `{}` {label}", plan.functions[i].key),
            }
        };
        ctx.events.event(&Event::FunctionFinished {
            key: f.key.clone(),
            outcome: outcome.clone(),
        });
        finish(
            plan,
            ctx,
            d,
            not_started(f, outcome),
            reports,
            pending_deps,
            dependents,
            ready,
        );
    }
}

/// Runs one function's steps and reports what happened.
async fn run_function(
    plan: &FunctionPlan,
    ctx: &ApplyContext,
    limiters: &LimiterRegistry,
) -> FunctionReport {
    let report = FunctionReport::new(
        plan.key.clone(),
        &plan.name,
        plan.account.as_deref(),
        &plan.region,
    );
    ctx.events.event(&Event::FunctionStarted {
        key: plan.key.clone(),
    });
    if plan.steps.is_empty() {
        ctx.events.event(&Event::FunctionFinished {
            key: plan.key.clone(),
            outcome: Outcome::Converged,
        });
        return report;
    }
    let api = match ctx.clients.client(plan.account.as_deref(), &plan.region) {
        Ok(api) => api,
        Err(e) => {
            let mut report = report;
            report.outcome = Outcome::Failed {
                cause: FailureCause::NoClient {
                    region: plan.region.clone(),
                    message: e.to_string(),
                },
            };
            ctx.events.event(&Event::FunctionFinished {
                key: plan.key.clone(),
                outcome: report.outcome.clone(),
            });
            return report;
        }
    };
    let mut run = FnRun {
        plan,
        ctx,
        api,
        limits: limiters.get(plan.account.as_deref(), &plan.region),
        backoff: Backoff::new(RetryPolicy::from(plan.retry), ctx.seed, &plan.key.0),
        wait: WaitPolicy::from(plan.wait),
        report,
        env: None,
        code: None,
        code_permit: None,
        fresh: None,
        arn: None,
        published: None,
        own: None,
        in_flight: None,
        alias_revision: None,
        shifted: None,
    };
    let outcome = match run.run_steps().await {
        Ok(()) => Outcome::Converged,
        Err(Stop::Cancelled) => {
            run.confirm_in_flight().await;
            Outcome::Cancelled
        }
        Err(stop) => stop.into_outcome(plan, ctx.refresh),
    };
    let mut report = run.report;
    report.outcome = outcome;
    ctx.events.event(&Event::FunctionFinished {
        key: plan.key.clone(),
        outcome: report.outcome.clone(),
    });
    report
}
