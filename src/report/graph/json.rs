//! The graph as JSON (a stable contract: fields are added, never renamed or removed, without
//! a new `version`):
//! `{"version": 1, "boot", "moment", "nodes": [{"name", "bus", "dt_path", "sysfs_path",
//! "driver", "module", "compatible", "state", "iommu", "root", "focus", "label"}], "edges":
//! [{"supplier", "consumer", "kind", "status", "removed", "detail"}]}`. Edges name devices by
//! kernel name; `state` is `bound`, `deferred` or `unbound`; `kind` is `managed`, `stateless`,
//! `sync-state-only`, `dt-iommu`, `dt-supplier` or `parent`; `status` is the device link's
//! sysfs status (`dormant`, `available`, `consumer probing`, `active`, ...) or null; `moment`
//! is a snapshot label or `end`.

use super::{status_str, GraphView};
use serde::Serialize;
use serde_json::Value;

/// The graph JSON contract's version; bumped on a breaking change.
pub const GRAPH_JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Graph<'a> {
    version: u32,
    boot: &'a str,
    moment: &'a str,
    nodes: Vec<Node<'a>>,
    edges: Vec<Edge<'a>>,
}

#[derive(Serialize)]
struct Node<'a> {
    name: &'a str,
    bus: Option<&'a str>,
    dt_path: Option<&'a str>,
    sysfs_path: Option<&'a str>,
    driver: Option<&'a str>,
    module: Option<&'a str>,
    compatible: &'a [String],
    state: &'static str,
    iommu: bool,
    root: bool,
    focus: bool,
    label: &'a str,
}

#[derive(Serialize)]
struct Edge<'a> {
    supplier: &'a str,
    consumer: &'a str,
    kind: &'static str,
    status: Option<&'static str>,
    removed: bool,
    detail: Option<&'a str>,
}

fn graph(view: &GraphView) -> Graph<'_> {
    let name = |index: usize| view.nodes.get(index).map_or("", |n| n.name.as_str());
    Graph {
        version: GRAPH_JSON_VERSION,
        boot: &view.boot,
        moment: view.moment.as_deref().unwrap_or("end"),
        nodes: view
            .nodes
            .iter()
            .map(|node| Node {
                name: &node.name,
                bus: node.bus.as_deref(),
                dt_path: node.dt_path.as_deref(),
                sysfs_path: node.sysfs_path.as_deref(),
                driver: node.driver.as_deref(),
                module: node.module.as_deref(),
                compatible: &node.compatible,
                state: status_str(node.status),
                iommu: node.is_iommu,
                root: node.root,
                focus: node.focus,
                label: &node.label,
            })
            .collect(),
        edges: view
            .edges
            .iter()
            .map(|edge| Edge {
                supplier: name(edge.supplier),
                consumer: name(edge.consumer),
                kind: edge.kind.as_str(),
                status: edge.status.map(|s| s.as_str()),
                removed: edge.removed,
                detail: edge.detail.as_deref(),
            })
            .collect(),
    }
}

pub fn to_value(view: &GraphView) -> Value {
    serde_json::to_value(graph(view)).unwrap_or(Value::Null)
}

pub fn render(view: &GraphView) -> String {
    let mut out = serde_json::to_string_pretty(&graph(view)).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
