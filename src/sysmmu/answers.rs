//! What each `sysmmu` subcommand answers, as typed data: built from the opened [`Inputs`] by pure
//! decoding and walking, rendered by [`super::render`] as text or as JSON. These types *are* the
//! JSON contract of `probescope sysmmu ... --format json` (field names as the SysMMU truth files
//! spell them); `render::json::SysmmuDocument` is the root the schema is generated from.

use super::fault::{explain, FaultCause, TableAnswer};
use super::faultlog::LoggedFault;
use super::inputs::{state_notes, Inputs, RegsInput};
use super::map::{coalesce, map_table, Anomaly, Coalesce, Leaf, Lv2TableInfo, Run, UnreadableRegion};
use super::regs::{DumpForm, InterruptFault, RegisterDecode};
use super::walk::{PageTable, Walk};
use super::{Conventions, Iova, Layout, Lv1Entry, PhysAddr, PteFormat};
use crate::error::{Error, Result};
use crate::sanitize::escape_control;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::Path;

/// The answer of one `sysmmu` subcommand; `"subcommand"` says which.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
#[serde(tag = "subcommand", rename_all = "kebab-case")]
pub enum SysmmuAnswer {
    Regs(RegsAnswer),
    Translate(TranslateAnswer),
    Map(MapAnswer),
    Fault(RegisterFaultAnswer),
    FaultLog(FaultLogAnswer),
}

// ---------------------------------------------------------------------------------------- regs

/// `sysmmu regs`: the decode of a register dump.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct RegsAnswer {
    /// The dump's path, escaped.
    pub source: String,
    /// The forms the dump was read in.
    pub forms: Vec<DumpForm>,
    /// The decode; its `notes` hold the reader's, the state's, the decoder's and the conventions'
    /// notes, in that order.
    #[serde(flatten)]
    pub decode: RegisterDecode,
}

pub fn regs(input: RegsInput) -> RegsAnswer {
    let RegsInput {
        path,
        forms,
        reader_notes,
        mut decoded,
    } = input;
    let mut notes = reader_notes;
    notes.extend(state_notes(&decoded));
    notes.append(&mut decoded.notes);
    notes.extend(convention_notes(&decoded));
    decoded.notes = notes;
    RegsAnswer {
        source: escape_control(&path.display().to_string()),
        forms,
        decode: decoded,
    }
}

/// Where the two driver families would read this SysMMU differently.
fn convention_notes(decoded: &RegisterDecode) -> Vec<String> {
    let other = match decoded.conventions {
        Conventions::Mainline => "--conventions downstream",
        Conventions::Downstream => "--conventions mainline",
    };
    let mut notes = vec![format!(
        "conventions: {} ({other} for the other reading); they differ in:",
        decoded.conventions
    )];
    match decoded.layout {
        Layout::V1 => {
            notes.push(
                "  page tables: legacy downstream kernels also map 16 MiB supersections (section entries with \
                 bit 18, in 16 slots); mainline reads each as a 1 MiB section"
                    .into(),
            );
            notes.push(
                "  attributes: mainline entry bits 10/15 (lv1) and 4/9 (lv2) are permissions (enforced with \
                 CFG.EAP); downstream uses bit 16 (lv1) / bit 10 (lv2) as shareable"
                    .into(),
            );
        }
        _ => {
            notes.push(
                "  page tables: downstream reads lv1 types from bits [2:0] (3, 4, 5, 6, 7 invalid) and needs lv2 \
                 bits [1:0] = 10 for a small page; mainline reads bits [1:0] and takes 11 as a small page"
                    .into(),
            );
            notes.push(
                "  attributes: mainline bits [5:4] (lv1) / [3:2] (lv2) are permissions; downstream uses them as \
                 PBHA and bit 6 / bit 4 as shareable"
                    .into(),
            );
            notes.push(
                "  empty slots: mainline links them to a shared zero lv2 table and keeps empty lv2 tables; \
                 downstream writes 0 and frees them"
                    .into(),
            );
            notes
                .push("  disable: mainline writes MMU_CTRL 0 (bypass); downstream writes 0x3 (stall)".into());
        }
    }
    if matches!(decoded.layout, Layout::V7 | Layout::V7Vm) {
        notes.push(
            "  INT_STATUS: bit % 4 = 2 is ACCESS_PROTECTION for mainline, RESERVED for samsung-iommu.c (and \
             MULTI_HIT for the 9820 exynos-iommu.c); 3 is RESERVED vs ACCESS; downstream reads the faulting \
             VM's fault registers (0x1000 + 0x10 * vm)"
                .into(),
        );
    }
    notes.push(
        "  version: only mainline reads 0x80000001 as v1.0; only downstream decodes the revision".into(),
    );
    notes
}

