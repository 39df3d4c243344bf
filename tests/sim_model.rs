//! The in-process door of `flotilla sim` on tokio's paused clock: lifecycle timing in
//! virtual time, quotas, faults as `ApiError` classes, determinism per seed, and a
//! fleet of 10,000 functions taking a million calls.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use flotilla_cloud::lambda::{
    ApiError, ApiOp, CodeSource, ConfigField, CreateFunctionInput, FunctionConfig,
    FunctionStateKind, LambdaApi, LastUpdateStatus, PublishVersionInput, UpdateCodeInput,
    UpdateConfigInput,
};
use flotilla_sim::{
    FaultKind, FaultRule, Latency, LatencyConfig, QuotaConfig, SeedSpec, Sim, SimClient, SimConfig,
    UpdateKind,
};
use tokio::time::Instant;

const ACCOUNT: &str = "111111111111";
const REGION: &str = "eu-north-1";

fn sim(latency: Duration, quota: QuotaConfig, seed: u64) -> Sim {
    Sim::new(SimConfig {
        seed,
        latency: LatencyConfig::uniform(Latency::Fixed(latency)),
        quota,
        ..SimConfig::default()
    })
}

fn seed(sim: &Sim, name: &str) {
    let spec = SeedSpec {
        name: name.to_owned(),
        ..SeedSpec::default()
    };
    sim.seed_function(ACCOUNT, REGION, spec.into_seed(ACCOUNT))
        .expect("seed");
}

fn config_update(name: &str, memory: u32, revision: Option<String>) -> UpdateConfigInput {
    UpdateConfigInput {
        revision_id: revision,
        ..UpdateConfigInput::new(
            name.to_owned(),
            FunctionConfig {
                memory_mb: memory,
                ..FunctionConfig::lambda_defaults()
            },
            &[ConfigField::MemoryMb],
        )
    }
}

