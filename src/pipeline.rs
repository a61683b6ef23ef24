//! The analysis pipeline as a library: one boot's inputs → model → analysis → rules → report,
//! and many boots run in parallel with their outcomes in plan order. Commands resolve their
//! arguments, call this, and pick a renderer.
//!
//! Layer: above rules and report, below commands; imports no clap types.

mod stream;
pub mod watch;

pub use stream::{split_boots, stream_outcomes};

use crate::analysis::blockers::Moment;
use crate::analysis::graph::SupplierGraph;
use crate::analysis::{Analysis, FaultWalks};
use crate::error::{Error, Result};
use crate::ingest::discover::{gather, recognise_named, DeferredLog, InputSpec, HEAD_BYTES};
use crate::ingest::open::open_input;
use crate::ingest::{BootInputs, InputKind};
use crate::model::{Boot, FactKind};
use crate::report::baseline::Baseline;
use crate::report::{BootOutcome, Report};
use crate::rules::settings::{IgnoredFinding, RuleSettings};
use crate::rules::{self, Severity};
use crate::sanitize::escape_control;
use crate::sysmmu::DumpEvidence;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// One boot of a run as the runner sees it: its name when the command line gives one, a name
/// for messages otherwise, and how to read its inputs.
pub trait PlannedBoot: Sync {
    /// The boot's name as the command line gives it (a `--boot` name, or the one path the boot
    /// is made of); `None` leaves it to ingest.
    fn name(&self) -> Option<&str>;
    /// A name for messages when analysis gave none (the input was not usable).
    fn fallback_name(&self) -> String;
    /// The paths the boot is read from, named in the error when nothing usable was read.
    fn paths(&self) -> &[PathBuf];
    /// Reads the boot's inputs.
    fn gather(&self) -> Result<BootInputs>;
    /// Reads the boot's inputs but a kernel log that can be read boot by boot, left for the
    /// caller to stream (see [`DeferredLog`]).
    fn gather_deferring_log(&self) -> Result<(BootInputs, Option<DeferredLog>)> {
        self.gather().map(|inputs| (inputs, None))
    }
}

/// The moment `--at LABEL` names (a snapshot, or an instant in seconds since boot: the log up
/// to it and no snapshot taken after it; the end of the capture without one), or a usage error
/// that lists the snapshots the boot has.
pub fn moment(boot: &Boot, at: Option<&str>) -> Result<Moment> {
    Moment::named(boot, at).ok_or_else(|| {
        Error::Usage(format!(
            "no snapshot `{}` (nor an instant in seconds, such as 12.5s); the inputs have: {}",
            escape_control(at.unwrap_or_default()),
            if boot.snapshots.is_empty() {
                "none".to_string()
            } else {
                boot.snapshots.join(", ")
            }
        ))
    })
}

/// The device a command line names (kernel name, `bus:name`, DT path or sysfs path), or a
/// usage error saying which names are accepted.
pub fn device(boot: &Boot, name: &str) -> Result<crate::model::DeviceId> {
    boot.find(name).ok_or_else(|| {
        Error::Usage(format!(
            "no device `{}` in the inputs (give its kernel name, bus:name, DT path or sysfs path)",
            escape_control(name)
        ))
    })
}

/// Reads one boot and runs every rule on it with the registry's defaults.
pub fn analyse(spec: &InputSpec) -> Result<(Boot, Report)> {
    analyse_inputs(gather(spec)?, &spec.paths)
}

/// Reads one boot and runs the rules as `settings` say; ignored findings become notes.
pub fn analyse_with(spec: &InputSpec, settings: &RuleSettings) -> Result<(Boot, Report)> {
    analyse_inputs_with(gather(spec)?, &spec.paths, settings)
}

/// Runs every rule on one boot's inputs with the registry's defaults.
pub fn analyse_inputs(inputs: BootInputs, paths: &[PathBuf]) -> Result<(Boot, Report)> {
    analyse_inputs_with(inputs, paths, &RuleSettings::DEFAULT)
}

/// Runs the rules on one boot's inputs as `settings` say; `paths` name the inputs in the error
/// when nothing usable was read.
pub fn analyse_inputs_with(
    inputs: BootInputs,
    paths: &[PathBuf],
    settings: &RuleSettings,
) -> Result<(Boot, Report)> {
    let mut inputs = inputs;
    let dumps = inputs.sysmmu_dumps.take();
    let boot = boot_of(inputs, paths)?;
    let graph = SupplierGraph::new(&boot);
    let walks = dumps
        .map(|mut dumps| {
            dumps.with_log_versions(&logged_sysmmu_versions(&boot));
            fault_walks(&boot, &dumps)
        })
        .unwrap_or_default();
    let analysis = Analysis::new(&boot, &graph).with_fault_walks(walks);
    let report = check(&analysis, settings);
    Ok((boot, report))
}

