//! What a command reads for one boot: the files its input options name, a target to collect
//! from first (`--ssh`, `--remote-root`), SysMMU dumps, or the live system when nothing is
//! named. Only reads. Whatever is live (the system, a target, the kernel's record device named
//! as a file) is read by `collect` into memory; ingest gets bytes and files, never the system.

use crate::cli::InputArgs;
use crate::error::Result;
use crate::ingest::discover::{gather, gather_deferring_log, DeferredLog, InputSpec, ReadLog};
use crate::ingest::BootInputs;
use std::path::{Path, PathBuf};

/// Turns the command line's input flags into an input spec (the live system when empty).
pub fn input_spec(args: &InputArgs) -> InputSpec {
    let spec = named_spec(args);
    if is_empty(&spec) {
        live_spec()
    } else {
        spec
    }
}

/// The input spec of what the command line names (empty when it names nothing).
pub fn named_spec(args: &InputArgs) -> InputSpec {
    InputSpec {
        paths: args.inputs.clone(),
        dmesg: args.dmesg.clone(),
        devlink: args.devlink.clone(),
        deferred: args.deferred.clone(),
        dtb: args.dtb.clone(),
        cmdline: args.cmdline.clone(),
        modules: args.modules.clone(),
        kconfig: args.kconfig.clone(),
        sysfs_root: args.sysfs_root.clone(),
        read_logs: Vec::new(),
    }
}

fn is_empty(spec: &InputSpec) -> bool {
    spec.paths.is_empty() && !has_named_inputs(spec)
}

/// Whether the spec names inputs by their own flags (`--dmesg`, `--dtb`, ...).
pub fn has_named_inputs(spec: &InputSpec) -> bool {
    !spec.dmesg.is_empty()
        || !spec.devlink.is_empty()
        || !spec.deferred.is_empty()
        || spec.dtb.is_some()
        || spec.cmdline.is_some()
        || spec.modules.is_some()
        || spec.kconfig.is_some()
        || spec.sysfs_root.is_some()
}

/// Whether the command line names what only one boot can have: a target to collect from
/// (`--ssh`, `--remote-root`) or SysMMU dumps (`--sysmmu-regs`, `--mem`).
pub fn has_single_boot_options(args: &InputArgs) -> bool {
    args.target.ssh.is_some()
        || args.target.remote_root.is_some()
        || !args.sysmmu_regs.is_empty()
        || !args.mem.is_empty()
}

/// Reads one boot's inputs as the command line names them: collected from a target first
/// (`--ssh`, `--remote-root`), or read from files, or the live system.
pub fn gather_inputs(args: &InputArgs) -> Result<BootInputs> {
    gather_inputs_with(args, false).map(|(inputs, _)| inputs)
}

/// [`gather_inputs`], with a kernel log of files left unread for the caller to stream boot by
/// boot (see [`DeferredLog`]).
pub fn gather_inputs_deferring_log(args: &InputArgs) -> Result<(BootInputs, Option<DeferredLog>)> {
    gather_inputs_with(args, true)
}

fn gather_inputs_with(args: &InputArgs, defer_log: bool) -> Result<(BootInputs, Option<DeferredLog>)> {
    let (mut inputs, deferred) = gather_evidence(args, defer_log)?;
    if !args.sysmmu_regs.is_empty() || !args.mem.is_empty() {
        let version = args
            .hw_version
            .as_deref()
            .map(|text| {
                crate::sysmmu::HwVersion::parse(text).ok_or_else(|| {
                    crate::error::Error::Usage(format!(
                        "--hw-version {}: expected MAJOR.MINOR such as 5.0 or 7.4",
                        crate::sanitize::escape_control(text)
                    ))
                })
            })
            .transpose()?;
        inputs.sysmmu_dumps = Some(crate::sysmmu::DumpEvidence::read(
            &args.sysmmu_regs,
            &args.mem,
            version,
        )?);
    }
    Ok((inputs, deferred))
}

