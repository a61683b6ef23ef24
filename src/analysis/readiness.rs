//! When an IOMMU became ready: the moment its driver registered it, not the moment some device
//! near it bound.
//!
//! Layer: reads `model` only; `iommu_order` and the rules that speak of an IOMMU's arrival use
//! it.
//!
//! Kernel facts relied on:
//! - An IOMMU is usable by its consumers once its driver has called `iommu_device_register()`
//!   (drivers/iommu/iommu.c); `of_iommu_configure()` / the ACPI equivalents defer a consumer (or,
//!   after the deferred-probe timeout on a DT system, let it go ahead) until then.
//! - The device that registers the IOMMU is the one the IOMMU driver binds; it need not be the
//!   firmware's IOMMU node. virtio-iommu is a virtio device (`virtioN`, driver `virtio_iommu`)
//!   created under the PCI function that `virtio-pci` binds (drivers/virtio/virtio_pci_common.c
//!   `virtio_pci_probe()` → `register_virtio_device()`), so the PCI function binds long before
//!   the IOMMU exists. The class device `/sys/class/iommu/<name>` has that registering device as
//!   its parent (`iommu_device_sysfs_add()`).
//!
//! Evidence of the registration, strongest first: the registering device's own bind; its
//! `/sys/class/iommu` entry in a snapshot; the IOMMU driver's lines (a bind by driver prefix);
//! consumers joining IOMMU groups (`iommu_order` adds those).

use crate::model::acpi::{AcpiIommu, AcpiIommuKind};
use crate::model::{BindEvidence, Boot, DeviceId};
use std::collections::BTreeSet;

/// The device whose driver registers the IOMMU that the firmware names as `iommu`.
///
/// The IOMMU device itself when it registered an instance or has no device below it that
/// could; else the one device below it (in sysfs) that registered an instance, or, when no
/// snapshot lists instances, the only device below it that is not one of its consumers.
pub fn registrar(boot: &Boot, iommu: DeviceId) -> DeviceId {
    let device = boot.device(iommu);
    if !device.iommu_instances.is_empty() {
        return iommu;
    }
    let Some(path) = device.sysfs_path.as_deref() else {
        return virtio_iommu_device_in_log(boot, iommu).unwrap_or(iommu);
    };
    let prefix = format!("{path}/");
    let below: Vec<DeviceId> = boot
        .device_ids()
        .filter(|id| {
            boot.device(*id)
                .sysfs_path
                .as_deref()
                .is_some_and(|p| p.starts_with(&prefix))
        })
        .filter(|id| !boot.iommus_of(*id).any(|edge| edge.iommu == iommu))
        .collect();
    if let Some(registered) = below
        .iter()
        .find(|id| !boot.device(**id).iommu_instances.is_empty())
    {
        return *registered;
    }
    match below.as_slice() {
        [only] => *only,
        _ => iommu,
    }
}

/// The earliest evidence that the IOMMU's driver probed the device that registers it: the log's
/// bind of that device or its driver's own lines, else the first snapshot showing it bound.
/// (`iommu_device_register()` runs inside that probe; a driver's line is the nearest a plain
/// log gets to it.)
pub fn registration(boot: &Boot, iommu: DeviceId) -> Option<BindEvidence> {
    let registrar = registrar(boot, iommu);
    if is_virtio_transport(boot, iommu) && registrar == iommu {
        // The transport's bind of the function (or its lines) is no sign of the IOMMU; only
        // the `virtio_iommu` driver's own bind would be, and that is of another device.
        return None;
    }
    boot.probe_evidence(registrar)
}

/// Compatible strings of a virtio-iommu's device-tree node (Documentation/devicetree/bindings/
/// virtio/iommu.yaml: a PCI function `pci1af4,1057` (virtio-iommu's PCI ID), optionally with
/// `virtio,pci-iommu`) and of the virtio-mmio transport node that carries `#iommu-cells` when
/// the virtio-iommu sits on MMIO (bindings/virtio/mmio.yaml). In both, the transport's driver
/// binds the node's device and `register_virtio_device()` creates `virtioN` below it; the
/// IOMMU registers when `virtio_iommu` binds that child (drivers/iommu/virtio-iommu.c
/// `viommu_probe()` → `iommu_device_register()`).
const VIRTIO_IOMMU_NODES: &[&str] = &["virtio,pci-iommu", "pci1af4,1057", "virtio,mmio"];

/// Drivers of the virtio transports (drivers/virtio/virtio_pci_common.c `.name =
/// "virtio-pci"`, drivers/virtio/virtio_mmio.c `.name = "virtio-mmio"`): they register no
/// IOMMU.
const VIRTIO_TRANSPORT_DRIVERS: &[&str] = &["virtio-pci", "virtio-mmio"];

