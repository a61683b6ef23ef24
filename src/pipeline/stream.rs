//! A planned boot's inputs as one boot's inputs per boot its kernel log holds, handed over in
//! order as each is final: from a log read whole (`split_boots`), or from a log streamed boot by
//! boot ([`DeferredLog`]), so that a log of a thousand boots is analysed in the memory of a few.
//!
//! Both give the same boots: lines quoted apart from the log (excerpts) are folded into notes
//! the same way (an excerpt is held until a boot that is no excerpt shows up), the last boot
//! keeps the other inputs, and each boot of a log of several says its own records.

use crate::ingest::discover::{missing_notes, DeferredLog, StreamedLog, Unopened};
use crate::ingest::{BootInputs, InputInfo, InputKind, LogData};

/// Most records of a run of log lines, without a `Linux version` banner, that is an excerpt
/// rather than a boot: a few lines a mail or report quotes from another boot or message
/// before its log (their time stamps then run back when the real log starts).
const EXCERPT_RECORDS: u64 = 8;

/// No banner, and a handful of records, or a handful of kernel messages among other output
/// (lines quoted from another boot next to a boot loader's timestamped lines in a serial
/// capture): a boot needs more of the kernel's own words than that.
fn is_excerpt(log: &LogData) -> bool {
    log.kernel_release.is_none()
        && (log.records <= EXCERPT_RECORDS || log.events.len() as u64 <= EXCERPT_RECORDS)
}

/// The note that says an excerpt was not read as a boot.
fn excerpt_note(log: &LogData) -> String {
    let first = log.boots.first().map_or(0, |span| span.first_line);
    let from = log
        .first_time
        .map(|time| format!(", from {time} s"))
        .unwrap_or_default();
    let messages = log.events.len();
    format!(
        "{}:{first}: {} line{} ({messages} kernel message{}) quoted apart from the boot's log, with no kernel banner (another boot or message, or boot loader output{from}): not read as this boot's records",
        log.source,
        log.records,
        if log.records == 1 { "" } else { "s" },
        if messages == 1 { "" } else { "s" },
    )
}

/// Takes out the runs of lines that are no boot of their own (see `is_excerpt`), each said in a
/// note instead, as they stream by: an excerpt is held until a boot that is none shows up (then
/// every excerpt is a note), and given back as a boot if the log ends without one (the log is
/// then what there is).
#[derive(Default)]
struct ExcerptFold {
    held: Vec<LogData>,
    real_seen: bool,
    notes: Vec<String>,
}

impl ExcerptFold {
    /// The boots `log` releases, in order.
    fn push(&mut self, log: LogData) -> Vec<LogData> {
        if is_excerpt(&log) {
            if self.real_seen {
                self.notes.push(excerpt_note(&log));
            } else {
                self.held.push(log);
            }
            return Vec::new();
        }
        if !self.real_seen {
            self.real_seen = true;
            self.notes
                .extend(self.held.drain(..).map(|held| excerpt_note(&held)));
        }
        vec![log]
    }

    /// The log ended: the excerpts held are the boots when no other came.
    fn finish(&mut self) -> Vec<LogData> {
        std::mem::take(&mut self.held)
    }
}

/// The note on a kernel log's input in each boot of a log of several: the boot's own records
/// (the log's total is known only at its end, and a boot is reported before that).
fn boot_log_note(log: &LogData) -> String {
    format!("{:?}, {} records in this boot", log.format, log.records)
}

/// Says the boot's own records on its kernel log's input.
fn note_boot_records(inputs: &mut [InputInfo], log: &LogData) {
    let source = log.source.to_string();
    for info in inputs.iter_mut() {
        if info.kind == InputKind::KernelLog && info.path == source {
            info.note = Some(boot_log_note(log));
        }
    }
}

/// An earlier boot of a log of several: its part of the log, and the inputs list (the other
/// inputs belong to the last boot, but each boot names what was read); its notes say what it
/// lacks, its own way.
fn earlier_boot(inputs: &BootInputs, log_input: Option<&InputInfo>, log: LogData) -> BootInputs {
    let mut listed = inputs.inputs.clone();
    listed.extend(log_input.cloned());
    note_boot_records(&mut listed, &log);
    let mut boot = BootInputs {
        name: inputs.name.clone(),
        inputs: listed,
        kernel_release: log.kernel_release.clone(),
        log: Some(log),
        ..BootInputs::default()
    };
    boot.notes = missing_notes(&boot);
    boot
}

