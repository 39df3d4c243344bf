//! Issue 13's rough edges a new user hits (items 7 to 15 that are not about the
//! target), each through the `flotilla` binary.

use crate::e2e_support::{crate_root, flotilla, run};

#[test]
fn item_08_local_says_what_it_seeded_and_injects_and_warns_about_unset_from_env() {
    let mut cmd = flotilla(&crate_root(), "111111111111");
    // CONTACT_SMTP_PASSWORD (a `from_env` secret of the example) is left unset.
    cmd.args([
        "plan",
        "-f",
        "deploy.yaml.example",
        "--env",
        "staging",
        "--local",
    ]);
    let r = run(cmd).expect_code(0);
    let err = &r.stderr;
    assert!(
        err.contains("warning: `from_env: CONTACT_SMTP_PASSWORD` is unset")
            && err.contains("plan and apply against AWS refuse it"),
        "{err}"
    );
    assert!(
        err.contains("Nothing here is in your AWS account; these differences are made up"),
        "{err}"
    );
    // Every function of the example is named, with what was made different.
    for name in ["contact-form-staging", "auth-staging"] {
        assert!(err.contains(&format!("  - {name}: ")), "{name}: {err}");
    }
    assert!(
        err.contains("an extra variable FEATURE_FLAGS=legacy"),
        "{err}"
    );
    assert!(err.contains("memory 128 MB instead of 256"), "{err}");
    assert!(
        err.contains("It injects faults") && err.contains("one 5xx on PublishVersion"),
        "{err}"
    );
    // Set, the variable is not warned about.
    let mut cmd = flotilla(&crate_root(), "111111111111");
    cmd.env("CONTACT_SMTP_PASSWORD", "set-in-ci").args([
        "plan",
        "-f",
        "deploy.yaml.example",
        "--env",
        "staging",
        "--local",
    ]);
    let r = run(cmd).expect_code(0);
    assert!(!r.stderr.contains("is unset"), "{}", r.stderr);
    assert!(!r.all().contains("set-in-ci"), "{}", r.all());
}

/// A text with ANSI escapes and carriage returns turned into line breaks, as a
/// terminal's frames, for searching a live view's output.
fn frames(raw: &str) -> Vec<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ params final-byte. Colours (`m`) vanish; cursor moves
                // and erases end a line.
                let mut last = None;
                if chars.peek() == Some(&'[') {
                    chars.next();
                    last = chars.by_ref().find(char::is_ascii_alphabetic);
                }
                if last != Some('m') {
                    out.push('\n');
                }
            }
            '\r' => out.push('\n'),
            c => out.push(c),
        }
    }
    out.lines().map(str::trim_end).map(str::to_owned).collect()
}

#[test]
fn item_14_one_help_layout_one_error_layout_and_a_live_view_without_doubled_names() {
    let root = crate_root();
    // Help: every subcommand puts a flag's text on the line after it, `--format`
    // takes `text` and `json` wherever it exists, and rollback does not offer --local.
    for sub in ["validate", "plan", "apply", "status", "rollback", "import"] {
        let mut cmd = flotilla(&root, "111111111111");
        cmd.args([sub, "--help"]);
        let help = run(cmd).expect_code(0).stdout;
        for line in help.lines().filter(|l| l.trim_start().starts_with("--")) {
            assert!(
                !line.trim_start().contains("  "),
                "{sub}: flag and text on one line: {line:?}\n{help}"
            );
        }
        if help.contains("--format <FORMAT>") {
            assert!(
                help.contains("- text:") && help.contains("- json:"),
                "{sub}:\n{help}"
            );
        }
        if sub == "rollback" {
            assert!(!help.contains("--local"), "{help}");
        }
    }
    let mut cmd = flotilla(&root, "111111111111");
    cmd.args(["status", "--format", "table", "--help"]);
    run(cmd).expect_code(0);

    // A manifest help with a pattern stays whole when wrapped.
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        tmp.path().join("deploy.yaml"),
        "version: 1\nfunctions:\n  api:\n    name: api\n    region: eu-north-1\n    \
         role: arn:aws:iam::111111111111:role/r\n    runtime: python3.12\n    \
         handler: app.handler\n    artifact: { zip: api.zip }\n    \
         environment: { 1BAD: x }\n",
    )
    .expect("manifest");
    let mut cmd = flotilla(tmp.path(), "111111111111");
    cmd.args(["validate", "--format", "text"]);
    let r = run(cmd).expect_code(1);
    assert!(r.stderr.contains("[a-zA-Z][a-zA-Z0-9_]+"), "{}", r.stderr);

    // An API error: one `error:` line in the CLI's layout, no miette frame.
    let mut cmd = flotilla(&root, "111111111111");
    cmd.env("CONTACT_SMTP_PASSWORD", "x")
        .args(["plan", "-f", "deploy.yaml.example", "--env", "staging"])
        .args(["--endpoint-url", "http://127.0.0.1:9"]);
    let r = run(cmd).expect_code(1);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert_eq!(r.stderr.matches("error: ").count(), 1, "{}", r.stderr);
    assert!(
        !r.stderr.contains('×') && !r.stderr.contains("╰─▶"),
        "{}",
        r.stderr
    );

    // The live view on a terminal: the spinner shows the key once, and the overall
    // line counts functions waiting for a dependency (contact-form waits for auth).
    let r = crate::e2e_support::flotilla_on_terminal_with(
        &root,
        "111111111111",
        &[
            "apply",
            "-f",
            "deploy.yaml.example",
            "--env",
            "staging",
            "--local",
            "--auto-approve",
        ],
        "",
        &[("TERM", "xterm")],
    )
    .expect_code(0);
    let lines = frames(&r.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("1 waiting for a dependency or a slot")),
        "{}",
        lines.join("\n")
    );
    for key in ["auth", "contact-form"] {
        let doubled = format!("{key} {key}:");
        assert!(
            !lines.iter().any(|l| l.contains(&doubled)),
            "{doubled}: {}",
            lines.join("\n")
        );
    }
}

