//! `fleet-bench --mode http`: Flotilla's engine through the real AWS SDK against the
//! HTTP emulator on localhost, with zero update latency and no quotas, so what remains
//! is the engine's own cost: wall time, CPU time and memory per function.
//!
//! The emulator runs in a child process (this binary with `--serve-sim`), so the CPU
//! time and peak RSS measured are Flotilla's alone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::manifest_scale::proc_status_kb;
use super::peers::Clients;
use super::scenario::{Scenario, ScenarioKind};
use flotilla_cloud::lambda::{LambdaApi, SdkLambda};
use flotilla_sim::{DEFAULT_ACCOUNT, Latency, LatencyConfig, QuotaConfig, Sim, SimConfig};

/// What HTTP mode measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpBench {
    /// Functions deployed (`code+config+publish+alias` each).
    pub functions: usize,
    /// Functions that did not converge.
    pub failed: usize,
    /// Real wall time of the apply, seconds.
    pub wall_s: f64,
    /// CPU time (user + system) of this process during the apply, seconds.
    pub cpu_s: f64,
    /// CPU milliseconds per function (target <= 1).
    pub cpu_ms_per_function: f64,
    /// Resident memory before the apply, MB.
    pub rss_before_mb: f64,
    /// Peak resident memory after the apply, MB.
    pub peak_rss_mb: f64,
    /// Peak growth per function, KB (target <= 100).
    pub rss_kb_per_function: f64,
    /// Lambda API requests the emulator served during the apply (from its counters).
    pub requests: Option<u64>,
    /// CPU microseconds per request.
    pub cpu_us_per_request: Option<f64>,
    /// CPU microseconds per GetFunction of the untimed observe phase (one SDK call after
    /// another, no engine): the SDK's own cost per request, for comparison.
    pub sdk_only_cpu_us_per_request: Option<f64>,
}

impl HttpBench {
    /// The report lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "http mode: {} functions (code+config+publish+alias), real SDK, emulator in a child process, zero latency, no quotas; {} failed",
            self.functions, self.failed
        );
        let _ = writeln!(
            out,
            "  wall {:.2}s, CPU {:.2}s = {:.3} ms/function (target <= 1), RSS {:.1} MB -> peak {:.1} MB = {:.1} KB/function (target <= 100)",
            self.wall_s,
            self.cpu_s,
            self.cpu_ms_per_function,
            self.rss_before_mb,
            self.peak_rss_mb,
            self.rss_kb_per_function
        );
        if let (Some(r), Some(us)) = (self.requests, self.cpu_us_per_request) {
            let _ = writeln!(
                out,
                "  {r} API requests = {:.1} per function, {us:.0} us CPU per request (SDK alone, sequential GetFunction: {} us)",
                r as f64 / self.functions.max(1) as f64,
                self.sdk_only_cpu_us_per_request
                    .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}"))
            );
        }
        out
    }
}

/// The scenario HTTP mode deploys.
fn http_scenario(functions: usize, seed: u64) -> Scenario {
    let mut s = Scenario::generate(ScenarioKind::Full, functions, seed);
    s.quota = QuotaConfig::off();
    s
}

/// The child's side: seeds an emulator with the scenario's "before" state, binds an
/// ephemeral port on 127.0.0.1, prints `port=<n>` and serves until killed.
pub fn serve_sim_child(functions: usize, seed: u64) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let sim = Sim::new(SimConfig {
            seed,
            latency: LatencyConfig::uniform(Latency::Fixed(Duration::ZERO)),
            quota: QuotaConfig::off(),
            ..SimConfig::default()
        });
        for f in &http_scenario(functions, seed).functions {
            sim.seed_function(
                DEFAULT_ACCOUNT,
                &f.region,
                f.seed_spec().into_seed(DEFAULT_ACCOUNT),
            )
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("port={}", listener.local_addr()?.port());
        flotilla_sim::http::serve(sim, listener).await
    })
}

