//! Kernel reports ("splats") put together from their records, as the log streams by: a header
//! (`header`) opens a report; its body (`frame`) says where it happened and through which
//! calls; an end marker, the next report or the end of its call trace closes it. One crash is
//! one report: a BUG or kernel fault followed by its Oops and the panic that ends it.
//!
//! State is kept per printk caller id (`[T123]`, `[C1]`), so that when several CPUs print at
//! once, each report takes its `pc`, its trace and its device from its own CPU's lines; a log
//! without caller ids is one stream. The state is bounded: one open report and one just
//! closed per caller, each report's frames counted, not kept.

mod frame;
mod header;

use super::LogRecord;
use crate::ingest::messages::{prefix, Message};
use crate::ingest::LogEvent;
use crate::model::{Evidence, Splat, SplatClass};
use frame::Frame;
use std::collections::HashMap;

/// Records of one caller after which a report whose trace has not ended is closed anyway
/// (RCU stalls and lockdep reports run to a few hundred lines).
const MOST_RECORDS: u32 = 400;
/// Records after the end of a call trace that still belong to the report (`Modules linked
/// in`, `Code:`, x86's register dump after `</TASK>`).
const TRAILING_RECORDS: u32 = 12;
/// Records after a report closed within which a panic is still that report's (panic_on_warn,
/// `hung_task: blocked tasks`, `Fatal exception` after an Oops's end marker).
const PANIC_FOLLOWS_WITHIN: u32 = 40;
/// Lines between `cut here` and the WARNING line that can be the WARN's own message.
const WARN_MESSAGE_LINES: u32 = 4;

/// Reporting and scheduling helpers that are never the function a report is about: the first
/// frame that is none of these is.
const HELPERS: &[&str] = &[
    "dump_backtrace",
    "show_stack",
    "dump_stack",
    "dump_stack_lvl",
    "__dump_stack",
    "show_trace",
    "sched_show_task",
    "__warn",
    "warn_slowpath",
    "report_bug",
    "bug_handler",
    "panic",
    "die",
    "__die",
    "ubsan_epilogue",
    "print_address_description",
    "print_report",
    "kasan_report",
    "__kasan_report",
    "kmsan_report",
    "kcsan_report",
    "kfence_report_error",
    "lock_acquire",
    "__lock_acquire",
    "lock_release",
    "validate_chain",
    "check_noncircular",
    "check_prev_add",
    "print_circular_bug",
    "lockdep_rcu_suspicious",
    "print_usage_bug",
    "mark_lock",
    "__schedule",
    "schedule",
    "__switch_to",
    "__switch_to_asm",
    "schedule_timeout",
    "schedule_preempt_disabled",
    "io_schedule",
    "io_schedule_timeout",
    "__mutex_lock",
    "__mutex_lock_common",
    "__mutex_lock_slowpath",
    "mutex_lock",
    "mutex_lock_nested",
    "__down",
    "down",
    "rwsem_down_read_slowpath",
    "rwsem_down_write_slowpath",
    "wait_for_common",
    "wait_for_completion",
    "__wait_for_common",
    "do_wait_for_common",
    "bit_wait",
    "bit_wait_io",
    "__wait_on_bit",
    "out_of_line_wait_on_bit",
    "_raw_spin_lock",
    "_raw_spin_lock_irqsave",
    "_raw_spin_lock_irq",
    "do_raw_spin_lock",
    "queued_spin_lock_slowpath",
    "native_queued_spin_lock_slowpath",
];

/// Name prefixes of reporting helpers (the sanitizers' hooks, the exception entry code).
const HELPER_PREFIXES: &[&str] = &[
    "__ubsan_handle_",
    "__asan_",
    "__msan_",
    "__tsan_",
    "kasan_",
    "__kasan_",
    "kmsan_",
    "kfence_",
    "__kfence_",
    "check_",
    "print_",
    "do_error_trap",
    "exc_",
    "asm_exc_",
    "handle_bug",
    "el1_",
    "el1h_",
    "do_mem_abort",
    "__do_kernel_fault",
    "die_kernel_fault",
];

/// Functions of the driver core's probe path.
const PROBE_PATH: &[&str] = &["really_probe", "__driver_probe_device", "driver_probe_device"];

