//! The journal: `journalctl -k` text (short, short-precise, short-iso, short-full,
//! short-monotonic) and `journalctl -o json` (one object per line), `reference/kernel-formats.md`
//! §3.6.
//!
//! Kernel entries (identifier `kernel`, `_TRANSPORT=kernel`) become records. Entries from user
//! space are kept only when they say a module was loaded (Android init writes to /dev/kmsg,
//! systemd-modules-load to the journal): they are records with a user facility (journald
//! files such entries as LOG_USER unless they state a facility), so `classify` reads nothing
//! else into them. Everything else from user space is skipped and counted.
//!
//! Over ~600 lines only with its tests: the code is the two journal forms' readers.

use super::lines::Lines;
use super::stamps::{clock_fields, iso_wall_clock, monotonic_stamp, month_number, parse_line, WallTime};
use super::text::clean;
use super::{LogRecord, ReadProblem, ReadStats};
use crate::error::Location;
use crate::ingest::messages::user_space_relevant;
use crate::model::{BootTime, Origin, SourceName};
use std::borrow::Cow;
use std::io::BufRead;

/// syslog facility of user processes (LOG_USER >> 3).
const USER_FACILITY: u8 = 1;

/// A `journalctl` text line read into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalLine<'a> {
    /// The kernel's time: short-monotonic lines carry it, and so do syslog lines whose message
    /// starts with the kernel's own `[ts]`.
    pub time: Option<BootTime>,
    /// The wall clock of the line (syslog and journal short forms). The short forms name no
    /// year: it is `NO_YEAR`, and the reader counts years on when the month goes back.
    pub wall: Option<WallTime>,
    /// A printk caller id the message carried (`[    T1]`).
    pub caller: Option<&'a str>,
    /// The identifier is `kernel`.
    pub kernel: bool,
    /// For kernel lines the message; for others `ident[pid]: message`.
    pub text: &'a str,
}

/// Reads one line of `journalctl` text output; `None` when it is not one.
pub fn parse_journal_line(line: &str) -> Option<JournalLine<'_>> {
    let (time, wall, rest) = journal_stamp(line)?;
    let (host, rest) = rest.split_once(' ')?;
    if host.is_empty() || host.ends_with(':') {
        return None;
    }
    let colon = rest.find(": ").or_else(|| rest.strip_suffix(':').map(str::len))?;
    let ident = &rest[..colon];
    if ident.is_empty() || ident.contains(char::is_whitespace) {
        return None;
    }
    let kernel = ident == "kernel";
    if !kernel {
        return Some(JournalLine {
            time,
            wall,
            caller: None,
            kernel,
            text: rest,
        });
    }
    // syslog daemons write the kernel's text as /proc/kmsg or the console gave it: the
    // message may start with the kernel's `[ts]`, a caller id, or both (rsyslog imklog).
    let message = rest.get(colon + 2..).unwrap_or("");
    let parsed = message.starts_with(['[', '<']).then(|| parse_line(message));
    let (time, caller, text) = match parsed {
        Some(parsed) if parsed.kernel_prefix => (time.or(parsed.time), parsed.caller, parsed.text),
        _ => (time, None, message),
    };
    Some(JournalLine {
        time,
        wall,
        caller,
        kernel,
        text,
    })
}

/// The year given to short-form stamps, which name none (a leap year, so `Feb 29` reads).
pub const NO_YEAR: i64 = 2000;

