//! Mermaid (`graph LR`), for Markdown pages and issue trackers. Node ids are `n0`, `n1`, ... in
//! view order; device names appear only inside quoted labels, with Mermaid's entity codes for
//! the characters a label cannot hold. Edge shapes follow the DOT view: managed `-->`,
//! stateless and sync-state-only `-.->`, DT IOMMU edges `==>` in red dashes, parents grey.

use super::{describe_state, EdgeKind, GraphView, ViewEdge};
use crate::analysis::blockers::DeviceStatus;
use crate::model::LinkKind;
use crate::sanitize::escape_control;
use std::fmt::Write as _;

/// A string as the inside of a Mermaid quoted label: `"`, `#`, `<`, `>`, `&` become entity
/// codes (`#quot;` ...), control characters are escaped.
pub fn quote(text: &str) -> String {
    let text = escape_control(text);
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            c => out.push(c),
        }
    }
    out
}

fn arrow(edge: &ViewEdge) -> &'static str {
    match edge.kind {
        EdgeKind::Link(LinkKind::Managed) | EdgeKind::Parent => "-->",
        EdgeKind::Link(LinkKind::Stateless | LinkKind::SyncStateOnly | LinkKind::DtSupplier) => "-.->",
        EdgeKind::Link(LinkKind::DtIommu) => "==>",
    }
}

fn link_style(edge: &ViewEdge) -> Option<&'static str> {
    match edge.kind {
        EdgeKind::Link(LinkKind::DtIommu) => Some("stroke:#cc0000,stroke-width:2px,stroke-dasharray:6 3"),
        EdgeKind::Link(LinkKind::DtSupplier) => Some("stroke:#674ea7"),
        EdgeKind::Parent => Some("stroke:#999999"),
        _ if edge.removed => Some("stroke:#999999"),
        _ => None,
    }
}

pub fn render(view: &GraphView) -> String {
    let mut out = String::from("graph LR\n");
    for (index, node) in view.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{index}[\"{}<br/>{}\"]",
            quote(&node.label),
            quote(&describe_state(node))
        );
    }
    for edge in &view.edges {
        let text = edge.describe();
        let _ = writeln!(
            out,
            "  n{} {}|\"{}\"| n{}",
            edge.supplier,
            arrow(edge),
            quote(&text),
            edge.consumer
        );
    }
    for (index, edge) in view.edges.iter().enumerate() {
        if let Some(style) = link_style(edge) {
            let _ = writeln!(out, "  linkStyle {index} {style}");
        }
    }
    out.push_str("  classDef bound fill:#d9ead3,stroke:#6aa84f\n");
    out.push_str("  classDef deferred fill:#f4cccc,stroke:#cc0000\n");
    out.push_str("  classDef unbound fill:#fff2cc,stroke:#bf9000\n");
    out.push_str("  classDef focus stroke-width:3px\n");
    for (class, status) in [
        ("bound", DeviceStatus::Bound),
        ("deferred", DeviceStatus::Deferred),
        ("unbound", DeviceStatus::Unbound),
        ("unknown", DeviceStatus::Unknown),
    ] {
        write_class(&mut out, view, class, |n| n.status == status);
    }
    write_class(&mut out, view, "focus", |n| n.focus);
    out
}

/// `class n0,n3 NAME` for the nodes that match (nothing when none does).
fn write_class(out: &mut String, view: &GraphView, class: &str, matches: impl Fn(&super::ViewNode) -> bool) {
    let ids: Vec<String> = view
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches(n))
        .map(|(i, _)| format!("n{i}"))
        .collect();
    if !ids.is_empty() {
        let _ = writeln!(out, "  class {} {class}", ids.join(","));
    }
}
