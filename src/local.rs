//! Local mode: an in-process emulator seeded from the manifest, so plan and apply can
//! be tried on a fresh machine with no AWS account (`--local`, `sim --seed-from`).

use std::time::Duration;

use flotilla_cloud::lambda::{ApiError, ApiOp, FunctionInfo};
use flotilla_core::artifact::{ArtifactDigest, Artifacts};
use flotilla_core::model::{ArtifactSource, LayerRef, Model};
use flotilla_sim::{
    FaultKind, FaultRule, PublishLayer, QuotaConfig, SeedFunction, Sim, SimConfig,
    image_code_sha256,
};

/// Seed of the local emulator, so every local run draws the same latencies and ids.
pub const LOCAL_SEED: u64 = 42;

/// Creates the model's functions in `sim` (and the layer versions they list) in a
/// slightly different state from the manifest's, so a first plan has something to show: every fourth function is left
/// out (a create), the others get older code, a different memory size or an extra
/// environment variable, in turn. Seeded functions carry the manifest's ownership tags,
/// as a fleet Flotilla deployed before would, and the buckets the manifest uploads to are
/// created. Returns what was seeded, a line per function, so the user can tell the
/// emulator's made-up differences from their own fleet.
///
/// # Errors
/// The emulator's error when a function cannot be placed.
pub fn seed_from_model(
    sim: &Sim,
    model: &Model,
    artifacts: &Artifacts,
) -> Result<Vec<SeedNote>, ApiError> {
    let default_account = sim.config().default_account;
    for f in &model.functions {
        if let Some(upload) = f.artifact.upload() {
            sim.create_bucket(&upload.bucket);
        }
    }
    let mut notes = Vec::with_capacity(model.functions.len());
    for (i, f) in model.functions.iter().enumerate() {
        let account = f
            .account
            .as_ref()
            .map_or(default_account.as_str(), |a| a.as_str());
        let layers = seed_layers(sim, account, f.region.as_str(), &f.config.layers)?;
        let name = f.name.as_str().to_owned();
        if i % 4 == 3 {
            notes.push(SeedNote {
                name,
                seeded: false,
                differences: Vec::new(),
            });
            continue;
        }
        let mut config = f.desired_config();
        config.layers = layers;
        let mut differences = Vec::new();
        match i % 3 {
            0 => {
                let memory = if config.memory_mb > 128 { 128 } else { 256 };
                differences.push(format!(
                    "memory {memory} MB instead of {}",
                    config.memory_mb
                ));
                config.memory_mb = memory;
            }
            1 => {
                differences.push("an extra variable FEATURE_FLAGS=legacy".to_owned());
                config
                    .environment
                    .insert("FEATURE_FLAGS".to_owned(), "legacy".to_owned());
            }
            _ => {
                differences.push("the description of a previous release".to_owned());
                config.description = format!("{} (previous release)", config.description);
            }
        }
        let old_code = format!("previous build of {}", f.name);
        let (code_sha256, code_size, image_uri, older) = match (&f.artifact, artifacts.get(&f.key))
        {
            (_, Some(ArtifactDigest::Zip { code_sha256, size })) if i % 2 == 1 => {
                (code_sha256.clone(), *size, None, false)
            }
            (ArtifactSource::Image { uri }, _) => {
                let old = if i % 2 == 0 {
                    format!("{}:previous", flotilla_cloud::image::image_repository(uri))
                } else {
                    uri.clone()
                };
                (image_code_sha256(&old), 0, Some(old), i % 2 == 0)
            }
            _ => (
                sha256_b64(old_code.as_bytes()),
                old_code.len() as u64,
                None,
                true,
            ),
        };
        if older {
            differences.push("older code".to_owned());
        }
        sim.seed_function(
            account,
            f.region.as_str(),
            SeedFunction {
                name: f.name.as_str().to_owned(),
                config,
                code_sha256,
                code_size,
                image_uri,
                // As Flotilla deployed it: with its ownership tags.
                tags: model.ownership.tags_of(f),
                reserved_concurrency: None,
            },
        )?;
        notes.push(SeedNote {
            name,
            seeded: true,
            differences,
        });
    }
    Ok(notes)
}

/// What the local seed did to one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedNote {
    /// The function's Lambda name.
    pub name: String,
    /// Whether it was created (otherwise the plan creates it).
    pub seeded: bool,
    /// How the seeded function differs from the manifest.
    pub differences: Vec<String>,
}

impl std::fmt::Display for SeedNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.seeded {
            return write!(f, "{}: not seeded, so the plan creates it", self.name);
        }
        write!(
            f,
            "{}: seeded with {}",
            self.name,
            self.differences.join(" and ")
        )
    }
}

