//! Hardware versions, driver conventions and the register layout each version uses.
//!
//! The version register and the layout choice follow mainline `__sysmmu_get_version()`
//! (drivers/iommu/exynos-iommu.c): major < 5 → v1 layout, 5–6 → v5, 7+ → v7, and v7 with the VM
//! register set when CAPA0 says CAPA1 exists and CAPA1 says VCR is enabled. Register names are the
//! ones of the kernel macros (without `REG_`), as the fixtures' `regs.named.txt` use them.

use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;

/// Whose reading of the hardware to apply where mainline and Samsung's downstream drivers differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Conventions {
    /// drivers/iommu/exynos-iommu.c as in current mainline (the default).
    #[default]
    Mainline,
    /// Samsung vendor kernels (Exynos 9820/9611/850 era `exynos-iommu.c`, `samsung-iommu.c`;
    /// the 7420/8890-era legacy reading for v1–v3 page tables).
    Downstream,
}

impl fmt::Display for Conventions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Conventions::Mainline => "mainline",
            Conventions::Downstream => "downstream",
        })
    }
}

/// The register set (and page-table entry format) a SysMMU uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, JsonSchema)]
pub enum Layout {
    /// Majors 1–3 (`sysmmu_v1_variant`): PT base is an address, entries unshifted.
    #[serde(rename = "v1")]
    V1,
    /// Majors 5–6 (`sysmmu_v5_variant`): PT base is a page-frame number, entries shifted by 4.
    #[serde(rename = "v5")]
    V5,
    /// Major 7 without the VM register set (`sysmmu_v7_variant`).
    #[serde(rename = "v7")]
    V7,
    /// Major 7 with CAPA1.VCR set (`sysmmu_v7_vm_variant`): PT base and fault registers moved.
    #[serde(rename = "v7_vm")]
    V7Vm,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::V1 => "v1",
            Layout::V5 => "v5",
            Layout::V7 => "v7",
            Layout::V7Vm => "v7_vm",
        }
    }

    /// Page-table entries store `PA >> shift` (mainline `PG_ENT_SHIFT`).
    pub fn pte_shift(self) -> u32 {
        match self {
            Layout::V1 => 0,
            _ => 4,
        }
    }

    pub fn pa_bits(self) -> u32 {
        match self {
            Layout::V1 => 32,
            _ => 36,
        }
    }

    /// The named registers of this layout, in offset order.
    pub fn registers(self) -> &'static [RegisterDef] {
        match self {
            Layout::V1 => V1_REGISTERS,
            Layout::V5 => V5_REGISTERS,
            Layout::V7 => V7_REGISTERS,
            Layout::V7Vm => V7_VM_REGISTERS,
        }
    }

    /// Finds a register by name: case-insensitive, with or without the kernel's `REG_` prefix.
    pub fn register_named(self, name: &str) -> Option<&'static RegisterDef> {
        let upper = name.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix("REG_").unwrap_or(&upper);
        self.registers().iter().find(|def| def.name == bare)
    }

    pub fn register_at(self, offset: u32) -> Option<&'static RegisterDef> {
        self.registers().iter().find(|def| def.offset == offset)
    }

    /// Where the page-table base register is and how it is encoded.
    pub fn pt_base_register(self) -> u32 {
        match self {
            Layout::V1 => 0x014,
            Layout::V5 | Layout::V7 => 0x00C,
            Layout::V7Vm => 0x800C,
        }
    }

    pub fn int_status_register(self) -> u32 {
        match self {
            Layout::V1 => 0x018,
            _ => 0x060,
        }
    }

    pub const ALL: [Layout; 4] = [Layout::V1, Layout::V5, Layout::V7, Layout::V7Vm];
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One named register of a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterDef {
    pub name: &'static str,
    pub offset: u32,
    pub meaning: &'static str,
    /// Only Samsung's downstream headers name it; mainline never reads it.
    pub downstream_only: bool,
}

const fn reg(name: &'static str, offset: u32, meaning: &'static str) -> RegisterDef {
    RegisterDef {
        name,
        offset,
        meaning,
        downstream_only: false,
    }
}

const fn ds_reg(name: &'static str, offset: u32, meaning: &'static str) -> RegisterDef {
    RegisterDef {
        name,
        offset,
        meaning,
        downstream_only: true,
    }
}

pub const MMU_VERSION: u32 = 0x034;
pub const MMU_CTRL: u32 = 0x000;
pub const MMU_CFG: u32 = 0x004;
pub const MMU_STATUS: u32 = 0x008;
pub const MMU_CAPA0: u32 = 0x870;
pub const MMU_CAPA1: u32 = 0x874;
pub const MMU_CTRL_VM: u32 = 0x8000;
pub const MMU_CFG_VM: u32 = 0x8004;

