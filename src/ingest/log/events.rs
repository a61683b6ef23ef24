//! From records to events: classify every record, keep what says something about probing,
//! join the messages the kernel spreads over several records (an SMMUv3 event and its dwords),
//! and note what the log says about itself (release, command line, later boots).
//!
//! Long because: the builder and `LogBoots`, which hands its boots over as the log is read,
//! share the builder's state (615 lines before the tests).

use super::background::{self, BackgroundRecords, ClassifyAt, RecordFacts};
use super::boots::{BootMark, Replay, ReplayCheck};
use super::splat::{self, SplatReader};
use super::text::LineAnchors;
use super::{BootSpan, LogFormat, LogReader, LogRecord, ReadProblem, ReadStats};
use crate::error::{InputError, Location};
use crate::ingest::messages::{
    classify, classify_unless_silent, has_anchor, prefix, smmu_event_dword, smmu_event_summary, Message,
    SmmuEventKind,
};
use crate::ingest::{LogData, LogEvent};
use crate::model::{BootTime, SourceName};
use std::io::BufRead;

/// What `read_log_events` says it expected when nothing could be read.
const EXPECTED: &str = "a kernel log (dmesg in any of its forms, /dev/kmsg records, dmesg --json, \
                        journalctl -k or -o json, or a serial console capture)";

/// Dwords in an SMMUv3 event record (`EVTQ_ENT_DWORDS`, arm-smmu-v3.h).
const SMMU_EVENT_DWORDS: u8 = 4;

/// Reads a whole log as a stream, classifies every record and keeps the ones that say
/// something about probing. Errors only when nothing in it could be read as a kernel log;
/// parts that could not be read are listed in `LogData::problems`.
pub fn read_log_events(source: SourceName, reader: impl BufRead) -> Result<LogData, InputError> {
    collect_events(LogReader::open(source, reader)?)
}

/// `read_log_events` for an input whose head was already sniffed (see
/// `LogReader::open_sniffed`).
pub fn read_log_events_sniffed(
    source: SourceName,
    reader: impl BufRead,
    report: super::HeadReport,
) -> Result<LogData, InputError> {
    collect_events(LogReader::open_sniffed(source, reader, Some(report))?)
}

/// `read_log_events` for a reader already set up (for instance with a known format).
pub fn collect_events<R: BufRead>(records: LogReader<R>) -> Result<LogData, InputError> {
    collect_events_with(records, Prefilter::On)
}

/// Whether `EventBuilder::add` skips the records no classifier can use (`Off` only to show,
/// in tests, that skipping changes nothing).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Prefilter {
    On,
    #[cfg_attr(not(test), allow(dead_code))]
    Off,
}

fn collect_events_with<R: BufRead>(
    mut records: LogReader<R>,
    prefilter: Prefilter,
) -> Result<LogData, InputError> {
    let mut builder = EventBuilder::new(records.source().clone(), records.format());
    builder.prefilter = prefilter;
    // One record, its strings reused from line to line: only what becomes an event is copied.
    let mut record = LogRecord::blank(records.source());
    while records.next_into(&mut record) {
        let marked = records.last_was_marked();
        if let Some(mark) = records.last_started_boot() {
            builder.start_boot(mark);
        }
        builder.add(
            &mut record,
            marked,
            records.last_timed_by_wall(),
            records.last_anchors(),
            None,
            None,
        );
    }
    builder.finish(records.into_stats())
}

/// A log's boots, each handed over as a log of its own once it is final, read as the records
/// stream by: peak memory holds a few boots' events, not the log's.
///
/// Boot k is final when boot k+2 starts: until then boot k+1 may still turn out to be a replay
/// of boot k and be merged into it (`ReplayCheck` decides on the records after a boundary, and
/// a new boundary settles the boot before it). Each boot is exactly what
/// [`LogData::into_boots`] gives for it (the same events, spans and read problems; what is said
/// of the whole input goes to the last boot); a log of one boot comes as `read_log_events`
/// reads it. Nothing is handed over before a record was recognised as the kernel's: an input
/// in which none is gives one `Err`, as `read_log_events` does.
pub struct LogBoots<R> {
    records: Option<Records<R>>,
    builder: EventBuilder,
    /// The boots handed over and not yet taken.
    ready: std::collections::VecDeque<LogData>,
    /// Which of the reader's problems went to a boot already.
    problems_given: Vec<bool>,
    handed_over: usize,
    /// The log as a whole, without its events, once the input is read.
    whole: Option<LogData>,
    /// The record read last, its strings reused from line to line.
    record: LogRecord,
}

/// Where `LogBoots` takes its records from.
enum Records<R> {
    /// Read here, one by one.
    Inline(Box<LogReader<R>>),
    /// Read and classified on a thread of their own (a long log).
    Background(Box<BackgroundRecords>),
}

/// Streams the boots of the log `records` reads (see [`LogBoots`]), reading it here.
pub fn stream_boots<R: BufRead>(records: LogReader<R>) -> LogBoots<R> {
    stream_from(
        records.source().clone(),
        records.format(),
        Records::Inline(Box::new(records)),
    )
}

/// [`stream_boots`], with a long log (one longer than the sniffed head) read and classified
/// on a thread of its own while its events are built (see `background`): the same boots.
pub fn stream_boots_threaded<R: BufRead + Send + 'static>(records: LogReader<R>) -> LogBoots<R> {
    stream_boots_threaded_with(records, ClassifyAt::Balanced)
}

