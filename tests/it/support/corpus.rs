//! The corpus as the tests see it: fixture paths and the QEMU scenario folders.

use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every scenario folder (one with a truth.json) under fixtures/qemu, in name order.
pub fn qemu_scenarios() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for set in std::fs::read_dir(fixtures().join("qemu")).expect("fixtures/qemu") {
        let set = set.expect("a set folder").path();
        if !set.is_dir() {
            continue;
        }
        for scenario in std::fs::read_dir(&set).expect("a set") {
            let scenario = scenario.expect("a scenario folder").path();
            if scenario.join("truth.json").is_file() {
                found.push(scenario);
            }
        }
    }
    found.sort();
    assert!(found.len() >= 13, "the whole corpus: {found:?}");
    found
}

/// A scenario's truth.json.
pub fn truth(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("truth.json")).expect("JSON")
}

/// The subjects of one rule's findings.
pub fn subjects(findings: &[probescope::rules::Finding], rule: &str) -> std::collections::BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.subject.clone())
        .collect()
}

/// Names as a set, to compare with `subjects` or a listing.
pub fn set(names: &[&str]) -> std::collections::BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}
