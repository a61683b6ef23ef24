//! One SysMMU page table in memory and the walk of an IOVA through it, step by step, to a
//! physical address or to the reason it stops (algorithm of `exynos_iommu_iova_to_phys()` and the
//! hardware walk: lv1 entry at `base + 4·(iova >> 20)`, lv2 entry at `table + 4·((iova >> 12) &
//! 0xFF)`).
//!
//! Mainline fills every empty lv1 slot with a link to one shared all-zero lv2 table
//! (`ZERO_LV2LINK`, a workaround for the v3.3 FLPD cache): software calls such a slot a fault,
//! the hardware walks into the zero table and faults at level 2. The walk reports the latter and
//! flags `via_zero_lv2_table`. The zero table is recognised as the most linked lv2 table when it
//! is linked more than once and all 256 entries are zero.

use super::addr::{Iova, PhysAddr, LV1_ENTRIES, LV2_ENTRIES};
use super::memory::{PhysMemory, Unreadable};
use super::pte::{Attributes, LeafKind, Lv1Entry, Lv2Entry, Prot, PteFormat};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// Size of a level-1 table in bytes (4096 × 4).
pub const LV1_TABLE_BYTES: usize = LV1_ENTRIES * 4;
/// Size of a level-2 table in bytes (256 × 4).
pub const LV2_TABLE_BYTES: usize = LV2_ENTRIES * 4;

/// A page table as the SysMMU sees it: the lv1 table (read once) and the memory behind it.
pub struct PageTable<'m> {
    memory: &'m dyn PhysMemory,
    format: PteFormat,
    lv1_pa: PhysAddr,
    /// The lv1 words; None where unreadable.
    lv1: Vec<Option<u32>>,
    zero_lv2: Option<PhysAddr>,
    /// lv1 indices linking to each lv2 table base.
    links: HashMap<PhysAddr, Vec<u32>>,
}

