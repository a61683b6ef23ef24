//! Kernel log ingest: every form of kernel log people hold, read as a stream of records.
//!
//! Formats (recognised by content, never by file name): plain `dmesg`, `dmesg -t`, `-r`, `-x`,
//! `-T`, `--time-format iso`, `/dev/kmsg` records (continuation dictionary lines, `\xNN`
//! escapes), `journalctl -k` short / short-precise / short-iso / short-full / short-monotonic /
//! cat / `-o json` / json-pretty / export, util-linux `dmesg --json`, syslog files (RFC 3164
//! `Nov 24 10:00:01 host kernel: ...`, RFC 3339 / rsyslog high precision) whose message may
//! start with the kernel's `[ts]`, a caller id or both, and serial-console captures (no
//! timestamps, CRLF, ANSI escapes, interleaved user space, caller ids, Samsung
//! `[cpu:comm:pid]`). See `reference/kernel-formats.md` §3.
//!
//! `LogReader` turns an input into a stream of `LogRecord`s (one per printk record, each with
//! its origin); `read_log_events` classifies them (`ingest::messages`) and keeps the events a
//! probe analysis needs. Unknown lines are skipped and counted, never errors; only an input in
//! which nothing at all reads as a kernel log is an error.
//!
//! Time: a record's time is the kernel's when the line carries it; a line with only a wall
//! clock (syslog, journal short forms, `dmesg -T`) is timed from the wall clock since its
//! boot's first line, and counted (`LogData::wall_clock_times`) so the report can say so.
//!
//! Boots: an input may hold several (`boots`); the reader marks where each starts, the events
//! keep per-boot spans, and `LogData::into_boots` gives each boot as a log of its own;
//! `stream_boots` hands each boot over as the log is read, once no later record can change it.
//!
//! Journal entries from user space are kept only when they load a module (Android init's
//! `Loaded kernel module`, systemd-modules-load); they and /dev/kmsg writes by user space carry
//! a non-kernel facility, which `classify` honours (see `journal`).

mod background;
mod boots;
mod dmesg_json;
mod events;
mod journal;
mod kmsg;
mod lines;
mod sniff;
mod splat;
mod stamps;
mod text;

pub use boots::BootMark;
pub use events::{
    collect_events, read_log_events, read_log_events_sniffed, stream_boots, stream_boots_threaded, LogBoots,
};
// For `watch`: a /dev/kmsg record's sequence number, to skip records read twice.
pub use kmsg::{parse_header as parse_kmsg_header, KmsgHeader};
pub use sniff::{analyse as sniff_head, sniff, HeadReport, SNIFF_WINDOW};
pub use stamps::WallTime;

use crate::error::{InputError, Location};
use crate::model::{BootTime, Origin, SourceName};
use std::io::{self, BufRead, Read};

/// The container format of a kernel log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// `/dev/kmsg` records: `prio,seq,usec,flags[,caller=..];text` plus dictionary lines.
    Kmsg,
    /// util-linux `dmesg --json`.
    DmesgJson,
    /// `journalctl -o json` (one object per line) and `-o json-pretty`.
    JournalJson,
    /// `journalctl -o export` (`FIELD=value` lines, a blank line after each entry).
    JournalExport,
    /// `journalctl -k` short formats (`Mon DD HH:MM:SS host kernel: ...`, short-monotonic, ...).
    JournalText,
    /// Kernel-formatted text: dmesg (plain, -r, -x, -T, iso), console captures, pastes.
    Text,
}

/// One kernel log record (one printk), with its origin.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    /// File and line (for multi-line records: the first line).
    pub origin: Origin,
    /// Monotonic time since boot: the kernel's when the format has it; for a log with only a
    /// wall clock, the time since the boot's first line (`LogReader` fills it in from `wall`).
    pub time: Option<BootTime>,
    /// The wall clock the line was stamped with (syslog, journal short forms, `dmesg -T`).
    pub wall: Option<WallTime>,
    /// Sequence number (/dev/kmsg) when the format has it.
    pub seq: Option<u64>,
    /// Log level 0-7 when known.
    pub level: Option<u8>,
    /// Syslog facility (0 kernel, 1 user, ...) when known.
    pub facility: Option<u8>,
    /// Caller id (`T123`, `C3`) when printed.
    pub caller: Option<String>,
    /// The device descriptor of a dev_printk record (kmsg `DEVICE=`, journal `_KERNEL_DEVICE`),
    /// e.g. `+pci:0000:00:03.0`, when the format carries it.
    pub device: Option<String>,
    /// The message text (with the dev_printk prefix, without the timestamp/level prefixes),
    /// unescaped; multi-line records joined with `\n`.
    pub text: String,
}

