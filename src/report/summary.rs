//! `--format table` for a run: a section per boot (its findings table, new findings only when a
//! baseline is in use, plus the baseline entries that no longer occur), then, for several boots,
//! a summary table with one row per boot and the run's exit code.

use super::table::{render_styled, severity_colour};
use super::{BootOutcome, BootStatus, Report};
use crate::rules::Severity;
use crate::sanitize::escape_control;
use comfy_table::{Cell, CellAlignment, Color};
use std::fmt::Write;

/// How tables are drawn: coloured or not (`--color`, `NO_COLOR`), and at what width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub colour: bool,
    pub width: Option<u16>,
}

fn status_colour(status: BootStatus) -> Color {
    match status {
        BootStatus::Clean => Color::Green,
        BootStatus::Findings => Color::Red,
        BootStatus::Unchecked | BootStatus::InputError => Color::Magenta,
    }
}

fn styled(text: impl ToString, colour: Option<Color>) -> Cell {
    let cell = Cell::new(text.to_string());
    match colour {
        Some(colour) => cell.fg(colour),
        None => cell,
    }
}

/// One boot: its findings (the new ones only, with a baseline), or the first line of why its
/// input was unusable (the whole error goes to standard error).
pub fn boot_section(outcome: &BootOutcome, style: Style) -> String {
    let report = match &outcome.result {
        Ok(report) => report,
        Err(error) => {
            return format!(
                "input not usable: {}\n",
                escape_control(error.lines().next().unwrap_or_default())
            )
        }
    };
    let Some(diff) = &outcome.baseline else {
        return render_styled(report, style.width, style.colour);
    };
    let new_only = Report {
        findings: report
            .findings
            .iter()
            .enumerate()
            .filter(|(index, _)| !diff.is_known(*index))
            .map(|(_, finding)| finding.clone())
            .collect(),
        ..report.clone()
    };
    let mut out = render_styled(&new_only, style.width, style.colour);
    let known = diff.known_count();
    if known > 0 {
        let _ = writeln!(out, "\n{known} finding(s) in the baseline, not shown.");
    }
    if !diff.fixed.is_empty() {
        let _ = writeln!(out, "\nFixed since the baseline (remove these entries):");
        for fixed in &diff.fixed {
            let related = if fixed.related.is_empty() {
                String::new()
            } else {
                format!(" [{}]", escape_control(&fixed.related.join(", ")))
            };
            let _ = writeln!(
                out,
                "  - {} {}{related}",
                fixed.rule,
                escape_control(&fixed.subject)
            );
        }
    }
    out
}

/// One row per boot: its status, finding counts per severity, baseline counts, exit code.
pub fn summary(outcomes: &[BootOutcome], style: Style) -> String {
    let rows: Vec<SummaryRow> = outcomes.iter().map(SummaryRow::of).collect();
    summary_of_rows(&rows, style)
}

/// What the summary table says of one boot: a run printed boot by boot keeps this, not the
/// boot's findings.
#[derive(Clone, Debug)]
pub struct SummaryRow {
    name: String,
    status: BootStatus,
    /// Findings by severity: error, warning, info.
    counts: [usize; 3],
    /// With a baseline: new, known and fixed entries.
    baseline: Option<[usize; 3]>,
    findings: usize,
}

impl SummaryRow {
    pub fn of(outcome: &BootOutcome) -> SummaryRow {
        let count = |severity: Severity| {
            outcome
                .findings()
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        SummaryRow {
            name: outcome.name.clone(),
            status: outcome.status(),
            counts: [
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info),
            ],
            baseline: outcome
                .baseline
                .as_ref()
                .map(|diff| [diff.new_count(), diff.known_count(), diff.fixed.len()]),
            findings: outcome.findings().len(),
        }
    }
}

