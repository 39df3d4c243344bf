//! Progress events the engine emits while it runs, and a plain-line default sink.
//!
//! Renderers (progress bars, JSON lines) implement [`EventSink`]; the engine never
//! formats progress itself beyond [`LineSink`]. Events never carry secret values.

use std::time::Duration;

use crate::model::FunctionKey;

use super::report::Outcome;
use crate::s3::UploadReport;

/// The shortest pacing wait that is shown, and how often a longer one is shown again.
pub const QUOTA_NOTICE: Duration = Duration::from_secs(5);

/// Something that happened during apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A function's task started.
    FunctionStarted {
        /// Function key.
        key: FunctionKey,
    },
    /// A step is about to be carried out.
    StepStarted {
        /// Function key.
        key: FunctionKey,
        /// Lambda operation name.
        step: &'static str,
    },
    /// A step completed.
    StepDone {
        /// Function key.
        key: FunctionKey,
        /// Lambda operation name.
        step: &'static str,
    },
    /// A call failed and will be retried after `delay`.
    Retrying {
        /// Function key.
        key: FunctionKey,
        /// Lambda operation name.
        op: &'static str,
        /// Error class (`conflict`, `throttled`, ...).
        class: &'static str,
        /// Attempt that failed (1-based).
        attempt: u32,
        /// Backoff before the next attempt.
        delay: Duration,
    },
    /// A mutation's response was lost, but re-reading showed it had landed.
    Landed {
        /// Function key.
        key: FunctionKey,
        /// Lambda operation name.
        step: &'static str,
    },
    /// Bytes of a function's zip sent to S3 so far (`sent` is 0 when the upload starts).
    UploadProgress {
        /// Function key.
        key: FunctionKey,
        /// Bytes sent.
        sent: u64,
        /// Size of the zip.
        total: u64,
    },
    /// A function's zip is in S3: uploaded now, or found there already (skipped).
    Uploaded {
        /// Function key.
        key: FunctionKey,
        /// What the upload did.
        report: UploadReport,
    },
    /// A call waits at least [`QUOTA_NOTICE`] for a slot under the rate limits;
    /// repeated every [`QUOTA_NOTICE`] while the wait lasts, so a slow rate is never
    /// silence.
    WaitingForQuota {
        /// Function key.
        key: FunctionKey,
        /// Time left until the call may go.
        left: Duration,
    },
    /// A function finished (any outcome).
    FunctionFinished {
        /// Function key.
        key: FunctionKey,
        /// How it ended.
        outcome: Outcome,
    },
}

/// Receives progress events. Implementations must be cheap: the engine calls them inline.
pub trait EventSink: Send + Sync {
    /// Handles one event.
    fn event(&self, event: &Event);

    /// Shows a line that is no function's event (the acknowledgement of an interrupt),
    /// where the sink draws: a live view prints it above its bars.
    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// Discards every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&self, _event: &Event) {}
}

/// Writes one plain line per event to stderr.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineSink;

impl LineSink {
    /// The line for an event, or `None` for events not worth a line.
    pub fn line(event: &Event) -> Option<String> {
        Some(match event {
            Event::FunctionStarted { .. } => return None,
            Event::StepStarted { key, step } => format!("{key}: {step}"),
            Event::StepDone { key, step } => format!("{key}: {step} done"),
            Event::Retrying {
                key,
                op,
                class,
                attempt,
                delay,
            } => format!(
                "{key}: {op} {class} on attempt {attempt}, retrying in {:.1}s",
                delay.as_secs_f64()
            ),
            Event::Landed { key, step } => {
                format!("{key}: {step} response lost, but it had landed; not repeating it")
            }
            Event::UploadProgress { key, sent, total } => {
                if *sent > 0 {
                    return None;
                }
                format!("{key}: uploading {total} bytes to S3")
            }
            Event::Uploaded { key, report } if report.skipped => format!(
                "{key}: {} already uploaded ({} bytes), upload skipped",
                report.location, report.bytes
            ),
            Event::Uploaded { key, report } => format!(
                "{key}: uploaded {} bytes to {} ({} part{})",
                report.bytes,
                report.location,
                report.parts,
                if report.parts == 1 { "" } else { "s" }
            ),
            Event::WaitingForQuota { key, left } => format!(
                "{key}: waiting for quota: next call in {}s",
                left.as_secs_f64().ceil()
            ),
            Event::FunctionFinished { key, outcome } => match outcome.detail() {
                Some(d) => format!("{key}: {}: {d}", outcome.label()),
                None => format!("{key}: {}", outcome.label()),
            },
        })
    }
}

impl EventSink for LineSink {
    fn event(&self, event: &Event) {
        if let Some(line) = Self::line(event) {
            eprintln!("{line}");
        }
    }
}

/// Collects events in memory (for tests and for renderers that draw at the end).
#[derive(Debug, Default)]
pub struct CollectEvents {
    events: std::sync::Mutex<Vec<Event>>,
}

impl CollectEvents {
    /// Every event so far.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl EventSink for CollectEvents {
    fn event(&self, event: &Event) {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
    }
}
