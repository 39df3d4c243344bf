//! Which files a `dir:` package holds: the folder walked without trusting iteration
//! order, [`DEFAULT_IGNORES`], every `.flotillaignore` (gitignore syntax, nested ones
//! too) and the `exclude` globs applied, symlinks resolved strictly inside the folder.
//!
//! The result is a list of entries sorted bytewise by their `/`-separated names, each
//! with the path to read and the normalised mode, so the zip writer has nothing left to
//! decide.

use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::{ArtifactError, MAX_UNZIPPED_BYTES};

/// One file to put in the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Name inside the zip: relative, `/`-separated, UTF-8.
    pub name: String,
    /// Where to read the bytes (possibly through a symlink that stays inside the folder).
    pub source: PathBuf,
    /// Normalised Unix mode: 0o755 when any executable bit is set, else 0o644.
    pub mode: u32,
}

/// Compiled `exclude` patterns. A pattern is a glob matched against the whole path
/// relative to the folder, `/`-separated; `*` stays within one path segment, `**`
/// crosses them. A trailing `/` restricts a pattern to directories. A matching
/// directory is skipped with everything under it.
#[derive(Debug)]
pub(crate) struct Exclude {
    any: GlobSet,
    dirs: GlobSet,
}

impl Exclude {
    pub(crate) fn new(patterns: &[String]) -> Result<Self, ArtifactError> {
        let mut any = GlobSetBuilder::new();
        let mut dirs = GlobSetBuilder::new();
        for pattern in patterns {
            let bad = |reason: String| ArtifactError::BadExclude {
                pattern: pattern.clone(),
                reason,
            };
            let trimmed = pattern.trim_start_matches("./").trim_start_matches('/');
            let (glob, dir_only) = match trimmed.strip_suffix('/') {
                Some(dir) => (dir, true),
                None => (trimmed, false),
            };
            if glob.is_empty() {
                return Err(bad("the pattern is empty".to_owned()));
            }
            let glob = GlobBuilder::new(glob)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| bad(e.kind().to_string()))?;
            if dir_only {
                dirs.add(glob);
            } else {
                any.add(glob);
            }
        }
        let build = |set: GlobSetBuilder| {
            set.build().map_err(|e| ArtifactError::BadExclude {
                pattern: patterns.join(", "),
                reason: e.to_string(),
            })
        };
        Ok(Self {
            any: build(any)?,
            dirs: build(dirs)?,
        })
    }

    fn excludes(&self, name: &str, is_dir: bool) -> bool {
        self.any.is_match(name) || (is_dir && self.dirs.is_match(name))
    }
}

/// The name of the ignore file read in every folder of a `dir:` package.
pub(crate) const IGNORE_FILE: &str = ".flotillaignore";

/// What no Lambda package needs, left out of every `dir:` package unless a
/// `.flotillaignore` includes it again (`!pattern`): editor and OS litter, version
/// control folders, Python bytecode and tool caches, virtual environments. Any of them
/// would also change the package's hash, and so show a code change, with no change to
/// the code.
pub(crate) const DEFAULT_IGNORES: &[&str] = &[
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    "*.swp",
    "*~",
    ".git/",
    ".hg/",
    ".svn/",
    "__pycache__/",
    "*.pyc",
    "*.pyo",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".venv/",
    "**/node_modules/.cache/",
    ".idea/",
    ".vscode/",
    IGNORE_FILE,
];

/// Gitignore rules for `dir` from `lines` (the defaults) or from its `.flotillaignore`.
fn gitignore(dir: &Path, lines: Option<&[&str]>) -> Result<Option<Gitignore>, ArtifactError> {
    let mut builder = GitignoreBuilder::new(dir);
    match lines {
        Some(lines) => {
            for line in lines {
                builder
                    .add_line(None, line)
                    .map_err(|e| ArtifactError::BadIgnoreFile {
                        path: dir.to_owned(),
                        reason: e.to_string(),
                    })?;
            }
        }
        None => {
            let file = dir.join(IGNORE_FILE);
            if !file.is_file() {
                return Ok(None);
            }
            if let Some(e) = builder.add(&file) {
                return Err(ArtifactError::BadIgnoreFile {
                    path: file,
                    reason: e.to_string(),
                });
            }
        }
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| ArtifactError::BadIgnoreFile {
            path: dir.join(IGNORE_FILE),
            reason: e.to_string(),
        })
}

