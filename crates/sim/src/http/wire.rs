//! Lambda's JSON shapes: rendering the model's answers and reading request bodies,
//! field names exactly as botocore's `service-2.json` spells them.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use flotilla_cloud::lambda::{
    AliasInfo, Architecture, CodeSource, ConfigField, FunctionConfig, FunctionInfo, PackageType,
    Route, SettingKind, SettingValue, Wire,
};

/// A `FunctionConfiguration` object.
pub(crate) fn function_configuration(info: &FunctionInfo) -> Value {
    let c = &info.config;
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    put("FunctionName", json!(info.name));
    put("FunctionArn", json!(info.arn));
    for &field in ConfigField::ALL {
        if let Some(v) = render_setting(field, c.value(field)) {
            match field.wire() {
                Wire::WrappedObject(outer, _) => put(outer, json!({ field.api_name(): v })),
                _ => put(field.api_name(), v),
            }
        }
    }
    put("CodeSize", json!(info.code_size));
    put("LastModified", json!(info.last_modified));
    put("CodeSha256", json!(info.code_sha256));
    put("Version", json!(info.version));
    if let Some(rev) = &info.revision_id {
        put("RevisionId", json!(rev));
    }
    if let Some(s) = &info.state {
        put("State", json!(s.as_api_str()));
    }
    if let Some(v) = &info.state_reason {
        put("StateReason", json!(v));
    }
    if let Some(v) = &info.state_reason_code {
        put("StateReasonCode", json!(v));
    }
    if let Some(s) = &info.last_update_status {
        put("LastUpdateStatus", json!(s.as_api_str()));
    }
    if let Some(v) = &info.last_update_status_reason {
        put("LastUpdateStatusReason", json!(v));
    }
    if let Some(v) = &info.last_update_status_reason_code {
        put("LastUpdateStatusReasonCode", json!(v));
    }
    // `$LATEST` is never the snapshotted version, so its optimization is always off.
    if let Some(Value::Object(snap)) = m.get_mut("SnapStart") {
        snap.insert("OptimizationStatus".to_owned(), json!("Off"));
    }
    Value::Object(m)
}

