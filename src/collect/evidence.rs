//! The bundle builder: asks a [`Target`] for one boot's evidence and writes it in the bundle
//! layout (the corpus capture formats), with one manifest item per piece of evidence.
//!
//! The SSH script (`collect.sh`) gathers exactly what this builder asks for; the two are kept in
//! step by the tests that collect the same tree locally and over SSH and compare the bundles.

use super::target::{join, DeferredRead, DirEntry, EntryKind, LogAttempt, Read, RegisterWindow, Target};
use crate::ingest::bundle::{sha256_hex, BundleMember, ItemStatus, ManifestItem};

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
    pub register_windows: Vec<RegisterWindow>,
}

const DEVLINK_CLASS: &str = "/sys/class/devlink";
const BUS_ROOT: &str = "/sys/bus";
const IOMMU_GROUPS: &str = "/sys/kernel/iommu_groups";
const IOMMU_CLASS: &str = "/sys/class/iommu";
const DEVICES_ROOT: &str = "/sys/devices";
const DT_BASE: &str = "/sys/firmware/devicetree/base";
/// The links of a device directory the device table reports.
const DEVICE_LINKS: [&str; 4] = ["driver", "iommu_group", "iommu", "of_node"];
const DEVICE_TABLE_HEADER: &str = "#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path\n";

