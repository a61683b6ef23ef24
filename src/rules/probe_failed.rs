//! `probe-failed`: a driver's probe failed (not deferred).

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::blockers::errno_name;
use crate::model::{Boot, EventKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS206",
    name: "probe-failed",
    severity: Severity::Error,
    summary: "A driver's probe failed with an error",
    explanation: r#"## What it detects
The driver core reported that a driver's probe returned an error other than -EPROBE_DEFER:
`<driver>: probe of <device> failed with error <n>` (up to ~v6.9) or
`<driver> <device>: probe with driver <driver> failed with error <n>` (~v6.10+).

## Why it matters
The device is left without a driver and is not retried: everything that depends on it (device
link consumers, users of its clocks, power domains, IOMMU translation) waits forever or goes on
without it. An IOMMU whose probe fails leaves all its consumers without translation.

## Example
```
exynos-sysmmu 7f000000.sysmmu: probe with driver exynos-sysmmu failed with error -22
```

## How to fix it
Read the driver's messages just before the failure (the finding cites the line); common causes
are missing resources in the device tree (clocks, interrupts, `reg`), a missing firmware file
(-ENOENT), or a driver/hardware version mismatch. -ENODEV and -ENXIO from a probe normally mean
"not my device" and are not printed on current kernels.

## Kernel references
`drivers/base/dd.c` `really_probe()` and `driver_probe_device()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example::capture(
        "fixtures/public/kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt",
        "Probes that returned an error other than -EPROBE_DEFER.",
    )
    .about(&["thermal-sensor1", "thermal-sensor2"])],
    clean: &[Example::capture(
        "fixtures/public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt",
        "Probes that returned -517 (-EPROBE_DEFER): deferrals, not failures.",
    )],
};

pub struct ProbeFailed;

impl Rule for ProbeFailed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let mut findings: Vec<Finding> = Vec::new();
        for event in &boot.events {
            let EventKind::ProbeFailed { driver, errno } = &event.kind else {
                continue;
            };
            let name = &boot.device(event.device).name;
            let message = format!(
                "probe of {name} with driver {driver} failed with error {}",
                errno_name(*errno)
            );
            // A device that failed more than once is one finding: its last failure leads, the
            // earlier ones are evidence.
            if let Some(earlier) = findings.iter_mut().find(|f| f.subject == *name) {
                earlier.message = message;
                earlier.evidence.push(event.evidence.clone());
                continue;
            }
            findings.push(Finding::new(&META, name.clone(), message).evidence([event.evidence.clone()]));
        }
        // What a failed device keeps deferred is part of this one cause (PS201 leaves it here).
        let mut blocked_by_root = super::probe_deferred_unresolved::blocked_by_root(boot, analysis);
        for finding in &mut findings {
            let failed_last = boot
                .find(&finding.subject)
                .is_some_and(|id| super::probe_deferred_unresolved::last_probe_failed(boot, id));
            if !failed_last {
                continue;
            }
            let blocks = blocked_by_root.remove(&finding.subject).unwrap_or_default();
            if !blocks.is_empty() {
                let n = blocks.len();
                finding.message = format!(
                    "{}; it blocks {n} deferred device{}",
                    finding.message,
                    if n == 1 { "" } else { "s" }
                );
                finding.related.extend(blocks.iter().map(|b| b.device.clone()));
                finding.blocks = blocks;
            }
        }
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::META;
    use crate::analysis::blockers::DeviceStatus;

    #[test]
    fn a_device_whose_probe_failed_is_not_shown_bound_though_its_driver_printed() {
        // MT8186: "clk-mt8186-cam 1a000000.clock-controller: probe with driver clk-mt8186-cam
        // failed with error -22", a line with the driver's prefix, is its last word.
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt")],
            ..Default::default()
        };
        let (boot, report) = crate::pipeline::analyse(&spec).expect("the log reads");
        assert!(report
            .findings
            .iter()
            .any(|f| f.code == META.code && f.subject == "1a000000.clock-controller"));
        let graph = crate::analysis::graph::SupplierGraph::new(&boot);
        let analysis = crate::analysis::Analysis::new(&boot, &graph);
        let clock = boot
            .find_by_name("1a000000.clock-controller")
            .expect("in the log");
        assert_eq!(analysis.blockers().status(clock), DeviceStatus::Unbound);
    }
}