/// Bus and core probe functions between `really_probe` and the driver's probe function.
const BUS_PROBES: &[&str] = &[
    "call_driver_probe",
    "platform_probe",
    "platform_drv_probe",
    "amba_probe",
    "pci_device_probe",
    "local_pci_probe",
    "i2c_device_probe",
    "spi_probe",
    "spi_drv_probe",
    "virtio_dev_probe",
    "usb_probe_interface",
    "usb_probe_device",
    "mmc_bus_probe",
    "sdio_bus_probe",
    "hid_device_probe",
    "serio_driver_probe",
    "acpi_device_probe",
    "scsi_probe_and_add_lun",
];

fn is_helper(name: &str) -> bool {
    let name = name.split('.').next().unwrap_or(name);
    HELPERS.contains(&name) || HELPER_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// How far a report's first call trace has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trace {
    NotYet,
    Running,
    /// Ended this many records ago.
    Done(u32),
}

/// A report being read.
struct Open {
    /// Where its event is in the events list.
    slot: usize,
    splat: Splat,
    records: u32,
    trace: Trace,
    /// The function from `pc :`/`RIP:` was found (it outranks the trace's frames).
    located: bool,
    /// The last probe-like frame before the driver core's probe path.
    probe_candidate: Option<String>,
    /// lockdep: frames count only after `stack backtrace:`.
    awaiting_lockdep_trace: bool,
}

/// A report just closed: a panic right after it is still the same crash.
struct Closed {
    slot: usize,
    records_since: u32,
}

/// What one caller id's stream holds.
#[derive(Default)]
struct CallerState {
    open: Option<Open>,
    closed: Option<Closed>,
    /// `cut here` seen this many lines ago, and the device the WARN's message named.
    cut_here: Option<(u32, Option<String>)>,
}

/// Puts reports together from a log's records, one caller id at a time.
#[derive(Default)]
pub struct SplatReader {
    callers: HashMap<String, CallerState>,
}

impl SplatReader {
    /// Reads one record; reports are written into `events` (a report's event is pushed when
    /// its header is read and completed in place). Returns whether the record was part of a
    /// report.
    pub fn see(&mut self, record: &LogRecord, index: u64, events: &mut Vec<LogEvent>) -> bool {
        let key = record.caller.clone().unwrap_or_default();
        let state = self.callers.entry(key).or_default();
        let mut part = false;
        for line in record.text.lines() {
            part |= see_line(state, record, index, line, events);
        }
        part
    }

    /// The log (or this boot of it) ends: reports still open were cut off.
    pub fn finish(&mut self, events: &mut [LogEvent]) {
        for state in self.callers.values_mut() {
            if let Some(open) = state.open.take() {
                close(open, true, events);
            }
        }
        self.callers.clear();
    }
}

fn see_line(
    state: &mut CallerState,
    record: &LogRecord,
    index: u64,
    line: &str,
    events: &mut Vec<LogEvent>,
) -> bool {
    if let Some(closed) = state.closed.as_mut() {
        closed.records_since += 1;
        if closed.records_since > PANIC_FOLLOWS_WITHIN {
            state.closed = None;
        }
    }
    if let Some(found) = header::header(line) {
        on_header(state, record, index, line, found, events);
        return true;
    }
    if frame::is_cut_here(line) {
        state.cut_here = Some((0, None));
        return true;
    }
    if let Some((lines, device)) = state.cut_here.as_mut() {
        *lines += 1;
        if *lines > WARN_MESSAGE_LINES {
            state.cut_here = None;
        } else if device.is_none() {
            if let Some(prefix) = prefix::split(line).prefix {
                *device = Some(prefix.device.to_string());
            }
        }
    }
    let Some(open) = state.open.as_mut() else {
        return false;
    };
    open.records += 1;
    match body_line(open, line) {
        Body::Ends => {
            if let Some(open) = state.open.take() {
                let slot = open.slot;
                close(open, false, events);
                state.closed = Some(Closed {
                    slot,
                    records_since: 0,
                });
            }
            true
        }
        Body::Part => true,
        Body::Other => {
            let done_long_ago = matches!(open.trace, Trace::Done(n) if n > TRAILING_RECORDS);
            if done_long_ago || open.records > MOST_RECORDS {
                if let Some(open) = state.open.take() {
                    let slot = open.slot;
                    close(open, false, events);
                    state.closed = Some(Closed {
                        slot,
                        records_since: 0,
                    });
                }
                return false;
            }
            true
        }
    }
}

