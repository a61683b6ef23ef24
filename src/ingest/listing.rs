//! Text listings of the device state that sysfs shows, in the layouts probescope's own bundles
//! use (and the QEMU corpus captures use):
//!
//! - device table `#bus<TAB>device<TAB>driver<TAB>iommu_group<TAB>iommu<TAB>of_node<TAB>sysfs_path`
//!   (`-` for none),
//! - IOMMU groups: `group N type=T` then `  device D path=P` lines,
//! - IOMMU instances (`/sys/class/iommu`): `iommu NAME path=P parent=P` then `  device D path=P`,
//! - `waiting_for_supplier`: `path:value` lines (`grep -r .` output).

use crate::model::Origin;

/// A device and what sysfs says of it at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceEntry {
    pub origin: Origin,
    pub bus: Option<String>,
    pub name: String,
    pub driver: Option<String>,
    pub iommu_group: Option<u32>,
    /// The IOMMU instance its `iommu` link names (class device name).
    pub iommu: Option<String>,
    /// DT node path of `of_node` (`/pcie@10000000`).
    pub of_node: Option<String>,
    pub sysfs_path: Option<String>,
}

/// `/sys/kernel/iommu_groups/N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IommuGroup {
    pub origin: Origin,
    pub group: u32,
    /// Default domain type (`DMA`, `identity`, ...), when known.
    pub domain_type: Option<String>,
    pub devices: Vec<String>,
}

/// `/sys/class/iommu/NAME`: an IOMMU instance registered with the IOMMU core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IommuInstance {
    pub origin: Origin,
    /// Class device name (`smmu3.0x0000000009050000`, `7f000000.sysmmu`).
    pub name: String,
    /// The device whose driver registered it (from the parent path), e.g. `9050000.smmuv3`.
    pub parent_device: Option<String>,
    /// Devices linked below `devices/`.
    pub devices: Vec<String>,
}

/// One `waiting_for_supplier` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingForSupplier {
    pub origin: Origin,
    pub device: String,
    pub sysfs_path: String,
    pub waiting: bool,
}
