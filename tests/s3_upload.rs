//! Uploading artifacts to S3 through the crate's `ObjectStore` seam: content-addressed
//! keys are uploaded once, large files go up in parts that the emulator assembles in
//! order (5 MiB minimum per part but the last, as S3 enforces), a failed multipart
//! upload is aborted, and Lambda reads the object so its `CodeSha256` is the file's.
//! Both the emulator in process and its HTTP door behind the real `aws-sdk-s3` client.

use std::path::Path;

use flotilla_cloud::lambda::{CodeSource, CreateFunctionInput, FunctionConfig, LambdaApi};
use flotilla_cloud::s3::SdkS3;
use flotilla_core::model::RetryPolicy;
use flotilla_core::plan::UploadTarget;
use flotilla_core::s3::{ObjectStore, S3Error, UploadOptions, upload_file};
use flotilla_sim::{MIN_PART_SIZE, Sim, SimConfig};
use sha2::Digest;

const MIB: u64 = 1024 * 1024;

/// Pseudo-random bytes (xorshift), so parts differ and a misordered assembly shows.
fn random_file(dir: &Path, len: u64) -> (std::path::PathBuf, Vec<u8>) {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let path = dir.join("artifact.zip");
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

fn hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

fn small_parts() -> UploadOptions {
    UploadOptions {
        multipart_threshold: 5 * MIB,
        part_size: 5 * MIB,
        parallel_parts: 2,
    }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        initial: std::time::Duration::from_millis(1),
        max: std::time::Duration::from_millis(2),
        multiplier: 1.0,
    }
}

async fn upload(
    store: &dyn ObjectStore,
    file: &Path,
    bytes: &[u8],
    options: UploadOptions,
) -> Result<flotilla_core::s3::UploadReport, S3Error> {
    let target = UploadTarget {
        bucket: "artifacts".into(),
        key: format!("lambda/{}.zip", hex(bytes)),
    };
    let quiet = |_: u64, _: u64| {};
    upload_file(
        store,
        file,
        &target,
        &hex(bytes),
        bytes.len() as u64,
        &options,
        quick_retry(),
        &quiet,
    )
    .await
}

#[tokio::test]
async fn a_large_file_goes_up_in_parts_once_and_lambda_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, bytes) = random_file(tmp.path(), 12 * MIB + 12_345);
    let sim = Sim::new(SimConfig::default());
    sim.create_bucket("artifacts");
    let store = sim.object_store();

    let sent = std::sync::Mutex::new(Vec::new());
    let record = |s: u64, t: u64| sent.lock().unwrap().push((s, t));
    let target = UploadTarget {
        bucket: "artifacts".into(),
        key: format!("lambda/{}.zip", hex(&bytes)),
    };
    let report = upload_file(
        &store,
        &file,
        &target,
        &hex(&bytes),
        bytes.len() as u64,
        &small_parts(),
        quick_retry(),
        &record,
    )
    .await
    .unwrap();
    assert!(!report.skipped);
    assert_eq!(report.parts, 3, "{report:?}");
    assert_eq!(report.location, format!("s3://artifacts/{}", target.key));
    let stored = sim.s3_object("artifacts", &target.key).unwrap();
    assert!(
        stored == bytes,
        "parts assembled out of order or incomplete"
    );
    let progress = sent.lock().unwrap().clone();
    assert_eq!(progress.first(), Some(&(0, bytes.len() as u64)));
    assert_eq!(
        progress.last(),
        Some(&(bytes.len() as u64, bytes.len() as u64))
    );

    let c = sim.s3_counters();
    assert_eq!(c.calls["UploadPart"], 3, "{c:?}");
    assert_eq!(c.calls["CompleteMultipartUpload"], 1);
    assert!(!c.calls.contains_key("PutObject"));

    // The same content again: HeadObject finds it, nothing is sent.
    let again = upload(&store, &file, &bytes, small_parts()).await.unwrap();
    assert!(again.skipped && again.parts == 0, "{again:?}");
    assert_eq!(sim.s3_counters().calls["UploadPart"], 3);

    // Lambda reads the object: CodeSha256 is the file's, CodeSize its length.
    let api = sim.client("123456789012", "eu-north-1");
    let info = api
        .create_function(CreateFunctionInput {
            name: "big".into(),
            config: FunctionConfig {
                role: "arn:aws:iam::123456789012:role/r".into(),
                runtime: Some("python3.12".into()),
                handler: Some("app.handler".into()),
                memory_mb: 128,
                timeout_s: 3,
                ephemeral_storage_mb: 512,
                ..FunctionConfig::default()
            },
            code: CodeSource::S3 {
                bucket: "artifacts".into(),
                key: target.key.clone(),
                version: None,
            },
            publish: false,
            tags: Default::default(),
            code_signing_config_arn: None,
        })
        .await
        .unwrap();
    assert_eq!(info.code_sha256, b64(&bytes));
    assert_eq!(info.code_size, bytes.len() as u64);
}

