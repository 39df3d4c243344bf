//! Hand-built models, artifacts and live state shared by the plan tests.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use flotilla_cloud::lambda::{
    AliasInfo, FunctionConfig, FunctionInfo, FunctionStateKind, VersionInfo,
};
use flotilla_core::artifact::{ArtifactDigest, Artifacts};
use flotilla_core::model::*;
use flotilla_core::observe::{LiveFunction, LiveState};

/// The secret used by every test that checks redaction.
pub const SECRET: &str = "s3cr3t-TOKEN-value-do-not-print";
/// A rotated secret.
pub const NEW_SECRET: &str = "n3w-s3cr3t-TOKEN-value-do-not-print";

pub const SHA_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
pub const SHA_B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";

/// A zip function with AWS defaults, no alias, no publish.
pub fn function(key: &str) -> Function {
    Function {
        key: FunctionKey(key.to_owned()),
        name: FunctionName::new(format!("{key}-staging")).unwrap(),
        account: Some(AccountId::new("111111111111").unwrap()),
        assume_role: None,
        region: Region::new("eu-north-1").unwrap(),
        config: FunctionConfig {
            role: "arn:aws:iam::111111111111:role/app".to_owned(),
            runtime: Some("python3.12".to_owned()),
            handler: Some("app.handler".to_owned()),
            ..FunctionConfig::lambda_defaults()
        },
        sensitive_keys: BTreeSet::new(),
        environment_sources: BTreeMap::new(),
        tags: BTreeMap::new(),
        reserved_concurrency: None,
        provisioned_concurrency: None,
        publish: false,
        alias: None,
        artifact: ArtifactSource::Dir {
            path: PathBuf::from(format!("/repo/services/{key}")),
            exclude: Vec::new(),
            upload: None,
        },
        retry: RetryPolicy::default(),
        wait: WaitPolicy::default(),
        rollout: None,
        around: Default::default(),
        permissions: None,
        around_async: Default::default(),
        left_alone: Vec::new(),
        code_signing: None,
        url: None,
        depends_on: Vec::new(),
        paths: Vec::new(),
    }
}

/// Adds a sensitive env entry read from `var`.
pub fn with_secret(mut f: Function, key: &str, value: &str, var: &str) -> Function {
    f.config
        .environment
        .insert(key.to_owned(), value.to_owned());
    f.sensitive_keys.insert(key.to_owned());
    f.environment_sources
        .insert(key.to_owned(), EnvSource::FromEnv(var.to_owned()));
    f
}

pub fn model(functions: Vec<Function>) -> Model {
    Model {
        manifest_path: PathBuf::from("deploy.yaml"),
        manifest_dir: PathBuf::from("/repo"),
        manifest_digest: "0f".repeat(32),
        environment: Some("staging".to_owned()),
        limits: Limits::default(),
        functions,
        ownership: ownership(),
    }
}

pub fn zip(sha: &str) -> ArtifactDigest {
    ArtifactDigest::Zip {
        code_sha256: sha.to_owned(),
        size: 1234,
    }
}

/// Artifacts: every function gets a zip with hash `sha`.
pub fn artifacts(model: &Model, sha: &str) -> Artifacts {
    model
        .functions
        .iter()
        .map(|f| (f.key.clone(), zip(sha)))
        .collect()
}

/// The ownership [`model`] gives every function.
pub fn ownership() -> Ownership {
    Ownership::new("deploy.yaml", Some("staging"))
}

/// `$LATEST` exactly as the function desires it, running code `sha`, deployed by
/// Flotilla before (it carries the ownership tags of [`model`]).
pub fn live_info(f: &Function, sha: &str) -> FunctionInfo {
    FunctionInfo {
        name: f.name.as_str().to_owned(),
        config: f.desired_config(),
        arn: format!("arn:aws:lambda:eu-north-1:111111111111:function:{}", f.name),
        state: Some(FunctionStateKind::Active),
        state_reason: None,
        state_reason_code: None,
        last_update_status: None,
        last_update_status_reason: None,
        last_update_status_reason_code: None,
        revision_id: Some(format!("rev-{}", f.key)),
        code_sha256: sha.to_owned(),
        code_size: 1234,
        version: "$LATEST".to_owned(),
        last_modified: "2026-11-01T00:00:00.000+0000".to_owned(),
        image_uri: None,
        resolved_image_uri: None,
        tags: f
            .tags
            .clone()
            .into_iter()
            .chain(ownership().tags())
            .collect(),
        reserved_concurrency: f.reserved_concurrency,
        code_location: None,
    }
}

