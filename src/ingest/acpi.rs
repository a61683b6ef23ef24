//! ACPI tables that say which devices sit behind which IOMMU: VIOT (virtio-iommu) and IORT
//! (Arm SMMU), read from their raw bytes (`/sys/firmware/acpi/tables/<SIG>`), minimally and with
//! every offset checked against the table's length.
//!
//! Layer: ingest; bytes plus a source name in, typed routes out. Layouts from ACPICA
//! `include/acpi/actbl2.h` (IORT) and `actbl3.h` (VIOT), as the kernel reads them in
//! drivers/acpi/viot.c `acpi_viot_init()` and drivers/acpi/arm64/iort.c.

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

/// The IOMMU routes of one raw table: VIOT and IORT give routes; other signatures (DMAR,
/// IVRS) are recognised as ACPI firmware but give none here.
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
    let mut offset = first as usize;
    for _ in 0..count {
        let (Some(kind), Some(length)) = (bytes.get(offset).copied(), read_u16(bytes, offset + 2)) else {
            break;
        };
        let length = length as usize;
        if length < 4 || offset + length > bytes.len() {
            break;
        }
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
        offset += length;
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
    let mut offset = first as usize;
    for _ in 0..count.min(4096) {
        let (Some(kind), Some(length)) = (bytes.get(offset).copied(), read_u16(bytes, offset + 1)) else {
            break;
        };
        let length = length as usize;
        if length < 16 || offset + length > bytes.len() {
            break;
        }
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
        offset += length;
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
