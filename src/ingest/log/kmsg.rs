//! `/dev/kmsg` records (`reference/kernel-formats.md` §3.3): `prio,seq,usec,flag[,...];text`
//! followed by dictionary lines ` KEY=value`, with bytes < 0x20, >= 0x7f and `\` escaped as
//! `\xNN` (kernel/printk/printk.c, `info_print_ext_header()` / `msg_add_ext_text()`). Some
//! readers put a NUL between records (util-linux's test input does).

use super::lines::Lines;
use super::text::clean;
use super::{LogRecord, ReadProblem, ReadStats};
use crate::error::Location;
use crate::model::{BootTime, Origin, SourceName};
use std::borrow::Cow;
use std::io::BufRead;

/// The header of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsgHeader<'a> {
    pub prio: u32,
    pub seq: u64,
    pub usec: u64,
    pub caller: Option<&'a str>,
    /// Still escaped.
    pub text: &'a str,
}

/// Reads a record header line; `None` when the line is not one.
pub fn parse_header(line: &str) -> Option<KmsgHeader<'_>> {
    // The priority comes first: a line that does not start with a digit is no header, and
    // is not searched for a `;` (most lines of a console log).
    if !line.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let semicolon = memchr::memchr(b';', line.as_bytes())?;
    let (fields, text) = (&line[..semicolon], &line[semicolon + 1..]);
    // Split by hand: `str::split(',')` cost more than the rest of a record's reading.
    let mut rest = Some(fields);
    let mut next_field = || {
        let field = rest.take()?;
        match memchr::memchr(b',', field.as_bytes()) {
            Some(comma) => {
                rest = Some(&field[comma + 1..]);
                Some(&field[..comma])
            }
            None => Some(field),
        }
    };
    let number = |t: Option<&str>| -> Option<u64> {
        let t = t?;
        if t.is_empty() || t.len() > 20 {
            return None;
        }
        t.bytes().try_fold(0u64, |value, b| {
            let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
            value.checked_mul(10)?.checked_add(u64::from(digit))
        })
    };
    let prio = u32::try_from(number(next_field())?).ok()?;
    let seq = number(next_field())?;
    let usec = number(next_field())?;
    // The flag: '-', 'c', or (before 4.9) '+'; a reader may drop it.
    match next_field() {
        None => {}
        Some(flag) if flag.len() <= 1 && flag.bytes().all(|b| matches!(b, b'-' | b'c' | b'+')) => {}
        Some(_) => return None,
    }
    // Further fields: "caller=T123" (CONFIG_PRINTK_CALLER), vendor additions; opaque.
    let caller = std::iter::from_fn(next_field).find_map(|field| field.strip_prefix("caller="));
    Some(KmsgHeader {
        prio,
        seq,
        usec,
        caller,
        text,
    })
}

/// ` SUBSYSTEM=platform`, ` DEVICE=+platform:...`: a dictionary line of a record.
pub fn is_dictionary_line(line: &str) -> bool {
    line.strip_prefix(' ').is_some_and(|rest| {
        rest.split_once('=').is_some_and(|(key, _)| {
            !key.is_empty() && key.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        })
    })
}

/// The record a header line starts, without its dictionary.
pub fn header_record(header: &KmsgHeader<'_>, origin: Origin) -> LogRecord {
    let mut record = LogRecord::blank(&origin.file);
    record.origin = origin;
    fill_record(header, &unescape(header.text), &mut record);
    record
}

/// Sets every field of `record` but its origin from a header and its unescaped `text`, reusing
/// the record's strings (a reader that keeps one record from line to line allocates nothing).
pub fn fill_record(header: &KmsgHeader<'_>, text: &str, record: &mut LogRecord) {
    record.time = Some(BootTime(header.usec));
    record.wall = None;
    record.seq = Some(header.seq);
    record.level = Some((header.prio & 7) as u8);
    record.facility = u8::try_from(header.prio >> 3).ok();
    super::set_text(&mut record.caller, header.caller);
    record.device = None;
    record.text.clear();
    record.text.push_str(text);
}