pub fn alias(f: &Function, name: &str, version: &str) -> AliasInfo {
    AliasInfo {
        name: name.to_owned(),
        arn: format!(
            "arn:aws:lambda:eu-north-1:111111111111:function:{}:{name}",
            f.name
        ),
        function_version: version.to_owned(),
        description: String::new(),
        routing: BTreeMap::new(),
        revision_id: Some("alias-rev".to_owned()),
    }
}

pub fn version(v: &str, sha: &str) -> VersionInfo {
    VersionInfo {
        version: v.to_owned(),
        code_sha256: sha.to_owned(),
        description: String::new(),
        revision_id: None,
        last_modified: "2026-11-01T00:00:00.000+0000".to_owned(),
    }
}

pub fn live(entries: Vec<(&Function, LiveFunction)>) -> LiveState {
    LiveState {
        functions: entries
            .into_iter()
            .map(|(f, l)| (f.key.clone(), l))
            .collect(),
        ..LiveState::default()
    }
}

pub fn existing(info: FunctionInfo) -> LiveFunction {
    LiveFunction {
        info: Some(info),
        alias: None,
        latest_published: None,
        provisioned: None,
        policy: None,
        ..Default::default()
    }
}

pub const CREATED_AT: &str = "2026-11-26T16:00:00Z";

/// The reference fleet of the rendering tests: one create, one update touching code,
/// configuration, a sensitive env value, tags and the alias, one unchanged.
pub fn fleet() -> (Model, LiveState, Artifacts) {
    let mut create = function("auth");
    create.publish = true;
    create.alias = Some(AliasName::new("live").unwrap());
    create.tags.insert("team".to_owned(), "identity".to_owned());
    create.reserved_concurrency = Some(10);
    create
        .config
        .environment
        .insert("LOG_LEVEL".to_owned(), "info".to_owned());
    let create = with_secret(create, "JWT_KEY", SECRET, "AUTH_JWT_KEY");

    let mut update = function("contact-form");
    update.publish = true;
    update.alias = Some(AliasName::new("live").unwrap());
    update.config.memory_mb = 256;
    update.config.timeout_s = 30;
    update
        .config
        .environment
        .insert("SMTP_HOST".to_owned(), "smtp.example.com".to_owned());
    update.tags.insert("team".to_owned(), "web".to_owned());
    update
        .tags
        .insert("cost-center".to_owned(), "42".to_owned());
    update.depends_on = vec![FunctionKey("auth".to_owned())];
    let update = with_secret(update, "API_TOKEN", NEW_SECRET, "CONTACT_API_TOKEN");

    let mut update_live = live_info(&update, SHA_A);
    update_live.config.memory_mb = 128;
    update_live.config.timeout_s = 3;
    update_live
        .config
        .environment
        .insert("API_TOKEN".to_owned(), SECRET.to_owned());
    update_live
        .config
        .environment
        .insert("SMTP_HOST".to_owned(), "smtp.old.example.com".to_owned());
    update_live
        .config
        .environment
        .insert("LEGACY_FLAG".to_owned(), "1".to_owned());
    update_live
        .tags
        .insert("team".to_owned(), "frontend".to_owned());
    update_live.tags.remove("cost-center");
    update_live
        .tags
        .insert("flotilla:owner".to_owned(), "old".to_owned());
    update_live
        .tags
        .insert("aws:cloudformation:stack".to_owned(), "x".to_owned());

    let mut same = function("thumbnailer");
    same.config.memory_mb = 1024;
    same.config
        .environment
        .insert("BUCKET".to_owned(), "thumbs".to_owned());

    let model = model(vec![create.clone(), update.clone(), same.clone()]);
    let mut arts = artifacts(&model, SHA_B);
    arts.insert(same.key.clone(), zip(SHA_A));
    let live = live(vec![
        (
            &update,
            LiveFunction {
                info: Some(update_live),
                alias: Some(alias(&update, "live", "7")),
                latest_published: Some(version("7", SHA_A)),
                provisioned: None,
                policy: None,
                ..Default::default()
            },
        ),
        (&same, existing(live_info(&same, SHA_A))),
    ]);
    (model, live, arts)
}
