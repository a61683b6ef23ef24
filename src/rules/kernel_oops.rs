//! `kernel-oops`: every report the kernel prints (WARNING, BUG, Oops, panic, kernel faults,
//! sanitizers, lockdep, RCU stalls, hung tasks, lockups, VFS reports), one finding per crash,
//! with its class, first line, the function it happened in, and the device being probed when
//! the log shows it.

use super::settings::RuleSettings;
use super::{Analysis, Example, Examples, Finding, Rule, RuleMeta, Severity};
use crate::model::{Boot, EventKind, Fact, FactKind, Splat};

pub static META: RuleMeta = RuleMeta {
    code: "PS207",
    name: "kernel-oops",
    severity: Severity::Error,
    summary: "The kernel printed a report: WARNING, BUG, Oops, panic, sanitizer, lockdep, stall, hang",
    explanation: r#"## What it detects
Every report the kernel prints, one finding per crash: `WARNING: CPU: N PID: N at file:line
func`, `BUG: ...`, `kernel BUG at ...`, `Internal error: Oops`, `Oops: ...`, `Unable to handle
kernel ...`, `general protection fault`, `divide error`, `Kernel panic - not syncing`, the
sanitizers (`BUG: KASAN:`, `BUG: KMSAN:`, `BUG: KCSAN:`, `BUG: KFENCE:`, `UBSAN:`), lockdep
(circular dependency, inconsistent lock state, bad unlock balance, held lock freed, suspicious
RCU usage, ...), RCU stalls, hung tasks (`blocked for more than N seconds`), soft and hard
lockups, and `VFS:` busy-inode and file-max reports. A BUG or kernel fault, the Oops it causes
and the panic that ends it are one finding; the same WARNING repeated is one finding with a
count. Each names its class, its first line, the function it happened in (`pc :`/`PC is at`/
`RIP:`, the function the first line names, else the first call-trace frame that is not a
reporting helper), its module, and the device being probed when the report's own
`<driver> <device>:` line or, with the call trace in the driver core's probe path
(`really_probe`), the driver core's failure line names it. A report the log cuts off (a
reboot, the end of the capture) is still a finding, marked as cut off. Reports of several
CPUs printed at once are told apart by their printk caller ids (`[T123]`, `[C1]`).

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
`arch/x86/kernel/dumpstack.c` `__die()`, `arch/x86/kernel/traps.c`; `mm/kasan/report.c`,
`lib/ubsan.c`, `kernel/locking/lockdep.c`, `kernel/rcu/tree_stall.h`, `kernel/hung_task.c`,
`kernel/watchdog.c`, `fs/super.c`; `drivers/base/dd.c` `really_probe()`.
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

/// How many records after a report's first line the driver core's failure line for the
/// device being probed is looked for.
const PROBE_FAILURE_WITHIN: u64 = 400;

fn function_name(symbol: &str) -> &str {
    symbol.split('+').next().unwrap_or(symbol)
}

/// The device a report happened during the probe of: its own `<driver> <device>:` line, else,
/// with the call trace in the driver core's probe path, the driver core's failure line after it.
/// (Guessing from nearby lines would blame bystanders on a busy SMP boot.)
fn probed_device(splat: &Splat, fact: &Fact, boot: &Boot) -> Option<String> {
    if let Some(device) = &splat.device {
        return Some(device.clone());
    }
    if !splat.in_probe {
        return None;
    }
    let after_report = |index: u64| index > fact.index && index <= fact.index + PROBE_FAILURE_WITHIN;
    boot.events
        .iter()
        .filter(|later| matches!(later.kind, EventKind::ProbeFailed { .. }))
        .filter_map(|later| {
            later
                .position
                .log_index()
                .filter(|index| after_report(*index))
                .map(|index| (index, later))
        })
        .min_by_key(|(index, _)| *index)
        .map(|(_, later)| boot.device(later.device).name.clone())
}

/// Whether a cut-off report is a second copy of one the log holds whole (the console and the
/// log buffer both printed, or a `dmesg` of the crash pasted after the capture).
/// Copies have the same first line and the same time (or one has none: a paste without time
/// stamps); the same header at another time is another report.
fn printed_whole(cut_off_fact: &Fact, cut_off: &Splat, facts: &[Fact]) -> bool {
    facts.iter().any(|fact| {
        let same_time = fact.time.is_none() || cut_off_fact.time.is_none() || fact.time == cut_off_fact.time;
        matches!(&fact.kind, FactKind::Splat(other)
            if !other.incomplete && other.first_line == cut_off.first_line && same_time)
    })
}