/// `validate --env prod` of `manifest` (with `api/app.py` and `web/main.py` beside it).
fn validate_fleet(manifest: &str) -> crate::e2e_support::Run {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (dir, file) in [("api", "app.py"), ("web", "main.py")] {
        std::fs::create_dir_all(tmp.path().join(dir)).expect("folder");
        std::fs::write(
            tmp.path().join(dir).join(file),
            "def handler(e, c):\n    return 1\n",
        )
        .expect("code");
    }
    std::fs::write(tmp.path().join("deploy.yaml"), manifest).expect("manifest");
    let mut cmd = flotilla(tmp.path(), "111111111111");
    cmd.args(["validate", "--env", "prod", "--format", "text"]);
    run(cmd)
}

#[test]
fn item_11_the_root_cause_comes_alone_and_a_handler_needs_its_file() {
    // An unquoted account id is a number to YAML: that is the one problem, not the
    // `${account}` uses it leaves unresolved.
    let r = validate_fleet(
        "version: 1\ndefaults:\n  region: eu-north-1\n  role: arn:aws:iam::${account}:role/r\n  \
         runtime: python3.12\n  handler: app.handler\nenvironments:\n  \
         prod: { account: 012345678901 }\nfunctions:\n  \
         api: { name: \"api-${stage}\", artifact: { dir: api } }\n  \
         web: { name: \"web-${stage}\", handler: main.handler, artifact: { dir: web } }\n",
    )
    .expect_code(1);
    let err = &r.stderr;
    assert!(err.contains("1 problem in the manifest"), "{err}");
    assert!(
        err.contains("`environments.prod.account` must be a string"),
        "{err}"
    );
    assert!(!err.contains("no account is known here"), "{err}");
    // Item 14: no diagnostic code line above the report.
    assert!(!err.contains("flotilla::manifest::"), "{err}");

    // A handler whose file is not in the package (`dir:` and `zip:`).
    let r = validate_fleet(
        "version: 1\ndefaults:\n  region: eu-north-1\n  role: arn:aws:iam::111111111111:role/r\n  \
         runtime: python3.12\n  handler: main.handler\nenvironments:\n  prod: {}\nfunctions:\n  \
         api: { name: api, artifact: { dir: api } }\n  web: { name: web, artifact: { dir: web } }\n",
    )
    .expect_code(1);
    assert!(
        r.stderr
            .contains("handler `main.handler` needs `main.py` in `api`, which has no such file"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("1 problem in the manifest"),
        "web has main.py: {}",
        r.stderr
    );

    let tmp = tempfile::tempdir().expect("temp dir");
    let zip_path = tmp.path().join("fn.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("zip"));
    zip.start_file("src/index.mjs", zip::write::SimpleFileOptions::default())
        .expect("entry");
    std::io::Write::write_all(&mut zip, b"export const handler = async () => 1;\n").expect("write");
    zip.finish().expect("finish");
    for (handler, ok) in [("src/index.handler", true), ("index.handler", false)] {
        std::fs::write(
            tmp.path().join("deploy.yaml"),
            format!(
                "version: 1\nfunctions:\n  f:\n    name: f\n    region: eu-north-1\n    \
                 role: arn:aws:iam::111111111111:role/r\n    runtime: nodejs20.x\n    \
                 handler: {handler}\n    artifact: {{ zip: fn.zip }}\n"
            ),
        )
        .expect("manifest");
        let mut cmd = flotilla(tmp.path(), "111111111111");
        cmd.args(["validate"]);
        let r = run(cmd);
        assert_eq!(
            r.code,
            Some(if ok { 0 } else { 1 }),
            "{handler}: {}",
            r.all()
        );
        if !ok {
            assert!(
                r.stderr.contains("needs `index.js` in `fn.zip`"),
                "{}",
                r.stderr
            );
        }
    }
}

#[test]
fn item_07_function_in_environment_beats_function_beats_environment_beats_defaults() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(tmp.path().join("api")).expect("folder");
    std::fs::write(
        tmp.path().join("api/app.py"),
        "def handler(e, c):\n    return 1\n",
    )
    .expect("code");
    // The example of docs/manifest.md's merging section.
    std::fs::write(
        tmp.path().join("deploy.yaml"),
        "version: 1\ndefaults: { memory: 256, region: eu-north-1, role: \"arn:aws:iam::${account}:role/r\", \
         runtime: python3.12, handler: app.handler }\nenvironments:\n  \
         staging: { account: \"111111111111\" }\n  prod: { account: \"222222222222\", memory: 512 }\n\
         functions:\n  api:\n    artifact: { dir: api }\n  reports:\n    memory: 2048\n    \
         environments:\n      prod: { memory: 4096, environment: { BATCH: \"large\" } }\n    \
         artifact: { dir: api }\n",
    )
    .expect("manifest");
    let memory = |env: &str| -> Vec<(String, u64)> {
        let mut cmd = flotilla(tmp.path(), "111111111111");
        cmd.args(["plan", "--env", env, "--local", "--format", "json"]);
        let plan: serde_json::Value =
            serde_json::from_str(&run(cmd).expect_code(0).stdout).expect("plan JSON");
        plan["functions"]
            .as_array()
            .expect("functions")
            .iter()
            .map(|f| {
                (
                    f["key"].as_str().unwrap_or_default().to_owned(),
                    f["desired"]["memory_mb"].as_u64().unwrap_or_default(),
                )
            })
            .collect()
    };
    let pair = |a: &str, b: u64, c: &str, d: u64| vec![(a.to_owned(), b), (c.to_owned(), d)];
    assert_eq!(memory("staging"), pair("api", 256, "reports", 2048));
    assert_eq!(memory("prod"), pair("api", 512, "reports", 4096));
}

#[test]
fn item_10_dir_packages_leave_out_junk_and_honour_flotillaignore() {
    use crate::e2e_support::{FLEET_ACCOUNT, Sim};
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let code = root.join("fns/api");
    std::fs::create_dir_all(&code).expect("folder");
    std::fs::write(code.join("app.py"), "def handler(e, c):\n    return 1\n").expect("code");
    std::fs::write(
        root.join("deploy.yaml"),
        format!(
            "version: 1\nfunctions:\n  api:\n    name: api\n    region: eu-north-1\n    \
             account: \"{FLEET_ACCOUNT}\"\n    role: arn:aws:iam::{FLEET_ACCOUNT}:role/r\n    \
             runtime: python3.12\n    handler: app.handler\n    artifact: {{ dir: fns/api }}\n"
        ),
    )
    .expect("manifest");
    let sim = Sim::start(root, &["--account", FLEET_ACCOUNT]);
    let flo = |args: &[&str]| {
        let mut cmd = flotilla(root, FLEET_ACCOUNT);
        cmd.args(args).args(["--endpoint-url", &sim.url]);
        run(cmd)
    };
    flo(&["apply", "--auto-approve"]).expect_code(0);
    let unchanged = |why: &str| {
        let r = flo(&["plan", "--detailed-exitcode"]);
        assert_eq!(r.code, Some(0), "{why}: {}", r.all());
    };
    let changed = |why: &str| {
        let r = flo(&["plan", "--detailed-exitcode"]);
        assert_eq!(r.code, Some(2), "{why}: {}", r.all());
    };
    // The usual junk is no code change.
    for (file, body) in [
        (".DS_Store", "finder"),
        ("__pycache__/app.cpython-312.pyc", "bytecode"),
        (".git/HEAD", "ref: refs/heads/main"),
        ("pkg/__pycache__/x.pyc", "bytecode"),
        (".venv/bin/python", "#!"),
    ] {
        let path = code.join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(&path, body).expect("junk");
    }
    unchanged("default ignores");
    // `.flotillaignore` (gitignore syntax, nested files too) leaves out more; `!`
    // brings a default-ignored file back.
    std::fs::write(
        code.join(".flotillaignore"),
        "# not shipped\ntests/\n*.md\n",
    )
    .expect("ignore");
    std::fs::create_dir_all(code.join("tests")).expect("folder");
    std::fs::write(code.join("tests/test_app.py"), "def test(): pass\n").expect("test");
    std::fs::write(code.join("README.md"), "# api\n").expect("readme");
    std::fs::create_dir_all(code.join("pkg")).expect("folder");
    std::fs::write(code.join("pkg/.flotillaignore"), "fixtures/\n").expect("nested");
    std::fs::create_dir_all(code.join("pkg/fixtures")).expect("folder");
    std::fs::write(code.join("pkg/fixtures/big.json"), "{}").expect("fixture");
    unchanged(".flotillaignore");
    std::fs::write(code.join("pkg/util.py"), "X = 1\n").expect("code");
    changed("a new source file");
    flo(&["apply", "--auto-approve"]).expect_code(0);
    unchanged("after apply");
    std::fs::write(code.join(".flotillaignore"), "tests/\n*.md\n!keep.pyc\n").expect("ignore");
    std::fs::write(code.join("keep.pyc"), "wanted").expect("kept");
    changed("a default-ignored file included again with !");
    // A line gitignore refuses is an error naming the file.
    std::fs::write(code.join(".flotillaignore"), "src/[z-a].py\n").expect("ignore");
    let r = flo(&["plan"]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.stderr.contains(".flotillaignore"), "{}", r.stderr);
}

#[test]
fn item_10_a_code_change_shows_which_files_were_added_removed_and_changed() {
    use crate::e2e_support::{FLEET_ACCOUNT, Sim};
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    let code = root.join("fns/api");
    std::fs::create_dir_all(code.join("lib")).expect("folder");
    std::fs::write(code.join("app.py"), "def handler(e, c):\n    return 1\n").expect("code");
    std::fs::write(code.join("lib/old.py"), "OLD = 1\n").expect("code");
    std::fs::write(code.join("lib/same.py"), "SAME = 1\n").expect("code");
    std::fs::write(
        root.join("deploy.yaml"),
        format!(
            "version: 1\nfunctions:\n  api:\n    name: api\n    region: eu-north-1\n    \
             account: \"{FLEET_ACCOUNT}\"\n    role: arn:aws:iam::{FLEET_ACCOUNT}:role/r\n    \
             runtime: python3.12\n    handler: app.handler\n    artifact: {{ dir: fns/api }}\n"
        ),
    )
    .expect("manifest");
    let sim = Sim::start(root, &["--account", FLEET_ACCOUNT]);
    let flo = |args: &[&str]| {
        let mut cmd = flotilla(root, FLEET_ACCOUNT);
        cmd.args(args).args(["--endpoint-url", &sim.url]);
        run(cmd)
    };
    flo(&["apply", "--auto-approve"]).expect_code(0);
    // One file changed, one added, one removed; the contents never reach the plan.
    std::fs::write(
        code.join("app.py"),
        "def handler(e, c):\n    return 'SECRET-BODY'\n",
    )
    .expect("code");
    std::fs::write(code.join("lib/new.py"), "NEW = 'ADDED-BODY'\n").expect("code");
    std::fs::remove_file(code.join("lib/old.py")).expect("remove");

    let text = flo(&["plan"]).expect_code(0);
    assert!(
        text.stdout
            .contains("~ package 1 file changed, 1 added, 1 removed"),
        "{}",
        text.stdout
    );
    let markdown = flo(&["plan", "--format", "markdown"]).expect_code(0);
    assert!(
        markdown
            .stdout
            .contains("| ~ | `package` |  | `1 file changed, 1 added, 1 removed` |"),
        "{}",
        markdown.stdout
    );
    let saved = root.join("plan.json");
    let json = flo(&[
        "plan",
        "--format",
        "json",
        "-o",
        saved.to_str().expect("utf-8"),
    ])
    .expect_code(0);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let step = &plan["functions"][0]["steps"][0];
    assert_eq!(step["step"], "update_code", "{step}");
    assert_eq!(
        step["files"],
        serde_json::json!({ "diff": {
            "added": ["lib/new.py"],
            "removed": ["lib/old.py"],
            "changed": ["app.py"],
        }}),
        "{step}"
    );
    // The saved plan keeps the paths (not the contents) and still applies.
    let file = std::fs::read_to_string(&saved).expect("plan file");
    for out in [&text.stdout, &markdown.stdout, &json.stdout, &file] {
        assert!(
            !out.contains("SECRET-BODY") && !out.contains("ADDED-BODY"),
            "{out}"
        );
    }
    assert!(file.contains("lib/new.py"), "{file}");
    flo(&["apply", saved.to_str().expect("utf-8"), "--auto-approve"]).expect_code(0);
    let after = flo(&["plan", "--detailed-exitcode"]);
    assert_eq!(after.code, Some(0), "{}", after.all());
}
