//! Masking secrets in the manifest text a diagnostic quotes.
//!
//! A diagnostic's snippet shows lines of the manifest around a problem; an inline
//! `{ value: X, sensitive: true }` there must not print `X`. Where the manifest parsed,
//! the raw manifest knows every sensitive value's span. Where it did not, or a shape
//! error lost the entry, masking is best effort from the text alone, erring on the side
//! of hiding, in three rules applied in turn:
//!
//! 1. a line that mentions `sensitive` has what follows its `value:` masked up to `,`
//!    or `}` (the flow form);
//! 2. a block mapping holding `sensitive: <anything but false>` has its sibling
//!    `value:` line masked (the block form, in either order);
//! 3. when the YAML does not parse at all, every value inside every `environment:`
//!    block is masked, sensitive or not: the parser could not say which entry a line
//!    belongs to, and an error snippet needs the shape, not the values.
//!
//! Masking replaces each byte with `*` (keeping spaces and line ends), so every byte
//! offset and line of a diagnostic still points where it did.

use crate::manifest::raw::{RawEnvValue, RawManifest, RawSettings};

/// `text` with every sensitive value masked (see the module docs); `raw` is `None`
/// when the YAML did not parse.
pub(super) fn redact(text: &str, raw: Option<&RawManifest>) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if let Some(raw) = raw {
        mask_known(&mut bytes, raw);
    }
    let lines = line_spans(&bytes);
    mask_flagged_lines(&mut bytes, &lines);
    mask_block_siblings(&mut bytes, &lines);
    if raw.is_none() {
        mask_environment_blocks(&mut bytes, &lines);
    }
    // Whole UTF-8 sequences were replaced by ASCII, unless a span cut one; then the
    // lossy form replaces the cut pieces, and the text stays printable.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The spans the raw manifest recorded for inline values marked `sensitive: true`.
fn mask_known(bytes: &mut [u8], raw: &RawManifest) {
    let mut settings: Vec<&RawSettings> = raw.defaults.iter().collect();
    settings.extend(
        raw.environments
            .iter()
            .flat_map(|e| e.0.iter().map(|(_, e)| &e.settings)),
    );
    settings.extend(
        raw.functions
            .iter()
            .flat_map(|f| f.0.iter().map(|(_, f)| &f.settings)),
    );
    for env in settings.iter().filter_map(|s| s.environment.as_ref()) {
        for (_, value) in &env.0 {
            let RawEnvValue::Spec(spec) = &value.value else {
                continue;
            };
            let (Some(v), Some(sensitive)) = (&spec.value, &spec.sensitive) else {
                continue;
            };
            if sensitive.value {
                let start = v.pos.offset.min(bytes.len());
                let end = (v.pos.offset + v.pos.len).min(bytes.len());
                mask(bytes, start, end);
            }
        }
    }
}

/// `[start, end)` of each line, without its `\n`.
fn line_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    while start <= bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| start + i);
        spans.push((start, end));
        start = end + 1;
    }
    spans
}

/// Masks `bytes[start..end]` but spaces and line ends.
fn mask(bytes: &mut [u8], start: usize, end: usize) {
    for b in &mut bytes[start..end] {
        if !matches!(*b, b' ' | b'\t' | b'\n' | b'\r') {
            *b = b'*';
        }
    }
}

