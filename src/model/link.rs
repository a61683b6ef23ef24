//! Supplier links: device links from sysfs, links the log shows, and the IOMMU edges the
//! device tree implies where no device link exists.

use super::{DeviceId, Evidence};

/// What kind of dependency an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// A managed device link (fw_devlink or a driver): blocks the consumer's probe.
    Managed,
    /// A stateless device link (`not tracked`), e.g. an IOMMU driver's runtime-PM link.
    Stateless,
    /// A sync-state-only link: never blocks probing.
    SyncStateOnly,
    /// An `iommus`/`iommu-map` edge from the device tree with no device link (optional
    /// supplier unless `fw_devlink.strict=1`).
    DtIommu,
    /// Another fw_devlink binding from the device tree with no device link seen.
    DtSupplier,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Managed => "managed",
            LinkKind::Stateless => "stateless",
            LinkKind::SyncStateOnly => "sync-state-only",
            LinkKind::DtIommu => "dt-iommu",
            LinkKind::DtSupplier => "dt-supplier",
        }
    }
}

/// One supplier → consumer edge and what each snapshot said of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub supplier: DeviceId,
    pub consumer: DeviceId,
    pub kind: LinkKind,
    /// Status per snapshot index (`None`: link absent from that snapshot or not captured).
    pub status_by_snapshot: Vec<Option<LinkStatus>>,
    /// The DT property behind a DT edge (`iommus`, `clocks`, ...).
    pub property: Option<String>,
    pub evidence: Vec<Evidence>,
}

impl Link {
    /// The status in the latest snapshot that has the link.
    pub fn last_status(&self) -> Option<LinkStatus> {
        self.status_by_snapshot.iter().rev().find_map(|s| *s)
    }
}

/// How a consumer was found to sit behind an IOMMU.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IommuVia {
    /// DT `iommus` on the consumer's node.
    DtIommus,
    /// DT `iommu-map` of its PCI host bridge: requester ID → stream ID.
    DtIommuMap {
        bridge: DeviceId,
        rid: u32,
        stream_id: u32,
    },
    /// A device link from the IOMMU device.
    DeviceLink,
    /// Listed under the IOMMU's `/sys/class/iommu/*/devices`, or its `iommu` link.
    IommuClass,
    /// An ACPI table (VIOT, IORT) routes its requester ID to the IOMMU.
    AcpiTable,
}

/// A consumer → IOMMU relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IommuEdge {
    pub consumer: DeviceId,
    pub iommu: DeviceId,
    pub via: Vec<IommuVia>,
    pub evidence: Vec<Evidence>,
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
