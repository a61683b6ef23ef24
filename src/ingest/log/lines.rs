//! Physical lines of an input, read one at a time into a reused buffer, with their 1-based
//! numbers. Lines longer than the line-bytes cap (`--limit line-bytes=`, 64 KiB by default) are
//! cut (the rest of the line is read and dropped, and counted for a note), so a file without
//! newlines (binary junk) never ends up in memory whole.

use std::io::{self, BufRead};

/// Longest line kept by default; the kernel's own records are at most 1 KiB
/// (`PRINTK_MESSAGE_MAX`), a journal JSON line a few KiB. The reader looks the run's cap up per
/// line (`crate::limits::line_bytes()`, `--limit line-bytes=`); the tests use this default.
#[cfg(test)]
pub const MAX_LINE: usize = crate::limits::DEFAULT_LINE_BYTES as usize;

pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    /// Number of the line last returned (0 before the first).
    number: u32,
    /// Bytes read so far.
    consumed: u64,
    done: bool,
    error: Option<io::Error>,
    /// Lines cut at the line-bytes cap: the first one's number and how many.
    cut: Option<(u32, u64)>,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Lines {
            reader,
            buf: Vec::with_capacity(1024),
            number: 0,
            consumed: 0,
            done: false,
            error: None,
            cut: None,
        }
    }

    /// The next line's number (1-based) and bytes without its `\n` (a `\r` before it stays),
    /// or `None` at the end of the input or after a read error (kept for `take_error`).
    pub fn next_line(&mut self) -> Option<(u32, &[u8])> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let mut read_any = false;
        let mut ended = false;
        let mut cut_this = false;
        while !ended {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                    break;
                }
            };
            if available.is_empty() {
                self.done = true;
                break;
            }
            read_any = true;
            let (used, taken) = match memchr::memchr(b'\n', available) {
                Some(newline) => {
                    ended = true;
                    (newline + 1, &available[..newline])
                }
                None => (available.len(), available),
            };
            let room = crate::limits::line_bytes().saturating_sub(self.buf.len());
            if taken.len() > room && !cut_this {
                cut_this = true;
                let number = self.number.saturating_add(1);
                let (_, count) = self.cut.get_or_insert((number, 0));
                *count += 1;
            }
            self.buf.extend_from_slice(&taken[..taken.len().min(room)]);
            self.reader.consume(used);
            self.consumed += used as u64;
        }
        if !read_any {
            return None;
        }
        self.number = self.number.saturating_add(1);
        Some((self.number, &self.buf))
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
}
