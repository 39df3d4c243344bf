//! The resources around a function end to end (issue 12): the `flotilla` binary
//! against `flotilla sim` over HTTP.
//!
//! - `async` (the event invoke configuration): a fleet using it deploys from nothing
//!   and the next plan is empty; a change of each member is planned (text, Markdown and
//!   JSON show it) and applied, and the next plan is empty; a live configuration that
//!   holds only Lambda's defaults shows no change against a manifest that writes them;
//!   a function without `async` is left alone; `async: {}` removes it; a bad value is
//!   refused by `validate` with exit 1 and a help.
//! - `recursion`: set at create against Lambda's default, changed, and left alone on a
//!   function without it; a bad value refused by `validate`.
//! - `runtime_management`: `function_update`, then a `manual` runtime version, planned
//!   and applied; bad values refused by `validate`.
//! - The `async` and `recursion` deploys against MiniStack 1.5.33, which serves their
//!   calls (ignored without `tests/tools/install.sh`). MiniStack has no
//!   Get/PutRuntimeManagementConfig, so `runtime_management` is tested against
//!   `flotilla sim` only.

use std::path::Path;
use std::process::Command;

use crate::e2e_support::{FLEET_ACCOUNT, Run, Sim, flotilla, run, shows};

const REGION: &str = "eu-north-1";

/// `fn-a` and `fn-b` with the settings given (`a`, `b`), `fn-c` without `async`.
fn write_manifest(dir: &Path, b: &str, a: &str) {
    write_manifest_in(dir, FLEET_ACCOUNT, REGION, b, a);
}

