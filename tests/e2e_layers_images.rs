//! End to end through `flotilla sim` over HTTP, with the real binary:
//!
//! - an image function pinned by digest: the same digest spelled another way is no
//!   change; a new digest shows old → new (short in text, whole in JSON), apply waits
//!   out the image update latency and GetFunction then reports the new digest;
//! - `${layer:NAME}` resolves to the layer's latest version, a new version shows as a
//!   change of the ARN and apply sets it; a missing layer fails the plan clearly.

use crate::e2e_support;
use crate::support;

use std::path::Path;

use e2e_support::{FLEET_ACCOUNT, Run, Sim, flotilla, run, summary};

const REGION: &str = "eu-north-1";
const REPO: &str = "111111111111.dkr.ecr.eu-north-1.amazonaws.com/shop/thumbnailer";

fn digest(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

fn flo(dir: &Path, sim: &Sim, sub: &[&str]) -> Run {
    let mut cmd = flotilla(dir, FLEET_ACCOUNT);
    cmd.args(sub).args(["--endpoint-url", &sim.url]);
    run(cmd)
}

fn start_sim(dir: &Path, latency: &[&str]) -> Sim {
    let mut args = vec!["--account", FLEET_ACCOUNT];
    for l in latency {
        args.extend(["--latency", l]);
    }
    Sim::start(dir, &args)
}

/// Signed (unchecked) headers for `FLEET_ACCOUNT` in `REGION`.
fn auth() -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={FLEET_ACCOUNT}/20250101/{REGION}/lambda/aws4_request, \
         SignedHeaders=host, Signature=0"
    )
}

/// PublishLayerVersion over HTTP, as any SDK sends it; returns the new version's ARN.
fn publish_layer(sim: &Sim, name: &str, runtimes: &[&str]) -> String {
    let body = serde_json::json!({
        "Content": { "ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==" },
        "Description": format!("{name} for the e2e test"),
        "CompatibleRuntimes": runtimes,
    })
    .to_string();
    let auth = auth();
    let (status, text) = support::http(
        sim.port,
        "POST",
        &format!("/2018-10-31/layers/{name}/versions"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
    .expect("the sim answers");
    assert_eq!(status, 201, "PublishLayerVersion: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["LayerVersionArn"].as_str().expect("an ARN").to_owned()
}

fn write(dir: &Path, yaml: &str) {
    std::fs::write(dir.join("deploy.yaml"), yaml).expect("write the manifest");
}

fn image_manifest(uri: &str) -> String {
    format!(
        "version: 1\n\
         defaults: {{ region: {REGION}, account: \"{FLEET_ACCOUNT}\" }}\n\
         functions:\n  thumbnailer:\n    name: thumbnailer\n    \
         role: arn:aws:iam::{FLEET_ACCOUNT}:role/thumb\n    memory: 1024\n    \
         wait: {{ timeout: 2m }}\n    artifact: {{ image: \"{uri}\" }}\n"
    )
}

#[test]
fn an_image_pinned_by_digest_is_planned_by_digest_and_applied_through_the_slow_update() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    // Image updates take 3 s here, everything else 100 ms: the wait must cover the former.
    let sim = start_sim(root, &["100ms", "code-image=3s", "create-image=3s"]);
    let (a, b) = (digest('a'), digest('b'));
    let seed = format!(
        r#"{{"account": "{FLEET_ACCOUNT}", "region": "{REGION}", "functions": [
            {{"name": "thumbnailer", "image_uri": "{REPO}@sha256:{a}", "memory_mb": 1024,
              "role": "arn:aws:iam::{FLEET_ACCOUNT}:role/thumb",
              "tags": {{"flotilla:manifest": "deploy.yaml", "flotilla:env": "default"}}}}]}}"#
    );
    // Deployed by Flotilla before (from this manifest, outside git: its file name).
    sim.control("POST", "seed", &seed);
    let live = sim.get_function(FLEET_ACCOUNT, REGION, "thumbnailer");
    assert_eq!(live["Configuration"]["CodeSha256"], a.as_str(), "{live}");

    // The same digest under another spelling (a tag as well) is no change.
    write(root, &image_manifest(&format!("{REPO}:v1@sha256:{a}")));
    let out = flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(
        out.stdout.contains("0 to create, 0 to update, 1 unchanged"),
        "{}",
        out.stdout
    );

    let new_uri = format!("{REPO}@sha256:{b}");
    write(root, &image_manifest(&new_uri));
    let out = flo(root, &sim, &["plan", "-o", "plan.json"]).expect_code(0);
    println!("{}", out.stdout);
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("~ image"))
        .unwrap_or_else(|| panic!("no image line:\n{}", out.stdout));
    assert!(
        line.contains(&format!(
            "{REPO}@sha256:aaaaaaaaaaaa…\" → \"{REPO}@sha256:bbbbbbbbbbbb…\""
        )),
        "{line}"
    );
    let saved = std::fs::read_to_string(root.join("plan.json")).expect("plan file");
    assert!(
        saved.contains(&format!("{REPO}@sha256:{a}")) && saved.contains(&new_uri),
        "the JSON plan keeps whole digests: {saved}"
    );

    let out = flo(
        root,
        &sim,
        &["apply", "plan.json", "--report", "report.json"],
    )
    .expect_code(0);
    println!("{}", out.stderr);
    let s = summary(&out.stderr);
    assert_eq!(
        (s.functions, s.converged, s.failed),
        (1, 1, 0),
        "{}",
        out.stderr
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("report.json")).expect("report"))
            .expect("report JSON");
    let f = &report["functions"][0];
    assert!(
        f["waited_ms"].as_u64() >= Some(3_000),
        "the wait did not cover the 3 s image update: {f}"
    );
    let live = sim.get_function(FLEET_ACCOUNT, REGION, "thumbnailer");
    assert_eq!(live["Configuration"]["CodeSha256"], b.as_str(), "{live}");
    assert_eq!(live["Code"]["ImageUri"], new_uri.as_str(), "{live}");
    assert_eq!(live["Code"]["ResolvedImageUri"], new_uri.as_str(), "{live}");
    let counters = sim.counters();
    assert_eq!(
        counters["functions"]["thumbnailer"]["peak_overlap"], 1,
        "{counters}"
    );
    assert_eq!(counters["conflicts"], 0, "{counters}");

    flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);
}

