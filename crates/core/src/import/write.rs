//! The manifest `flotilla import` writes, as text: a pure function of what was read.
//!
//! A setting most functions share (at least half of them, and two or more) goes into
//! `defaults`; a function writes only what differs from `defaults`, or from AWS's own
//! default where `defaults` does not set it. `environment` and `tags` stay on each
//! function: they merge key by key, so a lifted key would reach functions that lack it.
//! Every string is written double-quoted (JSON escapes are YAML's) with `${` escaped as
//! `$${`, so no value is read back as interpolation or as another YAML type.

use std::collections::{BTreeMap, BTreeSet};

use flotilla_cloud::lambda::{
    Architecture, DEFAULT_EPHEMERAL_STORAGE_MB, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S,
    FunctionConfig, LOG_FORMAT_TEXT, LoggingConfig, PackageType,
};

use super::Found;
use super::sensitive::looks_sensitive;
use crate::model::{DEFAULT_ENV, ENV_TAG, MANIFEST_TAG, RESERVED_TAG_PREFIX};

/// Choices the caller makes about code and the schema line.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Bucket that zip functions' `s3` artifacts name (Lambda does not say where a zip
    /// came from). Pinned by `sha256`, the object is read only once the code changes.
    pub code_bucket: Option<String>,
    /// Key prefix for those objects: the key is `{prefix}{function key}.zip`.
    pub code_prefix: String,
    /// Packages downloaded with `--download-code`: (region, function name) → the path
    /// to write as the `zip` artifact, relative to the manifest's folder.
    pub downloaded: BTreeMap<(String, String), String>,
    /// The `$schema` URL of the `yaml-language-server` line.
    pub schema_url: String,
}

/// An environment value written as `from_env`: set `variable` before planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVar {
    /// The function's key in the manifest.
    pub function: String,
    /// The environment key on the function.
    pub key: String,
    /// The shell variable the manifest reads it from.
    pub variable: String,
}

/// What [`write_manifest`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The manifest's text.
    pub yaml: String,
    /// Environment values written as `from_env`, in manifest order.
    pub secrets: Vec<SecretVar>,
    /// Keys of functions without ownership tags: the first apply adds them (the plan
    /// shows a tag change for each).
    pub unowned: Vec<String>,
    /// `project:`, from the functions' `flotilla:manifest` tag.
    pub project: Option<String>,
    /// The environment from their `flotilla:env` tag, when not `default`: plan with
    /// `--env` this name.
    pub environment: Option<String>,
    /// Functions written, in manifest order.
    pub functions: Vec<String>,
}

/// Why no manifest could be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ImportError {
    /// Nothing matched the filters.
    #[error("no function matched")]
    #[diagnostic(help(
        "check the names, --prefix, --tag and --region; without a filter every function in the regions is imported"
    ))]
    NothingFound,
    /// Functions already belong to different manifests or environments.
    #[error("the functions belong to different Flotilla manifests: {groups}")]
    #[diagnostic(help(
        "import each group on its own, e.g. with --tag flotilla:manifest=NAME, so each manifest keeps its functions' ownership"
    ))]
    MixedOwnership {
        /// `manifest/env (functions)` per group.
        groups: String,
    },
    /// Zip functions, and nowhere to say their code lives.
    #[error("{count} zip function(s) need a code location: {names}")]
    #[diagnostic(help(
        "Lambda does not record where a zip came from: pass --code-bucket BUCKET [--code-prefix PREFIX] to reference it as an S3 object pinned by its sha256, or --download-code DIR to save each package next to the manifest"
    ))]
    NoCodeLocation {
        /// How many.
        count: usize,
        /// Their names.
        names: String,
    },
}

/// Settings `defaults` may carry, each as the text a function would write.
#[derive(Default)]
struct Lifted {
    region: Option<String>,
    role: Option<String>,
    runtime: Option<String>,
    handler: Option<String>,
    memory: Option<u32>,
    timeout: Option<u32>,
    ephemeral_storage: Option<u32>,
    architecture: Option<Architecture>,
}

/// The value at least half of `values` (and two or more) share; ties go to the smallest.
fn common<T: Ord + Clone>(values: impl IntoIterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    let mut n = 0;
    for v in values {
        *counts.entry(v).or_default() += 1;
        n += 1;
    }
    let (value, count) =
        counts
            .into_iter()
            .fold(None::<(T, usize)>, |best, (v, c)| match best {
                Some((_, bc)) if bc >= c => best,
                _ => Some((v, c)),
            })?;
    (count >= 2 && count * 2 >= n).then_some(value)
}

