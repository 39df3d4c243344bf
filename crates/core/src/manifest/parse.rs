//! Turns manifest bytes into a YAML node tree, refusing input that is too large, not
//! UTF-8, empty, or that expands (through aliases) beyond a fixed budget.

use serde_saphyr::{DefaultMessageFormatter, MessageFormatter};

use super::node::{Node, Pos};
use super::problem::Problem;

/// Largest manifest accepted, in bytes (2 MiB: a fleet of thousands of functions).
pub const MAX_MANIFEST_BYTES: usize = 2 * 1024 * 1024;

/// Most YAML events that aliases (`*name`) may replay in one manifest. Merging a
/// defaults block into hundreds of functions stays far below it; an alias bomb does not.
pub const MAX_ALIAS_REPLAYED_EVENTS: usize = 100_000;

/// Byte offset of a 1-based line and (character) column in `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col = l
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(l.len(), |(o, _)| o);
            return offset + col;
        }
        offset += l.len();
    }
    text.len()
}

/// Position of byte `offset` in `bytes` as 1-based line and column.
pub(crate) fn pos_of(bytes: &[u8], offset: usize) -> Pos {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    Pos {
        offset,
        len: 1,
        line,
        column: String::from_utf8_lossy(&bytes[line_start..offset.min(bytes.len())])
            .chars()
            .count()
            + 1,
    }
}

/// Checks size and encoding, then parses the YAML. Errors are problems with positions.
#[allow(clippy::result_large_err)] // taken at most once per file; boxing buys nothing
pub fn parse_bytes(bytes: &[u8]) -> Result<(String, Node), Problem> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(Problem::new(
            Pos::START,
            format!(
                "manifest is {} bytes, more than the {} bytes Flotilla reads",
                bytes.len(),
                MAX_MANIFEST_BYTES
            ),
            "file too large",
        )
        .help("split the fleet into several manifests, or check that this is the right file"));
    }
    // YAML (like editors) takes a lone CR as a line break; so does every line count
    // below once it is LF. Same length, so every byte offset stays valid.
    let normalized = lone_cr_to_lf(bytes);
    let bytes = normalized.as_slice();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let pos = Pos {
                len: 0,
                ..pos_of(bytes, e.valid_up_to())
            };
            return Err(
                Problem::new(pos, "manifest is not valid UTF-8 text", "invalid byte here")
                    .help("save the file as UTF-8; YAML manifests are text"),
            );
        }
    };
    if let Some(i) = text.find('\0') {
        return Err(Problem::new(
            pos_of(bytes, i),
            "manifest contains a NUL byte: this looks like a binary file",
            "NUL byte",
        )
        .help("point `-f` at the YAML manifest"));
    }
    if text.trim().is_empty()
        || text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(Problem::new(Pos::START, "manifest is empty", "no content")
            .help("start with `version: 1` and a `functions:` mapping; see deploy.yaml.example"));
    }
    let text = text.to_owned();
    let mut options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
    };
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_REPLAYED_EVENTS;
    match serde_saphyr::from_str_with_options::<Node>(&text, options) {
        Ok(node) => Ok((text, node)),
        Err(e) => Err(yaml_problem(&text, &e)),
    }
}

/// `bytes` with each CR that is not followed by LF turned into LF.
pub(crate) fn lone_cr_to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for i in 0..out.len() {
        if out[i] == b'\r' && out.get(i + 1) != Some(&b'\n') {
            out[i] = b'\n';
        }
    }
    out
}

fn yaml_problem(text: &str, e: &serde_saphyr::Error) -> Problem {
    let mut message = DefaultMessageFormatter.format_message(e).into_owned();
    if message.contains("multiple YAML documents") {
        message = "more than one YAML document (`---`) in the manifest".to_owned();
    }
    let pos = e.location().map_or(Pos::START, |loc| {
        let line = usize::try_from(loc.line()).unwrap_or(1).max(1);
        let column = usize::try_from(loc.column()).unwrap_or(1).max(1);
        Pos {
            offset: offset_of(text, line, column),
            len: 1,
            line,
            column,
        }
    });
    let help = if message.contains("alias") || message.contains("budget") {
        format!(
            "anchors and aliases may replay at most {MAX_ALIAS_REPLAYED_EVENTS} YAML events in all; this looks like an alias bomb"
        )
    } else if message.contains("flow") && text.contains("${") {
        "inside `{ ... }` or `[ ... ]`, quote values that use `${...}`, e.g. `{ key: \"a-${stage}\" }`".to_owned()
    } else if message.contains("YAML document") {
        "a manifest is a single YAML document; remove the `---` separator and merge the parts"
            .to_owned()
    } else if message.contains("tab") {
        "indent with spaces: YAML does not allow tabs for indentation".to_owned()
    } else {
        "fix the YAML syntax here".to_owned()
    };
    Problem::new(pos, format!("invalid YAML: {message}"), message).help(help)
}
