//! Page-table entry formats: a typed entry per level that decodes itself.
//!
//! Mainline (drivers/iommu/exynos-iommu.c): lv1 type = bits [1:0] (`lv1ent_fault`,
//! `lv1ent_page`, `lv1ent_section`), lv2 small = bit 1 set, large = bits [1:0] = 01; every
//! stored address is `PA >> PG_ENT_SHIFT` (0 on v1–v3, 4 on v5+), link bases masked with
//! `0xFFFFFFC0` (`lv2table_base`). Downstream Samsung v5+ kernels read lv1 bits [2:0]
//! (`FLPD_FLAG_MASK`) and need lv2 bits [1:0] = 10 exactly for a small page; the legacy
//! downstream reading of v1–v3 tables adds the 16 MiB supersection (section with bit 18).

use super::addr::{PhysAddr, LPAGE_SIZE, SECTION_SIZE, SPAGE_SIZE};
use super::layout::{Conventions, Layout};
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;

/// Access permission bits as mainline writes them (`SYSMMU_LV1_PROT`, `SYSMMU_V5_LV1_PROT`, …);
/// only enforced with CFG.EAP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Prot {
    None,
    R,
    W,
    Rw,
}

impl Prot {
    pub fn allows(self, write: bool) -> bool {
        match self {
            Prot::None => false,
            Prot::R => !write,
            Prot::W => write,
            Prot::Rw => true,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Prot::None => "none",
            Prot::R => "r",
            Prot::W => "w",
            Prot::Rw => "rw",
        }
    }
}

/// The attribute bits of a leaf under both readings: mainline permissions and downstream's
/// shareable bit (`set_lv1ent_shareable`, `set_lv2ent_shareable`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, JsonSchema)]
pub struct Attributes {
    pub prot: Prot,
    pub shareable: bool,
}

/// What a leaf maps.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LeafKind {
    /// 1 MiB lv1 section.
    Section,
    /// 16 MiB supersection (legacy downstream v1–v3 only).
    #[serde(rename = "spsection")]
    Supersection,
    /// 64 KiB large page (16 identical lv2 entries).
    Lpage,
    /// 4 KiB small page.
    Spage,
    /// A 4 KiB piece of an incomplete or inconsistent large-page group.
    LpagePartial,
}

impl LeafKind {
    pub fn name(self) -> &'static str {
        match self {
            LeafKind::Section => "section",
            LeafKind::Supersection => "spsection",
            LeafKind::Lpage => "lpage",
            LeafKind::Spage => "spage",
            LeafKind::LpagePartial => "lpage_partial",
        }
    }

    /// The bytes one translation through this kind covers.
    pub fn page_size(self) -> u64 {
        match self {
            LeafKind::Section => SECTION_SIZE,
            LeafKind::Supersection => 16 * SECTION_SIZE,
            LeafKind::Lpage => LPAGE_SIZE,
            LeafKind::Spage | LeafKind::LpagePartial => SPAGE_SIZE,
        }
    }
}

/// A decoded level-1 entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lv1Entry {
    /// Low bits 00: no mapping.
    Fault { raw: u32 },
    /// An encoding the driver family treats as invalid (mainline: bits 11; downstream v5+: bits
    /// [2:0] of 3–7).
    Reserved { raw: u32 },
    /// 1 MiB section at `pa`.
    Section {
        raw: u32,
        pa: PhysAddr,
        attrs: Attributes,
    },
    /// 16 MiB supersection at `pa` (legacy downstream v1–v3).
    Supersection {
        raw: u32,
        pa: PhysAddr,
        attrs: Attributes,
    },
    /// Link to the 1 KiB level-2 table at `table`.
    Link { raw: u32, table: PhysAddr },
}

/// A decoded level-2 entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lv2Entry {
    Fault {
        raw: u32,
    },
    /// Bits 11 under the downstream reading (mainline reads them as a small page).
    Reserved {
        raw: u32,
    },
    /// 64 KiB large page at `pa` (written into 16 consecutive slots).
    Large {
        raw: u32,
        pa: PhysAddr,
        attrs: Attributes,
    },
    /// 4 KiB small page at `pa`.
    Small {
        raw: u32,
        pa: PhysAddr,
        attrs: Attributes,
    },
}

impl Lv1Entry {
    pub fn raw(&self) -> u32 {
        match *self {
            Lv1Entry::Fault { raw }
            | Lv1Entry::Reserved { raw }
            | Lv1Entry::Section { raw, .. }
            | Lv1Entry::Supersection { raw, .. }
            | Lv1Entry::Link { raw, .. } => raw,
        }
    }
}

