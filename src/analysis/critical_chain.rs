//! The critical chain of a device (as `systemd-analyze critical-chain` gives it for units): the
//! suppliers that gated its bind, each with the instant it became ready.
//!
//! Layer: reads `model` and the other analyses (graph, blockers, readiness); `why --chain`
//! renders it.
//!
//! Kernel facts relied on (drivers/base/dd.c `really_probe()`, drivers/base/core.c
//! `device_links_check_suppliers()`): a consumer's probe runs only once every supplier of a
//! managed device link has bound, and (`of_iommu_configure()`) once its IOMMU is registered,
//! unless the deferred-probe timeout let it go ahead without it. So of the suppliers ready
//! before a device bound, the last one to become ready is the one its bind waited for; a
//! supplier ready only after the bind did not gate it (an IOMMU the consumer went ahead
//! without). An unbound device has no bind to explain: its chain is the chain of waits that
//! `why` follows to what blocks it.

use crate::analysis::blockers::DeviceStatus;
use crate::analysis::graph::{EdgeSource, SupplierGraph};
use crate::analysis::{readiness, Analysis};
use crate::model::{BindEvidence, Boot, DeviceId, LinkKind, Position};
use std::cmp::Ordering;
use std::collections::HashSet;

/// Whether the firmware names `supplier` as an IOMMU of `consumer`.
fn is_iommu_of(boot: &Boot, supplier: DeviceId, consumer: DeviceId) -> bool {
    boot.iommu_edges
        .iter()
        .any(|edge| edge.iommu == supplier && edge.consumer == consumer)
}

/// When a device became ready: its driver bound (for an IOMMU: the device that registers it
/// probed), never (a final snapshot shows it unbound), or the evidence does not say.
#[derive(Clone, Debug, PartialEq)]
pub enum Readiness {
    At(BindEvidence),
    Never,
    Unknown,
}

impl Readiness {
    pub fn position(&self) -> Option<&Position> {
        match self {
            Readiness::At(bind) => Some(&bind.position),
            _ => None,
        }
    }
}

/// One device of the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainLink {
    pub device: DeviceId,
    /// The edge from this device to the one before it on the chain (`None` for the device
    /// asked about).
    pub kind: Option<LinkKind>,
    pub ready: Readiness,
}

/// A supplier the device's bind did not wait for: ready only after it, never, or at an
/// instant the evidence does not order against the bind.
#[derive(Clone, Debug, PartialEq)]
pub struct NotWaited {
    pub consumer: DeviceId,
    pub supplier: DeviceId,
    pub kind: LinkKind,
    /// For an IOMMU edge, the IOMMU the firmware names (the supplier is the device that
    /// registers it: for virtio-iommu, the virtio device below that PCI function).
    pub iommu: Option<DeviceId>,
    pub ready: Readiness,
    /// `Some(Greater)`: ready after the consumer bound; `None`: not ordered by the evidence.
    pub order: Option<Ordering>,
}

/// The chain of one device, starting with it.
#[derive(Clone, Debug, PartialEq)]
pub struct CriticalChain {
    pub links: Vec<ChainLink>,
    /// Along the chain, the suppliers that did not gate the bind of the device they supply.
    pub not_waited: Vec<NotWaited>,
    /// The device is not bound at the end: the chain is the one `why` follows to what blocks
    /// it (the first root cause's).
    pub blocked: bool,
}

/// Kinds of edge that hold a consumer's probe back (stateless and sync-state-only links never
/// do).
fn gates_probe(kind: LinkKind) -> bool {
    matches!(kind, LinkKind::Managed | LinkKind::DtIommu | LinkKind::DtSupplier)
}

/// When a device became ready: the log's earliest evidence of its bind, else of its probe
/// running, else the first snapshot showing it bound; for an IOMMU the probe of the device that
/// registers it.
pub fn readiness_of(boot: &Boot, device: DeviceId) -> Readiness {
    let found = if boot.device(device).is_iommu {
        readiness::registration(boot, device)
    } else {
        // The log's bind, else the log's sign of its probe running, else a snapshot: a log
        // line has an instant, a snapshot only says "by then".
        boot.bind_evidence(device)
            .filter(|bind| bind.position.log_index().is_some())
            .or_else(|| boot.probe_evidence(device))
    };
    match found {
        Some(bind) => Readiness::At(bind),
        None if boot.device(device).bound_at_end() == Some(false) => Readiness::Never,
        None => Readiness::Unknown,
    }
}

