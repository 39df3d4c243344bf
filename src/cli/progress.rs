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

/// The terminal view: a spinner per function in flight with its current step and how
/// long it has been on it, an overall bar whose clock ticks on its own and which counts
/// the functions still waiting (for a dependency or a slot), and a permanent line per
/// finished function.
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
        // Without a tick of its own the clock only moved when an event arrived.
        overall.enable_steady_tick(Duration::from_millis(200));
        let view = Self {
            multi,
            overall,
            active: Mutex::new(HashMap::new()),
        };
        view.count(0);
        view
    }

    fn bar(&self, key: &FunctionKey) -> ProgressBar {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        let bar = active
            .entry(key.clone())
            .or_insert_with(|| {
                let bar = self
                    .multi
                    .insert_before(&self.overall, ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("  {spinner} {prefix:.bold} {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(key.to_string());
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
            .clone();
        let running = active.len();
        drop(active);
        self.count(running);
        bar
    }

    /// Says how many functions run and how many wait.
    fn count(&self, running: usize) {
        let done = usize::try_from(self.overall.position()).unwrap_or(usize::MAX);
        let total = usize::try_from(self.overall.length().unwrap_or(0)).unwrap_or(usize::MAX);
        let waiting = total.saturating_sub(done).saturating_sub(running);
        self.overall.set_message(match waiting {
            0 => format!("({running} running)"),
            _ => format!("({running} running, {waiting} waiting for a dependency or a slot)"),
        });
    }

    /// Shows `message` as what `key` does now; its clock restarts.
    fn say(&self, key: &FunctionKey, message: impl Into<std::borrow::Cow<'static, str>>) {
        let bar = self.bar(key);
        bar.reset_elapsed();
        bar.set_message(message);
    }
}

/// An event's line without the function's key, which the spinner already shows.
fn without_key(event: &Event, key: &FunctionKey) -> Option<String> {
    let line = LineSink::line(event)?;
    let prefix = format!("{key}: ");
    Some(
        line.strip_prefix(&prefix)
            .map_or(line.clone(), str::to_owned),
    )
}

impl EventSink for LiveView {
    fn event(&self, event: &Event) {
        match event {
            Event::FunctionStarted { key } => self.say(key, "waiting until stable"),
            Event::StepStarted { key, step } => self.say(key, format!("{step}…")),
            Event::StepDone { key, step } => self.say(key, format!("{step} done, waiting")),
            Event::UploadProgress { key, sent, total } => {
                self.bar(key).set_message(upload_bar(*sent, *total));
            }
            Event::Uploaded { key, .. } => {
                self.say(key, "uploaded, waiting");
                if let Some(line) = LineSink::line(event) {
                    let _ = self.multi.println(line);
                }
            }
            // True for the whole backoff and the attempt after it, so it never goes
            // stale; the clock beside it says how long ago it failed.
            Event::Retrying {
                key,
                op,
                class,
                attempt,
                ..
            } => self.say(
                key,
                format!("{op}: retrying after {class} (attempt {})", attempt + 1),
            ),
            Event::Landed { key, .. } | Event::WaitingForQuota { key, .. } => {
                if let Some(line) = without_key(event, key) {
                    self.say(key, line);
                }
            }
            Event::FunctionFinished { key, .. } => {
                let (bar, running) = {
                    let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
                    let bar = active.remove(key);
                    (bar, active.len())
                };
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                if let Some(line) = LineSink::line(event) {
                    let _ = self.multi.println(line);
                }
                self.overall.inc(1);
                self.count(running);
            }
        }
    }

    fn note(&self, line: &str) {
        // Above the bars: a plain eprintln would be drawn over by the next frame.
        let _ = self.multi.println(line);
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
        // An interrupted run leaves functions unfinished: clear their spinners too, so
        // no frozen line stays on the terminal.
        let active = std::mem::take(&mut *self.active.lock().unwrap_or_else(|p| p.into_inner()));
        for bar in active.into_values() {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
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
