//! Checks of a function's environment variables and layers.

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::Problem;
use crate::manifest::interpolate::Context;
use crate::manifest::raw::{RawEnvValue, Sp};

use super::EnvSource;
use super::layers::Layers;
use super::validate::{EnvOut, Validator};

/// Lambda's limit on the environment: keys and values together, in bytes.
pub const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// Lambda's limit on layers per function.
pub const MAX_LAYERS: usize = 5;

/// Whether Lambda reserves `key` for the runtime.
pub fn is_reserved_env_key(key: &str) -> bool {
    const RESERVED: &[&str] = &[
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_XRAY_CONTEXT_MISSING",
        "AWS_XRAY_DAEMON_ADDRESS",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
    ];
    RESERVED.contains(&key) || key.starts_with("AWS_LAMBDA_")
}

pub(crate) fn valid_env_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    key.len() >= 2
        && bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl<'a> Validator<'a> {
    /// The merged, interpolated environment and the keys whose values are secret.
    pub(crate) fn environment(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        key: &Sp<String>,
        path: &str,
    ) -> EnvOut {
        let mut out = BTreeMap::new();
        let mut sensitive = BTreeSet::new();
        let mut sources = BTreeMap::new();
        let mut ok = true;
        let mut size = 0;
        for (k, v) in layers.merge(|s| s.environment.as_ref()) {
            let name = &k.value;
            let var_path = format!("{path}.{name}");
            if !valid_env_key(name) {
                self.push(
                    Problem::new(k.pos, format!("environment variable name `{name}` is not allowed"), "invalid name")
                        .help("Lambda wants a letter first, then at least one letter, digit or `_` ([a-zA-Z][a-zA-Z0-9_]+)"),
                );
                ok = false;
            } else if is_reserved_env_key(name) {
                self.push(
                    Problem::new(k.pos, format!("environment variable `{name}` is reserved by Lambda"), "reserved key")
                        .help("Lambda sets AWS_REGION, AWS_LAMBDA_*, _HANDLER, LAMBDA_TASK_ROOT, TZ and similar itself; rename the variable"),
                );
                ok = false;
            }
            let (value, secret, source) = match &v.value {
                RawEnvValue::Plain(s) => (
                    self.text(&Sp::new(s.0.clone(), v.pos), ctx, &var_path),
                    false,
                    None,
                ),
                RawEnvValue::Spec(spec) => {
                    let secret = spec
                        .sensitive
                        .as_ref()
                        .map_or(spec.from_env.is_some(), |s| s.value);
                    let value = if let Some(from) = &spec.from_env {
                        let mut got = (ctx.env)(&from.value);
                        if got.is_none() && self.input.lenient_from_env {
                            self.unset_from_env.insert(from.value.clone());
                            got = Some(String::new());
                        } else if got.is_none() {
                            self.push(
                                Problem::new(from.pos, format!("`{var_path}` reads `{}` from the environment, which is not set", from.value), "variable not set")
                                    .help(format!("export {} before running Flotilla (in CI: add it to the job's secrets)", from.value)),
                            );
                        }
                        got
                    } else {
                        spec.value.as_ref().and_then(|s| {
                            self.text(&Sp::new(s.value.0.clone(), s.pos), ctx, &var_path)
                        })
                    };
                    let source = spec
                        .from_env
                        .as_ref()
                        .map(|from| EnvSource::FromEnv(from.value.clone()));
                    (value, secret, source)
                }
            };
            let Some(value) = value else {
                ok = false;
                continue;
            };
            size += name.len() + value.len();
            if secret {
                sensitive.insert(name.clone());
                if let Some(source) = source {
                    sources.insert(name.clone(), source);
                }
            }
            out.insert(name.clone(), value);
        }
        if size > MAX_ENVIRONMENT_BYTES {
            let pos = [Some(layers.function), layers.environment, layers.defaults]
                .into_iter()
                .flatten()
                .find_map(|s| s.environment.as_ref()?.0.first().map(|(k, _)| k.pos))
                .unwrap_or(key.pos);
            self.push(
                Problem::new(pos, format!("`{path}` is {size} bytes; Lambda allows {MAX_ENVIRONMENT_BYTES} bytes of keys and values in all"), "environment too large")
                    .help("move large values to SSM Parameter Store or Secrets Manager and read them at start-up"),
            );
            ok = false;
        }
        (ok.then_some(out), sensitive, sources)
    }

    /// The winning layer list, interpolated and counted.
    /// Image functions cannot use layers: inherited ones are dropped, their own refused.
    pub(crate) fn layer_list(
        &mut self,
        layers: &Layers<'a>,
        ctx: &Context<'_>,
        path: &str,
        is_image: bool,
    ) -> Option<Vec<String>> {
        if is_image {
            if let Some(own) = layers
                .function
                .layers
                .as_ref()
                .filter(|l| !l.value.is_empty())
            {
                self.push(
                    Problem::new(
                        own.pos,
                        format!("`{path}`: container image functions cannot use layers"),
                        "layers with an image",
                    )
                    .help("copy the layer's content into the image instead"),
                );
                return None;
            }
            return Some(Vec::new());
        }
        let Some(list) = layers.pick(|s| s.layers.as_ref()) else {
            return Some(Vec::new());
        };
        if list.value.len() > MAX_LAYERS {
            self.push(
                Problem::new(
                    list.pos,
                    format!(
                        "`{path}` lists {} layers; Lambda allows at most {MAX_LAYERS}",
                        list.value.len()
                    ),
                    "too many layers",
                )
                .help("merge layers, or move dependencies into the function's package"),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (i, l) in list.value.iter().enumerate() {
            let entry_path = format!("{path}[{i}]");
            // A by-name reference stays as written; `deploy` looks it up before planning.
            match super::layer_ref::parse_named(&l.value) {
                Some(Ok(r)) => out.push(r.to_entry()),
                Some(Err(why)) => {
                    self.push(
                        Problem::new(l.pos, format!("`{entry_path}`: {why}"), "bad layer reference")
                            .help("write `${layer:NAME}` for the latest version of layer NAME in the function's account and region, or `${layer:NAME:VERSION}` for one version"),
                    );
                    ok = false;
                }
                None => match self.text(l, ctx, &entry_path) {
                    Some(v) => out.push(v),
                    None => ok = false,
                },
            }
        }
        ok.then_some(out)
    }
}
