//! Finding the pieces of one boot's evidence: inputs named by flag, files recognised by
//! content, directories (capture folders, sysfs mirrors, bundles) searched for the pieces, and
//! several snapshots of the same boot put in order (the last is the final state).
//!
//! # Recognition
//!
//! A file is recognised by its first 64 KiB (decompressed), never by its name: a DTB by its
//! magic; the strict line formats (devlink dump or class listing, `waiting_for_supplier`
//! lines, the device table, IOMMU group and class listings, `/proc/modules`, a kernel config)
//! when every sampled line has their shape; `uname`/`/proc/version` and `/proc/cmdline` when the
//! file is one line of that shape (a command line needs at least one `key=value` word and
//! only parameter-shaped words before `--`); `devices_deferred` when every line is
//! `<name><TAB>...` or every line is one device-name-shaped word; then a kernel log
//! (`log::sniff`). Mail-mangled `devices_deferred` pastes are not recognised (name them with
//! `--deferred`). The one exception to "never by name": an **empty** file, which says
//! "nothing" only if one knows what it is, is recognised by a name starting with the kernel's
//! own name for it: `devices_deferred*` (nothing deferred), `devlink*` (no device links),
//! `waiting_for_supplier*`, `iommu_groups*` (no groups). Other empty files are not used.
//!
//! # Moments
//!
//! Snapshots of one boot taken at several moments are told apart by a suffix of the file or
//! directory name: `<kind>-<moment>[.ext]`, e.g. `devlink-before-timeout.txt`,
//! `sysfs-after-timeout/`, `devices_deferred-start.txt`. The moment is the text from the first
//! `-`-separated word that is a known moment word (`start`, `boot`, `early`, `initial`,
//! `before*`, `after*`, `final`, `end`, `last`), else everything after the first `-`. No suffix,
//! `final`, `end` and `last` all mean the final state. Snapshots are ordered:
//! `start`/`boot`/`early`/`initial` < `before*` < `after*` < other labels (lexical) < final.
//!
//! # Precedence
//!
//! - Several kernel logs of one boot (dmesg, dmesg -r, kmsg, console): each is read and one is
//!   kept, the richest format first (kmsg > journal JSON > dmesg JSON > journal text > text),
//!   then the one with most records; the others are listed as unused.
//! - A sysfs tree and text dumps of the same moment: each snapshot part (device links,
//!   devices_deferred, devices, ...) comes from the tree when the tree has it; a dump of a part
//!   the tree already gave is listed as unused, a dump of a part the tree lacks fills it.
//! - Boot-wide inputs (device tree, command line, modules, config, release): the first one
//!   read is used (a `--dtb` or DTB file before a sysfs tree's `firmware/fdt`).

use super::context;
use super::deferred::parse_devices_deferred;
use super::devlink;
use super::dt;
use super::listing;
use super::log::{self, LogFormat};
use super::open::{open_input, read_limited};
use super::sysfs::{self, SnapshotPart};
use super::{BootInputs, InputInfo, InputKind, LogData, Snapshot};
use crate::error::{Error, InputError, Position, Result};
use crate::model::SourceName;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

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
    }
}

/// Bytes of a file looked at to recognise it.
pub const HEAD_BYTES: usize = log::SNIFF_WINDOW;
/// Lines of the head that must all have a format's shape.
const SAMPLE_LINES: usize = 64;
/// Largest one-line input read (command line, release).
const MAX_SMALL_TEXT: u64 = 1 << 20;

/// What a directory with nothing usable was expected to hold.
pub const EXPECTED_INPUTS: &str = "kernel log, devlink dump, devices_deferred, \
    waiting_for_supplier, device table, IOMMU group or class listing, device tree (.dtb), \
    /proc/cmdline, /proc/modules, kernel config, uname output, or a sysfs tree";

/// Says what kind of evidence a file is, from its name's moment suffix aside, by content.
pub fn recognise(head: &[u8]) -> Option<InputKind> {
    if head.starts_with(&dt::FDT_MAGIC) {
        return Some(InputKind::DeviceTree);
    }
    if super::bundle::is_tar_header(head) {
        return Some(InputKind::Bundle);
    }
    let looks_binary = head.iter().take(4096).any(|&b| b == 0);
    if !looks_binary {
        if let Some(kind) = recognise_text(head) {
            return Some(kind);
        }
    }
    log::sniff(head).map(|_| InputKind::KernelLog)
}

/// Names (of the kernel's own files and directories) that an **empty** file may be recognised
/// by: an empty listing is meaningful (nothing deferred, no device links, no IOMMU group).
const EMPTY_FILE_NAMES: &[(&str, InputKind)] = &[
    ("devices_deferred", InputKind::DevicesDeferred),
    ("devlink", InputKind::Devlink),
    ("waiting_for_supplier", InputKind::WaitingForSupplier),
    ("iommu_groups", InputKind::IommuGroups),
];

/// [`recognise`], plus the one name-based rule: an empty file is recognised by a name that
/// starts with the kernel's own name for it (`devices_deferred*`, `devlink*`,
/// `waiting_for_supplier*`, `iommu_groups*`). A non-empty file is never judged by its name.
pub fn recognise_named(head: &[u8], file_name: &str) -> Option<InputKind> {
    if head.is_empty() {
        return EMPTY_FILE_NAMES
            .iter()
            .find(|(prefix, _)| file_name.starts_with(prefix))
            .map(|(_, kind)| *kind);
    }
    recognise(head)
}

fn sample_lines(head: &[u8]) -> Vec<String> {
    let mut text = String::from_utf8_lossy(head).into_owned();
    if head.len() >= HEAD_BYTES {
        // The last line may be cut.
        if let Some(end) = text.rfind('\n') {
            text.truncate(end);
        }
    }
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLE_LINES)
        .map(str::to_string)
        .collect()
}

