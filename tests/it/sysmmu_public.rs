//! SysMMU fault lines in the public logs (fixtures/public, see its MANIFEST): the Exynos5250
//! Snow report is decoded into kind, master, SysMMU and address; no other log yields a SysMMU
//! fault (Arm SMMU context faults, VT-d faults and ordinary lines must not be taken for one).

use crate::support::sysmmu::fixtures;
use probescope::sysmmu::{parse_fault_line, parse_fault_log, Access, FaultKind, FaultLineFormat, Iova};
use std::io::BufReader;

const SNOW: &str = "exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt";

#[test]
fn snow_page_fault_line_is_decoded() {
    let text = std::fs::read_to_string(fixtures().join("public").join(SNOW)).unwrap();
    let reports: Vec<_> = text.lines().filter_map(parse_fault_line).collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = &reports[0];
    assert_eq!(report.sysmmu.as_deref(), Some("14640000.sysmmu"));
    assert_eq!(report.master.as_deref(), Some("14400000.fimd"));
    assert_eq!(report.kind, FaultKind::Page);
    assert_eq!(report.kind_text, "PAGE");
    assert_eq!(report.access, Access::Unknown);
    assert_eq!(report.address, Iova(0x2000_0000));
    assert_eq!(report.format, FaultLineFormat::Mainline);

    let logged = parse_fault_log(BufReader::new(text.as_bytes())).unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].line, 96);
    // The 5.6 kernel printed the page-table lines with dev_dbg only: none here.
    assert_eq!((logged[0].lv1_entry, logged[0].page_table_base), (None, None));
}

#[test]
fn no_other_public_log_has_a_sysmmu_fault() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures().join("public")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") || path.ends_with(SNOW) {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let faults = parse_fault_log(BufReader::new(bytes.as_slice())).unwrap();
        assert!(faults.is_empty(), "{}: {faults:?}", path.display());
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} logs");
}

#[test]
fn a_fault_line_is_explained_against_registers_and_memory() {
    use probescope::sysmmu::memory::open_memory_spec;
    use probescope::sysmmu::{explain_report, FaultCause, MemorySet};
    // The 4.x-era line format for a v3.3 case's recorded fault (a write-permission fault).
    let dir = fixtures().join("sysmmu/cases/edge-permfault-v3.3");
    let line = "[  5.1] exynos-sysmmu 13620000.sysmmu: 13600000.gsc: AW ACCESS PROTECTION FAULT occurred at 0x5d72c7cc";
    let report = parse_fault_line(line).unwrap();
    assert_eq!(
        (report.kind, report.access),
        (FaultKind::AccessProtection, Access::Write)
    );
    let window =
        probescope::sysmmu::dump::read_register_file(&dir.join("regs.bin"), &Default::default()).unwrap();
    let registers = probescope::sysmmu::decode(&window, Default::default(), None).unwrap();
    let mut memory = MemorySet::new();
    for source in open_memory_spec(&dir.join("memory.json").display().to_string()).unwrap() {
        memory.push(source);
    }
    let explained = explain_report(&report, Some(&registers), Some(&memory));
    assert_eq!(explained.cause, FaultCause::Permission);
    assert_eq!(explained.walk.unwrap().outcome.level(), 2);
    let alone = explain_report(&report, None, None);
    assert!(alone.walk.is_none());
}
