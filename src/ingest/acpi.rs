//! ACPI tables that say which devices sit behind which IOMMU: VIOT (virtio-iommu), IORT (Arm
//! SMMU), DMAR (Intel VT-d) and IVRS (AMD-Vi), read from their raw bytes (`/sys/firmware/acpi/tables/<SIG>`),
//! minimally and with every offset checked against the table's length. Every table is a header
//! then a list of (type, length) nodes; one bounded walk ([`Nodes`]) reads them all.
//!
//! Layer: ingest; bytes plus a source name in, typed routes out. Layouts from ACPICA
//! `include/acpi/actbl1.h` (DMAR), `actbl2.h` (IORT, IVRS) and `actbl3.h` (VIOT), as the kernel
//! reads them in drivers/acpi/viot.c `acpi_viot_init()`, drivers/acpi/arm64/iort.c,
//! drivers/iommu/intel/dmar.c and drivers/iommu/amd/init.c `init_iommu_from_acpi()`.

use crate::error::{InputError, Location};
use crate::model::acpi::{AcpiIommu, AcpiIommuKind, AcpiRoute, PciRange};
use crate::model::{Evidence, Origin, SourceName};

/// Length of the common ACPI table header (`struct acpi_table_header`).
const HEADER_LEN: usize = 36;

/// The signature of a raw ACPI table, when `bytes` is one: a 4-character signature, a length
/// equal to the byte count, and a checksum that sums to zero.
pub fn table_signature(bytes: &[u8]) -> Option<String> {
    let signature = bytes.get(..4)?;
    if !signature
        .iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return None;
    }
    let length = read_u32(bytes, 4)? as usize;
    if length != bytes.len() || length < HEADER_LEN {
        return None;
    }
    let sum = bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b));
    (sum == 0).then(|| String::from_utf8_lossy(signature).into_owned())
}

/// The IOMMU routes of one raw table: VIOT, IORT, DMAR and IVRS give routes; other signatures
/// are recognised as ACPI firmware but give none here.
pub fn parse_table(source: &SourceName, bytes: &[u8]) -> Result<(String, Vec<AcpiRoute>), InputError> {
    let Some(signature) = table_signature(bytes) else {
        return Err(InputError::new(
            &**source,
            Location::File,
            "an ACPI table (signature, length equal to the file size, zero checksum)",
        ));
    };
    let origin = Origin::file_only(source);
    let routes = match signature.as_str() {
        "VIOT" => viot(bytes, &origin),
        "IORT" => iort(bytes, &origin),
        "DMAR" => dmar(bytes, &origin),
        "IVRS" => ivrs(bytes, &origin),
        _ => Vec::new(),
    };
    Ok((signature, routes))
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Most nodes a table walk reads: far above any real table, small enough that a corrupt count
/// costs nothing.
const MAX_NODES: usize = 4096;

/// Where a table's node header keeps the node's type and length.
#[derive(Clone, Copy)]
enum NodeHeader {
    /// VIOT and IVRS: type u8 at 0, length u16 at 2.
    Viot,
    /// IORT: type u8 at 0, length u16 at 1.
    Iort,
    /// DMAR remapping structures: type u16 at 0, length u16 at 2.
    Dmar,
}

impl NodeHeader {
    fn read(self, bytes: &[u8], at: usize) -> Option<(u16, usize)> {
        let (kind, length) = match self {
            NodeHeader::Viot => (u16::from(*bytes.get(at)?), read_u16(bytes, at + 2)?),
            NodeHeader::Iort => (u16::from(*bytes.get(at)?), read_u16(bytes, at + 1)?),
            NodeHeader::Dmar => (read_u16(bytes, at)?, read_u16(bytes, at + 2)?),
        };
        Some((kind, usize::from(length)))
    }

    /// The smallest node the table's format allows.
    fn min_length(self) -> usize {
        match self {
            NodeHeader::Viot | NodeHeader::Dmar => 4,
            NodeHeader::Iort => 16,
        }
    }
}

/// The nodes of a table from `first`: `(offset, type, length)` of each, at most `count` (and
/// [`MAX_NODES`]), ending at the first node that is shorter than its header or runs past the
/// table.
struct Nodes<'a> {
    bytes: &'a [u8],
    header: NodeHeader,
    offset: usize,
    left: usize,
}