fn recognise_text(head: &[u8]) -> Option<InputKind> {
    let lines = sample_lines(head);
    if lines.is_empty() {
        return None;
    }
    let all = |test: &dyn Fn(&str) -> bool| lines.iter().all(|l| test(l));
    if all(&devlink::is_dump_line) {
        return Some(InputKind::Devlink);
    }
    if all(&is_waiting_line) {
        return Some(InputKind::WaitingForSupplier);
    }
    if is_device_table(&lines) {
        return Some(InputKind::DeviceTable);
    }
    if is_iommu_groups(&lines) {
        return Some(InputKind::IommuGroups);
    }
    if is_iommu_class(&lines) {
        return Some(InputKind::IommuClass);
    }
    if all(&|l| context::parse_module_line(l).is_some()) {
        return Some(InputKind::Modules);
    }
    if is_kconfig(&lines) {
        return Some(InputKind::KernelConfig);
    }
    if lines.len() == 1 && context::parse_uname(&lines[0]).is_some() {
        return Some(InputKind::KernelRelease);
    }
    if lines.len() == 1 && is_cmdline(&lines[0]) {
        return Some(InputKind::Cmdline);
    }
    if all(&is_exact_deferred_line) || all(&is_one_column_deferred_line) {
        return Some(InputKind::DevicesDeferred);
    }
    None
}

fn is_waiting_line(line: &str) -> bool {
    line.trim()
        .rsplit_once("/waiting_for_supplier:")
        .is_some_and(|(_, value)| matches!(value.trim(), "0" | "1"))
}

fn is_device_table(lines: &[String]) -> bool {
    lines.first().is_some_and(|l| l.starts_with("#bus\t"))
        || lines.iter().all(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            fields.len() == 7 && fields[6].starts_with("/sys/")
        })
}

fn is_group_header(line: &str) -> bool {
    let mut words = line.split_whitespace();
    words.next() == Some("group") && words.next().is_some_and(|n| n.parse::<u32>().is_ok())
}

fn is_indented_device(line: &str) -> bool {
    line.starts_with(char::is_whitespace) && line.trim_start().starts_with("device ")
}

fn is_iommu_groups(lines: &[String]) -> bool {
    let listing = lines.first().is_some_and(|l| is_group_header(l))
        && lines.iter().all(|l| is_group_header(l) || is_indented_device(l));
    let grep = lines
        .iter()
        .all(|l| l.contains("iommu_groups/") && (l.contains("/type:") || l.contains("/devices/")));
    listing || grep
}

fn is_iommu_class(lines: &[String]) -> bool {
    let header = |l: &str| l.starts_with("iommu ") && l.contains(" path=");
    let listing =
        lines.first().is_some_and(|l| header(l)) && lines.iter().all(|l| header(l) || is_indented_device(l));
    let ls = lines.first().is_some_and(|l| l.trim_end().ends_with("/devices:"))
        && lines
            .iter()
            .all(|l| l.trim_end().ends_with("/devices:") || !l.contains(['=', '\t']));
    listing || ls
}

fn is_kconfig(lines: &[String]) -> bool {
    let option = |l: &str| l.strip_prefix("CONFIG_").is_some_and(|rest| rest.contains('='));
    let not_set = |l: &str| {
        l.strip_prefix("# CONFIG_")
            .is_some_and(|rest| rest.ends_with(" is not set"))
    };
    lines.iter().any(|l| option(l) || not_set(l)) && lines.iter().all(|l| l.starts_with('#') || option(l))
}

fn is_param_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn is_cmdline(line: &str) -> bool {
    if line.contains('\t') {
        return false;
    }
    let params = context::split_cmdline(line);
    params.iter().any(|p| p.value.is_some()) && params.iter().all(|p| is_param_name(&p.name))
}

fn is_exact_deferred_line(line: &str) -> bool {
    match line.split_once('\t') {
        Some((name, _)) => !name.is_empty() && !name.contains(char::is_whitespace),
        None => false,
    }
}

fn is_one_column_deferred_line(line: &str) -> bool {
    let name = line.trim_end();
    let name_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._:-@,+!".contains(c));
    let pci_like = name.len() == 12 && name.as_bytes().get(4) == Some(&b':');
    !name.is_empty()
        && name_chars
        && !name.starts_with(['-', '.'])
        && (name.chars().any(|c| c.is_ascii_alphabetic()) || pci_like)
}

/// The moment a file or directory name carries (`devlink-before-timeout.txt` ->
/// `before-timeout`); `None` for the final state.
pub fn moment_of_name(name: &str) -> Option<String> {
    const EXTENSIONS: &[&str] = &[
        ".gz", ".xz", ".zst", ".txt", ".log", ".dtb", ".out", ".dump", ".bin",
    ];
    let mut stem = name.trim_end_matches('/');
    while let Some(shorter) = EXTENSIONS
        .iter()
        .find_map(|ext| stem.strip_suffix(ext).filter(|s| !s.is_empty()))
    {
        stem = shorter;
    }
    let words: Vec<&str> = stem.split('-').collect();
    if words.len() < 2 {
        return None;
    }
    let known = |w: &str| {
        matches!(
            w,
            "start" | "boot" | "early" | "initial" | "final" | "end" | "last"
        ) || w.starts_with("before")
            || w.starts_with("after")
    };
    let from = (1..words.len()).find(|&i| known(words[i])).unwrap_or(1);
    let label = words[from..].join("-");
    (!label.is_empty() && !matches!(label.as_str(), "final" | "end" | "last")).then_some(label)
}

/// The label a snapshot gets (`final` for the final state).
pub fn moment_label(moment: Option<&str>) -> String {
    match moment.map(str::trim) {
        None | Some("") | Some("final") | Some("end") | Some("last") => "final".to_string(),
        Some(label) => label.to_string(),
    }
}

/// Sort key of a moment label: start-ish < before* < after* < others < final.
pub fn moment_order(label: &str) -> (u8, String) {
    let first = label.split(['-', '_', '.']).next().unwrap_or(label);
    let rank = match first {
        "start" | "boot" | "early" | "initial" => 0,
        "final" | "end" | "last" => 4,
        _ if label.starts_with("before") => 1,
        _ if label.starts_with("after") => 2,
        _ => 3,
    };
    (rank, label.to_string())
}

