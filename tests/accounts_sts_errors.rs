//! A role STS refuses to let Flotilla assume fails `plan` at once: exit 1, one STS call
//! for the whole fleet (no retry storm), and an error naming the role and the
//! environment but no secret. The refusing STS is a small server in this test, reached
//! through `AWS_ENDPOINT_URL_STS` while `AWS_ENDPOINT_URL` points at nothing, which also
//! shows the STS endpoint override is honoured.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;

const SECRET: &str = "wJalrXUtnFEMI-not-a-real-secret";
const ROLE: &str = "arn:aws:iam::111111111111:role/deployer";

const MANIFEST: &str = r#"version: 1
defaults:
  region: eu-north-1
  role: arn:aws:iam::${account}:role/app
  runtime: python3.12
  handler: app.handler
environments:
  staging:
    account: "111111111111"
    assume_role: arn:aws:iam::${account}:role/deployer
    external_id: ext-123
functions:
  api: { artifact: { dir: src } }
  worker: { artifact: { dir: src } }
  cron: { artifact: { dir: src } }
  audit: { artifact: { dir: src } }
"#;

/// An STS that answers the first `unavailable` AssumeRole calls with 503 and refuses
/// every later one, remembering each request body.
async fn refusing_sts(unavailable: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let app = Router::new().route(
        "/",
        post(move |body: String| {
            let seen = seen.clone();
            async move {
                let n = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(body);
                    seen.len()
                };
                if n <= unavailable {
                    return (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [("content-type", "text/xml")],
                        "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>\
                         <Message>try again</Message></Error></ErrorResponse>"
                            .to_owned(),
                    );
                }
                (
                    StatusCode::FORBIDDEN,
                    [("content-type", "text/xml")],
                    format!(
                        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                         <Error><Type>Sender</Type><Code>AccessDenied</Code>\
                         <Message>User: arn:aws:iam::000000000000:user/ci is not authorized \
                         to perform: sts:AssumeRole on resource: {ROLE}</Message></Error>\
                         <RequestId>7a62c49f</RequestId></ErrorResponse>"
                    ),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, bodies)
}

/// `flotilla plan --env staging` of `manifest` with base credentials from the
/// environment, STS at `sts` and Lambda at nothing.
async fn plan_with_sts(sts: &str, manifest: &str) -> std::process::Output {
    let dir = fleet(manifest);
    run_with_sts(dir.path(), sts, &["plan", "--env", "staging"]).await
}

fn fleet(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/app.py"),
        "def handler(e, c):\n    pass\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), manifest).unwrap();
    dir
}

/// `flotilla ARGS` in `dir` with base credentials from the environment, STS at `sts`
/// and Lambda at nothing.
async fn run_with_sts(dir: &std::path::Path, sts: &str, args: &[&str]) -> std::process::Output {
    let no_config = dir.join("no-aws-config");
    std::fs::write(&no_config, "").unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("AWS_ACCESS_KEY_ID", "AKIDBASECREDENTIALS")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_CONFIG_FILE", &no_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &no_config)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // Nothing listens on the discard port: Lambda must never be reached.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_STS", sts)
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_role_fails_plan_once_naming_role_and_environment() {
    let (sts, bodies) = refusing_sts(0).await;
    let out = plan_with_sts(&sts, MANIFEST).await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // miette wraps long lines (even inside an ARN) behind a `│` gutter: compare without
    // white space and gutters.
    let squeeze = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    };
    for expected in [
        format!(
            "GetFunction failed: AssumeRoleFailed: cannot assume role {ROLE} (session `flotilla-staging`) for environment `staging`: AccessDenied (HTTP 403): User: arn:aws:iam::000000000000:user/ci is not authorized"
        ),
        "calls made: 1".to_owned(),
    ] {
        assert!(
            squeeze(&stderr).contains(&squeeze(&expected)),
            "missing {expected:?} in: {stderr}"
        );
    }
    assert!(
        !stderr.contains("WARN"),
        "the refusal is reported once: {stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");

    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(
        bodies.len(),
        1,
        "one AssumeRole for four functions: {bodies:?}"
    );
    for field in [
        "Action=AssumeRole",
        "RoleSessionName=flotilla-staging",
        "ExternalId=ext-123",
        "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fdeployer",
    ] {
        assert!(bodies[0].contains(field), "{field} in {}", bodies[0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_unavailable_is_retried_but_a_refusal_is_not() {
    let (sts, bodies) = refusing_sts(1).await;
    let manifest = MANIFEST.replace(
        "  handler: app.handler\n",
        "  handler: app.handler\n  retry: { max_attempts: 4, backoff: { initial: 10ms, max: 10ms } }\n",
    );
    let out = plan_with_sts(&sts, &manifest).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("AccessDenied"), "{stderr}");
    // The 503 was retried once; the refusal that followed ended the run.
    assert_eq!(bodies.lock().unwrap().len(), 2, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_a_saved_plan_assumes_its_role_and_a_refusal_fails_every_function_once() {
    let (sts, bodies) = refusing_sts(0).await;
    let dir = fleet(MANIFEST);
    // The local emulator makes a plan without AWS; it records the role all the same.
    let plan = run_with_sts(
        dir.path(),
        &sts,
        &["plan", "--local", "--env", "staging", "-o", "plan.json"],
    )
    .await;
    assert_eq!(plan.status.code(), Some(0), "{plan:?}");
    assert!(bodies.lock().unwrap().is_empty(), "--local never calls STS");
    let apply = run_with_sts(dir.path(), &sts, &["apply", "plan.json"]).await;
    let stderr = String::from_utf8_lossy(&apply.stderr);
    assert_eq!(apply.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("4 functions: 0 converged, 4 failed"),
        "{stderr}"
    );
    assert!(stderr.contains("AssumeRoleFailed"), "{stderr}");
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(
        bodies.len(),
        1,
        "one AssumeRole for the whole apply: {bodies:?}"
    );
    assert!(
        bodies[0].contains("RoleSessionName=flotilla-staging"),
        "{}",
        bodies[0]
    );
}
