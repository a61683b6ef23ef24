//! The indented text view, like `scripts/dev-needs.sh`'s but as a tree: each device with its
//! state, each edge with its kind and status. A device met again is not expanded again ("see
//! above"), so the output stays linear in the size of the view; a device met again on its own
//! path is a cycle.
//!
//! Around devices asked about: one tree per device, its suppliers (`needs`) and/or consumers
//! (`needed by`). The whole graph: from the roots (devices that wait for nothing) down to their
//! consumers — or, with `--direction suppliers`, from the devices nothing waits for up to their
//! suppliers — then whatever a cycle kept out of reach.

use super::{describe_state, Direction, GraphView};
use crate::sanitize::escape_control;

/// The tree as one string.
pub fn render(view: &GraphView) -> String {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail, and every line is a Rust string.
    let _ = write(view, &mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Bytes of text gathered before they go to the writer: the output streams, however large.
const SPILL_AT: usize = 64 * 1024;

/// The tree written to `sink` as it is made (the first write error ends it).
pub fn write(view: &GraphView, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = Spill {
        text: String::new(),
        sink,
        error: None,
    };
    lay_out(view, &mut out);
    out.flush()
}

/// Text gathered in a small buffer and handed to the writer every [`SPILL_AT`] bytes.
struct Spill<'w> {
    text: String,
    sink: &'w mut dyn std::io::Write,
    error: Option<std::io::Error>,
}

impl Spill<'_> {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        if self.text.len() >= SPILL_AT && self.error.is_none() {
            if let Err(e) = self.sink.write_all(self.text.as_bytes()) {
                self.error = Some(e);
            }
            self.text.clear();
        }
    }

    fn flush(mut self) -> std::io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.sink.write_all(self.text.as_bytes())?;
        self.sink.flush()
    }
}

fn lay_out(view: &GraphView, out: &mut Spill) {
    out.line(&heading(view));
    if view.nodes.is_empty() {
        out.line("(no device links, DT dependencies or deferred devices)");
        return;
    }
    let incoming = view.incoming();
    let outgoing = view.outgoing();
    let mut tree = Tree {
        view,
        incoming: &incoming,
        outgoing: &outgoing,
        expanded: vec![false; view.nodes.len()],
        on_path: vec![false; view.nodes.len()],
        out,
    };
    let focus: Vec<usize> = (0..view.nodes.len()).filter(|i| view.nodes[*i].focus).collect();
    if focus.is_empty() {
        // From the roots down to their consumers, or (`--direction suppliers`) from the devices
        // nothing waits for up to what they need; then whatever a cycle kept out of reach.
        let (role, ends) = match view.direction {
            Direction::Suppliers => (Role::Suppliers, &outgoing),
            Direction::Consumers | Direction::Both => (Role::Consumers, &incoming),
        };
        let starts: Vec<usize> = (0..view.nodes.len()).filter(|i| ends[*i].is_empty()).collect();
        for start in starts {
            tree.top(start, &[role]);
        }
        for rest in 0..view.nodes.len() {
            if !tree.expanded[rest] {
                tree.top(rest, &[role]);
            }
        }
    } else {
        let roles: &[Role] = match view.direction {
            Direction::Suppliers => &[Role::Suppliers],
            Direction::Consumers => &[Role::Consumers],
            Direction::Both => &[Role::Suppliers, Role::Consumers],
        };
        for node in focus {
            // Each device asked about gets its whole tree, even if an earlier one showed it.
            tree.expanded.iter_mut().for_each(|e| *e = false);
            tree.top(node, roles);
        }
    }
}