fn on_header(
    state: &mut CallerState,
    record: &LogRecord,
    index: u64,
    line: &str,
    found: header::Header,
    events: &mut Vec<LogEvent>,
) {
    // The same crash going on: a BUG's or kernel fault's Oops, any report's panic.
    if let Some(open) = state.open.as_mut() {
        // Before v4.6 the hard-lockup detector reported through WARN(): its message line,
        // right after the WARNING line, says what the report is.
        if open.splat.class == SplatClass::Warning
            && found.class == SplatClass::HardLockup
            && open.records == 0
        {
            open.records += 1;
            open.splat.class = SplatClass::HardLockup;
            open.splat.summary = found.summary;
            return;
        }
        let continues = match found.class {
            SplatClass::Panic => panic_ends(&open.splat, line),
            SplatClass::Oops => {
                open.splat.class.leads_to_oops()
                    && !open.splat.chain.contains(&SplatClass::Oops)
                    && open.trace == Trace::NotYet
            }
            _ => false,
        };
        if continues {
            open.records += 1;
            open.splat.chain.push(found.class);
            if found.class == SplatClass::Panic {
                open.splat.last = Some(evidence(record, line));
            }
            return;
        }
    }
    if found.class == SplatClass::Panic {
        if let Some(closed) = state.closed.take() {
            if let Some(LogEvent {
                message: Message::Splat(splat),
                ..
            }) = events.get_mut(closed.slot)
            {
                if panic_ends(splat, line) {
                    splat.chain.push(SplatClass::Panic);
                    splat.last = Some(evidence(record, line));
                    return;
                }
            }
        }
    }
    if let Some(open) = state.open.take() {
        close(open, false, events);
    }
    let device = match state.cut_here.take() {
        Some((_, device)) if found.class == SplatClass::Warning => device,
        _ => None,
    };
    let (function, module) = match found.function {
        Some((function, module)) => (Some(function), module),
        None => (None, None),
    };
    let splat = Splat {
        class: found.class,
        chain: Vec::new(),
        first_line: line.trim().to_string(),
        summary: found.summary,
        function,
        module,
        in_probe: false,
        probe_function: None,
        device,
        caller: record.caller.clone(),
        incomplete: false,
        last: None,
    };
    let slot = events.len();
    events.push(LogEvent {
        origin: record.origin.clone(),
        time: record.time,
        index,
        text: line.trim().to_string(),
        message: Message::Splat(splat.clone()),
    });
    let single_line = matches!(found.class, SplatClass::BusyInodes | SplatClass::FileMaxReached);
    let open = Open {
        slot,
        splat,
        records: 0,
        trace: Trace::NotYet,
        located: false,
        probe_candidate: None,
        awaiting_lockdep_trace: found.class == SplatClass::Lockdep,
    };
    if single_line {
        close(open, false, events);
        state.closed = Some(Closed {
            slot,
            records_since: 0,
        });
    } else {
        state.open = Some(open);
    }
}

