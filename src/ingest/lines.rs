//! Line-by-line reading shared by the text parsers of sysfs dumps and listings: bounded line
//! length, lossy UTF-8 (mail pastes carry stray bytes), `\r\n` and `\n` line ends, and an I/O
//! failure in the middle (a corrupt compressed stream) reported as an input error naming the
//! line, with everything before it still delivered.

use crate::error::{InputError, Location};
use crate::model::SourceName;
use std::io::BufRead;

/// Calls `each(line_number, line)` for every line (1-based, line end stripped). Returns the
/// lines cut at the line-bytes cap (the first named) and the read error that stopped it, if any.
pub(crate) fn for_each_line(
    source: &SourceName,
    mut reader: impl BufRead,
    mut each: impl FnMut(u32, &str),
) -> Vec<InputError> {
    let mut buf = Vec::with_capacity(256);
    let mut number: u32 = 0;
    let mut cut = LinesCut::default();
    loop {
        buf.clear();
        number = number.saturating_add(1);
        match read_bounded_line(&mut reader, &mut buf) {
            Ok((0, _)) => return cut.into_error(source).into_iter().collect(),
            Ok((_, true)) => cut.count(number),
            Ok((_, false)) => {}
            Err(e) => {
                let read =
                    InputError::new(&**source, Location::Line(number), "readable text").found(e.to_string());
                return cut.into_error(source).into_iter().chain([read]).collect();
            }
        }
        let mut end = buf.len();
        if end > 0 && buf[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && buf[end - 1] == b'\r' {
            end -= 1;
        }
        let text = String::from_utf8_lossy(&buf[..end]);
        each(number, &text);
    }
}

/// The lines cut at the line-bytes cap: how many, and the first.
#[derive(Default)]
struct LinesCut {
    first: Option<u32>,
    count: u64,
}

impl LinesCut {
    fn count(&mut self, number: u32) {
        self.first.get_or_insert(number);
        self.count += 1;
    }

    fn into_error(self, source: &SourceName) -> Option<InputError> {
        let first = self.first?;
        let cap = crate::limits::human_bytes(crate::limits::line_bytes() as u64);
        // One text, not expected/found: a `found` is quoted and cut short, and the flag must show.
        Some(InputError::new(
            &**source,
            Location::Line(first),
            format!(
                "lines of at most {cap}, the line-bytes cap, found {} longer line(s), this the first; \
                 the rest of each was skipped ({})",
                self.count,
                crate::limits::raise_hint("line-bytes")
            ),
        ))
    }
}

/// Reads one line into `buf` (with its `\n`), keeping at most the line-bytes cap
/// (`--limit line-bytes=`) and discarding the rest of an overlong line: sysfs lines are short,
/// a longer one is binary junk, and keeping it whole would copy the file. Returns the number of
/// bytes consumed, and whether text (not only the `\n`) was discarded.
fn read_bounded_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let cap = crate::limits::line_bytes();
    let mut consumed = 0;
    let mut cut = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, cut));
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        let room = cap.saturating_sub(buf.len());
        let text = chunk.len() - usize::from(done);
        cut |= text > room;
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        reader.consume(used);
        consumed += used;
        if done {
            return Ok((consumed, cut));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_LINE: usize = crate::limits::DEFAULT_LINE_BYTES as usize;

    fn collect(bytes: &[u8]) -> Vec<(u32, String)> {
        let source: SourceName = "t".into();
        let mut out = Vec::new();
        let errors = for_each_line(&source, bytes, |n, l| out.push((n, l.to_string())));
        assert!(errors.is_empty() || bytes.len() > MAX_LINE, "{errors:?}");
        out
    }

    #[test]
    fn strips_line_ends_and_numbers_lines() {
        let lines = collect(b"a\r\nb\n\nc");
        assert_eq!(
            lines,
            vec![
                (1, "a".to_string()),
                (2, "b".to_string()),
                (3, String::new()),
                (4, "c".to_string())
            ]
        );
    }

    #[test]
    fn overlong_lines_are_cut_without_shifting_line_numbers() {
        let mut bytes = vec![b'x'; MAX_LINE * 2 + 5];
        bytes.extend_from_slice(b"\nnext\n");
        let lines = collect(&bytes);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].1.len(), MAX_LINE);
        assert_eq!(lines[1], (2, "next".to_string()));
    }

    #[test]
    fn a_cut_line_is_named_with_the_cap_and_its_flag() {
        let source: SourceName = "dump.txt".into();
        let mut bytes = b"short\n".to_vec();
        // A line of exactly the cap loses only its `\n`: not cut.
        bytes.extend(vec![b'y'; MAX_LINE]);
        bytes.push(b'\n');
        assert!(for_each_line(&source, &bytes[..], |_, _| {}).is_empty());
        bytes.extend(vec![b'x'; MAX_LINE + 1]);
        bytes.extend_from_slice(b"\nlast\n");
        bytes.extend(vec![b'z'; MAX_LINE * 2]);
        let errors = for_each_line(&source, &bytes[..], |_, _| {});
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].to_string(),
            "dump.txt:3: expected lines of at most 64 KiB, the line-bytes cap, found 2 longer line(s), \
             this the first; the rest of each was skipped (raise it with --limit line-bytes=…)"
        );
    }
}