/// One setting in Lambda's shape; `None` for an absent value or an empty list or map,
/// which Lambda leaves out.
fn render_setting(field: ConfigField, value: SettingValue) -> Option<Value> {
    match (field.wire(), value) {
        (Wire::Object(members) | Wire::WrappedObject(_, members), SettingValue::Object(m)) => {
            // An object with nothing set (no subnets, no image overrides) is left out.
            render_object(members, &m).filter(|_| m.values().any(is_set))
        }
        (Wire::ObjectList(members), SettingValue::Objects(items)) => {
            let items: Vec<Value> = items
                .iter()
                .filter_map(|m| render_object(members, m))
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        (_, value) => render_plain(field, value),
    }
}

/// Whether a member value says anything (a text, a non-empty list, `true`).
fn is_set(v: &SettingValue) -> bool {
    match v {
        SettingValue::Absent | SettingValue::Bool(false) => false,
        SettingValue::List(items) => !items.is_empty(),
        _ => true,
    }
}

/// An object's members under Lambda's names; absent ones left out.
fn render_object(members: &[(&str, &str)], m: &BTreeMap<String, SettingValue>) -> Option<Value> {
    let mut out = Map::new();
    for (name, api) in members {
        let v = match m.get(*name) {
            None | Some(SettingValue::Absent) => continue,
            Some(SettingValue::Text(s)) => json!(s),
            Some(SettingValue::Number(n)) => json!(n),
            Some(SettingValue::Bool(b)) => json!(b),
            Some(SettingValue::List(items)) => json!(items),
            Some(_) => continue,
        };
        out.insert((*api).to_owned(), v);
    }
    Some(Value::Object(out))
}

fn render_plain(field: ConfigField, value: SettingValue) -> Option<Value> {
    let plain = match value {
        SettingValue::Absent => return None,
        SettingValue::Text(s) => json!(s),
        SettingValue::Number(n) => json!(n),
        SettingValue::List(items) if items.is_empty() => return None,
        SettingValue::List(items) => json!(items),
        SettingValue::Map(map) if map.is_empty() => return None,
        SettingValue::Map(map) => json!(map),
        SettingValue::Bool(b) => json!(b),
        // Only structured settings hold objects; they are rendered above.
        SettingValue::Object(_) | SettingValue::Objects(_) => return None,
    };
    Some(match field.wire() {
        Wire::Plain
        | Wire::Output
        | Wire::Object(_)
        | Wire::ObjectList(_)
        | Wire::WrappedObject(..) => plain,
        Wire::Member(inner) => {
            let mut m = Map::new();
            m.insert(inner.to_owned(), plain);
            Value::Object(m)
        }
        Wire::OneItem => Value::Array(vec![plain]),
        Wire::LayerArns => match plain {
            Value::Array(arns) => Value::Array(
                arns.into_iter()
                    .map(|arn| json!({ "Arn": arn, "CodeSize": 0 }))
                    .collect(),
            ),
            other => other,
        },
    })
}

/// A `GetFunctionResponse`. `host` is the `Host` the request was sent to: a zip's
/// `Code.Location` points back at the emulator (`/_sim/code/{hex sha256}`), which
/// serves the package it was given, as Lambda's presigned URL serves its copy.
pub(crate) fn get_function_response(
    info: &FunctionInfo,
    region: &str,
    host: Option<&str>,
) -> Value {
    let code = match &info.image_uri {
        Some(uri) => json!({
            "RepositoryType": "ECR",
            "ImageUri": uri,
            "ResolvedImageUri": info.resolved_image_uri.clone().unwrap_or_else(|| uri.clone()),
        }),
        None => {
            let hex = base64::engine::general_purpose::STANDARD
                .decode(&info.code_sha256)
                .map(|d| d.iter().map(|b| format!("{b:02x}")).collect::<String>())
                .unwrap_or_default();
            let location = match host {
                Some(host) => format!("http://{host}/_sim/code/{hex}"),
                None => format!(
                    "https://awslambda-{region}-tasks.s3.{region}.amazonaws.com/snapshots/{}/{hex}",
                    info.name
                ),
            };
            json!({ "RepositoryType": "S3", "Location": location })
        }
    };
    let mut out = json!({ "Configuration": function_configuration(info), "Code": code });
    if !info.tags.is_empty() {
        out["Tags"] = json!(info.tags);
    }
    if let Some(n) = info.reserved_concurrency {
        out["Concurrency"] = json!({ "ReservedConcurrentExecutions": n });
    }
    out
}

/// An `AliasConfiguration`.
pub(crate) fn alias_configuration(alias: &AliasInfo) -> Value {
    let mut out = json!({
        "AliasArn": alias.arn,
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
    });
    if !alias.routing.is_empty() {
        out["RoutingConfig"] = json!({ "AdditionalVersionWeights": alias.routing });
    }
    if let Some(rev) = &alias.revision_id {
        out["RevisionId"] = json!(rev);
    }
    out
}

/// Reading a request body; every wrong type is a 400 with the field named.
pub(crate) struct Body<'a>(pub &'a Value);

/// A request body that does not fit the operation's input shape.
#[derive(Debug)]
pub(crate) struct BadField(pub String);

impl<'a> Body<'a> {
    /// The configuration a `CreateFunction` body sets, AWS defaults for what it omits.
    pub(crate) fn function_config(
        &self,
        package_type: PackageType,
    ) -> Result<FunctionConfig, BadField> {
        let mut config = FunctionConfig::lambda_defaults();
        self.settings(ConfigField::ALL.iter().copied(), &mut config)?;
        config.package_type = package_type;
        Ok(config)
    }

    /// What an `UpdateFunctionConfiguration` body sets: the settings that call carries,
    /// on top of Lambda's defaults, and which of them the body names.
    pub(crate) fn config_update(&self) -> Result<(FunctionConfig, Vec<ConfigField>), BadField> {
        let mut config = FunctionConfig::lambda_defaults();
        let fields =
            (ConfigField::ALL.iter().copied()).filter(|f| f.route() == Route::Configuration);
        let fields = self.settings(fields, &mut config)?;
        Ok((config, fields))
    }

    /// Refuses a member of `operation`'s input the emulator does not model, rather than
    /// dropping it: the settings of [`ConfigField::ALL`] that go with a configuration,
    /// and `also`.
    pub(crate) fn only_modelled(&self, operation: &str, also: &[&str]) -> Result<(), BadField> {
        let Value::Object(members) = self.0 else {
            return Ok(());
        };
        let modelled = |key: &str| {
            also.contains(&key)
                || ConfigField::ALL
                    .iter()
                    .any(|f| f.api_name() == key && f.wire() != Wire::Output)
        };
        let unmodelled: Vec<&str> = members
            .keys()
            .map(String::as_str)
            .filter(|k| !modelled(k))
            .collect();
        if unmodelled.is_empty() {
            return Ok(());
        }
        Err(BadField(format!(
            "The emulator does not model {} of {operation}; Lambda would apply it, so the request is refused rather than half done.",
            unmodelled.join(", ")
        )))
    }

