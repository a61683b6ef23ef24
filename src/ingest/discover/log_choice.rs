//! Which copy of the boot's kernel log is used when several are given (dmesg, dmesg -r, kmsg,
//! a console capture): each is read and one is kept, the richest format first (kmsg > journal
//! JSON > dmesg JSON > journal text > text), then the one with most records; the others are
//! listed as unused, each naming the copy in use. Copies that cannot win are not parsed: one in
//! a poorer format than another planned copy, and one whose decoded bytes are all at the start
//! of another copy (the same file twice, or a log saved earlier in the same boot), which holds
//! every record it holds and more. What could not be read of the copy in use
//! (records cut short, broken objects, a read error, messages the console dropped) is said on
//! the boot; the problems of an unused copy are not, as nothing of it is analysed.

use super::assemble::record;
use super::recognise::HEAD_BYTES;
use crate::error::InputError;
use crate::ingest::log::LogFormat;
use crate::ingest::open::open_input;
use crate::ingest::{BootInputs, InputInfo, InputKind, LogData};
use std::io::{self, Read};
use std::path::Path;

/// How much a log format carries beyond the text: a richer one wins among copies of a boot's
/// log.
fn richness(format: LogFormat) -> u8 {
    match format {
        LogFormat::Kmsg => 4,
        LogFormat::JournalJson | LogFormat::JournalExport => 3,
        LogFormat::DmesgJson => 2,
        LogFormat::JournalText => 1,
        LogFormat::Text => 0,
    }
}

/// How a note on an unused copy of the kernel log starts.
const LOG_COPY: &str = "another copy of the boot's kernel log";

fn log_summary(data: &LogData) -> String {
    format!("{:?}, {} records", data.format, data.records)
}

/// Whether a log of `format` with `records` records is a better copy of the boot's log than
/// the one kept so far: richer format first, then more records.
fn better_log(new: (LogFormat, u64), kept: (LogFormat, u64)) -> bool {
    (richness(new.0), new.1) > (richness(kept.0), kept.1)
}

/// Keeps the best of the boot's kernel logs; every other copy is listed as unused, with a
/// note naming the one in use (rewritten when a better copy turns up later).
pub(super) fn offer_log(boot: &mut BootInputs, data: LogData) {
    let path = data.source.to_string();
    let own = log_summary(&data);
    let kept = boot.log.as_ref().map(|c| (c.format, c.records));
    if kept.is_some_and(|kept| !better_log((data.format, data.records), kept)) {
        let used = boot.log.as_ref().map(|c| (c.source.to_string(), log_summary(c)));
        let (used, used_summary) = used.unwrap_or_default();
        let note = format!("{LOG_COPY} ({own}); {used} used ({used_summary})");
        record(boot, &path, InputKind::Unused, None, Some(note));
        return;
    }
    if let Some(previous) = boot.log.take() {
        let (retired_errors, retired_notes) = read_problems(&previous);
        let retired_errors: Vec<String> = retired_errors.iter().map(InputError::to_string).collect();
        boot.errors
            .retain(|error| !retired_errors.contains(&error.to_string()));
        boot.notes.retain(|note| !retired_notes.contains(note));
        let previous = (previous.source.to_string(), log_summary(&previous));
        retire_log(&mut boot.inputs, &previous, (&path, &own));
    }
    let (errors, notes) = read_problems(&data);
    boot.errors.extend(errors);
    boot.notes.extend(notes);
    boot.log = Some(data);
    record(boot, &path, InputKind::KernelLog, None, Some(own));
}

/// The richest format among the kernel logs planned with a sniffed head: a copy in a poorer
/// format can never be the one used (`better_log` ranks format first), so it is not read.
pub(super) fn richest_planned(formats: impl Iterator<Item = LogFormat>) -> Option<u8> {
    formats.map(richness).max()
}

/// Lists a copy of the boot's log in `format` as unused without reading it, when a copy in a
/// richer format (`richest`, see `richest_planned`) is planned; `false` (nothing done) when it
/// is not poorer. The note names the copy used once it is known (`name_used_copy`).
pub(super) fn skip_poorer_copy(
    boot: &mut BootInputs,
    path: &str,
    format: LogFormat,
    richest: Option<u8>,
) -> bool {
    if richest.is_none_or(|richest| richness(format) >= richest) {
        return false;
    }
    let note = format!("{LOG_COPY} ({format:?}, not read: a copy in a richer format is given)");
    record(boot, path, InputKind::Unused, None, Some(note));
    true
}

