//! The progress bar of `keyhook audit-history`: commits walked, then blobs read of
//! the total, MB/s and ETA, on stderr. Drawn by its own thread from the source's
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
    bar.set_style(
        ProgressStyle::with_template("{spinner} walking history: {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut scanning: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        let total = counters.blobs_total.load(Ordering::Relaxed);
        if total == 0 {
            let commits = counters.commits.load(Ordering::Relaxed);
            bar.set_message(format!("{commits} commits"));
            bar.tick();
        } else {
            let started = *scanning.get_or_insert_with(|| {
                bar.set_length(total);
                bar.set_style(
                    ProgressStyle::with_template("{bar:30} {pos}/{len} blobs  {msg}  ETA {eta}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.reset_eta();
                Instant::now()
            });
            let done = counters.blobs_done.load(Ordering::Relaxed);
            let bytes = counters.bytes.load(Ordering::Relaxed) as f64;
            let seconds = started.elapsed().as_secs_f64().max(0.001);
            bar.set_position(done);
            bar.set_message(format!("{:.0} MB/s", bytes / seconds / 1e6));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}