impl<'a> Nodes<'a> {
    fn new(bytes: &'a [u8], header: NodeHeader, first: usize, count: usize) -> Self {
        Nodes {
            bytes,
            header,
            offset: first,
            left: count.min(MAX_NODES),
        }
    }
}

impl Iterator for Nodes<'_> {
    type Item = (usize, u16, usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let (kind, length) = self.header.read(self.bytes, self.offset)?;
        let end = self.offset.checked_add(length)?;
        if length < self.header.min_length() || end > self.bytes.len() {
            self.left = 0;
            return None;
        }
        let node = (self.offset, kind, length);
        self.offset = end;
        self.left -= 1;
        Some(node)
    }
}

/// `SSSS:BB:DD.F` of a segment and a requester ID.
fn pci_name(segment: u16, bdf: u16) -> String {
    format!(
        "{segment:04x}:{:02x}:{:02x}.{}",
        bdf >> 8,
        (bdf >> 3) & 0x1f,
        bdf & 7
    )
}

/// VIOT: `node_count` u16 and `node_offset` u16 after the header; each node starts with type
/// u8, reserved u8, length u16. Endpoint nodes (1 PCI range, 2 MMIO) name their IOMMU node by
/// its offset in the table; IOMMU nodes are 3 (virtio-iommu on PCI: segment, BDF) and 4
/// (virtio-iommu on MMIO: base address).
fn viot(bytes: &[u8], origin: &Origin) -> Vec<AcpiRoute> {
    let (Some(count), Some(first)) = (read_u16(bytes, HEADER_LEN), read_u16(bytes, HEADER_LEN + 2)) else {
        return Vec::new();
    };
    let iommu_at = |offset: usize| -> Option<AcpiIommu> {
        let kind = *bytes.get(offset)?;
        let evidence = |text: String| Evidence::new(origin.clone(), text);
        match kind {
            3 => {
                let (segment, bdf) = (read_u16(bytes, offset + 4)?, read_u16(bytes, offset + 6)?);
                let device = pci_name(segment, bdf);
                Some(AcpiIommu {
                    kind: AcpiIommuKind::VirtioIommuPci,
                    evidence: evidence(format!("VIOT node at {offset:#x}: virtio-iommu PCI {device}")),
                    device: Some(device),
                    base_address: None,
                })
            }
            4 => {
                let base = read_u64(bytes, offset + 8)?;
                Some(AcpiIommu {
                    kind: AcpiIommuKind::VirtioIommuMmio,
                    evidence: evidence(format!(
                        "VIOT node at {offset:#x}: virtio-iommu MMIO at {base:#x}"
                    )),
                    device: None,
                    base_address: Some(base),
                })
            }
            _ => None,
        }
    };
    let mut routes = Vec::new();
    for (offset, kind, _) in Nodes::new(bytes, NodeHeader::Viot, usize::from(first), usize::from(count)) {
        if kind == 1 {
            let range = (|| {
                let (seg_start, seg_end) = (read_u16(bytes, offset + 8)?, read_u16(bytes, offset + 10)?);
                let (bdf_start, bdf_end) = (read_u16(bytes, offset + 12)?, read_u16(bytes, offset + 14)?);
                let output = read_u16(bytes, offset + 16)? as usize;
                Some((
                    PciRange {
                        segment_start: seg_start,
                        segment_end: seg_end,
                        rid_start: bdf_start,
                        rid_end: bdf_end,
                    },
                    output,
                ))
            })();
            if let Some((range, output)) = range {
                if let Some(iommu) = iommu_at(output) {
                    routes.push(AcpiRoute {
                        endpoints: range,
                        iommu,
                        evidence: Evidence::new(
                            origin.clone(),
                            format!(
                                "VIOT node at {offset:#x}: PCI {:04x}:{:04x}-{:04x}:{:04x} behind the IOMMU node at {output:#x}",
                                range.segment_start, range.rid_start, range.segment_end, range.rid_end
                            ),
                        ),
                    });
                }
            }
        }
    }
    routes
}

