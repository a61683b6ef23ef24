//! The bundle builder: asks a [`Target`] for one boot's evidence and writes it in the bundle
//! layout (the corpus capture formats), with one manifest item per piece of evidence.
//!
//! The SSH script (`collect.sh`) gathers exactly what this builder and the sysfs readers
//! (`ingest::sysfs::readers`) ask for; they are kept in step by the tests that read the same
//! tree as a folder, locally and through the script (`tests/it/collect_sources.rs`), and that
//! collect it locally and over SSH and compare the bundles.

use super::listings::{self, part_status};
use super::target::{DeferredRead, LogAttempt, Read, RegisterRange, Target};
use crate::ingest::bundle::{sha256_hex, BundleMember, ItemStatus, ManifestItem};
use crate::ingest::sysfs::layout::{
    ACPI_IOMMU_TABLES, ACPI_TABLES, DEVLINK_CLASS, FDT, IOMMU_CLASS, IOMMU_GROUPS,
};
use crate::ingest::sysfs::{readers, Part};

/// What was collected, before it becomes a bundle.
#[derive(Debug, Default)]
pub struct Collected {
    pub members: Vec<BundleMember>,
    pub items: Vec<ManifestItem>,
    pub notes: Vec<String>,
    pub kernel_release: Option<String>,
}

/// What collection should read beyond the defaults.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub mount_debugfs: bool,
    pub register_windows: Vec<RegisterRange>,
}

/// Reads everything `plan` calls for from `target`. `step` is told the name of each item as
/// it starts (for a progress display).
pub fn collect(target: &mut dyn Target, plan: &Plan, step: &mut dyn FnMut(&str)) -> Collected {
    let mut out = Collected::default();

    step("kernel log");
    let attempts = target.kernel_log();
    kernel_log(&mut out, attempts);

    // The sysfs parts are read by the same typed readers as a sysfs folder, and written in the
    // capture formats the bundle reader parses.
    let mut left_out = 0;
    step("device links");
    let part = readers::devlinks(target);
    left_out += out.composed(
        "devlink",
        DEVLINK_CLASS,
        "devlink.txt",
        part,
        listings::devlink_dump,
    );

    step("devices_deferred");
    let deferred = target.devices_deferred(plan.mount_debugfs);
    devices_deferred(&mut out, deferred);

    step("waiting_for_supplier");
    let part = readers::waiting_for_supplier(target);
    left_out += out.composed(
        "waiting-for-supplier",
        "/sys/devices/**/waiting_for_supplier",
        "waiting_for_supplier.txt",
        part,
        listings::waiting_for_supplier,
    );

    step("device table");
    let part = readers::devices(target);
    left_out += out.composed(
        "device-table",
        "/sys/bus/*/devices",
        "drivers.txt",
        part,
        listings::device_table,
    );

    step("IOMMU groups");
    let part = readers::iommu_groups(target);
    left_out += out.composed(
        "iommu-groups",
        IOMMU_GROUPS,
        "iommu_groups.txt",
        part,
        listings::iommu_groups,
    );

    step("IOMMU instances");
    let part = readers::iommu_instances(target);
    left_out += out.composed(
        "iommu-class",
        IOMMU_CLASS,
        "iommu_class.txt",
        part,
        listings::iommu_class,
    );

    step("device tree, cmdline, modules, config");
    for (item, path, member, absent_note) in [
        (
            "device-tree",
            FDT,
            "fdt.dtb",
            "no flattened device tree (an ACPI or non-DT system?)",
        ),
        ("cmdline", "/proc/cmdline", "cmdline.txt", ""),
        (
            "modules",
            "/proc/modules",
            "modules.txt",
            "no /proc/modules (a kernel without module support?)",
        ),
        (
            "kernel-config",
            "/proc/config.gz",
            "config.gz",
            "no /proc/config.gz (kernel built without CONFIG_IKCONFIG_PROC)",
        ),
    ] {
        let read = target.read_file(path);
        out.file(item, path, member, read, absent_note);
    }

    step("ACPI IOMMU tables");
    for signature in ACPI_IOMMU_TABLES {
        let path = format!("{ACPI_TABLES}/{signature}");
        let read = target.read_file(&path);
        let member = format!("acpi/{signature}");
        let absent = format!("no ACPI {signature} table (a device-tree machine, or no such IOMMU)");
        out.file(&format!("acpi-table:{signature}"), &path, &member, read, &absent);
    }

    step("kernel release");
    kernel_release(&mut out, target);

    for window in &plan.register_windows {
        step(&format!("SysMMU registers {}", window.name));
        let read = target.register_window(window);
        register_window(&mut out, window, read);
    }

    if left_out > 0 {
        out.notes.push(format!(
            "{left_out} sysfs entries were left out because their names hold a newline or are not UTF-8"
        ));
    }
    out
}

