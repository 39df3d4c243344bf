//! Reading `triggers`: a map of trigger name to the event source mapping's keys.

use super::node::{Node, Value};
use super::problem::Problem;
use super::raw::{Entries, RawTrigger, Sp};
use super::read::Reader;
use super::read_settings::ReadValue;

const KEYS: [&str; 11] = [
    "source",
    "batch_size",
    "batching_window",
    "starting_position",
    "starting_timestamp",
    "enabled",
    "filters",
    "maximum_retry_attempts",
    "bisect_on_error",
    "on_failure",
    "topics",
];

fn integer(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Sp<i64>> {
    match &node.value {
        Value::Int(i) => match i64::try_from(*i) {
            Ok(v) => Some(Sp::new(v, node.pos)),
            Err(_) => {
                r.push(
                    Problem::new(
                        node.pos,
                        format!("`{path}` is out of range"),
                        "out of range",
                    )
                    .help("use a whole number from -1 to 10000"),
                );
                None
            }
        },
        _ => {
            r.wrong_type(
                node,
                path,
                "a whole number",
                "e.g. `3`, or `-1` for no limit",
            );
            None
        }
    }
}

fn trigger(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Sp<RawTrigger>> {
    let f = r.map(node, path, &KEYS)?;
    let strings =
        |r: &mut Reader<'_>, n: &Node, p: &str| r.strings(n, p).map(|v| Sp::new(v, n.pos));
    let filters = r.field(&f, path, "filters", |r, n, p| {
        let items = r.list(n, p, |_, item, _| Some(Sp::new(item.to_json(), item.pos)))?;
        Some(Sp::new(items, n.pos))
    });
    Some(Sp::new(
        RawTrigger {
            source: r.field(&f, path, "source", Reader::string),
            batch_size: r.field(&f, path, "batch_size", Reader::u32),
            batching_window: r.field(&f, path, "batching_window", Reader::duration),
            starting_position: r.field(&f, path, "starting_position", Reader::string),
            starting_timestamp: r.field(&f, path, "starting_timestamp", Reader::string),
            enabled: r.field(&f, path, "enabled", Reader::bool),
            filters,
            maximum_retry_attempts: r.field(&f, path, "maximum_retry_attempts", integer),
            bisect_on_error: r.field(&f, path, "bisect_on_error", Reader::bool),
            on_failure: r.field(&f, path, "on_failure", Reader::string),
            topics: r.field(&f, path, "topics", strings),
        },
        node.pos,
    ))
}

impl ReadValue for Sp<Entries<Sp<RawTrigger>>> {
    fn read_value(r: &mut Reader<'_>, node: &Node, path: &str) -> Option<Self> {
        r.entries(node, path, trigger).map(|e| Sp::new(e, node.pos))
    }
}
