//! Exynos SysMMU decoding: registers, page-table formats, memory sources, walks. Knows nothing of
//! boots.
//!
//! Three layers, as in the whole tool:
//! - decoding, pure functions over bytes and typed values: [`addr`], [`layout`], [`regs`],
//!   [`interrupt`], [`pte`], [`walk`], [`map`], [`fault`], [`faultlog`], and the dump parsers
//!   of [`dump`] (they take any `BufRead` or byte slice);
//! - access to files and hardware, behind the [`PhysMemory`] trait: [`memory`] (raw dumps,
//!   `/dev/mem`), [`elf`] (cores), [`dump::read_register_file`], [`inputs`] (what one command
//!   run opens; the live system only when asked), [`window`] (where a SysMMU's registers are,
//!   for collectors);
//! - answers and their rendering: [`answers`] (typed; the JSON contract) and [`render`] (text,
//!   JSON behind the report contract's header).
//!
//! ```text
//! register dump ──dump──▶ RegisterWindow ──regs::decode──▶ RegisterDecode (version, layout, PT base, faults)
//! memory dumps ──memory──▶ dyn PhysMemory ─┐
//! PT base + PteFormat ─────────────────────┴─▶ walk::PageTable ──translate──▶ Walk
//!                                                              ──map::map_table──▶ PageTableMap
//! fault (registers or faultlog lines) + Walk ──fault::explain──▶ FaultCause
//! inputs ──answers──▶ SysmmuAnswer ──render──▶ text | JSON
//! ```
//!
//! The encodings follow drivers/iommu/exynos-iommu.c (mainline) and, where Samsung's vendor
//! drivers read the hardware differently, [`Conventions::Downstream`].

pub mod addr;
pub mod answers;
pub mod dump;
pub mod elf;
pub mod fault;
pub mod faultlog;
pub mod inputs;
pub mod interrupt;
pub mod layout;
pub mod map;
pub mod memory;
pub mod pte;
pub mod regs;
pub mod render;
pub mod walk;
pub mod window;

pub use addr::{Iova, PhysAddr};
pub use fault::{explain, explain_report, FaultCause, ReportExplanation, TableAnswer};
pub use faultlog::{parse_fault_line, parse_fault_log, FaultLineFormat, FaultReport, LoggedFault};
pub use layout::{Conventions, HwVersion, Layout};
pub use map::{coalesce, map_table, Coalesce, Leaf, PageTableMap, Run};
pub use memory::{InMemory, MemorySet, PhysMemory, Unreadable};
pub use pte::{LeafKind, Lv1Entry, Lv2Entry, Prot, PteFormat};
pub use regs::{decode, Access, FaultKind, RegisterDecode, RegisterWindow};
pub use walk::{Outcome, PageTable, StopReason, Walk};
pub use window::RegisterRange;

/// Register decodes and page-table memory that come with a boot's evidence, so its fault lines
/// can be walked (`probescope check --sysmmu-regs ... --mem ...`).
#[derive(Default)]
pub struct DumpEvidence {
    pub registers: Vec<RegisterDecode>,
    /// Dumps without MMU_VERSION and no version given: decoded once the log states the
    /// SysMMU's version (`with_log_versions`).
    pub undecided: Vec<RegisterWindow>,
    pub memory: MemorySet,
}

impl std::fmt::Debug for DumpEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DumpEvidence")
            .field("registers", &self.registers.len())
            .finish_non_exhaustive()
    }
}

impl DumpEvidence {
    /// Reads register dumps and memory specs as the `sysmmu` commands do (mainline conventions);
    /// `version` is the hardware version for dumps without MMU_VERSION (or overriding it).
    pub fn read(
        registers: &[std::path::PathBuf],
        memory: &[String],
        version: Option<HwVersion>,
    ) -> Result<DumpEvidence, crate::error::Error> {
        let mut evidence = DumpEvidence::default();
        for path in registers {
            let window = dump::read_register_file(path, &dump::ReadOptions::default())?;
            if version.is_none() && window.get(layout::MMU_VERSION).is_none() {
                evidence.undecided.push(window);
                continue;
            }
            evidence
                .registers
                .push(decode(&window, Conventions::Mainline, version)?);
        }
        for spec in memory {
            for source in memory::open_memory_spec(spec)? {
                evidence.memory.push(source);
            }
        }
        Ok(evidence)
    }

    /// Decodes the dumps that had no version with the version the log states for their
    /// SysMMU (`exynos-sysmmu <device>: hardware version: X.Y`, exynos-iommu.c
    /// `__sysmmu_get_version()`), matched by the device name's address, or the only one.
    pub fn with_log_versions(&mut self, versions: &[(String, HwVersion)]) {
        let undecided = std::mem::take(&mut self.undecided);
        for window in undecided {
            let base = window.base.map(|b| b.0);
            let stated = versions
                .iter()
                .find(|(device, _)| base.is_some() && device_base(device) == base)
                .or_else(|| (versions.len() == 1).then(|| &versions[0]));
            match stated.map(|(_, version)| decode(&window, Conventions::Mainline, Some(*version))) {
                Some(Ok(decoded)) => self.registers.push(decoded),
                _ => self.undecided.push(window),
            }
        }
    }

    /// The decode of the SysMMU named `device` (`14640000.sysmmu`: its register base is the
    /// name's address), or the only one given.
    pub fn registers_of(&self, device: Option<&str>) -> Option<&RegisterDecode> {
        let base = device.and_then(device_base);
        self.registers
            .iter()
            .find(|decode| base.is_some() && decode.sfr_base.map(|b| b.0) == base)
            .or_else(|| (self.registers.len() == 1).then(|| &self.registers[0]))
    }
}

/// The register base a platform device's name starts with (`14640000.sysmmu`).
fn device_base(name: &str) -> Option<u64> {
    name.split('.')
        .next()
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
}