/// The time stamp at the start of a journalctl or syslog line (kernel time or wall clock)
/// and the text after it.
fn journal_stamp(line: &str) -> Option<(Option<BootTime>, Option<WallTime>, &str)> {
    // short-monotonic: "[    1.234567] host kernel: ..."
    if let Some((time, rest)) = monotonic_stamp(line) {
        return Some((Some(time), None, rest.strip_prefix(' ')?));
    }
    // short-iso / short-iso-precise / RFC 3339: "2025-11-24T10:00:03+0100 ",
    // "...T10:00:03.123456+01:00 "
    if let Some((wall, zone_given, rest)) = iso_wall_clock(line) {
        let rest = rest.strip_prefix(' ')?;
        return zone_given.then_some((None, Some(wall), rest));
    }
    let b = line.as_bytes();
    let alpha3 = |at: usize| {
        b.get(at..at + 3)
            .is_some_and(|w| w.iter().all(u8::is_ascii_alphabetic))
    };
    if !alpha3(0) || b.get(3) != Some(&b' ') {
        return None;
    }
    // short-full: "Mon 2025-11-24 10:00:03 CET host kernel: ..."
    if let Some((wall, rest)) = date_then_clock(&line[4..]) {
        let (_zone, rest) = rest.split_once(' ')?;
        return Some((None, Some(wall), rest));
    }
    // short / short-precise / RFC 3164: "Nov 24 10:00:03 host ...", "Nov  4 10:00:03.123456 host ..."
    let rest = line[4..].trim_start_matches(' ');
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&day_len) {
        return None;
    }
    let day: u32 = rest[..day_len].parse().ok()?;
    let rest = rest[day_len..].strip_prefix(' ')?;
    let clock = clock_fields(rest.get(..8)?)?;
    let rest = &rest[8..];
    let (micros, rest) = match rest.strip_prefix('.') {
        Some(frac) => {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            (parse_fraction(&frac[..digits]), &frac[digits..])
        }
        None => (0, rest),
    };
    let wall = month_number(&line[..3]).map(|month| WallTime::civil(NO_YEAR, month, day, clock, micros));
    Some((None, wall, rest.strip_prefix(' ')?))
}

/// The digits after a decimal point as microseconds.
fn parse_fraction(digits: &str) -> u32 {
    digits
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(6)
        .fold(0u32, |acc, digit| acc * 10 + u32::from(digit - b'0'))
}

/// `YYYY-MM-DD hh:mm:ss ` → the time and the rest.
fn date_then_clock(s: &str) -> Option<(WallTime, &str)> {
    let b = s.as_bytes();
    let shape = b"dddd-dd-dd ";
    if b.len() < shape.len()
        || !b.iter().zip(shape).all(|(have, want)| match want {
            b'd' => have.is_ascii_digit(),
            other => have == other,
        })
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> { s.get(from..to)?.parse().ok() };
    let clock = clock_fields(s.get(shape.len()..shape.len() + 8)?)?;
    let wall = WallTime::civil(i64::from(number(0, 4)?), number(5, 7)?, number(8, 10)?, clock, 0);
    Some((wall, s[shape.len() + 8..].strip_prefix(' ')?))
}

/// Streams records out of `journalctl` text output.
pub struct JournalTextReader<R> {
    lines: Lines<R>,
    /// The wall clock last read, and what is added to later ones: short forms name no year, so
    /// a clock that jumps back by months has passed New Year.
    last_wall: Option<WallTime>,
    years_on: i64,
    /// A `-- Boot <id> --` separator came since the last record.
    boundary: bool,
}

/// A clock going back further than this has passed New Year (short forms name no year).
const NEW_YEAR_JUMP: i64 = 180 * 86_400 * 1_000_000;
const YEAR: i64 = 365 * 86_400 * 1_000_000;

impl<R: BufRead> JournalTextReader<R> {
    pub fn new(reader: R) -> Self {
        JournalTextReader {
            lines: Lines::new(reader),
            last_wall: None,
            years_on: 0,
            boundary: false,
        }
    }

    pub fn lines(&mut self) -> &mut Lines<R> {
        &mut self.lines
    }

    /// Whether a boot separator came before the record last returned (asked once per record).
    pub fn take_boundary(&mut self) -> bool {
        std::mem::take(&mut self.boundary)
    }

    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        loop {
            let (number, raw) = self.lines.next_line()?;
            let line = clean(raw);
            let Some(parsed) = parse_journal_line(&line) else {
                // "-- Journal begins at ... --", "-- Boot 1a2b... --" (journalctl, between
                // boots: src/shared/logs-show.c, `show_journal()`), wrapped text.
                if line.starts_with("-- Boot ") && line.trim_end().ends_with(" --") {
                    self.boundary = true;
                }
                stats.skipped_lines += 1;
                continue;
            };
            if !parsed.kernel && !user_space_relevant(parsed.text) {
                stats.skipped_lines += 1;
                continue;
            }
            let wall = parsed.wall.map(|wall| {
                let wall = WallTime(wall.0 + self.years_on);
                let wall = match self.last_wall {
                    Some(last) if wall.0 + NEW_YEAR_JUMP < last.0 => {
                        self.years_on += YEAR;
                        WallTime(wall.0 + YEAR)
                    }
                    _ => wall,
                };
                self.last_wall = Some(wall);
                wall
            });
            return Some(LogRecord {
                origin: Origin::new(source, number),
                time: parsed.time,
                wall,
                seq: None,
                level: None,
                facility: Some(if parsed.kernel { 0 } else { USER_FACILITY }),
                caller: parsed.caller.map(str::to_string),
                device: None,
                text: parsed.text.to_string(),
            });
        }
    }
}

