//! Kernel-formatted text: what `info_print_prefix()` (kernel/printk/printk.c) puts on the
//! console and in the syslog(2) buffer, and what util-linux `dmesg` prints from /dev/kmsg
//! (`reference/kernel-formats.md` §3.4, §3.5, §3.7, §3.8). One physical line is one record;
//! each line's prefixes are read by `stamps`.
//!
//! A console capture also carries lines with none of this (boot loader, user space); those
//! before the first kernel line are skipped, known noise (dropped-message and cut markers) is
//! counted, and /dev/kmsg records printed on a console are read as such.

use super::lines::Lines;
use super::stamps::parse_line;
use super::{kmsg, LogRecord, ReadProblem, ReadStats};
use crate::error::Location;
use crate::model::SourceName;
use std::borrow::Cow;
use std::io::BufRead;

/// What a line holds of the anchors a reader looks for before classifying it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineAnchors {
    /// One of `messages::ANCHORS`.
    pub message: bool,
    /// One of `splat::ANCHORS`.
    pub report: bool,
    /// One of `messages::FAULT_NEEDLES`, when known (the classifier searches otherwise).
    pub fault: Option<bool>,
}

/// The groups of `Lines` a line's anchors put it in.
const MESSAGE: u8 = 1;
const REPORT: u8 = 2;
const FAULT: u8 = 4;

/// One automaton over every anchor searched for through a line (the scattered message anchors,
/// the fault literals, the report anchors) and the groups of each of its patterns: each byte of
/// a log is searched once. Built once per run.
static LINE_ANCHORS: std::sync::LazyLock<Option<(aho_corasick::AhoCorasick, Vec<u8>)>> =
    std::sync::LazyLock::new(|| {
        use crate::ingest::messages::{literal_automaton, scattered_anchors, FAULT_NEEDLES};
        let mut patterns: Vec<(&'static str, u8)> = Vec::new();
        let mut add =
            |literal: &'static str, group: u8| match patterns.iter_mut().find(|(p, _)| *p == literal) {
                Some((_, groups)) => *groups |= group,
                None => patterns.push((literal, group)),
            };
        scattered_anchors().for_each(|anchor| add(anchor, MESSAGE));
        FAULT_NEEDLES
            .iter()
            .for_each(|needle| add(needle, MESSAGE | FAULT));
        super::splat::ANCHORS
            .iter()
            .for_each(|anchor| add(anchor, REPORT));
        // A match hides any other pattern that starts where it does: patterns of which one
        // begins the other share their groups (a line is then at worst searched once more).
        let groups = patterns
            .iter()
            .map(|(pattern, own)| {
                patterns
                    .iter()
                    .filter(|(other, _)| pattern.starts_with(other) || other.starts_with(pattern))
                    .fold(*own, |groups, (_, theirs)| groups | theirs)
            })
            .collect();
        let literals: Vec<&str> = patterns.iter().map(|(pattern, _)| *pattern).collect();
        Some((literal_automaton(&literals)?, groups))
    });

/// Streams records out of kernel-formatted text.
pub struct TextReader<R> {
    lines: Lines<R>,
    /// Lines before the first kernel-prefixed one are boot loader output when the log is known
    /// to carry kernel prefixes (the sniffer saw some); they are skipped.
    skip_until_kernel_line: bool,
    last_marked: bool,
    /// A kernel line with bytes that are not UTF-8 was noted (one note says it for the log).
    undecodable_noted: bool,
    last_anchors: Option<LineAnchors>,
}

impl<R: BufRead> TextReader<R> {
    pub fn new(reader: R, expect_kernel_prefixes: bool) -> Self {
        let lines = match &*LINE_ANCHORS {
            Some((automaton, groups)) => Lines::with_anchors(reader, automaton, groups),
            None => Lines::new(reader),
        };
        TextReader {
            lines,
            last_anchors: None,
            skip_until_kernel_line: expect_kernel_prefixes,
            last_marked: false,
            undecodable_noted: false,
        }
    }

    pub fn last_marked(&self) -> bool {
        self.last_marked
    }

    /// The anchors in the record last returned, found over the whole line before it was
    /// cleaned; `None` when not known (then its text must be searched).
    pub fn last_anchors(&self) -> Option<LineAnchors> {
        self.last_anchors
    }