impl LogRecord {
    /// A record with nothing in it yet, for `LogReader::next_into` to fill.
    pub fn blank(source: &SourceName) -> Self {
        LogRecord {
            origin: Origin::new(source, 0),
            time: None,
            wall: None,
            seq: None,
            level: None,
            facility: None,
            caller: None,
            device: None,
            text: String::new(),
        }
    }

    /// Points the record at `line` of `source` (without touching the name's reference count
    /// when it is already that source's).
    fn set_origin(&mut self, source: &SourceName, line: u32) {
        if !std::sync::Arc::ptr_eq(&self.origin.file, source) {
            self.origin.file = std::sync::Arc::clone(source);
        }
        self.origin.line = line;
    }
}

/// Sets an optional string in place, reusing its allocation.
fn set_text(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(kept), Some(value)) => {
            kept.clear();
            kept.push_str(value);
        }
        (None, Some(value)) => *slot = Some(value.to_string()),
        (_, None) => *slot = None,
    }
}

/// One boot of a log: where it starts and what its records showed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootSpan {
    /// Index of the boot's first record in the log.
    pub first_record: u64,
    /// Line of that record (read problems are given to the boot they fall in).
    pub first_line: u32,
    pub records: u64,
    /// Records with a kernel time stamp; records timed from their wall clock.
    pub timed_records: u64,
    pub wall_clock_times: u64,
    pub kernel_release: Option<String>,
    pub command_line: Option<String>,
    pub first_time: Option<BootTime>,
    pub last_time: Option<BootTime>,
}

/// Something in an input that could not be read, while the rest could.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadProblem {
    pub position: Location,
    /// What was expected there and what was found.
    pub message: String,
}

impl ReadProblem {
    /// The problem as an error naming the file. Messages say `expected ...` on their own; the
    /// error adds that word itself.
    pub fn to_input_error(&self, file: &str) -> InputError {
        let expected = self.message.strip_prefix("expected ").unwrap_or(&self.message);
        InputError::new(file, self.position.clone(), expected)
    }
}

/// What reading showed besides the records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Lines that were not (part of) a record: boot loader and user space output, blank lines,
    /// journal headers, cut markers, objects without a message.
    pub skipped_lines: u64,
    /// Messages the kernel said it dropped (`** N printk messages dropped **`).
    pub dropped_messages: u64,
    /// Parts that could not be read (a record cut short, a broken JSON object, a read error).
    pub problems: Vec<ReadProblem>,
    /// Records whose time came from the wall clock (no kernel time stamp on the line).
    pub wall_clock_times: u64,
    /// Why reading stopped before the input's end (a size cap, a read error), if it did.
    pub stopped: Option<String>,
}

/// Problems listed one by one (`--limit problems-listed=`); after that many, one more entry
/// says the rest were not listed (a file of broken JSON lines must not cost memory per line).
fn max_problems() -> usize {
    usize::try_from(crate::limits::current().problems_listed).unwrap_or(usize::MAX)
}

impl ReadStats {
    pub fn note(&mut self, problem: ReadProblem) {
        match self.problems.len() {
            n if n < max_problems() => self.problems.push(problem),
            n if n == max_problems() => self.problems.push(ReadProblem {
                position: problem.position,
                message: format!(
                    "expected readable input; more unreadable parts from here on are not listed ({})",
                    crate::limits::raise_hint("problems-listed")
                ),
            }),
            _ => {}
        }
    }
}

