//! `diff`'s outputs: what changed between a good and a bad boot, for people and as the JSON
//! document `schema/diff.json`, with the exit code CI reads (0 nothing regressed, 1
//! regressions).

use super::contract::Document;
use crate::analysis::diff::DeviceDiff;
use crate::error::Result;
use crate::model::Evidence;
use crate::rules::{Finding, Severity};
use crate::sanitize::escape_control;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write as _;

/// A finding new in the bad boot, or gone from it.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct FindingChange {
    pub code: String,
    pub rule: String,
    pub severity: Severity,
    pub subject: String,
    pub related: Vec<String>,
    pub message: String,
    /// One of the IOMMU race's own findings (PS101, PS102, PS103), or the deferred-probe
    /// timeout (PS203) that cut a raced consumer loose from that IOMMU.
    pub race: bool,
    pub evidence: Vec<Evidence>,
}

impl FindingChange {
    fn of(finding: &Finding) -> FindingChange {
        FindingChange {
            code: finding.code.to_string(),
            rule: finding.rule.to_string(),
            severity: finding.severity,
            subject: finding.subject.clone(),
            related: finding.related.clone(),
            message: finding.message.clone(),
            race: super::plan::is_race(finding.code),
            evidence: finding.evidence.iter().take(2).cloned().collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct LostBindReport {
    pub device: String,
    /// `deferred`, `unbound` or `absent`.
    pub now: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct DeferralReport {
    pub device: String,
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct OrderReport {
    pub consumer: String,
    pub supplier: String,
    /// `iommu`, or the device link's kind.
    pub edge: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct TimingReport {
    pub device: String,
    pub good_seconds: f64,
    pub bad_seconds: f64,
    /// New findings whose devices this one waits for (directly, below them, or as their
    /// consumer): the delay is theirs, not a regression of its own. Empty: unexplained.
    pub explained_by: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// The comparison of two boots.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct DiffReport {
    pub good: String,
    pub bad: String,
    pub threshold_seconds: f64,
    pub new_findings: Vec<FindingChange>,
    pub cleared_findings: Vec<FindingChange>,
    pub lost_binds: Vec<LostBindReport>,
    pub new_deferrals: Vec<DeferralReport>,
    pub order_changes: Vec<OrderReport>,
    /// Binds later by more than the threshold.
    pub slower: Vec<TimingReport>,
    /// How many changes are regressions: new findings, lost binds, new deferrals, order
    /// changes, and unexplained timing regressions.
    pub regressions: usize,
    pub notes: Vec<String>,
    /// 0 no regression, 1 regressions (2, bad input, never reaches a document).
    pub exit_code: u8,
}

/// Whether two findings are the same: rule and subject.
/// Whether `good`'s finding is `bad`'s: the same rule on the same device, the bad boot's
/// device named as the good boot names it (`as_good`: identity by name, else fwnode path).
fn same(good: &Finding, bad: &Finding, as_good: &impl Fn(&str) -> String) -> bool {
    good.code == bad.code && good.subject == as_good(&bad.subject)
}

/// Puts the comparison together. `downstream_of` gives, for the devices of the new
/// findings, every device that waits for them in the bad boot.
pub fn report(
    good: (&str, &[Finding]),
    bad: (&str, &[Finding]),
    devices: DeviceDiff,
    threshold: f64,
    downstream_of: impl Fn(&[String]) -> HashSet<String>,
    as_good: impl Fn(&str) -> String,
) -> DiffReport {
    let mut new_findings: Vec<FindingChange> = bad
        .1
        .iter()
        .filter(|f| !good.1.iter().any(|g| same(g, f, &as_good)))
        .map(FindingChange::of)
        .collect();
    // The timeout that cut a raced consumer loose (PS203 on the IOMMU) is the same race.
    let raced_iommus: HashSet<String> = new_findings
        .iter()
        .filter(|f| f.race)
        .flat_map(|f| f.related.iter().cloned())
        .collect();
    for finding in &mut new_findings {
        if finding.code == "PS203" && raced_iommus.contains(&finding.subject) {
            finding.race = true;
        }
    }
    let cleared_findings: Vec<FindingChange> = good
        .1
        .iter()
        .filter(|f| !bad.1.iter().any(|b| same(f, b, &as_good)))
        .map(FindingChange::of)
        .collect();
    // Devices whose delay a new finding explains, by finding code.
    let explained: Vec<(String, HashSet<String>)> = new_findings
        .iter()
        .map(|f| {
            let mut devices = vec![f.subject.clone()];
            devices.extend(f.related.iter().cloned());
            (format!("{} {}", f.code, f.subject), downstream_of(&devices))
        })
        .collect();
    let slower: Vec<TimingReport> = devices
        .slower
        .iter()
        .map(|s| TimingReport {
            device: s.device.clone(),
            good_seconds: s.good_seconds,
            bad_seconds: s.bad_seconds,
            explained_by: {
                let mut labels: Vec<String> = explained
                    .iter()
                    .filter(|(_, set)| set.contains(&s.device))
                    .map(|(label, _)| label.clone())
                    .collect();
                // The device's own finding first: the most direct explanation.
                labels.sort_by_key(|label| !label.ends_with(&format!(" {}", s.device)));
                labels
            },
            evidence: s.evidence.clone(),
        })
        .collect();
    let regressions = new_findings.len()
        + devices.lost_binds.len()
        + devices.new_deferrals.len()
        + devices.order_changes.len()
        + slower.iter().filter(|s| s.explained_by.is_empty()).count();
    DiffReport {
        good: good.0.to_string(),
        bad: bad.0.to_string(),
        threshold_seconds: threshold,
        new_findings,
        cleared_findings,
        lost_binds: devices
            .lost_binds
            .into_iter()
            .map(|l| LostBindReport {
                device: l.device,
                now: l.now.to_string(),
                evidence: l.evidence,
            })
            .collect(),
        new_deferrals: devices
            .new_deferrals
            .into_iter()
            .map(|d| DeferralReport {
                device: d.device,
                reasons: d.reasons,
                evidence: d.evidence,
            })
            .collect(),
        order_changes: devices
            .order_changes
            .into_iter()
            .map(|o| OrderReport {
                consumer: o.consumer,
                supplier: o.supplier,
                edge: o.edge,
                evidence: o.evidence,
            })
            .collect(),
        slower,
        regressions,
        notes: devices.notes,
        exit_code: u8::from(regressions > 0),
    }
}

/// The JSON document, indented, ending with a newline.
pub fn render_json(report: &DiffReport) -> Result<String> {
    Document::new("diff", report).to_pretty_json()
}

fn evidence_line(out: &mut String, evidence: &Evidence) {
    let _ = writeln!(
        out,
        "      --> {}: {}",
        evidence.origin,
        escape_control(&evidence.text)
    );
}

/// The comparison for people.
pub fn render_text(report: &DiffReport) -> String {
    let mut out = String::new();
    let (good, bad) = (escape_control(&report.good), escape_control(&report.bad));
    let _ = writeln!(out, "diff {good} (good) → {bad} (bad)");
    if !report.new_findings.is_empty() {
        let race = report.new_findings.iter().filter(|f| f.race).count();
        let _ = writeln!(
            out,
            "new findings ({}{}):",
            report.new_findings.len(),
            if race > 0 {
                format!(", {race} of them the IOMMU race")
            } else {
                String::new()
            }
        );
        for f in &report.new_findings {
            let _ = writeln!(
                out,
                "  + {}[{}] {}: {}{}",
                f.severity.as_str(),
                f.code,
                escape_control(&f.subject),
                escape_control(&f.message),
                if f.race { "  (the race)" } else { "" }
            );
            for evidence in f.evidence.iter().take(1) {
                evidence_line(&mut out, evidence);
            }
        }
    }
    if !report.cleared_findings.is_empty() {
        let _ = writeln!(out, "cleared findings ({}):", report.cleared_findings.len());
        for f in &report.cleared_findings {
            let _ = writeln!(
                out,
                "  - {}[{}] {}",
                f.severity.as_str(),
                f.code,
                escape_control(&f.subject)
            );
        }
    }
    if !report.lost_binds.is_empty() {
        let _ = writeln!(out, "no longer bound ({}):", report.lost_binds.len());
        for l in &report.lost_binds {
            let _ = writeln!(out, "  {}: now {}", escape_control(&l.device), l.now);
            for evidence in l.evidence.iter().take(1) {
                evidence_line(&mut out, evidence);
            }
        }
    }
    if !report.new_deferrals.is_empty() {
        let _ = writeln!(out, "newly deferred ({}):", report.new_deferrals.len());
        for d in &report.new_deferrals {
            let _ = writeln!(
                out,
                "  {}: {}",
                escape_control(&d.device),
                escape_control(&d.reasons.join(" | "))
            );
        }
    }
    if !report.order_changes.is_empty() {
        let _ = writeln!(
            out,
            "now probed before its supplier ({}):",
            report.order_changes.len()
        );
        for o in &report.order_changes {
            let _ = writeln!(
                out,
                "  {} before {} ({})",
                escape_control(&o.consumer),
                escape_control(&o.supplier),
                o.edge
            );
            for evidence in o.evidence.iter().take(1) {
                evidence_line(&mut out, evidence);
            }
        }
    }
    let (unexplained, explained): (Vec<&TimingReport>, Vec<&TimingReport>) =
        report.slower.iter().partition(|s| s.explained_by.is_empty());
    if !unexplained.is_empty() {
        let _ = writeln!(
            out,
            "later by more than {} s ({}):",
            report.threshold_seconds,
            unexplained.len()
        );
        for s in unexplained {
            let _ = writeln!(
                out,
                "  {}: {:.3} s → {:.3} s",
                escape_control(&s.device),
                s.good_seconds,
                s.bad_seconds
            );
        }
    }
    if !explained.is_empty() {
        let _ = writeln!(
            out,
            "later, explained by the new findings ({}, not counted again):",
            explained.len()
        );
        for s in explained {
            let _ = writeln!(
                out,
                "  {}: {:.3} s → {:.3} s (waits for {}{})",
                escape_control(&s.device),
                s.good_seconds,
                s.bad_seconds,
                escape_control(s.explained_by.first().map(String::as_str).unwrap_or_default()),
                match s.explained_by.len() {
                    1 => String::new(),
                    n => format!(" and {} more", n - 1),
                }
            );
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {}", escape_control(note));
    }
    if report.regressions == 0 {
        let _ = writeln!(out, "no regressions");
    } else {
        let _ = writeln!(
            out,
            "{} regression{}",
            report.regressions,
            if report.regressions == 1 { "" } else { "s" }
        );
    }
    out
}
