//! The layer operations over HTTP (`/2018-10-31/layers/{LayerName}/versions`):
//! PublishLayerVersion (POST) and ListLayerVersions (GET), per botocore's model.

use serde_json::{Value, json};

use super::routes::{LambdaRequest, Reply, page, with_marker};
use crate::state::SimError;
use crate::{PublishLayer, Sim};
use flotilla_cloud::lambda::{ApiOp, LayerVersionInfo};

/// One `LayerVersionsListItem`.
fn list_item(l: &LayerVersionInfo) -> Value {
    json!({
        "LayerVersionArn": l.layer_version_arn,
        "Version": l.version,
        "Description": l.description,
        "CreatedDate": l.created_date,
        "CompatibleRuntimes": l.compatible_runtimes,
        "CompatibleArchitectures": l.compatible_architectures,
    })
}

/// Serves PublishLayerVersion and ListLayerVersions for `layer` (a name or layer ARN).
pub(crate) async fn handle(sim: &Sim, req: &LambdaRequest<'_>, layer: &str) -> Reply {
    let (acct, region) = (req.account.as_str(), req.region.as_str());
    if req.method == "POST" {
        let b = req.body();
        if b.object("Content")?.is_none() {
            return Err(SimError::invalid("Content is required."));
        }
        let input = PublishLayer {
            description: b.str("Description")?.unwrap_or_default(),
            compatible_runtimes: b.string_list("CompatibleRuntimes")?.unwrap_or_default(),
            compatible_architectures: b
                .string_list("CompatibleArchitectures")?
                .unwrap_or_default(),
        };
        let info = sim
            .dispatch(acct, region, ApiOp::PublishLayerVersion, None, |w, c| {
                w.publish_layer_version(c, layer, input)
            })
            .await?;
        let layer_arn = info
            .layer_version_arn
            .rsplit_once(':')
            .map_or(info.layer_version_arn.as_str(), |(arn, _)| arn);
        let mut body = list_item(&info);
        body["LayerArn"] = json!(layer_arn);
        body["Content"] = json!({ "CodeSha256": "", "CodeSize": 0 });
        return Ok((201, Some(body)));
    }
    let runtime = req.query_value("CompatibleRuntime");
    let architecture = req.query_value("CompatibleArchitecture");
    let all = sim
        .dispatch(acct, region, ApiOp::ListLayerVersions, None, |w, c| {
            w.list_layer_versions(c, layer)
        })
        .await?;
    // Lambda's filters keep versions that declare the value (undeclared ones drop out).
    let kept: Vec<LayerVersionInfo> = all
        .into_iter()
        .filter(|l| runtime.is_none_or(|r| l.compatible_runtimes.iter().any(|x| x == r)))
        .filter(|l| architecture.is_none_or(|a| l.compatible_architectures.iter().any(|x| x == a)))
        .collect();
    let (items, next) = page(req, &kept, 50);
    let versions: Vec<Value> = items.iter().map(list_item).collect();
    Ok((
        200,
        Some(with_marker(json!({ "LayerVersions": versions }), next)),
    ))
}
