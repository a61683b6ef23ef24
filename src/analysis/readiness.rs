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

use crate::model::acpi::AcpiIommu;
use crate::model::{BindEvidence, Boot, DeviceId};

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
        return iommu;
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
    boot.probe_evidence(registrar(boot, iommu))
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
