//! The supplier graph as `probescope graph` shows it. A [`GraphView`] is built once from the
//! model — the whole boot, or the neighbourhood of some devices up to a depth, at the end of the
//! capture or at one snapshot — and handed to one renderer per format (`tree`, `dot`, `mermaid`,
//! `json`, `tsort`). Every renderer is deterministic: nodes and edges come in the view's order.
//!
//! Everything `scripts/dev-needs.sh` shows is here, post mortem as well as live: its views
//! (device path, compatible, driver, module, firmware node: [`Label`]), its parents-as-suppliers
//! rule ([`ViewOptions::parents`]) and its `-t` pairs ([`tsort`]).

pub mod dot;
mod edges;
pub mod json;
pub mod mermaid;
pub mod tree;
pub mod tsort;

use crate::analysis::blockers::{DeviceStatus, Moment};
use crate::analysis::Analysis;
use crate::ingest::devlink::LinkStatus;
use crate::model::{Boot, DeviceId, LinkKind};
use edges::{walk, Edges, RawEdge};
use std::collections::{BTreeSet, HashMap};

/// Which way from the devices asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// What the devices wait for (dev-needs.sh's view).
    Suppliers,
    /// What waits for the devices.
    Consumers,
    Both,
}

/// What names a device in the output: the kernel name, or one of dev-needs.sh's views. When the
/// evidence does not tell, the kernel name stands in (as dev-needs.sh prints the device).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Name,
    /// `/sys/devices/...` (dev-needs.sh's default).
    Path,
    /// The DT node's `compatible` strings (`-c`).
    Compatible,
    /// The bound driver (`-d`).
    Driver,
    /// The bound driver's module (`-m`).
    Module,
    /// The firmware node (`-f`): `/sys/firmware/devicetree/base/...`.
    Fwnode,
}

/// What kind of dependency an edge of the view is: a link of the model, or the parent device
/// that the driver core probes first (dev-needs.sh follows both).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    Link(LinkKind),
    Parent,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Link(kind) => kind.as_str(),
            EdgeKind::Parent => "parent",
        }
    }
}

/// What to show.
#[derive(Clone, Debug)]
pub struct ViewOptions {
    /// The devices asked about; empty for the whole graph.
    pub focus: Vec<DeviceId>,
    pub direction: Direction,
    /// Hops from the devices asked about; `None` for no limit.
    pub depth: Option<usize>,
    pub moment: Moment,
    /// Link kinds to follow; empty for all.
    pub kinds: Vec<LinkKind>,
    /// Follow parents as suppliers: the nearest ancestor in `/sys/devices` with a driver bound
    /// (dev-needs.sh's `add_parent`).
    pub parents: bool,
    pub label: Label,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions {
            focus: Vec::new(),
            direction: Direction::Suppliers,
            depth: None,
            moment: Moment::End,
            kinds: Vec::new(),
            parents: false,
            label: Label::Name,
        }
    }
}

/// A device in the view, with every name and fact the renderers print.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewNode {
    pub device: DeviceId,
    pub name: String,
    pub bus: Option<String>,
    pub sysfs_path: Option<String>,
    pub dt_path: Option<String>,
    /// The bound driver at the moment analysed.
    pub driver: Option<String>,
    /// The driver's module, when `/proc/modules` lists one named like the driver.
    pub module: Option<String>,
    /// The DT node's `compatible` strings.
    pub compatible: Vec<String>,
    pub status: DeviceStatus,
    pub is_iommu: bool,
    /// One of the devices asked about.
    pub focus: bool,
    /// Waits for nothing the view follows (dev-needs.sh's `ROOT`), judged on the whole graph,
    /// not only on what the depth limit kept.
    pub root: bool,
    /// What [`ViewOptions::label`] chose.
    pub label: String,
}

/// A supplier → consumer edge of the view. `supplier` and `consumer` index
/// [`GraphView::nodes`].
#[derive(Clone, Debug, PartialEq)]
pub struct ViewEdge {
    pub supplier: usize,
    pub consumer: usize,
    pub kind: EdgeKind,
    /// The device link's status at the moment analysed (at the end: its latest).
    pub status: Option<LinkStatus>,
    /// At the end of the capture: the link was in an earlier snapshot and is gone from the
    /// last one that listed device links (the kernel dropped it).
    pub removed: bool,
    /// What a DT or IOMMU edge rests on: `iommus`, `iommu-map`, `/sys/class/iommu`, the DT
    /// property.
    pub detail: Option<String>,
}

