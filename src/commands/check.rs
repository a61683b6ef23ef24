//! `probescope check`: analyse one boot and report findings.

use crate::cli::{CheckArgs, CheckFormat, FailOn};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::graph::SupplierGraph;
use crate::ingest::discover::{gather, InputSpec};
use crate::model::Boot;
use crate::report::{self, Report};
use crate::rules::{self, Analysis, Finding, Severity};
use std::io::Write;

/// Turns the command line's input flags into an input spec (the live system when empty).
pub fn input_spec(args: &crate::cli::InputArgs) -> InputSpec {
    let spec = InputSpec {
        paths: args.inputs.clone(),
        dmesg: args.dmesg.clone(),
        devlink: args.devlink.clone(),
        deferred: args.deferred.clone(),
        dtb: args.dtb.clone(),
        cmdline: args.cmdline.clone(),
        modules: args.modules.clone(),
        kconfig: args.kconfig.clone(),
        sysfs_root: args.sysfs_root.clone(),
    };
    if is_empty(&spec) {
        crate::commands::live::live_spec()
    } else {
        spec
    }
}

fn is_empty(spec: &InputSpec) -> bool {
    spec.paths.is_empty()
        && spec.dmesg.is_empty()
        && spec.devlink.is_empty()
        && spec.deferred.is_empty()
        && spec.dtb.is_none()
        && spec.cmdline.is_none()
        && spec.modules.is_none()
        && spec.kconfig.is_none()
        && spec.sysfs_root.is_none()
}

/// Reads one boot's inputs as the command line names them: collected from a target first
/// (`--ssh`, `--remote-root`), or read from files, or the live system.
pub fn gather_inputs(args: &crate::cli::InputArgs) -> Result<crate::ingest::BootInputs> {
    let target = &args.target;
    if target.ssh.is_none() && target.remote_root.is_none() {
        return gather(&input_spec(args));
    }
    let options = target.options(Vec::new())?;
    let mut progress = crate::collect::Progress::on_stderr(false);
    let bundle = crate::collect::collect_to_memory(&options, &mut progress)?;
    let display = target.ssh.clone().unwrap_or_else(|| "local".to_string());
    let mut inputs = crate::ingest::BootInputs {
        name: display.clone(),
        ..Default::default()
    };
    crate::ingest::discover::ingest_bundle_members(&mut inputs, &bundle, &display)?;
    Ok(inputs)
}

/// Reads one boot and runs every rule on it.
pub fn analyse(spec: &InputSpec) -> Result<(Boot, Report)> {
    analyse_inputs(gather(spec)?, &spec.paths)
}

/// Runs every rule on one boot's inputs.
pub fn analyse_inputs(
    inputs: crate::ingest::BootInputs,
    paths: &[std::path::PathBuf],
) -> Result<(Boot, Report)> {
    let spec = InputSpec {
        paths: paths.to_vec(),
        ..InputSpec::default()
    };
    let spec = &spec;
    if inputs.is_empty() {
        let names: Vec<String> = spec.paths.iter().map(|p| p.display().to_string()).collect();
        let mut message = format!(
            "nothing usable was read from {}: expected a kernel log, a devlink dump, devices_deferred, a device tree, /proc/cmdline or /proc/modules",
            if names.is_empty() { "the inputs".to_string() } else { names.join(", ") }
        );
        for note in inputs.notes.iter().chain(
            inputs
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .iter(),
        ) {
            message.push_str("\n  ");
            message.push_str(note);
        }
        return Err(Error::Usage(message));
    }
    let boot = Boot::from_inputs(inputs);
    let graph = SupplierGraph::new(&boot);
    let analysis = Analysis::new(&boot, &graph);
    let findings = rules::run_all(&analysis);
    let report = Report {
        boot: boot.name.clone(),
        inputs: boot.inputs.clone(),
        findings,
        notes: boot.notes.clone(),
    };
    Ok((boot, report))
}

/// Whether any finding reaches the failure threshold.
pub fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Info => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
        FailOn::Never => return false,
    };
    findings.iter().any(|f| f.severity >= threshold)
}

pub fn run(args: CheckArgs) -> Result<ExitStatus> {
    let (_, report) = analyse_inputs(gather_inputs(&args.input)?, &args.input.inputs)?;
    let rendered = match args.format {
        CheckFormat::Json => report::json::render(&report),
        CheckFormat::Table => report::table::render(&report, None),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(rendered.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(if fails(&report.findings, args.fail_on) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
