//! The probe order of an IOMMU consumer relative to its IOMMU, judged from whatever evidence
//! the capture has: the kernel's own "ignoring dependency" line, log order, snapshots, group
//! joins. Several rules read these verdicts.
//!
//! The IOMMU's side is its registration (see [`readiness`]): a consumer bound before the IOMMU
//! registered probed before it, whatever the IOMMU's bus ancestors or the firmware node's device
//! did.
//!
//! Kernel facts relied on (see `reference/fw-devlink.md` §7):
//! - `of_iommu_configure()` runs in `really_probe()` before the driver's probe; it prints
//!   "deferred probe timeout, ignoring dependency" only when the IOMMU's ops are not registered,
//!   i.e. its driver has not bound (drivers/base/dd.c `driver_deferred_probe_check_state()`).
//! - A consumer that was configured with its IOMMU joins an IOMMU group ("Adding to iommu
//!   group N") before its driver's probe completes; so a group join of any consumer shows its
//!   IOMMUs bound at that point.
//! - Already-bound consumers are not re-configured when the IOMMU comes later (before v6.15).

use crate::analysis::readiness;
use crate::model::{BindEvidence, Boot, BootTime, DeviceId, EventKind, Evidence, Position};

/// How a consumer's bind relates to one of its IOMMUs.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The consumer bound while the IOMMU was not bound; the IOMMU bound later.
    ProbedBefore { iommu_bind: Option<BindEvidence> },
    /// The consumer bound; the IOMMU exists but no driver bound it by the end of the capture.
    WithoutIommu { unbound_at_end: Option<Evidence> },
    /// The consumer bound behind its bound IOMMU.
    Behind,
    /// The consumer never bound.
    NotBound,
    /// The evidence does not order the two.
    Unknown,
}

/// The verdict for one consumer → IOMMU edge, with the evidence behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeVerdict {
    pub consumer: DeviceId,
    /// `None`: an IOMMU the capture does not name (a log without a device tree).
    pub iommu: Option<DeviceId>,
    pub consumer_bind: Option<BindEvidence>,
    /// What shows the IOMMU was not there when the consumer bound.
    pub proof: Vec<Evidence>,
    pub verdict: Verdict,
    /// The DT / sysfs evidence that the consumer sits behind the IOMMU.
    pub relation: Vec<Evidence>,
}

pub fn judge_all(boot: &Boot) -> Vec<EdgeVerdict> {
    let mut verdicts: Vec<EdgeVerdict> = boot
        .iommu_edges
        .iter()
        .map(|edge| judge(boot, edge.consumer, edge.iommu, edge.evidence.clone()))
        .collect();
    for consumer in boot.device_ids().filter(|id| depends_on_unnamed_iommu(boot, *id)) {
        verdicts.push(judge_unnamed(boot, consumer));
    }
    verdicts
}

/// A device the kernel let probe "ignoring dependency" although the capture names no IOMMU
/// for it: without a device tree the dependency cannot be named, and in the kernels that print
/// the line it is an IOMMU's (`of_iommu_configure()`; before ~v5.19 also a PM domain's or
/// pinctrl's, which a device tree would tell apart).
pub fn depends_on_unnamed_iommu(boot: &Boot, consumer: DeviceId) -> bool {
    boot.device_tree.is_none()
        && boot.iommus_of(consumer).next().is_none()
        && boot.ignored_dependency(consumer).is_some()
}

/// The order of a consumer and an IOMMU the capture does not name: unknown. The kernel's
/// "ignoring dependency" line says the IOMMU was not registered when the consumer probed; but a
/// log that does not name the IOMMU cannot say whether it registered later (some IOMMU drivers
/// print nothing when they bind), and no group join only shows that no consumer was attached.
fn judge_unnamed(boot: &Boot, consumer: DeviceId) -> EdgeVerdict {
    let consumer_bind = boot.probe_evidence(consumer);
    let ignored = boot.ignored_dependency(consumer).map(|e| e.evidence.clone());
    let verdict = match &consumer_bind {
        None => Verdict::NotBound,
        Some(_) => Verdict::Unknown,
    };
    EdgeVerdict {
        consumer,
        iommu: None,
        consumer_bind,
        proof: ignored.into_iter().collect(),
        verdict,
        relation: Vec::new(),
    }
}

