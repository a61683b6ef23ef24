//! `probe-deferred-unresolved`: a device still deferred at the end of the capture, with the
//! root cause of its wait: one finding per root cause, listing the devices it keeps waiting.

use super::settings::RuleSettings;
use super::{Analysis, Blocked, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::blockers::{DeviceStatus, KnownCauses};
use crate::analysis::readiness;
use crate::model::{Boot, EventKind, Evidence};
use std::collections::{BTreeMap, BTreeSet, HashSet};

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
            "The SMMU never came and the timeout was disabled: the four functions are still deferred at the end, one finding for the SMMU that blocks them.",
        )
        .about(&["9050000.smmuv3"]),
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

/// The devices one root cause keeps deferred, gathered across the boot's deferred devices.
struct Group {
    /// The root cause's device (or firmware node): the finding's subject.
    subject: String,
    /// What is wrong with it, in the blocker analysis' words.
    reason: String,
    related: BTreeSet<String>,
    /// Each blocked device once, with the supplier it waits for directly.
    blocked: BTreeMap<String, Option<String>>,
    evidence: Vec<Evidence>,
    seen_evidence: HashSet<Evidence>,
}

impl Group {
    fn new(subject: String, reason: String) -> Self {
        Group {
            subject,
            reason,
            related: BTreeSet::new(),
            blocked: BTreeMap::new(),
            evidence: Vec::new(),
            seen_evidence: HashSet::new(),
        }
    }

    /// Adds evidence once: a power controller that blocks thousands of devices shows each
    /// line of its own once, not once per device.
    fn cite(&mut self, evidence: impl IntoIterator<Item = Evidence>) {
        for item in evidence {
            if self.seen_evidence.insert(item.clone()) {
                self.evidence.push(item);
            }
        }
    }

    /// Puts evidence before everything cited so far.
    fn lead(&mut self, evidence: impl IntoIterator<Item = Evidence>) {
        let first: Vec<Evidence> = evidence
            .into_iter()
            .filter(|item| self.seen_evidence.insert(item.clone()))
            .collect();
        self.evidence.splice(0..0, first);
    }

    fn into_finding(self) -> Finding {
        let others: Vec<&String> = self.blocked.keys().filter(|d| **d != self.subject).collect();
        let deferred_itself = self.blocked.contains_key(&self.subject);
        // The blocker analysis names the device first; the subject already does.
        let reason = self
            .reason
            .strip_prefix(&format!("{}: ", self.subject))
            .unwrap_or(&self.reason);
        let n = others.len();
        let message = match (deferred_itself, n) {
            (true, 0) => format!(
                "{} is still deferred at the end of the capture: {reason}",
                self.subject
            ),
            (true, _) => format!(
                "{} blocks {n} deferred {}: {reason} (and it is still deferred itself); blocked: {}",
                self.subject,
                devices(n),
                preview(&others)
            ),
            (false, _) => format!(
                "{} blocks {n} deferred {}: {reason}; blocked: {}",
                self.subject,
                devices(n),
                preview(&others)
            ),
        };
        let mut finding = Finding::new(&META, self.subject.clone(), message)
            .related(self.related.into_iter().filter(|name| *name != self.subject));
        finding.evidence = self.evidence;
        finding.blocks = self
            .blocked
            .into_iter()
            .map(|(device, waits_for)| Blocked { device, waits_for })
            .collect();
        finding
    }
}

fn devices(n: usize) -> &'static str {
    if n == 1 {
        "device"
    } else {
        "devices"
    }
}

/// The first few names of a list and how many more there are (the finding's `blocks` has all).
fn preview(names: &[&String]) -> String {
    const SHOWN: usize = 3;
    let head: Vec<&str> = names.iter().take(SHOWN).map(|n| n.as_str()).collect();
    match names.len().saturating_sub(SHOWN) {
        0 => head.join(", "),
        more => format!("{} and {more} more", head.join(", ")),
    }
}

impl Rule for ProbeDeferredUnresolved {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// One finding per root cause (the blocker the analysis names), listing every device it
    /// keeps deferred: a power controller whose driver never bound is one problem however many
    /// devices wait for it.
    fn check(&self, boot: &Boot, analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        // A root cause whose own probe failed last is PS206's finding (one cause, one
        // finding): that one lists what it blocks.
        root_cause_groups(boot, analysis)
            .into_iter()
            .filter(|group| {
                !boot
                    .find(&group.subject)
                    .is_some_and(|id| last_probe_failed(boot, id))
            })
            .map(Group::into_finding)
            .collect()
    }
}