fn heading(view: &GraphView) -> String {
    let moment = view.moment.as_deref().unwrap_or("the end of the capture");
    let what = if view.nodes.iter().any(|n| n.focus) {
        let depth = view
            .depth
            .map(|d| format!(" within {d} hop{}", if d == 1 { "" } else { "s" }))
            .unwrap_or_default();
        let direction = match view.direction {
            Direction::Suppliers => "suppliers",
            Direction::Consumers => "consumers",
            Direction::Both => "suppliers and consumers",
        };
        format!("{direction}{depth}")
    } else {
        "supplier graph".to_string()
    };
    format!(
        "# {} of {}, at {}",
        what,
        escape_control(&view.boot),
        escape_control(moment)
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Suppliers,
    Consumers,
}

struct Tree<'v, 'o, 'w> {
    view: &'v GraphView,
    incoming: &'v [Vec<usize>],
    outgoing: &'v [Vec<usize>],
    expanded: Vec<bool>,
    on_path: Vec<bool>,
    out: &'o mut Spill<'w>,
}

/// Indentation stops growing after this many levels (deeper levels print their depth), so
/// the output of a long chain stays linear in its length.
const MAX_INDENT: usize = 24;

/// The children of one expanded node still to print.
struct Frame {
    node: usize,
    children: Vec<(usize, usize, Role)>,
    next: usize,
    prefix: String,
    depth: usize,
}

impl Tree<'_, '_, '_> {
    fn top(&mut self, node: usize, roles: &[Role]) {
        let line = self.describe(node);
        self.out.line(&line);
        self.expanded[node] = true;
        self.on_path[node] = true;
        let children: Vec<(usize, usize, Role)> =
            roles.iter().flat_map(|role| self.children(node, *role)).collect();
        // An explicit stack: chains can be far deeper than the call stack.
        let mut stack = vec![Frame {
            node,
            children,
            next: 0,
            prefix: String::new(),
            depth: 1,
        }];
        while let Some(frame) = stack.last_mut() {
            let Some(&(edge, child, role)) = frame.children.get(frame.next) else {
                self.on_path[frame.node] = false;
                stack.pop();
                continue;
            };
            frame.next += 1;
            let last = frame.next == frame.children.len();
            let (branch, indent) = if last {
                ("└── ", "    ")
            } else {
                ("├── ", "│   ")
            };
            let verb = match role {
                Role::Suppliers => "needs",
                Role::Consumers => "needed by",
            };
            let level = if frame.depth > MAX_INDENT {
                format!("[{}] ", frame.depth)
            } else {
                String::new()
            };
            let edge_text = escape_control(&self.view.edges[edge].describe());
            let mut line = format!(
                "{}{branch}{level}{verb} {}  ({edge_text})",
                frame.prefix,
                self.describe(child)
            );
            let expand = if self.on_path[child] {
                line.push_str("  [cycle]");
                false
            } else if self.expanded[child] {
                if self.has_children(child, role) {
                    line.push_str("  [see above]");
                }
                false
            } else {
                true
            };
            self.out.line(&line);
            if expand {
                self.expanded[child] = true;
                self.on_path[child] = true;
                let prefix = if frame.depth >= MAX_INDENT {
                    frame.prefix.clone()
                } else {
                    format!("{}{indent}", frame.prefix)
                };
                let depth = frame.depth + 1;
                let children = self.children(child, role);
                stack.push(Frame {
                    node: child,
                    children,
                    next: 0,
                    prefix,
                    depth,
                });
            }
        }
    }

    /// (edge, other node, role) of a node's children in one role.
    fn children(&self, node: usize, role: Role) -> Vec<(usize, usize, Role)> {
        match role {
            Role::Suppliers => self.incoming[node]
                .iter()
                .map(|e| (*e, self.view.edges[*e].supplier, role))
                .collect(),
            Role::Consumers => self.outgoing[node]
                .iter()
                .map(|e| (*e, self.view.edges[*e].consumer, role))
                .collect(),
        }
    }

    /// Whether a node has children in one role (without listing them: a device met again is
    /// checked once per edge to it).
    fn has_children(&self, node: usize, role: Role) -> bool {
        match role {
            Role::Suppliers => !self.incoming[node].is_empty(),
            Role::Consumers => !self.outgoing[node].is_empty(),
        }
    }

    fn describe(&self, node: usize) -> String {
        let node = &self.view.nodes[node];
        let mut text = format!("{}  [{}]", escape_control(&node.label), describe_state(node));
        if node.root && !node.focus {
            text.push_str(" (root)");
        }
        text
    }
}
