//! Supplier–consumer pairs as `scripts/dev-needs.sh -t` prints them: `"SUPPLIER" "CONSUMER"`,
//! one line per dependency, and `"ROOT" "DEVICE"` for a device that waits for nothing. Devices
//! come in the view's order (breadth first from the devices asked about, as dev-needs.sh
//! walks), each with its suppliers; a pair is printed once. Labels follow `--show` (dev-needs.sh
//! prints sysfs paths: `--show paths`).
//!
//! `tsort` reads whitespace-separated words and keeps the quotes as part of them, as it does
//! with dev-needs.sh's output; a `"` or `\` inside a label is escaped with `\`, control
//! characters as `\xNN`.

use super::GraphView;
use crate::sanitize::escape_control;
use std::collections::HashSet;
use std::fmt::Write as _;

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in escape_control(text).chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

pub fn render(view: &GraphView) -> String {
    let incoming = view.incoming();
    let mut out = String::new();
    let mut printed: HashSet<(usize, usize)> = HashSet::new();
    for (index, node) in view.nodes.iter().enumerate() {
        let consumer = quote(&node.label);
        if incoming[index].is_empty() {
            if node.root {
                let _ = writeln!(out, "\"ROOT\" {consumer}");
            }
            continue;
        }
        for edge in &incoming[index] {
            let supplier = view.edges[*edge].supplier;
            if printed.insert((supplier, index)) {
                let _ = writeln!(out, "{} {consumer}", quote(&view.nodes[supplier].label));
            }
        }
    }
    out
}