fn stream_boots_threaded_with<R: BufRead + Send + 'static>(
    records: LogReader<R>,
    classify_at: ClassifyAt,
) -> LogBoots<R> {
    let (source, format) = (records.source().clone(), records.format());
    if !records.longer_than_head() {
        return stream_from(source, format, Records::Inline(Box::new(records)));
    }
    match background::spawn(records, Prefilter::On, classify_at) {
        Ok(background) => stream_from(source, format, Records::Background(Box::new(background))),
        Err(records) => stream_from(source, format, Records::Inline(records)),
    }
}

fn stream_from<R>(source: SourceName, format: LogFormat, records: Records<R>) -> LogBoots<R> {
    let builder = EventBuilder::new(source.clone(), format);
    LogBoots {
        record: LogRecord::blank(&source),
        records: Some(records),
        builder,
        ready: std::collections::VecDeque::new(),
        problems_given: Vec::new(),
        handed_over: 0,
        whole: None,
    }
}

impl<R: BufRead> LogBoots<R> {
    /// The log as a whole, without its events (what it showed over every boot: records, read
    /// problems, messages dropped, the first release and command line, the last boot's span),
    /// once every boot was taken; `None` before, or when nothing could be read.
    pub fn whole(&self) -> Option<&LogData> {
        self.whole.as_ref()
    }

    /// Whether the records are read on a thread of their own (see `stream_boots_threaded`).
    #[cfg(test)]
    fn reads_in_background(&self) -> bool {
        matches!(self.records, Some(Records::Background(_)))
    }

    /// How many records were read so far.
    pub fn records_read(&self) -> u64 {
        self.builder.records
    }

    /// Hands over every boot before the last two: no later record can change them.
    fn hand_over_final(&mut self, problems: &[ReadProblem]) {
        while self.builder.boots.len() > 2 {
            let next_first_line = self.builder.boots[1].first_line;
            let boundary = self.builder.boots[1].first_record;
            let span = self.builder.boots.remove(0);
            // The events kept stay where they are: the builder's vector is not built anew for
            // every boot of a long log.
            // Counted first: a vector grown by doubling copies each boot's events twice over.
            let handed = self
                .builder
                .events
                .iter()
                .filter(|event| event.index < boundary)
                .count();
            let mut events: Vec<LogEvent> = Vec::with_capacity(handed);
            events.extend(self.builder.events.extract_if(.., |event| event.index < boundary));
            let mut log = boot_log(&self.builder.source, self.builder.format, &span, events);
            self.problems_given.resize(problems.len(), false);
            for (given, problem) in self.problems_given.iter_mut().zip(problems) {
                if !*given && matches!(problem.position, Location::Line(line) if line < next_first_line) {
                    *given = true;
                    log.problems.push(problem.clone());
                }
            }
            self.handed_over += 1;
            self.ready.push_back(log);
        }
    }

    /// The input ended: the boots still held, the last with what is said of the whole input.
    fn finish(&mut self, stats: ReadStats) -> Result<(), InputError> {
        let empty = EventBuilder::new(self.builder.source.clone(), self.builder.format);
        let builder = std::mem::replace(&mut self.builder, empty);
        let handed_over = self.handed_over;
        let given = std::mem::take(&mut self.problems_given);
        let mut whole = builder.finish(stats)?;
        if handed_over == 0 && whole.boots.len() <= 1 {
            let mut summary = whole.clone_without_events();
            summary.boots = whole.boots.clone();
            self.whole = Some(summary);
            self.ready.push_back(whole);
            return Ok(());
        }
        let mut summary = whole.clone_without_events();
        summary.boots = whole.boots.last().cloned().into_iter().collect();
        // Only the problems no boot was given are split among the boots still held.
        let mut left = Vec::new();
        for (index, problem) in std::mem::take(&mut whole.problems).into_iter().enumerate() {
            if !given.get(index).copied().unwrap_or(false) {
                left.push(problem);
            }
        }
        whole.problems = left;
        let skipped_lines = whole.skipped_lines;
        let dropped_messages = whole.dropped_messages;
        let mut held = whole.split_spans();
        if let Some(last) = held.last_mut() {
            last.skipped_lines = skipped_lines;
            last.dropped_messages = dropped_messages;
        }
        self.ready.extend(held);
        self.whole = Some(summary);
        Ok(())
    }
}

impl<R: BufRead> Iterator for LogBoots<R> {
    type Item = Result<LogData, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            // An input that turns out to hold no kernel record at all is an error, not boots.
            if self.builder.recognised > 0 || self.records.is_none() {
                if let Some(log) = self.ready.pop_front() {
                    return Some(Ok(log));
                }
            }
            let facts = match self.records.as_mut()? {
                Records::Inline(records) => records
                    .next_into(&mut self.record)
                    .then(|| RecordFacts::of_last(records, None, None)),
                Records::Background(records) => records.next_but_text_into(&mut self.record),
            };
            match facts {
                Some(facts) => {
                    if let Some(mark) = facts.started_boot {
                        self.builder.start_boot(mark);
                        self.hand_over_final(&facts.problems);
                    }
                    // A record read on the other thread: its text is copied only when the
                    // builder reads it (most records it only counts).
                    if let Some(Records::Background(records)) = &self.records {
                        self.record.text.clear();
                        if self.builder.reads_text(&facts) {
                            self.record.text.push_str(records.last_text());
                        }
                    }
                    self.builder.add(
                        &mut self.record,
                        facts.marked,
                        facts.timed_by_wall,
                        facts.anchors,
                        facts.classified,
                        facts.text,
                    );
                }
                None => {
                    let stats = match self.records.take()? {
                        Records::Inline(records) => records.into_stats(),
                        Records::Background(records) => records.into_stats(),
                    };
                    if let Err(error) = self.finish(stats) {
                        self.ready.clear();
                        return Some(Err(error));
                    }
                }
            }
        }
    }
}

