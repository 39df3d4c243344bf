//! Field-by-field diff of two canonical `FunctionConfig`s, with AWS defaults filled and
//! sensitive environment values redacted.

use std::collections::{BTreeMap, BTreeSet};

use flotilla_cloud::lambda::{
    DEFAULT_EPHEMERAL_STORAGE_MB, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, FunctionConfig, Route,
    SettingValue,
};

use super::types::{Field, FieldChange, FieldValue};

/// Fills what Lambda (or an emulator) may leave unset with AWS's defaults, so a manifest
/// that relies on a default compares equal to a live function that reports it, and a
/// live function whose endpoint omits a value compares equal to the default.
pub fn fill_defaults<E>(mut c: FunctionConfig<E>) -> FunctionConfig<E> {
    if c.memory_mb == 0 {
        c.memory_mb = DEFAULT_MEMORY_MB;
    }
    if c.timeout_s == 0 {
        c.timeout_s = DEFAULT_TIMEOUT_S;
    }
    if c.ephemeral_storage_mb == 0 {
        c.ephemeral_storage_mb = DEFAULT_EPHEMERAL_STORAGE_MB;
    }
    // Some endpoints report an empty string where Lambda has no value.
    if c.runtime.as_deref() == Some("") {
        c.runtime = None;
    }
    if c.handler.as_deref() == Some("") {
        c.handler = None;
    }
    c
}

/// What differs between desired and live configuration, split by the call that changes it.
#[derive(Debug, Default)]
pub struct ConfigDiff {
    /// Architecture change (goes with UpdateFunctionCode).
    pub architecture: Option<FieldChange>,
    /// Changes UpdateFunctionConfiguration makes.
    pub configuration: Vec<FieldChange>,
    /// True when the package type differs (cannot be changed in place).
    pub package_type_differs: bool,
}

/// Diffs two configurations (defaults filled by the caller).
///
/// Every setting of the list is compared alike ([`FunctionConfig::changed_fields`]), so
/// a new one is diffed without an edit here; where its change goes follows its
/// [`Route`], and a map-valued setting (the environment) is diffed key by key.
pub fn diff_config(
    desired: &FunctionConfig,
    live: &FunctionConfig,
    sensitive: &BTreeSet<String>,
) -> ConfigDiff {
    let mut out = ConfigDiff::default();
    // Environment keys come after the other settings, as plans have always listed them.
    let mut entries = Vec::new();
    for field in desired.changed_fields(live) {
        let (new, old) = (desired.value(field), live.value(field));
        // A structured setting the manifest does not mention is left alone.
        if field.absent_leaves_alone() && new == SettingValue::Absent {
            continue;
        }
        match (field.route(), new, old) {
            (Route::Replace, _, _) => out.package_type_differs = true,
            (Route::Code, new, old) => {
                out.architecture = Some(change(Field::Setting(field), shown(old), shown(new)));
            }
            (Route::Configuration, SettingValue::Map(new), SettingValue::Map(old)) => {
                entries.extend(diff_environment(&new, &old, sensitive));
            }
            // Objects member by member; a live value left out has no members.
            (Route::Configuration, SettingValue::Object(new), old) => {
                let old = match old {
                    SettingValue::Object(m) => m,
                    _ => BTreeMap::new(),
                };
                let members: BTreeSet<&String> = new.keys().chain(old.keys()).collect();
                for member in members {
                    let (n, o) = (new.get(member), old.get(member));
                    let absent =
                        |v: Option<&SettingValue>| v.is_none_or(|v| *v == SettingValue::Absent);
                    if n == o || (absent(n) && absent(o)) {
                        continue;
                    }
                    out.configuration.push(change(
                        Field::Member(field, member.clone()),
                        o.cloned().and_then(shown),
                        n.cloned().and_then(shown),
                    ));
                }
            }
            (Route::Configuration, new, old) => {
                out.configuration
                    .push(change(Field::Setting(field), shown(old), shown(new)));
            }
        }
    }
    out.configuration.extend(entries);
    out
}

/// One change per environment key that is added, removed or different. Lambda replaces
/// the whole map, so a live key the manifest does not set is a removal.
pub fn diff_environment(
    desired: &BTreeMap<String, String>,
    live: &BTreeMap<String, String>,
    sensitive: &BTreeSet<String>,
) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = desired.keys().chain(live.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let (new, old) = (desired.get(key), live.get(key));
        if new == old {
            continue;
        }
        // A key the manifest marks sensitive is redacted on both sides; a removed key's
        // old value is redacted too, since the manifest cannot say whether it was secret.
        let redact = sensitive.contains(key) || new.is_none();
        let show = |v: Option<&String>| {
            v.map(|v| {
                if redact {
                    FieldValue::Sensitive { changed: true }
                } else {
                    FieldValue::Text(v.clone())
                }
            })
        };
        out.push(change(
            Field::Environment(key.clone()),
            show(old),
            show(new),
        ));
    }
    out
}

