//! `iommu-consumer-probed-before-iommu`: a consumer of an IOMMU bound its driver before the
//! IOMMU's driver bound, the IOMMU binding later in the same boot.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::iommu_order::{describe_when, iommu_name, per_consumer, related_iommus, Verdict};
use crate::analysis::readiness;
use crate::model::{BindBasis, BindEvidence, BindStrength, Boot, DeviceId, Event, EventKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS101",
    name: "iommu-consumer-probed-before-iommu",
    severity: Severity::Error,
    summary: "A device behind an IOMMU bound its driver before the IOMMU's driver bound",
    explanation: r#"## What it detects
A device that sits behind an IOMMU (by the device tree's `iommus` or `iommu-map`, a device link
to the IOMMU device, or IOMMU group membership) bound its driver while the IOMMU had no driver,
and the IOMMU's driver bound later in the same boot.

The evidence, strongest first: the kernel's own "deferred probe timeout, ignoring dependency"
line for the consumer (printed by `of_iommu_configure()` only when the IOMMU is not registered),
log order (the consumer's bind before any sign of the IOMMU's), or a sysfs snapshot that shows
the consumer bound and the IOMMU without a driver.

The consumer's probe counts from the earliest sign of it: the driver core's bind line, the
kernel's "ignoring dependency" line, or a line its driver printed (which shows the probe running,
not that it succeeded: the message then says "probed", not "bound"). The finding is the one
place for the race: it carries the consumer's timeline (first deferral, the deferred-probe
timeout cutting it loose, the IOMMU's arrival); PS103 says nothing more for the same device,
and PS203 keeps only the boot-wide timeout view.

## Why it matters
`of_dma_configure()` sets up a device's DMA once, when its driver probes. A consumer that probed
without its IOMMU keeps direct (untranslated) DMA ops when the IOMMU arrives later: it never
joins an IOMMU group, its DMA addresses are physical, and the IOMMU, once enabled (by the
bootloader or a later attach), faults on them or lets them through unchecked.

## Example
```
[    6.972297] pcieport 0000:00:05.0: deferred probe timeout, ignoring dependency
[   12.527461] arm-smmu-v3 9050000.smmuv3: ias 44-bit, oas 44-bit (features 0x00008305)
[   15.420662] arm-smmu-v3 9050000.smmuv3: event 0x02 received:
```

## How to fix it
- Make the consumer wait: boot with `fw_devlink.strict=1` so `iommus`/`iommu-map` become
  blocking device links, or load the IOMMU module earlier (put it in the initramfs, or build it
  in).
- Give slow module loading more time: `deferred_probe_timeout=` longer than the gap between the
  last driver registration and the IOMMU module's load (or `-1` to wait forever).
- Afterwards, check that the consumer prints "Adding to iommu group N".

## Kernel references
`drivers/iommu/of_iommu.c` `of_iommu_configure()`, `drivers/base/dd.c`
`driver_deferred_probe_check_state()` and `deferred_probe_timeout_work_func()`,
`drivers/of/property.c` (`iommus`/`iommu-map` are optional suppliers), `fw_devlink.strict` in
`Documentation/admin-guide/kernel-parameters.txt`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S2-smmu-late",
            "The SMMU module came after the deferred-probe timeout: the four PCI functions bound at 7 s without it, the SMMU at 12.5 s.",
        ).about(&["0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "0000:01:00.0"]),
        Example::capture(
            "fixtures/qemu/exynos-6.12/E2-exynos-late",
            "The SysMMU module came late (Exynos driver): three consumers bound before their SysMMU did.",
        ).about(&["0000:00:03.0", "7f040000.dma-controller", "9010000.pl031"]),
    ],
    clean: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S7-notimeout-late",
            "The SMMU came as late, but with deferred_probe_timeout=-1 the functions waited for it and bound behind it.",
        ),
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S1-smmu-early",
            "The SMMU module came from /init: the one function that tried earlier deferred and bound behind it.",
        ),
    ],
};

pub struct IommuConsumerProbedBeforeIommu;

