//! `deferred-probe-timeout-expired`: the deferred-probe timeout fired; which dependencies it
//! cut, which supplier then arrived and when, and the smallest timeout that would have covered
//! it.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::firmware::{firmware, Firmware};
use crate::model::{Boot, BootTime, Event, EventKind, Evidence, FactKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS203",
    name: "deferred-probe-timeout-expired",
    severity: Severity::Warning,
    summary: "The deferred-probe timeout fired and cut devices loose from suppliers that had not arrived",
    explanation: r#"## What it detects
The kernel's deferred-probe timeout expired: "deferred probe timeout, ignoring dependency" (or
"ignoring dependency for device, assuming no driver") or "deferred probe pending" lines. The
finding names the dependencies it cut, the supplier that then arrived (its module load and its
driver's bind) and when, and the smallest `deferred_probe_timeout=` that would have covered it.

How the timer works (`drivers/base/dd.c`): `deferred_probe_initcall()` arms it at
`late_initcall` when `deferred_probe_timeout` > 0 (default 10 s on v6.0+ with modules, 0 on
v5.7–v5.18); on v5.19/v6.0+ every successful `driver_register()` while it is pending restarts it
for the full period, so it fires N seconds after the last driver registration. With 0 there is
no timer: dependencies are ignored as soon as initcalls are done. So with the timeout T in force
and the timer firing at time F, the last restart was at F − T; a supplier registered at S would
have been waited for with any timeout above T + (S − F).

On an ACPI machine (IORT, VIOT, DMAR, IVRS; no device tree describing devices) the timeout
cuts no IOMMU dependency: `acpi_iommu_configure_id()` keeps returning -EPROBE_DEFER while the
IOMMU's driver is expected, so consumers wait (for ever if it never comes) and the timeout only
prints "deferred probe pending" for them. There this finding is not raised for IOMMU consumers;
the ones still waiting get PS201.

This finding is the boot-wide view (when the timer fired, what would have covered the late
supplier); each IOMMU consumer it cut has its own PS101 or PS102 with its timeline, which this
message does not repeat.

## Why it matters
Each cut dependency is a device that probed without its supplier (for IOMMUs: without
translation, for good).

## Example
```
[    6.972297] pcieport 0000:00:05.0: deferred probe timeout, ignoring dependency
[   12.527461] arm-smmu-v3 9050000.smmuv3: ias 44-bit, oas 44-bit (features 0x00008305)
=> deferred_probe_timeout=11 would have covered it (it was 5)
```

## How to fix it
Load the supplier's module earlier (initramfs), build it in, or raise `deferred_probe_timeout=`
to at least the value given (or `-1`, wait forever, on kernels that accept it).

## Kernel references
`drivers/base/dd.c` `deferred_probe_initcall()`, `deferred_probe_extend_timeout()`,
`deferred_probe_timeout_work_func()`, `driver_deferred_probe_check_state()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example::capture(
        "fixtures/qemu/smmuv3-6.1/S2-smmu-late",
        "The deferred-probe timeout fired while the four functions still waited for the SMMU.",
    )
    .about(&["9050000.smmuv3"])],
    clean: &[Example::capture(
        "fixtures/qemu/smmuv3-6.1/S7-notimeout-late",
        "The functions waited past 5 s for the SMMU, but the timeout was disabled (-1) and never fired.",
    )],
};

pub struct DeferredProbeTimeoutExpired;

impl Rule for DeferredProbeTimeoutExpired {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let ignored: Vec<_> = boot
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::IgnoredDependency { .. }))
            .collect();
        let pending: Vec<&Event> = boot
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::DeferredPending { .. }))
            .collect();
        let budget = analysis.timeout();
        let Some(fired) = &budget.fired else {
            return Vec::new();
        };
        let (fired_index, fired_time, fired_evidence) = (fired.index, fired.time, fired.evidence.clone());
        let timeout = budget.seconds;
        let timeout_text = match (budget.configured, timeout) {
            (Some(value), _) => format!("deferred_probe_timeout={value}"),
            (None, Some(t)) => format!("the default deferred_probe_timeout of {t} s for this kernel"),
            (None, None) => "the kernel's default deferred_probe_timeout".to_string(),
        };
        let fired_at = fired_time.map(|t| format!(" at {t} s")).unwrap_or_default();

        // Group the cut dependencies by the supplier (IOMMU) they cut.
        let mut findings = Vec::new();
        let mut by_supplier: Vec<(Option<crate::model::DeviceId>, Vec<String>, Vec<Evidence>)> = Vec::new();
        for event in &ignored {
            let iommus: Vec<_> = boot.iommus_of(event.device).map(|e| e.iommu).collect();
            let keys: Vec<Option<crate::model::DeviceId>> = if iommus.is_empty() {
                vec![None]
            } else {
                iommus.into_iter().map(Some).collect()
            };
            for key in keys {
                let name = boot.device(event.device).name.clone();
                match by_supplier.iter_mut().find(|(k, _, _)| *k == key) {
                    Some((_, devices, evidence)) => {
                        if !devices.contains(&name) {
                            devices.push(name);
                        }
                        evidence.push(event.evidence.clone());
                    }
                    None => by_supplier.push((key, vec![name], vec![event.evidence.clone()])),
                }
            }
        }
        let modules = analysis.modular_iommus();
        for (supplier, devices, mut evidence) in by_supplier {
            let supplier_name = supplier.map(|s| boot.device(s).name.clone());
            let arrival = supplier.and_then(|s| crate::analysis::readiness::registration(boot, s));
            // The IOMMU module's load line, when the log has one (taint notice, initcall_debug).
            let module_load = boot.facts.iter().find_map(|fact| match &fact.kind {
                FactKind::ModuleLoaded { module } if modules.iter().any(|m| m.module == *module) => {
                    Some((module.clone(), fact.time, fact.evidence.clone()))
                }
                _ => None,
            });
            let mut message = format!(
                "the deferred-probe timeout ({timeout_text}) fired{fired_at} and cut {} loose from {}",
                devices.join(", "),
                supplier_name
                    .as_deref()
                    .unwrap_or("a supplier the capture does not name")
            );
            match &module_load {
                Some((module, Some(at), load)) => {
                    message.push_str(&format!("; module {module} was loaded at {at} s"));
                    evidence.push(load.clone());
                }
                Some((module, None, load)) => {
                    message.push_str(&format!("; module {module} was loaded at {}", load.origin));
                    evidence.push(load.clone());
                }
                None => {
                    if let Some(module) = modules.first() {
                        message.push_str(&format!(
                            "; module {} is loaded (the log does not say when)",
                            module.module
                        ));
                        evidence.push(module.evidence.clone());
                    }
                }
            }
            match &arrival {
                Some(bind) if bind.position.log_index().is_none_or(|i| i > fired_index) => {
                    // The instant of the IOMMU's registration is in each consumer's PS101;
                    // here only the gap, which sizes the timeout.
                    let arrived_at = bind.position.time();
                    evidence.push(bind.evidence.clone());
                    if let (Some(at), Some(fired), Some(timeout)) = (arrived_at, fired_time, timeout) {
                        message.push_str(&format!(
                            "; it registered {:.2} s after the timeout: deferred_probe_timeout={} would have covered it",
                            (at.as_secs_f64() - fired.as_secs_f64()).max(0.0),
                            covering_timeout(timeout, fired, at)
                        ));
                    } else {
                        message.push_str(if arrived_at.is_some() {
                            "; it registered later"
                        } else {
                            "; it registered later (seen in a later snapshot)"
                        });
                        message.push_str("; a longer deferred_probe_timeout (or -1) would have covered it");
                    }
                }
                Some(_) => {}
                // Without a name for the supplier the capture cannot show whether it arrived.
                None if supplier.is_none() => {
                    message.push_str("; the capture does not name it, so whether it arrived later is unknown")
                }
                None => {
                    // "Never" needs a final snapshot showing the IOMMU unregistered; a log that
                    // does not mention the registration says nothing about it.
                    let unregistered_at_end = supplier.zip(boot.final_snapshot()).is_some_and(|(s, last)| {
                        crate::analysis::readiness::registered_in_snapshot(boot, s, last) == Some(false)
                    });
                    message.push_str(if unregistered_at_end {
                        "; it never arrived by the end of the capture, so no timeout would have helped: its driver must be loaded"
                    } else {
                        "; the capture does not show it arriving (no final snapshot of its state), so whether a longer timeout would have helped is unknown"
                    });
                }
            }
            let subject = supplier_name.unwrap_or_else(|| "deferred_probe_timeout".to_string());
            findings.push(
                Finding::new(&META, subject, message)
                    .related(devices)
                    .evidence(evidence),
            );
        }
        // On ACPI the timeout lets no IOMMU consumer go (`acpi_iommu_configure_id()` keeps
        // deferring): it only lists who still waits, and those get their own finding.
        if findings.is_empty() && firmware(boot) != Firmware::Acpi {
            let devices: Vec<String> = pending
                .iter()
                .map(|e| boot.device(e.device).name.clone())
                .collect();
            let message = format!(
                "the deferred-probe timeout ({timeout_text}) fired{fired_at} with {} device(s) still deferred",
                devices.len()
            );
            findings.push(
                Finding::new(&META, "deferred_probe_timeout", message)
                    .related(devices)
                    .evidence(std::iter::once(fired_evidence)),
            );
        }
        findings
    }
}

/// The smallest whole-second timeout with which the timer, last restarted at `fired -
/// timeout`, would still have been pending when the supplier arrived.
fn covering_timeout(timeout: f64, fired: BootTime, arrived: BootTime) -> u64 {
    let needed = timeout + (arrived.as_secs_f64() - fired.as_secs_f64());
    (needed.floor() as u64) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IOMMU's module is named with its own load line, not the first module the log saw
    /// load (the consumers' modules load before it in these captures, and initcall_debug shows
    /// every one).
    #[test]
    fn the_iommu_module_is_named_with_its_own_load() {
        let qemu = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu");
        for (capture, said) in [
            (
                "smmuv3-6.1/S5-verbose-late",
                "; module arm_smmu_v3_mod was loaded at 11.768322 s;",
            ),
            (
                "virtio-iommu-arm64-6.12/V4-verbose-late",
                "; module virtio_iommu was loaded at 21.450065 s;",
            ),
        ] {
            let findings = crate::rules::findings_on_inputs(&[qemu.join(capture)]);
            let ps203: Vec<&str> = findings
                .iter()
                .filter(|f| f.code == META.code)
                .map(|f| f.message.as_str())
                .collect();
            assert!(
                ps203.len() == 1 && ps203[0].contains(said),
                "{capture}: {ps203:#?}"
            );
        }
    }

    #[test]
    fn covering_timeout_exceeds_the_gap() {
        // Fired at 6.97 s with 5 s; the SMMU bound at 12.53 s: the timer restarted at 1.97 s
        // and would have had to run past 12.53 s.
        assert_eq!(
            covering_timeout(5.0, BootTime::from_secs_f64(6.97), BootTime::from_secs_f64(12.53)),
            11
        );
        assert_eq!(
            covering_timeout(0.0, BootTime::from_secs_f64(2.0), BootTime::from_secs_f64(3.5)),
            2
        );
    }

    #[test]
    fn names_the_kernels_default_when_the_command_line_sets_no_timeout() {
        // A 6.13 kernel (`Linux version 6.13.0`) with no deferred_probe_timeout= on its command
        // line: the timeout it ran with is the 6.x default, 10 s (drivers/base/dd.c).
        let findings = crate::rules::findings_on_fixture(
            "fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt",
        );
        let finding = findings
            .iter()
            .find(|f| f.code == META.code)
            .expect("the timeout fired in this capture");
        assert!(
            finding
                .message
                .contains("the default deferred_probe_timeout of 10 s for this kernel"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn says_what_the_timeout_cut_and_which_timeout_would_have_covered_it() {
        // The SMMU module was loaded after the timeout (fixtures/qemu/README.md, S2): the
        // message names the cut functions, the module's load, the driver's bind and the gap.
        let findings = crate::rules::findings_on_fixture("fixtures/qemu/smmuv3-6.1/S2-smmu-late");
        let messages: Vec<&str> = findings
            .iter()
            .filter(|f| f.code == META.code)
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            messages,
            ["the deferred-probe timeout (deferred_probe_timeout=5) fired at 6.972297 s and cut 0000:00:05.0, 0000:00:03.0, 0000:00:04.0, 0000:01:00.0 loose from 9050000.smmuv3; module arm_smmu_v3_mod was loaded at 12.518479 s; it registered 5.56 s after the timeout: deferred_probe_timeout=11 would have covered it"]
        );
    }

    /// The rule's messages on a fixture.
    fn messages_on(fixture: &str) -> Vec<String> {
        crate::rules::findings_on_fixture(fixture)
            .into_iter()
            .filter(|f| f.code == META.code)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn says_no_timeout_helps_an_iommu_unregistered_at_the_end_and_unknown_from_a_log_alone() {
        // S4: the SMMU's driver never came (iommu_class.txt has no entry at the end).
        assert_eq!(
            messages_on("fixtures/qemu/smmuv3-6.1/S4-smmu-never"),
            [
                "the deferred-probe timeout (deferred_probe_timeout=5) fired at 7.710420 s and cut \
              0000:00:05.0, 0000:00:03.0, 0000:00:04.0, 0000:01:00.0 loose from 9050000.smmuv3; it \
              never arrived by the end of the capture, so no timeout would have helped: its driver \
              must be loaded"
            ]
        );
        // The same boot's log alone names no IOMMU for the functions cut loose.
        assert_eq!(
            messages_on("fixtures/qemu/smmuv3-6.1/S4-smmu-never/dmesg.txt"),
            [
                "the deferred-probe timeout (deferred_probe_timeout=5) fired at 7.710420 s and cut \
              0000:00:05.0, 0000:00:03.0, 0000:00:04.0, 0000:01:00.0 loose from a supplier the \
              capture does not name; the capture does not name it, so whether it arrived later \
              is unknown"
            ]
        );
    }

    #[test]
    fn a_timeout_that_cut_nothing_loose_lists_the_devices_still_pending() {
        // Boards of a mail whose logs print "deferred probe pending" but no "ignoring
        // dependency" line (device tree boards, so not ACPI's keep-waiting case).
        let found: Vec<Finding> = crate::rules::findings_on_fixture(
            "fixtures/public/renesas-multiboard-fw_devlink-devices_deferred-wait-for-supplier.txt",
        )
        .into_iter()
        .filter(|f| f.code == META.code)
        .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].subject, "deferred_probe_timeout");
        assert_eq!(
            found[0].message,
            "the deferred-probe timeout (the kernel's default deferred_probe_timeout) fired with 8 \
             device(s) still deferred"
        );
        assert_eq!(
            found[0].related,
            [
                "backlight",
                "sound",
                "fe1f0000.sound",
                "sound",
                "ec230000.sound",
                "keyboard",
                "sound",
                "feb00000.display"
            ]
        );
    }

    #[test]
    fn a_mail_quoting_another_boot_takes_the_timeout_from_its_own_boot() {
        // The salvator-x report (2020) quotes two lines of an earlier boot ("ignoring
        // dependency" at 3.222205 s, line 16), then gives its own boot from line 136: there the
        // timeout fired at 33.770490 s. The quoted lines are a note, not a boot; nothing of the
        // real boot's findings may come from them.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public/rcar-h3-salvatorxs-next20200401-deferred-probe-timeout-iommu-warn.txt");
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![path.clone()],
            ..Default::default()
        };
        let inputs = crate::ingest::discover::gather(&spec).expect("the mail reads");
        let boots = crate::pipeline::split_boots(inputs);
        assert_eq!(
            boots.len(),
            1,
            "the boot the mail copies; the quoted excerpt is a note"
        );
        let (_, report) =
            crate::pipeline::analyse_inputs(boots.into_iter().next().expect("one boot"), &[path])
                .expect("a boot");
        let timeout: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.code == META.code)
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(timeout.len(), 1, "{timeout:?}");
        assert!(timeout[0].contains("fired at 33.770490 s"), "{}", timeout[0]);
        let quoted: Vec<_> = report
            .findings
            .iter()
            .flat_map(|f| f.evidence.iter())
            .filter(|e| e.origin.line > 0 && e.origin.line < 136)
            .collect();
        assert_eq!(quoted, Vec::<&crate::model::Evidence>::new());
    }
}
