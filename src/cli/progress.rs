//! How apply shows progress: a live view on a terminal (one line per active function
//! and an overall bar), plain timestamped lines otherwise (CI logs).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use flotilla_core::apply::{Event, EventSink, LineSink};
use flotilla_core::model::FunctionKey;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One plain line per event on stderr, with the time since apply started.
pub struct TimedLines {
    start: Instant,
}

impl TimedLines {
    /// Starts the clock.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl EventSink for TimedLines {
    fn event(&self, event: &Event) {
        if let Some(line) = LineSink::line(event) {
            eprintln!("[{:>7.1}s] {line}", self.start.elapsed().as_secs_f64());
        }
    }
}

/// The terminal view: a spinner per function in flight with its current step, an
/// overall bar, and a permanent line per finished function.
pub struct LiveView {
    multi: MultiProgress,
    overall: ProgressBar,
    active: Mutex<HashMap<FunctionKey, ProgressBar>>,
}

impl LiveView {
    /// A view for `functions` functions, drawn on stderr.
    pub fn new(functions: usize) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(functions as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} functions {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Self {
            multi,
            overall,
            active: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, key: &FunctionKey) -> ProgressBar {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        active
            .entry(key.clone())
            .or_insert_with(|| {
                let bar = self
                    .multi
                    .insert_before(&self.overall, ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("  {spinner} {prefix:.bold} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(key.to_string());
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
            .clone()
    }
}

impl EventSink for LiveView {
    fn event(&self, event: &Event) {
        match event {
            Event::FunctionStarted { key } => self.bar(key).set_message("waiting until stable"),
            Event::StepStarted { key, step } => self.bar(key).set_message(format!("{step}…")),
            Event::StepDone { key, step } => {
                self.bar(key).set_message(format!("{step} done, waiting"));
            }
            Event::UploadProgress { key, sent, total } => {
                self.bar(key).set_message(upload_bar(*sent, *total));
            }
            Event::Uploaded { key, .. } => {
                self.bar(key).set_message("uploaded, waiting");
                if let Some(line) = LineSink::line(event) {
                    let _ = self.multi.println(line);
                }
            }
            Event::Retrying { key, .. }
            | Event::Landed { key, .. }
            | Event::WaitingForQuota { key, .. } => {
                if let Some(line) = LineSink::line(event) {
                    self.bar(key).set_message(line);
                }
            }
            Event::FunctionFinished { key, .. } => {
                let bar = self
                    .active
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(key);
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                if let Some(line) = LineSink::line(event) {
                    let _ = self.multi.println(line);
                }
                self.overall.inc(1);
            }
        }
    }
}

/// `uploading [=======>      ] 12.0/40.0 MiB`, drawn in a spinner's message.
fn upload_bar(sent: u64, total: u64) -> String {
    const WIDTH: u64 = 24;
    const MIB: f64 = 1024.0 * 1024.0;
    let filled = (sent.saturating_mul(WIDTH) / total.max(1)).min(WIDTH);
    let bar: String = (0..WIDTH)
        .map(|i| match i.cmp(&filled) {
            std::cmp::Ordering::Less => '=',
            std::cmp::Ordering::Equal => '>',
            std::cmp::Ordering::Greater => ' ',
        })
        .collect();
    #[allow(clippy::cast_precision_loss)] // sizes under 250 MB are exact in f64
    let (sent, total) = (sent as f64 / MIB, total as f64 / MIB);
    format!("uploading [{bar}] {sent:.1}/{total:.1} MiB")
}

impl Drop for LiveView {
    fn drop(&mut self) {
        self.overall.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::upload_bar;

    #[test]
    fn the_upload_bar_fills_with_the_bytes_sent() {
        let half = upload_bar(5 * 1024 * 1024, 10 * 1024 * 1024);
        assert_eq!(
            half,
            format!(
                "uploading [{}>{}] 5.0/10.0 MiB",
                "=".repeat(12),
                " ".repeat(11)
            )
        );
        assert!(upload_bar(0, 0).starts_with("uploading [>"));
        assert!(upload_bar(10, 10).contains(&"=".repeat(24)));
    }
}
