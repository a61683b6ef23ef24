//! Two reports printing into one stream (a log without caller ids, several CPUs at once): which
//! of the reading report and the parked one a line belongs to, by the order in which every
//! report prints its parts.

use super::{frame, CallerState, Open, Trace};
use crate::model::SplatClass;

/// Gives a `CPU: <n> PID: <pid> Comm:` line to the report it is of: the one whose header
/// named that task, else one that names none yet and is past its Oops line (a kernel fault
/// prints it only after die() begins).
pub(super) fn name_registers(state: &mut CallerState, task: &str) {
    let at = state.cpu_lines;
    let mut reports: Vec<&mut Open> = state.open.iter_mut().chain(state.parked.iter_mut()).collect();
    let own = reports
        .iter()
        .position(|o| o.named_at.is_none() && o.cpu_pid.as_deref() == Some(task));
    let own = own.or_else(|| {
        reports
            .iter()
            .position(|o| o.named_at.is_none() && o.cpu_pid.is_none() && !awaits_oops(o))
    });
    if let Some(index) = own {
        let report = &mut reports[index];
        report.named_at = Some(at);
        report.cpu_pid.get_or_insert_with(|| task.to_string());
    }
}

/// `CPU: <n> PID: <pid>` of a WARNING header or a dump_stack_print_info() line
/// (lib/dump_stack.c), as one comparable text.
pub(super) fn cpu_pid(line: &str) -> Option<String> {
    let rest = &line[line.find("CPU: ")? + "CPU: ".len()..];
    let mut words = rest.split_whitespace();
    let cpu = words.next()?;
    if words.next()? != "PID:" {
        return None;
    }
    let pid = words.next()?;
    let numeric = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    (numeric(cpu) && numeric(pid)).then(|| format!("CPU: {cpu} PID: {pid}"))
}

/// Whether a report is a kernel fault (or BUG) still waiting for the Oops line its die() prints.
pub(super) fn awaits_oops(open: &Open) -> bool {
    open.splat.final_class().leads_to_oops()
        && !open.splat.chain.contains(&SplatClass::Oops)
        && open.trace == Trace::NotYet
}

/// Whether `line` is the parked report's rather than the reading one's, by the order every
/// report prints its parts in (`pc`/`RIP`, then `Call trace:`, its frames, its end marker): a
/// part the reading report is not at yet, or already past, while the parked one is at it.
pub(super) fn for_parked(open: &Open, parked: &Open, line: &str) -> bool {
    let has_trace = |o: &Open| o.trace != Trace::NotYet;
    let tracing = |o: &Open| matches!(o.trace, Trace::Running | Trace::Paused(_));
    if frame::ends_report(line) {
        return has_trace(parked) && !has_trace(open);
    }
    if frame::location(line).is_some() {
        // A kernel fault prints its `pc`/`RIP` only after its Oops line (die() shows the
        // registers); x86 before v4.17 printed an `IP:` line before it (show_fault_oops()).
        let early_ip = line.trim_start().starts_with("IP: ");
        // Nor does a report past the start of its trace print one.
        let takes = |o: &Open| !o.located && o.trace == Trace::NotYet && (early_ip || !awaits_oops(o));
        return match (takes(parked), takes(open)) {
            (true, false) => true,
            // Both could: the one whose task line came first prints its registers first.
            (true, true) => match (parked.named_at, open.named_at) {
                (Some(p), Some(o)) => p < o,
                (p, o) => p.is_some() && o.is_none(),
            },
            _ => false,
        };
    }
    if frame::starts_trace(line) {
        return parked.located && parked.trace == Trace::NotYet && !open.located;
    }
    if frame::frame(line).is_some() {
        return tracing(parked) && !tracing(open);
    }
    // No frame inside the reading report's trace, while the parked one has not reached its
    // own: the parked one's fault decode or register dump, which must not end that trace.
    tracing(open) && parked.trace == Trace::NotYet && !frame::is_trace_marker(line)
}
