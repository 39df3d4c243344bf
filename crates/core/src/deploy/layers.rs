//! Resolves by-name layer references (`${layer:NAME}`, `${layer:NAME:VERSION}`) to
//! layer version ARNs before planning, so a plan (and apply) only ever sees ARNs.
//!
//! In: a validated [`Model`] whose `layers` may hold by-name entries. Out: the same
//! model with each replaced by the ARN ListLayerVersions reports, or every problem
//! found. One ListLayerVersions (all pages) per distinct account, region and layer
//! name, paced under the control-plane quota like observe's reads, and retried on
//! throttling and transient errors.

use std::collections::BTreeMap;
use std::fmt;

use futures::StreamExt;

use crate::model::{Function, FunctionKey, LayerRef, Model, RetryPolicy};
use crate::observe::Clients;
use crate::pace::Pacer;
use flotilla_cloud::lambda::{ApiError, ApiOp, LayerVersionInfo};

/// Lookups that may run at once; the pacer, not this number, keeps the rate.
const PARALLEL_LOOKUPS: usize = 16;

/// Where a layer lives: account (`None`: the credentials' own), region and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    account: Option<String>,
    region: String,
    name: String,
}

/// An account and region, as messages show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The account, `None` for the credentials' own.
    pub account: Option<String>,
    /// The region.
    pub region: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.account {
            Some(a) => write!(f, "account {a}, region {}", self.region),
            None => write!(f, "the credentials' account, region {}", self.region),
        }
    }
}

/// A layer reference that could not be resolved.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum LayerError {
    /// No version of the layer exists there.
    #[error(
        "function `{key}` ({function}): layer `{layer}` does not exist in {location} (ListLayerVersions found no version)"
    )]
    #[diagnostic(
        code(flotilla::layers::missing),
        help(
            "publish it first (`aws lambda publish-layer-version --layer-name {layer} ...`) in that account and region, fix the name, or list its full ARN"
        )
    )]
    Missing {
        /// The function's manifest key.
        key: FunctionKey,
        /// Its Lambda name.
        function: String,
        /// The layer's name.
        layer: String,
        /// Where it was looked up.
        location: Location,
    },
    /// The pinned version does not exist.
    #[error(
        "function `{key}` ({function}): layer `{layer}` has no version {version} in {location} (latest: {latest})"
    )]
    #[diagnostic(
        code(flotilla::layers::no_such_version),
        help("pin an existing version, or write `${{layer:{layer}}}` for the latest")
    )]
    NoSuchVersion {
        /// The function's manifest key.
        key: FunctionKey,
        /// Its Lambda name.
        function: String,
        /// The layer's name.
        layer: String,
        /// The version asked for.
        version: u64,
        /// The highest version that exists.
        latest: u64,
        /// Where it was looked up.
        location: Location,
    },
    /// The version declares runtimes or architectures that exclude the function's.
    #[error(
        "function `{key}` ({function}): layer `{layer}` version {version} declares {what} [{declared}], not the function's {wanted}"
    )]
    #[diagnostic(
        code(flotilla::layers::incompatible),
        help(
            "publish a version of the layer that lists {wanted}, pin a compatible one with `${{layer:{layer}:VERSION}}`, or list its full ARN to use it anyway (Lambda does not check this; the function would fail when it runs)"
        )
    )]
    Incompatible {
        /// The function's manifest key.
        key: FunctionKey,
        /// Its Lambda name.
        function: String,
        /// The layer's name.
        layer: String,
        /// The version resolved.
        version: u64,
        /// `compatible runtimes` or `compatible architectures`.
        what: &'static str,
        /// What the version declares, comma-separated.
        declared: String,
        /// The function's runtime or architecture.
        wanted: String,
    },
    /// ListLayerVersions failed after its retries.
    #[error("could not list the versions of layer `{layer}` in {location}: {source}")]
    #[diagnostic(
        code(flotilla::layers::lookup_failed),
        help(
            "check the credentials (they need lambda:ListLayerVersions), the region and the endpoint; calls made: {attempts}"
        )
    )]
    Lookup {
        /// The layer's name.
        layer: String,
        /// Where it was looked up.
        location: Location,
        /// Calls made.
        attempts: u32,
        /// The last error.
        #[source]
        source: ApiError,
    },
}

/// Every layer reference that could not be resolved, in manifest order.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{} could not be resolved", summary(errors.len()))]
#[diagnostic(code(flotilla::layers::failed))]
pub struct LayerErrors {
    /// One entry per problem.
    #[related]
    pub errors: Vec<LayerError>,
}

fn summary(n: usize) -> String {
    match n {
        1 => "1 layer reference".to_owned(),
        n => format!("{n} layer references"),
    }
}

