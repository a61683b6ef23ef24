//! `probescope plan INPUT`: the modules to load before each IOMMU consumer, in order, what is
//! built in already, and the boot settings that would have prevented the race; `--check`
//! analyses the same capture again with the plan applied.

use crate::analysis::graph::SupplierGraph;
use crate::analysis::plan::{self, edit};
use crate::analysis::Analysis;
use crate::cli::{PlanArgs, PlanFormat};
use crate::commands::live::gather_inputs;
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::ingest::BootInputs;
use crate::model::modules::ModuleTables;
use crate::model::Boot;
use crate::pipeline;
use crate::report::plan as render;
use crate::rules::settings::RuleSettings;
use std::io::Write;

/// The boot a plan is for: `--boot N` of the inputs (a log may hold several), else the last.
fn last_boot(inputs: BootInputs, args: &PlanArgs) -> Result<Boot> {
    let mut boots = pipeline::split_boots(inputs);
    let count = boots.len();
    if count == 0 {
        return Err(Error::Usage("no boot in the inputs".to_string()));
    }
    let pick = args.boot.unwrap_or(0);
    let index = pipeline::picked_boot(pick, count)
        .ok_or_else(|| Error::Usage(pipeline::no_such_boot(pick, count)))?;
    let inputs = boots.swap_remove(index);
    let mut boot = pipeline::boot_of(inputs, &args.input.inputs)?;
    // Named as `check` names the boots of such a log.
    if count > 1 {
        boot.name = format!("{}#{}", boot.name, index + 1);
    }
    Ok(boot)
}

/// The module tables: `--modules-dir`, else a capture folder's own.
fn module_tables(args: &PlanArgs, release: Option<&str>) -> Result<Option<ModuleTables>> {
    if let Some(dir) = &args.modules_dir {
        return match crate::ingest::modules::read_dir(dir, release)? {
            Some(tables) => Ok(Some(tables)),
            None => Err(Error::Usage(format!(
                "--modules-dir {}: no modules.dep, modules.alias or modules.builtin there (nor under lib/modules/RELEASE)",
                dir.display()
            ))),
        };
    }
    for path in args.input.inputs.iter().filter(|p| p.is_dir()) {
        if let Some(tables) = crate::ingest::modules::read_dir(path, release)? {
            return Ok(Some(tables));
        }
    }
    Ok(None)
}

pub fn run(args: PlanArgs) -> Result<ExitStatus> {
    let boot = last_boot(gather_inputs(&args.input)?, &args)?;
    let tables = module_tables(&args, boot.kernel_release.as_deref())?;
    let graph = SupplierGraph::new(&boot);
    let analysis = Analysis::new(&boot, &graph);
    let only = args
        .for_devices
        .iter()
        .map(|name| pipeline::device(&boot, name))
        .collect::<Result<Vec<_>>>()?;
    let plan = plan::plan(&analysis, tables.as_ref(), &only);
    let mut report = render::report(&boot, &plan);
    let mut status = ExitStatus::Clean;
    if args.check {
        let before = pipeline::check(&analysis, &RuleSettings::DEFAULT);
        let mut edited = last_boot(gather_inputs(&args.input)?, &args)?;
        let iommus = plan.planned_iommus();
        let mut edits = edit::assume_ready(&mut edited, &iommus);
        if iommus.is_empty() {
            edits.push("nothing to apply: the plan names no IOMMU driver it can load".to_string());
        }
        let unknown: Vec<&str> = report.unknown.iter().map(|n| n.device.as_str()).collect();
        if !unknown.is_empty() && !iommus.is_empty() {
            edits.push(format!(
                "the drivers of {} are assumed available as they were in the capture (the plan cannot name their modules)",
                unknown.join(", ")
            ));
        }
        let edited_graph = SupplierGraph::new(&edited);
        let edited_analysis = Analysis::new(&edited, &edited_graph);
        let after = pipeline::check(&edited_analysis, &RuleSettings::DEFAULT);
        let check = render::check_report(edits, &before.findings, &after.findings);
        if check.remaining.iter().any(|f| render::is_race(&f.code)) {
            status = ExitStatus::Findings;
        }
        report.check = Some(check);
    }
    let out = match args.format {
        PlanFormat::Text => render::render_text(&report),
        PlanFormat::InitramfsTools => render::render_initramfs_tools(&report),
        PlanFormat::Dracut => render::render_dracut(&report),
        PlanFormat::Modprobe => render::render_modprobe(&report),
        PlanFormat::Cmdline => render::render_cmdline(&report),
        PlanFormat::Json => render::render_json(&report)?,
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(status)
}
