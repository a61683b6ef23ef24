//! Graphviz DOT: a complete `digraph` (`dot -Tsvg` renders it). Nodes are `n0`, `n1`, ... in
//! view order and carry the device's label, so no device name ever has to be a DOT identifier.
//!
//! Edges point from supplier to consumer. Style by kind: managed solid, stateless dashed,
//! sync-state-only dotted, an IOMMU edge known only from the device tree (optional unless
//! `fw_devlink.strict=1`) bold red dashed with its DT property, a DT supplier without a device
//! link dashed purple, a parent grey with a hollow arrow. Colour by link status: dormant
//! orange, available blue, consumer probing cyan, supplier unbinding grey; a link gone by the
//! end is grey. Nodes: bound green, deferred red, no driver yellow; roots (wait for nothing)
//! double-bordered, devices asked about thick-bordered, IOMMUs 3-D boxes. A legend lists the
//! styles the graph uses.

use super::{describe_state, EdgeKind, GraphView, ViewEdge, ViewNode};
use crate::analysis::blockers::DeviceStatus;
use crate::ingest::devlink::LinkStatus;
use crate::model::LinkKind;
use crate::sanitize::escape_control;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// A string as the inside of a DOT double-quoted string: control characters escaped for the
/// terminal first, then `\` and `"` escaped for DOT (so `\N`-style escapes cannot appear).
pub fn quote(text: &str) -> String {
    let text = escape_control(text);
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

fn fill(status: DeviceStatus) -> &'static str {
    match status {
        DeviceStatus::Bound => "#d9ead3",
        DeviceStatus::Deferred => "#f4cccc",
        DeviceStatus::Unbound => "#fff2cc",
        DeviceStatus::Unknown => "#eeeeee",
    }
}

fn status_colour(status: Option<LinkStatus>) -> &'static str {
    match status {
        Some(LinkStatus::Dormant) => "#e69138",
        Some(LinkStatus::Available) => "#3d85c6",
        Some(LinkStatus::ConsumerProbing) => "#45818e",
        Some(LinkStatus::SupplierUnbinding) | Some(LinkStatus::Unknown) => "#999999",
        Some(LinkStatus::Active) | Some(LinkStatus::NotTracked) | None => "#000000",
    }
}

/// The attributes of an edge (without label).
fn edge_style(edge: &ViewEdge) -> String {
    let colour = if edge.removed {
        "#999999"
    } else {
        status_colour(edge.status)
    };
    match edge.kind {
        EdgeKind::Link(LinkKind::Managed) => format!("style=solid, color=\"{colour}\""),
        EdgeKind::Link(LinkKind::Stateless) => format!("style=dashed, color=\"{colour}\""),
        EdgeKind::Link(LinkKind::SyncStateOnly) => format!("style=dotted, color=\"{colour}\""),
        EdgeKind::Link(LinkKind::DtIommu) => {
            "style=\"bold,dashed\", color=\"#cc0000\", fontcolor=\"#cc0000\"".to_string()
        }
        EdgeKind::Link(LinkKind::DtSupplier) => {
            "style=dashed, color=\"#674ea7\", fontcolor=\"#674ea7\"".to_string()
        }
        EdgeKind::Parent => "style=solid, color=\"#999999\", arrowhead=onormal".to_string(),
    }
}

fn edge_label(edge: &ViewEdge) -> String {
    let mut parts = Vec::new();
    match edge.kind {
        EdgeKind::Link(LinkKind::Managed) => {}
        kind => parts.push(kind.as_str().to_string()),
    }
    if let Some(status) = edge.status.filter(|s| *s != LinkStatus::NotTracked) {
        parts.push(status.as_str().to_string());
    }
    if let Some(detail) = &edge.detail {
        parts.push(detail.clone());
    }
    if edge.removed {
        parts.push("removed".to_string());
    }
    parts.join(", ")
}