// ----------------------------------------------------------------------------------- translate

/// `sysmmu translate`: one walk per IOVA.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct TranslateAnswer {
    pub lv1_table_pa: PhysAddr,
    pub zero_lv2_table_pa: Option<PhysAddr>,
    pub walks: Vec<Walk>,
    pub notes: Vec<String>,
}

pub fn translate(inputs: &Inputs, iovas: &[Iova]) -> Result<TranslateAnswer> {
    let table = inputs.page_table()?;
    let mut notes = inputs.notes.clone();
    notes.extend(inputs.memory_note(&table));
    Ok(TranslateAnswer {
        lv1_table_pa: table.lv1_pa(),
        zero_lv2_table_pa: table.zero_lv2_table(),
        walks: iovas.iter().map(|iova| table.translate(*iova)).collect(),
        notes,
    })
}

// ----------------------------------------------------------------------------------------- map

/// `sysmmu map`: every mapping, listed as the coalescing policy asks (exactly one of `mappings`,
/// `runs`, `runs_any_size`).
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct MapAnswer {
    pub lv1_table_pa: PhysAddr,
    pub lv1_in_dump: bool,
    pub zero_lv2_table_pa: Option<PhysAddr>,
    pub lv2_tables: Vec<Lv2TableInfo>,
    /// One row per leaf (`--coalesce entries`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mappings: Option<Vec<Leaf>>,
    /// Runs of contiguous leaves of one page size (`--coalesce size`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<Vec<Run>>,
    /// Runs of contiguous leaves of any size (`--coalesce any`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_any_size: Option<Vec<Run>>,
    pub unreadable: Vec<UnreadableRegion>,
    pub anomalies: Vec<Anomaly>,
    pub notes: Vec<String>,
    /// Every leaf, whatever the policy: the text view counts them.
    #[serde(skip)]
    pub leaf_count: usize,
    /// Bytes mapped by all leaves.
    #[serde(skip)]
    pub mapped_bytes: u64,
}

pub fn map(inputs: &Inputs, policy: Coalesce) -> Result<MapAnswer> {
    let table = inputs.page_table()?;
    let scan = map_table(&table);
    let mut notes = inputs.notes.clone();
    notes.extend(inputs.memory_note(&table));
    let (mut mappings, mut runs, mut runs_any_size) = (None, None, None);
    match policy {
        Coalesce::Entries => mappings = Some(scan.mappings.clone()),
        Coalesce::SamePageSize => runs = Some(coalesce(&scan.mappings, true)),
        Coalesce::AnySize => runs_any_size = Some(coalesce(&scan.mappings, false)),
    }
    Ok(MapAnswer {
        leaf_count: scan.mappings.len(),
        mapped_bytes: scan.mapped_bytes(),
        lv1_table_pa: scan.lv1_table_pa,
        lv1_in_dump: scan.lv1_in_dump,
        zero_lv2_table_pa: scan.zero_lv2_table_pa,
        lv2_tables: scan.lv2_tables,
        mappings,
        runs,
        runs_any_size,
        unreadable: scan.unreadable,
        anomalies: scan.anomalies,
        notes,
    })
}

// --------------------------------------------------------------------------------------- fault

/// A fault's cause, with the walk of its address when one was made.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct Explained {
    #[serde(flatten)]
    pub walk: Option<Walk>,
    pub cause: FaultCause,
    pub explanation: String,
}

/// One INT_STATUS bit with its explanation.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct ExplainedFault {
    #[serde(flatten)]
    pub fault: InterruptFault,
    pub explain: Explained,
}

/// `sysmmu fault --regs`: the faults INT_STATUS reports, or why there are none.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RegisterFaultAnswer {
    Pending(Box<PendingFaults>),
    NonePending(NoFaultPending),
}

/// The faults INT_STATUS reports, primary (lowest bit) first.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct PendingFaults {
    pub int_status: String,
    pub bits: Vec<u32>,
    pub primary_bit: u32,
    pub faults: Vec<ExplainedFault>,
    /// The primary fault's explanation (the first of `faults`).
    pub explain: Option<Explained>,
    pub notes: Vec<String>,
}

/// No fault to explain.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct NoFaultPending {
    /// Always null: there is no fault.
    pub fault: Option<()>,
    /// Why there is no fault (INT_STATUS is 0, or not in the dump).
    pub notes: Vec<String>,
    /// What the reading noticed besides (the text view prints it).
    #[serde(skip)]
    pub reading_notes: Vec<String>,
}

