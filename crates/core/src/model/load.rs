//! `load`: read a manifest file and validate it into a [`Model`] for one environment.
//!
//! The only I/O here is reading the manifest and checking that artifact paths exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::manifest::node::Pos;
use crate::manifest::raw::RawManifest;
use crate::manifest::{self, Problem};

use super::Model;
use super::error::{ErrorKind, ManifestError};
use super::validate::{Input, Validator};

/// Reads a variable of the process environment (tests substitute their own).
pub type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// How to load a manifest.
pub struct LoadOptions {
    /// The environment (deployment target) chosen with `--env`.
    pub environment: Option<String>,
    /// Reads process environment variables for `${env:VAR}`, `from_env` and the
    /// `AWS_REGION` fallback.
    pub env_lookup: EnvLookup,
    /// For `validate` only: accept `from_env` variables that are unset (CI secrets are
    /// often absent where manifests are checked), using an empty value and listing
    /// them in [`Checked::unset_from_env`]. Never set this for plan or apply.
    pub lenient_from_env: bool,
}

impl Default for LoadOptions {
    /// No environment; variables read from the real process environment.
    fn default() -> Self {
        Self {
            environment: None,
            env_lookup: Box::new(|k| std::env::var(k).ok()),
            lenient_from_env: false,
        }
    }
}

impl LoadOptions {
    /// Options for `environment`, reading the real process environment.
    pub fn for_environment(environment: Option<&str>) -> Self {
        Self {
            environment: environment.map(str::to_owned),
            ..Self::default()
        }
    }

    /// Options reading variables from `vars` only (for tests and reproducible runs).
    pub fn with_vars(environment: Option<&str>, vars: BTreeMap<String, String>) -> Self {
        Self {
            environment: environment.map(str::to_owned),
            env_lookup: Box::new(move |k| vars.get(k).cloned()),
            lenient_from_env: false,
        }
    }
}

/// A validated manifest plus what `validate` reports besides problems.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The fleet.
    pub model: Model,
    /// `from_env` variables that were unset (with [`LoadOptions::lenient_from_env`]).
    pub unset_from_env: Vec<String>,
    /// Warnings: allowed, but probably not meant (line, message and help).
    pub warnings: Vec<String>,
}

/// A manifest read from disk, not yet validated for an environment.
pub struct Source {
    path: PathBuf,
    dir: PathBuf,
    text: String,
    digest: String,
    raw: Option<RawManifest>,
    problems: Vec<Problem>,
}

