//! The plan file: round trip, version and shape errors, and the committed JSON Schema.

use crate::plan_support;

use std::path::PathBuf;

use flotilla_core::plan::{Plan, PlanFile, PlanFileError, plan};
use plan_support::*;

fn fleet_plan() -> Plan {
    let (m, l, a) = fleet();
    plan(&m, &l, &a, CREATED_AT).unwrap()
}

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/plan.schema.json")
}

#[test]
fn round_trip_through_a_file() {
    let p = fleet_plan();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    PlanFile::write(&path, &p).unwrap();
    assert_eq!(PlanFile::read(&path).unwrap(), p);
}

#[test]
fn wrong_version_is_refused_before_the_shape_is_checked() {
    let mut value: serde_json::Value =
        serde_json::from_str(&PlanFile::to_json(&fleet_plan())).unwrap();
    value["format_version"] = 2.into();
    value["functions"] = "not even a list".into();
    let err = PlanFile::from_json(&value.to_string()).unwrap_err();
    assert!(
        matches!(
            err,
            PlanFileError::UnsupportedVersion {
                found: 2,
                supported: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "plan file has format_version 2, this Flotilla reads format_version 1"
    );
}

#[test]
fn malformed_files_say_what_is_wrong() {
    let err = PlanFile::from_json("{ not json").unwrap_err();
    assert!(matches!(err, PlanFileError::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("line 1"), "{err}");

    let err = PlanFile::from_json(r#"{"functions": []}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plan file is not a valid Flotilla plan: missing `format_version`"
    );

    let mut value: serde_json::Value =
        serde_json::from_str(&PlanFile::to_json(&fleet_plan())).unwrap();
    value["functions"][0]["steps"][0]["step"] = "delete_everything".into();
    let err = PlanFile::from_json(&value.to_string()).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown variant `delete_everything`"),
        "{err}"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let err = PlanFile::read(std::path::Path::new("/nonexistent/plan.json")).unwrap_err();
    assert!(matches!(err, PlanFileError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("cannot read plan file /nonexistent/plan.json"),
        "{err}"
    );
}

#[test]
fn committed_schema_is_current() {
    let generated = format!(
        "{}\n",
        serde_json::to_string_pretty(&PlanFile::schema()).unwrap()
    );
    let path = schema_path();
    if std::env::var_os("FLOTILLA_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/plan.schema.json is stale: the plan types changed.\n\
         Regenerate it with `FLOTILLA_BLESS=1 cargo test --test plan_file committed_schema_is_current` and commit it."
    );
}

#[test]
fn schema_is_draft_07_and_accepts_a_real_plan() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let instance: serde_json::Value =
        serde_json::from_str(&PlanFile::to_json(&fleet_plan())).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // And it rejects what the reader rejects.
    let mut bad = instance.clone();
    bad["functions"][0]["steps"][0]["step"] = "delete_everything".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = instance;
    bad["functions"][1]["steps"][1]["changes"][0]["new"] = serde_json::json!({"plaintext": "x"});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn an_unknown_key_in_desired_is_refused() {
    // `desired` flattens the Lambda configuration; a stray key must still be an error.
    let mut value: serde_json::Value =
        serde_json::from_str(&PlanFile::to_json(&fleet_plan())).unwrap();
    value["functions"][0]["desired"]["memory"] = 256.into();
    let err = PlanFile::from_json(&value.to_string()).unwrap_err();
    assert!(err.to_string().contains("unknown field `memory`"), "{err}");
}

/// A plan saved by a Flotilla that did not know the newer settings still loads: each
/// missing one reads as Lambda's default, the structured ones as not managed.
#[test]
fn a_plan_saved_before_the_newer_settings_still_loads() {
    let mut value: serde_json::Value =
        serde_json::from_str(&PlanFile::to_json(&fleet_plan())).unwrap();
    let newer = [
        "tracing",
        "kms_key",
        "dead_letter",
        "snap_start",
        "vpc",
        "logging",
        "file_systems",
        "image_config",
    ];
    let functions = value["functions"].as_array_mut().unwrap();
    assert!(!functions.is_empty());
    for f in functions.iter_mut() {
        let desired = f["desired"].as_object_mut().unwrap();
        for key in newer {
            assert!(desired.remove(key).is_some(), "a plan writes `{key}`");
        }
    }
    let plan = PlanFile::from_json(&value.to_string()).unwrap();
    for f in &plan.functions {
        let c = &f.desired.config;
        assert_eq!(c.tracing, "PassThrough");
        assert_eq!(c.snap_start, "None");
        assert_eq!((&c.kms_key, &c.dead_letter), (&None, &None));
        assert!(c.vpc.is_none() && c.logging.is_none());
        assert!(c.file_systems.is_none() && c.image_config.is_none());
    }
}

#[test]
fn file_lists_round_trip_fit_the_schema_and_older_plans_without_them_load() {
    use flotilla_core::plan::{PackageFiles, Step};
    let mut p = fleet_plan();
    let step = p
        .functions
        .iter_mut()
        .flat_map(|f| f.steps.iter_mut())
        .find_map(|s| match s {
            Step::UpdateCode { files, .. } => Some(files),
            _ => None,
        })
        .expect("the fleet plan updates some code");
    assert_eq!(*step, None, "plan() itself reads no package");
    *step = Some(PackageFiles::Diff {
        added: vec!["lib/new.py".into()],
        removed: vec![],
        changed: vec!["app.py".into()],
    });
    let json = PlanFile::to_json(&p);
    assert_eq!(PlanFile::from_json(&json).unwrap(), p);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let instance: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(validator.is_valid(&instance));

    // A plan written before file lists existed has no `files` key: it loads.
    let older = fleet_plan();
    let json = PlanFile::to_json(&older);
    assert!(!json.contains("\"files\""), "{json}");
    assert_eq!(PlanFile::from_json(&json).unwrap(), older);
}
