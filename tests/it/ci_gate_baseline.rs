//! Baselines through the command line: written on the corpus (its usable inputs), a rerun
//! against them is clean;
//! analysing S1 (SMMU early) under the boot name S2 (SMMU late) was recorded with lists S2's
//! findings as fixed; one new finding fails the run and is the only one reported as new.

use crate::support::ci_gate::{batch, code, ndjson, probescope, read_without_probe_record, usable_corpus};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const S1: &str = "fixtures/qemu/smmuv3-6.1/S1-smmu-early";
const S2: &str = "fixtures/qemu/smmuv3-6.1/S2-smmu-late";

/// A baseline file, valid against `schema/baseline.json`.
fn read_json(path: &Path) -> Value {
    let file = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    crate::support::schema::assert_valid("baseline", &file);
    file
}

fn fingerprints(entries: &Value) -> BTreeSet<(String, String, Vec<String>)> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let related = e["related"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string());
            (
                e["rule"].as_str().unwrap().to_string(),
                e["subject"].as_str().unwrap().to_string(),
                related.collect(),
            )
        })
        .collect()
}

#[test]
fn a_baseline_written_on_the_corpus_makes_the_rerun_clean() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    // A baseline is not written while an input is unusable: the corpus's usable inputs.
    let args = batch(&usable_corpus()).args;
    let written = probescope()
        .args([
            "check",
            "--format",
            "ndjson",
            "--fail-on",
            "info",
            "--write-baseline",
        ])
        .arg(&baseline)
        .args(&args)
        .output()
        .unwrap();
    // Boots read without a kernel log or devices_deferred are `unchecked` (exit 2) with or
    // without a baseline; everything else is clean once the baseline accepts its findings.
    let unread = ndjson(&written.stdout).iter().any(read_without_probe_record);
    let clean = if unread { 2 } else { 0 };
    assert_eq!(
        code(&written),
        clean,
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let file = read_json(&baseline);
    assert_eq!(file["kind"], "probescope-baseline");
    assert_eq!((&file["schema"], &file["command"]), (&2.into(), &"check".into()));
    let recorded: usize = file["boots"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_array().unwrap().len())
        .sum();
    assert!(recorded > 0, "the corpus has findings");

    let rerun = probescope()
        .args(["check", "--format", "ndjson", "--fail-on", "info", "--baseline"])
        .arg(&baseline)
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(code(&rerun), clean, "{}", String::from_utf8_lossy(&rerun.stdout));
    for boot in ndjson(&rerun.stdout) {
        assert_eq!(boot["fixed"], serde_json::json!([]), "{}", boot["boot"]);
        for finding in boot["findings"].as_array().unwrap() {
            assert_eq!(finding["baseline"], "known", "{}: {finding}", boot["boot"]);
        }
    }
    // Writing again gives the same file: fingerprints carry no line, path or time.
    let again = dir.path().join("again.json");
    let rewritten = probescope()
        .args(["check", "--format", "ndjson", "--jobs", "1", "--write-baseline"])
        .arg(&again)
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(code(&rewritten), clean);
    assert_eq!(std::fs::read(&baseline).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn the_same_boot_name_with_the_cause_removed_lists_the_fixed_entries() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    probescope()
        .args([
            "check",
            "--format",
            "ndjson",
            "--boot",
            &format!("board={S2}"),
            "--write-baseline",
        ])
        .arg(&baseline)
        .assert()
        .success();
    let recorded = fingerprints(&read_json(&baseline)["boots"]["board"]);
    assert!(
        recorded
            .iter()
            .any(|(rule, _, _)| rule == "iommu-consumer-probed-before-iommu"),
        "{recorded:?}"
    );

    // S1: the same board with the SMMU loaded early.
    let output = probescope()
        .args([
            "check",
            "--format",
            "ndjson",
            "--boot",
            &format!("board={S1}"),
            "--baseline",
        ])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "nothing new on S1");
    let boot = &ndjson(&output.stdout)[0];
    let still: BTreeSet<_> = boot["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["baseline"], "known", "{f}");
            let related = f["related"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string());
            (
                f["rule"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap().to_string(),
                {
                    let mut related: Vec<String> = related.collect();
                    related.sort();
                    related
                },
            )
        })
        .collect();
    let fixed = fingerprints(&boot["fixed"]);
    assert!(!fixed.is_empty());
    assert_eq!(
        fixed,
        recorded.difference(&still).cloned().collect::<BTreeSet<_>>()
    );
    assert!(fixed
        .iter()
        .any(|(rule, _, _)| rule == "iommu-consumer-probed-before-iommu"));

    // The table says which entries to prune.
    let table = probescope()
        .args([
            "check",
            "--color",
            "never",
            "--boot",
            &format!("board={S1}"),
            "--baseline",
        ])
        .arg(&baseline)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("note: fixed since the baseline (remove these entries):"),
        "{text}"
    );
}

#[test]
fn a_new_finding_fails_the_run_and_is_the_only_one_reported() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    probescope()
        .args(["check", S2, "--write-baseline"])
        .arg(&baseline)
        .assert()
        .success();
    let config = dir.path().join("probescope.toml");
    std::fs::write(&config, "[board]\nexpect_bound = [\"*.no-such-device\"]\n").unwrap();
    let check = |format: &str| {
        probescope()
            .args(["check", S2, "--format", format, "--config"])
            .arg(&config)
            .arg("--baseline")
            .arg(&baseline)
            .output()
            .unwrap()
    };

    let output = check("ndjson");
    assert_eq!(code(&output), 1);
    let boot = &ndjson(&output.stdout)[0];
    let new: Vec<&Value> = boot["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline"] == "new")
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["code"], "PS301");
    assert_eq!(new[0]["subject"], "*.no-such-device");
    assert!(
        boot["findings"].as_array().unwrap().len() > 1,
        "the known ones are still in the report"
    );
    let failing = boot["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fails"] == true)
        .count();
    assert_eq!(failing, 1);

    let github = String::from_utf8(check("github").stdout).unwrap();
    assert_eq!(github.lines().count(), 1, "{github}");
    assert!(github.starts_with("::error "), "{github}");
    assert!(
        github.contains("PS301 expected-device-not-bound%3A *.no-such-device"),
        "{github}"
    );

    let table = String::from_utf8(check("table").stdout).unwrap();
    assert!(table.contains("PS301"), "{table}");
    assert!(!table.contains("PS101"), "known findings are not shown: {table}");
    assert!(
        table.contains("finding(s) in the baseline, not shown."),
        "{table}"
    );
}

#[test]
fn a_baseline_is_not_written_when_an_input_was_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let output = probescope()
        .args(["check", "--format", "ndjson", "--write-baseline"])
        .arg(&baseline)
        .arg(dir.path().join("missing.log"))
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert!(!baseline.exists());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not written"));
}

#[test]
fn an_unreadable_or_foreign_baseline_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = probescope()
        .args(["check", "x", "--baseline"])
        .arg(dir.path().join("none.json"))
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("none.json"));

    let foreign = dir.path().join("foreign.json");
    std::fs::write(&foreign, "{\n  \"version\": 1,\n  \"runs\": []\n}\n").unwrap();
    let output = probescope()
        .args(["check", "x", "--baseline"])
        .arg(&foreign)
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("foreign.json:3: not a probescope baseline: unknown field `runs`"),
        "{stderr}"
    );
}