/// The last boot: the other inputs, with its part of the log.
fn last_boot(inputs: &mut BootInputs, last: LogData, several: bool) {
    if several {
        inputs.kernel_release = last.kernel_release.clone().or(inputs.kernel_release.take());
        note_boot_records(&mut inputs.inputs, &last);
    }
    inputs.log = Some(last);
}

/// One boot's inputs per boot its kernel log holds (`ingest::log` splits a log on the
/// kernel's boot boundaries). The earlier boots have only their part of the log; the last
/// keeps every other input too, as sysfs, devlink and the device tree were read from the
/// system that was running at the end: the last boot.
pub fn split_boots(mut inputs: BootInputs) -> Vec<BootInputs> {
    let Some(log) = inputs.log.take() else {
        return vec![inputs];
    };
    let mut fold = ExcerptFold::default();
    let mut logs: Vec<LogData> = log
        .into_boots()
        .into_iter()
        .flat_map(|log| fold.push(log))
        .collect();
    logs.extend(fold.finish());
    inputs.notes.append(&mut fold.notes);
    let Some(last) = logs.pop() else {
        return vec![inputs];
    };
    let several = !logs.is_empty();
    let mut boots: Vec<BootInputs> = logs
        .into_iter()
        .map(|log| earlier_boot(&inputs, None, log))
        .collect();
    last_boot(&mut inputs, last, several);
    boots.push(inputs);
    boots
}

/// Hands each boot's inputs of a planned boot to `each` in order, with whether it is the last;
/// `each` returns whether to go on. With a `deferred` log, the log is read boot by boot as
/// `each` takes them: one boot is held back to know whether it is the last.
pub fn for_each_boot(
    mut inputs: BootInputs,
    deferred: Option<DeferredLog>,
    each: &mut dyn FnMut(BootInputs, bool) -> bool,
) {
    let Some(mut deferred) = deferred else {
        let boots = split_boots(inputs);
        let count = boots.len();
        for (index, boot) in boots.into_iter().enumerate() {
            if !each(boot, index + 1 == count) {
                return;
            }
        }
        return;
    };
    let mut stream: StreamedLog = match deferred.open() {
        Ok(stream) => stream,
        Err(why) => {
            deferred.finish(&mut inputs, Err(why));
            each(inputs, true);
            return;
        }
    };
    // What the log's input says in an earlier boot's list: the log is read last, after every
    // other input of the boot.
    let log_input = InputInfo {
        path: deferred.display().to_string(),
        kind: InputKind::KernelLog,
        moment: None,
        note: None,
    };
    let mut fold = ExcerptFold::default();
    let mut held: Option<LogData> = None;
    let mut failed = None;
    let mut handed = 0usize;
    let mut give = |log: LogData, held: &mut Option<LogData>| -> bool {
        match held.replace(log) {
            Some(earlier) => {
                handed += 1;
                each(earlier_boot(&inputs, Some(&log_input), earlier), false)
            }
            None => true,
        }
    };
    for read in stream.by_ref() {
        let log = match read {
            Ok(log) => log,
            Err(error) => {
                failed = Some(error);
                break;
            }
        };
        for log in fold.push(log) {
            if !give(log, &mut held) {
                return;
            }
        }
    }
    for log in fold.finish() {
        if !give(log, &mut held) {
            return;
        }
    }
    let several = handed > 0;
    let read = match failed {
        Some(error) => Err(Unopened::NotALog(error)),
        None => stream
            .whole()
            .cloned()
            .ok_or_else(|| Unopened::Unreadable("the log ended before it was read".to_string())),
    };
    deferred.finish(&mut inputs, read);
    inputs.notes.append(&mut fold.notes);
    if let Some(last) = held {
        last_boot(&mut inputs, last, several);
    }
    each(inputs, true);
}
