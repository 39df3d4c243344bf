//! Target safety and the rough edges a new user hits (issue 13), each through the real
//! `flotilla` binary against `flotilla sim` over HTTP: a saved plan applies only to its
//! own environment and only the `--only` part of it, two pipelines at once both end
//! well, `--detailed-exitcode` keeps 2 for changes, `plan -o` refuses an inline secret a
//! saved plan cannot carry, and `--report` is written (in the format its name asks for)
//! also when nothing changed.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::path::Path;
use std::process::Stdio;

use crate::e2e_support::{FLEET_ACCOUNT, Run, Sim, flotilla, run, summary, write_fleet};

const REGION: &str = "eu-north-1";

/// `write_fleet` with a second environment, `prod`, in the same account.
fn two_env_fleet(dir: &Path, n: usize) {
    write_fleet(dir, n, &[REGION], "v1");
    let path = dir.join("deploy.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap().replace(
        "functions:\n",
        &format!("  prod: {{ account: \"{FLEET_ACCOUNT}\" }}\nfunctions:\n"),
    );
    std::fs::write(path, yaml).unwrap();
}

fn flo(dir: &Path, sim: &Sim, args: &[&str]) -> Run {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(args).args(["--endpoint-url", &sim.url]);
    run(cmd)
}

/// Whether the sim has function `name` in the fleet's account.
fn exists(sim: &Sim, name: &str) -> bool {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let (status, text) = crate::support::http(
        sim.port,
        "GET",
        &format!("/2015-03-31/functions/{name}"),
        &[("Authorization", &auth)],
        "",
    )
    .expect("the sim answers");
    match status {
        200 => true,
        404 => false,
        other => panic!("GetFunction {name}: {other} {text}"),
    }
}

#[test]
fn item_02_a_saved_plan_refuses_another_env_and_applies_only_the_selected_part() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_env_fleet(dir, 3);
    let sim = Sim::start(dir, &[]);
    flo(dir, &sim, &["plan", "--env", "staging", "-o", "plan.json"]).expect_code(0);

    // The old code ignored --env with a saved plan and created the staging fleet.
    let out = flo(
        dir,
        &sim,
        &["apply", "plan.json", "--env", "prod", "--auto-approve"],
    )
    .expect_code(2);
    assert!(
        out.stderr
            .contains("--env prod does not match the plan's environment (staging)"),
        "{}",
        out.stderr
    );
    for i in 0..3 {
        assert!(
            !exists(&sim, &format!("fn-{i:03}-staging")),
            "applied anyway"
        );
        assert!(!exists(&sim, &format!("fn-{i:03}-prod")), "applied anyway");
    }

    // The plan's own environment is accepted; --only applies that part of the plan.
    let out = flo(
        dir,
        &sim,
        &["apply", "plan.json", "--env", "staging", "--only", "fn-001"],
    )
    .expect_code(0);
    assert_eq!(summary(&out.stderr).functions, 1, "{}", out.stderr);
    assert!(exists(&sim, "fn-001-staging"));
    assert!(
        !exists(&sim, "fn-000-staging"),
        "outside --only: {}",
        out.stderr
    );
    assert!(
        !exists(&sim, "fn-002-staging"),
        "outside --only: {}",
        out.stderr
    );

    // A pattern that matches nothing in the plan is an error, not an empty apply.
    let out = flo(dir, &sim, &["apply", "plan.json", "--only", "fn-0099"]).expect_code(1);
    assert!(out.stderr.contains("matches no function"), "{}", out.stderr);
    // --changed-since needs the manifest and git, which a saved plan does not consult.
    let out = flo(
        dir,
        &sim,
        &["apply", "plan.json", "--changed-since", "HEAD"],
    )
    .expect_code(2);
    assert!(
        out.stderr
            .contains("--changed-since cannot select from a saved plan"),
        "{}",
        out.stderr
    );
}

