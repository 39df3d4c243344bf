//! `ManifestError`: everything wrong with a manifest, as one miette diagnostic that
//! lists each problem (file, line, column, message, help) on its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::NamedSource;

pub use crate::manifest::Problem;

/// Whether the manifest is wrong or the way it was asked for is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The manifest cannot be read or is invalid (exit code 1).
    Invalid,
    /// The request does not fit the manifest, e.g. an unknown `--env` (exit code 2).
    Usage,
}

/// A manifest that could not be loaded, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.headline())]
pub struct ManifestError {
    /// The manifest's path as given.
    pub path: PathBuf,
    /// Invalid manifest or usage error.
    pub kind: ErrorKind,
    problems: Vec<Problem>,
}

impl ManifestError {
    /// Builds the error, attaching the file's path and text to each problem so each
    /// renders with its own underlined snippet.
    pub(crate) fn new(
        path: &Path,
        text: Option<&str>,
        kind: ErrorKind,
        mut problems: Vec<Problem>,
    ) -> Self {
        let src = Arc::new(NamedSource::new(
            path.display().to_string(),
            text.unwrap_or("").to_owned(),
        ));
        problems.sort_by_key(|p| (p.pos.line, p.pos.column));
        problems.dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
        let mut on_line = std::collections::BTreeMap::<usize, usize>::new();
        for p in &mut problems {
            p.path = path.to_owned();
            let seen = on_line.entry(p.pos.line).or_default();
            *seen += 1;
            p.attach(&src, *seen > crate::manifest::problem::REPEATS_SHOWN);
        }
        Self {
            path: path.to_owned(),
            kind,
            problems,
        }
    }

    /// Joins the errors of several validations of one manifest (e.g. one per
    /// environment) into one, dropping repeats; `None` when there are none. The result
    /// is a usage error only if every part is.
    pub fn combine(errors: Vec<ManifestError>) -> Option<ManifestError> {
        let first = errors.first()?;
        let path = first.path.clone();
        let kind = if errors.iter().all(|e| e.kind == ErrorKind::Usage) {
            ErrorKind::Usage
        } else {
            ErrorKind::Invalid
        };
        let text = first.problems.iter().find_map(|p| p.src.clone());
        let mut problems: Vec<Problem> = errors
            .into_iter()
            .filter(|e| kind == ErrorKind::Usage || e.kind == ErrorKind::Invalid)
            .flat_map(|e| e.problems)
            .collect();
        problems.sort_by_key(|p| (p.pos.line, p.pos.column));
        problems.dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
        let mut joined = ManifestError {
            path,
            kind,
            problems,
        };
        if let Some(src) = text {
            let mut on_line = std::collections::BTreeMap::<usize, usize>::new();
            for p in &mut joined.problems {
                let seen = on_line.entry(p.pos.line).or_default();
                *seen += 1;
                p.attach(&src, *seen > crate::manifest::problem::REPEATS_SHOWN);
            }
        }
        Some(joined)
    }

    /// Every problem, in file order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The process exit code this error calls for (1 invalid, 2 usage).
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::Invalid => 1,
            ErrorKind::Usage => 2,
        }
    }

    fn headline(&self) -> String {
        match (self.kind, self.problems.as_slice()) {
            (ErrorKind::Usage, [one]) => one.message.clone(),
            (_, [_]) => format!("{}: 1 problem in the manifest", self.path.display()),
            (_, all) => format!(
                "{}: {} problems in the manifest",
                self.path.display(),
                all.len()
            ),
        }
    }
}

// No diagnostic code: the renderer prints it as a line of its own above the report,
// which told the reader nothing the headline does not (the exit code carries the kind).
impl miette::Diagnostic for ManifestError {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.problems.iter().map(|p| p as &dyn miette::Diagnostic),
        ))
    }
}
