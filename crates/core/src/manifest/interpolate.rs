//! `${...}` interpolation in manifest strings.
//!
//! | form | value |
//! |---|---|
//! | `${stage}` | the environment chosen with `--env` |
//! | `${account}`, `${region}` | the function's resolved account and region |
//! | `${var:NAME}` | `variables.NAME` of the chosen environment |
//! | `${env:VAR}`, `${env:VAR:-default}` | a variable of the process Flotilla runs in |
//!
//! `${layer:NAME}` is not interpolation: it is a whole entry of `layers`, looked up at
//! plan time (see `model::LayerRef`); anywhere else it is refused with a hint.
//!
//! `$${` writes a literal `${`.

use std::collections::BTreeMap;

/// What interpolation may refer to.
pub struct Context<'a> {
    /// The chosen environment's name.
    pub stage: Option<&'a str>,
    /// The resolved account, when known.
    pub account: Option<&'a str>,
    /// The resolved region, when known.
    pub region: Option<&'a str>,
    /// The chosen environment's `variables`.
    pub vars: &'a BTreeMap<String, String>,
    /// Reads a variable of the process environment.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Why a string could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    /// `${` without a closing `}`.
    #[error("`${{` is not closed with `}}`")]
    Unterminated,
    /// `${something}` Flotilla does not know.
    #[error("unknown interpolation `${{{0}}}`")]
    Unknown(String),
    /// `${env:VAR}` with `VAR` unset and no default.
    #[error("environment variable `{0}` is not set and `${{env:{0}}}` has no default")]
    EnvUnset(String),
    /// `${var:NAME}` not defined by the environment.
    #[error("`${{var:{0}}}` is not defined in the chosen environment's `variables`")]
    VarUnset(String),
    /// `${stage}` without an environment.
    #[error("`${{stage}}` needs an environment, but none was chosen")]
    NoStage,
    /// `${account}` where no account is set (or inside `account` itself).
    #[error("`${{account}}` is used but no account is known here")]
    NoAccount,
    /// `${region}` where no region is known (or inside `region` itself).
    #[error("`${{region}}` is used but no region is known here")]
    NoRegion,
    /// `${layer:...}` anywhere but as a whole entry of `layers`.
    #[error("`${{{0}}}` can only be a whole entry of `layers`")]
    LayerNotHere(String),
}

impl InterpolationError {
    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            Self::Unterminated => "close it with `}`, or write `$${` for a literal `${`".into(),
            Self::Unknown(_) => "known forms: ${stage}, ${account}, ${region}, ${var:NAME}, ${env:VAR}, ${env:VAR:-default}".into(),
            Self::EnvUnset(v) => format!("set {v} in the environment, or give a default: ${{env:{v}:-value}}"),
            Self::VarUnset(v) => format!("add `{v}` under `variables:` of the environment"),
            Self::NoStage => "pass `--env NAME` (one of the manifest's `environments`)".into(),
            Self::NoAccount => "set `account:` on the environment, in `defaults` or on the function".into(),
            Self::NoRegion => "set `region:` on the environment, in `defaults` or on the function".into(),
            Self::LayerNotHere(_) => "list it on its own under `layers:`, e.g. `layers: [\"${layer:NAME}\"]`; it is replaced by the ARN of the layer's latest version when planning".into(),
        }
    }
}

/// Expands every `${...}` in `text`.
pub fn interpolate(text: &str, ctx: &Context<'_>) -> Result<String, InterpolationError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let end = after.find('}').ok_or(InterpolationError::Unterminated)?;
            out.push_str(&resolve(&after[..end], ctx)?);
            rest = &after[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn resolve(expr: &str, ctx: &Context<'_>) -> Result<String, InterpolationError> {
    let expr = expr.trim();
    match expr {
        "stage" => {
            return ctx
                .stage
                .map(str::to_owned)
                .ok_or(InterpolationError::NoStage);
        }
        "account" => {
            return ctx
                .account
                .map(str::to_owned)
                .ok_or(InterpolationError::NoAccount);
        }
        "region" => {
            return ctx
                .region
                .map(str::to_owned)
                .ok_or(InterpolationError::NoRegion);
        }
        _ => {}
    }
    if let Some(name) = expr.strip_prefix("var:") {
        return ctx
            .vars
            .get(name)
            .cloned()
            .ok_or_else(|| InterpolationError::VarUnset(name.to_owned()));
    }
    if let Some(spec) = expr.strip_prefix("env:") {
        let (name, default) = match spec.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (spec, None),
        };
        if name.is_empty() {
            return Err(InterpolationError::Unknown(expr.to_owned()));
        }
        return match (ctx.env)(name) {
            Some(v) => Ok(v),
            None => default
                .map(str::to_owned)
                .ok_or_else(|| InterpolationError::EnvUnset(name.to_owned())),
        };
    }
    if expr.starts_with("layer:") {
        return Err(InterpolationError::LayerNotHere(expr.to_owned()));
    }
    Err(InterpolationError::Unknown(expr.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(
        vars: &'a BTreeMap<String, String>,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Context<'a> {
        Context {
            stage: Some("prod"),
            account: Some("111111111111"),
            region: None,
            vars,
            env,
        }
    }

    #[test]
    fn expands_every_form() {
        let vars = BTreeMap::from([("TEAM".to_owned(), "pay".to_owned())]);
        let env = |k: &str| (k == "TOKEN").then(|| "t0k".to_owned());
        let c = ctx(&vars, &env);
        assert_eq!(
            interpolate(
                "${stage}-${account}-${var:TEAM}-${env:TOKEN}-${env:NOPE:-d}-$${x}-$5",
                &c
            ),
            Ok("prod-111111111111-pay-t0k-d-${x}-$5".to_owned())
        );
    }

    #[test]
    fn reports_what_is_missing() {
        let vars = BTreeMap::new();
        let env = |_: &str| None;
        let c = ctx(&vars, &env);
        assert_eq!(
            interpolate("${region}", &c),
            Err(InterpolationError::NoRegion)
        );
        assert_eq!(
            interpolate("${env:X}", &c),
            Err(InterpolationError::EnvUnset("X".into()))
        );
        assert_eq!(
            interpolate("${var:X}", &c),
            Err(InterpolationError::VarUnset("X".into()))
        );
        assert_eq!(
            interpolate("${bogus}", &c),
            Err(InterpolationError::Unknown("bogus".into()))
        );
        assert_eq!(
            interpolate("a${stage", &c),
            Err(InterpolationError::Unterminated)
        );
    }
}
