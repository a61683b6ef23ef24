//! What the text outputs adapt to: the width of the reader's terminal and whether it shows
//! colour. Read here, at the edge, and handed to the renderers as plain values.

use crate::cli::ColorChoice;
use std::ffi::OsStr;
use std::io::IsTerminal;

/// The width used when standard output is not a terminal and `COLUMNS` says nothing: what a
/// pager or a CI log shows without wrapping.
pub const PIPED_WIDTH: usize = 80;

/// The columns text is laid out for: `--width`, else the terminal's own width, else `COLUMNS`,
/// else [`PIPED_WIDTH`].
pub fn width(flag: Option<u16>) -> usize {
    width_from(flag, stdout_columns(), std::env::var_os("COLUMNS").as_deref())
}

fn width_from(flag: Option<u16>, terminal: Option<u16>, columns: Option<&OsStr>) -> usize {
    let from_env = || {
        columns
            .and_then(OsStr::to_str)
            .and_then(|text| text.trim().parse::<u16>().ok())
            .filter(|n| *n > 0)
    };
    flag.or(terminal)
        .or_else(from_env)
        .map_or(PIPED_WIDTH, usize::from)
}

/// The terminal's columns when standard output is one (`TIOCGWINSZ`).
fn stdout_columns() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which points at a live,
    // properly aligned local; the descriptor is standard output, open for the process's life.
    let status = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (status == 0 && size.ws_col > 0).then_some(size.ws_col)
}

/// `--color`: `auto` colours a terminal unless `NO_COLOR` is set to anything non-empty
/// (no-color.org) or `TERM` is `dumb`; an explicit `always`/`never` wins over the environment.
pub fn use_colour(choice: ColorChoice) -> bool {
    colour_wanted(
        choice,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
        std::io::stdout().is_terminal(),
    )
}

fn colour_wanted(
    choice: ColorChoice,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
    terminal: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            no_color.is_none_or(|value| value.is_empty()) && term != Some(OsStr::new("dumb")) && terminal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_follows_the_flag_then_the_terminal_then_columns_then_80() {
        let columns = Some(OsStr::new("132"));
        assert_eq!(width_from(Some(100), Some(90), columns), 100);
        assert_eq!(width_from(None, Some(90), columns), 90);
        assert_eq!(width_from(None, None, columns), 132);
        assert_eq!(width_from(None, None, Some(OsStr::new("wide"))), PIPED_WIDTH);
        assert_eq!(width_from(None, None, Some(OsStr::new("0"))), PIPED_WIDTH);
        assert_eq!(width_from(None, None, None), PIPED_WIDTH);
    }

    #[test]
    fn colour_follows_the_flag_then_no_color_and_term_then_the_terminal() {
        let set = Some(OsStr::new("1"));
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(colour_wanted(ColorChoice::Auto, None, xterm, true));
        assert!(colour_wanted(ColorChoice::Auto, None, None, true));
        assert!(!colour_wanted(ColorChoice::Auto, None, xterm, false));
        assert!(!colour_wanted(ColorChoice::Auto, set, xterm, true));
        assert!(!colour_wanted(
            ColorChoice::Auto,
            None,
            Some(OsStr::new("dumb")),
            true
        ));
        assert!(
            colour_wanted(ColorChoice::Auto, Some(OsStr::new("")), xterm, true),
            "empty NO_COLOR is unset"
        );
        assert!(colour_wanted(
            ColorChoice::Always,
            set,
            Some(OsStr::new("dumb")),
            false
        ));
        assert!(!colour_wanted(ColorChoice::Never, None, xterm, true));
    }
}
