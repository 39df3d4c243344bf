//! One end-to-end walk through every `LambdaApi` call, run by `tests/sdk_*.rs` against
//! each third-party emulator through the real SDK client.
//!
//! Where emulators legitimately differ from each other (a missing `RevisionId`, `State`
//! switching to `Pending` during updates), the walk adapts to what the endpoint reports
//! rather than to which emulator it is, so the same assertions hold for real Lambda.
//! Include with `#[path = "support/sdk_suite.rs"] mod sdk_suite;` next to `mod support;`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use flotilla_cloud::lambda::{
    AliasInput, ApiError, CodeSource, ConfigField, CreateFunctionInput, FunctionConfig,
    FunctionInfo, FunctionStateKind, LambdaApi, PublishVersionInput, SettingValue, UpdateCodeInput,
    UpdateConfigInput,
};

use crate::support::{code_sha256, tiny_zip};

/// `want` with the live value of each setting it leaves alone (a structured setting such
/// as `vpc` or `logging` that `want` does not set, which Lambda reads back with its own
/// default): what a read-back must equal when every managed field was sent as `want`.
pub fn as_managed(want: &FunctionConfig, live: &FunctionConfig) -> FunctionConfig {
    let alone: Vec<ConfigField> = ConfigField::ALL
        .iter()
        .copied()
        .filter(|f| f.absent_leaves_alone() && want.value(*f) == SettingValue::Absent)
        .collect();
    let mut out = want.clone();
    out.copy_fields(live, &alone);
    out
}

