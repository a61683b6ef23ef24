//! Where the kernel keeps the evidence in sysfs: the one list of places the sysfs readers
//! (`readers.rs`) ask every source for, a tree on disk or a target `collect` reads. A path here
//! is a sysfs path (`/sys/...`), whatever root it is read below.

/// Device links: one directory per link (`device_link_add()`, drivers/base/core.c).
pub const DEVLINK_CLASS: &str = "/sys/class/devlink";
/// One directory per bus, each with a `devices/` of links to the bus's devices.
pub const BUS_ROOT: &str = "/sys/bus";
/// The device hierarchy, where `waiting_for_supplier` attributes live.
pub const DEVICES_ROOT: &str = "/sys/devices";
/// debugfs, where `devices_deferred` lives when it is mounted.
pub const DEBUGFS: &str = "/sys/kernel/debug";
/// One directory per IOMMU group, with its `type` and `devices/`.
pub const IOMMU_GROUPS: &str = "/sys/kernel/iommu_groups";
/// One entry per IOMMU instance, with its `device` and `devices/`.
pub const IOMMU_CLASS: &str = "/sys/class/iommu";
/// The flattened device tree the kernel booted with.
pub const FDT: &str = "/sys/firmware/fdt";
/// The raw ACPI tables the firmware provided, one file per signature.
pub const ACPI_TABLES: &str = "/sys/firmware/acpi/tables";
/// The ACPI tables that describe IOMMUs: virtio-iommu, Arm SMMU, Intel VT-d, AMD-Vi.
pub const ACPI_IOMMU_TABLES: [&str; 4] = ["VIOT", "IORT", "DMAR", "IVRS"];
/// The device tree as directories (nodes) and files (properties).
pub const DT_BASE: &str = "/sys/firmware/devicetree/base";
/// The links of a device directory that say how it is bound and placed.
pub const DEVICE_LINKS: [&str; 4] = ["driver", "iommu_group", "iommu", "of_node"];

/// The DT path of an `of_node` link's resolved target (`/pl011@9000000`, `/` for the root);
/// `None` when it does not point into the device tree.
pub fn dt_node_path(resolved: &str) -> Option<String> {
    let rest = resolved.strip_prefix(DT_BASE)?;
    if rest.is_empty() {
        return Some("/".to_string());
    }
    rest.starts_with('/').then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
