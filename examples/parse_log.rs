//! Streams one kernel log (any format, possibly compressed) through `read_log_events` and
//! prints what it found: `parse_log FILE [--events]`. Used by `benches/log_throughput.sh`.

use probescope::ingest::log::read_log_events;
use probescope::ingest::open::open_input;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(path) = args.next().map(PathBuf::from) else {
        eprintln!("usage: parse_log FILE [--events]");
        return ExitCode::from(2);
    };
    let show_events = args.next().is_some_and(|a| a == "--events");
    let reader = match open_input(&path) {
        Ok(reader) => reader,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    match read_log_events(path.display().to_string().into(), reader) {
        Ok(log) => {
            if show_events {
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
