//! The peer models behave as their documentation says when a 409 hits them: the AWS
//! CLI loop gives up, lambroll and the seed script retry, Terraform retries only
//! configuration updates. Simulated time only.

use flotilla_bench::peers::{aws_cli_waiter, lambroll, seed_script, terraform};
use flotilla_bench::{Scenario, ScenarioKind, Tool, run_tool};
use flotilla_cloud::lambda::ApiOp;
use flotilla_sim::{FaultKind, FaultRule};

/// A small scenario where a second writer starts an update on `svc-00000` just before
/// the tool's first `op` call on it.
fn raced(kind: ScenarioKind, op: ApiOp) -> Scenario {
    let mut s = Scenario::generate(kind, 3, 1);
    s.faults = vec![FaultRule::next(
        1,
        Some(op),
        Some("svc-00000"),
        FaultKind::OutsideWriter,
    )];
    s
}

#[test]
fn aws_cli_loop_fails_on_a_conflict_and_lambroll_retries_it() {
    let s = raced(ScenarioKind::CodeOnly, ApiOp::UpdateFunctionCode);
    let cli = run_tool(&s, &Tool::Peer(aws_cli_waiter())).expect("runtime");
    assert!(cli.counters.conflicts >= 1);
    assert!(cli.failed.contains("svc-00000"), "{:?}", cli.failed);
    assert_eq!(cli.failed.len(), 1);

    for policy in [lambroll(), seed_script()] {
        let run = run_tool(&s, &Tool::Peer(policy.clone())).expect("runtime");
        assert!(run.counters.conflicts >= 1, "{}", policy.name);
        assert!(run.failed.is_empty(), "{}: {:?}", policy.name, run.failed);
    }
}

#[test]
fn terraform_retries_conflicts_on_configuration_only() {
    let code = raced(ScenarioKind::CodeOnly, ApiOp::UpdateFunctionCode);
    let run = run_tool(&code, &Tool::Peer(terraform())).expect("runtime");
    assert!(run.failed.contains("svc-00000"), "{:?}", run.failed);

    let config = raced(ScenarioKind::ConfigOnly, ApiOp::UpdateFunctionConfiguration);
    let run = run_tool(&config, &Tool::Peer(terraform())).expect("runtime");
    assert!(run.counters.conflicts >= 1);
    assert!(run.failed.is_empty(), "{:?}", run.failed);
}

#[test]
fn flotilla_converges_a_raced_function_or_reports_it() {
    let s = raced(ScenarioKind::Full, ApiOp::UpdateFunctionCode);
    let run = run_tool(&s, &Tool::Flotilla { parallelism: None }).expect("runtime");
    // The other two functions are untouched by the race and must converge.
    assert!(!run.failed.contains("svc-00001") && !run.failed.contains("svc-00002"));
    // Whatever happens to the raced one, the tool's own account of it agrees with the
    // emulator's final state.
    assert_eq!(
        run.failed.contains("svc-00000"),
        run.outcome.failed.contains_key("svc-00000")
    );
}
