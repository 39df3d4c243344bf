//! `--changed-since` against a real scratch git repository: merge base, uncommitted and
//! untracked files, a manifest in a subfolder, and the typed git errors.

use crate::plan_support as support;

use std::path::Path;
use std::process::Command;

use flotilla_core::model::{ArtifactSource, FunctionKey, Model};
use flotilla_core::select::{Criteria, Git, SelectError, select};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Flotilla Test",
            "-c",
            "user.email=test@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git must be installed to run these tests");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A fleet whose manifest lives in `fleet/` of the repository.
fn fleet(root: &Path) -> Model {
    let dir = root.join("fleet");
    let with_dir = |key: &str| {
        let mut f = support::function(key);
        f.artifact = ArtifactSource::Dir {
            path: dir.join("services").join(key),
            exclude: Vec::new(),
            upload: None,
        };
        f
    };
    let auth = with_dir("auth");
    let mut api = with_dir("api");
    api.depends_on = vec![FunctionKey("auth".to_owned())];
    let billing = with_dir("billing");
    let mut web = with_dir("web");
    web.paths = vec!["services/web/**".to_owned(), "shared/**".to_owned()];
    let mut m = support::model(vec![auth, api, billing, web]);
    m.manifest_path = dir.join("deploy.yaml");
    m.manifest_dir = dir;
    m
}

/// main: every service; main later changes billing; `feature` (checked out) changes auth
/// in a commit, and leaves an untracked file under shared/ and a change outside fleet/.
fn scratch_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    git(root, &["init", "-q"]);
    write(root, "fleet/deploy.yaml", "version: 1\n");
    for key in ["auth", "api", "billing", "web"] {
        write(
            root,
            &format!("fleet/services/{key}/app.py"),
            "def handler(e, c): pass\n",
        );
    }
    write(root, "fleet/shared/.keep", "");
    write(root, "docs/README.md", "docs\n");
    write(root, ".gitignore", "*.pyc\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "fleet"]);
    git(root, &["checkout", "-q", "-b", "feature"]);
    write(
        root,
        "fleet/services/auth/app.py",
        "def handler(e, c): return 1\n",
    );
    git(root, &["commit", "-q", "-am", "auth change"]);
    // main moves on after the branch point: not part of this branch's changes.
    git(root, &["checkout", "-q", "main"]);
    write(
        root,
        "fleet/services/billing/app.py",
        "def handler(e, c): return 2\n",
    );
    git(root, &["commit", "-q", "-am", "billing change on main"]);
    git(root, &["checkout", "-q", "feature"]);
    // Uncommitted work: an untracked file, an ignored file, a change outside fleet/.
    write(root, "fleet/shared/util.py", "X = 1\n");
    write(root, "fleet/services/billing/cache.pyc", "junk");
    write(root, "docs/README.md", "more docs\n");
    tmp
}

fn changed_since(reference: &str) -> Criteria {
    Criteria {
        only: Vec::new(),
        changed_since: Some(reference.to_owned()),
    }
}

#[test]
fn changed_since_selects_exactly_the_changed_functions_and_dependents() {
    let tmp = scratch_repo();
    let model = fleet(tmp.path());
    let s = select(
        &model,
        &changed_since("main"),
        &Git::new(&model.manifest_dir),
    )
    .unwrap();
    assert_eq!(
        s.describe(),
        "api: depends on auth\n\
         auth: artifact source changed: services/auth/app.py\n\
         web: paths glob \"shared/**\" matched shared/util.py\n"
    );
    let kept: Vec<String> = s
        .apply(&model)
        .functions
        .iter()
        .map(|f| f.key.0.clone())
        .collect();
    assert_eq!(kept, ["auth", "api", "web"]);
}

#[test]
fn uncommitted_changes_count_and_the_manifest_selects_everything() {
    let tmp = scratch_repo();
    let model = fleet(tmp.path());
    // Against HEAD itself only the work tree differs: the untracked shared/ file.
    let s = select(
        &model,
        &changed_since("HEAD"),
        &Git::new(&model.manifest_dir),
    )
    .unwrap();
    assert_eq!(
        s.describe(),
        "web: paths glob \"shared/**\" matched shared/util.py\n"
    );

    write(tmp.path(), "fleet/deploy.yaml", "version: 1\n# edited\n");
    let s = select(
        &model,
        &changed_since("HEAD"),
        &Git::new(&model.manifest_dir),
    )
    .unwrap();
    assert_eq!(s.selected.len(), 4);
    assert_eq!(
        s.selected[&FunctionKey("billing".to_owned())][0].to_string(),
        "manifest changed"
    );
}

#[test]
fn deleted_files_count_as_changes() {
    let tmp = scratch_repo();
    let model = fleet(tmp.path());
    std::fs::remove_file(tmp.path().join("fleet/services/billing/app.py")).unwrap();
    let s = select(
        &model,
        &changed_since("HEAD"),
        &Git::new(&model.manifest_dir),
    )
    .unwrap();
    assert!(
        s.describe()
            .contains("billing: artifact source changed: services/billing/app.py"),
        "{}",
        s.describe()
    );
}

#[test]
fn unknown_ref_is_a_typed_error_with_help() {
    let tmp = scratch_repo();
    let model = fleet(tmp.path());
    for reference in ["origin/nope", "--output=/tmp/x", ""] {
        let err = select(
            &model,
            &changed_since(reference),
            &Git::new(&model.manifest_dir),
        )
        .unwrap_err();
        assert!(
            matches!(&err, SelectError::UnknownRef { reference: r } if r == reference),
            "{err:?}"
        );
        let help = miette::Diagnostic::help(&err).unwrap().to_string();
        assert!(help.contains("fetch-depth: 0"), "{help}");
    }
}

#[test]
fn unrelated_history_has_no_merge_base() {
    let tmp = scratch_repo();
    let root = tmp.path();
    git(root, &["checkout", "-q", "--orphan", "island"]);
    git(root, &["commit", "-q", "-m", "island"]);
    let model = fleet(root);
    let err = select(
        &model,
        &changed_since("main"),
        &Git::new(&model.manifest_dir),
    )
    .unwrap_err();
    assert!(matches!(err, SelectError::NoMergeBase { .. }), "{err:?}");
}

#[test]
fn outside_a_repository_is_a_typed_error() {
    let tmp = tempfile::tempdir().unwrap();
    let model = fleet(tmp.path());
    std::fs::create_dir_all(&model.manifest_dir).unwrap();
    let err = select(
        &model,
        &changed_since("main"),
        &Git::new(&model.manifest_dir),
    )
    .unwrap_err();
    assert!(matches!(err, SelectError::NotARepository { .. }), "{err:?}");
    assert!(err.to_string().contains("needs a git repository"), "{err}");
}

#[test]
fn without_changed_since_git_is_never_asked() {
    let model = fleet(Path::new("/nonexistent/flotilla"));
    let only = Criteria {
        only: vec!["auth".to_owned()],
        changed_since: None,
    };
    let s = select(&model, &only, &Git::new("/nonexistent/flotilla")).unwrap();
    assert_eq!(s.selected.len(), 1);
}