impl Rule for IommuConsumerProbedBeforeIommu {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let faults = super::iommu_fault::race_faults(boot, analysis);
        per_consumer(analysis.iommu_order(), |v| matches!(v, Verdict::ProbedBefore { .. }))
            .into_iter()
            .map(|(consumer, verdicts)| {
                let consumer_name = &boot.device(consumer).name;
                let iommus: Vec<String> = verdicts.iter().map(|v| iommu_name(boot, v)).collect();
                let related = related_iommus(boot, &verdicts);
                let bind = verdicts.iter().find_map(|v| v.consumer_bind.as_ref());
                let bound = match bind {
                    Some(bind) => {
                        // A bind proven, or only the probe going ahead (its outcome unshown).
                        let verb = match (bind.strength(), bind.basis) {
                            (_, BindBasis::WentAheadIgnoringDependency) => {
                                "was cut loose by the deferred-probe timeout and probed"
                            }
                            (BindStrength::Bound, _) => "bound",
                            (BindStrength::ProbeRan, _) => "probed",
                        };
                        match &bind.driver {
                            Some(driver) => format!("{verb} {driver} {}", describe_when(bind)),
                            None => format!("{verb} {}", describe_when(bind)),
                        }
                    }
                    None => "bound".to_string(),
                };
                let iommu_when = verdicts
                    .iter()
                    .find_map(|v| match &v.verdict {
                        Verdict::ProbedBefore { iommu_bind: Some(bind) } => Some(describe_when(bind)),
                        _ => None,
                    })
                    .unwrap_or_else(|| "later".to_string());
                // An IOMMU registered by another device (virtio-iommu: the virtio device below
                // the PCI function) arrived when that device bound, not when the function did.
                let registrars: Vec<String> = verdicts
                    .iter()
                    .filter_map(|v| v.iommu)
                    .map(|iommu| (iommu, readiness::registrar(boot, iommu)))
                    .filter(|(iommu, registrar)| iommu != registrar)
                    .map(|(_, registrar)| boot.device(registrar).name.clone())
                    .collect();
                let arrival = if registrars.is_empty() {
                    format!("bound ({iommu_when})")
                } else {
                    format!("registered ({} bound {iommu_when})", registrars.join(", "))
                };
                let mut message = format!(
                    "{consumer_name} {bound} before its IOMMU {} {arrival}; its DMA does not go through the IOMMU",
                    iommus.join(", ")
                );
                let timeline = timeline(boot, consumer, bind);
                if !timeline.is_empty() {
                    message.push_str(&format!(" (before that: {})", timeline.join(", ")));
                }
                let deferrals = first_deferral(boot, consumer).map(|e| e.evidence.clone());
                let evidence = deferrals.into_iter().chain(verdicts.iter().flat_map(|v| {
                    let iommu_bind = match &v.verdict {
                        Verdict::ProbedBefore { iommu_bind } => iommu_bind.as_ref().map(|b| b.evidence.clone()),
                        _ => None,
                    };
                    v.proof
                        .iter()
                        .cloned()
                        .chain(v.consumer_bind.iter().map(|b| b.evidence.clone()))
                        .chain(iommu_bind)
                        .chain(v.relation.iter().take(1).cloned())
                        .collect::<Vec<_>>()
                }));
                let mut finding =
                    Finding::new(&META, consumer_name.clone(), message).related(related).evidence(evidence);
                super::iommu_fault::cite_faults(&mut finding, &faults);
                finding
            })
            .collect()
    }
}

/// The consumer's first deferral in the log (a snapshot's listing has no instant).
fn first_deferral(boot: &Boot, consumer: DeviceId) -> Option<&Event> {
    boot.events_of(consumer).find(|e| {
        e.position.log_index().is_some()
            && matches!(
                e.kind,
                EventKind::Deferred { .. } | EventKind::DeferredPending { .. }
            )
    })
}

