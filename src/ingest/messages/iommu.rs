//! IOMMU attachment (drivers/iommu/iommu.c, of_iommu.c), PCI enumeration (drivers/pci/probe.c)
//! and Arm SMMU fault reports (`reference/kernel-formats.md` §4.6-4.7).

use super::prefix::PrefixRef;
use super::{Message, SmmuEventKind};

/// A message after a device prefix.
pub fn device_message(prefix: PrefixRef<'_>, message: &str) -> Option<Message> {
    let owned = || prefix.to_owned();
    // iommu_group_add_device(): dev_info(dev, "Adding to iommu group %d").
    if let Some(group) = message.strip_prefix("Adding to iommu group ") {
        return Some(Message::IommuGroupAdded {
            device: owned(),
            group: group.trim().parse().ok()?,
        });
    }
    // "Failed to add to iommu group %d: %d" (iommu.c), "Adding to IOMMU failed: %d/%pe"
    // (of_iommu.c / iommu.c).
    if message.starts_with("Failed to add to iommu group ") || message.starts_with("Adding to IOMMU failed: ")
    {
        return Some(Message::IommuGroupFailed {
            device: owned(),
            detail: message.to_string(),
        });
    }
    // v6.15+ __iommu_probe_device(): dev_WARN(...).
    if message.starts_with("late IOMMU probe at driver bind") {
        return Some(Message::LateIommuProbe { device: owned() });
    }
    // ~v6.8 of_iommu_configure(): dev_err(dev, "iommu configuration for device failed with %pe").
    if let Some(error) = message.strip_prefix("iommu configuration for device failed with ") {
        return Some(Message::IommuConfigFailed {
            device: owned(),
            error: error.trim().to_string(),
        });
    }
    // pci_register_host_bridge(): "PCI host bridge to bus %04x:%02x" (on the parent device).
    if let Some(bus) = message.strip_prefix("PCI host bridge to bus ") {
        let (domain, bus) = bus.trim().split_once(':')?;
        return Some(Message::PciHostBridge {
            bridge: prefix.device.to_string(),
            domain: u32::from_str_radix(domain, 16).ok()?,
            bus: u32::from_str_radix(bus, 16).ok()?,
        });
    }
    // pci_setup_device(): "[%04x:%04x] type %02x class %#08x".
    if is_pci_id_line(message) {
        return Some(Message::PciDevice {
            device: prefix.device.to_string(),
        });
    }
    // arm_smmu_evtq_thread() / arm_smmu_dump_raw_event(): "event 0x%02x received:", then one
    // record per dword ("\t0x%016llx"), which read_log_events joins to it.
    if let Some(id) = message
        .strip_prefix("event 0x")
        .and_then(|rest| rest.strip_suffix(" received:"))
    {
        return Some(Message::SmmuEvent {
            iommu: prefix.device.to_string(),
            event: u32::from_str_radix(id, 16).ok()?,
            stream_id: None,
            text: message.to_string(),
            kind: SmmuEventKind::V3Event,
        });
    }
    // arm_smmu_context_fault() (arm-smmu.c): "Unhandled context fault: fsr=0x%x, iova=0x%08lx,
    // fsynr=0x%x, cbfrsynra=0x%x, cb=%d".
    if let Some(fields) = message.strip_prefix("Unhandled context fault: ") {
        return Some(Message::SmmuEvent {
            iommu: prefix.device.to_string(),
            event: hex_field(fields, "fsr=")?,
            stream_id: hex_field(fields, "cbfrsynra="),
            text: message.to_string(),
            kind: SmmuEventKind::ContextFault,
        });
    }
    None
}

