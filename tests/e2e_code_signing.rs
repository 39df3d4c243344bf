//! `code_signing_config` end to end: the `flotilla` binary against `flotilla sim` over
//! HTTP. A new function is created with its code signing configuration
//! (CreateFunction's `CodeSigningConfigArn`); a change is planned (text, Markdown,
//! JSON) as PutFunctionCodeSigningConfig before the code update and applied, and the
//! next plan is empty; `false` removes it; a function without the key is left alone;
//! a malformed ARN is refused by `validate`; a configuration that does not exist
//! fails the apply with Lambda's error.
//! - Against MiniStack 1.5.33 (ignored without `tests/tools/install.sh`): it serves a
//!   function's Put/Get/DeleteFunctionCodeSigningConfig (no code signing configuration
//!   calls, and its CreateFunction drops `CodeSigningConfigArn`), so an existing
//!   function is given one, the next plan is empty, and `false` removes it.

use std::path::Path;
use std::process::Command;

use crate::e2e_support::{FLEET_ACCOUNT, Run, Sim, flotilla, run, shows};

const REGION: &str = "eu-north-1";

/// `fn-a` with `a` (its settings) and `version` in its code, `fn-b` with `b`.
fn write_manifest(dir: &Path, a: &str, b: &str, version: &str) {
    write_manifest_in(dir, FLEET_ACCOUNT, REGION, a, b, version);
}