impl Collected {
    fn add_member(&mut self, mut item: ManifestItem, name: &str, bytes: Vec<u8>) {
        item.file = Some(name.to_string());
        item.size = Some(bytes.len() as u64);
        item.sha256 = Some(sha256_hex(&bytes));
        self.items.push(item);
        self.members.push(BundleMember {
            name: name.to_string(),
            bytes,
        });
    }

    /// A single file copied as it is.
    fn file(&mut self, item: &str, source: &str, member: &str, read: Read<Vec<u8>>, absent_note: &str) {
        let mut entry = item_entry(item, source, ItemStatus::Ok);
        match read {
            Read::Ok(bytes) => return self.add_member(entry, member, bytes),
            Read::Missing => {
                entry.status = ItemStatus::Missing;
                if !absent_note.is_empty() {
                    entry.note = Some(absent_note.to_string());
                }
            }
            Read::Denied => {
                entry.status = ItemStatus::PermissionDenied;
                entry.note = Some(format!("{source} is readable by root only; collect as root"));
            }
            Read::Failed(why) => {
                entry.status = ItemStatus::Error;
                entry.note = Some(why);
            }
        }
        self.items.push(entry);
    }

    /// A listing built by a typed reader from many reads below `source`; returns how many
    /// entries it left out for their names.
    fn composed<T>(
        &mut self,
        item: &str,
        source: &str,
        member: &str,
        part: Part<T>,
        write: fn(&[T]) -> Vec<u8>,
    ) -> u64 {
        // A value the kernel would not write is left out of the listing; say so.
        self.notes.extend(
            part.errors
                .iter()
                .map(|error| format!("{error}; left out of {member}")),
        );
        if let Some(cut) = &part.account.cut_short {
            self.notes.push(format!("{item}: {cut}"));
        }
        let entry = item_entry(item, source, ItemStatus::Ok);
        let (status, note) = part_status(&part.account);
        let root_unreadable = part.account.root.is_some();
        match status {
            ItemStatus::Missing | ItemStatus::PermissionDenied if root_unreadable => {
                self.items.push(ManifestItem {
                    status,
                    note,
                    ..entry
                })
            }
            status => {
                let bytes = write(part.records.as_deref().unwrap_or_default());
                self.add_member(
                    ManifestItem {
                        status,
                        note,
                        ..entry
                    },
                    member,
                    bytes,
                )
            }
        }
        part.account.left_out
    }
}

fn item_entry(item: &str, source: &str, status: ItemStatus) -> ManifestItem {
    ManifestItem {
        item: item.to_string(),
        source: source.to_string(),
        status,
        file: None,
        size: None,
        sha256: None,
        note: None,
    }
}

fn kernel_log(out: &mut Collected, attempts: Vec<LogAttempt>) {
    let mut tried = Vec::new();
    let mut any_denied = false;
    let mut any_failed = false;
    for attempt in attempts {
        let source = attempt.method.source();
        match attempt.read {
            Read::Ok(bytes) if !bytes.is_empty() => {
                let mut entry = item_entry("kernel-log", source, ItemStatus::Ok);
                if !tried.is_empty() {
                    entry.note = Some(format!("read with {source}; {}", tried.join("; ")));
                }
                return out.add_member(entry, attempt.method.member(), bytes);
            }
            Read::Ok(_) => {
                any_failed = true;
                tried.push(format!("{source}: empty"));
            }
            Read::Missing => tried.push(format!("{source}: missing")),
            Read::Denied => {
                any_denied = true;
                tried.push(format!("{source}: permission denied"));
            }
            Read::Failed(why) => {
                any_failed = true;
                tried.push(format!("{source}: {why}"));
            }
        }
    }
    let status = if any_denied {
        ItemStatus::PermissionDenied
    } else if any_failed {
        ItemStatus::Error
    } else {
        ItemStatus::Missing
    };
    let mut note = tried.join("; ");
    if any_denied {
        note.push_str(" (the kernel restricts its log to root: kernel.dmesg_restrict=1; collect as root)");
    }
    let mut entry = item_entry("kernel-log", "/dev/kmsg", status);
    entry.note = (!note.is_empty()).then_some(note);
    out.items.push(entry);
}

