//! Shared fixtures for the apply tests: a fleet seeded in the in-process emulator, plans
//! built the way the planner would, code by bytes, and a recording client that notices
//! a mutation sent when its effect is already live.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine;
use sha2::{Digest, Sha256};

use flotilla_cloud::lambda::{
    AliasInfo, AliasInput, ApiResult, CodeSource, ConfigField, CreateFunctionInput, FunctionConfig,
    FunctionInfo, FunctionSummary, LambdaApi, PublishVersionInput, UpdateCodeInput,
    UpdateConfigInput, VersionInfo,
};
use flotilla_core::apply::{ApplyContext, CodeProvider, NoEvents};
use flotilla_core::artifact::ArtifactDigest;
use flotilla_core::model::{EnvSource, FunctionKey};
use flotilla_core::plan::{
    Action, DesiredConfig, EnvValue, Field, FieldChange, FieldValue, FunctionPlan, Plan,
    PlanLimits, RetrySpec, Step, WaitSpec,
};
use flotilla_sim::{SeedSpec, Sim, SimConfig};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "eu-north-1";
pub const ALIAS: &str = "live";
pub const TOKEN_VAR: &str = "FLOTILLA_TEST_TOKEN";
pub const TOKEN_VALUE: &str = "s3cr3t-value";

pub fn sha(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// The new code of a function in a test deploy.
pub fn new_code(name: &str) -> Vec<u8> {
    format!("PK new code of {name}").into_bytes()
}

pub fn name(i: usize) -> String {
    format!("fn-{i:03}")
}

/// Seeds `n` functions (old code, 128 MB, STAGE=old).
pub fn seed_fleet(sim: &Sim, names: &[String]) {
    for n in names {
        let spec = SeedSpec {
            name: n.clone(),
            environment: BTreeMap::from([("STAGE".to_owned(), "old".to_owned())]),
            ..SeedSpec::default()
        };
        sim.seed_function(ACCOUNT, REGION, spec.into_seed(ACCOUNT))
            .expect("seed");
    }
}

pub fn desired_env() -> BTreeMap<String, EnvValue> {
    BTreeMap::from([
        ("STAGE".to_owned(), EnvValue::Value("prod".to_owned())),
        (
            "API_TOKEN".to_owned(),
            EnvValue::Sensitive(Some(EnvSource::FromEnv(TOKEN_VAR.to_owned()))),
        ),
    ])
}

/// The resolved environment the functions must end with.
pub fn resolved_env() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("STAGE".to_owned(), "prod".to_owned()),
        ("API_TOKEN".to_owned(), TOKEN_VALUE.to_owned()),
    ])
}

fn desired(live: Option<&FunctionInfo>) -> DesiredConfig {
    DesiredConfig {
        config: FunctionConfig {
            role: live.map_or_else(
                || format!("arn:aws:iam::{ACCOUNT}:role/lambda-role"),
                |l| l.config.role.clone(),
            ),
            runtime: Some("python3.12".to_owned()),
            handler: Some("app.handler".to_owned()),
            description: live.map_or_else(String::new, |l| l.config.description.clone()),
            memory_mb: 256,
            environment: desired_env(),
            ..FunctionConfig::lambda_defaults()
        },
        tags: BTreeMap::new(),
        reserved_concurrency: None,
        around: Default::default(),
        code_signing_config: None,
        publish: true,
        alias: Some(ALIAS.to_owned()),
        provisioned_concurrency: None,
    }
}

fn change(field: Field) -> FieldChange {
    FieldChange {
        field,
        old: Some(FieldValue::Text("old".into())),
        new: Some(FieldValue::Text("new".into())),
    }
}

pub fn retry() -> RetrySpec {
    RetrySpec {
        max_attempts: 8,
        initial_ms: 500,
        max_ms: 20_000,
        multiplier: 2.0,
    }
}

/// The plan the planner would make to deploy new code, 256 MB and the new environment,
/// then publish and point `live` at the new version (creating missing functions).
pub fn function_plan(sim: &Sim, name: &str) -> FunctionPlan {
    let live = sim.function_info(ACCOUNT, REGION, name);
    let code = new_code(name);
    let steps = match &live {
        Some(_) => vec![
            Step::UpdateCode {
                changes: vec![change(Field::Code)],
                files: None,
            },
            Step::UpdateConfiguration {
                changes: vec![
                    change(Field::Setting(ConfigField::MemoryMb)),
                    change(Field::Environment("STAGE".into())),
                    change(Field::Environment("API_TOKEN".into())),
                ],
            },
            Step::PublishVersion,
            Step::CreateAlias {
                alias: ALIAS.to_owned(),
            },
        ],
        None => vec![
            Step::CreateFunction {
                tags: BTreeMap::from([("team".to_owned(), "web".to_owned())]),
            },
            Step::PublishVersion,
            Step::CreateAlias {
                alias: ALIAS.to_owned(),
            },
        ],
    };
    FunctionPlan {
        key: FunctionKey(name.to_owned()),
        name: name.to_owned(),
        account: Some(ACCOUNT.to_owned()),
        region: REGION.to_owned(),
        assume_role: None,
        action: if live.is_some() {
            Action::Update
        } else {
            Action::Create
        },
        observed_revision_id: live.as_ref().and_then(|l| l.revision_id.clone()),
        observed_code_sha256: live.as_ref().map(|l| l.code_sha256.clone()),
        artifact: ArtifactDigest::Zip {
            code_sha256: sha(&code),
            size: code.len() as u64,
        },
        source: None,
        upload: None,
        desired: desired(live.as_ref()),
        depends_on: Vec::new(),
        retry: retry(),
        wait: WaitSpec {
            timeout_ms: 600_000,
        },
        steps,
        rollout: None,
    }
}

