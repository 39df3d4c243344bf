//! `url`: the step that makes the live function URL match the manifest (create,
//! update with every setting, or delete on `url: false`), compared with Lambda's
//! defaults filled on both sides. Pure. Its policy statements are planned with the
//! other permissions (`permissions.rs`).

use flotilla_cloud::lambda::FunctionUrlSettings;

use crate::model::Function;
use crate::model::around_async::Managed;
use crate::observe::LiveFunction;
use crate::observe::permissions::qualifier;

use super::types::{FunctionPlan, Step};

/// The URL's step, if the live URL differs from the manifest's.
pub fn url_steps(f: &Function, live: &LiveFunction) -> Vec<Step> {
    let Some(want) = &f.url else {
        return Vec::new();
    };
    // A function created (or created again) has no URL yet.
    let exists = live.existing().is_some();
    let have = live.url.as_ref().filter(|_| exists).map(|u| &u.settings);
    let q = qualifier(f.alias.as_ref().map(|a| a.as_str()));
    match (want, have) {
        (Managed::Set(config), None) => vec![Step::CreateFunctionUrlConfig {
            qualifier: q,
            config: config.clone(),
        }],
        (Managed::Set(config), Some(old)) if old != config => {
            vec![Step::UpdateFunctionUrlConfig {
                qualifier: q,
                old: old.clone(),
                config: config.clone(),
            }]
        }
        (Managed::Remove, Some(old)) => vec![Step::DeleteFunctionUrlConfig {
            qualifier: q,
            old: old.clone(),
        }],
        _ => Vec::new(),
    }
}

/// Why a saved plan's URL step is not one Lambda takes, if it is not: a qualifier other
/// than the function's alias (Lambda refuses `$LATEST` and versions), or CORS outside
/// Lambda's limits.
pub(crate) fn config_problem(
    f: &FunctionPlan,
    q: Option<&str>,
    config: &FunctionUrlSettings,
) -> Option<String> {
    if q != f.desired.alias.as_deref() {
        return Some(
            "put the function URL on another qualifier than the function's alias".to_owned(),
        );
    }
    config
        .cors
        .problem()
        .map(|why| format!("set function URL CORS whose {why}"))
}
