//! Shared harness for the end-to-end tests: the real `flotilla` binary against
//! `flotilla sim` started on a free port (read from its first line), stopped by PID.
//! Every command runs with a time limit and a clean AWS environment, so nothing from
//! the developer's shell (profiles, endpoints, real credentials) is used.
//!
//! Use with `mod support; mod e2e_support;` (it reuses `support::http`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

/// Longest any single `flotilla` command may run before the test fails.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);

/// Longest `flotilla sim` may take to seed a fleet and start listening.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The crate root (where `deploy.yaml.example` and `examples/` live).
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `flotilla sim`, killed by PID and reaped on drop.
pub struct Sim {
    child: Child,
    /// Kept open so the emulator never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// Where it listens: `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its port.
    pub port: u16,
    log: PathBuf,
}

impl Sim {
    /// Starts `flotilla sim --port 0 ARGS` in `dir` and waits for its listening line.
    pub fn start(dir: &Path, args: &[&str]) -> Sim {
        let log = std::env::temp_dir().join(format!(
            "flotilla-e2e-sim-{}-{}.log",
            std::process::id(),
            unique()
        ));
        let err = std::fs::File::create(&log).expect("create the sim log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flotilla"))
            .current_dir(dir)
            .args(["sim", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("start flotilla sim");
        let mut stdout = BufReader::new(child.stdout.take().expect("sim stdout"));
        // The line comes after seeding, so a returned line means the fleet is in place.
        // Read on a thread so a hung emulator fails the test instead of blocking it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = tx.send((line, stdout));
        });
        let Ok((line, stdout)) = rx.recv_timeout(READY_TIMEOUT) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "flotilla sim printed nothing in {READY_TIMEOUT:?}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let Some(url) = line.trim().strip_prefix("flotilla sim listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "flotilla sim did not start: {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let url = url.to_owned();
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in the listening line");
        Sim {
            child,
            _stdout: stdout,
            url,
            port,
            log,
        }
    }

    /// A Lambda API call to the emulator as `FLEET_ACCOUNT` in `region`, over HTTP
    /// (the emulator reads the account and region from the credential scope and does
    /// not check the signature); 429s are waited out, since an apply may share the
    /// quota. The body as JSON (`Null` when empty, a string when not JSON).
    pub fn lambda(
        &self,
        region: &str,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{region}/lambda/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        let (status, text) = crate::support::http_patient(
            self.port,
            method,
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .expect("the sim answers");
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, json)
    }

    /// A control call (`/_sim/...`) with a JSON body; panics unless it answers 200.
    pub fn control(&self, method: &str, path: &str, body: &str) -> serde_json::Value {
        let (status, text) = crate::support::http(
            self.port,
            method,
            &format!("/_sim/{path}"),
            &[("Content-Type", "application/json")],
            body,
        )
        .expect("the sim answers");
        assert_eq!(status, 200, "{method} /_sim/{path}: {text}");
        serde_json::from_str(&text).expect("control API answers JSON")
    }

    /// `GET /_sim/counters`.
    pub fn counters(&self) -> serde_json::Value {
        self.control("GET", "counters", "")
    }

    /// `GetFunction` over plain HTTP, signed (unchecked) for `account` and `region`.
    pub fn get_function(&self, account: &str, region: &str, name: &str) -> serde_json::Value {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={account}/20250101/{region}/lambda/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        let (status, text) = crate::support::http(
            self.port,
            "GET",
            &format!("/2015-03-31/functions/{name}"),
            &[("Authorization", &auth)],
            "",
        )
        .expect("the sim answers");
        assert_eq!(status, 200, "GetFunction {name}: {text}");
        serde_json::from_str(&text).expect("GetFunction answers JSON")
    }

    /// Everything the emulator printed on stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// `flotilla ARGS` in `dir`, with dummy credentials whose access key is `account` (the