/// [`write_manifest`] for another account and region.
fn write_manifest_in(dir: &Path, account: &str, region: &str, a: &str, b: &str, version: &str) {
    for key in ["fn-a", "fn-b"] {
        let code = dir.join("fns").join(key);
        std::fs::create_dir_all(&code).expect("create artifact folder");
        std::fs::write(
            code.join("app.py"),
            format!("def handler(event, context):\n    return '{version}'\n"),
        )
        .expect("write handler");
    }
    let yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n  region: {region}\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n\
         \x20 retry: {{ max_attempts: 10, backoff: {{ initial: 100ms, max: 2s }} }}\n\
         environments:\n  staging: {{ account: \"{account}\" }}\n\
         functions:\n\
         \x20 fn-a:\n    artifact: {{ dir: fns/fn-a }}\n{a}\
         \x20 fn-b:\n    artifact: {{ dir: fns/fn-b }}\n{b}"
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

fn flo(dir: &Path, sim: &Sim, args: &[&str]) -> Command {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(args).args(["--endpoint-url", &sim.url]);
    cmd
}

const APPLY: &[&str] = &[
    "apply",
    "-f",
    "deploy.yaml",
    "--env",
    "staging",
    "--auto-approve",
];

fn plan(dir: &Path, sim: &Sim, format: &str) -> Run {
    run(flo(
        dir,
        sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--format",
            format,
        ],
    ))
    .expect_code(0)
}

fn plan_is_empty(dir: &Path, sim: &Sim) {
    let out = run(flo(
        dir,
        sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--detailed-exitcode",
        ],
    ))
    .expect_code(0);
    assert!(
        out.stdout.contains("0 to create, 0 to update, 2 unchanged"),
        "{}",
        out.stdout
    );
}

/// CreateCodeSigningConfig in the emulator; its ARN.
fn create_csc(sim: &Sim, policy: &str) -> String {
    let (status, body) = sim.lambda(
        REGION,
        "POST",
        "/2020-04-22/code-signing-configs",
        &format!(
            r#"{{"AllowedPublishers": {{"SigningProfileVersionArns": ["arn:aws:signer:{REGION}:{FLEET_ACCOUNT}:/signing-profiles/fleet/abcdef0123"]}}, "CodeSigningPolicies": {{"UntrustedArtifactOnDeployment": "{policy}"}}}}"#
        ),
    );
    assert_eq!(status, 201, "{body}");
    body["CodeSigningConfig"]["CodeSigningConfigArn"]
        .as_str()
        .expect("the configuration's ARN")
        .to_owned()
}

/// GetFunctionCodeSigningConfig's `CodeSigningConfigArn` (empty: none).
fn function_csc(sim: &Sim, name: &str) -> String {
    let (status, body) = sim.lambda(
        REGION,
        "GET",
        &format!("/2020-06-30/functions/{name}/code-signing-config"),
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["FunctionName"], name, "{body}");
    body["CodeSigningConfigArn"]
        .as_str()
        .expect("CodeSigningConfigArn")
        .to_owned()
}

fn line(arn: &str) -> String {
    format!("    code_signing_config: {arn}\n")
}

#[test]
fn code_signing_config_deploys_changes_and_removes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let sim = Sim::start(root, &[]);
    let first = create_csc(&sim, "Warn");
    let second = create_csc(&sim, "Enforce");
    assert_ne!(first, second);

    // From nothing: fn-a is created with it; fn-b, without the key, with none.
    write_manifest(root, &line(&first), "", "v1");
    let created = plan(root, &sim, "text");
    assert!(
        shows(
            &created.stdout,
            &format!("+ code_signing_config \"{first}\"")
        ),
        "{}",
        created.stdout
    );
    run(flo(root, &sim, APPLY)).expect_code(0);
    assert_eq!(function_csc(&sim, "fn-a"), first);
    assert_eq!(function_csc(&sim, "fn-b"), "");
    plan_is_empty(root, &sim);

    // Another configuration and new code: the configuration is put first, since Lambda
    // checks the signature at the code update.
    write_manifest(root, &line(&second), "", "v2");
    let text = plan(root, &sim, "text");
    assert!(
        shows(
            &text.stdout,
            &format!("~ code_signing_config \"{first}\" → \"{second}\"")
        ),
        "{}",
        text.stdout
    );
    assert!(
        shows(
            &text.stdout,
            "steps: PutFunctionCodeSigningConfig → UpdateFunctionCode"
        ),
        "{}",
        text.stdout
    );
    let md = plan(root, &sim, "markdown");
    assert!(
        md.stdout.contains("code_signing_config") && md.stdout.contains(&second),
        "{}",
        md.stdout
    );
    let json = plan(root, &sim, "json");
    let plan_json: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON plan");
    let fa = plan_json["functions"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["key"] == "fn-a"))
        .expect("fn-a in the plan")
        .clone();
    assert_eq!(fa["action"], "update", "{fa}");
    assert_eq!(fa["steps"][0]["step"], "put_code_signing_config", "{fa}");
    assert_eq!(fa["steps"][0]["old"], first.as_str(), "{fa}");
    assert_eq!(fa["steps"][0]["arn"], second.as_str(), "{fa}");
    assert_eq!(fa["steps"][1]["step"], "update_code", "{fa}");
    // A saved plan whose ARN was edited into something Lambda refuses is refused whole.
    run(flo(
        root,
        &sim,
        &[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "-o",
            "plan.json",
        ],
    ))
    .expect_code(0);
    let saved = std::fs::read_to_string(root.join("plan.json")).expect("plan.json");
    assert!(saved.contains(&second), "{saved}");
    std::fs::write(
        root.join("edited.json"),
        saved.replace(&second, "csc-0123456789abcdef0"),
    )
    .expect("write edited.json");
    let refused = run(flo(root, &sim, &["apply", "edited.json"])).expect_code(1);
    assert!(
        shows(
            &refused.all(),
            "set a code signing configuration that is not a code signing configuration ARN"
        ),
        "{}",
        refused.all()
    );
    assert_eq!(function_csc(&sim, "fn-a"), first, "nothing applied");

    run(flo(root, &sim, &["apply", "plan.json"])).expect_code(0);
    assert_eq!(function_csc(&sim, "fn-a"), second);
    plan_is_empty(root, &sim);

    // The first is unused now and can go; the second is in use: 409.
    let (status, body) = sim.lambda(
        REGION,
        "DELETE",
        &format!("/2020-04-22/code-signing-configs/{first}"),
        "",
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = sim.lambda(
        REGION,
        "DELETE",
        &format!("/2020-04-22/code-signing-configs/{second}"),
        "",
    );
    assert_eq!(status, 409, "{body}");

    // Someone else gives fn-b one; the manifest does not mention it: left alone.
    let (status, body) = sim.lambda(
        REGION,
        "PUT",
        "/2020-06-30/functions/fn-b/code-signing-config",
        &format!(r#"{{"CodeSigningConfigArn": "{second}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    plan_is_empty(root, &sim);

    // `false` removes fn-a's.
    write_manifest(root, "    code_signing_config: false\n", "", "v2");
    let text = plan(root, &sim, "text");
    assert!(
        shows(&text.stdout, &format!("- code_signing_config \"{second}\""))
            && shows(&text.stdout, "steps: DeleteFunctionCodeSigningConfig"),
        "{}",
        text.stdout
    );
    let json = plan(root, &sim, "json");
    assert!(
        json.stdout
            .contains("\"step\": \"delete_code_signing_config\""),
        "{}",
        json.stdout
    );
    run(flo(root, &sim, APPLY)).expect_code(0);
    assert_eq!(function_csc(&sim, "fn-a"), "");
    assert_eq!(function_csc(&sim, "fn-b"), second, "fn-b left alone");
    plan_is_empty(root, &sim);
}

#[test]
fn a_code_signing_config_that_does_not_exist_fails_the_apply() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let sim = Sim::start(root, &[]);
    let missing = format!(
        "arn:aws:lambda:{REGION}:{FLEET_ACCOUNT}:code-signing-config:csc-0123456789abcdef0"
    );
    write_manifest(root, &line(&missing), "", "v1");
    let out = run(flo(root, &sim, APPLY)).expect_code(1);
    let all = out.all();
    assert!(
        all.contains("CodeSigningConfigNotFoundException") || all.contains("cannot be found"),
        "{all}"
    );
    assert!(all.contains(&missing), "{all}");
    // fn-a was never created; fn-b was.
    let (status, body) = sim.lambda(REGION, "GET", "/2015-03-31/functions/fn-a", "");
    assert_eq!(status, 404, "{body}");

    // On an existing function, PutFunctionCodeSigningConfig fails the same way.
    write_manifest(root, "", &line(&missing), "v1");
    let out = run(flo(root, &sim, APPLY)).expect_code(1);
    let all = out.all();
    assert!(
        all.contains("PutFunctionCodeSigningConfig") && all.contains(&missing),
        "{all}"
    );
    assert_eq!(function_csc(&sim, "fn-b"), "");
}

#[test]
fn bad_code_signing_configs_are_refused_by_validate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let cases = [
        (
            "    code_signing_config: csc-0123456789abcdef0\n".to_owned(),
            "not a code signing configuration ARN",
            "CreateCodeSigningConfig",
        ),
        (
            format!(
                "    code_signing_config: arn:aws:lambda:{REGION}:{FLEET_ACCOUNT}:code-signing-config:csc-0123\n"
            ),
            "not a code signing configuration ARN",
            "17 lower-case letters or digits",
        ),
        (
            format!(
                "    code_signing_config: arn:aws:lambda:us-east-1:{FLEET_ACCOUNT}:code-signing-config:csc-0123456789abcdef0\n"
            ),
            "is in us-east-1, not in the function's region eu-north-1",
            "${region}",
        ),
        (
            "    code_signing_config: arn:aws:lambda:eu-north-1:999999999999:code-signing-config:csc-0123456789abcdef0\n".to_owned(),
            "not in the function's account",
            "${account}",
        ),
        (
            "    code_signing_config: true\n".to_owned(),
            "must be a code signing configuration ARN or `false`",
            "to remove it",
        ),
    ];
    for (a, message, help) in cases {
        write_manifest(root, &a, "", "v1");
        let out = run({
            let mut cmd = flotilla(root, FLEET_ACCOUNT);
            cmd.args(["validate", "-f", "deploy.yaml", "--env", "staging"]);
            cmd
        })
        .expect_code(1);
        let all = out.all();
        assert!(
            shows(&all, message)
                && shows(&all, help)
                && shows(&all, "functions.fn-a.code_signing_config"),
            "{a}: no `{message}` / `{help}` in\n{all}"
        );
    }
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_signing_config_is_put_and_removed_on_ministack() {
    use crate::support::{MINISTACK_ACCOUNT, REGION as MS_REGION, start_ministack, venv};
    use flotilla_cloud::lambda::{LambdaApi, SdkLambda};

    let ministack = start_ministack(&venv());
    let endpoint = ministack.url();
    let api = SdkLambda::for_endpoint(&endpoint, MS_REGION);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let flo_ms = |args: &[&str]| {
        let mut cmd = flotilla(root, "test");
        cmd.env("AWS_REGION", MS_REGION)
            .args(args)
            .args(["--endpoint-url", &endpoint]);
        run(cmd)
    };
    let plan_empty = || {
        let out = flo_ms(&[
            "plan",
            "-f",
            "deploy.yaml",
            "--env",
            "staging",
            "--detailed-exitcode",
        ])
        .expect_code(0);
        assert!(
            out.stdout.contains("0 to create, 0 to update, 2 unchanged"),
            "{}",
            out.stdout
        );
    };
    let arn = format!(
        "arn:aws:lambda:{MS_REGION}:{MINISTACK_ACCOUNT}:code-signing-config:csc-0123456789abcdef0"
    );
    write_manifest_in(root, MINISTACK_ACCOUNT, MS_REGION, "", "", "v1");
    flo_ms(APPLY).expect_code(0);
    plan_empty();

    write_manifest_in(root, MINISTACK_ACCOUNT, MS_REGION, &line(&arn), "", "v1");
    let text = flo_ms(&["plan", "-f", "deploy.yaml", "--env", "staging"]).expect_code(0);
    assert!(
        shows(&text.stdout, &format!("+ code_signing_config \"{arn}\"")),
        "{}",
        text.stdout
    );
    flo_ms(APPLY).expect_code(0);
    assert_eq!(
        api.get_function_code_signing_config("fn-a")
            .await
            .expect("fn-a's"),
        Some(arn.clone())
    );
    assert_eq!(
        api.get_function_code_signing_config("fn-b")
            .await
            .expect("fn-b's"),
        None
    );
    plan_empty();

    write_manifest_in(
        root,
        MINISTACK_ACCOUNT,
        MS_REGION,
        "    code_signing_config: false\n",
        "",
        "v1",
    );
    flo_ms(APPLY).expect_code(0);
    assert_eq!(
        api.get_function_code_signing_config("fn-a")
            .await
            .expect("fn-a's"),
        None
    );
    plan_empty();
}