/// Every SysMMU fault of the log walked through the register and memory dumps given with the
/// boot, as evidence text by log record index: the dumps stay here, beside the boot, and the
/// rules see only the decoded walks.
fn fault_walks(boot: &Boot, dumps: &DumpEvidence) -> FaultWalks {
    boot.facts
        .iter()
        .filter_map(|fact| match &fact.kind {
            FactKind::SysmmuFault(report) => Some((fact.index, walk_fault(dumps, report))),
            _ => None,
        })
        .collect()
}

/// The SysMMU versions the log states (exynos-iommu's `hardware version: X.Y`), by device.
fn logged_sysmmu_versions(boot: &Boot) -> Vec<(String, crate::sysmmu::HwVersion)> {
    boot.facts
        .iter()
        .filter_map(|fact| match &fact.kind {
            FactKind::SysmmuVersion { device, version } => Some((device.clone(), *version)),
            _ => None,
        })
        .collect()
}

/// With register and memory dumps: the walk of the faulting address and its cause, as text.
fn walk_fault(dumps: &DumpEvidence, report: &crate::sysmmu::FaultReport) -> String {
    let registers = dumps.registers_of(report.sysmmu.as_deref());
    if registers.is_none() && !dumps.undecided.is_empty() {
        return " => the register dump has no MMU_VERSION and the log states no SysMMU version: \
                give --hw-version to decode it"
            .to_string();
    }
    let memory: Option<&dyn crate::sysmmu::PhysMemory> =
        (!dumps.memory.is_empty()).then_some(&dumps.memory as &dyn crate::sysmmu::PhysMemory);
    let explained = crate::sysmmu::explain_report(report, registers, memory);
    let mut text = format!(" => cause {}: {}", explained.cause.token(), explained.explanation);
    for step in explained.walk.iter().flat_map(|w| w.steps.iter()) {
        let raw = step
            .raw
            .map_or("unreadable".to_string(), |raw| format!("{raw:#010x}"));
        text.push_str(&format!(
            "; lv{} [{:#x}] @ {:?} = {raw}: {}",
            step.level, step.index, step.entry_pa, step.meaning
        ));
    }
    text
}

/// The rules' report on one analysed boot: its findings as `settings` judge them, its notes,
/// and one note per ignore entry used.
pub fn check(analysis: &Analysis, settings: &RuleSettings) -> Report {
    let boot = analysis.boot();
    let run = rules::evaluate(analysis, settings);
    let mut notes = boot.notes.clone();
    notes.extend(ignored_notes(&run.ignored));
    // A contradiction is probescope's bug, shown so that it can be reported (tests require none).
    notes.extend(
        rules::consistency::contradictions(boot, analysis, &run.findings)
            .into_iter()
            .map(|c| format!("internal: contradictory findings (please report): {}", c.0)),
    );
    Report {
        boot: boot.name.clone(),
        inputs: boot.inputs.clone(),
        findings: run.findings,
        notes,
    }
}

/// The boot of `paths` read as a command line's inputs are: the unit tests' way to a boot of
/// corpus files.
#[cfg(test)]
pub(crate) fn boot_of_paths(paths: &[PathBuf]) -> Boot {
    let spec = crate::ingest::discover::InputSpec {
        paths: paths.to_vec(),
        ..Default::default()
    };
    let inputs = crate::ingest::discover::gather(&spec).expect("the inputs read");
    boot_of(inputs, paths).expect("a usable boot")
}

/// The boot model of one boot's inputs; a usage error naming `paths` and what each lacked when
/// nothing usable was read.
pub fn boot_of(inputs: BootInputs, paths: &[PathBuf]) -> Result<Boot> {
    if inputs.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let mut message = format!(
            "nothing usable was read from {}: expected a kernel log, a devlink dump, devices_deferred, a device tree, /proc/cmdline or /proc/modules",
            if names.is_empty() { "the inputs".to_string() } else { names.join(", ") }
        );
        // What went wrong with each input; the notes of what is missing ("no kernel log", ...)
        // say nothing more when nothing was read, so they are given only without errors.
        let why: Vec<String> = if inputs.errors.is_empty() {
            inputs.notes.clone()
        } else {
            inputs.errors.iter().map(|e| e.to_string()).collect()
        };
        for note in why {
            message.push_str("\n  ");
            message.push_str(&note);
        }
        return Err(Error::Usage(message));
    }
    Ok(Boot::from_inputs(inputs))
}

