//! A sysfs (the live `/sys`, a copied tree with its symlinks such as a capture's `sysfs/`
//! mirror, or a target `collect` reads): device links, devices with their
//! driver/iommu_group/iommu/of_node links, `waiting_for_supplier`,
//! `kernel/debug/devices_deferred`, `kernel/iommu_groups`, `class/iommu`, `firmware/fdt` and the
//! IOMMU ACPI tables. Reads only; never follows a link out of the root.
//!
//! Every source answers the same few questions ([`SysfsSource`]: list a directory, read a link,
//! read an attribute with a cap), and every typed part is read by one reader over them
//! (`readers`), so a folder, the local system and an SSH target cannot disagree on a fact.
//! [`SysfsFolder`] is the source for a tree on disk: it resolves every symlink one component at
//! a time against the root (an absolute target `/sys/x` means `<root>/x`; any other absolute
//! target, or `..` above the root, is refused). Links may dangle, as in a copy that kept only
//! the directories holding attributes: the target text still names the device. A checkout made
//! with `core.symlinks=false` turns each symlink into a small regular file holding the target
//! path without a trailing newline; such a file is taken as the link it was (sysfs attribute
//! files always end in a newline).
//!
//! Every read is bounded; a file or directory that cannot be read becomes a note or an input
//! error, never a failure of the whole tree.

mod devicetree;
pub mod layout;
pub mod readers;
pub mod source;
mod tree;

pub use devicetree::read_devicetree_directory;
pub use readers::{Part, PartAccount};
pub use source::{
    EntryKind, Found, Listing, SysfsEntry, SysfsError, SysfsErrorKind, SysfsResult, SysfsSource,
};
pub use tree::{io_kind, SysfsFolder};

use super::deferred::{parse_devices_deferred, DeferredEntry};
use super::dt::DeviceTree;
use super::Snapshot;
use crate::error::{InputError, Location};
use crate::model::SourceName;
use source::join;
use std::fs;
use std::path::Path;

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

/// Reads a copy of a sysfs on disk (or the live `/sys` when nothing changes it meanwhile). `display` names it in origins and messages (`capture/sysfs`).
pub fn read_sysfs_root(root: &Path, display: &str) -> SysfsRead {
    read_sysfs(&mut SysfsFolder::copy(root, display))
}

/// Reads every part of a sysfs from `source`.
pub fn read_sysfs<S: SysfsSource + ?Sized>(source: &mut S) -> SysfsRead {
    let mut read = SysfsRead::default();
    let devlinks = readers::devlinks(source);
    if devlinks.account.root.as_ref().is_some_and(SysfsError::is_missing) {
        read.missing.push((
            SnapshotPart::Devlinks,
            format!(
                "no class/devlink in {} (kernel before v5.9, or not captured): device links unavailable",
                source.describe("/sys")
            ),
        ));
    }
    read.snapshot.devlinks = read.take(source, devlinks);
    let devices = readers::devices(source);
    read.snapshot.devices = read.take(source, devices);
    let waiting = readers::waiting_for_supplier(source);
    read.snapshot.waiting_for_supplier = read.take(source, waiting);
    read.snapshot.deferred = devices_deferred(source, &mut read);
    let groups = readers::iommu_groups(source);
    read.snapshot.iommu_groups = read.take(source, groups);
    let instances = readers::iommu_instances(source);
    read.snapshot.iommu_instances = read.take(source, instances);
    read.device_tree = devicetree::device_tree(source, &mut read);
    read.acpi_tables = devicetree::acpi_tables(source, &mut read);
    read
}

impl SysfsRead {
    /// Keeps a part's records and says what went wrong reading it.
    fn take<S: SysfsSource + ?Sized, T>(&mut self, source: &S, part: Part<T>) -> Option<Vec<T>> {
        let account = part.account;
        match &account.root {
            Some(error) if !error.is_missing() => self.notes.push(format!(
                "{} not readable: {}",
                source.describe(&error.path),
                describe_kind(&error.kind)
            )),
            _ => {}
        }
        if account.denied > 0 {
            self.notes.push(format!(
                "{} entries below {} were not readable (permission denied)",
                account.denied,
                source.describe("/sys")
            ));
        }
        for failure in account.failures {
            self.errors.push(
                InputError::new(
                    source.describe(&failure.path),
                    Location::File,
                    "a readable sysfs entry",
                )
                .found(describe_kind(&failure.kind)),
            );
        }
        if account.left_out > 0 {
            self.notes.push(format!(
                "{} entries of {} were left out: their names hold a newline or are not UTF-8",
                account.left_out,
                source.describe("/sys")
            ));
        }
        if let Some(cut) = account.cut_short {
            self.notes.push(cut);
        }
        self.errors.extend(part.errors);
        part.records
    }
}

