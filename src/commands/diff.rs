//! `probescope diff GOOD BAD`: what changed between two boots that matters (lost binds, new
//! deferrals, new and cleared findings, consumers now before their suppliers, binds later
//! than a threshold), with an exit code for CI: 0 no regression, 1 regressions, 2 bad input.

use crate::analysis::graph::SupplierGraph;
use crate::analysis::Analysis;
use crate::cli::{DiffArgs, DiffFormat};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::ingest::discover::{gather, InputSpec};
use crate::model::Boot;
use crate::pipeline;
use crate::report::{diff as render, Report};
use std::io::Write;
use std::path::Path;

/// One boot of `path` (the last, or boot `pick`), analysed, with its name.
fn one_boot(path: &Path, pick: Option<i64>) -> Result<(String, Boot, Report)> {
    let spec = InputSpec {
        paths: vec![path.to_path_buf()],
        ..InputSpec::default()
    };
    let mut boots = pipeline::split_boots(gather(&spec)?);
    let count = boots.len();
    let index = match pick {
        None => count.saturating_sub(1),
        Some(pick) => pipeline::picked_boot(pick, count).ok_or_else(|| {
            Error::Usage(format!(
                "{}: {}",
                path.display(),
                pipeline::no_such_boot(pick, count)
            ))
        })?,
    };
    if index >= count {
        return Err(Error::Usage(format!("{}: no boot in the input", path.display())));
    }
    let inputs = boots.swap_remove(index);
    let (boot, report) = pipeline::analyse_inputs(inputs, &[path.to_path_buf()])?;
    let mut name = pipeline::path_name(path);
    if count > 1 {
        name.push_str(&format!("#{}", index + 1));
    }
    Ok((name, boot, report))
}

pub fn run(args: DiffArgs) -> Result<ExitStatus> {
    if !(args.threshold.is_finite() && args.threshold >= 0.0) {
        return Err(Error::Usage(format!(
            "--threshold {}: expected seconds, 0 or more",
            args.threshold
        )));
    }
    let ((good_name, good_boot, good_report), (bad_name, bad_boot, bad_report)) =
        match (args.inputs.as_slice(), args.boots.as_slice()) {
            ([good, bad], []) => (one_boot(good, None)?, one_boot(bad, None)?),
            ([good, bad], [n, m]) => (one_boot(good, Some(*n))?, one_boot(bad, Some(*m))?),
            ([single], [n, m]) => (one_boot(single, Some(*n))?, one_boot(single, Some(*m))?),
            _ => {
                return Err(Error::Usage(
                    "diff compares two boots: GOOD BAD, or one log that holds several with --boot N --boot M"
                        .to_string(),
                ))
            }
        };
    let good_graph = SupplierGraph::new(&good_boot);
    let bad_graph = SupplierGraph::new(&bad_boot);
    let good = Analysis::new(&good_boot, &good_graph);
    let bad = Analysis::new(&bad_boot, &bad_graph);
    let devices = crate::analysis::diff::diff(&good, &bad, args.threshold);
    let report = render::report(
        (&good_name, &good_report.findings),
        (&bad_name, &bad_report.findings),
        devices,
        args.threshold,
        |names| crate::analysis::diff::downstream(&bad, names),
        |name| crate::analysis::diff::good_name_of(&good_boot, &bad_boot, name),
    );
    let mut report = report;
    // What one side could not read or did not have changes what the diff can show; what both
    // lack (no device tree on either side) is said by `check`, not repeated here.
    for (side, mine, theirs) in [
        ("good", &good_report.notes, &bad_report.notes),
        ("bad", &bad_report.notes, &good_report.notes),
    ] {
        let only_here = mine.iter().filter(|note| !theirs.contains(note));
        report
            .notes
            .extend(only_here.map(|note| format!("{side}: {note}")));
    }
    let out = match args.format {
        DiffFormat::Text => render::render_text(&report),
        DiffFormat::Json => render::render_json(&report)?,
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(if report.regressions > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
