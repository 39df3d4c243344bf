//! Field-by-field diff of two canonical `FunctionConfig`s, with AWS defaults filled and
//! sensitive environment values redacted.

use std::collections::{BTreeMap, BTreeSet};

use flotilla_cloud::lambda::{
    Architecture, DEFAULT_EPHEMERAL_STORAGE_MB, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S,
    FunctionConfig,
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
pub fn diff_config(
    desired: &FunctionConfig,
    live: &FunctionConfig,
    sensitive: &BTreeSet<String>,
) -> ConfigDiff {
    // Destructure every field (no `..`) so a new one fails to compile until it is
    // diffed here.
    let FunctionConfig {
        role,
        runtime,
        handler,
        description,
        memory_mb,
        timeout_s,
        ephemeral_storage_mb,
        architecture,
        environment,
        layers,
        package_type,
    } = desired;
    let mut out = ConfigDiff {
        package_type_differs: *package_type != live.package_type,
        ..ConfigDiff::default()
    };
    if *architecture != live.architecture {
        out.architecture = Some(change(
            Field::Architecture,
            Some(arch(live.architecture)),
            Some(arch(*architecture)),
        ));
    }
    let c = &mut out.configuration;
    if *role != live.role {
        c.push(change(Field::Role, text(&live.role), text(role)));
    }
    if *runtime != live.runtime {
        c.push(change(
            Field::Runtime,
            opt_text(&live.runtime),
            opt_text(runtime),
        ));
    }
    if *handler != live.handler {
        c.push(change(
            Field::Handler,
            opt_text(&live.handler),
            opt_text(handler),
        ));
    }
    if *description != live.description {
        c.push(change(
            Field::Description,
            text(&live.description),
            text(description),
        ));
    }
    if *memory_mb != live.memory_mb {
        c.push(change(
            Field::MemoryMb,
            num(live.memory_mb),
            num(*memory_mb),
        ));
    }
    if *timeout_s != live.timeout_s {
        c.push(change(
            Field::TimeoutS,
            num(live.timeout_s),
            num(*timeout_s),
        ));
    }
    if *ephemeral_storage_mb != live.ephemeral_storage_mb {
        c.push(change(
            Field::EphemeralStorageMb,
            num(live.ephemeral_storage_mb),
            num(*ephemeral_storage_mb),
        ));
    }
    if *layers != live.layers {
        c.push(change(
            Field::Layers,
            Some(FieldValue::List(live.layers.clone())),
            Some(FieldValue::List(layers.clone())),
        ));
    }
    c.extend(diff_environment(environment, &live.environment, sensitive));
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

fn text(s: &str) -> Option<FieldValue> {
    Some(FieldValue::Text(s.to_owned()))
}

fn opt_text(s: &Option<String>) -> Option<FieldValue> {
    s.as_deref().and_then(text)
}

fn num(n: u32) -> Option<FieldValue> {
    Some(FieldValue::Number(u64::from(n)))
}

fn arch(a: Architecture) -> FieldValue {
    FieldValue::Text(a.as_api_str().to_owned())
}
