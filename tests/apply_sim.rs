//! `flotilla_core::apply` against the in-process emulator on tokio's paused clock.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crate::apply_common;

use std::time::Duration;

use apply_common::*;
use flotilla_cloud::lambda::{ApiOp, LambdaApi};
use flotilla_core::apply::{Outcome, StaleAction, apply};
use flotilla_core::model::FunctionKey;
use flotilla_sim::{FaultKind, FaultRule, Latency, LatencyConfig, QuotaConfig};

fn quiet(sim: &flotilla_sim::Sim) {
    sim.set_faults(Vec::new());
    sim.set_quotas(QuotaConfig::off());
}

#[tokio::test(start_paused = true)]
async fn fleet_of_60_converges_paced_with_one_update_at_a_time() {
    let sim = new_sim(1);
    let names: Vec<String> = (0..60).map(name).collect();
    // 50 existing functions to update, 10 to create.
    seed_fleet(&sim, &names[..50]);
    let plan = plan(names.iter().map(|n| function_plan(&sim, n)).collect());
    let (ctx, repeats) = context(&sim, 7);

    let report = apply(&plan, ctx).await;

    assert!(report.success(), "{}", report.to_table());
    let counters = sim.counters();
    assert_eq!(
        counters.max_overlap(),
        1,
        "one update at a time per function"
    );
    assert_eq!(counters.conflicts, 0, "flotilla caused no 409");
    assert_eq!(counters.throttles, 0, "paced below the quota: no 429");
    assert_eq!(counters.precondition_failures, 0);
    assert!(repeats.lock().unwrap().is_empty());
    // Updates take 0.7–1.5 s: the adaptive waiter sees them finish in about 2–3 polls.
    let t = &report.totals;
    let totals = report.to_table();
    eprintln!(
        "{} | median polls per update: {}",
        totals.lines().last().unwrap_or_default(),
        t.median_polls_per_update
    );
    assert!(
        t.median_polls_per_update <= 3,
        "{}",
        t.median_polls_per_update
    );
    assert!(t.median_polls_per_update >= 1);
    let polls_per_wait = t.polls as f64 / t.waits as f64;
    assert!(polls_per_wait <= 3.0, "{polls_per_wait} polls per wait");
    for (i, f) in report.functions.iter().enumerate() {
        let expected: Vec<&str> = if i < 50 {
            vec![
                "UpdateFunctionCode",
                "UpdateFunctionConfiguration",
                "PublishVersion",
                "CreateAlias",
            ]
        } else {
            vec!["CreateFunction", "PublishVersion", "CreateAlias"]
        };
        assert_eq!(f.steps_done, expected, "{}", f.key);
        assert_eq!(f.retry_count(), 0, "{}", f.key);
    }
    // Paced at 15/s: 50×4 + 10×3 mutations need at least 230/15 s.
    assert!(t.elapsed_ms >= 15_000, "{} ms", t.elapsed_ms);
    quiet(&sim);
    for f in &report.functions {
        assert_converged(&sim, &f.name, f.published_version.as_deref()).await;
    }
    let created = sim.function_info(ACCOUNT, REGION, &names[55]).unwrap();
    assert_eq!(created.tags.get("team").map(String::as_str), Some("web"));
}

