//! Layer versions per account and region: PublishLayerVersion, ListLayerVersions, and
//! the check CreateFunction and UpdateFunctionConfiguration make that every layer
//! version a function lists exists.
//!
//! Layer content is not stored (the emulator runs no code); a version is its number,
//! ARN, description and declared compatibility.

use std::collections::{BTreeMap, HashMap};

use super::state::SimError;
use super::world::{Call, World};
use flotilla_cloud::lambda::LayerVersionInfo;

/// Versions of every layer, by (account, region), then layer name; each list is in
/// publish order (version 1 first).
#[derive(Debug, Default)]
pub(crate) struct LayerStore(HashMap<(String, String), BTreeMap<String, Vec<LayerVersionInfo>>>);

impl LayerStore {
    fn versions(&self, account: &str, region: &str, name: &str) -> Option<&Vec<LayerVersionInfo>> {
        self.0
            .get(&(account.to_owned(), region.to_owned()))
            .and_then(|layers| layers.get(name))
    }
}

/// What PublishLayerVersion is given besides the layer's name (content is not kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishLayer {
    /// Description of the version.
    pub description: String,
    /// Declared compatible runtimes (empty: not declared).
    pub compatible_runtimes: Vec<String>,
    /// Declared compatible architectures (empty: not declared).
    pub compatible_architectures: Vec<String>,
}

/// Where a `LayerName` (a name or a layer ARN) points: account, region and name.
fn layer_place(call: &Call<'_>, layer: &str) -> Result<(String, String, String), SimError> {
    let parts: Vec<&str> = layer.split(':').collect();
    let (account, region, name) = match parts.as_slice() {
        ["arn", _, "lambda", region, account, "layer", name] => {
            ((*account).to_owned(), (*region).to_owned(), *name)
        }
        [name] => (call.account.to_owned(), call.region.to_owned(), *name),
        _ => return Err(invalid_layer_name(layer)),
    };
    let ok = (1..=140).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(invalid_layer_name(layer));
    }
    Ok((account, region, name.to_owned()))
}

fn invalid_layer_name(layer: &str) -> SimError {
    SimError::invalid(format!(
        "1 validation error detected: Value '{layer}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
    ))
}

impl World {
    /// PublishLayerVersion: the next version number of the layer in the caller's
    /// account and region (1 for a new layer).
    pub(crate) fn publish_layer_version(
        &mut self,
        call: &Call<'_>,
        layer: &str,
        input: PublishLayer,
    ) -> Result<LayerVersionInfo, SimError> {
        let (_, _, name) = layer_place(call, layer)?;
        let created_date = self.env.last_modified(call.now);
        let versions = self
            .layers
            .0
            .entry((call.account.to_owned(), call.region.to_owned()))
            .or_default()
            .entry(name.clone())
            .or_default();
        let version = versions.len() as u64 + 1;
        let info = LayerVersionInfo {
            layer_version_arn: format!(
                "arn:aws:lambda:{}:{}:layer:{name}:{version}",
                call.region, call.account
            ),
            version,
            description: input.description,
            created_date,
            compatible_runtimes: input.compatible_runtimes,
            compatible_architectures: input.compatible_architectures,
        };
        versions.push(info.clone());
        Ok(info)
    }

    /// ListLayerVersions, newest first. A layer that does not exist has no versions
    /// (Lambda answers 200 with an empty list, not 404).
    pub(crate) fn list_layer_versions(
        &mut self,
        call: &Call<'_>,
        layer: &str,
    ) -> Result<Vec<LayerVersionInfo>, SimError> {
        let (account, region, name) = layer_place(call, layer)?;
        let mut versions = self
            .layers
            .versions(&account, &region, &name)
            .cloned()
            .unwrap_or_default();
        versions.reverse();
        Ok(versions)
    }

    /// Lambda's answer when a function lists a layer version that does not exist.
    pub(crate) fn check_layers_exist(&self, layers: &[String]) -> Result<(), SimError> {
        for arn in layers {
            let parts: Vec<&str> = arn.split(':').collect();
            let exists = match parts.as_slice() {
                ["arn", _, "lambda", region, account, "layer", name, version] => version
                    .parse::<u64>()
                    .ok()
                    .zip(self.layers.versions(account, region, name))
                    .is_some_and(|(v, all)| all.iter().any(|l| l.version == v)),
                _ => false,
            };
            if !exists {
                return Err(SimError::invalid(format!(
                    "Layer version {arn} does not exist."
                )));
            }
        }
        Ok(())
    }
}
