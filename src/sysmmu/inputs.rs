//! The hardware and file access of the `sysmmu` commands: reads the register dump, opens the
//! page-table memory (raw dumps, ELF cores, `memory.json`, and the live `/dev/mem` only when
//! [`Options::live`] asks for it), reads kernel logs for their fault lines, and checks that what a subcommand needs is there. Everything
//! after this module decodes bytes and never asks where they came from.

use super::dump::{read_register_file, ReadOptions};
use super::faultlog::{parse_fault_log, LoggedFault};
use super::memory::{open_memory_spec, DevMem, MemorySet, PhysMemory};
use super::regs::{decode, DumpForm, RegisterDecode};
use super::walk::PageTable;
use super::{Conventions, HwVersion, Layout, PhysAddr, PteFormat};
use crate::error::{Error, Result};
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// What the user asked for, already typed (the command resolves its arguments into this).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The register dump.
    pub regs: Option<PathBuf>,
    /// Physical address of the register window, when the dump does not show it.
    pub base: Option<PhysAddr>,
    /// Hardware version when the dump has none, or to override it.
    pub hw_version: Option<HwVersion>,
    pub conventions: Conventions,
    /// `--mem` specs: `FILE@0xBASE`, an ELF core, or a `memory.json`.
    pub memory: Vec<String>,
    /// Also read the live `/dev/mem` (bounded by the live-mem-bytes cap, [`DevMem::DEFAULT_BUDGET`]
    /// unless `--limit live-mem-bytes=`).
    pub live: bool,
    /// The lv1 table's physical address, overriding the PT base register.
    pub pt_base: Option<PhysAddr>,
}

/// What a subcommand cannot do without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Registers only (`regs`, `fault --log`).
    Registers,
    /// A page table to walk: memory, a version and an lv1 address (`translate`, `map`, `fault`).
    PageTable,
}

/// A register dump as read and decoded.
#[derive(Debug)]
pub struct RegsInput {
    pub path: PathBuf,
    pub forms: Vec<DumpForm>,
    /// What the reader noticed (base inference, skipped lines).
    pub reader_notes: Vec<String>,
    pub decoded: RegisterDecode,
}

/// The opened inputs of one subcommand run.
pub struct Inputs {
    pub conventions: Conventions,
    pub regs: Option<RegsInput>,
    pub layout: Option<Layout>,
    pub lv1_pa: Option<PhysAddr>,
    pub memory: MemorySet,
    /// What the reading noticed (overrides, live reads, the state of the SysMMU).
    pub notes: Vec<String>,
}

/// Reads every SysMMU fault of a kernel log (with the page-table lines printed after it).
pub fn read_fault_log(path: &Path) -> Result<Vec<LoggedFault>> {
    let file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
    parse_fault_log(BufReader::new(file)).map_err(|err| Error::io(path, err))
}

/// Reads and decodes a register dump.
pub fn read_registers(path: &Path, options: &Options) -> Result<RegsInput> {
    let window = read_register_file(
        path,
        &ReadOptions {
            base: options.base,
            version: options.hw_version,
        },
    )?;
    let decoded = decode(&window, options.conventions, options.hw_version)?;
    Ok(RegsInput {
        path: path.to_path_buf(),
        forms: window.forms,
        reader_notes: window.notes,
        decoded,
    })
}

impl Inputs {
    /// Opens everything `options` names; `what` is the subcommand, for the usage errors.
    pub fn open(options: &Options, needs: Needs, what: &str) -> Result<Inputs> {
        let mut notes = Vec::new();
        let regs = options
            .regs
            .as_deref()
            .map(|path| read_registers(path, options))
            .transpose()?;
        let layout = match (&regs, options.hw_version) {
            (Some(input), _) => Some(input.decoded.layout),
            // Without registers there is no CAPA to read; the VM layout only moves registers,
            // the entry format is the v7 one either way.
            (None, Some(version)) => Some(version.layout(false)),
            (None, None) => None,
        };
        let register_pt = regs.as_ref().and_then(|input| input.decoded.lv1_table_pa());
        if let (Some(given), Some(read)) = (options.pt_base, register_pt) {
            if given != read {
                notes.push(format!(
                    "--pt-base {given} overrides the PT base register ({read})"
                ));
            }
        }
        let lv1_pa = options.pt_base.or(register_pt);
        let mut memory = MemorySet::new();
        for spec in &options.memory {
            for source in open_memory_spec(spec)? {
                memory.push(source);
            }
        }
        if options.live {
            memory.push(Box::new(DevMem::open(
                Path::new("/dev/mem"),
                crate::limits::current().live_mem_bytes,
            )?));
            notes.push("reading the live /dev/mem (at most 8 MiB)".into());
        }
        if needs == Needs::PageTable {
            if memory.is_empty() {
                return Err(Error::Usage(format!(
                    "{what} needs the page-table memory: --mem FILE@0xBASE (a raw dump and its physical base), \
                     --mem vmcore, --mem memory.json, or --live"
                )));
            }
            if layout.is_none() {
                return Err(Error::Usage(format!(
                    "{what} needs the SysMMU version to read entries (v1-v3 entries are unshifted, v5+ shifted \
                     by 4): give --regs FILE, or --hw-version X.Y with --pt-base PA"
                )));
            }
            if lv1_pa.is_none() && regs.is_none() {
                return Err(Error::Usage(format!(
                    "{what} needs the lv1 table address: give --regs FILE (its PT base register) or --pt-base PA"
                )));
            }
        }
        if let Some(input) = &regs {
            notes.extend(state_notes(&input.decoded));
        }
        Ok(Inputs {
            conventions: options.conventions,
            regs,
            layout,
            lv1_pa,
            memory,
            notes,
        })
    }

    /// The page table the registers (or `--pt-base`) point at, read from the memory given.
    pub fn page_table(&self) -> Result<PageTable<'_>> {
        let layout = self
            .layout
            .ok_or_else(|| Error::Usage("no SysMMU version known".into()))?;
        let lv1 = self.lv1_pa.ok_or_else(|| {
            Error::Usage("the register dump has no PT base register; give --pt-base PA".into())
        })?;
        Ok(PageTable::load(
            &self.memory,
            PteFormat::new(layout, self.conventions),
            lv1,
        ))
    }

    /// Why nothing can be walked, when the lv1 table is not in the memory given.
    pub fn memory_note(&self, table: &PageTable<'_>) -> Option<String> {
        if table.lv1_in_dump() {
            return None;
        }
        let covered: Vec<String> = self
            .memory
            .ranges()
            .iter()
            .map(|r| format!("{}+{:#x}", r.base, r.size))
            .collect();
        Some(format!(
            "the lv1 table at {} is not in the memory given (covered: {}); nothing can be walked",
            table.lv1_pa(),
            covered.join(", ")
        ))
    }
}

/// What the control registers say about whether the table is in use.
pub fn state_notes(decoded: &RegisterDecode) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(ctrl) = &decoded.ctrl {
        if !ctrl.mmu_enabled() {
            notes.push(format!(
                "the SysMMU is not translating (MMU_CTRL {:#x}: {}); the table below is what memory holds, \
                 not what the hardware uses now",
                ctrl.raw, ctrl.state
            ));
        }
    }
    if let Some(pt) = &decoded.pt_base {
        if pt.raw == 0 {
            notes.push(format!(
                "the PT base register ({:#x}) is 0: the SysMMU was never programmed (not resumed or never attached)",
                pt.offset
            ));
        }
    } else {
        notes.push(format!(
            "the PT base register ({:#x}) is not in the register dump",
            decoded.layout.pt_base_register()
        ));
    }
    notes
}