#[tokio::test(start_paused = true)]
async fn survives_5xx_and_dropped_connections_and_stops_on_an_outside_writer() {
    let sim = new_sim(2);
    let names: Vec<String> = (0..20).map(name).collect();
    seed_fleet(&sim, &names);
    let plan = plan(names.iter().map(|n| function_plan(&sim, n)).collect());
    sim.set_faults(vec![
        FaultRule::next(
            1,
            Some(ApiOp::UpdateFunctionCode),
            Some(&names[0]),
            FaultKind::OutsideWriter,
        ),
        FaultRule::next(
            2,
            Some(ApiOp::UpdateFunctionConfiguration),
            Some(&names[1]),
            FaultKind::ServiceError,
        ),
        FaultRule::next(
            1,
            Some(ApiOp::UpdateFunctionCode),
            Some(&names[2]),
            FaultKind::DropConnection { applied: true },
        ),
        FaultRule::next(
            1,
            Some(ApiOp::UpdateFunctionConfiguration),
            Some(&names[3]),
            FaultKind::DropConnection { applied: false },
        ),
        FaultRule::next(
            1,
            Some(ApiOp::PublishVersion),
            Some(&names[4]),
            FaultKind::DropConnection { applied: true },
        ),
        FaultRule::next(
            1,
            Some(ApiOp::CreateAlias),
            Some(&names[5]),
            FaultKind::DropConnection { applied: true },
        ),
        FaultRule::next(
            3,
            Some(ApiOp::GetFunction),
            Some(&names[6]),
            FaultKind::ServiceError,
        ),
    ]);
    let (ctx, repeats) = context(&sim, 3);

    let report = apply(&plan, ctx).await;

    assert!(
        repeats.lock().unwrap().is_empty(),
        "{:?}",
        repeats.lock().unwrap()
    );
    let c = sim.counters();
    let by = |i: usize| report.function(&names[i]).unwrap();
    // The outside writer's update made Flotilla's first update a 409; once it settled,
    // the function was not as Flotilla verified it, so nothing was built on top of it.
    match &by(0).outcome {
        Outcome::Stale {
            live_revision_id,
            message,
            ..
        } => {
            assert!(message.contains("contended"), "{message}");
            let live = live_revision_id.as_deref().unwrap();
            assert!(message.contains(live), "{message}");
        }
        other => panic!("outside-written function: {other:?}"),
    }
    assert_eq!(by(0).retries.get("conflict"), Some(&1));
    assert!(by(0).steps_done.is_empty(), "{:?}", by(0).steps_done);
    assert_eq!(
        c.function(&names[0]).calls_of(ApiOp::UpdateFunctionCode),
        1,
        "the 409 was the only UpdateFunctionCode"
    );
    assert_eq!(by(1).retries.get("transient"), Some(&2));
    for i in [2, 4, 5] {
        assert_eq!(by(i).landed_after_unknown, 1, "{}", names[i]);
    }
    assert_eq!(c.function(&names[2]).calls_of(ApiOp::UpdateFunctionCode), 1);
    assert_eq!(c.function(&names[4]).calls_of(ApiOp::PublishVersion), 1);
    assert_eq!(c.function(&names[5]).calls_of(ApiOp::CreateAlias), 1);
    assert_eq!(by(3).landed_after_unknown, 0);
    assert_eq!(
        c.function(&names[3])
            .calls_of(ApiOp::UpdateFunctionConfiguration),
        2
    );
    assert!(by(6).retries.get("transient").copied().unwrap_or(0) >= 3);
    for (i, n) in names.iter().enumerate() {
        if i != 0 {
            assert!(c.function(n).peak_overlap <= 1, "{n}");
        }
    }
    quiet(&sim);
    for f in report.functions.iter().skip(1) {
        assert_eq!(f.outcome, Outcome::Converged, "{}", f.key);
        assert_converged(&sim, &f.name, f.published_version.as_deref()).await;
    }
}

#[tokio::test(start_paused = true)]
async fn learns_a_tighter_quota_from_429s() {
    let sim = new_sim(8);
    let names: Vec<String> = (0..30).map(name).collect();
    seed_fleet(&sim, &names);
    let plan = plan(names.iter().map(|n| function_plan(&sim, n)).collect());
    // The account's real quota is below the configured limit: 429s must slow us down.
    sim.set_quotas(QuotaConfig {
        get_function: Some(100.0),
        control_plane: Some(5.0),
    });
    let (ctx, repeats) = context(&sim, 9);

    let report = apply(&plan, ctx).await;

    assert!(report.success(), "{}", report.to_table());
    assert!(repeats.lock().unwrap().is_empty());
    let throttled = report.totals.retries.get("throttled").copied().unwrap_or(0);
    assert!(throttled > 0, "the tighter quota was hit");
    // AIMD: after the first 429s the rate halves, so 429s stay a small share of the
    // 120 mutations instead of one per call.
    assert!(throttled < 40, "{throttled} throttles");
    assert_eq!(sim.counters().throttles, u64::from(throttled));
    quiet(&sim);
    for f in &report.functions {
        assert_converged(&sim, &f.name, f.published_version.as_deref()).await;
    }
}

