//! The deferral rules and `why` on the QEMU corpus, against each scenario's truth.json: still
//! deferred devices and their root cause, the timeout, modular IOMMUs without strict mode.

use crate::support::corpus::{qemu_scenarios as scenarios, truth};
use crate::support::deferred::still_deferred;
use probescope::cli::WhyFormat;
use probescope::commands::check::analyse;
use probescope::commands::why::explain;
use probescope::graph::SupplierGraph;
use probescope::ingest::discover::InputSpec;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn spec(dir: &Path) -> InputSpec {
    InputSpec {
        paths: vec![dir.to_path_buf()],
        ..InputSpec::default()
    }
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// The IOMMU devices of a scenario, from its truth.
fn iommu_names(truth: &Value) -> Vec<String> {
    truth["iommus"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["device"].as_str().map(String::from))
        .collect()
}

/// The IOMMU devices of a scenario and the devices their drivers bind to register them: a
/// virtio-iommu is registered by the virtio device (`driver_device`, `virtioN`) below the PCI
/// function that the firmware names, so a consumer that waits for it waits for that device.
fn iommu_and_registrar_names(truth: &Value) -> Vec<String> {
    let mut names = iommu_names(truth);
    names.extend(
        truth["iommus"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["driver_device"].as_str().map(String::from)),
    );
    names
}

#[test]
fn still_deferred_devices_are_reported_with_the_iommu_as_root_cause() {
    for dir in scenarios() {
        let truth = truth(&dir);
        let expected = strings(&truth["summary"]["deferred_at_final"]);
        let (_, report) = analyse(&spec(&dir)).unwrap();
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == "probe-deferred-unresolved")
            .collect();
        assert_eq!(still_deferred(&report.findings), expected, "{}", dir.display());
        for finding in found {
            // One finding per root cause: the never-bound IOMMU (or the device whose driver
            // registers it), listing what it holds back.
            let is_an_iommu = iommu_and_registrar_names(&truth).contains(&finding.subject);
            assert!(is_an_iommu, "{}: {finding:?}", dir.display());
            assert!(finding.message.contains("never bound"), "{}", finding.message);
        }
    }
}

#[test]
fn why_names_the_never_bound_iommu_of_a_still_deferred_device() {
    for dir in scenarios() {
        let truth = truth(&dir);
        let Some(device) = strings(&truth["summary"]["deferred_at_final"]).into_iter().next() else {
            continue;
        };
        let (boot, _) = analyse(&spec(&dir)).unwrap();
        let graph = SupplierGraph::new(&boot);
        let json: Value =
            serde_json::from_str(&explain(&boot, &graph, &device, None, WhyFormat::Json).unwrap()).unwrap();
        crate::support::schema::assert_valid("why", &json);
        assert_eq!(json["state"], "deferred");
        let cause = &json["root_causes"][0];
        assert_eq!(cause["blocker"]["kind"], "never-bound", "{json}");
        let blocker = cause["blocker"]["device"].as_str().unwrap().to_string();
        assert!(iommu_and_registrar_names(&truth).contains(&blocker), "{json}");
        assert_eq!(cause["chain"][0], device.as_str());
    }
}

#[test]
fn why_at_the_before_timeout_snapshot_names_the_iommu_through_the_dormant_link() {
    let mut checked = 0;
    for dir in scenarios() {
        let truth = truth(&dir);
        // Scenarios whose truth shows a dormant IOMMU device link before the timeout.
        for link in truth["iommu_devlink_consumers"].as_array().into_iter().flatten() {
            let dormant = link.to_string().contains("dormant");
            let Some(consumer) = link["consumer"].as_str().filter(|_| dormant) else {
                continue;
            };
            let consumer = consumer.split_once(':').map_or(consumer, |(_, name)| name);
            let (boot, _) = analyse(&spec(&dir)).unwrap();
            let graph = SupplierGraph::new(&boot);
            let text = explain(&boot, &graph, consumer, Some("before-timeout"), WhyFormat::Text).unwrap();
            let iommu = &iommu_names(&truth)[0];
            // The device's name, then its DT node once where the boot knows it.
            let heading = text.lines().next().unwrap_or_default();
            assert!(
                heading.starts_with(consumer)
                    && heading.ends_with(" is deferred at snapshot before-timeout."),
                "{text}"
            );
            assert!(
                text.contains(&format!("supplier {iommu} not ready")) && text.contains("is dormant"),
                "{text}"
            );
            assert!(
                text.contains(&format!("IOMMU {iommu} had no driver bound yet")),
                "{text}"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "the strict scenarios have dormant IOMMU links ({checked})"
    );
}

#[test]
fn the_timeout_finding_appears_exactly_where_the_log_has_timeout_lines() {
    for dir in scenarios() {
        let truth = truth(&dir);
        let fired = !truth["deferred_probe_timeout_lines"]
            .as_array()
            .unwrap()
            .is_empty();
        let (_, report) = analyse(&spec(&dir)).unwrap();
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == "deferred-probe-timeout-expired")
            .collect();
        assert_eq!(!found.is_empty(), fired, "{}", dir.display());
        let iommu_bound = truth["iommus"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| !i["bound"].is_null());
        for finding in found {
            if iommu_bound {
                assert!(
                    finding.message.contains("would have covered it"),
                    "{}",
                    finding.message
                );
            } else {
                assert!(finding.message.contains("never arrived"), "{}", finding.message);
            }
        }
    }
}

#[test]
fn modular_iommu_without_strict_mode_is_flagged_where_it_applies() {
    for dir in scenarios() {
        let truth = truth(&dir);
        let cmdline = truth["cmdline"].as_str().unwrap();
        // fw_devlink_is_strict() (drivers/base/core.c): strict=1 counts only while fw_devlink
        // makes enforcing links (on, rpm); off makes none and permissive only sync-state ones.
        let words: Vec<&str> = cmdline.split_whitespace().collect();
        let strict = words.contains(&"fw_devlink.strict=1")
            && !words
                .iter()
                .any(|w| matches!(*w, "fw_devlink=off" | "fw_devlink=permissive"));
        let modules = truth["modules_loaded_final"].to_string();
        let iommu_module_loaded = modules.contains("smmu") || modules.contains("iommu");
        // fw_devlink.strict reads device-tree properties: on ACPI it has no bearing.
        let acpi = truth["summary"]["firmware"] == "acpi";
        let (_, report) = analyse(&spec(&dir)).unwrap();
        let flagged = report
            .findings
            .iter()
            .any(|f| f.rule == "modular-iommu-without-strict-fw-devlink");
        assert_eq!(
            flagged,
            iommu_module_loaded && !strict && !acpi,
            "{}",
            dir.display()
        );
    }
}
