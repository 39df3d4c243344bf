//! `resolve_layers` on the in-process emulator (paused clock): the latest version by
//! name, pinned versions, compatibility with the function's runtime and architecture,
//! one ListLayerVersions per account, region and name, paced under a tight quota; and
//! `--local` seeding the layers a manifest names.

use std::path::Path;

use flotilla_cloud::lambda::ApiOp;
use flotilla_core::deploy::{ClientSet, LayerError, resolve_layers};
use flotilla_core::model::{LoadOptions, Model, load};
use flotilla_core::pace::Pacer;
use flotilla_sim::{PublishLayer, QuotaConfig, Sim, SimConfig};

const ACCOUNT: &str = "111111111111";

fn manifest(dir: &Path, functions: &str) -> Model {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/app.py"), "x = 1\n").unwrap();
    let yaml = format!(
        "version: 1\n\
         defaults: {{ region: eu-north-1, account: \"{ACCOUNT}\", runtime: python3.12, handler: app.handler, \
         role: \"arn:aws:iam::{ACCOUNT}:role/r\" }}\n\
         functions:\n{functions}"
    );
    let path = dir.join("deploy.yaml");
    std::fs::write(&path, yaml).unwrap();
    load(&path, &LoadOptions::for_environment(None)).unwrap()
}

fn publish(sim: &Sim, region: &str, name: &str, runtimes: &[&str], archs: &[&str]) -> String {
    sim.publish_layer_version(
        ACCOUNT,
        region,
        name,
        PublishLayer {
            description: String::new(),
            compatible_runtimes: runtimes.iter().map(|s| (*s).to_owned()).collect(),
            compatible_architectures: archs.iter().map(|s| (*s).to_owned()).collect(),
        },
    )
    .unwrap()
    .layer_version_arn
}

fn layers_of<'a>(m: &'a Model, key: &str) -> &'a [String] {
    &m.functions
        .iter()
        .find(|f| f.key.0 == key)
        .unwrap()
        .config
        .layers
}

#[tokio::test(start_paused = true)]
async fn latest_and_pinned_versions_resolve_with_one_lookup_per_layer_and_region() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::new(SimConfig::default());
    // A quota far below the pacer's 15/s: lookups meet 429s and are retried.
    sim.set_quotas(QuotaConfig {
        get_function: Some(100.0),
        control_plane: Some(1.0),
    });
    let v1 = publish(&sim, "eu-north-1", "common", &[], &[]);
    let v2 = publish(&sim, "eu-north-1", "common", &["python3.12"], &["x86_64"]);
    let west = publish(&sim, "eu-west-1", "common", &[], &[]);
    let otel = publish(&sim, "eu-north-1", "otel", &[], &[]);
    let explicit = "arn:aws:lambda:eu-north-1:999999999999:layer:public:7";
    let model = manifest(
        dir.path(),
        &format!(
            "  a: {{ artifact: {{ dir: src }}, layers: [\"${{layer:common}}\", \"${{layer:otel}}\"] }}\n\
             \x20 b: {{ artifact: {{ dir: src }}, layers: [\"${{layer:common:1}}\", \"{explicit}\"] }}\n\
             \x20 c: {{ artifact: {{ dir: src }}, region: eu-west-1, layers: [\"${{layer:common}}\"] }}\n\
             \x20 d: {{ artifact: {{ dir: src }} }}\n"
        ),
    );
    // The model keeps the references as written; only planning resolves them.
    assert_eq!(layers_of(&model, "a"), ["${layer:common}", "${layer:otel}"]);
    assert_eq!(layers_of(&model, "b")[0], "${layer:common:1}");
    let clients = ClientSet::new(std::sync::Arc::new(sim.clone()));
    let resolved = resolve_layers(&model, &clients, &Pacer::new(model.limits))
        .await
        .unwrap();
    assert_eq!(layers_of(&resolved, "a"), [v2, otel]);
    assert_eq!(layers_of(&resolved, "b"), [v1, explicit.to_owned()]);
    assert_eq!(layers_of(&resolved, "c"), [west]);
    assert!(layers_of(&resolved, "d").is_empty());
    let counters = sim.counters();
    assert!(counters.throttles > 0, "{counters:?}");
    assert_eq!(
        counters.calls_of(ApiOp::ListLayerVersions) - counters.throttles,
        3,
        "common in two regions and otel, each looked up once (plus retries of 429s)"
    );
}

#[tokio::test(start_paused = true)]
async fn incompatible_or_missing_versions_are_all_reported_by_function() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::new(SimConfig::default());
    publish(&sim, "eu-north-1", "py", &["python3.12"], &[]);
    publish(&sim, "eu-north-1", "py", &["python3.13"], &[]);
    publish(&sim, "eu-north-1", "x86", &[], &["x86_64"]);
    let model = manifest(
        dir.path(),
        "  latest: { artifact: { dir: src }, layers: [\"${layer:py}\"] }\n\
         \x20 pinned: { artifact: { dir: src }, layers: [\"${layer:py:1}\"] }\n\
         \x20 too-new: { artifact: { dir: src }, layers: [\"${layer:py:9}\"] }\n\
         \x20 arm: { artifact: { dir: src }, architecture: arm64, layers: [\"${layer:x86}\"] }\n\
         \x20 gone: { artifact: { dir: src }, layers: [\"${layer:gone}\"] }\n",
    );
    let clients = ClientSet::new(std::sync::Arc::new(sim.clone()));
    let errors = resolve_layers(&model, &clients, &Pacer::new(model.limits))
        .await
        .unwrap_err();
    let shown: Vec<String> = errors.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.errors.len(), 4, "{shown:#?}");
    assert!(
        matches!(&errors.errors[0], LayerError::Incompatible { key, version: 2, wanted, .. }
            if key.0 == "latest" && wanted == "runtime python3.12"),
        "{shown:#?}"
    );
    assert!(
        matches!(&errors.errors[1], LayerError::NoSuchVersion { key, version: 9, latest: 2, .. }
            if key.0 == "too-new"),
        "{shown:#?}"
    );
    assert!(
        matches!(&errors.errors[2], LayerError::Incompatible { key, what: "compatible architectures", .. }
            if key.0 == "arm"),
        "{shown:#?}"
    );
    assert!(
        matches!(&errors.errors[3], LayerError::Missing { key, layer, .. }
            if key.0 == "gone" && layer == "gone"),
        "{shown:#?}"
    );
    assert!(
        shown[3].contains("account 111111111111, region eu-north-1"),
        "{}",
        shown[3]
    );
}

#[test]
fn local_mode_seeds_the_layers_a_manifest_names() {
    let dir = tempfile::tempdir().unwrap();
    manifest(
        dir.path(),
        "  a: { artifact: { dir: src }, layers: [\"${layer:common}\", \"${layer:tools:2}\", \
         \"arn:aws:lambda:eu-north-1:999999999999:layer:public:3\"] }\n",
    );
    let out = assert_cmd::Command::cargo_bin("flotilla")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["plan", "--local", "--detailed-exitcode"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Local mode seeds drift (older code, another memory size), so there are changes.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The seeded function runs exactly what the references resolve to: no layer change.
    assert!(!stdout.contains("layers"), "{stdout}");
}