pub fn fault_from_registers(inputs: &Inputs) -> Result<RegisterFaultAnswer> {
    let Some(RegsInput { decoded, .. }) = &inputs.regs else {
        return Err(Error::Usage("fault without --log needs --regs FILE".into()));
    };
    let table = inputs.page_table()?;
    let mut notes = inputs.notes.clone();
    notes.extend(inputs.memory_note(&table));
    let eap = decoded.cfg.as_ref().map(|c| c.eap);
    let Some(fault) = &decoded.fault else {
        let message = match &decoded.int_status {
            Some(_) => "INT_STATUS is 0: no fault pending",
            None => "INT_STATUS is not in the register dump",
        };
        return Ok(RegisterFaultAnswer::NonePending(NoFaultPending {
            fault: None,
            notes: vec![message.to_string()],
            reading_notes: notes,
        }));
    };
    let faults: Vec<ExplainedFault> = fault
        .faults
        .iter()
        .map(|f| {
            let walk = f.address.map(|address| table.translate(address));
            let answer = walk.as_ref().map_or(TableAnswer::Unknown, TableAnswer::from_walk);
            let (cause, explanation) = explain(f.kind, f.access, answer, eap);
            ExplainedFault {
                fault: f.clone(),
                explain: Explained {
                    walk,
                    cause,
                    explanation,
                },
            }
        })
        .collect();
    let primary = faults.first().map(|f| f.explain.clone());
    Ok(RegisterFaultAnswer::Pending(Box::new(PendingFaults {
        int_status: format!("{:#x}", fault.int_status),
        bits: fault.bits.clone(),
        primary_bit: fault.primary_bit,
        faults,
        explain: primary,
        notes,
    })))
}

/// `sysmmu fault --log`: every SysMMU fault line of a kernel log, explained.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct FaultLogAnswer {
    /// The log's path, escaped.
    pub source: String,
    pub faults: Vec<LogFaultRecord>,
    pub notes: Vec<String>,
}

/// One fault of the log with the entries the kernel printed, the walk, and the cause.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct LogFaultRecord {
    #[serde(flatten)]
    pub fault: LoggedFault,
    pub logged_entries: Vec<LoggedEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub walk: Option<Walk>,
    pub cause: FaultCause,
    pub explanation: String,
    /// Whether the SysMMU version (hence the entry format) was known; the text view says when not.
    #[serde(skip)]
    pub entry_format_known: bool,
}

/// One page-table line a kernel printed with its fault, decoded.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct LoggedEntry {
    pub entry: String,
    pub value: String,
    pub meaning: String,
}

/// Explains the faults read from the log named `source`.
pub fn fault_from_log(source: &Path, faults: &[LoggedFault], inputs: &Inputs) -> FaultLogAnswer {
    let source = escape_control(&source.display().to_string());
    let mut notes = inputs.notes.clone();
    let eap = inputs
        .regs
        .as_ref()
        .and_then(|input| input.decoded.cfg.as_ref().map(|c| c.eap));
    if faults.is_empty() {
        notes.push(format!("no SysMMU fault lines in {source}"));
    }
    let mut records = Vec::new();
    for (index, fault) in faults.iter().enumerate() {
        let layout = inputs.layout.or_else(|| fault.version.map(|v| v.layout(false)));
        let format = layout.map(|layout| PteFormat::new(layout, inputs.conventions));
        // The page table a logged fault names is the one that faulted; else the one an earlier
        // fault of the same SysMMU named; else the registers'.
        let earlier = faults[..index]
            .iter()
            .rev()
            .filter(|f| f.report.sysmmu.is_some() && f.report.sysmmu == fault.report.sysmmu)
            .find_map(|f| f.page_table_base.map(|pt| (f.line, pt)));
        if let (None, Some((line, pt))) = (fault.page_table_base, earlier) {
            notes.push(format!(
                "line {}: page-table base {pt} taken from the fault at line {line} of the same SysMMU",
                fault.line
            ));
        }
        let lv1 = fault
            .page_table_base
            .or(earlier.map(|(_, pt)| pt))
            .or(inputs.lv1_pa);
        let table = match (format, lv1, inputs.memory.is_empty()) {
            (Some(format), Some(lv1), false) => Some(PageTable::load(&inputs.memory, format, lv1)),
            _ => None,
        };
        let walk = table.as_ref().map(|t| t.translate(fault.report.address));
        if let Some(table) = &table {
            notes.extend(inputs.memory_note(table));
        } else if !inputs.memory.is_empty() {
            notes.push(format!(
                "line {}: memory was given but {} unknown, so the fault address was not walked",
                fault.line,
                if format.is_none() {
                    "the SysMMU version is"
                } else {
                    "the page-table base is"
                }
            ));
        }
        let answer = match (&walk, fault.lv1_entry) {
            (Some(walk), _) => TableAnswer::from_walk(walk),
            (None, Some(lv1)) => TableAnswer::from_logged_entries(
                format.unwrap_or(PteFormat::new(Layout::V5, inputs.conventions)),
                lv1,
                fault.lv2_entry,
            ),
            (None, None) => TableAnswer::Unknown,
        };
        let (cause, explanation) = explain(fault.report.kind, fault.report.access, answer, eap);
        records.push(LogFaultRecord {
            logged_entries: logged_entries(fault, format),
            fault: fault.clone(),
            walk,
            cause,
            explanation,
            entry_format_known: format.is_some(),
        });
    }
    FaultLogAnswer {
        source,
        faults: records,
        notes,
    }
}

