//! fleet-bench's manifest-scale and artifact parts, small: the figures are complete and
//! consistent. Nothing here is timed against a target.

use flotilla_bench::artifacts::run_artifacts;
use flotilla_bench::manifest_scale::{generate_manifest, run_manifest_scale};

#[test]
fn manifest_scale_loads_validates_and_plans_every_function() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run_manifest_scale(300, dir.path()).expect("generated manifest plans");
    assert_eq!(r.functions, 300);
    assert_eq!(r.manifest_bytes, generate_manifest(300).len());
    // Every third function has old code, every fifth old memory, every fourth a
    // missing alias; the rest are unchanged.
    let expected = (0..300)
        .filter(|i| i % 3 == 0 || i % 5 == 0 || i % 4 == 0)
        .count();
    assert_eq!(r.changed, expected);
    let parts = r.load_validate_s + r.artifacts_s + r.plan_s;
    assert!((r.total_s - parts).abs() < 1e-9);
    if cfg!(target_os = "linux") {
        assert!(r.peak_rss_mb.is_some_and(|m| m > 0.0));
    }
    assert!(r.render().contains("300 functions"));
}

#[test]
fn artifact_bench_measures_every_tool_on_the_same_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run_artifacts(dir.path(), 2, 20).expect("artifact bench");
    assert_eq!(r.files, 20);
    assert!((r.total_mb - 2.0).abs() < 0.01, "{}", r.total_mb);
    assert!(r.hash.mb_per_s > 0.0 && r.package.mb_per_s > 0.0);
    // Half the files are random bytes, which do not compress.
    assert!(r.package_mb > 0.9 && r.package_mb < 2.1, "{}", r.package_mb);
    let text = r.render();
    assert!(text.contains("flotilla hash_file") && text.contains("flotilla package_dir"));
    if r.zip.is_none() {
        assert!(text.contains("apt-get install zip"));
    }
}
