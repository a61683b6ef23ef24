//! Kernel reports ("splats") put together from their records, as the log streams by: a header
//! (`header`) opens a report; its body (`frame`) says where it happened and through which
//! calls; an end marker, the next report or the end of its call trace closes it. One crash is
//! one report: a BUG or kernel fault followed by its Oops and the panic that ends it.
//!
//! Long because: the reader's state per printk caller (open, parked, just closed) and the rules
//! for which report a line continues are one state machine; split, each half would need the other.
//!
//! State is kept per printk caller id (`[T123]`, `[C1]`), so that when several CPUs print at
//! once, each report takes its `pc`, its trace and its device from its own CPU's lines; a log
//! without caller ids is one stream. There, when a report's header comes while another report
//! is still open, the open one is set aside (parked) rather than closed: each report prints its
//! lines in a fixed order (header, `pc`, `Call trace:`, frames, end marker), so a line the
//! reading report cannot be at yet goes to the parked one (see `for_parked`). The state is
//! bounded: one open, one parked and one just closed report per caller, each report's frames
//! counted, not kept.

mod frame;
mod header;
mod interleave;

use super::LogRecord;
use crate::ingest::messages::{prefix, Message};
use crate::ingest::LogEvent;
use crate::model::{Evidence, Splat, SplatClass};
use frame::{is_helper, Frame, BUS_PROBES, PROBE_PATH};
use interleave::{awaits_oops, cpu_pid, for_parked, name_registers};
use std::collections::HashMap;

/// Whether `text` is a line only a kernel report prints: its header or a call-trace frame. The
/// log sniffer counts these, so that a crash report pasted alone, without time stamps or a
/// boot around it (a mail, a bug tracker), reads as the kernel log it is.
pub(super) fn is_report_line(text: &str) -> bool {
    header::header(text).is_some() || frame::frame(text).is_some() || frame::location(text).is_some()
}

/// Literals one of which is in every line that changes the state of a caller with no report
/// going on: a report's header (`header::header`, also after the `PREFIXES` it strips), the
/// `cut here` line and `dump_stack_print_info()`'s ` Comm: ` line. A reader may skip other
/// lines while `SplatReader::idle` (the corpus test `skipped_lines_change_nothing` in
/// `events` fails when a header learnt here is missing).
pub const ANCHORS: &[&str] = &[
    "WARNING: ",
    "BUG: ",
    "kernel BUG at ",
    "Internal error: ",
    "INFO: ",
    "Oops: ",
    "Unable to handle kernel ",
    "UBSAN: ",
    "general protection fault",
    "divide error: ",
    "Kernel panic - not syncing",
    "VFS: Busy inodes after unmount",
    "VFS: file-max limit ",
    "Watchdog detected hard LOCKUP",
    "[ cut here ]",
    " Comm: ",
];

static ANCHOR_SEARCH: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| crate::ingest::messages::literal_automaton(ANCHORS));

/// Whether `text` holds one of `ANCHORS` (true when the automaton could not be built).
pub fn may_start_report(text: &str) -> bool {
    ANCHOR_SEARCH
        .as_ref()
        .is_none_or(|anchors| anchors.is_match(text))
}

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
/// Records after a one-line report within which the BUG or WARNING it goes on into is still
/// that report (`CHECK_DATA_CORRUPTION()`: the message, `cut here`, then `kernel BUG at`).
const CONTINUES_WITHIN: u32 = 2;

/// How far a report's first call trace has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trace {
    NotYet,
    Running,
    /// Ended this many records ago.
    Done(u32),
    /// Interrupted by this many lines another CPU printed (a driver's `<driver> <device>:`
    /// line, which is never part of a call trace): the frames after them still belong to the
    /// trace, as in a log without caller ids where two CPUs print at once.
    Paused(u32),
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
    /// `CPU: <n> PID: <pid>` as its header names them (a WARNING's does), to tell its `pc`
    /// from another report's when two print into one stream.
    cpu_pid: Option<String>,
    /// Its own `CPU: <n> PID: <pid> Comm:` line was read, as the how-many-th of its stream:
    /// the kernel prints the registers right after it, so the report whose line came first
    /// takes the first `pc`.
    named_at: Option<u32>,
    /// Another report's header came while it was open: whatever it lacks at the end of the
    /// log, the log did not end inside it.
    interrupted: bool,
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
    /// A report another report's header interrupted (two CPUs printing into one stream).
    parked: Option<Open>,
    /// dump_stack_print_info() lines (`CPU: <n> PID: <pid> Comm:`) read so far.
    cpu_lines: u32,
    closed: Option<Closed>,
    /// `cut here` seen this many lines ago, and the device the WARN's message named.
    cut_here: Option<(u32, Option<String>)>,
}

