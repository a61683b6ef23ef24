//! `iommu-group-missing`: a consumer bound behind a bound IOMMU but never joined an IOMMU group.

use super::settings::RuleSettings;
use super::{Analysis, Example, ExampleEdit, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::iommu_order::{iommu_name, per_consumer, related_iommus, Verdict};
use crate::model::Boot;

pub static META: RuleMeta = RuleMeta {
    code: "PS104",
    name: "iommu-group-missing",
    severity: Severity::Warning,
    summary: "A device bound behind its bound IOMMU but never joined an IOMMU group",
    explanation: r#"## What it detects
A device that sits behind an IOMMU bound its driver after the IOMMU's driver bound, yet it was
never added to an IOMMU group: no "Adding to iommu group N" line, no `iommu_group` link at the
end of the capture.

## Why it matters
Without a group the IOMMU core never attached the device to a domain: its DMA is not
translated even though the IOMMU is up. Usual causes: the IOMMU driver's `probe_device` or
`of_xlate` rejected the device (a wrong `iommus` specifier or stream ID, an `iommu-map` that
does not cover its requester ID), or the driver registered its IOMMU without ops for this bus.

## Example
```
(the IOMMU's driver bound at 0.78 s; 0000:00:03.0 bound at 1.20 s; /sys/kernel/iommu_groups
 lists no group with 0000:00:03.0)
```

## How to fix it
- Check the consumer's `iommus` specifier (or the host bridge's `iommu-map` range) against the
  IOMMU's binding; enable the IOMMU driver's debug output (`dyndbg`) to see `of_xlate` errors.
- Look for "Failed to add to iommu group" / "Adding to IOMMU failed" lines for the device.

## Kernel references
`drivers/iommu/iommu.c` `__iommu_probe_device()`, `iommu_group_add_device()`;
`drivers/iommu/of_iommu.c` `of_iommu_xlate()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example {
        capture: "fixtures/qemu/exynos-6.12/E5-verbose-early",
        config: None,
        edit: Some(ExampleEdit::WithoutIommuGroup("9010000.pl031")),
        why: "Generated: the driver core's debug lines show the SysMMU bound before the RTC; every trace of the RTC's group is removed.",
        subjects: &["9010000.pl031"],
    }],
    clean: &[
        Example::capture(
            "fixtures/qemu/exynos-6.12/E5-verbose-early",
            "The same capture as it is: every consumer bound behind its SysMMU joined a group.",
        ),
        Example::capture(
            "fixtures/qemu/exynos-6.12/E1-exynos-early",
            "Consumers in groups again; without the debug lines the log does not show the SysMMU's bind.",
        ),
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S2-smmu-late",
            "No function has a group, but none bound behind a bound SMMU: they bound before it.",
        ),
    ],
};

pub struct IommuGroupMissing;

impl Rule for IommuGroupMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        if !boot.has_final_device_states() {
            // Without an end-of-capture device listing the absence of a group is not shown.
            return Vec::new();
        }
        per_consumer(analysis.iommu_order(), |v| matches!(v, Verdict::Behind))
            .into_iter()
            .filter(|(consumer, _)| {
                let device = boot.device(*consumer);
                boot.group_joins(*consumer).next().is_none()
                    && device.group_at_end().is_none()
                    && device.bound_at_end() == Some(true)
            })
            .map(|(consumer, verdicts)| {
                let name = &boot.device(consumer).name;
                let iommus: Vec<String> = verdicts.iter().map(|v| iommu_name(boot, v)).collect();
                let related = related_iommus(boot, &verdicts);
                let message = format!(
                    "{name} bound behind its IOMMU {} but never joined an IOMMU group; its DMA is not translated",
                    iommus.join(", ")
                );
                let evidence = verdicts.iter().flat_map(|v| {
                    v.consumer_bind.iter().map(|b| b.evidence.clone()).chain(v.relation.iter().take(1).cloned()).collect::<Vec<_>>()
                });
                Finding::new(&META, name.clone(), message).related(related).evidence(evidence)
            })
            .collect()
    }
}