/// Whether a panic is the end of `splat`'s crash rather than a failure of its own: the panic's
/// reason names what the report was (kernel/panic.c `check_panic_on_warn()`: `panic_on_warn
/// set`; the x86/arm die paths: `Fatal exception`; kernel/hung_task.c: `hung_task: blocked
/// tasks`; kernel/watchdog.c: `softlockup: hung tasks`, `Hard LOCKUP`; kernel/rcu:
/// `RCU Stall`; the sanitizers' `*.fault=panic`).
fn panic_ends(splat: &Splat, panic_line: &str) -> bool {
    let reason = panic_line.to_ascii_lowercase();
    let oopsed = splat.chain.contains(&SplatClass::Oops)
        || matches!(
            splat.class,
            SplatClass::Oops | SplatClass::GeneralProtection | SplatClass::DivideError
        );
    if oopsed && (reason.contains("fatal exception") || reason.contains("oops")) {
        return true;
    }
    if reason.contains("panic_on_warn") {
        return !splat.chain.contains(&SplatClass::Oops);
    }
    match splat.class {
        SplatClass::HungTask => reason.contains("hung_task") || reason.contains("blocked tasks"),
        SplatClass::SoftLockup => reason.contains("softlockup"),
        SplatClass::HardLockup => reason.contains("hard lockup") || reason.contains("hardlockup"),
        SplatClass::RcuStall => reason.contains("rcu stall"),
        SplatClass::Kasan => reason.contains("kasan"),
        SplatClass::Kfence => reason.contains("kfence"),
        SplatClass::Kmsan => reason.contains("kmsan"),
        SplatClass::Ubsan => reason.contains("ubsan"),
        SplatClass::Lockdep => reason.contains("lockdep"),
        _ => false,
    }
}

fn evidence(record: &LogRecord, line: &str) -> Evidence {
    Evidence::new(record.origin.clone(), line.trim().to_string())
}

/// What a body line did to its report.
enum Body {
    /// It ends the report (an end marker, the sanitizers' closing rule).
    Ends,
    /// It belongs to the report.
    Part,
    /// Nothing the report is known to print.
    Other,
}

fn body_line(open: &mut Open, line: &str) -> Body {
    if let Trace::Done(n) = &mut open.trace {
        *n += 1;
    }
    if frame::ends_report(line) {
        return Body::Ends;
    }
    let sanitizer = matches!(
        open.splat.class,
        SplatClass::Kasan | SplatClass::Kmsan | SplatClass::Kcsan | SplatClass::Kfence | SplatClass::Ubsan
    );
    if sanitizer && frame::is_rule(line) {
        return Body::Ends;
    }
    if !open.located {
        if let Some((function, module)) = frame::location(line) {
            open.located = true;
            // A WARNING's or a sanitizer's own line already names the function.
            let named_by_header = open.splat.function.is_some()
                && matches!(
                    open.splat.class,
                    SplatClass::Warning
                        | SplatClass::Kasan
                        | SplatClass::Kmsan
                        | SplatClass::Kcsan
                        | SplatClass::Kfence
                );
            if !named_by_header {
                open.splat.function = Some(function);
                open.splat.module = module;
            }
            return Body::Part;
        }
    }
    if open.awaiting_lockdep_trace {
        if frame::starts_lockdep_trace(line) {
            open.awaiting_lockdep_trace = false;
        }
        return Body::Part;
    }
    if frame::starts_trace(line) {
        if open.trace == Trace::NotYet {
            open.trace = Trace::Running;
        }
        return Body::Part;
    }
    if frame::is_trace_marker(line) {
        return Body::Part;
    }
    match frame::frame(line) {
        Some(found) => {
            match open.trace {
                Trace::NotYet | Trace::Running => {
                    open.trace = Trace::Running;
                    take_frame(open, &found);
                }
                Trace::Done(_) => {}
            }
            Body::Part
        }
        None => {
            if open.trace == Trace::Running {
                open.trace = Trace::Done(0);
            }
            Body::Other
        }
    }
}

/// What one frame of the report's first trace says.
fn take_frame(open: &mut Open, found: &Frame) {
    let name = found.name();
    if PROBE_PATH.contains(&name) {
        if !open.splat.in_probe {
            open.splat.in_probe = true;
            open.splat.probe_function = open.probe_candidate.take();
        }
        return;
    }
    if open.splat.in_probe || !found.reliable {
        return;
    }
    // Drivers name their probe function `<driver>_probe` (a `.cold`/`.isra` part aside).
    let base = name.split('.').next().unwrap_or(name);
    if base.ends_with("_probe") && !BUS_PROBES.contains(&base) {
        open.probe_candidate = Some(name.to_string());
    }
    if open.splat.function.is_none() && !open.located && !is_helper(name) {
        open.splat.function = Some(found.function.clone());
        open.splat.module = found.module.clone();
    }
}

