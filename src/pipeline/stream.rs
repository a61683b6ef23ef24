//! A planned boot's inputs as one boot's inputs per boot its kernel log holds, handed over in
//! order as each is final: from a log read whole (`split_boots`), or from a log streamed boot by
//! boot ([`DeferredLog`]), so that a log of a thousand boots is analysed in the memory of a few.
//!
//! [`stream_outcomes`] analyses them as they come, on a thread of its own while the next boot
//! is read, and holds only the boots `--boot` may still pick.
//!
//! Both give the same boots: lines quoted apart from the log (excerpts) are folded into notes
//! the same way (an excerpt is held until a boot that is no excerpt shows up), the last boot
//! keeps the other inputs, and each boot of a log of several says its own records.

use super::{
    analyse_inputs_with, catch_panic, finish_outcome, no_such_boot, picked_boot, PlannedBoot, RunOptions,
};
use crate::ingest::discover::{missing_notes, DeferredLog, StreamedLog, Unopened};
use crate::ingest::{BootInputs, InputInfo, InputKind, LogData};
use crate::report::BootOutcome;

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

/// [`outcomes_of`], each outcome handed to `emit` as soon as its boot is analysed (`emit`
/// returns whether to go on): a log of many boots is read boot by boot, and only the boots
/// `--boot` may still pick are held (`--boot N` stops reading after boot N, `--boot -N`
/// keeps the last N+1 boots' inputs).
pub fn stream_outcomes(
    plan: &impl PlannedBoot,
    options: &RunOptions,
    emit: &mut (dyn FnMut(BootOutcome) -> bool + Send),
) {
    let (inputs, deferred) = match catch_panic(|| plan.gather_deferring_log()) {
        Ok(gathered) => gathered,
        Err(error) => {
            emit(finish_outcome(plan.fallback_name(), Err(error), options));
            return;
        }
    };
    let analyse = |work: Work| match work {
        Work::Analyse {
            boot,
            position,
            numbered,
        } => analyse_boot(plan, *boot, position, numbered, options),
        Work::Done(outcome) => outcome,
    };
    if deferred.is_none() {
        // Inputs read whole: nothing to overlap.
        read_boots(plan, options, inputs, None, &mut |work| emit(analyse(work)));
        return;
    }
    std::thread::scope(|scope| {
        // Reading the log and analysing its boots overlap: the analyser takes the boots in
        // order, and one boot read ahead waits for it (memory stays a few boots).
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Work>(1);
        let analyser = scope.spawn(move || {
            for work in receiver {
                // Returning drops the receiver: the reader's next hand-over fails and it stops.
                if !emit(analyse(work)) {
                    return;
                }
            }
        });
        read_boots(plan, options, inputs, deferred, &mut |work| {
            sender.send(work).is_ok()
        });
        drop(sender);
        // A panic in the analyser is caught per boot (`analyse_boot`); nothing is left to say.
        let _ = analyser.join();
    });
}

/// What the analyser of [`stream_outcomes`] gets: a boot to analyse, or an outcome already
/// decided (an error).
enum Work {
    Analyse {
        boot: Box<BootInputs>,
        position: usize,
        numbered: bool,
    },
    Done(BootOutcome),
}

/// Reads the boots of a planned boot and hands the ones to analyse to `analyser`, in order;
/// `analyser` returns whether to go on.
fn read_boots(
    plan: &impl PlannedBoot,
    options: &RunOptions,
    inputs: BootInputs,
    deferred: Option<DeferredLog>,
    analyser: &mut dyn FnMut(Work) -> bool,
) {
    let mut index = 0usize;
    let mut handed = false;
    let mut go_on = true;
    // `--boot 0` or `-N`: the last boots seen, by position.
    let keep = match options.pick {
        Some(pick) if pick <= 0 => usize::try_from(1 - pick).unwrap_or(usize::MAX),
        _ => 0,
    };
    let mut ring: std::collections::VecDeque<(usize, BootInputs)> = std::collections::VecDeque::new();
    let mut count = None;
    let read = catch_panic(|| {
        for_each_boot(inputs, deferred, &mut |boot, last| {
            let position = index;
            index += 1;
            if last {
                count = Some(index);
            }
            // Numbered unless it is the log's only boot.
            let numbered = !(position == 0 && last);
            let work = Work::Analyse {
                boot: Box::new(boot),
                position,
                numbered,
            };
            match options.pick {
                None => {
                    go_on = analyser(work);
                    handed = true;
                    go_on
                }
                Some(pick) if pick > 0 => {
                    if picked_boot(pick, position + 1) != Some(position) {
                        return true;
                    }
                    go_on = analyser(work);
                    handed = true;
                    false
                }
                Some(_) => {
                    if let Work::Analyse { boot, .. } = work {
                        if ring.len() == keep {
                            ring.pop_front();
                        }
                        ring.push_back((position, *boot));
                    }
                    true
                }
            }
        });
        Ok(())
    });
    if let Err(error) = read {
        // A bug while reading the log: what was analysed stands, the rest is this error.
        if go_on {
            analyser(Work::Done(finish_outcome(
                plan.fallback_name(),
                Err(error),
                options,
            )));
        }
        return;
    }
    let (Some(pick), false) = (options.pick, handed) else {
        return;
    };
    let count = count.unwrap_or(index);
    let picked = picked_boot(pick, count)
        .and_then(|position| ring.iter().position(|(at, _)| *at == position))
        .and_then(|at| ring.remove(at));
    let work = match picked {
        Some((position, boot)) => Work::Analyse {
            boot: Box::new(boot),
            position,
            numbered: count > 1,
        },
        None => Work::Done(finish_outcome(
            plan.fallback_name(),
            Err(no_such_boot(pick, count)),
            options,
        )),
    };
    analyser(work);
}

/// Analyses the boot at `position` of a planned boot, named `NAME#K` when `numbered`.
fn analyse_boot(
    plan: &impl PlannedBoot,
    inputs: BootInputs,
    position: usize,
    numbered: bool,
    options: &RunOptions,
) -> BootOutcome {
    let analysed =
        catch_panic(|| analyse_inputs_with(inputs, plan.paths(), options.settings).map(|(_, report)| report));
    let numbered = |name: String| match numbered {
        false => name,
        true => format!("{name}#{}", position + 1),
    };
    match analysed {
        Ok(mut report) => {
            let name = match plan.name() {
                Some(name) => name.to_string(),
                None if report.boot.is_empty() => plan.fallback_name(),
                None => report.boot.clone(),
            };
            let name = numbered(name);
            report.boot = name.clone();
            finish_outcome(name, Ok(report), options)
        }
        Err(error) => finish_outcome(numbered(plan.fallback_name()), Err(error), options),
    }
}
