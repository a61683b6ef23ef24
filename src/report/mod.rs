//! Renderers: one file per output format, each pinned by tests. Rules never print; the check
//! command builds a [`Report`] and hands it to a renderer.

pub mod graph;
pub mod json;
pub mod table;

use crate::ingest::InputInfo;
use crate::rules::Finding;

/// The JSON contract's version; bumped on a breaking change.
pub const REPORT_VERSION: u32 = 1;

/// The outcome of analysing one boot.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The boot's name (a directory, the first input, or `--boot NAME`).
    pub boot: String,
    pub inputs: Vec<InputInfo>,
    pub findings: Vec<Finding>,
    /// What could not be read, what was assumed, what is missing.
    pub notes: Vec<String>,
}
