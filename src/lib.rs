//! probescope: explains, from the kernel's own evidence, why devices probed in the order they
//! did, what is still waiting for what, and whether IOMMU consumers started before their IOMMU.
//!
//! Data flows one way:
//!
//! ```text
//! live system / SSH target ──collect──▶ bundle (plain files + manifest)
//! bundle | log files | sysfs copy ──ingest──▶ Boot (devices, links, events, context)
//! Boot ──graph──▶ SupplierGraph ──rules──▶ Vec<Finding> ──report──▶ table | json | ...
//! register dump + memory dump ──sysmmu──▶ decoded registers, mappings, translations, faults
//! ```

pub mod analysis;
pub mod baseline;
pub mod collect;
pub mod commands;
pub mod config;
pub mod error;
pub mod ingest;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod sysmmu;

pub mod cli;

// The analyses' old paths, kept for the integration tests and other users of the library.
pub use analysis::{blockers, graph};