/// A journal field as `journalctl -o json` writes it: a string, an array of bytes (not valid
/// UTF-8), an array of values (the field was set more than once), or null (too large).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Field {
    Text(String),
    Bytes(Vec<u8>),
    Many(Vec<serde_json::Value>),
    /// null or anything else: no usable value.
    Other(serde::de::IgnoredAny),
}

impl Field {
    fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Field::Text(text) => Some(Cow::Borrowed(text)),
            Field::Bytes(bytes) => Some(String::from_utf8_lossy(bytes)),
            Field::Many(values) => values.iter().find_map(|v| v.as_str()).map(Cow::Borrowed),
            Field::Other(_) => None,
        }
    }

    fn number(&self) -> Option<u64> {
        self.text()?.trim().parse().ok()
    }
}

#[derive(Default, serde::Deserialize)]
struct JournalEntry {
    #[serde(rename = "MESSAGE")]
    message: Option<Field>,
    #[serde(rename = "PRIORITY")]
    priority: Option<Field>,
    #[serde(rename = "SYSLOG_FACILITY")]
    facility: Option<Field>,
    #[serde(rename = "SYSLOG_IDENTIFIER")]
    identifier: Option<Field>,
    #[serde(rename = "_TRANSPORT")]
    transport: Option<Field>,
    #[serde(rename = "_SOURCE_MONOTONIC_TIMESTAMP")]
    source_monotonic: Option<Field>,
    #[serde(rename = "__MONOTONIC_TIMESTAMP")]
    monotonic: Option<Field>,
    #[serde(rename = "_KERNEL_DEVICE")]
    kernel_device: Option<Field>,
    #[serde(rename = "_BOOT_ID")]
    boot_id: Option<Field>,
}

/// Streams records out of `journalctl -o json` (also `-o json-seq`, whose records start with
/// an RS byte, and `-o json-pretty`, whose objects span lines from a `{` line to a `}` line).
pub struct JournalJsonReader<R> {
    lines: Lines<R>,
    /// The lines of a pretty-printed object read so far, and the line it started on.
    object: Vec<u8>,
    object_line: Option<u32>,
    boots: BootIds,
}

impl<R: BufRead> JournalJsonReader<R> {
    pub fn new(reader: R) -> Self {
        JournalJsonReader {
            lines: Lines::new(reader),
            object: Vec::new(),
            object_line: None,
            boots: BootIds::default(),
        }
    }

    pub fn lines(&mut self) -> &mut Lines<R> {
        &mut self.lines
    }

    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        loop {
            let Some((number, raw)) = self.lines.next_line() else {
                if let Some(start) = self.object_line.take() {
                    stats.note(ReadProblem {
                        position: Location::Line(start),
                        message: "expected a journal entry (JSON object), found one cut short".to_string(),
                    });
                }
                return None;
            };
            let json = trim_bytes(raw);
            let (start, entry) = match (self.object_line, json) {
                (None, b"") => {
                    stats.skipped_lines += 1;
                    continue;
                }
                (None, b"{") => {
                    self.object_line = Some(number);
                    self.object.clear();
                    self.object.push(b'{');
                    continue;
                }
                (None, _) => (number, serde_json::from_slice::<JournalEntry>(json)),
                (Some(start), b"}") => {
                    self.object_line = None;
                    self.object.push(b'}');
                    (start, serde_json::from_slice::<JournalEntry>(&self.object))
                }
                (Some(_), _) => {
                    self.object.extend_from_slice(json);
                    continue;
                }
            };
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    stats.skipped_lines += 1;
                    stats.note(ReadProblem {
                        position: Location::Line(start),
                        message: format!("expected a journal entry (JSON object): {error}"),
                    });
                    continue;
                }
            };
            self.boots.see(&entry);
            match entry_record(entry, source, start) {
                Some(record) => return Some(record),
                None => stats.skipped_lines += 1,
            }
        }
    }

    /// Whether `_BOOT_ID` changed before the record last returned (asked once per record).
    pub fn take_boundary(&mut self) -> bool {
        std::mem::take(&mut self.boots.changed)
    }
}