/// The critical chain of `device` at the end of the capture.
pub fn critical_chain(analysis: &Analysis, device: DeviceId) -> CriticalChain {
    let boot = analysis.boot();
    if analysis.blockers().status(device) != DeviceStatus::Bound {
        return blocked_chain(analysis, device);
    }
    let graph: &SupplierGraph = analysis.graph();
    let mut links = vec![ChainLink {
        device,
        kind: None,
        ready: readiness_of(boot, device),
    }];
    let mut not_waited = Vec::new();
    let mut seen = HashSet::from([device]);
    while let Some(current) = links.last() {
        let Some(bound_at) = current.ready.position().copied() else {
            break;
        };
        let consumer = current.device;
        let mut gating: Option<(DeviceId, LinkKind, Readiness)> = None;
        for (supplier, edge) in graph.suppliers(consumer) {
            if supplier == consumer {
                continue;
            }
            // The link an IOMMU driver adds to a consumer once its IOMMU is registered
            // (exynos-iommu's stateless one) gates nothing itself, and the graph keeps it
            // instead of the firmware's IOMMU edge; `of_iommu_configure()` still held the
            // probe until the IOMMU was registered.
            let kind = if gates_probe(edge.kind) {
                edge.kind
            } else if is_iommu_of(boot, supplier, consumer) {
                LinkKind::DtIommu
            } else {
                continue;
            };
            let ready = readiness_of(boot, supplier);
            let order = ready.position().and_then(|p| p.ordering(&bound_at));
            match order {
                Some(Ordering::Less | Ordering::Equal) => {
                    let later = gating.as_ref().is_none_or(|(_, _, best)| {
                        let (Some(best), Some(this)) = (best.position(), ready.position()) else {
                            return false;
                        };
                        this.ordering(best) == Some(Ordering::Greater)
                    });
                    if later {
                        gating = Some((supplier, kind, ready));
                    }
                }
                _ => {
                    if !not_waited
                        .iter()
                        .any(|n: &NotWaited| n.consumer == consumer && n.supplier == supplier)
                    {
                        let iommu = match edge.source {
                            EdgeSource::IommuEdge(index) => boot.iommu_edges.get(index).map(|e| e.iommu),
                            EdgeSource::Link(_) => None,
                        };
                        not_waited.push(NotWaited {
                            consumer,
                            supplier,
                            kind,
                            iommu,
                            ready,
                            order,
                        });
                    }
                }
            }
        }
        match gating {
            // A cycle of binds cannot happen; a device met again ends the chain.
            Some((supplier, kind, ready)) if seen.insert(supplier) => links.push(ChainLink {
                device: supplier,
                kind: Some(kind),
                ready,
            }),
            _ => break,
        }
    }
    CriticalChain {
        links,
        not_waited,
        blocked: false,
    }
}

/// An unbound device's chain: the first root cause's chain of waits, as `why` gives it.
fn blocked_chain(analysis: &Analysis, device: DeviceId) -> CriticalChain {
    let boot = analysis.boot();
    let causes = analysis.blockers().causes(device);
    let chain = causes
        .first()
        .map(|cause| cause.chain.clone())
        .unwrap_or_else(|| vec![device]);
    let graph = analysis.graph();
    let links = chain
        .iter()
        .enumerate()
        .map(|(position, id)| ChainLink {
            device: *id,
            kind: position
                .checked_sub(1)
                .and_then(|before| chain.get(before))
                .and_then(|consumer| {
                    graph
                        .suppliers(*consumer)
                        .into_iter()
                        .find(|(s, _)| s == id)
                        .map(|(_, edge)| edge.kind)
                }),
            ready: readiness_of(boot, *id),
        })
        .collect();
    CriticalChain {
        links,
        not_waited: Vec::new(),
        blocked: true,
    }
}

#[cfg(test)]
mod tests;
