//! `deferred-at-end-over-limit`: more devices are still deferred at the end of the capture than
//! the board allows (`max_deferred_at_end` in `probescope.toml`). One finding per boot, naming
//! the deferred devices; `probe-deferred-unresolved` (PS201) reports each of them with its root
//! cause whatever the count, this rule enforces the board's budget.

use super::{Analysis, Finding, Rule, RuleMeta, Severity};
use crate::model::{Boot, DeviceId, EventKind, Evidence, Position};

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

"Deferred at the end" is read from the last snapshot that has `devices_deferred`, less the
devices a later snapshot shows bound. Without any `devices_deferred` snapshot, the kernel log's
"deferred probe pending" lines (printed for every device still deferred when the deferred-probe
timeout fires) are used, less the devices the log shows binding afterwards. With neither, the
rule cannot tell and stays silent.

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
};

pub struct DeferredAtEndOverLimit;

impl Rule for DeferredAtEndOverLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, analysis: &Analysis) -> Vec<Finding> {
        let boot = analysis.boot;
        let Some(limit) = analysis.settings.expectations.max_deferred_at_end else {
            return Vec::new();
        };
        let Some((basis, deferred)) = deferred_at_end(boot) else {
            return Vec::new();
        };
        if deferred.len() <= limit as usize {
            return Vec::new();
        }
        let count = deferred.len();
        let mut names: Vec<String> = deferred
            .iter()
            .map(|(id, _)| boot.device(*id).name.clone())
            .collect();
        names.sort();
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
            "{count} devices are still deferred at the end of the capture ({basis}), the board allows \
             {limit} (max_deferred_at_end): {listed}{more}"
        );
        let evidence = deferred
            .into_iter()
            .take(LISTED_DEVICES)
            .map(|(_, evidence)| evidence);
        vec![Finding::new(&META, "max_deferred_at_end", message)
            .related(names)
            .evidence(evidence)]
    }
}

/// How many deferred devices the message names and cites before summarising the rest.
const LISTED_DEVICES: usize = 8;

/// The devices still deferred at the end, with the evidence of each and the basis of the
/// judgement; `None` when the capture cannot tell.
fn deferred_at_end(boot: &Boot) -> Option<(&'static str, Vec<(DeviceId, Evidence)>)> {
    let last_listing = (0..boot.snapshots.len()).rev().find(|&index| {
        boot.devices
            .iter()
            .any(|d| d.states.get(index).is_some_and(|s| s.deferred.is_some()))
    });
    if let Some(index) = last_listing {
        let deferred = boot
            .device_ids()
            .filter(|id| {
                let states = &boot.device(*id).states;
                states.get(index).is_some_and(|s| s.deferred == Some(true))
                    && !states.iter().skip(index + 1).any(|s| s.bound() == Some(true))
            })
            .filter_map(|id| {
                boot.events_of(id)
                    .find(|e| {
                        matches!(e.kind, EventKind::Deferred { .. })
                            && e.position == Position::Snapshot { index }
                    })
                    .map(|e| (id, e.evidence.clone()))
            })
            .collect();
        return Some(("on devices_deferred", deferred));
    }
    let mut pending: Vec<(DeviceId, u64, Evidence)> = boot
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::DeferredPending { .. }))
        .filter_map(|e| {
            e.position
                .log_index()
                .map(|index| (e.device, index, e.evidence.clone()))
        })
        .collect();
    if pending.is_empty() {
        return None;
    }
    // Keep each device's last pending line; drop the devices that bound after it.
    pending.sort_by_key(|(id, index, _)| (*id, std::cmp::Reverse(*index)));
    pending.dedup_by_key(|(id, _, _)| *id);
    let deferred = pending
        .into_iter()
        .filter(|(id, at, _)| {
            let bound_later = boot.events_of(*id).any(|e| {
                matches!(e.kind, EventKind::Bound { .. }) && e.position.log_index().is_some_and(|i| i > *at)
            });
            !bound_later && boot.device(*id).bound_at_end() != Some(true)
        })
        .map(|(id, _, evidence)| (id, evidence))
        .collect();
    Some((
        "deferred probe pending at the timeout, no bind after it",
        deferred,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::SupplierGraph;
    use crate::rules::expected_device_not_bound::tests::boot_with;
    use crate::rules::settings::RuleSettings;

    fn findings(boot: &Boot, limit: Option<u32>) -> Vec<Finding> {
        let mut settings = RuleSettings::default();
        settings.expectations.max_deferred_at_end = limit;
        let graph = SupplierGraph::new(boot);
        DeferredAtEndOverLimit.check(&Analysis::with_settings(boot, &graph, &settings))
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
                .starts_with("2 devices are still deferred at the end of the capture (on devices_deferred), the board allows 1"),
            "{}",
            found[0].message
        );
        let cited: Vec<String> = found[0].evidence.iter().map(|e| e.origin.to_string()).collect();
        assert_eq!(cited, ["devices_deferred.txt:1", "devices_deferred.txt:2"]);
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
