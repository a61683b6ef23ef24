//! The typed readers of a sysfs, each written once against [`SysfsSource`]: device links,
//! devices with their `driver`/`iommu_group`/`iommu`/`of_node` links, `waiting_for_supplier`,
//! IOMMU groups and IOMMU instances. A folder on disk, the local system and an SSH target all
//! answer through them, so the same fact is read the same way whatever the source.
//!
//! Each reader asks only what the SSH collection script (`collect/collect.sh`) gathers: a
//! listing, then links and attributes named in it. Links are resolved lexically, as sysfs links
//! are relative (`kernfs_get_target_path()`, fs/kernfs/symlink.c).

use super::layout::{self, BUS_ROOT, DEVICES_ROOT, DEVICE_LINKS, DEVLINK_CLASS, IOMMU_CLASS, IOMMU_GROUPS};
use super::resolve_link_text;
use super::source::{join, EntryKind, Listing, SysfsError, SysfsErrorKind, SysfsResult, SysfsSource};
use crate::error::{InputError, Location};
use crate::ingest::devlink::{DevlinkRecord, LinkAttr, LinkParts};
use crate::ingest::listing::{DeviceEntry, IommuGroup, IommuInstance, LinkedDevice, WaitingForSupplier};
use crate::model::{Origin, SourceName};

/// How the reads behind one part went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartAccount {
    /// Why the part's root directory could not be listed (`None` when it was).
    pub root: Option<SysfsError>,
    /// Reads below the root refused for want of permission.
    pub denied: u64,
    /// Other reads below the root that failed, each naming its path.
    pub failures: Vec<SysfsError>,
    /// Entries left out of listings because their names cannot be carried.
    pub left_out: u64,
    /// A cap stopped a walk: what was left.
    pub cut_short: Option<String>,
}

impl PartAccount {
    /// Records a failed read; something not there is no failure.
    pub fn note(&mut self, error: SysfsError) {
        match error.kind {
            SysfsErrorKind::Missing => {}
            SysfsErrorKind::Denied => self.denied += 1,
            SysfsErrorKind::Refused | SysfsErrorKind::Failed(_) => self.failures.push(error),
        }
    }
}

/// One part of a snapshot as read: its records (`None` when its root is not there or could not
/// be listed), how the reads went, and values that are not what the kernel writes.
#[derive(Debug)]
pub struct Part<T> {
    pub records: Option<Vec<T>>,
    pub account: PartAccount,
    pub errors: Vec<InputError>,
}

impl<T> Default for Part<T> {
    fn default() -> Self {
        Part {
            records: None,
            account: PartAccount::default(),
            errors: Vec::new(),
        }
    }
}

impl<T> Part<T> {
    /// Lists the part's root directory; `None` (recorded) when it cannot be.
    fn root<S: SysfsSource + ?Sized>(&mut self, source: &mut S, dir: &str) -> Option<Listing> {
        match source.list(dir) {
            Ok(listing) => {
                self.account.left_out += listing.left_out;
                Some(listing)
            }
            Err(error) => {
                self.account.root = Some(error);
                None
            }
        }
    }

    /// A directory below the root; `None` (noted) when it cannot be listed.
    fn list<S: SysfsSource + ?Sized>(&mut self, source: &mut S, dir: &str) -> Option<Listing> {
        let listing = self.keep(source.list(dir))?;
        self.account.left_out += listing.left_out;
        Some(listing)
    }

    fn link<S: SysfsSource + ?Sized>(&mut self, source: &mut S, path: &str) -> Option<String> {
        self.keep(source.read_link(path))
    }

    fn attr<S: SysfsSource + ?Sized>(&mut self, source: &mut S, path: &str) -> Option<Vec<u8>> {
        let cap = crate::limits::current().sysfs_attr_bytes;
        let mut bytes = self.keep(source.read_attr(path, cap.saturating_add(1)))?;
        if bytes.len() as u64 > cap {
            bytes.truncate(cap as usize);
            let expected = format!(
                "an attribute of at most {}, the sysfs-attr-bytes cap",
                crate::limits::human_bytes(cap)
            );
            self.errors.push(
                InputError::new(source.describe(path), Location::Offset(cap), expected).found(format!(
                    "a longer one; the rest was not read ({})",
                    crate::limits::raise_hint("sysfs-attr-bytes")
                )),
            );
        }
        Some(bytes)
    }

    fn keep<V>(&mut self, read: SysfsResult<V>) -> Option<V> {
        read.map_err(|error| self.account.note(error)).ok()
    }

    fn bad_value<S: SysfsSource + ?Sized>(&mut self, source: &S, path: &str, expected: &str, found: &str) {
        self.errors
            .push(InputError::new(source.describe(path), Location::File, expected).found(found));
    }
}

fn origin<S: SysfsSource + ?Sized>(source: &S, path: &str) -> Origin {
    let name: SourceName = source.describe(path).into();
    Origin::file_only(&name)
}