enum Inner<R> {
    Text(text::TextReader<R>),
    Kmsg(kmsg::KmsgReader<R>),
    DmesgJson(dmesg_json::DmesgJsonReader<R>),
    JournalJson(journal::JournalJsonReader<R>),
    JournalExport(journal::JournalExportReader<R>),
    JournalText(journal::JournalTextReader<R>),
}

/// A stream of kernel log records read from one input, line by line.
pub struct LogReader<R> {
    source: SourceName,
    format: LogFormat,
    inner: Inner<R>,
    stats: ReadStats,
    finished: bool,
    /// The wall clock of the boot's first line: records with only a wall clock are timed from
    /// it.
    first_wall: Option<WallTime>,
    boots: boots::BootSplitter,
    /// The record last returned started a boot after the first.
    started_boot: Option<BootMark>,
    /// The record last returned was timed from its wall clock.
    timed_by_wall: bool,
    /// The input went on past the head read to recognise it (see `longer_than_head`).
    longer_than_head: bool,
}

/// The reader `LogReader::open` builds: the sniffed head, then the rest of the input (none
/// when reading the head already failed).
pub struct Sniffed<R> {
    head: io::Cursor<Vec<u8>>,
    rest: Option<R>,
}

impl<R: BufRead> Sniffed<R> {
    fn head_left(&self) -> bool {
        (self.head.position() as usize) < self.head.get_ref().len()
    }
}

impl<R: BufRead> Read for Sniffed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.head_left() {
            // Past the head, a large read goes straight to the reader below (a buffered
            // reader then reads into `buf` itself): each byte is copied once less.
            return match &mut self.rest {
                Some(rest) => rest.read(buf),
                None => Ok(0),
            };
        }
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Sniffed<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.head_left() {
            return self.head.fill_buf();
        }
        match &mut self.rest {
            Some(rest) => rest.fill_buf(),
            None => Ok(&[]),
        }
    }

    fn consume(&mut self, amount: usize) {
        if self.head_left() {
            self.head.consume(amount);
        } else if let Some(rest) = &mut self.rest {
            rest.consume(amount);
        }
    }
}

impl<R: BufRead> LogReader<Sniffed<R>> {
    /// Reads the head of `reader` (`SNIFF_WINDOW` bytes), recognises the format from it and
    /// reads on from there. Input that does not look like any format is read as kernel text.
    /// Errors only when not even the head could be read.
    pub fn open(source: SourceName, reader: R) -> Result<Self, InputError> {
        LogReader::open_sniffed(source, reader, None)
    }

    /// [`LogReader::open`] for an input whose head was already sniffed (`report`, from
    /// [`sniff_head`] on the same first `SNIFF_WINDOW` bytes): the head is not analysed again.
    pub fn open_sniffed(
        source: SourceName,
        mut reader: R,
        report: Option<HeadReport>,
    ) -> Result<Self, InputError> {
        let mut head = Vec::new();
        let failure = (&mut reader)
            .take(SNIFF_WINDOW as u64)
            .read_to_end(&mut head)
            .err();
        if let Some(error) = &failure {
            if head.is_empty() {
                return Err(InputError::new(&*source, Location::File, "a readable kernel log")
                    .found(error.to_string()));
            }
        }
        let report = report.unwrap_or_else(|| sniff::analyse(&head));
        let format = report.format.unwrap_or(LogFormat::Text);
        let read_so_far = head.len() as u64;
        let sniffed = Sniffed {
            head: io::Cursor::new(head),
            rest: failure.is_none().then_some(reader),
        };
        let mut log = LogReader::build(source, sniffed, format, report.kernel_prefixed > 0);
        log.longer_than_head = read_so_far == SNIFF_WINDOW as u64;
        if let Some(error) = failure {
            log.stats.stopped.get_or_insert_with(|| error.to_string());
            log.stats.note(ReadProblem {
                position: Location::Offset(read_so_far),
                message: format!("expected more of the log, reading stopped: {error}"),
            });
        }
        Ok(log)
    }
}

impl<R: BufRead> LogReader<R> {
    /// Reads `reader` as `format`, without sniffing.
    pub fn with_format(source: SourceName, reader: R, format: LogFormat) -> Self {
        LogReader::build(source, reader, format, false)
    }

