//! `probescope timeline`: every boot of the inputs drawn on its time line, as one
//! self-contained HTML page or a static SVG (`report::timeline`).

use crate::analysis::graph::SupplierGraph;
use crate::analysis::Analysis;
use crate::cli::{InputArgs, TimelineArgs, TimelineFormat};
use crate::commands::check::plan_boots;
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::model::Boot;
use crate::pipeline::{self, PlannedBoot};
use crate::report::timeline::{self, BootTimeline};
use crate::report::Report;
use std::io::Write;

pub fn run(args: TimelineArgs) -> Result<ExitStatus> {
    let boots = analysed_boots(&args.input)?;
    let timelines: Vec<BootTimeline> = boots
        .iter()
        .map(|(boot, report)| {
            let graph = SupplierGraph::new(boot);
            let analysis = Analysis::new(boot, &graph);
            timeline::build(&analysis, &report.findings, &report.notes)
        })
        .collect();
    let out = match args.format {
        TimelineFormat::Html => timeline::html::render(&timelines),
        TimelineFormat::Svg => timeline::svg::render(&timelines),
    };
    match &args.output {
        Some(path) => std::fs::write(path, out.as_bytes()).map_err(|e| Error::io(path, e))?,
        None => std::io::stdout()
            .lock()
            .write_all(out.as_bytes())
            .map_err(|e| Error::io("<stdout>", e))?,
    }
    Ok(ExitStatus::Clean)
}

/// Every boot the inputs hold, analysed with the registry's rules, in order: the boots `check`
/// would make of the same command line (one per capture folder, bundle or log; one per boot a
/// log holds, named `NAME#K`).
pub fn analysed_boots(input: &InputArgs) -> Result<Vec<(Boot, Report)>> {
    let grouping = plan_boots(input, &[])?;
    if let Some(hint) = &grouping.hint {
        eprintln!("probescope: {hint}");
    }
    let mut boots = Vec::new();
    for plan in &grouping.plans {
        let parts = pipeline::split_boots(plan.gather()?);
        let count = parts.len();
        for (index, part) in parts.into_iter().enumerate() {
            let (mut boot, mut report) = pipeline::analyse_inputs(part, plan.paths())?;
            let name = match plan.name() {
                Some(name) => name.to_string(),
                None if boot.name.is_empty() => plan.fallback_name(),
                None => boot.name.clone(),
            };
            let name = match count {
                1 => name,
                _ => format!("{name}#{}", index + 1),
            };
            boot.name = name.clone();
            report.boot = name;
            boots.push((boot, report));
        }
    }
    Ok(boots)
}