impl CallerState {
    /// No report open, set aside, just closed or announced by `cut here`: only a line with
    /// one of `ANCHORS` can change that.
    fn is_idle(&self) -> bool {
        self.open.is_none() && self.parked.is_none() && self.closed.is_none() && self.cut_here.is_none()
    }
}

/// Puts reports together from a log's records, one caller id at a time.
#[derive(Default)]
pub struct SplatReader {
    callers: HashMap<String, CallerState>,
    /// Some caller is not idle (kept up to date by `see`, so `idle` costs nothing per record).
    busy: bool,
}

impl SplatReader {
    /// Reads one record; reports are written into `events` (a report's event is pushed when
    /// its header is read and completed in place). Returns whether the record was part of a
    /// report.
    pub fn see(&mut self, record: &LogRecord, index: u64, events: &mut Vec<LogEvent>) -> bool {
        // Looked up by reference: a key is allocated only for a caller not seen before
        // (cloning it for every record was a tenth of the log's reading time).
        let key = record.caller.as_deref().unwrap_or("");
        if !self.callers.contains_key(key) {
            self.callers.insert(key.to_string(), CallerState::default());
        }
        let Some(state) = self.callers.get_mut(key) else {
            return false;
        };
        let part = see_record(state, record, index, events);
        // Only this caller's state changed: when all were idle before, it alone decides.
        self.busy = match self.busy {
            false => !state.is_idle(),
            true => self.callers.values().any(|state| !state.is_idle()),
        };
        part
    }

    /// No caller has a report going on: a record without any of `ANCHORS` changes nothing
    /// (`see` would return false and keep no state) and can be skipped.
    pub fn idle(&self) -> bool {
        !self.busy
    }

    /// The log (or this boot of it) ends: reports still open were cut off.
    pub fn finish(&mut self, events: &mut [LogEvent]) {
        for state in self.callers.values_mut() {
            if let Some(open) = state.open.take() {
                let cut_off = !open.interrupted;
                close(open, cut_off, events);
            }
            if let Some(parked) = state.parked.take() {
                close(parked, false, events);
            }
        }
        self.callers.clear();
        self.busy = false;
    }
}