/// What `--local` tells the user before the first plan: that the emulator is seeded
/// with made-up differences, which ones, and the faults it injects.
pub fn describe_seed(notes: &[SeedNote]) -> String {
    let mut out = String::from(
        "--local: an in-process emulator, pre-seeded so the first plan has something to \
         show. Nothing here is in your AWS account; these differences are made up:\n",
    );
    for note in notes {
        out.push_str(&format!("  - {note}\n"));
    }
    out.push_str(LOCAL_FAULTS);
    out
}

/// The faults [`local_sim`] injects, as [`describe_seed`] lists them.
const LOCAL_FAULTS: &str = "It injects faults so retries show: a control-plane quota of 4 \
     calls/s, one outside update during an UpdateFunctionConfiguration (a 409 to wait out), \
     one lost response after an UpdateFunctionCode that landed, one 5xx on PublishVersion \
     and one 300 ms GetFunction latency spike.\n";

/// Publishes what a function's `layers` need in `sim` (a `${layer:NAME}` needs version
/// 1, a `${layer:NAME:3}` or an ARN ending `:3` versions 1–3 of that layer) and returns
/// the list with every by-name entry replaced by the ARN it resolves to there.
fn seed_layers(
    sim: &Sim,
    account: &str,
    region: &str,
    entries: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let parts: Vec<&str> = entry.split(':').collect();
        let (acct, reg, name, version) = match LayerRef::from_entry(entry) {
            LayerRef::Named { name, version } => (account, region, name, version),
            LayerRef::Arn(_) => match parts.as_slice() {
                ["arn", _, "lambda", r, a, "layer", n, v] => match v.parse::<u64>() {
                    Ok(v) => (*a, *r, (*n).to_owned(), Some(v)),
                    Err(_) => (account, region, String::new(), None),
                },
                _ => (account, region, String::new(), None),
            },
        };
        if name.is_empty() {
            out.push(entry.clone());
            continue;
        }
        let mut versions = sim.layer_versions(acct, reg, &name);
        while (versions.len() as u64) < version.unwrap_or(1) {
            let description = format!("seeded by flotilla for {entry}");
            sim.publish_layer_version(
                acct,
                reg,
                &name,
                PublishLayer {
                    description,
                    ..PublishLayer::default()
                },
            )?;
            versions = sim.layer_versions(acct, reg, &name);
        }
        let resolved = match (LayerRef::from_entry(entry), version) {
            (LayerRef::Arn(arn), _) => Some(arn),
            (_, None) => versions.first().map(|v| v.layer_version_arn.clone()),
            (_, Some(n)) => versions
                .iter()
                .find(|v| v.version == n)
                .map(|v| v.layer_version_arn.clone()),
        };
        out.push(resolved.unwrap_or_else(|| entry.clone()));
    }
    Ok(out)
}

/// The emulator `--local` runs against: AWS's latencies, a control-plane quota low
/// enough that a small fleet meets a throttle, one outside writer that starts an update
/// while Flotilla is deploying (a 409 to wait out), one lost response for a change that
/// did land, and one 5xx, so the retries are visible.
pub fn local_sim() -> Sim {
    let sim = Sim::new(SimConfig {
        seed: LOCAL_SEED,
        quota: QuotaConfig {
            get_function: Some(100.0),
            control_plane: Some(4.0),
        },
        ..SimConfig::default()
    });
    sim.set_faults(vec![
        FaultRule::next(
            1,
            Some(ApiOp::UpdateFunctionConfiguration),
            None,
            FaultKind::OutsideWriter,
        ),
        FaultRule::next(
            1,
            Some(ApiOp::UpdateFunctionCode),
            None,
            FaultKind::DropConnection { applied: true },
        ),
        FaultRule::next(
            1,
            Some(ApiOp::PublishVersion),
            None,
            FaultKind::ServiceError,
        ),
        FaultRule::next(
            1,
            Some(ApiOp::GetFunction),
            None,
            FaultKind::LatencySpike {
                delay: Duration::from_millis(300),
            },
        ),
    ]);
    sim
}

fn sha256_b64(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// Reads one function back from the emulator (for reports and tests).
pub fn live_function(
    sim: &Sim,
    account: Option<&str>,
    region: &str,
    name: &str,
) -> Option<FunctionInfo> {
    let default_account = sim.config().default_account;
    sim.function_info(account.unwrap_or(&default_account), region, name)
}

/// Seeds the emulator from the manifest before the first plan (`--local`); a later
/// plan in the same run (re-planning a contended function) observes the emulator as
/// the run left it.
pub struct LocalSeed {
    sim: Sim,
    seeded: std::sync::atomic::AtomicBool,
}

impl LocalSeed {
    /// A seed for `sim`, not yet run.
    pub fn new(sim: Sim) -> Self {
        LocalSeed {
            sim,
            seeded: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl flotilla_core::deploy::Seed for LocalSeed {
    fn seed(&self, model: &Model, artifacts: &Artifacts) -> Result<(), ApiError> {
        if self.seeded.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        let notes = seed_from_model(&self.sim, model, artifacts)?;
        eprint!("{}", describe_seed(&notes));
        Ok(())
    }
}
