//! A boot's kernel log left unread by `gather`, for a caller that analyses it boot by boot as
//! it streams (`check` on a log of many boots): everything else of the boot is read, the log is
//! opened here, and what `gather` says about a log it read is said once it ended.
//!
//! Only a boot with one copy of its kernel log is read this way: choosing among copies
//! (`log_choice`) needs each one read to its end.

use super::assemble::{finish, ingest_log, unreadable, PendingNote};
use super::log_choice::name_used_copy;
use super::plan::{Planned, Source};
use crate::error::InputError;
use crate::ingest::log::{self, LogBoots, LogReader, Sniffed};
use crate::ingest::open::open_input;
use crate::ingest::{BootInputs, LogData};
use std::io::BufRead;

/// The boot's one kernel log, planned and not read (see the module documentation).
pub struct DeferredLog {
    pub(super) planned: Planned,
    pub(super) pending_notes: Vec<PendingNote>,
}

/// The log's boots as they end.
pub type StreamedLog = LogBoots<Sniffed<Box<dyn BufRead + Send>>>;

impl DeferredLog {
    /// The name the log is cited by.
    pub fn display(&self) -> &str {
        &self.planned.display
    }

    /// Opens the log to read its boots as they end; `Err` when it cannot be opened or its head
    /// read (say it with [`DeferredLog::finish`]).
    pub fn open(&mut self) -> Result<StreamedLog, Unopened> {
        let source = std::mem::replace(
            &mut self.planned.source,
            Source::Reader(Box::new(std::io::empty())),
        );
        let reader = match source {
            Source::Path(path) | Source::Tree(path, _) => {
                open_input(&path).map_err(|error| Unopened::Unreadable(error.to_string()))?
            }
            Source::Reader(reader) => reader,
        };
        let name = self.planned.display.as_str().into();
        let records =
            LogReader::open_sniffed(name, reader, self.planned.log_head).map_err(Unopened::NotALog)?;
        Ok(log::stream_boots_threaded(records))
    }

    /// Ends `gather` for the boot now that its log was read: `read` is the log as a whole
    /// ([`LogBoots::whole`]), or why it could not be read. The boot's notes of what is missing
    /// are written here, as `gather` writes them.
    pub fn finish(self, boot: &mut BootInputs, read: Result<LogData, Unopened>) {
        let display = self.planned.display;
        match read {
            Ok(data) => ingest_log(boot, display.as_str().into(), Ok(data)),
            Err(Unopened::NotALog(error)) => ingest_log(boot, display.as_str().into(), Err(error)),
            Err(Unopened::Unreadable(why)) => unreadable(boot, &display, &why),
        }
        name_used_copy(boot);
        finish(boot, self.pending_notes);
    }
}

/// Why a deferred log gave no boots.
#[derive(Debug)]
pub enum Unopened {
    /// It could not be opened.
    Unreadable(String),
    /// Nothing in it reads as a kernel log.
    NotALog(InputError),
}
