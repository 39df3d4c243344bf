//! Unit tests of `plan()`: one or more per step kind, and the no-change cases.

use crate::plan_support;

use flotilla_cloud::lambda::{Architecture, ConfigField, PackageType};
use flotilla_core::artifact::ArtifactDigest;
use flotilla_core::model::AliasName;
use flotilla_core::observe::LiveFunction;
use flotilla_core::plan::{
    Action, EnvValue, Field, FieldChange, FieldValue, PlanError, Step, plan,
};
use plan_support::*;

fn single(
    f: &flotilla_core::model::Function,
    l: Option<LiveFunction>,
    art: ArtifactDigest,
) -> flotilla_core::plan::FunctionPlan {
    let m = model(vec![f.clone()]);
    let live = match l {
        Some(l) => live(vec![(f, l)]),
        None => live(vec![]),
    };
    let arts = [(f.key.clone(), art)].into_iter().collect();
    let mut p = plan(&m, &live, &arts, CREATED_AT).unwrap();
    assert_eq!(p.functions.len(), 1);
    p.functions.remove(0)
}

#[test]
fn missing_function_is_created_with_publish_alias_and_concurrency() {
    let mut f = function("api");
    f.publish = true;
    f.alias = Some(AliasName::new("live").unwrap());
    f.reserved_concurrency = Some(5);
    f.tags.insert("team".into(), "core".into());
    let p = single(&f, None, zip(SHA_A));
    assert_eq!(p.action, Action::Create);
    assert_eq!(
        p.steps,
        vec![
            Step::CreateFunction {
                tags: [
                    ("flotilla:env".into(), "staging".into()),
                    ("flotilla:manifest".into(), "deploy.yaml".into()),
                    ("team".into(), "core".into()),
                ]
                .into()
            },
            Step::PublishVersion,
            Step::CreateAlias {
                alias: "live".into()
            },
            Step::PutConcurrency {
                old: None,
                reserved: 5
            },
        ]
    );
    assert_eq!(p.observed_revision_id, None);
    assert_eq!(p.observed_code_sha256, None);
}

#[test]
fn plain_create_has_one_step() {
    let p = single(&function("api"), None, zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![Step::CreateFunction {
            tags: ownership().tags()
        }]
    );
    assert_eq!(p.desired.tags, ownership().tags());
}

#[test]
fn a_function_without_ownership_tags_is_adopted_by_a_tag_step() {
    let mut f = function("api");
    f.tags.insert("team".into(), "web".into());
    let mut info = live_info(&f, SHA_A);
    info.tags.remove("flotilla:manifest");
    info.tags.insert("flotilla:env".into(), "prod".into());
    let p = single(&f, Some(existing(info)), zip(SHA_A));
    assert_eq!(p.action, Action::Update);
    assert_eq!(
        p.steps,
        vec![Step::TagResource {
            tags: ownership().tags(),
            old: [("flotilla:env".into(), "prod".into())].into(),
        }]
    );
}

#[test]
fn code_unchanged_when_hashes_equal() {
    let f = function("api");
    let p = single(&f, Some(existing(live_info(&f, SHA_A))), zip(SHA_A));
    assert_eq!(p.action, Action::NoChange);
    assert!(p.steps.is_empty());
    assert_eq!(p.observed_revision_id.as_deref(), Some("rev-api"));
    assert_eq!(p.observed_code_sha256.as_deref(), Some(SHA_A));
}

#[test]
fn code_updated_when_hashes_differ() {
    let f = function("api");
    let p = single(&f, Some(existing(live_info(&f, SHA_A))), zip(SHA_B));
    assert_eq!(p.action, Action::Update);
    assert_eq!(
        p.steps,
        vec![Step::UpdateCode {
            changes: vec![FieldChange {
                field: Field::Code,
                old: Some(FieldValue::Text(SHA_A.into())),
                new: Some(FieldValue::Text(SHA_B.into())),
            }],
            files: None,
        }]
    );
}

