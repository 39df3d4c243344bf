//! The real [`ChangedFiles`] source: asks the `git` command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ChangedFiles, SelectError};

/// Changed files from the git work tree that holds a folder (usually the manifest's).
///
/// Creating one does no I/O; git runs only when changes are asked for, so callers can
/// build it unconditionally and pass it to [`select`](super::select).
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
}

impl Git {
    /// Changes of the repository that contains `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn run(&self, cwd: &Path, args: &[&str]) -> Result<std::process::Output, SelectError> {
        Command::new("git")
            .arg("-C")
            .arg(cwd)
            .args(args)
            .output()
            .map_err(|e| SelectError::GitUnavailable {
                message: e.to_string(),
            })
    }

    /// Runs git and returns stdout, or a [`SelectError::Git`] carrying stderr.
    fn stdout(&self, cwd: &Path, args: &[&str]) -> Result<Vec<u8>, SelectError> {
        let out = self.run(cwd, args)?;
        if !out.status.success() {
            return Err(SelectError::Git {
                command: args.join(" "),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(out.stdout)
    }

    fn root(&self) -> Result<PathBuf, SelectError> {
        let out = self.run(&self.dir, &["rev-parse", "--show-toplevel"])?;
        if !out.status.success() {
            return Err(SelectError::NotARepository {
                dir: self.dir.clone(),
            });
        }
        let root = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok(PathBuf::from(root))
    }

    /// The commit `reference` names; option-like input is refused before git sees it.
    fn commit(&self, root: &Path, reference: &str) -> Result<String, SelectError> {
        let unknown = || SelectError::UnknownRef {
            reference: reference.to_owned(),
        };
        if reference.is_empty() || reference.starts_with('-') {
            return Err(unknown());
        }
        let spec = format!("{reference}^{{commit}}");
        let out = self.run(root, &["rev-parse", "--verify", "--quiet", &spec])?;
        if !out.status.success() {
            return Err(unknown());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

/// Splits git's `-z` output into paths under `root`.
fn paths(root: &Path, bytes: &[u8]) -> impl Iterator<Item = PathBuf> {
    bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
        .collect::<Vec<_>>()
        .into_iter()
}

impl ChangedFiles for Git {
    fn changed_since(&self, reference: &str) -> Result<Vec<PathBuf>, SelectError> {
        let root = self.root()?;
        let commit = self.commit(&root, reference)?;
        let base = self.run(&root, &["merge-base", &commit, "HEAD"])?;
        if !base.status.success() {
            return Err(SelectError::NoMergeBase {
                reference: reference.to_owned(),
            });
        }
        let base = String::from_utf8_lossy(&base.stdout).trim().to_owned();

        let mut files = Vec::new();
        // Merge base against the work tree: committed and uncommitted changes to tracked
        // files; `--no-renames` lists both sides of a move.
        let diff = ["diff", "--name-only", "--no-renames", "-z", &base];
        files.extend(paths(&root, &self.stdout(&root, &diff)?));
        let staged = ["diff", "--name-only", "--no-renames", "-z", "HEAD"];
        files.extend(paths(&root, &self.stdout(&root, &staged)?));
        let untracked = ["ls-files", "--others", "--exclude-standard", "-z"];
        files.extend(paths(&root, &self.stdout(&root, &untracked)?));
        files.sort();
        files.dedup();
        Ok(files)
    }
}
