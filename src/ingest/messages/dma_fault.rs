//! DMA remapping faults of the x86 IOMMUs, one line each:
//!
//! - Intel VT-d, `drivers/iommu/intel/dmar.c` `dmar_fault_do_one()` (pr_fmt `DMAR: `):
//!   `[%s] Request device [%02x:%02x.%d] fault addr %llx [fault reason %02d] %s` (before v5.8),
//!   `[%s] Request device [..] PASID %x fault addr %llx [fault reason %02d] %s` (v5.8),
//!   `[%s NO_PASID] Request device [..] fault addr 0x%llx [fault reason 0x%02x] %s` and
//!   `[%s PASID 0x%x] Request device [..] ...` (v5.13+; briefly with `0x%02x:0x%02x.%d`),
//!   `[INTR-REMAP] Request device [..] fault index 0x%llx [fault reason 0x%02x] %s` (interrupt
//!   remapping); `%s` is `DMA Read` or `DMA Write`. The device is bus:slot.function of the
//!   DRHD's PCI segment, which the line does not print.
//! - AMD-Vi, `drivers/iommu/amd/iommu.c` `amd_iommu_report_page_fault()` and
//!   `iommu_print_event()` (pr_fmt and dev_fmt `AMD-Vi: `): `Event logged [IO_PAGE_FAULT
//!   device=%02x:%02x.%x domain=0x%04x address=0x%llx flags=0x%04x]` (the device with its
//!   segment `%04x:` since v5.18), or through `pci_err()` of the device itself, `<driver>
//!   <device>: AMD-Vi: Event logged [IO_PAGE_FAULT domain=... address=... flags=...]`; other
//!   events (`ILLEGAL_DEV_TABLE_ENTRY`, `INVALID_DEVICE_REQUEST`, ...) in the same form.

use super::prefix::PrefixRef;
use crate::model::{DmaFault, DmaRemapper};

/// A VT-d or AMD-Vi fault line; `prefix` is the line's dev_printk prefix, if any.
pub fn dma_fault(prefix: Option<PrefixRef<'_>>, message: &str) -> Option<DmaFault> {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("DMAR: ") {
        return vtd_fault(rest);
    }
    let rest = message.strip_prefix("AMD-Vi: ").unwrap_or(message);
    amd_vi_event(prefix, rest)
}

fn vtd_fault(rest: &str) -> Option<DmaFault> {
    let rest = rest.strip_prefix('[')?;
    let (request, rest) = rest.split_once("] Request device [")?;
    let (bdf, rest) = rest.split_once(']')?;
    let device = pci_name(bdf.trim())?;
    let rest = rest.trim();
    let (access, interrupt) = match request {
        "INTR-REMAP" => ("interrupt remapping".to_string(), true),
        other => {
            let access = other
                .strip_prefix("DMA ")?
                .split_whitespace()
                .next()?
                .to_ascii_lowercase();
            (format!("DMA {access}"), false)
        }
    };
    let address = if interrupt {
        None
    } else {
        let after = rest.split_once("fault addr ")?.1;
        let value = after.split_whitespace().next()?;
        Some(with_hex_prefix(value))
    };
    let reason = rest.split_once("[fault reason ").map(|(_, r)| {
        let (code, text) = r.split_once(']').unwrap_or((r, ""));
        format!("{} (reason {})", text.trim(), code.trim())
    });
    Some(DmaFault {
        remapper: DmaRemapper::IntelVtd,
        kind: access,
        device: Some(device),
        address,
        detail: reason,
    })
}

fn amd_vi_event(prefix: Option<PrefixRef<'_>>, rest: &str) -> Option<DmaFault> {
    let inside = rest.strip_prefix("Event logged [")?;
    let inside = inside.strip_suffix(']').unwrap_or(inside);
    let mut words = inside.split_whitespace();
    let event = words.next()?.to_string();
    let mut device = prefix.map(|p| p.device.to_string());
    let mut address = None;
    let mut detail = Vec::new();
    for word in words {
        match word.split_once('=') {
            Some(("device", value)) => device = device.or_else(|| pci_name(value)),
            Some(("address", value)) => address = Some(value.to_string()),
            Some((key, value)) => detail.push(format!("{key}={value}")),
            None => {}
        }
    }
    Some(DmaFault {
        remapper: DmaRemapper::AmdVi,
        kind: event,
        device,
        address,
        detail: (!detail.is_empty()).then(|| detail.join(" ")),
    })
}