static V1_REGISTERS: &[RegisterDef] = &[
    reg("MMU_CTRL", 0x000, "control"),
    reg("MMU_CFG", 0x004, "configuration"),
    reg("MMU_STATUS", 0x008, "status"),
    reg("MMU_FLUSH", 0x00C, "TLB flush"),
    reg("MMU_FLUSH_ENTRY", 0x010, "flush one entry"),
    reg("PT_BASE_ADDR", 0x014, "lv1 table physical address"),
    reg("INT_STATUS", 0x018, "interrupt status"),
    reg("INT_CLEAR", 0x01C, "interrupt clear"),
    reg("PAGE_FAULT_ADDR", 0x024, "page fault address"),
    reg("AW_FAULT_ADDR", 0x028, "write fault address"),
    reg("AR_FAULT_ADDR", 0x02C, "read fault address"),
    reg("DEFAULT_SLAVE_ADDR", 0x030, "bus error address"),
    reg("MMU_VERSION", 0x034, "version"),
];

static V5_REGISTERS: &[RegisterDef] = &[
    reg("MMU_CTRL", 0x000, "control"),
    reg("MMU_CFG", 0x004, "configuration"),
    reg("MMU_STATUS", 0x008, "status"),
    reg("PT_BASE_PFN", 0x00C, "lv1 table PA >> 12"),
    reg("MMU_FLUSH_ALL", 0x010, "flush all"),
    reg("MMU_FLUSH_ENTRY", 0x014, "flush one entry"),
    reg("MMU_FLUSH_RANGE", 0x018, "range flush"),
    reg("MMU_FLUSH_START", 0x020, "range flush start"),
    reg("MMU_FLUSH_END", 0x024, "range flush end"),
    ds_reg("MMU_CAPA", 0x030, "capabilities"),
    reg("MMU_VERSION", 0x034, "version"),
    ds_reg("MMU_CAPA_1", 0x038, "capabilities"),
    reg("INT_STATUS", 0x060, "interrupt status"),
    reg("INT_CLEAR", 0x064, "interrupt clear"),
    reg("FAULT_AR_VA", 0x070, "read fault address"),
    ds_reg("FAULT_AR_TRANS_INFO", 0x078, "read transaction info"),
    reg("FAULT_AW_VA", 0x080, "write fault address"),
    ds_reg("FAULT_AW_TRANS_INFO", 0x088, "write transaction info"),
];

static V7_REGISTERS: &[RegisterDef] = &[
    reg("MMU_CTRL", 0x000, "control"),
    reg("MMU_CFG", 0x004, "configuration"),
    reg("MMU_STATUS", 0x008, "status"),
    reg("PT_BASE_PFN", 0x00C, "lv1 table PA >> 12"),
    reg("MMU_FLUSH_ALL", 0x010, "flush all"),
    reg("MMU_FLUSH_ENTRY", 0x014, "flush one entry"),
    reg("MMU_FLUSH_RANGE", 0x018, "range flush"),
    reg("MMU_FLUSH_START", 0x020, "range flush start"),
    reg("MMU_FLUSH_END", 0x024, "range flush end"),
    reg("MMU_VERSION", 0x034, "version"),
    reg("INT_STATUS", 0x060, "interrupt status"),
    reg("INT_CLEAR", 0x064, "interrupt clear"),
    reg("FAULT_VA", 0x070, "fault address"),
    reg(
        "FAULT_TRANS_INFO",
        0x078,
        "fault transaction info (bit 20 = write)",
    ),
    reg("MMU_CAPA0", 0x870, "capabilities 0"),
    reg("MMU_CAPA1", 0x874, "capabilities 1"),
];

static V7_VM_REGISTERS: &[RegisterDef] = &[
    reg("MMU_CTRL", 0x000, "control"),
    reg("MMU_CFG", 0x004, "configuration"),
    reg("MMU_STATUS", 0x008, "status"),
    reg("MMU_VERSION", 0x034, "version"),
    reg("INT_STATUS", 0x060, "interrupt status"),
    reg("INT_CLEAR", 0x064, "interrupt clear"),
    reg("MMU_CAPA0", 0x870, "capabilities 0"),
    reg("MMU_CAPA1", 0x874, "capabilities 1"),
    reg("FAULT_VA_VM", 0x1000, "fault address (VM 0)"),
    reg("FAULT_TRANS_INFO_VM", 0x1004, "fault transaction info (VM 0)"),
    reg("MMU_CTRL_VM", 0x8000, "VM control"),
    reg("MMU_CFG_VM", 0x8004, "VM configuration"),
    reg("PT_BASE_PFN_VM", 0x800C, "lv1 table PA >> 12"),
    reg("MMU_FLUSH_ALL_VM", 0x8010, "flush all"),
    reg("MMU_FLUSH_ENTRY_VM", 0x8014, "flush one entry"),
    reg("MMU_FLUSH_RANGE_VM", 0x8018, "range flush"),
    reg("MMU_FLUSH_START_VM", 0x8020, "range flush start"),
    reg("MMU_FLUSH_END_VM", 0x8024, "range flush end"),
];

