//! probescope: explains, from the kernel's own evidence, why devices probed in the order they
//! did, what is still waiting for what, and whether IOMMU consumers started before their IOMMU.
//!
//! Data flows one way, and imports point down this list only (checked by `layering.rs`):
//!
//! ```text
//! live system / SSH target ──collect──▶ bundle (plain files + manifest)
//! bundle | log files | sysfs copy ──ingest──▶ typed records with origins ──▶ Boot
//! Boot ──analysis──▶ SupplierGraph, blockers, IOMMU order, context facts (once per boot)
//! Boot + Analysis ──rules──▶ Vec<Finding> ──report──▶ table | json | junit | ...
//! register dump + memory dump ──sysmmu──▶ decoded registers, mappings, translations, faults
//! ```
//!
//! The layers, lowest first; a module may name (`crate::X`) its own layer or a lower one:
//!
//! 0. `error`, `sanitize`: what every layer shares.
//! 1. `sysmmu`: SysMMU registers, page tables and faults; knows nothing of boots.
//! 2. `model`: plain data: `Boot`, devices, links, events, facts, context; no handles, no raw
//!    records, no parsing.
//! 3. `ingest`: bytes → typed records with origins → `Boot` (`ingest::assemble`); never
//!    touches the system.
//! 4. `collect` (the only code that reads a live system or a target) and `analysis` (the
//!    supplier graph, blockers, IOMMU order, context facts: one [`analysis::Analysis`] per
//!    boot).
//! 5. `rules`: pure functions of (boot, analysis, settings) → findings; none reads log text.
//! 6. `config`: what a project configures (baselines are a report format: `report::baseline`).
//! 7. `report`: one renderer per format.
//! 8. `pipeline`: inputs → model → analysis → rules → report, as a library.
//! 9. `cli`, `commands`: arguments in, pipeline called, renderer picked; nothing below names
//!    them.

pub mod analysis;
pub mod collect;
pub mod commands;
pub mod config;
pub mod error;
pub mod ingest;
pub mod limits;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod sysmmu;

pub mod cli;

#[cfg(test)]
mod layering;

// The analyses' old paths, kept for the integration tests and other users of the library.
pub use analysis::{blockers, graph};
