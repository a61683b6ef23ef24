//! Findings as a terminal table (comfy-table), then the evidence and notes.

use super::Report;
use crate::rules::Severity;
use crate::sanitize::escape_control;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};
use std::fmt::Write;

pub fn render(report: &Report, width: Option<u16>) -> String {
    render_styled(report, width, false)
}

/// The colour a severity is shown in (`--color`).
pub fn severity_colour(severity: Severity) -> Color {
    match severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Cyan,
    }
}

/// A cell's text, escaped and cut at [`crate::limits::TABLE_CELL_CHARS`]: comfy-table's
/// wrapping costs the square of a cell's length, and a cycle of 100,000 devices names them all
/// (the JSON report keeps every name).
fn cell_text(text: &str) -> String {
    crate::sanitize::shorten(&escape_control(text), crate::limits::TABLE_CELL_CHARS)
}

/// The terminal tables' one look: condensed UTF-8 borders, columns wrapped to fit `width` (the
/// terminal's, or `--width`) when it is known.
pub fn terminal_table(width: Option<u16>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(width) = width {
        table.set_width(width);
    }
    table
}

/// [`render`], with the severity column coloured when `colour` is set.
pub fn render_styled(report: &Report, width: Option<u16>, colour: bool) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        let _ = writeln!(out, "{}: no findings", escape_control(&report.boot));
    } else {
        let mut table = terminal_table(width);
        if colour {
            table.enforce_styling();
        }
        // Compact: the rule by code (`probescope explain` names it), related devices in JSON.
        table.set_header(vec!["severity", "code", "subject", "message"]);
        for finding in &report.findings {
            let severity = Cell::new(finding.severity);
            table.add_row(vec![
                if colour {
                    severity.fg(severity_colour(finding.severity))
                } else {
                    severity
                },
                Cell::new(finding.code),
                Cell::new(escape_control(&finding.subject)),
                Cell::new(cell_text(&finding.message)),
            ]);
        }
        let _ = writeln!(out, "{table}");
        let _ = writeln!(out, "\nEvidence:");
        // Each line cut to the width, the first few per finding (JSON has every line, whole).
        let line_width = width.map_or(usize::MAX, usize::from);
        for finding in &report.findings {
            let heading = format!(
                "  {} {} ({}):",
                finding.code,
                escape_control(&finding.subject),
                finding.rule
            );
            let _ = writeln!(out, "{}", crate::sanitize::shorten(&heading, line_width));
            let shown = finding.evidence.len().min(super::diagnostic::EVIDENCE_SHOWN);
            for evidence in &finding.evidence[..shown] {
                let line = format!(
                    "    {}: {}",
                    escape_control(&evidence.origin.to_string()),
                    escape_control(&evidence.text)
                );
                let _ = writeln!(out, "{}", crate::sanitize::shorten(&line, line_width));
            }
            if finding.evidence.len() > shown {
                let _ = writeln!(
                    out,
                    "    {} more in --format json",
                    finding.evidence.len() - shown
                );
            }
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for note in &report.notes {
            let _ = writeln!(out, "  - {}", escape_control(note));
        }
    }
    out
}
