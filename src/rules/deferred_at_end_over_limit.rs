//! `deferred-at-end-over-limit`: more devices are still deferred at the end of the capture than
//! the board allows (`max_deferred_at_end` in `probescope.toml`). One finding per boot, naming
//! the deferred devices; `probe-deferred-unresolved` (PS201) reports each of them with its root
//! cause whatever the count, this rule enforces the board's budget.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::analysis::blockers::DeviceStatus;
use crate::model::{Boot, DeviceId, EventKind, Evidence};

pub static META: RuleMeta = RuleMeta {
    code: "PS302",
    name: "deferred-at-end-over-limit",
    severity: Severity::Error,
    summary: "More devices are still deferred at the end of the boot than the board allows",
    explanation: r#"## What it detects
`max_deferred_at_end = N` in the `[board]` table of `probescope.toml` caps how many devices may
still be waiting on the deferred-probe list when the capture ends. When more are, the rule
reports it once, naming every deferred device (subject `max_deferred_at_end`, the devices as
related). `probe-deferred-unresolved` (PS201) reports each deferred device with the root cause of
its wait, whatever the count: a board that is known to leave some devices deferred either
records those findings in a baseline (and fails on a new one), or lowers PS201's severity in
`probescope.toml` and sets this budget (and fails when the count grows).

"Deferred at the end" is judged as `probe-deferred-unresolved` (PS201) and `probescope why`
judge it: on the final snapshot's `devices_deferred`, or, without one, in the kernel's own
"deferred probe pending" list (printed for every device still deferred when the deferred-probe
timeout fires) with no later bind. A deferral line alone does not count: most logs never say
that a deferred device bound later. With neither listing, the rule stays silent.

## Why it matters
A device left on the deferred list never got its driver: whatever it provides (a regulator, a
clock, an IOMMU, a display) is missing, and its consumers wait forever or go ahead without it.
Boards usually have a known, small set (hardware not fitted, drivers not built); the limit turns
any growth of that set into a failed CI run.

## Example
```toml
[board]
max_deferred_at_end = 0
```
```
$ cat /sys/kernel/debug/devices_deferred
13400000.mfc	platform: supplier 13620000.sysmmu not ready
```

## How to fix it
- Read what each device waits for (the evidence quotes the `devices_deferred` reason or the
  "deferred probe pending" line) and make that supplier probe: build its driver, load its module,
  fix its device-tree node.
- A device that can never probe on this board should be disabled in its device tree
  (`status = "disabled"`), not left deferred.
- If the board is known to leave some devices deferred, raise the limit or record them in a
  baseline (`--write-baseline`).

## Kernel references
`drivers/base/dd.c` `deferred_devs_show()` (`devices_deferred`),
`deferred_probe_timeout_work_func()` ("deferred probe pending"), `driver_deferred_probe_add()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example::with_config(
        "fixtures/qemu/smmuv3-6.1/S8-notimeout-never",
        "[board]\nmax_deferred_at_end = 3\n",
        "Four devices are still deferred at the end; the board allows three.",
    )
    .about(&["max_deferred_at_end"])],
    clean: &[Example::with_config(
        "fixtures/qemu/smmuv3-6.1/S8-notimeout-never",
        "[board]\nmax_deferred_at_end = 4\n",
        "The same four deferred devices, and the board allows four.",
    )],
};

pub struct DeferredAtEndOverLimit;

impl Rule for DeferredAtEndOverLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, analysis: &Analysis, settings: &RuleSettings) -> Vec<Finding> {
        let Some(limit) = settings.expectations.max_deferred_at_end else {
            return Vec::new();
        };
        let blockers = analysis.blockers();
        let mut deferred: Vec<DeviceId> = boot
            .device_ids()
            .filter(|id| blockers.status(*id) == DeviceStatus::Deferred)
            .collect();
        if deferred.len() <= limit as usize {
            return Vec::new();
        }
        deferred.sort_by(|a, b| boot.device(*a).name.cmp(&boot.device(*b).name));
        let count = deferred.len();
        let names: Vec<String> = deferred.iter().map(|id| boot.device(*id).name.clone()).collect();
        let listed = names
            .iter()
            .take(LISTED_DEVICES)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = match count.saturating_sub(LISTED_DEVICES) {
            0 => String::new(),
            more => format!(" and {more} more"),
        };
        let message = format!(
            "{count} devices are still deferred at the end of the capture, the board allows {limit} \
             (max_deferred_at_end): {listed}{more}"
        );
        let evidence = deferred
            .iter()
            .take(LISTED_DEVICES)
            .filter_map(|id| last_deferral(boot, *id));
        vec![Finding::new(&META, "max_deferred_at_end", message)
            .related(names)
            .evidence(evidence)]
    }
}

/// How many deferred devices the message names and cites before summarising the rest.
const LISTED_DEVICES: usize = 8;

/// The device's latest deferral: the `devices_deferred` entry or the log line that lists it.
fn last_deferral(boot: &Boot, id: DeviceId) -> Option<Evidence> {
    boot.events_of(id)
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Deferred { .. } | EventKind::DeferredPending { .. }
            )
        })
        .last()
        .map(|e| e.evidence.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::graph::SupplierGraph;
    use crate::rules::expected_device_not_bound::tests::boot_with;
    use crate::rules::settings::RuleSettings;

    fn findings(boot: &Boot, limit: Option<u32>) -> Vec<Finding> {
        let mut settings = RuleSettings::default();
        settings.expectations.max_deferred_at_end = limit;
        let graph = SupplierGraph::new(boot);
        DeferredAtEndOverLimit.check(boot, &Analysis::new(boot, &graph), &settings)
    }

    #[test]
    fn reports_once_naming_every_deferred_device_once_the_limit_is_passed() {
        let boot = boot_with(
            &[("b.gpu", None), ("a.mfc", None), ("c.uart", Some("serial"))],
            &["b.gpu", "a.mfc"],
        );
        let found = findings(&boot, Some(1));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].subject, "max_deferred_at_end");
        assert_eq!(found[0].related, ["a.mfc", "b.gpu"]);
        assert!(
            found[0]
                .message
                .starts_with("2 devices are still deferred at the end of the capture, the board allows 1"),
            "{}",
            found[0].message
        );
        let cited: Vec<String> = found[0].evidence.iter().map(|e| e.origin.to_string()).collect();
        // In the order of the related devices: a.mfc is on line 2, b.gpu on line 1.
        assert_eq!(cited, ["devices_deferred.txt:2", "devices_deferred.txt:1"]);
    }

    #[test]
    fn is_silent_within_the_limit_or_without_one() {
        let boot = boot_with(&[("a.mfc", None)], &["a.mfc"]);
        assert!(findings(&boot, Some(1)).is_empty());
        assert!(findings(&boot, None).is_empty());
        let clean = boot_with(&[("a.mfc", Some("s5p-mfc"))], &[]);
        assert!(findings(&clean, Some(0)).is_empty());
    }
}
