//! The device tree a sysfs root holds: `firmware/fdt` (the flattened blob) when readable,
//! else the directory form `firmware/devicetree/base` (a directory per node, a file per
//! property), which is also read on its own when a copy of it is named as an input.

use super::tree::{read_bounded, Resolved, Tree};
use super::{layout, SysfsRead};
use crate::error::InputError;
use crate::ingest::dt::{self, DeviceTree, RawNode, RawProp};
use crate::limits::{SYSFS_WALK_DEPTH, SYSFS_WALK_DIRS};
use crate::model::SourceName;
use std::fs;
use std::path::Path;

/// Largest property file of `firmware/devicetree/base`.
const MAX_DT_PROPERTY: u64 = 1 << 20;

/// Reads the directory form of a device tree (`/sys/firmware/devicetree/base` or a copy of
/// it): a directory per node, a file per property. Returns the tree, its problems and notes.
pub fn read_devicetree_directory(dir: &Path, display: &str) -> (DeviceTree, Vec<InputError>, Vec<String>) {
    let tree = Tree {
        root: dir.to_path_buf(),
        display: display.trim_end_matches('/').to_string(),
    };
    let (raw, notes) = tree.read_devicetree_dir(&[]);
    let mut problems = Vec::new();
    let device_tree = dt::build_tree(&tree.source(&[]), raw, &mut problems);
    (device_tree, problems, notes)
}

/// The largest ACPI table read (IOMMU tables are a few KiB).
const MAX_ACPI_TABLE: u64 = 1 << 20;

impl Tree {
    /// The raw ACPI tables that describe IOMMUs, as files under `firmware/acpi/tables`.
    pub(super) fn acpi_tables(&self, read: &mut SysfsRead) -> Vec<(SourceName, Vec<u8>)> {
        let mut tables = Vec::new();
        for signature in layout::ACPI_IOMMU_TABLES {
            let Resolved::Found(parts) = self.resolve(&format!("{}/{signature}", layout::ACPI_TABLES)) else {
                continue;
            };
            let path = self.real(&parts);
            if !path.is_file() {
                continue;
            }
            match read_bounded(&path, MAX_ACPI_TABLE) {
                Ok(bytes) => tables.push((self.source(&parts), bytes)),
                Err(e) => read
                    .notes
                    .push(format!("{} not readable: {e}", self.display_of(&parts))),
            }
        }
        tables
    }

    pub(super) fn device_tree(&self, read: &mut SysfsRead) -> Option<DeviceTree> {
        if let Resolved::Found(parts) = self.resolve(layout::FDT) {
            let path = self.real(&parts);
            if path.is_file() {
                let source = self.source(&parts);
                return match read_bounded(&path, dt::MAX_FDT_SIZE) {
                    Ok(blob) => match dt::parse_fdt(&source, &blob) {
                        Ok((tree, problems)) => {
                            read.errors.extend(problems);
                            Some(tree)
                        }
                        Err(e) => {
                            read.errors.push(e);
                            None
                        }
                    },
                    Err(e) => {
                        read.notes
                            .push(format!("{} not readable: {e}", self.display_of(&parts)));
                        None
                    }
                };
            }
        }
        let base = self.dir(layout::DT_BASE)?;
        let source = self.source(&base);
        let (raw, notes) = self.read_devicetree_dir(&base);
        read.notes.extend(notes);
        let mut problems = Vec::new();
        let tree = dt::build_tree(&source, raw, &mut problems);
        read.errors.extend(problems);
        Some(tree)
    }

    /// The directory form of the device tree: a directory per node, a file per property.
    fn read_devicetree_dir(&self, base: &[String]) -> (Vec<RawNode>, Vec<String>) {
        let mut nodes = vec![RawNode {
            full_name: String::new(),
            parent: None,
            props: Vec::new(),
        }];
        let mut notes = Vec::new();
        let mut stack: Vec<(usize, Vec<String>)> = vec![(0, base.to_vec())];
        while let Some((index, dir)) = stack.pop() {
            let Ok(names) = self.list(&dir) else {
                continue;
            };
            let mut children = Vec::new();
            for name in names {
                let real = self.real(&dir).join(&name);
                let Ok(meta) = fs::symlink_metadata(&real) else {
                    continue;
                };
                if meta.is_dir() {
                    if nodes.len() >= SYSFS_WALK_DIRS || dir.len() >= SYSFS_WALK_DEPTH + base.len() {
                        notes.push(format!(
                            "{}: device tree directory too large or deep, rest skipped",
                            self.display_of(&dir)
                        ));
                        continue;
                    }
                    nodes.push(RawNode {
                        full_name: name.clone(),
                        parent: Some(index),
                        props: Vec::new(),
                    });
                    let mut child = dir.clone();
                    child.push(name);
                    children.push((nodes.len() - 1, child));
                } else if meta.is_file() {
                    if let Ok(value) = read_bounded(&real, MAX_DT_PROPERTY) {
                        if let Some(node) = nodes.get_mut(index) {
                            node.props.push(RawProp {
                                name,
                                value,
                                offset: None,
                            });
                        }
                    }
                }
            }
            stack.extend(children.into_iter().rev());
        }
        (nodes, notes)
    }
}
