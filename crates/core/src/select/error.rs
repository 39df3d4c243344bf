//! Errors of monorepo selection, each with the fix a user can apply.

use std::path::PathBuf;

/// Why `--only` or `--changed-since` could not select functions.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SelectError {
    /// An `--only` pattern matched no function key or Lambda name.
    #[error("--only {pattern:?} matches no function{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    #[diagnostic(
        code(flotilla::select::no_match),
        help("--only takes a manifest key or a Lambda name, or a glob such as `api-*`; functions: {}", known.join(", "))
    )]
    NoMatch {
        /// The pattern as given.
        pattern: String,
        /// The closest key or name, when one looks like a typo of the pattern.
        suggestion: Option<String>,
        /// Every manifest key, for the help text.
        known: Vec<String>,
    },
    /// `apply PLAN --only`: a selected function waits for one outside the selection that
    /// the plan changes, so applying the subset alone would run it against the old one.
    #[error(
        "--only selects `{function}`, which depends on `{dependency}`, but `{dependency}` is not selected and the plan changes it"
    )]
    #[diagnostic(
        code(flotilla::select::dependency_outside),
        help("add `--only {dependency}` so it is applied first, or apply the whole plan")
    )]
    DependencyOutside {
        /// The selected function.
        function: String,
        /// Its dependency with pending changes.
        dependency: String,
    },
    /// A pattern (from `--only` or a function's `paths`) is not a valid glob.
    #[error("{pattern:?} is not a valid glob: {message}")]
    #[diagnostic(
        code(flotilla::select::invalid_pattern),
        help("use `*` for any characters, `**` for any folders, `{{a,b}}` for alternatives")
    )]
    InvalidPattern {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
    /// `git` could not be run at all.
    #[error("cannot run git for --changed-since: {message}")]
    #[diagnostic(
        code(flotilla::select::git_missing),
        help("install git and make sure it is on PATH, or drop --changed-since")
    )]
    GitUnavailable {
        /// The operating system's error.
        message: String,
    },
    /// The manifest's folder is not inside a git work tree.
    #[error("--changed-since needs a git repository, but {} is not inside one", dir.display())]
    #[diagnostic(
        code(flotilla::select::not_a_repo),
        help(
            "run flotilla from a git checkout (in GitHub Actions: actions/checkout), or drop --changed-since"
        )
    )]
    NotARepository {
        /// The folder that was checked.
        dir: PathBuf,
    },
    /// The revision given to `--changed-since` does not exist in this clone.
    #[error("--changed-since {reference:?}: no such branch, tag or commit in this clone")]
    #[diagnostic(
        code(flotilla::select::unknown_ref),
        help(
            "check the spelling, or fetch it first (`git fetch origin main`; in GitHub Actions use actions/checkout with `fetch-depth: 0`)"
        )
    )]
    UnknownRef {
        /// The revision as given.
        reference: String,
    },
    /// The revision and `HEAD` share no history in this clone (usually a shallow clone).
    #[error("--changed-since {reference:?}: no common ancestor with HEAD")]
    #[diagnostic(
        code(flotilla::select::no_merge_base),
        help(
            "the clone is probably shallow: fetch the full history (`git fetch --unshallow`, or actions/checkout with `fetch-depth: 0`)"
        )
    )]
    NoMergeBase {
        /// The revision as given.
        reference: String,
    },
    /// Any other git failure.
    #[error("`git {command}` failed: {stderr}")]
    #[diagnostic(
        code(flotilla::select::git_failed),
        help("run the same git command by hand in the manifest's folder to see what is wrong")
    )]
    Git {
        /// The arguments, joined.
        command: String,
        /// What git printed on stderr (trimmed).
        stderr: String,
    },
}