    /// `expect_kernel_prefixes`: the text is known to carry kernel stamps, so unstamped lines
    /// before the first stamped one are boot loader output.
    fn build(source: SourceName, reader: R, format: LogFormat, expect_kernel_prefixes: bool) -> Self {
        let inner = match format {
            LogFormat::Text => Inner::Text(text::TextReader::new(reader, expect_kernel_prefixes)),
            LogFormat::Kmsg => Inner::Kmsg(kmsg::KmsgReader::new(reader)),
            LogFormat::DmesgJson => Inner::DmesgJson(dmesg_json::DmesgJsonReader::new(reader)),
            LogFormat::JournalJson => Inner::JournalJson(journal::JournalJsonReader::new(reader)),
            LogFormat::JournalExport => Inner::JournalExport(journal::JournalExportReader::new(reader)),
            LogFormat::JournalText => Inner::JournalText(journal::JournalTextReader::new(reader)),
        };
        LogReader {
            source,
            format,
            inner,
            stats: ReadStats::default(),
            finished: false,
            first_wall: None,
            boots: boots::BootSplitter::default(),
            started_boot: None,
            timed_by_wall: false,
            longer_than_head: false,
        }
    }

    /// Whether the input is longer than the head `open` reads to recognise its format (a
    /// whole `SNIFF_WINDOW`): a long log, worth reading on a thread of its own.
    pub fn longer_than_head(&self) -> bool {
        self.longer_than_head
    }

    pub fn format(&self) -> LogFormat {
        self.format
    }

    pub fn source(&self) -> &SourceName {
        &self.source
    }

    /// What reading showed so far (complete once the iterator has ended).
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// Whether the record last returned carried kernel structure of its own (a time stamp or
    /// priority in text; any record of the structured formats). A text line without one may be
    /// boot loader or user space output.
    pub fn last_was_marked(&self) -> bool {
        match &self.inner {
            Inner::Text(text) => text.last_marked(),
            _ => true,
        }
    }

    /// The anchors of the record last returned when the reader found them in passing (kernel
    /// text); `None` when the record's text must be searched.
    pub fn last_anchors(&self) -> Option<text::LineAnchors> {
        match &self.inner {
            Inner::Text(text) => text.last_anchors(),
            _ => None,
        }
    }

    /// Whether the record last returned starts a boot after the first (the input holds
    /// several; see `boots`), and on whose word.
    pub fn last_started_boot(&self) -> Option<BootMark> {
        self.started_boot
    }

    /// Whether the record last returned was timed from its wall clock, for want of a kernel
    /// time stamp.
    pub fn last_timed_by_wall(&self) -> bool {
        self.timed_by_wall
    }

    /// Ends reading: returns the statistics, with a read error that cut the input short.
    pub fn into_stats(mut self) -> ReadStats {
        self.note_read_error();
        self.stats
    }

    fn note_read_error(&mut self) {
        let (error, offset, cut) = match &mut self.inner {
            Inner::Text(r) => read_error(r.lines()),
            Inner::Kmsg(r) => read_error(r.lines()),
            Inner::JournalJson(r) => read_error(r.lines()),
            Inner::JournalExport(r) => read_error(r.lines()),
            Inner::JournalText(r) => read_error(r.lines()),
            Inner::DmesgJson(r) => (r.take_error(), r.consumed(), None),
        };
        if let Some((first, count)) = cut {
            self.stats.note(ReadProblem {
                position: Location::Line(first),
                message: format!(
                    "expected lines of at most {}, the line-bytes cap, found {count} longer line(s), this the first; the rest of each was skipped ({})",
                    crate::limits::human_bytes(crate::limits::line_bytes() as u64),
                    crate::limits::raise_hint("line-bytes")
                ),
            });
        }
        if let Some(error) = error {
            self.stats.stopped.get_or_insert_with(|| error.to_string());
            self.stats.note(ReadProblem {
                position: Location::Offset(offset),
                message: format!("expected more of the log, reading stopped: {error}"),
            });
        }
    }
}

fn read_error<R: BufRead>(lines: &mut lines::Lines<R>) -> (Option<io::Error>, u64, Option<(u32, u64)>) {
    (lines.take_error(), lines.consumed(), lines.take_cut())
}