/// sim maps a 12-digit key to that account) and no AWS configuration from the host.
pub fn flotilla(dir: &Path, account: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flotilla"));
    // An empty file: no profile, no credentials file, and no warning about a missing one.
    let empty = Path::new("/dev/null");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", account)
        .env("AWS_SECRET_ACCESS_KEY", "e2e-dummy-secret-key")
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_CONFIG_FILE", empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// `flotilla ARGS` as [`flotilla`] would run it, but on a pseudo-terminal (util-linux
/// `script`), with `input` typed at it: for the confirmation prompts, which only a
/// terminal gets. Both streams arrive on stdout, as on a terminal.
pub fn flotilla_on_terminal(dir: &Path, account: &str, args: &[&str], input: &str) -> Run {
    flotilla_on_terminal_with(dir, account, args, input, &[])
}

/// [`flotilla_on_terminal`] with extra environment variables (`TERM`, for a view
/// that draws only on a terminal it knows).
pub fn flotilla_on_terminal_with(
    dir: &Path,
    account: &str,
    args: &[&str],
    input: &str,
    env: &[(&str, &str)],
) -> Run {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_flotilla"))
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    let template = flotilla(dir, account);
    let mut cmd = Command::new("script");
    cmd.args([
        "--quiet",
        "--return",
        "--command",
        &line.join(" "),
        "/dev/null",
    ])
    .current_dir(dir)
    .env_clear();
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    cmd.envs(env.iter().copied());
    let output = assert_cmd::Command::from_std(cmd)
        .timeout(COMMAND_TIMEOUT)
        .write_stdin(input.to_owned())
        .output()
        .expect("run flotilla under script(1) (util-linux)");
    Run::from(output)
}

/// Runs `cmd` to completion within [`COMMAND_TIMEOUT`] (killed and failed past it).
/// Whether a plan's `text` shows `line`, white space (and Markdown table bars) aside:
/// the text plan pads labels into a column.
pub fn shows(text: &str, line: &str) -> bool {
    fn squash(text: &str) -> String {
        text.replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
    squash(text).contains(&squash(line))
}

pub fn run(cmd: Command) -> Run {
    let output = assert_cmd::Command::from_std(cmd)
        .timeout(COMMAND_TIMEOUT)
        .output()
        .expect("run flotilla");
    Run::from(output)
}

/// A finished command's exit code and output as text.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when killed by a signal or the time limit).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Both streams, for messages and searches.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// The apply summary line's counts: `N functions: C converged, F failed, S skipped,
/// T stale, X cancelled; ...`.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub functions: u32,
    pub converged: u32,
    pub failed: u32,
    pub skipped: u32,
    pub stale: u32,
    pub cancelled: u32,
}

/// Finds and parses the summary line in `text`.
pub fn summary(text: &str) -> Summary {
    let line = text
        .lines()
        .find(|l| l.contains(" functions: ") && l.contains(" converged, "))
        .unwrap_or_else(|| panic!("no apply summary line in:\n{text}"));
    let head = line.split(';').next().unwrap_or_default();
    let num = |word: &str| -> u32 {
        let before = head
            .split(", ")
            .flat_map(|part| part.split(": "))
            .find(|p| p.ends_with(&format!(" {word}")))
            .unwrap_or_else(|| panic!("no `{word}` in {line:?}"));
        before
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count before `{word}` in {line:?}"))
    };
    Summary {
        functions: num("functions"),
        converged: num("converged"),
        failed: num("failed"),
        skipped: num("skipped"),
        stale: num("stale"),
        cancelled: num("cancelled"),
    }
}

/// Copies `from` into `to` recursively (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Every file under `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Replaces every RFC 3339 UTC timestamp (`2026-11-26T17:01:21Z`) with `[time]`.
pub fn redact_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                _ => s == b,
            });
        if fits {
            out.push_str("[time]");
            i += shape.len();
        } else {
            let ch = text[i..].chars().next().expect("a char at a boundary");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Replaces timestamps and revision ids (UUIDs) anywhere in a JSON value.
pub fn redact_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if is_uuid(s) {
                *s = "[revision]".to_owned();
            } else {
                *s = redact_times(s);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(map) => map.values_mut().for_each(redact_json),
        _ => {}
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Account of every generated fleet (and the access key the tests sign with).
pub const FLEET_ACCOUNT: &str = "111111111111";

/// Writes `deploy.yaml` in `dir` for `n` functions `fn-000`… with tiny `dir:`
/// artifacts (`fns/fn-000/app.py`). Function `i` goes to `regions[i % regions.len()]`;
/// `version` is written into every handler and description, so a new `version` changes
/// every function's code and configuration.
pub fn write_fleet(dir: &Path, n: usize, regions: &[&str], version: &str) {
    let mut yaml = format!(
        "version: 1\n\
         defaults:\n  runtime: python3.12\n  handler: app.handler\n  memory: 256\n  timeout: 30s\n\
         \x20 role: arn:aws:iam::${{account}}:role/fleet\n\
         \x20 retry: {{ max_attempts: 10, backoff: {{ initial: 100ms, max: 2s }} }}\n\
         \x20 wait: {{ timeout: 2m }}\n\
         environments:\n  staging: {{ account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n"
    );
    for i in 0..n {
        let key = format!("fn-{i:03}");
        let region = regions[i % regions.len()];
        let code = dir.join("fns").join(&key);
        std::fs::create_dir_all(&code).expect("create artifact folder");
        std::fs::write(
            code.join("app.py"),
            format!("def handler(event, context):\n    return {{'fn': {i}, 'v': {version:?}}}\n"),
        )
        .expect("write handler");
        yaml.push_str(&format!(
            "  {key}:\n    name: {key}-${{stage}}\n    region: {region}\n    \
             description: fleet member {i} ({version})\n    \
             environment: {{ INDEX: \"{i}\" }}\n    artifact: {{ dir: fns/{key} }}\n"
        ));
    }
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}
