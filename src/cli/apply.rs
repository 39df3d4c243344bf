//! `flotilla apply`: carry out a saved plan, or plan and apply in one go.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flotilla_core::apply::{
    ApplyContext, CancelToken, EventSink, Outcome, Report, SecretSource, apply,
};
use flotilla_core::deploy::{AccountRoles, ClientSet, LocalCode, PlanOptions, make_plan_with};
use flotilla_core::model::{FunctionKey, Limits, Model};
use flotilla_core::plan::{Action, Plan, PlanFile};
use flotilla_core::s3::UploadOptions;
use flotilla_sim::Sim;

use super::Exit;
use super::error::CliError;
use super::plan::{Format, plan_options, print_plan};
use super::progress::{LiveView, TimedLines};
use super::report_file::ReportArgs;
use super::target::{TargetArgs, report_error, report_manifest_error};

/// Arguments of `flotilla apply`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan saved with `flotilla plan -o FILE`. Without it, plan and apply in one go.
    #[arg(value_name = "PLAN")]
    plan: Option<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long)]
    auto_approve: bool,
    /// Re-plan functions that someone else changed since the saved plan, instead of
    /// refusing them (needs the manifest, `-f`).
    #[arg(long)]
    refresh: bool,
    /// Functions deployed at once (the rate limiter, not this, keeps calls under quota).
    #[arg(long, default_value_t = flotilla_core::apply::DEFAULT_PARALLELISM)]
    parallelism: usize,
    /// Calls per second other than GetFunction, per account and region (default: the
    /// manifest's `limits`, else 15).
    #[arg(long, value_name = "PER_SECOND", value_parser = parse_rate)]
    mutating_rate: Option<f64>,
    /// GetFunction calls per second, per account and region (default: 100).
    #[arg(long, value_name = "PER_SECOND", value_parser = parse_rate)]
    get_function_rate: Option<f64>,
    /// Apply only this `ACCOUNT/REGION` group of a saved plan (see `plan --list-shards`).
    #[arg(long, value_name = "ACCOUNT/REGION", requires = "plan")]
    shard: Option<String>,
    #[command(flatten)]
    report: ReportArgs,
    /// Also delete managed functions that left the manifest (see `plan --prune`); asks
    /// first, listing them, unless `--auto-approve`. A saved plan made with `--prune`
    /// carries its deletions, so this flag is for plan-and-apply only.
    #[arg(long, conflicts_with = "plan")]
    prune: bool,
    /// Take over this function although its ownership tags name another manifest or
    /// environment (see `plan --adopt`); by key or Lambda name, repeatable. A saved plan
    /// carries what it adopts, so this flag is for plan-and-apply only.
    #[arg(long, value_name = "FUNCTION", conflicts_with = "plan")]
    adopt: Vec<String>,
}

/// A rate flag: a finite number of calls per second, at least [`Limits::MIN_PER_SECOND`].
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if Limits::is_valid_rate(rate) => Ok(rate),
        _ => Err(format!(
            "expected a number of calls per second, at least {}",
            Limits::MIN_PER_SECOND
        )),
    }
}

/// Applies and reports.
pub fn run(args: Args) -> Exit {
    if args.plan.is_some() && args.target.local {
        return CliError::LocalWithSavedPlan.report();
    }
    // A saved plan was reviewed when it was made (as with `terraform apply PLAN`).
    if args.plan.is_none() && !args.auto_approve && !std::io::stdin().is_terminal() {
        return CliError::NoTerminal {
            command: "apply",
            hint: "review the plan",
        }
        .report();
    }
    super::runtime().block_on(run_async(args))
}

