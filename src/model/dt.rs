//! The device tree facts the analysis needs: nodes with their paths, the device names Linux
//! gives them, `iommus`, `iommu-map` and the other supplier bindings. `ingest::dt` reads them
//! from a blob or a directory.

use super::SourceName;

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
    /// `4010000000.pcie` for `/pcie@10000000`. Set for every node but the root; it is a
    /// device's name only for nodes that become platform or AMBA devices.
    pub device_name: Option<String>,
    pub iommu_cells: Option<u32>,
    pub iommus: Vec<IommuSpecifier>,
    pub iommu_map: Vec<IommuMapEntry>,
    /// `iommu-map-mask`, when present (applied to a requester ID before the map).
    pub iommu_map_mask: Option<u32>,
    /// `linux,pci-domain`, when present.
    pub pci_domain: Option<u32>,
    /// Every fw_devlink supplier binding of this node (for `remote-endpoint`, recorded on the
    /// endpoint's port parent, the device fw_devlink links). Suppliers that are disabled are
    /// kept (fw_devlink skips them: see the supplier's `enabled`).
    pub suppliers: Vec<DtSupplier>,
}

impl DtNode {
    /// The IOMMU and stream ID a requester ID gets through `iommu-map` (mask applied, first
    /// matching entry), as `of_map_id()` finds them.
    pub fn map_requester_id(&self, rid: u32) -> Option<(DtNodeId, u32)> {
        let masked = rid & self.iommu_map_mask.unwrap_or(u32::MAX);
        self.iommu_map
            .iter()
            .find_map(|entry| entry.map(masked).map(|id| (entry.iommu, id)))
    }
}

/// A parsed device tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceTree {
    pub source: SourceName,
    pub nodes: Vec<DtNode>,
}

impl DeviceTree {
    /// Panics only for an id not made by this tree (ids index `nodes`).
    pub fn node(&self, id: DtNodeId) -> &DtNode {
        &self.nodes[id.0]
    }

    pub fn get(&self, id: DtNodeId) -> Option<&DtNode> {
        self.nodes.get(id.0)
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

    pub fn by_phandle(&self, phandle: u32) -> Option<DtNodeId> {
        self.nodes
            .iter()
            .position(|n| n.phandle == Some(phandle))
            .map(DtNodeId)
    }
}
