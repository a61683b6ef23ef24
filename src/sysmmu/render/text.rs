//! `sysmmu` answers as tables and notes, for a terminal. Text that came from files (paths, log
//! lines, reader notes) is escaped before it is written.

use crate::error::{Error, Result};
use crate::sanitize::escape_control;
use crate::sysmmu::answers::{
    FaultLogAnswer, MapAnswer, RegisterFaultAnswer, RegsAnswer, SysmmuAnswer, TranslateAnswer,
};
use crate::sysmmu::regs::{InterruptFault, PtBaseEncoding};
use crate::sysmmu::walk::{Outcome, Walk};
use crate::sysmmu::Iova;
use comfy_table::{presets, ContentArrangement, Table};
use std::io::Write;

pub fn write(answer: &SysmmuAnswer, out: &mut dyn Write) -> Result<()> {
    let text = match answer {
        SysmmuAnswer::Regs(answer) => regs(answer),
        SysmmuAnswer::Translate(answer) => translate(answer),
        SysmmuAnswer::Map(answer) => map(answer),
        SysmmuAnswer::Fault(answer) => register_fault(answer),
        SysmmuAnswer::FaultLog(answer) => fault_log(answer),
    };
    out.write_all(text.as_bytes())
        .map_err(|err| Error::io("standard output", err))
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    table
}

// ---------------------------------------------------------------------------------------- regs

fn regs(answer: &RegsAnswer) -> String {
    let decoded = &answer.decode;
    let mut text = String::new();
    let forms: Vec<String> = answer.forms.iter().map(ToString::to_string).collect();
    text.push_str(&format!(
        "SysMMU registers: {} ({})\n",
        answer.source,
        forms.join(", ")
    ));
    let mut summary = new_table(&["Field", "Value"]);
    summary.add_row(vec![
        "window base".to_string(),
        match decoded.sfr_base {
            Some(base) => base.to_string(),
            None => "unknown (give --base)".into(),
        },
    ]);
    summary.add_row(vec![
        "version".to_string(),
        format!(
            "{}.{} (MMU_VERSION {:#010x}, revision {}){}{}",
            decoded.version.major,
            decoded.version.minor,
            decoded.version.raw,
            decoded.version.revision,
            if decoded.version.quirk {
                ", 0x80000001 quirk: v1.0"
            } else {
                ""
            },
            if decoded.version_given { ", given" } else { "" }
        ),
    ]);
    summary.add_row(vec![
        "layout".to_string(),
        format!(
            "{} (entries store PA >> {}, {}-bit physical addresses)",
            decoded.layout, decoded.pte_shift, decoded.pa_bits
        ),
    ]);
    summary.add_row(vec!["conventions".to_string(), decoded.conventions.to_string()]);
    if let Some(ctrl) = &decoded.ctrl {
        summary.add_row(vec![
            "MMU_CTRL".to_string(),
            format!(
                "{:#x}: {} (enable {}, block {}, irq {}, fault stall {})",
                ctrl.raw, ctrl.state, ctrl.enable, ctrl.block, ctrl.int_enable, ctrl.fault_stall
            ),
        ]);
    }
    if let Some(cfg) = &decoded.cfg {
        summary.add_row(vec![
            "MMU_CFG".to_string(),
            format!(
                "{:#x}: EAP {}, QoS {}{}{}{}{}{}",
                cfg.raw,
                cfg.eap,
                cfg.qos,
                if cfg.lru { ", LRU" } else { "" },
                if cfg.qos_override { ", QoS override" } else { "" },
                if cfg.flpd_cache { ", FLPD cache" } else { "" },
                if cfg.syssel { ", SYSSEL" } else { "" },
                if cfg.acgen { ", ACGEN" } else { "" }
            ),
        ]);
    }
    if let Some(status) = &decoded.status {
        summary.add_row(vec![
            "MMU_STATUS".to_string(),
            format!(
                "{:#x}: {}",
                status.raw,
                if status.blocked { "blocked" } else { "not blocked" }
            ),
        ]);
    }
    if let Some(capa) = &decoded.capa {
        summary.add_row(vec![
            "CAPA".to_string(),
            format!(
                "CAPA0 {}, CAPA1 {}: CAPA1 {}, VCR {}",
                capa.capa0.map_or("absent".into(), |v| format!("{v:#x}")),
                capa.capa1.map_or("absent".into(), |v| format!("{v:#x}")),
                if capa.capa1_exists {
                    "exists"
                } else {
                    "absent (not consulted)"
                },
                if capa.vcr_enabled {
                    "enabled (VM register set)"
                } else {
                    "disabled"
                }
            ),
        ]);
    }
    if let Some(vm) = &decoded.ctrl_vm {
        summary.add_row(vec![
            "MMU_CTRL_VM".to_string(),
            format!(
                "{:#x}: VID enable {}, fault stall {}",
                vm.raw, vm.vid_enable, vm.fault_stall
            ),
        ]);
    }
    summary.add_row(vec![
        "page table".to_string(),
        match &decoded.pt_base {
            Some(pt) => format!(
                "lv1 table at {} ({:#x} = {:#x}, {})",
                pt.lv1_table_pa,
                pt.offset,
                pt.raw,
                match pt.encoding {
                    PtBaseEncoding::Address => "an address",
                    PtBaseEncoding::Pfn4k => "a 4 KiB frame number",
                }
            ),
            None => "PT base register not in the dump".into(),
        },
    ]);
    summary.add_row(vec![
        "INT_STATUS".to_string(),
        match &decoded.int_status {
            Some(status) if status.raw == 0 => format!("{:#x}: no fault pending", status.raw),
            Some(status) => format!("{:#x}: bits {:?}", status.raw, status.bits),
            None => "not in the dump".into(),
        },
    ]);
    text.push_str(&format!("{summary}\n"));
    if let Some(fault) = &decoded.fault {
        text.push_str("Faults (primary first: the drivers report the lowest set bit):\n");
        text.push_str(&format!("{}\n", fault_table(&fault.faults)));
    }
    let mut registers = new_table(&["Offset", "Register", "Value"]);
    for register in &decoded.registers {
        registers.add_row(vec![
            format!("{:#06x}", register.offset),
            register.name.to_string(),
            register.value.map_or("—".into(), |v| format!("{v:#010x}")),
        ]);
    }
    text.push_str(&format!("{registers}\n"));
    push_notes(&mut text, &decoded.notes);
    text
}