impl<'m> PageTable<'m> {
    /// Reads the lv1 table at `lv1_pa` and finds the shared zero lv2 table.
    pub fn load(memory: &'m dyn PhysMemory, format: PteFormat, lv1_pa: PhysAddr) -> PageTable<'m> {
        let mut bytes = vec![0u8; LV1_TABLE_BYTES];
        let lv1: Vec<Option<u32>> = if memory.read(lv1_pa, &mut bytes).is_ok() {
            bytes
                .chunks_exact(4)
                .map(|w| Some(u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
                .collect()
        } else {
            // Partly dumped tables: keep every word that is there.
            (0..LV1_ENTRIES)
                .map(|index| memory.read_u32(lv1_pa.offset(index as u64 * 4)).ok())
                .collect()
        };
        let mut links: HashMap<PhysAddr, Vec<u32>> = HashMap::new();
        for (index, raw) in lv1.iter().enumerate() {
            if let Some(Lv1Entry::Link { table, .. }) = raw.map(|raw| format.lv1(raw)) {
                links.entry(table).or_default().push(index as u32);
            }
        }
        let zero_lv2 = links
            .iter()
            .filter(|(_, users)| users.len() > 1)
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
            .map(|(table, _)| *table)
            .filter(|table| {
                let mut table_bytes = vec![0u8; LV2_TABLE_BYTES];
                memory.read(*table, &mut table_bytes).is_ok() && table_bytes.iter().all(|b| *b == 0)
            });
        PageTable {
            memory,
            format,
            lv1_pa,
            lv1,
            zero_lv2,
            links,
        }
    }

    pub fn format(&self) -> PteFormat {
        self.format
    }

    pub fn lv1_pa(&self) -> PhysAddr {
        self.lv1_pa
    }

    pub fn memory(&self) -> &'m dyn PhysMemory {
        self.memory
    }

    /// Whether every lv1 word was readable.
    pub fn lv1_complete(&self) -> bool {
        self.lv1.iter().all(Option::is_some)
    }

    /// Whether any lv1 word was readable.
    pub fn lv1_in_dump(&self) -> bool {
        self.lv1.iter().any(Option::is_some)
    }

    pub fn lv1_word(&self, index: usize) -> Option<u32> {
        self.lv1.get(index).copied().flatten()
    }

    /// The shared zero lv2 table (mainline `zero_lv2_table`), when there is one.
    pub fn zero_lv2_table(&self) -> Option<PhysAddr> {
        self.zero_lv2
    }

    /// Every lv2 table base linked from lv1, with the lv1 indices linking to it.
    pub fn links(&self) -> &HashMap<PhysAddr, Vec<u32>> {
        &self.links
    }

    /// Walks one IOVA.
    pub fn translate(&self, iova: Iova) -> Walk {
        let lv1_index = iova.lv1_index();
        let lv1_entry_pa = self.lv1_pa.offset(u64::from(lv1_index) * 4);
        let mut walk = Walk {
            iova,
            lv1_index,
            lv1_entry_pa,
            lv1_entry: None,
            lv2_table_pa: None,
            lv2_index: None,
            lv2_entry_pa: None,
            lv2_entry: None,
            via_zero_lv2_table: false,
            steps: Vec::new(),
            outcome: Outcome::Unreadable {
                level: 1,
                reason: StopReason::Lv1TableOutsideDump,
            },
        };
        let Some(raw) = self.lv1_word(lv1_index as usize) else {
            walk.steps.push(WalkStep {
                level: 1,
                index: lv1_index,
                entry_pa: lv1_entry_pa,
                raw: None,
                meaning: "not in the memory dump".into(),
            });
            return walk;
        };
        walk.lv1_entry = Some(raw);
        let entry = self.format.lv1(raw);
        let zero_link = matches!(entry, Lv1Entry::Link { table, .. } if Some(table) == self.zero_lv2);
        let meaning = if zero_link {
            format!("{entry} (the shared zero lv2 table: an empty slot, mainline ZERO_LV2LINK)")
        } else {
            entry.to_string()
        };
        walk.steps.push(WalkStep {
            level: 1,
            index: lv1_index,
            entry_pa: lv1_entry_pa,
            raw: Some(raw),
            meaning,
        });
        let table = match entry {
            Lv1Entry::Fault { .. } => {
                walk.outcome = Outcome::Fault {
                    level: 1,
                    reason: StopReason::Lv1Fault,
                };
                return walk;
            }
            Lv1Entry::Reserved { .. } => {
                walk.outcome = Outcome::Fault {
                    level: 1,
                    reason: StopReason::Lv1Reserved,
                };
                return walk;
            }
            Lv1Entry::Section { pa, attrs, .. } => {
                walk.outcome = Outcome::mapped(1, pa, iova, LeafKind::Section, attrs);
                return walk;
            }
            Lv1Entry::Supersection { pa, attrs, .. } => {
                walk.outcome = Outcome::mapped(1, pa, iova, LeafKind::Supersection, attrs);
                return walk;
            }
            Lv1Entry::Link { table, .. } => table,
        };
        let lv2_index = iova.lv2_index();
        let lv2_entry_pa = table.offset(u64::from(lv2_index) * 4);
        walk.lv2_table_pa = Some(table);
        walk.lv2_index = Some(lv2_index);
        walk.lv2_entry_pa = Some(lv2_entry_pa);
        walk.via_zero_lv2_table = zero_link;
        let raw = match self.memory.read_u32(lv2_entry_pa) {
            Ok(raw) => raw,
            Err(Unreadable { reason, .. }) => {
                walk.steps.push(WalkStep {
                    level: 2,
                    index: lv2_index,
                    entry_pa: lv2_entry_pa,
                    raw: None,
                    meaning: format!("lv2 table not in the memory dump ({reason})"),
                });
                walk.outcome = Outcome::Unreadable {
                    level: 2,
                    reason: StopReason::Lv2TableOutsideDump,
                };
                return walk;
            }
        };
        walk.lv2_entry = Some(raw);
        let entry = self.format.lv2(raw);
        walk.steps.push(WalkStep {
            level: 2,
            index: lv2_index,
            entry_pa: lv2_entry_pa,
            raw: Some(raw),
            meaning: entry.to_string(),
        });
        walk.outcome = match entry {
            Lv2Entry::Fault { .. } if zero_link => Outcome::Fault {
                level: 2,
                reason: StopReason::ZeroLv2Link,
            },
            Lv2Entry::Fault { .. } => Outcome::Fault {
                level: 2,
                reason: StopReason::Lv2Fault,
            },
            Lv2Entry::Reserved { .. } => Outcome::Fault {
                level: 2,
                reason: StopReason::Lv2Reserved,
            },
            Lv2Entry::Large { pa, attrs, .. } => Outcome::mapped(2, pa, iova, LeafKind::Lpage, attrs),
            Lv2Entry::Small { pa, attrs, .. } => Outcome::mapped(2, pa, iova, LeafKind::Spage, attrs),
        };
        walk
    }
}

/// Why a walk stopped without a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// lv1 entry is a fault entry.
    Lv1Fault,
    /// lv1 entry has an encoding the driver treats as invalid.
    Lv1Reserved,
    /// lv2 entry is a fault entry.
    Lv2Fault,
    /// lv2 entry has an encoding the driver treats as invalid.
    Lv2Reserved,
    /// The lv1 slot links to the shared zero lv2 table (an empty slot under mainline).
    ZeroLv2Link,
    /// The lv1 table is not in the memory dump.
    Lv1TableOutsideDump,
    /// The lv2 table is not in the memory dump.
    Lv2TableOutsideDump,
}

impl StopReason {
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Lv1Fault => "fault at level 1 (no lv1 entry)",
            StopReason::Lv1Reserved => "fault at level 1 (reserved lv1 encoding)",
            StopReason::Lv2Fault => "fault at level 2 (no lv2 entry)",
            StopReason::Lv2Reserved => "fault at level 2 (reserved lv2 encoding)",
            StopReason::ZeroLv2Link => {
                "fault at level 2 in the shared zero lv2 table (empty lv1 slot, mainline ZERO_LV2LINK)"
            }
            StopReason::Lv1TableOutsideDump => "lv1 table not in the memory dump",
            StopReason::Lv2TableOutsideDump => "lv2 table not in the memory dump",
        }
    }
}

