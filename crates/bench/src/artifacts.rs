//! `fleet-bench --artifacts`: hashing and packaging throughput on a generated tree,
//! next to `sha256sum` and `zip -X -r` on the same files in the same run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use serde::Serialize;

use flotilla_core::artifact::{hash_file, package_dir};

/// One measured tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Throughput {
    /// What ran.
    pub tool: String,
    /// Seconds.
    pub seconds: f64,
    /// MB of input per second.
    pub mb_per_s: f64,
}

/// What `--artifacts` measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArtifactBench {
    /// Files in the tree.
    pub files: usize,
    /// Total input size in MB.
    pub total_mb: f64,
    /// Flotilla's `hash_file` over every file.
    pub hash: Throughput,
    /// `sha256sum` over the same files (absent when not installed).
    pub sha256sum: Option<Throughput>,
    /// Flotilla's `package_dir` of the tree.
    pub package: Throughput,
    /// `zip -X -r` of the same tree (absent when `zip` is not installed).
    pub zip: Option<Throughput>,
    /// Packages made (one per top-level folder).
    pub packages: usize,
    /// Size of Flotilla's packages together, in MB.
    pub package_mb: f64,
}

impl ArtifactBench {
    /// The report lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "artifacts: {} files, {:.0} MB (half random, half text) in {} folders packaged one by one",
            self.files, self.total_mb, self.packages
        );
        let rows = [
            Some(&self.hash),
            self.sha256sum.as_ref(),
            Some(&self.package),
            self.zip.as_ref(),
        ];
        for t in rows.into_iter().flatten() {
            let _ = writeln!(
                out,
                "  {:<28} {:>8.2}s {:>9.1} MB/s",
                t.tool, t.seconds, t.mb_per_s
            );
        }
        if self.sha256sum.is_none() {
            out.push_str("  (sha256sum not found)\n");
        }
        if self.zip.is_none() {
            out.push_str("  (zip not found: apt-get install zip)\n");
        }
        out
    }
}

/// Errors of the artifact run.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactBenchError {
    /// Generating the tree failed.
    #[error("generating the tree: {0}")]
    Io(#[from] std::io::Error),
    /// Flotilla's hashing or packaging failed.
    #[error("{0}")]
    Artifact(String),
}

/// Writes `files` files totalling about `total_mb` MB under `root/tree`: half of them
/// random bytes (already compressed assets), half repetitive text (source code).
pub fn generate_tree(root: &Path, total_mb: usize, files: usize) -> std::io::Result<Vec<PathBuf>> {
    let tree = root.join("tree");
    let per_file = (total_mb * 1024 * 1024) / files.max(1);
    let mut rng = SmallRng::seed_from_u64(42);
    let mut paths = Vec::with_capacity(files);
    let line = b"def handler(event, context):  # a line of ordinary source code\n";
    for i in 0..files {
        let dir = tree.join(format!("pkg{:02}", i % 40));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("file{i:05}.bin"));
        let mut buf = vec![0u8; per_file];
        if i % 2 == 0 {
            rng.fill_bytes(&mut buf);
        } else {
            for (j, b) in buf.iter_mut().enumerate() {
                *b = line[j % line.len()];
            }
        }
        std::fs::write(&path, &buf)?;
        paths.push(path);
    }
    Ok(paths)
}

/// Generates the tree under `root` and measures every tool on it.
pub fn run_artifacts(
    root: &Path,
    total_mb: usize,
    files: usize,
) -> Result<ArtifactBench, ArtifactBenchError> {
    let paths = generate_tree(root, total_mb, files)?;
    let tree = root.join("tree");
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()))
        .sum::<std::io::Result<u64>>()?;
    let mb = bytes as f64 / (1024.0 * 1024.0);
    let rate = |tool: &str, seconds: f64| Throughput {
        tool: tool.to_owned(),
        seconds,
        mb_per_s: if seconds > 0.0 {
            mb / seconds
        } else {
            f64::INFINITY
        },
    };

    // Warm the page cache so every tool reads from memory, not the first one from disk.
    for p in &paths {
        std::fs::read(p)?;
    }

    let t = Instant::now();
    for p in &paths {
        hash_file(p).map_err(|e| ArtifactBenchError::Artifact(e.to_string()))?;
    }
    let hash = rate("flotilla hash_file", t.elapsed().as_secs_f64());

    let sha256sum = timed(Command::new("sha256sum").args(&paths)).map(|s| rate("sha256sum", s));

    // Lambda refuses packages over 250 MB unzipped, so the tree is packaged as the
    // fleet it stands for: one package per top-level folder, by both tools.
    let mut packages: Vec<PathBuf> = std::fs::read_dir(&tree)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    packages.sort();
    let t = Instant::now();
    let mut package_bytes = 0u64;
    for dir in &packages {
        let package =
            package_dir(dir, &[]).map_err(|e| ArtifactBenchError::Artifact(e.to_string()))?;
        package_bytes += package.size;
    }
    let package_t = rate("flotilla package_dir", t.elapsed().as_secs_f64());
    let package_mb = package_bytes as f64 / (1024.0 * 1024.0);

    let zip_out = root.join("out.zip");
    let t = Instant::now();
    let mut zip_ok = true;
    for dir in &packages {
        let _ = std::fs::remove_file(&zip_out);
        zip_ok &= timed(
            Command::new("zip")
                .args(["-X", "-r", "-q"])
                .arg(&zip_out)
                .arg(".")
                .current_dir(dir),
        )
        .is_some();
    }
    let zip = zip_ok.then(|| rate("zip -X -r", t.elapsed().as_secs_f64()));
    let _ = std::fs::remove_file(&zip_out);

    Ok(ArtifactBench {
        files: paths.len(),
        total_mb: mb,
        hash,
        sha256sum,
        package: package_t,
        zip,
        packages: packages.len(),
        package_mb,
    })
}

/// Seconds a command took, or `None` when it could not run or failed.
fn timed(cmd: &mut Command) -> Option<f64> {
    let t = Instant::now();
    let status = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| t.elapsed().as_secs_f64())
}