#[test]
fn item_05_two_pipelines_at_once_both_succeed_and_a_saved_plan_already_applied_converges() {
    const N: usize = 8;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, N, &[REGION], "v1");
    let sim = Sim::start(dir, &["--latency", "50ms..200ms", "--seed", "5"]);
    flo(dir, &sim, &["plan", "--env", "staging", "-o", "plan.json"]).expect_code(0);

    let spawn = || {
        let mut cmd = flotilla(dir, FLEET_ACCOUNT);
        cmd.args(["apply", "--env", "staging", "--auto-approve"])
            .args(["--endpoint-url", &sim.url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = Run::from(child.wait_with_output().unwrap()).expect_code(0);
        let s = summary(&out.stderr);
        assert_eq!(
            (s.converged, s.functions),
            (N as u32, N as u32),
            "{}",
            out.stderr
        );
    }
    flo(
        dir,
        &sim,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    )
    .expect_code(0);

    // The saved plan's functions are now exactly as it planned them: converged, exit 0.
    let out = flo(dir, &sim, &["apply", "plan.json"]).expect_code(0);
    let s = summary(&out.stderr);
    assert_eq!((s.converged, s.stale), (N as u32, 0), "{}", out.stderr);
}

#[test]
fn item_06_detailed_exitcode_keeps_2_for_changes_and_exits_1_on_any_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 2, &[REGION], "v1");
    let sim = Sim::start(dir, &[]);
    for command in ["plan", "status"] {
        // Changes (every function is missing): 2.
        flo(
            dir,
            &sim,
            &[command, "--env", "staging", "--detailed-exitcode"],
        )
        .expect_code(2);
        // An unknown environment and a misspelt flag are errors: 1, never 2.
        let out = flo(
            dir,
            &sim,
            &[command, "--env", "prdo", "--detailed-exitcode"],
        )
        .expect_code(1);
        assert!(out.stderr.contains("prdo"), "{}", out.stderr);
        let out = flo(
            dir,
            &sim,
            &[
                command,
                "--env",
                "staging",
                "--detailed-exitcode",
                "--bogus",
            ],
        )
        .expect_code(1);
        assert!(out.stderr.contains("--bogus"), "{}", out.stderr);
        // Without the flag a usage error keeps its usage code.
        flo(dir, &sim, &[command, "--env", "prdo"]).expect_code(2);
    }
}

#[test]
fn item_12_plan_out_refuses_an_inline_secret_that_apply_would_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 1, &[REGION], "v1");
    let path = dir.join("deploy.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap().replace(
        "environment: { INDEX: \"0\" }",
        "environment: { INDEX: \"0\", TOKEN: { value: inline-Secret-7f, sensitive: true } }",
    );
    std::fs::write(&path, yaml).unwrap();
    let sim = Sim::start(dir, &[]);
    let out = flo(dir, &sim, &["plan", "--env", "staging", "-o", "plan.json"]).expect_code(1);
    // miette wraps long lines; compare the words.
    let words = (out.stderr.split_whitespace())
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("`TOKEN` in function `fn-000` is written inline"),
        "{}",
        out.stderr
    );
    assert!(
        words.contains("{ from_env: VAR, sensitive: true }` or apply in the same run as plan"),
        "the help apply gives: {}",
        out.stderr
    );
    assert!(!out.all().contains("inline-Secret-7f"), "{}", out.all());
    assert!(
        !dir.join("plan.json").exists(),
        "a plan apply would refuse was saved"
    );
    // Plan and apply in one run can use it.
    flo(dir, &sim, &["apply", "--env", "staging", "--auto-approve"]).expect_code(0);
}