/// The virtio-iommu driver's name (drivers/iommu/virtio-iommu.c: `.name = KBUILD_MODNAME`).
const VIRTIO_IOMMU_DRIVER: &str = "virtio_iommu";

/// Whether the IOMMU device is a virtio transport (by its DT node's compatible, or because a
/// transport driver is what bound it): its registration is its virtio child's bind.
fn is_virtio_transport(boot: &Boot, iommu: DeviceId) -> bool {
    let by_node = boot.device(iommu).dt_path.as_deref().is_some_and(|path| {
        boot.device_tree.as_ref().is_some_and(|tree| {
            tree.by_path(path).is_some_and(|node| {
                tree.node(node)
                    .compatible
                    .iter()
                    .any(|c| VIRTIO_IOMMU_NODES.contains(&c.as_str()))
            })
        })
    });
    // VIOT names a virtio-iommu by its PCI function (not through `registrar`, which asks this).
    let name = &boot.device(iommu).name;
    let by_acpi = boot.acpi.routes.iter().any(|route| {
        route.iommu.device.as_ref() == Some(name)
            && matches!(
                route.iommu.kind,
                AcpiIommuKind::VirtioIommuPci | AcpiIommuKind::VirtioIommuMmio
            )
    });
    by_node
        || by_acpi
        || boot
            .probe_evidence(iommu)
            .and_then(|bind| bind.driver)
            .is_some_and(|driver| VIRTIO_TRANSPORT_DRIVERS.contains(&driver.as_str()))
}

/// IOMMU drivers that print a line on every successful probe, at the default log level, before
/// `iommu_device_register()`: drivers/iommu/virtio-iommu.c `viommu_probe()` ("input address:
/// %u bits"), arm/arm-smmu-v3/arm-smmu-v3.c `arm_smmu_device_hw_probe()` ("ias %lu-bit, oas
/// %lu-bit"), arm/arm-smmu/arm-smmu.c `arm_smmu_device_cfg_probe()` ("probing hardware
/// configuration..."). Others (exynos-sysmmu, rk_iommu, ipmmu-vmsa, ...) bind silently.
const DRIVERS_ANNOUNCING_BIND: &[&str] = &["virtio_iommu", "arm-smmu-v3", "arm-smmu"];

/// Device-tree compatibles of the IOMMUs those drivers bind (their `of_match_table`s).
const COMPATIBLES_OF_ANNOUNCING_DRIVERS: &[(&str, &str)] = &[
    ("arm,smmu-v3", "arm-smmu-v3"),
    ("arm,smmu-v1", "arm-smmu"),
    ("arm,smmu-v2", "arm-smmu"),
    ("arm,mmu-400", "arm-smmu"),
    ("arm,mmu-401", "arm-smmu"),
    ("arm,mmu-500", "arm-smmu"),
    ("cavium,smmu-v2", "arm-smmu"),
    ("nvidia,smmu-500", "arm-smmu"),
    ("qcom,smmu-500", "arm-smmu"),
    ("qcom,smmu-v2", "arm-smmu"),
];

/// The driver that registers the IOMMU, when the firmware's description says (its DT node's
/// compatible, the ACPI table's node kind).
fn registering_driver(boot: &Boot, iommu: DeviceId) -> Option<&'static str> {
    if is_virtio_transport(boot, iommu) {
        return Some(VIRTIO_IOMMU_DRIVER);
    }
    let from_node = boot.device(iommu).dt_path.as_deref().and_then(|path| {
        let tree = boot.device_tree.as_ref()?;
        let node = tree.node(tree.by_path(path)?);
        COMPATIBLES_OF_ANNOUNCING_DRIVERS
            .iter()
            .find(|(compatible, _)| node.compatible.iter().any(|c| c == compatible))
            .map(|(_, driver)| *driver)
    });
    from_node.or_else(|| acpi_node(boot, iommu).map(|node| node.kind.driver()))
}

/// Whether a kernel log that shows nothing of the IOMMU's bind shows that it did not bind: only
/// when its driver prints on every successful probe. A silent driver's bind leaves no line, so
/// without a snapshot the IOMMU's state is unknown, not "never bound".
pub fn bind_would_show_in_log(boot: &Boot, iommu: DeviceId) -> bool {
    registering_driver(boot, iommu).is_some_and(|driver| DRIVERS_ANNOUNCING_BIND.contains(&driver))
}