/// The snapshot of a moment, created in order when new.
fn snapshot_mut<'a>(boot: &'a mut BootInputs, label: &str) -> &'a mut Snapshot {
    let position = match boot.snapshots.iter().position(|s| s.label == label) {
        Some(found) => found,
        None => {
            let key = moment_order(label);
            let at = boot
                .snapshots
                .iter()
                .position(|s| moment_order(&s.label) > key)
                .unwrap_or(boot.snapshots.len());
            boot.snapshots.insert(
                at,
                Snapshot {
                    label: label.to_string(),
                    ..Snapshot::default()
                },
            );
            at
        }
    };
    &mut boot.snapshots[position]
}

fn part_of(kind: InputKind) -> Option<SnapshotPart> {
    Some(match kind {
        InputKind::Devlink => SnapshotPart::Devlinks,
        InputKind::DevicesDeferred => SnapshotPart::Deferred,
        InputKind::DeviceTable => SnapshotPart::Devices,
        InputKind::WaitingForSupplier => SnapshotPart::WaitingForSupplier,
        InputKind::IommuGroups => SnapshotPart::IommuGroups,
        InputKind::IommuClass => SnapshotPart::IommuInstances,
        _ => return None,
    })
}

fn record(boot: &mut BootInputs, path: &str, kind: InputKind, moment: Option<&str>, note: Option<String>) {
    boot.inputs.push(InputInfo {
        path: path.to_string(),
        kind,
        moment: moment.map(str::to_string),
        note,
    });
}

/// The input that already supplied `part` for moment `label`.
fn supplier_of(boot: &BootInputs, label: &str, part: SnapshotPart) -> String {
    boot.inputs
        .iter()
        .rev()
        .find(|i| {
            i.moment.as_deref() == Some(label)
                && (i.kind == InputKind::SysfsRoot || part_of(i.kind) == Some(part))
        })
        .map(|i| i.path.clone())
        .unwrap_or_else(|| "another input".to_string())
}

/// Reads one file of a known kind into `boot` (for the snapshot `moment`, `None` = final).
///
/// A snapshot part (device links, devices_deferred, ...) the moment already has, or a
/// boot-wide input (device tree, command line, ...) already read, is not read again: the
/// file is listed as unused, saying where the part came from. Problems in the file go to
/// `boot.errors`. `Err` only when `kind` is not a file kind (a directory or bundle).
pub fn ingest_file(
    boot: &mut BootInputs,
    source: SourceName,
    kind: InputKind,
    reader: &mut dyn BufRead,
    moment: Option<&str>,
) -> Result<()> {
    let path = source.to_string();
    if let Some(part) = part_of(kind) {
        let label = moment_label(moment);
        if part.is_filled(snapshot_mut(boot, &label)) {
            let from = supplier_of(boot, &label, part);
            let note = format!(
                "{} for moment `{label}` already read from {from}",
                part.describe()
            );
            record(boot, &path, InputKind::Unused, Some(&label), Some(note));
            return Ok(());
        }
        let (errors, count) = read_part(part, &source, reader, snapshot_mut(boot, &label));
        boot.errors.extend(errors);
        let note = format!("{count} {}", part.describe());
        record(boot, &path, kind, Some(&label), Some(note));
        return Ok(());
    }
    match kind {
        InputKind::KernelLog => match log::read_log_events(source.clone(), reader) {
            Ok(data) => offer_log(boot, data),
            Err(error) => {
                boot.errors.push(error);
                let note = Some("not readable as a kernel log".to_string());
                record(boot, &path, InputKind::Unused, None, note);
            }
        },
        InputKind::DeviceTree
        | InputKind::Cmdline
        | InputKind::KernelRelease
        | InputKind::Modules
        | InputKind::KernelConfig => {
            let already = match kind {
                InputKind::DeviceTree => boot.device_tree.is_some(),
                InputKind::Cmdline => boot.cmdline.is_some(),
                InputKind::KernelRelease => boot.kernel_release.is_some(),
                InputKind::Modules => boot.modules.is_some(),
                _ => boot.kconfig.is_some(),
            };
            if already {
                let other = used_input(boot, kind).unwrap_or_else(|| "another input".to_string());
                let note = format!("already read from {other}");
                record(boot, &path, InputKind::Unused, None, Some(note));
                return Ok(());
            }
            let note = ingest_boot_wide(boot, &source, kind, reader);
            let used = if note.is_ok() { kind } else { InputKind::Unused };
            record(boot, &path, used, None, note.unwrap_or_else(Some));
        }
        InputKind::SysfsRoot | InputKind::Directory | InputKind::Bundle | InputKind::Unused => {
            return Err(Error::Usage(format!(
                "{path}: a {kind:?} is not a file to ingest (use gather or ingest_sysfs_root)"
            )));
        }
        InputKind::Devlink
        | InputKind::DevicesDeferred
        | InputKind::WaitingForSupplier
        | InputKind::DeviceTable
        | InputKind::IommuGroups
        | InputKind::IommuClass => {}
    }
    Ok(())
}