/// The earliest log index at which the IOMMU is known registered: the bind of the device that
/// registers it, or a group join of any of its consumers.
fn iommu_bound_by_log(boot: &Boot, iommu: DeviceId) -> Option<(u64, Option<BootTime>, Evidence)> {
    let own = readiness::registration(boot, iommu).and_then(|b| {
        b.position
            .log_index()
            .map(|index| (index, b.position.time(), b.evidence.clone()))
    });
    let via_consumers = boot
        .iommu_edges
        .iter()
        .filter(|e| e.iommu == iommu)
        .flat_map(|e| boot.group_joins(e.consumer))
        .filter_map(|join| {
            join.position
                .log_index()
                .map(|index| (index, join.position.time(), join.evidence.clone()))
        })
        .min_by_key(|(index, _, _)| *index);
    [own, via_consumers]
        .into_iter()
        .flatten()
        .min_by_key(|(index, _, _)| *index)
}

/// The snapshot states of a device: bound or not, per snapshot index.
fn bound_in_snapshot(boot: &Boot, device: DeviceId, snapshot: usize) -> Option<bool> {
    boot.device(device).states.get(snapshot).and_then(|s| s.bound())
}

fn judge(boot: &Boot, consumer: DeviceId, iommu: DeviceId, relation: Vec<Evidence>) -> EdgeVerdict {
    let consumer_bind = boot.probe_evidence(consumer);
    let mut verdict = EdgeVerdict {
        consumer,
        iommu: Some(iommu),
        consumer_bind: consumer_bind.clone(),
        proof: Vec::new(),
        verdict: Verdict::NotBound,
        relation,
    };
    let Some(consumer_bind) = consumer_bind else {
        return verdict;
    };

    let iommu_log = iommu_bound_by_log(boot, iommu);
    let iommu_first_snapshot = boot.first_bound_snapshot(readiness::registrar(boot, iommu));
    let iommu_ever_bound = iommu_log.is_some() || iommu_first_snapshot.is_some();
    let joined_group =
        boot.group_joins(consumer).next().is_some() || boot.device(consumer).group_at_end().is_some();

    // 1. The kernel's own word: the consumer's probe went ahead without the IOMMU.
    if let Some(ignored) = boot.ignored_dependency(consumer) {
        let at = ignored.position.log_index().unwrap_or(u64::MAX);
        if iommu_log.as_ref().is_none_or(|(bound, _, _)| *bound > at) {
            verdict.proof.push(ignored.evidence.clone());
        }
    }
    // 2. Log order: the consumer's bind precedes any sign of the IOMMU's.
    if verdict.proof.is_empty() {
        if let (Some(consumer_at), Some((iommu_at, _, _))) = (consumer_bind.position.log_index(), &iommu_log)
        {
            let trusted = consumer_bind.is_strong() || !joined_group;
            if consumer_at < *iommu_at && trusted {
                verdict.proof.push(consumer_bind.evidence.clone());
            }
        }
    }
    // 3. A snapshot shows the consumer bound and the IOMMU not.
    if verdict.proof.is_empty() {
        for snapshot in 0..boot.snapshots.len() {
            if bound_in_snapshot(boot, consumer, snapshot) == Some(true)
                && readiness::registered_in_snapshot(boot, iommu, snapshot) == Some(false)
            {
                verdict.proof.push(snapshot_evidence(
                    boot,
                    consumer,
                    readiness::registrar(boot, iommu),
                    snapshot,
                ));
                break;
            }
        }
    }

    let final_state = boot
        .final_snapshot()
        .and_then(|last| readiness::registered_in_snapshot(boot, iommu, last));
    // Absence of a bind line is evidence of no bind only from a driver that prints when it binds.
    let iommu_state_unknown =
        !iommu_ever_bound && final_state.is_none() && !readiness::bind_would_show_in_log(boot, iommu);
    verdict.verdict = if iommu_state_unknown {
        Verdict::Unknown
    } else if !verdict.proof.is_empty() {
        if iommu_ever_bound && final_state != Some(false) {
            let iommu_bind = match &iommu_log {
                Some((index, time, evidence)) => Some(BindEvidence {
                    position: Position::Log {
                        index: *index,
                        time: *time,
                    },
                    basis: crate::model::BindBasis::DriverPrefixedLine,
                    driver: None,
                    evidence: evidence.clone(),
                }),
                None => iommu_first_snapshot,
            };
            Verdict::ProbedBefore { iommu_bind }
        } else {
            Verdict::WithoutIommu {
                unbound_at_end: final_unbound_evidence(boot, iommu),
            }
        }
    } else if !iommu_ever_bound && final_state == Some(false) {
        Verdict::WithoutIommu {
            unbound_at_end: final_unbound_evidence(boot, iommu),
        }
    } else if joined_group
        || iommu_log
            .as_ref()
            .zip(consumer_bind.position.log_index())
            .is_some_and(|((i, _, _), c)| *i <= c)
    {
        Verdict::Behind
    } else {
        Verdict::Unknown
    };
    verdict
}

