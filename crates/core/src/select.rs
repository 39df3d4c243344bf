//! Monorepo selection: which functions of a [`Model`] a run should touch.
//!
//! `--only NAME|GLOB` picks functions by manifest key or resolved Lambda name;
//! `--changed-since REF` picks the functions whose sources changed since the merge base
//! of `REF` and `HEAD` (plus uncommitted and untracked files), then every function that
//! depends on one of them, transitively. Both together keep the intersection. Every
//! selected function carries the reasons it was picked, so a plan can say why.
//!
//! Data enters as a `Model`, [`Criteria`] and a [`ChangedFiles`] source (the real one is
//! [`Git`]; tests inject [`FixedChanges`]) and leaves as a [`Selection`], which
//! [`Selection::apply`] turns back into a smaller `Model`. Apart from asking the
//! `ChangedFiles` source, the only I/O is canonicalizing paths so that symlinks and `..`
//! in the manifest's folder compare equal to what git reports.

mod error;
mod git;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::model::{ArtifactSource, Function, FunctionKey, Model};
use crate::plan::{Action, Plan};

pub use error::SelectError;
pub use git::Git;

/// What the user asked for (`--only`, `--changed-since`). Empty criteria select everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    /// `--only` patterns: a manifest key, a Lambda name, or a glob over either.
    pub only: Vec<String>,
    /// `--changed-since`: a git revision (branch, tag, commit) to compare `HEAD` with.
    pub changed_since: Option<String>,
}

impl Criteria {
    /// True when neither flag was given (every function is selected).
    pub fn is_empty(&self) -> bool {
        self.only.is_empty() && self.changed_since.is_none()
    }
}

/// Where changed files come from: git in real runs, a fixed list in tests.
pub trait ChangedFiles {
    /// Absolute paths of the files that differ between the merge base of `reference` and
    /// `HEAD` and the working tree, including uncommitted and untracked files (deleted
    /// files included).
    fn changed_since(&self, reference: &str) -> Result<Vec<PathBuf>, SelectError>;
}

/// A fixed list of changed files (absolute paths), for tests and for callers that
/// compute changes some other way.
#[derive(Debug, Clone, Default)]
pub struct FixedChanges(pub Vec<PathBuf>);

impl ChangedFiles for FixedChanges {
    fn changed_since(&self, _reference: &str) -> Result<Vec<PathBuf>, SelectError> {
        Ok(self.0.clone())
    }
}

/// Why a function was selected. Paths are relative to the manifest's folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Neither `--only` nor `--changed-since` was given.
    NoFilter,
    /// An `--only` pattern matched the key or the Lambda name.
    Only {
        /// The pattern as given.
        pattern: String,
    },
    /// One of the function's `paths` globs matched a changed file (the first one found).
    PathsGlob {
        /// The glob from the manifest.
        glob: String,
        /// The changed file.
        file: String,
    },
    /// A file inside the function's artifact folder (or its zip) changed; used for
    /// functions without `paths`.
    ArtifactChanged {
        /// The changed file (the first one found).
        file: String,
    },
    /// The manifest file itself changed: any function's settings may have moved, so
    /// every function is selected and the plan shows which really differ.
    ManifestChanged,
    /// The function depends (`depends_on`) on a selected function.
    DependsOn {
        /// The selected dependency.
        key: FunctionKey,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoFilter => f.write_str("no --only or --changed-since given"),
            Self::Only { pattern } => write!(f, "matched --only {pattern:?}"),
            Self::PathsGlob { glob, file } => write!(f, "paths glob {glob:?} matched {file}"),
            Self::ArtifactChanged { file } => write!(f, "artifact source changed: {file}"),
            Self::ManifestChanged => f.write_str("manifest changed"),
            Self::DependsOn { key } => write!(f, "depends on {key}"),
        }
    }
}

/// The chosen functions, each with the reasons it was chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Selected function keys and why.
    pub selected: BTreeMap<FunctionKey, Vec<Reason>>,
}

impl Selection {
    /// True when `key` is selected.
    pub fn contains(&self, key: &FunctionKey) -> bool {
        self.selected.contains_key(key)
    }

    /// The model restricted to the selected functions, in manifest order.
    ///
    /// Dependencies that are not selected are left out of the model, and `depends_on`
    /// entries naming them are dropped: a dependency outside the selection counts as
    /// satisfied (it is already deployed, or deployed by another run), so apply never
    /// waits for a function it was not asked to touch.
    pub fn apply(&self, model: &Model) -> Model {
        let functions = model
            .functions
            .iter()
            .filter(|f| self.contains(&f.key))
            .map(|f| {
                let mut f = f.clone();
                f.depends_on.retain(|d| self.contains(d));
                f
            })
            .collect();
        Model {
            functions,
            ..model.clone()
        }
    }

