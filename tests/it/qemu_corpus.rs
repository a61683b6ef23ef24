//! Every scenario of the QEMU corpus analysed from its folder: the (rule, subject) pairs of the
//! IOMMU-ordering rules equal what the scenario's truth.json implies, and the same pairs come
//! from the text dumps alone and from the sysfs mirrors alone.

use crate::support::corpus::qemu_scenarios as scenarios;
use probescope::commands::check::analyse;
use probescope::ingest::discover::InputSpec;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const ORDER_RULES: &[&str] = &[
    "iommu-consumer-probed-before-iommu",
    "iommu-consumer-without-iommu",
    "iommu-dependency-ignored",
    "iommu-group-missing",
];

type Pairs = BTreeSet<(String, String)>;

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// What truth.json implies: consumers bound without their IOMMU, split by whether the IOMMU
/// bound later; consumers the timeout let go ahead that are not among those.
fn expected(dir: &Path) -> Pairs {
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let summary = &truth["summary"];
    let iommu_of = |consumer: &str| -> String {
        truth["consumers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["device"] == consumer)
            .and_then(|c| c["iommu"].as_str())
            .unwrap_or_else(|| panic!("{}: no consumer {consumer}", dir.display()))
            .to_string()
    };
    let bound_later = |iommu: &str| {
        !summary["iommu_bound_at"][iommu].is_null() || summary["iommu_bound_window"].get(iommu).is_some()
    };
    let mut pairs = Pairs::new();
    for consumer in strings(&summary["bound_without_iommu"]) {
        let rule = if bound_later(&iommu_of(&consumer)) {
            "iommu-consumer-probed-before-iommu"
        } else {
            "iommu-consumer-without-iommu"
        };
        pairs.insert((rule.to_string(), consumer));
    }
    // One cause, one finding: a consumer reported as bound before or without its IOMMU
    // carries its "ignoring dependency" line there.
    let raced = strings(&summary["bound_without_iommu"]);
    for consumer in strings(&summary["timeout_ignored_dependency"]) {
        if !raced.contains(&consumer) {
            pairs.insert(("iommu-dependency-ignored".to_string(), consumer));
        }
    }
    pairs
}

fn found(spec: &InputSpec) -> Pairs {
    let (_, report) = analyse(spec).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
    report
        .findings
        .iter()
        .filter(|f| ORDER_RULES.contains(&f.rule))
        .map(|f| (f.rule.to_string(), f.subject.clone()))
        .collect()
}

#[test]
fn every_scenario_folder_gives_the_truths_findings() {
    for dir in scenarios() {
        let spec = InputSpec {
            paths: vec![dir.clone()],
            ..InputSpec::default()
        };
        assert_eq!(found(&spec), expected(&dir), "{}", dir.display());
    }
}

/// A folder with links to some of a scenario's entries.
fn subset(dir: &Path, keep: impl Fn(&str, bool) -> bool) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        if keep(&name, entry.path().is_dir()) {
            std::os::unix::fs::symlink(entry.path(), temp.path().join(&name)).unwrap();
        }
    }
    temp
}

#[test]
fn text_dumps_alone_and_sysfs_mirrors_alone_agree() {
    for dir in scenarios() {
        let expected = expected(&dir);
        // Text dumps: every plain file (logs, devlink and devices_deferred dumps, device
        // tables, the dtb), no sysfs mirror.
        let text = subset(&dir, |name, is_dir| !is_dir && !name.ends_with(".json"));
        let spec = InputSpec {
            paths: vec![text.path().to_path_buf()],
            ..InputSpec::default()
        };
        assert_eq!(found(&spec), expected, "text dumps of {}", dir.display());
        // Sysfs mirrors (each snapshot's tree, with the device tree inside) plus the kernel log.
        let mirrors = subset(&dir, |name, is_dir| {
            (is_dir && name.starts_with("sysfs")) || name == "dmesg.txt"
        });
        let spec = InputSpec {
            paths: vec![mirrors.path().to_path_buf()],
            ..InputSpec::default()
        };
        assert_eq!(found(&spec), expected, "sysfs mirrors of {}", dir.display());
    }
}
