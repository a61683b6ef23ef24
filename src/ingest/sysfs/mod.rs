//! A sysfs root (the live `/sys` or a copied tree with its symlinks, such as a capture's
//! `sysfs/` mirror): device links, devices with their driver/iommu_group/iommu/of_node links,
//! `waiting_for_supplier`, `kernel/debug/devices_deferred`, `kernel/iommu_groups`,
//! `class/iommu` and `firmware/fdt`. Reads only; never follows a link out of the root.
//!
//! Paths are handled as sysfs paths (`/sys/...`) and every symlink is resolved (by `tree`), one
//! component at a time, against the root (an absolute target `/sys/x` means `<root>/x`; any
//! other absolute target, or `..` above the root, is refused). Links may dangle, as in a copy
//! that kept only the directories holding attributes: the target text still names the device.
//! A checkout made with `core.symlinks=false` turns each symlink into a small regular file
//! holding the target path without a trailing newline; such a file is taken as the link it
//! was (sysfs attribute files always end in a newline).
//!
//! Every read is bounded; a file or directory that cannot be read becomes a note or an input
//! error, never a failure of the whole tree.

mod devicetree;
pub mod layout;
mod tree;

pub use devicetree::read_devicetree_directory;

use super::deferred::{parse_devices_deferred, DeferredEntry};
use super::devlink::{DevlinkRecord, LinkAttr, LinkParts};
use super::dt::DeviceTree;
use super::listing::{DeviceEntry, IommuGroup, IommuInstance, WaitingForSupplier};
use super::Snapshot;
use crate::error::{InputError, Location};
use crate::limits::{DEVICES_DEFERRED_BYTES, SYSFS_ATTR_BYTES, SYSFS_WALK_DEPTH, SYSFS_WALK_DIRS};
use crate::model::{Origin, SourceName};
use std::fs;
use std::io;
use std::path::Path;
use tree::{basename, sys_path, Resolved, Tree};

