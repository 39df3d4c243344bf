//! Turning a saved plan into `LambdaApi` inputs, for apply.
//!
//! Secrets are resolved here, at apply time, from where the plan says they live
//! (`from_env`): the plan itself never holds them. `lookup` is passed in (usually
//! `|var| std::env::var(var).ok()`) so this stays pure and testable.

use std::collections::BTreeMap;

use crate::lambda::{CodeSource, CreateFunctionInput, FunctionConfig, UpdateConfigInput};
use crate::model::{EnvSource, FunctionKey};

use super::types::{EnvValue, Field, FieldChange, FunctionPlan};

/// A secret the plan references could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ResolveError {
    /// The environment variable a sensitive value comes from is not set.
    #[error(
        "function `{function}`: environment variable `{var}` (for the sensitive value `{key}`) is not set"
    )]
    #[diagnostic(help("export `{var}` in the environment apply runs in"))]
    MissingSecret {
        /// The function.
        function: FunctionKey,
        /// The function's environment key.
        key: String,
        /// The process environment variable.
        var: String,
    },
    /// The manifest wrote a sensitive value inline, so a saved plan cannot carry it.
    #[error(
        "function `{function}`: the sensitive value `{key}` was written inline in the manifest, so a saved plan cannot carry it"
    )]
    #[diagnostic(help(
        "use `{{ from_env: VAR, sensitive: true }}` for `{key}`, or apply without a saved plan"
    ))]
    InlineSecret {
        /// The function.
        function: FunctionKey,
        /// The function's environment key.
        key: String,
    },
}

/// Looks up a process environment variable.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The function's whole environment with secrets read through `lookup`.
pub fn environment(
    fp: &FunctionPlan,
    lookup: Lookup<'_>,
) -> Result<BTreeMap<String, String>, ResolveError> {
    fp.desired
        .environment
        .iter()
        .map(|(key, value)| {
            let resolved = match value {
                EnvValue::Value(v) => v.clone(),
                EnvValue::Sensitive(Some(EnvSource::FromEnv(var))) => {
                    lookup(var).ok_or_else(|| ResolveError::MissingSecret {
                        function: fp.key.clone(),
                        key: key.clone(),
                        var: var.clone(),
                    })?
                }
                EnvValue::Sensitive(None) => {
                    return Err(ResolveError::InlineSecret {
                        function: fp.key.clone(),
                        key: key.clone(),
                    });
                }
            };
            Ok((key.clone(), resolved))
        })
        .collect()
}

/// The desired configuration in the canonical shape, secrets resolved.
pub fn function_config(
    fp: &FunctionPlan,
    lookup: Lookup<'_>,
) -> Result<FunctionConfig, ResolveError> {
    let d = &fp.desired;
    Ok(FunctionConfig {
        name: fp.name.clone(),
        role: d.role.clone(),
        runtime: d.runtime.clone(),
        handler: d.handler.clone(),
        description: d.description.clone(),
        memory_mb: d.memory_mb,
        timeout_s: d.timeout_s,
        ephemeral_storage_mb: d.ephemeral_storage_mb,
        architecture: d.architecture,
        environment: environment(fp, lookup)?,
        layers: d.layers.clone(),
        package_type: d.package_type,
    })
}

/// Input of `CreateFunction` for [`super::Step::CreateFunction`]. Publishing is its own
/// step, so `publish` is false.
pub fn create_function_input(
    fp: &FunctionPlan,
    tags: &BTreeMap<String, String>,
    code: CodeSource,
    lookup: Lookup<'_>,
) -> Result<CreateFunctionInput, ResolveError> {
    Ok(CreateFunctionInput {
        config: function_config(fp, lookup)?,
        code,
        publish: false,
        tags: tags.clone(),
    })
}

/// Input of `UpdateFunctionConfiguration` for [`super::Step::UpdateConfiguration`]:
/// only the changed fields, and the whole environment when any key changed. Code and
/// architecture changes belong to `UpdateCode` and are ignored here.
pub fn update_config_input(
    fp: &FunctionPlan,
    changes: &[FieldChange],
    revision_id: Option<String>,
    lookup: Lookup<'_>,
) -> Result<UpdateConfigInput, ResolveError> {
    let d = &fp.desired;
    let mut input = UpdateConfigInput {
        name: fp.name.clone(),
        revision_id,
        ..UpdateConfigInput::default()
    };
    for change in changes {
        match &change.field {
            Field::Code | Field::Architecture => {}
            Field::Role => input.role = Some(d.role.clone()),
            // Lambda has no "unset" for these; an image function never gets here.
            Field::Runtime => input.runtime = d.runtime.clone(),
            Field::Handler => input.handler = d.handler.clone(),
            Field::Description => input.description = Some(d.description.clone()),
            Field::MemoryMb => input.memory_mb = Some(d.memory_mb),
            Field::TimeoutS => input.timeout_s = Some(d.timeout_s),
            Field::EphemeralStorageMb => input.ephemeral_storage_mb = Some(d.ephemeral_storage_mb),
            Field::Layers => input.layers = Some(d.layers.clone()),
            Field::Environment(_) => {
                if input.environment.is_none() {
                    input.environment = Some(environment(fp, lookup)?);
                }
            }
        }
    }
    Ok(input)
}
