//! What the emulator observed: calls per API and per function, every 409/412/429 it
//! returned, injected faults, and the peak number of overlapping updates per function.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use flotilla_cloud::lambda::ApiOp;

/// Error events kept in full; beyond this only the totals grow.
const MAX_EVENTS: usize = 100_000;

/// One 409, 412 or 429 the emulator returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// Virtual time since the emulator started, in milliseconds.
    pub at_ms: u64,
    /// The call.
    pub op: ApiOp,
    /// The function, when the call names one.
    pub function: Option<String>,
    /// HTTP status: 409, 412 or 429.
    pub status: u16,
    /// The error type, such as `ResourceConflictException`.
    pub error_type: String,
}

/// Counts for one function (by name; the same name in two accounts shares a row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCounters {
    /// Calls per API.
    pub calls: BTreeMap<ApiOp, u64>,
    /// 409 `ResourceConflictException`s returned.
    pub conflicts: u64,
    /// 412 `PreconditionFailedException`s returned.
    pub precondition_failures: u64,
    /// 429 `TooManyRequestsException`s returned.
    pub throttles: u64,
    /// Updates started by the outside-writer fault.
    pub outside_writes: u64,
    /// The most updates that overlapped: 1 when every update waited for the previous
    /// one, 2 or more when an update (or publish or alias change) arrived while
    /// another that a caller started was still in progress (updates started by the
    /// outside-writer fault are left out: those 409s are not the caller's doing).
    pub peak_overlap: u32,
}

impl FunctionCounters {
    /// Calls of one API on this function.
    pub fn calls_of(&self, op: ApiOp) -> u64 {
        self.calls.get(&op).copied().unwrap_or(0)
    }
}

/// A snapshot of everything counted since the start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Calls per API, all functions together.
    pub calls: BTreeMap<ApiOp, u64>,
    /// Per function.
    pub functions: BTreeMap<String, FunctionCounters>,
    /// 409s returned, in total.
    pub conflicts: u64,
    /// 412s returned, in total.
    pub precondition_failures: u64,
    /// 429s returned, in total.
    pub throttles: u64,
    /// Injected faults that fired, by kind.
    pub faults: BTreeMap<String, u64>,
    /// The 409/412/429 responses, oldest first (the first 100,000).
    pub errors: Vec<ErrorEvent>,
}

impl Counters {
    /// Calls of one API, all functions together.
    pub fn calls_of(&self, op: ApiOp) -> u64 {
        self.calls.get(&op).copied().unwrap_or(0)
    }

    /// Total calls.
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// One function's counters (empty when it was never called).
    pub fn function(&self, name: &str) -> FunctionCounters {
        self.functions.get(name).cloned().unwrap_or_default()
    }

    /// The highest peak overlap over all functions (0 when nothing was updated).
    pub fn max_overlap(&self) -> u32 {
        self.functions
            .values()
            .map(|f| f.peak_overlap)
            .max()
            .unwrap_or(0)
    }
}

/// The live tallies; cheap to bump on every call.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    calls: HashMap<ApiOp, u64>,
    functions: HashMap<String, FunctionCounters>,
    conflicts: u64,
    precondition_failures: u64,
    throttles: u64,
    faults: BTreeMap<String, u64>,
    errors: Vec<ErrorEvent>,
}

impl Tally {
    fn function_mut(&mut self, name: &str) -> &mut FunctionCounters {
        if !self.functions.contains_key(name) {
            self.functions
                .insert(name.to_owned(), FunctionCounters::default());
        }
        self.functions.get_mut(name).expect("inserted above")
    }

    pub(crate) fn call(&mut self, op: ApiOp, function: Option<&str>) {
        *self.calls.entry(op).or_default() += 1;
        if let Some(name) = function {
            *self.function_mut(name).calls.entry(op).or_default() += 1;
        }
    }

    pub(crate) fn fault(&mut self, name: &str) {
        *self.faults.entry(name.to_owned()).or_default() += 1;
    }

    pub(crate) fn outside_write(&mut self, function: &str) {
        self.function_mut(function).outside_writes += 1;
    }

    pub(crate) fn overlap(&mut self, function: &str, overlapping: u32) {
        let f = self.function_mut(function);
        f.peak_overlap = f.peak_overlap.max(overlapping);
    }

    /// Records a returned error if it is one of the kinds the emulator exists to show.
    pub(crate) fn error(
        &mut self,
        at: Duration,
        op: ApiOp,
        function: Option<&str>,
        status: u16,
        error_type: &str,
    ) {
        if !matches!(status, 409 | 412 | 429) {
            return;
        }
        match status {
            409 => self.conflicts += 1,
            412 => self.precondition_failures += 1,
            _ => self.throttles += 1,
        }
        if let Some(name) = function {
            let f = self.function_mut(name);
            match status {
                409 => f.conflicts += 1,
                412 => f.precondition_failures += 1,
                _ => f.throttles += 1,
            }
        }
        if self.errors.len() < MAX_EVENTS {
            self.errors.push(ErrorEvent {
                at_ms: at.as_millis() as u64,
                op,
                function: function.map(str::to_owned),
                status,
                error_type: error_type.to_owned(),
            });
        }
    }

    pub(crate) fn snapshot(&self) -> Counters {
        Counters {
            calls: self.calls.iter().map(|(k, v)| (*k, *v)).collect(),
            functions: self
                .functions
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            conflicts: self.conflicts,
            precondition_failures: self.precondition_failures,
            throttles: self.throttles,
            faults: self.faults.clone(),
            errors: self.errors.clone(),
        }
    }
}
