//! `iommu-consumer-without-iommu`: a consumer bound while its IOMMU exists but no IOMMU
//! driver bound by the end of the capture.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::iommu_order::{iommu_name, per_consumer, related_iommus, Verdict};
use crate::model::Boot;

pub static META: RuleMeta = RuleMeta {
    code: "PS102",
    name: "iommu-consumer-without-iommu",
    severity: Severity::Error,
    summary: "A device behind an IOMMU bound, and its IOMMU never got a driver",
    explanation: r#"## What it detects
A device that sits behind an IOMMU bound its driver, while the IOMMU device exists (a device
tree node, a sysfs device) but no IOMMU driver had bound it by the end of the capture: the
IOMMU module was never loaded, its probe failed or is still deferred, or the driver is missing
from the kernel.

## Why it matters
The consumer runs with direct DMA: no isolation, no scatter-gather remapping, physical
addresses on the bus. Drivers that need the IOMMU (large contiguous buffers, VFIO) fail later in
confusing ways, and a SysMMU left enabled by the bootloader faults on every transfer.

## Example
```
[    7.714000] virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency
(end of capture: 9050000.smmuv3 has no driver, /sys/class/iommu is empty)
```

## How to fix it
- Load the IOMMU driver: check that its module is installed and in the initramfs, and that it
  is not blacklisted (`initcall_blacklist=`, `module_blacklist=`).
- If the IOMMU's own probe defers, run `probescope why <iommu>` to see what it waits for.
- If the IOMMU is not meant to be used, disable its node (`status = "disabled"`) so consumers do
  not wait for it at all.

## Kernel references
`drivers/iommu/of_iommu.c` `of_iommu_configure()`, `drivers/base/dd.c`
`driver_deferred_probe_check_state()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S4-smmu-never",
            "The SMMU never bound; after the timeout the four functions bound without it.",
        ).about(&["0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "0000:01:00.0"]),
    ],
    clean: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S8-notimeout-never",
            "The SMMU never bound either, but with no timeout no function bound without it: they stayed deferred.",
        ),
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S2-smmu-late",
            "The functions bound without the SMMU at first, but it bound later in the capture (that is PS101, not this).",
        ),
    ],
};

pub struct IommuConsumerWithoutIommu;

impl Rule for IommuConsumerWithoutIommu {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let faults = super::iommu_fault::race_faults(boot, analysis);
        per_consumer(analysis.iommu_order(), |v| {
            matches!(v, Verdict::WithoutIommu { .. })
        })
        .into_iter()
        .map(|(consumer, verdicts)| {
            let consumer_name = &boot.device(consumer).name;
            // Only proof of a bind says "bound"; the kernel letting the probe go ahead, or the
            // driver printing, shows the probe, not its outcome.
            let went = if boot.bind_evidence(consumer).is_some() {
                "bound"
            } else {
                "probed"
            };
            let iommus: Vec<String> = verdicts.iter().map(|v| iommu_name(boot, v)).collect();
            let related = related_iommus(boot, &verdicts);
            let seen_at_end = verdicts.iter().any(|v| {
                matches!(
                    v.verdict,
                    Verdict::WithoutIommu {
                        unbound_at_end: Some(_)
                    }
                )
            });
            let end = if seen_at_end {
                "had no driver at the end of the capture"
            } else {
                "shows no sign of a bound driver anywhere in the capture"
            };
            let message = if verdicts.iter().all(|v| v.iommu.is_none()) {
                format!(
                    "{consumer_name} probed after the kernel stopped waiting for its IOMMU, and no device joined an IOMMU group anywhere in the capture: no IOMMU was working (the capture has no device tree to name it); its DMA bypasses the IOMMU"
                )
            } else {
                format!(
                    "{consumer_name} {went} without its IOMMU: {} {end}; its DMA bypasses the IOMMU",
                    iommus.join(", ")
                )
            };
            let evidence = verdicts.iter().flat_map(|v| {
                let unbound = match &v.verdict {
                    Verdict::WithoutIommu { unbound_at_end } => unbound_at_end.clone(),
                    _ => None,
                };
                v.proof
                    .iter()
                    .cloned()
                    .chain(v.consumer_bind.iter().map(|b| b.evidence.clone()))
                    .chain(unbound)
                    .chain(v.relation.iter().take(1).cloned())
                    .collect::<Vec<_>>()
            });
            let mut finding = Finding::new(&META, consumer_name.clone(), message)
                .related(related)
                .evidence(evidence);
            super::iommu_fault::cite_faults(&mut finding, &faults);
            finding
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::META;

    #[test]
    fn the_message_says_the_iommu_had_no_driver_at_the_end() {
        // S4: the SMMU module was never loaded; the final snapshot shows 9050000.smmuv3 without a
        // driver while 0000:00:03.0 is bound.
        let findings = crate::rules::findings_on_fixture("fixtures/qemu/smmuv3-6.1/S4-smmu-never");
        let finding = findings
            .iter()
            .find(|f| f.code == META.code && f.subject == "0000:00:03.0")
            .expect("0000:00:03.0 bound without its SMMU");
        assert_eq!(
            finding.message,
            "0000:00:03.0 bound without its IOMMU: 9050000.smmuv3 had no driver at the end of the capture; its DMA bypasses the IOMMU"
        );
        assert_eq!(finding.related, ["9050000.smmuv3"]);
        // Its evidence: the kernel's line, the final snapshot without the SMMU's driver, the
        // device tree's iommu-map.
        let texts: Vec<&str> = finding.evidence.iter().map(|e| &*e.text).collect();
        assert_eq!(
            texts[..2],
            [
                "virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency",
                "snapshot final: 9050000.smmuv3 has no driver"
            ]
        );
    }

    #[test]
    fn from_the_log_alone_the_iommu_shows_no_sign_of_a_driver_and_the_consumer_only_probed() {
        // S4's log and device tree: the kernel let 0000:00:03.0 go ahead; nothing in the log
        // shows the SMMU bound, and no snapshot shows the end.
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/smmuv3-6.1/S4-smmu-never");
        let findings = crate::rules::findings_on_inputs(&[root.join("dmesg.txt"), root.join("fdt.dtb")]);
        let finding = findings
            .iter()
            .find(|f| f.code == META.code && f.subject == "0000:00:03.0")
            .expect("0000:00:03.0 probed without its SMMU");
        assert_eq!(
            finding.message,
            "0000:00:03.0 probed without its IOMMU: 9050000.smmuv3 shows no sign of a bound driver anywhere in the capture; its DMA bypasses the IOMMU"
        );
        assert_eq!(finding.evidence.len(), 2, "{finding:?}");
    }
}
