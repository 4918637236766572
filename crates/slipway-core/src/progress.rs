//! Progress policy and reporting.
//!
//! The decision is a pure function ([`show_bar`]) so it can be tested exhaustively. On a
//! terminal we draw an indicatif bar; anywhere else (CodeBuild logs, CI, a pipe) a plain line
//! with counts, bytes and rate every few seconds, so long steps show they are alive without
//! flooding the log.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::Printer;

/// `--progress`: when to draw a progress bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal outside CI; periodic lines otherwise.
    #[default]
    Auto,
    /// Always a bar (even when stderr is not a terminal).
    Always,
    /// No bar and no periodic lines; only the final summary.
    Never,
}

/// What to show while work runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    Bar,
    Lines,
    Nothing,
}

/// The whole progress policy.
pub fn decide(mode: ProgressMode, stderr_is_terminal: bool, is_ci: bool) -> Display {
    match mode {
        ProgressMode::Never => Display::Nothing,
        _ if show_bar(mode, stderr_is_terminal, is_ci) => Display::Bar,
        _ => Display::Lines,
    }
}

/// Whether to draw a bar: `always` does, `never` does not, `auto` only on a terminal
/// outside CI.
pub fn show_bar(mode: ProgressMode, stderr_is_terminal: bool, is_ci: bool) -> bool {
    match mode {
        ProgressMode::Always => true,
        ProgressMode::Never => false,
        ProgressMode::Auto => stderr_is_terminal && !is_ci,
    }
}

/// How often the plain-line reporter prints.
pub const LINE_INTERVAL: Duration = Duration::from_secs(5);

/// A running progress display for `total_items` items of `total_bytes` bytes.
pub struct Progress {
    counters: Arc<Counters>,
    kind: Kind,
}

struct Counters {
    items: AtomicU64,
    bytes: AtomicU64,
    total_items: u64,
    total_bytes: u64,
    started: Instant,
}

enum Kind {
    Bar(ProgressBar),
    Lines {
        stop: Arc<(Mutex<bool>, Condvar)>,
        thread: Option<JoinHandle<()>>,
    },
    Nothing,
}

impl Progress {
    /// Starts a display chosen by [`decide`] from `mode`, stderr and the environment.
    pub fn start(
        mode: ProgressMode,
        printer: Printer,
        label: &str,
        total_items: u64,
        total_bytes: u64,
    ) -> Self {
        let is_ci = crate::codebuild::is_ci(|name| std::env::var(name).ok());
        let display = if printer.quiet {
            Display::Nothing
        } else {
            decide(mode, std::io::stderr().is_terminal(), is_ci)
        };
        Self::with_display(display, printer, label, total_items, total_bytes)
    }

    pub fn with_display(
        display: Display,
        printer: Printer,
        label: &str,
        total_items: u64,
        total_bytes: u64,
    ) -> Self {
        let counters = Arc::new(Counters {
            items: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            total_items,
            total_bytes,
            started: Instant::now(),
        });
        let kind = match display {
            Display::Nothing => Kind::Nothing,
            Display::Bar => {
                let bar = ProgressBar::with_draw_target(
                    Some(total_bytes),
                    ProgressDrawTarget::stderr_with_hz(10),
                );
                let style = ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {msg} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(label.to_owned());
                bar.set_message(format!("0/{total_items}"));
                Kind::Bar(bar)
            }
            Display::Lines => {
                let stop = Arc::new((Mutex::new(false), Condvar::new()));
                let thread = {
                    let stop = Arc::clone(&stop);
                    let counters = Arc::clone(&counters);
                    let label = label.to_owned();
                    std::thread::spawn(move || {
                        let (lock, cvar) = &*stop;
                        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                        // Checking the flag under the lock before each wait means a finish()
                        // that came before this thread first waited is never missed.
                        while !*done {
                            let (guard, timeout) = cvar
                                .wait_timeout_while(done, LINE_INTERVAL, |d| !*d)
                                .unwrap_or_else(|e| e.into_inner());
                            done = guard;
                            if timeout.timed_out() && !*done {
                                printer.info(counters.line(&label));
                            }
                        }
                    })
                };
                Kind::Lines {
                    stop,
                    thread: Some(thread),
                }
            }
        };
        Self { counters, kind }
    }

    /// Records `items` finished items of `bytes` bytes.
    pub fn inc(&self, items: u64, bytes: u64) {
        let done = self.counters.items.fetch_add(items, Ordering::Relaxed) + items;
        self.counters.bytes.fetch_add(bytes, Ordering::Relaxed);
        if let Kind::Bar(bar) = &self.kind {
            bar.inc(bytes);
            bar.set_message(format!("{done}/{}", self.counters.total_items));
        }
    }

    /// Prints a line above the bar (or plainly) without breaking the display.
    pub fn println(&self, printer: Printer, line: &str) {
        match &self.kind {
            Kind::Bar(bar) => bar.suspend(|| printer.info(line)),
            _ => printer.info(line),
        }
    }

    /// Stops the display; the caller prints the summary.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        match &mut self.kind {
            Kind::Bar(bar) => bar.finish_and_clear(),
            Kind::Lines { stop, thread } => {
                let (lock, cvar) = &**stop;
                *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
                cvar.notify_all();
                if let Some(t) = thread.take() {
                    let _ = t.join();
                }
            }
            Kind::Nothing => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Counters {
    fn line(&self, label: &str) -> String {
        let items = self.items.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        format!(
            "{label}: {items}/{} files, {}/{}, {}/s",
            self.total_items,
            human_bytes(bytes),
            human_bytes(self.total_bytes),
            human_bytes((bytes as f64 / secs) as u64),
        )
    }
}

/// `1.2 MiB`-style sizes for people.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_is_exhaustive() {
        use ProgressMode::*;
        for mode in [Auto, Always, Never] {
            for tty in [false, true] {
                for ci in [false, true] {
                    let expected = match mode {
                        Always => Display::Bar,
                        Never => Display::Nothing,
                        Auto if tty && !ci => Display::Bar,
                        Auto => Display::Lines,
                    };
                    assert_eq!(
                        decide(mode, tty, ci),
                        expected,
                        "{mode:?} tty={tty} ci={ci}"
                    );
                }
            }
        }
    }

    #[test]
    fn bytes_read_well() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(110 * 1024 * 1024), "110.0 MiB");
    }

    #[test]
    fn finishing_at_once_does_not_wait_for_the_line_interval() {
        // A finish() racing the reporter thread's start must not leave it waiting.
        for _ in 0..50 {
            let p = Progress::with_display(Display::Lines, Printer::new(true), "t", 1, 1);
            let started = Instant::now();
            p.finish();
            assert!(
                started.elapsed() < LINE_INTERVAL,
                "finish waited for the interval"
            );
        }
    }

    #[test]
    fn counters_add_up() {
        let p = Progress::with_display(Display::Nothing, Printer::new(true), "t", 3, 30);
        p.inc(1, 10);
        p.inc(2, 20);
        assert!(p.counters.line("t").starts_with("t: 3/3 files, 30 B/30 B"));
        p.finish();
    }
}
