//! The step of `code_signing_config`: PutFunctionCodeSigningConfig or
//! DeleteFunctionCodeSigningConfig, first among an existing function's steps because
//! Lambda checks the signature of the code at UpdateFunctionCode against the
//! configuration in place. A new function is created with it (CreateFunction's
//! `CodeSigningConfigArn`). Pure.

use crate::model::Function;
use crate::model::around_async::Managed;
use crate::observe::LiveFunction;

use super::types::Step;

/// The ARN CreateFunction carries, when the manifest sets one.
pub(crate) fn create_arn(f: &Function) -> Option<String> {
    match &f.code_signing {
        Some(Managed::Set(arn)) => Some(arn.clone()),
        _ => None,
    }
}

/// The step that brings an existing function's code signing configuration to the
/// manifest's, if it differs; `None` for a function created by this plan.
pub(crate) fn step(f: &Function, live: &LiveFunction) -> Option<Step> {
    let exists = live.existing().is_some();
    if !exists {
        return None;
    }
    match (f.code_signing.as_ref()?, &live.code_signing) {
        (Managed::Set(arn), have) if have.as_ref() != Some(arn) => {
            Some(Step::PutCodeSigningConfig {
                old: have.clone(),
                arn: arn.clone(),
            })
        }
        (Managed::Remove, Some(old)) => Some(Step::DeleteCodeSigningConfig { old: old.clone() }),
        _ => None,
    }
}

/// Why a saved plan's code signing ARN is not one Lambda takes, if it is not.
pub(crate) fn arn_problem(arn: &str) -> Option<String> {
    (!flotilla_cloud::lambda::is_code_signing_config_arn(arn)).then(|| {
        "set a code signing configuration that is not a code signing configuration ARN".to_owned()
    })
}
