//! INT_STATUS turned into faults: each set bit read as the driver of its version reads it (kind,
//! access, the register holding the faulting address), the primary (lowest) bit first as every
//! driver takes it (`__ffs` in `exynos_sysmmu_irq()`, drivers/iommu/exynos-iommu.c). Where
//! mainline and Samsung's drivers name a bit differently, the other readings are kept.

use super::addr::{hex32, Iova};
use super::layout::{Conventions, Layout};
use super::regs::RegisterWindow;
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;

/// A fault kind, as the canonical tokens of the truth files (kernel strings such as "AR PAGE" or
/// "L1TLB MULTI-HIT FAULT" map onto these).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FaultKind {
    /// Page-table walk failed (bus error while reading a table).
    Ptw,
    /// No valid translation.
    Page,
    /// Several TLB entries matched.
    MultiHit,
    /// The slave answered with an error (v1–v3 DEFAULT_SLAVE_ADDR).
    BusError,
    AccessProtection,
    SecurityProtection,
    /// v7 type 3 in mainline (type 2 in Samsung's 5.10 driver).
    Reserved,
    /// An interrupt bit no driver names.
    Unknown,
}

impl FaultKind {
    pub fn token(self) -> &'static str {
        match self {
            FaultKind::Ptw => "PTW",
            FaultKind::Page => "PAGE",
            FaultKind::MultiHit => "MULTI_HIT",
            FaultKind::BusError => "BUS_ERROR",
            FaultKind::AccessProtection => "ACCESS_PROTECTION",
            FaultKind::SecurityProtection => "SECURITY_PROTECTION",
            FaultKind::Reserved => "RESERVED",
            FaultKind::Unknown => "UNKNOWN",
        }
    }

    /// Maps a kernel fault name (any driver, any era) onto a kind, with the access direction when
    /// the name carries one ("AR …" read, "AW …" write).
    pub fn from_kernel_name(name: &str) -> Option<(FaultKind, Option<Access>)> {
        let upper = name.trim().to_ascii_uppercase();
        let mut text = upper.as_str();
        let mut access = None;
        if let Some(rest) = text.strip_prefix("AR ") {
            access = Some(Access::Read);
            text = rest;
        } else if let Some(rest) = text.strip_prefix("AW ") {
            access = Some(Access::Write);
            text = rest;
        }
        let text = text.strip_suffix(" FAULT").unwrap_or(text).trim();
        let text = text.strip_prefix("L1TLB ").unwrap_or(text);
        let kind = match text {
            "PAGE" => FaultKind::Page,
            "PTW" | "PTW ACCESS" => FaultKind::Ptw,
            "MULTI-HIT" | "MULTI HIT" | "MULTIHIT" => FaultKind::MultiHit,
            "BUS ERROR" | "BUS" => FaultKind::BusError,
            "ACCESS PROTECTION" | "ACCESS" => FaultKind::AccessProtection,
            "SECURITY PROTECTION" | "SECURITY" => FaultKind::SecurityProtection,
            "RESERVED" => FaultKind::Reserved,
            "UNKNOWN" => FaultKind::Unknown,
            _ => return None,
        };
        Some((kind, access))
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// Which bus channel faulted.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
    /// The hardware does not say (v1–v3 PAGE and BUS ERROR; the kernel reports them as reads).
    Unknown,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Unknown => "unknown",
        })
    }
}

/// One set bit of INT_STATUS, decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct InterruptFault {
    pub bit: u32,
    pub kind: FaultKind,
    pub access: Access,
    /// The register holding the faulting address (None: no register for this bit).
    #[schemars(with = "Option<String>")]
    #[serde(with = "hex32::option")]
    pub addr_reg: Option<u32>,
    /// None when the bit has no address register or the dump lacks it.
    pub address: Option<Iova>,
    #[schemars(with = "Option<String>")]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex32::option")]
    pub trans_info: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub axid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub axlen: Option<u32>,
    /// v7: the VM the bit belongs to (`bit / 4`); only downstream reads per-VM registers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm: Option<u32>,
    /// Kinds other drivers give this bit (v7 bits 2 and 3, where the sources disagree).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_kinds: Vec<FaultKind>,
    /// How this bit was read, in words (which table, which register).
    pub how: String,
}