/// How a walk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Mapped {
        level: u8,
        pa: PhysAddr,
        page_size: u64,
        kind: LeafKind,
        attrs: Attributes,
    },
    Fault {
        level: u8,
        reason: StopReason,
    },
    Unreadable {
        level: u8,
        reason: StopReason,
    },
}

impl Outcome {
    fn mapped(level: u8, leaf_pa: PhysAddr, iova: Iova, kind: LeafKind, attrs: Attributes) -> Outcome {
        let page_size = kind.page_size();
        Outcome::Mapped {
            level,
            pa: leaf_pa.offset(u64::from(iova.0) & (page_size - 1)),
            page_size,
            kind,
            attrs,
        }
    }

    /// `mapped`, `fault` or `unreadable` (the truth files' `result`).
    pub fn result(&self) -> &'static str {
        match self {
            Outcome::Mapped { .. } => "mapped",
            Outcome::Fault { .. } => "fault",
            Outcome::Unreadable { .. } => "unreadable",
        }
    }

    pub fn level(&self) -> u8 {
        match *self {
            Outcome::Mapped { level, .. }
            | Outcome::Fault { level, .. }
            | Outcome::Unreadable { level, .. } => level,
        }
    }

    pub fn pa(&self) -> Option<PhysAddr> {
        match *self {
            Outcome::Mapped { pa, .. } => Some(pa),
            _ => None,
        }
    }

    pub fn stop_reason(&self) -> Option<StopReason> {
        match *self {
            Outcome::Fault { reason, .. } | Outcome::Unreadable { reason, .. } => Some(reason),
            Outcome::Mapped { .. } => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Mapped { pa, kind, attrs, .. } => {
                write!(f, "mapped to {pa} ({}, prot {})", kind.name(), attrs.prot.name())
            }
            Outcome::Fault { reason, .. } | Outcome::Unreadable { reason, .. } => {
                f.write_str(reason.describe())
            }
        }
    }
}

