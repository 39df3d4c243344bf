//! `assume_role` against `flotilla sim`: its STS grants each role a session whose key
//! maps to the role's account, so `plan`/`apply` (the real binary, with only
//! `AWS_ENDPOINT_URL` set) deploy each environment into its own account, and the sim's
//! session list shows each AssumeRole with its session name `flotilla-<env>`.

use crate::e2e_support;
use crate::support;

use e2e_support::{Sim, flotilla, run};

/// The account of the base credentials (CI's tooling account).
const BASE: &str = "999999999999";
const STAGING: &str = "111111111111";
const PROD: &str = "222222222222";

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
  prod:
    account: "222222222222"
    assume_role: arn:aws:iam::${account}:role/deployer
    external_id: prod-ext
functions:
  api:
    name: api-${stage}
    artifact: { dir: src }
  edge:
    name: edge-${stage}
    region: us-east-1
    artifact: { dir: src }
"#;

fn status_of(sim: &Sim, key: &str, region: &str, name: &str) -> u16 {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={key}/20250101/{region}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    support::http(
        sim.port,
        "GET",
        &format!("/2015-03-31/functions/{name}"),
        &[("Authorization", &auth)],
        "",
    )
    .unwrap()
    .0
}

#[test]
fn each_environment_is_deployed_into_its_roles_account() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/app.py"),
        "def handler(e, c):\n    pass\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), MANIFEST).unwrap();
    let sim = Sim::start(dir.path(), &["--latency", "0s"]);
    let cli = |args: &[&str]| {
        let mut cmd = flotilla(dir.path(), BASE);
        cmd.env("AWS_ENDPOINT_URL", &sim.url).args(args);
        run(cmd)
    };

    cli(&["plan", "--env", "staging", "-o", "staging.json"]).expect_code(0);
    cli(&["apply", "staging.json"]).expect_code(0);
    cli(&["apply", "--env", "prod", "--auto-approve"]).expect_code(0);
    let again = cli(&["plan", "--env", "prod", "--detailed-exitcode"]).expect_code(0);
    assert!(
        again
            .stdout
            .contains("Assumes role: account 222222222222 through arn:aws:iam::222222222222:role/deployer (session flotilla-prod)"),
        "{}",
        again.stdout
    );

    // One session per role and process, shared by both regions of the account.
    let sessions = sim.control("GET", "sts/sessions", "");
    let got: Vec<(String, String, String)> = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["caller_account"], BASE, "{s}");
            (
                s["role_arn"].as_str().unwrap().to_owned(),
                s["session_name"].as_str().unwrap().to_owned(),
                s["external_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let staging = (
        format!("arn:aws:iam::{STAGING}:role/deployer"),
        "flotilla-staging".to_owned(),
        String::new(),
    );
    let prod = (
        format!("arn:aws:iam::{PROD}:role/deployer"),
        "flotilla-prod".to_owned(),
        "prod-ext".to_owned(),
    );
    assert_eq!(
        got,
        [staging.clone(), staging, prod.clone(), prod],
        "plan, apply of the saved plan, apply, plan"
    );

    for (account, env) in [(STAGING, "staging"), (PROD, "prod")] {
        for (name, region) in [("api", "eu-north-1"), ("edge", "us-east-1")] {
            let name = format!("{name}-{env}");
            let f = sim.get_function(account, region, &name);
            assert_eq!(
                f["Configuration"]["FunctionArn"],
                format!("arn:aws:lambda:{region}:{account}:function:{name}")
            );
            assert_eq!(status_of(&sim, BASE, region, &name), 404, "{name}");
        }
    }
}

#[test]
fn the_sims_sts_answers_assume_role_and_get_caller_identity() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(dir.path(), &[]);
    let form = |body: &str, key: &str| {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={key}/20250101/us-east-1/sts/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        support::http(
            sim.port,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &auth),
            ],
            body,
        )
        .unwrap()
    };
    let (status, xml) = form(
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fdeployer&RoleSessionName=flotilla-qa",
        BASE,
    );
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains("<Arn>arn:aws:sts::111111111111:assumed-role/deployer/flotilla-qa</Arn>"),
        "{xml}"
    );
    let key = xml
        .split_once("<AccessKeyId>")
        .and_then(|(_, rest)| rest.split_once("</AccessKeyId>"))
        .map(|(k, _)| k.to_owned())
        .unwrap();
    let (status, who) = form("Action=GetCallerIdentity&Version=2011-06-15", &key);
    assert_eq!(status, 200, "{who}");
    assert!(
        who.contains("<Arn>arn:aws:sts::111111111111:assumed-role/deployer/flotilla-qa</Arn>")
            && who.contains("<Account>111111111111</Account>"),
        "{who}"
    );
    let (status, err) = form(
        "Action=AssumeRole&Version=2011-06-15&RoleArn=deployer&RoleSessionName=flotilla-qa",
        BASE,
    );
    assert_eq!(status, 400);
    assert!(err.contains("<Code>ValidationError</Code>"), "{err}");
}