fn gather_evidence(args: &InputArgs, defer_log: bool) -> Result<(BootInputs, Option<DeferredLog>)> {
    let target = &args.target;
    // `--mount-debugfs` on the live system goes through the collector, which mounts debugfs
    // (as root) to read devices_deferred and says why when it cannot.
    let live_with_debugfs = target.mount_debugfs && is_empty(&named_spec(args));
    if target.ssh.is_none() && target.remote_root.is_none() && !live_with_debugfs {
        return gather_spec_with(&input_spec(args), defer_log);
    }
    let options = target.options(Vec::new())?;
    let mut progress = crate::collect::Progress::on_stderr(false);
    let bundle = crate::collect::collect_to_memory(&options, &mut progress)?;
    let display = target.ssh.clone().unwrap_or_else(|| "local".to_string());
    let mut inputs = BootInputs {
        name: display.clone(),
        ..Default::default()
    };
    crate::ingest::discover::ingest_bundle_members(&mut inputs, &bundle, &display)?;
    Ok((inputs, None))
}

/// Reads what `spec` names; the kernel's record device (`/dev/kmsg`, the live log) named
/// among the logs is read by `collect` and handed to ingest as bytes.
pub fn gather_spec(spec: &InputSpec) -> Result<BootInputs> {
    gather_spec_with(spec, false).map(|(inputs, _)| inputs)
}

/// [`gather_spec`], with a kernel log of files left unread for the caller to stream boot by
/// boot when `defer_log` (see [`DeferredLog`]; the kernel's record device is read whole).
pub fn gather_spec_with(spec: &InputSpec, defer_log: bool) -> Result<(BootInputs, Option<DeferredLog>)> {
    let is_device = |path: &&PathBuf| crate::collect::local::is_kernel_record_device(path);
    let devices: Vec<PathBuf> = spec
        .paths
        .iter()
        .chain(&spec.dmesg)
        .filter(is_device)
        .cloned()
        .collect();
    if devices.is_empty() {
        return match defer_log {
            true => gather_deferring_log(spec),
            false => gather(spec).map(|inputs| (inputs, None)),
        };
    }
    let mut spec = spec.clone();
    spec.paths.retain(|path| !devices.contains(path));
    spec.dmesg.retain(|path| !devices.contains(path));
    let cap = crate::limits::max_input_bytes();
    let mut refused = Vec::new();
    for path in &devices {
        let bytes = crate::collect::local::read_kernel_records(path, cap).map_err(|error| {
            refused.extend(kernel_log_refused_note(path, &error));
            error.to_string()
        });
        spec.read_logs.push(ReadLog {
            name: path.display().to_string(),
            bytes,
        });
    }
    let mut inputs = gather(&spec)?;
    inputs.notes.extend(refused);
    Ok((inputs, None))
}

/// What would let the kernel's record device be read, when it was refused.
fn kernel_log_refused_note(path: &Path, error: &crate::error::Error) -> Option<String> {
    let denied = matches!(error, crate::error::Error::Io { source, .. }
        if source.kind() == std::io::ErrorKind::PermissionDenied);
    denied.then(|| {
        format!(
            "{} not readable: the kernel log needs CAP_SYSLOG, or kernel.dmesg_restrict=0 \
             (run as root, or name a saved log with --dmesg FILE)",
            path.display()
        )
    })
}

/// The live system's evidence: the kernel log (read by `collect`), /sys as a sysfs root, the
/// device tree, /proc files.
pub fn live_spec() -> InputSpec {
    let existing = |path: &str| Some(PathBuf::from(path)).filter(|p| Path::new(p).exists());
    InputSpec {
        dmesg: existing("/dev/kmsg").into_iter().collect(),
        sysfs_root: existing("/sys"),
        dtb: existing("/sys/firmware/fdt"),
        cmdline: existing("/proc/cmdline"),
        modules: existing("/proc/modules"),
        kconfig: existing("/proc/config.gz"),
        ..InputSpec::default()
    }
}
