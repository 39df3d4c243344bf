//! The steps for `triggers` (event source mappings) and `keep_versions`, their diff and
//! their display lines. Pure.
//!
//! Lambda names a mapping by UUID; the manifest names a trigger by its key. A live
//! mapping is matched to the trigger that lists its event source ARN (one mapping per
//! function and source, as Lambda allows), on the function the mappings target: the
//! alias when the function has one, else the unqualified function.

use serde::{Deserialize, Serialize};

use crate::model::Function;
pub use crate::model::around_triggers::mapping_target;
use crate::model::around_triggers::{Trigger, fill_mapping_defaults, state_enabled};
use crate::observe::LiveAround;
use flotilla_cloud::lambda::{MappingInfo, MappingSettings, SourceKind};

use super::types::{Action, FunctionPlan, Step};

/// One setting of a trigger that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerChange {
    /// The manifest key (`batch_size`, `batching_window`, `filters`, `enabled`, ...).
    pub field: String,
    /// Live value, as displayed.
    pub old: String,
    /// Desired value, as displayed.
    pub new: String,
}

fn filters_equal(a: &[String], b: &[String]) -> bool {
    let parse = |v: &[String]| -> Vec<serde_json::Value> {
        v.iter()
            .map(|p| serde_json::from_str(p).unwrap_or(serde_json::Value::String(p.clone())))
            .collect()
    };
    parse(a) == parse(b)
}

fn show_filters(v: &[String]) -> String {
    if v.is_empty() {
        "(none)".to_owned()
    } else {
        v.join(", ")
    }
}

fn show_opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
}

fn show_destination(v: Option<&str>) -> String {
    match v {
        None | Some("") => "(none)".to_owned(),
        Some(d) => d.to_owned(),
    }
}

/// The settings to send and the changes to show for `t` against live mapping `m`, or
/// `None` when the mapping must be replaced (its starting position or topic differ).
fn diff(
    t: &Trigger,
    m: &MappingInfo,
) -> Option<(Option<bool>, MappingSettings, Vec<TriggerChange>)> {
    let want = &t.settings;
    let have = fill_mapping_defaults(t.kind, &m.settings);
    if t.kind != SourceKind::Sqs
        && (want.starting_position != have.starting_position
            || (want.starting_position.as_deref() == Some("AT_TIMESTAMP")
                && want.starting_timestamp != have.starting_timestamp))
    {
        return None;
    }
    if t.kind == SourceKind::Msk && want.topics != have.topics {
        return None;
    }
    let mut send = MappingSettings::default();
    let mut changes = Vec::new();
    let mut change = |field: &str, old: String, new: String| {
        changes.push(TriggerChange {
            field: field.to_owned(),
            old,
            new,
        });
    };
    if want.batch_size != have.batch_size {
        send.batch_size = want.batch_size;
        change(
            "batch_size",
            show_opt(have.batch_size),
            show_opt(want.batch_size),
        );
    }
    if want.batching_window_secs != have.batching_window_secs {
        send.batching_window_secs = want.batching_window_secs;
        change(
            "batching_window",
            show_opt(have.batching_window_secs.map(|s| format!("{s}s"))),
            show_opt(want.batching_window_secs.map(|s| format!("{s}s"))),
        );
    }
    let (wf, hf) = (
        want.filters.clone().unwrap_or_default(),
        have.filters.clone().unwrap_or_default(),
    );
    if !filters_equal(&wf, &hf) {
        change("filters", show_filters(&hf), show_filters(&wf));
        send.filters = Some(wf);
    }
    if t.kind.is_stream() {
        if want.maximum_retry_attempts != have.maximum_retry_attempts {
            send.maximum_retry_attempts = want.maximum_retry_attempts;
            change(
                "maximum_retry_attempts",
                show_opt(have.maximum_retry_attempts),
                show_opt(want.maximum_retry_attempts),
            );
        }
        if want.bisect_on_error != have.bisect_on_error {
            send.bisect_on_error = want.bisect_on_error;
            change(
                "bisect_on_error",
                show_opt(have.bisect_on_error),
                show_opt(want.bisect_on_error),
            );
        }
        if want.on_failure.as_deref().unwrap_or("") != have.on_failure.as_deref().unwrap_or("") {
            send.on_failure = Some(want.on_failure.clone().unwrap_or_default());
            change(
                "on_failure",
                show_destination(have.on_failure.as_deref()),
                show_destination(want.on_failure.as_deref()),
            );
        }
    }
    let live_enabled = state_enabled(&m.state);
    let enabled = (live_enabled != t.enabled).then_some(t.enabled);
    if let Some(e) = enabled {
        change("enabled", live_enabled.to_string(), e.to_string());
    }
    Some((enabled, send, changes))
}

