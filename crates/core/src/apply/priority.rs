//! Which ready function starts first: the one with the longest expected chain of
//! updates still ahead (its own and its dependents'), so slow functions (images, VPC and
//! EFS functions, SnapStart functions that publish) and long `depends_on` chains start
//! while quick zip functions fill the quota around them. Slowness is read from the
//! plan's desired configuration, before anything is called: the manifest's settings,
//! and the live ones where the manifest leaves a setting alone (a VPC set elsewhere).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::plan::{FunctionPlan, Step};
use flotilla_cloud::lambda::{PackageType, SNAP_START_NONE, VpcConfig};

/// Expected seconds of one step's wait, from Lambda's typical update latencies: about
/// 1 s for zip code and configuration, about 25 s for image code, 20–90 s for any update
/// of a function in a VPC (EFS needs one), and a few minutes for the snapshot of a
/// SnapStart version.
fn expected_secs(f: &FunctionPlan, step: &Step) -> u64 {
    let c = &f.desired.config;
    let image = c.package_type == PackageType::Image;
    let vpc = c.vpc.as_ref().is_some_and(VpcConfig::is_attached)
        || c.file_systems.as_ref().is_some_and(|fs| !fs.is_empty());
    let snap_start = c.snap_start != SNAP_START_NONE;
    match step {
        Step::CreateFunction { .. }
        | Step::UpdateCode { .. }
        | Step::UpdateConfiguration { .. }
            if vpc =>
        {
            55
        }
        Step::PublishVersion if snap_start => 120,
        Step::CreateFunction { .. } | Step::UpdateCode { .. } if image => 25,
        Step::CreateFunction { .. }
        | Step::UpdateCode { .. }
        | Step::UpdateConfiguration { .. }
        | Step::ReapplyConfiguration { .. }
        | Step::PublishVersion => 1,
        // Holds are time the quota is free for others; what counts is that the
        // function's chain is long, so it starts early.
        Step::ShiftTraffic { hold_secs, .. } => *hold_secs,
        Step::SmokeInvoke { .. }
        | Step::CreateAlias { .. }
        | Step::UpdateAlias { .. }
        | Step::MoveAlias { .. }
        | Step::TagResource { .. }
        | Step::UntagResource { .. }
        | Step::PutConcurrency { .. }
        | Step::DeleteConcurrency { .. }
        | Step::PutProvisionedConcurrency { .. }
        | Step::DeleteProvisionedConcurrency { .. }
        | Step::PutCodeSigningConfig { .. }
        | Step::DeleteCodeSigningConfig { .. }
        | Step::PutEventInvokeConfig { .. }
        | Step::DeleteEventInvokeConfig { .. }
        | Step::PutRecursionConfig { .. }
        | Step::PutRuntimeManagementConfig { .. }
        | Step::CreateFunctionUrlConfig { .. }
        | Step::UpdateFunctionUrlConfig { .. }
        | Step::DeleteFunctionUrlConfig { .. }
        | Step::DeleteFunction { .. }
        | Step::DeleteFailedFunction { .. }
        | Step::DeleteVersions { .. } => 0,
        // A mapping takes a few seconds to settle.
        Step::CreateEventSourceMapping { .. }
        | Step::UpdateEventSourceMapping { .. }
        | Step::DeleteEventSourceMapping { .. } => 1,
        Step::RemovePermission { .. } | Step::AddPermission { .. } => 0,
    }
}

/// Critical-path length of each function: its own expected time plus the longest chain
/// of dependents after it. `dependents[i]` lists the functions that wait for `i`.
pub(crate) fn critical_paths(functions: &[FunctionPlan], dependents: &[Vec<usize>]) -> Vec<u64> {
    let own: Vec<u64> = functions
        .iter()
        .map(|f| f.steps.iter().map(|s| expected_secs(f, s)).sum())
        .collect();
    let mut memo: Vec<Option<u64>> = vec![None; functions.len()];
    // Iterative depth-first walk; a cycle (reported elsewhere) counts as a dead end.
    for start in 0..functions.len() {
        let mut stack = vec![(start, false)];
        let mut on_path = vec![false; functions.len()];
        while let Some((i, expanded)) = stack.pop() {
            if memo[i].is_some() {
                continue;
            }
            if expanded {
                on_path[i] = false;
                let tail = dependents[i]
                    .iter()
                    .filter_map(|&d| memo[d])
                    .max()
                    .unwrap_or(0);
                memo[i] = Some(own[i] + tail);
                continue;
            }
            on_path[i] = true;
            stack.push((i, true));
            for &d in &dependents[i] {
                if memo[d].is_none() && !on_path[d] {
                    stack.push((d, false));
                }
            }
        }
    }
    memo.into_iter().map(Option::unwrap_or_default).collect()
}