/// A planned copy of the kernel log on disk, as far as telling copies apart needs.
#[derive(Clone, Copy, Debug)]
pub(super) struct LogCopy<'a> {
    pub(super) path: &'a Path,
    pub(super) display: &'a str,
    pub(super) format: LogFormat,
    /// The decoded head read to recognise it (the whole log when shorter than `HEAD_BYTES`).
    pub(super) head: &'a [u8],
}

/// How one copy's decoded bytes sit in another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    No,
    /// The same bytes.
    Identical,
    /// All of them, at the start of the other, which goes on.
    Prefix,
}

/// Whether `outer` holds all of `inner` at its start. The heads decide when `inner` is shorter
/// than a head or the heads differ; only two equal full heads make both files be read on (a
/// stream comparison, far cheaper than parsing either). A read error says no.
fn held_in(inner: &LogCopy, outer: &LogCopy) -> Held {
    if inner.format != outer.format {
        return Held::No;
    }
    if inner.head.len() < HEAD_BYTES {
        return match outer.head.strip_prefix(inner.head) {
            Some([]) => Held::Identical,
            Some(_) => Held::Prefix,
            None => Held::No,
        };
    }
    if inner.head != outer.head {
        return Held::No;
    }
    let compare = || -> io::Result<Held> {
        let open = |path| open_input(path).map_err(|e| io::Error::other(e.to_string()));
        let (mut inner, mut outer) = (open(inner.path)?, open(outer.path)?);
        let (mut inner_buf, mut outer_buf) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
        loop {
            let read = read_full(&mut inner, &mut inner_buf)?;
            if read == 0 {
                let more = read_full(&mut outer, &mut outer_buf[..1])?;
                return Ok(if more == 0 { Held::Identical } else { Held::Prefix });
            }
            let outer_read = read_full(&mut outer, &mut outer_buf[..read])?;
            if outer_read < read || inner_buf[..read] != outer_buf[..read] {
                return Ok(Held::No);
            }
        }
    };
    compare().unwrap_or(Held::No)
}

/// Fills `buf` as far as the stream goes; the count read.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The copies held whole in another copy, by index into `copies`, each with the note that
/// lists it as unused without reading it (naming the outermost copy that holds it; the copy
/// used is named once known, by `name_used_copy`). Of identical copies the first is kept.
pub(super) fn held_copies(copies: &[LogCopy]) -> Vec<(usize, String)> {
    let mut holder: Vec<Option<(usize, Held)>> = vec![None; copies.len()];
    for (inner_at, inner) in copies.iter().enumerate() {
        holder[inner_at] = copies.iter().enumerate().find_map(|(outer_at, outer)| {
            let held = match outer_at == inner_at {
                true => Held::No,
                false => held_in(inner, outer),
            };
            let kept_outer = held == Held::Prefix || (held == Held::Identical && outer_at < inner_at);
            kept_outer.then_some((outer_at, held))
        });
    }
    (0..copies.len())
        .filter_map(|at| {
            let (mut outer, mut held) = holder[at]?;
            // Held in a copy itself held: named by the outermost (each step is to a longer
            // copy or, among identical ones, an earlier one, so the chain ends).
            while let Some((next, next_held)) = holder[outer] {
                outer = next;
                if next_held == Held::Prefix {
                    held = Held::Prefix;
                }
            }
            let how = match held {
                Held::Identical => "the same bytes as",
                _ => "all of it is at the start of",
            };
            let copy = &copies[at];
            let note = format!(
                "{LOG_COPY} ({:?}, not read: {how} {})",
                copy.format, copies[outer].display
            );
            Some((at, note))
        })
        .collect()
}

/// Whether a copy in `format` is among the richest planned (`richest`, see `richest_planned`):
/// only those can be the copy used.
pub(super) fn is_richest(format: LogFormat, richest: Option<u8>) -> bool {
    richest.is_some_and(|richest| richness(format) >= richest)
}

/// Makes every note on an unused copy that does not name the copy in use yet name it.
pub(super) fn name_used_copy(boot: &mut BootInputs) {
    let Some(used) = boot
        .log
        .as_ref()
        .map(|log| (log.source.to_string(), log_summary(log)))
    else {
        return;
    };
    for info in boot.inputs.iter_mut() {
        if let Some(note) = &mut info.note {
            if note.starts_with(LOG_COPY) && !note.contains("; ") {
                *note = format!("{note}; {} used ({})", used.0, used.1);
            }
        }
    }
}

