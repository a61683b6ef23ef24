//! Boot settings that would have prevented a race, each with its cost.
//!
//! Kernel behaviour relied on (drivers/base/dd.c, drivers/base/core.c, drivers/iommu/of_iommu.c):
//! - `of_iommu_configure()` defers a consumer whose IOMMU has not registered, through
//!   `driver_deferred_probe_check_state()`, until the deferred-probe timeout fires; from then on
//!   that function prints "deferred probe timeout, ignoring dependency" and the consumer probes
//!   without its IOMMU. `deferred_probe_timeout=N` sets that budget (seconds; -1 waits forever).
//!   The timer is armed at `late_initcall` and re-armed by each driver registered while it runs
//!   (`driver_deferred_probe_extend_timeout()`), so it starts, in effect, N seconds before it
//!   fires.
//! - `fw_devlink.strict=1` turns the optional `iommus`/`iommu-map` suppliers into managed device
//!   links, but when the timeout fires `deferred_probe_timeout_work_func()` calls
//!   `fw_devlink_drivers_done()`, which relaxes the links whose supplier has no driver; the
//!   consumers then reach `of_iommu_configure()` and go ahead as above. On its own it therefore
//!   changes nothing for an IOMMU that arrives after the timeout.

use super::{ConsumerPlan, Trouble};
use crate::analysis::readiness;
use crate::analysis::Analysis;
use crate::model::{DeviceId, Evidence, IommuVia};
use serde::Serialize;
use std::collections::BTreeSet;

/// Added to the measured need: boot timing varies run to run (storage, CPU load, module
/// loading), by more than a second on the same board.
pub const MARGIN_SECONDS: f64 = 2.0;

/// Whether a setting would have prevented a race.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

/// One kernel command-line setting, what it would have done, and what it costs.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct SettingPlan {
    /// The parameter as it goes on the command line (`deferred_probe_timeout=13`); the name
    /// alone when no value can be derived.
    pub parameter: String,
    pub prevents: Answer,
    /// The IOMMU and the consumers it concerns (kernel names).
    pub iommu: String,
    pub consumers: Vec<String>,
    /// Why, from the evidence and the kernel's behaviour.
    pub why: String,
    /// What else would then wait, and for how long.
    pub cost: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// The settings for every IOMMU of the plan.
pub fn settings(analysis: &Analysis, consumers: &[ConsumerPlan]) -> Vec<SettingPlan> {
    let boot = analysis.boot();
    let iommus: BTreeSet<DeviceId> = consumers.iter().map(|c| c.iommu).collect();
    let mut out = Vec::new();
    for iommu in iommus {
        let mine: Vec<&ConsumerPlan> = consumers.iter().filter(|c| c.iommu == iommu).collect();
        let names: Vec<String> = mine
            .iter()
            .map(|c| boot.device(c.consumer).name.clone())
            .collect();
        out.push(timeout_setting(analysis, iommu, &mine, &names));
        out.push(strict_setting(analysis, iommu, &mine, &names));
    }
    out
}

fn seconds(value: f64) -> String {
    format!("{value:.3} s")
}

fn timeout_setting(
    analysis: &Analysis,
    iommu: DeviceId,
    mine: &[&ConsumerPlan],
    names: &[String],
) -> SettingPlan {
    let boot = analysis.boot();
    let iommu_name = boot.device(iommu).name.clone();
    let budget = analysis.timeout();
    let cut_by_timeout: Vec<&&ConsumerPlan> = mine
        .iter()
        .filter(|c| c.trouble == Trouble::ProbedBefore && boot.ignored_dependency(c.consumer).is_some())
        .collect();
    let registration = readiness::registration(boot, iommu);
    let mut evidence: Vec<Evidence> = Vec::new();
    if let Some(fired) = &budget.fired {
        evidence.push(fired.evidence.clone());
    }
    if let Some(bind) = &registration {
        evidence.push(bind.evidence.clone());
    }
    let setting =
        |parameter: String, prevents: Answer, why: String, cost: Vec<String>, evidence: Vec<Evidence>| {
            SettingPlan {
                parameter,
                prevents,
                iommu: iommu_name.clone(),
                consumers: names.to_vec(),
                why,
                cost,
                evidence,
            }
        };
    if mine.iter().all(|c| c.trouble != Trouble::ProbedBefore) {
        return setting(
            "deferred_probe_timeout".to_string(),
            Answer::No,
            never_registered(&iommu_name),
            Vec::new(),
            evidence,
        );
    }
    if cut_by_timeout.is_empty() {
        return setting(
            "deferred_probe_timeout".to_string(),
            Answer::No,
            "no consumer of this IOMMU was let go by the deferred-probe timeout (no \"ignoring dependency\" line): the timeout is not what let them probe first".to_string(),
            Vec::new(),
            evidence,
        );
    }
    let budget_seconds = budget.seconds;
    let fired_at = budget
        .fired
        .as_ref()
        .and_then(|f| f.time)
        .map(|t| t.as_secs_f64());
    let ready_at = registration
        .as_ref()
        .and_then(|b| b.position.time())
        .map(|t| t.as_secs_f64());
    let others = others_cut_loose(analysis, mine);
    let (Some(budget_seconds), Some(fired_at), Some(ready_at)) = (budget_seconds, fired_at, ready_at) else {
        let missing = match (budget_seconds, fired_at, ready_at) {
            (None, _, _) => "the timeout's length (no deferred_probe_timeout= and no kernel version)",
            (_, None, _) => "when the timeout fired (its line has no time stamp)",
            _ => "when the IOMMU registered (its driver printed nothing with a time stamp)",
        };
        return setting(
            "deferred_probe_timeout".to_string(),
            Answer::Unknown,
            format!(
                "a timeout longer than the time {iommu_name} took to register after the timer started would have kept its consumers waiting; the capture does not say {missing}, so no value can be derived{}",
                budget_seconds.map(|s| format!(" (it is more than the {s} s used)")).unwrap_or_default()
            ),
            timeout_cost(&others, None, budget_seconds),
            evidence,
        );
    };
    let started_at = fired_at - budget_seconds;
    let needed = ready_at - started_at;
    let value = (needed + MARGIN_SECONDS).ceil().max(1.0);
    let mut cost = vec![format!(
        "{} would probe at about {} (when {iommu_name} registered) instead of {}",
        names.join(", "),
        seconds(ready_at),
        seconds(fired_at)
    )];
    cost.extend(timeout_cost(&others, Some(value), Some(budget_seconds)));
    setting(
        format!("deferred_probe_timeout={value}"),
        Answer::Yes,
        format!(
            "the timeout ({budget_seconds} s) fired at {} and let the consumers probe without {iommu_name}, which registered at {}: {} after the timer started (at about {}); {value} s covers that with a {MARGIN_SECONDS} s margin",
            seconds(fired_at),
            seconds(ready_at),
            seconds(needed),
            seconds(started_at)
        ),
        cost,
        evidence,
    )
}