/// Lists the files to package under `root`, sorted by name.
pub(crate) fn collect(root: &Path, exclude: &Exclude) -> Result<Vec<Entry>, ArtifactError> {
    let meta = fs::metadata(root).map_err(|e| ArtifactError::io(root, e))?;
    if !meta.is_dir() {
        return Err(ArtifactError::NotADirectory {
            path: root.to_owned(),
        });
    }
    let real_root = fs::canonicalize(root).map_err(|e| ArtifactError::io(root, e))?;
    let mut walker = Walker {
        exclude,
        defaults: gitignore(root, Some(DEFAULT_IGNORES))?,
        ignore_files: Vec::new(),
        real_root: real_root.clone(),
        entries: Vec::new(),
        total: 0,
    };
    walker.walk(root, "", &mut vec![real_root])?;
    if walker.total > MAX_UNZIPPED_BYTES {
        return Err(ArtifactError::UnzippedTooLarge {
            path: root.to_owned(),
            size: walker.total,
            limit: MAX_UNZIPPED_BYTES,
        });
    }
    let mut entries = walker.entries;
    // Bytewise order of the full names, not per-directory order: `a-b` sorts before `a/c`.
    entries.sort_unstable_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    Ok(entries)
}

struct Walker<'a> {
    exclude: &'a Exclude,
    /// [`DEFAULT_IGNORES`], rooted at the package's folder.
    defaults: Option<Gitignore>,
    /// The `.flotillaignore` of each folder being walked that has one, innermost last.
    ignore_files: Vec<Gitignore>,
    real_root: PathBuf,
    entries: Vec<Entry>,
    total: u64,
}

