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
use std::borrow::Cow;

/// One device explained.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
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
    pub notes: Cow<'a, [String]>,
    /// The device's own events and the root causes' evidence, without repeats.
    pub evidence: Cow<'a, [Evidence]>,
}

/// One chain from the device to what really blocks it.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct RootCauseReport<'a> {
    /// The last device of the chain (the one the blocker is about).
    pub device: Option<&'a str>,
    /// The blocker in one sentence.
    pub why: String,
    pub blocker: Cow<'a, Blocker>,
    /// Kernel names, from the device asked about to the blocker.
    pub chain: Cow<'a, [String]>,
    /// One line per step: why each device waits for the next.
    pub steps: Cow<'a, [String]>,
}

impl<'a> RootCauseReport<'a> {
    pub fn new(cause: &'a RootCause) -> Self {
        RootCauseReport {
            device: cause.chain.last().map(String::as_str),
            why: cause.blocker.describe(),
            blocker: Cow::Borrowed(&cause.blocker),
            chain: Cow::Borrowed(&cause.chain),
            steps: Cow::Borrowed(&cause.steps),
        }
    }
}

/// The explanation as its document, indented, ending with a newline.
pub fn render(report: WhyReport<'_>) -> Result<String> {
    Document::new("why", report).to_pretty_json()
}

/// `why DEVICE --chain --format json`: the chain of suppliers that gated the device's bind
/// (`schema/why-chain.json`).
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
// `&'static str` fields (fixed words) read back from a `'static` text only.
#[serde(bound(deserialize = "'de: 'static"))]
pub struct ChainReport {
    pub device: String,
    pub state: DeviceStatus,
    /// The device is not bound: the chain is the chain of waits to what blocks it (the first
    /// root cause `why` gives).
    pub blocked: bool,
    /// From the device asked about to the first supplier that gated nothing further.
    pub chain: Vec<ChainLinkReport>,
    /// Suppliers along the chain that the consumer's bind did not wait for.
    pub not_waited: Vec<NotWaitedReport>,
}

/// One device of the chain and when it became ready.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
// `&'static str` fields (fixed words) read back from a `'static` text only.
#[serde(bound(deserialize = "'de: 'static"))]
pub struct ChainLinkReport {
    pub device: String,
    /// The edge to the device before it on the chain (`managed`, `dt-iommu`, ...); absent for
    /// the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub ready: ReadyReport,
}

/// When a device became ready.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct ReadyReport {
    /// `at` (the evidence shows when), `never` (a final snapshot shows it unbound), `unknown`.
    pub state: &'static str,
    /// Seconds since boot, when the record is timed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// What shows it (the bind line, the first line of its driver, a snapshot).
    #[serde(skip_serializing_if = "Option::is_none")]
    // Owned when read back: a basis may hold quotes, which JSON escapes, and an escaped
    // string cannot be borrowed from the text.
    pub basis: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// A supplier the consumer went ahead without.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct NotWaitedReport {
    pub consumer: String,
    pub supplier: String,
    pub via: String,
    /// For an IOMMU edge, the IOMMU the firmware names, when it is not the supplier itself
    /// (virtio-iommu: the PCI function; the supplier is the virtio device that registers it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iommu: Option<String>,
    pub ready: ReadyReport,
    /// `after` (ready after the consumer bound) or `unknown` (not ordered by the evidence).
    pub order: &'static str,
}

/// The chain as its document.
pub fn render_chain(report: ChainReport) -> Result<String> {
    Document::new("why", report).to_pretty_json()
}