/// The trigger steps of `f`: deletions first (mappings to sources no trigger lists,
/// and mappings replaced), then updates, then creations. Nothing when `triggers` is
/// absent.
pub(crate) fn trigger_steps(f: &Function, live: Option<&LiveAround>) -> Vec<Step> {
    let Some(triggers) = &f.around.triggers else {
        return Vec::new();
    };
    let function = mapping_target(f);
    // Only the target's own mappings (an endpoint that lists every qualifier's mappings
    // for a qualified name must not make another qualifier's ours).
    let suffix = format!(":function:{function}");
    let mappings: Vec<&MappingInfo> = live
        .and_then(|l| l.mappings.as_ref())
        .map(|m| {
            m.iter()
                .filter(|m| m.state != "Deleting")
                .filter(|m| m.function_arn.is_empty() || m.function_arn.ends_with(&suffix))
                .collect()
        })
        .unwrap_or_default();
    let (mut deletes, mut updates, mut creates) = (Vec::new(), Vec::new(), Vec::new());
    for m in &mappings {
        if !triggers.iter().any(|t| t.source == m.event_source_arn) {
            deletes.push(Step::DeleteEventSourceMapping {
                trigger: None,
                uuid: m.uuid.clone(),
                source: m.event_source_arn.clone(),
            });
        }
    }
    for t in triggers {
        let create = Step::CreateEventSourceMapping {
            trigger: t.name.clone(),
            function: function.clone(),
            source: t.source.clone(),
            enabled: t.enabled,
            settings: t.settings.clone(),
        };
        let Some(m) = mappings.iter().find(|m| m.event_source_arn == t.source) else {
            creates.push(create);
            continue;
        };
        match diff(t, m) {
            None => {
                deletes.push(Step::DeleteEventSourceMapping {
                    trigger: Some(t.name.clone()),
                    uuid: m.uuid.clone(),
                    source: m.event_source_arn.clone(),
                });
                creates.push(create);
            }
            Some((_, _, changes)) if changes.is_empty() => {}
            Some((enabled, settings, changes)) => updates.push(Step::UpdateEventSourceMapping {
                trigger: t.name.clone(),
                uuid: m.uuid.clone(),
                source: t.source.clone(),
                enabled,
                settings,
                changes,
            }),
        }
    }
    deletes.into_iter().chain(updates).chain(creates).collect()
}

/// The published versions `keep_versions` would delete: numbered versions beyond the
/// newest `keep` (a version this plan publishes counts as the newest), that no alias
/// routes to. Sorted oldest first.
pub(crate) fn versions_to_delete(keep: u32, live: &LiveAround, publishes: bool) -> Vec<String> {
    let Some(versions) = &live.versions else {
        return Vec::new();
    };
    let mut numbered: Vec<u64> = versions
        .iter()
        .filter_map(|v| v.version.parse::<u64>().ok())
        .collect();
    numbered.sort_unstable_by(|a, b| b.cmp(a));
    numbered.dedup();
    let keep_old = usize::try_from(keep)
        .unwrap_or(usize::MAX)
        .saturating_sub(usize::from(publishes));
    let routed = |v: &str| {
        live.aliases
            .iter()
            .flatten()
            .any(|a| a.function_version == v || a.routing.keys().any(|k| k == v))
            || live.provisioned.iter().flatten().any(|p| p == v)
    };
    let mut out: Vec<String> = numbered
        .into_iter()
        .skip(keep_old)
        .map(|n| n.to_string())
        .filter(|v| !routed(v))
        .collect();
    out.reverse();
    out
}

/// The `keep_versions` step of `f`, when it would delete anything.
pub(crate) fn keep_versions_step(
    f: &Function,
    live: Option<&LiveAround>,
    steps: &[Step],
) -> Option<Step> {
    let keep = f.around.keep_versions?;
    let live = live?;
    let publishes = steps.iter().any(|s| matches!(s, Step::PublishVersion));
    let versions = versions_to_delete(keep, live, publishes);
    (!versions.is_empty()).then_some(Step::DeleteVersions { keep, versions })
}

/// Appends `f`'s trigger steps and its `keep_versions` step to its plan (after the
/// alias moved, so mappings on the alias find it and versions are deleted once the new
/// one is live); a function with no other change becomes an update.
pub(crate) fn add_steps(f: &Function, live: Option<&LiveAround>, fp: &mut FunctionPlan) {
    if matches!(fp.action, Action::Delete) {
        return;
    }
    let mut extra = trigger_steps(f, live);
    if let Some(step) = keep_versions_step(f, live, &fp.steps) {
        extra.push(step);
    }
    if extra.is_empty() {
        return;
    }
    if fp.action == Action::NoChange {
        fp.action = Action::Update;
    }
    fp.steps.extend(extra);
}

