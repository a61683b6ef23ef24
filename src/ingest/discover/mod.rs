//! Finding the pieces of one boot's evidence: inputs named by flag, files recognised by
//! content, directories (capture folders, sysfs mirrors, bundles) searched for the pieces, and
//! several snapshots of the same boot put in order (the last is the final state).
//!
//! The four jobs, one module each, in the order a boot is read:
//! - `recognise`: what a file is, from its content;
//! - `plan`: what the command line and capture folders name, as a list of inputs to read;
//! - `moments`: which snapshot of the boot an input belongs to, and their order;
//! - `assemble` (with `log_choice`): reading the planned inputs into one [`BootInputs`]; or
//!   all but a lone kernel log, left to the caller to stream boot by boot (`stream`).

mod assemble;
mod log_choice;
mod moments;
mod plan;
mod recognise;
mod stream;

pub use assemble::{
    ingest_bundle_members, ingest_devicetree_directory, ingest_file, ingest_named_bytes, ingest_sysfs_root,
    missing_notes,
};
pub use moments::{moment_label, moment_of_name, moment_order};
pub use recognise::{recognise, recognise_named, EXPECTED_INPUTS, HEAD_BYTES};
pub use stream::{DeferredLog, StreamedLog, Unopened};

use super::BootInputs;
use super::InputKind;
use crate::error::{Error, Result};
use assemble::{execute, finish, unreadable, PendingNote};
use plan::{file_name_of, phase, plan_flagged, plan_positional, Planned, Source};
use std::collections::HashMap;
use std::io::Cursor;
use std::path::PathBuf;

/// The inputs of one boot as the user named them.
#[derive(Clone, Debug, Default)]
pub struct InputSpec {
    /// Positional inputs: files (recognised by content), directories, `-` for stdin.
    pub paths: Vec<PathBuf>,
    pub dmesg: Vec<PathBuf>,
    pub devlink: Vec<PathBuf>,
    pub deferred: Vec<PathBuf>,
    pub dtb: Option<PathBuf>,
    pub cmdline: Option<PathBuf>,
    pub modules: Option<PathBuf>,
    pub kconfig: Option<PathBuf>,
    pub sysfs_root: Option<PathBuf>,
    /// Kernel logs `collect` read into memory (the kernel's record device named as an input).
    pub read_logs: Vec<ReadLog>,
}

/// A kernel log read into memory by `collect`, or why it could not be read.
#[derive(Clone, Debug)]
pub struct ReadLog {
    /// What it was read from (`/dev/kmsg`).
    pub name: String,
    pub bytes: std::result::Result<Vec<u8>, String>,
}

impl InputSpec {
    fn is_empty(&self) -> bool {
        self.paths.is_empty()
            && self.dmesg.is_empty()
            && self.devlink.is_empty()
            && self.deferred.is_empty()
            && self.dtb.is_none()
            && self.cmdline.is_none()
            && self.modules.is_none()
            && self.kconfig.is_none()
            && self.sysfs_root.is_none()
            && self.read_logs.is_empty()
    }
}

/// Reads everything `spec` names into one boot's inputs.
///
/// `Err` only for usage problems: no inputs, a path that does not exist, `--sysfs-root` on a
/// file, a directory holding nothing recognisable (and nothing that failed to read). Problems
/// inside inputs are in `errors` of the result; a result that [`BootInputs::is_empty`] must be
/// reported as an error by the caller.
pub fn gather(spec: &InputSpec) -> Result<BootInputs> {
    gather_with(spec, false).map(|(boot, _)| boot)
}

/// [`gather`], but a boot with one copy of its kernel log is given without it: the log is left
/// to the caller to read boot by boot (see [`DeferredLog`]), who ends the gathering with
/// [`DeferredLog::finish`].
pub fn gather_deferring_log(spec: &InputSpec) -> Result<(BootInputs, Option<DeferredLog>)> {
    gather_with(spec, true)
}