impl Walker<'_> {
    /// Whether `path` (named `name` in the zip) is left out: the innermost
    /// `.flotillaignore` that has an opinion decides (`!pattern` includes again), then
    /// the defaults, then `exclude`.
    fn skips(&self, path: &Path, name: &str, is_dir: bool) -> bool {
        for rules in self.ignore_files.iter().rev() {
            match rules.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return self.exclude.excludes(name, is_dir),
                Match::None => {}
            }
        }
        let by_default = self
            .defaults
            .as_ref()
            .is_some_and(|d| d.matched(name, is_dir).is_ignore());
        by_default || self.exclude.excludes(name, is_dir)
    }

    /// Walks `dir` (whose entries are named `prefix/...` in the zip). `real_dirs` holds
    /// the canonical paths of the directories being walked, innermost last, so a link
    /// back to any of them is caught as a loop.
    fn walk(
        &mut self,
        dir: &Path,
        prefix: &str,
        real_dirs: &mut Vec<PathBuf>,
    ) -> Result<(), ArtifactError> {
        let own_rules = gitignore(dir, None)?;
        let pushed = own_rules.is_some();
        self.ignore_files.extend(own_rules);
        let walked = self.walk_entries(dir, prefix, real_dirs);
        if pushed {
            self.ignore_files.pop();
        }
        walked
    }

    fn walk_entries(
        &mut self,
        dir: &Path,
        prefix: &str,
        real_dirs: &mut Vec<PathBuf>,
    ) -> Result<(), ArtifactError> {
        let read = fs::read_dir(dir).map_err(|e| ArtifactError::io(dir, e))?;
        for item in read {
            let item = item.map_err(|e| ArtifactError::io(dir, e))?;
            let path = item.path();
            let Some(file_name) = item.file_name().to_str().map(str::to_owned) else {
                return Err(ArtifactError::NonUtf8Name { path });
            };
            let name = if prefix.is_empty() {
                file_name.clone()
            } else {
                format!("{prefix}/{file_name}")
            };
            let file_type = item.file_type().map_err(|e| ArtifactError::io(&path, e))?;
            if file_type.is_symlink() {
                self.symlink(&path, name, real_dirs)?;
            } else if file_type.is_dir() {
                if self.skips(&path, &name, true) {
                    continue;
                }
                // Not a link, so its canonical path is its parent's plus its own name.
                let parent = real_dirs.last().unwrap_or(&self.real_root);
                real_dirs.push(parent.join(&file_name));
                self.walk(&path, &name, real_dirs)?;
                real_dirs.pop();
            } else if file_type.is_file() {
                if self.skips(&path, &name, false) {
                    continue;
                }
                let meta = item.metadata().map_err(|e| ArtifactError::io(&path, e))?;
                self.push_file(name, path, &meta);
            } else if !self.skips(&path, &name, false) {
                return Err(ArtifactError::SpecialFile { path });
            }
        }
        Ok(())
    }

    fn symlink(
        &mut self,
        link: &Path,
        name: String,
        real_dirs: &mut Vec<PathBuf>,
    ) -> Result<(), ArtifactError> {
        let broken = |e| ArtifactError::SymlinkBroken {
            link: link.to_owned(),
            source: Arc::new(e),
        };
        let meta = match fs::metadata(link) {
            Ok(meta) => meta,
            // An excluded link is never resolved, so a dangling one there is fine.
            Err(_) if self.skips(link, &name, false) => return Ok(()),
            Err(e) => return Err(broken(e)),
        };
        if self.skips(link, &name, meta.is_dir()) {
            return Ok(());
        }
        let target = fs::canonicalize(link).map_err(broken)?;
        if !target.starts_with(&self.real_root) {
            return Err(ArtifactError::SymlinkOutside {
                link: link.to_owned(),
                target,
            });
        }
        if meta.is_dir() {
            if real_dirs.contains(&target) {
                return Err(ArtifactError::SymlinkLoop {
                    link: link.to_owned(),
                    target,
                });
            }
            real_dirs.push(target);
            self.walk(link, &name, real_dirs)?;
            real_dirs.pop();
        } else if meta.is_file() {
            // Stored as the file it points to, under the link's name.
            self.push_file(name, link.to_owned(), &meta);
        } else {
            return Err(ArtifactError::SpecialFile { path: target });
        }
        Ok(())
    }

    fn push_file(&mut self, name: String, source: PathBuf, meta: &Metadata) {
        self.total = self.total.saturating_add(meta.len());
        self.entries.push(Entry {
            name,
            source,
            mode: normalised_mode(meta),
        });
    }
}

#[cfg(unix)]
fn normalised_mode(meta: &Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    }
}

#[cfg(not(unix))]
fn normalised_mode(_meta: &Metadata) -> u32 {
    0o644
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    fn exclude(patterns: &[&str]) -> Exclude {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        Exclude::new(&patterns).unwrap()
    }

    #[test]
    fn star_stays_within_a_segment_and_double_star_crosses() {
        let ex = exclude(&["*.pyc", "**/*.md"]);
        assert!(ex.excludes("a.pyc", false));
        assert!(!ex.excludes("pkg/a.pyc", false));
        assert!(ex.excludes("README.md", false));
        assert!(ex.excludes("pkg/docs/x.md", false));
    }

    #[test]
    fn trailing_slash_matches_directories_only() {
        let ex = exclude(&["build/", "./dist"]);
        assert!(ex.excludes("build", true));
        assert!(!ex.excludes("build", false));
        assert!(ex.excludes("dist", false));
    }

    #[test]
    fn invalid_and_empty_patterns_are_refused() {
        for bad in ["a[", "/"] {
            let err = Exclude::new(&[bad.to_owned()]).unwrap_err();
            assert!(
                matches!(err, ArtifactError::BadExclude { ref pattern, .. } if pattern == bad),
                "{err:?}"
            );
        }
    }
}
