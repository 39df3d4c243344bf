//! `--report report.json`: the committed schema (`schema/report.schema.json`) is what
//! the report types generate, and a failed apply's report carries its cause tagged by
//! `kind` and validates against that schema.

use crate::e2e_support;

use std::path::PathBuf;

use e2e_support::{FLEET_ACCOUNT, Sim, flotilla, run, write_fleet};
use flotilla_core::apply::Report;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json")
}

fn committed_schema() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap()
}

#[test]
fn committed_report_schema_is_current() {
    let generated = format!(
        "{}\n",
        serde_json::to_string_pretty(&Report::schema()).unwrap()
    );
    let path = schema_path();
    if std::env::var_os("FLOTILLA_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/report.schema.json is stale: the report types changed.\n\
         Regenerate it with `FLOTILLA_BLESS=1 cargo test -p flotilla --test main committed_report_schema_is_current` and commit it."
    );
}

#[test]
fn report_schema_is_draft_07_and_names_every_failure_kind() {
    let schema = committed_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let text = serde_json::to_string(&schema["definitions"]["FailureCause"]).unwrap();
    for kind in [
        "api",
        "gave_up",
        "update_failed",
        "function_failed",
        "timed_out",
        "not_applied",
        "secret_missing",
    ] {
        assert!(
            text.contains(&format!("\"{kind}\"")),
            "no kind {kind}: {text}"
        );
    }
}

#[test]
fn a_failed_update_is_a_tagged_cause_in_a_report_that_fits_the_schema() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let old = dir.join("v1");
    std::fs::create_dir_all(&old).unwrap();
    write_fleet(&old, 2, &["eu-north-1"], "v1");
    write_fleet(dir, 2, &["eu-north-1"], "v2");
    let sim = Sim::start(
        dir,
        &[
            "--seed-from",
            "v1/deploy.yaml",
            "--env",
            "staging",
            "--account",
            FLEET_ACCOUNT,
        ],
    );
    sim.control(
        "PUT",
        "faults",
        r#"[{"op": "UpdateFunctionCode", "function": "fn-001-staging",
             "kind": {"type": "fail_update", "reason": "the zip is broken", "reason_code": "InvalidZipFileException"},
             "trigger": {"next": 1}}]"#,
    );
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args([
        "apply",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--auto-approve",
        "--report",
        "report.json",
        "--endpoint-url",
        &sim.url,
    ]);
    let out = run(cmd).expect_code(1);
    // The text table keeps the human sentence.
    assert!(
        out.stderr.contains("update failed: the zip is broken"),
        "{}",
        out.stderr
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let failed = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "fn-001")
        .expect("fn-001 in the report");
    assert_eq!(failed["outcome"]["kind"], "failed", "{failed:#}");
    let cause = &failed["outcome"]["cause"];
    assert_eq!(cause["kind"], "update_failed", "{cause:#}");
    assert_eq!(cause["reason_code"], "InvalidZipFileException", "{cause:#}");
    assert_eq!(cause["reason"], "the zip is broken", "{cause:#}");

    let validator = jsonschema::draft7::new(&committed_schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json does not fit the schema: {errors:#?}"
    );
}

#[test]
fn an_unwritable_report_path_fails_naming_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write_fleet(dir, 1, &["eu-north-1"], "v1");
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args([
        "apply",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--local",
        "--auto-approve",
        "--report",
        "no-such-dir/report.json",
    ]);
    let out = run(cmd).expect_code(1);
    assert!(
        out.stderr
            .contains("error: cannot write the report to no-such-dir/report.json"),
        "{}",
        out.stderr
    );
}