/// `bb:dd.f` (segment 0 assumed: VT-d and pre-5.18 AMD-Vi print none), `ssss:bb:dd.f`, or the
/// short-lived `0xbb:0xdd.f`, as the kernel names the PCI device (`0000:00:14.0`).
fn pci_name(text: &str) -> Option<String> {
    let text = text.replace("0x", "");
    let parts: Vec<&str> = text.split(':').collect();
    let (segment, bus, slot_function) = match parts.as_slice() {
        [bus, rest] => ("0", *bus, *rest),
        [segment, bus, rest] => (*segment, *bus, *rest),
        _ => return None,
    };
    let (slot, function) = slot_function.split_once('.')?;
    let segment = u32::from_str_radix(segment, 16).ok()?;
    let bus = u32::from_str_radix(bus, 16).ok()?;
    let slot = u32::from_str_radix(slot, 16).ok()?;
    let function: u32 = function.parse().ok()?;
    Some(format!("{segment:04x}:{bus:02x}:{slot:02x}.{function}"))
}

fn with_hex_prefix(value: &str) -> String {
    if value.starts_with("0x") {
        value.to_string()
    } else {
        format!("0x{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(line: &str) -> Option<DmaFault> {
        dma_fault(None, line)
    }

    #[test]
    fn vtd_faults_of_every_version() {
        let old = plain("DMAR: [DMA Read] Request device [00:02.0] fault addr fff00000 [fault reason 06] PTE Read access is not set")
            .expect("pre-5.8");
        assert_eq!(old.remapper, DmaRemapper::IntelVtd);
        assert_eq!(old.kind, "DMA read");
        assert_eq!(old.device.as_deref(), Some("0000:00:02.0"));
        assert_eq!(old.address.as_deref(), Some("0xfff00000"));
        assert_eq!(
            old.detail.as_deref(),
            Some("PTE Read access is not set (reason 06)")
        );
        let pasid = plain("DMAR: [DMA Write] Request device [03:00.0] PASID ffffffff fault addr 7fd00000 [fault reason 05] PTE Write access is not set")
            .expect("5.8");
        assert_eq!(
            (pasid.kind.as_str(), pasid.address.as_deref()),
            ("DMA write", Some("0x7fd00000"))
        );
        let new = plain("DMAR: [DMA Read NO_PASID] Request device [0x00:0x1f.6] fault addr 0xffd00000 [fault reason 0x06] PTE Read access is not set")
            .expect("5.13+");
        assert_eq!(new.device.as_deref(), Some("0000:00:1f.6"));
        // fixtures/public/x86-mlx5-sriov-vf-dmesg-T-ctime-dmar-intr-remap-fault.txt
        let intr = plain("DMAR: [INTR-REMAP] Request device [42:00.2] fault index 1600 [fault reason 37] Blocked a compatibility format interrupt request")
            .expect("interrupt remapping");
        assert_eq!(intr.kind, "interrupt remapping");
        assert_eq!(intr.device.as_deref(), Some("0000:42:00.2"));
        assert_eq!(intr.address, None);
        assert_eq!(plain("DMAR: DRHD: handling fault status reg 2"), None);
    }

    #[test]
    fn amd_vi_events_with_and_without_the_device_prefix() {
        let old = plain("AMD-Vi: Event logged [IO_PAGE_FAULT device=00:14.0 domain=0x0000 address=0x00000000fdf8e000 flags=0x0020]")
            .expect("pre-5.18");
        assert_eq!(old.remapper, DmaRemapper::AmdVi);
        assert_eq!(old.kind, "IO_PAGE_FAULT");
        assert_eq!(old.device.as_deref(), Some("0000:00:14.0"));
        assert_eq!(old.address.as_deref(), Some("0x00000000fdf8e000"));
        assert_eq!(old.detail.as_deref(), Some("domain=0x0000 flags=0x0020"));
        let split = crate::ingest::messages::prefix::split(
            "xhci_hcd 0000:05:00.3: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x000d address=0xfffffffdf8000000 flags=0x0020]",
        );
        let new = dma_fault(split.prefix, split.message).expect("pci_err form");
        assert_eq!(new.device.as_deref(), Some("0000:05:00.3"));
        let segment = plain("AMD-Vi: Event logged [IO_PAGE_FAULT device=0001:c3:00.0 domain=0x0010 address=0x1000 flags=0x0050]")
            .expect("5.18+");
        assert_eq!(segment.device.as_deref(), Some("0001:c3:00.0"));
        assert_eq!(plain("AMD-Vi: Interrupt remapping enabled"), None);
    }
}
