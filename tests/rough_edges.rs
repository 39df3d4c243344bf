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
