//! `probe-deferred-unresolved`: a device still deferred at the end of the capture, with the
//! root cause of its wait.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::blockers::{DeviceStatus, KnownCauses};
use crate::analysis::readiness;
use crate::model::{Boot, EventKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS201",
    name: "probe-deferred-unresolved",
    severity: Severity::Error,
    summary: "A device is still waiting in deferred probe at the end of the capture",
    explanation: r#"## What it detects
A device that is still on the deferred-probe list at the end of the capture
(`/sys/kernel/debug/devices_deferred`, or "deferred probe pending" with no later bind), with
the chain of suppliers to what really blocks it: a supplier with no device, a supplier whose
driver never bound, a failed probe, a cycle, or the driver's own reason.

On an ACPI machine (IORT, VIOT, DMAR, IVRS) a consumer of an IOMMU whose driver never came is
such a device for good: `acpi_iommu_configure_id()` defers it with no timeout, and the kernel's
"deferred probe pending" line gives no reason ("(reason unknown)"); the finding names the IOMMU
from the ACPI tables when the capture has them.

## Why it matters
A deferred device has no driver: its function is missing from the system, and everything that
depends on it waits too. The kernel only lists the device, not why the wait never ends.

## Example
```
$ cat /sys/kernel/debug/devices_deferred
0000:00:03.0
(9050000.smmuv3, the IOMMU it waits for, never got a driver: deferred_probe_timeout=-1 keeps it
 waiting forever)
```

## How to fix it
Fix the root cause the finding names: load the missing driver module (or build it in), fix the
failing supplier's probe, enable the supplier's DT node, or break the cycle (`post-init-providers`
in the device tree on v6.13+). `probescope why DEVICE` shows the whole chain.

## Kernel references
`drivers/base/dd.c` (`driver_deferred_probe_add()`, `deferred_devs_show()`,
`deferred_probe_timeout_work_func()`), `drivers/base/core.c` `device_links_check_suppliers()`,
`Documentation/driver-api/driver-model/driver.rst` (deferred probe).
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S8-notimeout-never",
            "The SMMU never came and the timeout was disabled: the four functions are still deferred at the end.",
        )
        .about(&["0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "0000:01:00.0"]),
        Example::capture(
            "fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt",
            "A serial log only: the kernel's own \"deferred probe pending\" lines at the timeout list the devices left deferred.",
        ),
    ],
    clean: &[Example::capture(
        "fixtures/qemu/smmuv3-6.1/S7-notimeout-late",
        "The same functions deferred for 16 s, but the SMMU came and every one bound before the end.",
    )],
};

pub struct ProbeDeferredUnresolved;

impl Rule for ProbeDeferredUnresolved {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let blockers = analysis.blockers();
        let mut findings = Vec::new();
        let mut known = KnownCauses::default();
        for id in boot.device_ids() {
            if blockers.status(id) != DeviceStatus::Deferred {
                continue;
            }
            let name = &boot.device(id).name;
            let causes = blockers.root_causes_sharing(id, crate::limits::REPORT_CHAIN_DEPTH, &mut known);
            let mut evidence_extra = Vec::new();
            let mut related: Vec<String> = causes
                .iter()
                .flat_map(|c| c.chain.iter().skip(1).cloned().chain(c.blocker.names()))
                .filter(|n| n != name)
                .collect();
            related.sort();
            related.dedup();
            let mut reasons: Vec<String> = causes.iter().map(|c| c.blocker.describe()).collect();
            // On ACPI the firmware's table names the IOMMU and so the driver that must register
            // it; say so when that IOMMU never registered.
            for edge in boot.iommus_of(id) {
                let Some(node) = readiness::acpi_node(boot, edge.iommu) else {
                    continue;
                };
                if readiness::registration(boot, edge.iommu).is_some() {
                    continue;
                }
                let iommu = &boot.device(edge.iommu).name;
                let registrar = readiness::registrar(boot, edge.iommu);
                let below = if registrar == edge.iommu {
                    String::new()
                } else {
                    format!(" (for {})", boot.device(registrar).name)
                };
                reasons.push(format!(
                    "its IOMMU {iommu} ({}, from the ACPI tables) never registered: driver {}{below} never bound",
                    node.kind.describe(),
                    node.kind.driver()
                ));
                related.push(iommu.clone());
                evidence_extra.push(node.evidence.clone());
            }
            related.sort();
            related.dedup();
            let message = if reasons.is_empty() {
                format!("{name} is still deferred at the end of the capture")
            } else {
                format!(
                    "{name} is still deferred at the end of the capture: {}",
                    reasons.join("; ")
                )
            };
            let deferral_evidence = boot
                .events_of(id)
                .filter(|e| {
                    matches!(
                        e.kind,
                        EventKind::Deferred { .. } | EventKind::DeferredPending { .. }
                    )
                })
                .last()
                .map(|e| e.evidence.clone());
            let evidence = deferral_evidence
                .into_iter()
                .chain(causes.iter().flat_map(|c| c.evidence.iter().cloned()))
                .chain(evidence_extra);
            findings.push(
                Finding::new(&META, name.clone(), message)
                    .related(related)
                    .evidence(evidence),
            );
        }
        findings
    }
}