fn snapshot_evidence(boot: &Boot, consumer: DeviceId, iommu: DeviceId, snapshot: usize) -> Evidence {
    let label = &boot.snapshots[snapshot];
    let bound = boot.events_of(consumer).find(|e| {
        matches!(e.kind, EventKind::Bound { .. }) && e.position == Position::Snapshot { index: snapshot }
    });
    let origin = bound
        .map(|e| e.evidence.origin.clone())
        .unwrap_or_else(|| crate::model::Origin {
            file: format!("snapshot {label}").into(),
            line: 0,
        });
    Evidence::new(
        origin,
        format!(
            "snapshot {label}: {} bound, {} without a driver",
            boot.device(consumer).name,
            boot.device(iommu).name
        ),
    )
}

fn final_unbound_evidence(boot: &Boot, iommu: DeviceId) -> Option<Evidence> {
    let last = boot.final_snapshot()?;
    let iommu = readiness::registrar(boot, iommu);
    let state = boot.device(iommu).states.get(last)?;
    (state.bound() == Some(false)).then(|| {
        let label = &boot.snapshots[last];
        // The listing's own line when the snapshot listed the device; else the snapshot's file.
        let origin = state.listed_at.clone().unwrap_or_else(|| {
            let file = boot
                .inputs
                .iter()
                .find(|i| {
                    i.moment.as_deref().is_none_or(|m| m == label)
                        && !matches!(
                            i.kind,
                            crate::model::InputKind::Unused
                                | crate::model::InputKind::KernelLog
                                | crate::model::InputKind::Directory
                                | crate::model::InputKind::Bundle
                        )
                })
                .map(|i| i.path.clone())
                .unwrap_or_else(|| format!("snapshot {label}"));
            crate::model::Origin {
                file: file.into(),
                line: 0,
            }
        });
        Evidence::new(
            origin,
            format!("snapshot {label}: {} has no driver", boot.device(iommu).name),
        )
    })
}

/// The verdicts grouped per consumer: every IOMMU for which `matches` holds.
pub fn per_consumer(
    verdicts: &[EdgeVerdict],
    matches: impl Fn(&Verdict) -> bool,
) -> Vec<(DeviceId, Vec<&EdgeVerdict>)> {
    let mut grouped: Vec<(DeviceId, Vec<&EdgeVerdict>)> = Vec::new();
    for verdict in verdicts.iter().filter(|v| matches(&v.verdict)) {
        match grouped
            .iter_mut()
            .find(|(consumer, _)| *consumer == verdict.consumer)
        {
            Some((_, list)) => list.push(verdict),
            None => grouped.push((verdict.consumer, vec![verdict])),
        }
    }
    grouped
}

/// The IOMMU's name, or what stands for an IOMMU the capture does not name.
pub fn iommu_name(boot: &Boot, verdict: &EdgeVerdict) -> String {
    match verdict.iommu {
        Some(id) => boot.device(id).name.clone(),
        None => "(an IOMMU the capture does not name: no device tree)".to_string(),
    }
}

/// The named IOMMUs of some verdicts, for a finding's `related` list.
pub fn related_iommus(boot: &Boot, verdicts: &[&EdgeVerdict]) -> Vec<String> {
    verdicts
        .iter()
        .filter_map(|v| v.iommu.map(|id| boot.device(id).name.clone()))
        .collect()
}

/// "at 6.972297 s" / "at dmesg.txt:282" / "by snapshot final": where a bind was seen.
pub fn describe_when(bind: &BindEvidence) -> String {
    match bind.position {
        Position::Log { time: Some(time), .. } => format!("at {time} s"),
        Position::Log { .. } => format!("at {}", bind.evidence.origin),
        Position::Snapshot { .. } => "by a later snapshot".to_string(),
    }
}

#[cfg(test)]
mod tests;