/// Without a snapshot that places devices, the virtio device that registers a virtio-iommu:
/// the one device the `virtio_iommu` driver probed, when the boot has one virtio-iommu (with
/// two, the log alone cannot say which child is whose).
fn virtio_iommu_device_in_log(boot: &Boot, iommu: DeviceId) -> Option<DeviceId> {
    if !is_virtio_transport(boot, iommu) {
        return None;
    }
    let virtio_iommus: BTreeSet<DeviceId> = boot
        .iommu_edges
        .iter()
        .map(|edge| edge.iommu)
        .filter(|id| is_virtio_transport(boot, *id))
        .collect();
    if virtio_iommus.len() > 1 {
        return None;
    }
    let probed_by_driver: Vec<DeviceId> = boot
        .device_ids()
        .filter(|id| *id != iommu)
        .filter(|id| {
            boot.probe_evidence(*id)
                .and_then(|bind| bind.driver)
                .is_some_and(|driver| driver == VIRTIO_IOMMU_DRIVER)
        })
        .collect();
    match probed_by_driver.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

/// Whether snapshot `index` shows the IOMMU registered (`Some(true)`), not yet registered
/// (`Some(false)`), or does not tell.
pub fn registered_in_snapshot(boot: &Boot, iommu: DeviceId, index: usize) -> Option<bool> {
    boot.device(registrar(boot, iommu))
        .states
        .get(index)
        .and_then(|state| state.bound())
}

/// The ACPI table's node for an IOMMU device (VIOT names a virtio-iommu by its PCI function;
/// IORT an SMMU by its base address, which the SMMUv3 driver puts in its instance name).
pub fn acpi_node(boot: &Boot, iommu: DeviceId) -> Option<&AcpiIommu> {
    let name = &boot.device(iommu).name;
    let instances = &boot.device(registrar(boot, iommu)).iommu_instances;
    boot.acpi.routes.iter().map(|route| &route.iommu).find(|node| {
        node.device.as_ref() == Some(name)
            || node
                .base_address
                .is_some_and(|base| instances.contains(&format!("smmu3.{base:#018x}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn boot_of(paths: Vec<PathBuf>) -> Boot {
        crate::pipeline::boot_of_paths(&paths)
    }

    fn fixture(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/qemu")
            .join(relative)
    }

    /// A device of the boot, by its kernel name.
    fn id(boot: &Boot, name: &str) -> DeviceId {
        boot.find_by_name(name)
            .unwrap_or_else(|| panic!("{name} is a device of the capture"))
    }

    const V2: &str = "virtio-iommu-arm64-6.12/V2-viommu-late";
    /// The virtio-iommu PCI function the device tree's `iommu-map` names.
    const VIOMMU_FUNCTION: &str = "0000:00:02.0";

    #[test]
    fn a_virtio_iommu_is_registered_by_the_virtio_device_below_its_pci_function() {
        // V2 (truth.json): virtio-pci bound 0000:00:02.0 early; the virtio_iommu driver bound
        // virtio0 below it at 20.68 s ("virtio_iommu virtio0: input address: 48 bits").
        let boot = boot_of(vec![fixture(V2)]);
        let function = id(&boot, VIOMMU_FUNCTION);
        assert_eq!(registrar(&boot, function), id(&boot, "virtio0"));
        let registered = registration(&boot, function).expect("virtio0 bound");
        assert!(registered.evidence.origin.to_string().ends_with("/kmsg.txt:435"));
        assert_eq!(
            &*registered.evidence.text,
            "virtio_iommu virtio0: input address: 48 bits"
        );
        // Not yet registered before and after the timeout, registered at the end; the start
        // snapshot lists no driver state.
        let states: Vec<(&str, Option<bool>)> = (0..boot.snapshots.len())
            .map(|i| {
                (
                    boot.snapshots[i].as_str(),
                    registered_in_snapshot(&boot, function, i),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("start", None),
                ("before-timeout", Some(false)),
                ("after-timeout", Some(false)),
                ("final", Some(true))
            ]
        );
        // Past the last snapshot nothing is known.
        assert_eq!(
            registered_in_snapshot(&boot, function, boot.snapshots.len()),
            None
        );
    }

    #[test]
    fn without_a_listing_of_iommu_instances_the_one_device_below_that_is_no_consumer_registers() {
        // V2's final device listing and device tree alone: no /sys/class/iommu, and virtio0 is
        // the only device below the PCI function.
        let boot = boot_of(vec![fixture(V2).join("drivers.txt"), fixture(V2).join("fdt.dtb")]);
        let function = id(&boot, VIOMMU_FUNCTION);
        assert!(boot.devices.iter().all(|d| d.iommu_instances.is_empty()));
        assert_eq!(registrar(&boot, function), id(&boot, "virtio0"));
        assert_eq!(
            registration(&boot, function).map(|b| b.evidence.text.to_string()),
            Some("virtio0: driver virtio_iommu bound at snapshot final".to_string())
        );
    }

    #[test]
    fn from_a_log_and_device_tree_a_virtio_iommu_registers_when_virtio_iommu_binds_not_virtio_pci() {
        // V2's log and device tree alone: virtio-pci bound the function 0000:00:02.0 (the
        // node compatible "pci1af4,1057") early; the IOMMU registered only when virtio_iommu
        // bound virtio0 at 20.68 s.
        for log in ["dmesg.txt", "kmsg.txt"] {
            let boot = boot_of(vec![fixture(V2).join(log), fixture(V2).join("fdt.dtb")]);
            let function = id(&boot, VIOMMU_FUNCTION);
            assert_eq!(
                boot.probe_evidence(function).and_then(|b| b.driver).as_deref(),
                Some("virtio-pci")
            );
            assert_eq!(registrar(&boot, function), id(&boot, "virtio0"));
            let registered = registration(&boot, function).expect("virtio0 bound");
            assert_eq!(
                &*registered.evidence.text,
                "virtio_iommu virtio0: input address: 48 bits"
            );
            assert!(bind_would_show_in_log(&boot, function));
        }
        // V3: virtio_iommu never loaded; the transport's bind is still no registration.
        let v3 = "virtio-iommu-arm64-6.12/V3-viommu-never";
        let boot = boot_of(vec![fixture(v3).join("dmesg.txt"), fixture(v3).join("fdt.dtb")]);
        let function = id(&boot, VIOMMU_FUNCTION);
        assert!(boot.probe_evidence(function).is_some());
        assert_eq!(registration(&boot, function), None);
    }

    #[test]
    fn a_silent_iommu_driver_leaves_no_line_to_miss() {
        // The Exynos SysMMU driver prints nothing when it binds (drivers/iommu/exynos-iommu.c
        // exynos_sysmmu_probe()); an SMMUv3's prints "ias .. oas ..".
        let e2 = "exynos-6.12/E2-exynos-late";
        let boot = boot_of(vec![fixture(e2).join("dmesg.txt"), fixture(e2).join("fdt.dtb")]);
        let sysmmus: BTreeSet<DeviceId> = boot.iommu_edges.iter().map(|e| e.iommu).collect();
        assert!(!sysmmus.is_empty());
        assert!(sysmmus.iter().all(|s| !bind_would_show_in_log(&boot, *s)));
        let s4 = "smmuv3-6.1/S4-smmu-never";
        let boot = boot_of(vec![fixture(s4).join("dmesg.txt"), fixture(s4).join("fdt.dtb")]);
        assert!(bind_would_show_in_log(&boot, id(&boot, "9050000.smmuv3")));
    }

    #[test]
    fn an_iommu_that_registers_its_own_instance_is_its_own_registrar() {
        // S2: /sys/class/iommu/smmu3.0x0000000009050000 has the SMMU's platform device as parent.
        let boot = boot_of(vec![fixture("smmuv3-6.1/S2-smmu-late")]);
        let smmu = id(&boot, "9050000.smmuv3");
        assert_eq!(registrar(&boot, smmu), smmu);
        // A device tree alone gives no sysfs path: the IOMMU itself.
        let dt = boot_of(vec![
            fixture("smmuv3-6.1/S2-smmu-late/dmesg.txt"),
            fixture("smmuv3-6.1/S2-smmu-late/fdt.dtb"),
        ]);
        let smmu = id(&dt, "9050000.smmuv3");
        assert_eq!(registrar(&dt, smmu), smmu);
    }

    #[test]
    fn the_acpi_node_of_an_iommu_is_found_by_pci_function_or_by_base_address() {
        // Q2's VIOT names the virtio-iommu by its PCI function 0000:00:02.0.
        let q2 = boot_of(vec![fixture("virtio-iommu-q35-6.12/Q2-viommu-late")]);
        let node = acpi_node(&q2, id(&q2, VIOMMU_FUNCTION)).expect("VIOT's node");
        assert_eq!(node.device.as_deref(), Some(VIOMMU_FUNCTION));
        assert_eq!(acpi_node(&q2, id(&q2, "virtio0")), None);
        // A1's IORT names the SMMUv3 by its base 0x9050000, which the driver puts in its
        // instance name smmu3.0x0000000009050000.
        let a1 = boot_of(vec![fixture("smmuv3-iort-arm64-6.12/A1-smmuv3-builtin")]);
        let node = acpi_node(&a1, id(&a1, "arm-smmu-v3.0.auto")).expect("IORT's node");
        assert_eq!(node.base_address, Some(0x905_0000));
        // A device-tree boot has no ACPI node.
        let s2 = boot_of(vec![fixture("smmuv3-6.1/S2-smmu-late")]);
        assert_eq!(acpi_node(&s2, id(&s2, "9050000.smmuv3")), None);
    }
}
