//! `expected-device-not-bound`: a device the board's configuration expects bound
//! (`expect_bound` in `probescope.toml`) has no bound match at the end of the capture.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::blockers::{errno_name, Blockers, DeviceStatus};
use crate::model::{Boot, DeviceId, EventKind, Evidence, Origin};
use crate::rules::settings::DevicePattern;

pub static META: RuleMeta = RuleMeta {
    code: "PS301",
    name: "expected-device-not-bound",
    severity: Severity::Error,
    summary: "A device the board expects bound (expect_bound) is not bound at the end of the boot",
    explanation: r#"## What it detects
Each pattern of `expect_bound` in the `[board]` table of `probescope.toml` (a device name or a
shell glob such as `*.mfc`) must match at least one device that is bound to a driver at the end
of the capture. The rule fires once per pattern that has no such device: either no device
matching it appears anywhere in the evidence, or the devices that match never bound or were
unbound at the end (still deferred, probe failed, no driver).

A device counts as bound at the end as `probescope why` judges it: the final snapshot shows it
bound (a device listing, device links), or, when that snapshot does not tell, the kernel log shows
its driver bound and nothing later shows it unbound or deferred.

## Why it matters
Most rules find what went wrong; this one states what must go right. A board whose video codec
or display IOMMU silently failed to probe still boots to a shell, and a CI lab that only checks
for a login prompt passes it. Listing the devices the board needs turns "it booted" into "it
booted with the hardware we ship".

## Example
```toml
[board]
expect_bound = ["13620000.sysmmu", "*.mfc"]
```
```
PS301 expected-device-not-bound  *.mfc: 1 device matches but none is bound at the end of the
capture: 13400000.mfc (still deferred at the end)
```

## How to fix it
- Look at the evidence: a deferral names what the device waits for (`probescope explain` the
  deferral rules, or read `devices_deferred`); a failed probe names its errno.
- No matching device at all: the device-tree node is missing or disabled (`status = "okay"`?), the
  bus that creates it did not probe, or the pattern is wrong (patterns match the kernel device
  name, e.g. `13620000.sysmmu`, or the bus-qualified name `platform:13620000.sysmmu`).
- A device that is expected to stay unbound on this board should not be listed.

## Kernel references
`drivers/base/dd.c` `driver_bound()`, `really_probe()`, `deferred_devs_show()`;
`drivers/base/core.c` `device_links_driver_bound()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example::with_config(
        "fixtures/qemu/smmuv3-6.1/S4-smmu-never",
        "[board]\nexpect_bound = [\"*.smmuv3\"]\n",
        "The board expects the SMMU bound; it never bound.",
    )
    .about(&["*.smmuv3"])],
    clean: &[
        Example::with_config(
            "fixtures/qemu/smmuv3-6.1/S7-notimeout-late",
            "[board]\nexpect_bound = [\"*.smmuv3\"]\n",
            "The SMMU came late, but it is bound at the end.",
        ),
        Example::with_config(
            "fixtures/qemu/smmuv3-6.1/S7-notimeout-late/dmesg.txt",
            "[board]\nexpect_bound = [\"*.smmuv3\"]\n",
            "The log alone, no snapshot: the SMMU driver's bind line is the only sign it is bound.",
        ),
    ],
};

pub struct ExpectedDeviceNotBound;

impl Rule for ExpectedDeviceNotBound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, settings: &RuleSettings) -> Vec<Finding> {
        let blockers = analysis.blockers();
        settings
            .expectations
            .expect_bound
            .iter()
            .filter_map(|pattern| check_pattern(boot, blockers, pattern))
            .collect()
    }
}

/// How many matching devices a message lists before summarising the rest.
const LISTED_DEVICES: usize = 8;

fn check_pattern(boot: &Boot, blockers: &Blockers, pattern: &DevicePattern) -> Option<Finding> {
    let mut matching: Vec<DeviceId> = boot
        .device_ids()
        .filter(|id| {
            let device = boot.device(*id);
            pattern.matches(&device.name) || pattern.matches(&device.qualified_name())
        })
        .collect();
    // "None is bound" needs each match shown unbound or silent: a device whose driver was seen
    // probing, with no setback after, may well be bound (the log does not say), so nothing is
    // claimed.
    if matching.iter().any(|id| match blockers.status(*id) {
        DeviceStatus::Bound => true,
        DeviceStatus::Unknown => boot.probe_evidence(*id).is_some(),
        DeviceStatus::Deferred | DeviceStatus::Unbound => false,
    }) {
        return None;
    }
    matching.sort_by(|a, b| boot.device(*a).name.cmp(&boot.device(*b).name));
    if matching.is_empty() {
        let message = format!(
            "no device matching `{}` appears in the capture; the board expects one bound",
            pattern.text
        );
        // Nothing names the device; cite the log as the place where it should have shown up.
        let evidence = boot.log_source.iter().map(|source| {
            Evidence::new(
                Origin::file_only(source),
                format!("no line names a device matching `{}`", pattern.text),
            )
        });
        return Some(Finding::new(&META, pattern.text.clone(), message).evidence(evidence));
    }
    let described: Vec<String> = matching
        .iter()
        .take(LISTED_DEVICES)
        .map(|id| {
            format!(
                "{} ({})",
                boot.device(*id).name,
                unbound_state(boot, blockers, *id)
            )
        })
        .collect();
    let matches = if matching.len() == 1 {
        "1 device matches".to_string()
    } else {
        format!("{} devices match", matching.len())
    };
    let more = match matching.len().saturating_sub(LISTED_DEVICES) {
        0 => String::new(),
        more => format!(" and {more} more"),
    };
    let message = format!(
        "{matches} `{}` but none is bound at the end of the capture: {}{more}",
        pattern.text,
        described.join(", ")
    );
    let evidence: Vec<Evidence> = matching
        .iter()
        .take(LISTED_DEVICES)
        .filter_map(|id| last_setback(boot, *id).map(|(_, evidence)| evidence))
        .collect();
    let related = matching.iter().map(|id| boot.device(*id).name.clone());
    Some(
        Finding::new(&META, pattern.text.clone(), message)
            .related(related)
            .evidence(evidence),
    )
}

/// The device's latest deferral or failed probe, with what it says.
fn last_setback(boot: &Boot, id: DeviceId) -> Option<(String, Evidence)> {
    boot.events_of(id)
        .filter_map(|event| {
            let what = match &event.kind {
                EventKind::Deferred { .. } if event.position.log_index().is_none() => {
                    "on devices_deferred".to_string()
                }
                EventKind::Deferred { .. } => "deferred".to_string(),
                EventKind::DeferredPending { .. } => "deferred probe pending at the timeout".to_string(),
                EventKind::ProbeFailed { driver, errno } => {
                    format!("{driver} probe failed with error {}", errno_name(*errno))
                }
                _ => return None,
            };
            Some((what, event.evidence.clone()))
        })
        .last()
}

fn unbound_state(boot: &Boot, blockers: &Blockers, id: DeviceId) -> String {
    if blockers.status(id) == DeviceStatus::Deferred {
        return "still deferred at the end".to_string();
    }
    let listed_unbound = boot.device(id).bound_at_end() == Some(false);
    match (last_setback(boot, id), listed_unbound) {
        (Some((what, _)), _) => what,
        (None, true) => "no driver at the end".to_string(),
        (None, false) => "no sign of a bound driver".to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::graph::SupplierGraph;
    use crate::ingest::deferred::DeferredEntry;
    use crate::ingest::listing::DeviceEntry;
    use crate::ingest::{BootInputs, Snapshot};
    use crate::model::SourceName;
    use crate::rules::settings::RuleSettings;

    /// A final snapshot listing `(device, driver)` pairs and the devices on devices_deferred.
    pub(crate) fn boot_with(devices: &[(&str, Option<&str>)], deferred: &[&str]) -> Boot {
        let table: SourceName = "drivers.txt".into();
        let deferred_file: SourceName = "devices_deferred.txt".into();
        let snapshot = Snapshot {
            label: "final".into(),
            devices: Some(
                devices
                    .iter()
                    .enumerate()
                    .map(|(line, (name, driver))| DeviceEntry {
                        origin: Origin::new(&table, line as u32 + 1),
                        bus: Some("platform".into()),
                        name: name.to_string(),
                        driver: driver.map(String::from),
                        iommu_group: None,
                        iommu: None,
                        of_node: None,
                        sysfs_path: None,
                    })
                    .collect(),
            ),
            deferred: Some(
                deferred
                    .iter()
                    .enumerate()
                    .map(|(line, name)| DeferredEntry {
                        origin: Origin::new(&deferred_file, line as u32 + 1),
                        device: name.to_string(),
                        deferral: None,
                    })
                    .collect(),
            ),
            ..Snapshot::default()
        };
        Boot::from_inputs(BootInputs {
            name: "board".into(),
            snapshots: vec![snapshot],
            ..BootInputs::default()
        })
    }

    fn findings(boot: &Boot, patterns: &[&str]) -> Vec<Finding> {
        let mut settings = RuleSettings::default();
        settings.expectations.expect_bound =
            patterns.iter().map(|p| DevicePattern::new(p).unwrap()).collect();
        let graph = SupplierGraph::new(boot);
        ExpectedDeviceNotBound.check(boot, &Analysis::new(boot, &graph), &settings)
    }

    #[test]
    fn fires_once_per_pattern_without_a_bound_match() {
        let boot = boot_with(
            &[
                ("13620000.sysmmu", Some("exynos-sysmmu")),
                ("13400000.mfc", None),
                ("13410000.mfc", None),
            ],
            &["13400000.mfc"],
        );
        let found = findings(&boot, &["13620000.sysmmu", "*.mfc", "*.gpu"]);
        let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(subjects, ["*.mfc", "*.gpu"]);

        let mfc = &found[0];
        assert_eq!(mfc.related, ["13400000.mfc", "13410000.mfc"]);
        assert!(
            mfc.message.contains("2 devices match `*.mfc` but none is bound"),
            "{}",
            mfc.message
        );
        assert!(
            mfc.message.contains("13400000.mfc (still deferred at the end)"),
            "{}",
            mfc.message
        );
        assert!(
            mfc.message.contains("13410000.mfc (no driver at the end)"),
            "{}",
            mfc.message
        );
        assert_eq!(mfc.evidence.len(), 1);
        assert_eq!(mfc.evidence[0].origin.to_string(), "devices_deferred.txt:1");

        let gpu = &found[1];
        assert!(gpu.related.is_empty());
        assert!(
            gpu.message.starts_with("no device matching `*.gpu` appears"),
            "{}",
            gpu.message
        );
    }

    #[test]
    fn is_silent_when_every_pattern_has_a_bound_device() {
        let boot = boot_with(
            &[("13400000.mfc", None), ("13410000.mfc", Some("s5p-mfc"))],
            &["13400000.mfc"],
        );
        assert!(findings(&boot, &["*.mfc", "platform:13410000.mfc"]).is_empty());
        // Without expectations the rule has nothing to say.
        assert!(findings(&boot, &[]).is_empty());
    }

    /// The rule's findings on a fixture whose board expects `patterns` bound: the message of
    /// the one finding for `pattern`, and its evidence as `file:line` (file name only).
    fn setback_on(fixture: &str, patterns: &[&str]) -> Vec<(String, Vec<String>)> {
        let mut settings = RuleSettings::default();
        settings.expectations.expect_bound =
            patterns.iter().map(|p| DevicePattern::new(p).unwrap()).collect();
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture)],
            ..Default::default()
        };
        let (_, report) = crate::pipeline::analyse_with(&spec, &settings).expect("the fixture reads");
        report
            .findings
            .iter()
            .filter(|f| f.code == META.code)
            .map(|f| {
                let evidence = f
                    .evidence
                    .iter()
                    .map(|e| {
                        let file = e.origin.file.to_string();
                        let name = file.rsplit('/').next().unwrap_or_default().to_string();
                        format!("{name}:{}", e.origin.line)
                    })
                    .collect();
                (f.message.clone(), evidence)
            })
            .collect()
    }

    #[test]
    fn names_each_unbound_devices_last_setback_and_cites_its_line() {
        // A failed probe (the log's "probe of thermal-sensor1 failed with error -22").
        assert_eq!(
            setback_on(
                "fixtures/public/kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt",
                &["thermal-sensor1"]
            ),
            [(
                "1 device matches `thermal-sensor1` but none is bound at the end of the capture: \
                 thermal-sensor1 (generic-adc-thermal probe failed with error -EINVAL (-22))"
                    .to_string(),
                vec!["kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt:947".to_string()]
            )]
        );
        // Deferral lines of the log: an -EPROBE_DEFER with its reason, an initcall_debug
        // "returned 517" (-EPROBE_DEFER), each the device's last.
        assert_eq!(
            setback_on(
                "fixtures/public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt",
                &["*.mmc"]
            ),
            [(
                "2 devices match `*.mmc` but none is bound at the end of the capture: \
                 fa00000.mmc (deferred), fa20000.mmc (deferred)"
                    .to_string(),
                vec![
                    "beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt:87".to_string(),
                    "beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt:50".to_string(),
                ]
            )]
        );
        // Q2: function 0 of the host bridge was still on devices_deferred after the timeout,
        // off it at the end, and never bound (truth.json): its last setback is that listing.
        assert_eq!(
            setback_on(
                "fixtures/qemu/virtio-iommu-q35-6.12/Q2-viommu-late",
                &["0000:00:00.0"]
            ),
            [(
                "1 device matches `0000:00:00.0` but none is bound at the end of the capture: \
                 0000:00:00.0 (on devices_deferred)"
                    .to_string(),
                vec!["devices_deferred:4".to_string()]
            )]
        );
        // Q3's log alone: "deferred probe pending" at the timeout, and still deferred.
        assert_eq!(
            setback_on(
                "fixtures/qemu/virtio-iommu-q35-6.12/Q3-viommu-never/dmesg.txt",
                &["0000:00:03.0"]
            ),
            [(
                "1 device matches `0000:00:03.0` but none is bound at the end of the capture: \
                 0000:00:03.0 (still deferred at the end)"
                    .to_string(),
                vec!["dmesg.txt:393".to_string()]
            )]
        );
    }
}