/// `SplatReader::see` for the stream of the record's caller.
fn see_record(state: &mut CallerState, record: &LogRecord, index: u64, events: &mut Vec<LogEvent>) -> bool {
    let mut part = false;
    for line in record.text.lines() {
        part |= see_line(state, record, index, line, events);
    }
    part
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
    if let Some(parked) = state.parked.as_mut() {
        parked.records += 1;
        if parked.records > MOST_RECORDS {
            if let Some(parked) = state.parked.take() {
                close(parked, false, events);
            }
        }
    }
    if line.contains(" Comm: ") {
        if let Some(task) = cpu_pid(line) {
            state.cpu_lines += 1;
            name_registers(state, &task);
        }
    }
    if let (Some(open), Some(parked)) = (state.open.as_ref(), state.parked.as_mut()) {
        if for_parked(open, parked, line) {
            if let Body::Ends = body_line(parked, line) {
                if let Some(parked) = state.parked.take() {
                    close(parked, false, events);
                }
            }
            return true;
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
            state.open = state.parked.take();
            true
        }
        Body::Part => true,
        Body::Other => {
            // A sanitizer's report runs to its closing rule, past its first trace.
            let done_long_ago = matches!(open.trace, Trace::Done(n) if n > TRAILING_RECORDS)
                && !is_sanitizer(open.splat.class);
            if done_long_ago || open.records > MOST_RECORDS {
                if let Some(open) = state.open.take() {
                    let slot = open.slot;
                    close(open, false, events);
                    state.closed = Some(Closed {
                        slot,
                        records_since: 0,
                    });
                }
                state.open = state.parked.take();
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
                open.splat.final_class().leads_to_oops()
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
    // A kernel fault another CPU's report interrupted before its Oops line came.
    if let Some(parked) = state.parked.as_mut() {
        if found.class == SplatClass::Oops && awaits_oops(parked) {
            parked.records += 1;
            parked.splat.chain.push(found.class);
            return;
        }
    }
    if let Some(open) = continued_one_line_report(state, &found, events) {
        for other in [state.open.take(), state.parked.take()].into_iter().flatten() {
            close(other, false, events);
        }
        state.open = Some(open);
        return;
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
    // The open report is set aside, not closed: without caller ids, another CPU's report may
    // be printing into it (its end marker, its Oops, its `pc` are still to come).
    if let Some(mut open) = state.open.take() {
        open.interrupted = true;
        if let Some(older) = state.parked.replace(open) {
            close(older, false, events);
        }
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
        text: line.trim().into(),
        message: Message::Splat(Box::new(splat.clone())),
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
        cpu_pid: cpu_pid(line),
        named_at: None,
        interrupted: false,
    };
    if single_line {
        close(open, false, events);
        state.closed = Some(Closed {
            slot,
            records_since: 0,
        });
        state.open = state.parked.take();
    } else {
        state.open = Some(open);
    }
}

/// The one-line report just closed, reopened when `found` is the BUG or WARNING it goes on
/// into: fs/super.c prints `VFS: Busy inodes after unmount` through `CHECK_DATA_CORRUPTION()`
/// (include/linux/bug.h), which is `pr_err()` then `BUG()` with CONFIG_BUG_ON_DATA_CORRUPTION
/// and `WARN()` with the same message otherwise: one report either way.
fn continued_one_line_report(
    state: &mut CallerState,
    found: &header::Header,
    events: &[LogEvent],
) -> Option<Open> {
    if !matches!(found.class, SplatClass::Bug | SplatClass::Warning) {
        return None;
    }
    let slot = state
        .closed
        .as_ref()
        .filter(|closed| closed.records_since <= CONTINUES_WITHIN)?
        .slot;
    let Some(LogEvent {
        message: Message::Splat(splat),
        ..
    }) = events.get(slot)
    else {
        return None;
    };
    if splat.class != SplatClass::BusyInodes || !splat.chain.is_empty() {
        return None;
    }
    let mut splat = (**splat).clone();
    splat.chain.push(found.class);
    if let Some((function, module)) = found.function.clone() {
        splat.function = Some(function);
        splat.module = module;
    }
    state.closed = None;
    state.cut_here = None;
    Some(Open {
        slot,
        splat,
        records: 0,
        trace: Trace::NotYet,
        located: false,
        probe_candidate: None,
        awaiting_lockdep_trace: false,
        cpu_pid: None,
        named_at: None,
        interrupted: false,
    })
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

/// KASAN, KMSAN, KCSAN, KFENCE and UBSAN reports end with a rule of `=` (their
/// `end_report()`/`ubsan_epilogue()`), after several traces.
fn is_sanitizer(class: SplatClass) -> bool {
    matches!(
        class,
        SplatClass::Kasan | SplatClass::Kmsan | SplatClass::Kcsan | SplatClass::Kfence | SplatClass::Ubsan
    )
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
    if is_sanitizer(open.splat.class) && frame::is_rule(line) {
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
                Trace::NotYet | Trace::Running | Trace::Paused(_) => {
                    open.trace = Trace::Running;
                    take_frame(open, &found);
                }
                Trace::Done(_) => {}
            }
            Body::Part
        }
        None => match open.trace {
            Trace::Running | Trace::Paused(_) if prefix::split(line).prefix.is_some() => {
                let lines = match open.trace {
                    Trace::Paused(lines) => lines + 1,
                    _ => 1,
                };
                if lines > TRAILING_RECORDS {
                    open.trace = Trace::Done(lines);
                    return Body::Other;
                }
                open.trace = Trace::Paused(lines);
                Body::Part
            }
            Trace::Running | Trace::Paused(_) => {
                open.trace = Trace::Done(0);
                Body::Other
            }
            Trace::NotYet | Trace::Done(_) => Body::Other,
        },
    }
}

/// What one frame of the report's first trace says.
fn take_frame(open: &mut Open, found: &Frame) {
    let name = found.name();
    // Drivers name their probe function `<driver>_probe`; the compiler's clones keep the
    // name before a `.part.0`/`.cold`/`.isra.0` suffix (`really_probe.part.0`).
    let base = name.split('.').next().unwrap_or(name);
    if PROBE_PATH.contains(&base) {
        if !open.splat.in_probe {
            open.splat.in_probe = true;
            open.splat.probe_function = open.probe_candidate.take();
        }
        return;
    }
    if open.splat.in_probe || !found.reliable {
        return;
    }
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
    // had none to print. A sanitizer prints several traces (the access, the allocation, the
    // free) and ends with its closing rule: without the rule, it was cut off.
    let sanitizer = is_sanitizer(splat.class);
    let trace_ended = matches!(trace, Trace::Done(_) | Trace::Paused(_));
    splat.incomplete = cut_off && !splat.ends_in_panic() && (sanitizer || !trace_ended);
    if let Some(LogEvent {
        message: Message::Splat(written),
        ..
    }) = events.get_mut(slot)
    {
        // A panic may have been added to the event after it closed; keep it.
        **written = splat;
    }
}

#[cfg(test)]
mod tests;