#[tokio::test]
async fn parts_under_five_mib_are_refused_and_the_upload_aborted() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, bytes) = random_file(tmp.path(), 3 * MIB);
    let sim = Sim::new(SimConfig::default());
    sim.create_bucket("artifacts");
    let options = UploadOptions {
        multipart_threshold: MIB,
        part_size: MIB,
        parallel_parts: 3,
    };
    assert!(options.part_size < MIN_PART_SIZE);
    let err = upload(&sim.object_store(), &file, &bytes, options)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, S3Error::Fatal { code, .. } if code == "EntityTooSmall"),
        "{err:?}"
    );
    let c = sim.s3_counters();
    assert_eq!(c.calls["AbortMultipartUpload"], 1, "{c:?}");
    assert_eq!(c.open_multipart_uploads, 0);
    assert!(c.objects.is_empty(), "{c:?}");
}

#[tokio::test]
async fn a_missing_bucket_is_named_and_lambda_refuses_a_missing_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, bytes) = random_file(tmp.path(), 1000);
    let sim = Sim::new(SimConfig::default());
    let err = upload(&sim.object_store(), &file, &bytes, UploadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        S3Error::NoSuchBucket {
            bucket: "artifacts".into()
        }
    );

    sim.create_bucket("artifacts");
    let api = sim.client("123456789012", "eu-north-1");
    let err = api
        .create_function(CreateFunctionInput {
            name: "f".into(),
            config: FunctionConfig {
                role: "arn:aws:iam::123456789012:role/r".into(),
                runtime: Some("python3.12".into()),
                handler: Some("app.handler".into()),
                memory_mb: 128,
                timeout_s: 3,
                ephemeral_storage_mb: 512,
                ..FunctionConfig::default()
            },
            code: CodeSource::S3 {
                bucket: "artifacts".into(),
                key: "nope.zip".into(),
                version: None,
            },
            publish: false,
            tags: Default::default(),
            code_signing_config_arn: None,
        })
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("InvalidParameterValueException")
            && text.contains("Error occurred while GetObject. S3 Error Code: NoSuchKey"),
        "{text}"
    );
}

/// The real `aws-sdk-s3` client against the emulator's HTTP door: path-style requests,
/// XML bodies, user metadata and the multipart calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_uploads_through_the_http_emulator() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, bytes) = random_file(tmp.path(), 11 * MIB);
    let sim = Sim::new(SimConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(flotilla_sim::http::serve(sim.clone(), listener));

    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("eu-north-1"))
        .endpoint_url(&url)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "123456789012",
            "secret",
            None,
            None,
            "test",
        ))
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .build();
    let client = aws_sdk_s3::Client::from_conf(config.clone());
    client
        .create_bucket()
        .bucket("artifacts")
        .send()
        .await
        .unwrap();
    let store = SdkS3::from_conf(config);

    // Multipart (three parts of 5, 5 and 1 MiB).
    let report = upload(&store, &file, &bytes, small_parts()).await.unwrap();
    assert_eq!((report.skipped, report.parts), (false, 3), "{report:?}");
    let key = format!("lambda/{}.zip", hex(&bytes));
    assert!(sim.s3_object("artifacts", &key).unwrap() == bytes);
    let head = store.head_object("artifacts", &key).await.unwrap().unwrap();
    assert_eq!(head.size, bytes.len() as u64);
    assert_eq!(head.metadata.get("sha256"), Some(&hex(&bytes)));

    // Found again: skipped.
    let again = upload(&store, &file, &bytes, small_parts()).await.unwrap();
    assert!(again.skipped, "{again:?}");

    // A single PutObject below the threshold.
    let small = &bytes[..4096];
    let small_file = tmp.path().join("small.zip");
    std::fs::write(&small_file, small).unwrap();
    let report = upload(&store, &small_file, small, small_parts())
        .await
        .unwrap();
    assert_eq!((report.skipped, report.parts), (false, 1));
    let got = client
        .get_object()
        .bucket("artifacts")
        .key(format!("lambda/{}.zip", hex(small)))
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(got.as_ref(), small);

    let c = sim.s3_counters();
    assert_eq!(
        (c.calls["PutObject"], c.calls["UploadPart"]),
        (1, 3),
        "{c:?}"
    );
    assert!(
        store
            .head_object("artifacts", "nope")
            .await
            .unwrap()
            .is_none()
    );
}

