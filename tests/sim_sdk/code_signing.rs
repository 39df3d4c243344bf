//! Code signing configurations over the SDK: Create (201) answers the whole
//! `CodeSigningConfig` with Lambda's default policy, Get/List/Update read and change
//! it, Delete is 204 and 409 while a function uses it; a function's Put/Get/Delete
//! (Get answers an empty ARN for none, Delete 204); CreateFunction's
//! `CodeSigningConfigArn`; and Lambda's errors: 404 `CodeSigningConfigNotFoundException`
//! for a configuration that does not exist, 404 `ResourceNotFoundException` for a
//! function or configuration that does not, 400 for a malformed ARN or policy.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AllowedPublishers, CodeSigningPolicies, CodeSigningPolicy, FunctionCode, Runtime,
};
use flotilla_sim::QuotaConfig;

use super::harness::{ACCOUNT, REGION, seed, start};

fn publishers() -> AllowedPublishers {
    AllowedPublishers::builder()
        .signing_profile_version_arns(format!(
            "arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/fleet/abcdef0123"
        ))
        .build()
        .expect("publishers")
}

#[tokio::test]
async fn code_signing_configs_round_trip_and_refuse_bad_values() {
    let h = start(Duration::from_millis(5), QuotaConfig::off()).await;
    let c = &h.client;

    let created = c
        .create_code_signing_config()
        .description("fleet")
        .allowed_publishers(publishers())
        .send()
        .await
        .expect("create");
    let csc = created.code_signing_config.expect("CodeSigningConfig");
    let arn = csc.code_signing_config_arn.clone();
    assert!(
        flotilla_cloud::lambda::is_code_signing_config_arn(&arn),
        "{arn}"
    );
    assert!(arn.starts_with(&format!(
        "arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-"
    )));
    assert!(arn.ends_with(&csc.code_signing_config_id), "{csc:?}");
    assert_eq!(csc.description.as_deref(), Some("fleet"));
    assert_eq!(
        csc.code_signing_policies
            .as_ref()
            .and_then(|p| p.untrusted_artifact_on_deployment.clone()),
        Some(CodeSigningPolicy::Warn),
        "Lambda's default policy"
    );
    assert_eq!(
        csc.allowed_publishers
            .as_ref()
            .map(|p| p.signing_profile_version_arns.len()),
        Some(1)
    );
    assert!(!csc.last_modified.is_empty());

    let updated = c
        .update_code_signing_config()
        .code_signing_config_arn(&arn)
        .code_signing_policies(
            CodeSigningPolicies::builder()
                .untrusted_artifact_on_deployment(CodeSigningPolicy::Enforce)
                .build(),
        )
        .send()
        .await
        .expect("update");
    let updated = updated.code_signing_config.expect("CodeSigningConfig");
    assert_eq!(
        updated
            .code_signing_policies
            .and_then(|p| p.untrusted_artifact_on_deployment),
        Some(CodeSigningPolicy::Enforce)
    );
    assert_eq!(updated.description.as_deref(), Some("fleet"), "kept");

    let got = c
        .get_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.code_signing_config
            .expect("CodeSigningConfig")
            .code_signing_config_arn,
        arn
    );
    let listed = c.list_code_signing_configs().send().await.expect("list");
    assert_eq!(listed.code_signing_configs().len(), 1);
    assert!(listed.next_marker.is_none());

    // A function: none, then Put, Get, Delete.
    seed(&h.sim, "svc");
    let none = c
        .get_function_code_signing_config()
        .function_name("svc")
        .send()
        .await
        .expect("get with none");
    assert_eq!(none.code_signing_config_arn, "");
    assert_eq!(none.function_name, "svc");
    let put = c
        .put_function_code_signing_config()
        .function_name("svc")
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("put");
    assert_eq!(put.code_signing_config_arn, arn);
    assert_eq!(put.function_name, "svc");
    let got = c
        .get_function_code_signing_config()
        .function_name("svc")
        .send()
        .await
        .expect("get");
    assert_eq!(got.code_signing_config_arn, arn);

    // In use: the configuration cannot be deleted.
    let err = c
        .delete_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect_err("in use")
        .into_service_error();
    assert!(err.is_resource_conflict_exception(), "{err:?}");

    c.delete_function_code_signing_config()
        .function_name("svc")
        .send()
        .await
        .expect("delete the function's");
    let got = c
        .get_function_code_signing_config()
        .function_name("svc")
        .send()
        .await
        .expect("get");
    assert_eq!(got.code_signing_config_arn, "");

    // CreateFunction with it.
    let created = c
        .create_function()
        .function_name("signed")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(format!("arn:aws:iam::{ACCOUNT}:role/fleet"))
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(b"signed code".to_vec()))
                .build(),
        )
        .code_signing_config_arn(&arn)
        .send()
        .await;
    assert!(created.is_ok(), "{created:?}");
    let got = c
        .get_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .expect("get");
    assert_eq!(got.code_signing_config_arn, arn);

    // Errors.
    let missing =
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0123456789abcdef0");
    let err = c
        .put_function_code_signing_config()
        .function_name("svc")
        .code_signing_config_arn(&missing)
        .send()
        .await
        .expect_err("no such configuration")
        .into_service_error();
    assert!(err.is_code_signing_config_not_found_exception(), "{err:?}");
    let err = c
        .create_function()
        .function_name("unsigned")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(format!("arn:aws:iam::{ACCOUNT}:role/fleet"))
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(b"signed code".to_vec()))
                .build(),
        )
        .code_signing_config_arn(&missing)
        .send()
        .await
        .expect_err("no such configuration")
        .into_service_error();
    assert!(err.is_code_signing_config_not_found_exception(), "{err:?}");
    let err = c
        .get_code_signing_config()
        .code_signing_config_arn(&missing)
        .send()
        .await
        .expect_err("no such configuration")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = c
        .put_function_code_signing_config()
        .function_name("svc")
        .code_signing_config_arn("csc-0123456789abcdef0")
        .send()
        .await
        .expect_err("malformed")
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    let err = c
        .get_function_code_signing_config()
        .function_name("nope")
        .send()
        .await
        .expect_err("no such function")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = c
        .create_code_signing_config()
        .allowed_publishers(publishers())
        .code_signing_policies(
            CodeSigningPolicies::builder()
                .untrusted_artifact_on_deployment(CodeSigningPolicy::from("Block"))
                .build(),
        )
        .send()
        .await
        .expect_err("unknown policy")
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");

    // Unused again: deleted (204), then gone.
    c.delete_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .expect("delete the function's");
    c.delete_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("delete");
    let err = c
        .delete_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect_err("gone")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}