/// What went wrong with a read, without the path.
fn describe_kind(kind: &SysfsErrorKind) -> String {
    match kind {
        SysfsErrorKind::Missing => "not there".to_string(),
        SysfsErrorKind::Denied => "permission denied".to_string(),
        SysfsErrorKind::Refused => "leads out of the sysfs root or through a loop".to_string(),
        SysfsErrorKind::Failed(why) => why.clone(),
    }
}

/// `kernel/debug/devices_deferred`, with a note saying why it is not there when it is not.
fn devices_deferred<S: SysfsSource + ?Sized>(
    source: &mut S,
    read: &mut SysfsRead,
) -> Option<Vec<DeferredEntry>> {
    let debugfs = layout::DEBUGFS;
    let file = join(debugfs, "devices_deferred");
    let file_display = source.describe(&file);
    let cap = crate::limits::current().deferred_bytes;
    let why = match source.read_attr(&file, cap.saturating_add(1)) {
        Ok(mut bytes) => {
            if bytes.len() as u64 > cap {
                bytes.truncate(cap as usize);
                read.notes
                    .push(crate::limits::cap_hit(&file_display, "deferred-bytes"));
            }
            let name: SourceName = file_display.into();
            let (entries, errors) = parse_devices_deferred(&name, bytes.as_slice());
            read.errors.extend(errors);
            return Some(entries);
        }
        Err(error) => error.kind,
    };
    let note = match (why, source.list(debugfs)) {
        (_, Err(error)) if error.is_missing() => format!(
            "devices_deferred not readable: {} absent (debugfs not mounted, or not captured)",
            source.describe(debugfs)
        ),
        (SysfsErrorKind::Missing, Ok(listing)) if listing.entries.is_empty() => format!(
            "devices_deferred not readable: debugfs not mounted at {}",
            source.describe(debugfs)
        ),
        (SysfsErrorKind::Missing, Err(error)) if error.kind == SysfsErrorKind::Denied => format!(
            "devices_deferred not readable: permission denied on {} (debugfs is root-only)",
            source.describe(debugfs)
        ),
        (SysfsErrorKind::Missing, _) => format!(
            "devices_deferred not readable: {file_display} absent (kernel without CONFIG_DEBUG_FS, or not captured)"
        ),
        (kind, _) => format!("devices_deferred not readable: {} ({file_display})", describe_kind(&kind)),
    };
    read.missing.push((SnapshotPart::Deferred, note));
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scenario(path: &str) -> PathBuf {
        PathBuf::from(format!("{}/fixtures/qemu/{path}", env!("CARGO_MANIFEST_DIR")))
    }

    /// Reads `root` as a copy (listings and links read once) and as a live tree (each name
    /// looked up on its own), checks that both read the same, and gives the copy's read.
    fn read_both_ways(root: &Path, display: &str) -> SysfsRead {
        let copy = read_sysfs_root(root, display);
        let live = read_sysfs(&mut SysfsFolder::new(root, display));
        assert_eq!(format!("{copy:#?}"), format!("{live:#?}"), "{}", root.display());
        copy
    }

    #[test]
    fn a_copy_reads_what_the_tree_read_name_by_name_reads() {
        for mirror in [
            "smmuv3-6.1/S2-smmu-late/sysfs",
            "smmuv3-6.1/S2-smmu-late/sysfs-before-timeout",
            "virtio-iommu-q35-6.12/Q2-viommu-late/sysfs",
            "intel-iommu-q35-6.12/I1-builtin/sysfs",
        ] {
            let read = read_both_ways(&scenario(mirror), mirror);
            assert!(read.snapshot.devices.is_some_and(|d| !d.is_empty()), "{mirror}");
        }
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
        let read = read_both_ways(&root, "sys");
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
        let read = read_both_ways(root, "flat");
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
