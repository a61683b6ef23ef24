//! The flattened device tree (`/sys/firmware/fdt` or a `.dtb`): nodes, the device names Linux
//! gives them, `iommus`, `iommu-map` (rid-base/length arithmetic) and the other supplier
//! bindings fw_devlink knows (`reference/fw-devlink.md` §3).

use crate::model::SourceName;

/// Index of a node in [`DeviceTree::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DtNodeId(pub usize);

/// One `iommus` specifier: the IOMMU node and its `#iommu-cells` arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IommuSpecifier {
    pub iommu: DtNodeId,
    pub args: Vec<u32>,
}

/// One `iommu-map` entry: requester IDs `rid_base..rid_base+length` map to IOMMU `iommu` with
/// stream/device IDs starting at `iommu_base`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IommuMapEntry {
    pub rid_base: u32,
    pub iommu: DtNodeId,
    pub iommu_base: u32,
    pub length: u32,
}

impl IommuMapEntry {
    /// The stream ID a requester ID gets through this entry, if it falls in its range.
    pub fn map(&self, rid: u32) -> Option<u32> {
        let offset = rid.checked_sub(self.rid_base)?;
        (offset < self.length).then(|| self.iommu_base.wrapping_add(offset))
    }
}

/// A supplier binding found on a node (`clocks`, `power-domains`, `iommus`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DtSupplier {
    pub property: String,
    pub supplier: DtNodeId,
    /// Optional bindings (`iommus`, `iommu-map`, `dmas`) create fw_devlink links only with
    /// `fw_devlink.strict=1`.
    pub optional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DtNode {
    /// Full path, `/` for the root, `/soc@0/sysmmu@10a60000`.
    pub path: String,
    pub parent: Option<DtNodeId>,
    /// Node name without unit address (`sysmmu`).
    pub name: String,
    pub unit_address: Option<String>,
    pub compatible: Vec<String>,
    pub phandle: Option<u32>,
    /// `status` absent, `okay` or `ok` on this node and every ancestor.
    pub enabled: bool,
    /// First `reg` entry translated to a CPU address through the parents' `ranges`.
    pub reg_address: Option<u64>,
    /// The device name Linux gives the node's platform/AMBA device (`of_device_make_bus_id`):
    /// `4010000000.pcie` for `/pcie@10000000`.
    pub device_name: Option<String>,
    pub iommu_cells: Option<u32>,
    pub iommus: Vec<IommuSpecifier>,
    pub iommu_map: Vec<IommuMapEntry>,
    /// `linux,pci-domain`, when present.
    pub pci_domain: Option<u32>,
    pub suppliers: Vec<DtSupplier>,
}

/// A parsed device tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceTree {
    pub source: SourceName,
    pub nodes: Vec<DtNode>,
}

impl DeviceTree {
    pub fn node(&self, id: DtNodeId) -> &DtNode {
        &self.nodes[id.0]
    }

    pub fn ids(&self) -> impl Iterator<Item = DtNodeId> + '_ {
        (0..self.nodes.len()).map(DtNodeId)
    }

    pub fn by_path(&self, path: &str) -> Option<DtNodeId> {
        self.nodes.iter().position(|n| n.path == path).map(DtNodeId)
    }

    pub fn by_device_name(&self, name: &str) -> Option<DtNodeId> {
        self.nodes
            .iter()
            .position(|n| n.device_name.as_deref() == Some(name))
            .map(DtNodeId)
    }
}