impl ViewEdge {
    /// One line: kind, status or detail, removal.
    pub fn describe(&self) -> String {
        let mut text = self.kind.as_str().to_string();
        if let Some(status) = self.status {
            text.push_str(", ");
            text.push_str(status.as_str());
        }
        if let Some(detail) = &self.detail {
            text.push_str(": ");
            text.push_str(detail);
        }
        if self.removed {
            text.push_str(" (removed by the end)");
        }
        text
    }
}

/// The part of the supplier graph to render. Built by [`build`], which keeps every edge's
/// `supplier` and `consumer` within `nodes` (the renderers index by them).
#[derive(Clone, Debug, PartialEq)]
pub struct GraphView {
    pub boot: String,
    /// The snapshot analysed, `None` for the end of the capture.
    pub moment: Option<String>,
    pub direction: Direction,
    pub depth: Option<usize>,
    /// Focused views: by distance from the devices asked about, then name; the whole graph: by
    /// name.
    pub nodes: Vec<ViewNode>,
    /// By consumer (in node order), then supplier, then kind.
    pub edges: Vec<ViewEdge>,
}

impl GraphView {
    pub fn focus(&self) -> impl Iterator<Item = &ViewNode> {
        self.nodes.iter().filter(|n| n.focus)
    }

    /// Edges into each node (its suppliers), as indexes into `edges`.
    pub fn incoming(&self) -> Vec<Vec<usize>> {
        let mut into = vec![Vec::new(); self.nodes.len()];
        for (index, edge) in self.edges.iter().enumerate() {
            into[edge.consumer].push(index);
        }
        into
    }

    /// Edges out of each node (its consumers), as indexes into `edges`.
    pub fn outgoing(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        for (index, edge) in self.edges.iter().enumerate() {
            out[edge.supplier].push(index);
        }
        out
    }
}

/// Builds the view: the whole graph when no device is asked about, else the devices within
/// `depth` hops of them in `direction`.
///
/// The whole graph holds every device with an edge, plus every device deferred at the moment
/// analysed (a deferred device with no known supplier is the most telling kind).
/// Device states come from the boot's shared [`Analysis`].
pub fn build(analysis: &Analysis, options: &ViewOptions) -> GraphView {
    let boot = analysis.boot();
    let edges = Edges::new(analysis, options);
    // Device → distance from the devices asked about (0 for the whole graph).
    let mut distance: HashMap<DeviceId, usize> = HashMap::new();
    let mut kept: Vec<RawEdge> = Vec::new();
    if options.focus.is_empty() {
        for id in boot.device_ids() {
            let into = edges.suppliers_of(id);
            if !into.is_empty() || edges.status[id.index()] == DeviceStatus::Deferred {
                distance.insert(id, 0);
            }
            for edge in into {
                distance.insert(edge.supplier, 0);
                kept.push(edge);
            }
        }
    } else {
        let upward = matches!(options.direction, Direction::Suppliers | Direction::Both);
        let downward = matches!(options.direction, Direction::Consumers | Direction::Both);
        for (follow, towards_suppliers) in [(upward, true), (downward, false)] {
            if follow {
                walk(&edges, options, towards_suppliers, &mut distance, &mut kept);
            }
        }
        let mut seen = BTreeSet::new();
        kept.retain(|edge| seen.insert(edge.key()));
    }
    let mut order: Vec<(usize, String, DeviceId)> = distance
        .iter()
        .map(|(id, d)| (*d, boot.device(*id).name.clone(), *id))
        .collect();
    order.sort();
    let node_of: HashMap<DeviceId, usize> = order
        .iter()
        .enumerate()
        .map(|(index, (_, _, id))| (*id, index))
        .collect();
    let facts = Facts::new(boot);
    let nodes: Vec<ViewNode> = order
        .iter()
        .map(|(_, _, id)| facts.node(*id, &edges, options))
        .collect();
    let mut view_edges: Vec<ViewEdge> = kept
        .into_iter()
        .filter_map(|edge| {
            Some(ViewEdge {
                supplier: *node_of.get(&edge.supplier)?,
                consumer: *node_of.get(&edge.consumer)?,
                kind: edge.kind,
                status: edge.status,
                removed: edge.removed,
                detail: edge.detail,
            })
        })
        .collect();
    view_edges.sort_by(|a, b| {
        (a.consumer, a.supplier, a.kind)
            .cmp(&(b.consumer, b.supplier, b.kind))
            .then_with(|| a.detail.cmp(&b.detail))
    });
    GraphView {
        boot: boot.name.clone(),
        moment: match options.moment {
            Moment::End => None,
            Moment::Snapshot(index) => boot.snapshots.get(index).cloned(),
            Moment::Time(at) => Some(format!("{at} s")),
        },
        direction: options.direction,
        depth: options.depth,
        nodes,
        edges: view_edges,
    }
}