/// The `_BOOT_ID` of the entries read so far: a new one starts a boot.
#[derive(Default)]
struct BootIds {
    current: Option<String>,
    changed: bool,
}

impl BootIds {
    fn see(&mut self, entry: &JournalEntry) {
        let Some(id) = entry.boot_id.as_ref().and_then(Field::text) else {
            return;
        };
        if self.current.as_deref() != Some(&*id) {
            self.changed |= self.current.is_some();
            self.current = Some(id.into_owned());
        }
    }
}

/// Streams records out of `journalctl -o export`: `FIELD=value` lines, entries separated by a
/// blank line (systemd `src/shared/logs-show.c`, `output_export()`). A field whose value is
/// not plain text (it holds a newline) is written in binary (name, then a 64-bit length); such
/// an entry's message is read up to its first newline and the entry is noted.
pub struct JournalExportReader<R> {
    lines: Lines<R>,
    entry: JournalEntry,
    entry_line: Option<u32>,
    boots: BootIds,
}

impl<R: BufRead> JournalExportReader<R> {
    pub fn new(reader: R) -> Self {
        JournalExportReader {
            lines: Lines::new(reader),
            entry: JournalEntry::default(),
            entry_line: None,
            boots: BootIds::default(),
        }
    }

    pub fn lines(&mut self) -> &mut Lines<R> {
        &mut self.lines
    }

    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        loop {
            let line = self.lines.next_line();
            let ended = match &line {
                None => true,
                Some((_, raw)) => trim_bytes(raw).is_empty(),
            };
            if ended {
                if let Some(start) = self.entry_line.take() {
                    let entry = std::mem::take(&mut self.entry);
                    self.boots.see(&entry);
                    match entry_record(entry, source, start) {
                        Some(record) => return Some(record),
                        None => stats.skipped_lines += 1,
                    }
                }
                line.as_ref()?;
                continue;
            }
            let (number, raw) = line?;
            let text = clean(raw);
            self.entry_line.get_or_insert(number);
            let Some((name, value)) = text.split_once('=') else {
                stats.note(ReadProblem {
                    position: Location::Line(number),
                    message: "expected a journal export field (NAME=value), found a binary field".to_string(),
                });
                continue;
            };
            let value = Some(Field::Text(value.to_string()));
            match name {
                "MESSAGE" => self.entry.message = value,
                "PRIORITY" => self.entry.priority = value,
                "SYSLOG_FACILITY" => self.entry.facility = value,
                "SYSLOG_IDENTIFIER" => self.entry.identifier = value,
                "_TRANSPORT" => self.entry.transport = value,
                "_SOURCE_MONOTONIC_TIMESTAMP" => self.entry.source_monotonic = value,
                "__MONOTONIC_TIMESTAMP" => self.entry.monotonic = value,
                "_KERNEL_DEVICE" => self.entry.kernel_device = value,
                "_BOOT_ID" => self.entry.boot_id = value,
                _ => {}
            }
        }
    }
}

impl<R: BufRead> JournalExportReader<R> {
    /// Whether `_BOOT_ID` changed before the record last returned (asked once per record).
    pub fn take_boundary(&mut self) -> bool {
        std::mem::take(&mut self.boots.changed)
    }
}

/// A line of `journalctl -o export`: a field name of capitals, digits and `_`, then `=`.
pub fn is_export_field(line: &str) -> bool {
    // Most lines a sniffer sees start with `[` or a letter of a word: no field name.
    let name_byte = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_';
    if !line.as_bytes().first().is_some_and(name_byte) {
        return false;
    }
    line.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    })
}