/// The last component of a link target: the name of the driver, group or IOMMU it points at.
fn target_name(target: &str) -> Option<String> {
    let name = super::tree::basename(target);
    (!name.is_empty() && name != "..").then(|| name.to_string())
}

/// `/sys/class/devlink`: one record per link, with its attributes and its two ends.
pub fn devlinks<S: SysfsSource + ?Sized>(source: &mut S) -> Part<DevlinkRecord> {
    let mut part = Part::default();
    let Some(links) = part.root(source, DEVLINK_CLASS) else {
        return part;
    };
    let mut records = Vec::with_capacity(links.entries.len());
    for link in links.entries {
        let dir = join(DEVLINK_CLASS, &link.name);
        let mut parts = LinkParts::default();
        for entry in part.list(source, &dir).map(|l| l.entries).unwrap_or_default() {
            let path = join(&dir, &entry.name);
            let is_link = matches!(entry.kind, EntryKind::Link | EntryKind::File);
            match entry.name.as_str() {
                "supplier" if is_link => parts.supplier_target = part.link(source, &path),
                "consumer" if is_link => parts.consumer_target = part.link(source, &path),
                name if entry.kind == EntryKind::File => {
                    let Some(attr) = LinkAttr::from_file_name(name) else {
                        continue;
                    };
                    let Some(bytes) = part.attr(source, &path) else {
                        continue;
                    };
                    let value = String::from_utf8_lossy(&bytes);
                    if let Err(expected) = parts.set_attr_at(attr, &value, origin(source, &path)) {
                        part.bad_value(source, &path, expected, value.trim());
                    }
                }
                _ => {}
            }
        }
        records.push(parts.into_record(origin(source, &dir), link.name));
    }
    part.records = Some(records);
    part
}

/// `/sys/bus/*/devices/*`: every device of every bus, with where it sits and what it is bound to.
pub fn devices<S: SysfsSource + ?Sized>(source: &mut S) -> Part<DeviceEntry> {
    let mut part = Part::default();
    let Some(buses) = part.root(source, BUS_ROOT) else {
        return part;
    };
    let mut records = Vec::new();
    for bus in buses.entries.into_iter().filter(|e| e.kind == EntryKind::Dir) {
        let devices_dir = format!("{BUS_ROOT}/{}/devices", bus.name);
        let Some(devices) = part.list(source, &devices_dir) else {
            continue;
        };
        for device in devices.entries {
            let entry = join(&devices_dir, &device.name);
            let sysfs_path = match device.kind {
                EntryKind::Link => part
                    .link(source, &entry)
                    .and_then(|target| resolve_link_text(&devices_dir, &target)),
                // A flattened link; a plain file in a bus's device list is no device.
                EntryKind::File => match part.link(source, &entry) {
                    Some(target) => resolve_link_text(&devices_dir, &target),
                    None => continue,
                },
                EntryKind::Dir => Some(entry.clone()),
                EntryKind::Other => continue,
            };
            let mut record = DeviceEntry {
                origin: origin(source, &entry),
                bus: Some(bus.name.clone()),
                name: device.name,
                driver: None,
                iommu_group: None,
                iommu: None,
                of_node: None,
                sysfs_path,
            };
            for link_name in DEVICE_LINKS {
                let Some(target) = part.link(source, &join(&entry, link_name)) else {
                    continue;
                };
                match link_name {
                    "driver" => record.driver = target_name(&target),
                    "iommu_group" => record.iommu_group = target_name(&target).and_then(|g| g.parse().ok()),
                    "iommu" => record.iommu = target_name(&target),
                    // The link sits in the device's own directory; without it the target cannot
                    // be placed.
                    _ => {
                        record.of_node = record
                            .sysfs_path
                            .as_deref()
                            .and_then(|dir| resolve_link_text(dir, &target))
                            .and_then(|path| layout::dt_node_path(&path))
                    }
                }
            }
            records.push(record);
        }
    }
    part.records = Some(records);
    part
}

/// Every `/sys/devices/**/waiting_for_supplier` attribute, by device path.
pub fn waiting_for_supplier<S: SysfsSource + ?Sized>(source: &mut S) -> Part<WaitingForSupplier> {
    const ATTR: &str = "waiting_for_supplier";
    let mut part = Part::default();
    let found = match source.find_files(DEVICES_ROOT, ATTR) {
        Ok(found) => found,
        Err(error) => {
            part.account.root = Some(error);
            return part;
        }
    };
    part.account.cut_short = found.cut_short;
    let mut records = Vec::new();
    for path in found.paths {
        let Some(bytes) = part.attr(source, &path) else {
            continue;
        };
        let value = String::from_utf8_lossy(&bytes);
        let waiting = match value.trim() {
            "0" => false,
            "1" => true,
            other => {
                let other = other.to_string();
                part.bad_value(source, &path, "waiting_for_supplier 0 or 1", &other);
                continue;
            }
        };
        let device_path = path
            .strip_suffix(ATTR)
            .map_or(path.as_str(), |dir| dir.trim_end_matches('/'))
            .to_string();
        records.push(WaitingForSupplier {
            origin: origin(source, &path),
            device: super::tree::basename(&device_path).to_string(),
            sysfs_path: device_path,
            waiting,
        });
    }
    records.sort_by(|a, b| a.sysfs_path.cmp(&b.sysfs_path));
    part.records = Some(records);
    part
}

