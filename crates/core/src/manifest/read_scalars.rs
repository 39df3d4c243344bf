//! Reading scalars and lists from nodes: strings, numbers, booleans, durations.

use std::time::Duration;

use super::node::{Node, Value};
use super::problem::Problem;
use super::raw::{RawDuration, RawScalar, Sp};
use super::read::Reader;

impl Reader<'_> {
    pub(crate) fn string(&mut self, node: &Node, path: &str) -> Option<Sp<String>> {
        match &node.value {
            Value::Str(s) => Some(Sp::new(s.clone(), node.pos)),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                self.wrong_type(
                    node,
                    path,
                    "a string",
                    "quote the value so YAML keeps it as text, e.g. \"123456789012\"",
                );
                None
            }
            _ => {
                self.wrong_type(node, path, "a string", "write a single text value");
                None
            }
        }
    }

    pub(crate) fn scalar(&mut self, node: &Node, path: &str) -> Option<Sp<RawScalar>> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                self.wrong_type(
                    node,
                    path,
                    "a string, number or boolean",
                    "Lambda stores these values as text; write one value",
                );
                return None;
            }
        };
        Some(Sp::new(RawScalar(text), node.pos))
    }

    pub(crate) fn u32(&mut self, node: &Node, path: &str) -> Option<Sp<u32>> {
        match &node.value {
            Value::Int(i) => {
                match u32::try_from(*i) {
                    Ok(v) => Some(Sp::new(v, node.pos)),
                    Err(_) => {
                        self.push(
                        Problem::new(node.pos, format!("`{path}` is {i}, which is not a whole number from 0 to 4294967295"), "out of range")
                            .help("use a non-negative whole number"),
                    );
                        None
                    }
                }
            }
            _ => {
                self.wrong_type(
                    node,
                    path,
                    "a whole number",
                    "write a number without quotes or units, e.g. `256`",
                );
                None
            }
        }
    }

    pub(crate) fn f64(&mut self, node: &Node, path: &str) -> Option<Sp<f64>> {
        match &node.value {
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Some(Sp::new(*i as f64, node.pos)),
            Value::Float(f) => Some(Sp::new(*f, node.pos)),
            _ => {
                self.wrong_type(
                    node,
                    path,
                    "a number",
                    "write a number without quotes, e.g. `2.5`",
                );
                None
            }
        }
    }

    pub(crate) fn bool(&mut self, node: &Node, path: &str) -> Option<Sp<bool>> {
        match &node.value {
            Value::Bool(b) => Some(Sp::new(*b, node.pos)),
            _ => {
                self.wrong_type(
                    node,
                    path,
                    "true or false",
                    "write `true` or `false` without quotes",
                );
                None
            }
        }
    }

    pub(crate) fn duration(&mut self, node: &Node, path: &str) -> Option<Sp<RawDuration>> {
        let parsed = match &node.value {
            Value::Int(i) => u64::try_from(*i).ok().map(Duration::from_secs),
            Value::Str(s) => parse_duration(s),
            _ => None,
        };
        if parsed.is_none() {
            self.push(
                Problem::new(node.pos, format!("`{path}` is not a duration"), "expected a duration")
                    .help("write seconds as a number, or a duration such as `500ms`, `30s`, `10m` or `1h`"),
            );
        }
        parsed.map(|d| Sp::new(RawDuration(d), node.pos))
    }

    pub(crate) fn list<T>(
        &mut self,
        node: &Node,
        path: &str,
        mut read: impl FnMut(&mut Self, &Node, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        match &node.value {
            Value::Seq(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| read(self, item, &format!("{path}[{i}]")))
                    .collect(),
            ),
            Value::Null => Some(Vec::new()),
            _ => {
                self.wrong_type(
                    node,
                    path,
                    "a list",
                    "write a list, e.g. `[a, b]` or one `- item` per line",
                );
                None
            }
        }
    }

    pub(crate) fn strings(&mut self, node: &Node, path: &str) -> Option<Vec<Sp<String>>> {
        self.list(node, path, |r, n, p| r.string(n, p))
    }
}

/// Parses `500ms`, `30s`, `1.5m`, `10m`, `1h` (one number, one unit).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let n: f64 = number.parse().ok()?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_human_units() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        for bad in [
            "",
            "30",
            "s",
            "30 seconds",
            "1.m",
            ".5s",
            "-1s",
            "1d",
            "1e3s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