/// The faults INT_STATUS reports, primary (lowest bit) first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct FaultSet {
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub int_status: u32,
    pub bits: Vec<u32>,
    pub primary_bit: u32,
    pub faults: Vec<InterruptFault>,
}

pub(super) fn set_bits(value: u32) -> Vec<u32> {
    (0..32).filter(|bit| value & (1 << bit) != 0).collect()
}

/// v1–v3 (mainline `sysmmu_v1_faults`): kind, access, address register per bit.
const V1_FAULTS: [(FaultKind, Access, u32); 8] = [
    (FaultKind::Page, Access::Unknown, 0x024),
    (FaultKind::MultiHit, Access::Read, 0x02C),
    (FaultKind::MultiHit, Access::Write, 0x028),
    (FaultKind::BusError, Access::Unknown, 0x030),
    (FaultKind::SecurityProtection, Access::Read, 0x02C),
    (FaultKind::AccessProtection, Access::Read, 0x02C),
    (FaultKind::SecurityProtection, Access::Write, 0x028),
    (FaultKind::AccessProtection, Access::Write, 0x028),
];

/// v5 (mainline `sysmmu_v5_fault_names`): bits 0–4 read channel, 16–20 write channel.
const V5_FAULT_KINDS: [FaultKind; 5] = [
    FaultKind::Ptw,
    FaultKind::Page,
    FaultKind::MultiHit,
    FaultKind::AccessProtection,
    FaultKind::SecurityProtection,
];

/// v7 mainline (`sysmmu_v7_fault_names`, indexed by bit % 4; the Exynos 850 kernel agrees).
const V7_MAINLINE_KINDS: [FaultKind; 4] = [
    FaultKind::Ptw,
    FaultKind::Page,
    FaultKind::AccessProtection,
    FaultKind::Reserved,
];

/// v7 Samsung 5.10 `samsung-iommu.c` (type = bit % 4).
const V7_SAMSUNG_KINDS: [FaultKind; 4] = [
    FaultKind::Ptw,
    FaultKind::Page,
    FaultKind::Reserved,
    FaultKind::AccessProtection,
];

/// v7 in the 9820/9611 `exynos-iommu.c` (bit < 5).
const V7_9820_KINDS: [FaultKind; 5] = [
    FaultKind::Ptw,
    FaultKind::Page,
    FaultKind::MultiHit,
    FaultKind::AccessProtection,
    FaultKind::SecurityProtection,
];

pub(super) fn decode_faults(
    window: &RegisterWindow,
    layout: Layout,
    conventions: Conventions,
    raw: u32,
) -> FaultSet {
    let bits = set_bits(raw);
    let faults = bits
        .iter()
        .map(|&bit| decode_fault_bit(window, layout, conventions, bit))
        .collect();
    FaultSet {
        int_status: raw,
        primary_bit: bits.first().copied().unwrap_or(0),
        bits,
        faults,
    }
}

fn unknown_bit(bit: u32, how: String) -> InterruptFault {
    InterruptFault {
        bit,
        kind: FaultKind::Unknown,
        access: Access::Unknown,
        addr_reg: None,
        address: None,
        trans_info: None,
        axid: None,
        axlen: None,
        vm: None,
        alt_kinds: Vec::new(),
        how,
    }
}

