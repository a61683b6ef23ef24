//! Line-by-line reading shared by the text parsers of sysfs dumps and listings: bounded line
//! length, lossy UTF-8 (mail pastes carry stray bytes), `\r\n` and `\n` line ends, and an I/O
//! failure in the middle (a corrupt compressed stream) reported as an input error naming the
//! line, with everything before it still delivered.

use crate::error::{InputError, Location};
use crate::model::SourceName;
use std::io::BufRead;

/// Longest line kept; the rest of a longer line is skipped (sysfs lines are short, a longer one
/// is binary junk, and keeping it whole would copy the file).
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// Calls `each(line_number, line)` for every line (1-based, line end stripped). Returns the
/// read error that stopped it, if any.
pub(crate) fn for_each_line(
    source: &SourceName,
    mut reader: impl BufRead,
    mut each: impl FnMut(u32, &str),
) -> Option<InputError> {
    let mut buf = Vec::with_capacity(256);
    let mut number: u32 = 0;
    loop {
        buf.clear();
        number = number.saturating_add(1);
        match read_bounded_line(&mut reader, &mut buf) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) => {
                return Some(
                    InputError::new(&**source, Location::Line(number), "readable text").found(e.to_string()),
                )
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

/// Reads one line into `buf` (with its `\n`), keeping at most [`MAX_LINE`] bytes and
/// discarding the rest of an overlong line. Returns the number of bytes consumed.
fn read_bounded_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut consumed = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        reader.consume(used);
        consumed += used;
        if done {
            return Ok(consumed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(bytes: &[u8]) -> Vec<(u32, String)> {
        let source: SourceName = "t".into();
        let mut out = Vec::new();
        let err = for_each_line(&source, bytes, |n, l| out.push((n, l.to_string())));
        assert!(err.is_none());
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
}
