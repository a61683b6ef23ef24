//! The sysfs listings of a bundle, read through a [`Target`]: the devlink dump, the
//! `waiting_for_supplier` lines, the device table, the IOMMU group and class listings, each in
//! the corpus capture format that `ingest` parses (and that `collect.sh` writes over SSH).
//! Links are resolved lexically, as sysfs links are relative (fs/sysfs/symlink.c), with the
//! same resolver `ingest::sysfs` uses for a tree on disk.

use super::evidence::first_line;
use super::target::{join, DirEntry, EntryKind, Read, Target};
use crate::ingest::bundle::ItemStatus;
use crate::ingest::sysfs::layout::{
    dt_node_path, BUS_ROOT, DEVICES_ROOT, DEVICE_LINKS, DEVLINK_CLASS, IOMMU_CLASS, IOMMU_GROUPS,
};
use crate::ingest::sysfs::resolve_link_text;

const DEVICE_TABLE_HEADER: &str = "#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path\n";

/// How the reads behind one listing went.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// The listing's root directory is not there.
    root_missing: bool,
    /// The listing's root directory could not be read at all.
    pub(super) root_unreadable: bool,
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

    pub(super) fn status(&self) -> (ItemStatus, Option<String>) {
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

/// `grep -r . /sys/class/devlink/*/` lines, then `<link>/{supplier,consumer} -> <target>` lines.
pub(super) fn devlink_dump(target: &mut dyn Target) -> (Vec<u8>, Tally) {
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

/// `path:value` of every `waiting_for_supplier` attribute.
pub(super) fn waiting_for_supplier(target: &mut dyn Target) -> (Vec<u8>, Tally) {
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
pub(super) fn device_table(target: &mut dyn Target) -> (Vec<u8>, Tally) {
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
pub(super) fn iommu_groups(target: &mut dyn Target) -> (Vec<u8>, Tally) {
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
pub(super) fn iommu_class(target: &mut dyn Target) -> (Vec<u8>, Tally) {
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

fn last_component(path: &str) -> Option<&str> {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
}

/// Where the symbolic link at `link_path` (a path without symbolic links in its directory
/// part) points, resolved lexically, as sysfs links are (`fs/sysfs/symlink.c` makes them
/// relative). `None` when the target climbs above `/`.
pub fn resolve_link(link_path: &str, link_target: &str) -> Option<String> {
    let link_dir = link_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    resolve_link_text(link_dir, link_target)
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
    fn grep_lines_skip_empty_lines_and_keep_a_last_line_without_newline() {
        let mut out = Vec::new();
        grep_lines(&mut out, "/p", b"a\n\nb");
        assert_eq!(out, b"/p:a\n/p:b\n");
    }
}
