//! Reading planned inputs into one boot's [`BootInputs`]: each file parsed by its format's
//! module into the snapshot of its moment or into the boot-wide slots, sysfs trees and bundles
//! taken apart, and what is missing said once at the end.
//!
//! Precedence: a sysfs tree and text dumps of the same moment: each snapshot part (device
//! links, devices_deferred, devices, ...) comes from the tree when the tree has it; a dump of a
//! part the tree already gave is listed as unused, a dump of a part the tree lacks fills it.
//! Boot-wide inputs (device tree, command line, modules, config, release): the first one read
//! is used (a `--dtb` or DTB file before a sysfs tree's `firmware/fdt`). Kernel log copies:
//! see `log_choice`.
//!
//! Long because: one reader per input kind (snapshot parts, boot-wide files, sysfs trees, ACPI
//! tables, bundles) beside the precedence rules above, which every reader applies the same way.

use super::log_choice::offer_log;
use super::moments::{moment_label, moment_of_name, snapshot_mut};
use super::plan::{Planned, Source};
use super::recognise::{head_is_whole, recognise_named, HEAD_BYTES};
use crate::error::{Error, InputError, Location, Result};
use crate::ingest::deferred::parse_devices_deferred;
use crate::ingest::open::open_input;
use crate::ingest::sysfs::{self, SnapshotPart};
use crate::ingest::{bundle, context, devlink, dt, listing, log, open};
use crate::ingest::{BootInputs, InputInfo, InputKind, Snapshot};
use crate::model::SourceName;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

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