fn gather_with(spec: &InputSpec, defer_log: bool) -> Result<(BootInputs, Option<DeferredLog>)> {
    if spec.is_empty() {
        return Err(Error::Usage(
            "no inputs given: name files, capture folders or a sysfs root".to_string(),
        ));
    }
    let mut boot = BootInputs::default();
    let mut plan: Vec<Planned> = Vec::new();
    plan_flagged(spec, &mut plan)?;
    for path in &spec.paths {
        plan_positional(path, &mut boot, &mut plan)?;
    }
    boot.name = spec
        .paths
        .iter()
        .chain(spec.sysfs_root.iter())
        .chain(spec.dmesg.iter())
        .chain(spec.devlink.iter())
        .chain(spec.deferred.iter())
        .chain(spec.dtb.iter())
        .next()
        .map(|p| file_name_of(p))
        .or_else(|| spec.read_logs.first().map(|log| file_name_of(log.name.as_ref())))
        .unwrap_or_default();

    for log in &spec.read_logs {
        match &log.bytes {
            Ok(bytes) => plan.push(Planned {
                display: log.name.clone(),
                source: Source::Reader(Box::new(Cursor::new(bytes.clone()))),
                kind: InputKind::KernelLog,
                moment: None,
                log_head: None,
                head: None,
            }),
            Err(why) => unreadable(&mut boot, &log.name, why),
        }
    }
    plan.sort_by_key(|p| phase(p.kind));
    let sniffed_log_format = |planned: &Planned| match planned.kind {
        InputKind::KernelLog => planned.log_head.and_then(|head| head.format),
        _ => None,
    };
    let richest = log_choice::richest_planned(plan.iter().filter_map(sniffed_log_format));
    let mut held = held_log_copies(&plan, richest);
    let mut pending_notes: Vec<PendingNote> = Vec::new();
    let mut not_read: Vec<Planned> = Vec::new();
    let logs = plan.iter().filter(|p| p.kind == InputKind::KernelLog).count();
    read_sysfs_trees(&mut plan);
    let mut deferred = None;
    for (at, planned) in plan.into_iter().enumerate() {
        if defer_log && logs == 1 && planned.kind == InputKind::KernelLog {
            deferred = Some(planned);
            continue;
        }
        // Each byte read once: a copy of the log that cannot be the one used is not parsed.
        if let Some(format) = sniffed_log_format(&planned) {
            if log_choice::skip_poorer_copy(&mut boot, &planned.display, format, richest) {
                not_read.push(planned);
                continue;
            }
        }
        if let Some(note) = held.remove(&at) {
            assemble::record(&mut boot, &planned.display, InputKind::Unused, None, Some(note));
            not_read.push(planned);
            continue;
        }
        pending_notes.extend(execute(&mut boot, planned)?);
    }
    if boot.log.is_none() && !not_read.is_empty() {
        // The richer copy could not be read after all: the poorer ones are read instead.
        let skipped: Vec<String> = not_read.iter().map(|p| p.display.clone()).collect();
        boot.inputs
            .retain(|info| !(info.kind == InputKind::Unused && skipped.contains(&info.path)));
        for planned in not_read {
            pending_notes.extend(execute(&mut boot, planned)?);
        }
    }
    if let Some(planned) = deferred {
        // Logs are read last (`phase`): the rest of the boot is all read.
        return Ok((
            boot,
            Some(DeferredLog {
                planned,
                pending_notes,
            }),
        ));
    }
    log_choice::name_used_copy(&mut boot);
    finish(&mut boot, pending_notes);
    Ok((boot, None))
}

/// Reads the sysfs trees `plan` names that were not read while planning (`Source::Tree`),
/// side by side: reading a tree only reads, and what it gives is put into the boot in plan
/// order by `execute`.
fn read_sysfs_trees(plan: &mut [Planned]) {
    use rayon::prelude::*;
    let roots: Vec<(usize, &std::path::Path, &str)> = plan
        .iter()
        .enumerate()
        .filter_map(|(at, planned)| match (&planned.kind, &planned.source) {
            (InputKind::SysfsRoot, Source::Path(root)) => {
                Some((at, root.as_path(), planned.display.as_str()))
            }
            _ => None,
        })
        .collect();
    let trees: Vec<(usize, crate::ingest::sysfs::SysfsRead)> = roots
        .into_par_iter()
        .map(|(at, root, display)| (at, crate::ingest::sysfs::read_sysfs_root(root, display)))
        .collect();
    for (at, tree) in trees {
        if let Source::Path(root) = &plan[at].source {
            plan[at].source = Source::Tree(root.clone(), Box::new(tree));
        }
    }
}

/// The planned kernel logs on disk, among the richest format, that are held whole in another
/// (`log_choice::held_copies`), by index into `plan`, with the note that lists each as unused.
fn held_log_copies(plan: &[Planned], richest: Option<u8>) -> HashMap<usize, String> {
    let (at, copies): (Vec<usize>, Vec<log_choice::LogCopy>) = plan
        .iter()
        .enumerate()
        .filter_map(|(at, planned)| {
            let format = planned.log_head.and_then(|head| head.format)?;
            match (&planned.source, &planned.head) {
                (Source::Path(path), Some(head)) if log_choice::is_richest(format, richest) => Some((
                    at,
                    log_choice::LogCopy {
                        path,
                        display: &planned.display,
                        format,
                        head,
                    },
                )),
                _ => None,
            }
        })
        .unzip();
    if copies.len() < 2 {
        return HashMap::new();
    }
    log_choice::held_copies(&copies)
        .into_iter()
        .map(|(copy, note)| (at[copy], note))
        .collect()
}
