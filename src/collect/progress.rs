//! A spinner on standard error for collections that take more than a moment; silent when
//! standard error is not a terminal or with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long a collection runs before the spinner shows.
const SHOW_AFTER: Duration = Duration::from_millis(300);

#[derive(Default)]
struct Shown {
    bar: Option<ProgressBar>,
    message: String,
    finished: bool,
}

/// What the user sees while collecting. The spinner appears only once the collection has run
/// for [`SHOW_AFTER`] (a connection that hangs still shows one), so quick ones print nothing.
pub struct Progress {
    shown: Option<Arc<Mutex<Shown>>>,
}

impl Progress {
    /// A display on standard error, unless `quiet` or standard error is not a terminal.
    pub fn on_stderr(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let shown = Arc::new(Mutex::new(Shown::default()));
        let later = Arc::clone(&shown);
        std::thread::spawn(move || {
            std::thread::sleep(SHOW_AFTER);
            let mut shown = later.lock().unwrap_or_else(PoisonError::into_inner);
            if shown.finished {
                return;
            }
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar.set_message(shown.message.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            shown.bar = Some(bar);
        });
        Progress { shown: Some(shown) }
    }

    /// A display that never shows.
    pub fn hidden() -> Self {
        Progress { shown: None }
    }

    pub fn set(&mut self, message: impl Into<String>) {
        let Some(shown) = &self.shown else { return };
        let mut shown = shown.lock().unwrap_or_else(PoisonError::into_inner);
        shown.message = message.into();
        if let Some(bar) = &shown.bar {
            bar.set_message(shown.message.clone());
        }
    }

    pub fn finish(&mut self) {
        let Some(shown) = &self.shown else { return };
        let mut shown = shown.lock().unwrap_or_else(PoisonError::into_inner);
        shown.finished = true;
        if let Some(bar) = shown.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `1.2 MiB`-style sizes for messages.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match UNITS.get(unit) {
        Some(name) if unit > 0 => format!("{value:.1} {name}"),
        _ => format!("{bytes} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
    }
}
