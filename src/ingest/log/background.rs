//! A long log's records read and classified on a thread of their own, handed to the event
//! builder in batches: reading (lines, prefixes, time stamps, boot boundaries) and classifying
//! (a pure function of each record) take about as long as building events and analysing
//! boots, so on two cores the three overlap instead of following one another.
//!
//! The builder sees exactly the records, in the same order and with the same facts, that it
//! would see reading them itself: only where the work is done changes. Each thread keeps its
//! own record, whose strings stay in its core's cache; a batch carries its records' texts one
//! after the other in one buffer, written in order on one core and read in order on the other
//! (a string per record, handed back and forth, made every record's text a cache miss on
//! each side). Batches come back to the reader to be filled again.

use super::boots::BootMark;
use super::events::{Classified, Prefilter, TextFacts};
use super::text::LineAnchors;
use super::{LogReader, LogRecord, ReadProblem, ReadStats};
use crate::model::SourceName;
use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Records per batch: enough that handing a batch over costs little per record, few enough
/// that a batch is still in the cache when the builder reads it. On the 100 MiB bench log 1,024
/// took 0.84 s wall, 1.23 s user CPU and 25 MiB; 8,192 took 0.99 s, 1.62 s and 36 MiB (both in
/// turn, hyperfine, 10 runs each); 256 was no faster.
const BATCH_RECORDS: usize = 1024;

/// Batches read ahead of the builder: room for the two threads' speeds to differ for a while
/// (the builder's work per record varies with what the records say). On the 100 MiB bench log
/// 8 took 545–548 ms and 4 took 585–602 ms (hyperfine, in turn, twice), 27 vs 25 MiB.
const BATCHES_AHEAD: usize = 8;

/// What the reader knew of a record besides the record itself.
#[derive(Default)]
pub struct RecordFacts {
    pub marked: bool,
    pub timed_by_wall: bool,
    pub anchors: Option<LineAnchors>,
    pub started_boot: Option<BootMark>,
    /// When the record starts a boot: the read problems noted so far.
    pub problems: Vec<ReadProblem>,
    pub classified: Option<Classified>,
    /// What the builder asks of the record's text, if worked out here.
    pub text: Option<TextFacts>,
}

impl RecordFacts {
    /// What `records` knows of the record it read last, and its classification and text facts
    /// if worked out.
    pub fn of_last<R: BufRead>(
        records: &LogReader<R>,
        classified: Option<Classified>,
        text: Option<TextFacts>,
    ) -> RecordFacts {
        let started_boot = records.last_started_boot();
        RecordFacts {
            marked: records.last_was_marked(),
            timed_by_wall: records.last_timed_by_wall(),
            anchors: records.last_anchors(),
            started_boot,
            problems: match started_boot {
                Some(_) => records.stats().problems.clone(),
                None => Vec::new(),
            },
            classified,
            text,
        }
    }
}

/// A record of a batch: its fields but its text (in `Batch::texts`, at `text`).
struct Item {
    record: LogRecord,
    text: std::ops::Range<usize>,
    facts: RecordFacts,
}

/// Records read, then (once, last) the reader's statistics.
struct Batch {
    items: Vec<Item>,
    /// The records' texts, one after the other.
    texts: String,
    filled: usize,
    end: Option<ReadStats>,
}

/// Moves every field of `from` but its text (and its origin's file, the same source for every
/// record of a reader) into `to`: the optional strings change places (each stays allocated).
fn move_fields_but_text(from: &mut LogRecord, to: &mut LogRecord) {
    to.origin.line = from.origin.line;
    to.time = from.time;
    to.wall = from.wall;
    to.seq = from.seq;
    to.level = from.level;
    to.facility = from.facility;
    std::mem::swap(&mut to.caller, &mut from.caller);
    std::mem::swap(&mut to.device, &mut from.device);
}

/// The builder's end of a background reader.
pub struct BackgroundRecords {
    batches: Receiver<Batch>,
    recycle: Sender<Batch>,
    current: Option<Batch>,
    next_item: usize,
    reader: Option<JoinHandle<()>>,
    stats: Option<ReadStats>,
    /// Batches sent and not yet taken by the builder.
    queued: Arc<AtomicUsize>,
}

/// Starts reading `records` on a thread of its own; gives `records` back when no thread can be
/// started (it is then read inline).
pub fn spawn<R: BufRead + Send + 'static>(
    records: LogReader<R>,
    prefilter: Prefilter,
    classify_at: ClassifyAt,
) -> Result<BackgroundRecords, Box<LogReader<R>>> {
    let (to_builder, batches) = mpsc::sync_channel(BATCHES_AHEAD);
    let (recycle, recycled) = mpsc::channel();
    // The reader is moved into the thread only once it started: a failed start gives it back.
    let (hand_reader, take_reader) = mpsc::channel::<LogReader<R>>();
    let queued = Arc::new(AtomicUsize::new(0));
    let queued_by_reader = Arc::clone(&queued);
    let started = std::thread::Builder::new()
        .name("log reader".to_string())
        .spawn(move || {
            if let Ok(records) = take_reader.recv() {
                read_batches(
                    records,
                    prefilter,
                    classify_at,
                    &to_builder,
                    &recycled,
                    &queued_by_reader,
                );
            }
        });
    match started {
        Ok(handle) => match hand_reader.send(records) {
            Ok(()) => Ok(BackgroundRecords {
                batches,
                recycle,
                current: None,
                next_item: 0,
                reader: Some(handle),
                stats: None,
                queued,
            }),
            Err(mpsc::SendError(records)) => Err(Box::new(records)),
        },
        Err(_) => Err(Box::new(records)),
    }
}

