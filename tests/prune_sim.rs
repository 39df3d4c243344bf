//! `--prune` through the library on the in-process emulator: which functions count as
//! having left the manifest, the plan's deletions, and apply's ownership re-check.

use crate::plan_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use flotilla_cloud::lambda::{
    AliasInfo, AliasInput, ApiResult, CreateFunctionInput, FunctionInfo, FunctionSummary,
    LambdaApi, LayerVersionInfo, PublishVersionInput, UpdateCodeInput, UpdateConfigInput,
    VersionInfo,
};
use flotilla_core::apply::{ApplyContext, NoEvents, Outcome, apply};
use flotilla_core::artifact::Artifacts;
use flotilla_core::deploy::LocalCode;
use flotilla_core::model::{ENV_TAG, MANIFEST_TAG, Model};
use flotilla_core::observe::observe;
use flotilla_core::pace::Pacer;
use flotilla_core::plan::{Action, Plan, Step, plan};
use flotilla_core::prune::find_left;
use flotilla_sim::{SeedSpec, Sim, SimConfig};

use plan_support::{SHA_A, function, model, zip};

const ACCOUNT: &str = "111111111111";
const REGION: &str = "eu-north-1";

fn tags(manifest: &str, env: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANIFEST_TAG.to_owned(), manifest.to_owned()),
        (ENV_TAG.to_owned(), env.to_owned()),
    ])
}

fn seed(sim: &Sim, region: &str, name: &str, tags: BTreeMap<String, String>) {
    let spec = SeedSpec {
        name: name.to_owned(),
        tags,
        ..SeedSpec::default()
    };
    sim.seed_function(ACCOUNT, region, spec.into_seed(ACCOUNT))
        .expect("seed");
}

/// The manifest has `kept`; the account also holds the managed `gone-staging` (left
/// the manifest), an untagged function, one tagged for `prod`, one tagged for another
/// manifest, and a managed function in a region the manifest does not deploy to.
fn world() -> (Sim, Model) {
    let sim = Sim::new(SimConfig::default());
    seed(&sim, REGION, "kept-staging", tags("deploy.yaml", "staging"));
    seed(&sim, REGION, "gone-staging", tags("deploy.yaml", "staging"));
    seed(&sim, REGION, "by-hand", BTreeMap::new());
    seed(&sim, REGION, "gone-prod", tags("deploy.yaml", "prod"));
    seed(&sim, REGION, "theirs", tags("other/deploy.yaml", "staging"));
    seed(
        &sim,
        "us-east-1",
        "far-staging",
        tags("deploy.yaml", "staging"),
    );
    (sim, model(vec![function("kept")]))
}

async fn prune_plan(
    sim: &Sim,
    model: &Model,
    wrap: fn(Arc<dyn LambdaApi>) -> Arc<dyn LambdaApi>,
) -> Plan {
    let client = wrap(Arc::new(sim.client(ACCOUNT, REGION)));
    let clients = move |_: Option<&str>, _: &str| client.clone();
    let pacer = Pacer::new(model.limits);
    let mut live = observe(model, &clients, &pacer).await.expect("observe");
    live.left_manifest = find_left(model, &clients, &pacer).await.expect("scan");
    let artifacts: Artifacts = model
        .functions
        .iter()
        .map(|f| (f.key.clone(), zip(SHA_A)))
        .collect();
    plan(model, &live, &artifacts, "2026-11-26T00:00:00Z").expect("plan")
}

fn context(client: Arc<dyn LambdaApi>) -> ApplyContext {
    let clients = move |_: Option<&str>, _: &str| Ok::<_, String>(client.clone());
    let mut ctx = ApplyContext::new(
        Arc::new(clients),
        Arc::new(LocalCode::new(std::env::temp_dir())),
    );
    ctx.events = Arc::new(NoEvents);
    ctx
}

fn same(api: Arc<dyn LambdaApi>) -> Arc<dyn LambdaApi> {
    api
}

