//! `probescope blame`: where a boot's probing time went: the slowest probes and initcalls
//! (initcall_debug's measured durations), the time each device lost to deferral retries (its
//! first deferred attempt to its bind), and the devices that bound only after the
//! deferred-probe timeout. As tables, and as a document of the contract (`schema/blame.json`).
//!
//! Measurements only, from the log's own numbers: a duration is initcall_debug's `after N
//! usecs`; a wait is the difference of two timestamps, `unknown` when either line has none.

use super::contract::Document;
use crate::analysis::Analysis;
use crate::error::Result;
use crate::model::{BindEvidence, EventKind, Evidence, FactKind, Position};
use crate::sanitize::escape_control;
use comfy_table::Table;
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt::Write as _;

/// The run: one entry per boot.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct BlameRun {
    pub boots: Vec<BootBlame>,
}

/// Where one boot's probing time went.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct BootBlame {
    pub boot: String,
    /// Whether the log has timestamps (without them no wait can be measured).
    pub timed: bool,
    /// The probes initcall_debug timed, slowest first (at most `--top`).
    pub slowest_probes: Vec<TimedCall>,
    /// The initcalls initcall_debug timed, slowest first (at most `--top`).
    pub slowest_initcalls: Vec<TimedCall>,
    /// Every device that deferred: its first deferred attempt to its bind, longest first
    /// (unmeasurable waits last).
    pub deferral_waits: Vec<DeferralWait>,
    /// When the deferred-probe timeout fired, if the log shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Instant>,
    /// Devices whose first sign of probing comes after the timeout fired, in log order.
    pub bound_after_timeout: Vec<LateBind>,
    pub notes: Vec<String>,
}

/// One timed call: a probe (`probe of X returned N after M usecs`) or an initcall.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct TimedCall {
    /// The device probed, or the initcall (`function [module]`).
    pub name: String,
    pub usecs: u64,
    /// What it returned.
    pub returned: i64,
    pub evidence: Evidence,
}

/// An instant of the log: its time when the record has one, and the record.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct Instant {
    /// Seconds since boot; absent when the record has no timestamp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    pub evidence: Evidence,
}

/// The time a device lost to deferral retries.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct DeferralWait {
    pub device: String,
    /// Its first probe attempt that deferred.
    pub first_attempt: Instant,
    /// Its bind (or, where the log shows no bind, its probe going ahead); absent when the log
    /// shows neither.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<Instant>,
    /// Seconds from the first attempt to the bind; absent when not measurable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Deferrals the log shows before the bind (all of them when it never bound).
    pub retries: usize,
}

/// A device that probed only after the deferred-probe timeout fired.
#[derive(Clone, Debug, Serialize, serde::Deserialize, JsonSchema)]
pub struct LateBind {
    pub device: String,
    pub at: Instant,
    /// What shows it: the driver core's bind line, its "ignoring dependency" probe, ...
    pub basis: String,
}

fn instant(position: &Position, evidence: &Evidence) -> Instant {
    Instant {
        seconds: position.time().map(|t| t.as_secs_f64()),
        evidence: evidence.clone(),
    }
}

