//! Streams one kernel log (any format, possibly compressed) through the log reader and prints
//! what it found. Used by `benches/log_throughput.sh`.
//!
//! ```text
//! parse_log FILE             read_log_events: keep every event, print the counts
//! parse_log FILE --events    ... and print every event with its origin
//! parse_log FILE --stream    LogReader + classify only: count messages, keep nothing
//! ```

use probescope::ingest::log::{read_log_events, LogReader};
use probescope::ingest::messages::classify;
use probescope::ingest::open::open_input;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(path) = args.next().map(PathBuf::from) else {
        eprintln!("usage: parse_log FILE [--events | --stream]");
        return ExitCode::from(2);
    };
    let mode = args.next().map(|a| a.to_string_lossy().into_owned());
    let reader = match open_input(&path) {
        Ok(reader) => reader,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let source = path.display().to_string().into();
    if mode.as_deref() == Some("--stream") {
        let records = match LogReader::open(source, reader) {
            Ok(records) => records,
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::from(1);
            }
        };
        let format = records.format();
        let (mut count, mut messages) = (0u64, 0u64);
        for record in records {
            count += 1;
            messages += classify(&record).len() as u64;
        }
        println!("format={format:?} records={count} messages={messages}");
        return ExitCode::SUCCESS;
    }
    match read_log_events(source, reader) {
        Ok(log) => {
            if mode.as_deref() == Some("--events") {
                for event in &log.events {
                    println!("{}\t{:?}", event.origin, event.message);
                }
            }
            println!(
                "format={:?} records={} timed={} skipped={} events={} problems={}",
                log.format,
                log.records,
                log.timed_records,
                log.skipped_lines,
                log.events.len(),
                log.problems.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(1)
        }
    }
}