    /// Sets each of `fields` the body names in `config`; returns the ones it named.
    fn settings(
        &self,
        fields: impl Iterator<Item = ConfigField>,
        config: &mut FunctionConfig,
    ) -> Result<Vec<ConfigField>, BadField> {
        let mut named = Vec::new();
        let defaults = FunctionConfig::<String>::lambda_defaults();
        for field in fields {
            if let Some(mut value) = self.setting(field)? {
                // Lambda removes an optional setting sent empty (`KMSKeyArn: ""`,
                // `DeadLetterConfig.TargetArn: ""`).
                if value == SettingValue::Text(String::new())
                    && defaults.value(field) == SettingValue::Absent
                {
                    value = SettingValue::Absent;
                }
                config
                    .set_value(field, value)
                    .map_err(|e| BadField(format!("{}: {e}", field.api_name())))?;
                named.push(field);
            }
        }
        Ok(named)
    }

    /// One setting as the body carries it; `None` when the body leaves it out.
    fn setting(&self, field: ConfigField) -> Result<Option<SettingValue>, BadField> {
        let key = field.api_name();
        let kind = field.kind();
        match field.wire() {
            Wire::Output => Ok(None),
            Wire::Plain | Wire::LayerArns => self.value(key, kind),
            Wire::Member(inner) => match self.object(key)? {
                None => Ok(None),
                Some(member) => Ok(member.value(inner, kind)?.or_else(|| {
                    (kind == SettingKind::Map).then(|| SettingValue::Map(BTreeMap::new()))
                })),
            },
            Wire::OneItem => match self.string_list(key)?.as_deref() {
                None => Ok(None),
                Some([one]) => Ok(Some(SettingValue::Text(one.clone()))),
                Some(_) => Err(BadField(format!("{key} must list exactly one value"))),
            },
            Wire::Object(members) | Wire::WrappedObject(_, members) => match self.object(key)? {
                None => Ok(None),
                Some(o) => o
                    .members(key, members)
                    .map(|m| Some(SettingValue::Object(m))),
            },
            Wire::ObjectList(members) => match self.get(key) {
                None => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| match item {
                        Value::Object(_) => Body(item).members(key, members),
                        _ => Err(BadField(format!("{key} must hold objects"))),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| Some(SettingValue::Objects(v))),
                Some(_) => Err(BadField(format!("{key} must be a list"))),
            },
        }
    }

    /// The members of an object, by their names in the value; an unknown member is
    /// refused rather than dropped.
    fn members(
        &self,
        key: &str,
        members: &[(&str, &str)],
    ) -> Result<BTreeMap<String, SettingValue>, BadField> {
        let mut out = BTreeMap::new();
        if let Value::Object(m) = self.0 {
            for (api, v) in m {
                let Some((name, _)) = members.iter().find(|(_, a)| a == api) else {
                    return Err(BadField(format!(
                        "The emulator does not model {key}.{api}; Lambda would apply it, so the request is refused rather than half done."
                    )));
                };
                let value = match v {
                    Value::Null => continue,
                    Value::String(s) => SettingValue::Text(s.clone()),
                    Value::Bool(b) => SettingValue::Bool(*b),
                    Value::Array(_) => {
                        SettingValue::List(self.string_list(api)?.unwrap_or_default())
                    }
                    _ => return Err(BadField(format!("{key}.{api} has the wrong type"))),
                };
                out.insert((*name).to_owned(), value);
            }
        }
        Ok(out)
    }