/// The report's text: class, first line, the crash's later reports, function and module;
/// without the device being probed (repeats of one report differ only in that).
fn describe(splat: &Splat) -> String {
    let label = splat.class.label();
    let mut message = if splat.summary.starts_with(label) {
        splat.summary.clone()
    } else {
        format!("{label}: {}", splat.summary)
    };
    for class in &splat.chain {
        message.push_str(&format!(" → {}", class.label()));
    }
    if let Some(last) = &splat.last {
        message.push_str(&format!(" ({})", last.text));
    }
    if let Some(function) = splat
        .function
        .as_ref()
        .filter(|f| !splat.summary.contains(function_name(f)))
    {
        message.push_str(&format!(" in {function}"));
    }
    // A KFENCE or WARNING line names the module itself (`func+0x1/0x2 [scst]`).
    if let Some(module) = splat.module.as_ref().map(|module| format!(" [{module}]")) {
        if !message.contains(&module) {
            message.push_str(&module);
        }
    }
    message
}

/// Reports with the same text, gathered.
struct Gathered<'a> {
    subject: String,
    message: String,
    incomplete: bool,
    splats: Vec<(&'a Fact, &'a Splat)>,
    devices: Vec<String>,
}

impl Rule for KernelOops {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, boot: &Boot, _analysis: &Analysis, _settings: &RuleSettings) -> Vec<Finding> {
        let facts = &boot.facts;
        // The same report repeated (a WARN hit by several probes) is one finding: the devices
        // being probed are its related devices, the repeats counted.
        let mut gathered: Vec<Gathered> = Vec::new();
        for fact in facts {
            let FactKind::Splat(splat) = &fact.kind else {
                continue;
            };
            if splat.incomplete && printed_whole(fact, splat, facts) {
                continue;
            }
            let device = probed_device(splat, fact, boot);
            let message = describe(splat);
            let subject = splat
                .function
                .as_deref()
                .map(|f| function_name(f).to_string())
                .unwrap_or_else(|| "kernel".to_string());
            let index = match gathered.iter().position(|g| {
                g.subject == subject && g.message == message && g.incomplete == splat.incomplete
            }) {
                Some(index) => index,
                None => {
                    gathered.push(Gathered {
                        subject,
                        message,
                        incomplete: splat.incomplete,
                        splats: Vec::new(),
                        devices: Vec::new(),
                    });
                    gathered.len() - 1
                }
            };
            let same = &mut gathered[index];
            same.splats.push((fact, splat));
            if let Some(device) = device {
                if !same.devices.contains(&device) {
                    same.devices.push(device);
                }
            }
        }
        gathered.into_iter().map(finding).collect()
    }
}