impl Lv2Entry {
    pub fn raw(&self) -> u32 {
        match *self {
            Lv2Entry::Fault { raw }
            | Lv2Entry::Reserved { raw }
            | Lv2Entry::Large { raw, .. }
            | Lv2Entry::Small { raw, .. } => raw,
        }
    }
}

impl fmt::Debug for Lv1Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lv1Entry({:#010x}: {})", self.raw(), self)
    }
}

impl fmt::Display for Lv1Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lv1Entry::Fault { raw: 0 } => f.write_str("fault (empty)"),
            Lv1Entry::Fault { .. } => f.write_str("fault (low bits 00, other bits set)"),
            Lv1Entry::Reserved { .. } => f.write_str("reserved encoding (treated as fault)"),
            Lv1Entry::Section { pa, attrs, .. } => {
                write!(f, "1 MiB section at {pa}, prot {}", attrs.prot.name())?;
                if attrs.shareable {
                    f.write_str(", shareable")?;
                }
                Ok(())
            }
            Lv1Entry::Supersection { pa, .. } => write!(f, "16 MiB supersection at {pa}"),
            Lv1Entry::Link { table, .. } => write!(f, "link to lv2 table at {table}"),
        }
    }
}

impl fmt::Debug for Lv2Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lv2Entry({:#010x}: {})", self.raw(), self)
    }
}

impl fmt::Display for Lv2Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attrs = |f: &mut fmt::Formatter<'_>, attrs: &Attributes| {
            write!(f, ", prot {}", attrs.prot.name())?;
            if attrs.shareable {
                f.write_str(", shareable")?;
            }
            Ok(())
        };
        match self {
            Lv2Entry::Fault { raw: 0 } => f.write_str("fault (empty)"),
            Lv2Entry::Fault { .. } => f.write_str("fault (low bits 00, other bits set)"),
            Lv2Entry::Reserved { .. } => f.write_str("reserved encoding (low bits 11, treated as fault)"),
            Lv2Entry::Large { pa, attrs: a, .. } => {
                write!(f, "64 KiB large page at {pa}")?;
                attrs(f, a)
            }
            Lv2Entry::Small { pa, attrs: a, .. } => {
                write!(f, "4 KiB small page at {pa}")?;
                attrs(f, a)
            }
        }
    }
}

/// How entries of one SysMMU's tables are encoded and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PteFormat {
    pub layout: Layout,
    pub conventions: Conventions,
}

impl PteFormat {
    pub fn new(layout: Layout, conventions: Conventions) -> PteFormat {
        PteFormat { layout, conventions }
    }

    /// `PG_ENT_SHIFT`: 0 on v1–v3, 4 on v5 and later.
    pub fn shift(&self) -> u32 {
        self.layout.pte_shift()
    }

    fn legacy(&self) -> bool {
        self.layout == Layout::V1
    }

    fn entry_phys(&self, raw: u32) -> u64 {
        u64::from(raw) << self.shift()
    }

    fn lv1_attrs(&self, raw: u32) -> Attributes {
        if self.legacy() {
            Attributes {
                prot: legacy_prot(raw >> 10 & 1 != 0, raw >> 15 & 1 != 0),
                shareable: raw & (1 << 16) != 0,
            }
        } else {
            Attributes {
                prot: v5_prot((raw >> 4) & 3),
                shareable: raw & (1 << 6) != 0,
            }
        }
    }

    fn lv2_attrs(&self, raw: u32) -> Attributes {
        if self.legacy() {
            Attributes {
                prot: legacy_prot(raw >> 4 & 1 != 0, raw >> 9 & 1 != 0),
                shareable: raw & (1 << 10) != 0,
            }
        } else {
            Attributes {
                prot: v5_prot((raw >> 2) & 3),
                shareable: raw & (1 << 4) != 0,
            }
        }
    }

    /// The level-2 table base of a link entry (`lv2table_base`).
    pub fn link_base(&self, raw: u32) -> PhysAddr {
        PhysAddr(self.entry_phys(raw & 0xFFFF_FFC0))
    }

    pub fn lv1(&self, raw: u32) -> Lv1Entry {
        let downstream_v5 = self.conventions == Conventions::Downstream && !self.legacy();
        let kind = if downstream_v5 { raw & 7 } else { raw & 3 };
        match kind {
            0 => Lv1Entry::Fault { raw },
            1 => Lv1Entry::Link {
                raw,
                table: self.link_base(raw),
            },
            2 => {
                let attrs = self.lv1_attrs(raw);
                // Legacy downstream (7420/8890-era) v1–v3: bit 18 of a section marks a 16 MiB
                // supersection written into 16 lv1 slots; mainline reads each as a 1 MiB section.
                if self.conventions == Conventions::Downstream && self.legacy() && raw & (1 << 18) != 0 {
                    Lv1Entry::Supersection {
                        raw,
                        pa: PhysAddr(u64::from(raw & 0xFF00_0000)),
                        attrs,
                    }
                } else {
                    Lv1Entry::Section {
                        raw,
                        pa: PhysAddr(self.entry_phys(raw) & !(SECTION_SIZE - 1)),
                        attrs,
                    }
                }
            }
            _ => Lv1Entry::Reserved { raw },
        }
    }