/// A double-quoted YAML scalar holding `s` literally.
fn quote(s: &str) -> String {
    serde_json::to_string(&s.replace("${", "$${")).unwrap_or_else(|_| "\"\"".to_owned())
}

/// `ORDERS_API_DB_PASSWORD` for key `orders-api`, variable `DB_PASSWORD`.
fn variable_name(function: &str, key: &str) -> String {
    let f: String = function
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{f}_{key}")
}

/// Writes the manifest for `found`.
///
/// # Errors
/// Nothing found, functions owned by different manifests, or zip functions with no
/// code location.
pub fn write_manifest(found: &[Found], opts: &WriteOptions) -> Result<Imported, ImportError> {
    if found.is_empty() {
        return Err(ImportError::NothingFound);
    }
    let mut found: Vec<&Found> = found.iter().collect();
    found.sort_by(|a, b| (&a.info.name, &a.region).cmp(&(&b.info.name, &b.region)));

    // Keys: the function name, unless the same name lives in two regions.
    let mut per_name: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &found {
        *per_name.entry(f.info.name.as_str()).or_default() += 1;
    }
    let keys: Vec<String> = found
        .iter()
        .map(|f| {
            if per_name[f.info.name.as_str()] > 1 {
                format!("{}-{}", f.info.name, f.region)
            } else {
                f.info.name.clone()
            }
        })
        .collect();

    let (project, environment, unowned) = ownership(&found, &keys)?;

    let missing: Vec<&str> = found
        .iter()
        .filter(|f| f.info.config.package_type == PackageType::Zip)
        .filter(|f| {
            opts.code_bucket.is_none()
                && !opts
                    .downloaded
                    .contains_key(&(f.region.clone(), f.info.name.clone()))
        })
        .map(|f| f.info.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::NoCodeLocation {
            count: missing.len(),
            names: missing.join(", "),
        });
    }

    let zips: Vec<&&Found> = found
        .iter()
        .filter(|f| f.info.config.package_type == PackageType::Zip)
        .collect();
    let lifted = Lifted {
        region: common(found.iter().map(|f| f.region.clone())),
        role: common(found.iter().map(|f| f.info.config.role.clone())),
        runtime: common(zips.iter().filter_map(|f| f.info.config.runtime.clone())),
        handler: common(zips.iter().filter_map(|f| f.info.config.handler.clone())),
        memory: common(found.iter().map(|f| f.info.config.memory_mb)),
        timeout: common(found.iter().map(|f| f.info.config.timeout_s)),
        ephemeral_storage: common(found.iter().map(|f| f.info.config.ephemeral_storage_mb)),
        architecture: common(
            found
                .iter()
                .map(|f| f.info.config.architecture.as_api_str()),
        )
        .and_then(Architecture::from_api_str)
        .filter(|a| *a != Architecture::X86_64),
    };

    let mut out = String::new();
    out.push_str(&format!(
        "# yaml-language-server: $schema={}\n",
        opts.schema_url
    ));
    let accounts: BTreeSet<&str> = found
        .iter()
        .map(|f| f.account.as_str())
        .filter(|a| !a.is_empty())
        .collect();
    let regions: BTreeSet<&str> = found.iter().map(|f| f.region.as_str()).collect();
    out.push_str(&format!(
        "#\n# Written by `flotilla import` from {} function(s) in account(s) {} and region(s) {}.\n",
        found.len(),
        if accounts.is_empty() {
            "(unknown)".to_owned()
        } else {
            accounts.into_iter().collect::<Vec<_>>().join(", ")
        },
        regions.into_iter().collect::<Vec<_>>().join(", "),
    ));
    out.push_str(
        "# Values that looked secret are read from the shell (`from_env`): set those variables\n# before `flotilla plan`. Check it with `flotilla validate`; the first plan should be empty.\n",
    );
    out.push_str("version: 1\n");
    if let Some(p) = &project {
        out.push_str(&format!("project: {}\n", quote(p)));
    }
    if let Some(e) = &environment {
        out.push_str(&format!(
            "environments:\n  {e}: {{}}  # from the functions' flotilla:env tag\n"
        ));
    }
    write_defaults(&mut out, &lifted);

    out.push_str("functions:\n");
    let mut secrets = Vec::new();
    for (f, key) in found.iter().zip(&keys) {
        write_function(&mut out, f, key, &lifted, opts, &mut secrets);
    }
    Ok(Imported {
        yaml: out,
        secrets,
        unowned,
        project,
        environment,
        functions: keys,
    })
}

