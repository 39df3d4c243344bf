//! The committed JSON Schema: current, draft-07, accepted by every example, and in
//! agreement with Flotilla on the bad-manifest corpus wherever a schema can decide.

use crate::manifest_support;

use std::path::Path;

use flotilla_core::model::{LoadOptions, Source};
use manifest_support::{bad_manifests, example_manifests, root, schema_expectation};

const SCHEMA_PATH: &str = "schema/deploy.schema.json";

fn committed_schema() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(SCHEMA_PATH)).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&committed_schema()).unwrap()
}

fn yaml_as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

fn schema_errors(v: &jsonschema::Validator, path: &Path) -> Vec<String> {
    let instance = yaml_as_json(path);
    v.iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn committed_schema_is_what_flotilla_schema_prints() {
    let committed = std::fs::read_to_string(root().join(SCHEMA_PATH)).unwrap();
    assert!(
        committed == flotilla_core::manifest::schema_json(),
        "{SCHEMA_PATH} is stale: run `cargo run -- schema > {SCHEMA_PATH}` and commit it"
    );
}

#[test]
fn schema_is_draft_07_with_descriptions_defaults_and_bounds() {
    let schema = committed_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let settings = &schema["definitions"]["RawSettings"]["properties"];
    assert_eq!(settings["memory"]["minimum"], 128);
    assert_eq!(settings["memory"]["maximum"], 10240);
    assert_eq!(settings["memory"]["default"], 128);
    assert!(
        settings["memory"]["description"]
            .as_str()
            .unwrap()
            .contains("MB")
    );
    assert_eq!(settings["ephemeral_storage"]["minimum"], 512);
    assert_eq!(settings["layers"]["maxItems"], 5);
    let function = &schema["definitions"]["RawFunction"];
    assert_eq!(function["additionalProperties"], false);
    assert!(
        function["properties"]["memory"].is_object(),
        "settings are flattened into functions"
    );
    let arch = serde_json::to_string(&schema["definitions"]["RawArchitecture"]).unwrap();
    assert!(arch.contains("x86_64") && arch.contains("arm64"));
}

#[test]
fn every_example_names_the_schema_on_its_first_line() {
    let examples = example_manifests();
    assert!(examples.len() >= 4, "{examples:?}");
    for path in examples {
        let text = std::fs::read_to_string(root().join(&path)).unwrap();
        let first = text.lines().next().unwrap();
        let target = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: first line is `{first}`", path.display()));
        let resolved = root().join(&path).parent().unwrap().join(target);
        assert_eq!(
            resolved.canonicalize().unwrap(),
            root().join(SCHEMA_PATH).canonicalize().unwrap(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn every_example_satisfies_the_schema() {
    let v = validator();
    for path in example_manifests() {
        let errors = schema_errors(&v, &path);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn every_example_is_valid_for_flotilla_in_every_environment() {
    for path in example_manifests() {
        let source = Source::read(&path).unwrap();
        let mut envs: Vec<Option<String>> = source.environments().into_iter().map(Some).collect();
        if envs.is_empty() {
            envs.push(None);
        }
        for env in envs {
            let mut opts = LoadOptions::with_vars(env.as_deref(), Default::default());
            opts.lenient_from_env = true;
            if let Err(e) = source.check(&opts) {
                panic!("{} ({env:?}):\n{}", path.display(), e.render_text(false));
            }
        }
    }
}

#[test]
fn schema_rejects_the_corpus_cases_a_schema_can_express() {
    let v = validator();
    let mut rejected = 0;
    for path in bad_manifests() {
        match schema_expectation(&path) {
            "reject" => {
                assert!(
                    !schema_errors(&v, &path).is_empty(),
                    "schema accepts {}",
                    path.display()
                );
                rejected += 1;
            }
            "accept" => {
                // Valid in shape; only Flotilla's own checks (files, interpolation,
                // cross-function rules) can refuse it.
                let errors = schema_errors(&v, &path);
                assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            }
            _ => {}
        }
    }
    assert!(rejected >= 30, "only {rejected} schema-expressible cases");
}
