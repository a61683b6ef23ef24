//! `plan`'s outputs: the text for people, the lines each tool reads (initramfs-tools'
//! `/etc/initramfs-tools/modules`, a dracut `force_drivers+=` conf, `modprobe.d` `softdep`
//! lines, a kernel command-line fragment) and the JSON document (`schema/plan.json`).

use super::contract::Document;
use crate::analysis::plan::provider::{Provider, Provision};
use crate::analysis::plan::settings::{Answer, SettingPlan};
use crate::analysis::plan::{ConsumerPlan, Need, Plan, PlannedModule, Role, Trouble};
use crate::error::Result;
use crate::model::{Boot, Evidence};
use crate::rules::{Finding, Severity};
use crate::sanitize::escape_control;
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt::Write as _;

/// The plan of one boot, as its JSON document's body.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct PlanReport {
    pub boot: String,
    /// Each affected consumer with what it needs first, suppliers first.
    pub consumers: Vec<ConsumerReport>,
    /// Every module to have loaded before the consumers, in load order.
    pub load_order: Vec<PlannedModule>,
    /// Needed drivers that are built in already (nothing to do for them).
    pub built_in: Vec<NeedReport>,
    /// Needed drivers whose module the capture does not name.
    pub unknown: Vec<NeedReport>,
    /// Kernel command-line settings that would have prevented the races, with their cost.
    pub settings: Vec<SettingPlan>,
    /// With `--check`: the same capture analysed with the plan applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckReport>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct ConsumerReport {
    pub device: String,
    pub trouble: Trouble,
    pub iommu: String,
    pub driver: Option<String>,
    pub provider: Provider,
    /// What shows the trouble.
    pub proof: Vec<Evidence>,
    pub needs: Vec<NeedReport>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct NeedReport {
    pub device: String,
    pub role: Role,
    /// Why it is needed: the edge from the device that needs it.
    pub why: String,
    pub driver: Option<String>,
    pub provider: Provider,
    pub evidence: Vec<Evidence>,
}

/// `plan --check`: which findings the plan clears.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct CheckReport {
    /// The edits made to the boot model, one sentence each.
    pub edits: Vec<String>,
    pub cleared: Vec<FindingRef>,
    pub remaining: Vec<FindingRef>,
    /// Findings only the edited model has: what the evidence cannot show the kernel would have
    /// done with the IOMMU in place (such as the consumers joining IOMMU groups).
    pub introduced: Vec<FindingRef>,
}

/// A finding, by its identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct FindingRef {
    pub code: String,
    pub rule: String,
    pub severity: Severity,
    pub subject: String,
    pub message: String,
}

impl FindingRef {
    pub fn of(finding: &Finding) -> FindingRef {
        FindingRef {
            code: finding.code.to_string(),
            rule: finding.rule.to_string(),
            severity: finding.severity,
            subject: finding.subject.clone(),
            message: finding.message.clone(),
        }
    }

    fn same(&self, other: &FindingRef) -> bool {
        self.code == other.code && self.subject == other.subject
    }
}

/// Compares the findings before and after the edit.
pub fn check_report(edits: Vec<String>, before: &[Finding], after: &[Finding]) -> CheckReport {
    let before: Vec<FindingRef> = before.iter().map(FindingRef::of).collect();
    let after: Vec<FindingRef> = after.iter().map(FindingRef::of).collect();
    let (remaining, cleared): (Vec<FindingRef>, Vec<FindingRef>) =
        before.into_iter().partition(|f| after.iter().any(|a| a.same(f)));
    let introduced = after
        .into_iter()
        .filter(|a| !remaining.iter().any(|f| f.same(a)))
        .collect();
    CheckReport {
        edits,
        cleared,
        remaining,
        introduced,
    }
}

