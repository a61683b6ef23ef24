//! What changed between two boots, device by device: devices that no longer bind, new
//! deferrals and why, consumers that now probe before a supplier or IOMMU they waited for
//! before, and binds that came later by more than a threshold. Findings are compared above
//! (`report::diff`), where rules are visible.
//!
//! Identity across boots is the kernel's device name, else the firmware node's path (a DT
//! path: the same node in both boots even when an enumerated name moved).
//!
//! Layer: analysis; reads the model and the two boots' analyses.

use crate::analysis::blockers::DeviceStatus;
use crate::analysis::iommu_order::Verdict;
use crate::analysis::Analysis;
use crate::model::{Boot, DeviceId, Evidence, LinkKind};
use std::collections::HashSet;

/// A device that bound in the good boot and does not in the bad one.
#[derive(Clone, Debug, PartialEq)]
pub struct LostBind {
    pub device: String,
    /// `deferred`, `unbound`, or `absent` (the bad boot's evidence lists devices and not it).
    pub now: &'static str,
    pub evidence: Vec<Evidence>,
}

/// A device deferred at the end of the bad boot and not of the good one.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDeferral {
    pub device: String,
    /// Why, one root cause per entry (the chain's steps, then what ends it).
    pub reasons: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// A consumer that now probes before a supplier it probed after in the good boot.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderChange {
    pub consumer: String,
    pub supplier: String,
    /// `iommu` or the link kind (`managed`, `dt-supplier`).
    pub edge: String,
    pub evidence: Vec<Evidence>,
}

/// A bind that came later in the bad boot.
#[derive(Clone, Debug, PartialEq)]
pub struct Slower {
    pub device: String,
    pub good_seconds: f64,
    pub bad_seconds: f64,
    pub evidence: Vec<Evidence>,
}

/// The device-level differences of two boots.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceDiff {
    pub lost_binds: Vec<LostBind>,
    pub new_deferrals: Vec<NewDeferral>,
    pub order_changes: Vec<OrderChange>,
    pub slower: Vec<Slower>,
    /// What could not be compared, and why.
    pub notes: Vec<String>,
}

/// The device of `to` that is `id` of `from`: same kernel name, else same firmware node.
pub fn counterpart(from: &Boot, id: DeviceId, to: &Boot) -> Option<DeviceId> {
    let device = from.device(id);
    to.find_by_name(&device.name)
        .or_else(|| device.dt_path.as_deref().and_then(|path| to.find(path)))
}

/// The name the good boot gives the device that `bad` calls `name` (a finding's subject or
/// related device): the same name, else the device on the same firmware node; `name` itself
/// when neither boot can tell.
pub fn good_name_of(good: &Boot, bad: &Boot, name: &str) -> String {
    bad.find(name)
        .and_then(|id| counterpart(bad, id, good))
        .map(|id| good.device(id).name.clone())
        .unwrap_or_else(|| name.to_string())
}

/// The devices the two boots name differently and [`counterpart`] matched by firmware node, as
/// notes: a reader sees why a renamed device is not a lost bind.
fn matched_by_fwnode(good: &Boot, bad: &Boot) -> Vec<String> {
    bad.device_ids()
        .filter(|id| good.find_by_name(&bad.device(*id).name).is_none())
        .filter_map(|id| {
            let other = counterpart(bad, id, good)?;
            let path = bad.device(id).dt_path.as_deref()?;
            Some(format!(
                "{} (bad boot) is {} (good boot): the same firmware node {path}",
                bad.device(id).name,
                good.device(other).name
            ))
        })
        .collect()
}

/// When a device's probe is first seen in the log, in seconds, with the line.
fn probe_time(boot: &Boot, id: DeviceId) -> Option<(f64, Evidence)> {
    let bind = boot.probe_evidence(id)?;
    Some((bind.position.time()?.as_secs_f64(), bind.evidence))
}

/// Whether `consumer` probed before `supplier` by the log's record order.
fn probed_before(boot: &Boot, consumer: DeviceId, supplier: DeviceId) -> Option<(bool, Vec<Evidence>)> {
    let c = boot.probe_evidence(consumer)?;
    let s = boot.probe_evidence(supplier)?;
    let (ci, si) = (c.position.log_index()?, s.position.log_index()?);
    Some((ci < si, vec![c.evidence, s.evidence]))
}