#[test]
fn item_13_reports_are_written_when_nothing_changed_in_the_format_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 2, &[REGION], "v1");
    let sim = Sim::start(dir, &[]);
    flo(dir, &sim, &["apply", "--env", "staging", "--auto-approve"]).expect_code(0);
    let summary_file = dir.join("summary.md");
    let apply = |extra: &[&str]| {
        let mut cmd = flotilla(dir, FLEET_ACCOUNT);
        cmd.args(["apply", "--env", "staging", "--auto-approve"])
            .args(extra)
            .args(["--endpoint-url", &sim.url])
            .env("GITHUB_STEP_SUMMARY", &summary_file);
        run(cmd).expect_code(0)
    };

    let out = apply(&["--report", "report.md"]);
    assert!(out.stderr.contains("No changes"), "{}", out.stderr);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.starts_with("## flotilla apply: environment `staging`"),
        "Markdown by the extension, naming the environment:\n{md}"
    );
    let step = std::fs::read_to_string(&summary_file).unwrap();
    assert!(
        step.contains("## flotilla apply: environment `staging`"),
        "the step summary:\n{step}"
    );

    apply(&["--report", "report.md", "--report-format", "json"]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.md")).unwrap()).unwrap();
    assert_eq!(json["totals"]["failed"], 0, "{json}");

    apply(&["--report", "report.json"]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert!(json["functions"].is_array(), "{json}");

    // rollback chooses the same way: --report-format over the extension.
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(["rollback", "--env", "staging", "--auto-approve"])
        .args(["--report", "rollback.md", "--report-format", "json"])
        .args(["--endpoint-url", &sim.url]);
    let out = run(cmd);
    let text = std::fs::read_to_string(dir.join("rollback.md"))
        .unwrap_or_else(|e| panic!("no rollback report ({e}):\n{}", out.all()));
    let json: Result<serde_json::Value, _> = serde_json::from_str(&text);
    assert!(json.is_ok(), "rollback --report-format json wrote:\n{text}");
}

/// A one-function manifest for environment `prod` in account 012345678901, reached
/// with the caller's own credentials or through `assume_role`.
fn prod_manifest(dir: &Path, assume_role: Option<&str>) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/app.py"), "def handler(e, c):\n    return 1\n").unwrap();
    let role = assume_role
        .map(|r| format!("\n    assume_role: {r}"))
        .unwrap_or_default();
    std::fs::write(
        dir.join("deploy.yaml"),
        format!(
            "version: 1\n\
             defaults:\n  region: {REGION}\n  runtime: python3.12\n  handler: app.handler\n  \
             role: arn:aws:iam::${{account}}:role/app\n\
             environments:\n  prod:\n    account: \"012345678901\"{role}\n\
             functions:\n  api:\n    name: api-${{stage}}\n    artifact: {{ dir: src }}\n"
        ),
    )
    .unwrap();
}

#[test]
fn item_01_apply_refuses_credentials_of_another_account() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    prod_manifest(dir, None);
    let sim = Sim::start(dir, &[]);
    let words = |text: &str| {
        text.split_whitespace()
            .filter(|w| *w != "│")
            .collect::<Vec<_>>()
            .join(" ")
    };
    let refused = |out: &Run| {
        let text = words(&out.stderr);
        assert!(
            text.contains(
                "the manifest deploys to account 012345678901 (environment `prod`), but the credentials act in account 111111111111"
            ),
            "{}",
            out.stderr
        );
        assert!(
            text.contains("use credentials of account 012345678901"),
            "{}",
            out.stderr
        );
    };
    // The old code planned account 012345678901 and created the function in the
    // credentials' account 111111111111, exit 0.
    refused(&flo(dir, &sim, &["plan", "--env", "prod"]).expect_code(1));
    refused(&flo(dir, &sim, &["apply", "--env", "prod", "--auto-approve"]).expect_code(1));
    assert!(!exists(&sim, "api-prod"), "created in the wrong account");

    // A plan made with the right credentials is refused with the wrong ones.
    let mut cmd = flotilla(dir, "012345678901");
    cmd.args(["plan", "--env", "prod", "-o", "plan.json"])
        .args(["--endpoint-url", &sim.url]);
    run(cmd).expect_code(0);
    refused(&flo(dir, &sim, &["apply", "plan.json"]).expect_code(1));
    assert!(!exists(&sim, "api-prod"), "created in the wrong account");

    // With assume_role the assumed identity is checked (validation already refuses a
    // role ARN of another account); the sim's session acts in the role's account.
    // A role in the manifest's account deploys there.
    prod_manifest(dir, Some("arn:aws:iam::${account}:role/deployer"));
    flo(dir, &sim, &["apply", "--env", "prod", "--auto-approve"]).expect_code(0);
    assert!(!exists(&sim, "api-prod"), "not in the credentials' account");
}