/// Reads a boot-wide input into `boot`. `Ok` holds a note on what was read; `Err` says why
/// the input was not used (its errors are already in `boot.errors`).
fn ingest_boot_wide(
    boot: &mut BootInputs,
    source: &SourceName,
    kind: InputKind,
    reader: &mut dyn BufRead,
) -> Result<Option<String>, String> {
    let limit = match kind {
        InputKind::DeviceTree => dt::MAX_FDT_SIZE,
        _ => MAX_SMALL_TEXT,
    };
    let read_all = |boot: &mut BootInputs, reader: &mut dyn BufRead| {
        let mut bytes = Vec::new();
        match reader.take(limit).read_to_end(&mut bytes) {
            Ok(_) => Ok(bytes),
            Err(e) => {
                boot.errors
                    .push(InputError::new(&**source, Position::File, "a readable file").found(e.to_string()));
                Err("not readable".to_string())
            }
        }
    };
    match kind {
        InputKind::DeviceTree => {
            let blob = read_all(boot, reader)?;
            match dt::parse_fdt(source, &blob) {
                Ok((tree, problems)) => {
                    let note = format!("{} nodes", tree.nodes.len());
                    boot.device_tree = Some(tree);
                    boot.errors.extend(problems);
                    Ok(Some(note))
                }
                Err(error) => {
                    boot.errors.push(error);
                    Err("not readable as a device tree".to_string())
                }
            }
        }
        InputKind::Cmdline => {
            let text = read_all(boot, reader)?;
            boot.cmdline = Some(context::parse_cmdline(source, &String::from_utf8_lossy(&text)));
            Ok(None)
        }
        InputKind::KernelRelease => {
            let text = read_all(boot, reader)?;
            let text = String::from_utf8_lossy(&text);
            match context::parse_uname(&text) {
                Some(release) => {
                    boot.kernel_release = Some(release);
                    Ok(None)
                }
                None => {
                    boot.errors.push(
                        InputError::new(
                            &**source,
                            Position::Line(1),
                            "a kernel release (`uname -r`, `uname -a` or /proc/version)",
                        )
                        .found(text.lines().next().unwrap_or_default()),
                    );
                    Err("no kernel release in it".to_string())
                }
            }
        }
        InputKind::Modules => {
            let (modules, errors) = context::parse_modules(source, reader);
            let note = format!("{} modules", modules.len());
            boot.modules = Some(modules);
            boot.errors.extend(errors);
            Ok(Some(note))
        }
        InputKind::KernelConfig => {
            let (config, errors) = context::parse_kconfig(source, reader);
            let note = format!("{} options", config.options.len());
            boot.kconfig = Some(config);
            boot.errors.extend(errors);
            Ok(Some(note))
        }
        _ => Err(format!("{kind:?} is not a boot-wide input")),
    }
}

/// Parses one snapshot part from `reader` into `snapshot`; returns the problems met and the
/// number of items read.
fn read_part(
    part: SnapshotPart,
    source: &SourceName,
    reader: &mut dyn BufRead,
    snapshot: &mut Snapshot,
) -> (Vec<InputError>, usize) {
    fn set<T>(slot: &mut Option<Vec<T>>, parsed: (Vec<T>, Vec<InputError>)) -> (Vec<InputError>, usize) {
        let (items, errors) = parsed;
        let count = items.len();
        *slot = Some(items);
        (errors, count)
    }
    match part {
        SnapshotPart::Devlinks => set(&mut snapshot.devlinks, devlink::parse_dump(source, reader)),
        SnapshotPart::Deferred => set(&mut snapshot.deferred, parse_devices_deferred(source, reader)),
        SnapshotPart::Devices => set(&mut snapshot.devices, listing::parse_device_table(source, reader)),
        SnapshotPart::WaitingForSupplier => set(
            &mut snapshot.waiting_for_supplier,
            listing::parse_waiting_for_supplier(source, reader),
        ),
        SnapshotPart::IommuGroups => set(
            &mut snapshot.iommu_groups,
            listing::parse_iommu_groups(source, reader),
        ),
        SnapshotPart::IommuInstances => set(
            &mut snapshot.iommu_instances,
            listing::parse_iommu_class(source, reader),
        ),
    }
}

fn used_input(boot: &BootInputs, kind: InputKind) -> Option<String> {
    boot.inputs
        .iter()
        .find(|i| i.kind == kind)
        .map(|i| i.path.clone())
}

/// How much a log format carries beyond the text: a richer one wins among copies of a boot's
/// log.
fn richness(format: LogFormat) -> u8 {
    match format {
        LogFormat::Kmsg => 4,
        LogFormat::JournalJson => 3,
        LogFormat::DmesgJson => 2,
        LogFormat::JournalText => 1,
        LogFormat::Text => 0,
    }
}

/// How a note on an unused copy of the kernel log starts.
const LOG_COPY: &str = "another copy of the boot's kernel log";

fn log_summary(data: &LogData) -> String {
    format!("{:?}, {} records", data.format, data.records)
}

/// Whether a log of `format` with `records` records is a better copy of the boot's log than
/// the one kept so far: richer format first, then more records.
fn better_log(new: (LogFormat, u64), kept: (LogFormat, u64)) -> bool {
    (richness(new.0), new.1) > (richness(kept.0), kept.1)
}

/// Keeps the best of the boot's kernel logs; every other copy is listed as unused, with a
/// note naming the one in use (rewritten when a better copy turns up later).
fn offer_log(boot: &mut BootInputs, data: LogData) {
    let path = data.source.to_string();
    let own = log_summary(&data);
    let kept = boot.log.as_ref().map(|c| (c.format, c.records));
    if kept.is_some_and(|kept| !better_log((data.format, data.records), kept)) {
        let used = boot.log.as_ref().map(|c| (c.source.to_string(), log_summary(c)));
        let (used, used_summary) = used.unwrap_or_default();
        let note = format!("{LOG_COPY} ({own}); {used} used ({used_summary})");
        record(boot, &path, InputKind::Unused, None, Some(note));
        return;
    }
    if let Some(previous) = boot.log.take() {
        let previous = (previous.source.to_string(), log_summary(&previous));
        retire_log(&mut boot.inputs, &previous, (&path, &own));
    }
    boot.log = Some(data);
    record(boot, &path, InputKind::KernelLog, None, Some(own));
}

/// Lists the log kept so far (`previous`: path and summary) as unused, and makes every note on
/// an unused copy name the log now used.
fn retire_log(inputs: &mut [InputInfo], previous: &(String, String), used: (&str, &str)) {
    for info in inputs.iter_mut() {
        if info.path == previous.0 && info.kind == InputKind::KernelLog {
            info.kind = InputKind::Unused;
            info.note = Some(format!("{LOG_COPY} ({})", previous.1));
        }
        if let Some(note) = &mut info.note {
            if note.starts_with(LOG_COPY) {
                let head = note.split("; ").next().unwrap_or(LOG_COPY).to_string();
                *note = format!("{head}; {} used ({})", used.0, used.1);
            }
        }
    }
}