/// IORT: `node_count` u32 and `node_offset` u32 after the header; each node: type u8, length
/// u16, revision u8, identifier u32, mapping count u32, mapping offset u32. A root complex
/// (type 2; PCI segment at +28 of the node) maps requester-ID ranges (ID mappings: input base,
/// count, output base, output reference, flags) to an SMMUv3 (type 4; base address at +16) or
/// SMMU v1/v2 (type 3; base address at +16).
fn iort(bytes: &[u8], origin: &Origin) -> Vec<AcpiRoute> {
    let (Some(count), Some(first)) = (read_u32(bytes, HEADER_LEN), read_u32(bytes, HEADER_LEN + 4)) else {
        return Vec::new();
    };
    let iommu_at = |offset: usize| -> Option<AcpiIommu> {
        let kind = match *bytes.get(offset)? {
            3 => AcpiIommuKind::ArmSmmu,
            4 => AcpiIommuKind::ArmSmmuV3,
            _ => return None,
        };
        let base = read_u64(bytes, offset + 16)?;
        Some(AcpiIommu {
            kind,
            evidence: Evidence::new(
                origin.clone(),
                format!("IORT node at {offset:#x}: {} at {base:#x}", kind.describe()),
            ),
            device: None,
            base_address: Some(base),
        })
    };
    let mut routes = Vec::new();
    for (offset, kind, length) in Nodes::new(bytes, NodeHeader::Iort, first as usize, count as usize) {
        if kind == 2 {
            let segment = read_u32(bytes, offset + 28).unwrap_or(0) as u16;
            let mappings = read_u32(bytes, offset + 8).unwrap_or(0) as usize;
            let mappings_at = read_u32(bytes, offset + 12).unwrap_or(0) as usize;
            for index in 0..mappings.min(4096) {
                let at = offset + mappings_at + index * 20;
                if at + 20 > offset + length {
                    break;
                }
                let mapping = (|| {
                    Some((
                        read_u32(bytes, at)?,
                        read_u32(bytes, at + 4)?,
                        read_u32(bytes, at + 12)? as usize,
                    ))
                })();
                let Some((input_base, id_count, output)) = mapping else {
                    break;
                };
                let Some(iommu) = iommu_at(output) else {
                    continue;
                };
                let rid_end = input_base.saturating_add(id_count).min(0xffff) as u16;
                let range = PciRange {
                    segment_start: segment,
                    segment_end: segment,
                    rid_start: input_base.min(0xffff) as u16,
                    rid_end,
                };
                routes.push(AcpiRoute {
                    endpoints: range,
                    iommu,
                    evidence: Evidence::new(
                        origin.clone(),
                        format!(
                            "IORT root complex at {offset:#x}: RIDs {:#x}-{:#x} of segment {segment} to the node at {output:#x}",
                            range.rid_start, range.rid_end
                        ),
                    ),
                });
            }
        }
    }
    routes
}

/// Where DMAR's remapping structures start: after the header, the host address width (u8),
/// flags (u8) and 10 reserved bytes.
const DMAR_STRUCTURES: usize = HEADER_LEN + 12;