impl Source {
    /// Reads and parses `path`. Problems of shape are kept for [`Source::validate`].
    pub fn read(path: &Path) -> Result<Self, ManifestError> {
        let whole_file = |message: String, help: &str| {
            ManifestError::new(
                path,
                None,
                ErrorKind::Invalid,
                vec![Problem::new(Pos::START, message, "here").help(help)],
            )
        };
        let meta = std::fs::metadata(path).map_err(|e| {
            whole_file(
                format!("cannot read manifest `{}`: {e}", path.display()),
                "check the path given with `-f` (default: deploy.yaml)",
            )
        })?;
        if meta.is_dir() {
            return Err(whole_file(
                format!("`{}` is a directory, not a manifest file", path.display()),
                "pass the YAML file itself, e.g. `-f deploy.yaml`",
            ));
        }
        // A FIFO with no writer blocks the open forever and a device such as /dev/zero
        // never ends: only a regular file is a manifest.
        if !meta.is_file() {
            return Err(whole_file(
                format!(
                    "`{}` is not a regular file (a pipe, socket or device), so it is not read as a manifest",
                    path.display()
                ),
                "pass the YAML file itself, e.g. `-f deploy.yaml`",
            ));
        }
        if meta.len() > manifest::MAX_MANIFEST_BYTES as u64 {
            return Err(whole_file(
                format!(
                    "manifest `{}` is {} bytes, more than the {} bytes Flotilla reads",
                    path.display(),
                    meta.len(),
                    manifest::MAX_MANIFEST_BYTES
                ),
                "split the fleet into several manifests, or check that this is the right file",
            ));
        }
        let bytes = crate::read_at_most(path, manifest::MAX_MANIFEST_BYTES).map_err(|e| {
            whole_file(
                format!("cannot read manifest `{}`: {e}", path.display()),
                "check the file's permissions",
            )
        })?;
        // The file grew between the size check and the read.
        if bytes.len() > manifest::MAX_MANIFEST_BYTES {
            return Err(whole_file(
                format!(
                    "manifest `{}` is more than the {} bytes Flotilla reads",
                    path.display(),
                    manifest::MAX_MANIFEST_BYTES
                ),
                "split the fleet into several manifests, or check that this is the right file",
            ));
        }
        let digest = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut problems = Vec::new();
        let (text, raw) = manifest::parse(&bytes, &mut problems);
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let dir = absolute
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_owned);
        Ok(Self {
            path: path.to_owned(),
            dir,
            text,
            digest,
            raw,
            problems,
        })
    }

    /// Names of the manifest's environments, in manifest order.
    pub fn environments(&self) -> Vec<String> {
        self.raw
            .as_ref()
            .and_then(|r| r.environments.as_ref())
            .map(|e| e.0.iter().map(|(k, _)| k.value.clone()).collect())
            .unwrap_or_default()
    }

    /// Functions of different environments (`models`, one per environment, validated
    /// from this manifest) that resolve to the same name in the same account and region:
    /// deploying one environment would take the other's function over. "The same
    /// account" is the same `account`, or none in both (the credentials' own); an
    /// account set in one environment only may or may not be the same, so it is not
    /// reported. `None` when there is no collision.
    pub fn collisions(&self, models: &[Model]) -> Option<ManifestError> {
        let raw = self.raw.as_ref()?;
        let name_pos = |key: &str| {
            raw.functions
                .as_ref()
                .and_then(|fs| fs.0.iter().find(|(k, _)| k.value == key))
                .map_or(Pos::START, |(k, f)| {
                    f.name.as_ref().map_or(k.pos, |n| n.pos)
                })
        };
        let env_pos = |env: &str| {
            raw.environments
                .as_ref()
                .and_then(|es| es.0.iter().find(|(k, _)| k.value == env))
                .map_or(Pos::START, |(k, _)| k.pos)
        };
        type Slot<'m> = (Option<&'m str>, &'m str, &'m str);
        let mut first: BTreeMap<Slot<'_>, (&str, &str)> = BTreeMap::new();
        let mut problems = Vec::new();
        let mut reported = BTreeSet::new();
        for m in models {
            let Some(env) = m.environment.as_deref() else {
                continue;
            };
            for f in &m.functions {
                let slot = (
                    f.account.as_ref().map(super::AccountId::as_str),
                    f.region.as_str(),
                    f.name.as_str(),
                );
                match first.get(&slot) {
                    Some((other_env, other_key)) if *other_env != env => {
                        if !reported.insert((
                            f.key.0.clone(),
                            (*other_key).to_owned(),
                            slot.2.to_owned(),
                        )) {
                            continue;
                        }
                        let account = slot.0.unwrap_or("the credentials' account");
                        let message = format!(
                            "environments `{other_env}` and `{env}` both deploy function `{}` as `{}` in {account}, {}: each would take the function over from the other",
                            f.key, f.name, f.region
                        );
                        let mut p = Problem::new(name_pos(&f.key.0), message, "same name in both environments")
                            .help("add `${stage}` to the name (e.g. `name: api-${stage}`), or give the environments different accounts or regions");
                        if *other_key != f.key.0 {
                            p = p.also(
                                name_pos(other_key),
                                format!("`{other_key}` in `{other_env}`"),
                            );
                        }
                        p = p.also(env_pos(env), format!("environment `{env}`"));
                        problems.push(p);
                    }
                    Some(_) => {}
                    None => {
                        first.insert(slot, (env, f.key.0.as_str()));
                    }
                }
            }
        }
        (!problems.is_empty()).then(|| self.error(ErrorKind::Invalid, problems))
    }

    fn error(&self, kind: ErrorKind, problems: Vec<Problem>) -> ManifestError {
        let text = super::redact::redact(&self.text, self.raw.as_ref());
        ManifestError::new(&self.path, Some(&text), kind, problems)
    }

    /// Validates for one environment. Unknown or missing `--env` is a usage error.
    pub fn validate(&self, opts: &LoadOptions) -> Result<Model, ManifestError> {
        self.check(opts).map(|c| c.model)
    }

    /// Like [`Source::validate`], also returning the unset `from_env` variables.
    pub fn check(&self, opts: &LoadOptions) -> Result<Checked, ManifestError> {
        let envs = self.environments();
        let envs_pos = self
            .raw
            .as_ref()
            .and_then(|r| r.key_positions.get("environments").copied())
            .unwrap_or(Pos::START);
        let shape_ok = self.problems.is_empty();
        if shape_ok {
            match &opts.environment {
                Some(name) if !envs.contains(name) => {
                    let mut p = Problem::new(
                        envs_pos,
                        format!("unknown environment `{name}`"),
                        "environments are defined here",
                    );
                    p = match (
                        manifest::suggest(name, envs.iter().map(String::as_str)),
                        envs.is_empty(),
                    ) {
                        (_, true) => {
                            p.help("this manifest defines no `environments`; run without `--env`")
                        }
                        (Some(s), _) => p.help(format!(
                            "did you mean `{s}`? (environments: {})",
                            envs.join(", ")
                        )),
                        (None, _) => p.help(format!("environments: {}", envs.join(", "))),
                    };
                    return Err(self.error(ErrorKind::Usage, vec![p]));
                }
                None if !envs.is_empty() => {
                    let p = Problem::new(
                        envs_pos,
                        format!(
                            "this manifest defines environments; choose one with `--env` ({})",
                            envs.join(", ")
                        ),
                        "environments are defined here",
                    )
                    .help(format!("e.g. `--env {}`", envs[0]));
                    return Err(self.error(ErrorKind::Usage, vec![p]));
                }
                _ => {}
            }
        }
        let mut problems = self.problems.clone();
        let Some(raw) = &self.raw else {
            return Err(self.error(ErrorKind::Invalid, problems));
        };
        let environment = opts
            .environment
            .as_deref()
            .filter(|e| envs.iter().any(|n| n == e));
        let mut validator = Validator {
            input: Input {
                environment,
                env: &*opts.env_lookup,
                manifest_dir: &self.dir,
                lenient_from_env: opts.lenient_from_env,
            },
            raw,
            problems: &mut problems,
            vars: BTreeMap::new(),
            unset_from_env: BTreeSet::new(),
            warnings: Vec::new(),
        };
        let validated = validator.run();
        let unset_from_env = validator.unset_from_env.into_iter().collect();
        let warnings = validator
            .warnings
            .iter()
            .map(|w| {
                let help = w
                    .help
                    .as_deref()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                format!("line {}: {}{help}", w.line(), w.message)
            })
            .collect();
        suppress_consequences(&mut problems, self.problems.len());
        match validated {
            Some(v) if problems.is_empty() => Ok(Checked {
                model: Model {
                    manifest_path: self.path.clone(),
                    manifest_dir: self.dir.clone(),
                    manifest_digest: self.digest.clone(),
                    environment: environment.map(str::to_owned),
                    limits: v.limits,
                    functions: v.functions,
                    ownership: super::Ownership::new(
                        v.project
                            .unwrap_or_else(|| super::default_identity(&self.path)),
                        environment,
                    ),
                },
                unset_from_env,
                warnings,
            }),
            _ => Err(self.error(ErrorKind::Invalid, problems)),
        }
    }
}