/// Reads everything `plan` calls for from `target`. `step` is told the name of each item as
/// it starts (for a progress display).
pub fn collect(target: &mut dyn Target, plan: &Plan, step: &mut dyn FnMut(&str)) -> Collected {
    let mut out = Collected::default();

    step("kernel log");
    let attempts = target.kernel_log();
    kernel_log(&mut out, attempts);

    step("device links");
    let (bytes, tally) = devlink_dump(target);
    out.composed("devlink", DEVLINK_CLASS, "devlink.txt", bytes, tally);

    step("devices_deferred");
    let deferred = target.devices_deferred(plan.mount_debugfs);
    devices_deferred(&mut out, deferred);

    step("waiting_for_supplier");
    let (bytes, tally) = waiting_for_supplier(target);
    out.composed(
        "waiting-for-supplier",
        "/sys/devices/**/waiting_for_supplier",
        "waiting_for_supplier.txt",
        bytes,
        tally,
    );

    step("device table");
    let (bytes, tally) = device_table(target);
    out.composed("device-table", "/sys/bus/*/devices", "drivers.txt", bytes, tally);

    step("IOMMU groups");
    let (bytes, tally) = iommu_groups(target);
    out.composed("iommu-groups", IOMMU_GROUPS, "iommu_groups.txt", bytes, tally);

    step("IOMMU instances");
    let (bytes, tally) = iommu_class(target);
    out.composed("iommu-class", IOMMU_CLASS, "iommu_class.txt", bytes, tally);

    step("device tree, cmdline, modules, config");
    for (item, path, member, absent_note) in [
        (
            "device-tree",
            "/sys/firmware/fdt",
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

    step("kernel release");
    kernel_release(&mut out, target);

    for window in &plan.register_windows {
        step(&format!("SysMMU registers {}", window.name));
        let read = target.register_window(window);
        register_window(&mut out, window, read);
    }

    let skipped = target.skipped_names();
    if skipped > 0 {
        out.notes.push(format!(
            "{skipped} sysfs entries were left out because their names hold a newline or are not UTF-8"
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

    /// A listing built from many reads below `source`.
    fn composed(&mut self, item: &str, source: &str, member: &str, bytes: Vec<u8>, tally: Tally) {
        let entry = item_entry(item, source, ItemStatus::Ok);
        match tally.status() {
            (ItemStatus::Missing, note) => self.items.push(ManifestItem {
                status: ItemStatus::Missing,
                note,
                ..entry
            }),
            (ItemStatus::PermissionDenied, note) if tally.root_unreadable => self.items.push(ManifestItem {
                status: ItemStatus::PermissionDenied,
                note,
                ..entry
            }),
            (status, note) => self.add_member(
                ManifestItem {
                    status,
                    note,
                    ..entry
                },
                member,
                bytes,
            ),
        }
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

/// How the reads behind one listing went.
#[derive(Debug, Default)]
struct Tally {
    /// The listing's root directory is not there.
    root_missing: bool,
    /// The listing's root directory could not be read at all.
    root_unreadable: bool,
    denied: u64,
    failures: Vec<String>,
}

impl Tally {
    fn note<T>(&mut self, path: &str, read: &Read<T>) {
        match read {
            Read::Ok(_) | Read::Missing => {}
            Read::Denied => self.denied += 1,
            Read::Failed(why) => self.failures.push(format!("{path}: {why}")),
        }
    }

    fn status(&self) -> (ItemStatus, Option<String>) {
        if self.root_missing {
            return (ItemStatus::Missing, None);
        }
        if self.denied > 0 || self.root_unreadable {
            let what = if self.root_unreadable {
                "the directory is not readable".to_string()
            } else {
                format!("{} entries were not readable", self.denied)
            };
            return (
                ItemStatus::PermissionDenied,
                Some(format!("{what}; collect as root for a full listing")),
            );
        }
        if let Some(first) = self.failures.first() {
            let more = self.failures.len() - 1;
            let tail = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            return (ItemStatus::Error, Some(format!("{first}{tail}")));
        }
        (ItemStatus::Ok, None)
    }

    /// Lists `dir`, recording a missing or unreadable root.
    fn root(&mut self, target: &mut dyn Target, dir: &str) -> Vec<DirEntry> {
        match target.list_dir(dir) {
            Read::Ok(entries) => entries,
            Read::Missing => {
                self.root_missing = true;
                Vec::new()
            }
            Read::Denied => {
                self.root_unreadable = true;
                Vec::new()
            }
            Read::Failed(why) => {
                self.failures.push(format!("{dir}: {why}"));
                Vec::new()
            }
        }
    }

    fn link(&mut self, target: &mut dyn Target, path: &str) -> Option<String> {
        let read = target.read_link(path);
        self.note(path, &read);
        read.ok()
    }

    fn file(&mut self, target: &mut dyn Target, path: &str) -> Option<Vec<u8>> {
        let read = target.read_file(path);
        self.note(path, &read);
        read.ok()
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

/// `grep -r . /sys/class/devlink/*/` lines, then `<link>/{supplier,consumer} -> <target>` lines.
fn devlink_dump(target: &mut dyn Target) -> (Vec<u8>, Tally) {
    let mut tally = Tally::default();
    let mut attributes = Vec::new();
    let mut ends = Vec::new();
    for link in tally.root(target, DEVLINK_CLASS) {
        let dir = join(DEVLINK_CLASS, &link.name);
        let read = target.list_dir(&dir);
        tally.note(&dir, &read);
        let Read::Ok(entries) = read else { continue };
        let mut supplier = None;
        let mut consumer = None;
        for entry in entries {
            let path = join(&dir, &entry.name);
            match entry.kind {
                EntryKind::Link if entry.name == "supplier" => supplier = tally.link(target, &path),
                EntryKind::Link if entry.name == "consumer" => consumer = tally.link(target, &path),
                EntryKind::File => {
                    if let Some(bytes) = tally.file(target, &path) {
                        grep_lines(&mut attributes, &path, &bytes);
                    }
                }
                _ => {}
            }
        }
        for (end, link_target) in [("supplier", supplier), ("consumer", consumer)] {
            if let Some(link_target) = link_target {
                ends.extend_from_slice(format!("{dir}/{end} -> {link_target}\n").as_bytes());
            }
        }
    }
    attributes.extend_from_slice(&ends);
    (attributes, tally)
}

/// `path:line` for each non-empty line of `bytes`, as `grep -r .` prints them.
fn grep_lines(out: &mut Vec<u8>, path: &str, bytes: &[u8]) {
    for line in bytes.split(|&byte| byte == b'\n') {
        if line.is_empty() {
            continue;
        }
        out.extend_from_slice(path.as_bytes());
        out.push(b':');
        out.extend_from_slice(line);
        out.push(b'\n');
    }
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

/// `path:value` of every `waiting_for_supplier` attribute.
fn waiting_for_supplier(target: &mut dyn Target) -> (Vec<u8>, Tally) {
    let mut tally = Tally::default();
    let mut out = Vec::new();
    match target.find_files(DEVICES_ROOT, "waiting_for_supplier") {
        Read::Ok(found) => {
            for (path, read) in found {
                tally.note(&path, &read);
                if let Read::Ok(bytes) = read {
                    grep_lines(&mut out, &path, &bytes);
                }
            }
        }
        Read::Missing => tally.root_missing = true,
        Read::Denied => tally.root_unreadable = true,
        Read::Failed(why) => tally.failures.push(format!("{DEVICES_ROOT}: {why}")),
    }
    (out, tally)
}

/// One row per device of every bus: bus, device, driver, iommu_group, iommu, of_node, sysfs path.
fn device_table(target: &mut dyn Target) -> (Vec<u8>, Tally) {
    let mut tally = Tally::default();
    let mut rows = Vec::new();
    for bus in tally.root(target, BUS_ROOT) {
        if bus.kind != EntryKind::Dir {
            continue;
        }
        let devices_dir = join(&join(BUS_ROOT, &bus.name), "devices");
        let read = target.list_dir(&devices_dir);
        tally.note(&devices_dir, &read);
        let Read::Ok(devices) = read else { continue };
        for device in devices {
            if device.kind != EntryKind::Link {
                continue;
            }
            let bus_link = join(&devices_dir, &device.name);
            let real_dir = tally
                .link(target, &bus_link)
                .and_then(|link_target| resolve_link(&bus_link, &link_target));
            let mut columns: [Option<String>; 4] = Default::default();
            for (column, link_name) in columns.iter_mut().zip(DEVICE_LINKS) {
                let Some(link_target) = tally.link(target, &join(&bus_link, link_name)) else {
                    continue;
                };
                // The link sits in the device's real directory; without it the target cannot be
                // placed, except that its last component still names the driver, group or IOMMU.
                let resolved = real_dir
                    .as_deref()
                    .and_then(|dir| resolve_link(&join(dir, link_name), &link_target));
                *column = match link_name {
                    "of_node" => resolved.as_deref().and_then(dt_node_path),
                    _ => last_component(&link_target).map(str::to_owned),
                };
            }
            let [driver, group, iommu, of_node] = columns;
            let cell = |value: Option<String>| value.unwrap_or_else(|| "-".to_string());
            rows.push((
                bus.name.clone(),
                device.name.clone(),
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    bus.name,
                    device.name,
                    cell(driver),
                    cell(group),
                    cell(iommu),
                    cell(of_node),
                    cell(real_dir),
                ),
            ));
        }
    }
    rows.sort();
    let mut out = DEVICE_TABLE_HEADER.as_bytes().to_vec();
    for (_, _, row) in rows {
        out.extend_from_slice(row.as_bytes());
    }
    (out, tally)
}

/// `group N type=T` and its `  device D path=P` lines, groups in numeric order.
fn iommu_groups(target: &mut dyn Target) -> (Vec<u8>, Tally) {
    let mut tally = Tally::default();
    let mut groups = Vec::new();
    for group in tally.root(target, IOMMU_GROUPS) {
        if group.kind != EntryKind::Dir {
            continue;
        }
        let dir = join(IOMMU_GROUPS, &group.name);
        let domain_type = tally
            .file(target, &join(&dir, "type"))
            .and_then(|bytes| first_line(&bytes))
            .unwrap_or_else(|| "-".to_string());
        let mut text = format!("group {} type={domain_type}\n", group.name);
        text.push_str(&member_lines(&mut tally, target, &join(&dir, "devices")));
        groups.push((group.name.parse::<u64>().ok(), group.name, text));
    }
    groups.sort();
    let out = groups
        .into_iter()
        .flat_map(|(_, _, text)| text.into_bytes())
        .collect();
    (out, tally)
}

/// `iommu NAME path=P parent=P` and its `  device D path=P` lines.
fn iommu_class(target: &mut dyn Target) -> (Vec<u8>, Tally) {
    let mut tally = Tally::default();
    let mut out = String::new();
    for instance in tally.root(target, IOMMU_CLASS) {
        let class_path = join(IOMMU_CLASS, &instance.name);
        let real_dir = match instance.kind {
            EntryKind::Link => tally
                .link(target, &class_path)
                .and_then(|link_target| resolve_link(&class_path, &link_target)),
            _ => Some(class_path.clone()),
        };
        let parent = tally
            .link(target, &join(&class_path, "device"))
            .and_then(|link_target| {
                real_dir
                    .as_deref()
                    .and_then(|dir| resolve_link(&join(dir, "device"), &link_target))
            });
        out.push_str(&format!(
            "iommu {} path={} parent={}\n",
            instance.name,
            real_dir.as_deref().unwrap_or("-"),
            parent.as_deref().unwrap_or("-")
        ));
        let devices_dir = join(&class_path, "devices");
        let real_devices_dir = real_dir.as_deref().map(|dir| join(dir, "devices"));
        out.push_str(&member_lines_in(
            &mut tally,
            target,
            &devices_dir,
            real_devices_dir.as_deref(),
        ));
    }
    (out.into_bytes(), tally)
}

/// `  device D path=P` for each link in `dir` (a real directory).
fn member_lines(tally: &mut Tally, target: &mut dyn Target, dir: &str) -> String {
    member_lines_in(tally, target, dir, Some(dir))
}

/// Like [`member_lines`] for a `dir` reached through links, whose real place is `real_dir`.
fn member_lines_in(tally: &mut Tally, target: &mut dyn Target, dir: &str, real_dir: Option<&str>) -> String {
    let mut out = String::new();
    let read = target.list_dir(dir);
    if !matches!(read, Read::Missing) {
        tally.note(dir, &read);
    }
    for entry in read.ok().unwrap_or_default() {
        if entry.kind != EntryKind::Link {
            continue;
        }
        let path = tally
            .link(target, &join(dir, &entry.name))
            .and_then(|link_target| {
                real_dir.and_then(|real| resolve_link(&join(real, &entry.name), &link_target))
            });
        out.push_str(&format!(
            "  device {} path={}\n",
            entry.name,
            path.as_deref().unwrap_or("-")
        ));
    }
    out
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

fn register_window(out: &mut Collected, window: &RegisterWindow, read: Read<Vec<u8>>) {
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
fn first_line(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}

fn last_component(path: &str) -> Option<&str> {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
}

/// The DT path of an `of_node` link's resolved target (`/pl011@9000000`, `/` for the root).
fn dt_node_path(resolved: &str) -> Option<String> {
    let rest = resolved.strip_prefix(DT_BASE)?;
    if rest.is_empty() {
        return Some("/".to_string());
    }
    rest.starts_with('/').then(|| rest.to_string())
}

/// Where the symbolic link at `link_path` (a path without symbolic links in its directory
/// part) points, resolved lexically, as sysfs links are (`fs/sysfs/symlink.c` makes them
/// relative). `None` when the target climbs above `/`.
pub fn resolve_link(link_path: &str, link_target: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    if !link_target.starts_with('/') {
        let dir = link_path.rsplit_once('/').map_or("", |(dir, _)| dir);
        parts.extend(dir.split('/').filter(|part| !part.is_empty()));
    }
    for part in link_target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_like_sysfs() {
        assert_eq!(
            resolve_link(
                "/sys/bus/amba/devices/9000000.pl011",
                "../../../devices/platform/9000000.pl011"
            )
            .as_deref(),
            Some("/sys/devices/platform/9000000.pl011")
        );
        assert_eq!(
            resolve_link(
                "/sys/devices/platform/9050000.smmuv3/iommu/smmu3.0x0000000009050000/device",
                "../.."
            )
            .as_deref(),
            Some("/sys/devices/platform/9050000.smmuv3")
        );
        assert_eq!(resolve_link("/sys/a", "../../../x"), None);
        assert_eq!(resolve_link("/sys/a", "/abs/./b").as_deref(), Some("/abs/b"));
    }

    #[test]
    fn of_node_paths_are_dt_paths() {
        assert_eq!(
            dt_node_path("/sys/firmware/devicetree/base/pl011@9000000").as_deref(),
            Some("/pl011@9000000")
        );
        assert_eq!(
            dt_node_path("/sys/firmware/devicetree/base").as_deref(),
            Some("/")
        );
        assert_eq!(dt_node_path("/sys/firmware/devicetree/basement"), None);
    }

    #[test]
    fn grep_lines_skip_empty_lines_and_keep_a_last_line_without_newline() {
        let mut out = Vec::new();
        grep_lines(&mut out, "/p", b"a\n\nb");
        assert_eq!(out, b"/p:a\n/p:b\n");
    }
}
