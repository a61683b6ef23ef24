//! The journal: `journalctl -k` text (short, short-precise, short-iso, short-full,
//! short-monotonic) and `journalctl -o json` (one object per line), `reference/kernel-formats.md`
//! §3.6.
//!
//! Kernel entries (identifier `kernel`, `_TRANSPORT=kernel`) become records. Entries from user
//! space are kept only when they say a module was loaded (Android init writes to /dev/kmsg,
//! systemd-modules-load to the journal): they are records with a user facility (journald
//! files such entries as LOG_USER unless they state a facility), so `classify` reads nothing
//! else into them. Everything else from user space is skipped and counted.

use super::lines::Lines;
use super::stamps::{iso_date_time, monotonic_stamp};
use super::text::clean;
use super::{LogRecord, ReadProblem, ReadStats};
use crate::error::Position;
use crate::ingest::messages::user_space_relevant;
use crate::model::{BootTime, Origin, SourceName};
use std::borrow::Cow;
use std::io::BufRead;

/// syslog facility of user processes (LOG_USER >> 3).
const USER_FACILITY: u8 = 1;

/// A `journalctl` text line read into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalLine<'a> {
    /// Only short-monotonic lines carry the kernel's time.
    pub time: Option<BootTime>,
    /// The identifier is `kernel`.
    pub kernel: bool,
    /// For kernel lines the message; for others `ident[pid]: message`.
    pub text: &'a str,
}

/// Reads one line of `journalctl` text output; `None` when it is not one.
pub fn parse_journal_line(line: &str) -> Option<JournalLine<'_>> {
    let (time, rest) = journal_stamp(line)?;
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
    let text = if kernel {
        rest.get(colon + 2..).unwrap_or("")
    } else {
        rest
    };
    Some(JournalLine { time, kernel, text })
}

/// The time stamp at the start of a journalctl line and the text after it.
fn journal_stamp(line: &str) -> Option<(Option<BootTime>, &str)> {
    // short-monotonic: "[    1.234567] host kernel: ..."
    if let Some((time, rest)) = monotonic_stamp(line) {
        return Some((Some(time), rest.strip_prefix(' ')?));
    }
    // short-iso / short-iso-precise: "2025-11-24T10:00:03+0100 ", "...T10:00:03.123456+01:00 "
    if let Some(rest) = iso_date_time(line) {
        let rest = match rest.strip_prefix(['.', ',']) {
            Some(frac) => frac.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => rest,
        };
        let (zone, rest) = rest.split_once(' ')?;
        let zone_ok = zone == "Z"
            || (zone.len() >= 3
                && zone.starts_with(['+', '-'])
                && zone[1..].bytes().all(|b| b.is_ascii_digit() || b == b':'));
        return zone_ok.then_some((None, rest));
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
    if let Some(rest) = date_then_clock(&line[4..]) {
        let (_zone, rest) = rest.split_once(' ')?;
        return Some((None, rest));
    }
    // short / short-precise: "Nov 24 10:00:03 host ...", "Nov  4 10:00:03.123456 host ..."
    let rest = line[4..].trim_start_matches(' ');
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&day_len) {
        return None;
    }
    let rest = rest[day_len..].strip_prefix(' ')?;
    let rest = clock(rest)?;
    let rest = match rest.strip_prefix('.') {
        Some(frac) => frac.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    Some((None, rest.strip_prefix(' ')?))
}

/// `YYYY-MM-DD hh:mm:ss ` → the rest.
fn date_then_clock(s: &str) -> Option<&str> {
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
    clock(&s[shape.len()..])?.strip_prefix(' ')
}

/// `hh:mm:ss` → the rest.
fn clock(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let shape = b"dd:dd:dd";
    if b.len() < shape.len()
        || !b.iter().zip(shape).all(|(have, want)| match want {
            b'd' => have.is_ascii_digit(),
            other => have == other,
        })
    {
        return None;
    }
    Some(&s[shape.len()..])
}

/// Streams records out of `journalctl` text output.
pub struct JournalTextReader<R> {
    lines: Lines<R>,
}

impl<R: BufRead> JournalTextReader<R> {
    pub fn new(reader: R) -> Self {
        JournalTextReader {
            lines: Lines::new(reader),
        }
    }

    pub fn lines(&mut self) -> &mut Lines<R> {
        &mut self.lines
    }

    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        loop {
            let (number, raw) = self.lines.next_line()?;
            let line = clean(raw);
            let Some(parsed) = parse_journal_line(&line) else {
                // "-- Journal begins at ... --", "-- Boot 1a2b... --", wrapped text.
                stats.skipped_lines += 1;
                continue;
            };
            if !parsed.kernel && !user_space_relevant(parsed.text) {
                stats.skipped_lines += 1;
                continue;
            }
            return Some(LogRecord {
                origin: Origin::new(source, number),
                time: parsed.time,
                seq: None,
                level: None,
                facility: Some(if parsed.kernel { 0 } else { USER_FACILITY }),
                caller: None,
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

#[derive(serde::Deserialize)]
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
}

/// Streams records out of `journalctl -o json` (also `-o json-seq`, whose records start with
/// an RS byte).
pub struct JournalJsonReader<R> {
    lines: Lines<R>,
}

impl<R: BufRead> JournalJsonReader<R> {
    pub fn new(reader: R) -> Self {
        JournalJsonReader {
            lines: Lines::new(reader),
        }
    }

    pub fn lines(&mut self) -> &mut Lines<R> {
        &mut self.lines
    }

    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        loop {
            let (number, raw) = self.lines.next_line()?;
            let json = trim_bytes(raw);
            if json.is_empty() {
                stats.skipped_lines += 1;
                continue;
            }
            let entry: JournalEntry = match serde_json::from_slice(json) {
                Ok(entry) => entry,
                Err(error) => {
                    stats.skipped_lines += 1;
                    stats.note(ReadProblem {
                        position: Position::Line(number),
                        message: format!("expected a journal entry (JSON object): {error}"),
                    });
                    continue;
                }
            };
            match entry_record(entry, source, number) {
                Some(record) => return Some(record),
                None => stats.skipped_lines += 1,
            }
        }
    }
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
                kernel: true,
                text: "pci 0000:00:00.2: [1022:1631] type 00 class 0x080600"
            })
        );
        assert_eq!(
            parse_journal_line("Jun 29 18:28:41 hp-4300G systemd[1]: Started Journal Service."),
            Some(JournalLine {
                time: None,
                kernel: false,
                text: "systemd[1]: Started Journal Service."
            })
        );
        // reference/kernel-formats.md §3.6
        assert_eq!(
            parse_journal_line("[    1.234567] board kernel: exynos-sysmmu 10a60000.sysmmu: x"),
            Some(JournalLine {
                time: Some(BootTime(1_234_567)),
                kernel: true,
                text: "exynos-sysmmu 10a60000.sysmmu: x"
            })
        );
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
        assert_eq!(stats.problems[0].position, Position::Line(5));
    }
}