/// One note per ignore entry that was used: where it is, why, and what it left out.
fn ignored_notes(ignored: &[IgnoredFinding]) -> Vec<String> {
    let mut by_entry: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for item in ignored {
        by_entry
            .entry((&item.origin, &item.reason))
            .or_default()
            .push(format!("{} {}", item.finding.rule, item.finding.subject));
    }
    by_entry
        .into_iter()
        .map(|((origin, reason), findings)| {
            format!("ignored by {origin} ({reason}): {}", findings.join(", "))
        })
        .collect()
}

/// A path as a boot name: as given, without a leading `./` or trailing `/`.
pub fn path_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        return "<stdin>".to_string();
    }
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    let trimmed = text.trim_end_matches('/');
    if trimmed.is_empty() {
        text.to_string()
    } else {
        trimmed.to_string()
    }
}

/// Whether a positional input stands for a whole boot: a directory, a bundle (a tar archive,
/// compressed or not), a kernel log, or a file that is no recognised piece of evidence (a
/// paste, or an empty or unrecognised file), recognised from the decompressed head exactly as
/// ingest recognises it. A path that cannot be read counts too. Unreadable and unrecognised
/// inputs so get their error reported for them alone instead of merging the batch into one boot.
pub fn is_boot_input(path: &Path) -> bool {
    if path.as_os_str() == "-" {
        return false;
    }
    if path.is_dir() {
        return true;
    }
    let mut head = Vec::new();
    let read = open_input(path).and_then(|reader| {
        reader
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(path, e))
    });
    if read.is_err() {
        return true;
    }
    let file_name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    // A file that is no piece of evidence on its own (not recognised: a paste of a mail or
    // report, or an empty, HTML or binary file) is a boot of its own too: a paste holds its
    // own evidence, and a bad file gets its error alone instead of merging the batch.
    matches!(
        recognise_named(&head, &file_name),
        Some(InputKind::KernelLog | InputKind::Bundle) | None
    )
}

/// What every boot of a run is judged by.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions<'a> {
    pub settings: &'a RuleSettings,
    pub baseline: Option<&'a Baseline>,
    /// See [`BootOutcome::threshold`].
    pub threshold: Option<Severity>,
    /// Of a log that holds several boots, only this one (`--boot N`, counted as journalctl
    /// counts: 1 the first, 0 the last, -1 the one before the last).
    pub pick: Option<i64>,
}

/// Analyses one planned boot: one outcome, or one per boot when its kernel log holds several
/// (each analysed alone, named `NAME#K`, K counting from 1). A panic in the analysis (a bug)
/// becomes this boot's error, so one bad input does not cost the rest of a batch.
pub fn outcomes_of(plan: &impl PlannedBoot, options: &RunOptions) -> Vec<BootOutcome> {
    let mut outcomes = Vec::new();
    stream_outcomes(plan, options, &mut |outcome| {
        outcomes.push(outcome);
        true
    });
    outcomes
}

/// Why `--boot pick` names no boot of an input that holds `count`.
pub fn no_such_boot(pick: i64, count: usize) -> String {
    format!(
        "no boot {pick}: the input holds {count} boot{} (1 is the first, 0 the last, -1 the one before it)",
        if count == 1 { "" } else { "s" }
    )
}

/// The position of boot `pick` (journalctl's count: 1 the first, 0 the last, -1 the one
/// before) among `count` boots: what `--boot N` means to every command.
pub fn picked_boot(pick: i64, count: usize) -> Option<usize> {
    let count = i64::try_from(count).ok()?;
    let index = if pick > 0 { pick - 1 } else { count - 1 + pick };
    (0..count)
        .contains(&index)
        .then(|| usize::try_from(index).ok())
        .flatten()
}

/// Runs `work`, turning an error or a panic (a bug) into the boot's error text.
fn catch_panic<T>(work: impl FnOnce() -> Result<T>) -> std::result::Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!(
                "internal error while analysing this boot ({what}); please report it with the input"
            ))
        }
    }
}

fn finish_outcome(
    name: String,
    result: std::result::Result<Report, String>,
    options: &RunOptions,
) -> BootOutcome {
    // An unusable input says nothing about its baseline entries: they are not "fixed".
    let baseline = match (&result, options.baseline) {
        (Ok(report), Some(baseline)) => Some(baseline.compare(&name, &report.findings)),
        _ => None,
    };
    BootOutcome {
        name,
        result,
        baseline,
        threshold: options.threshold,
    }
}

