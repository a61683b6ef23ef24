//! `graph --format json`: the graph as a document of the contract (schema `schema/graph.json`):
//! `{"schema", "tool", "command": "graph", "boot", "moment", "nodes": [{"name", "bus",
//! "dt_path", "sysfs_path", "driver", "module", "compatible", "state", "iommu", "root",
//! "focus", "label"}], "edges": [{"supplier", "consumer", "kind", "status", "removed",
//! "detail"}]}`. Edges name devices by kernel name; `state` is `bound`, `deferred` or
//! `unbound`; `kind` is `managed`, `stateless`, `sync-state-only`, `dt-iommu`, `dt-supplier` or
//! `parent`; `status` is the device link's sysfs status (`dormant`, `available`, `consumer
//! probing`, `active`, ...) or null; `moment` is a snapshot label or `end`.

use super::GraphView;
use crate::blockers::DeviceStatus;
use crate::error::Result;
use crate::report::contract::Document;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

/// The graph view as the contract shows it.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
// `&'static str` fields (fixed words) read back from a `'static` text only.
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Graph<'a> {
    pub boot: &'a str,
    /// The snapshot analysed (`--at`), or `end` for the end of the capture.
    pub moment: &'a str,
    pub nodes: Vec<Node<'a>>,
    pub edges: Vec<Edge<'a>>,
}

/// One device of the view.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct Node<'a> {
    /// The kernel name (what edges refer to).
    pub name: &'a str,
    pub bus: Option<&'a str>,
    pub dt_path: Option<&'a str>,
    pub sysfs_path: Option<&'a str>,
    pub driver: Option<&'a str>,
    pub module: Option<&'a str>,
    pub compatible: Cow<'a, [String]>,
    /// Where the device stands at the moment analysed.
    pub state: DeviceStatus,
    /// The device is an IOMMU.
    pub iommu: bool,
    /// Nothing in the view supplies it.
    pub root: bool,
    /// One of the devices asked about.
    pub focus: bool,
    /// What `--show` asked to label it with.
    pub label: &'a str,
}

/// One supplier → consumer edge of the view.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct Edge<'a> {
    pub supplier: &'a str,
    pub consumer: &'a str,
    #[schemars(extend("enum" = ["managed", "stateless", "sync-state-only", "dt-iommu", "dt-supplier", "parent"]))]
    pub kind: &'static str,
    /// The device link's sysfs `status` at the moment analysed; null for an edge that is no
    /// device link.
    #[schemars(extend("enum" = ["not tracked", "dormant", "available", "consumer probing", "active", "supplier unbinding", "unknown", null]))]
    pub status: Option<&'static str>,
    /// The link was in an earlier snapshot and is gone from the last one.
    pub removed: bool,
    /// What the edge stands for when it is no device link (a DT property, a parent).
    pub detail: Option<&'a str>,
}

/// The view as its document.
pub fn document(view: &GraphView) -> Document<Graph<'_>> {
    let name = |index: usize| view.nodes.get(index).map_or("", |n| n.name.as_str());
    Document::new(
        "graph",
        Graph {
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
                    compatible: Cow::Borrowed(&node.compatible),
                    state: node.status,
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
        },
    )
}

pub fn to_value(view: &GraphView) -> Result<Value> {
    let document = document(view);
    serde_json::to_value(&document)
        .map_err(|e| crate::error::Error::Other(format!("internal error while writing the graph JSON: {e}")))
}

pub fn render(view: &GraphView) -> Result<String> {
    document(view).to_pretty_json()
}

/// The document written to `out` as it is made (`name` names `out` in errors).
pub fn write(view: &GraphView, out: &mut dyn std::io::Write, name: &str) -> Result<()> {
    document(view).write_pretty_json(out, name)
}