/// Look-ups for the per-node facts: DT nodes by path, modules by name.
struct Facts<'a> {
    boot: &'a Boot,
    compatible_of: HashMap<&'a str, &'a [String]>,
    modules: BTreeSet<&'a str>,
}

impl<'a> Facts<'a> {
    fn new(boot: &'a Boot) -> Facts<'a> {
        let compatible_of = boot
            .device_tree
            .iter()
            .flat_map(|tree| tree.nodes.iter())
            .map(|node| (node.path.as_str(), node.compatible.as_slice()))
            .collect();
        let modules = boot
            .modules
            .iter()
            .flatten()
            .map(|module| module.name.as_str())
            .collect();
        Facts {
            boot,
            compatible_of,
            modules,
        }
    }

    fn node(&self, id: DeviceId, edges: &Edges, options: &ViewOptions) -> ViewNode {
        let device = self.boot.device(id);
        let status = edges.status[id.index()];
        let driver = (status == DeviceStatus::Bound)
            .then(|| driver_at(self.boot, id, options.moment))
            .flatten();
        // Module names use `_` where driver names often use `-` (KBUILD_MODNAME).
        let module = driver
            .as_ref()
            .map(|d| d.replace('-', "_"))
            .filter(|m| self.modules.contains(m.as_str()));
        let compatible = device
            .dt_path
            .as_deref()
            .and_then(|path| self.compatible_of.get(path))
            .map(|c| c.to_vec())
            .unwrap_or_default();
        let label = match options.label {
            Label::Name => None,
            Label::Path => device.sysfs_path.clone(),
            Label::Compatible => (!compatible.is_empty()).then(|| compatible.join(" ")),
            Label::Driver => driver.clone(),
            Label::Module => module.clone(),
            Label::Fwnode => device.dt_path.as_deref().map(|path| {
                format!(
                    "/sys/firmware/devicetree/base{}",
                    if path == "/" { "" } else { path }
                )
            }),
        }
        .unwrap_or_else(|| device.name.clone());
        let root = edges.suppliers_of(id).is_empty();
        ViewNode {
            device: id,
            name: device.name.clone(),
            bus: device.bus.clone(),
            sysfs_path: device.sysfs_path.clone(),
            dt_path: device.dt_path.clone(),
            driver,
            module,
            compatible,
            status,
            is_iommu: device.is_iommu,
            focus: options.focus.contains(&id),
            root,
            label,
        }
    }
}

/// The driver bound at the moment: the snapshot's word, else at the end the earliest bind
/// evidence's.
fn driver_at(boot: &Boot, id: DeviceId, moment: Moment) -> Option<String> {
    let device = boot.device(id);
    match moment {
        Moment::Snapshot(index) => device.states.get(index).and_then(|s| s.driver.clone()).flatten(),
        Moment::Time(at) => boot
            .bind_evidence(id)
            .filter(|bind| bind.position.time().is_some_and(|time| time <= at))
            .and_then(|bind| bind.driver),
        Moment::End => device
            .states
            .iter()
            .rev()
            .find_map(|s| s.driver.clone())
            .flatten()
            .or_else(|| boot.bind_evidence(id).and_then(|b| b.driver)),
    }
}

/// A device's state in words, for the tree and the labels of DOT and Mermaid nodes.
pub fn describe_state(node: &ViewNode) -> String {
    let mut text = match (node.status, &node.driver) {
        (DeviceStatus::Bound, Some(driver)) => format!("bound to {driver}"),
        (DeviceStatus::Bound, None) => "bound".to_string(),
        (DeviceStatus::Deferred, _) => "deferred".to_string(),
        (DeviceStatus::Unbound, _) => "no driver".to_string(),
        (DeviceStatus::Unknown, _) => "bind unknown".to_string(),
    };
    if node.is_iommu {
        text.push_str(", IOMMU");
    }
    text
}

#[cfg(test)]
pub(crate) mod tests;
