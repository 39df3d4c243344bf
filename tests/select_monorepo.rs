//! The monorepo example, loaded by the real manifest loader inside a scratch git
//! repository (manifest in a subfolder), selected with `--changed-since` and `--only`.

use std::path::Path;
use std::process::Command;

use flotilla_core::model::{LoadOptions, Model, load};
use flotilla_core::select::{Criteria, Git, select};

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
        .unwrap();
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

/// examples/monorepo copied to `shop/` of a fresh repository, committed on main, with
/// the branch `feature` checked out.
fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/monorepo");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let to = tmp
            .path()
            .join("shop")
            .join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    write(tmp.path(), "shop/libs/python/util.py", "X = 1\n");
    git(tmp.path(), &["init", "-q"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "shop"]);
    git(tmp.path(), &["checkout", "-q", "-b", "feature"]);
    tmp
}

fn model(root: &Path) -> Model {
    let opts = LoadOptions {
        environment: Some("staging".to_owned()),
        ..LoadOptions::default()
    };
    load(&root.join("shop/deploy.yaml"), &opts).unwrap()
}

fn described(model: &Model, criteria: &Criteria) -> String {
    select(model, criteria, &Git::new(&model.manifest_dir))
        .unwrap()
        .describe()
}

fn since_main() -> Criteria {
    Criteria {
        only: Vec::new(),
        changed_since: Some("main".to_owned()),
    }
}

#[test]
fn shared_library_change_selects_its_users_by_paths_globs() {
    let tmp = repo();
    write(tmp.path(), "shop/libs/python/util.py", "X = 2\n");
    git(tmp.path(), &["commit", "-q", "-am", "util"]);
    let m = model(tmp.path());
    assert_eq!(
        described(&m, &since_main()),
        "orders-api: paths glob \"libs/python/**\" matched libs/python/util.py\n\
         payments: paths glob \"libs/python/**\" matched libs/python/util.py; depends on orders-api\n\
         reports: paths glob \"libs/python/**\" matched libs/python/util.py; depends on payments\n"
    );
}

#[test]
fn a_change_upstream_pulls_in_the_dependency_chain() {
    let tmp = repo();
    write(
        tmp.path(),
        "shop/services/auth/src/main.rs",
        "fn main() {}\n",
    );
    let m = model(tmp.path());
    assert_eq!(
        described(&m, &since_main()),
        "auth: paths glob \"services/auth/**\" matched services/auth/src/main.rs\n\
         orders-api: depends on auth\n\
         payments: depends on orders-api\n\
         reports: depends on payments\n"
    );
}

#[test]
fn manifest_edit_selects_the_whole_fleet() {
    let tmp = repo();
    let manifest = tmp.path().join("shop/deploy.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("memory: 1024", "memory: 2048")).unwrap();
    let m = model(tmp.path());
    let s = select(&m, &since_main(), &Git::new(&m.manifest_dir)).unwrap();
    assert_eq!(s.selected.len(), m.functions.len());
    assert!(
        s.selected
            .values()
            .all(|r| r[0].to_string() == "manifest changed")
    );
}

#[test]
fn only_matches_resolved_lambda_names() {
    let tmp = repo();
    let m = model(tmp.path());
    let only = Criteria {
        only: vec!["shop-*-api-staging".to_owned()],
        changed_since: None,
    };
    assert_eq!(
        described(&m, &only),
        "orders-api: matched --only \"shop-*-api-staging\"\n"
    );
}