fn finding(gathered: Gathered) -> Finding {
    let Gathered {
        subject,
        mut message,
        incomplete,
        splats,
        devices,
    } = gathered;
    let mut evidence = Vec::new();
    for (fact, splat) in &splats {
        evidence.push(fact.evidence.clone());
        evidence.extend(splat.last.clone());
    }
    evidence.truncate(8);
    let probe_functions: Vec<&str> = {
        let mut names: Vec<&str> = splats
            .iter()
            .filter_map(|(_, splat)| splat.probe_function.as_deref())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let in_probe = splats.iter().any(|(_, splat)| splat.in_probe);
    if splats.len() > 1 {
        message.push_str(&format!(" ({} times)", splats.len()));
    }
    match (devices.as_slice(), probe_functions.as_slice()) {
        ([], []) if in_probe => message.push_str(", during a probe"),
        ([], []) => {}
        ([], probes) => message.push_str(&format!(", during a probe ({})", probes.join(", "))),
        ([device], [probe]) => message.push_str(&format!(", while probing {device} ({probe})")),
        (devices, _) => message.push_str(&format!(", while probing {}", devices.join(", "))),
    }
    if incomplete {
        message.push_str("; the report is cut off (the log ends or the board rebooted there)");
    }
    Finding::new(&META, subject, message)
        .related(devices)
        .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::META;

    fn oopses(path: &str) -> Vec<(String, String)> {
        crate::rules::findings_on_inputs(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public")
            .join(path)])
        .into_iter()
        .filter(|f| f.code == META.code)
        .map(|f| (f.subject, f.message))
        .collect()
    }

    #[test]
    fn a_report_names_its_function_and_the_device_being_probed() {
        // Shuboz: a NULL dereference in cros_ec_check_features+0x7/0x110 under
        // cros_typec_probe; the subject is the function, without its offset.
        let shuboz = oopses("kernelci-x86-amd-shuboz-5.15-serial-dmesg-decode-kern-alert-amd-vi-groups.txt");
        assert_eq!(
            shuboz,
            [(
                "cros_ec_check_features".to_string(),
                "BUG: kernel NULL pointer dereference, address: 00000000000002fc → Oops in cros_ec_check_features+0x7/0x110, during a probe (cros_typec_probe)".to_string()
            )]
        );
        // db410c: the report's own `<driver> <device>:` line names the device being probed.
        let db410c = oopses("lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt");
        assert!(
            db410c.iter().any(|(subject, message)| subject == "__list_del_entry_valid"
                && message == "WARNING at lib/list_debug.c:59 __list_del_entry_valid+0x104/0x130 (6 times), while probing remoteproc0"),
            "{db410c:#?}"
        );
    }

    #[test]
    fn reports_in_one_function_with_different_first_lines_are_findings_of_their_own() {
        // db410c: two paging-request Oopses in sysfs_file_ops at different addresses, each
        // printed twice (console and log buffer): two findings, each counting its own copies.
        let db410c = oopses("lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt");
        let sysfs_file_ops: Vec<&str> = db410c
            .iter()
            .filter(|(subject, _)| subject == "sysfs_file_ops")
            .map(|(_, message)| message.as_str())
            .collect();
        assert_eq!(sysfs_file_ops.len(), 2, "{db410c:#?}");
        assert!(
            sysfs_file_ops.iter().all(|m| m.contains("(2 times)")),
            "{sysfs_file_ops:#?}"
        );
        assert!(
            sysfs_file_ops[0].contains("bbbbbbbbbbbbbbc3") && sysfs_file_ops[1].contains("006b6b6b6b6b6b73")
        );
        // The first is in no probe path and names no device: nothing is said of a probe.
        assert!(sysfs_file_ops[0].ends_with("(2 times)"), "{}", sysfs_file_ops[0]);
    }

    /// Generated cases with known truth, for what no capture holds: a report in the driver
    /// core's probe path that names no device, and the driver core's failure line after it
    /// (`probe of X failed with error -N`, dd.c); and a cut-off report with no whole copy.
    mod generated {
        use crate::model::{
            Boot, Device, Event, EventKind, Evidence, Fact, FactKind, Origin, Position, Splat, SplatClass,
        };

        const REPORT_AT: u64 = 10;

        fn evidence(text: &str) -> Evidence {
            Evidence::new(Origin::file_only(&"generated.log".into()), text)
        }

        fn splat(in_probe: bool, device: Option<&str>, incomplete: bool) -> Splat {
            Splat {
                class: SplatClass::Warning,
                chain: Vec::new(),
                first_line: "WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:1 f+0x0/0x4".to_string(),
                summary: "WARNING at drivers/base/dd.c:1 f+0x0/0x4".to_string(),
                function: Some("f+0x0/0x4".to_string()),
                module: None,
                in_probe,
                probe_function: None,
                device: device.map(str::to_string),
                caller: None,
                incomplete,
                last: None,
            }
        }

        fn fact_of(splat: &Splat) -> Fact {
            Fact {
                index: REPORT_AT,
                time: None,
                evidence: evidence(&splat.first_line),
                kind: FactKind::Splat(splat.clone()),
            }
        }

        /// A boot whose devices `a.dev`, `b.dev`, ... each failed their probe at the given record.
        fn failures_at(indexes: &[u64]) -> Boot {
            let mut boot = Boot::default();
            for (n, index) in indexes.iter().enumerate() {
                let name = format!("{}.dev", char::from(b'a' + n as u8));
                let device = boot.add_device(Device {
                    name: name.clone(),
                    ..Device::default()
                });
                boot.events.push(Event {
                    device,
                    position: Position::Log {
                        index: *index,
                        time: None,
                    },
                    kind: EventKind::ProbeFailed {
                        driver: "drv".to_string(),
                        errno: -22,
                    },
                    evidence: evidence(&format!(
                        "drv {name}: probe with driver drv failed with error -22"
                    )),
                });
            }
            boot
        }

        fn probed(in_probe: bool, own: Option<&str>, failures: &[u64]) -> Option<String> {
            let splat = splat(in_probe, own, false);
            super::super::probed_device(&splat, &fact_of(&splat), &failures_at(failures))
        }

        #[test]
        fn a_report_in_the_probe_path_is_the_probe_of_the_device_whose_failure_follows_it() {
            let within = super::super::PROBE_FAILURE_WITHIN;
            assert_eq!(probed(true, None, &[REPORT_AT + 5]).as_deref(), Some("a.dev"));
            // The nearest failure after the report, within the window (its last record counts).
            assert_eq!(
                probed(true, None, &[REPORT_AT + 9, REPORT_AT + 3]).as_deref(),
                Some("b.dev")
            );
            assert_eq!(
                probed(true, None, &[REPORT_AT + within]).as_deref(),
                Some("a.dev")
            );
            // Not before the report, not at its own record, not past the window.
            assert_eq!(probed(true, None, &[REPORT_AT - 1]), None);
            assert_eq!(probed(true, None, &[REPORT_AT]), None);
            assert_eq!(probed(true, None, &[REPORT_AT + within + 1]), None);
            // Outside the probe path a failure nearby is a bystander's.
            assert_eq!(probed(false, None, &[REPORT_AT + 5]), None);
            // The report's own device line outranks any failure line.
            assert_eq!(
                probed(true, Some("own.dev"), &[REPORT_AT + 5]).as_deref(),
                Some("own.dev")
            );
            assert_eq!(probed(false, Some("own.dev"), &[]).as_deref(), Some("own.dev"));
        }

        #[test]
        fn a_report_in_the_probe_path_without_its_probe_function_says_only_that() {
            // A trace through really_probe() whose frame inside the bus's probe was not read
            // (cut off, or a frame the reader does not name) and no failure line after it.
            let in_probe = splat(true, None, false);
            let fact = fact_of(&in_probe);
            let finding = |splat: &Splat| {
                super::super::finding(super::super::Gathered {
                    subject: "f".to_string(),
                    message: super::super::describe(splat),
                    incomplete: false,
                    splats: vec![(&fact, splat)],
                    devices: Vec::new(),
                })
            };
            assert!(finding(&in_probe).message.ends_with(", during a probe"));
            assert!(!finding(&splat(false, None, false)).message.contains("probe"));
        }

        #[test]
        fn the_module_of_the_function_is_named_once() {
            let mut in_module = splat(false, None, false);
            in_module.module = Some("scst".to_string());
            in_module.function = Some("scst_alloc+0x10/0x20".to_string());
            let described = super::super::describe(&in_module);
            assert!(
                described.ends_with(" in scst_alloc+0x10/0x20 [scst]"),
                "{described}"
            );
            // A WARNING's first line already names it (`func+0x1/0x2 [scst]`): not twice.
            in_module.summary.push_str(" [scst]");
            assert_eq!(super::super::describe(&in_module).matches("[scst]").count(), 1);
        }

        #[test]
        fn a_cut_off_report_is_a_copy_only_of_a_whole_one_with_its_first_line() {
            let cut = splat(false, None, true);
            let cut_fact = fact_of(&cut);
            // Alone, or beside another cut-off copy, it is a report of its own.
            assert!(!super::super::printed_whole(
                &cut_fact,
                &cut,
                std::slice::from_ref(&cut_fact)
            ));
            let whole = fact_of(&splat(false, None, false));
            assert!(super::super::printed_whole(
                &cut_fact,
                &cut,
                &[cut_fact.clone(), whole.clone()]
            ));
            // The same header at another time is another report.
            let mut later = whole;
            later.time = Some(crate::model::BootTime::from_secs_f64(5.0));
            let mut timed = cut_fact.clone();
            timed.time = Some(crate::model::BootTime::from_secs_f64(1.0));
            assert!(!super::super::printed_whole(
                &timed,
                &cut,
                &[timed.clone(), later]
            ));
        }
    }
}