    pub fn lines(&mut self) -> &mut Lines<R> {
        &mut self.lines
    }

    #[cfg(test)]
    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        let mut record = LogRecord::blank(source);
        self.read_into(source, stats, &mut record).then_some(record)
    }

    /// Reads the next record into `record`, reusing its strings (a log of millions of lines
    /// allocates nothing per line); false at the end of the input.
    pub fn read_into(&mut self, source: &SourceName, stats: &mut ReadStats, record: &mut LogRecord) -> bool {
        loop {
            let Some((number, raw, groups)) = self.lines.next_line_grouped() else {
                return false;
            };
            // A blank line (a console's spacing, a bomb of newlines) is skipped before any
            // parsing: every reading below would skip it too.
            if matches!(raw, b"" | b"\r") {
                stats.skipped_lines += 1;
                continue;
            }
            let decoded = std::str::from_utf8(raw);
            let undecodable = decoded.is_err();
            let line = clean_decoded(raw, decoded);
            // Cleaning may join what escapes or NULs kept apart: such a line is searched again.
            let groups = groups.filter(|_| matches!(line, Cow::Borrowed(_)));
            self.last_anchors = groups.map(|groups| LineAnchors {
                message: groups & MESSAGE != 0,
                report: groups & REPORT != 0,
                fault: Some(groups & FAULT != 0),
            });
            if let Some(noise) = noise(&line) {
                stats.skipped_lines += 1;
                stats.dropped_messages += noise;
                continue;
            }
            // /dev/kmsg records printed on a console (`cat /dev/kmsg`) are kernel records too;
            // their dictionary lines are not.
            if let Some(header) = kmsg::parse_header(&line) {
                self.skip_until_kernel_line = false;
                self.last_marked = true;
                note_undecodable(&mut self.undecodable_noted, undecodable, number, stats);
                let text = kmsg::unescape(header.text);
                // The header's fields (numbers, a flag, `caller=`) hold no anchor: the line's are
                // the text's, unless unescaping changed the text (then it is searched again).
                self.last_anchors = match (&mut self.last_anchors, &text) {
                    (Some(anchors), Cow::Borrowed(text)) => {
                        anchors.message |= crate::ingest::messages::leads_with_anchor(text);
                        Some(*anchors)
                    }
                    _ => None,
                };
                record.set_origin(source, number);
                kmsg::fill_record(&header, &text, record);
                return true;
            }
            if kmsg::is_dictionary_line(&line) {
                stats.skipped_lines += 1;
                continue;
            }
            let parsed = parse_line(&line);
            // The buffer was searched for the scattered anchors only: the leading ones are
            // tested where the text starts.
            if let Some(anchors) = &mut self.last_anchors {
                anchors.message |= crate::ingest::messages::leads_with_anchor(parsed.text);
            }
            if !parsed.kernel_prefix && (self.skip_until_kernel_line || parsed.text.is_empty()) {
                stats.skipped_lines += 1;
                continue;
            }
            if parsed.kernel_prefix {
                self.skip_until_kernel_line = false;
                note_undecodable(&mut self.undecodable_noted, undecodable, number, stats);
            }
            self.last_marked = parsed.kernel_prefix;
            record.set_origin(source, number);
            record.time = parsed.time;
            record.wall = parsed.wall;
            record.seq = None;
            record.level = parsed.level;
            record.facility = parsed.facility;
            super::set_text(&mut record.caller, parsed.caller);
            record.device = None;
            record.text.clear();
            record.text.push_str(parsed.text);
            return true;
        }
    }
}

/// Says once per log that kernel output held bytes that are not UTF-8 (a garbled serial line,
/// a cut multi-byte character): that text is shown with U+FFFD and may not match what the
/// kernel printed. Boot loader and user space lines are not counted.
fn note_undecodable(noted: &mut bool, undecodable: bool, line: u32, stats: &mut ReadStats) {
    if undecodable && !*noted {
        *noted = true;
        stats.note(ReadProblem {
            position: Location::Line(line),
            message: "expected UTF-8 kernel text, found bytes that are not (shown as U+FFFD; \
                      later lines like it are not listed)"
                .to_string(),
        });
    }
}