/// Whether the device's last probe in the log failed (a later bind or probe line would show
/// it tried again) and no snapshot shows it bound after all.
pub(crate) fn last_probe_failed(boot: &Boot, id: crate::model::DeviceId) -> bool {
    let last = boot
        .events_of(id)
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ProbeFailed { .. } | EventKind::Bound { .. } | EventKind::ProbeRan { .. }
            ) && e.position.log_index().is_some()
        })
        .last();
    last.is_some_and(|e| matches!(e.kind, EventKind::ProbeFailed { .. }))
        && boot.device(id).bound_at_end() != Some(true)
}

/// Per root cause, the devices it keeps deferred, each with the supplier it waits for directly
/// (the blocks of its group), for a rule that reports a root cause for another reason.
pub(crate) fn blocked_by_root(boot: &Boot, analysis: &Analysis) -> BTreeMap<String, Vec<Blocked>> {
    let mut by_root: BTreeMap<String, Vec<Blocked>> = BTreeMap::new();
    for group in root_cause_groups(boot, analysis) {
        let root = group.subject;
        let blocked = group
            .blocked
            .into_iter()
            .filter(|(device, _)| *device != root)
            .map(|(device, waits_for)| Blocked { device, waits_for });
        // Groups are merged by subject, so each root comes once.
        by_root.insert(root.clone(), blocked.collect());
    }
    by_root
}

/// Every still-deferred device grouped under the root cause that keeps it waiting.
fn root_cause_groups(boot: &Boot, analysis: &Analysis) -> Vec<Group> {
    {
        let blockers = analysis.blockers();
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        let mut known = KnownCauses::default();
        for id in boot.device_ids() {
            if blockers.status(id) != DeviceStatus::Deferred {
                continue;
            }
            let name = &boot.device(id).name;
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
            let mut grouped = false;
            for cause in
                blockers.root_causes_sharing(id, crate::limits::current().chain_depth as usize, &mut known)
            {
                let names = cause.blocker.names();
                // A cycle's members in a fixed order, so that every member's walk finds the
                // same group.
                let subject = names.iter().min().cloned().unwrap_or_else(|| name.clone());
                let group = groups
                    .entry(cause.blocker.describe())
                    .or_insert_with_key(|reason| Group::new(subject, reason.clone()));
                group.related.extend(names);
                group.blocked.insert(name.clone(), cause.chain.get(1).cloned());
                if *name == group.subject {
                    // The root cause's own line leads its finding.
                    group.lead(deferral_evidence.iter().cloned());
                }
                group.cite(deferral_evidence.iter().cloned().chain(cause.evidence));
                grouped = true;
            }
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
                let reason = format!(
                    "IOMMU {iommu} ({}, from the ACPI tables) never registered: driver {}{below} never bound",
                    node.kind.describe(),
                    node.kind.driver()
                );
                // The device whose driver must bind is the root cause (virtio0 under the PCI
                // function the tables name): its own group, if the walk found one, merges.
                let root = boot.device(registrar).name.clone();
                let group = groups
                    .entry(reason)
                    .or_insert_with_key(|reason| Group::new(root, reason.clone()));
                group.blocked.insert(name.clone(), Some(iommu.clone()));
                group.cite(deferral_evidence.iter().cloned().chain([node.evidence.clone()]));
                grouped = true;
            }
            if !grouped {
                let group = groups
                    .entry(format!("{name}: no root cause found"))
                    .or_insert_with(|| {
                        Group::new(name.clone(), "the capture does not say what it waits for".into())
                    });
                group.blocked.insert(name.clone(), None);
                group.cite(deferral_evidence);
            }
        }
        merge_same_subject(groups.into_values().collect())
    }
}