fn fault_table<'f>(faults: impl IntoIterator<Item = &'f InterruptFault>) -> Table {
    let mut table = new_table(&["Bit", "Kind", "Access", "Address", "Register", "Other readings"]);
    for fault in faults {
        table.add_row(vec![
            fault.bit.to_string(),
            fault.kind.to_string(),
            fault.access.to_string(),
            fault.address.map_or("—".into(), |a| format!("{:#010x}", a.0)),
            fault.addr_reg.map_or("—".into(), |r| format!("{r:#x}")),
            fault
                .alt_kinds
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    table
}

fn push_notes(text: &mut String, notes: &[String]) {
    for note in notes {
        // Notes quote file names and reader findings: escape before they reach a terminal.
        let note = escape_control(note);
        if note.starts_with("  ") {
            text.push_str(&format!("    {}\n", note.trim_start()));
        } else {
            text.push_str(&format!("note: {note}\n"));
        }
    }
}

// ----------------------------------------------------------------------------------- translate

fn translate(answer: &TranslateAnswer) -> String {
    let mut text = String::new();
    text.push_str(&format!(
        "lv1 table at {}{}\n",
        answer.lv1_table_pa,
        answer
            .zero_lv2_table_pa
            .map_or(String::new(), |zero| format!(", shared zero lv2 table at {zero}"))
    ));
    for walk in &answer.walks {
        text.push_str(&format!("\nIOVA {:#010x}: {}\n", walk.iova.0, walk.outcome));
        text.push_str(&format!("{}\n", steps_table(walk)));
    }
    push_notes(&mut text, &answer.notes);
    text
}

fn steps_table(walk: &Walk) -> Table {
    let mut table = new_table(&["Level", "Index", "Entry at", "Entry", "Meaning"]);
    for step in &walk.steps {
        table.add_row(vec![
            step.level.to_string(),
            format!("{:#x}", step.index),
            step.entry_pa.to_string(),
            step.raw.map_or("unreadable".into(), |raw| format!("{raw:#010x}")),
            escape_control(&step.meaning),
        ]);
    }
    if let Outcome::Mapped {
        pa, page_size, kind, ..
    } = walk.outcome
    {
        table.add_row(vec![
            "→".to_string(),
            String::new(),
            String::new(),
            String::new(),
            format!("PA {pa} ({} of {})", kind.name(), size_name(page_size)),
        ]);
    }
    table
}

fn size_name(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

// ----------------------------------------------------------------------------------------- map

fn map(map: &MapAnswer) -> String {
    let mut text = String::new();
    text.push_str(&format!(
        "lv1 table at {}: {} leaves, {} mapped; zero lv2 table {}; {} lv2 tables\n",
        map.lv1_table_pa,
        map.leaf_count,
        size_name(map.mapped_bytes),
        map.zero_lv2_table_pa.map_or("none".into(), |pa| pa.to_string()),
        map.lv2_tables.iter().filter(|t| !t.zero_table).count()
    ));
    let end = |iova: Iova, size: u64| u64::from(iova.0) + size - 1;
    if let Some(leaves) = &map.mappings {
        let mut rows = new_table(&["IOVA", "IOVA end", "PA", "Size", "Kind", "Prot", "Shareable"]);
        for leaf in leaves {
            rows.add_row(vec![
                format!("{:#010x}", leaf.iova.0),
                format!("{:#010x}", end(leaf.iova, leaf.size)),
                leaf.pa.to_string(),
                size_name(leaf.size),
                leaf.kind.name().to_string(),
                leaf.prot.name().to_string(),
                leaf.shareable.to_string(),
            ]);
        }
        text.push_str(&format!("{rows}\n"));
    }
    if let Some(runs) = map.runs.as_ref().or(map.runs_any_size.as_ref()) {
        let mut rows = new_table(&["IOVA", "IOVA end", "PA", "Size", "Page size", "Leaves"]);
        for run in runs {
            rows.add_row(vec![
                format!("{:#010x}", run.iova.0),
                format!("{:#010x}", end(run.iova, run.size)),
                run.pa.to_string(),
                size_name(run.size),
                run.page_size.map_or("mixed".into(), size_name),
                run.count.to_string(),
            ]);
        }
        text.push_str(&format!("{rows}\n"));
    }
    if !map.unreadable.is_empty() {
        text.push_str("Unreadable (not in the memory given):\n");
        let mut rows = new_table(&["lv1 index", "IOVA", "lv2 table", "Why"]);
        for region in &map.unreadable {
            rows.add_row(vec![
                region.lv1_index.to_string(),
                format!("{:#010x}", region.iova.0),
                region.lv2_table_pa.map_or("—".into(), |pa| pa.to_string()),
                escape_control(&region.reason),
            ]);
        }
        text.push_str(&format!("{rows}\n"));
    }
    if !map.anomalies.is_empty() {
        text.push_str("Anomalies:\n");
        let mut rows = new_table(&["Type", "lv1 index", "lv2 index", "Detail"]);
        for anomaly in &map.anomalies {
            rows.add_row(vec![
                anomaly.kind.to_string(),
                anomaly.lv1_index.map_or("—".into(), |i| i.to_string()),
                anomaly.lv2_index.map_or("—".into(), |i| i.to_string()),
                anomaly.detail.clone(),
            ]);
        }
        text.push_str(&format!("{rows}\n"));
    }
    push_notes(&mut text, &map.notes);
    text
}

// --------------------------------------------------------------------------------------- fault

fn register_fault(answer: &RegisterFaultAnswer) -> String {
    let fault = match answer {
        RegisterFaultAnswer::NonePending(none) => {
            let mut text = String::new();
            for why in &none.notes {
                text.push_str(&format!("{why}\n"));
            }
            push_notes(&mut text, &none.reading_notes);
            return text;
        }
        RegisterFaultAnswer::Pending(fault) => fault,
    };
    let mut text = format!(
        "INT_STATUS {}: {} fault(s); the drivers report bit {} (the lowest)\n",
        fault.int_status,
        fault.faults.len(),
        fault.primary_bit
    );
    text.push_str(&format!(
        "{}\n",
        fault_table(fault.faults.iter().map(|f| &f.fault))
    ));
    for explained in &fault.faults {
        let (f, why) = (&explained.fault, &explained.explain);
        text.push_str(&format!(
            "\nbit {}: {}, {} access, at {}: cause {}\n  {}\n",
            f.bit,
            f.kind,
            f.access,
            f.address
                .map_or("(address register not in the dump)".into(), |a| format!(
                    "{:#010x}",
                    a.0
                )),
            why.cause,
            why.explanation
        ));
        if let Some(walk) = &why.walk {
            text.push_str(&format!("{}\n", steps_table(walk)));
        }
    }
    push_notes(&mut text, &fault.notes);
    text
}

fn fault_log(answer: &FaultLogAnswer) -> String {
    let source = &answer.source;
    let mut text = String::new();
    if answer.faults.is_empty() {
        text.push_str(&format!("no SysMMU fault lines in {source}\n"));
    }
    for record in &answer.faults {
        let fault = &record.fault;
        let report = &fault.report;
        text.push_str(&format!(
            "{source}:{}: SysMMU {}, master {}: {} ({} access) at {:#010x}\n  cause {}: {}\n",
            fault.line,
            escape_control(report.sysmmu.as_deref().unwrap_or("(not named)")),
            escape_control(report.master.as_deref().unwrap_or("(not named)")),
            report.kind,
            report.access,
            report.address.0,
            record.cause,
            record.explanation,
        ));
        if !record.logged_entries.is_empty() {
            let mut rows = new_table(&["Logged", "Value", "Meaning"]);
            for entry in &record.logged_entries {
                rows.add_row(vec![
                    entry.entry.clone(),
                    entry.value.clone(),
                    entry.meaning.clone(),
                ]);
            }
            text.push_str(&format!("{rows}\n"));
            if !record.entry_format_known {
                text.push_str(
                    "  (SysMMU version unknown: entry addresses are shown as v5+ reads them; give --hw-version \
                     or --regs)\n",
                );
            }
        }
        if let Some(walk) = &record.walk {
            text.push_str(&format!(
                "walk in the memory given: {}\n{}\n",
                walk.outcome,
                steps_table(walk)
            ));
        }
        for line in &fault.evidence {
            text.push_str(&format!("  | {line}\n"));
        }
    }
    push_notes(&mut text, &answer.notes);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmmu::answers::{translate as translate_answer, NoFaultPending};
    use crate::sysmmu::inputs::Inputs;
    use crate::sysmmu::{Conventions, InMemory, Layout, MemorySet, PhysAddr};

    fn render(answer: &SysmmuAnswer) -> String {
        let mut out = Vec::new();
        write(answer, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_walk_prints_its_steps_and_where_it_lands() {
        // v5 lv1 table at 0x80000000 with one 1 MiB section at index 1 → PA 0x40000000.
        let mut table = vec![0u8; 4096 * 4];
        table[4..8].copy_from_slice(&((0x4000_0000u32 >> 4) | 0b10).to_le_bytes());
        let mut memory = MemorySet::new();
        memory.push(Box::new(InMemory::new(PhysAddr(0x8000_0000), table)));
        let inputs = Inputs {
            conventions: Conventions::Mainline,
            regs: None,
            layout: Some(Layout::V5),
            lv1_pa: Some(PhysAddr(0x8000_0000)),
            memory,
            notes: vec!["reading\u{1b}[31m a test table".into()],
        };
        let answer = translate_answer(&inputs, &[Iova(0x0012_3456)]).unwrap();
        let text = render(&SysmmuAnswer::Translate(answer));
        let expected = "\
lv1 table at 0x80000000

IOVA 0x00123456: mapped to 0x40023456 (section, prot none)
┌───────┬───────┬────────────┬────────────┬────────────────────────────────────────┐
│ Level ┆ Index ┆ Entry at   ┆ Entry      ┆ Meaning                                │
╞═══════╪═══════╪════════════╪════════════╪════════════════════════════════════════╡
│ 1     ┆ 0x1   ┆ 0x80000004 ┆ 0x04000002 ┆ 1 MiB section at 0x40000000, prot none │
│ →     ┆       ┆            ┆            ┆ PA 0x40023456 (section of 1 MiB)       │
└───────┴───────┴────────────┴────────────┴────────────────────────────────────────┘
note: reading\\x1b[31m a test table
";
        assert_eq!(text, expected, "\n{text}");
    }

    #[test]
    fn no_pending_fault_says_why_first_then_the_notes() {
        let answer = SysmmuAnswer::Fault(RegisterFaultAnswer::NonePending(NoFaultPending {
            fault: None,
            notes: vec!["INT_STATUS is 0: no fault pending".into()],
            reading_notes: vec!["the PT base register (0xc) is 0".into()],
        }));
        assert_eq!(
            render(&answer),
            "INT_STATUS is 0: no fault pending\nnote: the PT base register (0xc) is 0\n"
        );
    }
}
