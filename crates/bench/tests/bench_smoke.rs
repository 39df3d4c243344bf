//! fleet-bench at 50 functions, in process: the report is complete and internally
//! consistent. Nothing here is timed; simulated time only.

use flotilla_bench::{self as bench, ScenarioKind, VirtualOptions};
use flotilla_cloud::lambda::ApiOp;

#[test]
fn every_scenario_reports_every_tool_consistently() {
    let options = VirtualOptions::all(50, 7);
    let report = bench::run_virtual(&options).expect("runtime");
    assert_eq!(report.scenarios.len(), ScenarioKind::ALL.len());
    for (s, kind) in report.scenarios.iter().zip(ScenarioKind::ALL) {
        let scenario = bench::Scenario::generate(kind, 50, 7);
        assert_eq!(s.scenario, kind.name());
        assert_eq!(s.functions, 50);
        assert_eq!(s.changed, scenario.changed());
        assert!(
            s.lower_bound.seconds > 0.0,
            "{}: empty lower bound",
            s.scenario
        );
        let expected_tools = options.peers.len() + usize::from(cfg_flotilla(&s.tools));
        assert_eq!(s.tools.len(), expected_tools, "{}", s.scenario);
        let changes: u64 = scenario
            .functions
            .iter()
            .map(|f| f.changes.len() as u64)
            .sum();
        let async_changes: u64 = scenario
            .functions
            .iter()
            .flat_map(|f| &f.changes)
            .filter(|c| c.is_async())
            .count() as u64;
        let lb_calls: u64 = s.lower_bound.targets.iter().map(|t| t.mutating_calls).sum();
        assert_eq!(
            lb_calls, changes,
            "{}: the bound counts one call per change",
            s.scenario
        );
        for t in &s.tools {
            let ctx = format!("{} / {}", s.scenario, t.tool);
            assert!(
                t.ratio_to_lb >= 1.0,
                "{ctx}: faster than the lower bound ({})",
                t.ratio_to_lb
            );
            assert!(
                (t.wall_s / s.lower_bound.seconds - t.ratio_to_lb).abs() < 1e-9,
                "{ctx}"
            );
            assert_eq!(t.total_calls, t.calls.values().sum::<u64>(), "{ctx}");
            assert!(t.polls_median <= t.polls_p95, "{ctx}");
            assert!(t.failed_functions <= s.changed as u64, "{ctx}");
            assert!(
                t.failed_sample.len() as u64 == t.failed_functions.min(5),
                "{ctx}"
            );
            let updates = t.calls_of(ApiOp::UpdateFunctionCode)
                + t.calls_of(ApiOp::UpdateFunctionConfiguration)
                + t.calls_of(ApiOp::PublishVersion)
                + t.calls_of(ApiOp::CreateAlias);
            if t.failed_functions == 0 {
                // Every change was made at least once and waited for at least once.
                assert!(
                    updates >= changes,
                    "{ctx}: {updates} update calls < {changes} changes"
                );
                assert!(t.waits >= async_changes, "{ctx}: {} waits", t.waits);
            }
            if !s.chaos {
                assert_eq!(
                    t.peak_overlap, 1,
                    "{ctx}: updates overlapped without faults"
                );
            }
            if let Some(r) = t.ratio_to_flotilla {
                let flotilla = s.tool("flotilla").expect("ratio implies a flotilla row");
                assert!((t.wall_s / flotilla.wall_s - r).abs() < 1e-9, "{ctx}");
            }
        }
        // Without injected faults every tool converges every function.
        if !s.chaos {
            for t in &s.tools {
                assert_eq!(
                    t.failed_functions, 0,
                    "{} / {}: {:?}",
                    s.scenario, t.tool, t.failed_sample
                );
            }
        }
    }
    let headline = report
        .headline
        .expect("the full scenario ran with every tool");
    assert!(headline.ratio_to_lb >= 1.0);
    assert!(headline.speedup_vs_terraform > 0.0 && headline.speedup_vs_seed > 0.0);
    let text = report.render();
    let last = text.lines().last().expect("non-empty report");
    assert!(last.starts_with("ratio_to_lb="), "last line: {last}");
    assert!(last.contains(" speedup_vs_terraform=") && last.contains(" speedup_vs_seed="));
    for kind in ScenarioKind::ALL {
        assert!(text.contains(kind.name()), "table of {kind} missing");
    }
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(
        json["scenarios"].as_array().map(Vec::len),
        Some(ScenarioKind::ALL.len())
    );
}

#[test]
fn same_seed_gives_the_same_figures() {
    let mut options = VirtualOptions::all(30, 3);
    options.scenarios = vec![ScenarioKind::Mixed];
    let a = bench::run_virtual(&options).expect("runtime");
    let b = bench::run_virtual(&options).expect("runtime");
    assert_eq!(a, b);
}

fn cfg_flotilla(tools: &[bench::ToolFigures]) -> bool {
    tools.iter().any(|t| t.tool == "flotilla")
}
