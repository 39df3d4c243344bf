//! The plan as Markdown for a pull-request comment: a summary table and one collapsed
//! `<details>` per changed function, cut short with a note when the fleet is too large
//! for one comment.

use std::fmt::Write as _;

use crate::plan::{Action, FunctionPlan, Plan};

use super::lines::{Line, function_lines};

/// GitHub's limit on the body of a comment, in characters.
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Room kept for the truncation note.
const NOTE_RESERVE: usize = 400;

/// The plan as Markdown, never longer than [`MARKDOWN_LIMIT`] characters.
pub fn markdown(plan: &Plan) -> String {
    let s = plan.summary();
    let mut head = String::new();
    let env = plan.environment.as_deref().unwrap_or("(default)");
    let digest: String = plan.manifest_digest.chars().take(12).collect();
    let _ = writeln!(head, "## Flotilla plan: `{}`\n", code_safe(env));
    let mut delete = if s.delete > 0 {
        format!(", {} to delete", s.delete)
    } else {
        String::new()
    };
    if s.replace > 0 {
        delete = format!(", {} to replace{delete}", s.replace);
    }
    let _ = writeln!(
        head,
        "**{} to create, {} to update, {} unchanged{delete}** (manifest `{digest}`, {})\n",
        s.create,
        s.update,
        s.unchanged,
        code_safe(&plan.created_at)
    );
    for line in super::role_lines(plan) {
        let _ = writeln!(head, "Assumes role: {}\n", cell(&line));
    }
    let gone: Vec<&FunctionPlan> = plan
        .functions
        .iter()
        .filter(|f| f.action == Action::Delete)
        .collect();
    if !gone.is_empty() {
        head.push_str("**Managed functions that left the manifest:**\n\n");
        for fp in &gone {
            let _ = writeln!(
                head,
                "- {} (delete: left the manifest), {}",
                code(&fp.name),
                cell(&place(fp))
            );
        }
        head.push('\n');
    }
    let changed: Vec<&FunctionPlan> = plan
        .functions
        .iter()
        .filter(|f| !matches!(f.action, Action::NoChange | Action::Delete))
        .collect();
    if changed.is_empty() {
        if gone.is_empty() {
            head.push_str("No changes. Every function is up to date.\n");
        }
        return head;
    }
    let table_head = "| | Function | Name | Account / region | Steps |\n|---|---|---|---|---|\n";
    let mut rows = String::new();
    let mut details = String::new();
    let mut shown = 0;
    for fp in &changed {
        let row = table_row(fp);
        let block = details_block(fp);
        let total = head.len()
            + table_head.len()
            + rows.len()
            + row.len()
            + 1
            + details.len()
            + block.len();
        if total + NOTE_RESERVE > MARKDOWN_LIMIT {
            break;
        }
        rows.push_str(&row);
        details.push_str(&block);
        shown += 1;
    }
    let mut out = head;
    out.push_str(table_head);
    out.push_str(&rows);
    out.push('\n');
    out.push_str(&details);
    if shown < changed.len() {
        let _ = writeln!(
            out,
            "> **Truncated:** {} of {} changed functions are not shown because a comment is limited to {} characters. Run `flotilla plan` or read the JSON plan for the full list.",
            changed.len() - shown,
            changed.len(),
            MARKDOWN_LIMIT
        );
    }
    out
}

fn table_row(fp: &FunctionPlan) -> String {
    let icon = match fp.action {
        Action::Create => "➕ create",
        Action::Update => "🔄 update",
        Action::NoChange => "no change",
        Action::Delete => "🗑️ delete",
        Action::Replace => "♻️ replace",
    };
    let place = place(fp);
    let steps: Vec<&str> = fp.steps.iter().map(|s| s.name()).collect();
    format!(
        "| {icon} | {} | {} | {} | {} |\n",
        code(&fp.key.0),
        code(&fp.name),
        cell(&place),
        cell(&steps.join(", "))
    )
}

fn details_block(fp: &FunctionPlan) -> String {
    let lines = function_lines(fp);
    let verb = match fp.action {
        Action::Create => "create",
        Action::Update => "update",
        Action::NoChange => "no change",
        Action::Delete => "delete",
        Action::Replace => "replace (creation failed)",
    };
    let mut out = format!(
        "<details><summary><code>{}</code>: {verb}, {} field{}</summary>\n\n| | Field | Old | New |\n|---|---|---|---|\n",
        html(&fp.key.0),
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    );
    for Line {
        sign,
        label,
        old,
        new,
    } in &lines
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            sign.symbol(),
            code(label),
            old.as_deref().map_or_else(String::new, code),
            new.as_deref().map_or_else(String::new, code)
        );
    }
    out.push_str("\n</details>\n\n");
    out
}

fn place(fp: &FunctionPlan) -> String {
    match &fp.account {
        Some(account) => format!("{account} / {}", fp.region),
        None => fp.region.clone(),
    }
}

/// Inline code safe inside a table cell.
fn code(s: &str) -> String {
    let s = code_safe(s);
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

fn code_safe(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "\\|")
}

fn cell(s: &str) -> String {
    html(&code_safe(s))
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
