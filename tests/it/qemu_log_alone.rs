//! Unknown is not never: a kernel log is a partial view of a boot. Analysing a QEMU capture's
//! log alone must give the findings of the whole capture or weaker ones, never different ones:
//! every (rule, subject) pair from the log alone is one the whole capture also gives, and no
//! finding from the log alone says "never bound", "never arrived" or "no timeout would have
//! helped" unless the whole capture says so of the same subject.

use crate::support::corpus::qemu_scenarios as scenarios;
use probescope::cli::WhyFormat;
use probescope::commands::check::analyse;
use probescope::commands::why::explain;
use probescope::graph::SupplierGraph;
use probescope::ingest::discover::InputSpec;
use probescope::rules::Finding;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Phrases that claim an absence for the whole boot.
const ABSENCE_CLAIMS: &[&str] = &["never bound", "never arrived", "no timeout would have helped"];

fn findings(paths: Vec<std::path::PathBuf>) -> Vec<Finding> {
    report_of(paths).findings
}

fn report_of(paths: Vec<std::path::PathBuf>) -> probescope::report::Report {
    let spec = InputSpec {
        paths,
        ..InputSpec::default()
    };
    analyse(&spec).unwrap_or_else(|e| panic!("{spec:?}: {e}")).1
}

/// The whole capture's finding that a log-alone finding is the same as or weaker than: same
/// rule, and the same subject, or one the whole capture names more precisely (a device for a
/// firmware node, a root cause
/// the whole capture finds, among whose blocked devices the log-alone subject is). Without the
/// device tree or ACPI tables a log cannot name a consumer's IOMMU (the timeout finding's
/// subject is then a placeholder; the devices it cut loose are its related list) nor map an
/// IOMMU fault's stream ID to its master (its subject is then the IOMMU).
fn counterpart<'a>(finding: &Finding, whole: &'a [Finding]) -> Option<&'a Finding> {
    let names = |f: &'a Finding| -> BTreeSet<&'a str> {
        f.related
            .iter()
            .map(String::as_str)
            .chain(f.blocks.iter().map(|b| b.device.as_str()))
            .chain([f.subject.as_str()])
            .collect()
    };
    // "The kernel let it probe without its supplier" (PS103) is the weaker form of "it probed
    // before its IOMMU" / "without its IOMMU" (PS101, PS102), which name the IOMMU and what
    // became of it: one cause, one finding, so the capture gives only the stronger one.
    let covers = |rule: &str| {
        rule == finding.rule
            || (finding.rule == "iommu-dependency-ignored"
                && matches!(
                    rule,
                    "iommu-consumer-probed-before-iommu" | "iommu-consumer-without-iommu"
                ))
            // A fault whose master only the capture names is cited by that master's race
            // finding ("then it faulted: ...").
            || (finding.rule == "iommu-fault"
                && matches!(
                    rule,
                    "iommu-consumer-probed-before-iommu" | "iommu-consumer-without-iommu"
                ))
    };
    let same_rule = whole.iter().filter(|f| covers(f.rule));
    let candidates: Vec<&Finding> = same_rule.collect();
    // A firmware node the log names by its path, the whole capture by the device it became
    // (its device tree says which): the capture cites the same kernel line.
    let same_node = |f: &&&Finding| {
        finding.subject.starts_with('/')
            && f.evidence
                .iter()
                .any(|e| finding.evidence.iter().any(|mine| mine.text == e.text))
    };
    candidates
        .iter()
        .find(|f| f.subject == finding.subject)
        .or_else(|| candidates.iter().find(same_node))
        // The same fact inside another finding: a fault whose master only the capture names is
        // cited by that master's race finding (PS101 "then it faulted: ...").
        .or_else(|| {
            candidates
                .iter()
                .find(|f| f.message.contains(finding.message.as_str()))
        })
        .or_else(|| {
            let named: BTreeSet<&str> = candidates.iter().flat_map(|f| names(f)).collect();
            let covered = named.contains(finding.subject.as_str())
                || (!finding.related.is_empty()
                    && finding.related.iter().all(|r| named.contains(r.as_str())));
            covered
                .then(|| {
                    candidates
                        .iter()
                        .find(|f| names(f).contains(finding.subject.as_str()))
                        .or(candidates.first())
                })
                .flatten()
        })
        .copied()
}

fn log_alone_is_the_capture_or_weaker(dir: &Path) -> Vec<String> {
    let full = findings(vec![dir.to_path_buf()]);
    let alone = findings(vec![dir.join("dmesg.txt")]);
    part_is_the_capture_or_weaker(dir, "log alone", &alone, &full)
}

