//! Explaining a fault: given its kind and access (from INT_STATUS or a kernel fault line) and what
//! the page table says about the faulting address (a walk through memory, or the lv1/lv2 entries
//! the kernel printed), name the cause: no lv1 entry, no lv2 entry, a permission mismatch, a
//! page-table-walk error, or a fault that is not about translation at all.

use super::pte::{Lv1Entry, Lv2Entry, Prot, PteFormat};
use super::regs::{Access, FaultKind};
use super::walk::{Outcome, StopReason, Walk};
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt;

/// Why the SysMMU faulted, as far as the evidence shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultCause {
    /// The lv1 entry of the address is invalid.
    Lv1Fault,
    /// The lv1 entry links a table (possibly the shared zero table) whose entry is invalid.
    Lv2Fault,
    /// The address is mapped but the entry's permission does not allow the access.
    Permission,
    /// The SysMMU could not read its page table.
    PtwError,
    /// Multi-hit, bus error or an unnamed bit: the walk is shown but is not the cause.
    NotTranslation,
    /// A translation fault, yet the table maps the address now (mapped after the fault, or a
    /// stale TLB entry that was never flushed).
    MappedAtDump,
    /// The walk could not be read, so the cause is not known.
    Unknown,
}

impl FaultCause {
    pub fn token(self) -> &'static str {
        match self {
            FaultCause::Lv1Fault => "lv1_fault",
            FaultCause::Lv2Fault => "lv2_fault",
            FaultCause::Permission => "permission",
            FaultCause::PtwError => "ptw_error",
            FaultCause::NotTranslation => "not_translation",
            FaultCause::MappedAtDump => "mapped_at_dump",
            FaultCause::Unknown => "unknown",
        }
    }
}

impl fmt::Display for FaultCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// What the page table says about the faulting address, however that was learnt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableAnswer {
    Mapped {
        prot: Prot,
    },
    Fault {
        level: u8,
        zero_link: bool,
    },
    Unreadable {
        level: u8,
    },
    /// No table evidence at all.
    Unknown,
}

impl TableAnswer {
    pub fn from_walk(walk: &Walk) -> TableAnswer {
        match walk.outcome {
            Outcome::Mapped { attrs, .. } => TableAnswer::Mapped { prot: attrs.prot },
            Outcome::Fault { level, reason } => TableAnswer::Fault {
                level,
                zero_link: reason == StopReason::ZeroLv2Link,
            },
            Outcome::Unreadable { level, .. } => TableAnswer::Unreadable { level },
        }
    }

    /// From the entries a kernel printed after its fault line (`Lv1 entry`, `Lv2 entry`).
    /// Mainline prints no lv2 entry for a zero-table link (`lv1ent_page()` excludes
    /// `ZERO_LV2LINK`), so a link without one means the empty-slot link when `lv2` is None.
    pub fn from_logged_entries(format: PteFormat, lv1: u32, lv2: Option<u32>) -> TableAnswer {
        match format.lv1(lv1) {
            Lv1Entry::Fault { .. } | Lv1Entry::Reserved { .. } => TableAnswer::Fault {
                level: 1,
                zero_link: false,
            },
            Lv1Entry::Section { attrs, .. } | Lv1Entry::Supersection { attrs, .. } => {
                TableAnswer::Mapped { prot: attrs.prot }
            }
            Lv1Entry::Link { .. } => match lv2.map(|raw| format.lv2(raw)) {
                None => TableAnswer::Fault {
                    level: 2,
                    zero_link: true,
                },
                Some(Lv2Entry::Fault { .. } | Lv2Entry::Reserved { .. }) => TableAnswer::Fault {
                    level: 2,
                    zero_link: false,
                },
                Some(Lv2Entry::Large { attrs, .. } | Lv2Entry::Small { attrs, .. }) => {
                    TableAnswer::Mapped { prot: attrs.prot }
                }
            },
        }
    }
}

