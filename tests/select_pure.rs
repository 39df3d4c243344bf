//! Selection without git: `--only` matching, changed paths, dependents, reasons, and
//! the model `Selection::apply` returns.

use crate::plan_support as support;

use std::path::PathBuf;

use flotilla_core::model::{ArtifactSource, FunctionKey, Model};
use flotilla_core::select::{Criteria, FixedChanges, Reason, SelectError, Selection, select};
use support::{function, model};

fn key(k: &str) -> FunctionKey {
    FunctionKey(k.to_owned())
}

/// auth ← api ← gateway (gateway depends on api, api on auth); billing and web apart.
fn fleet() -> Model {
    let auth = function("auth");
    let mut api = function("api");
    api.depends_on = vec![key("auth")];
    let mut gateway = function("api-gateway");
    gateway.depends_on = vec![key("api")];
    let billing = function("billing");
    let mut web = function("web");
    web.paths = vec!["services/web/**".to_owned(), "shared/*.py".to_owned()];
    model(vec![auth, api, gateway, billing, web])
}

fn only(patterns: &[&str]) -> Criteria {
    Criteria {
        only: patterns.iter().map(|p| (*p).to_owned()).collect(),
        changed_since: None,
    }
}

fn changed(files: &[&str]) -> (Criteria, FixedChanges) {
    let criteria = Criteria {
        only: Vec::new(),
        changed_since: Some("origin/main".to_owned()),
    };
    let files = files
        .iter()
        .map(|f| PathBuf::from("/repo").join(f))
        .collect();
    (criteria, FixedChanges(files))
}

fn keys(selection: &Selection) -> Vec<&str> {
    selection.selected.keys().map(|k| k.0.as_str()).collect()
}