/// The page-table lines a kernel printed with its fault, decoded.
fn logged_entries(fault: &LoggedFault, format: Option<PteFormat>) -> Vec<LoggedEntry> {
    let format = format.unwrap_or(PteFormat::new(Layout::V5, Conventions::Mainline));
    let mut rows = Vec::new();
    if let Some(pt) = fault.page_table_base {
        rows.push(LoggedEntry {
            entry: "page table base".into(),
            value: pt.to_string(),
            meaning: "lv1 table".into(),
        });
    }
    if let Some(lv1) = fault.lv1_entry {
        let index = fault.report.address.lv1_index();
        rows.push(LoggedEntry {
            entry: format!("lv1 entry [{index:#x}]"),
            value: format!("{lv1:#010x}"),
            meaning: format.lv1(lv1).to_string(),
        });
    }
    match fault.lv2_entry {
        Some(lv2) => {
            let index = fault.report.address.lv2_index();
            rows.push(LoggedEntry {
                entry: format!("lv2 entry [{index:#x}]"),
                value: format!("{lv2:#010x}"),
                meaning: format.lv2(lv2).to_string(),
            });
        }
        None if fault
            .lv1_entry
            .is_some_and(|lv1| matches!(format.lv1(lv1), Lv1Entry::Link { .. })) =>
        {
            rows.push(LoggedEntry {
                entry: "lv2 entry".into(),
                value: "not printed".into(),
                meaning: "mainline prints none for the zero-table link (ZERO_LV2LINK): an empty lv1 slot"
                    .into(),
            });
        }
        None => {}
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmmu::{InMemory, MemorySet};

    /// Inputs over an in-memory lv1 table (v5, mainline): no file and no device is touched.
    fn inputs_with_one_section(section_pa: u64) -> Inputs {
        let lv1_pa = PhysAddr(0x8000_0000);
        let mut table = vec![0u8; 4096 * 4];
        // lv1 index 1 (IOVA 0x00100000): a 1 MiB section; v5 stores PA >> 4, type bits 10.
        let entry = u32::try_from(section_pa >> 4).unwrap() | 0b10;
        table[4..8].copy_from_slice(&entry.to_le_bytes());
        let mut memory = MemorySet::new();
        memory.push(Box::new(InMemory::new(lv1_pa, table)));
        Inputs {
            conventions: Conventions::Mainline,
            regs: None,
            layout: Some(Layout::V5),
            lv1_pa: Some(lv1_pa),
            memory,
            notes: Vec::new(),
        }
    }

    #[test]
    fn translate_walks_bytes_from_any_memory_source() {
        let inputs = inputs_with_one_section(0x4000_0000);
        let answer = translate(&inputs, &[Iova(0x0012_3456), Iova(0x0020_0000)]).unwrap();
        assert_eq!(answer.lv1_table_pa, PhysAddr(0x8000_0000));
        assert_eq!(answer.walks[0].outcome.pa(), Some(PhysAddr(0x4002_3456)));
        assert_eq!(answer.walks[1].outcome.pa(), None);
        assert!(answer.notes.is_empty(), "{:?}", answer.notes);
    }

    #[test]
    fn map_lists_the_section_under_the_policy_asked_for_only() {
        let inputs = inputs_with_one_section(0x4000_0000);
        let answer = map(&inputs, Coalesce::Entries).unwrap();
        let leaves = answer.mappings.as_ref().unwrap();
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].iova, Iova(0x0010_0000));
        assert_eq!(leaves[0].pa, PhysAddr(0x4000_0000));
        assert!(answer.runs.is_none() && answer.runs_any_size.is_none());
        let value = serde_json::to_value(&answer).unwrap();
        assert!(value.get("runs").is_none());
        assert_eq!(value["mappings"][0]["pa"], "0x40000000");
    }
}
