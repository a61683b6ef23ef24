//! The self-consistency check over one boot's result: no finding may rest on a premise that
//! another finding or the analysis refutes. A contradiction is a bug in probescope, not a
//! finding about the board: the pipeline turns each into an `internal:` note of the report (so
//! a user sees it and can report it) and the tests require none on every fixture.
//!
//! Layer: rules (reads the boot, the analysis and the findings the rules gave).

use super::{Analysis, Finding};
use crate::analysis::blockers::DeviceStatus;
use crate::analysis::iommu_order::Verdict;
use crate::analysis::readiness;
use crate::model::{Boot, DeviceId};

/// One contradiction, in a sentence naming the findings or facts that disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contradiction(pub String);

/// Every contradiction between the findings and the analysis of one boot.
pub fn contradictions(boot: &Boot, analysis: &Analysis, findings: &[Finding]) -> Vec<Contradiction> {
    let mut found = Vec::new();
    let verdicts = analysis.iommu_order();
    let device = |name: &str| boot.find_by_name(name);
    for finding in findings {
        let subject = device(&finding.subject);
        match finding.code {
            // "Probed before its IOMMU" / "bound without its IOMMU": the device went ahead
            // without an IOMMU, so no verdict may have it behind that IOMMU.
            "PS101" | "PS102" | "PS103" => {
                let Some(consumer) = subject else { continue };
                for iommu in finding.related.iter().filter_map(|name| device(name)) {
                    let behind = verdicts.iter().any(|v| {
                        v.consumer == consumer && v.iommu == Some(iommu) && v.verdict == Verdict::Behind
                    });
                    if behind {
                        found.push(Contradiction(format!(
                            "{} says {} went ahead without {}, and the analysis has it bound behind it",
                            finding.code,
                            finding.subject,
                            boot.device(iommu).name
                        )));
                    }
                    if finding.code == "PS102" {
                        if let Some(arrival) = readiness::registration(boot, iommu) {
                            found.push(Contradiction(format!(
                                "PS102 says {}'s IOMMU {} never got a driver, and it registered ({})",
                                finding.subject,
                                boot.device(iommu).name,
                                arrival.evidence.origin
                            )));
                        }
                    }
                }
            }
            // A failed probe with nothing after it: the device may not be shown bound.
            "PS206" => {
                if let Some(id) = subject {
                    if super::probe_deferred_unresolved::last_probe_failed(boot, id)
                        && analysis.blockers().status(id) == DeviceStatus::Bound
                    {
                        found.push(bound_but(boot, id, "PS206 says its last probe failed"));
                    }
                }
            }
            // "Still deferred": no device it lists as blocked may be bound at the end (its
            // subject is the root cause, which may well be bound and not yet ready).
            "PS201" => {
                let blocked = finding.blocks.iter().filter_map(|b| boot.find(&b.device));
                for id in blocked {
                    if analysis.blockers().status(id) == DeviceStatus::Bound {
                        found.push(bound_but(boot, id, "PS201 says it is still deferred"));
                    }
                }
            }
            _ => {}
        }
        // "Never bound" of a device that the evidence shows bound.
        if finding.message.contains("never bound") {
            if let Some(id) = subject.filter(|id| boot.bind_evidence(*id).is_some()) {
                found.push(bound_but(
                    boot,
                    id,
                    &format!("{} says it never bound", finding.code),
                ));
            }
        }
    }
    // One device, one race: PS101 and PS102 for the same consumer and IOMMU cannot both hold
    // (the IOMMU either registered later or never did).
    for late in findings.iter().filter(|f| f.code == "PS101") {
        for never in findings
            .iter()
            .filter(|f| f.code == "PS102" && f.subject == late.subject)
        {
            if let Some(iommu) = late.related.iter().find(|name| never.related.contains(name)) {
                found.push(Contradiction(format!(
                    "{} has both PS101 (its IOMMU {iommu} came later) and PS102 (it never came)",
                    late.subject
                )));
            }
        }
    }
    found
}