async fn run_async(args: Args) -> Exit {
    // Found out now, not after every function was changed (as `terraform apply` checks
    // its arguments before touching anything).
    if let Some(path) = &args.report.report
        && let Err(source) = probe_writable(path)
    {
        return CliError::ReportNotWritable {
            path: path.clone(),
            source,
        }
        .report();
    }
    let target = args.target.target();
    let (clients, sim) = flotilla::connect::connect(&target).await;
    let (plan, model) = match &args.plan {
        Some(path) => match PlanFile::read(path) {
            // A saved plan deploys to the environment it was made for; another `--env`
            // is a mistake to stop, not a flag to ignore.
            Ok(plan) if args.target.env.is_some() && args.target.env != plan.environment => {
                return CliError::EnvMismatch {
                    given: args.target.env.clone().unwrap_or_default(),
                    planned: plan
                        .environment
                        .clone()
                        .unwrap_or_else(|| "none".to_owned()),
                }
                .report();
            }
            Ok(_) if args.target.select.changed_since.is_some() => {
                return CliError::ChangedSinceWithPlan.report();
            }
            Ok(plan) => {
                let plan = if args.target.select.only.is_empty() {
                    plan
                } else {
                    match flotilla_core::select::select_plan(&plan, &args.target.select.only) {
                        Ok(part) => {
                            eprintln!(
                                "Applying {} of the plan's {} function(s) (--only).",
                                part.functions.len(),
                                plan.functions.len()
                            );
                            part
                        }
                        Err(e) => return report_error(e),
                    }
                };
                match &args.shard {
                    // A misspelt shard in a CI matrix must fail the job, not apply nothing.
                    Some(shard) if !plan.all_shards().contains(shard) => {
                        return CliError::NoSuchShard {
                            shard: shard.clone(),
                            shards: plan.all_shards().join(", "),
                        }
                        .report();
                    }
                    Some(shard) => (plan.only_shard(shard), None),
                    None => (plan, None),
                }
            }
            Err(e) => return report_error(e),
        },
        None => {
            let model = match args.target.load_selected() {
                Ok(m) => m,
                Err(exit) => return exit,
            };
            let options = plan_options(args.prune, &args.adopt, &args.target);
            match make_plan_with(&model, &clients, &options).await {
                Ok(plan) => (plan, Some(model)),
                Err(e) => return report_error(e),
            }
        }
    };
    if model.is_some() {
        print_plan(&plan, Format::Text);
    }
    if !plan.has_changes() {
        eprintln!("No changes: every function is up to date.");
        // CI steps that upload the report or read the summary must find one.
        return match args
            .report
            .write(&Report::empty(), "apply", plan.environment.as_deref())
        {
            Ok(()) => Exit::Ok,
            Err(e) => e.report(),
        };
    }
    if model.is_some() && !args.auto_approve && !confirm(&plan) {
        eprintln!("Apply cancelled; nothing was changed.");
        return Exit::Failure;
    }
    let base = manifest_dir(Path::new(&plan.manifest_path));
    if model.is_none() {
        let changed = flotilla_core::deploy::verify_artifacts(&base, &plan);
        if !changed.is_empty() {
            return report_error(flotilla_core::plan::PlanFileError::ArtifactsChanged {
                problems: changed,
            });
        }
    }
    // A saved plan records each account's role, so apply assumes what plan assumed.
    match AccountRoles::of_plan(&plan) {
        Ok(roles) => {
            clients.assume_roles(&roles).await;
            // A saved plan may be applied with other credentials than it was made with.
            if let Err(e) = clients.check_accounts(&roles).await {
                return report_error(e);
            }
        }
        Err(e) => return report_error(e),
    }
    if model.is_none() {
        let missing = flotilla_core::deploy::verify_alias_targets(&plan, clients.as_ref()).await;
        if !missing.is_empty() {
            return report_error(flotilla_core::plan::PlanFileError::Tampered {
                problems: missing,
            });
        }
        // Someone may have deployed a function from another manifest or environment
        // since the plan: refused before anything changes, unless the plan adopted it.
        if let Err(e) = flotilla_core::deploy::verify_owners(&plan, clients.as_ref()).await {
            return report_error(e);
        }
    }
    // A one-go apply re-plans a function another writer changed meanwhile (it has the
    // manifest and nobody reviewed a saved plan); a saved plan does so only when told.
    let replan = args.refresh || args.plan.is_none();
    let mut report = run_plan(&args, &plan, &clients, model.as_ref(), &base, replan).await;
    for _ in 0..MAX_REPLANS {
        if !replan || report.to_replan().is_empty() {
            break;
        }
        let environment = plan.environment.as_deref();
        match refresh(
            &args,
            environment,
            &plan,
            &report,
            &clients,
            model.as_ref(),
            &base,
        )
        .await
        {
            Some(merged) => report = merged,
            None => break,
        }
    }
    finish(&args, &report, sim.as_ref(), plan.environment.as_deref())
}

