//! `modular-iommu-without-strict-fw-devlink`: an IOMMU driver is a module while
//! `fw_devlink.strict` is off, the configuration in which consumers can outrun the IOMMU.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::firmware::{firmware, Firmware};
use crate::model::Boot;

pub static META: RuleMeta = RuleMeta {
    code: "PS204",
    name: "modular-iommu-without-strict-fw-devlink",
    severity: Severity::Warning,
    summary: "An IOMMU driver is a module while fw_devlink.strict is off",
    explanation: r#"## What it detects
An IOMMU driver that is a loadable module (in `/proc/modules`, named by a module-load line, or
`=m` in the kernel config) on a kernel booted without `fw_devlink.strict=1`.

Only on a machine described by a device tree: on an ACPI machine (IORT, VIOT, DMAR, IVRS)
fw_devlink reads no IOMMU property, consumers of an expected IOMMU keep deferring without any
timeout (`acpi_iommu_configure_id()`), and `fw_devlink.strict` has no bearing, so the rule is
silent there.

## Why it matters
Without strict mode `iommus` and `iommu-map` are optional fw_devlink suppliers: no device link
makes the consumers wait. Only `of_iommu_configure()`'s deferral holds them, and only until the
deferred-probe timeout (10 s after the last driver registration on v6.0+, the end of initcalls
on v5.7–v5.18 by default). A module loaded later than that — from a slow root file system,
after a password prompt in the initramfs, by a vendor init — arrives after its consumers probed
without translation.

## Example
```
/proc/modules: arm_smmu_v3 49152 0 - Live 0xffff... 
/proc/cmdline: console=ttyAMA0 root=/dev/vda2   (no fw_devlink.strict=1)
```

## How to fix it
Build the IOMMU driver in (`=y`), or load it from the initramfs before anything that needs it,
or boot with `fw_devlink.strict=1` so consumers get blocking device links to their IOMMU (on
v6.x those links are still relaxed at the timeout when the IOMMU has no driver, so also make
sure the module loads in time).

## Kernel references
`drivers/of/property.c` `of_link_property()` (optional bindings skipped unless
`fw_devlink_is_strict()`), `drivers/base/core.c` `fw_devlink_strict`,
`drivers/iommu/of_iommu.c`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example::capture(
        "fixtures/qemu/smmuv3-6.1/S1-smmu-early",
        "The SMMU driver is a module and the command line has no fw_devlink.strict=1.",
    )
    .about(&["arm_smmu_v3_mod"])],
    clean: &[
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S3-strict-late",
            "The same modular SMMU driver, with fw_devlink.strict=1 on the command line.",
        ),
        Example::capture(
            "fixtures/qemu/smmuv3-6.1/S0-builtin-stock",
            "fw_devlink.strict is not set, but the SMMU driver is built in.",
        ),
    ],
};

pub struct ModularIommuWithoutStrictFwDevlink;

impl Rule for ModularIommuWithoutStrictFwDevlink {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let modules = analysis.modular_iommus();
        // fw_devlink reads device-tree properties; on an ACPI machine consumers of a missing
        // IOMMU keep deferring whatever fw_devlink.strict says.
        if modules.is_empty() || firmware(boot) == Firmware::Acpi {
            return Vec::new();
        }
        let cmdline = analysis.cmdline();
        let strict = cmdline
            .and_then(|(cmdline, _)| cmdline.fw_devlink_strict)
            .unwrap_or(false);
        let permissive_or_off = cmdline
            .and_then(|(cmdline, _)| cmdline.fw_devlink.as_deref())
            .is_some_and(|mode| mode == "off" || mode == "permissive");
        if strict && !permissive_or_off {
            return Vec::new();
        }
        let setting = if strict {
            "fw_devlink.strict=1 has no effect with fw_devlink=off/permissive"
        } else if cmdline.is_some() {
            "the command line does not set fw_devlink.strict=1"
        } else {
            "no command line in the capture, so fw_devlink.strict is taken as its default (off)"
        };
        modules
            .iter()
            .map(|module| {
                let message = format!(
                    "IOMMU driver {} is a module and {setting}: its consumers get no device link to it and can probe before it",
                    module.module
                );
                let evidence = std::iter::once(module.evidence.clone()).chain(cmdline.iter().map(|(_, e)| e.clone()));
                Finding::new(&META, module.module.clone(), message).evidence(evidence)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::META;

    #[test]
    fn an_acpi_machine_with_a_modular_iommu_gets_no_advice_about_fw_devlink() {
        // A2: arm64 booted with ACPI (VIOT), virtio_iommu loaded as a module after the
        // timeout, no fw_devlink.strict on the command line: fw_devlink reads no device tree
        // there, so strict mode would change nothing.
        let capture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/qemu/virtio-iommu-viot-arm64-6.12/A2-viommu-late");
        let findings = crate::rules::findings_on_inputs(&[capture]);
        assert!(findings.iter().all(|f| f.code != META.code), "{findings:#?}");
    }

    #[test]
    fn strict_with_fw_devlink_off_or_permissive_is_said_to_have_no_effect() {
        // V7 and V8: virtio_iommu loaded late, fw_devlink.strict=1 beside fw_devlink=permissive
        // (every link sync-state-only) and fw_devlink=off (no link at all): the kernel's
        // fw_devlink_is_strict() is false in both, and the functions went ahead at the timeout.
        let set =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/virtio-iommu-arm64-6.12");
        for capture in ["V7-permissive-strict-late", "V8-off-strict-late"] {
            let findings = crate::rules::findings_on_inputs(&[set.join(capture)]);
            let said: Vec<&str> = findings
                .iter()
                .filter(|f| f.code == META.code)
                .map(|f| f.message.as_str())
                .collect();
            assert_eq!(
                said,
                ["IOMMU driver virtio_iommu is a module and fw_devlink.strict=1 has no effect with fw_devlink=off/permissive: its consumers get no device link to it and can probe before it"],
                "{capture}"
            );
        }
        // V6: strict alone is in force, and nothing is said.
        let strict = crate::rules::findings_on_inputs(&[set.join("V6-strict-late")]);
        assert!(strict.iter().all(|f| f.code != META.code), "{strict:#?}");
    }
}