fn layer_manifest(layer: &str) -> String {
    format!(
        "version: 1\n\
         defaults: {{ region: {REGION}, account: \"{FLEET_ACCOUNT}\", runtime: python3.12, handler: app.handler }}\n\
         functions:\n  api:\n    name: api\n    \
         role: arn:aws:iam::{FLEET_ACCOUNT}:role/api\n    \
         layers: [\"{layer}\"]\n    artifact: {{ dir: src }}\n"
    )
}

#[test]
fn layers_by_name_resolve_to_the_latest_version_and_follow_new_ones() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(
        root.join("src/app.py"),
        "def handler(e, c):\n    return 1\n",
    )
    .expect("app");
    let sim = start_sim(root, &["100ms"]);
    publish_layer(&sim, "common", &["python3.12"]);
    let v2 = publish_layer(&sim, "common", &["python3.12", "python3.13"]);
    assert!(v2.ends_with(":layer:common:2"), "{v2}");

    write(root, &layer_manifest("${layer:common}"));
    let out = flo(root, &sim, &["plan"]).expect_code(0);
    assert!(
        out.stdout.contains("+ layers") && out.stdout.contains(&v2),
        "the plan shows version 2's ARN:\n{}",
        out.stdout
    );
    let out = flo(root, &sim, &["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(summary(&out.stderr).converged, 1, "{}", out.stderr);

    let v3 = publish_layer(&sim, "common", &[]);
    let out = flo(root, &sim, &["plan", "-o", "plan.json"]).expect_code(0);
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("~ layers"))
        .unwrap_or_else(|| panic!("no layers change:\n{}", out.stdout));
    assert!(line.contains(&format!("[\"{v2}\"] → [\"{v3}\"]")), "{line}");
    let saved = std::fs::read_to_string(root.join("plan.json")).expect("plan file");
    assert!(
        !saved.contains("${layer:"),
        "a saved plan holds ARNs only: {saved}"
    );
    flo(root, &sim, &["apply", "plan.json"]).expect_code(0);
    let live = sim.get_function(FLEET_ACCOUNT, REGION, "api");
    assert_eq!(
        live["Configuration"]["Layers"][0]["Arn"],
        v3.as_str(),
        "{live}"
    );
    flo(root, &sim, &["plan", "--detailed-exitcode"]).expect_code(0);

    // A pinned version stays put.
    write(root, &layer_manifest("${layer:common:2}"));
    let out = flo(root, &sim, &["plan"]).expect_code(0);
    assert!(
        out.stdout.contains(&format!("[\"{v3}\"] → [\"{v2}\"]")),
        "{}",
        out.stdout
    );
}

#[test]
fn a_missing_layer_fails_the_plan_naming_function_layer_account_and_region() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(
        root.join("src/app.py"),
        "def handler(e, c):\n    return 1\n",
    )
    .expect("app");
    let sim = start_sim(root, &["100ms"]);
    write(root, &layer_manifest("${layer:no-such-layer}"));
    let out = flo(root, &sim, &["plan"]).expect_code(1);
    // The report wraps at 80 columns with `│` gutters: compare words, not lines.
    let all = out.all();
    let text: Vec<&str> = all.split_whitespace().filter(|w| *w != "│").collect();
    let text = text.join(" ");
    for needle in [
        "function `api` (api)",
        "layer `no-such-layer` does not exist",
        &format!("account {FLEET_ACCOUNT}, region {REGION}"),
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let counters = sim.counters();
    assert_eq!(counters["calls"]["ListLayerVersions"], 1, "{counters}");
    assert!(
        counters["calls"].get("GetFunction").is_none(),
        "nothing is observed after a failed lookup: {counters}"
    );
}