/// Lines that are known noise: returns the number of messages they say were lost.
fn noise(line: &str) -> Option<u64> {
    // Every line comes here: most are ruled out by their first bytes, before trimming the end.
    let start = line.trim_start();
    if !(start.starts_with("** ") || start.starts_with("[... ")) {
        return None;
    }
    let trimmed = start.trim_end();
    // Console: "** %lu printk messages dropped **" (console_emit_next_record(), printk.c).
    if let Some(count) = trimmed
        .strip_prefix("** ")
        .and_then(|rest| rest.strip_suffix(" printk messages dropped **"))
    {
        return Some(count.trim().parse().unwrap_or(0));
    }
    // Corpus and mail cut markers: "[... cut: N lines unrelated ...]".
    if trimmed.starts_with("[... ") && trimmed.ends_with("...]") {
        return Some(0);
    }
    None
}

/// Whether `bytes` holds a carriage return, escape, NUL or backspace (what `clean` removes).
fn is_special(bytes: &[u8]) -> bool {
    memchr::memchr3(b'\r', 0x1b, 0, bytes).is_some() || memchr::memchr(0x08, bytes).is_some()
}

/// Whether `bytes` holds a byte below 0x20 (every byte `clean` removes is one): eight bytes at
/// a time with the bit trick of `haszero`, as a log line (tens of bytes, nearly never such a
/// byte) costs less that way than the four searches of `is_special`, which decide the rest.
fn has_control_byte(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let found = words
        .by_ref()
        .any(|chunk| word_has_byte_below(word_of(chunk), 0x20));
    found || words.remainder().iter().any(|&b| b < 0x20)
}

/// Eight bytes as one word (`chunk` is eight bytes long).
pub(super) fn word_of(chunk: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    u64::from_le_bytes(word)
}

/// Whether one of the eight bytes of `word` is below `bound` (at most 0x80): a byte b < bound
/// sets its high bit in (b - bound), unless b itself has it set (`& !word`); no byte at or
/// above the bound borrows, so there are no false answers.
pub(super) fn word_has_byte_below(word: u64, bound: u8) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    word.wrapping_sub(LOW * u64::from(bound)) & !word & HIGH != 0
}

/// Decodes a raw line (invalid UTF-8 becomes U+FFFD) and removes what a terminal would not
/// show: carriage returns, NUL bytes, backspaces and ANSI escape sequences.
pub fn clean(raw: &[u8]) -> Cow<'_, str> {
    clean_decoded(raw, std::str::from_utf8(raw))
}

