//! What the ACPI tables say about IOMMUs: which PCI requester IDs each IOMMU translates (VIOT,
//! IORT, DMAR, IVRS), and which driver registers that IOMMU. Facts only, from the firmware's own tables.

use super::Evidence;

/// The kind of IOMMU an ACPI table describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AcpiIommuKind {
    /// VIOT virtio-iommu on PCI (the IOMMU is a virtio device below that PCI function).
    VirtioIommuPci,
    /// VIOT virtio-iommu on virtio-mmio.
    VirtioIommuMmio,
    /// IORT SMMUv3.
    ArmSmmuV3,
    /// IORT SMMU v1/v2.
    ArmSmmu,
    /// DMAR DRHD: an Intel VT-d remapping unit (no device of its own: its `/sys/class/iommu`
    /// entry `dmarN` has no parent).
    IntelVtd,
    /// IVRS IVHD: an AMD-Vi IOMMU (a PCI function the `amd_iommu` code drives without binding
    /// a driver to it).
    AmdVi,
}

impl AcpiIommuKind {
    pub fn describe(self) -> &'static str {
        match self {
            AcpiIommuKind::VirtioIommuPci => "virtio-iommu (PCI)",
            AcpiIommuKind::VirtioIommuMmio => "virtio-iommu (MMIO)",
            AcpiIommuKind::ArmSmmuV3 => "SMMUv3",
            AcpiIommuKind::ArmSmmu => "SMMU",
            AcpiIommuKind::IntelVtd => "Intel VT-d remapping unit",
            AcpiIommuKind::AmdVi => "AMD-Vi IOMMU",
        }
    }

    /// The mainline driver that registers this kind of IOMMU (its `struct device_driver`
    /// name): drivers/iommu/virtio-iommu.c, arm/arm-smmu-v3/arm-smmu-v3.c, arm/arm-smmu/arm-smmu.c;
    /// VT-d is no driver-model driver but `intel_iommu_init()` (drivers/iommu/intel/iommu.c,
    /// built in only).
    pub fn driver(self) -> &'static str {
        match self {
            AcpiIommuKind::VirtioIommuPci | AcpiIommuKind::VirtioIommuMmio => "virtio_iommu",
            AcpiIommuKind::ArmSmmuV3 => "arm-smmu-v3",
            AcpiIommuKind::ArmSmmu => "arm-smmu",
            AcpiIommuKind::IntelVtd => "intel-iommu",
            AcpiIommuKind::AmdVi => "amd-iommu",
        }
    }
}

/// One IOMMU node of an ACPI table.
#[derive(Clone, Debug, PartialEq)]
pub struct AcpiIommu {
    pub kind: AcpiIommuKind,
    /// The kernel name of the device it is (a PCI function `0000:00:02.0`), when the table says.
    pub device: Option<String>,
    pub base_address: Option<u64>,
    pub evidence: Evidence,
}

/// A range of PCI requester IDs (`bus << 8 | devfn`) over a range of segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciRange {
    pub segment_start: u16,
    pub segment_end: u16,
    pub rid_start: u16,
    pub rid_end: u16,
}

impl PciRange {
    /// Whether the PCI device named `SSSS:BB:DD.F` is in the range.
    pub fn contains(&self, pci_name: &str) -> bool {
        let Some((segment, rid)) = parse_pci_name(pci_name) else {
            return false;
        };
        (self.segment_start..=self.segment_end).contains(&segment)
            && (self.rid_start..=self.rid_end).contains(&rid)
    }
}

/// `(segment, requester ID)` of a PCI device name `SSSS:BB:DD.F`.
pub fn parse_pci_name(name: &str) -> Option<(u16, u16)> {
    let (segment, rest) = name.split_once(':')?;
    let (bus, rest) = rest.split_once(':')?;
    let (device, function) = rest.split_once('.')?;
    if segment.len() != 4 || bus.len() != 2 || device.len() != 2 || function.len() != 1 {
        return None;
    }
    let segment = u16::from_str_radix(segment, 16).ok()?;
    let bus = u16::from_str_radix(bus, 16).ok()?;
    let device = u16::from_str_radix(device, 16).ok()?;
    let function = u16::from_str_radix(function, 16).ok()?;
    (device < 32 && function < 8).then_some((segment, bus << 8 | device << 3 | function))
}

/// Endpoints routed to an IOMMU by an ACPI table.
#[derive(Clone, Debug, PartialEq)]
pub struct AcpiRoute {
    pub endpoints: PciRange,
    pub iommu: AcpiIommu,
    pub evidence: Evidence,
}

/// The ACPI side of a boot: which tables the firmware provided and the IOMMU routes read from
/// those given raw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AcpiFirmware {
    /// Signatures of the tables seen (raw tables given, or the log's `ACPI: SIG` lines).
    pub tables: Vec<String>,
    pub routes: Vec<AcpiRoute>,
}
