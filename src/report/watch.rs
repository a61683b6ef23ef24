//! `watch --format ndjson`: one line per finding the moment the evidence makes it certain,
//! then the final report as one line. A finding line is the contract's header with
//! `"command": "watch"` and `"event": "finding"`, the boot's name, and the finding's fields as
//! `check --format json` writes them (`schema/watch-ndjson.json`); the final line is exactly
//! `check --format json`'s document of the whole stream (`"command": "check"`,
//! `schema/check.json`), so a consumer tells the end by its `command`.

use super::contract::Document;
use super::json::FindingReport;
use super::BootOutcome;
use crate::error::Result;
use crate::rules::Finding;
use schemars::JsonSchema;
use serde::Serialize;

/// What a watch line reports (one kind today; the tag leaves room for others).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WatchEvent {
    /// A finding the evidence so far makes certain: the final report will hold it.
    Finding,
}

/// One finding shown while watching.
#[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct WatchFinding<'a> {
    pub event: WatchEvent,
    /// The boot the finding belongs to (the stream's name, as the final report names it).
    pub boot: &'a str,
    #[serde(flatten)]
    pub finding: FindingReport<'a>,
}

/// One certain finding of `outcome` as one NDJSON line (ending with a newline). `fails` is
/// decided as the final report decides it (watch takes no baseline).
pub fn finding_line(outcome: &BootOutcome, finding: &Finding) -> Result<String> {
    let fails = outcome
        .threshold
        .is_some_and(|threshold| finding.severity >= threshold);
    Document::new(
        "watch",
        WatchFinding {
            event: WatchEvent::Finding,
            boot: &outcome.name,
            finding: FindingReport {
                finding: std::borrow::Cow::Borrowed(finding),
                fails,
                baseline: None,
            },
        },
    )
    .to_json_line()
}