fn devices_deferred(out: &mut Collected, read: DeferredRead) {
    const SOURCE: &str = "/sys/kernel/debug/devices_deferred";
    let mut entry = item_entry("devices-deferred", SOURCE, ItemStatus::Ok);
    let mounted_by_us = matches!(read.mounted, Some(Ok(())));
    let mut notes = Vec::new();
    if mounted_by_us {
        notes.push(match &read.unmounted {
            Some(Ok(())) | None => "debugfs was mounted for the capture and unmounted after".to_string(),
            Some(Err(why)) => format!("debugfs was mounted for the capture; unmounting it failed: {why}"),
        });
    }
    let bytes = match read.file {
        Read::Ok(bytes) => Some(bytes),
        Read::Denied => {
            entry.status = ItemStatus::PermissionDenied;
            notes.push("debugfs is readable by root only; collect as root".into());
            None
        }
        Read::Failed(why) => {
            entry.status = ItemStatus::Error;
            notes.push(why);
            None
        }
        Read::Missing if mounted_by_us => {
            entry.status = ItemStatus::Missing;
            notes.push("this kernel's debugfs has no devices_deferred".into());
            None
        }
        Read::Missing => {
            let (status, note) = match read.mount_point {
                Read::Missing => (
                    ItemStatus::NotMounted,
                    "the target has no /sys/kernel/debug (a kernel without CONFIG_DEBUG_FS?)".to_string(),
                ),
                Read::Denied => (
                    ItemStatus::PermissionDenied,
                    "debugfs is mounted but readable by root only; collect as root".to_string(),
                ),
                Read::Failed(why) => (ItemStatus::Error, why),
                Read::Ok(entries) if entries.is_empty() => (
                    ItemStatus::NotMounted,
                    match &read.mounted {
                        Some(Err(why)) => format!("debugfs is not mounted and mounting it failed: {why}"),
                        _ => "debugfs is not mounted; rerun with --mount-debugfs (as root), or mount it: \
                              mount -t debugfs none /sys/kernel/debug"
                            .to_string(),
                    },
                ),
                Read::Ok(_) => (
                    ItemStatus::Missing,
                    "debugfs is mounted but this kernel has no devices_deferred".to_string(),
                ),
            };
            entry.status = status;
            notes.push(note);
            None
        }
    };
    entry.note = (!notes.is_empty()).then(|| notes.join("; "));
    match bytes {
        Some(bytes) => out.add_member(entry, "devices_deferred.txt", bytes),
        None => out.items.push(entry),
    }
}

fn kernel_release(out: &mut Collected, target: &mut dyn Target) {
    let from_proc = target.read_file("/proc/sys/kernel/osrelease");
    let (source, read) = match from_proc {
        Read::Ok(bytes) => ("/proc/sys/kernel/osrelease", Read::Ok(bytes)),
        other => match target.uname_release() {
            Read::Ok(text) => ("uname -r", Read::Ok(text.into_bytes())),
            Read::Missing => ("/proc/sys/kernel/osrelease", other),
            failed => ("uname -r", failed.into_bytes()),
        },
    };
    if let Read::Ok(bytes) = &read {
        out.kernel_release = first_line(bytes);
    }
    let read = match read {
        Read::Ok(_) => match &out.kernel_release {
            Some(release) => Read::Ok(format!("{release}\n").into_bytes()),
            None => Read::Failed("empty".into()),
        },
        other => other,
    };
    out.file("kernel-release", source, "uname.txt", read, "");
}

fn register_window(out: &mut Collected, window: &RegisterRange, read: Read<Vec<u8>>) {
    let source = format!("/dev/mem {:#x}+{:#x}", window.base, window.size);
    let bin_name = format!("{}.regs.bin", window.name);
    // The user asked for this window: its absence is a failure, not an optional file.
    let read = match read {
        Read::Missing => Read::Failed("no /dev/mem on the target (a kernel without CONFIG_DEVMEM?)".into()),
        other => other,
    };
    let ok = matches!(read, Read::Ok(_));
    out.file(
        &format!("sysmmu-regs:{}", window.name),
        &source,
        &format!("sysmmu/{bin_name}"),
        read,
        "",
    );
    if ok {
        let info = serde_json::json!({
            "sfr_base": format!("{:#x}", window.base),
            "size": window.size,
            "file": bin_name,
        });
        let mut bytes = serde_json::to_vec_pretty(&info).unwrap_or_default();
        bytes.push(b'\n');
        out.add_member(
            item_entry(&format!("sysmmu-window:{}", window.name), &source, ItemStatus::Ok),
            &format!("sysmmu/{}.regs.json", window.name),
            bytes,
        );
    }
}

/// The first line of `bytes`, trimmed; `None` when empty or not UTF-8.
pub(super) fn first_line(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}
