//! Digests of a whole fleet's artifacts, computed in parallel, each distinct source once.
//!
//! Functions that share a source (the same zip, or the same folder with the same
//! `exclude` set) share one job; a small pool of threads, sized to the machine, works
//! through the jobs. Every failure is kept and reported under each function it affects.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use super::package::{digest_dir, package_dir};
use super::zipfile::{digest_zip, read_zip};
use flotilla_cloud::limits::zip_limit;

use super::{
    ArtifactDigest, ArtifactError, ArtifactErrors, Artifacts, FunctionArtifactError, Package,
};
use crate::model::{ArtifactSource, Model};

/// A source that needs reading; equal keys give equal digests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Job {
    /// A zip and the largest size allowed for it.
    Zip(PathBuf, u64),
    /// Exclude patterns sorted and de-duplicated: their order does not change the package.
    Dir(PathBuf, Vec<String>, u64),
}

impl Job {
    fn of(source: &ArtifactSource) -> Option<Job> {
        match source {
            ArtifactSource::Zip { path, .. } => {
                Some(Job::Zip(path.clone(), zip_limit(source.upload().is_some())))
            }
            ArtifactSource::Dir { path, exclude, .. } => {
                let mut exclude = exclude.clone();
                exclude.sort();
                exclude.dedup();
                Some(Job::Dir(
                    path.clone(),
                    exclude,
                    zip_limit(source.upload().is_some()),
                ))
            }
            ArtifactSource::S3 { .. } | ArtifactSource::Image { .. } => None,
        }
    }

    fn run(&self) -> Result<(String, u64), ArtifactError> {
        match self {
            Job::Zip(path, limit) => digest_zip(path, *limit),
            Job::Dir(path, exclude, limit) => digest_dir(path, exclude, *limit),
        }
    }
}

/// Computes every function's [`ArtifactDigest`]: zips are hashed, folders packaged and
/// hashed (in parallel, each distinct source once), S3 objects and images passed through.
/// Returns every failure, not just the first.
pub fn digest_all(model: &Model) -> Result<Artifacts, ArtifactErrors> {
    let (jobs, job_of_function) = plan_jobs(model.functions.iter().map(|f| &f.artifact));
    let results = run_all(&jobs);

    let mut artifacts = Artifacts::new();
    let mut errors = Vec::new();
    for (function, job) in model.functions.iter().zip(job_of_function) {
        let digest = match (&function.artifact, job) {
            (_, Some(job)) => match &results[job] {
                Ok((code_sha256, size)) => Ok(ArtifactDigest::Zip {
                    code_sha256: code_sha256.clone(),
                    size: *size,
                }),
                Err(error) => Err(error.clone()),
            },
            (
                ArtifactSource::S3 {
                    bucket,
                    key,
                    version,
                    sha256,
                },
                None,
            ) => Ok(ArtifactDigest::S3 {
                bucket: bucket.clone(),
                key: key.clone(),
                version: version.clone(),
                code_sha256: sha256.clone(),
            }),
            (ArtifactSource::Image { uri }, None) => Ok(ArtifactDigest::Image { uri: uri.clone() }),
            // `Job::of` gives every zip and dir a job.
            (ArtifactSource::Zip { .. } | ArtifactSource::Dir { .. }, None) => continue,
        };
        match digest {
            Ok(digest) => {
                artifacts.insert(function.key.clone(), digest);
            }
            Err(error) => errors.push(FunctionArtifactError {
                key: function.key.clone(),
                error,
            }),
        }
    }
    if errors.is_empty() {
        Ok(artifacts)
    } else {
        Err(ArtifactErrors { errors })
    }
}

/// The distinct sources to read, and for each source (in order) the index of its job.
fn plan_jobs<'a>(
    sources: impl IntoIterator<Item = &'a ArtifactSource>,
) -> (Vec<Job>, Vec<Option<usize>>) {
    let mut jobs: Vec<Job> = Vec::new();
    let mut index_of: BTreeMap<Job, usize> = BTreeMap::new();
    let job_of_source = sources
        .into_iter()
        .map(|source| {
            let job = Job::of(source)?;
            Some(*index_of.entry(job.clone()).or_insert_with(|| {
                jobs.push(job);
                jobs.len() - 1
            }))
        })
        .collect();
    (jobs, job_of_source)
}

/// Runs the jobs on a pool of at most `available_parallelism` threads; results come
/// back in job order.
fn run_all(jobs: &[Job]) -> Vec<Result<(String, u64), ArtifactError>> {
    let workers = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(jobs.len());
    let slots: Vec<OnceLock<Result<(String, u64), ArtifactError>>> =
        jobs.iter().map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(job), Some(slot)) = (jobs.get(i), slots.get(i)) else {
                        break;
                    };
                    let _ = slot.set(job.run());
                }
            });
        }
    });
    slots
        .into_iter()
        .zip(jobs)
        // Every slot below `jobs.len()` was filled before the scope ended; running a job
        // again here only matters if a worker panicked, which the scope re-raises anyway.
        .map(|(slot, job)| slot.into_inner().unwrap_or_else(|| job.run()))
        .collect()
}

/// The bytes to upload for a function's artifact: the zip read from disk or the folder
/// packaged afresh. `None` for S3 objects and images, which are passed by reference.
/// Apply compares the package's `code_sha256` with the one in the plan before uploading.
pub fn load_package(source: &ArtifactSource) -> Result<Option<Package>, ArtifactError> {
    match source {
        ArtifactSource::Zip { path, .. } => read_zip(path).map(Some),
        ArtifactSource::Dir { path, exclude, .. } => package_dir(path, exclude).map(Some),
        ArtifactSource::S3 { .. } | ArtifactSource::Image { .. } => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<ArtifactSource> {
        let dir = |exclude: &[&str]| ArtifactSource::Dir {
            path: PathBuf::from("/w/src"),
            exclude: exclude.iter().map(|e| (*e).to_owned()).collect(),
            upload: None,
        };
        vec![
            dir(&["a", "b"]),
            ArtifactSource::Zip {
                path: PathBuf::from("/w/app.zip"),
                upload: None,
            },
            dir(&["b", "a", "a"]),
            ArtifactSource::Image { uri: "i".into() },
            dir(&[]),
            ArtifactSource::Zip {
                path: PathBuf::from("/w/app.zip"),
                upload: None,
            },
        ]
    }

    #[test]
    fn identical_sources_share_one_job() {
        let (jobs, of) = plan_jobs(&sources());
        assert_eq!(jobs.len(), 3, "{jobs:?}");
        assert_eq!(of, [Some(0), Some(1), Some(0), None, Some(2), Some(1)]);
    }
}
