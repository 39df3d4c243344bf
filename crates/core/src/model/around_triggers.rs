//! What surrounds a function's code: `triggers` (its event source mappings) and
//! `keep_versions` (how many published versions stay). Both are taken whole from the
//! last layer that sets them, and checked against Lambda's rules here.

use std::time::Duration;

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::{RawTrigger, Sp};
use flotilla_cloud::lambda::{MappingSettings, SourceKind};

use super::layers::Layers;
use super::validate::Validator;

/// Most filters one mapping takes (Lambda's default quota, "Filters per event source
/// mapping").
pub const MAX_FILTERS: usize = 5;

/// Longest filter pattern Lambda takes, in characters.
pub const MAX_PATTERN: usize = 4096;

/// Longest batching window, in seconds.
pub const MAX_WINDOW_SECS: u64 = 300;

/// One event source mapping the manifest wants, with Lambda's defaults filled.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// The key in `triggers:`.
    pub name: String,
    /// The event source's ARN (how a live mapping is matched to this trigger).
    pub source: String,
    /// What kind of source it is.
    pub kind: SourceKind,
    /// Whether the mapping polls.
    pub enabled: bool,
    /// Every managed setting, defaults filled (`filters: Some([])` for none,
    /// `on_failure: Some("")` for none on streams).
    pub settings: MappingSettings,
}

/// `triggers` and `keep_versions` of one function.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Around {
    /// The triggers; `None`: the function's mappings are not managed.
    pub triggers: Option<Vec<Trigger>>,
    /// How many newest published versions stay; `None`: all stay.
    pub keep_versions: Option<u32>,
}

/// Settings filled with Lambda's defaults for a source of `kind` (what the diff
/// compares on both sides).
pub fn fill_mapping_defaults(kind: SourceKind, s: &MappingSettings) -> MappingSettings {
    let mut s = s.clone();
    s.batch_size.get_or_insert(kind.default_batch_size());
    s.batching_window_secs.get_or_insert(0);
    s.filters.get_or_insert_with(Vec::new);
    if kind.is_stream() {
        s.maximum_retry_attempts.get_or_insert(-1);
        s.bisect_on_error.get_or_insert(false);
        s.on_failure.get_or_insert_with(String::new);
    }
    s
}

impl<'a> Validator<'a> {
    fn refuse(&mut self, pos: crate::manifest::node::Pos, key: &str, kind: SourceKind, why: &str) {
        self.push(
            Problem::new(
                pos,
                format!("`{key}` does not apply to {}", kind.describe()),
                "not for this source",
            )
            .help(why.to_owned()),
        );
    }

    /// The function's `triggers` and `keep_versions`.
    pub(crate) fn around(
        &mut self,
        layers: &Layers<'a>,
        path: &str,
        ctx: &Context<'_>,
        publish: bool,
    ) -> Result<Around, ()> {
        let mut ok = true;
        let keep_versions = match layers.pick(|s| s.keep_versions.as_ref()) {
            None => None,
            Some(k) if k.value == 0 => {
                self.push(
                    Problem::new(k.pos, format!("`{path}.keep_versions` is 0"), "keeps nothing")
                        .help("keep at least 1 version (the one the alias points to is kept anyway); remove the key to keep every version"),
                );
                ok = false;
                None
            }
            Some(k) if !publish => {
                self.push(
                    Problem::new(
                        k.pos,
                        format!("`{path}.keep_versions` needs `publish: true`"),
                        "nothing published",
                    )
                    .help("only published versions are deleted: set `publish: true`, or remove `keep_versions`"),
                );
                ok = false;
                None
            }
            Some(k) => Some(k.value),
        };
        let triggers = match layers.pick(|s| s.triggers.as_ref()) {
            None => None,
            Some(map) => {
                let mut out: Vec<Trigger> = Vec::new();
                for (name, raw) in &map.value.0 {
                    let tpath = format!("{path}.triggers.{}", name.value);
                    if name.value.is_empty()
                        || name.value.len() > 64
                        || !name
                            .value
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    {
                        self.push(
                            Problem::new(
                                name.pos,
                                format!("trigger name `{tpath}` is not valid"),
                                "bad name",
                            )
                            .help(
                                "name a trigger with 1–64 letters, digits, `-` or `_`, e.g. `jobs`",
                            ),
                        );
                        ok = false;
                        continue;
                    }
                    match self.trigger(&name.value, raw, &tpath, ctx) {
                        Some(t) => {
                            if let Some(other) = out.iter().find(|o| o.source == t.source) {
                                self.push(
                                    Problem::new(
                                        raw.value.source.as_ref().map_or(raw.pos, |s| s.pos),
                                        format!(
                                            "`{tpath}` reads the same source as trigger `{}`",
                                            other.name
                                        ),
                                        "duplicate source",
                                    )
                                    .help("Lambda keeps one mapping per function and source, and Flotilla matches mappings by source: merge the two triggers"),
                                );
                                ok = false;
                            } else {
                                out.push(t);
                            }
                        }
                        None => ok = false,
                    }
                }
                Some(out)
            }
        };
        if !ok {
            return Err(());
        }
        Ok(Around {
            triggers,
            keep_versions,
        })
    }