/// Reads a file held in memory (a bundle member, for instance): recognised by content (an
/// empty one by its `devices_deferred*` name), its moment taken from its name.
pub fn ingest_named_bytes(boot: &mut BootInputs, name: &str, bytes: &[u8]) -> Result<()> {
    let file_name = name.rsplit('/').next().unwrap_or(name);
    let mut reader = super::open::decompressing(Cursor::new(bytes)).map_err(|e| Error::io(name, e))?;
    let head = {
        let mut head = Vec::new();
        (&mut reader)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(name, e))?;
        head
    };
    let mut full = BufReader::new(Cursor::new(head.clone()).chain(reader));
    let source: SourceName = name.into();
    match recognise_named(&head, file_name) {
        Some(kind) => {
            let moment = moment_of_name(file_name);
            ingest_file(boot, source, kind, &mut full, moment.as_deref())
        }
        None => {
            record(
                boot,
                name,
                InputKind::Unused,
                None,
                Some("not recognised as kernel evidence".to_string()),
            );
            Ok(())
        }
    }
}

/// Reads a sysfs tree into the snapshot `moment` (`None` = final). Parts the snapshot already
/// has are left as they are; the device tree is used when none was read yet.
pub fn ingest_sysfs_root(boot: &mut BootInputs, root: &Path, display: &str, moment: Option<&str>) {
    for note in ingest_sysfs_root_deferring_notes(boot, root, display, moment) {
        boot.notes.push(note.2);
    }
}

type PendingNote = (String, SnapshotPart, String);

fn ingest_sysfs_root_deferring_notes(
    boot: &mut BootInputs,
    root: &Path,
    display: &str,
    moment: Option<&str>,
) -> Vec<PendingNote> {
    let label = moment_label(moment);
    let read = sysfs::read_sysfs_root(root, display);
    let mut used = Vec::new();
    let snapshot = snapshot_mut(boot, &label);
    macro_rules! take {
        ($field:ident, $part:expr) => {
            if let Some(items) = read.snapshot.$field {
                if snapshot.$field.is_none() {
                    used.push(format!("{} {}", items.len(), $part.describe()));
                    snapshot.$field = Some(items);
                }
            }
        };
    }
    take!(devlinks, SnapshotPart::Devlinks);
    take!(deferred, SnapshotPart::Deferred);
    take!(devices, SnapshotPart::Devices);
    take!(waiting_for_supplier, SnapshotPart::WaitingForSupplier);
    take!(iommu_groups, SnapshotPart::IommuGroups);
    take!(iommu_instances, SnapshotPart::IommuInstances);
    if let Some(tree) = read.device_tree {
        match used_input(boot, InputKind::DeviceTree) {
            None if boot.device_tree.is_none() => {
                used.push(format!("device tree ({} nodes)", tree.nodes.len()));
                boot.device_tree = Some(tree);
            }
            other => used.push(format!(
                "its device tree not used (already read from {})",
                other.unwrap_or_else(|| "another sysfs tree".to_string())
            )),
        }
    }
    boot.errors.extend(read.errors);
    boot.notes.extend(read.notes);
    let note = if used.is_empty() {
        "nothing usable found".to_string()
    } else {
        used.join(", ")
    };
    record(boot, display, InputKind::SysfsRoot, Some(&label), Some(note));
    read.missing
        .into_iter()
        .map(|(part, note)| (label.clone(), part, note))
        .collect()
}

/// Reads the directory form of a device tree (`/sys/firmware/devicetree/base`, or a copy).
pub fn ingest_devicetree_directory(boot: &mut BootInputs, dir: &Path, display: &str) {
    if let Some(other) = used_input(boot, InputKind::DeviceTree) {
        let note = format!("device tree already read from {other}");
        record(boot, display, InputKind::Unused, None, Some(note));
        return;
    }
    let (tree, problems, notes) = sysfs::read_devicetree_directory(dir, display);
    let note = format!("{} nodes (directory form)", tree.nodes.len());
    boot.device_tree = Some(tree);
    boot.errors.extend(problems);
    boot.notes.extend(notes);
    record(boot, display, InputKind::DeviceTree, None, Some(note));
}

/// Where a planned input's bytes come from.
enum Source {
    Path(PathBuf),
    Stdin(Box<dyn BufRead>),
}

struct Planned {
    display: String,
    source: Source,
    kind: InputKind,
    moment: Option<String>,
}

/// The order inputs are read in: boot-wide inputs (so a named DTB wins over a tree's), then
/// sysfs trees (so they win over dumps of the same moment), then dumps, then logs.
fn phase(kind: InputKind) -> u8 {
    match kind {
        InputKind::DeviceTree
        | InputKind::Cmdline
        | InputKind::Modules
        | InputKind::KernelConfig
        | InputKind::KernelRelease => 0,
        InputKind::SysfsRoot => 1,
        InputKind::KernelLog => 3,
        _ => 2,
    }
}

fn display_of(path: &Path) -> String {
    path.display().to_string()
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| display_of(path))
}

/// Reads everything `spec` names into one boot's inputs.
///
/// `Err` only for usage problems: no inputs, a path that does not exist, `--sysfs-root` on a
/// file, a directory holding nothing recognisable (and nothing that failed to read). Problems
/// inside inputs are in `errors` of the result; a result that [`BootInputs::is_empty`] must be
/// reported as an error by the caller.
pub fn gather(spec: &InputSpec) -> Result<BootInputs> {
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
        .unwrap_or_default();

    plan.sort_by_key(|p| phase(p.kind));
    let mut pending_notes: Vec<PendingNote> = Vec::new();
    for planned in plan {
        pending_notes.extend(execute(&mut boot, planned)?);
    }
    finish(&mut boot, pending_notes);
    Ok(boot)
}