/// [`write_manifest`] for another account and region.
fn write_manifest_in(dir: &Path, account: &str, region: &str, b: &str, a: &str) {
    for key in ["fn-a", "fn-b", "fn-c"] {
        let code = dir.join("fns").join(key);
        std::fs::create_dir_all(&code).expect("create artifact folder");
        std::fs::write(
            code.join("app.py"),
            "def handler(event, context):\n    return 'ok'\n",
        )
        .expect("write handler");
    }
    let yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n\
         \x20 retry: {{ max_attempts: 10, backoff: {{ initial: 100ms, max: 2s }} }}\n\
         environments:\n  staging: {{ account: \"{account}\" }}\n\
         functions:\n\
         \x20 fn-a:\n    region: {region}\n    artifact: {{ dir: fns/fn-a }}\n{a}\
         \x20 fn-b:\n    region: {region}\n    artifact: {{ dir: fns/fn-b }}\n{b}\
         \x20 fn-c:\n    region: {region}\n    artifact: {{ dir: fns/fn-c }}\n"
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

/// `text` with every run of white space (and miette's `│` gutters) as one space, so
/// aligned columns and wrapped lines compare as written.
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
        out.stdout.contains("0 to create, 0 to update, 3 unchanged"),
        "{}",
        out.stdout
    );
}

/// A Lambda REST call over plain HTTP, signed (unchecked) for the fleet's account.
fn lambda(sim: &Sim, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    // The test's calls share the emulator's quota with the runs before them: a 429 is
    // waited out, as any client would.
    let mut answer = None;
    for _ in 0..100 {
        let (status, text) = crate::support::http(
            sim.port,
            method,
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .expect("the sim answers");
        if status != 429 {
            answer = Some((status, text));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, text) =
        answer.unwrap_or_else(|| panic!("{method} {path} was throttled 100 times"));
    let json = if text.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    };
    (status, json)
}

fn event_invoke(sim: &Sim, name: &str) -> (u16, serde_json::Value) {
    lambda(
        sim,
        "GET",
        &format!("/2019-09-25/functions/{name}/event-invoke-config"),
        "",
    )
}

/// Lambda's defaults, written out.
const B_DEFAULTS: &str = "    async: { retries: 2, max_age: 6h }\n";
const A_V1: &str = "    async:\n      retries: 0\n      max_age: 1h\n      \
     on_success: arn:aws:sqs:${region}:${account}:done\n      \
     on_failure: arn:aws:s3:::failed-events\n";
const A_V2: &str = "    async:\n      retries: 2\n      max_age: 7200\n      \
     on_success: arn:aws:sns:${region}:${account}:done\n      \
     on_failure: arn:aws:lambda:${region}:${account}:function:on-failure\n";

#[test]
fn async_config_deploys_changes_and_removes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    // fn-b's section in the environment replaces its own as a whole: no `max_age`.
    write_manifest(
        root,
        "    async: { retries: 0, max_age: 2h }\n    environments: { staging: { async: { retries: 1 } } }\n",
        A_V1,
    );
    let sim = Sim::start(root, &[]);

    // From nothing: created with their event invoke configuration.
    let created = plan(root, &sim, "text");
    assert!(
        shows(&created.stdout, "+ async.retries 0")
            && shows(&created.stdout, "+ async.max_age 1h")
            && shows(
                &created.stdout,
                "+ async.on_failure \"arn:aws:s3:::failed-events\""
            )
            && shows(
                &created.stdout,
                "steps: CreateFunction → PutFunctionEventInvokeConfig"
            ),
        "{}",
        created.stdout
    );
    run(flo(root, &sim, APPLY)).expect_code(0);
    let (status, a) = event_invoke(&sim, "fn-a");
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["MaximumRetryAttempts"], 0);
    assert_eq!(a["MaximumEventAgeInSeconds"], 3600);
    assert_eq!(
        a["DestinationConfig"]["OnSuccess"]["Destination"],
        format!("arn:aws:sqs:eu-north-1:{FLEET_ACCOUNT}:done")
    );
    assert_eq!(
        a["DestinationConfig"]["OnFailure"]["Destination"],
        "arn:aws:s3:::failed-events"
    );
    assert_eq!(
        a["FunctionArn"],
        format!("arn:aws:lambda:eu-north-1:{FLEET_ACCOUNT}:function:fn-a:$LATEST")
    );
    let (_, b) = event_invoke(&sim, "fn-b");
    assert_eq!(b["MaximumRetryAttempts"], 1, "{b}");
    assert_eq!(b["MaximumEventAgeInSeconds"], 21600, "{b}");
    let (status, c) = event_invoke(&sim, "fn-c");
    assert_eq!(status, 404, "a function without `async` gets none: {c}");
    plan_is_empty(root, &sim);

    // Someone else configures fn-c, which the manifest does not manage: left alone.
    let (status, body) = lambda(
        &sim,
        "PUT",
        "/2019-09-25/functions/fn-c/event-invoke-config",
        r#"{"MaximumRetryAttempts": 1}"#,
    );
    assert_eq!(status, 200, "{body}");
    // fn-b's live configuration becomes Lambda's defaults only (a Put with nothing):
    // the manifest writing the defaults shows no change.
    let (status, body) = lambda(
        &sim,
        "PUT",
        "/2019-09-25/functions/fn-b/event-invoke-config",
        "{}",
    );
    assert_eq!(status, 200, "{body}");
    write_manifest(root, B_DEFAULTS, A_V1);
    plan_is_empty(root, &sim);

    // Every member of fn-a changes.
    write_manifest(root, B_DEFAULTS, A_V2);
    let text = plan(root, &sim, "text");
    for line in [
        "~ async.retries 0 → 2",
        "~ async.max_age 1h → 2h",
        &format!(
            "~ async.on_success \"arn:aws:sqs:eu-north-1:{FLEET_ACCOUNT}:done\" → \"arn:aws:sns:eu-north-1:{FLEET_ACCOUNT}:done\""
        ),
        &format!(
            "~ async.on_failure \"arn:aws:s3:::failed-events\" → \"arn:aws:lambda:eu-north-1:{FLEET_ACCOUNT}:function:on-failure\""
        ),
    ] {
        assert!(shows(&text.stdout, line), "no `{line}` in\n{}", text.stdout);
    }
    assert!(
        text.stdout
            .contains("0 to create, 1 to update, 2 unchanged"),
        "{}",
        text.stdout
    );
    let md = plan(root, &sim, "markdown");
    assert!(
        md.stdout.contains("async.retries") && md.stdout.contains("async.on_failure"),
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
    assert_eq!(fa["action"], "update");
    assert_eq!(fa["steps"][0]["step"], "put_event_invoke_config", "{fa}");
    assert_eq!(fa["steps"][0]["old"]["retries"], 0);
    assert_eq!(fa["steps"][0]["config"]["retries"], 2);
    assert_eq!(fa["steps"][0]["config"]["max_age_secs"], 7200);
    run(flo(root, &sim, APPLY)).expect_code(0);
    let (_, a) = event_invoke(&sim, "fn-a");
    assert_eq!(a["MaximumRetryAttempts"], 2, "{a}");
    assert_eq!(a["MaximumEventAgeInSeconds"], 7200, "{a}");
    assert_eq!(
        a["DestinationConfig"]["OnFailure"]["Destination"],
        format!("arn:aws:lambda:eu-north-1:{FLEET_ACCOUNT}:function:on-failure")
    );
    plan_is_empty(root, &sim);

    // `async: {}` removes fn-a's.
    write_manifest(root, B_DEFAULTS, "    async: {}\n");
    let text = plan(root, &sim, "text");
    assert!(
        shows(&text.stdout, "- async.retries 2") && shows(&text.stdout, "- async.on_success"),
        "{}",
        text.stdout
    );
    let json = plan(root, &sim, "json");
    assert!(
        json.stdout
            .contains("\"step\": \"delete_event_invoke_config\""),
        "{}",
        json.stdout
    );
    run(flo(root, &sim, APPLY)).expect_code(0);
    let (status, a) = event_invoke(&sim, "fn-a");
    assert_eq!(status, 404, "{a}");
    assert_eq!(a["Type"], "User", "{a}");
    plan_is_empty(root, &sim);
    let (_, c) = event_invoke(&sim, "fn-c");
    assert_eq!(c["MaximumRetryAttempts"], 1, "fn-c left alone: {c}");
}

#[test]
fn bad_async_values_are_refused_by_validate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let cases = [
        (
            "    async: { retries: 5 }\n",
            "must be 0–2",
            "at most twice",
        ),
        (
            "    async: { max_age: 30s }\n",
            "from 60s to 6h",
            "e.g. `1h`",
        ),
        (
            "    async: { on_success: arn:aws:s3:::bucket }\n",
            "only as an on-failure destination",
            "SQS queue",
        ),
        (
            "    async: { on_failure: arn:aws:dynamodb:eu-north-1:111111111111:table/t }\n",
            "names the service `dynamodb`",
            "S3 bucket",
        ),
        (
            "    async: { on_failure: arn:aws:sqs:us-east-1:111111111111:q }\n",
            "is in us-east-1, not in the function's region eu-north-1",
            "own region",
        ),
    ];
    for (a_async, message, help) in cases {
        write_manifest(root, "", a_async);
        let out = run({
            let mut cmd = flotilla(root, FLEET_ACCOUNT);
            cmd.args(["validate", "-f", "deploy.yaml", "--env", "staging"]);
            cmd
        })
        .expect_code(1);
        let all = out.all();
        assert!(
            shows(&all, message) && shows(&all, help) && shows(&all, "functions.fn-a.async"),
            "{a_async}: no `{message}` / `{help}` in\n{all}"
        );
    }
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_config_deploys_against_ministack() {
    use crate::support::{MINISTACK_ACCOUNT, REGION as MS_REGION, start_ministack, venv};
    use flotilla_cloud::lambda::{ApiError, LambdaApi, SdkLambda};

    let ministack = start_ministack(&venv());
    let endpoint = ministack.url();
    let api = SdkLambda::for_endpoint(&endpoint, MS_REGION);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let role_account = MINISTACK_ACCOUNT;
    let flo_ms = |args: &[&str]| {
        let mut cmd = flotilla(root, "test");
        cmd.env("AWS_REGION", MS_REGION)
            .args(args)
            .args(["--endpoint-url", &endpoint]);
        run(cmd)
    };
    let plan_empty = || {
        let out = flo_ms(&["plan", "-f", "deploy.yaml", "--env", "staging"]).expect_code(0);
        assert!(
            out.stdout.contains("0 to create, 0 to update, 3 unchanged"),
            "{}",
            out.stdout
        );
    };
    let a_v1 = format!("{A_V1}    recursion: allow\n");
    write_manifest_in(root, role_account, MS_REGION, B_DEFAULTS, &a_v1);
    flo_ms(APPLY).expect_code(0);
    assert_eq!(
        api.get_recursion_config("fn-a")
            .await
            .expect("fn-a's recursion"),
        flotilla_cloud::lambda::RecursiveLoop::Allow
    );
    let a = api.get_event_invoke_config("fn-a").await.expect("fn-a's");
    assert_eq!(a.retries, Some(0));
    assert_eq!(a.max_age_secs, Some(3600));
    assert_eq!(a.on_failure.as_deref(), Some("arn:aws:s3:::failed-events"));
    assert!(matches!(
        api.get_event_invoke_config("fn-c").await,
        Err(ApiError::NotFound { .. })
    ));
    plan_empty();

    write_manifest_in(root, role_account, MS_REGION, B_DEFAULTS, A_V2);
    flo_ms(APPLY).expect_code(0);
    let a = api.get_event_invoke_config("fn-a").await.expect("fn-a's");
    assert_eq!(a.retries, Some(2));
    assert_eq!(a.max_age_secs, Some(7200));
    plan_empty();

    write_manifest_in(root, role_account, MS_REGION, B_DEFAULTS, "    async: {}\n");
    flo_ms(APPLY).expect_code(0);
    assert!(matches!(
        api.get_event_invoke_config("fn-a").await,
        Err(ApiError::NotFound { .. })
    ));
    plan_empty();
}

fn recursion(sim: &Sim, name: &str) -> serde_json::Value {
    let (status, body) = lambda(
        sim,
        "GET",
        &format!("/2024-08-31/functions/{name}/recursion-config"),
        "",
    );
    assert_eq!(status, 200, "{body}");
    body["RecursiveLoop"].clone()
}

#[test]
fn recursion_is_set_changed_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_manifest(root, "", "    recursion: allow\n");
    let sim = Sim::start(root, &[]);

    let created = plan(root, &sim, "text");
    assert!(
        shows(&created.stdout, "~ recursion terminate → allow")
            && shows(
                &created.stdout,
                "steps: CreateFunction → PutFunctionRecursionConfig"
            ),
        "{}",
        created.stdout
    );
    run(flo(root, &sim, APPLY)).expect_code(0);
    assert_eq!(recursion(&sim, "fn-a"), "Allow");
    assert_eq!(recursion(&sim, "fn-b"), "Terminate");
    plan_is_empty(root, &sim);

    // fn-c does not manage `recursion`: someone else's setting stays.
    let (status, body) = lambda(
        &sim,
        "PUT",
        "/2024-08-31/functions/fn-c/recursion-config",
        r#"{"RecursiveLoop": "Allow"}"#,
    );
    assert_eq!(status, 200, "{body}");
    plan_is_empty(root, &sim);

    write_manifest(root, "", "    recursion: terminate\n");
    let text = plan(root, &sim, "text");
    assert!(
        shows(&text.stdout, "~ recursion allow → terminate")
            && text
                .stdout
                .contains("0 to create, 1 to update, 2 unchanged"),
        "{}",
        text.stdout
    );
    let md = plan(root, &sim, "markdown");
    assert!(md.stdout.contains("recursion"), "{}", md.stdout);
    let json = plan(root, &sim, "json");
    let plan_json: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON plan");
    let fa = plan_json["functions"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["key"] == "fn-a"))
        .expect("fn-a in the plan")
        .clone();
    assert_eq!(fa["steps"][0]["step"], "put_recursion_config", "{fa}");
    assert_eq!(fa["steps"][0]["old"], "allow");
    assert_eq!(fa["steps"][0]["recursion"], "terminate");
    assert_eq!(fa["desired"]["around"]["recursion"], "terminate", "{fa}");
    run(flo(root, &sim, APPLY)).expect_code(0);
    assert_eq!(recursion(&sim, "fn-a"), "Terminate");
    plan_is_empty(root, &sim);
    assert_eq!(recursion(&sim, "fn-c"), "Allow");

    write_manifest(root, "", "    recursion: sometimes\n");
    let out = run({
        let mut cmd = flotilla(root, FLEET_ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml", "--env", "staging"]);
        cmd
    })
    .expect_code(1);
    assert!(
        shows(
            &out.all(),
            "`functions.fn-a.recursion` is `sometimes`, not a known value"
        ) && shows(&out.all(), "write `terminate`"),
        "{}",
        out.all()
    );
}

