//! `kernel-oops`: Oops, BUG, WARN, panic and "Unable to handle kernel ..." splats, with the
//! faulting function, its module, and the device being probed when the log shows it.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::model::{Boot, EventKind, Fact, FactKind};

pub static META: RuleMeta = RuleMeta {
    code: "PS207",
    name: "kernel-oops",
    severity: Severity::Error,
    summary: "The kernel oopsed, hit a BUG or WARN, or panicked",
    explanation: r#"## What it detects
The first line of a kernel splat — `Oops`, `Internal error: Oops`, `BUG: ...`, `kernel BUG at
...`, `WARNING: CPU: N PID: N at file:line func`, `Unable to handle kernel ...`,
`general protection fault`, `Kernel panic - not syncing` — with the function it happened in
(`pc :`/`PC is at`/`RIP:` line, or the WARNING line itself), the module that function belongs
to, and, when the call trace passes through the driver core's probe path (`really_probe`), the
device that was being probed.

## Why it matters
A splat during probe leaves the device half set up (locks held, resources claimed) and often
takes the probing thread with it; a crash in an IOMMU driver's `of_xlate` or `probe_device`
means a consumer reached the IOMMU before the IOMMU was ready for it.

## Example
```
Unable to handle kernel NULL pointer dereference at virtual address 00000000000003e8
pc : rk_iommu_of_xlate+0x30/0x90
```

## How to fix it
Read the splat from the cited line on: the function, its module, the call trace. For crashes in
IOMMU code during a consumer's probe, check the probe order (`probescope check`) and the
`iommus` specifiers of the device being probed.

## Kernel references
`kernel/panic.c` `__warn()`, `panic()`; `arch/arm64/mm/fault.c` `die_kernel_fault()`;
`arch/x86/kernel/dumpstack.c` `__die()`; `drivers/base/dd.c` `really_probe()`.
"#,
    examples: &EXAMPLES,
};

pub static EXAMPLES: Examples = Examples {
    fires: &[Example::capture(
        "fixtures/public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt",
        "A BUG splat with its call trace after the SysMMU fault.",
    )],
    clean: &[Example::capture(
        "fixtures/public/dell-poweredge-t440-5.10-initcall-debug-kexec-iommu-groups.txt",
        "initcall_debug lines name init_oops_id, but the kernel never oopsed.",
    )],
};

pub struct KernelOops;

/// How many records after a splat's first line its register dump and call trace are looked for.
const SPLAT_RECORDS: u64 = 120;

const PROBE_PATH: &[&str] = &["really_probe", "__driver_probe_device", "driver_probe_device"];

fn function_name(symbol: &str) -> &str {
    symbol.split('+').next().unwrap_or(symbol)
}

/// The splat's summary prefixed by its kind unless the summary already starts with it.
fn describe_splat(kind: &str, summary: &str) -> String {
    if summary.starts_with(kind) {
        summary.to_string()
    } else {
        format!("{kind}: {summary}")
    }
}

impl Rule for KernelOops {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, _analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let events = &boot.facts;
        let mut findings: Vec<Finding> = Vec::new();
        for (position, event) in events.iter().enumerate() {
            let FactKind::Oops {
                kind,
                summary,
                function: named_function,
            } = &event.kind
            else {
                continue;
            };
            let splat: Vec<&Fact> = events[position + 1..]
                .iter()
                .take_while(|e| {
                    e.index <= event.index + SPLAT_RECORDS && !matches!(e.kind, FactKind::Oops { .. })
                })
                .collect();
            let location = splat.iter().find_map(|e| match &e.kind {
                FactKind::OopsLocation { function, module } => Some((function.clone(), module.clone(), e)),
                _ => None,
            });
            let (function, module) = match &location {
                Some((function, module, _)) => (Some(function.clone()), module.clone()),
                None => (named_function.clone(), None),
            };
            let in_probe = splat.iter().any(|e| {
                matches!(&e.kind, FactKind::CallTraceEntry { function, .. } if PROBE_PATH.contains(&function_name(function)))
            });
            // The device being probed: the driver core names it in its failure line after the
            // splat, before the next one. (Guessing from nearby lines would blame bystanders on
            // a busy SMP boot.)
            let next_splat = events[position + 1..]
                .iter()
                .find(|e| matches!(e.kind, FactKind::Oops { .. }))
                .map_or(u64::MAX, |e| e.index);
            let in_splat = |index: u64| {
                index > event.index && index <= event.index + SPLAT_RECORDS && index < next_splat
            };
            let probed = in_probe
                .then(|| {
                    boot.events.iter().find_map(|e| match &e.kind {
                        EventKind::ProbeFailed { .. } if e.position.log_index().is_some_and(in_splat) => {
                            Some(boot.device(e.device).name.clone())
                        }
                        _ => None,
                    })
                })
                .flatten();
            let located_by_line = location.is_some();
            let mut message = describe_splat(kind, summary);
            if let Some(function) = function
                .as_ref()
                .filter(|f| located_by_line && !message.contains(f.as_str()))
            {
                message.push_str(&format!(" in {function}"));
            }
            if let Some(module) = &module {
                message.push_str(&format!(" [{module}]"));
            }
            let subject = function
                .as_deref()
                .map(|f| function_name(f).to_string())
                .unwrap_or_else(|| "kernel".to_string());
            let mut evidence = vec![event.evidence.clone()];
            if let Some((_, _, line)) = &location {
                evidence.push(line.evidence.clone());
            }
            // The same splat repeated (a WARN hit by several probes) is one finding: the devices
            // being probed are its related devices, the repeats counted.
            match findings
                .iter_mut()
                .find(|f| f.subject == subject && f.message == message)
            {
                Some(same) => {
                    same.evidence.push(evidence.swap_remove(0));
                    if let Some(device) = probed {
                        if !same.related.contains(&device) {
                            same.related.push(device);
                        }
                    }
                }
                None => findings.push(
                    Finding::new(&META, subject, message)
                        .related(probed)
                        .evidence(evidence),
                ),
            }
        }
        for finding in &mut findings {
            if finding.evidence.len() > 2 {
                finding
                    .message
                    .push_str(&format!(" ({} times)", finding.evidence.len() - 1));
                finding.evidence.truncate(8);
            }
        }
        findings
    }
}
