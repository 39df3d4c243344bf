//! `url` (function URLs) end to end (issue 12): the `flotilla` binary against
//! `flotilla sim` over HTTP.
//!
//! - `api` (alias `live`) gets a public URL with CORS on the alias, and the two
//!   public-access statements AWS documents for `AuthType: NONE`; `worker` (no alias)
//!   an IAM URL on the unqualified function. Plan text, Markdown and JSON name each
//!   setting; the next plan is empty.
//! - A change of auth, invoke mode and CORS is one UpdateFunctionUrlConfig naming each
//!   field; `auth: aws_iam` removes the statements; the next plan is empty.
//! - `permissions` beside `url` does not remove the URL's statements; `url: false`
//!   deletes the URL and its statements; a function without `url` is left alone.
//! - A bad `url` section is refused by `validate` with exit 1, the key path and a help.

use std::path::Path;
use std::process::Command;

use crate::e2e_support::{FLEET_ACCOUNT, Run, Sim, flotilla, run, shows};

const REGION: &str = "eu-west-1";

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

fn plan(dir: &Path, sim: &Sim, extra: &[&str]) -> Run {
    let mut args = vec!["plan", "-f", "deploy.yaml", "--env", "staging"];
    args.extend_from_slice(extra);
    run(flo(dir, sim, &args))
}

/// `text` with every run of white space as one space.
/// `api` (alias `live`) with `api_extra`, `worker` (no alias) with `worker_extra`,
/// `plain` without `url`; each extra is indented under its function.
fn write_manifest(dir: &Path, api_extra: &str, worker_extra: &str) {
    std::fs::create_dir_all(dir.join("src")).expect("create artifact folder");
    std::fs::write(
        dir.join("src/app.py"),
        "def handler(event, context):\n    return {'ok': True}\n",
    )
    .expect("write handler");
    let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
    let yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n\
         \x20 region: {REGION}\n\
         environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n\
         \x20 api:\n    name: api-${{stage}}\n    artifact: {{ dir: src }}\n    publish: true\n    alias: live\n{}\
         \x20 worker:\n    name: worker-${{stage}}\n    artifact: {{ dir: src }}\n{}\
         \x20 plain:\n    name: plain-${{stage}}\n    artifact: {{ dir: src }}\n",
        indent(api_extra),
        indent(worker_extra)
    );
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

const API_V1: &str = "url:\n  auth: none\n  cors:\n    allow_origins: [\"https://example.com\"]\n    allow_methods: [GET, POST]\n    allow_headers: [content-type]\n    expose_headers: [x-request-id]\n    allow_credentials: true\n    max_age: 300\n";
const API_V2: &str = "url:\n  auth: aws_iam\n  invoke_mode: response_stream\n  cors:\n    allow_origins: [\"https://example.com\", \"https://admin.example.com\"]\n    allow_methods: [\"*\"]\n";
const WORKER: &str = "url: { auth: aws_iam }\n";

/// GetFunctionUrlConfig over HTTP.
fn url_config(sim: &Sim, function: &str, qualifier: Option<&str>) -> (u16, serde_json::Value) {
    let q = qualifier
        .map(|q| format!("?Qualifier={q}"))
        .unwrap_or_default();
    sim.lambda(
        REGION,
        "GET",
        &format!("/2021-10-31/functions/{function}/url{q}"),
        "",
    )
}

/// GetPolicy over HTTP: the statements by Sid (empty when there is no policy).
fn policy(
    sim: &Sim,
    function: &str,
    qualifier: Option<&str>,
) -> serde_json::Map<String, serde_json::Value> {
    let q = qualifier
        .map(|q| format!("?Qualifier={q}"))
        .unwrap_or_default();
    let (status, body) = sim.lambda(
        REGION,
        "GET",
        &format!("/2015-03-31/functions/{function}/policy{q}"),
        "",
    );
    if status == 404 {
        return serde_json::Map::new();
    }
    assert_eq!(status, 200, "GetPolicy {function}: {body}");
    let doc: serde_json::Value =
        serde_json::from_str(body["Policy"].as_str().expect("Policy")).expect("policy JSON");
    doc["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| (s["Sid"].as_str().unwrap_or_default().to_owned(), s.clone()))
        .collect()
}

fn assert_empty_plan(dir: &Path, sim: &Sim) {
    let p = plan(dir, sim, &["--detailed-exitcode"]);
    assert_eq!(
        p.code,
        Some(0),
        "plan not empty:\n{}\n{}",
        p.stdout,
        p.stderr
    );
}

/// The JSON plan's steps of the function named `name`.
fn json_steps(dir: &Path, sim: &Sim, name: &str) -> Vec<serde_json::Value> {
    let json = plan(dir, sim, &["--format", "json"]).expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["name"] == name)
        .map(|f| f["steps"].as_array().cloned().unwrap_or_default())
        .unwrap_or_default()
}

