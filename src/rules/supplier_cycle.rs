//! `supplier-cycle`: devices that wait for each other, from the supplier graph (strongly
//! connected components of blocking edges) and from fw_devlink's own cycle messages.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::model::{Boot, Evidence, FactKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS202",
    name: "supplier-cycle",
    // Info: fw_devlink relaxes every cycle it finds so that the devices still probe; a cycle
    // that does keep devices from probing is reported, as their root cause, by
    // probe-deferred-unresolved (PS201).
    severity: Severity::Info,
    summary: "Devices depend on each other in a cycle",
    explanation: r#"## What it detects
A cycle of supplier dependencies: either blocking edges of the supplier graph (managed device
links, device-tree supplier bindings) that form a loop, or fw_devlink's own messages
"Fixed dependency cycle(s) with …" / "Fixing up cyclic dependency with …", which name the
devices or firmware nodes it found in a cycle.

## Why it matters
fw_devlink cannot order a cycle: it relaxes the links in it to sync-state-only, so those devices
probe in whatever order they come, and a probe that needs the other side defers until it is
there — or forever, when nothing breaks the loop. Cycles usually come from a device tree that
describes a dependency in both directions (a display pipeline's `remote-endpoint`s, a clock
controller that needs a regulator fed by one of its clocks).

## Example
```
platform soc: Fixed dependency cycle(s) with /soc/dsi@7e700000
```

## How to fix it
Check the device tree for the back edge; on v6.13+ mark the one that is only needed after
probe with `post-init-providers`. A cycle fw_devlink fixed by itself is harmless when every
device in it ends up bound.

## Kernel references
`drivers/base/core.c` `fw_devlink_create_devlink()`, `__fw_devlink_relax_cycles()`;
`Documentation/devicetree/bindings/post-init-providers.yaml` (dt-schema).
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example::capture(
        "fixtures/public/kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt",
        "The MediaTek IOMMU and its larbs are linked both ways.",
    )],
    clean: &[Example::capture(
        "fixtures/public/imx8mq-tqma8mq-printk-caller-devlink-dyndbg.txt",
        "Hundreds of device links from the driver core's debug output, none of them closing a loop.",
    )],
};

pub struct SupplierCycle;

impl Rule for SupplierCycle {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let mut findings = Vec::new();
        for cycle in analysis.graph().cycles(false) {
            let names: Vec<String> = cycle.iter().map(|id| boot.device(*id).name.clone()).collect();
            // The links between members, through the graph's adjacency (not a scan of every
            // link per cycle), in the boot's link order.
            let mut within: Vec<usize> = cycle
                .iter()
                .flat_map(|member| analysis.graph().suppliers(*member))
                // `cycles()` gives each cycle sorted: a binary search keeps a long cycle linear.
                .filter(|(supplier, _)| cycle.binary_search(supplier).is_ok())
                .filter_map(|(_, edge)| match edge.source {
                    crate::analysis::graph::EdgeSource::Link(index) => Some(index),
                    crate::analysis::graph::EdgeSource::IommuEdge(_) => None,
                })
                .collect();
            within.sort_unstable();
            within.dedup();
            let evidence: Vec<Evidence> = within
                .into_iter()
                .filter_map(|index| boot.links.get(index).and_then(|l| l.evidence.first().cloned()))
                .collect();
            let message = format!("devices wait for each other: {}", names.join(" <-> "));
            findings.push(
                Finding::new(&META, names[0].clone(), message)
                    .related(names[1..].to_vec())
                    .evidence(evidence),
            );
        }
        // fw_devlink prints one line per relaxed link; the names it pairs form the cycles.
        let mut groups: Vec<(Vec<String>, Vec<Evidence>)> = Vec::new();
        for fact in &boot.facts {
            let FactKind::CycleFixed { device_or_node, with } = &fact.kind else {
                continue;
            };
            let evidence = fact.evidence.clone();
            let touching: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(_, (names, _))| names.contains(device_or_node) || names.contains(with))
                .map(|(index, _)| index)
                .collect();
            let mut merged = (vec![device_or_node.clone(), with.clone()], vec![evidence]);
            for index in touching.into_iter().rev() {
                let (names, evidence) = groups.remove(index);
                merged.0.extend(names);
                merged.1.extend(evidence);
            }
            merged.0.sort();
            merged.0.dedup();
            groups.push(merged);
        }
        for (nodes, evidence) in groups {
            // One name per device: the kernel's device name where the boot knows the device,
            // the firmware node's path where it does not.
            let mut names: Vec<String> = nodes.iter().map(|node| boot.node_device_name(node)).collect();
            // Devices before the nodes no device answers to: the subject is a device when one is.
            names.sort_by(|a, b| (a.starts_with('/'), a).cmp(&(b.starts_with('/'), b)));
            names.dedup();
            let message = format!(
                "fw_devlink relaxed a dependency cycle, so its links no longer order probing: {}",
                names.join(" <-> ")
            );
            findings.push(
                Finding::new(&META, names[0].clone(), message)
                    .related(names[1..].to_vec())
                    .evidence(evidence),
            );
        }
        merge_same_subject(findings)
    }
}

/// A cycle the graph shows and the one fw_devlink reports can start at the same device: one
/// finding per subject, with both cycles' members and evidence.
fn merge_same_subject(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    for finding in findings {
        match merged.iter_mut().find(|kept| kept.subject == finding.subject) {
            None => merged.push(finding),
            Some(kept) => {
                kept.message = format!("{}; {}", kept.message, finding.message);
                let related: Vec<String> = finding
                    .related
                    .into_iter()
                    .filter(|name| !kept.related.contains(name))
                    .collect();
                kept.related.extend(related);
                for item in finding.evidence {
                    if !kept.evidence.contains(&item) {
                        kept.evidence.push(item);
                    }
                }
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::META;

    #[test]
    fn cycles_that_share_a_device_are_one_finding() {
        // MT8183 Juniper: the DSI bridge cycles with the anx7625 node, and the anx7625 (i2c
        // 4-0058) with its panel and with the DSI: "Fixed dependency cycle(s)" lines that
        // share one device each are one cycle of three, said once.
        let findings = crate::rules::findings_on_inputs(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public/kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt")]);
        let cycles: Vec<(&str, &[String], Vec<u32>)> = findings
            .iter()
            .filter(|f| f.code == META.code)
            .map(|f| {
                let lines = f.evidence.iter().map(|e| e.origin.line).collect();
                (f.subject.as_str(), f.related.as_slice(), lines)
            })
            .collect();
        assert_eq!(
            cycles,
            [(
                "14014000.dsi",
                &[
                    "/soc/i2c@11008000/anx7625@58".to_string(),
                    "4-0058".to_string(),
                    "/soc/i2c@11008000/anx7625@58/aux-bus/panel".to_string()
                ][..],
                vec![777, 675, 779, 778]
            )]
        );
    }
}
