//! Kernel log ingest: every form of kernel log people hold, read as a stream of records.
//!
//! Formats (recognised by content): plain `dmesg`, `dmesg -r`, `-x`, `-T`, `--time-format iso`,
//! `/dev/kmsg` records (continuation dictionary lines, `\xNN` escapes), `journalctl -k` short /
//! short-monotonic / `-o json`, util-linux `dmesg --json`, serial-console captures (no
//! timestamps, CRLF, ANSI escapes, interleaved user space, caller ids, Samsung `[cpu:comm:pid]`).
//! See `reference/kernel-formats.md` §3.

use crate::model::{BootTime, Origin};

/// The container format of a kernel log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// `/dev/kmsg` records: `prio,seq,usec,flags[,caller=..];text` plus dictionary lines.
    Kmsg,
    /// util-linux `dmesg --json`.
    DmesgJson,
    /// `journalctl -o json` (one object per line).
    JournalJson,
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
    /// Monotonic time since boot when the format has it.
    pub time: Option<BootTime>,
    /// Sequence number (kmsg, journal) when the format has it.
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

/// Recognises a kernel log from its first bytes (already decompressed) and says which format
/// it is in; `None` when nothing there looks like a kernel log.
pub fn sniff(head: &[u8]) -> Option<LogFormat> {
    let _ = head;
    None
}

/// Reads a whole log as a stream, classifies every record and keeps the ones that say
/// something about probing. Errors only when nothing in it could be read as a kernel log.
pub fn read_log_events(
    source: crate::model::SourceName,
    reader: impl std::io::BufRead,
) -> Result<super::LogData, crate::error::InputError> {
    let _ = reader;
    Err(crate::error::InputError::new(
        &*source,
        crate::error::Position::File,
        "a kernel log",
    ))
}
