//! Local mode: an in-process emulator seeded from the manifest, so plan and apply can
//! be tried on a fresh machine with no AWS account (`--local`, `sim --seed-from`).

use std::time::Duration;

use crate::artifact::{ArtifactDigest, Artifacts};
use crate::lambda::{ApiError, ApiOp, FunctionInfo};
use crate::model::{ArtifactSource, Model};
use crate::sim::{FaultKind, FaultRule, QuotaConfig, SeedFunction, Sim, SimConfig};

/// Seed of the local emulator, so every local run draws the same latencies and ids.
pub const LOCAL_SEED: u64 = 42;

/// Creates the model's functions in `sim` in a slightly different state from the
/// manifest's, so a first plan has something to show: every fourth function is left
/// out (a create), the others get older code, a different memory size or an extra
/// environment variable, in turn. Seeded functions carry the manifest's ownership tags,
/// as a fleet Flotilla deployed before would. Returns how many functions were seeded.
///
/// # Errors
/// The emulator's error when a function cannot be placed.
pub fn seed_from_model(sim: &Sim, model: &Model, artifacts: &Artifacts) -> Result<usize, ApiError> {
    let default_account = sim.config().default_account;
    let mut seeded = 0;
    for (i, f) in model.functions.iter().enumerate() {
        if i % 4 == 3 {
            continue;
        }
        let mut config = f.desired_config();
        match i % 3 {
            0 => config.memory_mb = if config.memory_mb > 128 { 128 } else { 256 },
            1 => {
                config
                    .environment
                    .insert("FEATURE_FLAGS".to_owned(), "legacy".to_owned());
            }
            _ => config.description = format!("{} (previous release)", config.description),
        }
        let old_code = format!("previous build of {}", f.name);
        let (code_sha256, code_size, image_uri) = match (&f.artifact, artifacts.get(&f.key)) {
            (_, Some(ArtifactDigest::Zip { code_sha256, size })) if i % 2 == 1 => {
                (code_sha256.clone(), *size, None)
            }
            (ArtifactSource::Image { uri }, _) => {
                let old = match uri.rsplit_once(':') {
                    Some((repo, _)) if i % 2 == 0 => format!("{repo}:previous"),
                    _ => uri.clone(),
                };
                (sha256_b64(old.as_bytes()), 0, Some(old))
            }
            _ => (sha256_b64(old_code.as_bytes()), old_code.len() as u64, None),
        };
        let account = f
            .account
            .as_ref()
            .map_or(default_account.as_str(), |a| a.as_str());
        sim.seed_function(
            account,
            f.region.as_str(),
            SeedFunction {
                config,
                code_sha256,
                code_size,
                image_uri,
                // As Flotilla deployed it: with its ownership tags.
                tags: f
                    .tags
                    .clone()
                    .into_iter()
                    .chain(model.ownership.tags())
                    .collect(),
                reserved_concurrency: None,
                vpc: false,
            },
        )?;
        seeded += 1;
    }
    Ok(seeded)
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
