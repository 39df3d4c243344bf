//! `SdkLambda` against a scripted HTTP endpoint: exact wire responses (status, headers,
//! body) in, classified `ApiError` or canonical `FunctionInfo` out. Also checks that
//! `from_env` honours the standard environment variables (in a child process, so the
//! test's own environment stays untouched).

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use flotilla_cloud::lambda::{
    ApiError, Architecture, ClientOptions, FunctionStateKind, LambdaApi, PackageType, SdkLambda,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the scripted endpoint does with a request.
#[derive(Clone)]
enum Reply {
    /// Answer with this status, extra headers and body.
    Http(u16, Vec<(&'static str, String)>, String),
    /// Close the connection without answering.
    Drop,
    /// Keep the connection open and never answer.
    Hang,
}

/// A scripted endpoint on 127.0.0.1; returns its URL and the request heads it saw.
async fn endpoint(reply: Reply) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            let log = Arc::clone(&log);
            tokio::spawn(async move { answer(stream, reply, log).await });
        }
    });
    (url, seen)
}

async fn answer(mut stream: TcpStream, reply: Reply, log: Arc<Mutex<Vec<String>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    log.lock().expect("log").push(head);
    match reply {
        Reply::Http(status, headers, body) => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            let _ = stream.write_all(out.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Reply::Drop => drop(stream),
        Reply::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
    }
}

fn error_reply(status: u16, code: &str, message: &str) -> Reply {
    Reply::Http(
        status,
        vec![("x-amzn-ErrorType", code.to_owned())],
        format!(r#"{{"Type":"User","message":"{message}"}}"#),
    )
}

async fn get_error(reply: Reply) -> ApiError {
    let (url, _) = endpoint(reply).await;
    SdkLambda::for_endpoint(&url, support::REGION)
        .get_function("f")
        .await
        .expect_err("scripted failure")
}

#[tokio::test]
async fn throttling_carries_the_retry_after_header() {
    let mut reply = error_reply(429, "TooManyRequestsException", "Rate exceeded");
    if let Reply::Http(_, headers, _) = &mut reply {
        headers.push(("Retry-After", "7".to_owned()));
    }
    assert_eq!(
        get_error(reply).await,
        ApiError::Throttled {
            retry_after: Some(Duration::from_secs(7)),
            message: "Rate exceeded".to_owned()
        }
    );
}

#[tokio::test]
async fn service_errors_are_classified_by_code_and_status() {
    let cases = [
        (404, "ResourceNotFoundException", "not_found"),
        (409, "ResourceConflictException", "conflict"),
        (412, "PreconditionFailedException", "precondition_failed"),
        (429, "TooManyRequestsException", "throttled"),
        (500, "ServiceException", "transient"),
        (503, "ServiceUnavailable", "transient"),
    ];
    for (status, code, class) in cases {
        let err = get_error(error_reply(status, code, "m")).await;
        assert_eq!(err.class(), class, "{status} {code}: {err:?}");
    }
    assert_eq!(
        get_error(error_reply(
            400,
            "InvalidParameterValueException",
            "bad memory"
        ))
        .await,
        ApiError::Fatal {
            code: "InvalidParameterValueException".to_owned(),
            message: "bad memory".to_owned()
        }
    );
}

#[tokio::test]
async fn lost_connections_are_transient_and_a_refused_one_is_fatal() {
    let dropped = get_error(Reply::Drop).await;
    assert!(matches!(dropped, ApiError::Transient { .. }), "{dropped:?}");

    let refused_url = format!("http://127.0.0.1:{}", support::free_port());
    let refused = SdkLambda::for_endpoint(&refused_url, support::REGION)
        .get_function("f")
        .await
        .expect_err("nothing listens");
    // The request never left: nothing to retry for (a wrong endpoint, a stopped emulator).
    assert!(
        matches!(&refused, ApiError::Fatal { code, .. } if code == "ConnectionRefused"),
        "{refused:?}"
    );

    let (url, _) = endpoint(Reply::Hang).await;
    let opts = ClientOptions {
        operation_timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    };
    let timed_out = SdkLambda::for_endpoint_with_options(&url, support::REGION, &opts)
        .get_function("f")
        .await
        .expect_err("no answer");
    assert!(
        matches!(timed_out, ApiError::Transient { .. }),
        "{timed_out:?}"
    );
}

/// A `GetFunction` answer with only the fields every endpoint sends.
const SPARSE_GET_FUNCTION: &str = r#"{"Configuration":{"FunctionName":"f",
 "FunctionArn":"arn:aws:lambda:eu-north-1:111111111111:function:f","Runtime":"python3.12",
 "Role":"arn:aws:iam::111111111111:role/r","Handler":"app.handler","CodeSize":10,
 "MemorySize":128,"Timeout":3,"CodeSha256":"abc=","Version":"$LATEST",
 "LastModified":"2025-01-01T00:00:00.000+0000","KMSKeyArn":null,"VpcConfig":null},
 "Code":{"RepositoryType":"S3","Location":"https://example"}}"#;