/// One boot of a log as a log of its own: its span's counts and its events (problems and
/// what is said of the whole input are given by the caller).
fn boot_log(source: &SourceName, format: LogFormat, span: &BootSpan, events: Vec<LogEvent>) -> LogData {
    LogData {
        source: source.clone(),
        format,
        events,
        records: span.records,
        timed_records: span.timed_records,
        wall_clock_times: span.wall_clock_times,
        skipped_lines: 0,
        dropped_messages: 0,
        kernel_release: span.kernel_release.clone(),
        command_line: span.command_line.clone(),
        first_time: span.first_time,
        last_time: span.last_time,
        boot_starts: Vec::new(),
        boots: vec![span.clone()],
        problems: Vec::new(),
    }
}

/// What classifying one record gave: a pure function of the record, so that it can be worked
/// out on another thread than the builder's.
pub(super) struct Classified {
    anchors: LineAnchors,
    /// A classifier may read it (an anchor or a dev_printk prefix, or no prefilter).
    classifiable: bool,
    messages: Vec<Message>,
}

impl Classified {
    /// Classifies `record`; `anchors`: what the reader found of the anchors in its line, if
    /// it searched. Most lines of a log say nothing a classifier reads: the prefilter skips
    /// them for the cost of one search.
    pub(super) fn of(record: &LogRecord, anchors: Option<LineAnchors>, prefilter: Prefilter) -> Classified {
        let anchors = anchors.unwrap_or_else(|| LineAnchors {
            message: has_anchor(&record.text),
            report: splat::may_start_report(&record.text),
            fault: None,
        });
        let classified = if prefilter == Prefilter::Off {
            Some(classify(record))
        } else {
            classify_unless_silent(record, anchors.message, anchors.fault)
        };
        Classified {
            anchors,
            classifiable: classified.is_some(),
            messages: classified.unwrap_or_default(),
        }
    }
}

/// An SMMUv3 event whose dwords may still follow.
struct PendingSmmuEvent {
    /// Location of the event in `events`.
    event: usize,
    iommu: String,
    dwords: u8,
}

struct EventBuilder {
    source: SourceName,
    format: LogFormat,
    events: Vec<LogEvent>,
    records: u64,
    timed_records: u64,
    /// Records that are kernel output for sure (a kernel prefix, or a recognised message).
    recognised: u64,
    first_text: Option<String>,
    kernel_release: Option<String>,
    command_line: Option<String>,
    first_time: Option<BootTime>,
    last_time: Option<BootTime>,
    boot_starts: Vec<u64>,
    /// The boots finished so far and the one being read.
    boots: Vec<BootSpan>,
    replay: ReplayCheck,
    pending_smmu: Option<PendingSmmuEvent>,
    /// The last timed records' time and a hash of their text, to count a line printed twice
    /// once (a hash: keeping each line's text would allocate a copy per record).
    recent: std::collections::VecDeque<(BootTime, u64)>,
    /// No record in `recent` is later than this: a later record (nearly every one, times
    /// mostly rise) is no repeat without searching the window.
    recent_latest: Option<BootTime>,
    splats: SplatReader,
    /// An AMD-Vi `Event logged [` that ended its record: older kernels printed the event's
    /// fields with a continuation printk that became a record of its own.
    split_amd_event: Option<String>,
    prefilter: Prefilter,
}

/// How many records back a repeat of the same line at the same instant is looked for: a serial
/// console and the log buffer read back interleave their copies a few records apart.
const REPEAT_WINDOW: usize = 64;

impl EventBuilder {
    fn new(source: SourceName, format: LogFormat) -> Self {
        EventBuilder {
            source,
            format,
            events: Vec::new(),
            records: 0,
            timed_records: 0,
            recognised: 0,
            first_text: None,
            kernel_release: None,
            command_line: None,
            first_time: None,
            last_time: None,
            boot_starts: Vec::new(),
            boots: Vec::new(),
            replay: ReplayCheck::default(),
            pending_smmu: None,
            recent: std::collections::VecDeque::with_capacity(REPEAT_WINDOW),
            recent_latest: None,
            splats: SplatReader::default(),
            split_amd_event: None,
            prefilter: Prefilter::On,
        }
    }

    /// The next record starts another boot of the log.
    fn start_boot(&mut self, mark: BootMark) {
        self.replay.start(mark);
        self.boots.push(BootSpan {
            first_record: self.records,
            ..BootSpan::default()
        });
        // An SMMU event's dwords never cross a reboot, nor does a repeated line; a report cut
        // off by one ends there.
        self.pending_smmu = None;
        self.recent.clear();
        self.recent_latest = None;
        self.splats.finish(&mut self.events);
    }

    /// The boot read last was the guest printing the boot before it: its records belong to
    /// that boot.
    fn merge_replay(&mut self) {
        let (Some(replay), Some(boot)) = (self.boots.pop(), self.boots.last_mut()) else {
            return;
        };
        boot.records += replay.records;
        boot.timed_records += replay.timed_records;
        boot.wall_clock_times += replay.wall_clock_times;
        boot.last_time = boot.last_time.max(replay.last_time);
        boot.kernel_release = boot.kernel_release.take().or(replay.kernel_release);
        boot.command_line = boot.command_line.take().or(replay.command_line);
    }