/// DMAR: remapping structures (type u16, length u16). A DRHD (type 0) has flags u8 at +4 (bit 0
/// INCLUDE_PCI_ALL: every device of its segment that no other DRHD lists), segment u16 at +6,
/// register base u64 at +8, then device scopes from +16: type u8, length u8, reserved u16,
/// enumeration ID u8, start bus u8, then (device, function) pairs. A PCI endpoint (1) or bridge
/// (2) with a one-step path is the function `start bus:device.function`; a longer path goes
/// through bridges whose secondary bus only the PCI configuration says, and is not read.
fn dmar(bytes: &[u8], origin: &Origin) -> Vec<AcpiRoute> {
    let mut routes = Vec::new();
    for (offset, kind, length) in Nodes::new(bytes, NodeHeader::Dmar, DMAR_STRUCTURES, MAX_NODES) {
        if kind != 0 || length < 16 {
            continue;
        }
        let (Some(flags), Some(segment), Some(base)) = (
            bytes.get(offset + 4).copied(),
            read_u16(bytes, offset + 6),
            read_u64(bytes, offset + 8),
        ) else {
            continue;
        };
        let iommu = AcpiIommu {
            kind: AcpiIommuKind::IntelVtd,
            evidence: Evidence::new(
                origin.clone(),
                format!("DMAR DRHD at {offset:#x}: VT-d unit at {base:#x}, segment {segment}"),
            ),
            device: None,
            base_address: Some(base),
        };
        let route = |range: PciRange, text: String| AcpiRoute {
            endpoints: range,
            iommu: iommu.clone(),
            evidence: Evidence::new(origin.clone(), text),
        };
        if flags & 1 != 0 {
            let range = PciRange {
                segment_start: segment,
                segment_end: segment,
                rid_start: 0,
                rid_end: 0xffff,
            };
            let text =
                format!("DMAR DRHD at {offset:#x}: every PCI device of segment {segment} (INCLUDE_PCI_ALL)");
            routes.push(route(range, text));
        }
        let mut scope = offset + 16;
        let end = offset + length;
        while scope + 6 <= end {
            let (Some(scope_type), Some(scope_length)) =
                (bytes.get(scope).copied(), bytes.get(scope + 1).copied())
            else {
                break;
            };
            let scope_length = usize::from(scope_length);
            if scope_length < 6 || scope + scope_length > end {
                break;
            }
            let path = scope_length - 6;
            if matches!(scope_type, 1 | 2) && path == 2 {
                if let (Some(bus), Some(device), Some(function)) = (
                    bytes.get(scope + 5).copied(),
                    bytes.get(scope + 6).copied(),
                    bytes.get(scope + 7).copied(),
                ) {
                    let rid = u16::from(bus) << 8 | u16::from(device & 0x1f) << 3 | u16::from(function & 7);
                    let range = PciRange {
                        segment_start: segment,
                        segment_end: segment,
                        rid_start: rid,
                        rid_end: rid,
                    };
                    let text = format!(
                        "DMAR DRHD at {offset:#x}: device scope at {scope:#x}: PCI {}",
                        pci_name(segment, rid)
                    );
                    routes.push(route(range, text));
                }
            }
            scope += scope_length;
        }
    }
    routes
}

/// Where IVRS's IVHD/IVMD blocks start: after the header, IVinfo (u32) and 8 reserved bytes.
const IVRS_BLOCKS: usize = HEADER_LEN + 12;

