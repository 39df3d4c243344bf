//! One end-to-end `flotilla plan` / `apply` walk, shared by `tests/compat_*.rs`, which run
//! it against each third-party emulator through the real binary.
//!
//! A five-function fleet is written to a temp dir, four of its functions are created
//! straight through the SDK in a drifted state, and the first plan must show exactly the
//! drift: nothing more (no false diffs from an emulator's defaults), nothing less. Where
//! emulators legitimately differ from AWS (`State: Pending` during updates, no
//! `RevisionId`, no role check), the walk relies on what the endpoint reports, never on
//! which emulator it is.
//!
//! Include with `mod compat_common;` next to `mod support;` (and the `sdk_suite` path).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use flotilla_cloud::lambda::{
    AliasInput, ApiError, CodeSource, CreateFunctionInput, FunctionConfig, LambdaApi,
    PublishVersionInput,
};

use crate::sdk_suite::wait_stable;
use crate::support::{REGION, code_sha256, tiny_zip};

/// The functions of the fleet, in manifest order.
pub const KEYS: [&str; 5] = ["api", "worker", "cron", "audit", "report"];

/// What the first plan must contain, function by function: the seeded drift and
/// nothing else (`audit` matches the manifest exactly; `report` does not exist).
pub const FIRST_PLAN: [&str; 5] = [
    r#"api update: update_configuration(description,memory_mb,environment.LOG_LEVEL) → publish_version → update_alias alias="live" from_version="1""#,
    r#"worker update: tag_resource old={"tier":"batch"} tags={"flotilla:env":"staging","flotilla:manifest":"PREFIX-fleet","tier":"background"} → put_concurrency old=2 reserved=5"#,
    "cron update: update_code(code)",
    "audit no_change: ",
    r#"report create: create_function tags={"flotilla:env":"staging","flotilla:manifest":"PREFIX-fleet","team":"platform"}"#,
];

/// A manifest and its source folders in a temp dir.
pub struct Fleet {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// `deploy.yaml`.
    pub manifest: PathBuf,
    /// Prefix of every Lambda name, so files sharing an emulator never collide.
    pub prefix: String,
    /// Execution role every function uses.
    pub role: String,
}