/// The worker threads of a run: `jobs`, or one per core.
pub fn thread_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(|e| Error::Other(format!("cannot start the worker threads: {e}")))
}

/// Analyses every boot on `pool` and hands each outcome to `emit` in plan order (a plan
/// whose log holds several boots gives one outcome per boot), each as
/// soon as it and every boot before it are done: the output is the same for any number of
/// threads, and a long batch streams. Workers take boots in plan order, so few wait in the
/// reorder buffer. When `emit` fails (a closed pipe), no further boot is started.
pub fn run_boots<P: PlannedBoot>(
    pool: &rayon::ThreadPool,
    plans: &[P],
    options: &RunOptions,
    mut emit: impl FnMut(BootOutcome) -> Result<()>,
) -> Result<()> {
    let workers = pool.current_num_threads().clamp(1, plans.len().max(1));
    let next_plan = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // (plan, an outcome of it) as each boot is analysed; (plan, None) when the plan is done.
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Option<BootOutcome>)>();
    std::thread::scope(|scope| {
        let (next_plan, stop) = (&next_plan, &stop);
        scope.spawn(move || {
            pool.scope(|pool_scope| {
                for _ in 0..workers {
                    let sender = sender.clone();
                    pool_scope.spawn(move |_| loop {
                        let index = next_plan.fetch_add(1, Ordering::Relaxed);
                        let Some(plan) = plans.get(index) else { break };
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        stream_outcomes(plan, options, &mut |outcome| {
                            !stop.load(Ordering::Relaxed) && sender.send((index, Some(outcome))).is_ok()
                        });
                        if sender.send((index, None)).is_err() {
                            break;
                        }
                    });
                }
            });
            // `sender` drops here, after every worker's clone: the receiver's loop then ends.
        });
        // The outcomes of plans after the one being emitted wait here, with whether their plan
        // is done; the plan being emitted streams straight through.
        let mut waiting: BTreeMap<usize, (std::collections::VecDeque<BootOutcome>, bool)> = BTreeMap::new();
        let mut next_to_emit = 0;
        let mut result = Ok(());
        for (index, message) in receiver {
            if result.is_err() {
                continue;
            }
            let entry = waiting.entry(index).or_default();
            match message {
                Some(outcome) => entry.0.push_back(outcome),
                None => entry.1 = true,
            }
            while let Some((outcomes, done)) = waiting.get_mut(&next_to_emit) {
                while let Some(outcome) = outcomes.pop_front() {
                    if let Err(error) = emit(outcome) {
                        stop.store(true, Ordering::Relaxed);
                        result = Err(error);
                        break;
                    }
                }
                if result.is_err() || !*done {
                    break;
                }
                waiting.remove(&next_to_emit);
                next_to_emit += 1;
            }
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::blockers::DeviceStatus;
    use crate::model::BootTime;

    #[test]
    fn an_instant_reads_the_log_up_to_it_and_no_later_snapshot() {
        // S2: the SMMU's driver printed at 12.527461 s; the capture's sysfs listings (which show
        // it bound) were taken at the end. At 10 s nothing shows it bound; at the end they do.
        let spec = InputSpec {
            paths: vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/smmuv3-6.1/S2-smmu-late")],
            ..Default::default()
        };
        let (boot, _) = analyse(&spec).expect("the capture reads");
        let graph = SupplierGraph::new(&boot);
        let analysis = Analysis::new(&boot, &graph);
        let smmu = device(&boot, "9050000.smmuv3").expect("the SMMU is a device");
        let at_ten = moment(&boot, Some("10s")).expect("an instant");
        assert_eq!(at_ten, Moment::Time(BootTime::from_secs_f64(10.0)));
        assert_eq!(analysis.blockers_at(at_ten).status(smmu), DeviceStatus::Unknown);
        assert_eq!(analysis.blockers().status(smmu), DeviceStatus::Bound);
        // A snapshot's label still names the snapshot; anything else is a usage error.
        assert!(matches!(moment(&boot, Some("final")), Ok(Moment::Snapshot(_))));
        assert!(moment(&boot, Some("later")).is_err());
    }

    #[test]
    fn boots_are_picked_as_journalctl_counts_them() {
        assert_eq!(picked_boot(1, 3), Some(0));
        assert_eq!(picked_boot(3, 3), Some(2));
        assert_eq!(picked_boot(0, 3), Some(2));
        assert_eq!(picked_boot(-1, 3), Some(1));
        assert_eq!(picked_boot(-2, 3), Some(0));
        assert_eq!(picked_boot(-3, 3), None);
        assert_eq!(picked_boot(4, 3), None);
        assert_eq!(picked_boot(0, 1), Some(0));
    }

    #[test]
    fn unreadable_paths_and_tarballs_stand_for_a_boot() {
        let dir = tempfile::tempdir().unwrap();
        assert!(is_boot_input(&dir.path().join("missing.txt")));
        let bundle = dir.path().join("bundle.tar.gz");
        let file = std::fs::File::create(&bundle).unwrap();
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
        let mut header = tar::Header::new_ustar();
        header.set_size(3);
        header.set_cksum();
        tar.append_data(&mut header, "manifest.txt", &b"abc"[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        assert!(is_boot_input(&bundle));
        // A serial capture whose kernel starts after 100 KiB of firmware output is still a log.
        let serial = dir.path().join("serial.txt");
        let mut text =
            "U-Boot SPL 2024.01: DRAM training pass, retrying with the slow profile\n".repeat(1500);
        text.push_str("[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]\n");
        text.push_str("[    0.000000] Linux version 6.12.0 (builder@lab) #1 SMP PREEMPT\n");
        text.push_str("[    0.000000] Machine model: Board\n");
        assert!(text.len() > 100 * 1024);
        std::fs::write(&serial, text).unwrap();
        assert!(is_boot_input(&serial));
        // Pieces of a boot: a devices_deferred list, and an empty one named so.
        let deferred = dir.path().join("deferred.txt");
        std::fs::write(&deferred, "2b600000.iommu\tplatform: wait for supplier /smmu\n").unwrap();
        assert!(!is_boot_input(&deferred));
        let empty_deferred = dir.path().join("devices_deferred.txt");
        std::fs::write(&empty_deferred, "").unwrap();
        assert!(!is_boot_input(&empty_deferred));
        // Unrecognised text and empty files stand alone (their error is theirs).
        let plain = dir.path().join("notes.txt");
        std::fs::write(&plain, "hello\n").unwrap();
        assert!(is_boot_input(&plain));
        let empty = dir.path().join("dmesg.txt");
        std::fs::write(&empty, "").unwrap();
        assert!(is_boot_input(&empty));
        assert!(!is_boot_input(Path::new("-")));
    }

    #[test]
    fn lines_quoted_before_the_log_are_a_note_not_a_boot() {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("report.txt");
        let mut text = String::from(
            "Before these patches the driver said:\n\n\
             [    3.222205] ravb e6800000.ethernet: ignoring dependency for device, assuming no driver\n\n\
             --- log ---\n\
             [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd073]\n\
             [    0.000000] Linux version 5.6.0-next-20200401 (root@host) #1203 SMP PREEMPT\n",
        );
        for i in 1..20 {
            text.push_str(&format!(
                "[    0.{i:06}] platform e6{i:02}0000.dev: Adding to iommu group {i}\n"
            ));
        }
        std::fs::write(&mail, text).unwrap();
        let spec = InputSpec {
            paths: vec![mail],
            ..InputSpec::default()
        };
        let boots = split_boots(gather(&spec).unwrap());
        assert_eq!(boots.len(), 1);
        let log = boots[0].log.as_ref().unwrap();
        assert!(
            log.events.iter().all(|e| e.origin.line != 3),
            "the quoted line is no record of the boot"
        );
        let note = boots[0]
            .notes
            .iter()
            .find(|n| n.contains("quoted apart"))
            .unwrap();
        assert!(
            note.contains("report.txt:3: ") && note.contains("quoted apart"),
            "{note}"
        );
        assert!(note.contains("from 3.222205 s"), "{note}");
    }

    #[test]
    fn each_boot_of_a_log_gets_the_notes_of_what_it_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/smmuv3-6.1");
        let mut text = std::fs::read_to_string(fixtures.join("S1-smmu-early/dmesg.txt")).unwrap();
        text.push_str(&std::fs::read_to_string(fixtures.join("S4-smmu-never/dmesg.txt")).unwrap());
        let log = dir.path().join("two-boots.txt");
        std::fs::write(&log, text).unwrap();
        let boots = split_boots(
            gather(&InputSpec {
                paths: vec![log],
                ..InputSpec::default()
            })
            .unwrap(),
        );
        assert_eq!(boots.len(), 2);
        for boot in &boots {
            assert!(
                boot.notes.iter().any(|n| n.starts_with("no device tree")),
                "{:?}",
                boot.notes
            );
            // Both logs print `Kernel command line:`.
            assert!(
                boot.notes
                    .iter()
                    .all(|n| !n.starts_with("no kernel command line")),
                "{:?}",
                boot.notes
            );
        }
    }
}