/// `project:`, the environment, and the keys of untagged functions.
type Owners = (Option<String>, Option<String>, Vec<String>);

/// `project:` and the environment from the ownership tags, and the functions without.
fn ownership(found: &[&Found], keys: &[String]) -> Result<Owners, ImportError> {
    let mut groups: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    let mut unowned = Vec::new();
    for (f, key) in found.iter().zip(keys) {
        match f.info.tags.get(MANIFEST_TAG) {
            Some(manifest) => {
                let env = f
                    .info
                    .tags
                    .get(ENV_TAG)
                    .cloned()
                    .unwrap_or_else(|| DEFAULT_ENV.to_owned());
                groups
                    .entry((manifest.clone(), env))
                    .or_default()
                    .push(f.info.name.as_str());
            }
            None => unowned.push(key.clone()),
        }
    }
    if groups.len() > 1 {
        let groups = groups
            .iter()
            .map(|((m, e), names)| format!("{m}/{e} ({})", names.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ImportError::MixedOwnership { groups });
    }
    Ok(match groups.into_keys().next() {
        Some((manifest, env)) => (Some(manifest), (env != DEFAULT_ENV).then_some(env), unowned),
        None => (None, None, unowned),
    })
}

fn write_defaults(out: &mut String, l: &Lifted) {
    let Lifted {
        region,
        role,
        runtime,
        handler,
        memory,
        timeout,
        ephemeral_storage,
        architecture,
    } = l;
    let mut lines = Vec::new();
    if let Some(v) = region {
        lines.push(format!("region: {}", quote(v)));
    }
    if let Some(v) = role {
        lines.push(format!("role: {}", quote(v)));
    }
    if let Some(v) = runtime {
        lines.push(format!("runtime: {}", quote(v)));
    }
    if let Some(v) = handler {
        lines.push(format!("handler: {}", quote(v)));
    }
    if let Some(v) = architecture {
        lines.push(format!("architecture: {}", v.as_api_str()));
    }
    if let Some(v) = memory {
        lines.push(format!("memory: {v}"));
    }
    if let Some(v) = timeout {
        lines.push(format!("timeout: {v}s"));
    }
    if let Some(v) = ephemeral_storage {
        lines.push(format!("ephemeral_storage: {v}"));
    }
    if !lines.is_empty() {
        out.push_str("defaults:\n");
        for line in lines {
            out.push_str(&format!("  {line}\n"));
        }
    }
}

fn write_function(
    out: &mut String,
    f: &Found,
    key: &str,
    l: &Lifted,
    opts: &WriteOptions,
    secrets: &mut Vec<SecretVar>,
) {
    let c = &f.info.config;
    let is_image = c.package_type == PackageType::Image;
    out.push_str(&format!("  {key}:\n"));
    let mut line = |text: String| out.push_str(&format!("    {text}\n"));
    if key != f.info.name {
        line(format!("name: {}", quote(&f.info.name)));
    }
    if l.region.as_deref() != Some(f.region.as_str()) {
        line(format!("region: {}", quote(&f.region)));
    }
    if l.role.as_deref() != Some(c.role.as_str()) {
        line(format!("role: {}", quote(&c.role)));
    }
    if !is_image {
        if let Some(r) = &c.runtime
            && l.runtime.as_ref() != Some(r)
        {
            line(format!("runtime: {}", quote(r)));
        }
        if let Some(h) = &c.handler
            && l.handler.as_ref() != Some(h)
        {
            line(format!("handler: {}", quote(h)));
        }
    }
    if !c.description.is_empty() {
        line(format!("description: {}", quote(&c.description)));
    }
    if c.architecture != l.architecture.unwrap_or_default() {
        line(format!("architecture: {}", c.architecture.as_api_str()));
    }
    if c.memory_mb != l.memory.unwrap_or(DEFAULT_MEMORY_MB) {
        line(format!("memory: {}", c.memory_mb));
    }
    if c.timeout_s != l.timeout.unwrap_or(DEFAULT_TIMEOUT_S) {
        line(format!("timeout: {}s", c.timeout_s));
    }
    if c.ephemeral_storage_mb != l.ephemeral_storage.unwrap_or(DEFAULT_EPHEMERAL_STORAGE_MB) {
        line(format!("ephemeral_storage: {}", c.ephemeral_storage_mb));
    }
    if c.tracing == "Active" {
        line("tracing: active".to_owned());
    }
    if c.snap_start == "PublishedVersions" {
        line("snap_start: published_versions".to_owned());
    }
    if let Some(arn) = &c.kms_key {
        line(format!("kms_key: {}", quote(arn)));
    }
    if let Some(arn) = &c.dead_letter {
        line(format!("dead_letter: {}", quote(arn)));
    }
    if let Some(n) = f.info.reserved_concurrency {
        line(format!("reserved_concurrency: {n}"));
    }
    for text in structured_lines(c, &f.info.name, is_image) {
        line(text);
    }
    if !c.layers.is_empty() && !is_image {
        line("layers:".to_owned());
        for arn in &c.layers {
            line(format!("  - {}", quote(arn)));
        }
    }
    // The artifact: what the plan compares with the live CodeSha256 or image digest.
    line("artifact:".to_owned());
    if is_image {
        let uri = f
            .info
            .resolved_image_uri
            .as_ref()
            .filter(|u| u.contains("@sha256:"))
            .or(f.info.image_uri.as_ref())
            .cloned()
            .unwrap_or_default();
        line(format!("  image: {}", quote(&uri)));
    } else if let Some(path) = opts
        .downloaded
        .get(&(f.region.clone(), f.info.name.clone()))
    {
        line(format!("  zip: {}", quote(path)));
    } else if let Some(bucket) = &opts.code_bucket {
        line("  s3:".to_owned());
        line(format!("    bucket: {}", quote(bucket)));
        line(format!(
            "    key: {}",
            quote(&format!("{}{key}.zip", opts.code_prefix))
        ));
        line(format!("    sha256: {}", quote(&f.info.code_sha256)));
    }
    if !c.environment.is_empty() {
        line("environment:".to_owned());
        for (k, v) in &c.environment {
            if looks_sensitive(k, v) {
                let variable = variable_name(key, k);
                line(format!("  {k}: {{ from_env: {variable} }}"));
                secrets.push(SecretVar {
                    function: key.to_owned(),
                    key: k.clone(),
                    variable,
                });
            } else {
                line(format!("  {k}: {}", quote(v)));
            }
        }
    }
    let tags: Vec<(&String, &String)> = f
        .info
        .tags
        .iter()
        .filter(|(k, _)| !k.starts_with(RESERVED_TAG_PREFIX) && !k.starts_with("aws:"))
        .collect();
    if !tags.is_empty() {
        line("tags:".to_owned());
        for (k, v) in tags {
            line(format!("  {}: {}", quote(k), quote(v)));
        }
    }
}

/// `vpc`, `logging`, `file_systems` and `image_config` lines (relative to the function's
/// indentation), each only where the live value differs from Lambda's default, so an
/// imported function that has none of them leaves them unmanaged.
fn structured_lines(c: &FunctionConfig, name: &str, is_image: bool) -> Vec<String> {
    let list = |items: &[String]| {
        let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
        format!("[{}]", quoted.join(", "))
    };
    let mut out = Vec::new();
    if let Some(vpc) = c.vpc.as_ref().filter(|v| v.is_attached()) {
        out.push("vpc:".to_owned());
        out.push(format!("  subnets: {}", list(&vpc.subnets)));
        out.push(format!("  security_groups: {}", list(&vpc.security_groups)));
        if vpc.ipv6 {
            out.push("  ipv6: true".to_owned());
        }
    }
    if let Some(logging) = &c.logging {
        let live = logging.clone().normalized(name);
        let default = LoggingConfig::lambda_default(name);
        if live != default {
            out.push("logging:".to_owned());
            let format = if live.format == LOG_FORMAT_TEXT {
                "text"
            } else {
                "json"
            };
            out.push(format!("  format: {format}"));
            if live.log_group != default.log_group {
                out.push(format!("  log_group: {}", quote(&live.log_group)));
            }
            for (key, level) in [
                ("application_level", &live.application_level),
                ("system_level", &live.system_level),
            ] {
                if let Some(level) = level {
                    out.push(format!("  {key}: {}", level.to_ascii_lowercase()));
                }
            }
        }
    }
    if let Some(fs) = c.file_systems.as_ref().filter(|f| !f.is_empty()) {
        out.push("file_systems:".to_owned());
        for f in fs {
            out.push(format!("  - arn: {}", quote(&f.arn)));
            out.push(format!("    mount: {}", quote(&f.mount)));
        }
    }
    if let Some(ic) = c.image_config.as_ref().filter(|_| is_image) {
        let mut members = Vec::new();
        if !ic.command.is_empty() {
            members.push(format!("command: {}", list(&ic.command)));
        }
        if !ic.entry_point.is_empty() {
            members.push(format!("entry_point: {}", list(&ic.entry_point)));
        }
        if let Some(dir) = &ic.working_directory {
            members.push(format!("working_directory: {}", quote(dir)));
        }
        if !members.is_empty() {
            out.push(format!("image_config: {{ {} }}", members.join(", ")));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use std::collections::BTreeMap;

    use flotilla_cloud::lambda::{FunctionConfig, FunctionInfo, PackageType};

    use super::{Found, ImportError, WriteOptions, write_manifest};

    fn info(name: &str, memory: u32, env: &[(&str, &str)]) -> FunctionInfo {
        FunctionInfo {
            name: name.to_owned(),
            config: FunctionConfig {
                role: "arn:aws:iam::111111111111:role/r".to_owned(),
                runtime: Some("python3.12".to_owned()),
                handler: Some("app.handler".to_owned()),
                memory_mb: memory,
                timeout_s: 3,
                ephemeral_storage_mb: 512,
                environment: env
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                package_type: PackageType::Zip,
                ..FunctionConfig::default()
            },
            arn: format!("arn:aws:lambda:eu-north-1:111111111111:function:{name}"),
            state: None,
            state_reason: None,
            state_reason_code: None,
            last_update_status: None,
            last_update_status_reason: None,
            last_update_status_reason_code: None,
            revision_id: None,
            code_sha256: format!("sha-{name}"),
            code_size: 1,
            version: "$LATEST".to_owned(),
            last_modified: String::new(),
            image_uri: None,
            resolved_image_uri: None,
            tags: BTreeMap::new(),
            code_location: None,
            reserved_concurrency: None,
        }
    }

    fn opts() -> WriteOptions {
        WriteOptions {
            code_bucket: Some("b".to_owned()),
            schema_url: "https://example.com/s.json".to_owned(),
            ..WriteOptions::default()
        }
    }

    #[test]
    fn shared_values_are_lifted_and_differences_stay_on_the_function() {
        let found = [
            Found::new("eu-north-1", info("a", 256, &[("MSG", "cost ${x}")])),
            Found::new("eu-north-1", info("b", 256, &[("API_TOKEN", "t0ps3cret")])),
            Found::new("eu-north-1", info("c", 1024, &[])),
        ];
        let out = write_manifest(&found, &opts()).unwrap();
        assert!(out.yaml.contains("defaults:\n  region: \"eu-north-1\"\n  role: \"arn:aws:iam::111111111111:role/r\"\n  runtime: \"python3.12\"\n  handler: \"app.handler\"\n  memory: 256\n  timeout: 3s\n  ephemeral_storage: 512\n"), "{}", out.yaml);
        assert!(
            out.yaml.contains("  c:\n    memory: 1024\n"),
            "{}",
            out.yaml
        );
        assert!(out.yaml.contains("MSG: \"cost $${x}\""), "{}", out.yaml);
        assert!(
            out.yaml.contains("API_TOKEN: { from_env: B_API_TOKEN }"),
            "{}",
            out.yaml
        );
        assert!(!out.yaml.contains("t0ps3cret"));
        assert_eq!(out.secrets.len(), 1);
        assert_eq!(out.unowned, ["a", "b", "c"]);
    }

    #[test]
    fn zips_without_a_code_location_are_refused() {
        let found = [Found::new("eu-north-1", info("a", 128, &[]))];
        let err = write_manifest(&found, &WriteOptions::default()).unwrap_err();
        assert!(matches!(err, ImportError::NoCodeLocation { count: 1, .. }));
    }
}
