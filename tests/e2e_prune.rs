//! End to end, `--prune` as a user runs it: the real binary through the AWS SDK against
//! `flotilla sim` over HTTP.
//!
//! - functions Flotilla creates carry `flotilla:manifest` and `flotilla:env`;
//! - after a function leaves the manifest, `plan --prune` lists exactly it (not an
//!   untagged function, nor one tagged for another environment or manifest), `apply
//!   --prune --auto-approve` deletes exactly it, and a second plan has nothing to do;
//! - a saved `plan --prune` refuses to delete a function whose ownership tags were
//!   removed between plan and apply.

use crate::e2e_support;
use crate::support;

use std::path::Path;

use e2e_support::{
    FLEET_ACCOUNT, Run, Sim, flotilla, flotilla_on_terminal, run, summary, write_fleet,
};

const REGION: &str = "eu-north-1";

fn flo(dir: &Path, sim: &Sim, sub: &[&str]) -> Run {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(sub).args(["--endpoint-url", &sim.url]);
    run(cmd)
}

fn auth() -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    )
}

/// The HTTP status of GetFunction for `name` (200 exists, 404 gone).
fn status_of(sim: &Sim, name: &str) -> u16 {
    let auth = auth();
    let (status, _) = support::http(
        sim.port,
        "GET",
        &format!("/2015-03-31/functions/{name}"),
        &[("Authorization", &auth)],
        "",
    )
    .expect("the sim answers");
    status
}

/// Places functions the manifest never deployed: one untagged, one tagged for `prod`,
/// one tagged for another manifest.
fn seed_neighbours(sim: &Sim) {
    let body = format!(
        r#"{{"account": "{FLEET_ACCOUNT}", "region": "{REGION}", "functions": [
          {{"name": "made-by-hand"}},
          {{"name": "fn-002-prod", "tags": {{"flotilla:manifest": "deploy.yaml", "flotilla:env": "prod"}}}},
          {{"name": "other-team", "tags": {{"flotilla:manifest": "team/deploy.yaml", "flotilla:env": "staging"}}}}
        ]}}"#
    );
    sim.control("POST", "seed", &body);
}

/// Deploys three functions, then rewrites the manifest without `fn-002`.
fn deployed_then_shrunk(dir: &Path, sim: &Sim) {
    write_fleet(dir, 3, &[REGION], "v1");
    flo(
        dir,
        sim,
        &[
            "apply",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--auto-approve",
        ],
    )
    .expect_code(0);
    write_fleet(dir, 2, &[REGION], "v1");
    seed_neighbours(sim);
}

