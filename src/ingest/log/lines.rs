//! Physical lines of an input, with their 1-based numbers, cut out of one large buffer that is
//! refilled as it empties: a line is returned as a slice of that buffer (no copy, no
//! allocation), and the input is read in `BUFFER_SIZE` pieces whatever reader it comes from
//! (a file, stdin, a decompressor). Lines longer than the line-bytes cap (`--limit
//! line-bytes=`, 64 KiB by default) are cut (the rest of the line is read and dropped, and
//! counted for a note), so a file without newlines (binary junk) never ends up in memory whole.

use aho_corasick::AhoCorasick;
use std::io::{self, BufRead, ErrorKind};
use std::ops::Range;

/// Longest line kept by default; the kernel's own records are at most 1 KiB
/// (`PRINTK_MESSAGE_MAX`), a journal JSON line a few KiB. The reader takes the run's cap
/// (`crate::limits::line_bytes()`, `--limit line-bytes=`) when it is made; the tests use this
/// default.
#[cfg(test)]
pub const MAX_LINE: usize = crate::limits::DEFAULT_LINE_BYTES as usize;

/// How much is read at once: large reads keep the syscalls (and a decompressor's calls) per
/// line negligible. Not a mapping of the file: mapped pages would count in the peak RSS.
const BUFFER_SIZE: usize = 256 * 1024;

pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    /// `buf[start..end]` holds the bytes read and not yet returned.
    start: usize,
    end: usize,
    /// The reader has no more (end of input or a read error).
    exhausted: bool,
    /// The line last returned was cut at `max_line`: the rest of it is still to be dropped.
    dropping_rest: bool,
    /// Number of the line last returned (0 before the first).
    number: u32,
    /// Bytes read so far.
    consumed: u64,
    done: bool,
    error: Option<io::Error>,
    /// The line-bytes cap, read once when the reader is made.
    max_line: usize,
    /// Lines cut at the line-bytes cap: the first one's number and how many.
    cut: Option<(u32, u64)>,
    /// The anchor automaton searched over the buffer, many lines at a time (see
    /// `with_anchors`).
    scanner: Option<Scanner>,
    /// `buf[..complete_end]` ends with a newline: anchors are searched for up to there.
    complete_end: usize,
    /// The groups of the anchors found in the line last returned, one bit each (`None`:
    /// not searched).
    last_groups: Option<u8>,
}