/// Ready functions, longest critical path first, then plan order.
pub(crate) struct ReadyQueue {
    priority: Vec<u64>,
    heap: BinaryHeap<(u64, Reverse<usize>)>,
}

impl ReadyQueue {
    pub(crate) fn new(priority: Vec<u64>) -> Self {
        Self {
            priority,
            heap: BinaryHeap::new(),
        }
    }

    pub(crate) fn push(&mut self, i: usize) {
        self.heap.push((self.priority[i], Reverse(i)));
    }

    pub(crate) fn pop(&mut self) -> Option<usize> {
        self.heap.pop().map(|(_, Reverse(i))| i)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::ArtifactDigest;
    use crate::model::{FunctionKey, RetryPolicy, WaitPolicy};
    use crate::plan::{Action, DesiredConfig, EnvValue};
    use flotilla_cloud::lambda::{FileSystem, FunctionConfig};

    /// A function that updates its configuration, then its code, then publishes.
    fn function(name: &str, set: impl FnOnce(&mut FunctionConfig<EnvValue>)) -> FunctionPlan {
        let mut config = FunctionConfig::lambda_defaults();
        set(&mut config);
        FunctionPlan {
            key: FunctionKey(name.to_owned()),
            name: name.to_owned(),
            account: None,
            region: "eu-north-1".to_owned(),
            assume_role: None,
            action: Action::Update,
            observed_revision_id: None,
            observed_code_sha256: None,
            artifact: ArtifactDigest::Image { uri: String::new() },
            source: None,
            upload: None,
            desired: DesiredConfig {
                config,
                tags: std::collections::BTreeMap::new(),
                reserved_concurrency: None,
                around: Default::default(),
                code_signing_config: None,
                publish: true,
                alias: None,
                provisioned_concurrency: None,
            },
            depends_on: Vec::new(),
            retry: RetryPolicy::default().into(),
            wait: WaitPolicy::default().into(),
            steps: vec![
                Step::UpdateConfiguration {
                    changes: Vec::new(),
                },
                Step::UpdateCode {
                    changes: Vec::new(),
                    files: None,
                },
                Step::PublishVersion,
            ],
            rollout: None,
        }
    }

    /// Functions the manifest makes slow start first: a SnapStart function that
    /// publishes, then VPC and EFS functions, then images, then plain zips in plan
    /// order; a VPC the manifest leaves empty (detached) is not slow.
    #[test]
    fn slow_functions_known_from_the_manifest_start_first() {
        let vpc = || {
            Some(VpcConfig {
                subnets: vec!["subnet-0123456789abcdef0".to_owned()],
                security_groups: vec!["sg-0123456789abcdef0".to_owned()],
                ipv6: false,
            })
        };
        let functions = vec![
            function("zip", |_| {}),
            function("detached", |c| c.vpc = Some(VpcConfig::default())),
            function("image", |c| c.package_type = PackageType::Image),
            function("vpc", |c| c.vpc = vpc()),
            function("efs", |c| {
                c.vpc = vpc();
                c.file_systems = Some(vec![FileSystem {
                    arn: "arn".to_owned(),
                    mount: "/mnt/x".to_owned(),
                }]);
            }),
            function("snap", |c| c.snap_start = "PublishedVersions".to_owned()),
        ];
        let paths = critical_paths(&functions, &vec![Vec::new(); functions.len()]);
        let mut q = ReadyQueue::new(paths);
        for i in 0..functions.len() {
            q.push(i);
        }
        let order: Vec<&str> = std::iter::from_fn(|| q.pop())
            .map(|i| functions[i].name.as_str())
            .collect();
        assert_eq!(order, ["snap", "vpc", "efs", "image", "zip", "detached"]);
    }

    #[test]
    fn ready_queue_pops_the_longest_chain_first_then_plan_order() {
        let mut q = ReadyQueue::new(vec![3, 3, 7, 1]);
        for i in [3, 1, 0, 2] {
            q.push(i);
        }
        let order: Vec<usize> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![2, 0, 1, 3]);
        assert!(q.is_empty());
    }
}