    /// One line per selected function, `key: reason; reason`, for humans and logs.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (key, reasons) in &self.selected {
            let reasons: Vec<String> = reasons.iter().map(ToString::to_string).collect();
            out.push_str(&format!("{key}: {}\n", reasons.join("; ")));
        }
        out
    }
}

/// Chooses the functions of `model` that `criteria` asks for.
///
/// `repo` is consulted only when `criteria.changed_since` is set. An `--only` pattern
/// that matches no function is an error (with a "did you mean"), as is a pattern that is
/// not a valid glob.
pub fn select(
    model: &Model,
    criteria: &Criteria,
    repo: &dyn ChangedFiles,
) -> Result<Selection, SelectError> {
    let mut selected: BTreeMap<FunctionKey, Vec<Reason>> = BTreeMap::new();
    if criteria.is_empty() {
        for f in &model.functions {
            selected.insert(f.key.clone(), vec![Reason::NoFilter]);
        }
        return Ok(Selection { selected });
    }

    let only = if criteria.only.is_empty() {
        None
    } else {
        Some(by_only(model, &criteria.only)?)
    };
    let changed = match &criteria.changed_since {
        None => None,
        Some(reference) => {
            let files = repo.changed_since(reference)?;
            Some(with_dependents(model, by_changes(model, &files)?))
        }
    };

    match (only, changed) {
        (Some(only), Some(changed)) => {
            for (key, mut reasons) in changed {
                if let Some(more) = only.get(&key) {
                    reasons.splice(0..0, more.iter().cloned());
                    selected.insert(key, reasons);
                }
            }
        }
        (Some(one), None) | (None, Some(one)) => selected = one,
        (None, None) => {}
    }
    Ok(Selection { selected })
}

/// `apply PLAN --only PATTERN...`: the part of a saved plan whose functions match a
/// pattern (by key or Lambda name); the others are not touched. A pattern that matches
/// nothing is an error, as for a manifest, and so is a selected function that depends on
/// an unselected one the plan changes (it would otherwise run before its dependency).
/// Dependencies outside the selection that the plan leaves as they are are dropped from
/// `depends_on`: there is nothing to wait for.
pub fn select_plan(plan: &Plan, patterns: &[String]) -> Result<Plan, SelectError> {
    let mut keep: BTreeSet<FunctionKey> = BTreeSet::new();
    for pattern in patterns {
        let matcher = compile(pattern, false)?;
        let mut hit = false;
        for f in &plan.functions {
            if matcher.is_match(&f.key.0) || matcher.is_match(&f.name) {
                hit = true;
                keep.insert(f.key.clone());
            }
        }
        if !hit {
            let names = plan
                .functions
                .iter()
                .flat_map(|f| [f.key.0.as_str(), f.name.as_str()]);
            return Err(SelectError::NoMatch {
                pattern: pattern.clone(),
                suggestion: closest_of(names, pattern),
                known: plan.functions.iter().map(|f| f.key.0.clone()).collect(),
            });
        }
    }
    let mut part = plan.clone();
    part.functions.retain(|f| keep.contains(&f.key));
    for f in &part.functions {
        for d in &f.depends_on {
            let pending = plan
                .functions
                .iter()
                .any(|p| &p.key == d && p.action != Action::NoChange);
            if !keep.contains(d) && pending {
                return Err(SelectError::DependencyOutside {
                    function: f.key.0.clone(),
                    dependency: d.0.clone(),
                });
            }
        }
    }
    for f in &mut part.functions {
        f.depends_on.retain(|d| keep.contains(d));
    }
    Ok(part)
}

