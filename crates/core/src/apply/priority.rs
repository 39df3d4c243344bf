//! Which ready function starts first: the one with the longest expected chain of
//! updates still ahead (its own and its dependents'), so slow image functions and long
//! `depends_on` chains start while quick zip functions fill the quota around them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::plan::{FunctionPlan, Step};
use flotilla_cloud::lambda::PackageType;

/// Expected seconds of one step's wait, from Lambda's typical update latencies: about
/// 1 s for zip code and configuration, about 25 s for image code.
fn expected_secs(f: &FunctionPlan, step: &Step) -> u64 {
    let image = f.desired.config.package_type == PackageType::Image;
    match step {
        Step::CreateFunction { .. } | Step::UpdateCode { .. } if image => 25,
        Step::CreateFunction { .. }
        | Step::UpdateCode { .. }
        | Step::UpdateConfiguration { .. }
        | Step::ReapplyConfiguration { .. }
        | Step::PublishVersion => 1,
        Step::CreateAlias { .. }
        | Step::UpdateAlias { .. }
        | Step::MoveAlias { .. }
        | Step::TagResource { .. }
        | Step::UntagResource { .. }
        | Step::PutConcurrency { .. }
        | Step::DeleteConcurrency { .. }
        | Step::DeleteFunction { .. }
        | Step::DeleteFailedFunction { .. } => 0,
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