/// One dword of an SMMUv3 event record: the message `\t0x%016llx`.
pub fn smmu_event_dword(message: &str) -> Option<u64> {
    let hex = message.trim().strip_prefix("0x")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// The decoded line newer kernels print after the raw dwords (arm_smmu_dump_event(), ~v6.14+):
/// `event: <name> client: <dev> sid: %#x ssid: %#x ...`; gives the stream ID.
pub fn smmu_event_summary(message: &str) -> Option<u32> {
    let rest = message.trim().strip_prefix("event: ")?;
    let (_, sid) = rest.split_once(" sid: ")?;
    let sid = sid.split_whitespace().next()?;
    parse_hex(sid)
}

fn is_pci_id_line(message: &str) -> bool {
    let bytes = message.as_bytes();
    bytes.len() > 18
        && bytes[0] == b'['
        && bytes[5] == b':'
        && bytes[10] == b']'
        && bytes[1..5].iter().all(u8::is_ascii_hexdigit)
        && bytes[6..10].iter().all(u8::is_ascii_hexdigit)
        && message[11..].starts_with(" type ")
}

/// The hexadecimal value of `name=0x...` in a comma-separated field list.
fn hex_field(fields: &str, name: &str) -> Option<u32> {
    let start = fields.find(name)? + name.len();
    let value = fields[start..].split([',', ' ']).next()?;
    parse_hex(value)
}

fn parse_hex(text: &str) -> Option<u32> {
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))?;
    u32::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::super::{classify_text, DevicePrefix};
    use super::*;

    fn specific(text: &str) -> Message {
        let mut out = Vec::new();
        classify_text(text, false, &mut out);
        assert_eq!(out.len(), 2, "{text}: {out:?}");
        out.swap_remove(1)
    }

    fn prefix(driver: &str, device: &str) -> DevicePrefix {
        DevicePrefix {
            driver_or_bus: driver.into(),
            device: device.into(),
        }
    }

    #[test]
    fn iommu_group_joins_and_failures() {
        // fixtures/qemu/smmuv3-6.1/S0-builtin-stock/dmesg.txt:276
        assert_eq!(
            specific("virtio-pci 0000:00:03.0: Adding to iommu group 1"),
            Message::IommuGroupAdded {
                device: prefix("virtio-pci", "0000:00:03.0"),
                group: 1
            }
        );
        // reference/kernel-formats.md §4.6-4.7 formats (no corpus line)
        assert_eq!(
            specific("platform 1000.dma: Failed to add to iommu group 3: -22"),
            Message::IommuGroupFailed {
                device: prefix("platform", "1000.dma"),
                detail: "Failed to add to iommu group 3: -22".into()
            }
        );
        assert_eq!(
            specific("platform 1000.dma: iommu configuration for device failed with -ETIMEDOUT"),
            Message::IommuConfigFailed {
                device: prefix("platform", "1000.dma"),
                error: "-ETIMEDOUT".into()
            }
        );
        assert_eq!(
            specific("mtk-vcodec 16000000.video: late IOMMU probe at driver bind, something fishy here!"),
            Message::LateIommuProbe {
                device: prefix("mtk-vcodec", "16000000.video")
            }
        );
    }

    #[test]
    fn pci_host_bridge_and_functions() {
        // fixtures/qemu/smmuv3-6.1/S2-smmu-late/kmsg.txt
        assert_eq!(
            specific("pci-host-generic 4010000000.pcie: PCI host bridge to bus 0000:00"),
            Message::PciHostBridge {
                bridge: "4010000000.pcie".into(),
                domain: 0,
                bus: 0
            }
        );
        // fixtures/public/x86-amd-renoir-journalctl-full-boot-iommu-groups.txt
        assert_eq!(
            specific("pci 0000:00:00.2: [1022:1631] type 00 class 0x080600"),
            Message::PciDevice {
                device: "0000:00:00.2".into()
            }
        );
    }

    #[test]
    fn smmu_v3_event_and_its_dwords() {
        // fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt:306-307
        assert_eq!(
            specific("arm-smmu-v3 9050000.smmuv3: event 0x02 received:"),
            Message::SmmuEvent {
                iommu: "9050000.smmuv3".into(),
                event: 2,
                stream_id: None,
                text: "event 0x02 received:".into(),
                kind: SmmuEventKind::V3Event
            }
        );
        assert_eq!(
            smmu_event_dword("\t0x0000010000000002"),
            Some(0x0000_0100_0000_0002)
        );
        assert_eq!(smmu_event_dword("\t0x02"), None);
        // arm_smmu_dump_event() format (drivers/iommu/arm/arm-smmu-v3, ~v6.14+; no corpus line)
        assert_eq!(
            smmu_event_summary("event: C_BAD_STREAMID client: (unassigned sid) sid: 0x100 ssid: 0x0"),
            Some(0x100)
        );
    }

    #[test]
    fn smmu_v2_context_fault() {
        // fixtures/public/cavium-cn8xx-arm-smmu-unhandled-context-fault.txt
        let text = "Unhandled context fault: fsr=0x80000402, iova=0x8010003f6000, fsynr=0x70091, cbfrsynra=0x9000, cb=7";
        assert_eq!(
            specific(&format!("arm-smmu arm-smmu.1.auto: {text}")),
            Message::SmmuEvent {
                iommu: "arm-smmu.1.auto".into(),
                event: 0x8000_0402,
                stream_id: Some(0x9000),
                text: text.into(),
                kind: SmmuEventKind::ContextFault
            }
        );
    }
}