/// `clean` for a line whose UTF-8 check was already made (`decoded`, on all of `raw`).
fn clean_decoded<'a>(raw: &'a [u8], decoded: Result<&'a str, std::str::Utf8Error>) -> Cow<'a, str> {
    // The common case of a serial capture: only the CR of a CRLF line end.
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let special = |bytes: &[u8]| has_control_byte(bytes) && is_special(bytes);
    let text = match decoded {
        // Valid UTF-8 stays valid without a final CR.
        Ok(text) => Cow::Borrowed(&text[..raw.len()]),
        Err(_) => String::from_utf8_lossy(raw),
    };
    if !special(text.as_bytes()) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\0' | '\u{8}' => {}
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte in @..~.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC: up to BEL or ESC \.
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            chars.next();
                            break;
                        }
                    }
                }
                // Character set selection: one more character.
                Some('(' | ')') => {
                    chars.next();
                }
                _ => {}
            },
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BootTime;

    #[test]
    fn every_anchor_puts_its_line_in_its_groups() {
        // What the prefilters may skip depends on these bits: an anchor whose line misses its
        // group (hidden by another pattern starting at the same place, left out of the
        // automaton) would lose messages, fault reports or splats.
        let mut expected: Vec<(String, LineAnchors)> = Vec::new();
        let anchors = |message, report, fault| LineAnchors {
            message,
            report,
            fault: Some(fault),
        };
        // The leading anchors are tested where a line's text starts, not searched through it.
        for anchor in crate::ingest::messages::scattered_anchors() {
            let fault = crate::ingest::messages::FAULT_NEEDLES.contains(&anchor);
            expected.push((
                format!("[    1.000000] x {anchor} y"),
                anchors(true, false, fault),
            ));
        }
        for anchor in super::super::splat::ANCHORS {
            expected.push((
                format!("[    1.000000] x {anchor} y"),
                anchors(false, true, false),
            ));
        }
        expected.push((
            "[    1.000000] nothing here".to_string(),
            anchors(false, false, false),
        ));
        let text: String = expected.iter().map(|(line, _)| format!("{line}\n")).collect();
        let source: SourceName = "log".into();
        let mut reader = TextReader::new(text.as_bytes(), true);
        let mut stats = ReadStats::default();
        for (line, want) in &expected {
            assert!(reader.next_record(&source, &mut stats).is_some(), "{line}");
            assert_eq!(reader.last_anchors().as_ref(), Some(want), "{line}");
        }
    }

    #[test]
    fn reader_skips_boot_loader_noise_and_reads_kmsg_lines_on_a_console() {
        let console = concat!(
            "U-Boot 2015.04\r\n",
            "[    0.000000] Booting Linux on physical CPU 0x0\r\n",
            "\x1b[0;32m  OK  \x1b[0m] Started Journal Service.\r\n",
            "** 3 printk messages dropped **\r\n",
            "[... cut: 12 lines unrelated ...]\n",
            "\n",
            "6,305,15420662,-;arm-smmu-v3 9050000.smmuv3: \\x090x0000010000000002\n",
            " SUBSYSTEM=platform\n",
            " DEVICE=+platform:9050000.smmuv3\n",
        );
        let source: SourceName = "console.log".into();
        let mut reader = TextReader::new(console.as_bytes(), true);
        let mut stats = ReadStats::default();
        let mut records = Vec::new();
        while let Some(record) = reader.next_record(&source, &mut stats) {
            records.push((record.origin.line, record.time, record.text, reader.last_marked()));
        }
        assert_eq!(
            records,
            vec![
                (
                    2,
                    Some(BootTime(0)),
                    "Booting Linux on physical CPU 0x0".to_string(),
                    true
                ),
                (3, None, "OK  ] Started Journal Service.".to_string(), false),
                (
                    7,
                    Some(BootTime(15_420_662)),
                    "arm-smmu-v3 9050000.smmuv3: \t0x0000010000000002".to_string(),
                    true
                ),
            ]
        );
        assert_eq!(stats.skipped_lines, 6);
        assert_eq!(stats.dropped_messages, 3);
    }

    #[test]
    fn undecodable_kernel_text_is_noted_once_and_still_read() {
        let console: &[u8] = b"\xff\xfeU-Boot\n\
            [    0.000000] Booting Linux\n\
            [    0.100000] serial: garbled \xc3 byte\n\
            [    0.200000] again \xff\n";
        let source: SourceName = "console.log".into();
        let mut reader = TextReader::new(console, true);
        let mut stats = ReadStats::default();
        let mut texts = Vec::new();
        while let Some(record) = reader.next_record(&source, &mut stats) {
            texts.push(record.text);
        }
        assert_eq!(texts.len(), 3);
        assert_eq!(texts[1], "serial: garbled \u{fffd} byte");
        assert_eq!(stats.problems.len(), 1, "{:?}", stats.problems);
        assert_eq!(stats.problems[0].position, Location::Line(3));
    }

    #[test]
    fn noise_is_a_drop_note_or_a_whole_cut_marker() {
        assert_eq!(noise("** 3 printk messages dropped **"), Some(3));
        assert_eq!(noise("  [... cut: 12 lines unrelated ...]  "), Some(0));
        // Half of either is a line like any other.
        assert_eq!(noise("[... a bracket left open"), None);
        assert_eq!(noise("** a note that ends like a cut ...]"), None);
        assert_eq!(
            noise("[    0.000000] Booting Linux on physical CPU 0x0 ...]"),
            None
        );
    }

    #[test]
    fn a_control_byte_is_found_wherever_it_is() {
        // Every byte value at every place of lines up to two words and a remainder long.
        for len in 1..=19 {
            for at in 0..len {
                for value in 0..=255u8 {
                    let mut line = vec![b'a'; len];
                    line[at] = value;
                    assert_eq!(has_control_byte(&line), value < 0x20, "{len} {at} {value}");
                }
            }
        }
        assert!(!has_control_byte(b""));
    }

    #[test]
    fn cleaning_removes_cr_ansi_and_nul() {
        assert_eq!(clean(b"\x1b[0;32m  OK  \x1b[0m] x\r"), "  OK  ] x");
        assert_eq!(clean(b"\0\x1b(Bab\x08c"), "abc");
        assert_eq!(clean(b"\xffok"), "\u{fffd}ok");
    }
}