fn runtime_management(sim: &Sim, name: &str) -> serde_json::Value {
    let (status, body) = lambda(
        sim,
        "GET",
        &format!("/2021-07-20/functions/{name}/runtime-management-config"),
        "",
    );
    assert_eq!(status, 200, "{body}");
    body
}

const RUNTIME_VERSION: &str = "arn:aws:lambda:eu-north-1::runtime:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn runtime_management_is_set_and_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_manifest(root, "", "    runtime_management: function_update\n");
    let sim = Sim::start(root, &[]);
    let created = plan(root, &sim, "text");
    assert!(
        shows(
            &created.stdout,
            "~ runtime_management auto → function_update"
        ) && shows(
            &created.stdout,
            "steps: CreateFunction → PutRuntimeManagementConfig"
        ),
        "{}",
        created.stdout
    );
    run(flo(root, &sim, APPLY)).expect_code(0);
    assert_eq!(
        runtime_management(&sim, "fn-a")["UpdateRuntimeOn"],
        "FunctionUpdate"
    );
    assert_eq!(runtime_management(&sim, "fn-b")["UpdateRuntimeOn"], "Auto");
    plan_is_empty(root, &sim);

    let manual = format!("    runtime_management:\n      manual: {RUNTIME_VERSION}\n");
    write_manifest(root, "", &manual);
    let text = plan(root, &sim, "text");
    assert!(
        shows(
            &text.stdout,
            &format!("~ runtime_management function_update → manual \"{RUNTIME_VERSION}\"")
        ),
        "{}",
        text.stdout
    );
    let md = plan(root, &sim, "markdown");
    assert!(md.stdout.contains("runtime_management"), "{}", md.stdout);
    let json = plan(root, &sim, "json");
    let plan_json: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON plan");
    let fa = plan_json["functions"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["key"] == "fn-a"))
        .expect("fn-a in the plan")
        .clone();
    assert_eq!(
        fa["steps"][0]["step"], "put_runtime_management_config",
        "{fa}"
    );
    assert_eq!(fa["steps"][0]["old"]["update_on"], "function_update");
    assert_eq!(fa["steps"][0]["config"]["update_on"], "manual");
    assert_eq!(
        fa["steps"][0]["config"]["runtime_version_arn"],
        RUNTIME_VERSION
    );
    run(flo(root, &sim, APPLY)).expect_code(0);
    let live = runtime_management(&sim, "fn-a");
    assert_eq!(live["UpdateRuntimeOn"], "Manual", "{live}");
    assert_eq!(live["RuntimeVersionArn"], RUNTIME_VERSION, "{live}");
    plan_is_empty(root, &sim);

    for (a, message, help) in [
        (
            "    runtime_management: sometimes\n",
            "`functions.fn-a.runtime_management` is `sometimes`, not a known value",
            "`function_update`",
        ),
        (
            "    runtime_management:\n      manual: arn:aws:lambda:eu-north-1:111111111111:function:x\n",
            "`functions.fn-a.runtime_management.manual` is not a runtime version ARN",
            "(no account)",
        ),
    ] {
        write_manifest(root, "", a);
        let out = run({
            let mut cmd = flotilla(root, FLEET_ACCOUNT);
            cmd.args(["validate", "-f", "deploy.yaml", "--env", "staging"]);
            cmd
        })
        .expect_code(1);
        assert!(
            shows(&out.all(), message) && shows(&out.all(), help),
            "{a}: {}",
            out.all()
        );
    }
}
