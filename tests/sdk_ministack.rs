//! `SdkLambda` against MiniStack through the real SDK client: the whole `LambdaApi`
//! surface, `RevisionId` preconditions and `ListFunctions` pagination.

use crate::sdk_suite;
use crate::support;

use std::collections::BTreeMap;

use flotilla_cloud::lambda::{
    ApiError, Architecture, CodeSource, ConfigField, CreateFunctionInput, FunctionConfig,
    LambdaApi, PackageType, SdkLambda, UpdateCodeInput, UpdateConfigInput,
};
use support::{MINISTACK_ACCOUNT, REGION, Shared, start_ministack};

static MINISTACK: Shared = Shared::new();

fn role() -> String {
    format!("arn:aws:iam::{MINISTACK_ACCOUNT}:role/flotilla-test")
}

fn ministack() -> (std::sync::Arc<support::Spawned>, SdkLambda) {
    let venv = support::venv();
    let emulator = MINISTACK.get(|| start_ministack(&venv));
    let api = SdkLambda::for_endpoint(&emulator.url(), REGION);
    (emulator, api)
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_lifecycle() {
    let (_emulator, api) = ministack();
    assert_eq!(api.region(), REGION);
    sdk_suite::lifecycle(&api, "flotilla-ms-lifecycle", &role()).await;
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_functions_reads_every_page() {
    let (_emulator, api) = ministack();
    // MiniStack pages ListFunctions by 50, like AWS.
    sdk_suite::list_all_pages(&api, "flotilla-ms-page", &role(), 53).await;
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_updates_never_lose_the_accepted_write() {
    let (_emulator, api) = ministack();
    let name = "flotilla-ms-overlap";
    sdk_suite::create(&api, name, &role()).await;
    let update = |memory_mb| {
        api.update_function_configuration(UpdateConfigInput::new(
            name.to_owned(),
            FunctionConfig {
                memory_mb,
                ..FunctionConfig::lambda_defaults()
            },
            &[ConfigField::MemoryMb],
        ))
    };
    let first = update(384).await.expect("first update");
    assert!(!first.is_stable(), "an update reports itself in progress");
    // Lambda refuses an update while another is in progress (409); MiniStack accepts
    // it. Either way the outcome the API reported must be the outcome that sticks.
    let expected = match update(640).await {
        Err(ApiError::Conflict { .. }) => 384,
        Ok(_) => 640,
        Err(other) => panic!("expected Conflict or success, got {other:?}"),
    };
    let live = sdk_suite::wait_stable(&api, name).await;
    assert_eq!(live.config.memory_mb, expected);
    api.delete_function(name).await.expect("delete");
}

#[ignore = "needs tests/tools/install.sh"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_from_s3_and_from_an_image() {
    let (emulator, api) = ministack();
    let venv = support::venv();
    // S3: upload a zip with the AWS CLI, then point UpdateFunctionCode at it.
    let name = "flotilla-ms-s3";
    sdk_suite::create(&api, name, &role()).await;
    let zip = support::tiny_zip("from-s3");
    let file = std::env::temp_dir().join(format!("flotilla-test-s3-{}.zip", std::process::id()));
    std::fs::write(&file, &zip).expect("write zip");
    for args in [
        vec!["s3api", "create-bucket", "--bucket", "flotilla-artifacts"],
        vec![
            "s3api",
            "put-object",
            "--bucket",
            "flotilla-artifacts",
            "--key",
            "fn.zip",
            "--body",
            file.to_str().expect("utf-8 temp path"),
        ],
    ] {
        let out = support::aws_cli(&venv, &emulator.url(), &args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_file(&file);
    let updated = api
        .update_function_code(UpdateCodeInput {
            name: name.to_owned(),
            code: CodeSource::S3 {
                bucket: "flotilla-artifacts".to_owned(),
                key: "fn.zip".to_owned(),
                version: None,
            },
            revision_id: None,
            architecture: Some(Architecture::Arm64),
        })
        .await
        .expect("update_function_code from S3");
    assert_eq!(updated.code_sha256, support::code_sha256(&zip));
    let live = sdk_suite::wait_stable(&api, name).await;
    assert_eq!(live.code_sha256, support::code_sha256(&zip));
    assert_eq!(live.config.architecture, Architecture::Arm64);
    api.delete_function(name).await.expect("delete");

    // Image: PackageType Image, no runtime or handler, the URI reported back.
    let image = "111111111111.dkr.ecr.us-east-1.amazonaws.com/app:v1";
    let name = "flotilla-ms-image";
    let config = FunctionConfig {
        runtime: None,
        handler: None,
        package_type: PackageType::Image,
        ..sdk_suite::config(&role())
    };
    api.create_function(CreateFunctionInput {
        name: name.to_owned(),
        config: config.clone(),
        code: CodeSource::Image(image.to_owned()),
        publish: false,
        tags: BTreeMap::new(),
        code_signing_config_arn: None,
    })
    .await
    .expect("create image function");
    let live = sdk_suite::wait_stable(&api, name).await;
    assert_eq!(live.config, sdk_suite::as_managed(&config, &live.config));
    assert_eq!(live.image_uri.as_deref(), Some(image));
    api.delete_function(name).await.expect("delete");
}
