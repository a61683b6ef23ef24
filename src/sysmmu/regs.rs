//! A SysMMU register window (offset → value, whatever dump it came from) and its decode:
//! version and layout, control/config/status bits, the page-table base, and the interrupt status
//! (turned into faults by [`super::interrupt`]).

use super::addr::{hex32, PhysAddr};
use super::layout::{
    Conventions, HwVersion, Layout, CAPA0_CAPA1_EXIST, CAPA1_VCR_ENABLED, MMU_CAPA0, MMU_CAPA1, MMU_CFG,
    MMU_CFG_VM, MMU_CTRL, MMU_CTRL_VM, MMU_STATUS, MMU_VERSION,
};
use crate::error::{InputError, Location};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

use super::interrupt::{decode_faults, set_bits};
pub use super::interrupt::{Access, FaultKind, FaultSet, InterruptFault};

/// The dump forms a register window can be read from (recognised by content).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DumpForm {
    /// U-Boot `md`/`md.l`/`md.w`/`md.b` output.
    UbootMd,
    /// busybox `devmem` pairs (`0x13620000 = 0x00000005`) or `devmem ADDR` followed by the value.
    Devmem,
    /// `ADDR VALUE` lines.
    AddrValue,
    /// `NAME = 0xVALUE` lines with the layout's register names.
    Named,
    /// `hexdump -C` (or plain `hexdump`/`od -x`) of the raw window.
    Hexdump,
    /// `xxd` of the raw window.
    Xxd,
    /// Register values a driver or a debug patch printed into the kernel log, by address
    /// (`0x10a60000: 0x00000001`) or by offset into the window (`reg[0x0c] = 0x00000001`),
    /// with or without the log's time stamp and device prefix.
    LogTrace,
    /// The raw window itself (little-endian words).
    RawBinary,
    /// A `regs.json` (`{"sfr_base", "size", "file"}`) naming a raw window.
    RegsJson,
}

impl fmt::Display for DumpForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DumpForm::UbootMd => "U-Boot md",
            DumpForm::Devmem => "devmem pairs",
            DumpForm::AddrValue => "ADDR VALUE lines",
            DumpForm::Named => "NAME = VALUE lines",
            DumpForm::Hexdump => "hexdump",
            DumpForm::Xxd => "xxd",
            DumpForm::LogTrace => "register values printed in a log",
            DumpForm::RawBinary => "raw binary window",
            DumpForm::RegsJson => "regs.json",
        })
    }
}

/// Register values by offset from the window start. Registers the dump does not hold are absent,
/// never assumed zero.
#[derive(Clone, Debug, Default)]
pub struct RegisterWindow {
    /// The input's name, for messages.
    pub source: String,
    /// Physical address of offset 0, when given or inferred.
    pub base: Option<PhysAddr>,
    pub base_inferred: bool,
    pub forms: Vec<DumpForm>,
    values: BTreeMap<u32, u32>,
    /// What the reader noticed (skipped lines, duplicates, how the base was found).
    pub notes: Vec<String>,
}

impl RegisterWindow {
    pub fn new(source: impl Into<String>) -> Self {
        RegisterWindow {
            source: source.into(),
            ..Default::default()
        }
    }

    pub fn get(&self, offset: u32) -> Option<u32> {
        self.values.get(&offset).copied()
    }