#[tokio::test]
async fn omitted_fields_get_aws_defaults() {
    let (url, seen) = endpoint(Reply::Http(200, vec![], SPARSE_GET_FUNCTION.to_owned())).await;
    let info = SdkLambda::for_endpoint(&url, "eu-north-1")
        .get_function("f")
        .await
        .expect("sparse answer parses");
    assert_eq!(info.config.ephemeral_storage_mb, 512);
    assert_eq!(info.config.architecture, Architecture::X86_64);
    assert_eq!(info.config.description, "");
    assert_eq!(info.config.package_type, PackageType::Zip);
    assert!(info.config.environment.is_empty() && info.config.layers.is_empty());
    assert_eq!(
        (info.state, info.last_update_status, info.revision_id),
        (None, None, None)
    );
    assert!(info.tags.is_empty() && info.reserved_concurrency.is_none());
    let head = seen.lock().expect("log")[0].clone();
    assert!(head.starts_with("GET /2015-03-31/functions/f "), "{head}");
    assert!(
        head.contains("/eu-north-1/lambda/aws4_request"),
        "signed for the region: {head}"
    );
}

const CHILD: &str = "FLOTILLA_SDK_ERRORS_CHILD";

/// Runs [`from_env_child`] in a fresh process with exactly the AWS environment given.
fn run_child(env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        "--exact",
        "sdk_errors::from_env_child",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    let nowhere = std::env::temp_dir().join("flotilla-test-no-aws-config");
    cmd.env(CHILD, "1")
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDCHILD")
        .env("AWS_SECRET_ACCESS_KEY", "child-secret");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run child test")
}

/// Child half of `from_env_*`: builds the client from the environment and calls
/// GetFunction; only runs when the parent set `FLOTILLA_SDK_ERRORS_CHILD`.
#[tokio::test]
async fn from_env_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let opts = ClientOptions {
        region: std::env::var("CHILD_OPT_REGION").ok(),
        endpoint_url: std::env::var("CHILD_OPT_ENDPOINT").ok(),
        ..ClientOptions::default()
    };
    let api = SdkLambda::from_env(&opts).await;
    assert_eq!(
        Some(api.region()),
        std::env::var("CHILD_EXPECT_REGION").ok().as_deref()
    );
    let info = api
        .get_function("f")
        .await
        .expect("reaches the scripted endpoint");
    assert_eq!(info.state, None::<FunctionStateKind>);
    println!("CHILD-OK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_env_honours_region_and_service_endpoint_variables() {
    let (url, seen) = endpoint(Reply::Http(200, vec![], SPARSE_GET_FUNCTION.to_owned())).await;
    let out = tokio::task::spawn_blocking(move || {
        run_child(&[
            ("AWS_REGION", "eu-north-1".to_owned()),
            ("AWS_ENDPOINT_URL_LAMBDA", url),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_owned()),
            ("CHILD_EXPECT_REGION", "eu-north-1".to_owned()),
        ])
    })
    .await
    .expect("child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("CHILD-OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let heads = seen.lock().expect("log").clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].contains("Credential=AKIDCHILD/"),
        "env credentials used: {}",
        heads[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_options_override_the_environment() {
    let (url, seen) = endpoint(Reply::Http(200, vec![], SPARSE_GET_FUNCTION.to_owned())).await;
    let out = tokio::task::spawn_blocking(move || {
        run_child(&[
            ("AWS_REGION", "us-west-2".to_owned()),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_owned()),
            ("CHILD_OPT_REGION", "ap-south-1".to_owned()),
            ("CHILD_OPT_ENDPOINT", url),
            ("CHILD_EXPECT_REGION", "ap-south-1".to_owned()),
        ])
    })
    .await
    .expect("child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("CHILD-OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let heads = seen.lock().expect("log").clone();
    assert!(
        heads[0].contains("/ap-south-1/lambda/aws4_request"),
        "{}",
        heads[0]
    );
}

#[tokio::test]
async fn zip_uploads_run_under_the_upload_timeout() {
    let (url, _) = endpoint(Reply::Hang).await;
    let opts = ClientOptions {
        operation_timeout: Duration::from_secs(600),
        upload_timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    };
    let api = SdkLambda::for_endpoint_with_options(&url, support::REGION, &opts);
    let upload = api.update_function_code(flotilla_cloud::lambda::UpdateCodeInput {
        name: "f".to_owned(),
        code: flotilla_cloud::lambda::CodeSource::Zip(Arc::new(support::tiny_zip("f"))),
        revision_id: None,
        architecture: None,
    });
    // Only the upload timeout can end this call: the endpoint never answers and the
    // ordinary operation timeout is ten minutes.
    let outcome = tokio::time::timeout(Duration::from_secs(60), upload)
        .await
        .expect("the upload timeout, not the operation timeout, applied");
    assert!(
        matches!(outcome, Err(ApiError::Transient { .. })),
        "{outcome:?}"
    );
}