/// [`summary`] of the rows of every boot.
pub fn summary_of_rows(rows: &[SummaryRow], style: Style) -> String {
    let with_baseline = rows.iter().any(|row| row.baseline.is_some());
    let mut table = super::table::terminal_table(style.width);
    if style.colour {
        table.enforce_styling();
    }
    let mut header = vec!["boot", "result", "error", "warning", "info"];
    if with_baseline {
        header.extend(["new", "known", "fixed"]);
    }
    header.push("exit");
    table.set_header(header);
    let colour = |c: Color| style.colour.then_some(c);
    for summary in rows {
        let status = summary.status;
        let mut row = vec![
            Cell::new(escape_control(&summary.name)),
            styled(status.as_str(), colour(status_colour(status))),
        ];
        for (severity, n) in [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .zip(summary.counts)
        {
            let cell = styled(
                n,
                if n > 0 {
                    colour(severity_colour(severity))
                } else {
                    None
                },
            );
            row.push(cell.set_alignment(CellAlignment::Right));
        }
        if with_baseline {
            let counts = summary.baseline.unwrap_or([summary.findings, 0, 0]);
            for n in counts {
                row.push(Cell::new(n).set_alignment(CellAlignment::Right));
            }
        }
        row.push(Cell::new(status.exit_code()).set_alignment(CellAlignment::Right));
        table.add_row(row);
    }
    let count = |status: BootStatus| rows.iter().filter(|row| row.status == status).count();
    let overall = rows
        .iter()
        .map(|row| row.status)
        .max()
        .unwrap_or(BootStatus::Clean);
    let unchecked = match count(BootStatus::Unchecked) {
        0 => String::new(),
        n => format!(", {n} unchecked (no kernel log or devices_deferred)"),
    };
    format!(
        "{table}\n{} boots: {} clean, {} with failing findings{unchecked}, {} not usable; exit code {}\n",
        rows.len(),
        count(BootStatus::Clean),
        count(BootStatus::Findings),
        count(BootStatus::InputError),
        overall.exit_code()
    )
}

/// One boot of the run as [`render`] prints it when the run has several: headed by its name.
pub fn boot_of_several(outcome: &BootOutcome, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "== {} ==", escape_control(&outcome.name));
    out.push_str(&boot_section(outcome, style));
    out.push('\n');
    out
}

/// The run of one boot as [`render`] prints it.
pub fn single_boot(outcome: &BootOutcome, style: Style) -> String {
    match outcome.result {
        Ok(_) => boot_section(outcome, style),
        Err(_) => String::new(),
    }
}

/// The whole run: each boot's section (headed by its name when there are several), then the
/// summary when there are several boots. A single boot whose input was unusable prints nothing
/// here: its error on standard error says it all.
pub fn render(outcomes: &[BootOutcome], style: Style) -> String {
    if let [single] = outcomes {
        return single_boot(single, style);
    }
    let mut out = String::new();
    for outcome in outcomes {
        out.push_str(&boot_of_several(outcome, style));
    }
    out.push_str(&summary(outcomes, style));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    const PLAIN: Style = Style {
        colour: false,
        width: Some(100),
    };

    #[test]
    fn summarises_every_boot_with_its_exit_code() {
        let text = summary(&fixtures::outcomes(), PLAIN);
        let expected = "\
┌──────────────────┬──────────┬───────┬─────────┬──────┬──────┐
│ boot             ┆ result   ┆ error ┆ warning ┆ info ┆ exit │
╞══════════════════╪══════════╪═══════╪═════════╪══════╪══════╡
│ logs/board-a.txt ┆ findings ┆     1 ┆       1 ┆    0 ┆    1 │
│ logs/board-b.txt ┆ error    ┆     0 ┆       0 ┆    0 ┆    2 │
└──────────────────┴──────────┴───────┴─────────┴──────┴──────┘
2 boots: 0 clean, 1 with failing findings, 1 not usable; exit code 2
";
        assert_eq!(text, expected);
    }

    #[test]
    fn shows_new_findings_and_fixed_entries_under_a_baseline() {
        let outcome = fixtures::baselined();
        let text = boot_section(&outcome, PLAIN);
        assert!(text.contains("0000:00:04.0"), "{text}");
        assert!(!text.contains("0000:00:03.0"), "known finding shown: {text}");
        assert!(
            text.contains("\n1 finding(s) in the baseline, not shown.\n"),
            "{text}"
        );
        assert!(text.ends_with(
            "Fixed since the baseline (remove these entries):\n  - iommu-consumer-probed-before-iommu 0000:00:05.0 [9050000.smmuv3]\n"
        ));
        let summary = summary(&[outcome], PLAIN);
        assert!(
            summary.contains(
                "│ boot             ┆ result   ┆ error ┆ warning ┆ info ┆ new ┆ known ┆ fixed ┆ exit │"
            ),
            "{summary}"
        );
        assert!(
            summary.contains("┆ findings ┆     1 ┆       1 ┆    0 ┆   1 ┆     1 ┆     1 ┆    1 │"),
            "{summary}"
        );
    }

    #[test]
    fn colours_severities_and_results_only_when_asked() {
        let outcomes = fixtures::outcomes();
        let plain = render(&outcomes, PLAIN);
        assert!(!plain.contains('\u{1b}'));
        assert!(plain.starts_with("== logs/board-a.txt ==\n"), "{plain}");
        assert!(plain
            .contains("== logs/board-b.txt ==\ninput not usable: logs/board-b.txt: expected a kernel log\n"));
        assert_eq!(render(&outcomes[1..], PLAIN), "");
        let coloured = render(
            &outcomes,
            Style {
                colour: true,
                ..PLAIN
            },
        );
        // Red for the error severity, yellow for the warning, magenta for the unusable input.
        assert!(coloured.contains("\u{1b}[38;5;9m error"), "{coloured}");
        assert!(coloured.contains("\u{1b}[38;5;11m warning"), "{coloured}");
        assert!(coloured.contains("\u{1b}[38;5;13m error"), "{coloured}");
    }
}
