//! Which firmware described the machine, because it decides the kernel's rules for a late
//! IOMMU.
//!
//! Layer: reads `model` only.
//!
//! With a device tree, `iommus`/`iommu-map` make the IOMMU an optional fw_devlink supplier
//! (drivers/of/property.c), which the deferred-probe timeout cuts loose
//! (`driver_deferred_probe_check_state()` in drivers/base/dd.c, "ignoring dependency"), and
//! `fw_devlink.strict=1` turns into a blocking link. With ACPI (IORT, VIOT, DMAR, IVRS) the
//! IOMMU is configured by `acpi_iommu_configure_id()` (drivers/acpi/scan.c), which keeps
//! returning -EPROBE_DEFER while the IOMMU driver is expected (`iort_iommu_driver_enabled()`,
//! `viot_dev_iommu_init()`): no timeout lets the consumer go, and fw_devlink has no bearing.
//!
//! An arm64 kernel booted through UEFI with ACPI still has a `/sys/firmware/fdt`: the EFI stub's
//! own tree, which carries `/chosen` and no device node. So a device tree counts as the
//! machine's description only when it has nodes with a `compatible`.

use crate::model::Boot;

/// What described the machine's devices to the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firmware {
    DeviceTree,
    Acpi,
    /// The capture does not say (a log without its firmware lines, no tables, no tree).
    Unknown,
}

/// The firmware of a boot: a device tree that describes devices wins; else ACPI when any ACPI
/// table was seen (given raw, or listed by the log's `ACPI: SIG 0x...` lines).
pub fn firmware(boot: &Boot) -> Firmware {
    let describes_devices = boot
        .device_tree
        .as_ref()
        .is_some_and(|tree| tree.nodes.iter().any(|node| !node.compatible.is_empty()));
    if describes_devices {
        Firmware::DeviceTree
    } else if !boot.acpi.tables.is_empty() {
        Firmware::Acpi
    } else if boot.device_tree.is_some() {
        Firmware::DeviceTree
    } else {
        Firmware::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firmware_of(capture: &str) -> Firmware {
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(capture)],
            ..Default::default()
        };
        let (boot, _) = crate::pipeline::analyse(&spec).expect("the capture reads");
        firmware(&boot)
    }

    #[test]
    fn an_acpi_boots_stub_device_tree_describes_no_device() {
        // A1 (arm64, ACPI with IORT): the EFI stub's device tree holds only /chosen (bootargs,
        // the UEFI memory map), no node with a `compatible`: the firmware is ACPI.
        assert_eq!(
            firmware_of("fixtures/qemu/smmuv3-iort-arm64-6.12/A1-smmuv3-builtin"),
            Firmware::Acpi
        );
        // S2: QEMU's `virt` device tree describes the devices.
        assert_eq!(
            firmware_of("fixtures/qemu/smmuv3-6.1/S2-smmu-late"),
            Firmware::DeviceTree
        );
        // Q2 (x86 q35): no device tree, ACPI tables (VIOT).
        assert_eq!(
            firmware_of("fixtures/qemu/virtio-iommu-q35-6.12/Q2-viommu-late"),
            Firmware::Acpi
        );
    }
}
