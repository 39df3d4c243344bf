//! The display lines of the `triggers` and `keep_versions` steps.

use crate::plan::Step;
use flotilla_cloud::lambda::MappingSettings;

use super::lines::{Line, Sign};

/// One line per setting of a mapping created, for display.
fn settings_words(enabled: bool, s: &MappingSettings) -> String {
    let mut parts = Vec::new();
    if let Some(b) = s.batch_size {
        parts.push(format!("batch_size {b}"));
    }
    if let Some(w) = s.batching_window_secs {
        parts.push(format!("batching_window {w}s"));
    }
    if let Some(p) = &s.starting_position {
        parts.push(format!("starting_position {}", p.to_ascii_lowercase()));
    }
    if let Some(f) = s.filters.as_ref().filter(|f| !f.is_empty()) {
        parts.push(format!("filters {}", f.join(", ")));
    }
    if let Some(t) = &s.topics {
        parts.push(format!("topics {}", t.join(", ")));
    }
    if let Some(d) = s.on_failure.as_deref().filter(|d| !d.is_empty()) {
        parts.push(format!("on_failure {d}"));
    }
    parts.push(if enabled { "enabled" } else { "disabled" }.to_owned());
    parts.join(", ")
}

/// The display lines of a trigger or `keep_versions` step; `None` for other steps.
pub fn step_lines(step: &Step) -> Option<Vec<Line>> {
    let lines = match step {
        Step::CreateEventSourceMapping {
            trigger,
            function: _,
            source,
            enabled,
            settings,
        } => vec![Line {
            sign: Sign::Add,
            label: format!("trigger.{trigger}"),
            old: None,
            new: Some(format!("{source} ({})", settings_words(*enabled, settings))),
        }],
        Step::UpdateEventSourceMapping {
            trigger, changes, ..
        } => changes
            .iter()
            .map(|c| Line {
                sign: Sign::Change,
                label: format!("trigger.{trigger}.{}", c.field),
                old: Some(c.old.clone()),
                new: Some(c.new.clone()),
            })
            .collect(),
        Step::DeleteEventSourceMapping {
            trigger,
            uuid,
            source,
        } => vec![Line {
            sign: Sign::Remove,
            label: match trigger {
                Some(t) => format!("trigger.{t}"),
                None => "trigger".to_owned(),
            },
            old: Some(match trigger {
                Some(_) => format!(
                    "{source} (mapping {uuid}, replaced: its starting position or topic changed)"
                ),
                None => format!("{source} (mapping {uuid}, not in the manifest)"),
            }),
            new: None,
        }],
        Step::DeleteVersions { keep, versions } => vec![Line {
            sign: Sign::Remove,
            label: "versions".to_owned(),
            old: Some(format!(
                "{} ({} beyond the newest {keep} that no alias routes to)",
                versions.join(", "),
                match versions.len() {
                    1 => "1 version".to_owned(),
                    n => format!("{n} versions"),
                }
            )),
            new: None,
        }],
        _ => return None,
    };
    Some(lines)
}