/// One step of a walk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct WalkStep {
    pub level: u8,
    pub index: u32,
    pub entry_pa: PhysAddr,
    #[schemars(with = "Option<String>")]
    #[serde(with = "super::addr::hex32::option")]
    pub raw: Option<u32>,
    pub meaning: String,
}

/// The walk of one IOVA; serialises with the truth files' sample fields ([`WalkRecord`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(into = "WalkRecord", try_from = "WalkRecord")]
pub struct Walk {
    pub iova: Iova,
    pub lv1_index: u32,
    pub lv1_entry_pa: PhysAddr,
    pub lv1_entry: Option<u32>,
    pub lv2_table_pa: Option<PhysAddr>,
    pub lv2_index: Option<u32>,
    pub lv2_entry_pa: Option<PhysAddr>,
    pub lv2_entry: Option<u32>,
    pub via_zero_lv2_table: bool,
    pub steps: Vec<WalkStep>,
    pub outcome: Outcome,
}

/// A [`Walk`] as JSON: the truth files' sample fields, flat, with only what the walk reached.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct WalkRecord {
    pub iova: Iova,
    pub lv1_index: u32,
    pub lv1_entry_pa: PhysAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lv1_entry: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub via_zero_lv2_table: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lv2_table_pa: Option<PhysAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lv2_index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lv2_entry_pa: Option<PhysAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lv2_entry: Option<String>,
    /// `mapped`, `fault` or `unreadable`.
    #[serde(deserialize_with = "walk_result")]
    pub result: super::addr::Word,
    pub level: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pa: Option<PhysAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<LeafKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prot: Option<Prot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shareable: Option<bool>,
    /// Why the walk stopped (fault or unreadable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReason>,
    pub steps: Vec<WalkStep>,
}

impl JsonSchema for Walk {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        WalkRecord::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        WalkRecord::json_schema(generator)
    }
}

impl From<Walk> for WalkRecord {
    fn from(walk: Walk) -> WalkRecord {
        let (pa, page_size, kind, prot, shareable, stop) = match walk.outcome {
            Outcome::Mapped {
                pa,
                page_size,
                kind,
                attrs,
                ..
            } => (
                Some(pa),
                Some(page_size),
                Some(kind),
                Some(attrs.prot),
                Some(attrs.shareable),
                None,
            ),
            Outcome::Fault { reason, .. } | Outcome::Unreadable { reason, .. } => {
                (None, None, None, None, None, Some(reason))
            }
        };
        WalkRecord {
            iova: walk.iova,
            lv1_index: walk.lv1_index,
            lv1_entry_pa: walk.lv1_entry_pa,
            lv1_entry: walk.lv1_entry.map(|raw| format!("{raw:#x}")),
            via_zero_lv2_table: walk.via_zero_lv2_table,
            lv2_table_pa: walk.lv2_table_pa,
            lv2_index: walk.lv2_index,
            lv2_entry_pa: walk.lv2_entry_pa,
            lv2_entry: walk.lv2_entry.map(|raw| format!("{raw:#x}")),
            result: walk.outcome.result(),
            level: walk.outcome.level(),
            pa,
            page_size,
            kind,
            prot,
            shareable,
            stop,
            steps: walk.steps,
        }
    }
}

/// `WalkRecord::result` read back as the word `Outcome::result` writes.
fn walk_result<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    super::addr::known_word(deserializer, &["mapped", "fault", "unreadable"])
}

/// A walk read back from its JSON form (what `From<Walk>` writes reads back as the same walk).
impl TryFrom<WalkRecord> for Walk {
    type Error = String;

