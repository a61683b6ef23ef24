//! `iommu-dependency-ignored`: the kernel printed "deferred probe timeout, ignoring dependency"
//! for a device that depends on an IOMMU.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::iommu_order::Verdict;
use crate::model::{Boot, EventKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS103",
    name: "iommu-dependency-ignored",
    severity: Severity::Error,
    summary: "The deferred-probe timeout let a device behind an IOMMU probe without waiting for it",
    explanation: r#"## What it detects
The kernel printed "deferred probe timeout, ignoring dependency" (or "ignoring dependency for
device, assuming no driver") for a device that sits behind an IOMMU. The driver core had been
deferring the device's probe because its IOMMU was not registered; when the deferred-probe
timeout expired (or, on kernels without a timeout, when initcalls finished) it stopped waiting
and let the probe go ahead without the IOMMU.

One cause, one finding: when the capture shows what became of the IOMMU (it registered later:
PS101; it never did: PS102), that finding carries this line in the consumer's timeline and this
rule stays silent for the device. It fires alone when the capture cannot tell whether the IOMMU
ever registered (no device tree names it, no snapshot shows it): the kernel's line still proves
the consumer's probe went ahead without an IOMMU at that instant (`of_iommu_configure()` prints
it only while the IOMMU's ops are not registered).

## Why it matters
This is the moment the device lost its IOMMU for the rest of the boot: its DMA is set up
without translation and is not redone when the IOMMU arrives. The line is a warning in the log,
easy to miss among hundreds.

## Example
```
[    6.401392] rtc-pl031 9010000.pl031: deferred probe timeout, ignoring dependency
```

## How to fix it
- Load the IOMMU module before the timeout: in the initramfs, or earlier in the boot scripts.
- Lengthen the timeout (`deferred_probe_timeout=N`; every driver registration restarts it on
  v5.19/v6.0+), or `deferred_probe_timeout=-1` where the kernel accepts it.
- `fw_devlink.strict=1` makes `iommus` a blocking device link (on v6.x the link is relaxed at the
  timeout when the IOMMU has no driver, so this alone does not wait forever).

## Kernel references
`drivers/base/dd.c` `driver_deferred_probe_check_state()`, `deferred_probe_timeout_work_func()`;
`drivers/iommu/of_iommu.c` `of_iommu_configure()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt",
            "The SMMU-late log alone: no device tree names the IOMMU, and the kernel ignores only optional suppliers such as IOMMUs this way.",
        ).about(&["0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "0000:01:00.0"]),
    ],
    clean: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S2-smmu-late",
            "The same lines with the device tree and snapshots: the SMMU registered later, so each function's PS101 carries its \"ignoring dependency\" line.",
        ),
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S7-notimeout-late",
            "The functions waited just as long for a late SMMU, but with the timeout disabled nothing was ignored.",
        ),
    ],
};

pub struct IommuDependencyIgnored;

impl Rule for IommuDependencyIgnored {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let mut findings = Vec::new();
        for consumer in boot.device_ids() {
            let iommus: Vec<String> = boot
                .iommus_of(consumer)
                .map(|e| boot.device(e.iommu).name.clone())
                .collect();
            let unnamed = crate::analysis::iommu_order::depends_on_unnamed_iommu(boot, consumer);
            if iommus.is_empty() && !unnamed {
                continue;
            }
            let Some(event) = boot.ignored_dependency(consumer) else {
                continue;
            };
            // One cause, one finding: a consumer that PS101 or PS102 reports carries this line
            // in its timeline there.
            let raced = analysis.iommu_order().iter().any(|v| {
                v.consumer == consumer
                    && matches!(
                        v.verdict,
                        Verdict::ProbedBefore { .. } | Verdict::WithoutIommu { .. }
                    )
            });
            if raced {
                continue;
            }
            let assumed_no_driver = matches!(
                event.kind,
                EventKind::IgnoredDependency {
                    assumed_no_driver: true
                }
            );
            let why = if assumed_no_driver {
                "assuming no driver would come"
            } else {
                "at the deferred-probe timeout"
            };
            let name = &boot.device(consumer).name;
            let message = if unnamed {
                format!(
                    "the kernel stopped waiting for {name}'s supplier {why} and let it probe; the capture has no device tree to name it, and the kernel ignores only optional suppliers such as IOMMUs this way"
                )
            } else {
                format!(
                    "the kernel stopped waiting for {name}'s supplier {why} and let it probe; it depends on IOMMU {}",
                    iommus.join(", ")
                )
            };
            let relation = boot
                .iommus_of(consumer)
                .filter_map(|e| e.evidence.first().cloned());
            findings.push(
                Finding::new(&META, name.clone(), message)
                    .related(iommus)
                    .evidence(std::iter::once(event.evidence.clone()).chain(relation)),
            );
        }
        findings
    }
}
#[cfg(test)]
mod tests {
    use super::META;
    use std::path::Path;

    fn ps103(relative: &str) -> Vec<crate::rules::Finding> {
        crate::rules::findings_on_inputs(&[Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)])
            .into_iter()
            .filter(|f| f.code == META.code)
            .collect()
    }

    #[test]
    fn the_message_says_why_the_kernel_stopped_waiting() {
        // R-Car H3, next-20200401: the timeout's "deferred probe timeout, ignoring dependency"
        // for the DMA controllers, and an earlier "ignoring dependency for device, assuming no
        // driver" for the Ethernet controller (the kernel's two messages in
        // driver_deferred_probe_check_state()).
        let findings =
            ps103("fixtures/public/rcar-h3-salvatorxs-next20200401-deferred-probe-timeout-iommu-warn.txt");
        let message = |subject: &str| {
            findings
                .iter()
                .find(|f| f.subject == subject)
                .map(|f| f.message.clone())
                .unwrap_or_else(|| panic!("PS103 for {subject}: {findings:?}"))
        };
        assert_eq!(
            message("e6700000.dma-controller"),
            "the kernel stopped waiting for e6700000.dma-controller's supplier at the deferred-probe timeout and let it probe; the capture has no device tree to name it, and the kernel ignores only optional suppliers such as IOMMUs this way"
        );
        assert_eq!(
            message("e6800000.ethernet"),
            "the kernel stopped waiting for e6800000.ethernet's supplier assuming no driver would come and let it probe; the capture has no device tree to name it, and the kernel ignores only optional suppliers such as IOMMUs this way"
        );
        let ethernet = findings
            .iter()
            .find(|f| f.subject == "e6800000.ethernet")
            .expect("found");
        assert_eq!(ethernet.evidence.len(), 1);
        assert_eq!(ethernet.evidence[0].origin.line, 16);
        assert!(ethernet.related.is_empty());
    }

    #[test]
    fn a_device_that_waited_for_its_iommu_is_not_reported() {
        // S7 (deferred_probe_timeout=-1): no "ignoring dependency" line, with or without the
        // device tree.
        assert_eq!(ps103("fixtures/qemu/smmuv3-6.1/S7-notimeout-late/dmesg.txt"), []);
        assert_eq!(ps103("fixtures/qemu/smmuv3-6.1/S7-notimeout-late"), []);
    }
}