/// What happened to the consumer before it probed, from its own lines: its first deferral and
/// the deferred-probe timeout letting it go (the kernel's "ignoring dependency", unless that is
/// the probe the message already names), each with its instant. One finding carries the race's
/// whole story (PS103 stays silent for this device).
pub fn timeline(boot: &Boot, consumer: DeviceId, probe: Option<&BindEvidence>) -> Vec<String> {
    let at = |event: &Event| match event.position.time() {
        Some(time) => format!("at {time} s"),
        None => format!("at {}", event.evidence.origin),
    };
    let mut steps = Vec::new();
    if let Some(deferred) = first_deferral(boot, consumer) {
        steps.push(format!("deferred {}", at(deferred)));
    }
    let ignored = boot
        .ignored_dependency(consumer)
        .filter(|ignored| probe.is_none_or(|probe| probe.position != ignored.position));
    if let Some(ignored) = ignored {
        steps.push(format!("cut loose by the deferred-probe timeout {}", at(ignored)));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::META;

    #[test]
    fn the_message_gives_both_instants_from_the_kernels_lines() {
        // S2: virtio-pci 0000:00:03.0 probed at the timeout (7.027453 s, "ignoring dependency")
        // and the SMMU's driver bound at 12.527461 s ("arm-smmu-v3 9050000.smmuv3: ias 44-bit").
        let findings = crate::rules::findings_on_fixture("fixtures/qemu/smmuv3-6.1/S2-smmu-late");
        let finding = findings
            .iter()
            .find(|f| f.code == META.code && f.subject == "0000:00:03.0")
            .expect("0000:00:03.0 probed before its SMMU");
        assert_eq!(
            finding.message,
            "0000:00:03.0 was cut loose by the deferred-probe timeout and probed virtio-pci at 7.027453 s before its IOMMU 9050000.smmuv3 bound (at 12.527461 s); its DMA does not go through the IOMMU"
        );
        assert_eq!(finding.related, ["9050000.smmuv3"]);
    }

    use std::path::{Path, PathBuf};

    fn fixture(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/qemu")
            .join(relative)
    }

    /// PS101's finding for `subject` from these inputs: its message and its evidence as
    /// `file:line text` (file name only).
    fn ps101(paths: &[PathBuf], subject: &str) -> (String, Vec<String>) {
        let findings = crate::rules::findings_on_inputs(paths);
        let finding = findings
            .iter()
            .find(|f| f.code == META.code && f.subject == subject)
            .unwrap_or_else(|| panic!("PS101 for {subject}: {findings:?}"));
        let evidence = finding
            .evidence
            .iter()
            .map(|e| {
                let origin = e.origin.to_string();
                format!("{} {}", origin.rsplit('/').next().unwrap_or(&origin), e.text)
            })
            .collect();
        (finding.message.clone(), evidence)
    }

    #[test]
    fn a_virtio_iommu_arrives_when_its_virtio_device_binds_not_its_pci_function() {
        // V2: virtio-pci bound 0000:00:02.0 early; virtio_iommu bound virtio0 at 20.681193 s.
        let (message, evidence) = ps101(
            &[fixture("virtio-iommu-arm64-6.12/V2-viommu-late")],
            "0000:00:03.0",
        );
        assert_eq!(
            message,
            "0000:00:03.0 was cut loose by the deferred-probe timeout and probed virtio-pci at 11.344760 s before its IOMMU 0000:00:02.0 registered (virtio0 bound at 20.681193 s); its DMA does not go through the IOMMU"
        );
        assert_eq!(
            evidence[..2],
            [
                "kmsg.txt:413 virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency",
                "kmsg.txt:435 virtio_iommu virtio0: input address: 48 bits"
            ]
        );
    }

    #[test]
    fn the_timeline_starts_at_the_first_deferral() {
        // S5 (initcall_debug): "probe of 0000:00:03.0 returned -517" at 1.030009 s, then the
        // timeout's line at 6.139174 s; the SMMU at 11.777061 s.
        let (message, evidence) = ps101(&[fixture("smmuv3-6.1/S5-verbose-late")], "0000:00:03.0");
        assert_eq!(
            message,
            "0000:00:03.0 was cut loose by the deferred-probe timeout and probed virtio-pci at 6.139174 s before its IOMMU 9050000.smmuv3 bound (at 11.777061 s); its DMA does not go through the IOMMU (before that: deferred at 1.030009 s)"
        );
        assert_eq!(
            evidence[0],
            "kmsg.txt:2714 probe of 0000:00:03.0 returned -517 after 124 usecs"
        );
    }

    #[test]
    fn a_probe_shown_only_by_its_drivers_line_is_said_probed() {
        // S2's log as a kernel that does not print "ignoring dependency" would give it, with the
        // device tree: the earliest sign of 0000:00:03.0's probe is virtio-pci's own "enabling
        // device" line, which shows the probe running, not its outcome.
        let log = std::fs::read_to_string(fixture("smmuv3-6.1/S2-smmu-late/dmesg.txt")).expect("dmesg.txt");
        let temp = tempfile::tempdir().expect("a temporary folder");
        let without: String = log
            .lines()
            .filter(|l| !l.contains("ignoring dependency"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(temp.path().join("dmesg.txt"), without).expect("written");
        let (message, evidence) = ps101(
            &[
                temp.path().join("dmesg.txt"),
                fixture("smmuv3-6.1/S2-smmu-late/fdt.dtb"),
            ],
            "0000:00:03.0",
        );
        assert_eq!(
            message,
            "0000:00:03.0 probed virtio-pci at 7.028091 s before its IOMMU 9050000.smmuv3 bound (at 12.527461 s); its DMA does not go through the IOMMU"
        );
        assert_eq!(
            evidence[..2],
            [
                "dmesg.txt:286 virtio-pci 0000:00:03.0: enabling device (0000 -> 0003)",
                "dmesg.txt:297 arm-smmu-v3 9050000.smmuv3: ias 44-bit, oas 44-bit (features 0x00008305)"
            ]
        );
    }

    #[test]
    fn from_snapshots_alone_both_binds_are_seen_by_snapshot() {
        // S2's sysfs mirrors: the function bound after the timeout, the SMMU only at the end.
        let (message, evidence) = ps101(
            &[
                fixture("smmuv3-6.1/S2-smmu-late/sysfs-after-timeout"),
                fixture("smmuv3-6.1/S2-smmu-late/sysfs"),
            ],
            "0000:00:03.0",
        );
        assert_eq!(
            message,
            "0000:00:03.0 bound virtio-pci by a later snapshot before its IOMMU 9050000.smmuv3 bound (by a later snapshot); its DMA does not go through the IOMMU"
        );
        assert_eq!(
            evidence[..3],
            [
                "sysfs-after-timeout snapshot after-timeout: 0000:00:03.0 bound, 9050000.smmuv3 without a driver",
                "sysfs-after-timeout 0000:00:03.0: driver virtio-pci bound at snapshot after-timeout",
                "sysfs 9050000.smmuv3: driver arm-smmu-v3 bound at snapshot final"
            ]
        );
    }
}
