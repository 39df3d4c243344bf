//! The plan as terminal text, in the style of `terraform plan`.

use std::fmt::Write as _;

use crate::plan::{Action, FunctionPlan, Plan};

use super::lines::{Line, Sign, action_symbol, function_lines};

const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    }

    fn sign(&self, sign: Sign) -> String {
        let code = match sign {
            Sign::Add => GREEN,
            Sign::Change => YELLOW,
            Sign::Remove => RED,
        };
        self.wrap(code, &sign.symbol().to_string())
    }

    fn action(&self, action: Action) -> String {
        let code = match action {
            Action::Create => GREEN,
            Action::Update | Action::Replace => YELLOW,
            Action::NoChange => DIM,
            Action::Delete => RED,
        };
        self.wrap(code, &action_symbol(action).to_string())
    }
}

/// The plan as text. `color` adds ANSI colours (the CLI passes true only for a TTY).
pub fn text(plan: &Plan, color: bool) -> String {
    let p = Paint { color };
    let mut out = String::new();
    let env = plan.environment.as_deref().unwrap_or("(default)");
    let digest: String = plan.manifest_digest.chars().take(12).collect();
    let _ = writeln!(
        out,
        "Flotilla plan for environment {env} (manifest {digest}, {})",
        plan.created_at
    );
    let _ = writeln!(
        out,
        "Symbols: {} create, {} update, {} remove, {} no change\n",
        p.sign(Sign::Add),
        p.sign(Sign::Change),
        p.sign(Sign::Remove),
        p.action(Action::NoChange)
    );
    let roles = super::role_lines(plan);
    for line in &roles {
        let _ = writeln!(out, "Assumes role: {line}");
    }
    if !roles.is_empty() {
        out.push('\n');
    }
    for fp in plan.functions.iter().filter(|f| f.action != Action::Delete) {
        function(&mut out, &p, fp);
    }
    deletions(&mut out, &p, plan);
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    let s = plan.summary();
    let mut delete = if s.delete > 0 {
        format!(", {} to delete", s.delete)
    } else {
        String::new()
    };
    if s.replace > 0 {
        delete = format!(", {} to replace{delete}", s.replace);
    }
    let _ = writeln!(
        out,
        "{}",
        p.wrap(
            BOLD,
            &format!(
                "Plan: {} to create, {} to update, {} unchanged{delete}.",
                s.create, s.update, s.unchanged
            )
        )
    );
    out
}

/// Managed functions that left the manifest, one line each.
fn deletions(out: &mut String, p: &Paint, plan: &Plan) {
    let gone: Vec<&FunctionPlan> = plan
        .functions
        .iter()
        .filter(|f| f.action == Action::Delete)
        .collect();
    if gone.is_empty() {
        return;
    }
    let _ = writeln!(out, "Managed functions that left the manifest:");
    for fp in gone {
        let _ = writeln!(
            out,
            "{} {} ({}) {}",
            p.action(Action::Delete),
            p.wrap(BOLD, &fp.name),
            place(fp),
            p.wrap(DIM, "(delete: left the manifest)")
        );
    }
    out.push('\n');
}

fn place(fp: &FunctionPlan) -> String {
    match &fp.account {
        Some(account) => format!("{account}/{}", fp.region),
        None => fp.region.clone(),
    }
}

fn function(out: &mut String, p: &Paint, fp: &FunctionPlan) {
    let verb = match fp.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::NoChange => "is up to date",
        Action::Delete => "will be deleted",
        Action::Replace => "must be replaced (its creation failed)",
    };
    let place = place(fp);
    // Unchanged functions are one line each; a changed one is a block set off by blank lines.
    if fp.action != Action::NoChange && !out.ends_with("\n\n") {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} function {} ({}, {place}) {verb}",
        p.action(fp.action),
        p.wrap(BOLD, &fp.key.0),
        fp.name
    );
    if fp.action == Action::NoChange {
        return;
    }
    let lines = function_lines(fp);
    let width = lines.iter().map(|l| l.label.len()).max().unwrap_or(0);
    for line in &lines {
        let _ = writeln!(out, "    {} {}", p.sign(line.sign), value(line, width));
    }
    let steps: Vec<&str> = fp.steps.iter().map(|s| s.name()).collect();
    let _ = writeln!(
        out,
        "    {}",
        p.wrap(DIM, &format!("steps: {}", steps.join(" → ")))
    );
    out.push('\n');
}

fn value(line: &Line, width: usize) -> String {
    let label = format!("{:<width$}", line.label);
    match (&line.old, &line.new) {
        (Some(old), Some(new)) => format!("{label} {old} → {new}"),
        (None, Some(new)) => format!("{label} {new}"),
        (Some(old), None) => format!("{label} {old}"),
        (None, None) => line.label.clone(),
    }
}
