//! The supplier graph: devices as nodes, supplier → consumer edges (device links of every kind
//! plus the IOMMU edges the device tree implies where no device link exists). petgraph stays
//! private behind domain methods.

use crate::model::{Boot, DeviceId, LinkKind};
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::collections::{HashMap, HashSet};

/// One edge of the graph: which link (or IOMMU edge) it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeSource {
    /// Index into [`Boot::links`].
    Link(usize),
    /// Index into [`Boot::iommu_edges`] (no device link joins the two devices).
    IommuEdge(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub kind: LinkKind,
    pub source: EdgeSource,
}

/// Suppliers and consumers of every device of one boot. Node `i` is device `i` (nodes are
/// added in device order), so no map from device to node is kept.
pub struct SupplierGraph {
    graph: DiGraph<DeviceId, Edge>,
}

impl SupplierGraph {
    pub fn new(boot: &Boot) -> SupplierGraph {
        let mut graph = DiGraph::with_capacity(boot.devices.len(), boot.links.len() + boot.iommu_edges.len());
        for id in boot.device_ids() {
            graph.add_node(id);
        }
        let node_of = |id: DeviceId| NodeIndex::new(id.index());
        for (index, link) in boot.links.iter().enumerate() {
            graph.add_edge(
                node_of(link.supplier),
                node_of(link.consumer),
                Edge {
                    kind: link.kind,
                    source: EdgeSource::Link(index),
                },
            );
        }
        let linked: HashSet<(DeviceId, DeviceId)> = if boot.iommu_edges.is_empty() {
            HashSet::new()
        } else {
            boot.links.iter().map(|l| (l.supplier, l.consumer)).collect()
        };
        // A consumer waits for the device that registers its IOMMU (for virtio-iommu, the virtio
        // device below the PCI function the firmware names), not for the firmware's node.
        let mut registrar_of: HashMap<DeviceId, DeviceId> = HashMap::new();
        for (index, edge) in boot.iommu_edges.iter().enumerate() {
            let registrar = *registrar_of
                .entry(edge.iommu)
                .or_insert_with(|| crate::analysis::readiness::registrar(boot, edge.iommu));
            if !linked.contains(&(edge.iommu, edge.consumer)) && registrar != edge.consumer {
                graph.add_edge(
                    node_of(registrar),
                    node_of(edge.consumer),
                    Edge {
                        kind: LinkKind::DtIommu,
                        source: EdgeSource::IommuEdge(index),
                    },
                );
            }
        }
        SupplierGraph { graph }
    }

    /// The direct suppliers of a device, with the edge to each.
    pub fn suppliers(&self, device: DeviceId) -> Vec<(DeviceId, Edge)> {
        self.neighbours(device, Direction::Incoming)
    }

    /// The direct consumers of a device, with the edge to each.
    pub fn consumers(&self, device: DeviceId) -> Vec<(DeviceId, Edge)> {
        self.neighbours(device, Direction::Outgoing)
    }

    fn neighbours(&self, device: DeviceId, direction: Direction) -> Vec<(DeviceId, Edge)> {
        if device.index() >= self.graph.node_count() {
            return Vec::new();
        }
        let mut out: Vec<_> = self
            .graph
            .edges_directed(NodeIndex::new(device.index()), direction)
            .map(|edge| {
                let other = match direction {
                    Direction::Incoming => petgraph::visit::EdgeRef::source(&edge),
                    Direction::Outgoing => petgraph::visit::EdgeRef::target(&edge),
                };
                (self.graph[other], *edge.weight())
            })
            .collect();
        out.sort_by_key(|(id, edge)| (*id, edge.kind));
        out
    }

    /// Groups of devices that depend on each other in a cycle (strongly connected components
    /// of more than one device, or a device that supplies itself), each sorted, in a stable
    /// order. Only edges that can block a probe count unless `all_kinds` is set.
    ///
    /// Kosaraju rather than Tarjan: petgraph's Tarjan recurses once per device on a path, so a
    /// long cycle in a hostile or huge dump overflowed the stack; its Kosaraju walks with
    /// explicit stacks.
    pub fn cycles(&self, all_kinds: bool) -> Vec<Vec<DeviceId>> {
        let filtered = self.graph.filter_map(
            |_, id| Some(*id),
            |_, edge| {
                (all_kinds
                    || matches!(
                        edge.kind,
                        LinkKind::Managed | LinkKind::DtIommu | LinkKind::DtSupplier
                    ))
                .then_some(*edge)
            },
        );
        let mut cycles: Vec<Vec<DeviceId>> = kosaraju_scc(&filtered)
            .into_iter()
            .filter(|scc| scc.len() > 1 || filtered.contains_edge(scc[0], scc[0]))
            .map(|scc| {
                let mut ids: Vec<DeviceId> = scc.into_iter().map(|n| filtered[n]).collect();
                ids.sort();
                ids
            })
            .collect();
        cycles.sort();
        cycles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_link_cycle_is_one_group_and_a_chain_is_none() {
        // Device-link dumps in the form `grep -r . /sys/class/devlink` prints: d0 → d1 → d2 → d0
        // (each supplies the next), and a separate chain e0 → e1 → e2.
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut dump = String::new();
        for (supplier, consumer) in [
            ("d0", "d1"),
            ("d1", "d2"),
            ("d2", "d0"),
            ("e0", "e1"),
            ("e1", "e2"),
        ] {
            let name = format!("platform:{supplier}--platform:{consumer}");
            dump.push_str(&format!("/sys/class/devlink/{name}/status:consumer probing\n"));
            dump.push_str(&format!(
                "/sys/class/devlink/{name}/supplier -> ../../../platform/{supplier}\n"
            ));
            dump.push_str(&format!(
                "/sys/class/devlink/{name}/consumer -> ../../../platform/{consumer}\n"
            ));
        }
        let path = dir.path().join("links.txt");
        std::fs::write(&path, dump).expect("written");
        let spec = crate::ingest::discover::InputSpec {
            devlink: vec![path],
            ..Default::default()
        };
        let (boot, _) = crate::pipeline::analyse(&spec).expect("the dump reads");
        let graph = SupplierGraph::new(&boot);
        let names = |group: &Vec<DeviceId>| -> Vec<String> {
            group.iter().map(|id| boot.device(*id).name.clone()).collect()
        };
        let cycles: Vec<Vec<String>> = graph.cycles(false).iter().map(names).collect();
        assert_eq!(cycles.len(), 1, "{cycles:?}");
        let mut members = cycles[0].clone();
        members.sort();
        assert_eq!(members, ["d0", "d1", "d2"]);
    }
}