impl<R: BufRead> LogReader<R> {
    /// Reads the next record into `record` (the streaming form of `next`: kernel text reuses
    /// the record's strings, so a long log allocates nothing per line); false at the end.
    pub fn next_into(&mut self, record: &mut LogRecord) -> bool {
        if self.finished {
            return false;
        }
        let source = &self.source;
        let stats = &mut self.stats;
        let mut replace = |next: Option<LogRecord>| next.map(|next| *record = next).is_some();
        let read = match &mut self.inner {
            Inner::Text(r) => r.read_into(source, stats, record),
            Inner::Kmsg(r) => replace(r.next_record(source, stats)),
            Inner::DmesgJson(r) => replace(r.next_record(source, stats)),
            Inner::JournalJson(r) => replace(r.next_record(source, stats)),
            Inner::JournalExport(r) => replace(r.next_record(source, stats)),
            Inner::JournalText(r) => replace(r.next_record(source, stats)),
        };
        if !read {
            self.finished = true;
            self.note_read_error();
            return false;
        }
        let container_boundary = match &mut self.inner {
            Inner::JournalText(r) => r.take_boundary(),
            Inner::JournalJson(r) => r.take_boundary(),
            Inner::JournalExport(r) => r.take_boundary(),
            Inner::Text(_) | Inner::Kmsg(_) | Inner::DmesgJson(_) => false,
        };
        self.started_boot = self.boots.starts_boot(record, container_boundary);
        if self.started_boot.is_some() {
            self.first_wall = None;
        }
        self.timed_by_wall = false;
        if let Some(wall) = record.wall {
            let first = *self.first_wall.get_or_insert(wall);
            if record.time.is_none() {
                // A clock set back (NTP) reads as the boot's start, never before it.
                record.time = Some(BootTime(wall.since(first).unwrap_or(0)));
                self.stats.wall_clock_times += 1;
                self.timed_by_wall = true;
            }
        }
        true
    }
}

impl<R: BufRead> Iterator for LogReader<R> {
    type Item = LogRecord;

    fn next(&mut self) -> Option<LogRecord> {
        let mut record = LogRecord::blank(&self.source);
        self.next_into(&mut record).then_some(record)
    }
}

/// The kernel logs of `fixtures/` in every form (text, /dev/kmsg, journal, JSON): every
/// file named `.txt`, `.log` or `.json` outside the sysfs and device tree captures. The corpus
/// the prefilter tests run over.
#[cfg(test)]
pub(crate) fn corpus_logs() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "sys" | "sysfs" | "devicetree" | "device-tree" | "proc") {
                    walk(&path, out);
                }
            } else if name.ends_with(".txt") || name.ends_with(".log") || name.ends_with(".json") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_reads_as_one_expectation() {
        let problem = ReadProblem {
            position: Location::Line(226),
            message: "expected a /dev/kmsg record, found a record cut before its text".to_string(),
        };
        assert_eq!(
            problem.to_input_error("kmsg.txt").to_string(),
            "kmsg.txt:226: expected a /dev/kmsg record, found a record cut before its text"
        );
    }

    #[test]
    fn problems_are_capped() {
        let mut stats = ReadStats::default();
        for line in 1..=150 {
            stats.note(ReadProblem {
                position: Location::Line(line),
                message: "expected a journal entry".into(),
            });
        }
        let listed = crate::limits::DEFAULT_PROBLEMS_LISTED as usize;
        assert_eq!(stats.problems.len(), listed + 1);
        assert_eq!(stats.problems[listed].position, Location::Line(101));
    }

    #[test]
    fn open_reads_on_after_the_sniffed_head() {
        // A log longer than the sniff window: the records after the head are read too.
        let line = "[    1.000000] virtio-pci 0000:00:03.0: Adding to iommu group 1\n";
        let text = line.repeat(SNIFF_WINDOW / line.len() + 100);
        let reader = LogReader::open("big".into(), text.as_bytes()).unwrap();
        assert_eq!(reader.format(), LogFormat::Text);
        assert_eq!(reader.count(), SNIFF_WINDOW / line.len() + 100);
    }
}