#[tokio::test(start_paused = true)]
async fn only_the_managed_function_that_left_is_deleted() {
    let (sim, model) = world();
    let p = prune_plan(&sim, &model, same).await;
    let deletions: Vec<&str> = p
        .functions
        .iter()
        .filter(|f| f.action == Action::Delete)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(deletions, ["gone-staging"]);
    assert_eq!(p.summary().delete, 1);
    let gone = p.functions.last().expect("a deletion");
    assert_eq!(
        gone.steps,
        [Step::DeleteFunction {
            owner_tags: tags("deploy.yaml", "staging")
        }]
    );
    // Deleted only after the manifest's own functions converged.
    assert_eq!(
        gone.depends_on,
        [flotilla_core::model::FunctionKey("kept".into())]
    );
    assert!(gone.desired.config.environment.is_empty());

    // Keep only the deletion: `kept` would need code this test does not have.
    let mut only = p.clone();
    only.functions.retain(|f| f.action == Action::Delete);
    only.functions[0].depends_on.clear();
    let report = apply(&only, context(Arc::new(sim.client(ACCOUNT, REGION)))).await;
    assert!(report.success(), "{}", report.to_table());
    assert_eq!(report.totals.deleted, 1);
    assert!(
        report.to_table().contains("1 deleted"),
        "{}",
        report.to_table()
    );
    assert!(sim.function_info(ACCOUNT, REGION, "gone-staging").is_none());
    for kept in ["kept-staging", "by-hand", "gone-prod", "theirs"] {
        assert!(sim.function_info(ACCOUNT, REGION, kept).is_some(), "{kept}");
    }
    assert!(
        sim.function_info(ACCOUNT, "us-east-1", "far-staging")
            .is_some()
    );
}

/// A backend where re-tagging does not move `RevisionId` (the emulator's does): the
/// ownership tag vanishes after the plan, which only the ListTags re-check can see.
struct TagsRemoved(Arc<dyn LambdaApi>);