    fn trigger(
        &mut self,
        name: &str,
        raw: &Sp<RawTrigger>,
        path: &str,
        ctx: &Context<'_>,
    ) -> Option<Trigger> {
        let t = &raw.value;
        let p = |k: &str| format!("{path}.{k}");
        let Some(source_src) = &t.source else {
            self.push(
                Problem::new(raw.pos, format!("`{}` is missing", p("source")), "no source")
                    .help("give the event source's ARN, e.g. `source: arn:aws:sqs:eu-north-1:123456789012:jobs`"),
            );
            return None;
        };
        let source = self.text(source_src, ctx, &p("source"))?;
        let Some(kind) = SourceKind::of_arn(&source) else {
            self.push(
                Problem::new(
                    source_src.pos,
                    format!("`{}` is not an SQS queue, Kinesis stream, DynamoDB stream or MSK cluster ARN", p("source")),
                    "unknown source",
                )
                .help("e.g. `arn:aws:sqs:REGION:ACCOUNT:queue`, `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`, `arn:aws:dynamodb:REGION:ACCOUNT:table/T/stream/LABEL` or `arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/ID`"),
            );
            return None;
        };
        let mut ok = true;
        // Batch size and window.
        let batch = t.batch_size.as_ref();
        if let Some(b) = batch
            && !(1..=10_000).contains(&b.value)
        {
            self.push(
                Problem::new(
                    b.pos,
                    format!("`{}` is {}: it must be 1–10000", p("batch_size"), b.value),
                    "outside 1–10000",
                )
                .help(format!(
                    "Lambda takes 1 to 10000 records per batch from {} (default {})",
                    kind.describe(),
                    kind.default_batch_size()
                )),
            );
            ok = false;
        }
        let window = match &t.batching_window {
            None => None,
            Some(w) => {
                let d = w.value.0;
                if d > Duration::from_secs(MAX_WINDOW_SECS) || d.subsec_nanos() != 0 {
                    self.push(
                        Problem::new(
                            w.pos,
                            format!("`{}` must be whole seconds from 0s to 5m", p("batching_window")),
                            "outside 0–300 s",
                        )
                        .help("Lambda's MaximumBatchingWindowInSeconds is 0 to 300 whole seconds, e.g. `batching_window: 10s`"),
                    );
                    ok = false;
                    None
                } else {
                    u32::try_from(d.as_secs()).ok()
                }
            }
        };
        if kind == SourceKind::Sqs
            && let Some(b) = batch
        {
            let fifo = source.ends_with(".fifo");
            if fifo && b.value > 10 {
                self.push(
                    Problem::new(
                        b.pos,
                        format!(
                            "`{}` is {}: a FIFO queue takes at most 10",
                            p("batch_size"),
                            b.value
                        ),
                        "above 10 for FIFO",
                    )
                    .help("use a batch size of 1 to 10 for a FIFO queue"),
                );
                ok = false;
            } else if b.value > 10 && window.unwrap_or(0) == 0 {
                self.push(
                    Problem::new(
                        b.pos,
                        format!("`{}` is {}, above 10, but there is no `batching_window`", p("batch_size"), b.value),
                        "needs a batching window",
                    )
                    .help("Lambda needs a batching window above 0 for SQS batches larger than 10: add e.g. `batching_window: 5s`"),
                );
                ok = false;
            }
        }
        // Starting position.
        let starting_position = match (&t.starting_position, kind) {
            (Some(sp), SourceKind::Sqs) => {
                ok = false;
                self.refuse(
                    sp.pos,
                    &p("starting_position"),
                    kind,
                    "an SQS queue has no position to start from: remove `starting_position`",
                );
                None
            }
            (None, SourceKind::Sqs) => None,
            (None, _) => {
                self.push(
                    Problem::new(raw.pos, format!("`{}` is missing", p("starting_position")), "no starting position")
                        .help(format!("{} needs where to start reading: `starting_position: latest` (new records) or `trim_horizon` (the oldest kept)", kind.describe())),
                );
                ok = false;
                None
            }
            (Some(sp), _) => match sp.value.as_str() {
                "trim_horizon" => Some("TRIM_HORIZON"),
                "latest" => Some("LATEST"),
                "at_timestamp" if kind == SourceKind::Dynamodb => {
                    self.push(
                        Problem::new(
                            sp.pos,
                            format!(
                                "`{}` is `at_timestamp`, which DynamoDB streams do not support",
                                p("starting_position")
                            ),
                            "not for DynamoDB",
                        )
                        .help("use `trim_horizon` or `latest` for a DynamoDB stream"),
                    );
                    ok = false;
                    None
                }
                "at_timestamp" => Some("AT_TIMESTAMP"),
                other => {
                    let mut problem = Problem::new(
                        sp.pos,
                        format!("`{}` is `{other}`", p("starting_position")),
                        "unknown position",
                    );
                    problem = match crate::manifest::suggest(
                        other,
                        ["trim_horizon", "latest", "at_timestamp"],
                    ) {
                        Some(s) => problem.help(format!(
                            "did you mean `{s}`? (one of trim_horizon, latest, at_timestamp)"
                        )),
                        None => problem.help("one of trim_horizon, latest, at_timestamp"),
                    };
                    self.push(problem);
                    ok = false;
                    None
                }
            },
        };
        let starting_timestamp = match (&t.starting_timestamp, starting_position) {
            (None, Some("AT_TIMESTAMP")) => {
                self.push(
                    Problem::new(raw.pos, format!("`{}` is missing", p("starting_timestamp")), "no timestamp")
                        .help("`starting_position: at_timestamp` needs the time to start from, e.g. `starting_timestamp: 2026-01-01T00:00:00Z`"),
                );
                ok = false;
                None
            }
            (None, _) => None,
            (Some(ts), Some("AT_TIMESTAMP")) => match humantime::parse_rfc3339_weak(&ts.value) {
                Ok(at) => at
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()
                    .and_then(|d| i64::try_from(d.as_secs()).ok()),
                Err(_) => {
                    self.push(
                        Problem::new(
                            ts.pos,
                            format!("`{}` is not an RFC 3339 time", p("starting_timestamp")),
                            "not a time",
                        )
                        .help("write it like `2026-01-01T00:00:00Z`"),
                    );
                    ok = false;
                    None
                }
            },
            (Some(ts), _) => {
                self.push(
                    Problem::new(
                        ts.pos,
                        format!(
                            "`{}` is only used with `starting_position: at_timestamp`",
                            p("starting_timestamp")
                        ),
                        "not used",
                    )
                    .help("remove `starting_timestamp`, or set `starting_position: at_timestamp`"),
                );
                ok = false;
                None
            }
        };
        // Filters.
        let mut filters = Vec::new();
        if let Some(list) = &t.filters {
            if list.value.len() > MAX_FILTERS {
                self.push(
                    Problem::new(list.pos, format!("`{}` has {} patterns", p("filters"), list.value.len()), "too many filters")
                        .help(format!("Lambda takes at most {MAX_FILTERS} filters per mapping: combine patterns (a pattern matches when any of its values does)")),
                );
                ok = false;
            }
            for (i, f) in list.value.iter().enumerate() {
                let fp = format!("{}[{i}]", p("filters"));
                let parsed = match &f.value {
                    serde_json::Value::String(s) => {
                        serde_json::from_str::<serde_json::Value>(s).ok()
                    }
                    other => Some(other.clone()),
                };
                match parsed {
                    Some(v @ serde_json::Value::Object(_)) => {
                        let text = v.to_string();
                        if text.chars().count() > MAX_PATTERN {
                            self.push(
                                Problem::new(
                                    f.pos,
                                    format!("`{fp}` is longer than {MAX_PATTERN} characters"),
                                    "pattern too long",
                                )
                                .help("shorten the pattern"),
                            );
                            ok = false;
                        } else {
                            filters.push(text);
                        }
                    }
                    _ => {
                        self.push(
                            Problem::new(f.pos, format!("`{fp}` is not a filter pattern"), "not a JSON object")
                                .help("write a pattern as a YAML mapping, e.g. `{ body: { kind: [order] } }`, or as JSON text `'{\"body\": {\"kind\": [\"order\"]}}'`"),
                        );
                        ok = false;
                    }
                }
            }
        }
        // Stream-only settings.
        let stream_why = "only Kinesis and DynamoDB streams retry batches, bisect them or send failures to a destination";
        let maximum_retry_attempts = match &t.maximum_retry_attempts {
            None => None,
            Some(r) if !kind.is_stream() => {
                ok = false;
                self.refuse(r.pos, &p("maximum_retry_attempts"), kind, stream_why);
                None
            }
            Some(r) if !(-1..=10_000).contains(&r.value) => {
                self.push(
                    Problem::new(r.pos, format!("`{}` is {}: it must be -1–10000", p("maximum_retry_attempts"), r.value), "outside -1–10000")
                        .help("retries of a failed batch: 0 to 10000, or -1 to retry until the record expires"),
                );
                ok = false;
                None
            }
            Some(r) => i32::try_from(r.value).ok(),
        };
        let bisect_on_error = match &t.bisect_on_error {
            Some(b) if !kind.is_stream() => {
                ok = false;
                self.refuse(b.pos, &p("bisect_on_error"), kind, stream_why);
                None
            }
            other => other.as_ref().map(|b| b.value),
        };
        let on_failure = match &t.on_failure {
            None => None,
            Some(d) if !kind.is_stream() => {
                ok = false;
                self.refuse(d.pos, &p("on_failure"), kind, if kind == SourceKind::Sqs {
                    "an SQS queue sends failed messages to its own dead-letter queue (the queue's redrive policy): remove `on_failure`"
                } else {
                    stream_why
                });
                None
            }
            Some(d) => {
                let v = self.text(d, ctx, &p("on_failure"))?;
                let good = v.starts_with("arn:aws")
                    && [":sqs:", ":sns:", ":s3:"].iter().any(|s| v.contains(s));
                if !good {
                    self.push(
                        Problem::new(
                            d.pos,
                            format!(
                                "`{}` is not an SQS queue, SNS topic or S3 bucket ARN",
                                p("on_failure")
                            ),
                            "bad destination",
                        )
                        .help(
                            "e.g. `on_failure: arn:aws:sqs:eu-north-1:123456789012:failed-records`",
                        ),
                    );
                    ok = false;
                }
                Some(v)
            }
        };
        let topics = match (&t.topics, kind) {
            (Some(list), SourceKind::Msk) => {
                if list.value.len() != 1 || list.value.iter().any(|t| t.value.is_empty()) {
                    self.push(
                        Problem::new(list.pos, format!("`{}` must name exactly one topic", p("topics")), "one topic")
                            .help("an MSK mapping reads one topic, e.g. `topics: [orders]`; add a second trigger for another topic"),
                    );
                    ok = false;
                }
                Some(list.value.iter().map(|t| t.value.clone()).collect())
            }
            (None, SourceKind::Msk) => {
                self.push(
                    Problem::new(raw.pos, format!("`{}` is missing", p("topics")), "no topic")
                        .help("an MSK mapping reads one topic: add e.g. `topics: [orders]`"),
                );
                ok = false;
                None
            }
            (Some(list), _) => {
                ok = false;
                self.refuse(
                    list.pos,
                    &p("topics"),
                    kind,
                    "only MSK mappings read topics: remove `topics`",
                );
                None
            }
            (None, _) => None,
        };
        if !ok {
            return None;
        }
        let settings = MappingSettings {
            batch_size: batch.map(|b| b.value),
            batching_window_secs: window,
            starting_position: starting_position.map(str::to_owned),
            starting_timestamp,
            filters: Some(filters),
            maximum_retry_attempts,
            bisect_on_error,
            on_failure,
            topics,
        };
        Some(Trigger {
            name: name.to_owned(),
            source,
            kind,
            enabled: t.enabled.as_ref().is_none_or(|e| e.value),
            settings: fill_mapping_defaults(kind, &settings),
        })
    }
}

/// `FunctionName` the mappings of `f` target: `name:alias`, or the function.
pub fn mapping_target(f: &super::Function) -> String {
    match &f.alias {
        Some(a) => format!("{}:{}", f.name.as_str(), a.as_str()),
        None => f.name.as_str().to_owned(),
    }
}

/// Whether a mapping in `state` polls (or will once its change settles).
pub fn state_enabled(state: &str) -> bool {
    !matches!(state, "Disabled" | "Disabling")
}
