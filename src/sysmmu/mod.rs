//! Exynos SysMMU decoding: registers, page-table formats, memory sources, walks. Knows nothing of
//! boots.
//!
//! ```text
//! register dump ──dump──▶ RegisterWindow ──regs::decode──▶ RegisterDecode (version, layout, PT base, faults)
//! memory dumps ──memory──▶ dyn PhysMemory ─┐
//! PT base + PteFormat ─────────────────────┴─▶ walk::PageTable ──translate──▶ Walk
//!                                                              ──map::map_table──▶ PageTableMap
//! fault (registers or faultlog lines) + Walk ──fault::explain──▶ FaultCause
//! ```
//!
//! The encodings follow drivers/iommu/exynos-iommu.c (mainline) and, where Samsung's vendor
//! drivers read the hardware differently, [`Conventions::Downstream`].

pub mod addr;
pub mod dump;
pub mod elf;
pub mod fault;
pub mod faultlog;
pub mod layout;
pub mod map;
pub mod memory;
pub mod pte;
pub mod regs;
pub mod walk;

pub use addr::{Iova, PhysAddr};
pub use fault::{explain, explain_report, FaultCause, ReportExplanation, TableAnswer};
pub use faultlog::{parse_fault_line, parse_fault_log, FaultLineFormat, FaultReport, LoggedFault};
pub use layout::{Conventions, HwVersion, Layout};
pub use map::{coalesce, map_table, Coalesce, Leaf, PageTableMap, Run};
pub use memory::{InMemory, MemorySet, PhysMemory, Unreadable};
pub use pte::{LeafKind, Lv1Entry, Lv2Entry, Prot, PteFormat};
pub use regs::{decode, Access, FaultKind, RegisterDecode, RegisterWindow};
pub use walk::{Outcome, PageTable, StopReason, Walk};
