//! `probescope sysmmu`: the Exynos SysMMU decoder's command line.
//!
//! `regs` decodes a register dump, `translate` walks IOVAs, `map` lists every mapping, `fault`
//! explains a fault from the registers or from the kernel's fault lines. Arguments are resolved
//! into typed options ([`Setup`]) before anything is decoded; text output is tables, `--format
//! json` mirrors the field names of the SysMMU truth files.

use crate::cli::{
    SysmmuArgs, SysmmuCoalesce, SysmmuCommand, SysmmuConventions, SysmmuDecodeArgs, SysmmuFaultArgs,
    SysmmuFormat, SysmmuMapArgs, SysmmuMemoryArgs, SysmmuRegsArgs, SysmmuTranslateArgs,
};
use crate::commands::ExitStatus;
use crate::error::{Error, Result};
use crate::sanitize::escape_control;
use crate::sysmmu::dump::{read_register_file, ReadOptions};
use crate::sysmmu::fault::{explain, FaultCause, TableAnswer};
use crate::sysmmu::faultlog::{parse_fault_log, LoggedFault};
use crate::sysmmu::map::{coalesce, map_table, Coalesce, PageTableMap};
use crate::sysmmu::memory::{open_memory_spec, DevMem, MemorySet, PhysMemory};
use crate::sysmmu::regs::{decode, DumpForm, InterruptFault, RegisterDecode};
use crate::sysmmu::walk::{Outcome, PageTable, Walk};
use crate::sysmmu::{Conventions, HwVersion, Iova, Layout, PhysAddr, PteFormat};
use comfy_table::{presets, ContentArrangement, Table};
use serde::Serialize;
use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

pub fn run(args: SysmmuArgs) -> Result<ExitStatus> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.command {
        SysmmuCommand::Regs(args) => run_regs(args, &mut out)?,
        SysmmuCommand::Translate(args) => run_translate(args, &mut out)?,
        SysmmuCommand::Map(args) => run_map(args, &mut out)?,
        SysmmuCommand::Fault(args) => run_fault(args, &mut out)?,
    }
    out.flush().map_err(|err| Error::io("standard output", err))?;
    Ok(ExitStatus::Clean)
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<()> {
    out.write_all(text.as_bytes())
        .map_err(|err| Error::io("standard output", err))
}

fn write_json(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(|err| Error::Io {
        path: "standard output".into(),
        source: err.into(),
    })?;
    write_out(out, "\n")
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    table
}

fn shown_path(path: &Path) -> String {
    escape_control(&path.display().to_string())
}

/// A register dump as read and decoded.
struct RegsInput {
    path: PathBuf,
    forms: Vec<DumpForm>,
    /// What the reader noticed (base inference, skipped lines).
    reader_notes: Vec<String>,
    decoded: RegisterDecode,
}

/// What the user typed, resolved into what the decoder uses.
struct Setup {
    conventions: Conventions,
    format: SysmmuFormat,
    regs: Option<RegsInput>,
    layout: Option<Layout>,
    lv1_pa: Option<PhysAddr>,
    memory: MemorySet,
    notes: Vec<String>,
}

fn parse_address(flag: &str, text: &str) -> Result<PhysAddr> {
    PhysAddr::parse(text).ok_or_else(|| {
        Error::Usage(format!(
            "{flag} {}: expected a hex physical address such as 0x13620000",
            escape_control(text)
        ))
    })
}

fn parse_version(text: &str) -> Result<HwVersion> {
    HwVersion::parse(text).ok_or_else(|| {
        Error::Usage(format!(
            "--hw-version {}: expected MAJOR.MINOR such as 5.0 or 7.4",
            escape_control(text)
        ))
    })
}

fn conventions(arg: SysmmuConventions) -> Conventions {
    match arg {
        SysmmuConventions::Mainline => Conventions::Mainline,
        SysmmuConventions::Downstream => Conventions::Downstream,
    }
}

