//! Shared harness for integration tests: finds the Python venv with the pinned
//! third-party emulators, starts them on free 127.0.0.1 ports, waits until they answer,
//! and stops them (by PID) when the handle is dropped.
//!
//! Use with `mod support;` from any file under `tests/`. Not every test file uses every
//! helper, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Region every emulator and client in the tests uses.
pub const REGION: &str = "us-east-1";
/// MiniStack's default account.
pub const MINISTACK_ACCOUNT: &str = "000000000000";
/// moto's default account.
pub const MOTO_ACCOUNT: &str = "123456789012";
/// How long an emulator may take to answer after it was started (the machine is shared
/// and Python imports are slow under load).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The Python venv holding the pinned emulators and the AWS CLI
/// (`FLOTILLA_VENV`, else `<crate>/.venv`). Tests that call this are
/// `#[ignore = "needs tests/tools/install.sh"]`; run with `--include-ignored`, a missing
/// venv fails them.
pub fn venv() -> PathBuf {
    let dir = std::env::var_os("FLOTILLA_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    assert!(
        dir.join("bin/python").exists(),
        "Python venv not found at {} (run tests/tools/install.sh or set FLOTILLA_VENV)",
        dir.display()
    );
    dir
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// A child process listening on `port`, killed by PID and reaped on drop.
#[derive(Debug)]
pub struct Spawned {
    /// The process.
    pub child: Child,
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
    /// A name for messages.
    pub name: String,
    /// Its combined stdout and stderr.
    pub log: PathBuf,
}

impl Spawned {
    /// Starts `cmd` with output going to a log file. The caller waits for readiness.
    pub fn start(mut cmd: Command, name: &str, port: u16) -> Spawned {
        let log = std::env::temp_dir().join(format!(
            "flotilla-test-{name}-{port}-{}.log",
            std::process::id()
        ));
        let out = std::fs::File::create(&log).expect("create log file");
        let err = out.try_clone().expect("clone log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Spawned {
            child,
            port,
            name: name.to_owned(),
            log,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The last part of the process's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(3000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].to_owned()
    }

    /// Polls `GET path` until it answers with a status below 500, or panics with the
    /// log after [`READY_TIMEOUT`] or when the process exits.
    pub fn wait_http(mut self, path: &str) -> Spawned {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some((status, _)) = http(self.port, "GET", path, &[], "")
                && status < 500
            {
                return self;
            }
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!(
                    "{} exited before it was ready ({exit}):\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "{} not ready on port {} after {READY_TIMEOUT:?}:\n{}",
                    self.name,
                    self.port,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // Kill by PID (never by name: other helpers run the same emulators) and reap,
        // so no zombie or orphan outlives the test binary.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// One emulator shared by the tests of a file that run at the same time.
///
/// Statics are never dropped, so the process is owned by the tests holding an `Arc`;
/// it stops when the last of them finishes and the next test starts a fresh one.
pub struct Shared {
    slot: Mutex<Weak<Spawned>>,
}

impl Shared {
    /// An empty slot, for a `static`.
    pub const fn new() -> Shared {
        Shared {
            slot: Mutex::new(Weak::new()),
        }
    }

    /// The running emulator, or a new one from `start`.
    pub fn get(&self, start: impl FnOnce() -> Spawned) -> Arc<Spawned> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = slot.upgrade() {
            return running;
        }
        let fresh = Arc::new(start());
        *slot = Arc::downgrade(&fresh);
        fresh
    }
}

impl Default for Shared {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs a Python console entry point (`module:function`) from the venv, with a watchdog
/// thread that exits the interpreter when the test process dies, so even a test binary
/// killed with SIGKILL leaves no emulator behind.
fn python_tool(venv: &Path, module: &str, function: &str, args: &[&str]) -> Command {
    let script = format!(
        "import os, sys, threading, time\n\
         parent = os.getppid()\n\
         def watch():\n\
         \x20   while os.getppid() == parent:\n\
         \x20       time.sleep(0.5)\n\
         \x20   os._exit(0)\n\
         threading.Thread(target=watch, daemon=True).start()\n\
         sys.argv = [{module:?}] + sys.argv[1:]\n\
         from {module} import {function}\n\
         sys.exit({function}())\n"
    );
    let mut cmd = Command::new(venv.join("bin/python"));
    cmd.arg("-c").arg(script).args(args);
    cmd.env("PYTHONUNBUFFERED", "1");
    // Credentials and endpoints of the developer's shell must not reach the emulators.
    for key in [
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(key);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", REGION);
    cmd
}

/// Starts MiniStack (1.5.33) and waits for its health endpoint.
pub fn start_ministack(venv: &Path) -> Spawned {
    start_ministack_with(venv, &[])
}

/// Starts MiniStack with extra environment variables (which may override `SERVICES`,
/// e.g. to add `cloudtrail` with `CLOUDTRAIL_RECORDING=1`).
pub fn start_ministack_with(venv: &Path, env: &[(&str, &str)]) -> Spawned {
    let port = free_port();
    let mut cmd = python_tool(venv, "ministack.app", "main", &[]);
    cmd.env("GATEWAY_PORT", port.to_string())
        .env("BIND_HOST", "127.0.0.1")
        .env("MINISTACK_REGION", REGION)
        .env("LOG_LEVEL", "WARNING")
        .env("SERVICES", "lambda,iam,s3,sts");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Spawned::start(cmd, "ministack", port).wait_http("/_ministack/health")
}

/// Starts the moto server (5.2.5) and waits until it answers.
pub fn start_moto(venv: &Path) -> Spawned {
    let port = free_port();
    let port_s = port.to_string();
    let cmd = python_tool(
        venv,
        "moto.server",
        "main",
        &["-H", "127.0.0.1", "-p", &port_s],
    );
    Spawned::start(cmd, "moto", port).wait_http("/moto-api/")
}

/// Starts microburst (0.10.0) in front of `upstream` with the given rules (a YAML list,
/// see microburst's README) and waits for its control API.
pub fn start_microburst(venv: &Path, upstream: &str, rules_yaml: &str) -> Spawned {
    let port = free_port();
    let config = std::env::temp_dir().join(format!(
        "flotilla-test-microburst-{port}-{}.yaml",
        std::process::id()
    ));
    let indented: String = rules_yaml.lines().map(|l| format!("  {l}\n")).collect();
    std::fs::write(
        &config,
        format!("upstream: {upstream}\nport: {port}\nhost: 127.0.0.1\nrules:\n{indented}"),
    )
    .expect("write microburst config");
    let config_s = config.to_string_lossy().into_owned();
    let cmd = python_tool(
        venv,
        "microburst.cli",
        "main",
        &["--config", &config_s, "--no-resign"],
    );
    let proxy = Spawned::start(cmd, "microburst", port).wait_http("/_microburst/health");
    // microburst loads botocore's service model on the first AWS request (seconds);
    // pay that here so a test's first call does not run into a short client timeout.
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let _ = http(
        port,
        "GET",
        "/2015-03-31/functions/",
        &[("Authorization", &auth)],
        "",
    );
    proxy
}

/// The role ARN moto accepts for `CreateFunction` once [`create_moto_role`] ran.
pub fn moto_role_arn(role: &str) -> String {
    format!("arn:aws:iam::{MOTO_ACCOUNT}:role/{role}")
}

/// Creates an IAM role in moto over plain HTTP (IAM's query protocol; moto does not
/// check signatures). moto refuses `CreateFunction` with a role it does not know.
pub fn create_moto_role(moto: &Spawned, role: &str) -> String {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let body = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName={}&AssumeRolePolicyDocument={}",
        form_encode(role),
        form_encode(policy)
    );
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20250101/{REGION}/iam/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let (status, text) = http(
        moto.port,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", &auth),
        ],
        &body,
    )
    .expect("moto answers CreateRole");
    assert!(
        status == 200 || text.contains("EntityAlreadyExists"),
        "CreateRole: HTTP {status}: {text}"
    );
    moto_role_arn(role)
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// [`http`] for a test's own calls to an emulator that an apply is using at the same
/// time: they share its quota, so a 429 is waited out (every 100 ms, 100 times at most),
/// as any client would.
pub fn http_patient(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String)> {
    for _ in 0..100 {
        let answer = http(port, method, path, headers, body)?;
        if answer.0 != 429 {
            return Some(answer);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{method} {path} was throttled 100 times");
}

/// A minimal HTTP/1.1 exchange on 127.0.0.1 (`Connection: close`); `None` when nothing
/// answers. Enough for health checks and control APIs without an HTTP client crate.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

/// Creates SQS queue `name` in `region` of the emulator at `url` (MiniStack's SQS, JSON
/// protocol) and returns its ARN in `account`.
pub fn create_sqs_queue(url: &str, region: &str, account: &str, name: &str) -> String {
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .expect("the emulator's URL ends in its port");
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20250101/{region}/sqs/aws4_request, \
         SignedHeaders=host, Signature=0"
    );
    let (status, body) = http(
        port,
        "POST",
        "/",
        &[
            ("Authorization", &auth),
            ("X-Amz-Target", "AmazonSQS.CreateQueue"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ],
        &format!(r#"{{"QueueName": "{name}"}}"#),
    )
    .expect("the emulator answers CreateQueue");
    assert_eq!(status, 200, "CreateQueue {name}: {body}");
    format!("arn:aws:sqs:{region}:{account}:{name}")
}

/// Runs the venv's `aws` CLI against `endpoint` with dummy credentials and the test
/// region; nothing from the developer's AWS configuration is used.
pub fn aws_cli(venv: &Path, endpoint: &str, args: &[&str]) -> Output {
    let empty = std::env::temp_dir().join("flotilla-test-no-aws-config");
    Command::new(venv.join("bin/python"))
        .arg(venv.join("bin/aws"))
        .arg("--endpoint-url")
        .arg(endpoint)
        .arg("--region")
        .arg(REGION)
        .arg("--output")
        .arg("json")
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_PAGER", "")
        .stdin(Stdio::null())
        .output()
        .expect("run the venv's aws CLI")
}

/// A small valid deployment package: one Python handler, deterministic bytes.
pub fn tiny_zip(marker: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default());
        w.start_file("app.py", opts).expect("zip entry");
        w.write_all(format!("def handler(event, context):\n    return {marker:?}\n").as_bytes())
            .expect("zip write");
        w.finish().expect("zip finish");
    }
    out.into_inner()
}

/// Base64 of the SHA-256 of `bytes`: Lambda's `CodeSha256`.
pub fn code_sha256(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}