    /// The value under `key`, read as `kind`.
    fn value(&self, key: &str, kind: SettingKind) -> Result<Option<SettingValue>, BadField> {
        Ok(match kind {
            SettingKind::Text => self.str(key)?.map(SettingValue::Text),
            SettingKind::Number => self.u32(key)?.map(|n| SettingValue::Number(u64::from(n))),
            SettingKind::List => self.string_list(key)?.map(SettingValue::List),
            SettingKind::Map => self.string_map(key)?.map(SettingValue::Map),
            // Objects are read by their wire shape (`setting`), never as a plain value.
            SettingKind::Object | SettingKind::Objects => None,
        })
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn str(&self, key: &str) -> Result<Option<String>, BadField> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(BadField(format!("{key} must be a string"))),
        }
    }

    pub(crate) fn u32(&self, key: &str) -> Result<Option<u32>, BadField> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| BadField(format!("{key} must be a non-negative integer"))),
        }
    }

    pub(crate) fn bool(&self, key: &str) -> Result<bool, BadField> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(BadField(format!("{key} must be a boolean"))),
        }
    }

    pub(crate) fn object(&self, key: &str) -> Result<Option<Body<'a>>, BadField> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(Body(v))),
            Some(_) => Err(BadField(format!("{key} must be an object"))),
        }
    }

    pub(crate) fn string_map(
        &self,
        key: &str,
    ) -> Result<Option<BTreeMap<String, String>>, BadField> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(BadField(format!("{key}.{k} must be a string"))),
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(BadField(format!("{key} must be a map of strings"))),
        }
    }

    pub(crate) fn string_list(&self, key: &str) -> Result<Option<Vec<String>>, BadField> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| BadField(format!("{key} must hold strings")))
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(BadField(format!("{key} must be a list"))),
        }
    }

    /// `Architectures` (a list of one).
    pub(crate) fn architecture(&self) -> Result<Option<Architecture>, BadField> {
        match self.string_list("Architectures")?.as_deref() {
            None => Ok(None),
            Some([one]) => Architecture::from_api_str(one)
                .map(Some)
                .ok_or_else(|| BadField(format!("Architectures: unknown value {one}"))),
            Some(_) => Err(BadField(
                "Architectures must list exactly one value".to_owned(),
            )),
        }
    }

    /// `RoutingConfig.AdditionalVersionWeights`, if `RoutingConfig` is present.
    pub(crate) fn routing(&self) -> Result<Option<BTreeMap<String, f64>>, BadField> {
        let Some(routing) = self.object("RoutingConfig")? else {
            return Ok(None);
        };
        match routing.get("AdditionalVersionWeights") {
            None => Ok(Some(BTreeMap::new())),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    v.as_f64().map(|w| (k.clone(), w)).ok_or_else(|| {
                        BadField("AdditionalVersionWeights must map to numbers".to_owned())
                    })
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(BadField(
                "AdditionalVersionWeights must be a map".to_owned(),
            )),
        }
    }

    /// The code fields (`ZipFile`, `S3Bucket`/`S3Key`/`S3ObjectVersion`, `ImageUri`).
    pub(crate) fn code(&self) -> Result<Option<CodeSource>, BadField> {
        if let Some(zip) = self.str("ZipFile")? {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(zip.as_bytes())
                .map_err(|_| BadField("ZipFile must be base64".to_owned()))?;
            return Ok(Some(CodeSource::Zip(Arc::new(bytes))));
        }
        if let Some(uri) = self.str("ImageUri")? {
            return Ok(Some(CodeSource::Image(uri)));
        }
        match (self.str("S3Bucket")?, self.str("S3Key")?) {
            (Some(bucket), Some(key)) => Ok(Some(CodeSource::S3 {
                bucket,
                key,
                version: self.str("S3ObjectVersion")?,
            })),
            (None, None) => Ok(None),
            _ => Err(BadField("S3Bucket and S3Key go together".to_owned())),
        }
    }
}