fn no_such_path(path: &Path) -> Error {
    Error::Usage(format!("{}: no such file or directory", path.display()))
}

/// Plans the inputs named by flag: their kind is given, their moment is in their name.
fn plan_flagged(spec: &InputSpec, plan: &mut Vec<Planned>) -> Result<()> {
    let flagged = spec
        .dmesg
        .iter()
        .map(|p| (p, InputKind::KernelLog))
        .chain(spec.devlink.iter().map(|p| (p, InputKind::Devlink)))
        .chain(spec.deferred.iter().map(|p| (p, InputKind::DevicesDeferred)))
        .chain(spec.dtb.iter().map(|p| (p, InputKind::DeviceTree)))
        .chain(spec.cmdline.iter().map(|p| (p, InputKind::Cmdline)))
        .chain(spec.modules.iter().map(|p| (p, InputKind::Modules)))
        .chain(spec.kconfig.iter().map(|p| (p, InputKind::KernelConfig)))
        .chain(spec.sysfs_root.iter().map(|p| (p, InputKind::SysfsRoot)));
    for (path, kind) in flagged {
        if path.as_os_str() == "-" {
            plan.push(Planned {
                display: "<stdin>".to_string(),
                source: Source::Stdin(open_input(path)?),
                kind,
                moment: None,
            });
            continue;
        }
        if !path.exists() {
            return Err(no_such_path(path));
        }
        let wants_dir = matches!(kind, InputKind::SysfsRoot | InputKind::DeviceTree);
        if path.is_dir() && !wants_dir {
            return Err(Error::Usage(format!(
                "{}: is a directory (name it as a positional input, or --sysfs-root)",
                path.display()
            )));
        }
        if kind == InputKind::SysfsRoot && !path.is_dir() {
            return Err(Error::Usage(format!(
                "{}: --sysfs-root needs a directory laid out like /sys",
                path.display()
            )));
        }
        plan.push(Planned {
            display: display_of(path),
            source: Source::Path(path.clone()),
            kind,
            moment: moment_of_name(&file_name_of(path)),
        });
    }
    Ok(())
}

/// Plans a positional input: standard input or a file recognised by content, or a directory.
fn plan_positional(path: &Path, boot: &mut BootInputs, plan: &mut Vec<Planned>) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut reader = open_input(path)?;
        let mut head = Vec::new();
        (&mut reader)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io("<stdin>", e))?;
        let kind = recognise(&head);
        let joined: Box<dyn BufRead> = Box::new(BufReader::new(Cursor::new(head).chain(reader)));
        match kind {
            Some(kind) => plan.push(Planned {
                display: "<stdin>".to_string(),
                source: Source::Stdin(joined),
                kind,
                moment: None,
            }),
            None => {
                boot.errors
                    .push(InputError::new("<stdin>", Position::File, EXPECTED_INPUTS));
                let note = Some("not recognised".to_string());
                record(boot, "<stdin>", InputKind::Unused, None, note);
            }
        }
        return Ok(());
    }
    if !path.exists() {
        return Err(no_such_path(path));
    }
    if path.is_dir() {
        return plan_directory(path, boot, plan);
    }
    let display = display_of(path);
    match recognise_path(path) {
        Ok(Some(kind)) => plan.push(Planned {
            display,
            source: Source::Path(path.to_path_buf()),
            kind,
            moment: moment_of_name(&file_name_of(path)),
        }),
        Ok(None) => {
            boot.errors
                .push(InputError::new(display.clone(), Position::File, EXPECTED_INPUTS));
            let note = Some("not recognised".to_string());
            record(boot, &display, InputKind::Unused, None, note);
        }
        Err(error) => unreadable(boot, &display, &error.to_string()),
    }
    Ok(())
}

fn unreadable(boot: &mut BootInputs, display: &str, why: &str) {
    boot.errors
        .push(InputError::new(display, Position::File, "a readable file").found(why));
    let note = Some("not readable".to_string());
    record(boot, display, InputKind::Unused, None, note);
}

/// Reads one planned input into the boot; returns notes to add if a part stays missing.
fn execute(boot: &mut BootInputs, planned: Planned) -> Result<Vec<PendingNote>> {
    let Planned {
        display,
        source,
        kind,
        moment,
    } = planned;
    match (kind, source) {
        (InputKind::SysfsRoot, Source::Path(root)) => {
            return Ok(ingest_sysfs_root_deferring_notes(
                boot,
                &root,
                &display,
                moment.as_deref(),
            ));
        }
        (InputKind::DeviceTree, Source::Path(dir)) if dir.is_dir() => {
            ingest_devicetree_directory(boot, &dir, &display);
        }
        (InputKind::Bundle, Source::Path(path)) => ingest_bundle(boot, &path, &display)?,
        (_, Source::Path(path)) => match open_input(&path) {
            Ok(mut reader) => {
                ingest_file(
                    boot,
                    display.as_str().into(),
                    kind,
                    &mut *reader,
                    moment.as_deref(),
                )?;
            }
            Err(error) => unreadable(boot, &display, &error.to_string()),
        },
        (_, Source::Stdin(mut reader)) => {
            ingest_file(
                boot,
                display.as_str().into(),
                kind,
                &mut *reader,
                moment.as_deref(),
            )?;
        }
    }
    Ok(Vec::new())
}

/// Reads a bundle written by `probescope collect` (in memory, never extracted): each member as
/// an in-memory file, and the manifest's gaps as notes.
fn ingest_bundle(boot: &mut BootInputs, path: &Path, display: &str) -> Result<()> {
    let bundle = super::bundle::read_bundle(path)?;
    ingest_bundle_members(boot, &bundle, display)
}

