//! `status` as an aligned table for a terminal.

use std::fmt::Write as _;

use super::{Drift, FleetStatus, FunctionStatus};

const HEADERS: [&str; 8] = [
    "FUNCTION",
    "NAME",
    "STATE",
    "LAST MODIFIED",
    "VERSION",
    "ALIAS",
    "CODE",
    "DRIFT",
];

/// Characters of `CodeSha256` shown in the table.
const SHORT_SHA: usize = 12;

impl FleetStatus {
    /// One aligned row per function; `color` paints the drift column (green, yellow,
    /// red), for terminals only.
    pub fn to_table(&self, color: bool) -> String {
        let rows: Vec<[String; 8]> = self.functions.iter().map(row).collect();
        let mut widths = HEADERS.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        write_row(&mut out, &HEADERS.map(str::to_owned), &widths, None);
        for (r, f) in rows.iter().zip(&self.functions) {
            let paint = color.then_some(match f.drift {
                Drift::InSync => "32",
                Drift::Drifted => "33",
                Drift::Missing => "31",
            });
            write_row(&mut out, r, &widths, paint);
        }
        let drifted = self
            .functions
            .iter()
            .filter(|f| f.drift == Drift::Drifted)
            .count();
        let missing = self
            .functions
            .iter()
            .filter(|f| f.drift == Drift::Missing)
            .count();
        let _ = writeln!(
            out,
            "{} functions: {} in sync, {drifted} drifted, {missing} missing",
            self.functions.len(),
            self.functions.len() - drifted - missing,
        );
        out
    }
}

fn write_row(out: &mut String, cells: &[String; 8], widths: &[usize; 8], paint: Option<&str>) {
    let last = cells.len() - 1;
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i == last {
            match paint {
                Some(code) => {
                    let _ = write!(out, "\x1b[{code}m{cell}\x1b[0m");
                }
                None => out.push_str(cell),
            }
        } else {
            let pad = w.saturating_sub(cell.chars().count());
            let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
        }
    }
    out.push('\n');
}

fn row(f: &FunctionStatus) -> [String; 8] {
    let dash = || "-".to_owned();
    let state = match (&f.state, &f.last_update_status) {
        (Some(s), Some(u)) => format!("{s}/{u}"),
        (Some(s), None) => s.clone(),
        (None, Some(u)) => u.clone(),
        (None, None) => dash(),
    };
    let alias = f.alias.as_ref().map_or_else(dash, |a| {
        let mut text = format!("{} → {}", a.name, a.version);
        for (v, w) in &a.routing {
            let _ = write!(text, " (+{v} {:.0}%)", w * 100.0);
        }
        if !a.routing.is_empty() {
            text.push_str(" rollout in progress");
        }
        text
    });
    let drift = match f.drift {
        Drift::InSync => "in sync".to_owned(),
        Drift::Missing => "missing".to_owned(),
        Drift::Drifted => format!("drifted: {}", f.drifted_fields.join(", ")),
    };
    [
        f.key.to_string(),
        f.name.clone(),
        state,
        f.last_modified.clone().unwrap_or_else(dash),
        f.latest_published_version.clone().unwrap_or_else(dash),
        alias,
        f.code_sha256
            .as_deref()
            .map_or_else(dash, |s| s.chars().take(SHORT_SHA).collect()),
        drift,
    ]
}