/// The saved-plan check of the trigger and `keep_versions` steps: values within
/// Lambda's rules, mappings only on this function (or its alias), UUIDs and version
/// numbers well formed.
pub(crate) fn check_steps(
    f: &FunctionPlan,
    wrong: &impl Fn(&str) -> String,
    say: &mut impl FnMut(String),
) {
    let target = match &f.desired.alias {
        Some(a) => format!("{}:{a}", f.name),
        None => f.name.clone(),
    };
    let values = |s: &MappingSettings, say: &mut dyn FnMut(String)| {
        if s.batch_size.is_some_and(|b| !(1..=10_000).contains(&b)) {
            say(wrong("set a batch size outside 1–10000"));
        }
        if s.batching_window_secs
            .is_some_and(|w| u64::from(w) > crate::model::around_triggers::MAX_WINDOW_SECS)
        {
            say(wrong("set a batching window above 300 s"));
        }
        if s.maximum_retry_attempts
            .is_some_and(|r| !(-1..=10_000).contains(&r))
        {
            say(wrong("set maximum retry attempts outside -1–10000"));
        }
        if let Some(filters) = &s.filters {
            let bad = filters.len() > crate::model::around_triggers::MAX_FILTERS
                || filters.iter().any(|p| {
                    p.chars().count() > crate::model::around_triggers::MAX_PATTERN
                        || !serde_json::from_str::<serde_json::Value>(p)
                            .is_ok_and(|v| v.is_object())
                });
            if bad {
                say(wrong(
                    "set more than 5 filters or a filter that is not a JSON object",
                ));
            }
        }
    };
    let uuid_ok = |u: &str| u.len() == 36 && u.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    for s in &f.steps {
        match s {
            Step::CreateEventSourceMapping {
                function,
                source,
                settings,
                ..
            } => {
                if *function != target {
                    say(wrong(&format!(
                        "create a mapping on `{function}`, not on `{target}`"
                    )));
                }
                if SourceKind::of_arn(source).is_none() {
                    say(wrong(
                        "create a mapping of a source that is not an SQS, Kinesis, DynamoDB stream or MSK ARN",
                    ));
                }
                values(settings, say);
            }
            Step::UpdateEventSourceMapping { uuid, settings, .. } => {
                if !uuid_ok(uuid) {
                    say(wrong("update a mapping whose UUID is not one"));
                }
                values(settings, say);
            }
            Step::DeleteEventSourceMapping { uuid, .. } if !uuid_ok(uuid) => {
                say(wrong("delete a mapping whose UUID is not one"));
            }
            Step::DeleteVersions { keep, versions } => {
                if *keep == 0 || !f.desired.publish {
                    say(wrong("delete versions without publishing, or keeping none"));
                }
                if versions
                    .iter()
                    .any(|v| v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()))
                {
                    say(wrong(
                        "delete a version that is not a published version number",
                    ));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use flotilla_cloud::lambda::{AliasInfo, VersionInfo};

    fn version(v: &str) -> VersionInfo {
        VersionInfo {
            version: v.to_owned(),
            code_sha256: String::new(),
            description: String::new(),
            revision_id: None,
            last_modified: String::new(),
        }
    }

    fn alias(name: &str, to: &str, weights: &[(&str, f64)]) -> AliasInfo {
        AliasInfo {
            name: name.to_owned(),
            arn: String::new(),
            function_version: to.to_owned(),
            description: String::new(),
            routing: weights
                .iter()
                .map(|(v, w)| ((*v).to_owned(), *w))
                .collect::<BTreeMap<_, _>>(),
            revision_id: None,
        }
    }

    #[test]
    fn old_versions_go_unless_an_alias_routes_to_them() {
        let live = LiveAround {
            versions: Some(
                ["$LATEST", "1", "2", "3", "4", "5", "6"]
                    .map(version)
                    .to_vec(),
            ),
            aliases: Some(vec![
                alias("live", "6", &[("2", 0.1)]),
                alias("pinned", "1", &[]),
            ]),
            ..LiveAround::default()
        };
        // Without a new version: 5 and 6 stay, 1 and 2 are routed to.
        assert_eq!(versions_to_delete(2, &live, false), ["3", "4"]);
        // A version this plan publishes is the newest: only 6 stays of the old ones.
        assert_eq!(versions_to_delete(2, &live, true), ["3", "4", "5"]);
        assert!(versions_to_delete(10, &live, false).is_empty());
        assert!(versions_to_delete(2, &LiveAround::default(), false).is_empty());
    }
}