    /// Whether `add` reads the text of the record `facts` are of (in the builder's state now):
    /// not when it was classified already and said nothing, no report, SMMU event or split
    /// AMD-Vi event is open, and neither the replay check nor the log's first text needs it.
    fn reads_text(&self, facts: &RecordFacts) -> bool {
        let (Some(classified), Some(text)) = (&facts.classified, &facts.text) else {
            return true;
        };
        self.prefilter == Prefilter::Off
            || !classified.messages.is_empty()
            || classified.anchors.report
            || !self.splats.idle()
            || self.pending_smmu.is_some()
            || self.split_amd_event.is_some()
            || text.ends_with_amd_event_head
            || self.first_text.is_none()
            || self.replay.reads_next()
    }

    /// `anchors`: what the reader found of the prefilter's anchors in the record's line, if it
    /// searched (else the text is searched here). `classified`: the record already classified
    /// (on the reading thread), else it is classified here.
    fn add(
        &mut self,
        record: &mut LogRecord,
        marked: bool,
        timed_by_wall: bool,
        anchors: Option<LineAnchors>,
        classified: Option<Classified>,
        text_facts: Option<TextFacts>,
    ) {
        let text_facts = text_facts.unwrap_or_else(|| TextFacts::of(record));
        let index = self.records;
        self.records += 1;
        if self.boots.is_empty() {
            self.boots.push(BootSpan::default());
        }
        let Some(boot) = self.boots.last_mut() else {
            unreachable!("a boot was pushed just above");
        };
        if boot.records == 0 {
            boot.first_line = record.origin.line;
        }
        boot.records += 1;
        if let Some(time) = record.time {
            // Kernel time stamps are counted; times taken from a wall clock have their own
            // count.
            let kernel_time = u64::from(!timed_by_wall);
            self.timed_records += kernel_time;
            self.first_time.get_or_insert(time);
            self.last_time = Some(time);
            boot.timed_records += kernel_time;
            boot.wall_clock_times += u64::from(timed_by_wall);
            boot.first_time.get_or_insert(time);
            boot.last_time = Some(time);
        }
        if self.replay.see(record) == Replay::OfPreviousBoot {
            self.merge_replay();
        }
        if self.first_text.is_none() && !record.text.trim().is_empty() {
            self.first_text = Some(record.text.chars().take(120).collect());
        }
        // The same line at the same instant twice (the console's copy and the log buffer's,
        // adjacent or interleaved) is one kernel record: its messages count once.
        if let (Some(time), Some(hash)) = (record.time, text_facts.repeat_hash) {
            let key = (time, hash);
            if self.recent_latest.is_some_and(|latest| time <= latest) {
                if self.recent.iter().any(|seen| *seen == key) {
                    return;
                }
                // Later records may leave the window: the bound is what is in it now.
                self.recent_latest = self.recent.iter().map(|(seen, _)| *seen).max();
            }
            self.recent_latest = self.recent_latest.max(Some(time));
            if self.recent.len() == REPEAT_WINDOW {
                self.recent.pop_front();
            }
            self.recent.push_back(key);
        }
        // A joined record's anchors and messages are the joined text's, not its line's.
        let joined = self.join_split_amd_event(record, text_facts.ends_with_amd_event_head);
        let classified = match (joined, classified) {
            (false, Some(classified)) => classified,
            (joined, _) => Classified::of(record, anchors.filter(|_| !joined), self.prefilter),
        };
        let Classified {
            anchors,
            classifiable,
            messages,
        } = classified;
        // In a log whose kernel lines carry time stamps, a line with neither a time stamp nor a
        // kernel prefix is not the kernel's (a mail's prose, user space on a console, a wrapped
        // fragment): "answer is: ..." names no driver and no device.
        let foreign = !marked && record.time.is_none() && self.timed_records > 0;
        let messages = if foreign { Vec::new() } else { messages };
        let filtered = self.prefilter == Prefilter::On;
        // Reports are put together before the record's own messages are pushed: a report's
        // event comes first, where its first line is.
        let in_splat = if filtered && self.splats.idle() && !anchors.report {
            false
        } else {
            self.splats.see(record, index, &mut self.events)
        };
        if marked || in_splat || !messages.is_empty() {
            self.recognised += 1;
        }
        // The dwords and summary of an SMMUv3 event are dev_printk lines of its SMMU: a line
        // without a prefix (none that `classify_unless_silent` skips has one) never continues it.
        if self.pending_smmu.is_some() && classifiable {
            self.continue_smmu_event(record);
        }
        if messages.is_empty() {
            return;
        }
        // One copy of the text for all of the record's events.
        let text: std::sync::Arc<str> = record.text.as_str().into();
        for message in messages {
            match &message {
                Message::KernelVersion(release) => {
                    if self.kernel_release.is_none() {
                        self.kernel_release = Some(release.clone());
                    } else if index > 0 {
                        // A second banner: the log holds another boot (or a replay of this
                        // one) from here on.
                        self.boot_starts.push(index);
                    }
                    if let Some(boot) = self.boots.last_mut() {
                        boot.kernel_release.get_or_insert_with(|| release.clone());
                    }
                }
                Message::CommandLine(line) => {
                    self.command_line.get_or_insert_with(|| line.clone());
                    if let Some(boot) = self.boots.last_mut() {
                        boot.command_line.get_or_insert_with(|| line.clone());
                    }
                }
                Message::SmmuEvent {
                    iommu,
                    kind: SmmuEventKind::V3Event,
                    ..
                } => {
                    self.pending_smmu = Some(PendingSmmuEvent {
                        event: self.events.len(),
                        iommu: iommu.clone(),
                        dwords: 0,
                    });
                }
                _ => {}
            }
            self.events.push(LogEvent {
                origin: record.origin.clone(),
                time: record.time,
                index,
                text: std::sync::Arc::clone(&text),
                message,
            });
        }
    }

