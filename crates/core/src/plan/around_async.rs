//! The steps of the resources around a function (`async`): each section the manifest
//! has is compared with the live resource, Lambda's defaults filled on both sides, and
//! changed by its own call after the function's other steps. Pure.

use crate::model::Function;
use crate::model::around_async::Managed;
use crate::observe::LiveFunction;

use super::types::{Action, Step};

/// Appends the steps of the resources around `f` to its steps; a function with no other
/// change becomes an update when one of them differs.
pub(crate) fn add_around_steps(
    f: &Function,
    live: &LiveFunction,
    action: &mut Action,
    steps: &mut Vec<Step>,
) {
    // A function created (or created again) has none of these resources yet.
    let exists = live.existing().is_some();
    let mut added = Vec::new();
    if let Some(wanted) = &f.around_async.event_invoke {
        let have = live
            .around_async
            .event_invoke
            .as_ref()
            .filter(|_| exists)
            .map(|c| c.filled());
        match (wanted, have) {
            (Managed::Set(config), have) if have.as_ref() != Some(&config.filled()) => {
                added.push(Step::PutEventInvokeConfig {
                    old: have,
                    config: config.filled(),
                });
            }
            (Managed::Remove, Some(old)) => added.push(Step::DeleteEventInvokeConfig { old }),
            _ => {}
        }
    }
    if let Some(wanted) = f.around_async.recursion {
        // A new function, or one whose setting was not read, has Lambda's default.
        let have = live
            .around_async
            .recursion
            .filter(|_| exists)
            .unwrap_or_default();
        if have != wanted {
            added.push(Step::PutRecursionConfig {
                old: have,
                recursion: wanted,
            });
        }
    }
    if let Some(wanted) = &f.around_async.runtime_management {
        let have = live
            .around_async
            .runtime_management
            .clone()
            .filter(|_| exists)
            .unwrap_or_default();
        // Lambda reports the version in use for every mode; only `manual` names one.
        let same = have.update_on == wanted.update_on
            && (wanted.update_on != flotilla_cloud::lambda::UpdateRuntimeOn::Manual
                || have.runtime_version_arn == wanted.runtime_version_arn);
        if !same {
            added.push(Step::PutRuntimeManagementConfig {
                old: have,
                config: wanted.clone(),
            });
        }
    }
    if !added.is_empty() && *action == Action::NoChange {
        *action = Action::Update;
    }
    steps.extend(added);
}

/// Why a saved plan's event invoke configuration is not one Lambda takes, if it is not.
pub(crate) fn config_problem(c: &flotilla_cloud::lambda::EventInvokeConfig) -> Option<String> {
    use flotilla_cloud::lambda::{
        DEFAULT_ASYNC_MAX_AGE_SECS, DestinationKind, MAX_ASYNC_RETRIES, MIN_ASYNC_MAX_AGE_SECS,
        destination_problem,
    };
    if c.retries.is_some_and(|r| r > MAX_ASYNC_RETRIES) {
        return Some("set async retries above 2".to_owned());
    }
    if c.max_age_secs
        .is_some_and(|a| !(MIN_ASYNC_MAX_AGE_SECS..=DEFAULT_ASYNC_MAX_AGE_SECS).contains(&a))
    {
        return Some("set an async max age outside 60s–6h".to_owned());
    }
    let ends = [
        (&c.on_success, DestinationKind::OnSuccess, "on_success"),
        (&c.on_failure, DestinationKind::OnFailure, "on_failure"),
    ];
    ends.into_iter().find_map(|(arn, kind, name)| {
        let why = destination_problem(arn.as_deref()?, kind)?;
        Some(format!("set an async {name} destination that {why}"))
    })
}
