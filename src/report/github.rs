//! `--format github`: GitHub Actions workflow commands, one annotation per finding, pointing
//! at the first piece of evidence's file and line, so the finding shows on the run's summary
//! page and, for files in the repository, next to the line.
//!
//! Syntax (docs.github.com, "Workflow commands for GitHub Actions"):
//! `::error file={name},line={line},title={title}::{message}` (`warning`, `notice` alike).
//! Escaping as the Actions toolkit does it (`@actions/core` `command.ts`): in the message
//! `%` → `%25`, `\r` → `%0D`, `\n` → `%0A`; in property values additionally `:` → `%3A` and
//! `,` → `%2C`.

use super::{BootOutcome, BootStatus};
use crate::rules::{Finding, Severity};
use crate::sanitize::escape_control;
use std::fmt::Write;

/// Escapes a command's message (the part after `::`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`, ...).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// One workflow command; `properties` in the given order, empty values left out.
fn command(level: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let separator = if properties.is_empty() { "" } else { " " };
    format!(
        "::{level}{separator}{}::{}\n",
        properties.join(","),
        escape_data(message)
    )
}

/// Log text comes from drivers and users' files: control characters other than line breaks
/// (which become `%0A`, a break inside the annotation) are shown escaped, never sent to the
/// runner's log.
fn clean(text: &str) -> String {
    text.split('\n')
        .map(escape_control)
        .collect::<Vec<_>>()
        .join("\n")
}

fn annotation(boot: &str, finding: &Finding) -> String {
    let location = finding
        .evidence
        .iter()
        .find(|e| e.origin.line > 0)
        .or_else(|| finding.evidence.first());
    let (file, line) = match location {
        Some(evidence) => (
            evidence.origin.file.to_string(),
            if evidence.origin.line > 0 {
                evidence.origin.line.to_string()
            } else {
                String::new()
            },
        ),
        None => (String::new(), String::new()),
    };
    let title = format!("{} {}: {}", finding.code, finding.rule, clean(&finding.subject));
    let mut message = format!("{}: {}", clean(boot), clean(&finding.message));
    for evidence in &finding.evidence {
        let _ = write!(
            message,
            "\n{}: {}",
            clean(&evidence.origin.to_string()),
            clean(&evidence.text)
        );
    }
    command(
        level(finding.severity),
        &[("file", file), ("line", line), ("title", title)],
        &message,
    )
}

/// Why a boot read without its kernel log is not clean, and what could not be read.
fn unchecked_message(name: &str, notes: &[String]) -> String {
    let mut message = format!(
        "{}: no kernel log was read, so probe order and deferrals are unchecked",
        clean(name)
    );
    for note in notes {
        message.push_str("; ");
        message.push_str(&clean(note));
    }
    message
}

/// Every boot's annotations, in run order. Findings the baseline knows are accepted and not
/// annotated; baseline entries that no longer occur get a notice so the baseline is pruned.
pub fn render(outcomes: &[BootOutcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        let report = match &outcome.result {
            Ok(report) => report,
            Err(error) => {
                out.push_str(&command(
                    "error",
                    &[("title", "probescope: input not usable".to_string())],
                    &format!("{}: {}", clean(&outcome.name), clean(error)),
                ));
                continue;
            }
        };
        if outcome.status() == BootStatus::Unchecked {
            out.push_str(&command(
                "error",
                &[("title", "probescope: probe order unchecked".to_string())],
                &unchecked_message(&outcome.name, &report.notes),
            ));
        }
        for (index, finding) in report.findings.iter().enumerate() {
            if !outcome.is_known(index) {
                out.push_str(&annotation(&outcome.name, finding));
            }
        }
        for fixed in outcome.baseline.iter().flat_map(|diff| &diff.fixed) {
            let related = if fixed.related.is_empty() {
                String::new()
            } else {
                format!(" (related: {})", fixed.related.join(", "))
            };
            out.push_str(&command(
                "notice",
                &[("title", "probescope: fixed since the baseline".to_string())],
                &format!(
                    "{}: {} {}{related} no longer occurs; remove it from the baseline",
                    clean(&outcome.name),
                    fixed.rule,
                    clean(&fixed.subject)
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn escapes_as_the_actions_toolkit_does() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("100% a\r\nb: c, d"), "100%25 a%0D%0Ab%3A c%2C d");
        // `%` first, so an escape sequence already in the text is not decoded by the runner.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn renders_findings_and_unusable_inputs() {
        let text = render(&fixtures::outcomes());
        let expected = concat!(
            "::error file=logs/board-a.txt,line=286,title=PS103 iommu-dependency-ignored%3A 0000%3A00%3A03.0",
            "::logs/board-a.txt: 0000:00:03.0 bound before its IOMMU",
            "%0Alogs/board-a.txt:286: [    7.027453] virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency\n",
            "::warning title=PS104 iommu-group-missing%3A 0000%3A00%3A04.0",
            "::logs/board-a.txt: 0000:00:04.0 bound before its IOMMU\n",
            "::error title=probescope%3A input not usable::logs/board-b.txt: logs/board-b.txt: expected a kernel log\n",
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn leaves_known_findings_out_and_notes_fixed_ones() {
        let text = render(&[fixtures::baselined()]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("::warning title=PS104 "), "{text}");
        assert_eq!(
            lines[1],
            "::notice title=probescope%3A fixed since the baseline::logs/board-a.txt: \
             iommu-consumer-probed-before-iommu 0000:00:05.0 (related: 9050000.smmuv3) no longer occurs; \
             remove it from the baseline"
        );
    }

    #[test]
    fn control_characters_in_log_text_never_reach_the_runner() {
        let mut outcome = fixtures::outcomes().remove(0);
        if let Ok(report) = &mut outcome.result {
            report.findings.truncate(1);
            report.findings[0].evidence[0].text = "a\r\n::error::forged\u{1b}[31m 50%".into();
            report.findings[0].evidence[0].origin.file = "dir,with:odd%name.txt".into();
        }
        let text = render(&[outcome]);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.starts_with("::error file=dir%2Cwith%3Aodd%25name.txt,line=286,"),
            "{text}"
        );
        assert!(text.contains("a\\x0d%0A::error::forged\\x1b[31m 50%25"), "{text}");
    }
}
