//! `flotilla init` and `flotilla schema --write`: a starter manifest for a folder of
//! functions that validates as written, with the versioned schema URL; the schema
//! written to a file is the committed one.

use std::path::Path;

use crate::e2e_support::{crate_root, flotilla, run};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn init_writes_one_function_per_folder_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let fns = dir.path().join("functions");
    write(&fns.join("orders/app.py"), "def handler(e, c): return 1\n");
    write(
        &fns.join("legacy/lambda_function.py"),
        "def lambda_handler(e, c): return 1\n",
    );
    write(
        &fns.join("notify/src/index.mjs"),
        "export const handler = async () => 1;\n",
    );
    write(
        &fns.join("resize/Cargo.toml"),
        "[package]\nname = \"resize\"\n",
    );
    write(&fns.join("docs/README.md"), "not a function\n");

    let out = run({
        let mut cmd = flotilla(dir.path(), "111111111111");
        cmd.args(["init", "functions", "--region", "eu-north-1"]);
        cmd
    })
    .expect_code(0);
    assert!(
        out.stderr.contains("Wrote deploy.yaml with 4 function(s)."),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("no recognisable function (add them by hand): docs"),
        "{}",
        out.stderr
    );
    let manifest = std::fs::read_to_string(dir.path().join("deploy.yaml")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        manifest.starts_with(&format!(
            "# yaml-language-server: $schema=https://raw.githubusercontent.com/flotilla-rs/flotilla/v{version}/schema/deploy.schema.json\n"
        )),
        "{manifest}"
    );
    for needle in [
        "  orders:\n    runtime: python3.12 # from Python sources\n    handler: app.handler\n    artifact: { dir: \"functions/orders\" }\n",
        "handler: lambda_function.lambda_handler",
        "runtime: nodejs22.x",
        "handler: bootstrap",
        "  region: eu-north-1\n",
    ] {
        assert!(manifest.contains(needle), "lacks {needle:?}:\n{manifest}");
    }

    run({
        let mut cmd = flotilla(dir.path(), "111111111111");
        cmd.args(["validate"]);
        cmd
    })
    .expect_code(0);

    // A second run refuses to overwrite the edited file.
    let again = run({
        let mut cmd = flotilla(dir.path(), "111111111111");
        cmd.args(["init", "functions"]);
        cmd
    })
    .expect_code(2);
    assert!(
        again.stderr.contains("deploy.yaml exists"),
        "{}",
        again.stderr
    );
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
}

#[test]
fn init_without_function_folders_says_what_it_looks_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = run({
        let mut cmd = flotilla(dir.path(), "111111111111");
        cmd.args(["init", "."]);
        cmd
    })
    .expect_code(2);
    assert!(
        out.stderr.contains("looks like a function"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("deploy.yaml").exists());
}

#[test]
fn schema_write_writes_the_committed_schema() {
    let dir = tempfile::tempdir().unwrap();
    run({
        let mut cmd = flotilla(dir.path(), "111111111111");
        cmd.args(["schema", "--write", "deploy.schema.json"]);
        cmd
    })
    .expect_code(0);
    let written = std::fs::read_to_string(dir.path().join("deploy.schema.json")).unwrap();
    let committed =
        std::fs::read_to_string(crate_root().join("schema/deploy.schema.json")).unwrap();
    assert_eq!(written, committed);
}
