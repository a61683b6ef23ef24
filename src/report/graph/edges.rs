//! The edges of the whole supplier graph at the moment a view is built for (device links with
//! their status then, IOMMU edges, parents as suppliers), and the walk from the devices asked
//! about along them.

use super::{EdgeKind, ViewOptions};
use crate::analysis::blockers::{DeviceStatus, Moment};
use crate::analysis::graph::{EdgeSource, SupplierGraph};
use crate::analysis::Analysis;
use crate::ingest::devlink::LinkStatus;
use crate::model::{Boot, DeviceId, IommuVia, LinkKind};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// An edge of the whole graph, before the view keeps it.
#[derive(Clone, Debug)]
pub(super) struct RawEdge {
    pub(super) supplier: DeviceId,
    pub(super) consumer: DeviceId,
    pub(super) kind: EdgeKind,
    pub(super) status: Option<LinkStatus>,
    pub(super) removed: bool,
    pub(super) detail: Option<String>,
    /// Tells apart two edges of one kind between the same devices.
    pub(super) source: (u8, usize),
}

impl RawEdge {
    pub(super) fn key(&self) -> (DeviceId, DeviceId, EdgeKind, (u8, usize)) {
        (self.supplier, self.consumer, self.kind, self.source)
    }
}

/// The edges of the whole graph at one moment, per device, as the view follows them.
pub(super) struct Edges<'a> {
    pub(super) boot: &'a Boot,
    pub(super) graph: &'a SupplierGraph,
    pub(super) moment: Moment,
    pub(super) kinds: &'a [LinkKind],
    /// Per snapshot: whether it listed device links at all.
    pub(super) devlinks_listed: Vec<bool>,
    pub(super) status: Vec<DeviceStatus>,
    /// With `parents`: each device's nearest bound ancestor, and the reverse.
    pub(super) parent_of: Option<Vec<Option<DeviceId>>>,
    pub(super) children_of: Vec<Vec<DeviceId>>,
}