fn reasons(selection: &Selection, k: &str) -> Vec<String> {
    selection.selected[&key(k)]
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn no_flags_select_every_function() {
    let s = select(&fleet(), &Criteria::default(), &FixedChanges::default()).unwrap();
    assert_eq!(keys(&s), ["api", "api-gateway", "auth", "billing", "web"]);
    assert_eq!(s.selected[&key("web")], [Reason::NoFilter]);
}

#[test]
fn only_matches_keys_names_and_globs() {
    let s = select(&fleet(), &only(&["api-*"]), &FixedChanges::default()).unwrap();
    // `api-*` matches the key `api-gateway` and the Lambda name `api-staging`.
    assert_eq!(keys(&s), ["api", "api-gateway"]);
    assert_eq!(reasons(&s, "api"), [r#"matched --only "api-*""#]);

    let s = select(
        &fleet(),
        &only(&["billing-staging", "web"]),
        &FixedChanges::default(),
    )
    .unwrap();
    assert_eq!(keys(&s), ["billing", "web"]);
}

#[test]
fn only_does_not_pull_in_dependents() {
    let s = select(&fleet(), &only(&["auth"]), &FixedChanges::default()).unwrap();
    assert_eq!(keys(&s), ["auth"]);
}

#[test]
fn only_that_matches_nothing_names_the_pattern_and_a_suggestion() {
    let err = select(&fleet(), &only(&["web", "auht"]), &FixedChanges::default()).unwrap_err();
    let SelectError::NoMatch {
        pattern,
        suggestion,
        ..
    } = &err
    else {
        panic!("expected NoMatch, got {err:?}");
    };
    assert_eq!(pattern, "auht");
    assert_eq!(suggestion.as_deref(), Some("auth"));
    assert_eq!(
        err.to_string(),
        r#"--only "auht" matches no function (did you mean `auth`?)"#
    );

    let err = select(&fleet(), &only(&["zzzzzz"]), &FixedChanges::default()).unwrap_err();
    assert_eq!(err.to_string(), r#"--only "zzzzzz" matches no function"#);
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(
        help.contains("functions: auth, api, api-gateway, billing, web"),
        "{help}"
    );
}

#[test]
fn only_with_a_broken_glob_is_an_error() {
    let err = select(&fleet(), &only(&["api-[a"]), &FixedChanges::default()).unwrap_err();
    assert!(matches!(err, SelectError::InvalidPattern { ref pattern, .. } if pattern == "api-[a"));
}

#[test]
fn artifact_folder_change_selects_the_function_and_its_dependents_transitively() {
    let (criteria, repo) = changed(&["services/auth/app.py"]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert_eq!(keys(&s), ["api", "api-gateway", "auth"]);
    assert_eq!(
        reasons(&s, "auth"),
        ["artifact source changed: services/auth/app.py"]
    );
    assert_eq!(reasons(&s, "api"), ["depends on auth"]);
    assert_eq!(reasons(&s, "api-gateway"), ["depends on api"]);
}

#[test]
fn a_selected_function_that_also_depends_on_one_lists_both_reasons() {
    let (criteria, repo) = changed(&["services/auth/x.py", "services/api/y.py"]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert_eq!(
        reasons(&s, "api"),
        [
            "artifact source changed: services/api/y.py",
            "depends on auth"
        ]
    );
}

#[test]
fn paths_globs_replace_the_artifact_folder_and_name_the_file() {
    let (criteria, repo) = changed(&["shared/util.py"]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert_eq!(keys(&s), ["web"]);
    assert_eq!(
        reasons(&s, "web"),
        [r#"paths glob "shared/*.py" matched shared/util.py"#]
    );

    // `*` does not cross folders, and a function with `paths` ignores its artifact folder.
    let (criteria, repo) = changed(&["shared/deep/util.py", "services/web-old/a.py"]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert!(keys(&s).is_empty(), "{s:?}");
}

#[test]
fn sibling_folders_with_a_common_prefix_do_not_match() {
    // `services/api-gateway` must not count as a change inside `services/api`.
    let (criteria, repo) = changed(&["services/api-gateway/main.py"]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert_eq!(keys(&s), ["api-gateway"]);
}

#[test]
fn files_outside_the_manifest_folder_and_unrelated_files_select_nothing() {
    let (criteria, _) = changed(&[]);
    let repo = FixedChanges(vec![
        PathBuf::from("/elsewhere/services/auth/app.py"),
        PathBuf::from("/repo/README.md"),
    ]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert!(s.selected.is_empty(), "{s:?}");
}

#[test]
fn manifest_change_selects_every_function_and_says_so() {
    let (criteria, repo) = changed(&["deploy.yaml", "shared/a.py"]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert_eq!(keys(&s), ["api", "api-gateway", "auth", "billing", "web"]);
    assert_eq!(reasons(&s, "billing"), ["manifest changed"]);
    assert_eq!(
        reasons(&s, "web"),
        [
            "manifest changed",
            r#"paths glob "shared/*.py" matched shared/a.py"#
        ]
    );
}

#[test]
fn zip_artifacts_are_selected_when_the_zip_changes() {
    let mut fleet = fleet();
    fleet.functions[3].artifact = ArtifactSource::Zip {
        path: PathBuf::from("/repo/dist/billing.zip"),
        upload: None,
    };
    let (criteria, repo) = changed(&["dist/billing.zip"]);
    let s = select(&fleet, &criteria, &repo).unwrap();
    assert_eq!(keys(&s), ["billing"]);
    assert_eq!(
        reasons(&s, "billing"),
        ["artifact source changed: dist/billing.zip"]
    );
}

#[test]
fn only_and_changed_since_together_keep_the_intersection() {
    let (mut criteria, repo) = changed(&["services/auth/app.py"]);
    criteria.only = vec!["api*".to_owned()];
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert_eq!(keys(&s), ["api", "api-gateway"]);
    assert_eq!(
        reasons(&s, "api"),
        [r#"matched --only "api*""#, "depends on auth"]
    );
}

#[test]
fn apply_keeps_selected_functions_and_drops_edges_to_the_rest() {
    let fleet = fleet();
    let s = select(
        &fleet,
        &only(&["api", "api-gateway"]),
        &FixedChanges::default(),
    )
    .unwrap();
    let smaller = s.apply(&fleet);
    let names: Vec<&str> = smaller.functions.iter().map(|f| f.key.0.as_str()).collect();
    assert_eq!(names, ["api", "api-gateway"]);
    // `auth` is outside the selection: apply must treat it as satisfied.
    assert!(smaller.functions[0].depends_on.is_empty());
    assert_eq!(smaller.functions[1].depends_on, [key("api")]);
    assert_eq!(smaller.manifest_digest, fleet.manifest_digest);
}

#[test]
fn describe_lists_each_function_with_its_reasons() {
    let (criteria, repo) = changed(&["services/auth/app.py"]);
    let s = select(&fleet(), &criteria, &repo).unwrap();
    assert_eq!(
        s.describe(),
        "api: depends on auth\napi-gateway: depends on api\nauth: artifact source changed: services/auth/app.py\n"
    );
}