/// Reads every member of a bundle (from a file, or collected into memory) into `boot`.
pub fn ingest_bundle_members(
    boot: &mut BootInputs,
    bundle: &super::bundle::Bundle,
    display: &str,
) -> Result<()> {
    record(boot, display, InputKind::Bundle, None, None);
    for member in &bundle.members {
        if member.name == "manifest.json" {
            continue;
        }
        ingest_named_bytes(boot, &format!("{display}:{}", member.name), &member.bytes)?;
    }
    for gap in bundle.manifest.gaps() {
        boot.notes.push(format!(
            "{display}: {} was not captured ({})",
            gap.item,
            gap.status.as_str()
        ));
    }
    Ok(())
}

/// Recognises a file on disk by its (decompressed) head, or, when empty, by its name.
fn recognise_path(path: &Path) -> Result<Option<InputKind>> {
    let head = read_limited(path, HEAD_BYTES as u64)?;
    Ok(recognise_named(&head, &file_name_of(path)))
}

/// Plans a directory: a sysfs root as one input, a capture folder as its recognised files
/// and sysfs-looking subdirectories.
fn plan_directory(dir: &Path, boot: &mut BootInputs, plan: &mut Vec<Planned>) -> Result<()> {
    let moment = moment_of_name(&file_name_of(dir));
    if sysfs::looks_like_sysfs_root(dir) {
        plan.push(Planned {
            display: display_of(dir),
            source: Source::Path(dir.to_path_buf()),
            kind: InputKind::SysfsRoot,
            moment,
        });
        return Ok(());
    }
    record(boot, &display_of(dir), InputKind::Directory, None, None);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let planned_before = plan.len();
    let errors_before = boot.errors.len();
    for entry in entries {
        let display = display_of(&entry);
        let name = file_name_of(&entry);
        // Symlinks are followed for files (a capture may link its pieces) but a directory
        // is searched only when it is one.
        if entry.is_dir() {
            if sysfs::looks_like_sysfs_root(&entry) {
                plan.push(Planned {
                    display,
                    source: Source::Path(entry.clone()),
                    kind: InputKind::SysfsRoot,
                    moment: moment_of_name(&name),
                });
            } else {
                record(
                    boot,
                    &display,
                    InputKind::Unused,
                    None,
                    Some("directory not searched (not a sysfs tree)".to_string()),
                );
            }
            continue;
        }
        if !entry.is_file() {
            let dangling = std::fs::symlink_metadata(&entry).is_ok_and(|m| m.file_type().is_symlink());
            if dangling {
                unreadable(boot, &display, "a symlink to nothing");
            }
            continue;
        }
        let recognised = match recognise_path(&entry) {
            Ok(kind) => kind,
            Err(error) => {
                unreadable(boot, &display, &error.to_string());
                continue;
            }
        };
        match recognised {
            Some(kind) => plan.push(Planned {
                display,
                source: Source::Path(entry.clone()),
                kind,
                moment: moment_of_name(&name),
            }),
            None => {
                let empty = std::fs::metadata(&entry).map(|m| m.len() == 0).unwrap_or(false);
                let note = if empty {
                    "empty file whose name does not say what it lists"
                } else {
                    "not recognised as kernel evidence"
                };
                record(boot, &display, InputKind::Unused, None, Some(note.to_string()));
            }
        }
    }
    // Nothing usable and nothing that failed to read: the user named the wrong directory.
    // (When files failed to read, those errors are in the boot for the caller to report.)
    if plan.len() == planned_before && boot.errors.len() == errors_before {
        return Err(InputError::new(display_of(dir), Position::File, EXPECTED_INPUTS).into());
    }
    Ok(())
}

