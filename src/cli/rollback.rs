//! `flotilla rollback`: move each selected function's alias back to the previous
//! published version (or `--to VERSION`), through the apply engine.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use flotilla_core::apply::{ApplyContext, Report};
use flotilla_core::deploy::{self, LocalCode};
use flotilla_core::pace::Pacer;
use flotilla_core::rollback::{self, Rollback};

use super::Exit;
use super::error::CliError;
use super::progress::{LiveView, TimedLines};
use super::report_file::ReportArgs;
use super::target::{TargetArgs, report_error};

/// Arguments of `flotilla rollback`.
#[derive(Debug, clap::Args)]
// A fresh emulator has nothing to roll back to: not offered (still refused with a hint).
#[command(mut_arg("local", |a| a.hide(true)))]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Move the alias to this published version instead of the one before its current
    /// version. Needs exactly one selected function (`--only NAME`): version numbers are
    /// per function.
    #[arg(long, value_name = "VERSION")]
    to: Option<u64>,
    /// Move without asking (required when stdin is not a terminal).
    #[arg(long)]
    auto_approve: bool,
    /// Functions rolled back at once (the rate limiter, not this, keeps calls under quota).
    #[arg(long, default_value_t = flotilla_core::apply::DEFAULT_PARALLELISM)]
    parallelism: usize,
    #[command(flatten)]
    report: ReportArgs,
}

/// Reads, shows, asks, moves and reports.
pub fn run(args: Args) -> Exit {
    if args.target.local {
        return CliError::LocalRollback.report();
    }
    if !args.auto_approve && !std::io::stdin().is_terminal() {
        return CliError::NoTerminal {
            command: "rollback",
            hint: "check what will move",
        }
        .report();
    }
    let model = match args.target.load_selected() {
        Ok(m) => m,
        Err(exit) => return exit,
    };
    if let Some(to) = args.to
        && model.functions.len() != 1
    {
        return CliError::ToNeedsOneFunction {
            to: to.to_string(),
            selected: model.functions.len(),
        }
        .report();
    }
    super::runtime().block_on(async {
        let (clients, _) = flotilla::connect::connect(&args.target.target()).await;
        match deploy::AccountRoles::of_model(&model) {
            Ok(roles) => {
                clients.assume_roles(&roles).await;
                if let Err(e) = clients.check_accounts(&roles).await {
                    return report_error(e);
                }
            }
            Err(e) => return report_error(e),
        }
        let pacer = Pacer::new(model.limits);
        let rb = match rollback::read(&model, &*clients, &pacer, args.to).await {
            Ok(rb) => rb,
            Err(e) => return report_error(e),
        };
        print!("{}", rb.preview());
        println!("\n{}", counts(&rb));
        if rb.moves() > 0 && !args.auto_approve && !confirm() {
            eprintln!("Rollback cancelled; nothing was changed.");
            return Exit::Failure;
        }
        let mut ctx = ApplyContext::new(
            clients.clone(),
            Arc::new(LocalCode::new(model.manifest_dir.clone())),
        );
        ctx.parallelism = args.parallelism.max(1);
        ctx.events = if std::io::stderr().is_terminal() {
            Arc::new(LiveView::new(rb.moves()))
        } else {
            Arc::new(TimedLines::new())
        };
        ctx.cancel = super::apply::cancel_on_signals(&ctx.events);
        let report = rollback::rollback(&rb, ctx).await;
        finish(&args, &report)
    })
}

fn counts(rb: &Rollback) -> String {
    use flotilla_core::rollback::RollbackDecision as D;
    let skipped = rb
        .entries
        .iter()
        .filter(|e| matches!(e.decision, D::Skip { .. }))
        .count();
    let refused = rb
        .entries
        .iter()
        .filter(|e| matches!(e.decision, D::Refuse { .. }))
        .count();
    format!(
        "Rollback: {} to move, {skipped} skipped, {refused} refused.",
        rb.moves()
    )
}

fn finish(args: &Args, report: &Report) -> Exit {
    eprintln!();
    eprint!("{}", report.to_table());
    if let Err(e) = args
        .report
        .write(report, "rollback", args.target.env.as_deref())
    {
        return e.report();
    }
    if rollback::succeeded(report) {
        Exit::Ok
    } else {
        Exit::Failure
    }
}

fn confirm() -> bool {
    eprint!("\nMove these aliases? Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