/// Writes a finished report into its event.
fn close(open: Open, cut_off: bool, events: &mut [LogEvent]) {
    let Open {
        slot,
        mut splat,
        trace,
        ..
    } = open;
    // Cut off: the log ended inside the report, before its trace ran out or its end marker.
    // A panic is the last thing a crashed kernel prints; a report without a trace may have
    // had none to print.
    splat.incomplete = cut_off && !splat.ends_in_panic() && !matches!(trace, Trace::Done(_));
    if let Some(LogEvent {
        message: Message::Splat(written),
        ..
    }) = events.get_mut(slot)
    {
        // A panic may have been added to the event after it closed; keep it.
        *written = splat;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    /// The reports read from `(caller, text)` records, as the events list holds them.
    fn read(records: &[(Option<&str>, &str)]) -> Vec<Splat> {
        let mut reader = SplatReader::default();
        let mut events = Vec::new();
        for (line, (caller, text)) in records.iter().enumerate() {
            let record = LogRecord {
                origin: Origin::new(&"log".into(), line as u32 + 1),
                time: None,
                wall: None,
                seq: None,
                level: None,
                facility: None,
                caller: caller.map(str::to_string),
                device: None,
                text: text.to_string(),
            };
            reader.see(&record, line as u64, &mut events);
        }
        reader.finish(&mut events);
        events
            .into_iter()
            .filter_map(|event| match event.message {
                Message::Splat(splat) => Some(splat),
                _ => None,
            })
            .collect()
    }

    fn lines(text: &str) -> Vec<(Option<&str>, &str)> {
        text.lines().map(|line| (None, line)).collect()
    }

    #[test]
    fn a_bug_its_oops_and_the_panic_are_one_crash() {
        // fixtures/public/exynos5250-snow-..., shortened.
        let splats = read(&lines(
            " kernel BUG at drivers/iommu/exynos-iommu.c:447!\n \
             Internal error: Oops - BUG: 0 [#1] PREEMPT SMP ARM\n \
             Modules linked in:\n \
             PC is at exynos_sysmmu_irq+0x210/0x258\n \
             [<c05a6e34>] (exynos_sysmmu_irq) from [<c01a24f4>] (__handle_irq_event_percpu+0x68/0x42c)\n \
             [<c0100af0>] (__irq_svc) from [<c02b18a0>] (kfree+0x19c/0x3e4)\n \
             Code: e1a00004 ebfe6e3e e3a00000 eaffffd8 (e7f001f2)\n \
             ---[ end trace 5da7a0a8b1a2c8d1 ]---\n \
             Kernel panic - not syncing: Fatal exception in interrupt",
        ));
        assert_eq!(splats.len(), 1);
        assert_eq!(splats[0].class, SplatClass::Bug);
        assert_eq!(splats[0].chain, [SplatClass::Oops, SplatClass::Panic]);
        assert_eq!(
            splats[0].function.as_deref(),
            Some("exynos_sysmmu_irq+0x210/0x258")
        );
        assert!(!splats[0].incomplete);
    }

    #[test]
    fn a_panic_for_another_reason_is_its_own_report() {
        let splats = read(&lines(
            "WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:270 driver_deferred_probe_check_state+0x48/0x68\n\
             Call trace:\n \
             driver_deferred_probe_check_state+0x48/0x68\n\
             ---[ end trace 7c4fd32c7fa6a7a6 ]---\n\
             Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(2,0)",
        ));
        assert_eq!(
            splats.iter().map(|s| s.class).collect::<Vec<_>>(),
            [SplatClass::Warning, SplatClass::Panic]
        );
        assert!(splats[0].chain.is_empty());
    }

    #[test]
    fn interleaved_reports_of_two_callers_keep_their_own_lines() {
        // Two CPUs warning at once (the db410c list corruption, caller ids added): each WARNING
        // takes its `pc`, its trace and the device of its own `cut here` message.
        let splats = read(&[
            (Some("T276"), "------------[ cut here ]------------"),
            (Some("T281"), "------------[ cut here ]------------"),
            (
                Some("T276"),
                "qcom-pon 200f000.spmi:pmic@0:pon@800: list_add corruption.",
            ),
            (
                Some("T281"),
                "list_del corruption. next->prev should be ffff0000, but was dead",
            ),
            (
                Some("T276"),
                "WARNING: CPU: 2 PID: 276 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110",
            ),
            (
                Some("T281"),
                "WARNING: CPU: 3 PID: 281 at lib/list_debug.c:59 __list_del_entry_valid+0x104/0x130",
            ),
            (Some("T281"), "pc : __list_del_entry_valid+0x104/0x130"),
            (Some("T276"), "pc : __list_add_valid+0xdc/0x110"),
            (Some("T276"), "Call trace:"),
            (Some("T281"), "Call trace:"),
            (Some("T281"), " __list_del_entry_valid+0x104/0x130"),
            (Some("T276"), " __list_add_valid+0xdc/0x110"),
            (Some("T281"), " rproc_del+0x30/0x90"),
            (Some("T276"), " device_link_add+0x1c4/0x6d0"),
            (Some("T276"), " qcom_iommu_probe_device+0x5c/0xc4"),
            (Some("T281"), " q6v5_probe+0x2a0/0x4a0"),
            (Some("T281"), " platform_probe+0x70/0xd0"),
            (Some("T276"), " pm8916_pon_probe+0x1c/0x80"),
            (Some("T281"), " really_probe+0x88/0x3f4"),
            (Some("T276"), " platform_probe+0x70/0xd0"),
            (Some("T276"), " really_probe+0x88/0x3f4"),
            (Some("T276"), "---[ end trace 0000000000000000 ]---"),
            (Some("T281"), "---[ end trace 0000000000000000 ]---"),
        ]);
        assert_eq!(splats.len(), 2);
        let add = &splats[0];
        assert_eq!(add.caller.as_deref(), Some("T276"));
        assert_eq!(add.function.as_deref(), Some("__list_add_valid+0xdc/0x110"));
        assert_eq!(add.device.as_deref(), Some("200f000.spmi:pmic@0:pon@800"));
        assert_eq!(add.probe_function.as_deref(), Some("pm8916_pon_probe"));
        let del = &splats[1];
        assert_eq!(del.caller.as_deref(), Some("T281"));
        assert_eq!(
            del.function.as_deref(),
            Some("__list_del_entry_valid+0x104/0x130")
        );
        assert_eq!(del.device, None);
        assert_eq!(del.probe_function.as_deref(), Some("q6v5_probe"));
        assert!(splats.iter().all(|s| s.in_probe && !s.incomplete));
    }

    #[test]
    fn a_report_the_log_cuts_off_is_kept_and_marked() {
        let splats = read(&lines(
            "INFO: task swapper/0:1 blocked for more than 10 seconds.\n\
             Call trace:\n \
             __switch_to+0xc0/0x104\n \
             schedule+0x74/0x94\n \
             __flush_work+0x108/0x19c",
        ));
        assert_eq!(splats.len(), 1);
        assert_eq!(splats[0].class, SplatClass::HungTask);
        assert_eq!(splats[0].function.as_deref(), Some("__flush_work+0x108/0x19c"));
        assert!(splats[0].incomplete);
    }

    #[test]
    fn lockdep_reports_take_their_function_from_the_task_trace_not_the_chain() {
        let splats = read(&lines(
            "WARNING: possible circular locking dependency detected\n\
             -> #1 (fs_reclaim){+.+.}:\n       \
             fs_reclaim_acquire.part.0+0x25/0x30\n       \
             kmem_cache_alloc_node_trace+0x33/0x310\n\
             stack backtrace:\n\
             Call Trace:\n \
             dump_stack+0x77/0x97\n \
             check_noncircular+0x120/0x140\n \
             __lock_acquire+0x1000/0x1500\n \
             lock_acquire+0xbd/0x370\n \
             bch2_alloc_sectors_start+0x22b/0x1550 [bcachefs]\n\
             ---[ end trace 0 ]---",
        ));
        assert_eq!(splats.len(), 1);
        assert_eq!(splats[0].class, SplatClass::Lockdep);
        assert_eq!(
            splats[0].function.as_deref(),
            Some("bch2_alloc_sectors_start+0x22b/0x1550")
        );
        assert_eq!(splats[0].module.as_deref(), Some("bcachefs"));
    }
}
