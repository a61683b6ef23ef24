//! Devices, their identities across sources, and what each snapshot says of them.

use serde::Serialize;
use std::fmt;

/// A device's index in [`super::Boot::devices`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DeviceId(pub u32);

impl DeviceId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What one snapshot (a moment's sysfs/debugfs state) says of a device. `None` fields were not
/// shown by that snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceState {
    /// `Some(Some(driver))` bound, `Some(None)` listed without a driver.
    pub driver: Option<Option<String>>,
    /// On the pending deferred-probe list (only when the snapshot has devices_deferred).
    pub deferred: Option<bool>,
    pub iommu_group: Option<u32>,
    /// `waiting_for_supplier` exists only while a device is unbound.
    pub waiting_for_supplier: Option<bool>,
    /// What the snapshot's device links imply: a supplier of an `available`/`active` managed
    /// link is bound, one of a `dormant` link is not; a consumer of an `active` link is bound.
    pub bound_per_links: Option<bool>,
    /// The line of the snapshot's device listing that showed the device (file:line), to cite.
    pub listed_at: Option<super::Origin>,
}

impl DeviceState {
    /// Whether this snapshot shows the device bound (`Some(true)`), unbound (`Some(false)`), or
    /// does not tell.
    pub fn bound(&self) -> Option<bool> {
        match (&self.driver, self.deferred, self.waiting_for_supplier) {
            (Some(driver), _, _) => Some(driver.is_some()),
            (None, Some(true), _) => Some(false),
            (None, _, Some(_)) => Some(false),
            _ => self.bound_per_links,
        }
    }
}

/// One device of the boot: its names in every source and its per-snapshot states.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Device {
    /// Kernel device name (`dev_name()`): `0000:00:03.0`, `13620000.sysmmu`.
    pub name: String,
    /// Bus (or class) name when a source said it: `platform`, `pci`, `amba`.
    pub bus: Option<String>,
    /// `/sys/devices/...` path when known.
    pub sysfs_path: Option<String>,
    /// DT node path when known (`/soc/sysmmu@13620000`).
    pub dt_path: Option<String>,
    /// The device tree marks it an IOMMU (`#iommu-cells`), or it registered an IOMMU instance.
    pub is_iommu: bool,
    /// Names of the IOMMU instances (`/sys/class/iommu`) it registered.
    pub iommu_instances: Vec<String>,
    /// Driver names seen printing for this device (dev_printk prefixes that are not its bus).
    pub drivers_seen: Vec<String>,
    /// State per snapshot, indexed like [`super::Boot::snapshots`].
    pub states: Vec<DeviceState>,
}

impl Device {
    /// `bus:name` as devlink names spell it, or the plain name when the bus is unknown.
    pub fn qualified_name(&self) -> String {
        match &self.bus {
            Some(bus) => format!("{bus}:{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The final snapshot's word on whether the device is bound.
    pub fn bound_at_end(&self) -> Option<bool> {
        self.states.iter().rev().find_map(DeviceState::bound)
    }

    /// The final snapshot's IOMMU group, or `None` when it shows none or was not taken.
    pub fn group_at_end(&self) -> Option<u32> {
        self.states.last().and_then(|s| s.iommu_group)
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
