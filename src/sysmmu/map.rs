//! Every mapping of a page table, per entry or coalesced into runs, with the ranges that could not
//! be read and the anomalies found on the way (incomplete or inconsistent large pages, non-zero
//! fault entries, reserved encodings, shared or misaligned lv2 tables, tables outside the dump).

use super::addr::{Iova, PhysAddr, LV1_ENTRIES, LV2_ENTRIES, SPAGE_SIZE};
use super::pte::{Attributes, LeafKind, Lv1Entry, Lv2Entry, Prot};
use super::walk::{PageTable, LV2_TABLE_BYTES};
use schemars::JsonSchema;
use serde::Serialize;

/// One leaf of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct Leaf {
    pub iova: Iova,
    pub pa: PhysAddr,
    pub size: u64,
    pub kind: LeafKind,
    pub prot: Prot,
    pub shareable: bool,
    pub lv1_index: u32,
    pub lv2_index: Option<u32>,
}

impl Leaf {
    /// The 4 KiB pages this leaf maps: (IOVA page, PA page).
    pub fn pages(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        (0..self.size / SPAGE_SIZE).map(move |page| {
            (
                u64::from(self.iova.0) + page * SPAGE_SIZE,
                self.pa.0 + page * SPAGE_SIZE,
            )
        })
    }
}

/// Consecutive leaves whose IOVAs and PAs both continue each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct Run {
    pub iova: Iova,
    pub pa: PhysAddr,
    pub size: u64,
    /// Set when the run keeps one page size (`runs`), absent when it merges sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
    pub count: u64,
}

/// How leaves are merged for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coalesce {
    /// One row per leaf.
    Entries,
    /// Runs of one page size.
    SamePageSize,
    /// Runs across page sizes.
    AnySize,
}

/// Merges sorted leaves into runs (attributes are not looked at, as in the truth files).
pub fn coalesce(leaves: &[Leaf], same_page_size: bool) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for leaf in leaves {
        if let Some(run) = runs.last_mut() {
            let continues = u64::from(run.iova.0) + run.size == u64::from(leaf.iova.0)
                && run.pa.0 + run.size == leaf.pa.0
                && (!same_page_size || run.page_size == Some(leaf.size));
            if continues {
                run.size += leaf.size;
                run.count += 1;
                continue;
            }
        }
        runs.push(Run {
            iova: leaf.iova,
            pa: leaf.pa,
            size: leaf.size,
            page_size: same_page_size.then_some(leaf.size),
            count: 1,
        });
    }
    runs
}

/// A part of the IOVA space whose translation could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct UnreadableRegion {
    pub lv1_index: u32,
    pub iova: Iova,
    /// The lv2 table that is missing (None: the lv1 entry itself is missing).
    pub lv2_table_pa: Option<PhysAddr>,
    pub reason: String,
}

/// Something in the table no driver would have written, or that a reader should know.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, JsonSchema)]
pub struct Anomaly {
    /// `lv1_table_outside_dump`, `lv1_reserved_encoding`, `lv1_fault_nonzero`,
    /// `lv2_fault_nonzero`, `lv2_reserved_encoding`, `lpage_incomplete`,
    /// `lpage_replica_mismatch`, `supersection_incomplete`, `lv2_table_shared`,
    /// `lv2_table_outside_dump`, `lv2_table_misaligned`.
    #[serde(rename = "type", deserialize_with = "anomaly_kind")]
    pub kind: super::addr::Word,
    pub lv1_index: Option<u32>,
    pub lv2_index: Option<u32>,
    pub detail: String,
}

/// One lv2 table referenced from lv1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct Lv2TableInfo {
    pub pa: PhysAddr,
    pub lv1_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lv1_indices: Option<Vec<u32>>,
    pub in_dump: bool,
    pub zero_table: bool,
}

/// Everything a full scan of a table found.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct PageTableMap {
    pub lv1_table_pa: PhysAddr,
    pub lv1_in_dump: bool,
    pub zero_lv2_table_pa: Option<PhysAddr>,
    pub lv2_tables: Vec<Lv2TableInfo>,
    pub mappings: Vec<Leaf>,
    pub unreadable: Vec<UnreadableRegion>,
    pub anomalies: Vec<Anomaly>,
}

impl PageTableMap {
    pub fn mapped_bytes(&self) -> u64 {
        self.mappings.iter().map(|leaf| leaf.size).sum()
    }
}

/// `Anomaly::kind` read back as the word the map gives.
fn anomaly_kind<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    super::addr::known_word(
        deserializer,
        &[
            "lv1_table_outside_dump",
            "lv1_reserved_encoding",
            "lv1_fault_nonzero",
            "lv2_fault_nonzero",
            "lv2_reserved_encoding",
            "lpage_incomplete",
            "lpage_replica_mismatch",
            "supersection_incomplete",
            "lv2_table_shared",
            "lv2_table_outside_dump",
            "lv2_table_misaligned",
        ],
    )
}