fn bound_but(boot: &Boot, id: DeviceId, claim: &str) -> Contradiction {
    let name = &boot.device(id).name;
    Contradiction(format!(
        "{claim} of {name}, and the evidence shows {name} bound at the end"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    fn finding(code: &'static str, subject: &str, related: &[&str]) -> Finding {
        Finding {
            rule: "test",
            code,
            severity: Severity::Error,
            subject: subject.to_string(),
            related: related.iter().map(|s| s.to_string()).collect(),
            message: String::new(),
            evidence: Vec::new(),
            blocks: Vec::new(),
        }
    }

    #[test]
    fn a_consumer_late_and_never_for_one_iommu_is_a_contradiction() {
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/qemu/smmuv3-6.1/S2-smmu-late")],
            ..Default::default()
        };
        let (boot, report) = crate::pipeline::analyse(&spec).expect("the capture reads");
        let graph = crate::analysis::graph::SupplierGraph::new(&boot);
        let analysis = Analysis::new(&boot, &graph);
        assert_eq!(contradictions(&boot, &analysis, &report.findings), []);
        // The SMMU registered at 12.5 s: "never got a driver" is refuted by the analysis, and
        // contradicts the PS101 the capture has.
        let mut findings = report.findings.clone();
        findings.push(finding("PS102", "0000:00:03.0", &["9050000.smmuv3"]));
        let found = contradictions(&boot, &analysis, &findings);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].0.contains("never got a driver, and it registered"),
            "{found:?}"
        );
        assert!(found[1].0.contains("both PS101"), "{found:?}");
    }

    #[test]
    fn a_claim_that_a_device_bound_behind_its_iommu_went_ahead_without_it_is_a_contradiction() {
        // S7 (deferred_probe_timeout=-1): the functions waited and bound behind the SMMU; the
        // capture's own findings agree with that.
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/qemu/smmuv3-6.1/S7-notimeout-late")],
            ..Default::default()
        };
        let (boot, report) = crate::pipeline::analyse(&spec).expect("the capture reads");
        let graph = crate::analysis::graph::SupplierGraph::new(&boot);
        let analysis = Analysis::new(&boot, &graph);
        assert_eq!(contradictions(&boot, &analysis, &report.findings), []);
        let claims = |findings: Vec<Finding>| -> Vec<String> {
            contradictions(&boot, &analysis, &findings)
                .into_iter()
                .map(|c| c.0)
                .collect()
        };
        // Went ahead without the SMMU (each of the three codes), for a function behind it.
        for code in ["PS101", "PS102", "PS103"] {
            let found = claims(vec![finding(code, "0000:00:03.0", &["9050000.smmuv3"])]);
            assert_eq!(
                found[0],
                format!(
                    "{code} says 0000:00:03.0 went ahead without 9050000.smmuv3, and the analysis has it bound behind it"
                )
            );
            // PS102 also claims the SMMU never registered (below).
            assert_eq!(found.len(), if code == "PS102" { 2 } else { 1 }, "{found:?}");
        }
        // "Never got a driver" of an SMMU that registered at 16.5 s.
        let never = claims(vec![finding("PS102", "0000:00:00.0", &["9050000.smmuv3"])]);
        assert_eq!(never.len(), 1, "{never:?}");
        assert!(
            never[0].starts_with(
                "PS102 says 0000:00:00.0's IOMMU 9050000.smmuv3 never got a driver, and it registered ("
            ),
            "{never:?}"
        );
        // A last probe failed, of a device whose probe did not fail: nothing to contradict.
        assert_eq!(
            claims(vec![finding("PS206", "0000:00:03.0", &[])]),
            Vec::<String>::new()
        );
        // "Still deferred" listing a function that bound.
        let mut deferred = finding("PS201", "9050000.smmuv3", &[]);
        deferred.blocks.push(crate::rules::Blocked {
            device: "0000:00:03.0".to_string(),
            waits_for: None,
        });
        assert_eq!(
            claims(vec![deferred]),
            ["PS201 says it is still deferred of 0000:00:03.0, and the evidence shows 0000:00:03.0 bound at the end"]
        );
        // "Never bound" of a function that bound; of the host bridge function, which did not.
        let mut never_bound = finding("PS202", "0000:00:03.0", &[]);
        never_bound.message = "0000:00:03.0 never bound".to_string();
        assert_eq!(
            claims(vec![never_bound.clone()]),
            ["PS202 says it never bound of 0000:00:03.0, and the evidence shows 0000:00:03.0 bound at the end"]
        );
        never_bound.subject = "0000:00:00.0".to_string();
        assert_eq!(claims(vec![never_bound]), Vec::<String>::new());
        // PS101 and PS102 of different devices for the same IOMMU do not contradict each
        // other (only the behind-the-SMMU claims do).
        let pair = claims(vec![
            finding("PS101", "0000:00:00.0", &["9050000.smmuv3"]),
            finding("PS102", "0000:00:04.0", &["9050000.smmuv3"]),
        ]);
        assert!(pair.iter().all(|c| !c.contains("both PS101")), "{pair:?}");
    }

    /// Every capture and public log of `fixtures/` (QEMU captures whole, public files one
    /// by one) that reads as a boot.
    fn every_fixture() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let list = |dir: std::path::PathBuf| -> Vec<std::path::PathBuf> {
            let mut paths: Vec<_> = std::fs::read_dir(&dir)
                .map(|entries| entries.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            paths.sort();
            paths
        };
        let mut inputs = Vec::new();
        for family in list(root.join("qemu")).into_iter().filter(|p| p.is_dir()) {
            inputs.extend(list(family).into_iter().filter(|p| p.is_dir()));
        }
        for folder in ["public", "public-extra"] {
            inputs.extend(
                list(root.join(folder))
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "txt")),
            );
        }
        inputs
    }

    #[test]
    fn no_fixture_gives_contradictory_findings() {
        let inputs = every_fixture();
        assert!(inputs.len() > 50, "the fixtures are where expected: {inputs:?}");
        let mut analysed = 0;
        let mut found = Vec::new();
        for path in inputs {
            let spec = crate::ingest::discover::InputSpec {
                paths: vec![path.clone()],
                ..Default::default()
            };
            // Listings without a log (a devlink dump alone) are not boots to judge.
            let Ok((boot, report)) = crate::pipeline::analyse(&spec) else {
                continue;
            };
            analysed += 1;
            let graph = crate::analysis::graph::SupplierGraph::new(&boot);
            let analysis = Analysis::new(&boot, &graph);
            for contradiction in contradictions(&boot, &analysis, &report.findings) {
                found.push(format!("{}: {}", path.display(), contradiction.0));
            }
        }
        assert!(analysed > 40, "only {analysed} fixtures analysed");
        assert_eq!(found, Vec::<String>::new());
    }
}