/// The automaton searched over the buffer, the groups of each of its patterns, and where it
/// found its next match.
struct Scanner {
    automaton: &'static AhoCorasick,
    /// By pattern: the groups (one bit each) a match of it puts its line in.
    groups: &'static [u8],
    /// Where the last search found a match and that match's groups; `None`: none from where
    /// it started up to `scanned_to`. Both are cleared when the buffer moves.
    next_match: Option<(usize, u8)>,
    scanned_to: usize,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Lines {
            reader,
            buf: Vec::new(),
            start: 0,
            end: 0,
            exhausted: false,
            dropping_rest: false,
            number: 0,
            consumed: 0,
            done: false,
            error: None,
            // No line is longer than the input may be: the buffer that holds one stays within
            // what the run allows to be read.
            max_line: crate::limits::line_bytes()
                .min(usize::try_from(crate::limits::current().input_bytes).unwrap_or(usize::MAX))
                .min(isize::MAX as usize / 2),
            cut: None,
            scanner: None,
            complete_end: 0,
            last_groups: None,
        }
    }

    /// Lines that also say which groups of anchors they hold: `automaton` is searched over
    /// many lines at once, so that a line without a match costs nothing more, and a match of
    /// pattern `p` puts the line in `groups[p]` (a bit per group). One search for every group:
    /// each byte is searched once. Searches are fastest with a leftmost-first automaton (its
    /// prefilter is a SIMD substring search); a line is searched on after each match in it, so
    /// that a match starting later in the line counts too (one starting at the same place as
    /// an earlier-listed pattern does not: give such patterns each other's groups).
    pub fn with_anchors(reader: R, automaton: &'static AhoCorasick, groups: &'static [u8]) -> Self {
        let mut lines = Lines::new(reader);
        lines.scanner = Some(Scanner {
            automaton,
            groups,
            next_match: None,
            scanned_to: 0,
        });
        lines
    }

    fn groups_in(&mut self, line: Range<usize>) -> Option<u8> {
        let scanner = self.scanner.as_mut()?;
        // Anchors hold no newline: a search over whole lines finds each within its line.
        let until = self.complete_end.max(line.end);
        let mut groups = 0;
        let mut from = line.start;
        loop {
            let stale = match scanner.next_match {
                Some((at, _)) => at < from,
                None => scanner.scanned_to < line.end,
            };
            if stale {
                scanner.next_match = scanner.automaton.find(&self.buf[from..until]).map(|found| {
                    let pattern_groups = scanner.groups.get(found.pattern().as_usize()).copied();
                    // A pattern without groups given is in every group: never a line missed.
                    (from + found.start(), pattern_groups.unwrap_or(u8::MAX))
                });
                scanner.scanned_to = until;
            }
            match scanner.next_match {
                Some((at, found)) if at < line.end => {
                    groups |= found;
                    // Searched on from just after where this match starts.
                    from = at + 1;
                    scanner.next_match = None;
                    scanner.scanned_to = 0;
                }
                _ => return Some(groups),
            }
        }
    }

    /// The next line's number (1-based) and bytes without its `\n` (a `\r` before it stays),
    /// or `None` at the end of the input or after a read error (kept for `take_error`).
    pub fn next_line(&mut self) -> Option<(u32, &[u8])> {
        self.next_line_grouped().map(|(number, line, _)| (number, line))
    }

    /// `next_line` with a bit set of the `with_anchors` automata that match in the line (bit
    /// i: the i-th); `None` when it was not searched (no automata, or a line cut at the cap
    /// or without a final newline).
    pub fn next_line_grouped(&mut self) -> Option<(u32, &[u8], Option<u8>)> {
        if self.done {
            return None;
        }
        let range = loop {
            let pending = &self.buf[self.start..self.end];
            if let Some(newline) = memchr::memchr(b'\n', pending) {
                let line = self.start..self.start + newline;
                self.start += newline + 1;
                self.consumed += newline as u64 + 1;
                if std::mem::take(&mut self.dropping_rest) {
                    continue;
                }
                if line.len() > self.max_line {
                    // Longer than the cap but whole in the buffer: cut here.
                    self.count_cut();
                    self.last_groups = None;
                } else {
                    self.last_groups = self.groups_in(line.clone());
                }
                break line;
            }
            if self.dropping_rest {
                // Still inside a cut line: what is pending is the middle of it.
                self.consumed += pending.len() as u64;
                self.start = self.end;
            } else if pending.len() > self.max_line {
                // More than the cap and no newline: the line is longer than the cap.
                let line = self.start..self.start + self.max_line;
                self.consumed += pending.len() as u64;
                self.count_cut();
                self.start = self.end;
                self.dropping_rest = true;
                self.last_groups = None;
                break line;
            }
            if self.exhausted {
                self.done = true;
                let rest = self.start..self.end;
                if rest.is_empty() || self.dropping_rest {
                    return None;
                }
                self.consumed += rest.len() as u64;
                self.start = self.end;
                self.last_groups = None;
                break rest;
            }
            self.refill();
        };
        self.number = self.number.saturating_add(1);
        let line = &self.buf[range];
        Some((
            self.number,
            &line[..line.len().min(self.max_line)],
            self.last_groups,
        ))
    }

    /// Counts the line about to be returned as cut at the cap.
    fn count_cut(&mut self) {
        let number = self.number.saturating_add(1);
        self.cut.get_or_insert((number, 0)).1 += 1;
    }

    /// Moves the pending bytes to the front of the buffer and reads more after them.
    fn refill(&mut self) {
        if self.buf.is_empty() {
            // Room for a whole line of the cap and the byte that shows it is longer.
            self.buf = vec![0; BUFFER_SIZE.max(self.max_line.saturating_add(2))];
        }
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if let Some(scanner) = &mut self.scanner {
            scanner.next_match = None;
            scanner.scanned_to = 0;
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => self.exhausted = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    self.exhausted = true;
                }
            }
            break;
        }
        self.complete_end = memchr::memrchr(b'\n', &self.buf[..self.end]).map_or(0, |at| at + 1);
    }

    /// Byte offset just after the line last returned.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The lines cut at the line-bytes cap so far: the first one's number and how many (taken
    /// once).
    pub fn take_cut(&mut self) -> Option<(u32, u64)> {
        self.cut.take()
    }

    /// The read error that ended the input early, if any.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<(u32, Vec<u8>)> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some((number, line)) = lines.next_line() {
            out.push((number, line.to_vec()));
        }
        out
    }

    #[test]
    fn numbers_lines_and_keeps_a_last_line_without_newline() {
        assert_eq!(
            collect(b"a\r\n\nb"),
            vec![(1, b"a\r".to_vec()), (2, b"".to_vec()), (3, b"b".to_vec())]
        );
        assert_eq!(collect(b""), vec![]);
    }

    #[test]
    fn cuts_overlong_lines() {
        let mut input = vec![b'x'; MAX_LINE * 3];
        input.extend_from_slice(b"\nnext\n");
        let lines = collect(&input);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].1.len(), MAX_LINE);
        assert_eq!(lines[1], (2, b"next".to_vec()));
        let mut reader = Lines::new(&input[..]);
        while reader.next_line().is_some() {}
        assert_eq!(reader.take_cut(), Some((1, 1)));
        let exact = [vec![b'y'; MAX_LINE], b"\n".to_vec()].concat();
        let mut reader = Lines::new(&exact[..]);
        while reader.next_line().is_some() {}
        assert_eq!(reader.take_cut(), None, "a line of exactly the cap is whole");
    }

    #[test]
    fn anchors_are_found_in_their_lines_across_refills() {
        static AUTOMATON: std::sync::OnceLock<AhoCorasick> = std::sync::OnceLock::new();
        let automaton = AUTOMATON.get_or_init(|| {
            AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(["probe of ", "FAULT", "BUG: "])
                .unwrap()
        });
        // Two groups: messages (bit 0) and reports (bit 1).
        const GROUPS: &[u8] = &[1, 1, 2];
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for n in 0..30_000u32 {
            let (text, groups) = match n % 7 {
                0 => ("probe of 0000:00:03.0 returned 0", 1),
                3 => ("a PAGE FAULT and a BUG: both", 3),
                5 => ("BUG: at the start", 2),
                6 => ("FAULT, then a probe of it, then the BUG: last", 3),
                _ => ("nothing to see here", 0),
            };
            let line = format!("[{n:>8}] {text}{}", " ".repeat(n as usize % 13));
            input.extend_from_slice(line.as_bytes());
            input.push(b'\n');
            expected.push(groups);
        }
        let mut lines = Lines::with_anchors(io::BufReader::new(Trickle(&input)), automaton, GROUPS);
        let mut found = Vec::new();
        while let Some((_, _, groups)) = lines.next_line_grouped() {
            found.push(groups.expect("searched"));
        }
        assert_eq!(found, expected);
    }

    /// Hands out its bytes a few at a time, as a pipe or a decompressor may.
    struct Trickle<'a>(&'a [u8]);

    impl io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(4093);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_across_refills_come_out_whole() {
        // Several buffers' worth, lines of varied length crossing every refill.
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for n in 0..40_000u32 {
            let line = format!("[{n:>6}] {}", "x".repeat((n as usize * 7) % 61));
            input.extend_from_slice(line.as_bytes());
            input.push(b'\n');
            expected.push((n + 1, line.into_bytes()));
        }
        assert!(input.len() > 3 * BUFFER_SIZE);
        assert_eq!(collect(&input), expected);
        let mut lines = Lines::new(io::BufReader::new(Trickle(&input)));
        let mut count = 0;
        while let Some((number, line)) = lines.next_line() {
            assert_eq!((number, line), (expected[count].0, &expected[count].1[..]));
            count += 1;
        }
        assert_eq!(count, expected.len());
        assert_eq!(lines.consumed(), input.len() as u64);
    }
}