    /// Sets a register; returns the previous value when there was a different one.
    pub fn set(&mut self, offset: u32, value: u32) -> Option<u32> {
        match self.values.insert(offset, value) {
            Some(old) if old != value => Some(old),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.values.iter().map(|(offset, value)| (*offset, *value))
    }
}

/// Chooses the layout from the version and, for v7+, the CAPA0/CAPA1 rule (mainline
/// `__sysmmu_has_capa1()`, `__sysmmu_get_vcr()`): CAPA1 is consulted only when CAPA0 bit 11 says
/// it exists. Returns the layout and what could not be checked.
pub fn choose_layout(version: &HwVersion, read: impl Fn(u32) -> Option<u32>) -> (Layout, Vec<String>) {
    let mut notes = Vec::new();
    if version.major < 7 {
        return (version.layout(false), notes);
    }
    let vm = match read(MMU_CAPA0) {
        None => {
            notes
                .push("MMU_CAPA0 (0x870) is not in the dump: assuming no VM register set (v7 layout)".into());
            false
        }
        Some(capa0) if capa0 & CAPA0_CAPA1_EXIST == 0 => false,
        Some(_) => match read(MMU_CAPA1) {
            None => {
                notes.push(
                    "MMU_CAPA0 says CAPA1 exists but MMU_CAPA1 (0x874) is not in the dump: assuming \
                     no VM register set (v7 layout)"
                        .into(),
                );
                false
            }
            Some(capa1) => capa1 & CAPA1_VCR_ENABLED != 0,
        },
    };
    (version.layout(vm), notes)
}

/// MMU_CTRL (and the bits of MMU_CTRL_VM), named after the Exynos 850 downstream header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct CtrlBits {
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub raw: u32,
    pub enable: bool,
    pub block: bool,
    pub int_enable: bool,
    pub fault_stall: bool,
    /// `enabled`, `enabled_blocked`, `disabled`, `disabled_blocked`, `enabled_no_irq`, `other`.
    #[serde(deserialize_with = "ctrl_state")]
    pub state: super::addr::Word,
}

/// `CtrlBits::state` read back as the word `decode` gives.
fn ctrl_state<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    super::addr::known_word(
        deserializer,
        &[
            "enabled",
            "enabled_blocked",
            "disabled",
            "disabled_blocked",
            "enabled_no_irq",
            "other",
        ],
    )
}

/// `NamedRegister::name` read back as the name a layout gives the register.
fn register_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    use serde::de::{Deserialize, Error};
    let text = String::deserialize(deserializer)?;
    crate::sysmmu::layout::Layout::ALL
        .iter()
        .find_map(|layout| layout.register_named(&text))
        .map(|def| def.name)
        .ok_or_else(|| D::Error::custom(format!("expected a SysMMU register name, found `{text}`")))
}

impl CtrlBits {
    pub fn decode(raw: u32) -> CtrlBits {
        // The values the drivers write: 0x5 enable (CTRL_ENABLE), 0x7 blocked for maintenance
        // (CTRL_BLOCK), 0x0 disable (mainline), 0x3 enable + block without interrupts (downstream
        // CTRL_BLOCK_DISABLE: the SysMMU is "off" but stalls traffic instead of bypassing it).
        let state = match raw & !0x8 {
            0x5 => "enabled",
            0x7 => "enabled_blocked",
            0x0 => "disabled",
            0x3 => "disabled_blocked",
            0x1 => "enabled_no_irq",
            _ => "other",
        };
        CtrlBits {
            raw,
            enable: raw & 1 != 0,
            block: raw & 2 != 0,
            int_enable: raw & 4 != 0,
            fault_stall: raw & 8 != 0,
            state,
        }
    }

    /// Translating: enabled and not blocked.
    pub fn mmu_enabled(&self) -> bool {
        self.enable && !self.block
    }
}

/// MMU_CFG bits as mainline names them (`CFG_*`), plus downstream `CFG_QOS_OVRRIDE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct CfgBits {
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub raw: u32,
    pub lru: bool,
    /// Access-permission checking (mainline always sets it; downstream never does).
    pub eap: bool,
    pub qos: u32,
    pub qos_override: bool,
    pub flpd_cache: bool,
    pub syssel: bool,
    pub acgen: bool,
}