#[tokio::test(start_paused = true)]
async fn failed_and_slow_updates_and_dependents() {
    let sim = new_sim(3);
    let names: Vec<String> = (0..5).map(name).collect();
    seed_fleet(&sim, &names);
    sim.set_latency(LatencyConfig::uniform(Latency::Fixed(Duration::from_secs(
        40,
    ))));
    let mut fps: Vec<_> = names.iter().map(|n| function_plan(&sim, n)).collect();
    // 0 ← 1 ← 2 (a chain), 3 depends on 1, 4 is independent.
    fps[1].depends_on = vec![FunctionKey(names[0].clone())];
    fps[2].depends_on = vec![FunctionKey(names[1].clone())];
    fps[3].depends_on = vec![FunctionKey(names[1].clone())];
    let plan = plan(fps);
    sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::UpdateFunctionConfiguration),
        Some(&names[1]),
        FaultKind::FailUpdate {
            reason: Some("Layer conflict".into()),
            reason_code: None,
        },
    )]);
    let (ctx, _) = context(&sim, 4);

    let report = apply(&plan, ctx).await;

    let by = |i: usize| report.function(&names[i]).unwrap();
    assert_eq!(by(0).outcome, Outcome::Converged);
    match &by(1).outcome {
        Outcome::Failed { cause } => {
            assert_eq!(cause.kind(), "update_failed", "{cause:?}");
            assert!(cause.to_string().contains("Layer conflict"), "{cause}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(by(1).steps_done, vec!["UpdateFunctionCode"]);
    assert_eq!(
        by(1).interrupted_step.as_deref(),
        Some("UpdateFunctionConfiguration")
    );
    for i in [2, 3] {
        assert_eq!(
            by(i).outcome,
            Outcome::Skipped {
                because: format!("dependency `{}` failed", names[1])
            }
        );
        assert_eq!(
            sim.counters().function(&names[i]).calls.len(),
            0,
            "never touched"
        );
    }
    assert_eq!(by(4).outcome, Outcome::Converged);
    // Slow (40 s) updates: polls grow to the 3 s cap instead of hammering GetFunction.
    assert!(by(4).polls <= 4 * 20, "{} polls", by(4).polls);
    assert!(by(4).waited_ms >= 80_000, "{}", by(4).waited_ms);
    let md = report.to_markdown();
    assert!(md.contains("Layer conflict"), "{md}");
}

#[tokio::test(start_paused = true)]
async fn stale_plan_is_refused_for_that_function_only() {
    let sim = new_sim(4);
    let names: Vec<String> = (0..4).map(name).collect();
    seed_fleet(&sim, &names);
    let plan = plan(names.iter().map(|n| function_plan(&sim, n)).collect());
    sim.outside_write(ACCOUNT, REGION, &names[2]).unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let live = sim.function_info(ACCOUNT, REGION, &names[2]).unwrap();

    let (ctx, _) = context(&sim, 5);
    let report = apply(&plan, ctx).await;

    for (i, f) in report.functions.iter().enumerate() {
        if i == 2 {
            match &f.outcome {
                Outcome::Stale {
                    action,
                    live_revision_id,
                    last_modified,
                    message,
                    ..
                } => {
                    assert_eq!(*action, StaleAction::Refused);
                    assert_eq!(live_revision_id, &live.revision_id);
                    assert_eq!(last_modified.as_deref(), Some(live.last_modified.as_str()));
                    assert!(message.contains("changed by someone else"), "{message}");
                }
                other => panic!("{other:?}"),
            }
            assert!(f.steps_done.is_empty());
        } else {
            assert_eq!(f.outcome, Outcome::Converged, "{}", f.key);
        }
    }
    let c = sim.counters().function(&names[2]);
    assert_eq!(
        c.calls_of(ApiOp::UpdateFunctionCode),
        0,
        "nothing overwritten"
    );
    assert!(report.to_replan().is_empty());

    // With --refresh the same situation asks the caller to re-plan it.
    let plan2 = flotilla_core::plan::Plan {
        functions: vec![plan.functions[2].clone()],
        ..plan.clone()
    };
    let (mut ctx, _) = context(&sim, 5);
    ctx.refresh = true;
    let report = apply(&plan2, ctx).await;
    assert_eq!(report.to_replan(), vec![&FunctionKey(names[2].clone())]);
}

#[tokio::test(start_paused = true)]
async fn missing_secret_fails_before_any_change_without_leaking() {
    let sim = new_sim(5);
    let names = vec![name(0)];
    seed_fleet(&sim, &names);
    let plan = plan(vec![function_plan(&sim, &names[0])]);
    let (mut ctx, _) = context(&sim, 1);
    ctx.secrets = std::sync::Arc::new(std::collections::BTreeMap::<String, String>::new());
    let report = apply(&plan, ctx).await;
    let f = &report.functions[0];
    match &f.outcome {
        Outcome::Failed { cause } => {
            assert_eq!(cause.kind(), "secret_missing", "{cause:?}");
            let cause = cause.to_string();
            assert!(
                cause.contains(TOKEN_VAR) && cause.contains("API_TOKEN"),
                "{cause}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.counters().total_calls(), 0);
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(TOKEN_VALUE));
}

#[tokio::test(start_paused = true)]
async fn soft_cancel_finishes_in_flight_and_starts_nothing_new() {
    let sim = new_sim(6);
    let names: Vec<String> = (0..12).map(name).collect();
    seed_fleet(&sim, &names);
    let plan = plan(names.iter().map(|n| function_plan(&sim, n)).collect());
    let (mut ctx, _) = context(&sim, 6);
    ctx.parallelism = 3;
    let cancel = ctx.cancel.clone();
    let (report, ()) = tokio::join!(apply(&plan, ctx), async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        cancel.cancel();
    });
    let converged = report.totals.converged;
    let cancelled = report.totals.cancelled;
    assert_eq!(converged + cancelled, 12, "{}", report.to_table());
    assert!(cancelled >= 9, "{}", report.to_table());
    for f in &report.functions {
        let live = sim.function_info(ACCOUNT, REGION, &f.name).unwrap();
        // Every step reported done really happened, and nothing after it.
        let code_done = f.steps_done.iter().any(|s| s == "UpdateFunctionCode");
        assert_eq!(
            live.code_sha256 == sha(&new_code(&f.name)),
            code_done,
            "{}",
            f.key
        );
        if f.outcome == Outcome::Cancelled {
            assert!(f.steps_done.len() < 4);
            // The in-flight update was waited for: the function is stable.
            assert!(live.is_stable(), "{}", f.key);
        }
    }
    let started: usize = report.functions.iter().filter(|f| f.calls > 0).count();
    assert_eq!(started, 3, "only the first three functions started");
}

#[tokio::test(start_paused = true)]
async fn hard_cancel_abandons_waits() {
    let sim = new_sim(7);
    let names = vec![name(0)];
    seed_fleet(&sim, &names);
    sim.set_latency(LatencyConfig::uniform(Latency::Fixed(Duration::from_secs(
        300,
    ))));
    let plan = plan(vec![function_plan(&sim, &names[0])]);
    let (ctx, _) = context(&sim, 6);
    let cancel = ctx.cancel.clone();
    let start = tokio::time::Instant::now();
    let (report, ()) = tokio::join!(apply(&plan, ctx), async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        cancel.cancel();
        tokio::time::sleep(Duration::from_secs(5)).await;
        cancel.hard_cancel();
    });
    assert!(tokio::time::Instant::now() - start < Duration::from_secs(15));
    let f = &report.functions[0];
    assert_eq!(f.outcome, Outcome::Cancelled);
    // The update was accepted (its code is live while it runs): one re-read after the
    // interrupt says so, rather than a report claiming nothing happened.
    assert_eq!(f.steps_done, ["UpdateFunctionCode"]);
    assert_eq!(f.interrupted_step, None);
}

#[tokio::test(start_paused = true)]
async fn inline_secrets_come_from_the_context_or_fail_clearly() {
    use flotilla_core::plan::EnvValue;
    let sim = new_sim(9);
    let names = vec![name(0), name(1)];
    seed_fleet(&sim, &names);
    let mut fps: Vec<_> = names.iter().map(|n| function_plan(&sim, n)).collect();
    for fp in &mut fps {
        fp.desired
            .config
            .environment
            .insert("API_TOKEN".into(), EnvValue::Sensitive(None));
    }
    let plan = plan(fps);
    let (mut ctx, _) = context(&sim, 1);
    ctx.inline_secrets.insert(
        FunctionKey(names[0].clone()),
        std::collections::BTreeMap::from([("API_TOKEN".to_owned(), TOKEN_VALUE.to_owned())]),
    );
    let report = apply(&plan, ctx).await;
    assert_eq!(report.functions[0].outcome, Outcome::Converged);
    match &report.functions[1].outcome {
        Outcome::Failed { cause } => {
            assert_eq!(cause.kind(), "secret_inline", "{cause:?}");
            assert!(!format!("{cause:?}").contains(TOKEN_VALUE));
            let cause = cause.to_string();
            assert!(
                cause.contains("written inline") && cause.contains("API_TOKEN"),
                "{cause}"
            );
            assert!(!cause.contains(TOKEN_VALUE));
        }
        other => panic!("{other:?}"),
    }
    quiet(&sim);
    let f = &report.functions[0];
    assert_converged(&sim, &f.name, f.published_version.as_deref()).await;
}

#[tokio::test(start_paused = true)]
async fn a_second_deploy_moves_the_alias_and_a_deleted_function_is_stale() {
    use flotilla_core::plan::Step;
    let sim = new_sim(10);
    let names = vec![name(0), name(1)];
    seed_fleet(&sim, &names);
    let first = plan(names.iter().map(|n| function_plan(&sim, n)).collect());
    let (ctx, _) = context(&sim, 1);
    let report = apply(&first, ctx).await;
    assert!(report.success(), "{}", report.to_table());
    let v1 = report.functions[0].published_version.clone().unwrap();

    // Next deploy: only configuration changes (memory to 512), publish, move alias.
    let live = sim.function_info(ACCOUNT, REGION, &names[0]).unwrap();
    let mut fp = function_plan(&sim, &names[0]);
    fp.desired.config.memory_mb = 512;
    fp.steps = vec![
        Step::UpdateConfiguration {
            changes: vec![flotilla_core::plan::FieldChange {
                field: flotilla_core::plan::Field::Setting(
                    flotilla_cloud::lambda::ConfigField::MemoryMb,
                ),
                old: None,
                new: None,
            }],
        },
        Step::PublishVersion,
        Step::UpdateAlias {
            alias: ALIAS.to_owned(),
            from_version: v1.clone(),
        },
    ];
    assert_eq!(fp.observed_revision_id, live.revision_id);
    let gone = function_plan(&sim, &names[1]);
    sim.client(ACCOUNT, REGION)
        .delete_function(&names[1])
        .await
        .unwrap();
    let second = plan(vec![fp, gone]);
    let (ctx, _) = context(&sim, 2);
    let report = apply(&second, ctx).await;
    let f = &report.functions[0];
    assert_eq!(f.outcome, Outcome::Converged, "{}", report.to_table());
    let v2 = f.published_version.clone().unwrap();
    assert_ne!(v1, v2);
    let alias = sim
        .client(ACCOUNT, REGION)
        .get_alias(&names[0], ALIAS)
        .await
        .unwrap();
    assert_eq!(alias.function_version, v2);
    assert_eq!(
        sim.function_info(ACCOUNT, REGION, &names[0])
            .unwrap()
            .config
            .memory_mb,
        512
    );
    match &report.functions[1].outcome {
        Outcome::Stale { message, .. } => assert!(message.contains("deleted"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn progress_events_and_a_function_created_by_someone_else() {
    use flotilla_core::apply::{CollectEvents, Event, LineSink};
    let sim = new_sim(11);
    let names = [name(0), name(1)];
    // Both planned as creates; then another pipeline creates fn-001 first.
    let plan = plan(names.iter().map(|n| function_plan(&sim, n)).collect());
    seed_fleet(&sim, &names[1..]);
    let events = std::sync::Arc::new(CollectEvents::default());
    let (mut ctx, _) = context(&sim, 1);
    ctx.events = events.clone();
    let report = apply(&plan, ctx).await;

    assert_eq!(report.functions[0].outcome, Outcome::Converged);
    match &report.functions[1].outcome {
        Outcome::Stale { message, .. } => {
            assert!(message.contains("created by someone else"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let lines: Vec<String> = events
        .events()
        .iter()
        .filter(|e| matches!(e, Event::StepDone { key, .. } if key.0 == names[0]))
        .filter_map(LineSink::line)
        .collect();
    assert_eq!(
        lines,
        vec![
            "fn-000: CreateFunction done",
            "fn-000: PublishVersion done",
            "fn-000: CreateAlias done"
        ]
    );
    let finished = events
        .events()
        .iter()
        .filter(|e| matches!(e, Event::FunctionFinished { .. }))
        .count();
    assert_eq!(finished, 2);
}

#[tokio::test(start_paused = true)]
async fn the_function_heading_the_longest_chain_starts_first() {
    use flotilla_core::apply::{CollectEvents, Event};
    let sim = new_sim(12);
    let names: Vec<String> = (0..3).map(name).collect();
    seed_fleet(&sim, &names);
    let mut functions: Vec<_> = names.iter().map(|n| function_plan(&sim, n)).collect();
    // fn-002 waits for fn-001, so fn-001 heads a longer chain than fn-000.
    functions[2].depends_on = vec![functions[1].key.clone()];
    let plan = plan(functions);
    let events = std::sync::Arc::new(CollectEvents::default());
    let (mut ctx, _) = context(&sim, 1);
    ctx.events = events.clone();
    ctx.parallelism = 1;

    let report = apply(&plan, ctx).await;

    assert!(report.success(), "{}", report.to_table());
    let started: Vec<String> = events
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::FunctionStarted { key } => Some(key.0.clone()),
            _ => None,
        })
        .collect();
    // fn-001 jumps the plan order; then fn-000 and fn-002 tie and keep plan order.
    assert_eq!(started, vec!["fn-001", "fn-000", "fn-002"]);
}

#[tokio::test(start_paused = true)]
async fn an_update_the_endpoint_ignores_fails_instead_of_converging() {
    let sim = new_sim(3);
    quiet(&sim);
    let names = vec![name(0)];
    seed_fleet(&sim, &names);
    let plan = plan(vec![function_plan(&sim, &names[0])]);
    let (ctx, _) = context_with(&sim, 3, true);

    let report = apply(&plan, ctx).await;

    assert!(!report.success(), "{}", report.to_table());
    match &report.functions[0].outcome {
        Outcome::Failed { cause } => {
            assert_eq!(cause.kind(), "not_applied", "{cause:?}");
            let cause = cause.to_string();
            assert!(
                cause.contains("UpdateFunctionConfiguration finished"),
                "{cause}"
            );
            assert!(cause.contains("memory_mb"), "{cause}");
            assert!(
                !cause.contains("environment"),
                "the environment did land: {cause}"
            );
            assert!(!cause.contains(TOKEN_VALUE), "no secret in the cause");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // Nothing after the configuration step ran: no version was published.
    assert_eq!(sim.counters().calls_of(ApiOp::PublishVersion), 0);
}