/// Devices the same timeout let go (or listed pending) that are no consumers of this IOMMU.
fn others_cut_loose(analysis: &Analysis, mine: &[&ConsumerPlan]) -> Vec<String> {
    let boot = analysis.boot();
    let mut names: Vec<String> = boot
        .events
        .iter()
        .filter(|e| e.kind.is_timeout_work())
        .filter(|e| !mine.iter().any(|c| c.consumer == e.device))
        .map(|e| boot.device(e.device).name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn timeout_cost(others: &[String], value: Option<f64>, budget: Option<f64>) -> Vec<String> {
    let longer = match (value, budget) {
        (Some(value), Some(budget)) => format!("up to {value} s instead of {budget} s"),
        _ => "longer".to_string(),
    };
    let mut cost = Vec::new();
    if !others.is_empty() {
        cost.push(format!(
            "{} (let go by the same timeout, for other suppliers) would wait {longer}",
            others.join(", ")
        ));
    }
    cost.push(format!(
        "any device whose optional supplier never arrives waits {longer} before it probes without it"
    ));
    cost
}

fn strict_setting(
    analysis: &Analysis,
    iommu: DeviceId,
    mine: &[&ConsumerPlan],
    names: &[String],
) -> SettingPlan {
    let boot = analysis.boot();
    let iommu_name = boot.device(iommu).name.clone();
    let already = analysis
        .cmdline()
        .filter(|(cmdline, _)| cmdline.fw_devlink_strict == Some(true));
    let cut_by_timeout = mine
        .iter()
        .any(|c| c.trouble == Trouble::ProbedBefore && boot.ignored_dependency(c.consumer).is_some());
    // Who would hold a managed link to the IOMMU: the consumer with `iommus`, the PCI host
    // bridge of an `iommu-map` (the link goes to the node that has the property).
    let mut waiting: Vec<String> = boot
        .iommu_edges
        .iter()
        .filter(|e| e.iommu == iommu)
        .flat_map(|e| {
            e.via.iter().filter_map(move |via| match via {
                IommuVia::DtIommus => Some(e.consumer),
                IommuVia::DtIommuMap { bridge, .. } => Some(*bridge),
                _ => None,
            })
        })
        .map(|id| boot.device(id).name.clone())
        .collect();
    waiting.sort();
    waiting.dedup();
    let cost = if waiting.is_empty() {
        vec![
            "the capture shows no DT iommus/iommu-map binding for this IOMMU: no device link would be made"
                .to_string(),
        ]
    } else {
        let below = if waiting.len() == 1 { "it" } else { "them" };
        vec![format!(
            "{} (and every device below {below}) would not probe until {iommu_name}'s driver binds, or until the timeout relaxes the links",
            waiting.join(", ")
        )]
    };
    let mut evidence: Vec<Evidence> = already.iter().map(|(_, e)| e.clone()).collect();
    if let Some(fired) = &analysis.timeout().fired {
        evidence.push(fired.evidence.clone());
    }
    let never = mine.iter().all(|c| c.trouble != Trouble::ProbedBefore);
    let (prevents, why) = match (already.is_some(), cut_by_timeout) {
        _ if never => (Answer::No, never_registered(&iommu_name)),
        (true, _) => (
            Answer::No,
            "fw_devlink.strict=1 is set already in this boot and the race happened".to_string(),
        ),
        (false, true) => (
            Answer::No,
            "the consumers were let go by the deferred-probe timeout; at the timeout the kernel relaxes fw_devlink's links to suppliers without a driver (fw_devlink_drivers_done()), so strict links would not have held them: only together with a timeout that covers the IOMMU".to_string(),
        ),
        (false, false) => (
            Answer::Unknown,
            "with strict links the consumers wait for the IOMMU's driver until the deferred-probe timeout; whether it came in time the capture cannot say".to_string(),
        ),
    };
    SettingPlan {
        parameter: "fw_devlink.strict=1".to_string(),
        prevents,
        iommu: iommu_name,
        consumers: names.to_vec(),
        why,
        cost,
        evidence,
    }
}

/// Why no setting helps when the IOMMU never registered in the capture.
fn never_registered(iommu: &str) -> String {
    format!(
        "{iommu} never registered in this capture: no setting makes it come; a longer timeout (or -1) or strict links only keep its consumers waiting longer (with -1, for ever)"
    )
}
