//! Ownership: which manifest and environment a function belongs to, as the two tags
//! Flotilla writes on every function it creates or updates (`flotilla:manifest`,
//! `flotilla:env`). `plan --prune` deletes only functions whose tags name this
//! manifest and environment.
//!
//! The manifest's identity must not depend on where CI checked the repository out, so
//! by default it is the manifest's path relative to the root of the git work tree that
//! contains it (found by looking for `.git` upwards; no git process), else its file
//! name. `project:` in the manifest overrides it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Tag keys Flotilla reserves for itself; a manifest may not set them.
pub const RESERVED_TAG_PREFIX: &str = "flotilla:";
/// Tag naming the manifest a function belongs to.
pub const MANIFEST_TAG: &str = "flotilla:manifest";
/// Tag naming the environment a function belongs to.
pub const ENV_TAG: &str = "flotilla:env";
/// `flotilla:env` of a manifest without `environments`.
pub const DEFAULT_ENV: &str = "default";
/// Longest tag value Lambda accepts.
pub const MAX_TAG_VALUE: usize = 256;

/// The ownership tags of one manifest in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ownership {
    /// Value of `flotilla:manifest`: `project:` or the manifest's path in its repository.
    pub manifest: String,
    /// Value of `flotilla:env`: the `--env` name, or [`DEFAULT_ENV`].
    pub env: String,
}

impl Ownership {
    /// Ownership of `manifest` deployed to `environment` (`None`: [`DEFAULT_ENV`]).
    pub fn new(manifest: impl Into<String>, environment: Option<&str>) -> Self {
        Self {
            manifest: manifest.into(),
            env: environment.unwrap_or(DEFAULT_ENV).to_owned(),
        }
    }

    /// The two tags, as set on every function.
    pub fn tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (MANIFEST_TAG.to_owned(), self.manifest.clone()),
            (ENV_TAG.to_owned(), self.env.clone()),
        ])
    }

    /// The tags `f` carries once Flotilla deployed it: its own and the ownership tags
    /// (set at create, and added to an existing function that lacks them, adopting it).
    pub fn tags_of(&self, f: &super::Function) -> BTreeMap<String, String> {
        let mut tags = f.tags.clone();
        tags.extend(self.tags());
        tags
    }

    /// The ownership tags in `live` that name another manifest or environment, as
    /// `(tag, live value, this deployment's value)`. A tag that is absent is no claim: a
    /// function created by hand (no Flotilla tags) is adopted by tagging it.
    pub fn foreign_tags(
        &self,
        live: &BTreeMap<String, String>,
    ) -> Vec<(&'static str, String, String)> {
        [(MANIFEST_TAG, &self.manifest), (ENV_TAG, &self.env)]
            .into_iter()
            .filter_map(|(tag, ours)| match live.get(tag) {
                Some(theirs) if theirs != ours => Some((tag, theirs.clone(), ours.clone())),
                _ => None,
            })
            .collect()
    }

    /// True when `tags` say the function belongs to this manifest and environment.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(MANIFEST_TAG) == Some(&self.manifest) && tags.get(ENV_TAG) == Some(&self.env)
    }
}

/// True for a character Lambda accepts in a tag value (ASCII subset).
pub fn is_tag_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c)
}

/// The default manifest identity: the path of `manifest` relative to the root of the
/// git work tree containing it (a folder with a `.git` entry, directory or file), with
/// `/` separators; else the file name. Characters a tag value cannot hold become `_`.
pub fn default_identity(manifest: &Path) -> String {
    let absolute = std::path::absolute(manifest).unwrap_or_else(|_| manifest.to_owned());
    // Resolve symlinks where possible so a linked checkout names the same file.
    let absolute = absolute.canonicalize().unwrap_or(absolute);
    let relative = absolute
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .and_then(|root| absolute.strip_prefix(root).ok())
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        });
    let raw = relative.unwrap_or_else(|| {
        absolute.file_name().map_or_else(
            || "deploy.yaml".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    });
    let cleaned: String = raw
        .chars()
        .map(|c| if is_tag_value_char(c) { c } else { '_' })
        .collect();
    // Keep the end (the file name) when a deep path is too long for a tag value.
    let skip = cleaned.chars().count().saturating_sub(MAX_TAG_VALUE);
    cleaned.chars().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_the_path_inside_the_work_tree() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let repo = tmp.path().join("checkout-42");
        std::fs::create_dir_all(repo.join(".git")).expect("git dir");
        std::fs::create_dir_all(repo.join("services/api")).expect("folders");
        let manifest = repo.join("services/api/deploy.yaml");
        std::fs::write(&manifest, "version: 1\n").expect("manifest");
        assert_eq!(default_identity(&manifest), "services/api/deploy.yaml");

        // A worktree has a `.git` file instead of a folder.
        let wt = tmp.path().join("wt");
        std::fs::create_dir_all(&wt).expect("worktree");
        std::fs::write(wt.join(".git"), "gitdir: elsewhere\n").expect(".git file");
        std::fs::write(wt.join("deploy.yaml"), "version: 1\n").expect("manifest");
        assert_eq!(default_identity(&wt.join("deploy.yaml")), "deploy.yaml");
    }

    #[test]
    fn ownership_needs_both_tags() {
        let o = Ownership::new("deploy.yaml", Some("staging"));
        let mut tags = o.tags();
        assert!(o.owns(&tags));
        tags.insert(ENV_TAG.to_owned(), "prod".to_owned());
        assert!(!o.owns(&tags));
        tags.remove(ENV_TAG);
        assert!(!o.owns(&tags));
        assert_eq!(Ownership::new("x", None).env, DEFAULT_ENV);
    }

    #[test]
    fn only_a_present_tag_of_another_owner_is_foreign() {
        let o = Ownership::new("deploy.yaml", Some("prod"));
        assert!(
            o.foreign_tags(&BTreeMap::new()).is_empty(),
            "untagged: adopted"
        );
        assert!(o.foreign_tags(&o.tags()).is_empty());
        let mut staging = o.tags();
        staging.insert(ENV_TAG.to_owned(), "staging".to_owned());
        assert_eq!(
            o.foreign_tags(&staging),
            vec![(ENV_TAG, "staging".to_owned(), "prod".to_owned())]
        );
        let other = Ownership::new("other/deploy.yaml", Some("prod")).tags();
        assert_eq!(o.foreign_tags(&other)[0].0, MANIFEST_TAG);
    }
}