/// Drops the problems that only follow from an earlier one, so the root cause is not
/// buried: an `account` or `region` that could not be read (an unquoted account id is a
/// number to YAML) leaves every `${account}` / `${region}` using it unresolved, and
/// those problems say "no account is known here", which is wrong and misleading. The
/// first `shape` problems are the reader's; the rest are the validator's.
fn suppress_consequences(problems: &mut Vec<Problem>, shape: usize) {
    use crate::manifest::interpolate::InterpolationError;
    let unreadable = |key: &str| {
        problems[..shape.min(problems.len())].iter().any(|p| {
            p.message
                .strip_prefix('`')
                .and_then(|m| m.split('`').next())
                .is_some_and(|path| path.rsplit('.').next() == Some(key))
        })
    };
    let mut consequences = Vec::new();
    if unreadable("account") {
        consequences.push(InterpolationError::NoAccount.to_string());
    }
    if unreadable("region") {
        consequences.push(InterpolationError::NoRegion.to_string());
    }
    if consequences.is_empty() {
        return;
    }
    let mut i = 0;
    problems.retain(|p| {
        i += 1;
        i <= shape || !consequences.iter().any(|c| p.message.contains(c.as_str()))
    });
}

/// Reads and validates the manifest at `path` for the environment in `opts`.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Model, ManifestError> {
    Source::read(path)?.validate(opts)
}