/// Polls like a careful engine: every 250 ms of virtual time until stable.
async fn wait_stable(client: &SimClient, name: &str) -> flotilla_cloud::lambda::FunctionInfo {
    loop {
        let info = client.get_function(name).await.expect("get");
        if info.is_stable() {
            return info;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn updates_settle_after_their_latency_in_virtual_time() {
    let mut latency = LatencyConfig::uniform(Latency::Fixed(Duration::from_secs(1)));
    latency.set(
        UpdateKind::CreateImage,
        Latency::Fixed(Duration::from_secs(25)),
    );
    let sim = Sim::new(SimConfig {
        latency,
        quota: QuotaConfig::off(),
        ..SimConfig::default()
    });
    let client = sim.client(ACCOUNT, REGION);
    let config = FunctionConfig {
        role: format!("arn:aws:iam::{ACCOUNT}:role/r"),
        memory_mb: 128,
        timeout_s: 3,
        ephemeral_storage_mb: 512,
        package_type: flotilla_cloud::lambda::PackageType::Image,
        ..FunctionConfig::default()
    };
    let start = Instant::now();
    let created = client
        .create_function(CreateFunctionInput {
            name: "img".into(),
            config,
            code: CodeSource::Image("1.dkr.ecr.eu-north-1.amazonaws.com/img:1".into()),
            publish: false,
            tags: BTreeMap::new(),
            code_signing_config_arn: None,
        })
        .await
        .expect("create");
    assert_eq!(created.state, Some(FunctionStateKind::Pending));
    let conflict = client
        .update_function_configuration(config_update("img", 256, None))
        .await;
    assert!(
        matches!(conflict, Err(ApiError::Conflict { .. })),
        "{conflict:?}"
    );
    let active = wait_stable(&client, "img").await;
    assert_eq!(active.state, Some(FunctionStateKind::Active));
    assert_eq!(
        Instant::now() - start,
        Duration::from_secs(25),
        "image create takes its configured 25 s"
    );

    let start = Instant::now();
    let updated = client
        .update_function_configuration(config_update("img", 256, active.revision_id.clone()))
        .await
        .expect("update");
    assert_eq!(
        updated.last_update_status,
        Some(LastUpdateStatus::InProgress)
    );
    let done = wait_stable(&client, "img").await;
    assert_eq!(done.last_update_status, Some(LastUpdateStatus::Successful));
    assert_eq!(Instant::now() - start, Duration::from_secs(1));
    assert_eq!(done.config.memory_mb, 256);
    assert_eq!(
        sim.counters().max_overlap(),
        2,
        "the update sent during Pending overlapped"
    );
}

#[tokio::test(start_paused = true)]
async fn quotas_throttle_with_retry_after_and_recover_in_virtual_time() {
    let sim = sim(Duration::from_secs(1), QuotaConfig::default(), 1);
    seed(&sim, "q");
    let client = sim.client(ACCOUNT, REGION);
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:q");
    for _ in 0..15 {
        client.list_tags(&arn).await.expect("within 15/s");
    }
    let Err(ApiError::Throttled { retry_after, .. }) = client.list_tags(&arn).await else {
        panic!("the 16th call in the same instant must be throttled");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(1)));
    for _ in 0..100 {
        client
            .get_function("q")
            .await
            .expect("GetFunction has 100/s of its own");
    }
    assert!(matches!(
        client.get_function("q").await,
        Err(ApiError::Throttled { .. })
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    client.list_tags(&arn).await.expect("refilled");
    // Another account has its own buckets.
    seed_in(&sim, "222222222222", "q");
    sim.client("222222222222", REGION)
        .get_function("q")
        .await
        .expect("other account");
    assert_eq!(sim.counters().throttles, 2);
}

fn seed_in(sim: &Sim, account: &str, name: &str) {
    let spec = SeedSpec {
        name: name.to_owned(),
        ..SeedSpec::default()
    };
    sim.seed_function(account, REGION, spec.into_seed(account))
        .expect("seed");
}

#[tokio::test(start_paused = true)]
async fn faults_map_to_api_error_classes() {
    let sim = sim(Duration::from_secs(1), QuotaConfig::off(), 3);
    seed(&sim, "f");
    let client = sim.client(ACCOUNT, REGION);

    sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::GetFunction),
        None,
        FaultKind::ServiceError,
    )]);
    assert!(matches!(
        client.get_function("f").await,
        Err(ApiError::Transient { .. })
    ));

    // Applied but the response lost: Transient, yet the change is in.
    sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::UpdateFunctionConfiguration),
        None,
        FaultKind::DropConnection { applied: true },
    )]);
    let lost = client
        .update_function_configuration(config_update("f", 2048, None))
        .await;
    assert!(matches!(lost, Err(ApiError::Transient { .. })), "{lost:?}");
    assert_eq!(
        sim.function_info(ACCOUNT, REGION, "f")
            .expect("f")
            .config
            .memory_mb,
        2048
    );
    wait_stable(&client, "f").await;

    // Not applied: nothing changed.
    sim.set_faults(vec![FaultRule::next(
        1,
        Some(ApiOp::UpdateFunctionConfiguration),
        None,
        FaultKind::DropConnection { applied: false },
    )]);
    let lost = client
        .update_function_configuration(config_update("f", 4096, None))
        .await;
    assert!(matches!(lost, Err(ApiError::Transient { .. })));
    assert_eq!(
        sim.function_info(ACCOUNT, REGION, "f")
            .expect("f")
            .config
            .memory_mb,
        2048
    );

    // A latency spike costs exactly its delay in virtual time.
    sim.set_faults(vec![FaultRule::next(
        1,
        None,
        Some("f"),
        FaultKind::LatencySpike {
            delay: Duration::from_secs(7),
        },
    )]);
    let start = Instant::now();
    client.get_function("f").await.expect("slow");
    assert_eq!(Instant::now() - start, Duration::from_secs(7));

    // A failed code update is final and reports its reason.
    sim.set_faults(vec![FaultRule::next(
        1,
        None,
        None,
        FaultKind::FailUpdate {
            reason: None,
            reason_code: None,
        },
    )]);
    client
        .update_function_code(UpdateCodeInput {
            name: "f".into(),
            code: CodeSource::Zip(Arc::new(b"zip".to_vec())),
            revision_id: None,
            architecture: None,
        })
        .await
        .expect("accepted");
    let failed = wait_stable(&client, "f").await;
    assert_eq!(failed.last_update_status, Some(LastUpdateStatus::Failed));
    assert_eq!(
        failed.last_update_status_reason_code.as_deref(),
        Some("InternalError")
    );

    // The outside writer moves the revision: a mutation carrying the old one gets 412.
    let rev = wait_stable(&client, "f").await.revision_id;
    let moved = sim
        .outside_write(ACCOUNT, REGION, "f")
        .expect("outside write");
    assert_ne!(moved.revision_id, rev);
    let busy = client
        .update_function_configuration(config_update("f", 512, rev.clone()))
        .await;
    assert!(matches!(busy, Err(ApiError::Conflict { .. })));
    wait_stable(&client, "f").await;
    let stale = client
        .update_function_configuration(config_update("f", 512, rev))
        .await;
    assert!(
        matches!(stale, Err(ApiError::PreconditionFailed { .. })),
        "{stale:?}"
    );
    let publish = client
        .publish_version(PublishVersionInput {
            name: "f".into(),
            code_sha256: Some("wrong".into()),
            ..PublishVersionInput::default()
        })
        .await;
    assert!(matches!(publish, Err(ApiError::PreconditionFailed { .. })));
}