fn anomaly(kind: &'static str, lv1: Option<u32>, lv2: Option<u32>, detail: String) -> Anomaly {
    Anomaly {
        kind,
        lv1_index: lv1,
        lv2_index: lv2,
        detail,
    }
}

/// Scans the whole table: 4096 lv1 entries and every lv2 table they link.
pub fn map_table(table: &PageTable<'_>) -> PageTableMap {
    let format = table.format();
    let zero = table.zero_lv2_table();
    let mut out = PageTableMap {
        lv1_table_pa: table.lv1_pa(),
        lv1_in_dump: table.lv1_in_dump(),
        zero_lv2_table_pa: zero,
        lv2_tables: Vec::new(),
        mappings: Vec::new(),
        unreadable: Vec::new(),
        anomalies: Vec::new(),
    };
    if !out.lv1_in_dump {
        out.anomalies.push(anomaly(
            "lv1_table_outside_dump",
            None,
            None,
            format!("the lv1 table at {} is not in the memory dump", table.lv1_pa()),
        ));
        return out;
    }
    let mut lv2_bytes = vec![0u8; LV2_TABLE_BYTES];
    let mut lv2_words = [0u32; LV2_ENTRIES];
    let mut lv1_index = 0usize;
    while lv1_index < LV1_ENTRIES {
        let index = lv1_index as u32;
        lv1_index += 1;
        let Some(raw) = table.lv1_word(index as usize) else {
            out.unreadable.push(UnreadableRegion {
                lv1_index: index,
                iova: Iova::from_indices(index, 0),
                lv2_table_pa: None,
                reason: "lv1 entry not in the memory dump".into(),
            });
            continue;
        };
        match format.lv1(raw) {
            Lv1Entry::Fault { raw: 0 } => {}
            Lv1Entry::Fault { raw } => out.anomalies.push(anomaly(
                "lv1_fault_nonzero",
                Some(index),
                None,
                format!("fault entry {raw:#010x} has bits set besides its type"),
            )),
            Lv1Entry::Reserved { raw } => out.anomalies.push(anomaly(
                "lv1_reserved_encoding",
                Some(index),
                None,
                format!(
                    "entry {raw:#010x} has an encoding {} treats as invalid",
                    format.conventions
                ),
            )),
            Lv1Entry::Section { pa, attrs, .. } => {
                out.mappings.push(leaf(index, None, pa, LeafKind::Section, attrs));
            }
            Lv1Entry::Supersection { raw, pa, attrs } => {
                // Written into 16 aligned slots; a complete group is one 16 MiB leaf.
                let group_start = index & !0xF;
                let complete = index == group_start
                    && (group_start..group_start + 16).all(|i| table.lv1_word(i as usize) == Some(raw));
                if complete {
                    out.mappings
                        .push(leaf(index, None, pa, LeafKind::Supersection, attrs));
                    lv1_index = (group_start + 16) as usize;
                } else {
                    out.anomalies.push(anomaly(
                        "supersection_incomplete",
                        Some(index),
                        None,
                        "a supersection entry outside a complete group of 16 identical entries".into(),
                    ));
                    let piece = pa.offset(u64::from(index & 0xF) << 20);
                    out.mappings.push(Leaf {
                        kind: LeafKind::Supersection,
                        ..leaf(index, None, piece, LeafKind::Section, attrs)
                    });
                }
            }
            Lv1Entry::Link { table: lv2_pa, .. } => {
                if Some(lv2_pa) == zero {
                    continue;
                }
                if lv2_pa.0 % LV2_TABLE_BYTES as u64 != 0 {
                    out.anomalies.push(anomaly(
                        "lv2_table_misaligned",
                        Some(index),
                        None,
                        format!("lv2 table base {lv2_pa} is not 1 KiB aligned"),
                    ));
                }
                if table.links().get(&lv2_pa).is_some_and(|users| users.len() > 1) {
                    out.anomalies.push(anomaly(
                        "lv2_table_shared",
                        Some(index),
                        None,
                        format!("lv2 table {lv2_pa} is linked from several lv1 entries"),
                    ));
                }
                if let Err(err) = table.memory().read(lv2_pa, &mut lv2_bytes) {
                    out.anomalies.push(anomaly(
                        "lv2_table_outside_dump",
                        Some(index),
                        None,
                        format!("lv2 table {lv2_pa} is not (wholly) in the memory dump"),
                    ));
                    out.unreadable.push(UnreadableRegion {
                        lv1_index: index,
                        iova: Iova::from_indices(index, 0),
                        lv2_table_pa: Some(lv2_pa),
                        reason: err.reason,
                    });
                    continue;
                }
                for (slot, word) in lv2_bytes.chunks_exact(4).enumerate() {
                    lv2_words[slot] = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
                }
                scan_lv2(table, index, &lv2_words, &mut out);
            }
        }
    }
    let mut tables: Vec<Lv2TableInfo> = table
        .links()
        .iter()
        .map(|(pa, users)| {
            let zero_table = Some(*pa) == zero;
            let in_dump = zero_table || table.memory().read(*pa, &mut lv2_bytes).is_ok();
            Lv2TableInfo {
                pa: *pa,
                lv1_count: users.len(),
                lv1_indices: (!zero_table).then(|| users.clone()),
                in_dump,
                zero_table,
            }
        })
        .collect();
    tables.sort_by_key(|t| t.pa);
    out.lv2_tables = tables;
    out
}

