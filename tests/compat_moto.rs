//! `flotilla plan` and `apply` (the real binary) against the moto server 5.2.5, started
//! by the test, with the same fleet, drift and expectations as against MiniStack.
//!
//! moto checks that the execution role exists (so the test creates it first in moto's
//! IAM), reports no `RevisionId` (so the engine can send no precondition), and finishes
//! every update at once (`State: Active`, `LastUpdateStatus: Successful` straight from the
//! update call): the engine must work from what the endpoint reports.

use crate::compat_common;
use crate::support;

use compat_common::Fleet;
use flotilla_cloud::lambda::{LambdaApi, SdkLambda};
use support::{REGION, create_moto_role, start_moto};

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_replan_against_moto() {
    let venv = support::venv();
    let moto = start_moto(&venv);
    let role = create_moto_role(&moto, "flotilla-compat");
    let api = SdkLambda::for_endpoint(&moto.url(), REGION);
    let fleet = Fleet::write("compat-moto", &role);
    let retries = fleet.plan_apply_replan(&moto.url(), &api).await;
    for class in ["conflict", "precondition_failed"] {
        assert_eq!(retries.get(class).copied().unwrap_or(0), 0, "{retries:?}");
    }
    // The property the engine had to do without.
    let live = api
        .get_function(&fleet.name("api"))
        .await
        .expect("read api back");
    assert_eq!(live.revision_id, None, "moto reports no RevisionId");
}
