//! util-linux `dmesg --json` (`reference/kernel-formats.md` §3.5): `{"dmesg": [ {record},
//! ... ]}`, pretty-printed or not. Read one record object at a time: a small scanner follows
//! strings and nesting, cuts out each object of the array and hands it to serde_json, so the
//! document is never held whole.

use super::stamps::parse_seconds;
use super::{LogRecord, ReadProblem, ReadStats};
use crate::error::Location;
use crate::model::{BootTime, Origin, SourceName};
use std::io::{self, BufRead};

const LEVELS: [&str; 8] = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];
const FACILITIES: [&str; 12] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
];

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(serde_json::Number),
    Text(String),
}

#[derive(serde::Deserialize)]
struct DmesgEntry {
    pri: Option<NumberOrText>,
    fac: Option<String>,
    time: Option<NumberOrText>,
    caller: Option<String>,
    msg: Option<String>,
}

struct Capture {
    bytes: Vec<u8>,
    line: u32,
    overflow: bool,
}

/// Streams records out of `dmesg --json`.
pub struct DmesgJsonReader<R> {
    reader: R,
    /// Line of the byte being scanned (1-based).
    line: u32,
    /// Open containers, `{` or `[`.
    stack: Vec<u8>,
    in_string: bool,
    escaped: bool,
    capture: Option<Capture>,
    done: bool,
    consumed: u64,
    error: Option<io::Error>,
    /// Largest record object kept (`--limit json-object-bytes=`), read when the reader is made.
    max_object: usize,
}

impl<R: BufRead> DmesgJsonReader<R> {
    pub fn new(reader: R) -> Self {
        DmesgJsonReader {
            reader,
            line: 1,
            stack: Vec::new(),
            in_string: false,
            escaped: false,
            capture: None,
            done: false,
            consumed: 0,
            error: None,
            max_object: usize::try_from(crate::limits::current().json_object_bytes).unwrap_or(usize::MAX),
        }
    }

    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    pub fn next_record(&mut self, source: &SourceName, stats: &mut ReadStats) -> Option<LogRecord> {
        while let Some(capture) = self.next_object() {
            if capture.overflow {
                stats.note(ReadProblem {
                    position: Location::Line(capture.line),
                    message: format!(
                        "expected a dmesg --json record object of at most {}, the json-object-bytes cap, found a longer one; it was skipped ({})",
                        crate::limits::human_bytes(self.max_object as u64),
                        crate::limits::raise_hint("json-object-bytes")
                    ),
                });
                continue;
            }
            match serde_json::from_slice::<DmesgEntry>(&capture.bytes) {
                Ok(entry) => {
                    if let Some(record) = entry_record(entry, source, capture.line) {
                        return Some(record);
                    }
                    stats.skipped_lines += 1;
                }
                Err(error) => {
                    stats.skipped_lines += 1;
                    stats.note(ReadProblem {
                        position: Location::Line(capture.line),
                        message: format!("expected a dmesg record object: {error}"),
                    });
                }
            }
        }
        if let Some(cut) = self.capture.take() {
            stats.note(ReadProblem {
                position: Location::Line(cut.line),
                message: "expected the end of a dmesg record object, found the end of the input".to_string(),
            });
        }
        None
    }