/// Polls `GetFunction` until the function may be updated again. Bounded, so a stuck
/// emulator fails the test instead of hanging it.
pub async fn wait_stable(api: &dyn LambdaApi, name: &str) -> FunctionInfo {
    for _ in 0..300 {
        let info = api
            .get_function(name)
            .await
            .expect("get_function while waiting");
        assert_ne!(
            info.state,
            Some(FunctionStateKind::Failed),
            "function failed: {:?}",
            info.state_reason
        );
        if info.is_stable() {
            return info;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} did not become stable");
}

/// A zip function's desired configuration with some non-default values.
pub fn config(role: &str) -> FunctionConfig {
    FunctionConfig {
        role: role.to_owned(),
        runtime: Some("python3.12".to_owned()),
        handler: Some("app.handler".to_owned()),
        description: "created by flotilla tests".to_owned(),
        memory_mb: 256,
        timeout_s: 10,
        environment: BTreeMap::from([("GREETING".to_owned(), "hello".to_owned())]),
        ..FunctionConfig::lambda_defaults()
    }
}

/// Creates a function from a tiny zip and waits until it is stable.
pub async fn create(api: &dyn LambdaApi, name: &str, role: &str) -> FunctionInfo {
    let zip = tiny_zip(name);
    let created = api
        .create_function(CreateFunctionInput {
            name: name.to_owned(),
            config: config(role),
            code: CodeSource::Zip(Arc::new(zip.clone())),
            publish: false,
            tags: BTreeMap::from([("team".to_owned(), "core".to_owned())]),
            code_signing_config_arn: None,
        })
        .await
        .expect("create_function");
    assert_eq!(created.name, name);
    assert!(
        created.arn.ends_with(&format!(":function:{name}")),
        "{}",
        created.arn
    );
    assert_eq!(created.code_sha256, code_sha256(&zip));
    wait_stable(api, name).await
}

/// The whole walk: create, read, update code and configuration (with `RevisionId`),
/// publish, aliases, tags, concurrency, list and delete, plus `NotFound` classification.
pub async fn lifecycle(api: &dyn LambdaApi, name: &str, role: &str) {
    let missing = api
        .get_function(name)
        .await
        .expect_err("absent before create");
    assert!(matches!(missing, ApiError::NotFound { .. }), "{missing:?}");

    let live = create(api, name, role).await;

    // Read back: every field as sent, AWS defaults filled where we sent none.
    let want = config(role);
    assert_eq!(live.config, as_managed(&want, &live.config));
    assert!(
        matches!(live.state, None | Some(FunctionStateKind::Active)),
        "{:?}",
        live.state
    );
    assert_eq!(live.version, "$LATEST");
    assert_eq!(live.tags.get("team").map(String::as_str), Some("core"));
    assert_eq!(live.code_sha256, code_sha256(&tiny_zip(name)));
    assert!(live.code_size > 0);
    let from_config = api
        .get_function_configuration(name)
        .await
        .expect("get_function_configuration");
    assert_eq!(from_config.config, as_managed(&want, &from_config.config));

    // New code, guarded by the RevisionId just read.
    let new_zip = tiny_zip(&format!("{name}-v2"));
    let updated = api
        .update_function_code(UpdateCodeInput {
            name: name.to_owned(),
            code: CodeSource::Zip(Arc::new(new_zip.clone())),
            revision_id: live.revision_id.clone(),
            architecture: None,
        })
        .await
        .expect("update_function_code");
    assert_eq!(updated.code_sha256, code_sha256(&new_zip));
    let live = wait_stable(api, name).await;
    assert_eq!(live.code_sha256, code_sha256(&new_zip));

    // New configuration: the environment is replaced, not merged.
    let new_env = BTreeMap::from([("MODE".to_owned(), "fast".to_owned())]);
    api.update_function_configuration(UpdateConfigInput {
        revision_id: live.revision_id.clone(),
        ..UpdateConfigInput::new(
            name.to_owned(),
            FunctionConfig {
                memory_mb: 512,
                description: "v2".to_owned(),
                environment: new_env.clone(),
                ..FunctionConfig::lambda_defaults()
            },
            &[
                ConfigField::MemoryMb,
                ConfigField::Description,
                ConfigField::Environment,
            ],
        )
    })
    .await
    .expect("update_function_configuration");
    let live = wait_stable(api, name).await;
    assert_eq!(live.config.memory_mb, 512);
    assert_eq!(live.config.description, "v2");
    assert_eq!(live.config.environment, new_env);
    assert_eq!(
        live.config.timeout_s, 10,
        "fields not sent stay as they were"
    );

    // A stale RevisionId must be refused, where the endpoint reports revisions at all.
    if live.revision_id.is_some() {
        let stale = api
            .update_function_configuration(UpdateConfigInput {
                revision_id: Some("00000000-0000-0000-0000-000000000000".to_owned()),
                ..UpdateConfigInput::new(
                    name.to_owned(),
                    FunctionConfig {
                        timeout_s: 11,
                        ..FunctionConfig::lambda_defaults()
                    },
                    &[ConfigField::TimeoutS],
                )
            })
            .await
            .expect_err("stale RevisionId");
        assert!(
            matches!(stale, ApiError::PreconditionFailed { .. }),
            "{stale:?}"
        );
    }

    // Versions and aliases.
    let v1 = api
        .publish_version(PublishVersionInput {
            name: name.to_owned(),
            code_sha256: Some(live.code_sha256.clone()),
            description: Some("first".to_owned()),
            ..PublishVersionInput::default()
        })
        .await
        .expect("publish_version");
    assert_eq!(v1.version, "1");
    assert_eq!(v1.code_sha256, live.code_sha256);
    let versions = api.list_versions(name).await.expect("list_versions");
    let numbers: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
    assert!(
        numbers.contains(&"$LATEST") && numbers.contains(&"1"),
        "{numbers:?}"
    );

    let alias = api
        .create_alias(AliasInput {
            function_name: name.to_owned(),
            name: "live".to_owned(),
            function_version: "1".to_owned(),
            description: Some("traffic".to_owned()),
            ..AliasInput::default()
        })
        .await
        .expect("create_alias");
    assert_eq!(alias.name, "live");
    assert_eq!(alias.function_version, "1");
    assert!(
        alias.arn.ends_with(&format!(":function:{name}:live")),
        "{}",
        alias.arn
    );

    api.update_function_configuration(UpdateConfigInput {
        revision_id: wait_stable(api, name).await.revision_id,
        ..UpdateConfigInput::new(
            name.to_owned(),
            FunctionConfig {
                description: "v3".to_owned(),
                ..FunctionConfig::lambda_defaults()
            },
            &[ConfigField::Description],
        )
    })
    .await
    .expect("second configuration update");
    wait_stable(api, name).await;
    let v2 = api
        .publish_version(PublishVersionInput {
            name: name.to_owned(),
            ..PublishVersionInput::default()
        })
        .await
        .expect("publish v2");
    assert_eq!(v2.version, "2");

    let moved = api
        .update_alias(AliasInput {
            function_name: name.to_owned(),
            name: "live".to_owned(),
            function_version: "2".to_owned(),
            description: Some("traffic v2".to_owned()),
            revision_id: alias.revision_id.clone(),
            ..AliasInput::default()
        })
        .await
        .expect("update_alias");
    assert_eq!(moved.function_version, "2");
    let got = api.get_alias(name, "live").await.expect("get_alias");
    assert_eq!(got.function_version, "2");
    assert_eq!(got.description, "traffic v2");
    let aliases = api.list_aliases(name).await.expect("list_aliases");
    assert_eq!(
        aliases
            .iter()
            .map(|a| (a.name.as_str(), a.function_version.as_str()))
            .collect::<Vec<_>>(),
        vec![("live", "2")]
    );
    let no_alias = api
        .get_alias(name, "nope")
        .await
        .expect_err("no such alias");
    assert!(
        matches!(no_alias, ApiError::NotFound { .. }),
        "{no_alias:?}"
    );

    // Tags.
    api.tag_resource(
        &live.arn,
        BTreeMap::from([("owner".to_owned(), "flotilla".to_owned())]),
    )
    .await
    .expect("tag_resource");
    api.untag_resource(&live.arn, vec!["team".to_owned()])
        .await
        .expect("untag_resource");
    let tags = api.list_tags(&live.arn).await.expect("list_tags");
    assert_eq!(
        tags,
        BTreeMap::from([("owner".to_owned(), "flotilla".to_owned())])
    );

    // Reserved concurrency.
    api.put_function_concurrency(name, 3)
        .await
        .expect("put_function_concurrency");
    assert_eq!(
        api.get_function(name)
            .await
            .expect("get")
            .reserved_concurrency,
        Some(3)
    );
    api.delete_function_concurrency(name)
        .await
        .expect("delete_function_concurrency");
    assert_eq!(
        api.get_function(name)
            .await
            .expect("get")
            .reserved_concurrency,
        None
    );

    // Listing and deleting.
    let all = api.list_functions().await.expect("list_functions");
    assert!(
        all.iter().any(|f| f.name == name && f.arn == live.arn),
        "{all:?}"
    );
    api.delete_function(name).await.expect("delete_function");
    let gone = api.get_function(name).await.expect_err("deleted");
    assert!(matches!(gone, ApiError::NotFound { .. }), "{gone:?}");
    let again = api.delete_function(name).await.expect_err("deleted twice");
    assert!(matches!(again, ApiError::NotFound { .. }), "{again:?}");
}

/// `ListFunctions` follows `NextMarker` to the end: creates more functions than one
/// page holds (`page` is the endpoint's page size) and expects to see all of them.
pub async fn list_all_pages(api: &dyn LambdaApi, prefix: &str, role: &str, count: usize) {
    for i in 0..count {
        let name = format!("{prefix}-{i}");
        api.create_function(CreateFunctionInput {
            name: name.clone(),
            config: config(role),
            code: CodeSource::Zip(Arc::new(tiny_zip(&name))),
            publish: false,
            tags: BTreeMap::new(),
            code_signing_config_arn: None,
        })
        .await
        .expect("create for listing");
    }
    let all = api.list_functions().await.expect("list_functions");
    let ours = all.iter().filter(|f| f.name.starts_with(prefix)).count();
    assert_eq!(ours, count, "every page was read");
}
