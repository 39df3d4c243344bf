//! `SdkLambda` against the moto server through the real SDK client. moto needs the
//! execution role to exist in its IAM before `CreateFunction`.

use crate::sdk_suite;
use crate::support;

use flotilla_cloud::lambda::SdkLambda;
use support::{REGION, Shared, create_moto_role, start_moto};

static MOTO: Shared = Shared::new();

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_lifecycle() {
    let venv = support::venv();
    let moto = MOTO.get(|| start_moto(&venv));
    let role = create_moto_role(&moto, "flotilla-test");
    let api = SdkLambda::for_endpoint(&moto.url(), REGION);
    sdk_suite::lifecycle(&api, "flotilla-moto-lifecycle", &role).await;
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn aws_cli_helper_reaches_moto() {
    let venv = support::venv();
    let moto = MOTO.get(|| start_moto(&venv));
    let role = create_moto_role(&moto, "cli-role");
    let out = support::aws_cli(
        &venv,
        &moto.url(),
        &["iam", "get-role", "--role-name", "cli-role"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&role));
}
