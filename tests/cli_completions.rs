//! `flotilla completions SHELL` and `flotilla man` list every subcommand the binary has.

use assert_cmd::Command;

fn flotilla(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("flotilla")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = flotilla(args);
    assert!(
        out.status.success(),
        "flotilla {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands `--help` lists (the source of truth a user sees), minus `help`.
fn subcommands() -> Vec<String> {
    let help = stdout(&["--help"]);
    let list = help
        .split("Commands:")
        .nth(1)
        .expect("--help has a Commands section")
        .split("\n\n")
        .next()
        .unwrap();
    let names: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_owned)
        .collect();
    for expected in ["validate", "completions", "man"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    names
}

#[test]
fn completion_scripts_mention_every_subcommand() {
    let subcommands = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains("flotilla"), "{shell}");
        for sub in &subcommands {
            assert!(
                script.contains(sub.as_str()),
                "{shell} completions lack `{sub}`"
            );
        }
    }
    // Flags of subcommands are completed too.
    assert!(stdout(&["completions", "bash"]).contains("--format"));
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = flotilla(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

#[test]
fn man_page_lists_every_subcommand_and_each_has_a_page() {
    let page = stdout(&["man"]);
    assert!(page.contains(".TH flotilla 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for sub in subcommands() {
        let reference = format!("flotilla\\-{}(1)", sub.replace('-', "\\-"));
        assert!(page.contains(&reference), "main page lacks {reference}");
        let sub_page = stdout(&["man", &sub]);
        assert!(
            sub_page.contains(&format!(".TH flotilla-{sub} 1")),
            "{sub}: {sub_page}"
        );
        assert!(sub_page.contains(&format!("flotilla {sub}")), "{sub}");
    }
}

#[test]
fn man_page_of_an_unknown_subcommand_is_a_usage_error() {
    let out = flotilla(&["man", "deploy-everything"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no subcommand `deploy-everything`"), "{err}");
    assert!(err.contains("validate"), "{err}");
}