/// Which thread classifies a batch's records.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ClassifyAt {
    /// The reading thread while the builder has two batches queued, else the builder.
    Balanced,
    /// The reading thread, always (only to show, in tests, what the builder then does with
    /// records classified elsewhere: which thread it is otherwise depends on timing).
    #[cfg_attr(not(test), allow(dead_code))]
    Reader,
}

fn read_batches<R: BufRead>(
    mut records: LogReader<R>,
    prefilter: Prefilter,
    classify_at: ClassifyAt,
    to_builder: &SyncSender<Batch>,
    recycled: &Receiver<Batch>,
    queued: &AtomicUsize,
) {
    let source: SourceName = records.source().clone();
    // The reader's own record: read into, then handed over field by field.
    let mut record = LogRecord::blank(&source);
    let mut batch = loop {
        let mut batch = recycled.try_recv().unwrap_or_else(|_| Batch {
            items: Vec::with_capacity(BATCH_RECORDS),
            texts: String::new(),
            filled: 0,
            end: None,
        });
        batch.texts.clear();
        let mut filled = 0;
        let mut ended = false;
        // The reader is the slower of the two unless the builder has batches queued: then the
        // builder classifies this batch's records (the same pure function, on the other core),
        // so that neither waits on the other. Which thread classifies changes nothing else.
        // On the 100 MiB bench log (hyperfine, in turn): classifying here with one batch
        // queued or more 627 ms, two or more 559 ms, three or more 753 ms (the builder then
        // waits, and a waiting receiver spins on a core the reader needs).
        let classify_here = classify_at == ClassifyAt::Reader || queued.load(Ordering::Relaxed) > 1;
        while filled < BATCH_RECORDS {
            if !records.next_into(&mut record) {
                ended = true;
                break;
            }
            let classified =
                classify_here.then(|| Classified::of(&record, records.last_anchors(), prefilter));
            // The text is in this core's cache now: the builder need not read it for these.
            let text = Some(TextFacts::of(&record));
            let facts = RecordFacts::of_last(&records, classified, text);
            let start = batch.texts.len();
            batch.texts.push_str(&record.text);
            let text = start..batch.texts.len();
            if batch.items.len() == filled {
                batch.items.push(Item {
                    record: LogRecord::blank(&source),
                    text: 0..0,
                    facts: RecordFacts::default(),
                });
            }
            let item = &mut batch.items[filled];
            move_fields_but_text(&mut record, &mut item.record);
            item.text = text;
            item.facts = facts;
            filled += 1;
        }
        batch.filled = filled;
        if ended {
            break batch;
        }
        queued.fetch_add(1, Ordering::Relaxed);
        if to_builder.send(batch).is_err() {
            // The builder stopped taking records: it has what it wanted.
            return;
        }
    };
    batch.end = Some(records.into_stats());
    queued.fetch_add(1, Ordering::Relaxed);
    let _ = to_builder.send(batch);
}

impl BackgroundRecords {
    /// Reads the next record into `record` (reusing its strings), all but its text (see
    /// [`BackgroundRecords::last_text`]: the builder reads few records' texts), and returns
    /// what the reader knew of it; `None` at the end of the input (then
    /// [`BackgroundRecords::into_stats`]). A panic of the reading thread goes on here.
    pub fn next_but_text_into(&mut self, record: &mut LogRecord) -> Option<RecordFacts> {
        loop {
            if let Some(batch) = &mut self.current {
                if self.next_item < batch.filled {
                    let item = &mut batch.items[self.next_item];
                    self.next_item += 1;
                    move_fields_but_text(&mut item.record, record);
                    return Some(std::mem::take(&mut item.facts));
                }
                if batch.end.is_some() {
                    self.stats = batch.end.take();
                    return None;
                }
            }
            if let Some(done) = self.current.take() {
                // The reader may have stopped already: then nothing needs the batch.
                let _ = self.recycle.send(done);
            }
            match self.batches.recv() {
                Ok(batch) => {
                    self.queued.fetch_sub(1, Ordering::Relaxed);
                    self.current = Some(batch);
                    self.next_item = 0;
                }
                Err(_) => {
                    // The reading thread ended without its statistics: it panicked.
                    if let Some(Err(panic)) = self.reader.take().map(JoinHandle::join) {
                        std::panic::resume_unwind(panic);
                    }
                    return None;
                }
            }
        }
    }

    /// The text of the record `next_but_text_into` read last (empty before the first).
    pub fn last_text(&self) -> &str {
        match (&self.current, self.next_item.checked_sub(1)) {
            (Some(batch), Some(last)) => batch
                .items
                .get(last)
                .and_then(|item| batch.texts.get(item.text.clone()))
                .unwrap_or_default(),
            _ => "",
        }
    }

    /// What reading showed, once `next_but_text_into` said the input ended.
    pub fn into_stats(mut self) -> ReadStats {
        self.stats.take().unwrap_or_default()
    }
}