/// Resolves a symlink's target text lexically against the sysfs directory holding the link
/// (`/sys/devices/virtual/devlink/X` + `../../../platform/Y` = `/sys/devices/platform/Y`).
/// `None` when the target climbs above `/`.
pub fn resolve_link_text(link_dir: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let start = if target.starts_with('/') { "" } else { link_dir };
    for component in start.split('/').chain(target.split('/')) {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// A part of a snapshot, for saying which one a note is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnapshotPart {
    Devlinks,
    Deferred,
    Devices,
    WaitingForSupplier,
    IommuGroups,
    IommuInstances,
}

impl SnapshotPart {
    pub fn is_filled(self, snapshot: &Snapshot) -> bool {
        match self {
            SnapshotPart::Devlinks => snapshot.devlinks.is_some(),
            SnapshotPart::Deferred => snapshot.deferred.is_some(),
            SnapshotPart::Devices => snapshot.devices.is_some(),
            SnapshotPart::WaitingForSupplier => snapshot.waiting_for_supplier.is_some(),
            SnapshotPart::IommuGroups => snapshot.iommu_groups.is_some(),
            SnapshotPart::IommuInstances => snapshot.iommu_instances.is_some(),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            SnapshotPart::Devlinks => "device links",
            SnapshotPart::Deferred => "devices_deferred",
            SnapshotPart::Devices => "devices",
            SnapshotPart::WaitingForSupplier => "waiting_for_supplier",
            SnapshotPart::IommuGroups => "IOMMU groups",
            SnapshotPart::IommuInstances => "IOMMU instances",
        }
    }
}

/// Everything read from one sysfs root.
#[derive(Debug, Default)]
pub struct SysfsRead {
    /// The moment's state (its `label` is left for the caller to set).
    pub snapshot: Snapshot,
    /// From `firmware/fdt`, else `firmware/devicetree/base`.
    pub device_tree: Option<DeviceTree>,
    /// Raw ACPI tables that describe IOMMUs (`firmware/acpi/tables/{VIOT,IORT,DMAR,IVRS}`),
    /// with the name they are cited by.
    pub acpi_tables: Vec<(SourceName, Vec<u8>)>,
    /// Parts that were not there or could not be read, said plainly (a text dump of the
    /// same moment may still supply them).
    pub missing: Vec<(SnapshotPart, String)>,
    /// Other things worth saying about the tree.
    pub notes: Vec<String>,
    pub errors: Vec<InputError>,
}

/// Whether `dir` looks like a sysfs root: it has `class/`, `devices/` or `bus/`.
pub fn looks_like_sysfs_root(dir: &Path) -> bool {
    ["class", "devices", "bus"].iter().any(|sub| {
        fs::symlink_metadata(dir.join(sub))
            .map(|m| m.is_dir())
            .unwrap_or(false)
    })
}

/// Reads a sysfs root. `display` names it in origins and messages (`capture/sysfs`).
pub fn read_sysfs_root(root: &Path, display: &str) -> SysfsRead {
    let tree = Tree {
        root: root.to_path_buf(),
        display: display.trim_end_matches('/').to_string(),
    };
    let mut read = SysfsRead::default();
    read.snapshot.devlinks = tree.devlinks(&mut read);
    read.snapshot.devices = tree.devices(&mut read);
    read.snapshot.waiting_for_supplier = tree.waiting_for_supplier(&mut read);
    read.snapshot.deferred = tree.devices_deferred(&mut read);
    read.snapshot.iommu_groups = tree.iommu_groups(&mut read);
    read.snapshot.iommu_instances = tree.iommu_instances(&mut read);
    read.device_tree = tree.device_tree(&mut read);
    read.acpi_tables = tree.acpi_tables(&mut read);
    read
}

impl Tree {
    fn devlinks(&self, read: &mut SysfsRead) -> Option<Vec<DevlinkRecord>> {
        let Some(class) = self.dir(layout::DEVLINK_CLASS) else {
            read.missing.push((
                SnapshotPart::Devlinks,
                format!(
                    "no class/devlink in {} (kernel before v5.9, or not captured): device links unavailable",
                    self.display
                ),
            ));
            return None;
        };
        let names = self.list_noting(&class, read)?;
        let mut records = Vec::with_capacity(names.len());
        for name in names {
            let mut entry = class.clone();
            entry.push(name.clone());
            let origin = Origin::file_only(&self.source(&entry));
            let mut parts = LinkParts::default();
            if let Resolved::Found(dir) = self.resolve(&sys_path(&entry)) {
                for attr in LinkAttr::ALL {
                    let mut file = dir.clone();
                    file.push(attr.file_name().to_string());
                    match self.attr(&dir, attr.file_name(), SYSFS_ATTR_BYTES) {
                        Ok(Some(bytes)) => {
                            let value = String::from_utf8_lossy(&bytes);
                            if let Err(expected) = parts.set_attr(attr, &value) {
                                read.errors.push(
                                    InputError::new(self.display_of(&file), Location::File, expected)
                                        .found(value.trim()),
                                );
                            }
                        }
                        Ok(None) => {}
                        Err(e) => read.errors.push(self.attr_error(&file, &e)),
                    }
                }
                parts.supplier_target = self.link_target(&dir, "supplier");
                parts.consumer_target = self.link_target(&dir, "consumer");
            }
            records.push(parts.into_record(origin, name));
        }
        Some(records)
    }

    fn devices(&self, read: &mut SysfsRead) -> Option<Vec<DeviceEntry>> {
        let bus_dir = self.dir(layout::BUS_ROOT)?;
        let buses = self.list_noting(&bus_dir, read)?;
        let mut entries = Vec::new();
        for bus in buses {
            let Some(devices_dir) = self.dir(&format!("{}/{bus}/devices", layout::BUS_ROOT)) else {
                continue;
            };
            let Ok(names) = self.list(&devices_dir) else {
                continue;
            };
            for name in names {
                let mut entry = devices_dir.clone();
                entry.push(name.clone());
                let device_path = match self.link_path(&devices_dir, &name) {
                    Some(path) => Some(path),
                    None => match self.resolve(&sys_path(&entry)) {
                        Resolved::Found(parts) => Some(sys_path(&parts)),
                        _ => None,
                    },
                };
                let mut device = DeviceEntry {
                    origin: Origin::file_only(&self.source(&entry)),
                    bus: Some(bus.clone()),
                    name,
                    driver: None,
                    iommu_group: None,
                    iommu: None,
                    of_node: None,
                    sysfs_path: device_path.clone(),
                };
                if let Some(dir) = device_path.as_deref().and_then(|p| self.dir(p)) {
                    self.fill_device_links(&dir, &mut device);
                }
                entries.push(device);
            }
        }
        Some(entries)
    }

    fn fill_device_links(&self, dir: &[String], device: &mut DeviceEntry) {
        let base = |name: &str| {
            self.link_target(dir, name)
                .map(|t| basename(&t).to_string())
                .filter(|b| !b.is_empty() && b != "..")
        };
        device.driver = base("driver");
        device.iommu_group = base("iommu_group").and_then(|g| g.parse().ok());
        device.iommu = base("iommu");
        device.of_node = self
            .link_path(dir, "of_node")
            .and_then(|path| layout::dt_node_path(&path));
    }

    fn waiting_for_supplier(&self, read: &mut SysfsRead) -> Option<Vec<WaitingForSupplier>> {
        let start = self.dir(layout::DEVICES_ROOT)?;
        let mut entries = Vec::new();
        let mut stack: Vec<Vec<String>> = vec![start];
        let mut visited = 0usize;
        while let Some(dir) = stack.pop() {
            visited += 1;
            if visited > SYSFS_WALK_DIRS {
                read.notes.push(format!(
                    "stopped looking for waiting_for_supplier after {SYSFS_WALK_DIRS} directories of {}",
                    self.display_of(&["devices".to_string()])
                ));
                break;
            }
            let Ok(names) = fs::read_dir(self.real(&dir)) else {
                continue;
            };
            let mut children = Vec::new();
            for entry in names.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                // file_type() does not follow links: a link to a directory is not walked.
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() && dir.len() < SYSFS_WALK_DEPTH {
                    let mut child = dir.clone();
                    child.push(name);
                    children.push(child);
                } else if kind.is_file() && name == "waiting_for_supplier" {
                    let mut file = dir.clone();
                    file.push(name.clone());
                    match self.attr(&dir, &name, SYSFS_ATTR_BYTES) {
                        Ok(Some(bytes)) => {
                            let value = String::from_utf8_lossy(&bytes);
                            let waiting = match value.trim() {
                                "0" => false,
                                "1" => true,
                                other => {
                                    read.errors.push(
                                        InputError::new(
                                            self.display_of(&file),
                                            Location::File,
                                            "waiting_for_supplier 0 or 1",
                                        )
                                        .found(other),
                                    );
                                    continue;
                                }
                            };
                            let path = sys_path(&dir);
                            entries.push(WaitingForSupplier {
                                origin: Origin::file_only(&self.source(&file)),
                                device: basename(&path).to_string(),
                                sysfs_path: path,
                                waiting,
                            });
                        }
                        Ok(None) => {}
                        Err(e) => read.errors.push(self.attr_error(&file, &e)),
                    }
                }
            }
            children.sort();
            stack.extend(children.into_iter().rev());
        }
        entries.sort_by(|a, b| a.sysfs_path.cmp(&b.sysfs_path));
        Some(entries)
    }

    fn devices_deferred(&self, read: &mut SysfsRead) -> Option<Vec<DeferredEntry>> {
        let debug = ["kernel".to_string(), "debug".to_string()];
        let file_display = self.display_of(&[
            "kernel".to_string(),
            "debug".to_string(),
            "devices_deferred".to_string(),
        ]);
        let Some(debug_dir) = self.dir(layout::DEBUGFS) else {
            read.missing.push((
                SnapshotPart::Deferred,
                format!(
                    "devices_deferred not readable: {} absent (debugfs not mounted, or not captured)",
                    self.display_of(&debug)
                ),
            ));
            return None;
        };
        match self.attr(&debug_dir, "devices_deferred", DEVICES_DEFERRED_BYTES) {
            Ok(Some(bytes)) => {
                let source: SourceName = file_display.into();
                let (entries, errors) = parse_devices_deferred(&source, bytes.as_slice());
                read.errors.extend(errors);
                Some(entries)
            }
            Ok(None) => {
                let mounted = self.list(&debug_dir).map(|n| !n.is_empty());
                let note = match mounted {
                    Ok(false) => format!(
                        "devices_deferred not readable: debugfs not mounted at {}",
                        self.display_of(&debug_dir)
                    ),
                    Err(e) if e.kind() == io::ErrorKind::PermissionDenied => format!(
                        "devices_deferred not readable: permission denied on {} (debugfs is root-only)",
                        self.display_of(&debug_dir)
                    ),
                    _ => format!(
                        "devices_deferred not readable: {file_display} absent (kernel without \
                         CONFIG_DEBUG_FS, or not captured)"
                    ),
                };
                read.missing.push((SnapshotPart::Deferred, note));
                None
            }
            Err(e) => {
                let why = if e.kind() == io::ErrorKind::PermissionDenied {
                    "permission denied".to_string()
                } else {
                    e.to_string()
                };
                read.missing.push((
                    SnapshotPart::Deferred,
                    format!("devices_deferred not readable: {why} ({file_display})"),
                ));
                None
            }
        }
    }

    fn iommu_groups(&self, read: &mut SysfsRead) -> Option<Vec<IommuGroup>> {
        let dir = self.dir(layout::IOMMU_GROUPS)?;
        let names = self.list_noting(&dir, read)?;
        let mut groups = Vec::new();
        for name in names {
            let Ok(number) = name.parse::<u32>() else {
                continue;
            };
            let mut group_dir = dir.clone();
            group_dir.push(name);
            let Some(group_dir) = self.dir(&sys_path(&group_dir)) else {
                continue;
            };
            let domain_type = match self.attr(&group_dir, "type", SYSFS_ATTR_BYTES) {
                Ok(Some(bytes)) => {
                    Some(String::from_utf8_lossy(&bytes).trim().to_string()).filter(|t| !t.is_empty())
                }
                _ => None,
            };
            let mut devices_dir = group_dir.clone();
            devices_dir.push("devices".to_string());
            let devices = self.list(&devices_dir).unwrap_or_default();
            groups.push(IommuGroup {
                origin: Origin::file_only(&self.source(&group_dir)),
                group: number,
                domain_type,
                devices,
            });
        }
        groups.sort_by_key(|g| g.group);
        Some(groups)
    }

    fn iommu_instances(&self, read: &mut SysfsRead) -> Option<Vec<IommuInstance>> {
        let class = self.dir(layout::IOMMU_CLASS)?;
        let names = self.list_noting(&class, read)?;
        let mut instances = Vec::new();
        for name in names {
            let mut entry = class.clone();
            entry.push(name.clone());
            let mut instance = IommuInstance {
                origin: Origin::file_only(&self.source(&entry)),
                name,
                parent_device: None,
                devices: Vec::new(),
            };
            if let Resolved::Found(dir) = self.resolve(&sys_path(&entry)) {
                // The class device sits at <parent device>/iommu/<name>; its `device` link
                // names the parent when present.
                // A class device registered without a parent (intel-iommu's `dmarN`:
                // `iommu_device_sysfs_add(..., NULL, ...)`) sits in /sys/devices/virtual/iommu.
                let parent = self
                    .link_path(&dir, "device")
                    .or_else(|| (dir.len() > 2).then(|| sys_path(&dir[..dir.len() - 2])))
                    .filter(|p| p != "/sys/devices/virtual");
                instance.parent_device = parent.map(|p| basename(&p).to_string());
                let mut devices_dir = dir.clone();
                devices_dir.push("devices".to_string());
                instance.devices = self.list(&devices_dir).unwrap_or_default();
            }
            instances.push(instance);
        }
        Some(instances)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scenario(path: &str) -> PathBuf {
        PathBuf::from(format!("{}/fixtures/qemu/{path}", env!("CARGO_MANIFEST_DIR")))
    }

    #[test]
    fn lexical_link_resolution() {
        assert_eq!(
            resolve_link_text("/sys/devices/virtual/devlink/x", "../../../platform/y").as_deref(),
            Some("/sys/devices/platform/y")
        );
        assert_eq!(
            resolve_link_text("/sys/a", "/sys/b/./c").as_deref(),
            Some("/sys/b/c")
        );
        assert_eq!(resolve_link_text("/sys", "../../.."), None);
    }

    #[test]
    fn reads_a_capture_mirror() {
        let root = scenario("smmuv3-6.1/S0-builtin-stock/sysfs");
        let read = read_sysfs_root(&root, "S0/sysfs");
        assert!(read.errors.is_empty(), "{:?}", read.errors);
        let s = &read.snapshot;
        let links = s.devlinks.as_ref().unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].supplier.name, "9030000.pl061");
        assert_eq!(links[0].supplier.bus.as_deref(), Some("amba"));
        assert_eq!(links[0].sync_state_only, Some(true));
        assert_eq!(
            links[0].origin.to_string(),
            format!("S0/sysfs/class/devlink/{}", links[0].name)
        );

        let devices = s.devices.as_ref().unwrap();
        let rng = devices.iter().find(|d| d.name == "0000:01:00.0").unwrap();
        assert_eq!(rng.driver.as_deref(), Some("virtio-pci"));
        assert_eq!(rng.iommu_group, Some(0));
        assert_eq!(rng.iommu.as_deref(), Some("smmu3.0x0000000009050000"));
        let bridge = devices.iter().find(|d| d.name == "4010000000.pcie").unwrap();
        assert_eq!(bridge.of_node.as_deref(), Some("/pcie@10000000"));
        // A dangling link (the target directory was not captured) still names the device.
        let broadcast = devices.iter().find(|d| d.name == "broadcast").unwrap();
        assert_eq!(
            broadcast.sysfs_path.as_deref(),
            Some("/sys/devices/system/clockevents/broadcast")
        );

        let groups = s.iommu_groups.as_ref().unwrap();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].devices, ["0000:00:05.0", "0000:01:00.0"]);
        assert_eq!(groups[0].domain_type.as_deref(), Some("DMA"));
        let instances = s.iommu_instances.as_ref().unwrap();
        assert_eq!(instances[0].parent_device.as_deref(), Some("9050000.smmuv3"));
        assert_eq!(instances[0].devices.len(), 4);
        assert_eq!(s.deferred.as_ref().map(Vec::len), Some(0));
        let tree = read.device_tree.unwrap();
        assert!(tree.by_device_name("9050000.smmuv3").is_some());
    }

    #[test]
    fn links_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys");
        fs::create_dir_all(root.join("class/devlink")).unwrap();
        fs::create_dir_all(dir.path().join("outside/a--b")).unwrap();
        fs::write(dir.path().join("outside/a--b/status"), "active\n").unwrap();
        std::os::unix::fs::symlink("../../../outside/a--b", root.join("class/devlink/a--b")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("class/devlink/c--d")).unwrap();
        let read = read_sysfs_root(&root, "sys");
        let links = read.snapshot.devlinks.unwrap();
        assert_eq!(links.len(), 2);
        assert!(links.iter().all(|l| l.status.is_none()), "{links:?}");
    }

    #[test]
    fn flattened_links_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let link_dir = root.join("devices/virtual/devlink/platform:a--platform:b");
        fs::create_dir_all(&link_dir).unwrap();
        fs::create_dir_all(root.join("class/devlink")).unwrap();
        fs::write(link_dir.join("status"), "dormant\n").unwrap();
        fs::write(link_dir.join("supplier"), "../../../platform/a").unwrap();
        fs::write(link_dir.join("consumer"), "../../../platform/b").unwrap();
        fs::write(
            root.join("class/devlink/platform:a--platform:b"),
            "../../devices/virtual/devlink/platform:a--platform:b",
        )
        .unwrap();
        let read = read_sysfs_root(root, "flat");
        let links = read.snapshot.devlinks.unwrap();
        assert_eq!(links[0].status, Some(super::super::devlink::LinkStatus::Dormant));
        assert_eq!(
            links[0].supplier.sysfs_path.as_deref(),
            Some("/sys/devices/platform/a")
        );
    }

    #[test]
    fn reads_the_live_sys_without_errors() {
        let root = Path::new("/sys");
        if !looks_like_sysfs_root(root) {
            return;
        }
        let read = read_sysfs_root(root, "/sys");
        assert!(read.errors.is_empty(), "{:?}", read.errors);
        let devices = read.snapshot.devices.expect("/sys/bus is listed");
        assert!(!devices.is_empty());
        assert!(read.snapshot.waiting_for_supplier.is_some());
    }
}
