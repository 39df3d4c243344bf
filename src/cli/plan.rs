//! `flotilla plan`: show what apply would change, field by field; optionally save it.

use std::io::IsTerminal;
use std::path::PathBuf;

use flotilla::deploy::{self, make_plan};
use flotilla::plan::{Plan, PlanFile};
use flotilla::render;

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
}

/// Plans and prints.
pub fn run(args: Args) -> Exit {
    let model = match args.target.load_selected() {
        Ok(m) => m,
        Err(exit) => return exit,
    };
    let target = args.target.target();
    let result = super::runtime().block_on(async {
        let (clients, sim) = deploy::connect(&target).await;
        make_plan(&model, &clients, sim.as_ref()).await
    });
    let plan = match result {
        Ok(p) => p,
        Err(e) => return report_error(e),
    };
    if let Some(path) = &args.out {
        if let Err(e) = PlanFile::write(path, &plan) {
            return report_error(e);
        }
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
    if args.detailed_exitcode && plan.has_changes() {
        Exit::UsageOrChanges
    } else {
        Exit::Ok
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