fn change(field: Field, old: Option<FieldValue>, new: Option<FieldValue>) -> FieldChange {
    FieldChange { field, old, new }
}

/// A setting's value as a plan shows it; `None` where it has none.
fn shown(value: SettingValue) -> Option<FieldValue> {
    match value {
        SettingValue::Absent => None,
        SettingValue::Text(s) => Some(FieldValue::Text(s)),
        SettingValue::Number(n) => Some(FieldValue::Number(n)),
        SettingValue::List(items) => Some(FieldValue::List(items)),
        // Only the environment is a map, and it is diffed key by key above.
        SettingValue::Map(map) => Some(FieldValue::List(map.into_keys().collect())),
        SettingValue::Bool(b) => Some(FieldValue::Flag(b)),
        // Objects are diffed member by member above; a nested one shows its members.
        SettingValue::Object(m) => Some(FieldValue::Text(members_text(&m))),
        SettingValue::Objects(items) => {
            Some(FieldValue::List(items.iter().map(members_text).collect()))
        }
    }
}

/// `name=value` pairs of an object (`arn=…, mount=/mnt/data`).
fn members_text(m: &BTreeMap<String, SettingValue>) -> String {
    m.iter()
        .filter_map(|(k, v)| match v {
            SettingValue::Text(s) => Some(format!("{k}={s}")),
            SettingValue::Number(n) => Some(format!("{k}={n}")),
            SettingValue::Bool(b) => Some(format!("{k}={b}")),
            SettingValue::List(items) => Some(format!("{k}=[{}]", items.join(", "))),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use flotilla_cloud::lambda::{ConfigField, SettingKind};

    /// `base` with `field` set to another value of its kind.
    fn with_changed(base: &FunctionConfig, field: ConfigField) -> FunctionConfig {
        let mut c = base.clone();
        let value = match (field, field.kind(), base.value(field)) {
            (ConfigField::Architecture, _, _) => SettingValue::Text("arm64".to_owned()),
            (ConfigField::PackageType, _, _) => SettingValue::Text("Image".to_owned()),
            (_, SettingKind::Text, _) => SettingValue::Text(format!("{}-x", field.name())),
            (_, SettingKind::Number, SettingValue::Number(n)) => SettingValue::Number(n + 1),
            (_, SettingKind::Number, _) => SettingValue::Number(1),
            (_, SettingKind::List, _) => SettingValue::List(vec!["x".to_owned()]),
            (_, SettingKind::Map, _) => {
                SettingValue::Map(BTreeMap::from([("K".to_owned(), "v".to_owned())]))
            }
            (_, SettingKind::Object, _) => SettingValue::Object(BTreeMap::new()),
            (_, SettingKind::Objects, _) => SettingValue::Objects(Vec::new()),
        };
        assert_eq!(c.set_value(field, value), Ok(()), "{field:?}");
        c
    }

    /// Every setting of the list is diffed, each on the route its call takes: a setting
    /// added to the list needs no edit here to be planned.
    #[test]
    fn every_setting_is_diffed() {
        let live = FunctionConfig::lambda_defaults();
        for &field in ConfigField::ALL {
            let desired = with_changed(&live, field);
            let diff = diff_config(&desired, &live, &BTreeSet::new());
            let names: Vec<String> = (diff.architecture.iter())
                .chain(&diff.configuration)
                .map(|c| c.field.to_string())
                .collect();
            match field.route() {
                Route::Replace => assert!(diff.package_type_differs && names.is_empty()),
                Route::Code => assert_eq!(names, [field.name()]),
                Route::Configuration if field.kind() == SettingKind::Map => {
                    assert_eq!(names, [format!("{}.K", field.name())]);
                }
                Route::Configuration if field.kind() == SettingKind::Object => {
                    let prefix = format!("{}.", field.name());
                    assert!(
                        !names.is_empty() && names.iter().all(|n| n.starts_with(&prefix)),
                        "{field:?}: {names:?}"
                    );
                }
                Route::Configuration => assert_eq!(names, [field.name()], "{field:?}"),
            }
        }
    }

    /// A structured setting the manifest does not set is not diffed, whatever is live.
    #[test]
    fn unset_structured_settings_are_left_alone() {
        let mut live = FunctionConfig::lambda_defaults();
        live.fill_live_defaults("f");
        live.vpc = Some(flotilla_cloud::lambda::VpcConfig {
            subnets: vec!["subnet-1".to_owned()],
            security_groups: vec!["sg-1".to_owned()],
            ipv6: false,
        });
        let desired = FunctionConfig::lambda_defaults();
        assert!(
            diff_config(&desired, &live, &BTreeSet::new())
                .configuration
                .is_empty()
        );
        let mut detach = desired.clone();
        detach.vpc = Some(flotilla_cloud::lambda::VpcConfig::default());
        let names: Vec<String> = diff_config(&detach, &live, &BTreeSet::new())
            .configuration
            .iter()
            .map(|c| c.field.to_string())
            .collect();
        assert_eq!(names, ["vpc.security_groups", "vpc.subnets"]);
    }
}