#[test]
fn s3_without_hash_always_updates_and_with_equal_hash_does_not() {
    let f = function("api");
    let s3 = |sha: Option<&str>| ArtifactDigest::S3 {
        bucket: "b".into(),
        key: "k.zip".into(),
        version: None,
        code_sha256: sha.map(str::to_owned),
    };
    let p = single(&f, Some(existing(live_info(&f, SHA_A))), s3(None));
    assert!(
        matches!(&p.steps[..], [Step::UpdateCode { .. }]),
        "{:?}",
        p.steps
    );
    let p = single(&f, Some(existing(live_info(&f, SHA_A))), s3(Some(SHA_A)));
    assert!(p.steps.is_empty());
}

#[test]
fn image_compares_uri() {
    let mut f = function("api");
    f.config.runtime = None;
    f.config.handler = None;
    f.artifact = flotilla_core::model::ArtifactSource::Image {
        uri: "repo:v2".into(),
    };
    let mut info = live_info(&f, SHA_A);
    assert_eq!(info.config.package_type, PackageType::Image);
    info.image_uri = Some("repo:v2".into());
    let img = |u: &str| ArtifactDigest::Image { uri: u.into() };
    assert!(
        single(&f, Some(existing(info.clone())), img("repo:v2"))
            .steps
            .is_empty()
    );
    let p = single(&f, Some(existing(info)), img("repo:v3"));
    let Step::UpdateCode { changes, .. } = &p.steps[0] else {
        panic!("{:?}", p.steps)
    };
    assert_eq!(changes[0].new, Some(FieldValue::Text("repo:v3".into())));
}

fn image_function(uri: &str) -> flotilla_core::model::Function {
    let mut f = function("api");
    f.config.runtime = None;
    f.config.handler = None;
    f.artifact = flotilla_core::model::ArtifactSource::Image { uri: uri.into() };
    f
}

