//! `flotilla plan`: show what apply would change, field by field; optionally save it.

use std::io::IsTerminal;
use std::path::PathBuf;

use flotilla_core::deploy::{PlanOptions, make_plan_with};
use flotilla_core::plan::{Plan, PlanFile};
use flotilla_core::render;

use super::Exit;
use super::target::{TargetArgs, report_error};

/// How to print the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Like `terraform plan` (colours on a terminal only).
    Text,
    /// For a pull-request comment.
    Markdown,
    /// The plan file, on stdout.
    Json,
}

/// Arguments of `flotilla plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Save the plan for `flotilla apply PLAN`.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 2 when there are changes (0: none, 1: error).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Print the plan's account/region groups with changes as a JSON array (for a CI
    /// job matrix; each job runs `apply PLAN --shard NAME`) instead of the plan.
    #[arg(long)]
    list_shards: bool,
    /// Also delete managed functions that left the manifest: functions in the
    /// manifest's accounts and regions tagged for this manifest and environment
    /// (`flotilla:manifest`, `flotilla:env`) that it no longer has.
    #[arg(long)]
    prune: bool,
    /// Take over this function although its ownership tags (`flotilla:manifest`,
    /// `flotilla:env`) name another manifest or environment; by key or Lambda name,
    /// repeatable. Without it such a function is refused.
    #[arg(long, value_name = "FUNCTION")]
    adopt: Vec<String>,
}

/// Plans and prints. With `--detailed-exitcode` an error of any kind exits 1, so only
/// changes exit 2 (as `terraform plan -detailed-exitcode`).
pub fn run(args: Args) -> Exit {
    super::detailed(args.detailed_exitcode, plan_and_print(&args))
}

/// Plans and prints; `Ok(true)` when the plan has changes, `Err` with the error's exit
/// code once it has been reported.
fn plan_and_print(args: &Args) -> Result<bool, Exit> {
    let model = args.target.load_selected()?;
    let target = args.target.target();
    let options = plan_options(args.prune, &args.adopt, &args.target);
    let result = super::runtime().block_on(async {
        let (clients, _) = flotilla::connect::connect(&target).await;
        make_plan_with(&model, &clients, &options).await
    });
    let plan = result.map_err(report_error)?;
    if let Some(path) = &args.out {
        PlanFile::write(path, &plan).map_err(report_error)?;
        eprintln!("Saved the plan to {}.", path.display());
    }
    if args.list_shards {
        println!(
            "{}",
            serde_json::to_string(&plan.shards()).unwrap_or_default()
        );
    } else {
        print_plan(&plan, args.format);
    }
    Ok(plan.has_changes())
}

/// `--prune` only for a whole manifest: on a selection, a function outside it would look
/// like one that left the manifest, so nothing is deleted (and the user is told).
/// `--adopt` as given.
pub fn plan_options(prune: bool, adopt: &[String], target: &TargetArgs) -> PlanOptions {
    let selected = !target.select.criteria().is_empty();
    if prune && selected {
        eprintln!(
            "Prune: no deletions are planned with --only/--changed-since (deleting from a partial selection is unsafe); run --prune on the whole manifest."
        );
    }
    PlanOptions {
        prune: prune && !selected,
        adopt: adopt.to_vec(),
    }
}

/// Prints a plan in `format` to stdout.
pub fn print_plan(plan: &Plan, format: Format) {
    let text = match format {
        Format::Text => render::text(plan, color_stdout()),
        Format::Markdown => render::markdown(plan),
        Format::Json => render::json(plan),
    };
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
}

/// Colours only on a terminal, and never with `NO_COLOR`.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