fn need_report(boot: &Boot, need: &Need) -> NeedReport {
    NeedReport {
        device: boot.device(need.device).name.clone(),
        role: need.role,
        why: need.why.clone(),
        driver: need.driver.clone(),
        provider: need.provider.clone(),
        evidence: need.evidence.clone(),
    }
}

/// The plan as its report.
pub fn report(boot: &Boot, plan: &Plan) -> PlanReport {
    let consumers: Vec<ConsumerReport> = plan
        .consumers
        .iter()
        .map(|c: &ConsumerPlan| ConsumerReport {
            device: boot.device(c.consumer).name.clone(),
            trouble: c.trouble,
            iommu: boot.device(c.iommu).name.clone(),
            driver: c.driver.clone(),
            provider: c.provider.clone(),
            proof: c.proof.clone(),
            needs: c.needs.iter().map(|n| need_report(boot, n)).collect(),
        })
        .collect();
    let mut built_in: Vec<NeedReport> = Vec::new();
    let mut unknown: Vec<NeedReport> = Vec::new();
    for need in consumers.iter().flat_map(|c| c.needs.iter()) {
        let list = match need.provider.provision {
            Provision::BuiltIn => &mut built_in,
            Provision::Unknown => &mut unknown,
            Provision::Module => continue,
        };
        if !list.iter().any(|n| n.device == need.device) {
            list.push(need.clone());
        }
    }
    PlanReport {
        boot: boot.name.clone(),
        consumers,
        load_order: plan.modules.clone(),
        built_in,
        unknown,
        settings: plan.settings.clone(),
        check: None,
        notes: plan.notes.clone(),
    }
}

/// The JSON document, indented, ending with a newline.
pub fn render_json(report: &PlanReport) -> Result<String> {
    Document::new("plan", report).to_pretty_json()
}

fn trouble_text(trouble: Trouble) -> &'static str {
    match trouble {
        Trouble::ProbedBefore => "probed before its IOMMU",
        Trouble::WithoutIommu => "bound without its IOMMU (which never registered)",
        Trouble::Deferred => "still deferred, waiting for its IOMMU",
    }
}

fn provision_text(provider: &Provider) -> String {
    match (provider.provision, &provider.module) {
        (Provision::Module, Some(module)) => format!("module {module}"),
        (Provision::BuiltIn, Some(module)) => format!("built in ({module})"),
        (Provision::BuiltIn, None) => "built in".to_string(),
        _ => "module unknown".to_string(),
    }
}

fn evidence_line(out: &mut String, indent: &str, evidence: &Evidence) {
    let _ = writeln!(
        out,
        "{indent}--> {}: {}",
        evidence.origin,
        escape_control(&evidence.text)
    );
}