/// Masks from `from` to the next `,` or `}` before `end` (one flow value).
fn mask_flow_value(bytes: &mut [u8], from: usize, end: usize) {
    let stop = bytes[from..end]
        .iter()
        .position(|&b| matches!(b, b',' | b'}'))
        .map_or(end, |i| from + i);
    mask(bytes, from, stop);
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Rule 1: the flow form on one line.
fn mask_flagged_lines(bytes: &mut [u8], lines: &[(usize, usize)]) {
    for &(start, end) in lines {
        let line = &bytes[start..end];
        if find(line, b"sensitive").is_some()
            && let Some(at) = find(line, b"value:")
        {
            mask_flow_value(bytes, start + at + 6, end);
        }
    }
}

/// Indentation (leading spaces and tabs) and the rest of a line; `None` for a blank or
/// comment-only line.
fn indented(bytes: &[u8], (start, end): (usize, usize)) -> Option<(usize, &[u8])> {
    let line = &bytes[start..end];
    let indent = line
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let rest = &line[indent..];
    let rest = rest.strip_prefix(b"- ").unwrap_or(rest);
    if rest.is_empty() || rest.starts_with(b"#") || rest == b"\r" {
        None
    } else {
        Some((indent, rest))
    }
}

/// Rule 2: `sensitive:` and `value:` as sibling keys of one block mapping.
fn mask_block_siblings(bytes: &mut [u8], lines: &[(usize, usize)]) {
    for (i, &span) in lines.iter().enumerate() {
        let Some((indent, rest)) = indented(bytes, span) else {
            continue;
        };
        let Some(flag) = rest.strip_prefix(b"sensitive:") else {
            continue;
        };
        let flag = String::from_utf8_lossy(flag);
        let flag = flag.split('#').next().unwrap_or("").trim();
        if flag.eq_ignore_ascii_case("false") {
            continue;
        }
        // Siblings: the contiguous lines at this indentation, up and down, until a line
        // indented less (the parent) ends the mapping.
        let siblings = |range: &mut dyn Iterator<Item = usize>| -> Vec<usize> {
            let mut found = Vec::new();
            for j in range {
                match indented(bytes, lines[j]) {
                    None => {}
                    Some((other, _)) if other < indent => break,
                    Some((other, rest)) if other == indent && rest.starts_with(b"value:") => {
                        found.push(j);
                    }
                    Some(_) => {}
                }
            }
            found
        };
        let mut hits = siblings(&mut (0..i).rev());
        hits.extend(siblings(&mut (i + 1..lines.len())));
        for j in hits {
            let (start, end) = lines[j];
            let at = start + indent + find(&bytes[start + indent..end], b"value:").unwrap_or(0);
            mask(bytes, at + 6, end);
        }
    }
}

/// Rule 3: every value under every `environment:` key, for a file that did not parse.
fn mask_environment_blocks(bytes: &mut [u8], lines: &[(usize, usize)]) {
    let mut block: Option<usize> = None;
    for &span in lines {
        let Some((indent, rest)) = indented(bytes, span) else {
            continue;
        };
        let (start, end) = span;
        if let Some(parent) = block
            && indent > parent
        {
            mask_values(bytes, start + indent, end);
            continue;
        }
        block = None;
        if rest.starts_with(b"environment:") {
            block = Some(indent);
            let after = start + indent + "environment:".len();
            mask_values(bytes, after, end);
        }
    }
}

/// Masks every value in `bytes[from..end]`: what follows each `: ` up to `,` or `}`
/// (flow), or the rest of the line (block); keys and punctuation stay.
fn mask_values(bytes: &mut [u8], from: usize, end: usize) {
    let mut i = from;
    while i < end {
        if bytes[i] == b':' && (i + 1 == end || matches!(bytes[i + 1], b' ' | b'\t' | b'\r')) {
            let value = i + 1;
            let stop = bytes[value..end]
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b'{'))
                .map_or(end, |k| value + k);
            mask(bytes, value, stop);
            i = stop;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn block_siblings_are_masked_in_either_order() {
        let text = "e:\n  A:\n    sensitive: true\n    value: hunter2\n  B:\n    value: open\n    sensitive: false\n";
        let out = redact(text, None);
        assert!(!out.contains("hunter2"), "{out}");
        assert_eq!(out.len(), text.len());
    }

    #[test]
    fn unparsed_environment_blocks_lose_every_value_but_keep_their_keys() {
        let text = "functions:\n  api:\n    environment:\n      A: open-value\n      B: { value: hunter2 }\n      C:\n        from_env: X\n    memory: 128\n";
        let out = redact(text, None);
        assert!(
            !out.contains("hunter2") && !out.contains("open-value"),
            "{out}"
        );
        assert!(out.contains("A:") && out.contains("memory: 128"), "{out}");
        assert_eq!(out.lines().count(), text.lines().count());
    }
}
