//! `sync-state-pending`: a supplier's sync_state() never ran because consumers never bound.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::model::{Boot, Evidence, FactKind};
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    code: "PS205",
    name: "sync-state-pending",
    severity: Severity::Warning,
    summary: "A supplier's sync_state() is still pending because some consumers never probed",
    explanation: r#"## What it detects
At the end of probing the kernel printed `sync_state() pending due to <consumer>` for a supplier
(v6.4+): the supplier's driver implements `sync_state()`, and a consumer with a managed device
link to it never reached the bound state, so the supplier keeps the boot-time state (clocks,
regulators, interconnect votes the bootloader left on).

## Why it matters
Power stays on that should be turned off (battery drain, heat), or — with
`fw_devlink.sync_state=timeout` — is turned off under a consumer that may still come. The
consumers named are usually the real problem: devices whose driver is missing or deferred.

## Example
```
qcom-rpmhpd 18200000.rsc:power-controller: sync_state() pending due to ae00000.display-subsystem
```

## How to fix it
Make the named consumers probe (load their drivers, or see `probescope why <consumer>`), or
disable their DT nodes if they are not used on this board.

## Kernel references
`drivers/base/core.c` `fw_devlink_probing_done()`, `__device_links_queue_sync_state()`;
`fw_devlink.sync_state=` in `Documentation/admin-guide/kernel-parameters.txt`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example {
        capture: "fixtures/public-extra/imx8mm-gw7200-6.19rc-mail-quoted-dmesg-sync-state-pending.txt",
        config: None,
        edit: None,
        why: "The i.MX8MM boot log quoted (`>> `) in a linux-pci mail, read as a paste with the mail client's wraps rejoined: the VPU block control waits for both VPU cores, the GPU power domain for both GPUs.",
        subjects: &["38330000.blk-ctrl", "imx-pgc-domain.5"],
    }],
    clean: &[Example::capture(
        "fixtures/qemu/smmuv3-6.1/S8-notimeout-never",
        "Consumers that never bound, but their supplier (the SMMU) has no sync_state() and never bound.",
    )],
};

pub struct SyncStatePending;

impl Rule for SyncStatePending {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, _analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let mut by_supplier: BTreeMap<&str, (Vec<String>, Vec<Evidence>)> = BTreeMap::new();
        for fact in &boot.facts {
            if let FactKind::SyncStatePending { supplier, consumer } = &fact.kind {
                let entry = by_supplier.entry(supplier.as_str()).or_default();
                if !entry.0.contains(consumer) {
                    entry.0.push(consumer.clone());
                }
                entry.1.push(fact.evidence.clone());
            }
        }
        by_supplier
            .into_iter()
            .map(|(supplier, (consumers, evidence))| {
                let message = format!(
                    "{supplier}: sync_state() pending due to {} (never bound)",
                    consumers.join(", ")
                );
                Finding::new(&META, supplier, message)
                    .related(consumers)
                    .evidence(evidence)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::META;

    #[test]
    fn each_supplier_names_its_consumers_once_with_their_lines() {
        // The i.MX8MM log quoted in a linux-pci mail: two "sync_state() pending due to" lines
        // per supplier (kernel lines 1621/1623 and 1625/1626 of the mail).
        let findings = crate::rules::findings_on_inputs(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public-extra/imx8mm-gw7200-6.19rc-mail-quoted-dmesg-sync-state-pending.txt")]);
        let said: Vec<(String, Vec<String>, Vec<u32>)> = findings
            .iter()
            .filter(|f| f.code == META.code)
            .map(|f| {
                let lines = f.evidence.iter().map(|e| e.origin.line).collect();
                (f.message.clone(), f.related.clone(), lines)
            })
            .collect();
        assert_eq!(
            said,
            [
                (
                    "38330000.blk-ctrl: sync_state() pending due to 38310000.video-codec, 38300000.video-codec (never bound)".to_string(),
                    vec!["38310000.video-codec".to_string(), "38300000.video-codec".to_string()],
                    vec![1621, 1623]
                ),
                (
                    "imx-pgc-domain.5: sync_state() pending due to 38008000.gpu, 38000000.gpu (never bound)".to_string(),
                    vec!["38008000.gpu".to_string(), "38000000.gpu".to_string()],
                    vec![1625, 1626]
                ),
            ]
        );
    }
}