/// The plan for people.
pub fn render_text(report: &PlanReport) -> String {
    let mut out = String::new();
    let boot = escape_control(&report.boot);
    if report.consumers.is_empty() {
        let _ = writeln!(
            out,
            "{boot}: nothing to plan: no device probed before its IOMMU, bound without it, or waits for it"
        );
    }
    let mut iommus: Vec<&str> = report.consumers.iter().map(|c| c.iommu.as_str()).collect();
    iommus.dedup();
    for iommu in &iommus {
        let mine: Vec<&ConsumerReport> = report.consumers.iter().filter(|c| c.iommu == *iommu).collect();
        let _ = writeln!(
            out,
            "plan for {boot}: the IOMMU {iommu}, for {} consumer{}",
            mine.len(),
            if mine.len() == 1 { "" } else { "s" }
        );
        if let Some(first) = mine.first() {
            let _ = writeln!(out, "  load, in this order, before the consumers:");
            for (number, need) in first.needs.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {}. {}: {} (driver {}), {}",
                    number + 1,
                    provision_text(&need.provider),
                    escape_control(&need.device),
                    escape_control(need.driver.as_deref().unwrap_or("unknown")),
                    escape_control(&need.why)
                );
                let _ = writeln!(out, "       how: {}", escape_control(&need.provider.how));
                for evidence in need.provider.evidence.iter().chain(need.evidence.iter()) {
                    evidence_line(&mut out, "       ", evidence);
                }
            }
        }
        let _ = writeln!(out, "  consumers:");
        for consumer in &mine {
            let _ = writeln!(
                out,
                "  - {} (driver {}, {}): {}",
                escape_control(&consumer.device),
                escape_control(consumer.driver.as_deref().unwrap_or("unknown")),
                provision_text(&consumer.provider),
                trouble_text(consumer.trouble)
            );
            for evidence in consumer.proof.iter().take(1) {
                evidence_line(&mut out, "      ", evidence);
            }
        }
        out.push('\n');
    }
    if !report.load_order.is_empty() {
        let names: Vec<&str> = report.load_order.iter().map(|m| m.module.as_str()).collect();
        let _ = writeln!(
            out,
            "modules to load early, in order: {}",
            escape_control(&names.join(" "))
        );
    }
    if !report.built_in.is_empty() {
        let names: Vec<String> = report.built_in.iter().map(|n| n.device.clone()).collect();
        let _ = writeln!(out, "built in already: {}", escape_control(&names.join(", ")));
    }
    if !report.unknown.is_empty() {
        for need in &report.unknown {
            let _ = writeln!(
                out,
                "unknown: which module provides {}'s driver: {}",
                escape_control(&need.device),
                escape_control(&need.provider.how)
            );
        }
    }
    if !report.settings.is_empty() {
        let _ = writeln!(out, "\nsettings:");
        for setting in &report.settings {
            let answer = match setting.prevents {
                Answer::Yes => "would have prevented it",
                Answer::No => "would not have prevented it",
                Answer::Unknown => "unknown whether it would have prevented it",
            };
            let _ = writeln!(out, "  {} ({}): {answer}", setting.parameter, setting.iommu);
            let _ = writeln!(out, "      why: {}", escape_control(&setting.why));
            for cost in &setting.cost {
                let _ = writeln!(out, "      cost: {}", escape_control(cost));
            }
        }
    }
    if let Some(check) = &report.check {
        let _ = writeln!(
            out,
            "\nplan --check: the capture analysed again with the plan applied"
        );
        for edit in &check.edits {
            let _ = writeln!(out, "  edit: {}", escape_control(edit));
        }
        for (label, list) in [
            ("cleared", &check.cleared),
            ("remains", &check.remaining),
            ("only in the edited model (what the kernel would have done with the IOMMU in place, such as group joins, is not invented)", &check.introduced),
        ] {
            for finding in list {
                let _ = writeln!(
                    out,
                    "  {label}: {}[{}] {}: {}",
                    finding.severity.as_str(),
                    finding.code,
                    escape_control(&finding.subject),
                    escape_control(&finding.message)
                );
            }
        }
        let _ = writeln!(
            out,
            "  {} cleared, {} remain{}",
            check.cleared.len(),
            check.remaining.len(),
            if check.introduced.is_empty() {
                String::new()
            } else {
                format!(", {} only in the edited model", check.introduced.len())
            }
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {}", escape_control(note));
    }
    out
}

/// Comment lines naming what the plan could not place, for the tool formats.
fn unknown_comments(report: &PlanReport, out: &mut String) {
    for need in &report.unknown {
        let _ = writeln!(
            out,
            "# unknown: the module of {} (driver {}): {}",
            escape_control(&need.device),
            escape_control(need.driver.as_deref().unwrap_or("unknown")),
            escape_control(&need.provider.how)
        );
    }
}

fn header(report: &PlanReport, file: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "# {file}: written by {} plan for {}",
        super::contract::tool_name(),
        escape_control(&report.boot)
    );
    if report.consumers.is_empty() {
        let _ = writeln!(
            out,
            "# nothing to plan: no device probed before its IOMMU, bound without it, or waits for it"
        );
    }
    for consumer in &report.consumers {
        let _ = writeln!(
            out,
            "# {} {} {}",
            escape_control(&consumer.device),
            trouble_text(consumer.trouble),
            escape_control(&consumer.iommu)
        );
    }
}