    /// `AMD-Vi: Event logged [` alone, then `IO_PAGE_FAULT device=... ]` in the next record:
    /// the second record is read as the whole line.
    /// Whether the record's text was joined to the head before it.
    /// `ends_with_head`: the record's text ends with the head (as its joined text then does: a
    /// joined text ends with the record's, whose fields hold a `=` that the head has not).
    fn join_split_amd_event(&mut self, record: &mut LogRecord, ends_with_head: bool) -> bool {
        let mut joined = false;
        if let Some(head) = self.split_amd_event.take() {
            let fields = record.text.trim_start();
            if fields.starts_with(|c: char| c.is_ascii_uppercase()) && fields.contains('=') {
                record.text = format!("{head}{fields}");
                joined = true;
            }
        }
        if ends_with_head {
            self.split_amd_event = Some(record.text.trim_end().to_string());
        }
        joined
    }

    /// The records after `event 0x.. received:` from the same SMMU carry the event's dwords
    /// (`\t0x%016llx`, one record each) and, in newer kernels, a decoded summary.
    fn continue_smmu_event(&mut self, record: &LogRecord) {
        let split = prefix::split(&record.text);
        let Some(pending) = self.pending_smmu.as_mut() else {
            return;
        };
        // Records of other devices may come in between.
        if split.prefix.is_none_or(|p| p.device != pending.iommu) {
            return;
        }
        let message = split.message.trim();
        let (stream_id, joins) = if let Some(dword) = smmu_event_dword(message) {
            pending.dwords += 1;
            // EVTQ_0_SID = GENMASK_ULL(63, 32) of dword 0 (arm-smmu-v3.h).
            let sid = (pending.dwords == 1).then_some((dword >> 32) as u32);
            (sid, pending.dwords <= SMMU_EVENT_DWORDS)
        } else if let Some(sid) = smmu_event_summary(message) {
            (Some(sid), true)
        } else {
            (None, false)
        };
        if !joins {
            self.pending_smmu = None;
            return;
        }
        let position = pending.event;
        if let Some(LogEvent {
            message:
                Message::SmmuEvent {
                    stream_id: event_sid,
                    text,
                    ..
                },
            ..
        }) = self.events.get_mut(position)
        {
            if stream_id.is_some() {
                *event_sid = stream_id;
            }
            text.push(' ');
            text.push_str(message);
        }
    }

    fn finish(mut self, stats: ReadStats) -> Result<LogData, InputError> {
        self.splats.finish(&mut self.events);
        if self.recognised == 0 {
            let found = match (&self.first_text, self.records + stats.skipped_lines) {
                (_, 0) => "nothing (the input is empty)".to_string(),
                (Some(text), _) => text.clone(),
                (None, _) => "no kernel log line".to_string(),
            };
            // What stopped the reading (a size cap, a read error) is why nothing was found.
            let expected = match &stats.stopped {
                Some(reason) => format!("{EXPECTED} in the part read before reading stopped ({reason})"),
                None => EXPECTED.to_string(),
            };
            let mut error = InputError::new(&*self.source, Location::File, expected).found(found);
            if let Some(problem) = stats.problems.first() {
                error.position = problem.position.clone();
            }
            return Err(error);
        }
        // The log's events are held until every boot of it is analysed: no spare capacity.
        self.events.shrink_to_fit();
        Ok(LogData {
            source: self.source,
            format: self.format,
            events: self.events,
            records: self.records,
            timed_records: self.timed_records,
            wall_clock_times: stats.wall_clock_times,
            skipped_lines: stats.skipped_lines,
            dropped_messages: stats.dropped_messages,
            kernel_release: self.kernel_release,
            command_line: self.command_line,
            first_time: self.first_time,
            last_time: self.last_time,
            boot_starts: self.boot_starts,
            boots: self.boots,
            problems: stats.problems,
        })
    }
}

/// What the event builder asks of every record's text, worked out where the text was just
/// written (on the reading thread, when it reads ahead): the builder then reads the text only
/// of records that say something. Reading every record's text on the other core cost more than
/// hashing it (the first byte of it the builder touched was a tenth of all samples).
#[derive(Clone, Copy, Debug, Default)]
pub struct TextFacts {
    /// For a timed record: the hash its repeats are told by (`text_hash` of the text without
    /// trailing white space).
    repeat_hash: Option<u64>,
    /// The text ends with an AMD-Vi event's head, whose fields the next record holds.
    ends_with_amd_event_head: bool,
}

impl TextFacts {
    pub fn of(record: &LogRecord) -> TextFacts {
        let text = record.text.trim_end();
        TextFacts {
            repeat_hash: record.time.map(|_| text_hash(text)),
            ends_with_amd_event_head: text.ends_with(AMD_EVENT_HEAD),
        }
    }
}

/// What an AMD-Vi event's record ends with when older kernels printed its fields as a record
/// of their own (a continuation printk).
const AMD_EVENT_HEAD: &str = "Event logged [";

/// A 64-bit hash of a record's text: two different lines within `REPEAT_WINDOW` records that
/// share a time stamp and a hash are taken for one (odds of 2^-64 per pair).
pub(super) fn text_hash(text: &str) -> u64 {
    // Fixed seeds: the same text hashes the same in every run. aHash rather than SipHash: this
    // runs for every timed record of a log, and nothing here is chosen by an adversary.
    static HASHER: std::sync::LazyLock<ahash::RandomState> = std::sync::LazyLock::new(|| {
        ahash::RandomState::with_seeds(
            0x243f_6a88_85a3_08d3,
            0x1319_8a2e_0370_7344,
            0xa409_3822_299f_31d0,
            0x082e_fa98_ec4e_6c89,
        )
    });
    HASHER.hash_one(text)
}