/// Kills the emulator child when HTTP mode ends, however it ends.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs HTTP mode: starts `exe --serve-sim --functions N --seed S`, deploys through
/// the SDK, measures this process.
pub fn run_http(exe: &std::path::Path, functions: usize, seed: u64) -> Result<HttpBench, String> {
    let mut child = Command::new(exe)
        .args([
            "--serve-sim",
            "--functions",
            &functions.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting the emulator: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout from the emulator")?;
    let guard = ChildGuard(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the emulator's port: {e}"))?;
    let port: u16 = line
        .trim()
        .strip_prefix("port=")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("unexpected emulator output: {line:?}"))?;
    let endpoint = format!("http://127.0.0.1:{port}");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let scenario = http_scenario(functions, seed);
    let result = rt.block_on(async {
        let clients: Clients = scenario
            .targets()
            .into_iter()
            .map(|(account, region)| {
                let api: Arc<dyn LambdaApi> = Arc::new(SdkLambda::for_endpoint(&endpoint, &region));
                ((account, region), api)
            })
            .collect();
        // Observing is the plan phase, not apply: read the before state untimed.
        let mut seeded = BTreeMap::new();
        let observe_cpu = cpu_seconds();
        for f in &scenario.functions {
            let api = clients
                .get(&(f.account.clone(), f.region.clone()))
                .ok_or("no client")?;
            let info = api
                .get_function(&f.name)
                .await
                .map_err(|e| format!("observing {}: {e}", f.name))?;
            seeded.insert(f.name.clone(), info);
        }
        let sdk_only = cpu_seconds()
            .zip(observe_cpu)
            .map(|(a, b)| (a - b) * 1.0e6 / scenario.functions.len().max(1) as f64);
        let calls_before = served_calls(port).await;
        let rss_before = proc_status_kb("VmRSS:").unwrap_or(0);
        let cpu_before = cpu_seconds();
        let t = Instant::now();
        let outcome = super::flotilla::run(&scenario, &clients, &seeded, None).await;
        let wall = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds().zip(cpu_before).map_or(0.0, |(a, b)| a - b);
        let peak = proc_status_kb("VmHWM:").unwrap_or(0);
        let requests = served_calls(port)
            .await
            .zip(calls_before)
            .map(|(a, b)| a.saturating_sub(b));
        Ok::<_, String>((outcome, wall, cpu, rss_before, peak, requests, sdk_only))
    });
    drop(guard);
    let (outcome, wall, cpu, rss_before, peak, requests, sdk_only) = result?;
    let n = functions.max(1) as f64;
    Ok(HttpBench {
        functions,
        failed: outcome.failed.len(),
        wall_s: wall,
        cpu_s: cpu,
        cpu_ms_per_function: cpu * 1000.0 / n,
        rss_before_mb: rss_before as f64 / 1024.0,
        peak_rss_mb: peak as f64 / 1024.0,
        rss_kb_per_function: peak.saturating_sub(rss_before) as f64 / n,
        requests,
        cpu_us_per_request: requests.filter(|r| *r > 0).map(|r| cpu * 1.0e6 / r as f64),
        sdk_only_cpu_us_per_request: sdk_only,
    })
}

/// Total Lambda calls the emulator has served, from `GET /_sim/counters` (a plain
/// HTTP/1.1 request: the figure must not cost SDK work in the measured process).
async fn served_calls(port: u16) -> Option<u64> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    stream
        .write_all(b"GET /_sim/counters HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    let text = String::from_utf8_lossy(&raw);
    let body = &text[text.find("\r\n\r\n")? + 4..];
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    Some(
        v.get("calls")?
            .as_object()?
            .values()
            .filter_map(serde_json::Value::as_u64)
            .sum(),
    )
}

/// User + system CPU seconds of this process, from `/proc/self/stat` (Linux; clock
/// ticks of 1/100 s, the kernel's `USER_HZ` on every mainstream architecture).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is parenthesised and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