/// Compares two boots. `threshold` is in seconds.
pub fn diff(good: &Analysis, bad: &Analysis, threshold: f64) -> DeviceDiff {
    let (gb, bb) = (good.boot(), bad.boot());
    let mut out = DeviceDiff::default();
    out.notes.extend(matched_by_fwnode(gb, bb));
    let bad_lists_devices = bb.has_final_device_states();
    let mut unknown = 0usize;
    for id in gb.device_ids() {
        if good.blockers().status(id) != DeviceStatus::Bound {
            continue;
        }
        let name = gb.device(id).name.clone();
        match counterpart(gb, id, bb) {
            None if bad_lists_devices => out.lost_binds.push(LostBind {
                device: name,
                now: "absent",
                evidence: Vec::new(),
            }),
            None => unknown += 1,
            Some(other) => match bad.blockers().status(other) {
                DeviceStatus::Bound => {}
                DeviceStatus::Unknown => unknown += 1,
                status => {
                    let evidence = bb
                        .events_of(other)
                        .last()
                        .map(|e| vec![e.evidence.clone()])
                        .unwrap_or_default();
                    out.lost_binds.push(LostBind {
                        device: name,
                        now: if status == DeviceStatus::Deferred {
                            "deferred"
                        } else {
                            "unbound"
                        },
                        evidence,
                    });
                }
            },
        }
    }
    if unknown > 0 {
        out.notes.push(format!(
            "{unknown} device{} bound in the good boot cannot be compared: the bad boot's evidence does not say whether {} bound",
            if unknown == 1 { "" } else { "s" },
            if unknown == 1 { "it" } else { "they" }
        ));
    }
    for id in bb.device_ids() {
        if bad.blockers().status(id) != DeviceStatus::Deferred {
            continue;
        }
        let was_deferred = counterpart(bb, id, gb)
            .is_some_and(|other| good.blockers().status(other) == DeviceStatus::Deferred);
        if was_deferred {
            continue;
        }
        let causes = bad.blockers().root_causes(id);
        out.new_deferrals.push(NewDeferral {
            device: bb.device(id).name.clone(),
            reasons: causes
                .iter()
                .map(|c| {
                    let mut text = c.steps.join("; ");
                    if !text.is_empty() {
                        text.push_str(": ");
                    }
                    text.push_str(&c.blocker.describe());
                    text
                })
                .collect(),
            evidence: causes
                .iter()
                .flat_map(|c| c.evidence.iter().cloned())
                .take(4)
                .collect(),
        });
    }
    // A consumer now before its IOMMU.
    let before_in = |analysis: &Analysis, consumer: DeviceId, iommu: DeviceId| {
        analysis.iommu_order().iter().any(|v| {
            v.consumer == consumer
                && v.iommu == Some(iommu)
                && matches!(v.verdict, Verdict::ProbedBefore { .. })
        })
    };
    let mut seen: HashSet<(DeviceId, DeviceId)> = HashSet::new();
    for verdict in bad.iommu_order() {
        let (Verdict::ProbedBefore { .. }, Some(iommu)) = (&verdict.verdict, verdict.iommu) else {
            continue;
        };
        if !seen.insert((verdict.consumer, iommu)) {
            continue;
        }
        let before_in_good = match (counterpart(bb, verdict.consumer, gb), counterpart(bb, iommu, gb)) {
            (Some(c), Some(i)) => before_in(good, c, i),
            _ => false,
        };
        if !before_in_good {
            out.order_changes.push(OrderChange {
                consumer: bb.device(verdict.consumer).name.clone(),
                supplier: bb.device(iommu).name.clone(),
                edge: "iommu".to_string(),
                evidence: verdict.proof.iter().take(2).cloned().collect(),
            });
        }
    }
    // A consumer now before a supplier of a blocking link (by record order in both logs).
    for link in &bb.links {
        if !matches!(link.kind, LinkKind::Managed | LinkKind::DtSupplier) {
            continue;
        }
        let Some((true, evidence)) = probed_before(bb, link.consumer, link.supplier) else {
            continue;
        };
        let good_order = match (
            counterpart(bb, link.consumer, gb),
            counterpart(bb, link.supplier, gb),
        ) {
            (Some(c), Some(s)) => probed_before(gb, c, s).map(|(before, _)| before),
            _ => None,
        };
        if good_order == Some(false) {
            out.order_changes.push(OrderChange {
                consumer: bb.device(link.consumer).name.clone(),
                supplier: bb.device(link.supplier).name.clone(),
                edge: link.kind.as_str().to_string(),
                evidence,
            });
        }
    }
    for id in gb.device_ids() {
        let Some(other) = counterpart(gb, id, bb) else {
            continue;
        };
        let (Some((g, _)), Some((b, evidence))) = (probe_time(gb, id), probe_time(bb, other)) else {
            continue;
        };
        if b - g > threshold {
            out.slower.push(Slower {
                device: gb.device(id).name.clone(),
                good_seconds: g,
                bad_seconds: b,
                evidence: vec![evidence],
            });
        }
    }
    out
}

/// The devices that wait, directly or further down, for any of `devices`: their consumers in
/// the supplier graph (blocking edges) and the devices below them in sysfs. A device of these
/// comes late when they do.
pub fn downstream(analysis: &Analysis, devices: &[String]) -> HashSet<String> {
    let boot = analysis.boot();
    let graph = analysis.graph();
    let mut out: HashSet<String> = devices.iter().cloned().collect();
    let mut stack: Vec<DeviceId> = devices.iter().filter_map(|d| boot.find_by_name(d)).collect();
    let mut seen: HashSet<DeviceId> = stack.iter().copied().collect();
    while let Some(id) = stack.pop() {
        let mut next: Vec<DeviceId> = graph
            .consumers(id)
            .into_iter()
            .filter(|(_, edge)| {
                matches!(
                    edge.kind,
                    LinkKind::Managed | LinkKind::DtSupplier | LinkKind::DtIommu
                )
            })
            .map(|(c, _)| c)
            .collect();
        if let Some(path) = boot.device(id).sysfs_path.as_deref() {
            let prefix = format!("{path}/");
            next.extend(boot.device_ids().filter(|other| {
                boot.device(*other)
                    .sysfs_path
                    .as_deref()
                    .is_some_and(|p| p.starts_with(&prefix))
            }));
        }
        for other in next {
            if seen.insert(other) {
                out.insert(boot.device(other).name.clone());
                stack.push(other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