impl LogData {
    /// The log's boots, each as a log of its own (a log of one boot comes back as it is).
    /// Read problems go to the boot whose lines they are on; what is said of the whole input
    /// (lines skipped, messages dropped) to the last boot, the one a capture's other evidence
    /// belongs to.
    pub fn into_boots(self) -> Vec<LogData> {
        if self.boots.len() <= 1 {
            return vec![self];
        }
        let (skipped_lines, dropped_messages) = (self.skipped_lines, self.dropped_messages);
        let mut out = self.split_spans();
        if let Some(last) = out.last_mut() {
            last.skipped_lines = skipped_lines;
            last.dropped_messages = dropped_messages;
        }
        out
    }

    /// The log without its events (the counts and spans of the whole).
    fn clone_without_events(&self) -> LogData {
        LogData {
            source: self.source.clone(),
            format: self.format,
            events: Vec::new(),
            records: self.records,
            timed_records: self.timed_records,
            wall_clock_times: self.wall_clock_times,
            skipped_lines: self.skipped_lines,
            dropped_messages: self.dropped_messages,
            kernel_release: self.kernel_release.clone(),
            command_line: self.command_line.clone(),
            first_time: self.first_time,
            last_time: self.last_time,
            boot_starts: self.boot_starts.clone(),
            boots: Vec::new(),
            problems: self.problems.clone(),
        }
    }

    /// One log per span of `boots`, with its events and the read problems on its lines (the
    /// rest to the last); what is said of the whole input is left to the caller.
    fn split_spans(self) -> Vec<LogData> {
        let LogData {
            source,
            format,
            events,
            problems,
            boots,
            ..
        } = self;
        let count = boots.len();
        let mut out: Vec<LogData> = boots
            .iter()
            .map(|span| boot_log(&source, format, span, Vec::new()))
            .collect();
        let boot_of_record = |index: u64| {
            boots
                .partition_point(|span| span.first_record <= index)
                .saturating_sub(1)
        };
        if events.is_sorted_by_key(|event| event.index) {
            // Split from the back, giving memory back as each boot's events are moved out:
            // the log's events are never held twice.
            let mut events = events;
            for (position, (span, boot)) in boots.iter().zip(out.iter_mut()).enumerate().rev() {
                // The first boot takes whatever came before any boot started.
                let start = match position {
                    0 => 0,
                    _ => events.partition_point(|event| event.index < span.first_record),
                };
                boot.events = events.split_off(start);
                events.shrink_to_fit();
            }
        } else {
            for event in events {
                out[boot_of_record(event.index)].events.push(event);
            }
        }
        for problem in problems {
            let at = match problem.position {
                Location::Line(line) => boots
                    .partition_point(|span| span.first_line <= line)
                    .saturating_sub(1),
                _ => count.saturating_sub(1),
            };
            if let Some(boot) = out.get_mut(at) {
                boot.problems.push(problem);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_lines_change_nothing() {
        // Every log of the corpus reads to the same events, counts and boots with the
        // prefilter as without it: what it skips, no classifier and no report reader uses.
        for path in super::super::corpus_logs() {
            let read = |prefilter| {
                let file = std::fs::File::open(&path).expect("a fixture");
                let reader = LogReader::open("log".into(), std::io::BufReader::new(file)).expect("readable");
                format!("{:?}", collect_events_with(reader, prefilter))
            };
            assert!(read(Prefilter::On) == read(Prefilter::Off), "{}", path.display());
        }
    }

    #[test]
    fn a_record_printed_twice_counts_once() {
        // The odroid-xu report pastes `dmesg | grep DISP` after the full log: the mixer's
        // "adding to PM domain DISP" at 11.161723 s comes back 13 records later, the same
        // kernel record; "Power domain DISP enable failed" twice at other instants is two.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public/exynos5410-odroidxu-hdmi-mixer-sysmmu-devlink-deferral.txt");
        let file = std::fs::File::open(&path).expect("the fixture is there");
        let data = read_log_events(SourceName::from("odroid"), std::io::BufReader::new(file)).expect("a log");
        let count = |text: &str| data.events.iter().filter(|e| e.text.ends_with(text)).count();
        assert_eq!(count("14450000.mixer: adding to PM domain DISP"), 1);
        assert_eq!(count("14530000.hdmi: adding to PM domain DISP"), 1);
        // The console's copy right after the buffer's, at the latest instant yet: the window
        // is searched though no record in it is later.
        let text = std::fs::read_to_string(&path).expect("the fixture is there");
        let mut doubled = String::new();
        for line in text.lines() {
            doubled.push_str(line);
            doubled.push('\n');
            if line.ends_with("14530000.hdmi: adding to PM domain DISP") {
                doubled.push_str(line);
                doubled.push('\n');
            }
        }
        let data = read_log_events(SourceName::from("odroid"), doubled.as_bytes()).expect("a log");
        let count = |text: &str| data.events.iter().filter(|e| e.text.ends_with(text)).count();
        assert_eq!(count("14530000.hdmi: adding to PM domain DISP"), 1);
        assert_eq!(count("14450000.mixer: adding to PM domain DISP"), 1);
    }

    /// A reader that counts the bytes taken from it.
    struct Counting<'a> {
        bytes: &'a [u8],
        taken: std::rc::Rc<std::cell::Cell<usize>>,
    }

    impl std::io::Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.bytes.read(buf)?;
            self.taken.set(self.taken.get() + n);
            Ok(n)
        }
    }