fn leaf(lv1: u32, lv2: Option<u32>, pa: PhysAddr, kind: LeafKind, attrs: Attributes) -> Leaf {
    Leaf {
        iova: Iova::from_indices(lv1, lv2.unwrap_or(0)),
        pa,
        size: kind.page_size(),
        kind,
        prot: attrs.prot,
        shareable: attrs.shareable,
        lv1_index: lv1,
        lv2_index: lv2,
    }
}

/// Scans one lv2 table. Large pages are read per 16-entry group (`lv2set_page` writes 16 equal
/// entries at a 16-aligned index): a complete, identical group is one 64 KiB leaf; otherwise each
/// large entry maps the 4 KiB the walk would give for its slot.
fn scan_lv2(table: &PageTable<'_>, lv1: u32, words: &[u32; LV2_ENTRIES], out: &mut PageTableMap) {
    let format = table.format();
    for group in (0..LV2_ENTRIES).step_by(16) {
        let slots = &words[group..group + 16];
        let large: Vec<usize> = (0..16)
            .filter(|&i| matches!(format.lv2(slots[i]), Lv2Entry::Large { .. }))
            .collect();
        if large.len() == 16 && slots.iter().all(|w| *w == slots[0]) {
            if let Lv2Entry::Large { pa, attrs, .. } = format.lv2(slots[0]) {
                out.mappings
                    .push(leaf(lv1, Some(group as u32), pa, LeafKind::Lpage, attrs));
            }
            continue;
        }
        if !large.is_empty() {
            let (kind, detail) = if large.len() < 16 {
                (
                    "lpage_incomplete",
                    format!(
                        "{} of 16 entries of the large-page group are large-page entries",
                        large.len()
                    ),
                )
            } else {
                (
                    "lpage_replica_mismatch",
                    "the 16 large-page entries are not identical".to_string(),
                )
            };
            out.anomalies
                .push(anomaly(kind, Some(lv1), Some(group as u32), detail));
        }
        for (offset, raw) in slots.iter().enumerate() {
            let slot = (group + offset) as u32;
            match format.lv2(*raw) {
                Lv2Entry::Fault { raw: 0 } => {}
                Lv2Entry::Fault { raw } => out.anomalies.push(anomaly(
                    "lv2_fault_nonzero",
                    Some(lv1),
                    Some(slot),
                    format!("fault entry {raw:#010x} has bits set besides its type"),
                )),
                Lv2Entry::Reserved { raw } => out.anomalies.push(anomaly(
                    "lv2_reserved_encoding",
                    Some(lv1),
                    Some(slot),
                    format!(
                        "entry {raw:#010x} has an encoding {} treats as invalid",
                        format.conventions
                    ),
                )),
                Lv2Entry::Small { pa, attrs, .. } => {
                    out.mappings
                        .push(leaf(lv1, Some(slot), pa, LeafKind::Spage, attrs));
                }
                Lv2Entry::Large { pa, attrs, .. } => {
                    let piece = pa.offset(u64::from(slot & 0xF) * SPAGE_SIZE);
                    out.mappings
                        .push(leaf(lv1, Some(slot), piece, LeafKind::LpagePartial, attrs));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmmu::layout::{Conventions, Layout};
    use crate::sysmmu::memory::InMemory;
    use crate::sysmmu::pte::PteFormat;

    fn put(bytes: &mut [u8], at: usize, value: u32) {
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    #[test]
    fn groups_large_pages_and_reports_broken_groups() {
        let mut bytes = vec![0u8; 0x8000];
        put(&mut bytes, 0x4000 + 4, 0x1001); // lv1[1] → lv2 table at 0x1000
        for slot in 0..16 {
            put(&mut bytes, 0x1000 + slot * 4, 0x7711_0011);
        }
        for slot in 16..20 {
            put(&mut bytes, 0x1000 + slot * 4, 0x7722_0011);
        }
        put(&mut bytes, 0x1000 + 40 * 4, 0x1234_5002);
        let memory = InMemory::new(PhysAddr(0), bytes);
        let table = PageTable::load(
            &memory,
            PteFormat::new(Layout::V1, Conventions::Mainline),
            PhysAddr(0x4000),
        );
        let map = map_table(&table);
        assert_eq!(map.mappings.len(), 1 + 4 + 1);
        assert_eq!(map.mappings[0].kind, LeafKind::Lpage);
        assert_eq!(map.mappings[0].iova, Iova(0x0010_0000));
        assert_eq!(map.mappings[2].kind, LeafKind::LpagePartial);
        assert_eq!(map.mappings[2].pa, PhysAddr(0x7722_1000));
        assert_eq!(map.anomalies.len(), 1);
        assert_eq!(map.anomalies[0].kind, "lpage_incomplete");
        let runs = coalesce(&map.mappings, true);
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[1].count, 4);
    }
}
