//! The default text output of `check`: each finding in the shape rustc, cargo and ruff print
//! (`error[PS101]: …`, a `-->` location, the evidence lines, notes and a help line), rendered
//! by annotate-snippets, sized to the reader's width; then one summary closing the report.
//!
//! Kernel lines are cut to the width with `…` (the JSON keeps them whole) and each finding
//! shows a few of its evidence lines unless `--verbose` asks for all of them.
//!
//! Long because: the finding's shape, the title split and the summary's `Tally` (kept between
//! boots of a run printed boot by boot) share the layout helpers (465 lines before the tests).

use super::{BootOutcome, BootStatus, Report};
use crate::rules::{Finding, Severity};
use crate::sanitize::{escape_control, shorten};
use annotate_snippets::{Level, Message, Renderer, Snippet};
use std::fmt::Write;

/// Evidence lines a finding shows without `--verbose`.
pub const EVIDENCE_SHOWN: usize = 3;

/// The narrowest width rendered: below it the gutter and the line number leave no room for text.
const MIN_WIDTH: usize = 40;

/// How the text is laid out: the width it must fit, colour, and how much it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextStyle {
    pub width: usize,
    pub colour: bool,
    /// Every evidence line and every blocked device, not only the first few.
    pub verbose: bool,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle {
            width: 80,
            colour: false,
            verbose: false,
        }
    }
}

impl TextStyle {
    fn width(&self) -> usize {
        self.width.max(MIN_WIDTH)
    }
}

/// The whole run: a heading per boot when there are several, each boot's findings, and the
/// summary as the last line.
pub fn render(outcomes: &[BootOutcome], style: &TextStyle) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        out.push_str(&boot_text(outcome, outcomes.len() > 1, style));
    }
    out.push_str(&summary(outcomes, style));
    out
}

/// One boot of the run as [`render`] prints it, for a run printed boot by boot: headed by its
/// name when the run has `several` boots.
pub fn boot_text(outcome: &BootOutcome, several: bool, style: &TextStyle) -> String {
    let mut out = String::new();
    if several {
        let heading = format!("== {} ==", escape_control(&outcome.name));
        let _ = writeln!(out, "{}", bold(&shorten(&heading, style.width()), style.colour));
    }
    out.push_str(&boot_section(outcome, !several, style));
    out
}

/// One boot: its findings (the new ones only, with a baseline), the baseline entries that no
/// longer occur, and what could not be read.
fn boot_section(outcome: &BootOutcome, single: bool, style: &TextStyle) -> String {
    let mut out = String::new();
    let report: &Report = match &outcome.result {
        Ok(report) => report,
        // A single boot's error is on standard error already, whole.
        Err(_) if single => return out,
        Err(error) => {
            let first = escape_control(error.lines().next().unwrap_or_default());
            for line in wrap(&format!("error: input not usable: {first}"), style.width(), "  ") {
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
            return out;
        }
    };
    // Root causes first: within a severity, a finding that blocks other devices comes before
    // the findings about one device.
    let mut order: Vec<usize> = (0..report.findings.len())
        .filter(|index| !outcome.is_known(*index))
        .collect();
    order.sort_by_key(|index| {
        let finding = &report.findings[*index];
        (std::cmp::Reverse(finding.severity), finding.blocks.len() <= 1)
    });
    for index in order {
        out.push_str(&finding_text(&report.findings[index], style));
        out.push('\n');
    }
    if let Some(diff) = &outcome.baseline {
        let known = diff.known_count();
        if known > 0 {
            let _ = writeln!(out, "note: {known} finding(s) in the baseline, not shown");
        }
        if !diff.fixed.is_empty() {
            let _ = writeln!(out, "note: fixed since the baseline (remove these entries):");
            for fixed in &diff.fixed {
                let related = if fixed.related.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", escape_control(&fixed.related.join(", ")))
                };
                let line = format!("  - {} {}{related}", fixed.rule, escape_control(&fixed.subject));
                let _ = writeln!(out, "{}", cut(&line, style));
            }
        }
    }
    for note in &report.notes {
        for line in wrap(
            &format!("note: {}", escape_control(note)),
            style.width(),
            "      ",
        ) {
            let _ = writeln!(out, "{line}");
        }
    }
    if !report.notes.is_empty() || outcome.baseline.is_some() {
        out.push('\n');
    }
    out
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
    }
}