/// Groups whose root cause is the same device (say, a cycle it is part of and its own
/// unexplained deferral) become one, so that no subject is reported twice.
fn merge_same_subject(groups: Vec<Group>) -> Vec<Group> {
    let mut by_subject: BTreeMap<String, Group> = BTreeMap::new();
    for group in groups {
        match by_subject.get_mut(&group.subject) {
            None => {
                by_subject.insert(group.subject.clone(), group);
            }
            Some(first) => {
                first.reason = format!("{}; {}", first.reason, group.reason);
                first.related.extend(group.related);
                for (device, waits_for) in group.blocked {
                    first.blocked.entry(device).or_insert(waits_for);
                }
                first.cite(group.evidence);
            }
        }
    }
    by_subject.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::META;
    use crate::rules::Finding;

    fn ps201(path: &str) -> Vec<Finding> {
        crate::rules::findings_on_inputs(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(path)])
        .into_iter()
        .filter(|f| f.code == META.code)
        .collect()
    }

    /// Subject, message, the first evidence lines and how many devices each finding blocks.
    fn said(findings: &[Finding]) -> Vec<(String, String, Vec<u32>, usize)> {
        findings
            .iter()
            .map(|f| {
                let lines = f.evidence.iter().take(3).map(|e| e.origin.line).collect();
                (f.subject.clone(), f.message.clone(), lines, f.blocks.len())
            })
            .collect()
    }

    #[test]
    fn each_root_cause_is_one_finding_naming_what_it_blocks() {
        // The Exynos4 devices_deferred pasted in a mail: five power domains that never became
        // devices, each blocking its SysMMUs and their masters; `sound` says nothing of why.
        let findings = ps201("public/exynos4-fw_devlink-on-devices_deferred-sysmmu-power-domain.txt");
        // A root that is one device relates to no other: it is the subject itself.
        assert!(findings.iter().all(|f| f.related.is_empty()), "{findings:#?}");
        let found = said(&findings);
        let expect = |subject: &str, message: &str, lines: &[u32], blocks: usize| {
            (subject.to_string(), message.to_string(), lines.to_vec(), blocks)
        };
        assert_eq!(
            found,
            [
                expect("10023c00.power-domain", "10023c00.power-domain blocks 5 deferred devices: supplier 10023c00.power-domain never became a device; blocked: 11a20000.sysmmu, 11a30000.sysmmu, 11a40000.sysmmu and 2 more", &[84, 86, 88], 5),
                expect("10023c20.power-domain", "10023c20.power-domain blocks 3 deferred devices: supplier 10023c20.power-domain never became a device; blocked: 12c10000.mixer, 12d00000.hdmi, 12e20000.sysmmu", &[82, 96, 112], 3),
                expect("10023c40.power-domain", "10023c40.power-domain blocks 2 deferred devices: supplier 10023c40.power-domain never became a device; blocked: 13620000.sysmmu, 13630000.sysmmu", &[78, 80], 2),
                expect("10023c60.power-domain", "10023c60.power-domain blocks 1 deferred device: supplier 10023c60.power-domain never became a device; blocked: 13000000.gpu", &[114], 1),
                expect("10023c80.power-domain", "10023c80.power-domain blocks 1 deferred device: supplier 10023c80.power-domain never became a device; blocked: 11e20000.sysmmu", &[94], 1),
                expect("10023ca0.power-domain", "10023ca0.power-domain blocks 7 deferred devices: supplier 10023ca0.power-domain never became a device; blocked: 10048000.clock-controller, 12260000.sysmmu, 12270000.sysmmu and 4 more", &[98, 100, 102], 7),
                expect("sound", "sound is still deferred at the end of the capture: sound is deferred and the capture does not say why", &[77], 1),
            ]
        );
    }

    #[test]
    fn a_root_cause_still_deferred_itself_leads_with_its_own_line() {
        // MT8186: the power controller is deferred itself ("failed to get child domain id")
        // and blocks 33 devices, whose "supplier ... not ready" lines follow its own.
        let found = ps201("public/kernelci-mt8186-steelix-serial-deferred-timeout.txt");
        let root = &found[0];
        assert_eq!(root.subject, "10006000.syscon:power-controller");
        assert_eq!(
            root.message,
            "10006000.syscon:power-controller blocks 33 deferred devices: the driver says: /soc/syscon@10006000/power-controller/power-domain@6/power-domain@14: failed to get child domain id (and it is still deferred itself); blocked: 10680000.adsp, 11201000.usb, 11281000.usb and 30 more"
        );
        assert_eq!(root.blocks.len(), 34);
        let texts: Vec<&str> = root.evidence.iter().map(|e| &*e.text).collect();
        assert!(
            texts[0].starts_with(
                "platform 10006000.syscon:power-controller: deferred probe pending: mtk-power-controller:"
            ),
            "{texts:#?}"
        );
        assert!(
            texts[1..]
                .iter()
                .all(|t| t.contains("supplier 10006000.syscon:power-controller not ready")),
            "{texts:#?}"
        );
        assert!(found.iter().any(|f| f.subject == "sound"
            && f.message == "sound is still deferred at the end of the capture: the driver says: I2S0: codec dai not found"));
    }

    #[test]
    fn an_acpi_iommu_that_never_registered_names_the_device_its_driver_binds() {
        // A3: arm64 with ACPI (VIOT) naming the virtio-iommu PCI function 0000:00:02.0, whose
        // driver binds the virtio device below it (virtio0); virtio_iommu never loaded.
        let found = ps201("qemu/virtio-iommu-viot-arm64-6.12/A3-viommu-never");
        let said: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.subject.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            said,
            [(
                "virtio0",
                "virtio0 blocks 3 deferred devices: IOMMU 0000:00:02.0 (virtio-iommu (PCI), from the ACPI tables) never registered: driver virtio_iommu (for virtio0) never bound; virtio0 exists but its driver never bound (module not loaded, or no driver matched); blocked: 0000:00:03.0, 0000:00:05.0, 0000:01:00.0"
            )]
        );
    }
}