    /// The dmesg.txt of every QEMU capture of the corpus (`fixtures/qemu/*/*/`), one after the
    /// other in path order: a log of some thirty boots.
    fn corpus_dmesg_logs() -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu");
        let mut logs: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .flat_map(|kernel| {
                std::fs::read_dir(kernel.expect("a folder").path())
                    .into_iter()
                    .flatten()
            })
            .map(|scenario| scenario.expect("a folder").path().join("dmesg.txt"))
            .filter(|log| log.is_file())
            .collect();
        logs.sort();
        logs.iter()
            .flat_map(|path| std::fs::read(path).expect("fixture"))
            .collect()
    }

    #[test]
    fn boots_are_handed_over_as_they_end_with_what_splitting_the_whole_gives() {
        // Every QEMU capture of the corpus one after the other, three times over: the first
        // boot comes out when a small part of the input was read, and the boots streamed are
        // the boots of the whole log split.
        let log = corpus_dmesg_logs().repeat(3);
        let whole = read_log_events(SourceName::from("many"), &log[..]).expect("a log");
        let total = whole.boots.len();
        assert!(total >= 60, "{total} boots");
        let split = whole.clone().into_boots();

        let taken = std::rc::Rc::new(std::cell::Cell::new(0));
        let reader = std::io::BufReader::with_capacity(
            4096,
            Counting {
                bytes: &log,
                taken: taken.clone(),
            },
        );
        let mut boots = stream_boots(LogReader::open(SourceName::from("many"), reader).expect("opens"));
        let first = boots.next().expect("a boot").expect("a log");
        assert!(
            taken.get() < log.len() / 10,
            "the first boot came after {} of {} bytes",
            taken.get(),
            log.len()
        );
        let mut streamed = vec![first];
        streamed.extend(boots.by_ref().map(|boot| boot.expect("a log")));
        assert_eq!(streamed, split);
        let mut summary = whole.clone();
        summary.events.clear();
        summary.boots = whole.boots.last().cloned().into_iter().collect();
        assert_eq!(boots.whole(), Some(&summary));
    }

    #[test]
    fn an_amd_event_head_is_joined_only_to_a_record_of_its_fields() {
        // Kernels before 5.x printed an AMD-Vi event's fields with a continuation printk: the
        // record after a lone head is joined to it only when it reads as fields (`NAME=...`).
        let log = b"[  512.000000] AMD-Vi: Event logged [\n\
                    [  512.000001] Run /init as init process\n\
                    [  512.000002] AMD-Vi: Event logged [\n\
                    [  512.000003] IO_PAGE_FAULT device=00:14.0 domain=0x0000 address=0x000000fdf8000000 flags=0x0a00]\n";
        let read = read_log_events("log".into(), &log[..]).expect("a log");
        let init = read
            .events
            .iter()
            .filter(|event| matches!(event.message, Message::InitProcessStarted { .. }))
            .count();
        assert_eq!(init, 1, "{:?}", read.events);
        let faults: Vec<&str> = read
            .events
            .iter()
            .filter(|event| matches!(event.message, Message::DmaFault(_)))
            .map(|event| &*event.text)
            .collect();
        assert_eq!(faults.len(), 1, "{:?}", read.events);
        assert!(faults[0].contains("Event logged [IO_PAGE_FAULT"), "{faults:?}");
    }

    #[test]
    fn a_long_log_read_on_a_thread_of_its_own_gives_the_same_boots() {
        // The corpus's captures twice over, an AMD-Vi event split over two records (as kernels
        // before 5.x printed it) in the last one's last lines (past the records the replay
        // check reads: the builder reads these texts for the event alone): the joined record
        // must be classified as joined, not as the reading thread classified its second line.
        let mut log = corpus_dmesg_logs().repeat(2);
        log.extend_from_slice(
            b"[  512.000000] AMD-Vi: Event logged [\n\
              [  512.000001] IO_PAGE_FAULT device=00:14.0 domain=0x0000 address=0x000000fdf8000000 flags=0x0a00]\n",
        );
        // A console on which the guest printed its own log after booting (replays the builder
        // tells by the texts of a boot's first records), then the public logs: kernel reports
        // (oops, WARNING) whose bodies the builder reads record by record, though they classify
        // as nothing.
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let console = fixtures.join("qemu/virtio-iommu-arm64-6.12/V5-two-boots/console.log");
        log.extend(std::fs::read(console).expect("fixture"));
        let public = fixtures.join("public");
        let mut reports: Vec<std::path::PathBuf> = std::fs::read_dir(&public)
            .expect("fixtures")
            .map(|entry| entry.expect("a file").path())
            .filter(|path| path.extension().is_some_and(|e| e == "txt"))
            .collect();
        reports.sort();
        for path in reports {
            let text = std::fs::read(&path).expect("fixture");
            if text.windows(11).any(|w| w == b"Call trace:") {
                log.extend_from_slice(&text);
                log.push(b'\n');
            }
        }
        // Last, a console's note of dropped messages: the reader's statistics must come over
        // from its thread.
        log.extend_from_slice(b"** 5 printk messages dropped **\n");
        assert!(log.len() > 4 * super::super::SNIFF_WINDOW, "{} bytes", log.len());
        let inline: Vec<LogData> = stream_boots(LogReader::open("long".into(), &log[..]).expect("opens"))
            .map(|boot| boot.expect("a log"))
            .collect();
        let mut threaded = stream_boots_threaded(
            LogReader::open("long".into(), std::io::Cursor::new(log.clone())).expect("opens"),
        );
        assert!(threaded.reads_in_background());
        let boots: Vec<LogData> = threaded.by_ref().map(|boot| boot.expect("a log")).collect();
        assert!(inline.len() >= 40, "{} boots", inline.len());
        assert_eq!(boots, inline);
        // Every record classified on the reading thread (which thread classifies is otherwise
        // a matter of timing): the builder then copies only the texts it reads, and the boots
        // are still the same.
        let on_reader: Vec<LogData> = stream_boots_threaded_with(
            LogReader::open("long".into(), std::io::Cursor::new(log.clone())).expect("opens"),
            ClassifyAt::Reader,
        )
        .map(|boot| boot.expect("a log"))
        .collect();
        assert_eq!(on_reader, inline);
        let joined = inline
            .iter()
            .flat_map(|boot| &boot.events)
            .filter(|event| {
                matches!(event.message, Message::DmaFault(_)) && event.text.contains("[IO_PAGE_FAULT")
            })
            .count();
        assert_eq!(joined, 1, "the split AMD-Vi event is one fault");
        let mut whole = stream_boots(LogReader::open("long".into(), &log[..]).expect("opens"));
        whole.by_ref().for_each(drop);
        assert_eq!(threaded.whole(), whole.whole());
        assert_eq!(threaded.whole().map(|log| log.dropped_messages), Some(5));

        // A caller that takes one boot and stops: the reading thread ends on its own.
        let mut first_only = stream_boots_threaded(
            LogReader::open("long".into(), std::io::Cursor::new(log.clone())).expect("opens"),
        );
        assert_eq!(first_only.next().expect("a boot").expect("a log"), inline[0]);
        drop(first_only);

        // A log no longer than the head is read inline: no thread for a capture folder's log.
        let short = &log[..super::super::SNIFF_WINDOW / 2];
        let short = stream_boots_threaded(
            LogReader::open("short".into(), std::io::Cursor::new(short.to_vec())).expect("opens"),
        );
        assert!(!short.reads_in_background());
    }

    #[test]
    fn a_log_of_one_boot_streams_as_it_reads_and_no_kernel_text_is_an_error() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt");
        let log = std::fs::read(path).expect("fixture");
        let whole = read_log_events(SourceName::from("one"), &log[..]).expect("a log");
        let streamed: Vec<LogData> = stream_boots(LogReader::open("one".into(), &log[..]).expect("opens"))
            .map(|boot| boot.expect("a log"))
            .collect();
        assert_eq!(streamed, vec![whole]);
        let prose = b"Dear list,\nthe board hangs.\n".repeat(10);
        let mut boots = stream_boots(LogReader::open("mail".into(), &prose[..]).expect("opens"));
        assert!(matches!(boots.next(), Some(Err(_))));
        assert!(boots.next().is_none());
    }

    #[test]
    fn a_boot_is_handed_over_only_once_the_next_cannot_prove_a_replay_of_it() {
        // The V5 console: the guest printed its own dmesg, `dmesg -r` and kmsg after booting,
        // each a replay of the boot, then rebooted. Streamed, each boot holds the records and
        // events that reading the whole log gives it: a boot handed over as soon as the next
        // one starts would lose its replays' records.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/qemu/virtio-iommu-arm64-6.12/V5-two-boots/console.log");
        let log = std::fs::read(path).expect("fixture");
        let shape = |boot: &LogData| {
            (
                boot.records,
                boot.events.len(),
                boot.events.first().map(|e| e.index),
            )
        };
        let whole: Vec<_> = read_log_events(SourceName::from("v5"), &log[..])
            .expect("a log")
            .into_boots()
            .iter()
            .map(shape)
            .collect();
        let streamed: Vec<_> = stream_boots(LogReader::open("v5".into(), &log[..]).expect("opens"))
            .map(|boot| shape(&boot.expect("a log")))
            .collect();
        assert_eq!(whole.len(), 2, "{whole:?}");
        assert_eq!(streamed, whole);
    }

    #[test]
    fn each_boot_of_a_log_gets_exactly_the_events_of_its_records() {
        // Two QEMU captures of different kernels one after the other: a console capture of
        // a reboot. Split, every event lands in the boot whose records hold it, in order,
        // and none is lost or doubled.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu");
        let mut log = std::fs::read(dir.join("smmuv3-6.1/S2-smmu-late/dmesg.txt")).expect("fixture");
        log.extend(std::fs::read(dir.join("intel-iommu-q35-6.12/I1-builtin/dmesg.txt")).expect("fixture"));
        let data = read_log_events(SourceName::from("two"), &log[..]).expect("a log");
        let all: Vec<(u64, String)> = data
            .events
            .iter()
            .map(|e| (e.index, e.text.to_string()))
            .collect();
        let spans = data.boots.clone();
        assert_eq!(spans.len(), 2, "two boots");
        let boots = data.into_boots();
        assert_eq!(boots.len(), 2);
        for (boot, span) in boots.iter().zip(&spans) {
            let end = span.first_record + span.records;
            assert!(!boot.events.is_empty());
            assert!(boot
                .events
                .iter()
                .all(|e| (span.first_record..end).contains(&e.index)));
        }
        let joined: Vec<(u64, String)> = boots
            .iter()
            .flat_map(|b| b.events.iter().map(|e| (e.index, e.text.to_string())))
            .collect();
        assert_eq!(joined, all);
    }
}
