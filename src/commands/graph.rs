//! `probescope graph`: the supplier graph, whole or around devices, as a tree, DOT, Mermaid,
//! JSON or dev-needs.sh-style tsort pairs. The command line is resolved here into
//! [`ViewOptions`]; `report::graph` builds the view and renders it.

use crate::analysis::graph::SupplierGraph;
use crate::analysis::Analysis;
use crate::cli::{GraphArgs, GraphDirection, GraphEdgeKind, GraphFormat, GraphLabel};
use crate::commands::live;
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::model::{Boot, LinkKind};
use crate::pipeline;
use crate::report::graph::{self as view, Direction, Label, ViewOptions};
use std::io::Write;

pub fn run(args: GraphArgs) -> Result<ExitStatus> {
    // Files, the live system, or a target over SSH (`--ssh`), as for check.
    let boot = pipeline::boot_of(live::gather_inputs(&args.input)?, &args.input.inputs)?;
    let graph = SupplierGraph::new(&boot);
    let analysis = Analysis::new(&boot, &graph);
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout);
    write(&analysis, &args, &mut out)?;
    out.flush().map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Clean)
}

/// The graph the arguments ask for, written to `out` as it is made: the tree and the JSON of a
/// million-link graph stream instead of sitting in memory whole.
pub fn write(analysis: &Analysis, args: &GraphArgs, out: &mut dyn Write) -> Result<()> {
    let options = options(analysis.boot(), args)?;
    let view = view::build(analysis, &options);
    let stdout_error = |e| Error::io("<stdout>", e);
    match args.format {
        GraphFormat::Tree => view::tree::write(&view, out).map_err(stdout_error),
        GraphFormat::Json => view::json::write(&view, out, "<stdout>"),
        GraphFormat::Dot => out
            .write_all(view::dot::render(&view).as_bytes())
            .map_err(stdout_error),
        GraphFormat::Mermaid => out
            .write_all(view::mermaid::render(&view).as_bytes())
            .map_err(stdout_error),
        GraphFormat::Tsort => out
            .write_all(view::tsort::render(&view).as_bytes())
            .map_err(stdout_error),
    }
}

/// The graph the arguments ask for, rendered from the boot's analysis.
pub fn render(analysis: &Analysis, args: &GraphArgs) -> Result<String> {
    let options = options(analysis.boot(), args)?;
    let view = view::build(analysis, &options);
    Ok(match args.format {
        GraphFormat::Tree => view::tree::render(&view),
        GraphFormat::Dot => view::dot::render(&view),
        GraphFormat::Mermaid => view::mermaid::render(&view),
        GraphFormat::Json => view::json::render(&view)?,
        GraphFormat::Tsort => view::tsort::render(&view),
    })
}

/// What the user typed, resolved against the boot: devices found, the snapshot named.
pub fn options(boot: &Boot, args: &GraphArgs) -> Result<ViewOptions> {
    let mut focus = Vec::new();
    for name in &args.device {
        // A DT path finds its device even in a log without the device tree.
        let id = match boot.find_node(name) {
            Some(id) => id,
            None => pipeline::device(boot, name)?,
        };
        if !focus.contains(&id) {
            focus.push(id);
        }
    }
    let moment = pipeline::moment(boot, args.at.as_deref())?;
    let direction = match args.direction {
        Some(GraphDirection::Suppliers) => Direction::Suppliers,
        Some(GraphDirection::Consumers) => Direction::Consumers,
        Some(GraphDirection::Both) => Direction::Both,
        None if focus.is_empty() => Direction::Consumers,
        None => Direction::Suppliers,
    };
    let label = match args.show {
        GraphLabel::Name => Label::Name,
        GraphLabel::Paths => Label::Path,
        GraphLabel::Compatible => Label::Compatible,
        GraphLabel::Driver => Label::Driver,
        GraphLabel::Module => Label::Module,
        GraphLabel::Fwnode => Label::Fwnode,
    };
    let kinds = args
        .kinds
        .iter()
        .map(|kind| match kind {
            GraphEdgeKind::Managed => LinkKind::Managed,
            GraphEdgeKind::Stateless => LinkKind::Stateless,
            GraphEdgeKind::SyncStateOnly => LinkKind::SyncStateOnly,
            GraphEdgeKind::DtIommu => LinkKind::DtIommu,
            GraphEdgeKind::DtSupplier => LinkKind::DtSupplier,
        })
        .collect();
    Ok(ViewOptions {
        focus,
        direction,
        depth: args.depth,
        moment,
        kinds,
        parents: args.parents,
        label,
    })
}