fn entry_record(entry: JournalEntry, source: &SourceName, number: u32) -> Option<LogRecord> {
    let message = entry.message.as_ref()?.text()?;
    let from_kernel = match entry.transport.as_ref().and_then(Field::text) {
        Some(transport) => transport == "kernel",
        None => entry
            .identifier
            .as_ref()
            .and_then(Field::text)
            .is_some_and(|ident| ident == "kernel"),
    };
    let facility = entry
        .facility
        .as_ref()
        .and_then(Field::number)
        .and_then(|f| u8::try_from(f).ok())
        .unwrap_or(if from_kernel { 0 } else { USER_FACILITY });
    // journald strips "ident: " from the text of /dev/kmsg user writes; put it back so the
    // record reads as dmesg shows it.
    let text = match (facility, entry.identifier.as_ref().and_then(Field::text)) {
        (0, _) | (_, None) => message.into_owned(),
        (_, Some(ident)) => format!("{ident}: {message}"),
    };
    if !from_kernel && !user_space_relevant(&text) {
        return None;
    }
    let time = entry
        .source_monotonic
        .as_ref()
        .or(entry.monotonic.as_ref())
        .and_then(Field::number)
        .map(BootTime);
    Some(LogRecord {
        origin: Origin::new(source, number),
        time,
        wall: None,
        seq: None,
        level: entry
            .priority
            .as_ref()
            .and_then(Field::number)
            .and_then(|p| u8::try_from(p).ok()),
        facility: Some(facility),
        caller: None,
        device: entry
            .kernel_device
            .as_ref()
            .and_then(Field::text)
            .map(Cow::into_owned),
        text,
    })
}