pub fn plan(functions: Vec<FunctionPlan>) -> Plan {
    Plan {
        format_version: 1,
        manifest_digest: "0".repeat(64),
        created_at: "2026-01-01T00:00:00Z".to_owned(),
        environment: None,
        manifest_path: "deploy.yaml".to_owned(),
        limits: PlanLimits {
            mutating_per_second: 15.0,
            get_function_per_second: 100.0,
        },
        functions,
    }
}

/// Code by bytes; refuses when the bytes no longer hash to the plan's artifact.
pub struct BytesCode;

#[async_trait]
impl CodeProvider for BytesCode {
    async fn code(&self, f: &FunctionPlan) -> Result<CodeSource, String> {
        let bytes = new_code(&f.name);
        match &f.artifact {
            ArtifactDigest::Zip { code_sha256, .. } if *code_sha256 == sha(&bytes) => {
                Ok(CodeSource::Zip(Arc::new(bytes)))
            }
            _ => Err("the artifact changed since the plan".to_owned()),
        }
    }
}

/// A mutation sent although its effect was already live.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    pub function: String,
    pub op: &'static str,
}

/// A `LambdaApi` over the sim that records mutations whose effect was already live
/// when they were sent (a step run twice after an unknown outcome).
pub struct Recording {
    pub inner: flotilla_sim::SimClient,
    pub sim: Sim,
    pub repeats: Arc<Mutex<Vec<Repeat>>>,
    /// Accept UpdateFunctionConfiguration but drop its `MemorySize`, as an endpoint that
    /// ignores a field does.
    pub ignore_memory: bool,
}

impl Recording {
    fn live(&self, name: &str) -> Option<FunctionInfo> {
        self.sim.function_info(ACCOUNT, REGION, name)
    }

    fn repeat(&self, function: &str, op: &'static str) {
        self.repeats.lock().expect("lock").push(Repeat {
            function: function.to_owned(),
            op,
        });
    }
}

