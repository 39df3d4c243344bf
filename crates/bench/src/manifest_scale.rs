//! `fleet-bench --manifest-scale`: load and validate a generated 5,000-function manifest,
//! then run the pure planner against a synthetic live state, and report the time and
//! the process's peak memory.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use flotilla_cloud::lambda::{FunctionInfo, FunctionStateKind, LastUpdateStatus};
use flotilla_core::artifact::digest_all;
use flotilla_core::model::{LoadOptions, Model, load};
use flotilla_core::observe::{LiveFunction, LiveState};
use flotilla_core::plan::plan;

/// What `--manifest-scale` measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestScale {
    /// Functions in the manifest.
    pub functions: usize,
    /// Manifest size in bytes.
    pub manifest_bytes: usize,
    /// Load + validate, seconds.
    pub load_validate_s: f64,
    /// Artifact digests (S3 pass-through, no I/O), seconds.
    pub artifacts_s: f64,
    /// The pure planner, seconds.
    pub plan_s: f64,
    /// The three together.
    pub total_s: f64,
    /// Functions the plan changes (a third of them, by construction).
    pub changed: usize,
    /// Peak resident memory of the whole process (Linux `VmHWM`), MB.
    pub peak_rss_mb: Option<f64>,
}

impl ManifestScale {
    /// The report lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "manifest scale: {} functions ({} KB of YAML), {} changed",
            self.functions,
            self.manifest_bytes / 1024,
            self.changed
        );
        let _ = writeln!(
            out,
            "  load+validate {:.3}s, artifacts {:.3}s, plan {:.3}s, total {:.3}s (target < 1 s); peak RSS {} (target < 200 MB)",
            self.load_validate_s,
            self.artifacts_s,
            self.plan_s,
            self.total_s,
            self.peak_rss_mb
                .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.1} MB"))
        );
        out
    }
}

/// Errors of the manifest-scale run.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    /// Writing the generated manifest failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The generated manifest did not load (a bug in the generator or the loader).
    #[error("the generated manifest did not validate: {0}")]
    Manifest(String),
    /// Digests or planning failed.
    #[error("planning failed: {0}")]
    Plan(String),
}

/// The generated manifest: `n` functions on S3 artifacts with a known hash, spread over
/// a few regions, with defaults, environments and aliases, as a large monorepo writes.
pub fn generate_manifest(n: usize) -> String {
    let mut y = String::with_capacity(n * 260);
    y.push_str(
        "version: 1\ndefaults:\n  region: eu-north-1\n  role: arn:aws:iam::123456789012:role/fleet\n  runtime: python3.12\n  handler: app.handler\n  memory: 256\n  timeout: 30s\n  environment: { LOG_LEVEL: info }\nfunctions:\n",
    );
    let regions = ["eu-north-1", "eu-west-1", "us-east-1"];
    for i in 0..n {
        let _ = write!(
            y,
            "  svc-{i:05}:\n    region: {}\n    memory: {}\n    artifact: {{ s3: {{ bucket: fleet-artifacts, key: svc-{i:05}/v2.zip, sha256: {} }} }}\n    environment: {{ SERVICE: svc-{i:05}, SHARD: \"{}\" }}\n",
            regions[i % regions.len()],
            128 * (1 + i % 8),
            fake_sha(i, 2),
            i % 16
        );
        if i % 4 == 0 {
            y.push_str("    publish: true\n    alias: live\n");
        }
    }
    y
}

/// A base64 SHA-256-shaped string for function `i`'s code version `v`.
fn fake_sha(i: usize, v: usize) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(format!("{i}/{v}")))
}

/// Live state matching the model except every third function (old code) and every
/// fifth (old memory).
pub fn synthetic_live(model: &Model) -> LiveState {
    let mut live = LiveState::default();
    for (i, f) in model.functions.iter().enumerate() {
        let mut config = f.desired_config();
        if i % 5 == 0 {
            config.memory_mb = 128;
        }
        let info = FunctionInfo {
            name: f.name.as_str().to_owned(),
            arn: format!(
                "arn:aws:lambda:{}:123456789012:function:{}",
                f.region, f.name
            ),
            config,
            state: Some(FunctionStateKind::Active),
            state_reason: None,
            state_reason_code: None,
            last_update_status: Some(LastUpdateStatus::Successful),
            last_update_status_reason: None,
            last_update_status_reason_code: None,
            revision_id: Some(format!("rev-{i}")),
            code_sha256: fake_sha(i, if i % 3 == 0 { 1 } else { 2 }),
            code_size: 1024,
            version: "$LATEST".to_owned(),
            last_modified: "2026-01-01T00:00:00.000+0000".to_owned(),
            image_uri: None,
            resolved_image_uri: None,
            // Deployed by Flotilla before: it carries the ownership tags.
            tags: model.ownership.tags_of(f),
            reserved_concurrency: None,
            code_location: None,
        };
        live.functions.insert(
            f.key.clone(),
            LiveFunction {
                info: Some(info),
                alias: None,
                latest_published: None,
                provisioned: None,
                policy: None,
                ..Default::default()
            },
        );
    }
    live
}

/// Writes a manifest of `n` functions into `dir`, then times load + validate +
/// digests + plan.
pub fn run_manifest_scale(n: usize, dir: &Path) -> Result<ManifestScale, ScaleError> {
    let text = generate_manifest(n);
    let path = dir.join("deploy.yaml");
    std::fs::write(&path, &text).map_err(|source| ScaleError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let opts = LoadOptions {
        env_lookup: Box::new(|_| None),
        ..LoadOptions::default()
    };
    let t0 = Instant::now();
    let model = load(&path, &opts).map_err(|e| ScaleError::Manifest(e.to_string()))?;
    let t1 = Instant::now();
    let artifacts = digest_all(&model).map_err(|e| ScaleError::Plan(e.to_string()))?;
    let t2 = Instant::now();
    // The live state stands for what `observe` returns; building it is not timed.
    let live = synthetic_live(&model);
    let t3 = Instant::now();
    let plan = plan(&model, &live, &artifacts, "2026-01-01T00:00:00Z")
        .map_err(|e| ScaleError::Plan(e.to_string()))?;
    let t4 = Instant::now();
    let secs = |d: Duration| d.as_secs_f64();
    Ok(ManifestScale {
        functions: model.functions.len(),
        manifest_bytes: text.len(),
        load_validate_s: secs(t1 - t0),
        artifacts_s: secs(t2 - t1),
        plan_s: secs(t4 - t3),
        total_s: secs(t1 - t0) + secs(t2 - t1) + secs(t4 - t3),
        changed: plan.summary().update + plan.summary().create,
        peak_rss_mb: peak_rss_mb(),
    })
}

/// Peak resident set size of this process in MB (Linux only).
pub fn peak_rss_mb() -> Option<f64> {
    proc_status_kb("VmHWM:").map(|kb| kb as f64 / 1024.0)
}

/// A `kB` field of `/proc/self/status`.
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}