/// Undoes the kernel's `\xNN` escaping (invalid UTF-8 in the result becomes U+FFFD).
pub fn unescape(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\\', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            let hex = bytes.get(i + 2..i + 4).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(value);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Streams records out of /dev/kmsg text.
pub struct KmsgReader<R> {
    lines: Lines<R>,
    /// The record being read; returned when the next header (or the end) shows it is complete.
    pending: Option<LogRecord>,
}

impl<R: BufRead> KmsgReader<R> {
    pub fn new(reader: R) -> Self {
        KmsgReader {
            lines: Lines::new(reader),
            pending: None,
        }
    }

    pub fn lines(&mut self) -> &mut Lines<R> {
        &mut self.lines
    }

    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        loop {
            let Some((number, raw)) = self.lines.next_line() else {
                return self.pending.take();
            };
            let line = clean_record_line(raw);
            if let Some(dictionary) = line.strip_prefix(' ') {
                match self.pending.as_mut() {
                    Some(record) => {
                        if let Some(device) = dictionary.strip_prefix("DEVICE=") {
                            record.device = Some(unescape(device).into_owned());
                        }
                    }
                    None => stats.skipped_lines += 1,
                }
                continue;
            }
            let Some(header) = parse_header(&line) else {
                if !line.trim().is_empty() {
                    stats.skipped_lines += 1;
                    if line.contains(',') && !line.contains(';') && parse_truncated(&line) {
                        stats.note(ReadProblem {
                            position: Location::Line(number),
                            message: "expected a /dev/kmsg record `prio,seq,usec,flag;text`, \
                                      found a record cut before its text"
                                .to_string(),
                        });
                    }
                }
                continue;
            };
            let record = header_record(&header, Origin::new(source, number));
            if let Some(done) = self.pending.replace(record) {
                return Some(done);
            }
        }
    }
}

/// A record line: decoded, without the NUL a reader may have put between records and
/// without a trailing CR.
fn clean_record_line(raw: &[u8]) -> Cow<'_, str> {
    let start = raw.iter().take_while(|&&b| b == 0).count();
    let raw = &raw[start..];
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if raw.contains(&0x1b) || raw.contains(&0) {
        clean(raw)
    } else {
        String::from_utf8_lossy(raw)
    }
}