/// What could not be read of `log`: the parts the reader had to skip (each an input error
/// with its place), and the messages the console said it dropped (console_emit_next_record(),
/// kernel/printk/printk.c).
fn read_problems(log: &LogData) -> (Vec<InputError>, Vec<String>) {
    let errors = log
        .problems
        .iter()
        .map(|problem| problem.to_input_error(&log.source))
        .collect();
    let dropped = (log.dropped_messages > 0).then(|| {
        format!(
            "{}: {} kernel messages are missing (the console printed `printk messages dropped`); \
             what they said is unknown",
            log.source, log.dropped_messages
        )
    });
    let wall_clock = (log.wall_clock_times > 0).then(|| {
        format!(
            "{}: {} of {} records carry no kernel time stamp; their time is the wall clock since \
             the boot's first line, so timings are only as fine as that clock",
            log.source, log.wall_clock_times, log.records
        )
    });
    let notes = dropped.into_iter().chain(wall_clock).collect();
    (errors, notes)
}

/// Lists the log kept so far (`previous`: path and summary) as unused, and makes every note on
/// an unused copy name the log now used.
fn retire_log(inputs: &mut [InputInfo], previous: &(String, String), used: (&str, &str)) {
    for info in inputs.iter_mut() {
        if info.path == previous.0 && info.kind == InputKind::KernelLog {
            info.kind = InputKind::Unused;
            info.note = Some(format!("{LOG_COPY} ({})", previous.1));
        }
        if let Some(note) = &mut info.note {
            if note.starts_with(LOG_COPY) {
                let head = note.split("; ").next().unwrap_or(LOG_COPY).to_string();
                *note = format!("{head}; {} used ({})", used.0, used.1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::ingest::log::ReadProblem;

    fn log(source: &str, format: LogFormat, records: u64, cut_at_line: u32, dropped: u64) -> LogData {
        LogData {
            source: source.into(),
            format,
            events: Vec::new(),
            records,
            timed_records: records,
            skipped_lines: 0,
            dropped_messages: dropped,
            kernel_release: None,
            command_line: None,
            first_time: None,
            last_time: None,
            boot_starts: Vec::new(),
            boots: Vec::new(),
            wall_clock_times: 0,
            problems: vec![ReadProblem {
                position: Location::Line(cut_at_line),
                message: "a record cut short".to_string(),
            }],
        }
    }

    #[test]
    fn only_the_copy_in_use_has_its_read_problems_said() {
        let mut boot = BootInputs::default();
        offer_log(&mut boot, log("console.log", LogFormat::Text, 900, 7, 3));
        let said = |boot: &BootInputs| {
            let mut all: Vec<String> = boot.errors.iter().map(|e| e.to_string()).collect();
            all.extend(boot.notes.iter().cloned());
            all
        };
        assert_eq!(
            said(&boot),
            [
                "console.log:7: expected a record cut short",
                "console.log: 3 kernel messages are missing (the console printed `printk messages dropped`); \
                 what they said is unknown"
            ]
        );
        offer_log(&mut boot, log("kmsg.txt", LogFormat::Kmsg, 800, 12, 0));
        assert_eq!(said(&boot), ["kmsg.txt:12: expected a record cut short"]);
        offer_log(&mut boot, log("dmesg.txt", LogFormat::Text, 950, 2, 0));
        assert_eq!(said(&boot), ["kmsg.txt:12: expected a record cut short"]);
    }

    #[test]
    fn the_richest_copy_of_the_kernel_log_is_kept() {
        assert!(better_log((LogFormat::Kmsg, 800), (LogFormat::Text, 900)));
        assert!(!better_log((LogFormat::Text, 1000), (LogFormat::Kmsg, 800)));
        assert!(better_log((LogFormat::Text, 1000), (LogFormat::Text, 900)));
        assert!(!better_log((LogFormat::Kmsg, 800), (LogFormat::Kmsg, 800)));
        assert!(better_log((LogFormat::JournalJson, 1), (LogFormat::DmesgJson, 9)));

        let info = |path: &str, kind: InputKind, note: Option<String>| InputInfo {
            path: path.to_string(),
            kind,
            moment: None,
            note,
        };
        let mut inputs = vec![
            info(
                "dmesg.txt",
                InputKind::KernelLog,
                Some("Text, 900 records".into()),
            ),
            info(
                "console.log",
                InputKind::Unused,
                Some(format!(
                    "{LOG_COPY} (Text, 500 records); dmesg.txt used (Text, 900 records)"
                )),
            ),
            info("devlink.txt", InputKind::Devlink, None),
        ];
        let previous = ("dmesg.txt".to_string(), "Text, 900 records".to_string());
        retire_log(&mut inputs, &previous, ("kmsg.txt", "Kmsg, 800 records"));
        assert_eq!(inputs[0].kind, InputKind::Unused);
        assert_eq!(
            inputs[0].note.as_deref(),
            Some("another copy of the boot's kernel log (Text, 900 records); kmsg.txt used (Kmsg, 800 records)")
        );
        assert_eq!(
            inputs[1].note.as_deref(),
            Some("another copy of the boot's kernel log (Text, 500 records); kmsg.txt used (Kmsg, 800 records)")
        );
        assert_eq!(inputs[2].kind, InputKind::Devlink);
    }

    #[test]
    fn a_copy_poorer_than_a_planned_one_is_listed_unread_naming_the_copy_used() {
        let richest = richest_planned([LogFormat::Text, LogFormat::Kmsg, LogFormat::Text].into_iter());
        let mut boot = BootInputs::default();
        assert!(skip_poorer_copy(
            &mut boot,
            "console.log",
            LogFormat::Text,
            richest
        ));
        assert!(!skip_poorer_copy(&mut boot, "kmsg.txt", LogFormat::Kmsg, richest));
        // Alone, or among copies of its own format, a copy is read.
        assert!(!skip_poorer_copy(&mut boot, "dmesg.txt", LogFormat::Text, None));
        offer_log(&mut boot, log("kmsg.txt", LogFormat::Kmsg, 800, 12, 0));
        name_used_copy(&mut boot);
        assert_eq!(
            boot.inputs[0].note.as_deref(),
            Some(
                "another copy of the boot's kernel log (Text, not read: a copy in a richer format is \
                 given); kmsg.txt used (Kmsg, 800 records)"
            )
        );
        assert_eq!(boot.inputs[0].kind, InputKind::Unused);
        assert_eq!(boot.inputs[1].kind, InputKind::KernelLog);
    }

    #[test]
    fn a_copy_held_whole_at_the_start_of_another_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let line = "[    0.100000] pl061 9030000.pl061: probe of gpio deferred\n";
        let other = "[    0.200000] virtio_blk virtio1: [vda] 65536 512-byte logical blocks\n";
        // Longer than a head, so that equal heads make the files be compared to their ends.
        let long = other.repeat(HEAD_BYTES / other.len() + 50);
        let files = [
            ("dmesg-early.txt", line.repeat(3)),
            ("dmesg.txt", line.repeat(5)),
            ("dmesg-copy.txt", line.repeat(5)),
            ("console.log", long.clone()),
            ("console-more.log", format!("{long}{line}")),
            ("console-other.log", format!("{long}[    9.000000] other\n")),
        ];
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let paths: Vec<_> = files.iter().map(|(name, _)| dir.path().join(name)).collect();
        let heads: Vec<Vec<u8>> = files
            .iter()
            .map(|(_, text)| text.as_bytes()[..text.len().min(HEAD_BYTES)].to_vec())
            .collect();
        let copies: Vec<LogCopy> = files
            .iter()
            .zip(&paths)
            .zip(&heads)
            .map(|(((name, _), path), head)| LogCopy {
                path,
                display: name,
                format: LogFormat::Text,
                head,
            })
            .collect();
        let held = held_copies(&copies);
        let named: Vec<(&str, &str)> = held
            .iter()
            .map(|(at, note)| (files[*at].0, note.split("not read: ").nth(1).unwrap()))
            .collect();
        assert_eq!(
            named,
            [
                ("dmesg-early.txt", "all of it is at the start of dmesg.txt)"),
                ("dmesg-copy.txt", "the same bytes as dmesg.txt)"),
                ("console.log", "all of it is at the start of console-more.log)"),
            ]
        );
        // Another format is another copy, even with the same bytes.
        let kmsg = LogCopy {
            format: LogFormat::Kmsg,
            ..copies[2]
        };
        assert!(held_copies(&[kmsg, copies[1]]).is_empty());
    }
}