    /// Scans to the end of the next record object of the array.
    fn next_object(&mut self) -> Option<Capture> {
        while !self.done {
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
            let mut finished = None;
            let mut used = available.len();
            for (i, &byte) in available.iter().enumerate() {
                if let Some(capture) = self.capture.as_mut() {
                    if capture.bytes.len() < self.max_object {
                        capture.bytes.push(byte);
                    } else {
                        capture.overflow = true;
                    }
                }
                if byte == b'\n' {
                    self.line = self.line.saturating_add(1);
                }
                if self.in_string {
                    if self.escaped {
                        self.escaped = false;
                    } else if byte == b'\\' {
                        self.escaped = true;
                    } else if byte == b'"' {
                        self.in_string = false;
                    }
                    continue;
                }
                match byte {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => {
                        // A record is an object directly inside the top-level array or the
                        // array that is the value of the top-level object.
                        let record_start =
                            byte == b'{' && (self.stack.as_slice() == b"{[" || self.stack.as_slice() == b"[");
                        if record_start {
                            self.capture = Some(Capture {
                                bytes: vec![b'{'],
                                line: self.line,
                                overflow: false,
                            });
                        }
                        self.stack.push(byte);
                    }
                    b'}' | b']' => {
                        self.stack.pop();
                        let closes_record =
                            byte == b'}' && (self.stack.as_slice() == b"{[" || self.stack.as_slice() == b"[");
                        if closes_record {
                            if let Some(capture) = self.capture.take() {
                                finished = Some(capture);
                                used = i + 1;
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            self.reader.consume(used);
            self.consumed += used as u64;
            if finished.is_some() {
                return finished;
            }
        }
        None
    }
}

fn entry_record(entry: DmesgEntry, source: &SourceName, line: u32) -> Option<LogRecord> {
    let text = entry.msg?;
    let (mut level, mut facility) = (None, None);
    match entry.pri {
        Some(NumberOrText::Number(pri)) => {
            if let Some(pri) = pri.as_u64() {
                level = Some((pri & 7) as u8);
                facility = u8::try_from(pri >> 3).ok();
            }
        }
        // `dmesg --json -x`: "fac": "kern", "pri": "info".
        Some(NumberOrText::Text(name)) => {
            level = LEVELS
                .iter()
                .position(|l| *l == name)
                .and_then(|l| u8::try_from(l).ok());
        }
        None => {}
    }
    if let Some(fac) = entry.fac {
        facility = FACILITIES
            .iter()
            .position(|f| *f == fac)
            .and_then(|f| u8::try_from(f).ok());
    }
    let time = match entry.time {
        Some(NumberOrText::Number(secs)) => {
            parse_seconds(&secs.to_string()).or_else(|| secs.as_f64().map(BootTime::from_secs_f64))
        }
        Some(NumberOrText::Text(secs)) => parse_seconds(secs.trim()),
        None => None,
    };
    Some(LogRecord {
        origin: Origin::new(source, line),
        time,
        wall: None,
        seq: None,
        level,
        facility,
        caller: entry.caller,
        device: None,
        text: text.strip_suffix('\n').unwrap_or(&text).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &str) -> (Vec<LogRecord>, ReadStats) {
        let source: SourceName = "dmesg.json".into();
        let mut reader = DmesgJsonReader::new(input.as_bytes());
        let mut stats = ReadStats::default();
        let mut out = Vec::new();
        while let Some(record) = reader.next_record(&source, &mut stats) {
            out.push(record);
        }
        (out, stats)
    }

    #[test]
    fn pretty_printed_records_with_padded_time() {
        // fixtures/public/util-linux-fixture-dmesg-json-output-with-caller.txt (first record)
        let input = "{\n   \"dmesg\": [\n      {\n         \"pri\": 0,\n         \"time\":     0.000000,\n         \"caller\": \"T1\",\n         \"msg\": \"Linux version 6.6.4-arch1-1 {x} [y]\"\n      },{\n         \"pri\": 30,\n         \"time\":   207.987439,\n         \"msg\": \"a\\\"b\\n\"\n      }\n   ]\n}\n";
        let (records, stats) = records(input);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].origin.line, 3);
        assert_eq!(records[0].time, Some(BootTime(0)));
        assert_eq!(records[0].caller.as_deref(), Some("T1"));
        assert_eq!(records[0].text, "Linux version 6.6.4-arch1-1 {x} [y]");
        assert_eq!(records[1].time, Some(BootTime(207_987_439)));
        assert_eq!((records[1].facility, records[1].level), (Some(3), Some(6)));
        assert_eq!(records[1].text, "a\"b");
        assert!(stats.problems.is_empty());
    }

    #[test]
    fn decoded_priorities_and_compact_form() {
        let (records, _) = records(r#"{"dmesg":[{"fac":"user","pri":"notice","time":"  1.5","msg":"x"}]}"#);
        assert_eq!(records.len(), 1);
        assert_eq!((records[0].facility, records[0].level), (Some(1), Some(5)));
        assert_eq!(records[0].time, Some(BootTime(1_500_000)));
    }

    #[test]
    fn a_document_cut_mid_object_keeps_what_came_before() {
        let (records, stats) =
            records("{\"dmesg\": [\n{\"pri\": 6, \"time\": 1.0, \"msg\": \"one\"},\n{\"pri\": 6, \"ti");
        assert_eq!(records.len(), 1);
        assert_eq!(stats.problems.len(), 1);
        assert_eq!(stats.problems[0].position, Location::Line(3));
    }
}
