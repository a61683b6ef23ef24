//! `why --format json`: one device's state and the chains to what blocks it, as a document of
//! the contract (schema `schema/why.json`):
//! `{"schema", "tool", "command": "why", "device", "firmware_node"?, "state", "moment", "root_causes": [{"device",
//! "why", "blocker": {"kind", ...}, "chain", "steps"}], "notes", "evidence"}`.

use super::contract::Document;
use crate::blockers::{Blocker, DeviceStatus, RootCause};
use crate::error::Result;
use crate::model::Evidence;
use schemars::JsonSchema;
use serde::Serialize;

/// One device explained.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WhyReport<'a> {
    /// The device's kernel name.
    pub device: &'a str,
    /// Its device-tree node, given once: from the device tree, or the path the device was
    /// asked for by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_node: Option<&'a str>,
    pub state: DeviceStatus,
    /// The snapshot analysed (`--at`), or `end` for the end of the capture.
    pub moment: &'a str,
    pub root_causes: Vec<RootCauseReport<'a>>,
    /// What a bound device's state does not say: bound before its IOMMU, or without it.
    pub notes: &'a [String],
    /// The device's own events and the root causes' evidence, without repeats.
    pub evidence: &'a [Evidence],
}

/// One chain from the device to what really blocks it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RootCauseReport<'a> {
    /// The last device of the chain (the one the blocker is about).
    pub device: Option<&'a str>,
    /// The blocker in one sentence.
    pub why: String,
    pub blocker: &'a Blocker,
    /// Kernel names, from the device asked about to the blocker.
    pub chain: &'a [String],
    /// One line per step: why each device waits for the next.
    pub steps: &'a [String],
}

impl<'a> RootCauseReport<'a> {
    pub fn new(cause: &'a RootCause) -> Self {
        RootCauseReport {
            device: cause.chain.last().map(String::as_str),
            why: cause.blocker.describe(),
            blocker: &cause.blocker,
            chain: &cause.chain,
            steps: &cause.steps,
        }
    }
}

/// The explanation as its document, indented, ending with a newline.
pub fn render(report: WhyReport<'_>) -> Result<String> {
    Document::new("why", report).to_pretty_json()
}
