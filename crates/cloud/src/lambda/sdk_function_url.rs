//! The AWS SDK calls of function URLs, and their conversions.

use aws_sdk_lambda::Client;
use aws_sdk_lambda::types as aws;

use super::sdk_error::classify;
use super::{ApiResult, FunctionUrlInfo, FunctionUrlSettings, UrlAuthType, UrlCors, UrlInvokeMode};

fn cors_in(c: &UrlCors) -> aws::Cors {
    aws::Cors::builder()
        .set_allow_origins(Some(c.allow_origins.clone()))
        .set_allow_methods(Some(c.allow_methods.clone()))
        .set_allow_headers(Some(c.allow_headers.clone()))
        .set_expose_headers(Some(c.expose_headers.clone()))
        .allow_credentials(c.allow_credentials)
        .max_age(i32::try_from(c.max_age).unwrap_or(i32::MAX))
        .build()
}

fn cors_out(c: Option<&aws::Cors>) -> UrlCors {
    let Some(c) = c else {
        return UrlCors::default();
    };
    UrlCors {
        allow_origins: c.allow_origins().to_vec(),
        allow_methods: c.allow_methods().to_vec(),
        allow_headers: c.allow_headers().to_vec(),
        expose_headers: c.expose_headers().to_vec(),
        allow_credentials: c.allow_credentials().unwrap_or(false),
        max_age: c.max_age().and_then(|a| u32::try_from(a).ok()).unwrap_or(0),
    }
}

fn settings_out(
    auth: &aws::FunctionUrlAuthType,
    mode: Option<&aws::InvokeMode>,
    cors: Option<&aws::Cors>,
) -> FunctionUrlSettings {
    FunctionUrlSettings {
        // An auth type this crate does not know is read as the stricter one.
        auth: UrlAuthType::from_api_str(auth.as_str()).unwrap_or(UrlAuthType::AwsIam),
        invoke_mode: UrlInvokeMode::from_api_str(mode.map(|m| m.as_str())),
        cors: cors_out(cors),
    }
}

pub(crate) async fn get(
    client: &Client,
    name: &str,
    qualifier: Option<&str>,
) -> ApiResult<FunctionUrlInfo> {
    let out = client
        .get_function_url_config()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_owned))
        .send()
        .await
        .map_err(classify)?;
    Ok(FunctionUrlInfo {
        url: out.function_url().to_owned(),
        function_arn: out.function_arn().to_owned(),
        settings: settings_out(out.auth_type(), out.invoke_mode(), out.cors()),
        creation_time: out.creation_time().to_owned(),
        last_modified_time: Some(out.last_modified_time().to_owned()),
    })
}

pub(crate) async fn create(
    client: &Client,
    name: &str,
    qualifier: Option<&str>,
    s: FunctionUrlSettings,
) -> ApiResult<FunctionUrlInfo> {
    let out = client
        .create_function_url_config()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_owned))
        .auth_type(aws::FunctionUrlAuthType::from(s.auth.as_api_str()))
        .invoke_mode(aws::InvokeMode::from(s.invoke_mode.as_api_str()))
        .set_cors((!s.cors.is_empty()).then(|| cors_in(&s.cors)))
        .send()
        .await
        .map_err(classify)?;
    Ok(FunctionUrlInfo {
        url: out.function_url().to_owned(),
        function_arn: out.function_arn().to_owned(),
        settings: settings_out(out.auth_type(), out.invoke_mode(), out.cors()),
        creation_time: out.creation_time().to_owned(),
        last_modified_time: None,
    })
}

pub(crate) async fn update(
    client: &Client,
    name: &str,
    qualifier: Option<&str>,
    s: FunctionUrlSettings,
) -> ApiResult<FunctionUrlInfo> {
    let out = client
        .update_function_url_config()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_owned))
        .auth_type(aws::FunctionUrlAuthType::from(s.auth.as_api_str()))
        .invoke_mode(aws::InvokeMode::from(s.invoke_mode.as_api_str()))
        .cors(cors_in(&s.cors))
        .send()
        .await
        .map_err(classify)?;
    Ok(FunctionUrlInfo {
        url: out.function_url().to_owned(),
        function_arn: out.function_arn().to_owned(),
        settings: settings_out(out.auth_type(), out.invoke_mode(), out.cors()),
        creation_time: out.creation_time().to_owned(),
        last_modified_time: Some(out.last_modified_time().to_owned()),
    })
}

pub(crate) async fn delete(client: &Client, name: &str, qualifier: Option<&str>) -> ApiResult<()> {
    client
        .delete_function_url_config()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_owned))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}