/// `/etc/initramfs-tools/modules` lines: one module per line, in load order.
pub fn render_initramfs_tools(report: &PlanReport) -> String {
    let mut out = String::new();
    header(report, "/etc/initramfs-tools/modules", &mut out);
    unknown_comments(report, &mut out);
    for module in &report.load_order {
        let _ = writeln!(out, "{}", escape_control(&module.module));
    }
    out
}

/// A dracut conf (`/etc/dracut.conf.d/*.conf`): `force_drivers+=" … "` loads them early, in order.
pub fn render_dracut(report: &PlanReport) -> String {
    let mut out = String::new();
    header(report, "/etc/dracut.conf.d/probescope-iommu.conf", &mut out);
    unknown_comments(report, &mut out);
    if !report.load_order.is_empty() {
        let names: Vec<String> = report
            .load_order
            .iter()
            .map(|m| escape_control(&m.module))
            .collect();
        let _ = writeln!(out, "force_drivers+=\" {} \"", names.join(" "));
    }
    out
}

/// `modprobe.d` lines: `softdep CONSUMER pre: MODULES` for each consumer driven by a module.
pub fn render_modprobe(report: &PlanReport) -> String {
    let mut out = String::new();
    header(report, "/etc/modprobe.d/probescope-iommu.conf", &mut out);
    unknown_comments(report, &mut out);
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for consumer in &report.consumers {
        let pre: Vec<String> = consumer
            .needs
            .iter()
            .filter(|n| n.provider.provision == Provision::Module)
            .filter_map(|n| n.provider.module.clone())
            .collect();
        if pre.is_empty() {
            continue;
        }
        match (consumer.provider.provision, &consumer.provider.module) {
            (Provision::Module, Some(module)) => match lines.iter_mut().find(|(m, _)| m == module) {
                Some((_, list)) => {
                    for p in pre {
                        if !list.contains(&p) {
                            list.push(p);
                        }
                    }
                }
                None => lines.push((module.clone(), pre)),
            },
            (Provision::BuiltIn, _) => {
                let _ = writeln!(
                    out,
                    "# {}'s driver is built in: a softdep cannot order it; load {} from the initramfs (or build them in)",
                    escape_control(&consumer.device),
                    pre.join(" ")
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "# {}'s driver ({}) comes from a module the capture does not name: no softdep line for it",
                    escape_control(&consumer.device),
                    escape_control(consumer.driver.as_deref().unwrap_or("unknown"))
                );
            }
        }
    }
    for (module, pre) in lines {
        let _ = writeln!(
            out,
            "softdep {} pre: {}",
            escape_control(&module),
            escape_control(&pre.join(" "))
        );
    }
    out
}

/// The kernel command-line fragment: the settings that would have prevented the races.
pub fn render_cmdline(report: &PlanReport) -> String {
    let mut parameters: Vec<&str> = report
        .settings
        .iter()
        .filter(|s| s.prevents == Answer::Yes)
        .map(|s| s.parameter.as_str())
        .collect();
    // One value per parameter: the largest timeout covers every IOMMU.
    parameters.sort_by_key(|p| {
        let (name, value) = p.split_once('=').unwrap_or((p, ""));
        (
            name.to_string(),
            std::cmp::Reverse(value.parse::<i64>().unwrap_or(0)),
        )
    });
    parameters.dedup_by(|a, b| a.split_once('=').map(|x| x.0) == b.split_once('=').map(|x| x.0));
    if parameters.is_empty() {
        return String::new();
    }
    format!("{}\n", escape_control(&parameters.join(" ")))
}

/// Whether any finding of `findings` is one of an IOMMU race.
pub fn is_race(code: &str) -> bool {
    matches!(code, "PS101" | "PS102" | "PS103")
}
