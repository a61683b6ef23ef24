//! The real exynos-iommu driver's tables (fixtures/qemu/exynos-6.12/*/memdump-*/): mapping each
//! SysMMU's table from its register window and the dumped memory windows gives exactly the 4 KiB
//! pages the kernel's own `iommu:map`/`iommu:unmap` trace leaves mapped.

use crate::support::sysmmu::*;
use probescope::sysmmu::walk::PageTable;
use probescope::sysmmu::{map_table, Conventions, PteFormat};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// (IOVA page, PA page) pairs still mapped at the end of the trace (maps minus unmaps, in
/// order). Pairs, not a map: domains are not told apart in the trace and reuse IOVAs.
fn trace_live_pages(trace: &Path) -> BTreeSet<(u64, u64)> {
    let text = std::fs::read_to_string(trace).unwrap();
    let field = |line: &str, key: &str| -> Option<u64> {
        let start = line.find(key)? + key.len();
        let value = line[start..].split_whitespace().next()?;
        let value = value.trim_start_matches("0x");
        if key.ends_with("size=") {
            value.parse().ok()
        } else {
            u64::from_str_radix(value, 16).ok()
        }
    };
    let mut live = BTreeSet::new();
    for line in text.lines() {
        if line.contains(" map: IOMMU:") {
            let iova = field(line, "iova=").unwrap();
            let paddr = field(line, "paddr=").unwrap();
            let size = field(line, " size=").unwrap();
            for page in (0..size).step_by(4096) {
                live.insert((iova + page, paddr + page));
            }
        } else if line.contains(" unmap: IOMMU:") {
            let iova = field(line, "iova=").unwrap();
            let size = field(line, "unmapped_size=").unwrap();
            let range = iova..iova + size;
            live.retain(|(page, _)| !range.contains(page));
        }
    }
    live
}

/// Every (IOVA page, PA page) decoded from every SysMMU's table in one dump, and how many
/// distinct tables were read.
fn decoded_pages(dump: &Path) -> (BTreeSet<(u64, u64)>, usize) {
    let memory = memory(&dump.join("memory.json"));
    let mut pages = BTreeSet::new();
    let mut tables = BTreeSet::new();
    let mut sysmmus: Vec<_> = std::fs::read_dir(dump)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("regs.json").is_file())
        .collect();
    sysmmus.sort();
    assert_eq!(sysmmus.len(), 5, "{}", dump.display());
    for sysmmu in sysmmus {
        let decode = decode_file(&sysmmu.join("regs.json"), Conventions::Mainline);
        let Some(lv1) = decode.lv1_table_pa() else {
            continue;
        };
        let table = PageTable::load(&memory, PteFormat::new(decode.layout, Conventions::Mainline), lv1);
        let map = map_table(&table);
        if map.lv1_in_dump {
            tables.insert(lv1);
            assert!(
                map.unreadable.is_empty(),
                "{}: unreadable {:?}",
                sysmmu.display(),
                map.unreadable
            );
            assert!(
                map.zero_lv2_table_pa.is_some(),
                "{}: mainline tables link the zero table",
                sysmmu.display()
            );
        }
        for leaf in &map.mappings {
            pages.extend(leaf.pages());
        }
    }
    (pages, tables.len())
}

#[test]
fn decoded_tables_hold_exactly_the_traced_pages() {
    let root = fixtures().join("qemu/exynos-6.12");
    let mut checked = 0;
    for scenario in ["E1-exynos-early", "E2-exynos-late", "E5-verbose-early"] {
        let dir = root.join(scenario);
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
        let live = trace_live_pages(&dir.join("trace.txt"));
        for dump in ["idle", "resumed"] {
            let (pages, _) = decoded_pages(&dir.join(format!("memdump-{dump}")));
            let cross = &truth["exynos"]["cross_check"][dump];
            assert_eq!(
                pages.len() as u64,
                cross["decoded_4k_pages"].as_u64().unwrap(),
                "{scenario}/{dump}: decoded page count"
            );
            assert_eq!(
                live.len() as u64,
                cross["trace_live_4k_pages"].as_u64().unwrap(),
                "{scenario}: trace"
            );
            for (iova, pa) in &pages {
                assert!(
                    live.contains(&(*iova, *pa)),
                    "{scenario}/{dump}: {iova:#x}->{pa:#x} not in the trace"
                );
            }
            if cross["match"].as_bool().unwrap() {
                assert_eq!(pages, live, "{scenario}/{dump}: tables and trace differ");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

#[test]
fn resumed_dumps_of_the_early_scenarios_map_every_traced_page() {
    let root = fixtures().join("qemu/exynos-6.12");
    for scenario in ["E1-exynos-early", "E5-verbose-early"] {
        let dir = root.join(scenario);
        let live = trace_live_pages(&dir.join("trace.txt"));
        assert_eq!(live.len(), 568);
        let (pages, tables) = decoded_pages(&dir.join("memdump-resumed"));
        assert_eq!(pages, live, "{scenario}");
        // Two PL330 SysMMUs share one table; RTC and PCI have their own.
        assert_eq!(tables, 3, "{scenario}");
    }
}
