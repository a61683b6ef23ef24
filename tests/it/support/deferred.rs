//! Reading root-cause findings: PS201 (one finding per root cause, each listing the devices
//! it keeps deferred) and PS206 (a failed probe, listing what it keeps deferred).

use probescope::rules::Finding;
use std::collections::BTreeSet;

const RULE: &str = "probe-deferred-unresolved";

/// Every device reported still deferred, across the root-cause findings (PS201, and PS206 for
/// a supplier whose probe failed).
pub fn still_deferred(findings: &[Finding]) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.rule == RULE || !f.blocks.is_empty())
        .flat_map(|f| f.blocks.iter().map(|b| b.device.clone()))
        .collect()
}

/// The root-cause finding that lists `device` among those its cause keeps deferred.
pub fn deferral_of<'a>(findings: &'a [Finding], device: &str) -> Option<&'a Finding> {
    findings
        .iter()
        .find(|f| (f.rule == RULE || !f.blocks.is_empty()) && f.blocks.iter().any(|b| b.device == device))
}
