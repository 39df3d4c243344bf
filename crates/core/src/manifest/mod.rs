//! The manifest as written: loading YAML with node positions, the raw types (which are
//! also the JSON Schema), reading YAML into them, and `${...}` interpolation.
//! No AWS calls; semantic validation lives in `model`.

pub mod interpolate;
pub mod node;
pub mod parse;
pub mod problem;
pub mod raw;
pub mod raw_url;
mod read;
mod read_scalars;
mod read_settings;
mod read_triggers;

pub use read::suggest;

pub use parse::{MAX_ALIAS_REPLAYED_EVENTS, MAX_MANIFEST_BYTES};
pub use problem::Problem;
pub use read_scalars::parse_duration;

/// Parses manifest bytes into raw types, collecting every shape problem.
///
/// Returns the text (for diagnostics) and the raw manifest as far as it could be read;
/// `problems` receives what is wrong. When the bytes are not YAML at all the manifest is
/// `None`.
pub fn parse(bytes: &[u8], problems: &mut Vec<Problem>) -> (String, Option<raw::RawManifest>) {
    // Lone CRs as LFs here too, so the snippet of a syntax error counts lines as the
    // parser did.
    let normalized = parse::lone_cr_to_lf(bytes);
    let bytes = normalized.as_slice();
    match parse::parse_bytes(bytes) {
        Ok((text, node)) => {
            let mut reader = read::Reader {
                problems,
                broken: Default::default(),
            };
            let raw = reader.manifest(&node);
            (text, Some(raw))
        }
        Err(problem) => {
            // Show only text that is known good: the bytes before the problem.
            let shown = bytes.get(..problem.pos.offset).unwrap_or(bytes);
            let text = if std::str::from_utf8(bytes).is_ok() {
                bytes
            } else {
                shown
            };
            problems.push(problem);
            (String::from_utf8_lossy(text).into_owned(), None)
        }
    }
}

/// Where this version's committed `schema/deploy.schema.json` is published: the file at
/// the release tag, so a manifest written by `flotilla init` or `flotilla import` keeps
/// the schema of the version that wrote it. (The repository is the workspace's
/// `repository` in Cargo.toml.)
pub fn schema_url() -> String {
    format!(
        "https://raw.githubusercontent.com/flotilla-rs/flotilla/v{}/schema/deploy.schema.json",
        env!("CARGO_PKG_VERSION")
    )
}

/// The JSON Schema (draft-07) of the manifest, as `flotilla schema` prints it.
pub fn schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<raw::RawManifest>();
    let mut value = schema.to_value();
    strip_null(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// Removes `null` as an allowed value: `Option` in the raw types means "may be left
/// out", not "may be written as `~`", and Flotilla rejects `key: ~` for scalars.
fn strip_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any)) = map.get_mut("anyOf") {
                any.retain(|s| s.get("type").and_then(Value::as_str) != Some("null"));
                if any.len() == 1 {
                    let only = any.remove(0);
                    map.remove("anyOf");
                    map.insert("allOf".into(), Value::Array(vec![only]));
                }
            }
            for v in map.values_mut() {
                strip_null(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}