#[test]
fn function_url_deploys_changes_and_is_removed_with_its_statements() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &[]);
    write_manifest(dir, API_V1, WORKER);

    // From nothing: text and Markdown name each setting and the statements.
    let first = plan(dir, &sim, &[]).expect_code(0);
    for line in [
        "+ url (alias live) auth none",
        "+ url (alias live) invoke_mode buffered",
        "+ url (alias live) cors.allow_origins [https://example.com]",
        "+ url (alias live) cors.allow_methods [GET, POST]",
        "+ url (alias live) cors.allow_headers [content-type]",
        "+ url (alias live) cors.expose_headers [x-request-id]",
        "+ url (alias live) cors.allow_credentials true",
        "+ url (alias live) cors.max_age 300s",
        "+ permission FunctionURLAllowPublicAccess lambda:InvokeFunctionUrl to * if function_url_auth_type NONE on alias live",
        "+ permission FunctionURLAllowInvokeAction lambda:InvokeFunction to * if invoked_via_function_url true on alias live",
        "+ url auth aws_iam",
    ] {
        assert!(shows(&first.stdout, line), "{line}:\n{}", first.stdout);
    }
    let md = plan(dir, &sim, &["--format", "markdown"]).expect_code(0);
    assert!(
        md.stdout.contains("url (alias live) auth") && md.stdout.contains("none"),
        "{}",
        md.stdout
    );
    let steps = json_steps(dir, &sim, "api-staging");
    let create = steps
        .iter()
        .find(|s| s["step"] == "create_function_url_config")
        .unwrap_or_else(|| panic!("{steps:?}"));
    assert_eq!(create["qualifier"], "live");
    assert_eq!(create["config"]["auth"], "none");
    assert_eq!(
        create["config"]["cors"]["allow_origins"],
        serde_json::json!(["https://example.com"])
    );

    run(flo(dir, &sim, APPLY)).expect_code(0);
    let (status, live) = url_config(&sim, "api-staging", Some("live"));
    assert_eq!(status, 200, "{live}");
    assert_eq!(live["AuthType"], "NONE");
    assert_eq!(live["InvokeMode"], "BUFFERED");
    assert_eq!(
        live["FunctionArn"],
        format!("arn:aws:lambda:{REGION}:{FLEET_ACCOUNT}:function:api-staging:live")
    );
    assert_eq!(
        live["Cors"]["AllowOrigins"],
        serde_json::json!(["https://example.com"])
    );
    assert_eq!(
        live["Cors"]["AllowMethods"],
        serde_json::json!(["GET", "POST"])
    );
    assert_eq!(live["Cors"]["AllowCredentials"], true);
    assert_eq!(live["Cors"]["MaxAge"], 300);
    let host = live["FunctionUrl"].as_str().expect("FunctionUrl");
    assert!(
        host.starts_with("https://") && host.ends_with(&format!(".lambda-url.{REGION}.on.aws/")),
        "{host}"
    );
    // Only on the alias: the unqualified function has no URL.
    assert_eq!(url_config(&sim, "api-staging", None).0, 404);
    let (status, worker) = url_config(&sim, "worker-staging", None);
    assert_eq!(
        (status, worker["AuthType"].as_str()),
        (200, Some("AWS_IAM"))
    );
    let statements = policy(&sim, "api-staging", Some("live"));
    assert_eq!(
        statements["FunctionURLAllowPublicAccess"]["Condition"],
        serde_json::json!({"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}})
    );
    assert_eq!(
        statements["FunctionURLAllowPublicAccess"]["Action"],
        "lambda:InvokeFunctionUrl"
    );
    assert_eq!(
        statements["FunctionURLAllowInvokeAction"]["Condition"],
        serde_json::json!({"Bool": {"lambda:InvokedViaFunctionUrl": "true"}})
    );
    assert_eq!(statements["FunctionURLAllowInvokeAction"]["Principal"], "*");
    assert!(policy(&sim, "worker-staging", None).is_empty());
    assert_empty_plan(dir, &sim);

    // Auth, invoke mode and CORS change: one update naming each changed field, and
    // the public statements go.
    write_manifest(dir, API_V2, WORKER);
    let p = plan(dir, &sim, &[]).expect_code(0);
    for line in [
        "~ url (alias live) auth none → aws_iam",
        "~ url (alias live) invoke_mode buffered → response_stream",
        "~ url (alias live) cors.allow_origins [https://example.com] → [https://example.com, https://admin.example.com]",
        "~ url (alias live) cors.allow_methods [GET, POST] → [*]",
        "- url (alias live) cors.allow_headers",
        "- url (alias live) cors.max_age",
        "- permission FunctionURLAllowPublicAccess",
        "- permission FunctionURLAllowInvokeAction",
    ] {
        assert!(shows(&p.stdout, line), "{line}:\n{}", p.stdout);
    }
    let steps = json_steps(dir, &sim, "api-staging");
    let update = steps
        .iter()
        .find(|s| s["step"] == "update_function_url_config")
        .unwrap_or_else(|| panic!("{steps:?}"));
    assert_eq!(
        (
            update["old"]["auth"].as_str(),
            update["config"]["auth"].as_str()
        ),
        (Some("none"), Some("aws_iam"))
    );
    run(flo(dir, &sim, APPLY)).expect_code(0);
    let (_, live) = url_config(&sim, "api-staging", Some("live"));
    assert_eq!(live["AuthType"], "AWS_IAM");
    assert_eq!(live["InvokeMode"], "RESPONSE_STREAM");
    assert_eq!(live["Cors"]["AllowHeaders"], serde_json::json!([]));
    assert!(policy(&sim, "api-staging", Some("live")).is_empty());
    assert_empty_plan(dir, &sim);

    // Back to public, with `permissions` beside it: the manifest's statements are
    // added, the URL's are kept, someone else's is removed.
    let with_permissions = format!(
        "{API_V1}permissions:\n  s3-upload:\n    principal: s3.amazonaws.com\n    source_arn: arn:aws:s3:::uploads\n"
    );
    write_manifest(dir, &with_permissions, WORKER);
    run(flo(dir, &sim, APPLY)).expect_code(0);
    let mut sids: Vec<String> = policy(&sim, "api-staging", Some("live"))
        .keys()
        .cloned()
        .collect();
    sids.sort();
    assert_eq!(
        sids,
        [
            "FunctionURLAllowInvokeAction",
            "FunctionURLAllowPublicAccess",
            "s3-upload"
        ]
    );
    assert_empty_plan(dir, &sim);
    // `permissions: {}` removes the manifest's statements, not the URL's.
    let only_url = format!("{API_V1}permissions: {{}}\n");
    write_manifest(dir, &only_url, WORKER);
    let p = plan(dir, &sim, &[]).expect_code(0);
    assert!(
        shows(&p.stdout, "- permission s3-upload")
            && !p.stdout.contains("- permission FunctionURL"),
        "{}",
        p.stdout
    );
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert_eq!(policy(&sim, "api-staging", Some("live")).len(), 2);
    assert_empty_plan(dir, &sim);

    // `url` removed from the manifest: left alone, no drift.
    write_manifest(dir, "", "");
    assert_empty_plan(dir, &sim);
    assert_eq!(url_config(&sim, "api-staging", Some("live")).0, 200);

    // `url: false` deletes the URL and its statements.
    write_manifest(dir, "url: false\n", "url: false\n");
    let p = plan(dir, &sim, &[]).expect_code(0);
    assert!(
        shows(&p.stdout, "- url (alias live) none")
            && shows(&p.stdout, "- url aws_iam")
            && shows(&p.stdout, "- permission FunctionURLAllowPublicAccess"),
        "{}",
        p.stdout
    );
    run(flo(dir, &sim, APPLY)).expect_code(0);
    assert_eq!(url_config(&sim, "api-staging", Some("live")).0, 404);
    assert_eq!(url_config(&sim, "worker-staging", None).0, 404);
    assert!(policy(&sim, "api-staging", Some("live")).is_empty());
    assert_empty_plan(dir, &sim);
    // `plain` never had `url`, and was never asked for one.
    assert_eq!(url_config(&sim, "plain-staging", None).0, 404);
}

#[test]
fn bad_url_sections_are_refused_by_validate_with_the_path_and_a_help() {
    let cases = [
        (
            "url: { invoke_mode: buffered }\n",
            "functions.api.url.auth",
            "aws_iam",
        ),
        ("url: { auth: public }\n", "functions.api.url.auth", "none"),
        ("url: true\n", "functions.api.url", "url: false"),
        (
            "url: { auth: none, invoke_mode: streaming }\n",
            "functions.api.url.invoke_mode",
            "response_stream",
        ),
        (
            "url: { auth: none, cors: { allow_methods: [FETCH] } }\n",
            "functions.api.url.cors.allow_methods[0]",
            "HTTP method",
        ),
        (
            "url: { auth: none, cors: { allow_origins: [\"\"] } }\n",
            "functions.api.url.cors.allow_origins[0]",
            "https://example.com",
        ),
        (
            "url: { auth: none, cors: { max_age: 90000 } }\n",
            "functions.api.url.cors.max_age",
            "86400",
        ),
        (
            "url: { auth: none, cors: { allow_methods: [GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS] } }\n",
            "functions.api.url.cors.allow_methods",
            "at most 6",
        ),
        (
            "url: { auth: none, cors: { allow_origin: [x] } }\n",
            "allow_origin",
            "allow_origins",
        ),
        (
            "url: { auth: none }\npermissions:\n  FunctionURLAllowPublicAccess:\n    principal: \"*\"\n",
            "functions.api.permissions.FunctionURLAllowPublicAccess",
            "remove or rename it",
        ),
    ];
    for (section, path, help) in cases {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        write_manifest(dir, section, "");
        let mut cmd = flotilla(dir, FLEET_ACCOUNT);
        cmd.args(["validate", "-f", "deploy.yaml", "--env", "staging"]);
        let out = run(cmd).expect_code(1);
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(
            shows(&text, path) && shows(&text, help),
            "{section}: want `{path}` and `{help}` in:\n{text}"
        );
    }
}

#[test]
fn url_is_taken_whole_from_the_last_layer_and_a_saved_plan_keeps_to_the_alias() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let sim = Sim::start(dir, &[]);
    write_manifest(dir, API_V1, "");
    // `defaults` gives every function a URL with CORS; the environment's replaces it for
    // `plain`, and `worker`'s own in the environment replaces its own, each whole.
    let yaml = std::fs::read_to_string(dir.join("deploy.yaml")).expect("manifest");
    let yaml = yaml
        .replace(
            "  region: eu-west-1\n",
            "  region: eu-west-1\n  url: { auth: aws_iam, cors: { max_age: 60 } }\n",
        )
        .replace(
            "    name: worker-${stage}\n",
            "    name: worker-${stage}\n    url: { auth: aws_iam }\n    environments: { staging: { url: { auth: none } } }\n",
        )
        .replace(
            "  staging: { account:",
            "  staging: { url: { auth: aws_iam, invoke_mode: response_stream }, account:",
        );
    std::fs::write(dir.join("deploy.yaml"), &yaml).expect("write the manifest");
    let steps = |name: &str| json_steps(dir, &sim, name);
    let config = |name: &str| {
        steps(name)
            .into_iter()
            .find(|s| s["step"] == "create_function_url_config")
            .map(|s| s["config"].clone())
            .unwrap_or_else(|| panic!("{name}: {yaml}"))
    };
    assert_eq!(
        config("worker-staging"),
        serde_json::json!({"auth": "none", "invoke_mode": "buffered"})
    );
    assert_eq!(
        config("plain-staging"),
        serde_json::json!({"auth": "aws_iam", "invoke_mode": "response_stream"})
    );
    assert_eq!(config("api-staging")["cors"]["max_age"], 300);

    // A saved plan whose URL step names another qualifier than the alias is refused.
    run(flo(
        dir,
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
    let text = std::fs::read_to_string(dir.join("plan.json")).expect("plan.json");
    assert!(text.contains("\"qualifier\": \"live\""), "{text}");
    std::fs::write(
        dir.join("plan.json"),
        text.replacen("\"qualifier\": \"live\"", "\"qualifier\": \"$LATEST\"", 1),
    )
    .expect("edit plan.json");
    let out = run(flo(dir, &sim, &["apply", "plan.json"])).expect_code(1);
    assert!(
        shows(&out.stderr, "another qualifier than the function's alias"),
        "{}",
        out.stderr
    );
    assert_eq!(url_config(&sim, "api-staging", Some("live")).0, 404);
}