    pub fn lv2(&self, raw: u32) -> Lv2Entry {
        match raw & 3 {
            0 => Lv2Entry::Fault { raw },
            1 => Lv2Entry::Large {
                raw,
                pa: PhysAddr(self.entry_phys(raw) & !(LPAGE_SIZE - 1)),
                attrs: self.lv2_attrs(raw),
            },
            3 if self.conventions == Conventions::Downstream && !self.legacy() => Lv2Entry::Reserved { raw },
            _ => Lv2Entry::Small {
                raw,
                pa: PhysAddr(self.entry_phys(raw) & !(SPAGE_SIZE - 1)),
                attrs: self.lv2_attrs(raw),
            },
        }
    }
}

/// v1–v3: bit "access" and bit "read-only"; write-only is not expressible and maps to rw.
fn legacy_prot(access: bool, read_only: bool) -> Prot {
    match (access, read_only) {
        (true, true) => Prot::R,
        (true, false) => Prot::Rw,
        _ => Prot::None,
    }
}

fn v5_prot(bits: u32) -> Prot {
    match bits {
        1 => Prot::R,
        2 => Prot::W,
        3 => Prot::Rw,
        _ => Prot::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: PteFormat = PteFormat {
        layout: Layout::V1,
        conventions: Conventions::Mainline,
    };
    const V5: PteFormat = PteFormat {
        layout: Layout::V5,
        conventions: Conventions::Mainline,
    };

    // The worked examples of the reference (§11).
    #[test]
    fn decodes_v1_examples() {
        assert_eq!(
            V1.lv1(0x6E43_2C01),
            Lv1Entry::Link {
                raw: 0x6E43_2C01,
                table: PhysAddr(0x6E43_2C00)
            }
        );
        match V1.lv2(0x8ABC_D012) {
            Lv2Entry::Small { pa, attrs, .. } => {
                assert_eq!(pa, PhysAddr(0x8ABC_D000));
                assert_eq!(attrs.prot, Prot::Rw);
            }
            other => panic!("{other:?}"),
        }
        match V1.lv1(0x9450_0402) {
            Lv1Entry::Section { pa, .. } => assert_eq!(pa, PhysAddr(0x9450_0000)),
            other => panic!("{other:?}"),
        }
        match V1.lv2(0x7711_0011) {
            Lv2Entry::Large { pa, .. } => assert_eq!(pa, PhysAddr(0x7711_0000)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_v5_examples_above_4_gib() {
        assert_eq!(V5.link_base(0x089A_BCC1), PhysAddr(0x89AB_CC00));
        match V5.lv2(0x8800_120E) {
            Lv2Entry::Small { pa, attrs, .. } => {
                assert_eq!(pa, PhysAddr(0x8_8001_2000));
                assert_eq!(attrs.prot, Prot::Rw);
            }
            other => panic!("{other:?}"),
        }
        match V5.lv1(0x9456_0032) {
            Lv1Entry::Section { pa, .. } => assert_eq!(pa, PhysAddr(0x9_4560_0000)),
            other => panic!("{other:?}"),
        }
        match V5.lv2(0x8123_400D) {
            Lv2Entry::Large { pa, .. } => assert_eq!(pa, PhysAddr(0x8_1234_0000)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn downstream_reads_v5_types_from_three_bits() {
        let downstream = PteFormat::new(Layout::V5, Conventions::Downstream);
        assert!(matches!(V5.lv1(0x1234_5674), Lv1Entry::Fault { .. }));
        assert!(matches!(downstream.lv1(0x1234_5674), Lv1Entry::Reserved { .. }));
        assert!(matches!(V5.lv1(0x1234_5675), Lv1Entry::Link { .. }));
        assert!(matches!(downstream.lv1(0x1234_5675), Lv1Entry::Reserved { .. }));
        assert!(matches!(V5.lv2(0x1234_5673), Lv2Entry::Small { .. }));
        assert!(matches!(downstream.lv2(0x1234_5673), Lv2Entry::Reserved { .. }));
    }

    #[test]
    fn legacy_downstream_supersection() {
        let downstream = PteFormat::new(Layout::V1, Conventions::Downstream);
        assert!(matches!(
            downstream.lv1(0xb604_0002),
            Lv1Entry::Supersection {
                pa: PhysAddr(0xb600_0000),
                ..
            }
        ));
        assert!(matches!(V1.lv1(0xb604_0002), Lv1Entry::Section { .. }));
    }
}
