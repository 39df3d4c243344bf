//! `${layer:NAME}` against MiniStack 1.5.33, which serves PublishLayerVersion and
//! ListLayerVersions: versions published over its HTTP API are listed through the real
//! SDK client, and the resolver picks the highest one for a function in MiniStack's
//! account and region (and refuses a layer that does not exist).

use crate::support;

use std::sync::Arc;

use flotilla_cloud::lambda::{LambdaApi, SdkLambda};
use flotilla_core::deploy::{LayerError, resolve_layers};
use flotilla_core::model::{LoadOptions, load};
use flotilla_core::observe::Clients;
use flotilla_core::pace::Pacer;
use support::{MINISTACK_ACCOUNT, REGION, start_ministack};

fn publish(port: u16, name: &str) -> String {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let body = r#"{"Content": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}, "CompatibleRuntimes": ["python3.12"]}"#;
    let (status, text) = support::http(
        port,
        "POST",
        &format!("/2018-10-31/layers/{name}/versions"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .expect("MiniStack answers");
    assert!(
        status == 201 || status == 200,
        "PublishLayerVersion: {status} {text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["LayerVersionArn"].as_str().expect("an ARN").to_owned()
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layers_by_name_resolve_against_ministack() {
    let venv = support::venv();
    let ministack = start_ministack(&venv);
    let port = ministack
        .url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    publish(port, "flotilla-compat-common");
    let v2 = publish(port, "flotilla-compat-common");
    assert!(v2.ends_with(":layer:flotilla-compat-common:2"), "{v2}");

    let api = SdkLambda::for_endpoint(&ministack.url(), REGION);
    let versions = api
        .list_layer_versions("flotilla-compat-common")
        .await
        .expect("ListLayerVersions");
    let mut numbers: Vec<u64> = versions.iter().map(|v| v.version).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2], "{versions:?}");
    assert!(
        versions
            .iter()
            .all(|v| v.compatible_runtimes == ["python3.12"]),
        "{versions:?}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("src/app.py"), "x = 1\n").expect("app");
    let manifest = dir.path().join("deploy.yaml");
    let yaml = format!(
        "version: 1\n\
         defaults: {{ region: {REGION}, account: \"{MINISTACK_ACCOUNT}\", runtime: python3.12, handler: app.handler }}\n\
         functions:\n\
         \x20 api: {{ role: \"arn:aws:iam::{MINISTACK_ACCOUNT}:role/r\", layers: [\"${{layer:flotilla-compat-common}}\"], artifact: {{ dir: src }} }}\n\
         \x20 other: {{ role: \"arn:aws:iam::{MINISTACK_ACCOUNT}:role/r\", layers: [\"${{layer:flotilla-compat-missing}}\"], artifact: {{ dir: src }} }}\n"
    );
    std::fs::write(&manifest, yaml).expect("manifest");
    let model = load(&manifest, &LoadOptions::for_environment(None)).expect("valid manifest");
    let shared: Arc<dyn LambdaApi> = Arc::new(api);
    let clients = move |_: Option<&str>, _: &str| -> Arc<dyn LambdaApi> { shared.clone() };
    let clients: &dyn Clients = &clients;
    let errors = resolve_layers(&model, clients, &Pacer::new(model.limits))
        .await
        .expect_err("one layer is missing");
    assert!(
        matches!(
            errors.errors.as_slice(),
            [LayerError::Missing { layer, .. }] if layer == "flotilla-compat-missing"
        ),
        "{errors:?}"
    );

    let mut only_api = model.clone();
    only_api.functions.retain(|f| f.key.0 == "api");
    let resolved = resolve_layers(&only_api, clients, &Pacer::new(model.limits))
        .await
        .expect("the layer exists");
    assert_eq!(resolved.functions[0].config.layers, [v2]);
}