#[test]
fn plan_and_apply_prune_delete_exactly_the_function_that_left() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &["--account", FLEET_ACCOUNT, "--quota", "off"]);
    deployed_then_shrunk(dir, &sim);

    // Created functions carry both ownership tags (no git here: the file name).
    let f = sim.get_function(FLEET_ACCOUNT, REGION, "fn-000-staging");
    assert_eq!(f["Tags"]["flotilla:manifest"], "deploy.yaml", "{f}");
    assert_eq!(f["Tags"]["flotilla:env"], "staging", "{f}");

    let base = ["plan", "-f", "deploy.yaml", "--env", "staging"];
    // Without --prune nothing is listed or deleted.
    let out = flo(dir, &sim, &base).expect_code(0);
    assert!(
        out.stdout
            .contains("Plan: 0 to create, 0 to update, 2 unchanged."),
        "{}",
        out.stdout
    );

    let out = flo(dir, &sim, &[&base[..], &["--prune"]].concat()).expect_code(0);
    let listed: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("(delete: left the manifest)"))
        .collect();
    assert_eq!(
        listed,
        ["- fn-002-staging (111111111111/eu-north-1) (delete: left the manifest)"],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Plan: 0 to create, 0 to update, 2 unchanged, 1 to delete."),
        "{}",
        out.stdout
    );
    let md = flo(
        dir,
        &sim,
        &[&base[..], &["--prune", "--format", "markdown"]].concat(),
    )
    .expect_code(0);
    assert!(
        md.stdout
            .contains("- `fn-002-staging` (delete: left the manifest), 111111111111 / eu-north-1"),
        "{}",
        md.stdout
    );
    let json = flo(
        dir,
        &sim,
        &[&base[..], &["--prune", "--format", "json"]].concat(),
    )
    .expect_code(0);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let deletes: Vec<&serde_json::Value> = plan["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter(|f| f["action"] == "delete")
        .collect();
    assert_eq!(deletes.len(), 1, "{plan}");
    assert_eq!(deletes[0]["name"], "fn-002-staging");
    assert_eq!(deletes[0]["steps"][0]["step"], "delete_function");

    // A partial selection never deletes.
    let out = flo(
        dir,
        &sim,
        &[
            &base[..],
            &["--prune", "--only", "fn-000", "--detailed-exitcode"],
        ]
        .concat(),
    )
    .expect_code(0);
    assert!(!out.stdout.contains("delete"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("no deletions are planned with --only/--changed-since"),
        "{}",
        out.stderr
    );

    let out = flo(
        dir,
        &sim,
        &[
            "apply",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--prune",
            "--auto-approve",
        ],
    )
    .expect_code(0);
    let s = summary(&out.stderr);
    assert_eq!(
        (s.functions, s.converged, s.failed),
        (3, 3, 0),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(", 1 deleted;"), "{}", out.stderr);
    assert_eq!(status_of(&sim, "fn-002-staging"), 404);
    for kept in [
        "fn-000-staging",
        "fn-001-staging",
        "made-by-hand",
        "fn-002-prod",
        "other-team",
    ] {
        assert_eq!(status_of(&sim, kept), 200, "{kept} must still exist");
    }

    flo(
        dir,
        &sim,
        &[&base[..], &["--prune", "--detailed-exitcode"]].concat(),
    )
    .expect_code(0);
}

#[test]
fn a_saved_prune_plan_refuses_a_function_whose_ownership_tags_were_removed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &["--account", FLEET_ACCOUNT, "--quota", "off"]);
    deployed_then_shrunk(dir, &sim);
    flo(
        dir,
        &sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--prune",
            "-o",
            "plan.json",
            "--detailed-exitcode",
        ],
    )
    .expect_code(2);

    // Someone takes the function over between plan and apply.
    let arn = format!("arn:aws:lambda:{REGION}:{FLEET_ACCOUNT}:function:fn-002-staging");
    let auth = auth();
    let (status, text) = support::http(
        sim.port,
        "DELETE",
        &format!("/2017-03-31/tags/{arn}?tagKeys=flotilla%3Aenv&tagKeys=flotilla%3Amanifest"),
        &[("Authorization", &auth)],
        "",
    )
    .expect("the sim answers");
    assert_eq!(status, 204, "{text}");

    let out = flo(dir, &sim, &["apply", "plan.json"]).expect_code(1);
    let s = summary(&out.stderr);
    assert_eq!((s.stale, s.failed), (1, 0), "{}", out.stderr);
    assert!(!out.stderr.contains("deleted;"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("not deleted: look at it, then run `flotilla plan --prune` again"),
        "{}",
        out.stderr
    );
    assert_eq!(status_of(&sim, "fn-002-staging"), 200);
}

#[test]
fn apply_prune_on_a_terminal_names_what_it_deletes_and_waits_for_yes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &["--account", FLEET_ACCOUNT, "--quota", "off"]);
    deployed_then_shrunk(dir, &sim);
    let args = [
        "apply",
        "-f",
        "deploy.yaml",
        "--env",
        "staging",
        "--prune",
        "--endpoint-url",
        &sim.url,
    ];

    let declined = flotilla_on_terminal(dir, FLEET_ACCOUNT, &args, "no\n").expect_code(1);
    let text = declined.all();
    assert!(
        text.contains("This DELETES 1 function(s) that left the manifest"),
        "{text}"
    );
    assert!(text.contains("  - fn-002-staging"), "{text}");
    assert!(
        text.contains("Apply cancelled; nothing was changed."),
        "{text}"
    );
    assert_eq!(status_of(&sim, "fn-002-staging"), 200, "kept after `no`");

    let accepted = flotilla_on_terminal(dir, FLEET_ACCOUNT, &args, "yes\n").expect_code(0);
    assert!(accepted.all().contains("1 deleted"), "{}", accepted.all());
    assert_eq!(
        status_of(&sim, "fn-002-staging"),
        404,
        "deleted after `yes`"
    );
    for kept in [
        "fn-000-staging",
        "made-by-hand",
        "fn-002-prod",
        "other-team",
    ] {
        assert_eq!(status_of(&sim, kept), 200, "{kept} must stay");
    }
}