/// Notes of what is missing, said once and plainly.
fn finish(boot: &mut BootInputs, pending: Vec<PendingNote>) {
    for (label, part, note) in pending {
        let filled = boot
            .snapshots
            .iter()
            .find(|s| s.label == label)
            .is_some_and(|s| part.is_filled(s));
        if !filled && !boot.notes.contains(&note) {
            boot.notes.push(note);
        }
    }
    let mentioned = |boot: &BootInputs, word: &str| boot.notes.iter().any(|n| n.contains(word));
    if boot.log.is_none() {
        boot.notes
            .push("no kernel log: probe order, deferrals and timing unavailable".to_string());
    }
    if boot.device_tree.is_none() && !mentioned(boot, "device tree") {
        boot.notes.push(
            "no device tree: DT-only IOMMU edges (iommus, iommu-map) and fw_devlink bindings unavailable"
                .to_string(),
        );
    }
    let any = |part: SnapshotPart| boot.snapshots.iter().any(|s| part.is_filled(s));
    if !any(SnapshotPart::Devlinks) && !mentioned(boot, "device links") {
        boot.notes
            .push("no /sys/class/devlink dump: device links unavailable".to_string());
    }
    if !any(SnapshotPart::Deferred) && !mentioned(boot, "devices_deferred") {
        boot.notes
            .push("no devices_deferred: the pending deferred-probe list is unknown".to_string());
    }
    if boot.cmdline.is_none() {
        boot.notes.push(
            "no kernel command line: fw_devlink and deferred_probe_timeout settings unknown".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind_by_content() {
        let cases: &[(&str, Option<InputKind>)] = &[
            (
                "/sys/class/devlink/platform:a--platform:b/status:active\n",
                Some(InputKind::Devlink),
            ),
            (
                "/sys/devices/platform/x/waiting_for_supplier:0\n",
                Some(InputKind::WaitingForSupplier),
            ),
            (
                "#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path\n",
                Some(InputKind::DeviceTable),
            ),
            (
                "group 0 type=DMA\n  device 0000:00:03.0 path=/sys/x\n",
                Some(InputKind::IommuGroups),
            ),
            (
                "/sys/kernel/iommu_groups/0/type:identity\n",
                Some(InputKind::IommuGroups),
            ),
            (
                "iommu smmu3.0x9050000 path=/sys/x parent=/sys/y\n",
                Some(InputKind::IommuClass),
            ),
            (
                "virtio_blk 28672 0 - Live 0xffffac9b50581000\n",
                Some(InputKind::Modules),
            ),
            (
                "#\n# Linux/arm64 6.1 Kernel Configuration\n#\nCONFIG_MODULES=y\n",
                Some(InputKind::KernelConfig),
            ),
            ("6.1.0-56-arm64\n", Some(InputKind::KernelRelease)),
            (
                "Linux (none) 6.1.0-56-arm64 #1 SMP Debian aarch64 GNU/Linux\n",
                Some(InputKind::KernelRelease),
            ),
            (
                "console=ttyAMA0 quiet fw_devlink.strict=1\n",
                Some(InputKind::Cmdline),
            ),
            ("console=ttyS0 quiet -- --init-flag x\n", Some(InputKind::Cmdline)),
            (
                "4010000000.pcie\tplatform: supplier 9050000.smmuv3 not ready\n",
                Some(InputKind::DevicesDeferred),
            ),
            (
                "0000:00:03.0\t\n0000:00:04.0\t\n",
                Some(InputKind::DevicesDeferred),
            ),
            ("2b600000.iommu\n", Some(InputKind::DevicesDeferred)),
            ("24.4\n", None),
            ("qemu-system-aarch64\n-M\nvirt\n", None),
            (
                "7f000000.sysmmu driver=exynos-sysmmu runtime_status=active control=auto\n\
                 7f010000.sysmmu driver=exynos-sysmmu runtime_status=active control=auto\n",
                None,
            ),
            ("/dts-v1/;\n\n/ {\n", None),
        ];
        for (text, expected) in cases {
            assert_eq!(recognise(text.as_bytes()), *expected, "{text:?}");
        }
        let mut dtb = dt::FDT_MAGIC.to_vec();
        dtb.extend_from_slice(&[0; 36]);
        assert_eq!(recognise(&dtb), Some(InputKind::DeviceTree));
    }

    #[test]
    fn empty_files_are_recognised_only_by_the_kernels_names() {
        assert_eq!(
            recognise_named(b"", "devices_deferred-final.txt"),
            Some(InputKind::DevicesDeferred)
        );
        assert_eq!(
            recognise_named(b"", "iommu_groups.txt"),
            Some(InputKind::IommuGroups)
        );
        assert_eq!(recognise_named(b"", "drivers.txt"), None);
        assert_eq!(recognise_named(b"", "notes-devlink.txt"), None);
        assert_eq!(recognise(b""), None);
    }

    #[test]
    fn moments_come_from_name_suffixes_and_sort() {
        assert_eq!(
            moment_of_name("devlink-before-timeout.txt").as_deref(),
            Some("before-timeout")
        );
        assert_eq!(
            moment_of_name("sysfs-after-timeout").as_deref(),
            Some("after-timeout")
        );
        assert_eq!(
            moment_of_name("devices_deferred-start.txt.gz").as_deref(),
            Some("start")
        );
        assert_eq!(
            moment_of_name("board-devlink-before.txt").as_deref(),
            Some("before")
        );
        assert_eq!(moment_of_name("devlink-final.txt"), None);
        assert_eq!(moment_of_name("devlink.txt"), None);
        assert_eq!(moment_of_name("sysfs"), None);
        assert_eq!(moment_of_name("devlink-t5.txt").as_deref(), Some("t5"));

        let mut labels = vec![
            "final",
            "t5",
            "after-timeout",
            "start",
            "before-timeout",
            "a-label",
        ];
        labels.sort_by_key(|l| moment_order(l));
        assert_eq!(
            labels,
            [
                "start",
                "before-timeout",
                "after-timeout",
                "a-label",
                "t5",
                "final"
            ]
        );
    }

    #[test]
    fn the_richest_copy_of_the_kernel_log_is_kept() {
        assert!(better_log((LogFormat::Kmsg, 800), (LogFormat::Text, 900)));
        assert!(!better_log((LogFormat::Text, 1000), (LogFormat::Kmsg, 800)));
        assert!(better_log((LogFormat::Text, 1000), (LogFormat::Text, 900)));
        assert!(!better_log((LogFormat::Kmsg, 800), (LogFormat::Kmsg, 800)));
        assert!(better_log((LogFormat::JournalJson, 1), (LogFormat::DmesgJson, 9)));

        let info = |path: &str, kind: InputKind, note: Option<String>| InputInfo {
            path: path.to_string(),
            kind,
            moment: None,
            note,
        };
        let mut inputs = vec![
            info(
                "dmesg.txt",
                InputKind::KernelLog,
                Some("Text, 900 records".into()),
            ),
            info(
                "console.log",
                InputKind::Unused,
                Some(format!(
                    "{LOG_COPY} (Text, 500 records); dmesg.txt used (Text, 900 records)"
                )),
            ),
            info("devlink.txt", InputKind::Devlink, None),
        ];
        let previous = ("dmesg.txt".to_string(), "Text, 900 records".to_string());
        retire_log(&mut inputs, &previous, ("kmsg.txt", "Kmsg, 800 records"));
        assert_eq!(inputs[0].kind, InputKind::Unused);
        assert_eq!(
            inputs[0].note.as_deref(),
            Some("another copy of the boot's kernel log (Text, 900 records); kmsg.txt used (Kmsg, 800 records)")
        );
        assert_eq!(
            inputs[1].note.as_deref(),
            Some("another copy of the boot's kernel log (Text, 500 records); kmsg.txt used (Kmsg, 800 records)")
        );
        assert_eq!(inputs[2].kind, InputKind::Devlink);
    }

    #[test]
    fn ingest_named_bytes_reads_a_member_by_content() {
        let mut boot = BootInputs::default();
        ingest_named_bytes(
            &mut boot,
            "bundle/devlink-before-timeout.txt",
            b"/sys/class/devlink/platform:a--platform:b/status:dormant\n",
        )
        .unwrap();
        ingest_named_bytes(&mut boot, "bundle/devices_deferred.txt", b"").unwrap();
        assert_eq!(boot.snapshots.len(), 2);
        assert_eq!(boot.snapshots[0].label, "before-timeout");
        assert_eq!(boot.snapshots[1].label, "final");
        assert_eq!(boot.snapshots[1].deferred.as_ref().map(Vec::len), Some(0));
    }
}
