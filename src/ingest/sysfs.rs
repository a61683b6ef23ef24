//! A sysfs root (the live `/sys` or a copied tree with its symlinks, such as a capture's
//! `sysfs/` mirror): device links, devices with their driver/iommu_group/iommu/of_node links,
//! `waiting_for_supplier`, `kernel/debug/devices_deferred`, `kernel/iommu_groups`,
//! `class/iommu` and `firmware/fdt`. Reads only; never follows a link out of the root.
