//! The function URL as observed: GetFunctionUrlConfig on the alias when the function
//! has one, else on the unqualified function; read only when the manifest has `url`.

use flotilla_cloud::lambda::{AliasInfo, ApiOp, FunctionUrlInfo, LambdaApi};

use super::permissions::qualifier;
use super::{ObserveError, Reader};
use crate::model::Function;

/// GetFunctionUrlConfig when the manifest has `url` (404: no URL). An alias that does
/// not exist yet has no URL, so it is not asked.
pub(crate) async fn observe_url(
    f: &Function,
    alias: Option<&AliasInfo>,
    reader: &Reader<'_>,
    api: &dyn LambdaApi,
) -> Result<Option<FunctionUrlInfo>, ObserveError> {
    if f.url.is_none() || (f.alias.is_some() && alias.is_none()) {
        return Ok(None);
    }
    let name = f.name.as_str();
    let q = qualifier(f.alias.as_ref().map(|a| a.as_str()));
    reader
        .call(ApiOp::GetFunctionUrlConfig, || {
            api.get_function_url_config(name, q.as_deref())
        })
        .await
}