impl<'a> Edges<'a> {
    pub(super) fn new(analysis: &Analysis<'a>, options: &'a ViewOptions) -> Edges<'a> {
        let (boot, graph) = (analysis.boot(), analysis.graph());
        let status: Vec<DeviceStatus> = match options.moment {
            Moment::End => boot
                .device_ids()
                .map(|id| analysis.blockers().status(id))
                .collect(),
            Moment::Snapshot(_) | Moment::Time(_) => {
                let blockers = analysis.blockers_at(options.moment);
                boot.device_ids().map(|id| blockers.status(id)).collect()
            }
        };
        let mut devlinks_listed = vec![false; boot.snapshots.len()];
        for link in &boot.links {
            for (listed, status) in devlinks_listed.iter_mut().zip(&link.status_by_snapshot) {
                *listed |= status.is_some();
            }
        }
        let mut edges = Edges {
            boot,
            graph,
            moment: options.moment,
            kinds: &options.kinds,
            devlinks_listed,
            status,
            parent_of: None,
            children_of: Vec::new(),
        };
        if options.parents {
            let parent_of: Vec<Option<DeviceId>> =
                boot.device_ids().map(|id| edges.bound_ancestor(id)).collect();
            let mut children_of = vec![Vec::new(); boot.devices.len()];
            for (child, parent) in parent_of.iter().enumerate() {
                if let Some(parent) = parent {
                    children_of[parent.index()].push(DeviceId(child as u32));
                }
            }
            edges.parent_of = Some(parent_of);
            edges.children_of = children_of;
        }
        edges
    }

    /// The nearest ancestor in `/sys/devices` that is a device with a driver bound: the parent
    /// dev-needs.sh follows (`add_parent` walks up until a directory has a `driver` link, and
    /// stops at `/sys/devices`).
    fn bound_ancestor(&self, id: DeviceId) -> Option<DeviceId> {
        let mut path = self.boot.device(id).sysfs_path.as_deref()?;
        while let Some((parent, _)) = path.rsplit_once('/') {
            if parent.len() <= "/sys/devices".len() {
                return None;
            }
            if let Some(ancestor) = self.boot.find_by_sysfs_path(parent) {
                if self.status[ancestor.index()] == DeviceStatus::Bound {
                    return Some(ancestor);
                }
            }
            path = parent;
        }
        None
    }

    fn follows(&self, kind: LinkKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// The edge of the supplier graph at the moment analysed, or `None` when the link did not
    /// exist then (a snapshot that lists device links without it).
    fn raw(
        &self,
        supplier: DeviceId,
        consumer: DeviceId,
        edge: crate::analysis::graph::Edge,
    ) -> Option<RawEdge> {
        if !self.follows(edge.kind) {
            return None;
        }
        let boot = self.boot;
        let (status, removed, detail, source) = match edge.source {
            EdgeSource::Link(index) => {
                // The graph's edge sources index the boot it was built from.
                let link = &boot.links[index];
                let seen_in_snapshots = link.status_by_snapshot.iter().any(Option::is_some);
                let (status, removed) = match self.moment {
                    Moment::Snapshot(k) => {
                        let status = link.status_by_snapshot.get(k).copied().flatten();
                        let listed = self.devlinks_listed.get(k).copied().unwrap_or(false);
                        if seen_in_snapshots && listed && status.is_none() {
                            return None;
                        }
                        (status, false)
                    }
                    // Every listing was taken at the end of the capture, after the instant.
                    Moment::Time(_) => (None, false),
                    Moment::End => {
                        let last_listing = self.devlinks_listed.iter().rposition(|listed| *listed);
                        let gone = last_listing.is_some_and(|last| {
                            seen_in_snapshots
                                && link.status_by_snapshot.get(last).is_some_and(Option::is_none)
                        });
                        (link.last_status(), gone)
                    }
                };
                (status, removed, link.property.clone(), (0, index))
            }
            EdgeSource::IommuEdge(index) => {
                let via: BTreeSet<&str> = boot.iommu_edges[index]
                    .via
                    .iter()
                    .map(|via| match via {
                        IommuVia::DtIommus => "iommus",
                        IommuVia::DtIommuMap { .. } => "iommu-map",
                        IommuVia::DeviceLink => "device link",
                        IommuVia::IommuClass => "/sys/class/iommu",
                        IommuVia::AcpiTable => "ACPI table",
                    })
                    .collect();
                let detail = via.into_iter().collect::<Vec<_>>().join(", ");
                (None, false, Some(detail), (1, index))
            }
        };
        Some(RawEdge {
            supplier,
            consumer,
            kind: EdgeKind::Link(edge.kind),
            status,
            removed,
            detail,
            source,
        })
    }

    fn parent_edge(&self, parent: DeviceId, child: DeviceId) -> RawEdge {
        RawEdge {
            supplier: parent,
            consumer: child,
            kind: EdgeKind::Parent,
            status: None,
            removed: false,
            detail: None,
            source: (2, 0),
        }
    }

    /// Edges from a device's suppliers (and its parent).
    pub(super) fn suppliers_of(&self, id: DeviceId) -> Vec<RawEdge> {
        let mut out: Vec<RawEdge> = self
            .graph
            .suppliers(id)
            .into_iter()
            .filter_map(|(supplier, edge)| self.raw(supplier, id, edge))
            .collect();
        if let Some(parent) = self.parent_of.as_ref().and_then(|p| p[id.index()]) {
            out.push(self.parent_edge(parent, id));
        }
        out
    }

    /// Edges to a device's consumers (and its children).
    pub(super) fn consumers_of(&self, id: DeviceId) -> Vec<RawEdge> {
        let mut out: Vec<RawEdge> = self
            .graph
            .consumers(id)
            .into_iter()
            .filter_map(|(consumer, edge)| self.raw(id, consumer, edge))
            .collect();
        if let Some(children) = self.children_of.get(id.index()) {
            out.extend(children.iter().map(|child| self.parent_edge(id, *child)));
        }
        out
    }
}

/// Breadth-first from the devices asked about, one direction, up to the depth limit.
pub(super) fn walk(
    edges: &Edges,
    options: &ViewOptions,
    towards_suppliers: bool,
    distance: &mut HashMap<DeviceId, usize>,
    kept: &mut Vec<RawEdge>,
) {
    let mut reached: HashMap<DeviceId, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for id in &options.focus {
        if reached.insert(*id, 0).is_none() {
            queue.push_back(*id);
        }
    }
    while let Some(id) = queue.pop_front() {
        let here = reached.get(&id).copied().unwrap_or(0);
        if options.depth.is_some_and(|limit| here >= limit) {
            continue;
        }
        let next = if towards_suppliers {
            edges.suppliers_of(id)
        } else {
            edges.consumers_of(id)
        };
        for edge in next {
            let other = if towards_suppliers {
                edge.supplier
            } else {
                edge.consumer
            };
            if let std::collections::hash_map::Entry::Vacant(entry) = reached.entry(other) {
                entry.insert(here + 1);
                queue.push_back(other);
            }
            kept.push(edge);
        }
    }
    for (id, d) in reached {
        distance
            .entry(id)
            .and_modify(|known| *known = (*known).min(d))
            .or_insert(d);
    }
}