fn by_only(
    model: &Model,
    patterns: &[String],
) -> Result<BTreeMap<FunctionKey, Vec<Reason>>, SelectError> {
    let mut out: BTreeMap<FunctionKey, Vec<Reason>> = BTreeMap::new();
    for pattern in patterns {
        let matcher = compile(pattern, false)?;
        let mut hit = false;
        for f in &model.functions {
            if matcher.is_match(&f.key.0) || matcher.is_match(f.name.as_str()) {
                hit = true;
                let reasons = out.entry(f.key.clone()).or_default();
                let reason = Reason::Only {
                    pattern: pattern.clone(),
                };
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
        if !hit {
            return Err(SelectError::NoMatch {
                pattern: pattern.clone(),
                suggestion: closest(model, pattern),
                known: model.functions.iter().map(|f| f.key.0.clone()).collect(),
            });
        }
    }
    Ok(out)
}

/// The key or name most like `pattern`, if any is close enough to be a likely typo.
fn closest(model: &Model, pattern: &str) -> Option<String> {
    closest_of(
        model
            .functions
            .iter()
            .flat_map(|f| [f.key.0.as_str(), f.name.as_str()]),
        pattern,
    )
}

/// The candidate most like `pattern`, if any is close enough to be a likely typo.
fn closest_of<'a>(candidates: impl Iterator<Item = &'a str>, pattern: &str) -> Option<String> {
    candidates
        .map(|c| (strsim::jaro_winkler(pattern, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_owned())
}

fn compile(pattern: &str, literal_separator: bool) -> Result<GlobMatcher, SelectError> {
    GlobBuilder::new(pattern)
        .literal_separator(literal_separator)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| SelectError::InvalidPattern {
            pattern: pattern.to_owned(),
            message: e.kind().to_string(),
        })
}

/// Canonical form of `path` when it exists (symlinks, `..`), else the path as given.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_owned())
}

fn by_changes(
    model: &Model,
    files: &[PathBuf],
) -> Result<BTreeMap<FunctionKey, Vec<Reason>>, SelectError> {
    let dir = canonical(&model.manifest_dir);
    let manifest = model
        .manifest_path
        .file_name()
        .map(|name| dir.join(name))
        .unwrap_or_else(|| canonical(&model.manifest_path));
    let files: Vec<PathBuf> = files.iter().map(|f| canonical_parent(f)).collect();
    // Paths relative to the manifest's folder, with `/`, as `paths` globs are written.
    let relative: Vec<(String, &PathBuf)> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&dir).ok().map(|r| (slash(r), f)))
        .collect();
    let manifest_changed = files.contains(&manifest);

    let mut out = BTreeMap::new();
    for f in &model.functions {
        let mut reasons = Vec::new();
        if manifest_changed {
            reasons.push(Reason::ManifestChanged);
        }
        if f.paths.is_empty() {
            if let Some(file) = artifact_change(f, &files) {
                let file = file
                    .strip_prefix(&dir)
                    .map_or_else(|_| file.display().to_string(), slash);
                reasons.push(Reason::ArtifactChanged { file });
            }
        } else {
            reasons.extend(paths_changes(f, &relative)?);
        }
        if !reasons.is_empty() {
            out.insert(f.key.clone(), reasons);
        }
    }
    Ok(out)
}

/// Canonicalizes the folder of `file` (the file itself may have been deleted).
fn canonical_parent(file: &Path) -> PathBuf {
    match (file.parent(), file.file_name()) {
        (Some(parent), Some(name)) => canonical(parent).join(name),
        _ => file.to_owned(),
    }
}

fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn artifact_change<'a>(f: &Function, files: &'a [PathBuf]) -> Option<&'a PathBuf> {
    match &f.artifact {
        ArtifactSource::Dir { path, .. } => {
            let path = canonical(path);
            files.iter().find(|file| file.starts_with(&path))
        }
        ArtifactSource::Zip { path, .. } => {
            let path = canonical_parent(path);
            files.iter().find(|file| **file == path)
        }
        // Nothing in the repository: only a manifest change selects these.
        ArtifactSource::S3 { .. } | ArtifactSource::Image { .. } => None,
    }
}

fn paths_changes(
    f: &Function,
    relative: &[(String, &PathBuf)],
) -> Result<Vec<Reason>, SelectError> {
    let mut set = GlobSetBuilder::new();
    for glob in &f.paths {
        let g = GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|e| SelectError::InvalidPattern {
                pattern: glob.clone(),
                message: e.kind().to_string(),
            })?;
        set.add(g);
    }
    let set: GlobSet = set.build().map_err(|e| SelectError::InvalidPattern {
        pattern: f.paths.join(", "),
        message: e.kind().to_string(),
    })?;
    let mut first: BTreeMap<usize, &str> = BTreeMap::new();
    for (rel, _) in relative {
        for i in set.matches(rel) {
            first.entry(i).or_insert(rel);
        }
    }
    Ok(first
        .into_iter()
        .map(|(i, file)| Reason::PathsGlob {
            glob: f.paths[i].clone(),
            file: file.to_owned(),
        })
        .collect())
}

/// Adds every function that depends, directly or transitively, on a selected one.
fn with_dependents(
    model: &Model,
    mut selected: BTreeMap<FunctionKey, Vec<Reason>>,
) -> BTreeMap<FunctionKey, Vec<Reason>> {
    let mut dependents: BTreeMap<&FunctionKey, BTreeSet<&FunctionKey>> = BTreeMap::new();
    for f in &model.functions {
        for d in &f.depends_on {
            dependents.entry(d).or_default().insert(&f.key);
        }
    }
    let mut queue: VecDeque<FunctionKey> = selected.keys().cloned().collect();
    while let Some(key) = queue.pop_front() {
        let Some(users) = dependents.get(&key) else {
            continue;
        };
        for user in users {
            let reason = Reason::DependsOn { key: key.clone() };
            let newly = !selected.contains_key(*user);
            let reasons = selected.entry((*user).clone()).or_default();
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
            if newly {
                queue.push_back((*user).clone());
            }
        }
    }
    selected
}
