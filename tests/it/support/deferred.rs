//! Reading `probe-deferred-unresolved` (PS201) findings: one finding per root cause, each
//! listing the devices it keeps deferred.

use probescope::rules::Finding;
use std::collections::BTreeSet;

const RULE: &str = "probe-deferred-unresolved";

/// Every device PS201 reports still deferred, across its root-cause findings.
pub fn still_deferred(findings: &[Finding]) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.rule == RULE)
        .flat_map(|f| f.blocks.iter().map(|b| b.device.clone()))
        .collect()
}

/// The PS201 finding that lists `device` among those its root cause keeps deferred.
pub fn deferral_of<'a>(findings: &'a [Finding], device: &str) -> Option<&'a Finding> {
    findings
        .iter()
        .find(|f| f.rule == RULE && f.blocks.iter().any(|b| b.device == device))
}