#[async_trait]
impl LambdaApi for TagsRemoved {
    async fn get_function(&self, name: &str) -> ApiResult<FunctionInfo> {
        self.0.get_function(name).await
    }
    async fn get_function_configuration(&self, name: &str) -> ApiResult<FunctionInfo> {
        self.0.get_function_configuration(name).await
    }
    async fn create_function(&self, input: CreateFunctionInput) -> ApiResult<FunctionInfo> {
        self.0.create_function(input).await
    }
    async fn update_function_code(&self, input: UpdateCodeInput) -> ApiResult<FunctionInfo> {
        self.0.update_function_code(input).await
    }
    async fn update_function_configuration(
        &self,
        input: UpdateConfigInput,
    ) -> ApiResult<FunctionInfo> {
        self.0.update_function_configuration(input).await
    }
    async fn publish_version(&self, input: PublishVersionInput) -> ApiResult<VersionInfo> {
        self.0.publish_version(input).await
    }
    async fn list_versions(&self, name: &str) -> ApiResult<Vec<VersionInfo>> {
        self.0.list_versions(name).await
    }
    async fn get_alias(&self, function_name: &str, alias: &str) -> ApiResult<AliasInfo> {
        self.0.get_alias(function_name, alias).await
    }
    async fn create_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        self.0.create_alias(input).await
    }
    async fn update_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        self.0.update_alias(input).await
    }
    async fn list_aliases(&self, function_name: &str) -> ApiResult<Vec<AliasInfo>> {
        self.0.list_aliases(function_name).await
    }
    async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> ApiResult<()> {
        self.0.tag_resource(arn, tags).await
    }
    async fn untag_resource(&self, arn: &str, keys: Vec<String>) -> ApiResult<()> {
        self.0.untag_resource(arn, keys).await
    }
    async fn list_tags(&self, arn: &str) -> ApiResult<BTreeMap<String, String>> {
        let mut tags = self.0.list_tags(arn).await?;
        tags.remove(ENV_TAG);
        Ok(tags)
    }
    async fn put_function_concurrency(&self, name: &str, reserved: u32) -> ApiResult<()> {
        self.0.put_function_concurrency(name, reserved).await
    }
    async fn delete_function_concurrency(&self, name: &str) -> ApiResult<()> {
        self.0.delete_function_concurrency(name).await
    }
    async fn delete_function(&self, name: &str) -> ApiResult<()> {
        self.0.delete_function(name).await
    }
    async fn list_functions(&self) -> ApiResult<Vec<FunctionSummary>> {
        self.0.list_functions().await
    }
    async fn list_layer_versions(&self, layer_name: &str) -> ApiResult<Vec<LayerVersionInfo>> {
        self.0.list_layer_versions(layer_name).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_function_whose_ownership_tag_was_removed_is_refused_not_deleted() {
    let (sim, model) = world();
    let mut p = prune_plan(&sim, &model, same).await;
    p.functions.retain(|f| f.action == Action::Delete);
    p.functions[0].depends_on.clear();
    let client: Arc<dyn LambdaApi> = Arc::new(TagsRemoved(Arc::new(sim.client(ACCOUNT, REGION))));
    let report = apply(&p, context(client)).await;
    let r = report.function("gone-staging").expect("reported");
    match &r.outcome {
        Outcome::Stale {
            message, action, ..
        } => {
            assert!(message.contains("ownership tags changed"), "{message}");
            assert!(message.contains("flotilla:env"), "{message}");
            assert_eq!(*action, flotilla_core::apply::StaleAction::Refused);
        }
        other => panic!("expected stale, got {other:?}"),
    }
    assert!(r.steps_done.is_empty());
    assert!(!report.success());
    assert_eq!(report.totals.deleted, 0);
    assert!(sim.function_info(ACCOUNT, REGION, "gone-staging").is_some());
}

#[tokio::test(start_paused = true)]
async fn a_function_changed_since_the_plan_is_refused() {
    let (sim, model) = world();
    let mut p = prune_plan(&sim, &model, same).await;
    p.functions.retain(|f| f.action == Action::Delete);
    p.functions[0].depends_on.clear();
    sim.outside_write(ACCOUNT, REGION, "gone-staging")
        .expect("outside write");
    let report = apply(&p, context(Arc::new(sim.client(ACCOUNT, REGION)))).await;
    let r = report.function("gone-staging").expect("reported");
    assert_eq!(r.outcome.label(), "stale", "{:?}", r.outcome);
    assert!(sim.function_info(ACCOUNT, REGION, "gone-staging").is_some());
}

#[tokio::test(start_paused = true)]
async fn without_the_scan_or_with_no_managed_leftovers_nothing_is_deleted() {
    let (sim, mut model) = world();
    model.ownership = flotilla_core::model::Ownership::new("elsewhere.yaml", Some("staging"));
    let p = prune_plan(&sim, &model, same).await;
    assert!(p.functions.iter().all(|f| f.action != Action::Delete));
    let kept = &p.functions[0];
    // `kept-staging` is tagged for deploy.yaml: the plan re-tags it for this manifest.
    let retag = kept
        .steps
        .iter()
        .find_map(|s| match s {
            Step::TagResource { tags, .. } => Some(tags.clone()),
            _ => None,
        })
        .expect("a tag step");
    assert_eq!(
        retag.get(MANIFEST_TAG).map(String::as_str),
        Some("elsewhere.yaml")
    );
}

#[tokio::test(start_paused = true)]
async fn a_manifest_mixing_implicit_and_explicit_accounts_never_deletes_its_own_functions() {
    let (sim, _) = world();
    seed(
        &sim,
        REGION,
        "implicit-staging",
        tags("deploy.yaml", "staging"),
    );
    // `implicit` leaves the account to the credentials, `kept` names it: both are
    // listed by the same client, so each scan sees the other's function.
    let mut implicit = function("implicit");
    implicit.account = None;
    let model = model(vec![function("kept"), implicit]);
    let p = prune_plan(&sim, &model, same).await;
    let deletions: Vec<&str> = p
        .functions
        .iter()
        .filter(|f| f.action == Action::Delete)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(deletions, ["gone-staging"], "found once, and only it");
}

#[tokio::test(start_paused = true)]
async fn a_managed_function_whose_creation_failed_is_still_deleted() {
    use flotilla_cloud::lambda::{CodeSource, FunctionConfig, FunctionStateKind};
    use flotilla_sim::{FaultKind, FaultRule};
    let (sim, model) = world();
    sim.set_faults(vec![FaultRule::next(
        1,
        Some(flotilla_cloud::lambda::ApiOp::CreateFunction),
        None,
        FaultKind::FailUpdate {
            reason: Some("ENI limit".into()),
            reason_code: None,
        },
    )]);
    let client = sim.client(ACCOUNT, REGION);
    client
        .create_function(CreateFunctionInput {
            name: "broken-staging".into(),
            config: FunctionConfig {
                role: "arn:aws:iam::111111111111:role/app".into(),
                runtime: Some("python3.12".into()),
                handler: Some("app.handler".into()),
                memory_mb: 128,
                timeout_s: 3,
                ephemeral_storage_mb: 512,
                ..FunctionConfig::default()
            },
            code: CodeSource::Zip(Arc::new(b"PK broken".to_vec())),
            publish: false,
            tags: tags("deploy.yaml", "staging"),
            code_signing_config_arn: None,
        })
        .await
        .expect("create accepted");
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    let info = sim
        .function_info(ACCOUNT, REGION, "broken-staging")
        .expect("exists");
    assert_eq!(info.state, Some(FunctionStateKind::Failed));

    let mut p = prune_plan(&sim, &model, same).await;
    p.functions
        .retain(|f| f.action == Action::Delete && f.name == "broken-staging");
    assert_eq!(p.functions.len(), 1);
    p.functions[0].depends_on.clear();
    let report = apply(&p, context(Arc::new(sim.client(ACCOUNT, REGION)))).await;
    assert!(report.success(), "{}", report.to_table());
    assert!(
        sim.function_info(ACCOUNT, REGION, "broken-staging")
            .is_none()
    );
}
