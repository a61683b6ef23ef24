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
        // Grouping every deferred device by root cause walks every chain: only when a failed
        // device may be a root.
        let mut blocked_by_root = None;
        for finding in &mut findings {
            let failed_last = boot
                .find(&finding.subject)
                .is_some_and(|id| super::probe_deferred_unresolved::last_probe_failed(boot, id));
            if !failed_last {
                continue;
            }
            let blocks = blocked_by_root
                .get_or_insert_with(|| super::probe_deferred_unresolved::blocked_by_root(boot, analysis))
                .remove(&finding.subject)
                .unwrap_or_default();
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

    #[test]
    fn one_finding_per_failed_device_with_what_its_failure_keeps_deferred() {
        // MT8186: 11017000.clock-controller's probe failed with -22 (lines 1811 and 5187, the
        // log printed twice); five I2C controllers are "deferred probe pending: platform:
        // supplier 11017000.clock-controller not ready" at the end.
        let findings = crate::rules::findings_on_inputs(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt")]);
        let ps206: Vec<_> = findings.iter().filter(|f| f.code == META.code).collect();
        let clock = ps206
            .iter()
            .find(|f| f.subject == "11017000.clock-controller")
            .expect("PS206 for the clock controller");
        assert_eq!(ps206.iter().filter(|f| f.subject == clock.subject).count(), 1);
        assert_eq!(
            clock.message,
            "probe of 11017000.clock-controller with driver clk-mt8186-imp_iic_wrap failed with error -EINVAL (-22); it blocks 5 deferred devices"
        );
        let lines: Vec<u32> = clock.evidence.iter().map(|e| e.origin.line).collect();
        assert_eq!(lines, [1811, 5187]);
        let blocked = [
            "11007000.i2c",
            "11008000.i2c",
            "11009000.i2c",
            "1100f000.i2c",
            "11016000.i2c",
        ];
        assert_eq!(clock.related, blocked);
        let blocks: Vec<&str> = clock.blocks.iter().map(|b| b.device.as_str()).collect();
        assert_eq!(blocks, blocked);
        // A failed device that keeps nothing deferred says only its failure.
        let cam = ps206
            .iter()
            .find(|f| f.subject == "1a000000.clock-controller")
            .expect("PS206 for the camera clock controller");
        assert_eq!(
            cam.message,
            "probe of 1a000000.clock-controller with driver clk-mt8186-cam failed with error -EINVAL (-22)"
        );
        assert!(cam.blocks.is_empty() && cam.related.is_empty());
    }
}