/// Runs the same scripted sequence and returns the revision ids it saw.
async fn scripted_revisions(seed_value: u64) -> Vec<String> {
    let sim = Sim::new(SimConfig {
        seed: seed_value,
        quota: QuotaConfig::off(),
        ..SimConfig::default()
    });
    seed(&sim, "d");
    let client = sim.client(ACCOUNT, REGION);
    let mut seen = Vec::new();
    for memory in [256, 512, 1024] {
        let info = wait_stable(&client, "d").await;
        seen.extend(info.revision_id.clone());
        let updated = client
            .update_function_configuration(config_update("d", memory, info.revision_id))
            .await
            .expect("update");
        seen.extend(updated.revision_id);
        seen.push(updated.last_modified);
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_gives_the_same_run() {
    let a = scripted_revisions(42).await;
    let b = scripted_revisions(42).await;
    let c = scripted_revisions(43).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_functions_and_a_million_calls() {
    const FUNCTIONS: usize = 10_000;
    const READS_PER_FUNCTION: usize = 96;
    let sim = sim(Duration::from_secs(1), QuotaConfig::off(), 9);
    for i in 0..FUNCTIONS {
        seed(&sim, &format!("fn-{i:05}"));
    }
    let client = sim.client(ACCOUNT, REGION);
    // A careful deploy of every function at once: read, update, wait, publish.
    let mut deploys = tokio::task::JoinSet::new();
    for i in 0..FUNCTIONS {
        let client = client.clone();
        deploys.spawn(async move {
            let name = format!("fn-{i:05}");
            let info = client.get_function(&name).await.expect("get");
            client
                .update_function_configuration(config_update(&name, 256, info.revision_id))
                .await
                .expect("update");
            tokio::time::sleep(Duration::from_secs(1)).await;
            let settled = client.get_function(&name).await.expect("get");
            assert!(settled.is_stable());
            client
                .publish_version(PublishVersionInput {
                    name,
                    revision_id: settled.revision_id,
                    ..PublishVersionInput::default()
                })
                .await
                .expect("publish");
        });
    }
    while let Some(done) = deploys.join_next().await {
        done.expect("deploy task");
    }
    // Then a read storm: 96 more GetFunction calls per function.
    for i in 0..FUNCTIONS {
        let name = format!("fn-{i:05}");
        for _ in 0..READS_PER_FUNCTION {
            client
                .get_function_configuration(&name)
                .await
                .expect("read");
        }
    }
    let counters = sim.counters();
    assert_eq!(counters.total_calls(), 1_000_000);
    assert_eq!(counters.calls_of(ApiOp::GetFunction), 2 * FUNCTIONS as u64);
    assert_eq!(
        counters.calls_of(ApiOp::UpdateFunctionConfiguration),
        FUNCTIONS as u64
    );
    assert_eq!(counters.calls_of(ApiOp::PublishVersion), FUNCTIONS as u64);
    assert_eq!(counters.functions.len(), FUNCTIONS);
    assert_eq!(
        counters
            .function("fn-04242")
            .calls_of(ApiOp::GetFunctionConfiguration),
        READS_PER_FUNCTION as u64
    );
    assert_eq!(
        counters.conflicts + counters.precondition_failures + counters.throttles,
        0
    );
    assert_eq!(
        counters.max_overlap(),
        1,
        "a careful deploy never overlaps updates"
    );
    let last = sim
        .function_info(ACCOUNT, REGION, "fn-09999")
        .expect("fn-09999");
    assert_eq!(last.config.memory_mb, 256);
    assert_eq!(last.last_update_status, Some(LastUpdateStatus::Successful));
}
