//! The device tree a sysfs holds: `firmware/fdt` (the flattened blob) when readable, else the
//! directory form `firmware/devicetree/base` (a directory per node, a file per property), which
//! is also read on its own when a copy of it is named as an input; and the raw ACPI tables that
//! describe IOMMUs.

use super::source::{join, walk, EntryKind, SysfsSource};
use super::{layout, SysfsFolder, SysfsRead};
use crate::error::InputError;
use crate::ingest::dt::{self, DeviceTree, RawNode, RawProp};
use crate::model::SourceName;
use std::collections::HashMap;
use std::path::Path;

/// Reads the directory form of a device tree (`/sys/firmware/devicetree/base` or a copy of
/// it): a directory per node, a file per property. Returns the tree, its problems and notes.
pub fn read_devicetree_directory(dir: &Path, display: &str) -> (DeviceTree, Vec<InputError>, Vec<String>) {
    // The folder is the tree's root, so its sysfs path is `/sys`.
    let mut source = SysfsFolder::copy(dir, display);
    let (raw, notes) = read_devicetree_dir(&mut source, "/sys");
    let mut problems = Vec::new();
    let source_name: SourceName = source.describe("/sys").into();
    let device_tree = dt::build_tree(&source_name, raw, &mut problems);
    (device_tree, problems, notes)
}

/// The raw ACPI tables that describe IOMMUs, as files under `firmware/acpi/tables`.
pub(super) fn acpi_tables<S: SysfsSource + ?Sized>(
    source: &mut S,
    read: &mut SysfsRead,
) -> Vec<(SourceName, Vec<u8>)> {
    let mut tables = Vec::new();
    for signature in layout::ACPI_IOMMU_TABLES {
        let path = join(layout::ACPI_TABLES, signature);
        let cap = crate::limits::current().small_file_bytes;
        match source.read_attr(&path, cap.saturating_add(1)) {
            Ok(mut bytes) => {
                if bytes.len() as u64 > cap {
                    bytes.truncate(cap as usize);
                    read.notes.push(crate::limits::cap_hit(
                        &source.describe(&path),
                        "small-file-bytes",
                    ));
                }
                tables.push((source.describe(&path).into(), bytes))
            }
            Err(error) if error.is_missing() => {}
            Err(error) => read
                .notes
                .push(format!("{} not readable: {error}", source.describe(&path))),
        }
    }
    tables
}

pub(super) fn device_tree<S: SysfsSource + ?Sized>(
    source: &mut S,
    read: &mut SysfsRead,
) -> Option<DeviceTree> {
    let cap = crate::limits::current().dt_bytes;
    match source.read_attr(layout::FDT, cap.saturating_add(1)) {
        Ok(mut blob) => {
            if blob.len() as u64 > cap {
                blob.truncate(cap as usize);
                read.notes
                    .push(crate::limits::cap_hit(&source.describe(layout::FDT), "dt-bytes"));
            }
            let name: SourceName = source.describe(layout::FDT).into();
            return match dt::parse_fdt(&name, &blob) {
                Ok((tree, problems)) => {
                    read.errors.extend(problems);
                    Some(tree)
                }
                Err(e) => {
                    read.errors.push(e);
                    None
                }
            };
        }
        Err(error) if error.is_missing() => {}
        Err(error) => {
            read.notes
                .push(format!("{} not readable: {error}", source.describe(layout::FDT)));
            return None;
        }
    }
    source.list(layout::DT_BASE).ok()?;
    let (raw, notes) = read_devicetree_dir(source, layout::DT_BASE);
    read.notes.extend(notes);
    let mut problems = Vec::new();
    let name: SourceName = source.describe(layout::DT_BASE).into();
    let tree = dt::build_tree(&name, raw, &mut problems);
    read.errors.extend(problems);
    Some(tree)
}

/// The directory form of the device tree: a directory per node, a file per property.
fn read_devicetree_dir<S: SysfsSource + ?Sized>(source: &mut S, base: &str) -> (Vec<RawNode>, Vec<String>) {
    let mut nodes = vec![RawNode {
        full_name: String::new(),
        parent: None,
        props: Vec::new(),
    }];
    let mut notes = Vec::new();
    // Each directory's node, by path: the walk visits parents before children.
    let mut node_of: HashMap<String, usize> = HashMap::from([(base.to_string(), 0)]);
    let mut properties: Vec<(usize, String)> = Vec::new();
    let walked = walk(source, base, &mut |dir, _depth, listing| {
        let Some(&index) = node_of.get(dir) else {
            return;
        };
        for entry in &listing.entries {
            let path = join(dir, &entry.name);
            match entry.kind {
                EntryKind::Dir => {
                    nodes.push(RawNode {
                        full_name: entry.name.clone(),
                        parent: Some(index),
                        props: Vec::new(),
                    });
                    node_of.insert(path, nodes.len() - 1);
                }
                EntryKind::File => properties.push((index, path)),
                _ => {}
            }
        }
    });
    if let Ok(Some(cut)) = walked {
        notes.push(format!(
            "device tree directory too large or deep: {cut}; rest skipped"
        ));
    }
    let cap = crate::limits::current().dt_property_bytes;
    for (index, path) in properties {
        let Ok(mut value) = source.read_attr(&path, cap.saturating_add(1)) else {
            continue;
        };
        if value.len() as u64 > cap {
            value.truncate(cap as usize);
            notes.push(crate::limits::cap_hit(
                &source.describe(&path),
                "dt-property-bytes",
            ));
        }
        let name = super::tree::basename(&path).to_string();
        if let Some(node) = nodes.get_mut(index) {
            node.props.push(RawProp {
                name,
                value,
                offset: None,
            });
        }
    }
    (nodes, notes)
}