fn hex(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

#[test]
fn pinned_images_compare_by_digest_whatever_the_spelling() {
    let (a, b) = (hex('a'), hex('b'));
    let f = image_function(&format!("repo@sha256:{a}"));
    let mut info = live_info(&f, &a);
    // Live: deployed by tag; Lambda reports the digest it resolved.
    info.image_uri = Some("repo:v1".into());
    info.resolved_image_uri = Some(format!("repo@sha256:{a}"));
    let img = |u: String| ArtifactDigest::Image { uri: u };
    for same in [format!("repo@sha256:{a}"), format!("repo:v9@sha256:{a}")] {
        let p = single(&f, Some(existing(info.clone())), img(same.clone()));
        assert!(p.steps.is_empty(), "{same}: {:?}", p.steps);
    }
    let p = single(
        &f,
        Some(existing(info.clone())),
        img(format!("repo@sha256:{b}")),
    );
    let Step::UpdateCode { changes, .. } = &p.steps[0] else {
        panic!("{:?}", p.steps)
    };
    assert_eq!(
        changes[0],
        FieldChange {
            field: Field::Code,
            old: Some(FieldValue::Text(format!("repo:v1@sha256:{a}"))),
            new: Some(FieldValue::Text(format!("repo@sha256:{b}"))),
        }
    );
    // Without ResolvedImageUri, CodeSha256 (the digest's hex for images) decides.
    info.resolved_image_uri = None;
    let p = single(&f, Some(existing(info)), img(format!("repo@sha256:{a}")));
    assert!(p.steps.is_empty(), "{:?}", p.steps);
}

#[test]
fn a_tag_shows_the_live_digest_and_an_unchanged_tag_is_no_change() {
    let a = hex('a');
    let f = image_function("repo:latest");
    let mut info = live_info(&f, &a);
    info.image_uri = Some("repo:latest".into());
    info.resolved_image_uri = Some(format!("repo@sha256:{a}"));
    let img = |u: &str| ArtifactDigest::Image { uri: u.into() };
    assert!(
        single(&f, Some(existing(info.clone())), img("repo:latest"))
            .steps
            .is_empty(),
        "the plan cannot see a re-pushed tag"
    );
    let p = single(&f, Some(existing(info)), img("repo:v2"));
    let Step::UpdateCode { changes, .. } = &p.steps[0] else {
        panic!("{:?}", p.steps)
    };
    assert_eq!(
        changes[0].old,
        Some(FieldValue::Text(format!("repo:latest@sha256:{a}")))
    );
    assert_eq!(changes[0].new, Some(FieldValue::Text("repo:v2".into())));
}

#[test]
fn an_unresolved_layer_reference_never_reaches_a_plan() {
    let mut f = function("api");
    f.config.layers = vec!["${layer:common}".into()];
    let m = model(vec![f.clone()]);
    let arts = [(f.key.clone(), zip(SHA_A))].into_iter().collect();
    assert_eq!(
        plan(&m, &live(vec![]), &arts, CREATED_AT),
        Err(PlanError::UnresolvedLayer {
            key: f.key.clone(),
            reference: "${layer:common}".into()
        })
    );
}

#[test]
fn architecture_change_goes_with_the_code() {
    let mut f = function("api");
    f.config.architecture = Architecture::Arm64;
    let mut info = live_info(&f, SHA_A);
    info.config.architecture = Architecture::X86_64;
    let p = single(&f, Some(existing(info)), zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![Step::UpdateCode {
            changes: vec![FieldChange {
                field: Field::Setting(ConfigField::Architecture),
                old: Some(FieldValue::Text("x86_64".into())),
                new: Some(FieldValue::Text("arm64".into())),
            }],
            files: None,
        }]
    );
}

#[test]
fn package_type_change_is_an_error() {
    let f = function("api");
    let mut info = live_info(&f, SHA_A);
    info.config.package_type = PackageType::Image;
    let m = model(vec![f.clone()]);
    let err = plan(
        &m,
        &live(vec![(&f, existing(info))]),
        &artifacts(&m, SHA_A),
        CREATED_AT,
    )
    .unwrap_err();
    assert!(matches!(err, PlanError::PackageTypeChange { .. }), "{err}");
}

#[test]
fn missing_artifact_is_an_error() {
    let m = model(vec![function("api")]);
    let err = plan(&m, &Default::default(), &Default::default(), CREATED_AT).unwrap_err();
    assert_eq!(err.to_string(), "no artifact digest for function `api`");
}

#[test]
fn configuration_lists_only_changed_fields() {
    let mut f = function("api");
    f.config.memory_mb = 512;
    f.config.description = "new".into();
    let mut info = live_info(&f, SHA_A);
    info.config.memory_mb = 128;
    info.config.description = "old".into();
    let p = single(&f, Some(existing(info)), zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![Step::UpdateConfiguration {
            changes: vec![
                FieldChange {
                    field: Field::Setting(ConfigField::Description),
                    old: Some(FieldValue::Text("old".into())),
                    new: Some(FieldValue::Text("new".into())),
                },
                FieldChange {
                    field: Field::Setting(ConfigField::MemoryMb),
                    old: Some(FieldValue::Number(128)),
                    new: Some(FieldValue::Number(512)),
                },
            ]
        }]
    );
}

#[test]
fn defaults_filled_on_both_sides() {
    // The loader gives a manifest without `memory:` the AWS default; an endpoint that
    // omits MemorySize/Timeout/EphemeralStorage reports 0. Neither is a change.
    let f = function("api");
    let mut info = live_info(&f, SHA_A);
    assert_eq!(info.config.memory_mb, 128);
    info.config.memory_mb = 0;
    info.config.timeout_s = 0;
    info.config.ephemeral_storage_mb = 0;
    let p = single(&f, Some(existing(info)), zip(SHA_A));
    assert_eq!(p.action, Action::NoChange);
    assert_eq!(p.desired.config.memory_mb, 128);
}

#[test]
fn environment_map_is_replaced_as_a_whole() {
    let mut f = function("api");
    f.config.environment.insert("KEEP".into(), "1".into());
    f.config.environment.insert("NEW".into(), "x".into());
    let mut info = live_info(&f, SHA_A);
    info.config.environment.remove("NEW");
    info.config.environment.insert("GONE".into(), "old".into());
    let p = single(&f, Some(existing(info)), zip(SHA_A));
    let Step::UpdateConfiguration { changes } = &p.steps[0] else {
        panic!("{:?}", p.steps)
    };
    let fields: Vec<String> = changes.iter().map(|c| c.field.to_string()).collect();
    assert_eq!(fields, ["environment.GONE", "environment.NEW"]);
    assert_eq!(changes[0].new, None, "removed key has no new value");
    assert_eq!(changes[1].old, None, "added key has no old value");
    // Apply sends the whole map from `desired`, which has no GONE.
    let keys: Vec<&String> = p.desired.config.environment.keys().collect();
    assert_eq!(keys, ["KEEP", "NEW"]);
}

#[test]
fn sensitive_env_is_redacted_and_referenced_by_source() {
    let f = with_secret(function("api"), "TOKEN", NEW_SECRET, "API_TOKEN");
    let mut info = live_info(&f, SHA_A);
    info.config
        .environment
        .insert("TOKEN".into(), SECRET.into());
    let p = single(&f, Some(existing(info.clone())), zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![Step::UpdateConfiguration {
            changes: vec![FieldChange {
                field: Field::Environment("TOKEN".into()),
                old: Some(FieldValue::Sensitive { changed: true }),
                new: Some(FieldValue::Sensitive { changed: true }),
            }],
        }]
    );
    assert_eq!(
        p.desired.config.environment["TOKEN"],
        EnvValue::Sensitive(Some(flotilla_core::model::EnvSource::FromEnv(
            "API_TOKEN".into()
        )))
    );
    // Same secret live: no change.
    info.config
        .environment
        .insert("TOKEN".into(), NEW_SECRET.into());
    assert!(
        single(&f, Some(existing(info)), zip(SHA_A))
            .steps
            .is_empty()
    );
}

fn publishing(alias: bool) -> flotilla_core::model::Function {
    let mut f = function("api");
    f.publish = true;
    if alias {
        f.alias = Some(AliasName::new("live").unwrap());
    }
    f
}

#[test]
fn alias_already_at_the_latest_matching_version_needs_nothing() {
    let f = publishing(true);
    let l = LiveFunction {
        info: Some(live_info(&f, SHA_A)),
        alias: Some(alias(&f, "live", "3")),
        latest_published: Some(version("3", SHA_A)),
        provisioned: None,
        policy: None,
        ..Default::default()
    };
    let p = single(&f, Some(l), zip(SHA_A));
    assert_eq!(p.action, Action::NoChange, "{:?}", p.steps);
}

#[test]
fn change_publishes_and_moves_the_alias() {
    let f = publishing(true);
    let l = LiveFunction {
        info: Some(live_info(&f, SHA_A)),
        alias: Some(alias(&f, "live", "3")),
        latest_published: Some(version("3", SHA_A)),
        provisioned: None,
        policy: None,
        ..Default::default()
    };
    let p = single(&f, Some(l), zip(SHA_B));
    assert!(
        matches!(
            &p.steps[..],
            [Step::UpdateCode { .. }, Step::PublishVersion, Step::UpdateAlias { alias, from_version }]
                if alias == "live" && from_version == "3"
        ),
        "{:?}",
        p.steps
    );
}

#[test]
fn alias_on_an_older_version_is_moved_even_without_changes() {
    let f = publishing(true);
    let l = LiveFunction {
        info: Some(live_info(&f, SHA_A)),
        alias: Some(alias(&f, "live", "2")),
        latest_published: Some(version("3", SHA_A)),
        provisioned: None,
        policy: None,
        ..Default::default()
    };
    let p = single(&f, Some(l), zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![
            Step::PublishVersion,
            Step::UpdateAlias {
                alias: "live".into(),
                from_version: "2".into()
            }
        ]
    );
}

#[test]
fn missing_alias_is_created() {
    let f = publishing(true);
    let l = LiveFunction {
        info: Some(live_info(&f, SHA_A)),
        alias: None,
        latest_published: Some(version("3", SHA_A)),
        provisioned: None,
        policy: None,
        ..Default::default()
    };
    let p = single(&f, Some(l), zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![
            Step::PublishVersion,
            Step::CreateAlias {
                alias: "live".into()
            }
        ]
    );
}

#[test]
fn unpublished_latest_code_is_published() {
    let f = publishing(false);
    let l = LiveFunction {
        info: Some(live_info(&f, SHA_B)),
        alias: None,
        latest_published: Some(version("3", SHA_A)),
        provisioned: None,
        policy: None,
        ..Default::default()
    };
    assert_eq!(
        single(&f, Some(l), zip(SHA_B)).steps,
        vec![Step::PublishVersion]
    );
    let l = LiveFunction {
        info: Some(live_info(&f, SHA_B)),
        alias: None,
        latest_published: Some(version("4", SHA_B)),
        provisioned: None,
        policy: None,
        ..Default::default()
    };
    assert!(single(&f, Some(l), zip(SHA_B)).steps.is_empty());
}

#[test]
fn tags_set_missing_and_different_untag_only_managed() {
    let mut f = function("api");
    f.tags.insert("team".into(), "web".into());
    f.tags.insert("new".into(), "1".into());
    f.tags.insert("same".into(), "s".into());
    let mut info = live_info(&f, SHA_A);
    info.tags.insert("team".into(), "old".into());
    info.tags.remove("new");
    info.tags.insert("someone-else".into(), "keep".into());
    info.tags.insert("flotilla:stale".into(), "x".into());
    let p = single(&f, Some(existing(info)), zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![
            Step::TagResource {
                tags: [("new".into(), "1".into()), ("team".into(), "web".into())].into(),
                old: [("team".into(), "old".into())].into(),
            },
            Step::UntagResource {
                keys: vec!["flotilla:stale".into()]
            },
        ]
    );
}

#[test]
fn concurrency_put_and_delete() {
    let mut f = function("api");
    f.reserved_concurrency = Some(20);
    let mut info = live_info(&f, SHA_A);
    info.reserved_concurrency = Some(10);
    let p = single(&f, Some(existing(info.clone())), zip(SHA_A));
    assert_eq!(
        p.steps,
        vec![Step::PutConcurrency {
            old: Some(10),
            reserved: 20
        }]
    );
    f.reserved_concurrency = None;
    let p = single(&f, Some(existing(info)), zip(SHA_A));
    assert_eq!(p.steps, vec![Step::DeleteConcurrency { old: 10 }]);
}

#[test]
fn plan_carries_what_apply_needs() {
    let (m, l, a) = fleet();
    let p = plan(&m, &l, &a, CREATED_AT).unwrap();
    assert_eq!(p.format_version, 1);
    assert_eq!(p.created_at, CREATED_AT);
    assert_eq!(p.environment.as_deref(), Some("staging"));
    assert_eq!(p.manifest_digest, m.manifest_digest);
    let s = p.summary();
    assert_eq!((s.create, s.update, s.unchanged), (1, 1, 1));
    let cf = &p.functions[1];
    assert_eq!(
        cf.depends_on,
        vec![flotilla_core::model::FunctionKey("auth".into())]
    );
    assert_eq!(cf.retry.initial_ms, 500);
    assert_eq!(cf.wait.timeout_ms, 600_000);
    assert_eq!(cf.account.as_deref(), Some("111111111111"));
    assert_eq!(cf.artifact, zip(SHA_B));
}