/// `prio,seq,usec...` without `;`: a record whose text was cut off.
fn parse_truncated(line: &str) -> bool {
    let mut parts = line.split(',');
    let numeric = |t: Option<&str>| t.is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header grammar as `str::split` reads it: the reference `parse_header` must match.
    fn reference(line: &str) -> Option<(u32, u64, u64, Option<&str>, &str)> {
        if !line.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (fields, text) = line.split_once(';')?;
        let mut parts = fields.split(',');
        let number = |t: Option<&str>| -> Option<u64> {
            let t = t?;
            if t.is_empty() || t.len() > 20 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse().ok()
        };
        let prio = u32::try_from(number(parts.next())?).ok()?;
        let seq = number(parts.next())?;
        let usec = number(parts.next())?;
        match parts.next() {
            None => {}
            Some(flag) if flag.len() <= 1 && flag.bytes().all(|b| matches!(b, b'-' | b'c' | b'+')) => {}
            Some(_) => return None,
        }
        let caller = parts.find_map(|field| field.strip_prefix("caller="));
        Some((prio, seq, usec, caller, text))
    }

    #[test]
    fn headers_read_as_the_split_grammar_reads_them() {
        let lines = [
            "6,305,15420662,-;arm-smmu-v3 9050000.smmuv3: probe",
            "6,305,15420662;no flag",
            "6,305,15420662,;empty flag",
            "6,305,15420662,c,caller=T1;with caller",
            "6,305,15420662,-,vendor=x,caller=C0;caller after another field",
            "6,305,15420662,-,;trailing comma",
            "6,305,15420662,x;bad flag",
            "6,305,15420662,--;long flag",
            "6,,15420662,-;empty sequence",
            "6,305;too few fields",
            "4294967296,1,1,-;priority past u32",
            "1,18446744073709551615,1,-;largest u64",
            "1,18446744073709551616,1,-;past u64",
            "1,123456789012345678901,1,-;21 digits",
            "1,3a,1,-;not a number",
            "6,305,15420662,-",
            "6 ,305,1,-;space",
            "x,1,1,-;letter first",
        ];
        for line in lines {
            let parsed = parse_header(line).map(|h| (h.prio, h.seq, h.usec, h.caller, h.text));
            assert_eq!(parsed, reference(line), "{line}");
        }
    }

    fn records(input: &[u8]) -> (Vec<LogRecord>, ReadStats) {
        let source: SourceName = "kmsg.txt".into();
        let mut reader = KmsgReader::new(input);
        let mut stats = ReadStats::default();
        let mut out = Vec::new();
        while let Some(record) = reader.next_record(&source, &mut stats) {
            out.push(record);
        }
        (out, stats)
    }

    #[test]
    fn headers_with_and_without_caller() {
        // fixtures/public/util-linux-fixture-dev-kmsg-records-caller-id.txt
        let header = parse_header("1,1,1,-,caller=T2;Command line: initrd=\\x5cucode.img").unwrap();
        assert_eq!((header.prio, header.seq, header.usec), (1, 1, 1));
        assert_eq!(header.caller, Some("T2"));
        assert_eq!(unescape(header.text), "Command line: initrd=\\ucode.img");
        // fixtures/qemu/smmuv3-6.1/S2-smmu-late/kmsg.txt
        assert_eq!(
            parse_header(
                "4,281,6972297,-;pcieport 0000:00:05.0: deferred probe timeout, ignoring dependency"
            )
            .map(|h| (h.prio, h.seq, h.usec, h.text)),
            Some((
                4,
                281,
                6_972_297,
                "pcieport 0000:00:05.0: deferred probe timeout, ignoring dependency"
            ))
        );
        assert_eq!(parse_header("hello; world"), None);
        assert_eq!(parse_header("6,1,2,x;text"), None);
    }

    #[test]
    fn dictionary_lines_escapes_and_nul_separators() {
        // fixtures/qemu/smmuv3-6.1/S2-smmu-late/kmsg.txt:436-439
        let input = b"6,305,15420662,-;arm-smmu-v3 9050000.smmuv3: event 0x02 received:\n SUBSYSTEM=platform\n DEVICE=+platform:9050000.smmuv3\n\x006,306,15420894,-;arm-smmu-v3 9050000.smmuv3: \\x090x0000010000000002\n";
        let (records, stats) = records(input);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].device.as_deref(), Some("+platform:9050000.smmuv3"));
        assert_eq!(records[0].seq, Some(305));
        assert_eq!(records[0].time, Some(BootTime(15_420_662)));
        assert_eq!(
            records[1].text,
            "arm-smmu-v3 9050000.smmuv3: \t0x0000010000000002"
        );
        assert_eq!(records[1].origin.line, 4);
        assert_eq!(stats.skipped_lines, 0);
    }

    #[test]
    fn truncated_record_is_a_problem_not_a_panic() {
        let (records, stats) = records(b"6,1,2,-;first\n6,2,3");
        assert_eq!(records.len(), 1);
        assert_eq!(stats.problems.len(), 1);
        assert_eq!(stats.problems[0].position, Location::Line(2));
    }

    #[test]
    fn escaped_newline_and_utf8() {
        assert_eq!(unescape("a\\x0ab"), "a\nb");
        assert_eq!(unescape("\\xc3\\xa9t\\xc3\\xa9"), "été");
        assert_eq!(unescape("bad \\xZZ and \\x"), "bad \\xZZ and \\x");
    }
}
