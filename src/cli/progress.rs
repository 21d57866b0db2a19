//! The progress bar of `keyhook audit-history`, on stderr, one phase at a time by
//! name: walking history (commits), reading objects or blobs (of the total, MB/s and
//! the time left, from the first second), placing findings in history (commits). Drawn by its own thread from the source's
//! counters, so the walk and the scan never wait on the terminal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use keyhook::source::history::Counters;

/// A running progress display (or nothing, when disabled).
pub struct Progress {
    running: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Progress {
    /// Starts drawing from `counters` when `enabled`.
    pub fn start(enabled: bool, counters: Arc<Counters>) -> Progress {
        if !enabled {
            return Progress { running: None };
        }
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let handle = std::thread::spawn(move || draw(&counters, &thread_stop));
        Progress {
            running: Some((stop, handle)),
        }
    }

    /// Stops drawing and clears the bar.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some((stop, handle)) = self.running.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn draw(counters: &Counters, stop: &AtomicBool) {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let spinner = |phase: &str| {
        ProgressStyle::with_template(&format!("{{spinner}} {phase}: {{msg}}"))
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
    };
    bar.set_style(spinner("walking history"));
    let mut shown = Counters::WALKING;
    let mut reading: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        let phase = counters.phase.load(Ordering::Relaxed);
        if phase != shown {
            shown = phase;
            match phase {
                Counters::READING => {
                    let total = counters.blobs_total.load(Ordering::Relaxed);
                    let unit = if counters.all_objects.load(Ordering::Relaxed) {
                        "objects"
                    } else {
                        "blobs"
                    };
                    bar.set_length(total);
                    bar.set_position(0);
                    bar.set_style(
                        ProgressStyle::with_template(&format!(
                            "reading {unit} {{bar:30}} {{pos}}/{{len}}  {{msg}}"
                        ))
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    reading = Some(Instant::now());
                }
                Counters::PLACING => bar.set_style(spinner("placing findings in history")),
                _ => bar.set_style(spinner("walking history")),
            }
        }
        match (phase, reading) {
            (Counters::READING, Some(started)) => {
                let done = counters.blobs_done.load(Ordering::Relaxed);
                let total = counters.blobs_total.load(Ordering::Relaxed);
                let bytes = counters.bytes.load(Ordering::Relaxed) as f64;
                let seconds = started.elapsed().as_secs_f64().max(0.001);
                bar.set_position(done);
                // A rate from the first second on: what was read over the time it took,
                // and the time left at that pace.
                let left = if done > 0 {
                    let eta = seconds * (total.saturating_sub(done)) as f64 / done as f64;
                    format!("{:.0} s left", eta.ceil())
                } else {
                    "…".to_string()
                };
                bar.set_message(format!("{:.0} MB/s  {left}", bytes / seconds / 1e6));
            }
            _ => {
                let commits = counters.commits.load(Ordering::Relaxed);
                bar.set_message(format!("{commits} commits"));
                bar.tick();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}