/// Trims ASCII white space and the RS byte of `json-seq`.
fn trim_bytes(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if first.is_ascii_whitespace() || *first == 0x1e {
            bytes = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = bytes {
        if last.is_ascii_whitespace() {
            bytes = rest;
        } else {
            break;
        }
    }
    bytes
}

/// A journal JSON object's line: it names fields only the journal writes.
pub fn looks_like_journal_entry(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('{')
        && line.contains("\"MESSAGE\"")
        && (line.contains("\"__REALTIME_TIMESTAMP\"")
            || line.contains("\"__MONOTONIC_TIMESTAMP\"")
            || line.contains("\"_TRANSPORT\"")
            || line.contains("\"__CURSOR\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journalctl_text_forms() {
        // fixtures/public/x86-amd-renoir-journalctl-full-boot-iommu-groups.txt
        assert_eq!(
            parse_journal_line(
                "Jun 29 18:28:41 hp-4300G kernel: pci 0000:00:00.2: [1022:1631] type 00 class 0x080600"
            ),
            Some(JournalLine {
                time: None,
                wall: Some(WallTime::civil(NO_YEAR, 6, 29, (18, 28, 41), 0)),
                caller: None,
                kernel: true,
                text: "pci 0000:00:00.2: [1022:1631] type 00 class 0x080600"
            })
        );
        assert_eq!(
            parse_journal_line("Jun 29 18:28:41 hp-4300G systemd[1]: Started Journal Service."),
            Some(JournalLine {
                time: None,
                wall: Some(WallTime::civil(NO_YEAR, 6, 29, (18, 28, 41), 0)),
                caller: None,
                kernel: false,
                text: "systemd[1]: Started Journal Service."
            })
        );
        // reference/kernel-formats.md §3.6
        assert_eq!(
            parse_journal_line("[    1.234567] board kernel: exynos-sysmmu 10a60000.sysmmu: x"),
            Some(JournalLine {
                time: Some(BootTime(1_234_567)),
                wall: None,
                caller: None,
                kernel: true,
                text: "exynos-sysmmu 10a60000.sysmmu: x"
            })
        );
        // kern.log by rsyslog: the kernel's own stamp and caller id in the message
        // (reference/kernel-formats.md §3.4); RFC 3339 zones are applied.
        let glued = parse_journal_line(
            "2026-11-24T10:00:01.123456+01:00 board kernel: [    1.234567][    T1] virtio-pci 0000:00:03.0: x",
        )
        .unwrap();
        assert_eq!(glued.time, Some(BootTime(1_234_567)));
        assert_eq!(glued.caller, Some("T1"));
        assert_eq!(glued.text, "virtio-pci 0000:00:03.0: x");
        assert_eq!(
            glued.wall,
            Some(WallTime::civil(2026, 11, 24, (9, 0, 1), 123_456))
        );
        let traditional = parse_journal_line("Nov  4 10:00:03 board kernel: [    2.000000] msg").unwrap();
        assert_eq!(
            (traditional.time, traditional.text),
            (Some(BootTime(2_000_000)), "msg")
        );
        // A bracket later in the message is the message's own.
        let own =
            parse_journal_line("Nov  4 10:00:03 board kernel: pci 0000:00:00.2: [    2.000000]").unwrap();
        assert_eq!((own.time, own.text), (None, "pci 0000:00:00.2: [    2.000000]"));
        for line in [
            "Nov 24 10:00:03.123456 board kernel: msg",
            "2025-11-24T10:00:03+0100 board kernel: msg",
            "2025-11-24T10:00:03.123456+01:00 board kernel: msg",
            "Mon 2025-11-24 10:00:03 CET board kernel: msg",
            "Nov  4 10:00:03 board kernel: msg",
        ] {
            let parsed = parse_journal_line(line);
            assert_eq!(parsed.map(|p| (p.kernel, p.text)), Some((true, "msg")), "{line}");
        }
        assert_eq!(
            parse_journal_line("-- Journal begins at Mon 2021-06-28 09:22:12 MST --"),
            None
        );
        assert_eq!(
            parse_journal_line("[    0.000000] Booting Linux on physical CPU 0x0"),
            None
        );
    }

    fn json_records(input: &str) -> (Vec<LogRecord>, ReadStats) {
        let source: SourceName = "journal.json".into();
        let mut reader = JournalJsonReader::new(input.as_bytes());
        let mut stats = ReadStats::default();
        let mut out = Vec::new();
        while let Some(record) = reader.next_record(&source, &mut stats) {
            out.push(record);
        }
        (out, stats)
    }

    #[test]
    fn journal_json_kernel_entries_byte_messages_and_user_space() {
        // reference/kernel-formats.md §3.6 example entry
        let input = concat!(
            r#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1763974803123456","__MONOTONIC_TIMESTAMP":"1234890","_TRANSPORT":"kernel","PRIORITY":"6","SYSLOG_FACILITY":"0","SYSLOG_IDENTIFIER":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"1234567","_KERNEL_SUBSYSTEM":"platform","_KERNEL_DEVICE":"+platform:10a60000.sysmmu","MESSAGE":"exynos-sysmmu 10a60000.sysmmu: hello"}"#,
            "\n",
            r#"{"__MONOTONIC_TIMESTAMP":"2000000","_TRANSPORT":"kernel","PRIORITY":"4","MESSAGE":[104,105,255]}"#,
            "\n",
            r#"{"__MONOTONIC_TIMESTAMP":"3000000","_TRANSPORT":"kernel","PRIORITY":"6","SYSLOG_FACILITY":"1","SYSLOG_IDENTIFIER":"init","MESSAGE":"Loaded kernel module /lib/modules/x.ko"}"#,
            "\n",
            r#"{"__MONOTONIC_TIMESTAMP":"4000000","_TRANSPORT":"stdout","SYSLOG_IDENTIFIER":"systemd","MESSAGE":"Started Journal Service."}"#,
            "\n",
            r#"{"MESSAGE": "#,
            "\n",
        );
        let (records, stats) = json_records(input);
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].time, Some(BootTime(1_234_567)));
        assert_eq!(records[0].device.as_deref(), Some("+platform:10a60000.sysmmu"));
        assert_eq!(records[0].level, Some(6));
        assert_eq!(records[0].origin.line, 1);
        assert_eq!(records[1].text, "hi\u{fffd}");
        assert_eq!(records[1].time, Some(BootTime(2_000_000)));
        assert_eq!(records[2].text, "init: Loaded kernel module /lib/modules/x.ko");
        assert_eq!(records[2].facility, Some(1));
        assert_eq!(stats.skipped_lines, 2);
        assert_eq!(stats.problems.len(), 1);
        assert_eq!(stats.problems[0].position, Location::Line(5));
    }
}