/// Every finding of a part of the capture has its counterpart among the whole capture's
/// findings, and claims no absence the whole capture does not.
fn part_is_the_capture_or_weaker(dir: &Path, part: &str, alone: &[Finding], full: &[Finding]) -> Vec<String> {
    let mut problems = Vec::new();
    for finding in alone {
        let (rule, subject, message) = (finding.rule, &finding.subject, &finding.message);
        match counterpart(finding, full) {
            None => problems.push(format!(
                "{}: {part} adds {rule} {subject}: {message}",
                dir.display()
            )),
            Some(whole) => {
                let whole = &whole.message;
                for claim in ABSENCE_CLAIMS {
                    if message.contains(claim) && !whole.contains(claim) {
                        problems.push(format!(
                            "{}: {part} claims \"{claim}\" for {rule} {subject}: {message}",
                            dir.display()
                        ));
                    }
                }
            }
        }
    }
    problems
}

#[test]
fn the_log_alone_gives_the_captures_findings_or_weaker_ones() {
    let problems: Vec<String> = scenarios()
        .iter()
        .flat_map(|dir| log_alone_is_the_capture_or_weaker(dir))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The parts of a capture a user may have instead of the whole: the log with or without the
/// device tree and the device links, or a sysfs tree alone; chosen by the kinds of files the
/// capture holds (an ACPI capture has no device tree), each part named for the failure message.
fn parts_of(dir: &Path) -> Vec<(String, Vec<PathBuf>)> {
    let present = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
    let log = present("dmesg.txt").or_else(|| present("kmsg.txt"));
    let dtb = present("fdt.dtb");
    let devlink = present("devlink-final.txt");
    let sysfs = present("sysfs");
    let candidates: [(&str, Vec<Option<PathBuf>>); 5] = [
        ("log", vec![log.clone()]),
        ("log + dtb", vec![log.clone(), dtb.clone()]),
        ("log + devlink", vec![log.clone(), devlink.clone()]),
        ("log + dtb + devlink", vec![log, dtb, devlink]),
        ("sysfs alone", vec![sysfs]),
    ];
    candidates
        .into_iter()
        .filter_map(|(name, paths)| {
            let paths: Option<Vec<PathBuf>> = paths.into_iter().collect();
            paths.map(|paths| (name.to_string(), paths))
        })
        .collect()
}

/// Issue 12 point 4 generalised: every part of every QEMU capture gives the whole capture's
/// findings or weaker ones (PS103 or `unknown` for PS101/PS102, nothing the capture lacks), and
/// no part contradicts itself.
#[test]
fn every_part_of_a_capture_gives_its_findings_or_weaker_ones() {
    let mut problems = Vec::new();
    let mut parts_checked = 0;
    for dir in scenarios() {
        let full = findings(vec![dir.clone()]);
        for (part, paths) in parts_of(&dir) {
            let report = report_of(paths);
            parts_checked += 1;
            problems.extend(part_is_the_capture_or_weaker(
                &dir,
                &part,
                &report.findings,
                &full,
            ));
            problems.extend(
                report
                    .notes
                    .iter()
                    .filter(|note| note.contains("contradictory findings"))
                    .map(|note| format!("{}: {part}: {note}", dir.display())),
            );
        }
    }
    assert!(parts_checked >= 5 * 13, "{parts_checked} parts");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `why`'s state of every device the log names: where the log alone says a device is not bound
/// (`unbound`, `deferred`), the whole capture says so too; where the log cannot tell, it says
/// `unknown`. (Whether a driver-prefixed line is a bind is the bind-evidence question, issue 12
/// point 3, not this one: a log-alone `bound` is not checked here.)
#[test]
fn why_from_the_log_alone_says_the_captures_state_or_unknown() {
    let mut unknown = 0;
    for dir in scenarios() {
        let gather = |paths: Vec<std::path::PathBuf>| {
            let spec = InputSpec {
                paths,
                ..InputSpec::default()
            };
            analyse(&spec).unwrap_or_else(|e| panic!("{spec:?}: {e}")).0
        };
        let alone = gather(vec![dir.join("dmesg.txt")]);
        let full = gather(vec![dir.clone()]);
        let (alone_graph, full_graph) = (SupplierGraph::new(&alone), SupplierGraph::new(&full));
        let state = |boot, graph, name: &str| -> String {
            let json = explain(boot, graph, name, None, WhyFormat::Json).unwrap();
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            value["state"].as_str().unwrap().to_string()
        };
        for device in &alone.devices {
            if full.find_by_name(&device.name).is_none() {
                continue;
            }
            let from_log = state(&alone, &alone_graph, &device.name);
            let from_capture = state(&full, &full_graph, &device.name);
            match from_log.as_str() {
                "unknown" => unknown += 1,
                "bound" => {}
                _ => assert_eq!(from_log, from_capture, "{}: {}", dir.display(), device.name),
            }
        }
    }
    assert!(unknown > 0, "plain logs leave some binds unknown");
}
