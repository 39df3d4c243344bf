//! Turning saved plan steps into `LambdaApi` inputs, with secrets read at apply time.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod plan_support;

use std::collections::BTreeMap;

use flotilla::lambda::CodeSource;
use flotilla::plan::resolve::{self, ResolveError};
use flotilla::plan::{FunctionPlan, PlanFile, Step, plan};
use plan_support::*;

/// The fleet plan after a round trip through the plan file, as apply sees it.
fn saved_fleet() -> Vec<FunctionPlan> {
    let (m, l, a) = fleet();
    let json = PlanFile::to_json(&plan(&m, &l, &a, CREATED_AT).unwrap());
    PlanFile::from_json(&json).unwrap().functions
}

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| vars.get(k).cloned()
}

#[test]
fn update_configuration_sends_only_changed_fields_and_the_whole_environment() {
    let fp = &saved_fleet()[1];
    let Some(Step::UpdateConfiguration { changes }) = fp
        .steps
        .iter()
        .find(|s| matches!(s, Step::UpdateConfiguration { .. }))
    else {
        panic!("{:?}", fp.steps)
    };
    let lookup = env(&[("CONTACT_API_TOKEN", NEW_SECRET)]);
    let input = resolve::update_config_input(fp, changes, Some("rev-9".into()), &lookup).unwrap();
    assert_eq!(input.name, "contact-form-staging");
    assert_eq!(input.revision_id.as_deref(), Some("rev-9"));
    assert_eq!((input.memory_mb, input.timeout_s), (Some(256), Some(30)));
    assert_eq!(
        (input.role, input.handler, input.layers),
        (None, None, None)
    );
    let environment = input.environment.unwrap();
    assert_eq!(
        environment,
        BTreeMap::from([
            ("API_TOKEN".to_owned(), NEW_SECRET.to_owned()),
            ("SMTP_HOST".to_owned(), "smtp.example.com".to_owned()),
        ]),
        "LEGACY_FLAG is dropped because the map is replaced"
    );
}

#[test]
fn create_input_carries_config_code_and_tags() {
    let fp = &saved_fleet()[0];
    let Step::CreateFunction { tags } = &fp.steps[0] else {
        panic!("{:?}", fp.steps)
    };
    let code = CodeSource::Zip(std::sync::Arc::new(vec![1, 2, 3]));
    let lookup = env(&[("AUTH_JWT_KEY", SECRET)]);
    let input = resolve::create_function_input(fp, tags, code.clone(), &lookup).unwrap();
    assert_eq!(input.config.name, "auth-staging");
    assert_eq!(input.config.environment["JWT_KEY"], SECRET);
    assert_eq!(input.config.environment["LOG_LEVEL"], "info");
    assert_eq!(input.tags["team"], "identity");
    assert_eq!(input.code, code);
    assert!(!input.publish, "publishing is its own step");
}

#[test]
fn missing_secret_names_the_variable_not_a_value() {
    let fp = &saved_fleet()[0];
    let err = resolve::environment(fp, &env(&[])).unwrap_err();
    assert_eq!(
        err,
        ResolveError::MissingSecret {
            function: fp.key.clone(),
            key: "JWT_KEY".into(),
            var: "AUTH_JWT_KEY".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "function `auth`: environment variable `AUTH_JWT_KEY` (for the sensitive value `JWT_KEY`) is not set"
    );
}

#[test]
fn inline_secret_cannot_be_applied_from_a_saved_plan() {
    let mut f = with_secret(function("api"), "TOKEN", SECRET, "X");
    f.environment_sources.clear();
    let m = model(vec![f]);
    let p = plan(&m, &Default::default(), &artifacts(&m, SHA_A), CREATED_AT).unwrap();
    assert!(!PlanFile::to_json(&p).contains(SECRET));
    let err = resolve::environment(&p.functions[0], &env(&[])).unwrap_err();
    assert!(matches!(err, ResolveError::InlineSecret { .. }), "{err}");
}
