//! `flotilla_core::rollback` on the in-process emulator with a paused clock: what it decides
//! for each alias (pure `decide`), and that a concurrent alias move between reading and
//! moving is reported stale (412) instead of overwritten, while the other functions
//! still roll back.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use flotilla_cloud::lambda::{
    AliasInfo, AliasInput, ConfigField, FunctionConfig, LambdaApi, PublishVersionInput,
    UpdateConfigInput, VersionInfo,
};
use flotilla_core::apply::{ApplyContext, NoEvents, Outcome};
use flotilla_core::deploy::{ClientSet, LocalCode};
use flotilla_core::model::{LoadOptions, load};
use flotilla_core::pace::Pacer;
use flotilla_core::rollback::{self, RollbackDecision, decide};
use flotilla_sim::{SeedSpec, Sim, SimConfig};

const REGION: &str = "eu-north-1";

fn version(n: &str) -> VersionInfo {
    VersionInfo {
        version: n.to_owned(),
        code_sha256: String::new(),
        description: String::new(),
        revision_id: None,
        last_modified: String::new(),
    }
}

fn alias_at(v: &str) -> AliasInfo {
    AliasInfo {
        name: "live".to_owned(),
        arn: String::new(),
        function_version: v.to_owned(),
        description: String::new(),
        routing: BTreeMap::new(),
        revision_id: Some("rev-1".to_owned()),
    }
}

#[test]
fn decide_picks_the_highest_published_version_below_the_current_one() {
    let versions: Vec<VersionInfo> = ["$LATEST", "1", "3", "4", "7"]
        .into_iter()
        .map(version)
        .collect();
    assert_eq!(
        decide("live", Some(&alias_at("7")), &versions, None),
        RollbackDecision::Move {
            from_version: "7".to_owned(),
            to_version: "4".to_owned(),
            alias_revision_id: Some("rev-1".to_owned()),
        }
    );
    // Versions deleted below the current one are jumped over.
    assert!(matches!(
        decide("live", Some(&alias_at("3")), &versions, None),
        RollbackDecision::Move { ref to_version, .. } if to_version == "1"
    ));
    assert_eq!(
        decide("live", Some(&alias_at("1")), &versions, None),
        RollbackDecision::Skip {
            reason: "no published version before 1".to_owned()
        }
    );
    assert_eq!(
        decide("live", None, &versions, None),
        RollbackDecision::Skip {
            reason: "alias `live` does not exist in Lambda".to_owned()
        }
    );
    assert!(matches!(
        decide("live", Some(&alias_at("$LATEST")), &versions, None),
        RollbackDecision::Skip { ref reason } if reason.contains("pass --to VERSION")
    ));
}

#[test]
fn decide_with_to_needs_an_existing_other_version_and_ends_weighted_aliases() {
    let versions: Vec<VersionInfo> = ["1", "2", "3"].into_iter().map(version).collect();
    assert!(matches!(
        decide("live", Some(&alias_at("1")), &versions, Some(3)),
        RollbackDecision::Move { ref to_version, .. } if to_version == "3"
    ));
    assert_eq!(
        decide("live", Some(&alias_at("2")), &versions, Some(2)),
        RollbackDecision::Skip {
            reason: "alias `live` is already at version 2".to_owned()
        }
    );
    assert_eq!(
        decide("live", Some(&alias_at("2")), &versions, Some(5)),
        RollbackDecision::Refuse {
            reason: "version 5 does not exist (published versions: 1, 2, 3)".to_owned()
        }
    );
    // An interrupted rollout: version 3 primary, 10% on version 2. Rollback puts all
    // the traffic on the primary and removes the weights; `--to` picks the version.
    let mut weighted = alias_at("3");
    weighted.routing = BTreeMap::from([("2".to_owned(), 0.1)]);
    assert_eq!(
        decide("live", Some(&weighted), &versions, None),
        RollbackDecision::Move {
            from_version: "3 + 10% to version 2".to_owned(),
            to_version: "3".to_owned(),
            alias_revision_id: Some("rev-1".to_owned()),
        }
    );
    assert!(matches!(
        decide("live", Some(&weighted), &versions, Some(3)),
        RollbackDecision::Move { ref to_version, .. } if to_version == "3"
    ));
}