/// IVRS: blocks (type u8, flags u8, length u16). An IVHD (types 0x10, 0x11, 0x40) has the
/// IOMMU's own device ID u16 at +4, its base address u64 at +8 and PCI segment u16 at +16; its
/// device entries start at +24 (type 0x10) or +40 and are 4 bytes (types 1-63: 1 all, 2 select,
/// 3 range start, 4 range end), 8 bytes (64-127: 66 alias select, 67 alias range start, 70
/// extended select, 71 extended range start, 72 special) or variable (240, ACPI HID: length at
/// +21). The device ID (`bus << 8 | devfn`) is at +1 of each entry.
fn ivrs(bytes: &[u8], origin: &Origin) -> Vec<AcpiRoute> {
    let mut routes = Vec::new();
    for (offset, kind, length) in Nodes::new(bytes, NodeHeader::Viot, IVRS_BLOCKS, MAX_NODES) {
        let entries_at = match kind {
            0x10 => 24,
            0x11 | 0x40 => 40,
            _ => continue,
        };
        let (Some(own), Some(base), Some(segment)) = (
            read_u16(bytes, offset + 4),
            read_u64(bytes, offset + 8),
            read_u16(bytes, offset + 16),
        ) else {
            continue;
        };
        // The IOMMU is named by its base address only: its PCI function binds no driver, so
        // naming the function would make it look like an IOMMU that never registered.
        let iommu = AcpiIommu {
            kind: AcpiIommuKind::AmdVi,
            evidence: Evidence::new(
                origin.clone(),
                format!(
                    "IVRS IVHD at {offset:#x}: AMD-Vi at {base:#x} (PCI {})",
                    pci_name(segment, own)
                ),
            ),
            device: None,
            base_address: Some(base),
        };
        let mut push = |first: u16, last: u16, entry: usize| {
            let range = PciRange {
                segment_start: segment,
                segment_end: segment,
                rid_start: first,
                rid_end: last,
            };
            routes.push(AcpiRoute {
                endpoints: range,
                iommu: iommu.clone(),
                evidence: Evidence::new(
                    origin.clone(),
                    format!(
                        "IVRS IVHD at {offset:#x}: device entry at {entry:#x}: {}..{}",
                        pci_name(segment, first),
                        pci_name(segment, last)
                    ),
                ),
            });
        };
        let end = offset + length;
        let mut entry = offset + entries_at;
        let mut range_start: Option<u16> = None;
        while entry + 4 <= end {
            let (Some(entry_type), Some(id)) = (bytes.get(entry).copied(), read_u16(bytes, entry + 1)) else {
                break;
            };
            let size = match entry_type {
                0..=63 => 4,
                64..=127 => 8,
                240 => match bytes.get(entry + 21) {
                    Some(uid_length) => 22 + usize::from(*uid_length),
                    None => break,
                },
                _ => break,
            };
            if entry + size > end {
                break;
            }
            match entry_type {
                1 => push(0, 0xffff, entry),
                2 | 66 | 70 => push(id, id, entry),
                3 | 67 | 71 => range_start = Some(id),
                4 => {
                    if let Some(first) = range_start.take() {
                        push(first, id.max(first), entry);
                    }
                }
                _ => {}
            }
            entry += size;
        }
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(path: &str) -> Vec<u8> {
        let path = PathBuf::from(format!("{}/fixtures/qemu/{path}", env!("CARGO_MANIFEST_DIR")));
        std::fs::read(path).unwrap()
    }

    #[test]
    fn viot_of_q35_routes_every_pci_function_to_the_virtio_iommu_function() {
        let bytes = fixture("virtio-iommu-q35-6.12/Q3-viommu-never/acpi/VIOT");
        let (signature, routes) = parse_table(&SourceName::from("VIOT"), &bytes).unwrap();
        assert_eq!(signature, "VIOT");
        assert_eq!(routes.len(), 1);
        let route = &routes[0];
        assert_eq!(route.iommu.kind, AcpiIommuKind::VirtioIommuPci);
        assert_eq!(route.iommu.device.as_deref(), Some("0000:00:02.0"));
        assert!(route.endpoints.contains("0000:00:03.0") && route.endpoints.contains("0000:01:00.0"));
        assert!(!route.endpoints.contains("0000:02:00.0"));
    }

    #[test]
    fn iort_of_the_smmuv3_capture_routes_the_root_complex_to_the_smmu() {
        let bytes = fixture("smmuv3-iort-arm64-6.12/A1-smmuv3-builtin/acpi/IORT");
        let (signature, routes) = parse_table(&SourceName::from("IORT"), &bytes).unwrap();
        assert_eq!(signature, "IORT");
        let smmu = routes
            .iter()
            .find(|r| r.iommu.kind == AcpiIommuKind::ArmSmmuV3)
            .expect("a route to the SMMUv3");
        assert_eq!(smmu.iommu.base_address, Some(0x0905_0000));
        assert!(smmu.endpoints.contains("0000:00:03.0"));
    }

    #[test]
    fn dmar_of_the_intel_iommu_capture_routes_its_scoped_functions_to_the_unit() {
        // QEMU's q35 DMAR (I1-builtin/acpi/DMAR.dsl): one DRHD at 0xfed90000 without
        // INCLUDE_PCI_ALL, scoping 00:00.0, 00:03.0, the bridge 00:05.0 and 00:1f.0/2/3.
        let bytes = fixture("intel-iommu-q35-6.12/I1-builtin/acpi/DMAR");
        let (signature, routes) = parse_table(&SourceName::from("DMAR"), &bytes).unwrap();
        assert_eq!(signature, "DMAR");
        assert!(routes.iter().all(|r| r.iommu.kind == AcpiIommuKind::IntelVtd));
        assert!(routes.iter().all(|r| r.iommu.base_address == Some(0xfed9_0000)));
        let routed = |name: &str| routes.iter().any(|r| r.endpoints.contains(name));
        for function in [
            "0000:00:00.0",
            "0000:00:03.0",
            "0000:00:05.0",
            "0000:00:1f.0",
            "0000:00:1f.3",
        ] {
            assert!(routed(function), "{function}");
        }
        // Not in any scope (an I/O APIC scope is no PCI function).
        assert!(!routed("0000:00:02.0"));
        for end in 0..bytes.len() {
            let _ = parse_table(&SourceName::from("DMAR"), &bytes[..end]);
        }
    }

    /// A table with `signature` and `body` after the header, its checksum made right.
    fn table(signature: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0u8; HEADER_LEN];
        bytes[..4].copy_from_slice(signature);
        bytes.extend_from_slice(body);
        let length = bytes.len() as u32;
        bytes[4..8].copy_from_slice(&length.to_le_bytes());
        let sum = bytes.iter().fold(0u8, |s, b| s.wrapping_add(*b));
        bytes[9] = bytes[9].wrapping_sub(sum);
        bytes
    }

    #[test]
    fn ivrs_device_entries_route_selects_and_ranges_to_the_ivhd() {
        // No capture here has an AMD IOMMU: a table built to the layout the kernel reads
        // (amd/init.c): one IVHD type 0x10 for the IOMMU at 00:00.2, base 0xfeb80000, with a
        // select of 00:14.0 and a range 01:00.0-01:1f.7.
        let mut ivhd = vec![0x10, 0, 0, 0];
        ivhd.extend_from_slice(&0x0002u16.to_le_bytes()); // its own device ID, 00:00.2
        ivhd.extend_from_slice(&0x40u16.to_le_bytes()); // capability offset
        ivhd.extend_from_slice(&0xfeb8_0000u64.to_le_bytes());
        ivhd.extend_from_slice(&0u16.to_le_bytes()); // segment
        ivhd.extend_from_slice(&[0; 6]); // info, feature reporting
        ivhd.extend_from_slice(&[2, 0xa0, 0x00, 0]); // select 00:14.0
        ivhd.extend_from_slice(&[3, 0x00, 0x01, 0]); // range start 01:00.0
        ivhd.extend_from_slice(&[4, 0xff, 0x01, 0]); // range end 01:1f.7
        let length = ivhd.len() as u16;
        ivhd[2..4].copy_from_slice(&length.to_le_bytes());
        let mut body = vec![0u8; 12]; // IVinfo, reserved
        body.extend_from_slice(&ivhd);
        let bytes = table(b"IVRS", &body);
        let (signature, routes) = parse_table(&SourceName::from("IVRS"), &bytes).unwrap();
        assert_eq!(signature, "IVRS");
        assert!(routes
            .iter()
            .all(|r| r.iommu.kind == AcpiIommuKind::AmdVi && r.iommu.device.is_none()));
        let routed = |name: &str| routes.iter().any(|r| r.endpoints.contains(name));
        assert!(routed("0000:00:14.0") && routed("0000:01:00.0") && routed("0000:01:1f.7"));
        assert!(!routed("0000:00:14.1") && !routed("0000:02:00.0"));
        for end in 0..bytes.len() {
            let _ = parse_table(&SourceName::from("IVRS"), &bytes[..end]);
        }
    }

    #[test]
    fn cut_or_corrupt_tables_give_an_error_or_nothing_never_a_panic() {
        let bytes = fixture("virtio-iommu-q35-6.12/Q3-viommu-never/acpi/VIOT");
        for end in 0..bytes.len() {
            let _ = parse_table(&SourceName::from("VIOT"), &bytes[..end]);
        }
        let mut wild = bytes.clone();
        // Node offset pointing past the end, checksum fixed up so the table is still taken.
        wild[HEADER_LEN + 2] = 0xf0;
        let sum = wild.iter().fold(0u8, |s, b| s.wrapping_add(*b));
        wild[9] = wild[9].wrapping_sub(sum);
        let (_, routes) = parse_table(&SourceName::from("VIOT"), &wild).unwrap();
        assert!(routes.is_empty());
    }
}