pub(super) fn record(
    boot: &mut BootInputs,
    path: &str,
    kind: InputKind,
    moment: Option<&str>,
    note: Option<String>,
) {
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
        // Looked up, not created: a part that reads as nothing must leave no snapshot behind.
        let filled = boot
            .snapshots
            .iter()
            .find(|s| s.label == label)
            .is_some_and(|s| part.is_filled(s));
        if filled {
            let from = supplier_of(boot, &label, part);
            let note = format!(
                "{} for moment `{label}` already read from {from}",
                part.describe()
            );
            record(boot, &path, InputKind::Unused, Some(&label), Some(note));
            return Ok(());
        }
        // A read error (a truncated .gz) keeps what was read before it: the readable rest
        // is still evidence.
        let mut bytes = Vec::new();
        if let Err(error) = reader.read_to_end(&mut bytes) {
            boot.errors
                .push(InputError::new(&*source, Location::File, "a readable file").found(error.to_string()));
        }
        let mut read = Snapshot::default();
        let (errors, count) = read_part(part, &source, &mut bytes.as_slice(), &mut read);
        boot.errors.extend(errors);
        // An empty listing says "none" (nothing deferred); text that holds none of the kind's
        // lines says the input is not what it was named as (`--deferred page.html`).
        let blank = bytes.iter().all(u8::is_ascii_whitespace);
        if count == 0 && !blank {
            let first = String::from_utf8_lossy(&bytes)
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(|l| l.chars().take(80).collect::<String>())
                .unwrap_or_default();
            let expected = format!("{} lines", part.describe());
            boot.errors
                .push(InputError::new(&*source, Location::File, &expected).found(first));
            let note = format!("no {} in it", part.describe());
            record(boot, &path, InputKind::Unused, Some(&label), Some(note));
            return Ok(());
        }
        move_part(part, &mut read, snapshot_mut(boot, &label));
        let note = format!("{count} {}", part.describe());
        record(boot, &path, kind, Some(&label), Some(note));
        return Ok(());
    }
    match kind {
        InputKind::KernelLog => ingest_log(boot, source.clone(), log::read_log_events(source, reader)),
        InputKind::AcpiTable => {
            let mut bytes = Vec::new();
            let cap = crate::limits::current().small_file_bytes;
            let read = reader.take(cap.saturating_add(1)).read_to_end(&mut bytes);
            if bytes.len() as u64 > cap {
                bytes.truncate(cap as usize);
                boot.notes
                    .push(crate::limits::cap_hit(&source, "small-file-bytes"));
            }
            if let Err(e) = read {
                boot.errors
                    .push(InputError::new(&*source, Location::File, "a readable file").found(e.to_string()));
                record(
                    boot,
                    &path,
                    InputKind::Unused,
                    None,
                    Some("not readable".to_string()),
                );
                return Ok(());
            }
            let note = merge_acpi_table(&mut boot.acpi, &source, &bytes, &mut boot.errors);
            let used = if note.is_ok() { kind } else { InputKind::Unused };
            record(boot, &path, used, None, Some(note.unwrap_or_else(|e| e)));
        }
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

/// Offers a kernel log read into `boot` as its log (see `log_choice`), or says why it was
/// not readable.
pub(super) fn ingest_log(
    boot: &mut BootInputs,
    source: SourceName,
    read: std::result::Result<crate::ingest::LogData, InputError>,
) {
    match read {
        Ok(data) => offer_log(boot, data),
        Err(error) => {
            boot.errors.push(error);
            let note = Some("not readable as a kernel log".to_string());
            record(boot, &source, InputKind::Unused, None, note);
        }
    }
}

/// Reads a boot-wide input into `boot`. `Ok` holds a note on what was read; `Err` says why
/// the input was not used (its errors are already in `boot.errors`).
fn ingest_boot_wide(
    boot: &mut BootInputs,
    source: &SourceName,
    kind: InputKind,
    reader: &mut dyn BufRead,
) -> Result<Option<String>, String> {
    let (limit, cap_name) = match kind {
        InputKind::DeviceTree => (crate::limits::current().dt_bytes, "dt-bytes"),
        _ => (crate::limits::current().small_file_bytes, "small-file-bytes"),
    };
    let read_all = |boot: &mut BootInputs, reader: &mut dyn BufRead| {
        let mut bytes = Vec::new();
        match reader.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
            Ok(_) => {
                if bytes.len() as u64 > limit {
                    bytes.truncate(limit as usize);
                    boot.notes.push(crate::limits::cap_hit(source, cap_name));
                }
                Ok(bytes)
            }
            Err(e) => {
                boot.errors
                    .push(InputError::new(&**source, Location::File, "a readable file").found(e.to_string()));
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
                            Location::Line(1),
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

/// Moves one part of a snapshot read alone into the moment's snapshot.
fn move_part(part: SnapshotPart, from: &mut Snapshot, to: &mut Snapshot) {
    match part {
        SnapshotPart::Devlinks => to.devlinks = from.devlinks.take(),
        SnapshotPart::Deferred => to.deferred = from.deferred.take(),
        SnapshotPart::Devices => to.devices = from.devices.take(),
        SnapshotPart::WaitingForSupplier => to.waiting_for_supplier = from.waiting_for_supplier.take(),
        SnapshotPart::IommuGroups => to.iommu_groups = from.iommu_groups.take(),
        SnapshotPart::IommuInstances => to.iommu_instances = from.iommu_instances.take(),
    }
}

pub(super) fn used_input(boot: &BootInputs, kind: InputKind) -> Option<String> {
    boot.inputs
        .iter()
        .find(|i| i.kind == kind)
        .map(|i| i.path.clone())
}

/// Reads a file held in memory (a bundle member, for instance): recognised by content (an
/// empty one by its `devices_deferred*` name), its moment taken from its name.
pub fn ingest_named_bytes(boot: &mut BootInputs, name: &str, bytes: &[u8]) -> Result<()> {
    ingest_bytes_named_as(boot, name, name.rsplit('/').next().unwrap_or(name), bytes)
}

/// [`ingest_named_bytes`], recognised by `file_name` and cited as `name`: a bundle's member is
/// cited as `bundle.tar.gz:kmsg.txt` but known by its own name, as it is once unpacked.
fn ingest_bytes_named_as(boot: &mut BootInputs, name: &str, file_name: &str, bytes: &[u8]) -> Result<()> {
    let mut reader = open::decompressing(Cursor::new(bytes)).map_err(|e| Error::io(name, e))?;
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

pub(super) type PendingNote = (String, SnapshotPart, String);

fn ingest_sysfs_root_deferring_notes(
    boot: &mut BootInputs,
    root: &Path,
    display: &str,
    moment: Option<&str>,
) -> Vec<PendingNote> {
    let read = sysfs::read_sysfs_root(root, display);
    ingest_sysfs_read(boot, read, display, moment)
}

/// [`ingest_sysfs_root_deferring_notes`] for a tree already read (see `execute`'s `pre_read`).
fn ingest_sysfs_read(
    boot: &mut BootInputs,
    read: sysfs::SysfsRead,
    display: &str,
    moment: Option<&str>,
) -> Vec<PendingNote> {
    let label = moment_label(moment);
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
    for (source, bytes) in &read.acpi_tables {
        match merge_acpi_table(&mut boot.acpi, source, bytes, &mut boot.errors) {
            Ok(note) => used.push(note),
            Err(note) => used.push(format!("{source}: {note}")),
        }
    }
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

pub(super) fn unreadable(boot: &mut BootInputs, display: &str, why: &str) {
    boot.errors
        .push(InputError::new(display, Location::File, "a readable file").found(why));
    let note = Some("not readable".to_string());
    record(boot, display, InputKind::Unused, None, note);
}

/// Reads one planned input into the boot; returns notes to add if a part stays missing.
pub(super) fn execute(boot: &mut BootInputs, planned: Planned) -> Result<Vec<PendingNote>> {
    let Planned {
        display,
        source,
        kind,
        moment,
        log_head,
        head,
    } = planned;
    match (kind, source) {
        (InputKind::SysfsRoot, Source::Tree(_, tree)) => {
            return Ok(ingest_sysfs_read(boot, *tree, &display, moment.as_deref()));
        }
        (InputKind::SysfsRoot, Source::Path(root)) => {
            let tree = sysfs::read_sysfs_root(&root, &display);
            return Ok(ingest_sysfs_read(boot, tree, &display, moment.as_deref()));
        }
        (InputKind::DeviceTree, Source::Path(dir)) if dir.is_dir() => {
            ingest_devicetree_directory(boot, &dir, &display);
        }
        (InputKind::Bundle, Source::Path(path)) => ingest_bundle(boot, &path, &display)?,
        (_, source) => {
            let opened = match (source, head) {
                // Read whole already (decompressed) to be recognised: not opened again.
                (Source::Path(_) | Source::Tree(..), Some(head)) if head_is_whole(&head) => {
                    Ok(Box::new(std::io::Cursor::new(head)) as Box<dyn std::io::BufRead + Send>)
                }
                (Source::Path(path) | Source::Tree(path, _), _) => open_input(&path),
                (Source::Reader(reader), _) => Ok(reader),
            };
            match opened {
                Ok(mut reader) => match (kind, log_head) {
                    (InputKind::KernelLog, Some(head)) => {
                        let read = log::read_log_events_sniffed(display.as_str().into(), &mut *reader, head);
                        ingest_log(boot, display.as_str().into(), read);
                    }
                    _ => ingest_file(
                        boot,
                        display.as_str().into(),
                        kind,
                        &mut *reader,
                        moment.as_deref(),
                    )?,
                },
                Err(error) => unreadable(boot, &display, &error.to_string()),
            }
        }
    }
    Ok(Vec::new())
}

/// Reads a bundle written by `probescope collect` (in memory, never extracted): each member as
/// an in-memory file, and the manifest's gaps as notes.
fn ingest_bundle(boot: &mut BootInputs, path: &Path, display: &str) -> Result<()> {
    let bundle = bundle::read_bundle(path)?;
    ingest_bundle_members(boot, &bundle, display)
}

/// Reads every member of a bundle (from a file, or collected into memory) into `boot`.
pub fn ingest_bundle_members(boot: &mut BootInputs, bundle: &bundle::Bundle, display: &str) -> Result<()> {
    record(boot, display, InputKind::Bundle, None, None);
    for member in &bundle.members {
        if member.name == "manifest.json" {
            continue;
        }
        let file_name = member.name.rsplit('/').next().unwrap_or(&member.name);
        ingest_bytes_named_as(
            boot,
            &format!("{display}:{}", member.name),
            file_name,
            &member.bytes,
        )?;
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

/// Notes of what is missing, said once and plainly.
pub(super) fn finish(boot: &mut BootInputs, pending: Vec<PendingNote>) {
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
    let missing = missing_notes(boot);
    boot.notes.extend(missing);
}

/// The notes of what `boot` lacks (no kernel log, device tree, device links, devices_deferred,
/// command line), each unless a note already says it. For a log of several boots, the command
/// line is the last boot's (the boot these inputs stay with); `pipeline::split_boots` asks
/// again for each earlier boot.
pub fn missing_notes(boot: &BootInputs) -> Vec<String> {
    let mut notes = Vec::new();
    let mentioned = |word: &str| boot.notes.iter().any(|n| n.contains(word));
    if boot.log.is_none() {
        notes.push("no kernel log: probe order, deferrals and timing unavailable".to_string());
    }
    if boot.device_tree.is_none() && !mentioned("device tree") {
        notes.push(
            "no device tree: DT-only IOMMU edges (iommus, iommu-map) and fw_devlink bindings unavailable"
                .to_string(),
        );
    }
    let any = |part: SnapshotPart| boot.snapshots.iter().any(|s| part.is_filled(s));
    if !any(SnapshotPart::Devlinks) && !mentioned("device links") {
        notes.push("no /sys/class/devlink dump: device links unavailable".to_string());
    }
    if !any(SnapshotPart::Deferred) && !mentioned("devices_deferred") {
        notes.push("no devices_deferred: the pending deferred-probe list is unknown".to_string());
    }
    // The log's own `Kernel command line:` is the command line too.
    let log_has_cmdline = boot.log.as_ref().is_some_and(|log| match log.boots.last() {
        Some(span) => span.command_line.is_some(),
        None => log.command_line.is_some(),
    });
    if boot.cmdline.is_none() && !log_has_cmdline {
        notes.push(
            "no kernel command line: fw_devlink and deferred_probe_timeout settings unknown".to_string(),
        );
    }
    notes
}

/// Adds one raw ACPI table's routes, unless a table with its signature was read already.
/// `Ok` says what was read, `Err` why the table was not used.
fn merge_acpi_table(
    acpi: &mut crate::model::acpi::AcpiFirmware,
    source: &SourceName,
    bytes: &[u8],
    errors: &mut Vec<InputError>,
) -> Result<String, String> {
    match crate::ingest::acpi::parse_table(source, bytes) {
        Ok((signature, _)) if acpi.tables.contains(&signature) => {
            Err(format!("ACPI table {signature} already read"))
        }
        Ok((signature, routes)) => {
            let note = format!("ACPI table {signature} ({} IOMMU routes)", routes.len());
            acpi.tables.push(signature);
            acpi.routes.extend(routes);
            Ok(note)
        }
        Err(error) => {
            errors.push(error);
            Err("not readable as an ACPI table".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