/// The model with every `${layer:…}` entry replaced by a layer version ARN.
///
/// # Errors
/// Every missing layer or version, incompatible version and failed lookup at once.
pub async fn resolve_layers(
    model: &Model,
    clients: &dyn Clients,
    pacer: &Pacer,
) -> Result<Model, LayerErrors> {
    let mut places: Vec<Place> = model
        .functions
        .iter()
        .flat_map(|f| {
            f.config
                .layers
                .iter()
                .filter_map(move |l| named_place(f, l))
        })
        .collect();
    places.sort();
    places.dedup();
    if places.is_empty() {
        return Ok(model.clone());
    }
    let lookups = places.into_iter().map(|place| async move {
        let result = list_versions(&place, clients, pacer).await;
        (place, result)
    });
    let found: BTreeMap<Place, Result<Vec<LayerVersionInfo>, Box<LayerError>>> =
        futures::stream::iter(lookups)
            .buffer_unordered(PARALLEL_LOOKUPS)
            .collect()
            .await;

    let mut errors = Vec::new();
    // A failed lookup is reported once, not under every function that uses the layer.
    errors.extend(
        found
            .values()
            .filter_map(|r| r.as_ref().err().map(|e| (**e).clone())),
    );
    let mut resolved = model.clone();
    for f in &mut resolved.functions {
        let mut layers = Vec::with_capacity(f.config.layers.len());
        for entry in &f.config.layers {
            let (Some(place), LayerRef::Named { version, .. }) =
                (named_place(f, entry), LayerRef::from_entry(entry))
            else {
                layers.push(entry.clone());
                continue;
            };
            let Some(Ok(versions)) = found.get(&place) else {
                continue;
            };
            match pick(f, &place, versions, version) {
                Ok(arn) => layers.push(arn),
                Err(e) => errors.push(*e),
            }
        }
        f.config.layers = layers;
    }
    if errors.is_empty() {
        Ok(resolved)
    } else {
        Err(LayerErrors { errors })
    }
}

fn named_place(f: &Function, entry: &str) -> Option<Place> {
    match LayerRef::from_entry(entry) {
        LayerRef::Named { name, .. } => Some(Place {
            account: f.account.as_ref().map(|a| a.as_str().to_owned()),
            region: f.region.as_str().to_owned(),
            name,
        }),
        LayerRef::Arn(_) => None,
    }
}

fn location(place: &Place) -> Location {
    Location {
        account: place.account.clone(),
        region: place.region.clone(),
    }
}

/// The version `version` (or the highest) of the layer, checked against the function.
fn pick(
    f: &Function,
    place: &Place,
    versions: &[LayerVersionInfo],
    version: Option<u64>,
) -> Result<String, Box<LayerError>> {
    let latest = versions.iter().max_by_key(|v| v.version);
    let Some(latest) = latest else {
        return Err(Box::new(LayerError::Missing {
            key: f.key.clone(),
            function: f.name.as_str().to_owned(),
            layer: place.name.clone(),
            location: location(place),
        }));
    };
    let chosen =
        match version {
            None => latest,
            Some(n) => versions.iter().find(|v| v.version == n).ok_or_else(|| {
                LayerError::NoSuchVersion {
                    key: f.key.clone(),
                    function: f.name.as_str().to_owned(),
                    layer: place.name.clone(),
                    version: n,
                    latest: latest.version,
                    location: location(place),
                }
            })?,
        };
    let incompatible =
        |what: &'static str, declared: &[String], wanted: String| LayerError::Incompatible {
            key: f.key.clone(),
            function: f.name.as_str().to_owned(),
            layer: place.name.clone(),
            version: chosen.version,
            what,
            declared: declared.join(", "),
            wanted,
        };
    // An empty list means the publisher declared nothing: any function may use it.
    if let Some(runtime) = &f.config.runtime
        && !chosen.compatible_runtimes.is_empty()
        && !chosen.compatible_runtimes.contains(runtime)
    {
        return Err(incompatible(
            "compatible runtimes",
            &chosen.compatible_runtimes,
            format!("runtime {runtime}"),
        )
        .into());
    }
    let arch = f.config.architecture.as_api_str();
    if !chosen.compatible_architectures.is_empty()
        && !chosen.compatible_architectures.iter().any(|a| a == arch)
    {
        return Err(incompatible(
            "compatible architectures",
            &chosen.compatible_architectures,
            format!("architecture {arch}"),
        )
        .into());
    }
    Ok(chosen.layer_version_arn.clone())
}

/// ListLayerVersions for one place, paced and retried like observe's reads.
async fn list_versions(
    place: &Place,
    clients: &dyn Clients,
    pacer: &Pacer,
) -> Result<Vec<LayerVersionInfo>, Box<LayerError>> {
    let api = clients.client(place.account.as_deref(), &place.region);
    let read = crate::pace::read(
        pacer,
        place.account.as_deref(),
        &place.region,
        ApiOp::ListLayerVersions,
        &place.name,
        RetryPolicy::default(),
        || api.list_layer_versions(&place.name),
    )
    .await;
    match read {
        Ok(versions) => Ok(versions.unwrap_or_default()),
        Err(gave_up) => Err(Box::new(LayerError::Lookup {
            layer: place.name.clone(),
            location: location(place),
            attempts: gave_up.attempts,
            source: gave_up.error,
        })),
    }
}