impl Fleet {
    /// Writes the manifest: `defaults`, one environment (`staging`) with variables and
    /// an environment variable, `dir:` artifacts, one function published behind an
    /// alias, tags and reserved concurrency.
    pub fn write(prefix: &str, role: &str) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        for key in KEYS {
            let src = dir.path().join(key);
            std::fs::create_dir_all(&src).expect("source dir");
            std::fs::write(
                src.join("app.py"),
                format!("def handler(event, context):\n    return {key:?}\n"),
            )
            .expect("handler");
        }
        let manifest = dir.path().join("deploy.yaml");
        std::fs::write(
            &manifest,
            format!(
                r#"version: 1
project: {prefix}-fleet
defaults:
  region: {REGION}
  role: {role}
  runtime: python3.12
  handler: app.handler
  tags: {{ team: platform }}
environments:
  staging:
    variables: {{ level: debug }}
    environment: {{ STAGE: staging }}
functions:
  api:
    name: {prefix}-${{stage}}-api
    artifact: {{ dir: api }}
    description: public API
    memory: 256
    timeout: 10
    publish: true
    alias: live
    environment: {{ LOG_LEVEL: "${{var:level}}" }}
  worker:
    name: {prefix}-${{stage}}-worker
    artifact: {{ dir: worker }}
    reserved_concurrency: 5
    tags: {{ tier: background }}
  cron:
    name: {prefix}-${{stage}}-cron
    artifact: {{ dir: cron }}
    timeout: 30s
  audit:
    name: {prefix}-${{stage}}-audit
    artifact: {{ dir: audit }}
    description: audit trail
  report:
    name: {prefix}-${{stage}}-report
    artifact: {{ dir: report }}
    memory: 512
    depends_on: [worker]
"#
            ),
        )
        .expect("manifest");
        Fleet {
            dir,
            manifest,
            prefix: prefix.to_owned(),
            role: role.to_owned(),
        }
    }

    /// The Lambda name of `key` in the `staging` environment.
    pub fn name(&self, key: &str) -> String {
        format!("{}-staging-{key}", self.prefix)
    }

    /// The package Flotilla builds from `key`'s folder.
    fn package(&self, key: &str) -> Vec<u8> {
        flotilla_core::artifact::package_dir(&self.dir.path().join(key), &[])
            .expect("package a source folder")
            .bytes
    }

    /// What the manifest asks for, before any drift.
    fn desired(&self, key: &str) -> FunctionConfig {
        let mut environment = BTreeMap::from([("STAGE".to_owned(), "staging".to_owned())]);
        let (description, memory_mb, timeout_s) = match key {
            "api" => {
                environment.insert("LOG_LEVEL".to_owned(), "debug".to_owned());
                ("public API", 256, 10)
            }
            "cron" => ("", 128, 30),
            "audit" => ("audit trail", 128, 3),
            "report" => ("", 512, 3),
            _ => ("", 128, 3),
        };
        FunctionConfig {
            role: self.role.clone(),
            runtime: Some("python3.12".to_owned()),
            handler: Some("app.handler".to_owned()),
            description: description.to_owned(),
            memory_mb,
            timeout_s,
            environment,
            ..FunctionConfig::lambda_defaults()
        }
    }

    /// Creates every function but `report` the way someone else left them, deployed by
    /// Flotilla before (with its ownership tags) but drifted since:
    /// `api` with an older description, memory and log level, published as version 1
    /// behind `live`; `worker` with another `tier` tag, reserved concurrency 2 and no
    /// ownership tags (made by hand: the plan adopts it); `cron` with older code;
    /// `audit` exactly as the manifest says.
    pub async fn seed_drift(&self, api: &dyn LambdaApi) {
        let team = BTreeMap::from([("team".to_owned(), "platform".to_owned())]);
        for key in ["api", "worker", "cron", "audit"] {
            let mut config = self.desired(key);
            let mut tags = team.clone();
            if key != "worker" {
                tags.extend(self.ownership_tags());
            }
            let mut zip = self.package(key);
            match key {
                "api" => {
                    config.description = "previous API".to_owned();
                    config.memory_mb = 512;
                    config
                        .environment
                        .insert("LOG_LEVEL".to_owned(), "info".to_owned());
                }
                "worker" => {
                    tags.insert("tier".to_owned(), "batch".to_owned());
                }
                "cron" => zip = tiny_zip("previous cron"),
                _ => {}
            }
            let created = api
                .create_function(CreateFunctionInput {
                    name: self.name(key),
                    config,
                    code: CodeSource::Zip(Arc::new(zip.clone())),
                    publish: false,
                    tags,
                    code_signing_config_arn: None,
                })
                .await
                .unwrap_or_else(|e| panic!("seed {key}: {e:?}"));
            assert_eq!(created.code_sha256, code_sha256(&zip));
        }
        for key in ["api", "worker", "cron", "audit"] {
            wait_stable(api, &self.name(key)).await;
        }
        let version = api
            .publish_version(PublishVersionInput {
                name: self.name("api"),
                code_sha256: None,
                revision_id: None,
                description: None,
            })
            .await
            .expect("seed: publish api");
        assert_eq!(version.version, "1");
        api.create_alias(AliasInput {
            function_name: self.name("api"),
            name: "live".to_owned(),
            function_version: "1".to_owned(),
            description: None,
            routing: BTreeMap::new(),
            revision_id: None,
        })
        .await
        .expect("seed: alias live");
        api.put_function_concurrency(&self.name("worker"), 2)
            .await
            .expect("seed: worker concurrency");
    }

    /// Runs the real `flotilla` binary against `endpoint` for the `staging` environment,
    /// with dummy static credentials and nothing from the developer's AWS set-up.
    /// The ownership tags Flotilla sets on this fleet's functions (`project:
    /// PREFIX-fleet`: fleets sharing an emulator never own each other's functions).
    pub fn ownership_tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("flotilla:env".to_owned(), "staging".to_owned()),
            (
                "flotilla:manifest".to_owned(),
                format!("{}-fleet", self.prefix),
            ),
        ])
    }

    pub fn flotilla(&self, endpoint: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flotilla"));
        cmd.args(args)
            .arg("-f")
            .arg(&self.manifest)
            .args(["--env", "staging", "--endpoint-url", endpoint])
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("AWS_") || k == "GITHUB_STEP_SUMMARY" {
                cmd.env_remove(&key);
            }
        }
        let no_config = self.dir.path().join("no-aws-config");
        std::fs::write(&no_config, "").expect("empty AWS config");
        cmd.env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", REGION)
            .env("AWS_CONFIG_FILE", &no_config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &no_config)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1");
        cmd.output().expect("run flotilla")
    }

    /// The plan's text without its header line (manifest digest and time), with the
    /// `package` line's text and the prefix and role replaced, so every emulator gives
    /// the same text.
    pub fn normalize(&self, stdout: &str) -> String {
        stdout
            .lines()
            .filter(|l| !l.starts_with("Flotilla plan for environment"))
            // Which files a code change touches depends on whether the emulator serves
            // `Code.Location` (see `plan_summary`): the line stays, its text does not.
            .map(|l| {
                if l.starts_with("    ~ package ") {
                    "    ~ package (depends on the emulator)"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            .replace(&self.role, "ROLE")
            .replace(&self.prefix, "PREFIX")
    }

    /// The whole walk against `endpoint` (where `api` reads and seeds): seed the
    /// drift, plan as JSON and as text (exactly [`FIRST_PLAN`]; exit 2 with
    /// `--detailed-exitcode`), `apply --auto-approve` (exit 0, every function
    /// converged), read the fleet back, and plan again (exit 0, nothing to do).
    /// Returns the retries apply's report counted, by class.
    pub async fn plan_apply_replan(
        &self,
        endpoint: &str,
        api: &dyn LambdaApi,
    ) -> BTreeMap<String, u64> {
        self.seed_drift(api).await;

        let json = self.flotilla(endpoint, &["plan", "--format", "json"]);
        assert_exit(&json, 0, "plan --format json");
        let summary: Vec<String> = plan_summary(&text(&json.stdout))
            .iter()
            .map(|l| l.replace(&self.prefix, "PREFIX"))
            .collect();
        assert_eq!(summary, FIRST_PLAN);

        let plan = self.flotilla(endpoint, &["plan", "--detailed-exitcode"]);
        assert_exit(&plan, 2, "plan --detailed-exitcode with drift");
        self.assert_first_plan_text(&text(&plan.stdout));

        let report = self.dir.path().join("apply-report.json");
        let report_s = report.to_string_lossy().into_owned();
        let apply = self.flotilla(
            endpoint,
            &["apply", "--auto-approve", "--report", &report_s],
        );
        assert_exit(&apply, 0, "apply --auto-approve");
        let stderr = text(&apply.stderr);
        assert!(
            stderr.contains("5 functions: 5 converged, 0 failed, 0 skipped, 0 stale, 0 cancelled"),
            "{stderr}"
        );
        self.assert_converged(api).await;

        let again = self.flotilla(endpoint, &["plan", "--detailed-exitcode"]);
        assert_exit(&again, 0, "second plan");
        assert!(
            text(&again.stdout).contains("Plan: 0 to create, 0 to update, 5 unchanged."),
            "{}",
            text(&again.stdout)
        );
        self.prune_a_retired_function(endpoint, api).await;
        report_retries(&report)
    }

    /// A function this fleet deployed but no longer has: `plan --prune` lists exactly
    /// it (ListFunctions, then GetFunction's tags), `apply --prune` deletes it, and a
    /// last `plan --prune` has nothing to do.
    async fn prune_a_retired_function(&self, endpoint: &str, api: &dyn LambdaApi) {
        let retired = format!("{}-staging-retired", self.prefix);
        let config = self.desired("audit");
        api.create_function(CreateFunctionInput {
            name: retired.clone(),
            config,
            code: CodeSource::Zip(Arc::new(self.package("audit"))),
            publish: false,
            tags: self.ownership_tags(),
            code_signing_config_arn: None,
        })
        .await
        .unwrap_or_else(|e| panic!("seed {retired}: {e:?}"));
        wait_stable(api, &retired).await;

        let json = self.flotilla(endpoint, &["plan", "--prune", "--format", "json"]);
        assert_exit(&json, 0, "plan --prune --format json");
        let plan: serde_json::Value = serde_json::from_str(&text(&json.stdout)).expect("plan");
        let deletes: Vec<&str> = plan["functions"]
            .as_array()
            .expect("functions")
            .iter()
            .filter(|f| f["action"] == "delete")
            .filter_map(|f| f["name"].as_str())
            .collect();
        assert_eq!(deletes, [retired.as_str()], "{plan}");

        let apply = self.flotilla(endpoint, &["apply", "--prune", "--auto-approve"]);
        assert_exit(&apply, 0, "apply --prune --auto-approve");
        assert!(
            text(&apply.stderr).contains(", 1 deleted;"),
            "{}",
            text(&apply.stderr)
        );
        assert!(
            matches!(
                api.get_function(&retired).await,
                Err(ApiError::NotFound { .. })
            ),
            "{retired} is deleted"
        );
        let last = self.flotilla(endpoint, &["plan", "--prune", "--detailed-exitcode"]);
        assert_exit(&last, 0, "plan --prune after the deletion");
    }

    /// The first plan's text is the same on every emulator: one snapshot,
    /// `tests/compat_common/snapshots/compat_first_plan.snap`, for all of them.
    pub fn assert_first_plan_text(&self, stdout: &str) {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!("compat_first_plan", self.normalize(stdout)));
    }

    /// Reads the converged fleet back through the SDK: every drifted field now has the
    /// manifest's value, `live` points at the version the apply published.
    pub async fn assert_converged(&self, api: &dyn LambdaApi) {
        for key in KEYS {
            let live = wait_stable(api, &self.name(key)).await;
            assert_eq!(
                live.config,
                crate::sdk_suite::as_managed(&self.desired(key), &live.config),
                "{key}'s configuration"
            );
            assert_eq!(
                live.code_sha256,
                code_sha256(&self.package(key)),
                "{key}'s code"
            );
            let mut tags = BTreeMap::from([("team".to_owned(), "platform".to_owned())]);
            tags.extend(self.ownership_tags());
            if key == "worker" {
                tags.insert("tier".to_owned(), "background".to_owned());
            }
            assert_eq!(live.tags, tags, "{key}'s tags");
        }
        let worker = api
            .get_function(&self.name("worker"))
            .await
            .expect("worker");
        assert_eq!(worker.reserved_concurrency, Some(5));
        let alias = api
            .get_alias(&self.name("api"), "live")
            .await
            .expect("alias live");
        assert_eq!(alias.function_version, "2", "live moved to the new version");
        let versions: Vec<String> = api
            .list_versions(&self.name("api"))
            .await
            .expect("versions")
            .into_iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(versions, ["$LATEST", "1", "2"]);
    }
}

/// Each function's action and steps in a JSON plan, one line per function, with the
/// fields each step changes: exact enough to catch any extra or missing diff.
pub fn plan_summary(json: &str) -> Vec<String> {
    let plan: serde_json::Value = serde_json::from_str(json).expect("plan JSON");
    let functions = plan["functions"].as_array().expect("functions array");
    functions
        .iter()
        .map(|f| {
            let steps: Vec<String> = f["steps"]
                .as_array()
                .expect("steps array")
                .iter()
                .map(|s| {
                    let mut line = s["step"].as_str().expect("step name").to_owned();
                    if let Some(changes) = s["changes"].as_array() {
                        let fields: Vec<&str> = changes
                            .iter()
                            .map(|c| c["field"].as_str().expect("field"))
                            .collect();
                        line.push_str(&format!("({})", fields.join(",")));
                    }
                    let rest = s.as_object().expect("step object");
                    // `files` (which files a code change touches) is left out: it
                    // depends on whether the emulator serves `Code.Location` (MiniStack
                    // does; moto's points at an S3 host it does not run).
                    for (key, value) in rest {
                        if key != "step" && key != "changes" && key != "files" {
                            line.push_str(&format!(" {key}={value}"));
                        }
                    }
                    line
                })
                .collect();
            format!(
                "{} {}: {}",
                f["key"].as_str().expect("key"),
                f["action"].as_str().expect("action"),
                steps.join(" → ")
            )
        })
        .collect()
}

/// Reads the totals of an `apply --report` file.
pub fn report_retries(path: &Path) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(path).expect("apply report");
    let report: serde_json::Value = serde_json::from_str(&text).expect("report JSON");
    report["totals"]["retries"]
        .as_object()
        .expect("retries")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
        .collect()
}

/// Each function's outcome in an `apply --report` file, as `key: kind`.
pub fn report_outcomes(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("apply report");
    let report: serde_json::Value = serde_json::from_str(&text).expect("report JSON");
    report["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["key"].as_str().expect("key"),
                f["outcome"]["kind"].as_str().expect("outcome kind")
            )
        })
        .collect()
}

/// Text of an output stream, for assertions and failure messages.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Panics with both streams unless the command exited with `code`.
pub fn assert_exit(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
