//! Reads of the resources around a function (`async`), made only for the sections the
//! manifest has: a fleet without them makes no extra call.

use flotilla_cloud::lambda::{
    ApiOp, EventInvokeConfig, LambdaApi, RecursiveLoop, RuntimeManagement,
};

use super::{ObserveError, Reader};
use crate::model::Function;
use crate::model::around_async::Around;

/// The live resources around one function, for the sections the manifest has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveAround {
    /// The event invoke configuration (as Lambda returned it, defaults not filled);
    /// `None`: the function has none, or `async` is absent from the manifest.
    pub event_invoke: Option<EventInvokeConfig>,
    /// The recursive-loop setting, when the manifest has `recursion` (`None`: not read).
    pub recursion: Option<RecursiveLoop>,
    /// The runtime management configuration, when the manifest has `runtime_management`.
    pub runtime_management: Option<RuntimeManagement>,
}

/// GetFunctionEventInvokeConfig when the manifest has `async` (404: none), and
/// GetFunctionRecursionConfig when it has `recursion`.
pub(crate) async fn observe_around(
    f: &Function,
    api: &dyn LambdaApi,
    reader: &Reader<'_>,
) -> Result<LiveAround, ObserveError> {
    let Around {
        event_invoke,
        recursion,
        runtime_management,
    } = &f.around_async;
    let name = f.name.as_str();
    let event_invoke = match event_invoke {
        Some(_) => {
            reader
                .call(ApiOp::GetFunctionEventInvokeConfig, || {
                    api.get_event_invoke_config(name)
                })
                .await?
        }
        None => None,
    };
    let recursion = match recursion {
        Some(_) => {
            reader
                .call(ApiOp::GetFunctionRecursionConfig, || {
                    api.get_recursion_config(name)
                })
                .await?
        }
        None => None,
    };
    let runtime_management = match runtime_management {
        Some(_) => {
            reader
                .call(ApiOp::GetRuntimeManagementConfig, || {
                    api.get_runtime_management_config(name)
                })
                .await?
        }
        None => None,
    };
    Ok(LiveAround {
        event_invoke,
        recursion,
        runtime_management,
    })
}