/// Fails the first `failures` calls of every kind with a transient error, then passes
/// them on: the upload retries each call under the function's retry policy.
struct Flaky {
    inner: flotilla_sim::SimObjectStore,
    failures: u32,
    seen: std::sync::Mutex<std::collections::BTreeMap<&'static str, u32>>,
}

impl Flaky {
    fn fail(&self, op: &'static str) -> Result<(), S3Error> {
        let mut seen = self.seen.lock().unwrap();
        let n = seen.entry(op).or_default();
        *n += 1;
        if *n <= self.failures {
            return Err(S3Error::Transient {
                message: format!("{op} attempt {n}: connection reset"),
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ObjectStore for Flaky {
    async fn head_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<flotilla_core::s3::ObjectInfo>, S3Error> {
        self.fail("head")?;
        self.inner.head_object(bucket, key).await
    }
    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        metadata: std::collections::BTreeMap<String, String>,
    ) -> Result<(), S3Error> {
        self.fail("put")?;
        self.inner.put_object(bucket, key, body, metadata).await
    }
    async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        metadata: std::collections::BTreeMap<String, String>,
    ) -> Result<String, S3Error> {
        self.fail("create")?;
        self.inner
            .create_multipart_upload(bucket, key, metadata)
            .await
    }
    async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Vec<u8>,
    ) -> Result<String, S3Error> {
        self.fail("part")?;
        self.inner
            .upload_part(bucket, key, upload_id, part_number, body)
            .await
    }
    async fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Vec<flotilla_core::s3::CompletedPart>,
    ) -> Result<(), S3Error> {
        self.fail("complete")?;
        self.inner
            .complete_multipart_upload(bucket, key, upload_id, parts)
            .await
    }
    async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), S3Error> {
        self.inner
            .abort_multipart_upload(bucket, key, upload_id)
            .await
    }
}

#[tokio::test]
async fn transient_failures_are_retried_within_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, bytes) = random_file(tmp.path(), 11 * MIB);
    let sim = Sim::new(SimConfig::default());
    sim.create_bucket("artifacts");
    let flaky = Flaky {
        inner: sim.object_store(),
        failures: 1,
        seen: Default::default(),
    };
    // Two attempts per call: one failure each is survived.
    let report = upload(&flaky, &file, &bytes, small_parts()).await.unwrap();
    assert_eq!(report.parts, 3);
    assert!(
        sim.s3_object("artifacts", &format!("lambda/{}.zip", hex(&bytes)))
            .unwrap()
            == bytes
    );

    // Two failures per call exceed two attempts: the error comes back, nothing is left open.
    let sim = Sim::new(SimConfig::default());
    sim.create_bucket("artifacts");
    let flakier = Flaky {
        inner: sim.object_store(),
        failures: 2,
        seen: Default::default(),
    };
    let err = upload(&flakier, &file, &bytes, small_parts())
        .await
        .unwrap_err();
    assert!(matches!(err, S3Error::Transient { .. }), "{err:?}");
    assert_eq!(sim.s3_counters().open_multipart_uploads, 0);
}
