//! `probescope timeline`: every boot of the inputs drawn on its time line, as one
//! self-contained HTML page or a static SVG (`report::timeline`).

use crate::analysis::graph::SupplierGraph;
use crate::analysis::Analysis;
use crate::cli::{BootChoice, InputArgs, TimelineArgs, TimelineFormat};
use crate::commands::check::plan_boots;
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::model::Boot;
use crate::pipeline::{self, PlannedBoot};
use crate::report::timeline::{self, BootTimeline};
use crate::report::Report;
use std::io::Write;

pub fn run(args: TimelineArgs) -> Result<ExitStatus> {
    let boots = analysed_boots(&args.input, &args.boots)?;
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
/// would make of the same command line and `--boot` choices (one per capture folder, bundle,
/// log or `--boot NAME=...` group; one per boot a log holds, named `NAME#K`, or only boot N of
/// each with `--boot N`).
pub fn analysed_boots(input: &InputArgs, choices: &[BootChoice]) -> Result<Vec<(Boot, Report)>> {
    let groups: Vec<_> = choices
        .iter()
        .filter_map(|choice| match choice {
            BootChoice::Group(group) => Some(group.clone()),
            BootChoice::Index(_) => None,
        })
        .collect();
    // As for `check`: the last number given wins.
    let pick = choices.iter().rev().find_map(|choice| match choice {
        BootChoice::Index(index) => Some(*index),
        BootChoice::Group(_) => None,
    });
    let grouping = plan_boots(input, &groups)?;
    if let Some(hint) = &grouping.hint {
        eprintln!("probescope: {hint}");
    }
    let mut boots = Vec::new();
    for plan in &grouping.plans {
        let parts = pipeline::split_boots(plan.gather()?);
        let count = parts.len();
        let picked = match pick {
            None => None,
            Some(pick) => Some(pipeline::picked_boot(pick, count).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: {}",
                    plan.fallback_name(),
                    pipeline::no_such_boot(pick, count)
                ))
            })?),
        };
        for (index, part) in parts.into_iter().enumerate() {
            if picked.is_some_and(|picked| picked != index) {
                continue;
            }
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
