//! A spinner on standard error for collections that take more than a moment; silent when
//! standard error is not a terminal or with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How long a collection runs before the spinner shows.
const SHOW_AFTER: Duration = Duration::from_millis(300);

pub struct Progress {
    enabled: bool,
    started: Instant,
    bar: Option<ProgressBar>,
    message: String,
}

impl Progress {
    /// A display on standard error, unless `quiet` or standard error is not a terminal.
    pub fn on_stderr(quiet: bool) -> Self {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            started: Instant::now(),
            bar: None,
            message: String::new(),
        }
    }

    /// A display that never shows.
    pub fn hidden() -> Self {
        Progress {
            enabled: false,
            started: Instant::now(),
            bar: None,
            message: String::new(),
        }
    }

    pub fn set(&mut self, message: impl Into<String>) {
        self.message = message.into();
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.started.elapsed() >= SHOW_AFTER {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_message(self.message.clone());
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
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
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