/// `/sys/kernel/iommu_groups/N`: each group's default domain type and member devices.
pub fn iommu_groups<S: SysfsSource + ?Sized>(source: &mut S) -> Part<IommuGroup> {
    let mut part = Part::default();
    let Some(groups) = part.root(source, IOMMU_GROUPS) else {
        return part;
    };
    let mut records = Vec::new();
    for group in groups.entries.into_iter().filter(|e| e.kind == EntryKind::Dir) {
        let Ok(number) = group.name.parse::<u32>() else {
            continue;
        };
        let dir = join(IOMMU_GROUPS, &group.name);
        let domain_type = part
            .attr(source, &join(&dir, "type"))
            .and_then(|bytes| first_line(&bytes));
        let devices_dir = join(&dir, "devices");
        let devices = linked_devices(&mut part, source, &devices_dir, Some(&devices_dir));
        records.push(IommuGroup {
            origin: origin(source, &dir),
            group: number,
            domain_type,
            devices,
        });
    }
    records.sort_by_key(|g| g.group);
    part.records = Some(records);
    part
}

/// `/sys/class/iommu/NAME`: each IOMMU instance, the device that registered it, and the
/// devices behind it.
pub fn iommu_instances<S: SysfsSource + ?Sized>(source: &mut S) -> Part<IommuInstance> {
    let mut part = Part::default();
    let Some(instances) = part.root(source, IOMMU_CLASS) else {
        return part;
    };
    let mut records = Vec::new();
    for instance in instances.entries {
        let class_path = join(IOMMU_CLASS, &instance.name);
        let sysfs_path = match instance.kind {
            EntryKind::Link | EntryKind::File => part
                .link(source, &class_path)
                .and_then(|target| resolve_link_text(IOMMU_CLASS, &target)),
            _ => Some(class_path.clone()),
        };
        // The class device sits at <parent device>/iommu/<name>; its `device` link names the
        // parent when present. A class device registered without a parent (intel-iommu's
        // `dmarN`: `iommu_device_sysfs_add(..., NULL, ...)`) sits in /sys/devices/virtual/iommu.
        let device_link = part
            .link(source, &join(&class_path, "device"))
            .and_then(|target| {
                let dir = sysfs_path.as_deref()?;
                resolve_link_text(dir, &target)
            });
        let parent_path = device_link
            .or_else(|| grandparent(sysfs_path.as_deref()?))
            .filter(|path| path != "/sys/devices/virtual");
        let real_devices_dir = sysfs_path.as_deref().map(|dir| join(dir, "devices"));
        let devices = linked_devices(
            &mut part,
            source,
            &join(&class_path, "devices"),
            real_devices_dir.as_deref(),
        );
        records.push(IommuInstance {
            origin: origin(source, &class_path),
            parent_device: parent_path
                .as_deref()
                .map(|path| super::tree::basename(path).to_string()),
            name: instance.name,
            sysfs_path,
            parent_path,
            devices,
        });
    }
    part.records = Some(records);
    part
}

/// The directory two levels above a class device (`<parent>/iommu/<name>`), below `/sys/devices`.
fn grandparent(path: &str) -> Option<String> {
    let (parent, _) = path.rsplit_once('/')?;
    let (grandparent, _) = parent.rsplit_once('/')?;
    grandparent
        .starts_with(DEVICES_ROOT)
        .then(|| grandparent.to_string())
        .filter(|g| g.len() > DEVICES_ROOT.len())
}

/// The devices linked in `dir` (reached through links), each placed by resolving its link in
/// `real_dir`, the directory's real place, when that is known.
fn linked_devices<T, S: SysfsSource + ?Sized>(
    part: &mut Part<T>,
    source: &mut S,
    dir: &str,
    real_dir: Option<&str>,
) -> Vec<LinkedDevice> {
    let listing = match source.list(dir) {
        Ok(listing) => listing,
        Err(error) => {
            part.account.note(error);
            return Vec::new();
        }
    };
    part.account.left_out += listing.left_out;
    let mut devices = Vec::new();
    for entry in listing.entries {
        if !matches!(entry.kind, EntryKind::Link | EntryKind::File) {
            continue;
        }
        let sysfs_path = part
            .link(source, &join(dir, &entry.name))
            .and_then(|target| resolve_link_text(real_dir?, &target));
        devices.push(LinkedDevice {
            name: entry.name,
            sysfs_path,
        });
    }
    devices
}

/// The first line of `bytes`, trimmed; `None` when empty.
fn first_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}