/// One finding in the diagnostic shape.
pub fn finding_text(finding: &Finding, style: &TextStyle) -> String {
    let width = style.width();
    let code = finding.code;
    // `error[PS101]: ` and its kin.
    let prefix = finding.severity.to_string().len() + code.len() + 4;
    let message = escape_control(&finding.message);
    let (title, rest) = split_title(&message, width.saturating_sub(prefix));

    let shown = if style.verbose {
        finding.evidence.len()
    } else {
        finding.evidence.len().min(EVIDENCE_SHOWN)
    };
    // Lines of a file show as snippets; what has no line (a DT property, a sysfs value) as notes.
    let (located, unlocated): (Vec<_>, Vec<_>) =
        finding.evidence[..shown].iter().partition(|e| e.origin.line > 0);
    let gutter = located
        .iter()
        .map(|e| e.origin.line.to_string().len())
        .max()
        .unwrap_or(1);
    // `NNN | ` before each line and `   --> ` before each origin.
    let text_room = width.saturating_sub(gutter + 3);
    let origins: Vec<String> = located
        .iter()
        .map(|e| {
            shorten_start(
                &escape_control(&e.origin.to_string()),
                width.saturating_sub(gutter + 5),
            )
        })
        .collect();
    let texts: Vec<String> = located
        .iter()
        .map(|e| shorten(&escape_control(&e.text.replace('\t', " ")), text_room))
        .collect();
    let mut footers: Vec<String> = rest.into_iter().collect();
    footers.extend(
        unlocated
            .iter()
            .map(|e| escape_control(&format!("{}: {}", e.origin, e.text.replace('\t', " ")))),
    );
    let hidden = finding.evidence.len() - shown;
    if hidden > 0 {
        footers.push(format!(
            "{hidden} more evidence line{} (--verbose)",
            if hidden == 1 { "" } else { "s" }
        ));
    }
    if style.verbose {
        for blocked in &finding.blocks {
            let line = match &blocked.waits_for {
                Some(supplier) => format!("blocks {} (waits for {supplier})", blocked.device),
                None => format!("blocks {}", blocked.device),
            };
            footers.push(escape_control(&line));
        }
    }
    // `  = note: ` before a note's first line; annotate-snippets indents the others as far.
    let note_room = width.saturating_sub(gutter + 9);
    let note_texts: Vec<String> = footers
        .iter()
        .map(|note| wrap(note, note_room, "").join("\n"))
        .collect();
    let help = format!("see `probescope explain {code}`");

    let help_text = wrap(&help, note_room, "").join("\n");
    let mut message: Message = level(finding.severity).title(&title).id(code);
    let mut previous_file = None;
    for ((item, origin), text) in located.iter().zip(&origins).zip(&texts) {
        let snippet = Snippet::source(text)
            .line_start(item.origin.line as usize)
            .fold(false);
        // A file is named once for a run of its lines, as rustc names it once for its spans.
        let same_file = previous_file == Some(&item.origin.file);
        previous_file = Some(&item.origin.file);
        message = message.snippet(if same_file {
            snippet
        } else {
            snippet.origin(origin)
        });
    }
    message = message
        .footers(note_texts.iter().map(|note| Level::Note.title(note)))
        .footer(Level::Help.title(&help_text));
    let renderer = if style.colour {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    format!("{}\n", renderer.render(message))
}

/// The closing summary: the root causes by name (findings that block other devices), then the
/// counts, last.
pub fn summary(outcomes: &[BootOutcome], style: &TextStyle) -> String {
    let mut tally = Tally::default();
    for outcome in outcomes {
        tally.add(outcome);
    }
    tally.render(style)
}

/// What the closing summary says of the boots seen so far: counts and root causes, not the
/// findings (a run printed boot by boot keeps this, not the boots).
#[derive(Debug, Default)]
pub struct Tally {
    /// Findings not in the baseline, by severity: error, warning, info.
    counts: [usize; 3],
    /// Root causes in the order first seen, each once.
    causes: Vec<String>,
    causes_seen: std::collections::HashSet<String>,
    boots: usize,
    unusable: usize,
    /// Boots read without a kernel log.
    unread: usize,
    unchecked: bool,
}

impl Tally {
    pub fn add(&mut self, outcome: &BootOutcome) {
        self.boots += 1;
        self.unusable += usize::from(outcome.status() == BootStatus::InputError);
        self.unread += usize::from(
            outcome
                .result
                .as_ref()
                .is_ok_and(|report| !report.has_kernel_log()),
        );
        self.unchecked |= outcome.status() == BootStatus::Unchecked;
        for (index, finding) in outcome.findings().iter().enumerate() {
            if outcome.is_known(index) {
                continue;
            }
            self.counts[match finding.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
            let blocked = finding
                .blocks
                .iter()
                .filter(|b| b.device != finding.subject)
                .count();
            if blocked > 0 {
                let cause = format!(
                    "{} ({blocked} device{})",
                    escape_control(&finding.subject),
                    if blocked == 1 { "" } else { "s" }
                );
                // A log of several boots often repeats the same cause in each.
                if self.causes_seen.insert(cause.clone()) {
                    self.causes.push(cause);
                }
            }
        }
    }

    pub fn render(&self, style: &TextStyle) -> String {
        let mut out = String::new();
        let counts = self.counts;
        if !self.causes.is_empty() {
            let line = format!("root causes: {}", self.causes.join(", "));
            for line in wrap(&line, style.width(), "  ") {
                let _ = writeln!(out, "{line}");
            }
        }
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if counts[0] > 0 {
            parts.push(plural(counts[0], "error", "errors"));
        }
        if counts[1] > 0 {
            parts.push(plural(counts[1], "warning", "warnings"));
        }
        if counts[2] > 0 {
            parts.push(format!("{} info", counts[2]));
        }
        let findings = if parts.is_empty() {
            "no findings".to_string()
        } else {
            parts.join(", ")
        };
        let boots = plural(self.boots, "boot", "boots");
        let unusable = if self.unusable > 0 {
            format!(" ({} not usable)", self.unusable)
        } else {
            String::new()
        };
        // A boot read without its kernel log (the live system as a normal user, a sysfs copy
        // alone) shows neither probe order nor deferrals: finding nothing there is not a clean
        // bill.
        let unread = match self.unread {
            0 => String::new(),
            _ if !parts.is_empty() && !self.unchecked => String::new(),
            n if n == self.boots => " (no kernel log read: probe order unchecked)".into(),
            n => format!(" ({n} without a kernel log: probe order unchecked)"),
        };
        let line = format!("{findings} in {boots}{unusable}{unread}");
        let _ = writeln!(out, "{}", bold(&line, style.colour));
        out
    }
}

/// The part of a message that fits the title line, and the rest (shown as a note): cut after
/// the first `: ` or `; ` that fits (past the first third), else before a clause that fits (past
/// the middle), else between words, with `…` on both sides of the cut.
fn split_title(message: &str, room: usize) -> (String, Option<String>) {
    if message.chars().count() <= room {
        return (message.to_string(), None);
    }
    let fits = |index: usize| message[..index].chars().count() <= room;
    let boundary = message
        .match_indices(": ")
        .chain(message.match_indices("; "))
        .map(|(index, _)| index)
        .filter(|index| fits(*index) && *index > room / 3)
        .min();
    if let Some(index) = boundary {
        return (
            message[..index].to_string(),
            Some(message[index + 2..].to_string()),
        );
    }
    // A clause (before `and`, a comma or a parenthesis) in the second half of the room reads
    // better as a title than the most words that fit.
    let before_room = |index: &usize| message[..*index].chars().count() < room.saturating_sub(1);
    let clause = [" and ", ", ", " ("]
        .iter()
        .flat_map(|separator| message.match_indices(separator))
        .map(|(index, separator)| index + usize::from(separator.starts_with(',')))
        .filter(|index| before_room(index) && *index > room / 2)
        .max();
    let space = clause.or_else(|| {
        message
            .match_indices(' ')
            .map(|(index, _)| index)
            .filter(before_room)
            .max()
    });
    match space {
        Some(index) => (
            format!("{} …", &message[..index]),
            Some(format!("… {}", &message[index + 1..])),
        ),
        None => (shorten(message, room), Some(message.to_string())),
    }
}

/// Cuts `text` to `max` characters from the start, so that a path keeps its file name and line;
/// at a `/` where one is in reach, so that no name is cut in the middle.
fn shorten_start(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let kept: String = text.chars().skip(count + 1 - max.max(1)).collect();
    match kept.find('/') {
        Some(slash) if slash + 1 < kept.len() => format!("…{}", &kept[slash..]),
        _ => format!("…{kept}"),
    }
}

fn cut(text: &str, style: &TextStyle) -> String {
    shorten(text, style.width())
}

fn bold(text: &str, colour: bool) -> String {
    if colour {
        format!("\u{1b}[1m{text}\u{1b}[0m")
    } else {
        text.to_string()
    }
}

/// Text of indented lines laid out for `width` columns: a line too long wraps at spaces, its
/// continuation indented four further than it (`why`'s chains and evidence).
pub fn fit_lines(text: &str, width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let rest = line.trim_start_matches(' ');
        let indent = &line[..line.len() - rest.len()];
        let room = width.saturating_sub(indent.len()).max(MIN_WIDTH / 2);
        for part in wrap(rest, room, "    ") {
            out.push_str(indent);
            out.push_str(&part);
            out.push('\n');
        }
    }
    out
}

/// Splits `text` into lines of at most `width` characters at spaces (a word longer than a line,
/// such as a firmware-node path, is broken across lines); lines after the first start with
/// `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let width = width.max(indent.chars().count() + 10);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    let indent_chars = indent.chars().count();
    for mut word in text.split(' ') {
        // Counted in characters, cut at character boundaries (no vector of them per word).
        let mut chars = word.chars().count();
        let fresh = lines.is_empty() && used == 0 || used == indent_chars && !lines.is_empty();
        if !fresh && used + 1 + chars > width {
            lines.push(std::mem::take(&mut line));
            line.push_str(indent);
            used = indent_chars;
        } else if !fresh {
            line.push(' ');
            used += 1;
        }
        while used + chars > width {
            let take = width - used;
            let cut = word.char_indices().nth(take).map_or(word.len(), |(at, _)| at);
            line.push_str(&word[..cut]);
            word = &word[cut..];
            chars -= take;
            lines.push(std::mem::take(&mut line));
            line.push_str(indent);
            used = indent_chars;
        }
        used += chars;
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn a_long_title_is_cut_before_a_clause_and_a_long_path_at_a_slash() {
        let message = "0000:00:03.0 was cut loose by the deferred-probe timeout and probed \
                       virtio-pci at 7.027453 s before its IOMMU 9050000.smmuv3 bound";
        assert_eq!(
            split_title(message, 66),
            (
                "0000:00:03.0 was cut loose by the deferred-probe timeout …".to_string(),
                Some("… and probed virtio-pci at 7.027453 s before its IOMMU 9050000.smmuv3 bound".into())
            )
        );
        // No clause past the middle: the most words that fit.
        let (title, _) = split_title(
            "the deferred-probe timeout (deferred_probe_timeout=5) fired at 6.97 s",
            62,
        );
        assert_eq!(
            title,
            "the deferred-probe timeout (deferred_probe_timeout=5) fired …"
        );
        assert_eq!(
            shorten_start("fixtures/public/kernelci-mt8186.txt:2008", 30),
            "…/kernelci-mt8186.txt:2008"
        );
        assert_eq!(shorten_start("averyveryverylongname.txt:1", 10), "…ame.txt:1");
    }

    const NARROW: TextStyle = TextStyle {
        width: 60,
        colour: false,
        verbose: false,
    };

    #[test]
    fn a_finding_reads_as_a_diagnostic_cut_to_the_width() {
        let outcomes = fixtures::outcomes();
        let text = finding_text(&outcomes[0].findings()[0], &NARROW);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0], "error[PS103]: 0000:00:03.0 bound before its IOMMU",
            "{text}"
        );
        assert_eq!(lines[1], "   --> logs/board-a.txt:286", "{text}");
        assert!(
            text.contains("286 | [    7.027453] virtio-pci 0000:00:03.0: deferred prob…"),
            "{text}"
        );
        assert!(text.contains("= help: see `probescope explain PS103`"), "{text}");
        assert!(text.lines().all(|line| line.chars().count() <= 80), "{text}");
        let narrow = finding_text(&outcomes[0].findings()[0], &TextStyle { width: 50, ..NARROW });
        assert!(narrow.lines().all(|line| line.chars().count() <= 50), "{narrow}");
    }

    #[test]
    fn the_summary_is_the_last_line_and_counts_every_boot() {
        let text = render(&fixtures::outcomes(), &NARROW);
        assert!(text.starts_with("== logs/board-a.txt ==\n"), "{text}");
        assert!(
            text.contains("== logs/board-b.txt ==\nerror: input not usable: logs/board-b.txt: expected a kernel\n  log\n"),
            "{text}"
        );
        assert_eq!(
            text.lines().last(),
            Some("1 error, 1 warning in 2 boots (1 not usable)"),
            "{text}"
        );
    }

    #[test]
    fn nothing_found_without_a_kernel_log_is_not_called_clean() {
        let mut outcome = fixtures::outcomes().remove(0);
        let mut report = outcome.result.clone().expect("the first fixture boot is usable");
        report.findings.clear();
        report.inputs.clear();
        outcome.result = Ok(report.clone());
        let unread = summary(std::slice::from_ref(&outcome), &NARROW);
        assert_eq!(
            unread,
            "no findings in 1 boot (no kernel log read: probe order unchecked)\n"
        );
        report.inputs.push(crate::model::InputInfo {
            path: "dmesg.txt".into(),
            kind: crate::model::InputKind::KernelLog,
            moment: None,
            note: None,
        });
        outcome.result = Ok(report);
        assert_eq!(summary(&[outcome], &NARROW), "no findings in 1 boot\n");
    }

    #[test]
    fn evidence_beyond_the_first_few_waits_for_verbose() {
        let mut outcomes = fixtures::outcomes();
        let finding = &mut outcomes.remove(0).result.unwrap().findings[0];
        let line = finding.evidence[0].clone();
        for n in 0..5u32 {
            let mut more = line.clone();
            more.origin.line += n + 1;
            finding.evidence.push(more);
        }
        let short = finding_text(finding, &NARROW);
        assert!(
            short.contains("= note: 3 more evidence lines (--verbose)"),
            "{short}"
        );
        assert!(!short.contains("291 |"), "{short}");
        let verbose = finding_text(
            finding,
            &TextStyle {
                verbose: true,
                ..NARROW
            },
        );
        assert!(
            verbose.contains("291 |") && !verbose.contains("more evidence"),
            "{verbose}"
        );
    }

    #[test]
    fn fitted_lines_keep_their_indent() {
        let text = format!("a\n  {}\n", ["word"; 20].join(" "));
        let fitted = fit_lines(&text, 40);
        assert!(fitted.lines().all(|line| line.chars().count() <= 40), "{fitted}");
        assert!(fitted.starts_with("a\n  word word"), "{fitted}");
        assert!(
            fitted.lines().nth(2).unwrap().starts_with("      word"),
            "{fitted}"
        );
    }

    #[test]
    fn wraps_at_spaces_and_cuts_what_cannot_wrap() {
        assert_eq!(wrap("aaa bbb ccc ddd", 12, "  "), ["aaa bbb ccc", "  ddd"]);
        assert_eq!(
            wrap(&"x".repeat(25), 12, ""),
            ["x".repeat(12), "x".repeat(12), "x".to_string()]
        );
        assert_eq!(
            wrap("ab /soc/syscon@1/power", 12, "  "),
            ["ab", "  /soc/sysco", "  n@1/power"]
        );
        // Widths and cuts in characters, not bytes.
        assert_eq!(
            wrap(&format!("é {}", "ü".repeat(25)), 12, ""),
            ["é".to_string(), "ü".repeat(12), "ü".repeat(12), "ü".to_string()]
        );
        assert_eq!(wrap("ééé ß", 12, "  "), ["ééé ß"]);
    }
}