fn node_attributes(node: &ViewNode) -> String {
    let mut label = quote(&node.label);
    label.push_str("\\n");
    label.push_str(&quote(&describe_state(node)));
    let mut attributes = format!("label=\"{label}\", fillcolor=\"{}\"", fill(node.status));
    if node.is_iommu {
        attributes.push_str(", shape=box3d");
    }
    if node.root {
        attributes.push_str(", peripheries=2");
    }
    if node.focus {
        attributes.push_str(", penwidth=3");
    }
    attributes
}

pub fn render(view: &GraphView) -> String {
    let mut out = String::new();
    let moment = view.moment.as_deref().unwrap_or("end of capture");
    let _ = writeln!(out, "digraph \"probescope\" {{");
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"{} at {}\"];",
        quote(&view.boot),
        quote(moment)
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    for (index, node) in view.nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{index} [{}];", node_attributes(node));
    }
    for edge in &view.edges {
        let label = edge_label(edge);
        let label = if label.is_empty() {
            String::new()
        } else {
            format!(", label=\"{}\"", quote(&label))
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [{}{label}];",
            edge.supplier,
            edge.consumer,
            edge_style(edge)
        );
    }
    legend(view, &mut out);
    out.push_str("}\n");
    out
}

/// A legend of the node states and edge styles the graph uses.
fn legend(view: &GraphView, out: &mut String) {
    if view.nodes.is_empty() {
        return;
    }
    let _ = writeln!(out, "  subgraph cluster_legend {{");
    let _ = writeln!(
        out,
        "    label=\"legend\"; style=dashed; color=\"#999999\"; fontsize=10;"
    );
    let states: BTreeSet<u8> = view
        .nodes
        .iter()
        .map(|n| match n.status {
            DeviceStatus::Bound => 0,
            DeviceStatus::Deferred => 1,
            DeviceStatus::Unbound => 2,
            DeviceStatus::Unknown => 3,
        })
        .collect();
    for state in states {
        let (status, text) = match state {
            0 => (DeviceStatus::Bound, "bound"),
            1 => (DeviceStatus::Deferred, "deferred"),
            2 => (DeviceStatus::Unbound, "no driver"),
            _ => (DeviceStatus::Unknown, "bind unknown"),
        };
        let _ = writeln!(
            out,
            "    legend_state{state} [label=\"{text}\", fillcolor=\"{}\"];",
            fill(status)
        );
    }
    if view.nodes.iter().any(|n| n.root) {
        let _ = writeln!(
            out,
            "    legend_root [label=\"root: waits for nothing\", fillcolor=white, peripheries=2];"
        );
    }
    if view.nodes.iter().any(|n| n.focus) {
        let _ = writeln!(
            out,
            "    legend_focus [label=\"asked about\", fillcolor=white, penwidth=3];"
        );
    }
    if view.nodes.iter().any(|n| n.is_iommu) {
        let _ = writeln!(
            out,
            "    legend_iommu [label=\"IOMMU\", fillcolor=white, shape=box3d];"
        );
    }
    // One sample edge per (kind, status, removed) the graph uses.
    let mut samples: BTreeSet<(EdgeKind, Option<&'static str>, bool)> = BTreeSet::new();
    for edge in &view.edges {
        samples.insert((edge.kind, edge.status.map(LinkStatus::as_str), edge.removed));
    }
    for (index, (kind, status, removed)) in samples.into_iter().enumerate() {
        let sample = ViewEdge {
            supplier: 0,
            consumer: 0,
            kind,
            status: status.and_then(LinkStatus::parse),
            removed,
            detail: None,
        };
        let mut text = kind.as_str().to_string();
        if let Some(status) = status {
            text.push_str(", ");
            text.push_str(status);
        }
        if removed {
            text.push_str(", removed by the end");
        }
        let _ = writeln!(
            out,
            "    legend_from{index} [label=\"\", shape=point, width=0.05];"
        );
        let _ = writeln!(
            out,
            "    legend_to{index} [label=\"{}\", shape=plaintext, style=\"\"];",
            quote(&text)
        );
        let _ = writeln!(
            out,
            "    legend_from{index} -> legend_to{index} [{}];",
            edge_style(&sample)
        );
    }
    let _ = writeln!(out, "  }}");
}