fn read_and_decode(path: &Path, args: &SysmmuDecodeArgs) -> Result<RegsInput> {
    let base = args
        .base
        .as_deref()
        .map(|b| parse_address("--base", b))
        .transpose()?;
    let version = args.hw_version.as_deref().map(parse_version).transpose()?;
    let window = read_register_file(path, &ReadOptions { base, version })?;
    let decoded = decode(&window, conventions(args.conventions), version)?;
    Ok(RegsInput {
        path: path.to_path_buf(),
        forms: window.forms,
        reader_notes: window.notes,
        decoded,
    })
}

fn setup(
    regs: Option<&Path>,
    memory: &SysmmuMemoryArgs,
    args: &SysmmuDecodeArgs,
    need_memory: bool,
    what: &str,
) -> Result<Setup> {
    let conventions = conventions(args.conventions);
    let mut notes = Vec::new();
    let regs = regs.map(|path| read_and_decode(path, args)).transpose()?;
    let given_version = args.hw_version.as_deref().map(parse_version).transpose()?;
    let layout = match (&regs, given_version) {
        (Some(input), _) => Some(input.decoded.layout),
        (None, Some(version)) => {
            // Without registers there is no CAPA to read; the VM layout only moves registers,
            // the entry format is the v7 one either way.
            Some(version.layout(false))
        }
        (None, None) => None,
    };
    let pt_override = memory
        .pt_base
        .as_deref()
        .map(|p| parse_address("--pt-base", p))
        .transpose()?;
    let register_pt = regs.as_ref().and_then(|input| input.decoded.lv1_table_pa());
    if let (Some(given), Some(read)) = (pt_override, register_pt) {
        if given != read {
            notes.push(format!(
                "--pt-base {given} overrides the PT base register ({read})"
            ));
        }
    }
    let lv1_pa = pt_override.or(register_pt);
    let mut set = MemorySet::new();
    for spec in &memory.mem {
        for source in open_memory_spec(spec)? {
            set.push(source);
        }
    }
    if memory.live {
        set.push(Box::new(DevMem::open(
            Path::new("/dev/mem"),
            DevMem::DEFAULT_BUDGET,
        )?));
        notes.push("reading the live /dev/mem (at most 8 MiB)".into());
    }
    if need_memory {
        if set.is_empty() {
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
    Ok(Setup {
        conventions,
        format: args.format,
        regs,
        layout,
        lv1_pa,
        memory: set,
        notes,
    })
}

/// What the control registers say about whether the table is in use.
fn state_notes(decoded: &RegisterDecode) -> Vec<String> {
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

fn page_table<'m>(setup: &'m Setup) -> Result<PageTable<'m>> {
    let layout = setup
        .layout
        .ok_or_else(|| Error::Usage("no SysMMU version known".into()))?;
    let lv1 = setup
        .lv1_pa
        .ok_or_else(|| Error::Usage("the register dump has no PT base register; give --pt-base PA".into()))?;
    Ok(PageTable::load(
        &setup.memory,
        PteFormat::new(layout, setup.conventions),
        lv1,
    ))
}

fn memory_note(setup: &Setup, table: &PageTable<'_>) -> Option<String> {
    if table.lv1_in_dump() {
        return None;
    }
    let covered: Vec<String> = setup
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

// ---------------------------------------------------------------------------------------- regs

fn run_regs(args: SysmmuRegsArgs, out: &mut dyn Write) -> Result<()> {
    let RegsInput {
        path,
        forms,
        reader_notes,
        decoded,
    } = read_and_decode(&args.regs, &args.decode)?;
    let mut notes = reader_notes;
    notes.extend(state_notes(&decoded));
    notes.extend(decoded.notes.iter().cloned());
    notes.extend(convention_notes(&decoded));
    if args.decode.format == SysmmuFormat::Json {
        let mut value = serde_json::to_value(&decoded).map_err(|err| Error::Other(err.to_string()))?;
        if let Some(object) = value.as_object_mut() {
            object.insert("schema".into(), json!("probescope.sysmmu.regs/1"));
            object.insert(
                "source".into(),
                json!(escape_control(&path.display().to_string())),
            );
            object.insert("forms".into(), json!(forms));
            object.insert("notes".into(), json!(notes));
        }
        return write_json(out, &value);
    }
    let mut text = String::new();
    let forms: Vec<String> = forms.iter().map(ToString::to_string).collect();
    text.push_str(&format!(
        "SysMMU registers: {} ({})\n",
        shown_path(&path),
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
                    crate::sysmmu::regs::PtBaseEncoding::Address => "an address",
                    crate::sysmmu::regs::PtBaseEncoding::Pfn4k => "a 4 KiB frame number",
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
    push_notes(&mut text, &notes);
    write_out(out, &text)
}

fn fault_table(faults: &[InterruptFault]) -> Table {
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

fn run_translate(args: SysmmuTranslateArgs, out: &mut dyn Write) -> Result<()> {
    let iovas = args
        .iovas
        .iter()
        .map(|text| {
            Iova::parse(text).ok_or_else(|| {
                Error::Usage(format!(
                    "IOVA `{}`: expected a 32-bit hex address such as 0x20000000",
                    escape_control(text)
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let setup = setup(
        args.regs.as_deref(),
        &args.memory,
        &args.decode,
        true,
        "translate",
    )?;
    let table = page_table(&setup)?;
    let walks: Vec<Walk> = iovas.iter().map(|iova| table.translate(*iova)).collect();
    if setup.format == SysmmuFormat::Json {
        return write_json(out, &walks);
    }
    let mut text = String::new();
    let mut notes = setup.notes.clone();
    notes.extend(memory_note(&setup, &table));
    text.push_str(&format!(
        "lv1 table at {}{}\n",
        table.lv1_pa(),
        table
            .zero_lv2_table()
            .map_or(String::new(), |zero| format!(", shared zero lv2 table at {zero}"))
    ));
    for walk in &walks {
        text.push_str(&format!("\nIOVA {:#010x}: {}\n", walk.iova.0, walk.outcome));
        text.push_str(&format!("{}\n", steps_table(walk)));
    }
    push_notes(&mut text, &notes);
    write_out(out, &text)
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

fn run_map(args: SysmmuMapArgs, out: &mut dyn Write) -> Result<()> {
    let setup = setup(args.regs.as_deref(), &args.memory, &args.decode, true, "map")?;
    let table = page_table(&setup)?;
    let map = map_table(&table);
    let policy = match args.coalesce {
        SysmmuCoalesce::Entries => Coalesce::Entries,
        SysmmuCoalesce::Size => Coalesce::SamePageSize,
        SysmmuCoalesce::Any => Coalesce::AnySize,
    };
    let mut notes = setup.notes.clone();
    notes.extend(memory_note(&setup, &table));
    if setup.format == SysmmuFormat::Json {
        return write_json(out, &map_json(&map, policy, &notes));
    }
    let mut text = String::new();
    text.push_str(&format!(
        "lv1 table at {}: {} leaves, {} mapped; zero lv2 table {}; {} lv2 tables\n",
        map.lv1_table_pa,
        map.mappings.len(),
        size_name(map.mapped_bytes()),
        map.zero_lv2_table_pa.map_or("none".into(), |pa| pa.to_string()),
        map.lv2_tables.iter().filter(|t| !t.zero_table).count()
    ));
    let end = |iova: Iova, size: u64| u64::from(iova.0) + size - 1;
    match policy {
        Coalesce::Entries => {
            let mut rows = new_table(&["IOVA", "IOVA end", "PA", "Size", "Kind", "Prot", "Shareable"]);
            for leaf in &map.mappings {
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
        Coalesce::SamePageSize | Coalesce::AnySize => {
            let runs = coalesce(&map.mappings, policy == Coalesce::SamePageSize);
            let mut rows = new_table(&["IOVA", "IOVA end", "PA", "Size", "Page size", "Leaves"]);
            for run in &runs {
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
    push_notes(&mut text, &notes);
    write_out(out, &text)
}

fn map_json(map: &PageTableMap, policy: Coalesce, notes: &[String]) -> Value {
    let mut value = json!({
        "schema": "probescope.sysmmu.map/1",
        "lv1_table_pa": map.lv1_table_pa,
        "lv1_in_dump": map.lv1_in_dump,
        "zero_lv2_table_pa": map.zero_lv2_table_pa,
        "lv2_tables": map.lv2_tables,
        "unreadable": map.unreadable,
        "anomalies": map.anomalies,
        "notes": notes,
    });
    if let Some(object) = value.as_object_mut() {
        let (key, list) = match policy {
            Coalesce::Entries => ("mappings", json!(map.mappings)),
            Coalesce::SamePageSize => ("runs", json!(coalesce(&map.mappings, true))),
            Coalesce::AnySize => ("runs_any_size", json!(coalesce(&map.mappings, false))),
        };
        object.insert(key.into(), list);
    }
    value
}

// --------------------------------------------------------------------------------------- fault

#[derive(Serialize)]
struct Explanation {
    cause: FaultCause,
    explanation: String,
}

fn run_fault(args: SysmmuFaultArgs, out: &mut dyn Write) -> Result<()> {
    if args.regs.is_none() && args.log.is_none() {
        return Err(Error::Usage(
            "fault needs --regs FILE (INT_STATUS and fault registers) or --log FILE (kernel fault lines)"
                .into(),
        ));
    }
    let need_memory = args.log.is_none();
    let setup = setup(
        args.regs.as_deref(),
        &args.memory,
        &args.decode,
        need_memory,
        "fault",
    )?;
    match &args.log {
        Some(log) => fault_from_log(log, &setup, out),
        None => fault_from_registers(&setup, out),
    }
}

fn fault_from_registers(setup: &Setup, out: &mut dyn Write) -> Result<()> {
    let Some(RegsInput { decoded, .. }) = &setup.regs else {
        return Err(Error::Usage("fault without --log needs --regs FILE".into()));
    };
    let table = page_table(setup)?;
    let mut notes = setup.notes.clone();
    notes.extend(memory_note(setup, &table));
    let eap = decoded.cfg.as_ref().map(|c| c.eap);
    let Some(fault) = &decoded.fault else {
        let message = match &decoded.int_status {
            Some(_) => "INT_STATUS is 0: no fault pending",
            None => "INT_STATUS is not in the register dump",
        };
        if setup.format == SysmmuFormat::Json {
            return write_json(
                out,
                &json!({"schema": "probescope.sysmmu.fault/1", "fault": null, "notes": [message]}),
            );
        }
        let mut text = format!("{message}\n");
        push_notes(&mut text, &notes);
        return write_out(out, &text);
    };
    let explained: Vec<(Option<Walk>, Explanation)> = fault
        .faults
        .iter()
        .map(|f| {
            let walk = f.address.map(|address| table.translate(address));
            let answer = walk.as_ref().map_or(TableAnswer::Unknown, TableAnswer::from_walk);
            let (cause, explanation) = explain(f.kind, f.access, answer, eap);
            (walk, Explanation { cause, explanation })
        })
        .collect();
    if setup.format == SysmmuFormat::Json {
        let faults: Vec<Value> = fault
            .faults
            .iter()
            .zip(&explained)
            .map(|(f, (walk, why))| {
                let mut value = json!(f);
                if let Some(object) = value.as_object_mut() {
                    object.insert("explain".into(), explain_json(walk.as_ref(), why));
                }
                value
            })
            .collect();
        let primary = explained
            .first()
            .map(|(walk, why)| explain_json(walk.as_ref(), why));
        return write_json(
            out,
            &json!({
                "schema": "probescope.sysmmu.fault/1",
                "int_status": format!("{:#x}", fault.int_status),
                "bits": fault.bits,
                "primary_bit": fault.primary_bit,
                "faults": faults,
                "explain": primary,
                "notes": notes,
            }),
        );
    }
    let mut text = format!(
        "INT_STATUS {:#x}: {} fault(s); the drivers report bit {} (the lowest)\n",
        fault.int_status,
        fault.faults.len(),
        fault.primary_bit
    );
    text.push_str(&format!("{}\n", fault_table(&fault.faults)));
    for (f, (walk, why)) in fault.faults.iter().zip(&explained) {
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
        if let Some(walk) = walk {
            text.push_str(&format!("{}\n", steps_table(walk)));
        }
    }
    push_notes(&mut text, &notes);
    write_out(out, &text)
}

fn explain_json(walk: Option<&Walk>, why: &Explanation) -> Value {
    let mut value = walk.map_or_else(|| json!({}), |walk| json!(walk));
    if let Some(object) = value.as_object_mut() {
        object.insert("cause".into(), json!(why.cause));
        object.insert("explanation".into(), json!(why.explanation));
    }
    value
}

fn fault_from_log(log: &Path, setup: &Setup, out: &mut dyn Write) -> Result<()> {
    let file = std::fs::File::open(log).map_err(|err| Error::io(log, err))?;
    let faults = parse_fault_log(BufReader::new(file)).map_err(|err| Error::io(log, err))?;
    let source = shown_path(log);
    let mut notes = setup.notes.clone();
    let eap = setup
        .regs
        .as_ref()
        .and_then(|input| input.decoded.cfg.as_ref().map(|c| c.eap));
    let mut records = Vec::new();
    let mut text = String::new();
    if faults.is_empty() {
        text.push_str(&format!("no SysMMU fault lines in {source}\n"));
        notes.push(format!("no SysMMU fault lines in {source}"));
    }
    for (index, fault) in faults.iter().enumerate() {
        let layout = setup.layout.or_else(|| fault.version.map(|v| v.layout(false)));
        let format = layout.map(|layout| PteFormat::new(layout, setup.conventions));
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
            .or(setup.lv1_pa);
        let table = match (format, lv1, setup.memory.is_empty()) {
            (Some(format), Some(lv1), false) => Some(PageTable::load(&setup.memory, format, lv1)),
            _ => None,
        };
        let walk = table.as_ref().map(|t| t.translate(fault.report.address));
        if let Some(table) = &table {
            notes.extend(memory_note(setup, table));
        } else if !setup.memory.is_empty() {
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
                format.unwrap_or(PteFormat::new(Layout::V5, setup.conventions)),
                lv1,
                fault.lv2_entry,
            ),
            (None, None) => TableAnswer::Unknown,
        };
        let (cause, explanation) = explain(fault.report.kind, fault.report.access, answer, eap);
        let logged = logged_entries(fault, format);
        if setup.format == SysmmuFormat::Json {
            let mut value = json!(fault);
            if let Some(object) = value.as_object_mut() {
                object.insert("logged_entries".into(), json!(logged));
                if let Some(walk) = &walk {
                    object.insert("walk".into(), json!(walk));
                }
                object.insert("cause".into(), json!(cause));
                object.insert("explanation".into(), json!(explanation));
            }
            records.push(value);
            continue;
        }
        let report = &fault.report;
        text.push_str(&format!(
            "{source}:{}: SysMMU {}, master {}: {} ({} access) at {:#010x}\n  cause {cause}: {explanation}\n",
            fault.line,
            escape_control(report.sysmmu.as_deref().unwrap_or("(not named)")),
            escape_control(report.master.as_deref().unwrap_or("(not named)")),
            report.kind,
            report.access,
            report.address.0,
        ));
        if !logged.is_empty() {
            let mut rows = new_table(&["Logged", "Value", "Meaning"]);
            for entry in &logged {
                rows.add_row(vec![
                    entry.entry.clone(),
                    entry.value.clone(),
                    entry.meaning.clone(),
                ]);
            }
            text.push_str(&format!("{rows}\n"));
            if format.is_none() {
                text.push_str(
                    "  (SysMMU version unknown: entry addresses are shown as v5+ reads them; give --hw-version \
                     or --regs)\n",
                );
            }
        }
        if let Some(walk) = &walk {
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
    if setup.format == SysmmuFormat::Json {
        return write_json(
            out,
            &json!({"schema": "probescope.sysmmu.fault-log/1", "source": source, "faults": records, "notes": notes}),
        );
    }
    push_notes(&mut text, &notes);
    write_out(out, &text)
}

/// One page-table line a kernel printed with its fault, decoded.
#[derive(Serialize)]
struct LoggedEntry {
    entry: String,
    value: String,
    meaning: String,
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
            .is_some_and(|lv1| matches!(format.lv1(lv1), crate::sysmmu::Lv1Entry::Link { .. })) =>
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
    use clap::CommandFactory;

    #[test]
    fn the_sysmmu_arguments_are_a_valid_clap_definition() {
        crate::cli::Cli::command().debug_assert();
    }
}