    fn try_from(record: WalkRecord) -> Result<Walk, String> {
        let hex = |text: Option<String>, what: &str| -> Result<Option<u32>, String> {
            text.map(|text| {
                super::addr::parse_hex_u64(&text)
                    .and_then(|value| u32::try_from(value).ok())
                    .ok_or_else(|| format!("{what}: expected a 32-bit value in hex, found `{text}`"))
            })
            .transpose()
        };
        let missing = |field: &str| format!("a `{}` walk has no `{field}`", record.result);
        let level = record.level;
        let outcome = match record.result {
            "mapped" => Outcome::Mapped {
                level,
                pa: record.pa.ok_or_else(|| missing("pa"))?,
                page_size: record.page_size.ok_or_else(|| missing("page_size"))?,
                kind: record.kind.ok_or_else(|| missing("kind"))?,
                attrs: Attributes {
                    prot: record.prot.ok_or_else(|| missing("prot"))?,
                    shareable: record.shareable.ok_or_else(|| missing("shareable"))?,
                },
            },
            "fault" => Outcome::Fault {
                level,
                reason: record.stop.ok_or_else(|| missing("stop"))?,
            },
            "unreadable" => Outcome::Unreadable {
                level,
                reason: record.stop.ok_or_else(|| missing("stop"))?,
            },
            other => {
                return Err(format!(
                    "expected a walk result (mapped, fault, unreadable), found `{other}`"
                ))
            }
        };
        Ok(Walk {
            iova: record.iova,
            lv1_index: record.lv1_index,
            lv1_entry_pa: record.lv1_entry_pa,
            lv1_entry: hex(record.lv1_entry, "lv1_entry")?,
            lv2_table_pa: record.lv2_table_pa,
            lv2_index: record.lv2_index,
            lv2_entry_pa: record.lv2_entry_pa,
            lv2_entry: hex(record.lv2_entry, "lv2_entry")?,
            via_zero_lv2_table: record.via_zero_lv2_table,
            steps: record.steps,
            outcome,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmmu::layout::{Conventions, Layout};
    use crate::sysmmu::memory::InMemory;

    /// A v1 table at 0x1000 with a zero table at 0x5000 linked from every slot but two.
    fn memory() -> InMemory {
        let mut bytes = vec![0u8; 0x6000];
        let put = |bytes: &mut Vec<u8>, at: usize, value: u32| {
            bytes[at..at + 4].copy_from_slice(&value.to_le_bytes())
        };
        for index in 0..4096 {
            put(&mut bytes, 0x1000 + index * 4, 0x5001);
        }
        put(&mut bytes, 0x1000 + 0x123 * 4, 0x4001); // link to 0x4000
        put(&mut bytes, 0x1000 + 0x945 * 4, 0x9450_0402); // section
        put(&mut bytes, 0x4000 + 0x45 * 4, 0x8ABC_D012); // small page
        InMemory::new(PhysAddr(0), bytes)
    }

    #[test]
    fn walks_to_pages_sections_and_the_zero_table() {
        let memory = memory();
        let table = PageTable::load(
            &memory,
            PteFormat::new(Layout::V1, Conventions::Mainline),
            PhysAddr(0x1000),
        );
        assert_eq!(table.zero_lv2_table(), Some(PhysAddr(0x5000)));
        let walk = table.translate(Iova(0x1234_5678));
        assert_eq!(walk.outcome.pa(), Some(PhysAddr(0x8ABC_D678)));
        assert_eq!(walk.steps.len(), 2);
        let walk = table.translate(Iova(0x9454_5678));
        assert_eq!(walk.outcome.pa(), Some(PhysAddr(0x9454_5678)));
        assert_eq!(walk.outcome.level(), 1);
        let walk = table.translate(Iova(0x0000_1000));
        assert!(walk.via_zero_lv2_table);
        assert_eq!(walk.outcome.stop_reason(), Some(StopReason::ZeroLv2Link));
        assert_eq!(walk.outcome.level(), 2);
    }

    #[test]
    fn a_table_outside_memory_is_unreadable() {
        let memory = memory();
        let table = PageTable::load(
            &memory,
            PteFormat::new(Layout::V1, Conventions::Mainline),
            PhysAddr(0x10_0000),
        );
        assert!(!table.lv1_in_dump());
        let walk = table.translate(Iova(0));
        assert_eq!(walk.outcome.result(), "unreadable");
    }
}