/// Rounds of re-planning contended functions before they are reported stale: two
/// pipelines racing for one function settle in one or two rounds; more means someone
/// keeps changing it.
const MAX_REPLANS: usize = 3;

async fn run_plan(
    args: &Args,
    plan: &Plan,
    clients: &Arc<ClientSet>,
    model: Option<&Model>,
    base: &Path,
    replan: bool,
) -> Report {
    let code =
        LocalCode::new(base.to_owned()).with_uploads(clients.clone(), UploadOptions::default());
    let mut ctx = ApplyContext::new(clients.clone(), Arc::new(code));
    ctx.parallelism = args.parallelism.max(1);
    ctx.refresh = replan;
    ctx.events = if std::io::stderr().is_terminal() {
        Arc::new(LiveView::new(plan.functions.len()))
    } else {
        Arc::new(TimedLines::new())
    };
    if let Some(model) = model {
        ctx.inline_secrets = inline_secrets(model);
    }
    if args.target.local {
        ctx.secrets = Arc::new(LocalSecrets);
    }
    if args.mutating_rate.is_some() || args.get_function_rate.is_some() {
        let planned: Limits = plan.limits.into();
        ctx.limits = Some(Limits {
            mutating_per_second: args.mutating_rate.unwrap_or(planned.mutating_per_second),
            get_function_per_second: args
                .get_function_rate
                .unwrap_or(planned.get_function_per_second),
        });
    }
    ctx.time_scale = test_time_scale();
    ctx.cancel = cancel_on_signals(&ctx.events);
    apply(plan, ctx).await
}