fn decode_fault_bit(
    window: &RegisterWindow,
    layout: Layout,
    conventions: Conventions,
    bit: u32,
) -> InterruptFault {
    let address_at = |reg: u32| window.get(reg).map(Iova);
    match layout {
        Layout::V1 => match V1_FAULTS.get(bit as usize) {
            Some(&(kind, access, reg)) => InterruptFault {
                bit,
                kind,
                access,
                addr_reg: Some(reg),
                address: address_at(reg),
                trans_info: None,
                axid: None,
                axlen: None,
                vm: None,
                alt_kinds: Vec::new(),
                how: format!("v1 table (sysmmu_v1_faults), address in {reg:#05x}"),
            },
            None => unknown_bit(
                bit,
                "no driver names v1 interrupt bits above 7 (mainline: \"Unhandled interrupt bit\")".into(),
            ),
        },
        Layout::V5 => {
            let (index, access, reg) = match bit {
                0..=4 => (bit, Access::Read, 0x070),
                16..=20 => (bit - 16, Access::Write, 0x080),
                _ => return unknown_bit(
                    bit,
                    "v5 names bits 0-4 (read) and 16-20 (write) only (mainline: \"Unhandled interrupt bit\")"
                        .into(),
                ),
            };
            let kind = V5_FAULT_KINDS
                .get(index as usize)
                .copied()
                .unwrap_or(FaultKind::Unknown);
            let trans_reg = if access == Access::Read { 0x078 } else { 0x088 };
            let trans_info = window
                .get(trans_reg)
                .filter(|_| conventions == Conventions::Downstream);
            InterruptFault {
                bit,
                kind,
                access,
                addr_reg: Some(reg),
                address: address_at(reg),
                trans_info,
                axid: trans_info.map(|info| info & 0xFFFF),
                axlen: trans_info.map(|info| (info >> 16) & 0xF),
                vm: None,
                alt_kinds: Vec::new(),
                how: format!(
                    "v5 table (sysmmu_v5_fault_names), {} channel, address in {reg:#05x}",
                    access
                ),
            }
        }
        Layout::V7 | Layout::V7Vm => {
            let vm = bit / 4;
            let type_index = (bit % 4) as usize;
            let (va_reg, info_reg) = match (layout, conventions) {
                (Layout::V7, _) => (0x070, 0x078),
                // Mainline reads VM 0's registers whichever VM faulted; Samsung's driver reads the
                // faulting VM's (fault registers repeat every 0x10).
                (_, Conventions::Mainline) => (0x1000, 0x1004),
                (_, Conventions::Downstream) => (0x1000 + vm * 0x10, 0x1004 + vm * 0x10),
            };
            let (table, kind) = match conventions {
                Conventions::Mainline => (
                    "mainline sysmmu_v7_fault_names[bit % 4]",
                    V7_MAINLINE_KINDS[type_index],
                ),
                Conventions::Downstream => (
                    "samsung-iommu.c (5.10) type = bit % 4",
                    V7_SAMSUNG_KINDS[type_index],
                ),
            };
            let mut alt_kinds = Vec::new();
            let readings = [
                Some(V7_MAINLINE_KINDS[type_index]),
                Some(V7_SAMSUNG_KINDS[type_index]),
                V7_9820_KINDS.get(bit as usize).copied(),
            ];
            for candidate in readings.into_iter().flatten() {
                if candidate != kind && !alt_kinds.contains(&candidate) {
                    alt_kinds.push(candidate);
                }
            }
            let trans_info = window.get(info_reg);
            let access = match trans_info {
                Some(info) if info & (1 << 20) != 0 => Access::Write,
                Some(_) => Access::Read,
                None => Access::Unknown,
            };
            InterruptFault {
                bit,
                kind,
                access,
                addr_reg: Some(va_reg),
                address: address_at(va_reg),
                trans_info,
                axid: trans_info.map(|info| info & 0xFFFF),
                axlen: trans_info.map(|info| (info >> 16) & 0xF),
                vm: (vm != 0).then_some(vm),
                alt_kinds,
                how: format!(
                    "v7 ({table}), address in {va_reg:#x}, access from FAULT_TRANS_INFO ({info_reg:#x}) bit 20"
                ),
            }
        }
    }
}
