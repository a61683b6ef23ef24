//! `/sys/class/devlink`: device links with their attributes, from a sysfs tree or from the text
//! dump (`grep -r . /sys/class/devlink/*/` lines plus `supplier`/`consumer` symlink lines).
//! Both naming eras (`sup--con` and `bus:sup--bus:con`). See `reference/kernel-formats.md` §1.

use crate::model::Origin;

/// A device as named by a link: bus (or class; empty for neither) and kernel device name, and
/// the sysfs path the symlink resolves to when known.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LinkEnd {
    pub bus: Option<String>,
    pub name: String,
    /// `/sys/devices/...` path of the device, when a symlink target was read.
    pub sysfs_path: Option<String>,
}

/// `status` of a device link (`enum device_link_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkStatus {
    NotTracked,
    Dormant,
    Available,
    ConsumerProbing,
    Active,
    SupplierUnbinding,
    Unknown,
}

impl LinkStatus {
    pub fn parse(text: &str) -> Option<LinkStatus> {
        Some(match text.trim() {
            "not tracked" => LinkStatus::NotTracked,
            "dormant" => LinkStatus::Dormant,
            "available" => LinkStatus::Available,
            "consumer probing" => LinkStatus::ConsumerProbing,
            "active" => LinkStatus::Active,
            "supplier unbinding" => LinkStatus::SupplierUnbinding,
            "unknown" => LinkStatus::Unknown,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::NotTracked => "not tracked",
            LinkStatus::Dormant => "dormant",
            LinkStatus::Available => "available",
            LinkStatus::ConsumerProbing => "consumer probing",
            LinkStatus::Active => "active",
            LinkStatus::SupplierUnbinding => "supplier unbinding",
            LinkStatus::Unknown => "unknown",
        }
    }
}

/// One device link as read from sysfs or a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevlinkRecord {
    /// Where the link was first seen (the first dump line naming it, or the link directory).
    pub origin: Origin,
    /// The link's directory name, e.g. `platform:9050000.smmuv3--platform:4010000000.pcie`.
    pub name: String,
    pub supplier: LinkEnd,
    pub consumer: LinkEnd,
    pub status: Option<LinkStatus>,
    /// `auto_remove_on`: `supplier unbind`, `consumer unbind`, `never`.
    pub auto_remove_on: Option<String>,
    pub runtime_pm: Option<bool>,
    pub sync_state_only: Option<bool>,
}