fn write_manifest(dir: &Path) {
    let mut yaml = format!(
        "version: 1\ndefaults:\n  runtime: python3.12\n  handler: app.handler\n  region: {REGION}\n\
         \x20 role: arn:aws:iam::123456789012:role/r\n  publish: true\n  alias: live\n\
         \x20 retry: {{ max_attempts: 8, backoff: {{ initial: 100ms, max: 2s }} }}\nfunctions:\n"
    );
    for key in ["a", "b", "c"] {
        std::fs::create_dir_all(dir.join(key)).unwrap();
        std::fs::write(dir.join(key).join("app.py"), "x = 1\n").unwrap();
        yaml.push_str(&format!("  {key}:\n    artifact: {{ dir: {key} }}\n"));
    }
    std::fs::write(dir.join("deploy.yaml"), yaml).unwrap();
}

/// Publishes versions 1 and 2 (two memory sizes) and points `live` at 2.
async fn two_versions(api: &dyn LambdaApi, name: &str) {
    let publish = || PublishVersionInput {
        name: name.to_owned(),
        code_sha256: None,
        revision_id: None,
        description: None,
    };
    api.publish_version(publish()).await.unwrap();
    api.update_function_configuration(UpdateConfigInput::new(
        name.to_owned(),
        FunctionConfig {
            memory_mb: 256,
            ..FunctionConfig::lambda_defaults()
        },
        &[ConfigField::MemoryMb],
    ))
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let v2 = api.publish_version(publish()).await.unwrap();
    assert_eq!(v2.version, "2");
    api.create_alias(AliasInput {
        function_name: name.to_owned(),
        name: "live".to_owned(),
        function_version: "2".to_owned(),
        ..AliasInput::default()
    })
    .await
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_alias_moved_by_someone_else_after_reading_is_stale_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    write_manifest(tmp.path());
    let model = load(
        &tmp.path().join("deploy.yaml"),
        &LoadOptions::for_environment(None),
    )
    .unwrap();
    let sim = Sim::new(SimConfig::default());
    let account = sim.config().default_account;
    let api = sim.client(&account, REGION);
    for name in ["a", "b", "c"] {
        let spec = SeedSpec {
            name: name.to_owned(),
            ..SeedSpec::default()
        };
        sim.seed_function(&account, REGION, spec.into_seed(&account))
            .unwrap();
        two_versions(&api, name).await;
    }
    // `c` is in a canary: 10% of its traffic on version 1.
    api.update_alias(AliasInput {
        function_name: "c".to_owned(),
        name: "live".to_owned(),
        function_version: "2".to_owned(),
        routing: BTreeMap::from([("1".to_owned(), 0.1)]),
        ..AliasInput::default()
    })
    .await
    .unwrap();

    let clients = Arc::new(ClientSet::new(std::sync::Arc::new(sim.clone())));
    let rb = rollback::read(&model, &*clients, &Pacer::new(model.limits), None)
        .await
        .unwrap();
    assert_eq!(rb.moves(), 3, "{}", rb.preview());
    assert_eq!(
        rb.preview(),
        "a: alias live 2 → 1\nb: alias live 2 → 1\nc: alias live 2 + 10% to version 1 → 2\n"
    );

    // Between reading and moving, another pipeline moves `a`'s alias.
    api.update_alias(AliasInput {
        function_name: "a".to_owned(),
        name: "live".to_owned(),
        function_version: "2".to_owned(),
        description: Some("pinned by someone else".to_owned()),
        ..AliasInput::default()
    })
    .await
    .unwrap();

    let mut ctx = ApplyContext::new(clients.clone(), Arc::new(LocalCode::new(tmp.path().into())));
    ctx.events = Arc::new(NoEvents);
    let report = rollback::rollback(&rb, ctx).await;
    let outcome = |key: &str| report.function(key).unwrap().outcome.clone();
    match outcome("a") {
        Outcome::Stale { message, .. } => {
            assert!(
                message.contains("alias `live` was moved by someone else"),
                "{message}"
            );
        }
        other => panic!("a: expected stale, got {other:?}"),
    }
    assert_eq!(outcome("b"), Outcome::Converged);
    assert_eq!(outcome("c"), Outcome::Converged);
    assert!(!rollback::succeeded(&report));

    let alias = |name: &str| {
        let api = api.clone();
        let name = name.to_owned();
        async move { api.get_alias(&name, "live").await.unwrap() }
    };
    let a = alias("a").await;
    assert_eq!(
        (a.function_version.as_str(), a.description.as_str()),
        ("2", "pinned by someone else")
    );
    assert_eq!(alias("b").await.function_version, "1");
    // The interrupted canary ended: all of `c`'s traffic on version 2, no weights.
    let c = alias("c").await;
    assert_eq!(c.function_version, "2");
    assert!(c.routing.is_empty(), "{:?}", c.routing);
    assert_eq!(sim.counters().max_overlap(), 1);
}