/// `FLOTILLA_TEST_TIME_SCALE`: divides rollout holds and alarm polls, so the tests run
/// a 5-minute canary in seconds against `flotilla sim` (see docs/development.md). Any
/// value that is not a finite number of at least 1 means real time.
fn test_time_scale() -> f64 {
    std::env::var("FLOTILLA_TEST_TIME_SCALE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 1.0)
        .unwrap_or(1.0)
}

/// Re-observes and re-plans, from scratch, the functions reported stale or contended
/// (and the dependents skipped because of them) and applies them; the other functions
/// keep their outcome from the earlier pass.
async fn refresh(
    args: &Args,
    environment: Option<&str>,
    plan: &Plan,
    first: &Report,
    clients: &Arc<ClientSet>,
    model: Option<&Model>,
    base: &Path,
) -> Option<Report> {
    let mut again: Vec<FunctionKey> = first.to_replan().into_iter().cloned().collect();
    // Dependents skipped because a function was stale run again with it.
    loop {
        let before = again.len();
        for f in &plan.functions {
            let skipped = first
                .functions
                .iter()
                .any(|r| r.key == f.key && matches!(r.outcome, Outcome::Skipped { .. }));
            if skipped && !again.contains(&f.key) && f.depends_on.iter().any(|d| again.contains(d))
            {
                again.push(f.key.clone());
            }
        }
        if again.len() == before {
            break;
        }
    }
    let mut model = match model {
        Some(m) => m.clone(),
        None => match args.target.load_or_env(environment) {
            Ok(m) => m,
            Err(e) => {
                report_manifest_error(&e);
                return None;
            }
        },
    };
    model.functions.retain(|f| again.contains(&f.key));
    eprintln!(
        "Re-planning {} function(s) another writer changed during apply: {}.",
        again.len(),
        again
            .iter()
            .map(|k| k.0.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // `--local`: the emulator was seeded before the first plan; the re-plan observes it.
    // What this run adopts: the flag's, or for a saved plan what the plan adopted.
    let mut adopt = if args.plan.is_some() {
        flotilla_core::deploy::adopted_in(plan)
    } else {
        args.adopt.clone()
    };
    adopt.retain(|a| {
        model
            .functions
            .iter()
            .any(|f| f.key.0 == *a || f.name.as_str() == a)
    });
    let options = PlanOptions {
        prune: false,
        adopt,
    };
    let replanned = match make_plan_with(&model, clients, &options).await {
        Ok(p) => p,
        Err(e) => {
            report_error(e);
            return None;
        }
    };
    print_plan(&replanned, Format::Text);
    let second = run_plan(args, &replanned, clients, Some(&model), base, true).await;
    let mut merged = first.clone();
    merged.merge_rerun(second);
    Some(merged)
}

fn finish(args: &Args, report: &Report, sim: Option<&Sim>, environment: Option<&str>) -> Exit {
    eprintln!();
    eprint!("{}", report.to_table());
    if let Some(sim) = sim {
        let c = sim.counters();
        eprintln!(
            "local emulator: {} calls, {} conflicts (409), {} throttles (429), {} faults injected, peak overlapping updates per function: {}",
            c.total_calls(),
            c.conflicts,
            c.throttles,
            c.faults.values().sum::<u64>(),
            c.max_overlap()
        );
        let s3 = sim.s3_counters();
        if !s3.calls.is_empty() {
            let count = |op: &str| s3.calls.get(op).copied().unwrap_or(0);
            eprintln!(
                "local S3: {} objects, {} PutObject, {} UploadPart, {} HeadObject, {} bytes received",
                s3.objects.len(),
                count("PutObject"),
                count("UploadPart"),
                count("HeadObject"),
                s3.bytes_received
            );
        }
    }
    if let Err(e) = args.report.write(report, "apply", environment) {
        return e.report();
    }
    if report.success() {
        Exit::Ok
    } else {
        Exit::Failure
    }
}

/// Writes the report of a run that changed nothing to `path` and syncs it, so a path in
/// a missing folder, a read-only file or a full disk (`/dev/full`) fails before apply.
/// The real report replaces it at the end.
fn probe_writable(path: &Path) -> std::io::Result<()> {
    let placeholder = Report::empty().to_json().map_err(std::io::Error::from)?;
    let mut file = std::fs::File::create(path)?;
    file.write_all(placeholder.as_bytes())?;
    file.flush()?;
    match file.sync_all() {
        // A pipe or terminal cannot sync; what was written went through.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

fn manifest_dir(manifest: &Path) -> PathBuf {
    match manifest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Secrets written inline in the manifest: a saved plan cannot carry them, but a plan
/// made in this process can hand them to the engine.
fn inline_secrets(model: &Model) -> BTreeMap<FunctionKey, BTreeMap<String, String>> {
    model
        .functions
        .iter()
        .map(|f| {
            let inline = f
                .sensitive_keys
                .iter()
                .filter(|k| !f.environment_sources.contains_key(*k))
                .filter_map(|k| Some((k.clone(), f.config.environment.get(k)?.clone())))
                .collect::<BTreeMap<_, _>>();
            (f.key.clone(), inline)
        })
        .filter(|(_, m)| !m.is_empty())
        .collect()
}

fn confirm(plan: &Plan) -> bool {
    let deleted: Vec<&str> = plan
        .functions
        .iter()
        .filter(|f| f.action == Action::Delete)
        .map(|f| f.name.as_str())
        .collect();
    if !deleted.is_empty() {
        eprintln!(
            "\nThis DELETES {} function(s) that left the manifest, with all their versions and aliases:",
            deleted.len()
        );
        for name in &deleted {
            eprintln!("  - {name}");
        }
    }
    eprint!("\nApply these changes? Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

/// First SIGINT/SIGTERM: start nothing new, let in-flight steps finish. Second: stop
/// waiting too. Each is acknowledged through `events` while the run that draws it lasts
/// (a weak reference, so the view is still dropped, and cleared, when the run ends).
pub(super) fn cancel_on_signals(events: &Arc<dyn EventSink>) -> CancelToken {
    let token = CancelToken::new();
    let t = token.clone();
    let events = Arc::downgrade(events);
    let note = move |line: &str| match events.upgrade() {
        Some(sink) => sink.note(line),
        None => eprintln!("{line}"),
    };
    tokio::spawn(async move {
        loop {
            wait_for_signal().await;
            t.escalate();
            if t.is_hard() {
                note(
                    "Interrupted again: abandoning waits; the report re-reads each function whose step was in flight to say whether it landed.",
                );
                break;
            }
            note(
                "Interrupted: starting no new steps; letting in-flight ones finish (interrupt again to stop waiting).",
            );
        }
    });
    token
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Local mode reads secrets from the environment when set and uses an empty
/// placeholder otherwise, so the quickstart runs on a machine without them.
struct LocalSecrets;

impl SecretSource for LocalSecrets {
    fn var(&self, var: &str) -> Option<String> {
        Some(std::env::var(var).unwrap_or_default())
    }
}
