//! `probescope limits` and `--limit`: the caps every input is read under, listed and set.

use super::ExitStatus;
use crate::cli::{LimitArgs, LimitsArgs};
use crate::error::Result;
use crate::limits::{LimitSetting, Limits, FIXED, SPECS};
use std::io::Write;

#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Set,
    /// `--limit help` was given: the listing is printed and nothing else runs.
    HelpShown,
}

/// Sets the run's caps from `--max-input-bytes` then `--limit` (a later one wins).
pub fn apply(args: &LimitArgs) -> Applied {
    if args.settings.contains(&LimitSetting::Help) {
        // A closed stdout (`| head`) ends the listing quietly.
        let _ = std::io::stdout().write_all(listing(&Limits::default()).as_bytes());
        return Applied::HelpShown;
    }
    let mut limits = Limits::default();
    if let Some(bytes) = args.max_input_bytes {
        limits.input_bytes = bytes;
    }
    crate::limits::set_current(limits.with(&args.settings));
    Applied::Set
}

/// `--limit help` lists the caps even where the command's required arguments are missing
/// (`probescope diff --limit help`), as `--help` does; true when it did.
pub fn help_despite_missing_arguments(error: &clap::Error, args: &[std::ffi::OsString]) -> bool {
    if error.kind() != clap::error::ErrorKind::MissingRequiredArgument {
        return false;
    }
    let asked = args
        .windows(2)
        .any(|pair| pair[0] == "--limit" && pair[1].to_str().is_some_and(|value| value.trim() == "help"))
        || args.iter().any(|arg| {
            arg.to_str()
                .and_then(|arg| arg.strip_prefix("--limit="))
                .is_some_and(|value| value.trim() == "help")
        });
    if asked {
        let _ = std::io::stdout().write_all(listing(&Limits::default()).as_bytes());
    }
    asked
}

pub fn run(args: LimitsArgs) -> Result<ExitStatus> {
    let limits = Limits::default();
    let text = if args.markdown {
        crate::limits::markdown_table(&limits)
    } else {
        listing(&limits)
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitStatus::Clean)
}

/// The terminal listing: settable caps (name, default, what), then the fixed ones.
fn listing(limits: &Limits) -> String {
    let width = SPECS.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut out = String::from("Caps set with --limit NAME=VALUE (sizes take K, M, G):\n");
    for spec in SPECS {
        let value = crate::limits::display_value(spec.unit, (spec.get)(limits));
        out.push_str(&format!("  {:width$}  {value:>12}  {}\n", spec.name, spec.what));
        out.push_str(&format!(
            "  {:width$}  {:>12}  at the cap: {}\n",
            "", "", spec.when_hit
        ));
    }
    out.push_str("\nCaps a format sets (no flag: no input can ask for more):\n");
    for fixed in FIXED {
        out.push_str(&format!(
            "  {}: {} ({})\n",
            fixed.what, fixed.value, fixed.when_hit
        ));
    }
    out
}