/// The VERSION register (0x034) decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct HwVersion {
    /// The register value as read.
    #[schemars(with = "String")]
    #[serde(with = "crate::sysmmu::addr::hex32")]
    pub raw: u32,
    pub major: u32,
    pub minor: u32,
    /// Bits [20:17]; only downstream decodes it (`MMU_REV_VER`).
    pub revision: u32,
    /// The register read `0x80000001`, which mainline takes for v1.0 because some SoCs report
    /// no proper version (`__sysmmu_get_version`).
    #[serde(rename = "quirk_0x80000001")]
    pub quirk: bool,
}

/// The value mainline special-cases as "version 1.0".
pub const VERSION_QUIRK_VALUE: u32 = 0x8000_0001;

impl HwVersion {
    /// Decodes the register: major = bits [31:28], minor = bits [27:21] (mainline `MMU_RAW_VER`,
    /// `MMU_MAJ_VER`, `MMU_MIN_VER`), revision = bits [20:17].
    pub fn decode(raw: u32) -> HwVersion {
        if raw == VERSION_QUIRK_VALUE {
            return HwVersion {
                raw,
                major: 1,
                minor: 0,
                revision: 0,
                quirk: true,
            };
        }
        let mainline_raw = (raw >> 21) & 0x7FF;
        HwVersion {
            raw,
            major: mainline_raw >> 7,
            minor: mainline_raw & 0x7F,
            revision: (raw >> 17) & 0xF,
            quirk: false,
        }
    }

    /// A version given by the user (or a log line) instead of read from the register.
    pub fn from_numbers(major: u32, minor: u32) -> HwVersion {
        HwVersion {
            raw: ((major & 0xF) << 28) | ((minor & 0x7F) << 21),
            major: major & 0xF,
            minor: minor & 0x7F,
            revision: 0,
            quirk: false,
        }
    }

    /// Parses `5.0`, `v7.4`, `7.2.1`.
    pub fn parse(text: &str) -> Option<HwVersion> {
        let text = text.trim();
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let mut parts = text.split('.');
        let major = parts.next()?.parse::<u32>().ok()?;
        let minor = parts.next()?.parse::<u32>().ok()?;
        let revision = match parts.next() {
            Some(revision) => revision.parse::<u32>().ok()?,
            None => 0,
        };
        if parts.next().is_some() || major > 15 || minor > 127 || revision > 15 {
            return None;
        }
        let mut version = HwVersion::from_numbers(major, minor);
        version.revision = revision;
        version.raw |= revision << 17;
        Some(version)
    }

    /// The layout mainline picks from the major number; `vm_registers` is the CAPA0/CAPA1 answer
    /// for major 7 and above.
    pub fn layout(&self, vm_registers: bool) -> Layout {
        match self.major {
            0..=4 => Layout::V1,
            5 | 6 => Layout::V5,
            _ if vm_registers => Layout::V7Vm,
            _ => Layout::V7,
        }
    }
}

impl fmt::Display for HwVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.revision != 0 {
            write!(f, ".{}", self.revision)?;
        }
        Ok(())
    }
}

/// CAPA0 bit 11: CAPA1 exists (mainline `CAPA0_CAPA1_EXIST`).
pub const CAPA0_CAPA1_EXIST: u32 = 1 << 11;
/// CAPA1 bit 14: the VM register set is in use (mainline `CAPA1_VCR_ENABLED`).
pub const CAPA1_VCR_ENABLED: u32 = 1 << 14;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_versions_as_the_reference_examples() {
        let v = HwVersion::decode(0x3060_0000);
        assert_eq!((v.major, v.minor), (3, 3));
        let v = HwVersion::decode(0x7042_0000);
        assert_eq!((v.major, v.minor, v.revision), (7, 2, 1));
        let v = HwVersion::decode(0x8040_0000);
        assert_eq!((v.major, v.minor), (8, 2));
        let v = HwVersion::decode(VERSION_QUIRK_VALUE);
        assert_eq!((v.major, v.minor, v.quirk), (1, 0, true));
        assert_eq!(v.layout(false), Layout::V1);
    }

    #[test]
    fn picks_layouts_by_major() {
        assert_eq!(HwVersion::decode(0x5020_0000).layout(true), Layout::V5);
        assert_eq!(HwVersion::decode(0x7080_0000).layout(true), Layout::V7Vm);
        assert_eq!(HwVersion::decode(0x7000_0000).layout(false), Layout::V7);
        assert_eq!(
            HwVersion::parse("v7.4").map(|v| v.layout(false)),
            Some(Layout::V7)
        );
        assert_eq!(HwVersion::parse("7.2.1").map(|v| v.raw), Some(0x7042_0000));
        assert_eq!(HwVersion::parse("x"), None);
    }

    #[test]
    fn finds_registers_by_kernel_names() {
        assert_eq!(
            Layout::V1.register_named("reg_pt_base_addr").map(|r| r.offset),
            Some(0x14)
        );
        assert_eq!(
            Layout::V7Vm.register_named("PT_BASE_PFN_VM").map(|r| r.offset),
            Some(0x800C)
        );
        assert!(Layout::V7Vm.register_named("PT_BASE_PFN").is_none());
    }
}