/// The blame of one analysed boot; `top` bounds the slowest lists.
pub fn build(analysis: &Analysis, top: usize) -> BootBlame {
    let boot = analysis.boot();
    let mut probes = Vec::new();
    let mut initcalls = Vec::new();
    for fact in &boot.facts {
        match &fact.kind {
            FactKind::ProbeTimed { device, value, usecs } => probes.push(TimedCall {
                name: device.clone(),
                usecs: *usecs,
                returned: *value,
                evidence: fact.evidence.clone(),
            }),
            FactKind::InitcallTimed {
                function,
                module,
                value,
                usecs,
            } => initcalls.push(TimedCall {
                name: match module {
                    Some(module) => format!("{function} [{module}]"),
                    None => function.clone(),
                },
                usecs: *usecs,
                returned: *value,
                evidence: fact.evidence.clone(),
            }),
            _ => {}
        }
    }
    for list in [&mut probes, &mut initcalls] {
        // Slowest first; equal ones in log order.
        list.sort_by_key(|call| std::cmp::Reverse(call.usecs));
        list.truncate(top);
    }
    let mut waits = Vec::new();
    for id in boot.device_ids() {
        let deferrals: Vec<_> = boot
            .events_of(id)
            .filter(|e| e.position.log_index().is_some() && matches!(e.kind, EventKind::Deferred { .. }))
            .collect();
        let Some(first) = deferrals.first() else {
            continue;
        };
        let bind = log_bind(boot, id);
        let retries = match &bind {
            Some(bind) => deferrals
                .iter()
                .filter(|d| d.position.ordering(&bind.position) == Some(std::cmp::Ordering::Less))
                .count(),
            None => deferrals.len(),
        };
        let seconds = bind.as_ref().and_then(|bind| {
            let (from, to) = (first.position.time()?, bind.position.time()?);
            Some(to.as_secs_f64() - from.as_secs_f64())
        });
        waits.push(DeferralWait {
            device: boot.device(id).name.clone(),
            first_attempt: instant(&first.position, &first.evidence),
            bound: bind.as_ref().map(|b| instant(&b.position, &b.evidence)),
            seconds,
            retries,
        });
    }
    waits.sort_by(|a, b| match (a.seconds, b.seconds) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let fired = analysis.timeout().fired.as_ref();
    let mut late: Vec<(u64, LateBind)> = Vec::new();
    if let Some(fired) = fired {
        for id in boot.device_ids() {
            let Some(bind) = log_bind(boot, id) else { continue };
            let Some(index) = bind.position.log_index() else {
                continue;
            };
            if index >= fired.index {
                late.push((
                    index,
                    LateBind {
                        device: boot.device(id).name.clone(),
                        at: instant(&bind.position, &bind.evidence),
                        basis: bind.basis.describe().to_string(),
                    },
                ));
            }
        }
    }
    late.sort_by_key(|(index, _)| *index);
    let timed = boot.events.iter().any(|e| e.position.time().is_some())
        || boot.facts.iter().any(|f| f.time.is_some());
    let mut notes = Vec::new();
    if !timed {
        notes.push("the log has no timestamps: waits cannot be measured, only counted".to_string());
    }
    if probes.is_empty() && initcalls.is_empty() {
        notes.push(
            "no probe or initcall durations: the kernel prints them with initcall_debug on its command line"
                .to_string(),
        );
    }
    if fired.is_none() {
        notes.push("the log does not show the deferred-probe timeout firing".to_string());
    }
    BootBlame {
        boot: boot.name.clone(),
        timed,
        slowest_probes: probes,
        slowest_initcalls: initcalls,
        deferral_waits: waits,
        timeout: fired.map(|f| Instant {
            seconds: f.time.map(|t| t.as_secs_f64()),
            evidence: f.evidence.clone(),
        }),
        bound_after_timeout: late.into_iter().map(|(_, late)| late).collect(),
        notes,
    }
}

/// The log's earliest evidence of the device's bind, else of its probe going ahead.
fn log_bind(boot: &crate::model::Boot, id: crate::model::DeviceId) -> Option<BindEvidence> {
    boot.bind_evidence(id)
        .filter(|b| b.position.log_index().is_some())
        .or_else(|| boot.probe_evidence(id))
        .filter(|b| b.position.log_index().is_some())
}

/// The run as its JSON document.
pub fn render_json(run: BlameRun) -> Result<String> {
    Document::new("blame", run).to_pretty_json()
}

fn table(width: Option<u16>, header: Vec<&str>) -> Table {
    let mut table = super::table::terminal_table(width);
    table.set_header(header);
    table
}

fn cell(text: &str) -> String {
    crate::sanitize::shorten(&escape_control(text), crate::limits::TABLE_CELL_CHARS)
}

fn seconds(instant: &Instant) -> String {
    match instant.seconds {
        Some(s) => format!("{s:.6} s"),
        None => instant.evidence.origin.to_string(),
    }
}

/// The run as tables, one set per boot.
pub fn render_table(run: &BlameRun, width: Option<u16>) -> String {
    let mut out = String::new();
    for (n, boot) in run.boots.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "== {}", escape_control(&boot.boot));
        for (what, column, list) in [
            ("Slowest probes", "device", &boot.slowest_probes),
            ("Slowest initcalls", "initcall", &boot.slowest_initcalls),
        ] {
            if list.is_empty() {
                continue;
            }
            let mut t = table(width, vec!["time", column, "returned", "where"]);
            for call in list {
                t.add_row(vec![
                    format!("{:.3} ms", call.usecs as f64 / 1000.0),
                    cell(&call.name),
                    call.returned.to_string(),
                    cell(&call.evidence.origin.to_string()),
                ]);
            }
            let _ = writeln!(out, "{what}:\n{t}");
        }
        if !boot.deferral_waits.is_empty() {
            let mut t = table(
                width,
                vec!["lost to deferral", "device", "retries", "first attempt", "bound"],
            );
            for wait in &boot.deferral_waits {
                t.add_row(vec![
                    wait.seconds
                        .map_or("unknown".to_string(), |s| format!("{s:.6} s")),
                    cell(&wait.device),
                    wait.retries.to_string(),
                    seconds(&wait.first_attempt),
                    wait.bound.as_ref().map_or("not in the log".to_string(), seconds),
                ]);
            }
            let _ = writeln!(out, "Time lost to deferral retries (first attempt → bind):\n{t}");
        }
        if let Some(timeout) = &boot.timeout {
            let _ = writeln!(
                out,
                "The deferred-probe timeout fired at {} ({}).",
                seconds(timeout),
                escape_control(&timeout.evidence.origin.to_string())
            );
            if boot.bound_after_timeout.is_empty() {
                let _ = writeln!(out, "No device probed after it.");
            } else {
                let mut t = table(width, vec!["at", "probed after the timeout", "shown by"]);
                for late in &boot.bound_after_timeout {
                    t.add_row(vec![seconds(&late.at), cell(&late.device), late.basis.clone()]);
                }
                let _ = writeln!(out, "{t}");
            }
        }
        for note in &boot.notes {
            let _ = writeln!(out, "note: {}", escape_control(note));
        }
    }
    out
}
