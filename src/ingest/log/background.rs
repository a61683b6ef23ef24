//! A long log's records read and classified on a thread of their own, handed to the event
//! builder in batches: reading (lines, prefixes, time stamps, boot boundaries) and classifying
//! (a pure function of each record) take about as long as building events and analysing
//! boots, so on two cores the three overlap instead of following one another.
//!
//! The builder sees exactly the records, in the same order and with the same facts, that it
//! would see reading them itself: only where the work is done changes. Batches come back to
//! the reader to be filled again, so that a record's strings are reused as when read inline.

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

struct Item {
    record: LogRecord,
    facts: RecordFacts,
}

/// Records read, then (once, last) the reader's statistics.
struct Batch {
    items: Vec<Item>,
    filled: usize,
    end: Option<ReadStats>,
}

/// The builder's end of a background reader.
pub struct BackgroundRecords {
    batches: Receiver<Batch>,
    recycle: Sender<Vec<Item>>,
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
                read_batches(records, prefilter, &to_builder, &recycled, &queued_by_reader);
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

fn read_batches<R: BufRead>(
    mut records: LogReader<R>,
    prefilter: Prefilter,
    to_builder: &SyncSender<Batch>,
    recycled: &Receiver<Vec<Item>>,
    queued: &AtomicUsize,
) {
    let source: SourceName = records.source().clone();
    let (items, filled) = loop {
        let mut items = recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_RECORDS));
        let mut filled = 0;
        let mut ended = false;
        // The reader is the slower of the two unless the builder has batches queued: then the
        // builder classifies this batch's records (the same pure function, on the other core),
        // so that neither waits on the other. Which thread classifies changes nothing else.
        // On the 100 MiB bench log (hyperfine, in turn): classifying here with one batch
        // queued or more 627 ms, two or more 559 ms, three or more 753 ms (the builder then
        // waits, and a waiting receiver spins on a core the reader needs).
        let classify_here = queued.load(Ordering::Relaxed) > 1;
        while filled < BATCH_RECORDS {
            if items.len() == filled {
                items.push(Item {
                    record: LogRecord::blank(&source),
                    facts: RecordFacts::default(),
                });
            }
            let item = &mut items[filled];
            if !records.next_into(&mut item.record) {
                ended = true;
                break;
            }
            let classified =
                classify_here.then(|| Classified::of(&item.record, records.last_anchors(), prefilter));
            // The text is in this core's cache now: the builder need not read it for these.
            let text = Some(TextFacts::of(&item.record));
            item.facts = RecordFacts::of_last(&records, classified, text);
            filled += 1;
        }
        if ended {
            break (items, filled);
        }
        queued.fetch_add(1, Ordering::Relaxed);
        if to_builder
            .send(Batch {
                items,
                filled,
                end: None,
            })
            .is_err()
        {
            // The builder stopped taking records: it has what it wanted.
            return;
        }
    };
    let end = Some(records.into_stats());
    queued.fetch_add(1, Ordering::Relaxed);
    let _ = to_builder.send(Batch { items, filled, end });
}

impl BackgroundRecords {
    /// Swaps the next record into `record` (its old strings go back to be filled again) and
    /// returns what the reader knew of it; `None` at the end of the input (then
    /// [`BackgroundRecords::into_stats`]). A panic of the reading thread goes on here.
    pub fn next_into(&mut self, record: &mut LogRecord) -> Option<RecordFacts> {
        loop {
            if let Some(batch) = &mut self.current {
                if self.next_item < batch.filled {
                    let item = &mut batch.items[self.next_item];
                    self.next_item += 1;
                    std::mem::swap(record, &mut item.record);
                    return Some(std::mem::take(&mut item.facts));
                }
                if batch.end.is_some() {
                    self.stats = batch.end.take();
                    return None;
                }
            }
            if let Some(done) = self.current.take() {
                // The reader may have stopped already: then nothing needs the batch.
                let _ = self.recycle.send(done.items);
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

    /// What reading showed, once `next_into` said the input ended.
    pub fn into_stats(mut self) -> ReadStats {
        self.stats.take().unwrap_or_default()
    }
}