/// Decodes `%XX` escapes (and `+` in query strings when `plus_is_space`).
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query parameters in order, repeated keys kept (UntagResource repeats `tagKeys`).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lambda's defaults with `field` set to a value of its kind that is not the default.
    fn with_changed(field: ConfigField) -> FunctionConfig {
        let mut c = FunctionConfig::lambda_defaults();
        let value = match (field, field.kind()) {
            (ConfigField::Architecture, _) => SettingValue::Text("arm64".to_owned()),
            (ConfigField::PackageType, _) => SettingValue::Text("Image".to_owned()),
            (_, SettingKind::Text) => SettingValue::Text(format!("{}-x", field.name())),
            (_, SettingKind::Number) => match c.value(field) {
                SettingValue::Number(n) => SettingValue::Number(n + 1),
                _ => SettingValue::Number(1),
            },
            (_, SettingKind::List) => SettingValue::List(vec!["arn:l:1".to_owned()]),
            (_, SettingKind::Map) => {
                SettingValue::Map(BTreeMap::from([("K".to_owned(), "v".to_owned())]))
            }
            (_, SettingKind::Object) => SettingValue::Object(every_member(field)),
            (_, SettingKind::Objects) => SettingValue::Objects(vec![every_member(field)]),
        };
        assert_eq!(c.set_value(field, value), Ok(()), "{field:?}");
        c
    }

    /// Every member of a structured setting set, each to the first value of a shape
    /// the setting accepts for it.
    fn every_member(field: ConfigField) -> BTreeMap<String, SettingValue> {
        let members = match field.wire() {
            Wire::Object(m) | Wire::ObjectList(m) | Wire::WrappedObject(_, m) => m,
            _ => &[],
        };
        let mut out = BTreeMap::new();
        for (name, _) in members {
            let candidates = [
                SettingValue::List(vec!["x".to_owned()]),
                SettingValue::Bool(true),
                SettingValue::Text(format!("{name}-x")),
            ];
            for candidate in candidates {
                let one = BTreeMap::from([((*name).to_owned(), candidate.clone())]);
                let value = match field.kind() {
                    SettingKind::Objects => SettingValue::Objects(vec![one]),
                    _ => SettingValue::Object(one),
                };
                if FunctionConfig::lambda_defaults()
                    .set_value(field, value)
                    .is_ok()
                {
                    out.insert((*name).to_owned(), candidate);
                    break;
                }
            }
        }
        assert_eq!(out.len(), members.len(), "{field:?}");
        out
    }

    fn info(config: FunctionConfig) -> FunctionInfo {
        FunctionInfo {
            name: "f".to_owned(),
            config,
            arn: String::new(),
            state: None,
            state_reason: None,
            state_reason_code: None,
            last_update_status: None,
            last_update_status_reason: None,
            last_update_status_reason_code: None,
            revision_id: None,
            code_sha256: String::new(),
            code_size: 0,
            version: "$LATEST".to_owned(),
            last_modified: String::new(),
            image_uri: None,
            resolved_image_uri: None,
            code_location: None,
            tags: BTreeMap::new(),
            reserved_concurrency: None,
        }
    }

    /// The emulator reads back every setting it renders, and an update body carries
    /// exactly the settings `UpdateFunctionConfiguration` changes: a setting added to
    /// the list needs no edit here to be emulated.
    #[test]
    fn every_setting_survives_the_wire() {
        for &field in ConfigField::ALL {
            let config = with_changed(field);
            let mut json = function_configuration(&info(config.clone()));
            // Responses list layers as objects, requests as ARNs.
            if let Some(Value::Array(layers)) = json.get_mut("Layers") {
                for layer in layers.iter_mut() {
                    *layer = layer["Arn"].clone();
                }
            }
            // Responses wrap some objects (`ImageConfigResponse.ImageConfig`).
            for &f in ConfigField::ALL {
                if let Wire::WrappedObject(outer, _) = f.wire()
                    && let Some(inner) = json.get(outer).map(|o| o[f.api_name()].clone())
                {
                    json[f.api_name()] = inner;
                }
            }
            let body = Body(&json);
            let read = body.function_config(config.package_type);
            assert_eq!(read.as_ref().ok(), Some(&config), "{field:?}: {json}");
            let update = body
                .config_update()
                .ok()
                .map(|(c, fields)| (c.value(field), fields));
            if field.route() == Route::Configuration {
                assert!(
                    update.as_ref().is_some_and(
                        |(v, fields)| *v == config.value(field) && fields.contains(&field)
                    ),
                    "{field:?}"
                );
            } else {
                assert!(
                    update.is_some_and(|(_, fields)| !fields.contains(&field)),
                    "{field:?}"
                );
            }
        }
    }

    #[test]
    fn percent_decoding_handles_arns_and_edges() {
        assert_eq!(
            percent_decode("arn%3Aaws%3Alambda", false),
            "arn:aws:lambda"
        );
        assert_eq!(percent_decode("%24LATEST", false), "$LATEST");
        assert_eq!(percent_decode("a%2", false), "a%2");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(
            query_pairs(Some("tagKeys=a&tagKeys=b%20c")),
            vec![
                ("tagKeys".into(), "a".into()),
                ("tagKeys".into(), "b c".into())
            ]
        );
    }
}