#[async_trait]
impl LambdaApi for Recording {
    async fn get_function(&self, name: &str) -> ApiResult<FunctionInfo> {
        self.inner.get_function(name).await
    }
    async fn get_function_configuration(&self, name: &str) -> ApiResult<FunctionInfo> {
        self.inner.get_function_configuration(name).await
    }
    async fn create_function(&self, input: CreateFunctionInput) -> ApiResult<FunctionInfo> {
        if self.live(&input.name).is_some() {
            self.repeat(&input.name, "CreateFunction");
        }
        self.inner.create_function(input).await
    }
    async fn update_function_code(&self, input: UpdateCodeInput) -> ApiResult<FunctionInfo> {
        if let (Some(live), CodeSource::Zip(bytes)) = (self.live(&input.name), &input.code)
            && live.code_sha256 == sha(bytes)
        {
            self.repeat(&input.name, "UpdateFunctionCode");
        }
        self.inner.update_function_code(input).await
    }
    async fn update_function_configuration(
        &self,
        input: UpdateConfigInput,
    ) -> ApiResult<FunctionInfo> {
        if let Some(live) = self.live(&input.name)
            && input.fields.contains(&ConfigField::MemoryMb)
            && input.fields.contains(&ConfigField::Environment)
            && input.mismatches(&live.config).is_empty()
        {
            self.repeat(&input.name, "UpdateFunctionConfiguration");
        }
        let mut input = input;
        if self.ignore_memory {
            input.fields.retain(|f| *f != ConfigField::MemoryMb);
        }
        self.inner.update_function_configuration(input).await
    }
    async fn publish_version(&self, input: PublishVersionInput) -> ApiResult<VersionInfo> {
        self.inner.publish_version(input).await
    }
    async fn list_versions(&self, name: &str) -> ApiResult<Vec<VersionInfo>> {
        self.inner.list_versions(name).await
    }
    async fn get_alias(&self, function_name: &str, alias: &str) -> ApiResult<AliasInfo> {
        self.inner.get_alias(function_name, alias).await
    }
    async fn create_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        self.inner.create_alias(input).await
    }
    async fn update_alias(&self, input: AliasInput) -> ApiResult<AliasInfo> {
        self.inner.update_alias(input).await
    }
    async fn list_aliases(&self, function_name: &str) -> ApiResult<Vec<AliasInfo>> {
        self.inner.list_aliases(function_name).await
    }
    async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> ApiResult<()> {
        self.inner.tag_resource(arn, tags).await
    }
    async fn untag_resource(&self, arn: &str, keys: Vec<String>) -> ApiResult<()> {
        self.inner.untag_resource(arn, keys).await
    }
    async fn list_tags(&self, arn: &str) -> ApiResult<BTreeMap<String, String>> {
        self.inner.list_tags(arn).await
    }
    async fn put_function_concurrency(&self, name: &str, reserved: u32) -> ApiResult<()> {
        self.inner.put_function_concurrency(name, reserved).await
    }
    async fn delete_function_concurrency(&self, name: &str) -> ApiResult<()> {
        self.inner.delete_function_concurrency(name).await
    }
    async fn delete_function(&self, name: &str) -> ApiResult<()> {
        self.inner.delete_function(name).await
    }
    async fn list_functions(&self) -> ApiResult<Vec<FunctionSummary>> {
        self.inner.list_functions().await
    }
    async fn list_layer_versions(
        &self,
        layer_name: &str,
    ) -> ApiResult<Vec<flotilla_cloud::lambda::LayerVersionInfo>> {
        self.inner.list_layer_versions(layer_name).await
    }
    async fn get_policy(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> ApiResult<flotilla_cloud::lambda::PolicyInfo> {
        self.inner.get_policy(name, qualifier).await
    }
    /// A statement id starting `race-` is raced: another writer adds `intruder` between
    /// the caller's GetPolicy and its AddPermission, so the `RevisionId` it passes is
    /// stale (once).
    async fn add_permission(
        &self,
        input: flotilla_cloud::lambda::AddPermissionInput,
    ) -> ApiResult<String> {
        if input.permission.sid.starts_with("race-") && input.revision_id.is_some() {
            let mut intruder = input.clone();
            intruder.permission.sid = "intruder".to_owned();
            intruder.revision_id = None;
            // The second time, `intruder` exists already and the race is over.
            let _ = self.inner.add_permission(intruder).await;
        }
        self.inner.add_permission(input).await
    }
    async fn remove_permission(
        &self,
        input: flotilla_cloud::lambda::RemovePermissionInput,
    ) -> ApiResult<()> {
        self.inner.remove_permission(input).await
    }
}

/// A context wired to the sim through a [`Recording`] client, secrets from a map,
/// no progress output.
pub fn context(sim: &Sim, seed: u64) -> (ApplyContext, Arc<Mutex<Vec<Repeat>>>) {
    context_with(sim, seed, false)
}

/// [`context`], with an endpoint that ignores `MemorySize` updates when `ignore_memory`.
pub fn context_with(
    sim: &Sim,
    seed: u64,
    ignore_memory: bool,
) -> (ApplyContext, Arc<Mutex<Vec<Repeat>>>) {
    let repeats = Arc::new(Mutex::new(Vec::new()));
    let client: Arc<dyn LambdaApi> = Arc::new(Recording {
        inner: sim.client(ACCOUNT, REGION),
        sim: sim.clone(),
        repeats: repeats.clone(),
        ignore_memory,
    });
    let clients = move |account: Option<&str>, region: &str| {
        if account == Some(ACCOUNT) && region == REGION {
            Ok(client.clone())
        } else {
            Err(format!("no test client for {account:?}/{region}"))
        }
    };
    let mut ctx = ApplyContext::new(Arc::new(clients), Arc::new(BytesCode));
    ctx.secrets = Arc::new(BTreeMap::from([(
        TOKEN_VAR.to_owned(),
        TOKEN_VALUE.to_owned(),
    )]));
    ctx.events = Arc::new(NoEvents);
    ctx.seed = seed;
    (ctx, repeats)
}

pub fn new_sim(seed: u64) -> Sim {
    Sim::new(SimConfig {
        seed,
        ..SimConfig::default()
    })
}

/// Reads a converged function back from the sim and checks it is as planned:
/// new code, 256 MB, the resolved environment, and the alias on a version of that code.
pub async fn assert_converged(sim: &Sim, name: &str, published: Option<&str>) {
    let live = sim
        .function_info(ACCOUNT, REGION, name)
        .unwrap_or_else(|| panic!("{name} exists"));
    assert_eq!(live.code_sha256, sha(&new_code(name)), "{name} code");
    assert_eq!(live.config.memory_mb, 256, "{name} memory");
    assert_eq!(
        live.config.environment,
        resolved_env(),
        "{name} environment"
    );
    let client = sim.client(ACCOUNT, REGION);
    let alias = client.get_alias(name, ALIAS).await.expect("alias exists");
    let version = published.expect("a version was published");
    assert_eq!(alias.function_version, version, "{name} alias");
    let versions = client.list_versions(name).await.expect("versions");
    let v = versions
        .iter()
        .find(|v| v.version == version)
        .expect("published version exists");
    assert_eq!(v.code_sha256, live.code_sha256, "{name} version code");
}
