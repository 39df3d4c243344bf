//! Layer versions through the real SDK: PublishLayerVersion, ListLayerVersions paging and
//! filters, and CreateFunction refusing a layer version that does not exist.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LayerVersionContentInput, Runtime};
use flotilla_cloud::lambda::{ApiOp, LambdaApi, SdkLambda};
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, start};

#[tokio::test]
async fn layers_publish_list_in_pages_and_are_checked_on_create() {
    let h = start(Duration::from_millis(10), QuotaConfig::off()).await;
    for n in 1..=55 {
        let mut req = h
            .client
            .publish_layer_version()
            .layer_name("common")
            .content(
                LayerVersionContentInput::builder()
                    .zip_file(Blob::new(b"PK\x05\x06".to_vec()))
                    .build(),
            );
        if n % 2 == 0 {
            req = req.compatible_runtimes(Runtime::Python312);
        }
        let out = req.send().await.expect("publish");
        assert_eq!(out.version(), n);
        assert_eq!(
            out.layer_version_arn(),
            Some(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:common:{n}").as_str())
        );
    }

    let api = SdkLambda::for_endpoint(&h.url, REGION);
    let versions = api.list_layer_versions("common").await.expect("list");
    assert_eq!(versions.len(), 55);
    assert_eq!(versions.iter().map(|v| v.version).max(), Some(55));
    assert_eq!(
        h.sim.counters().calls_of(ApiOp::ListLayerVersions),
        2,
        "two pages of 50"
    );
    let by_arn = api
        .list_layer_versions(&format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:common"))
        .await
        .expect("list by layer ARN");
    assert_eq!(by_arn.len(), 55);
    assert!(
        api.list_layer_versions("nothing-here")
            .await
            .expect("an unknown layer is an empty list")
            .is_empty()
    );

    let python: Vec<i64> = h
        .client
        .list_layer_versions()
        .layer_name("common")
        .compatible_runtime(Runtime::Python312)
        .max_items(100)
        .send()
        .await
        .expect("filtered list")
        .layer_versions()
        .iter()
        .map(|v| v.version())
        .collect();
    assert_eq!(python.len(), 27, "{python:?}");
    assert!(python.iter().all(|v| v % 2 == 0), "{python:?}");

    let create = |layer: String| {
        h.client
            .create_function()
            .function_name("with-layer")
            .role(format!("arn:aws:iam::{ACCOUNT}:role/r"))
            .runtime(Runtime::Python312)
            .handler("app.handler")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(b"PK\x05\x06".to_vec()))
                    .build(),
            )
            .layers(layer)
            .send()
    };
    let missing = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:common:56");
    let err = create(missing.clone()).await.expect_err("no version 56");
    let err = err.into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("Layer version {missing} does not exist")),
        "{err}"
    );
    let ok = create(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:common:55"))
        .await
        .expect("an existing version");
    assert_eq!(ok.layers().len(), 1);
}