impl CfgBits {
    pub fn decode(raw: u32) -> CfgBits {
        CfgBits {
            raw,
            lru: raw & 1 != 0,
            eap: raw & (1 << 2) != 0,
            qos: (raw >> 7) & 0xF,
            qos_override: raw & (1 << 11) != 0,
            flpd_cache: raw & (1 << 20) != 0,
            syssel: raw & (1 << 22) != 0,
            acgen: raw & (1 << 24) != 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct StatusBits {
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub raw: u32,
    pub blocked: bool,
}

/// How the page-table base register holds the level-1 table address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PtBaseEncoding {
    /// v1–v3 PT_BASE_ADDR: the physical address itself.
    Address,
    /// v5+: PA >> 12 (mainline writes `pgd >> SPAGE_ORDER`).
    #[serde(rename = "pfn_4k")]
    Pfn4k,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct PtBase {
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub offset: u32,
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub raw: u32,
    pub encoding: PtBaseEncoding,
    pub lv1_table_pa: PhysAddr,
}

impl PtBase {
    pub fn decode(layout: Layout, raw: u32) -> PtBase {
        let (encoding, pa) = match layout {
            Layout::V1 => (PtBaseEncoding::Address, u64::from(raw)),
            _ => (PtBaseEncoding::Pfn4k, u64::from(raw) << 12),
        };
        PtBase {
            offset: layout.pt_base_register(),
            raw,
            encoding,
            lv1_table_pa: PhysAddr(pa),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct IntStatus {
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub offset: u32,
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub raw: u32,
    pub bits: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct Capa {
    #[schemars(with = "Option<String>")]
    #[serde(with = "hex32::option")]
    pub capa0: Option<u32>,
    #[schemars(with = "Option<String>")]
    #[serde(with = "hex32::option")]
    pub capa1: Option<u32>,
    pub capa1_exists: bool,
    pub vcr_enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct CtrlVm {
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub raw: u32,
    pub vid_enable: bool,
    pub fault_stall: bool,
}

/// Everything the registers say.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct RegisterDecode {
    pub conventions: Conventions,
    pub sfr_base: Option<PhysAddr>,
    pub version: HwVersion,
    /// The version came from the user or a log, not from the register.
    pub version_given: bool,
    pub layout: Layout,
    pub pte_shift: u32,
    pub pa_bits: u32,
    pub ctrl: Option<CtrlBits>,
    pub mmu_enabled: Option<bool>,
    pub cfg: Option<CfgBits>,
    pub status: Option<StatusBits>,
    pub pt_base: Option<PtBase>,
    pub int_status: Option<IntStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capa: Option<Capa>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctrl_vm: Option<CtrlVm>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cfg_vm: Option<CfgBits>,
    /// Every named register of the layout with its value (None: not in the dump).
    pub registers: Vec<NamedRegister>,
    /// null when INT_STATUS is 0 or absent.
    pub fault: Option<FaultSet>,
    /// What the decode could not check, and where the driver families read things differently.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct NamedRegister {
    #[serde(deserialize_with = "register_name")]
    pub name: super::addr::Word,
    #[schemars(with = "String")]
    #[serde(with = "hex32")]
    pub offset: u32,
    #[schemars(with = "Option<String>")]
    #[serde(with = "hex32::option")]
    pub value: Option<u32>,
}

impl RegisterDecode {
    /// The level-1 table address, when the PT base register was in the dump.
    pub fn lv1_table_pa(&self) -> Option<PhysAddr> {
        self.pt_base.as_ref().map(|pt| pt.lv1_table_pa)
    }
}

/// Decodes a register window. `version` overrides the VERSION register (needed when the dump
/// lacks it). Fails only when no version is known at all.
pub fn decode(
    window: &RegisterWindow,
    conventions: Conventions,
    version: Option<HwVersion>,
) -> Result<RegisterDecode, InputError> {
    let mut notes = Vec::new();
    let version_given = version.is_some();
    let version = match (version, window.get(MMU_VERSION)) {
        (Some(given), Some(raw)) => {
            let read = HwVersion::decode(raw);
            if (read.major, read.minor) != (given.major, given.minor) {
                notes.push(format!(
                    "MMU_VERSION reads {raw:#010x} (v{read}) but v{given} was given: decoding as v{given}"
                ));
            }
            given
        }
        (Some(given), None) => given,
        (None, Some(raw)) => HwVersion::decode(raw),
        (None, None) => {
            return Err(InputError::new(
                window.source.clone(),
                Location::File,
                "the MMU_VERSION register (offset 0x034) to choose the register layout, \
                 or a version given with --hw-version",
            ))
        }
    };
    if version.quirk {
        notes.push(match conventions {
            Conventions::Mainline => {
                "MMU_VERSION reads 0x80000001: mainline takes this for v1.0 (some SoCs report \
                 no proper version, __sysmmu_get_version())"
                    .to_string()
            }
            Conventions::Downstream => {
                "MMU_VERSION reads 0x80000001: decoded as v1.0 as mainline does; Samsung's \
                 drivers have no such special case and would read 8.0"
                    .to_string()
            }
        });
    }
    if version.major == 0 && !version_given {
        notes.push(
            "MMU_VERSION reads major 0: the window may be unclocked, powered down or not a SysMMU".into(),
        );
    }
    let (layout, layout_notes) = choose_layout(&version, |offset| window.get(offset));
    notes.extend(layout_notes);

    let ctrl = window.get(MMU_CTRL).map(CtrlBits::decode);
    let mmu_enabled = ctrl.as_ref().map(CtrlBits::mmu_enabled);
    if let Some(ctrl) = &ctrl {
        if ctrl.state == "disabled_blocked" {
            notes.push(format!(
                "MMU_CTRL = {:#x} (enable + block, no interrupt): downstream drivers write this when they \
                 turn a v5+ SysMMU off so traffic stalls instead of bypassing; mainline writes 0",
                ctrl.raw
            ));
        }
    }
    let cfg = window.get(MMU_CFG).map(CfgBits::decode);
    let status = window.get(MMU_STATUS).map(|raw| StatusBits {
        raw,
        blocked: raw & 1 != 0,
    });
    let pt_base = window
        .get(layout.pt_base_register())
        .map(|raw| PtBase::decode(layout, raw));
    let int_status = window.get(layout.int_status_register()).map(|raw| IntStatus {
        offset: layout.int_status_register(),
        raw,
        bits: set_bits(raw),
    });
    let (capa, ctrl_vm, cfg_vm) = match layout {
        Layout::V7 | Layout::V7Vm => {
            let capa0 = window.get(MMU_CAPA0);
            let capa1 = window.get(MMU_CAPA1);
            let capa1_exists = capa0.is_some_and(|c| c & CAPA0_CAPA1_EXIST != 0);
            let capa = Capa {
                capa0,
                capa1,
                capa1_exists,
                vcr_enabled: capa1_exists && capa1.is_some_and(|c| c & CAPA1_VCR_ENABLED != 0),
            };
            if layout == Layout::V7Vm {
                let ctrl_vm = window.get(MMU_CTRL_VM).map(|raw| CtrlVm {
                    raw,
                    vid_enable: raw & 1 != 0,
                    fault_stall: raw & 8 != 0,
                });
                (Some(capa), ctrl_vm, window.get(MMU_CFG_VM).map(CfgBits::decode))
            } else {
                (Some(capa), None, None)
            }
        }
        _ => (None, None, None),
    };
    if layout == Layout::V7Vm {
        if let (Some(stale), Some(pt)) = (window.get(0x00C), &pt_base) {
            if stale != 0 && stale != pt.raw {
                notes.push(format!(
                    "offset 0x00C holds {stale:#x}, but with the VM register set the page-table base is \
                     PT_BASE_PFN_VM (0x800C); 0x00C is ignored"
                ));
            }
        }
        if ctrl_vm.as_ref().is_some_and(|vm| !vm.vid_enable) && ctrl.as_ref().is_some_and(|c| c.enable) {
            notes.push("MMU_CTRL_VM bit 0 (VID enable) is clear: VM 0 does not translate".into());
        }
    }
    let registers = layout
        .registers()
        .iter()
        .map(|def| NamedRegister {
            name: def.name,
            offset: def.offset,
            value: window.get(def.offset),
        })
        .collect::<Vec<_>>();
    let missing: Vec<&str> = registers
        .iter()
        .filter(|r| r.value.is_none())
        .map(|r| r.name)
        .collect();
    if !missing.is_empty() {
        notes.push(format!("not in the dump: {}", missing.join(", ")));
    }
    let fault = int_status
        .as_ref()
        .filter(|status| status.raw != 0)
        .map(|status| decode_faults(window, layout, conventions, status.raw));
    if layout == Layout::V7 || layout == Layout::V7Vm {
        if let Some(fault) = &fault {
            if fault.faults.iter().any(|f| !f.alt_kinds.is_empty()) {
                notes.push(
                    "v7 interrupt bits 2 and 3 are named differently by the driver families: mainline and the \
                     Exynos 850 kernel read bit % 4 as PTW, PAGE, ACCESS_PROTECTION, RESERVED; Samsung's \
                     samsung-iommu.c (5.10) as PTW, PAGE, RESERVED, ACCESS; the 9820/9611 exynos-iommu.c as \
                     PTW, PAGE, MULTI_HIT, ACCESS, SECURITY (alt_kinds lists the others)"
                        .into(),
                );
            }
        }
    }
    if let Some(cfg) = &cfg {
        match conventions {
            Conventions::Mainline if !cfg.eap && cfg.raw != 0 => notes.push(
                "CFG.EAP is clear: the permission bits of the page-table entries are not enforced \
                 (downstream drivers never set EAP and use those bits as shareable/PBHA attributes)"
                    .into(),
            ),
            Conventions::Downstream if cfg.eap => notes.push(
                "CFG.EAP is set, as mainline sets it: entries' attribute bits are access permissions here, \
                 not the downstream shareable/PBHA bits"
                    .into(),
            ),
            _ => {}
        }
    }
    Ok(RegisterDecode {
        conventions,
        sfr_base: window.base,
        version,
        version_given,
        layout,
        pte_shift: layout.pte_shift(),
        pa_bits: layout.pa_bits(),
        ctrl,
        mmu_enabled,
        cfg,
        status,
        pt_base,
        int_status,
        capa,
        ctrl_vm,
        cfg_vm,
        registers,
        fault,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmmu::Iova;

    fn window(values: &[(u32, u32)]) -> RegisterWindow {
        let mut window = RegisterWindow::new("test");
        for &(offset, value) in values {
            window.set(offset, value);
        }
        window
    }

    #[test]
    fn v7_vm_needs_capa1_to_exist() {
        let decoy = window(&[(0x34, 0x7080_0000), (0x870, 0), (0x874, CAPA1_VCR_ENABLED)]);
        let decode = decode(&decoy, Conventions::Mainline, None).unwrap();
        assert_eq!(decode.layout, Layout::V7);
        let vm = window(&[
            (0x34, 0x7080_0000),
            (0x870, CAPA0_CAPA1_EXIST),
            (0x874, CAPA1_VCR_ENABLED),
        ]);
        assert_eq!(decode_layout(&vm), Layout::V7Vm);
    }

    fn decode_layout(window: &RegisterWindow) -> Layout {
        decode(window, Conventions::Mainline, None).unwrap().layout
    }

    #[test]
    fn v5_write_channel_faults_use_the_aw_register() {
        let w = window(&[(0x34, 0x5000_0000), (0x60, 1 << 19), (0x80, 0x729f_c764)]);
        let fault = decode(&w, Conventions::Mainline, None).unwrap().fault.unwrap();
        assert_eq!(fault.primary_bit, 19);
        assert_eq!(fault.faults[0].kind, FaultKind::AccessProtection);
        assert_eq!(fault.faults[0].access, Access::Write);
        assert_eq!(fault.faults[0].address, Some(Iova(0x729f_c764)));
    }

    #[test]
    fn v7_bit2_carries_the_other_readings() {
        let w = window(&[
            (0x34, 0x7000_0000),
            (0x870, 0),
            (0x60, 4),
            (0x70, 0x1000),
            (0x78, 1 << 20),
        ]);
        let mainline = decode(&w, Conventions::Mainline, None).unwrap().fault.unwrap();
        assert_eq!(mainline.faults[0].kind, FaultKind::AccessProtection);
        assert_eq!(mainline.faults[0].access, Access::Write);
        assert!(mainline.faults[0].alt_kinds.contains(&FaultKind::MultiHit));
        let downstream = decode(&w, Conventions::Downstream, None).unwrap().fault.unwrap();
        assert_eq!(downstream.faults[0].kind, FaultKind::Reserved);
    }

    #[test]
    fn no_version_is_an_error_naming_the_register() {
        let err = decode(&window(&[(0, 5)]), Conventions::Mainline, None).unwrap_err();
        assert!(err.to_string().contains("MMU_VERSION"));
    }

    #[test]
    fn kernel_fault_names_map_to_kinds() {
        assert_eq!(
            FaultKind::from_kernel_name("AW MULTI-HIT"),
            Some((FaultKind::MultiHit, Some(Access::Write)))
        );
        assert_eq!(
            FaultKind::from_kernel_name("L1TLB MULTI-HIT FAULT"),
            Some((FaultKind::MultiHit, None))
        );
        assert_eq!(
            FaultKind::from_kernel_name("PTW ACCESS FAULT"),
            Some((FaultKind::Ptw, None))
        );
        assert_eq!(
            FaultKind::from_kernel_name("BUS ERROR"),
            Some((FaultKind::BusError, None))
        );
        assert_eq!(FaultKind::from_kernel_name("SOMETHING"), None);
    }
}