/// Text without miette's wrapping and gutter, to compare sentences.
fn words(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// GetFunction of `name` in the fleet's account, as JSON.
fn get_function(sim: &Sim, name: &str) -> serde_json::Value {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let (status, text) = crate::support::http(
        sim.port,
        "GET",
        &format!("/2015-03-31/functions/{name}"),
        &[("Authorization", &auth)],
        "",
    )
    .expect("the sim answers");
    assert_eq!(status, 200, "GetFunction {name}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn env_tag(sim: &Sim, name: &str) -> String {
    get_function(sim, name)["Tags"]["flotilla:env"]
        .as_str()
        .unwrap_or("(none)")
        .to_owned()
}

/// Adds fault rules through the emulator's control API.
fn add_faults(sim: &Sim, rules: &str) {
    let (status, text) = crate::support::http(sim.port, "POST", "/_sim/faults", &[], rules)
        .expect("the sim answers");
    assert!(
        (200..300).contains(&status),
        "POST /_sim/faults: {status} {text}"
    );
}

/// `staging` and `prod` in one account and region, and a function whose name does not
/// depend on the environment: both deploy the same Lambda function.
fn colliding_manifest(dir: &Path, code: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/app.py"), code).unwrap();
    std::fs::write(
        dir.join("deploy.yaml"),
        format!(
            "version: 1\n\
             defaults:\n  region: {REGION}\n  runtime: python3.12\n  handler: app.handler\n  \
             role: arn:aws:iam::${{account}}:role/app\n  description: api of ${{stage}}\n\
             environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n  \
             prod: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
             functions:\n  api:\n    name: api\n    artifact: {{ dir: src }}\n"
        ),
    )
    .unwrap();
}

#[test]
fn item_03_another_environments_function_is_refused_unless_adopted_and_validate_reports_the_collision()
 {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    colliding_manifest(dir, "def handler(e, c):\n    return 1\n");

    // validate: both environments resolve `api` in the same account and region.
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.arg("validate");
    let out = run(cmd).expect_code(1);
    let text = words(&out.stderr);
    assert!(
        text.contains(&format!(
            "environments `staging` and `prod` both deploy function `api` as `api` in {FLEET_ACCOUNT}, {REGION}"
        )),
        "{}",
        out.stderr
    );
    assert!(
        text.contains("add `${stage}` to the name"),
        "{}",
        out.stderr
    );
    assert!(
        text.contains("deploy.yaml:"),
        "with its place: {}",
        out.stderr
    );

    let sim = Sim::start(dir, &[]);
    flo(dir, &sim, &["apply", "--env", "staging", "--auto-approve"]).expect_code(0);
    assert_eq!(env_tag(&sim, "api"), "staging");

    // The old code planned `tags.flotilla:env "staging" -> "prod"` and took it over.
    let refused = |out: &Run| {
        let text = words(&out.stderr);
        assert!(
            text.contains("belong to another manifest or environment"),
            "{}",
            out.stderr
        );
        assert!(
            text.contains(&format!(
                "`api` (api in {FLEET_ACCOUNT}, {REGION}): flotilla:env is \"staging\", not \"prod\""
            )),
            "{}",
            out.stderr
        );
        assert!(
            text.contains("--adopt api"),
            "the help names the flag: {}",
            out.stderr
        );
    };
    refused(&flo(dir, &sim, &["plan", "--env", "prod"]).expect_code(1));
    refused(&flo(dir, &sim, &["plan", "--env", "prod", "--detailed-exitcode"]).expect_code(1));
    refused(&flo(dir, &sim, &["apply", "--env", "prod", "--auto-approve"]).expect_code(1));
    assert_eq!(
        env_tag(&sim, "api"),
        "staging",
        "taken over although refused"
    );

    // A typo adopts nothing.
    let out = flo(dir, &sim, &["plan", "--env", "prod", "--adopt", "apii"]).expect_code(1);
    assert!(
        words(&out.stderr).contains("--adopt apii: no function of the manifest"),
        "{}",
        out.stderr
    );

    // --adopt takes it over on purpose: the plan shows the tag changing, and a saved
    // plan carries the adoption to apply.
    let out = flo(
        dir,
        &sim,
        &[
            "plan",
            "--env",
            "prod",
            "--adopt",
            "api",
            "-o",
            "adopt.json",
        ],
    )
    .expect_code(0);
    assert!(
        words(&out.stdout).contains("tags.flotilla:env \"staging\" → \"prod\""),
        "{}",
        out.stdout
    );
    flo(dir, &sim, &["apply", "adopt.json"]).expect_code(0);
    assert_eq!(env_tag(&sim, "api"), "prod");
    flo(dir, &sim, &["plan", "--env", "prod", "--detailed-exitcode"]).expect_code(0);

    // A saved plan re-checks the tags before anything changes: staging took the
    // function back (by the Lambda name) after the plan was made.
    colliding_manifest(dir, "def handler(e, c):\n    return 2\n");
    flo(dir, &sim, &["plan", "--env", "prod", "-o", "prod.json"]).expect_code(0);
    flo(
        dir,
        &sim,
        &[
            "apply",
            "--env",
            "staging",
            "--adopt",
            "api",
            "--auto-approve",
        ],
    )
    .expect_code(0);
    assert_eq!(env_tag(&sim, "api"), "staging");
    let before = get_function(&sim, "api")["Configuration"]["RevisionId"].clone();
    let out = flo(dir, &sim, &["apply", "prod.json"]).expect_code(1);
    let text = words(&out.stderr);
    assert!(
        text.contains(
            "now belong to another manifest or environment, which the plan did not adopt"
        ),
        "{}",
        out.stderr
    );
    assert!(
        text.contains("flotilla:env is \"staging\", not \"prod\""),
        "{}",
        out.stderr
    );
    assert!(text.contains("--adopt api"), "{}", out.stderr);
    assert_eq!(env_tag(&sim, "api"), "staging");
    assert_eq!(
        get_function(&sim, "api")["Configuration"]["RevisionId"],
        before,
        "changed although refused"
    );
}

#[test]
fn item_04_a_failed_creation_is_replaced_and_a_failed_update_is_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_fleet(dir, 1, &[REGION], "v1");
    let sim = Sim::start(dir, &[]);
    let name = "fn-000-staging";
    add_faults(
        &sim,
        &format!(
            r#"[{{"op": "CreateFunction", "function": "{name}", "kind": {{"type": "fail_update", "reason": "the zip is broken", "reason_code": "InvalidZipFileException"}}, "trigger": {{"next": 1}}}}]"#
        ),
    );
    flo(dir, &sim, &["apply", "--env", "staging", "--auto-approve"]).expect_code(1);
    assert_eq!(get_function(&sim, name)["Configuration"]["State"], "Failed");

    // The old code said "is up to date", exit 0.
    let out = flo(
        dir,
        &sim,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    )
    .expect_code(2);
    assert!(
        out.stdout
            .contains("must be replaced (its creation failed)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "Failed (InvalidZipFileException: the zip is broken): deleted, then created again"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("steps: DeleteFunction → CreateFunction"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1 to replace"), "{}", out.stdout);
    let md = flo(
        dir,
        &sim,
        &["plan", "--env", "staging", "--format", "markdown"],
    )
    .expect_code(0);
    assert!(md.stdout.contains("♻️ replace"), "{}", md.stdout);
    assert!(
        md.stdout.contains("InvalidZipFileException"),
        "{}",
        md.stdout
    );

    // A saved plan keeps the repair and passes the plan-file checks.
    flo(dir, &sim, &["plan", "--env", "staging", "-o", "plan.json"]).expect_code(0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let f = &json["functions"][0];
    assert_eq!(f["action"], "replace", "{json}");
    assert_eq!(f["steps"][0]["step"], "delete_failed_function", "{json}");
    assert_eq!(
        f["steps"][0]["reason_code"], "InvalidZipFileException",
        "{json}"
    );
    assert_eq!(f["steps"][1]["step"], "create_function", "{json}");
    let out = flo(dir, &sim, &["apply", "plan.json"]).expect_code(0);
    assert_eq!(summary(&out.stderr).converged, 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains("deleted"),
        "replaced, not deleted: {}",
        out.stderr
    );
    let live = get_function(&sim, name);
    assert_eq!(live["Configuration"]["State"], "Active", "{live}");
    assert_eq!(live["Tags"]["flotilla:env"], "staging", "{live}");
    flo(
        dir,
        &sim,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    )
    .expect_code(0);

    // An update that failed: its fields read as desired, but it is drift until re-applied.
    write_fleet(dir, 1, &[REGION], "v2");
    add_faults(
        &sim,
        &format!(
            r#"[{{"op": "UpdateFunctionConfiguration", "function": "{name}", "kind": {{"type": "fail_update", "reason": "ENI limit", "reason_code": "EniLimitExceeded"}}, "trigger": {{"next": 1}}}}]"#
        ),
    );
    flo(dir, &sim, &["apply", "--env", "staging", "--auto-approve"]).expect_code(1);
    let live = get_function(&sim, name);
    assert_eq!(
        live["Configuration"]["LastUpdateStatus"], "Failed",
        "{live}"
    );
    let out = flo(
        dir,
        &sim,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    )
    .expect_code(2);
    assert!(
        words(&out.stdout).contains("last_update_status Failed (EniLimitExceeded: ENI limit)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("steps: UpdateFunctionCode → UpdateFunctionConfiguration"),
        "{}",
        out.stdout
    );
    flo(dir, &sim, &["apply", "--env", "staging", "--auto-approve"]).expect_code(0);
    let live = get_function(&sim, name);
    assert_eq!(
        live["Configuration"]["LastUpdateStatus"], "Successful",
        "{live}"
    );
    flo(
        dir,
        &sim,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    )
    .expect_code(0);
}