/// Names the cause of a fault and says why in a sentence.
pub fn explain(
    kind: FaultKind,
    access: Access,
    answer: TableAnswer,
    eap: Option<bool>,
) -> (FaultCause, String) {
    match kind {
        FaultKind::MultiHit => (
            FaultCause::NotTranslation,
            "a TLB multi-hit: two TLB entries matched the address (usually a missing TLB flush after a \
             remap); the table walk below is for reference only"
                .into(),
        ),
        FaultKind::BusError => (
            FaultCause::NotTranslation,
            "a bus error from the slave behind the SysMMU: the translated access itself failed (the \
             physical address is not backed, or the slave is powered down); the walk is for reference only"
                .into(),
        ),
        FaultKind::Reserved | FaultKind::Unknown => (
            FaultCause::NotTranslation,
            "an interrupt bit the drivers do not name as a translation fault".into(),
        ),
        FaultKind::Ptw => {
            let detail = match answer {
                TableAnswer::Unreadable { level } => format!(
                    "the lv{level} table is not in the memory dump either: check that the table memory \
                     exists and is reachable by the SysMMU"
                ),
                TableAnswer::Unknown => "no table evidence was given".into(),
                _ => "the tables read fine from the dump, so the SysMMU's own bus access to them failed \
                      (wrong PT base, secure or powered-down memory)"
                    .into(),
            };
            (
                FaultCause::PtwError,
                format!("the SysMMU could not read its page table while walking: {detail}"),
            )
        }
        FaultKind::Page => match answer {
            TableAnswer::Fault { level: 1, .. } => (
                FaultCause::Lv1Fault,
                "no lv1 entry: nothing is mapped in this 1 MiB (the master used an address it was never \
                 given, or used it after it was unmapped)"
                    .into(),
            ),
            TableAnswer::Fault { zero_link: true, .. } => (
                FaultCause::Lv2Fault,
                "the lv1 slot is empty (it links the shared zero lv2 table, mainline ZERO_LV2LINK), so the \
                 walk faulted at level 2: nothing is mapped in this 1 MiB"
                    .into(),
            ),
            TableAnswer::Fault { .. } => (
                FaultCause::Lv2Fault,
                "no lv2 entry: the 1 MiB has a lv2 table but this 4 KiB page is not mapped".into(),
            ),
            TableAnswer::Mapped { .. } => (
                FaultCause::MappedAtDump,
                "the table maps this address now: it was mapped after the fault, or the SysMMU used a stale \
                 TLB entry (a missing flush after map/unmap)"
                    .into(),
            ),
            TableAnswer::Unreadable { level } => (
                FaultCause::Unknown,
                format!("the lv{level} table is not in the memory dump, so the cause cannot be shown"),
            ),
            TableAnswer::Unknown => (
                FaultCause::Unknown,
                "a translation fault; give the memory dump (or the logged Lv1/Lv2 entries) to see which \
                 level was missing"
                    .into(),
            ),
        },
        FaultKind::AccessProtection | FaultKind::SecurityProtection => {
            let what = if kind == FaultKind::AccessProtection {
                "access-protection"
            } else {
                "security-protection"
            };
            match answer {
                TableAnswer::Mapped { prot } => {
                    let write = access == Access::Write;
                    let verdict = match (access, kind) {
                        (_, FaultKind::SecurityProtection) => {
                            "the master's security state does not match the page's".to_string()
                        }
                        (Access::Unknown, _) => format!("the entry's permission is {}", prot.name()),
                        _ if !prot.allows(write) => format!(
                            "the entry allows {}, the master did a {access}",
                            if prot == Prot::None {
                                "no access"
                            } else {
                                prot.name()
                            }
                        ),
                        _ => format!(
                            "the entry allows {} now, so the permission changed after the fault or the TLB \
                             held an older entry",
                            prot.name()
                        ),
                    };
                    let eap_note = if eap == Some(false) {
                        " (CFG.EAP is clear in the registers, so permissions should not be enforced)"
                    } else {
                        ""
                    };
                    (
                        FaultCause::Permission,
                        format!("{what} fault on a mapped page: {verdict}{eap_note}"),
                    )
                }
                TableAnswer::Fault { level: 1, .. } => (
                    FaultCause::Lv1Fault,
                    format!("an {what} fault, but the address has no lv1 entry in the table now"),
                ),
                TableAnswer::Fault { .. } => (
                    FaultCause::Lv2Fault,
                    format!("an {what} fault, but the address has no lv2 entry in the table now"),
                ),
                TableAnswer::Unreadable { level } => (
                    FaultCause::Unknown,
                    format!("the lv{level} table is not in the memory dump"),
                ),
                TableAnswer::Unknown => (
                    FaultCause::Permission,
                    format!("an {what} fault; give the memory dump to see the entry's permission"),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmmu::layout::{Conventions, Layout};

    #[test]
    fn causes_follow_kind_and_table() {
        let cause = |kind, access, answer| explain(kind, access, answer, Some(true)).0;
        let lv2 = TableAnswer::Fault {
            level: 2,
            zero_link: true,
        };
        assert_eq!(cause(FaultKind::Page, Access::Read, lv2), FaultCause::Lv2Fault);
        assert_eq!(
            cause(
                FaultKind::AccessProtection,
                Access::Write,
                TableAnswer::Mapped { prot: Prot::R }
            ),
            FaultCause::Permission
        );
        assert_eq!(
            cause(FaultKind::Ptw, Access::Read, TableAnswer::Unreadable { level: 2 }),
            FaultCause::PtwError
        );
        assert_eq!(
            cause(FaultKind::BusError, Access::Unknown, lv2),
            FaultCause::NotTranslation
        );
    }

    #[test]
    fn logged_link_without_lv2_line_is_the_zero_link() {
        let format = PteFormat::new(Layout::V5, Conventions::Mainline);
        assert_eq!(
            TableAnswer::from_logged_entries(format, 0x043b_13c1, None),
            TableAnswer::Fault {
                level: 2,
                zero_link: true
            }
        );
        assert_eq!(
            TableAnswer::from_logged_entries(format, 0, None),
            TableAnswer::Fault {
                level: 1,
                zero_link: false
            }
        );
    }
}

/// A fault line explained against whatever else is known: the walk of its address when a page
/// table can be read (the line's own page-table base first, else the registers'), otherwise the
/// kind alone. For callers outside the sysmmu command (the boot checker's `iommu-fault`).
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct ReportExplanation {
    pub walk: Option<super::walk::Walk>,
    pub cause: FaultCause,
    pub explanation: String,
}

/// Explains a parsed fault line. `registers` gives the layout (entry format), the PT base when the
/// line has none, and CFG.EAP; `memory` the page tables.
pub fn explain_report(
    report: &super::faultlog::FaultReport,
    registers: Option<&super::regs::RegisterDecode>,
    memory: Option<&dyn super::memory::PhysMemory>,
) -> ReportExplanation {
    let walk =
        match (registers, memory) {
            (Some(registers), Some(memory)) => report
                .page_table_base
                .or_else(|| registers.lv1_table_pa())
                .map(|lv1| {
                    let format = PteFormat::new(registers.layout, registers.conventions);
                    super::walk::PageTable::load(memory, format, lv1).translate(report.address)
                }),
            _ => None,
        };
    let answer = walk.as_ref().map_or(TableAnswer::Unknown, TableAnswer::from_walk);
    let eap = registers.and_then(|r| r.cfg.as_ref().map(|c| c.eap));
    let (cause, explanation) = explain(report.kind, report.access, answer, eap);
    ReportExplanation {
        walk,
        cause,
        explanation,
    }
}
