//! Which copy of the boot's kernel log is used when several are given (dmesg, dmesg -r, kmsg,
//! a console capture): each is read and one is kept, the richest format first (kmsg > journal
//! JSON > dmesg JSON > journal text > text), then the one with most records; the others are
//! listed as unused, each naming the copy in use.

use super::assemble::record;
use crate::ingest::log::LogFormat;
use crate::ingest::{BootInputs, InputInfo, InputKind, LogData};

/// How much a log format carries beyond the text: a richer one wins among copies of a boot's
/// log.
fn richness(format: LogFormat) -> u8 {
    match format {
        LogFormat::Kmsg => 4,
        LogFormat::JournalJson => 3,
        LogFormat::DmesgJson => 2,
        LogFormat::JournalText => 1,
        LogFormat::Text => 0,
    }
}

/// How a note on an unused copy of the kernel log starts.
const LOG_COPY: &str = "another copy of the boot's kernel log";

fn log_summary(data: &LogData) -> String {
    format!("{:?}, {} records", data.format, data.records)
}

/// Whether a log of `format` with `records` records is a better copy of the boot's log than
/// the one kept so far: richer format first, then more records.
fn better_log(new: (LogFormat, u64), kept: (LogFormat, u64)) -> bool {
    (richness(new.0), new.1) > (richness(kept.0), kept.1)
}

/// Keeps the best of the boot's kernel logs; every other copy is listed as unused, with a
/// note naming the one in use (rewritten when a better copy turns up later).
pub(super) fn offer_log(boot: &mut BootInputs, data: LogData) {
    let path = data.source.to_string();
    let own = log_summary(&data);
    let kept = boot.log.as_ref().map(|c| (c.format, c.records));
    if kept.is_some_and(|kept| !better_log((data.format, data.records), kept)) {
        let used = boot.log.as_ref().map(|c| (c.source.to_string(), log_summary(c)));
        let (used, used_summary) = used.unwrap_or_default();
        let note = format!("{LOG_COPY} ({own}); {used} used ({used_summary})");
        record(boot, &path, InputKind::Unused, None, Some(note));
        return;
    }
    if let Some(previous) = boot.log.take() {
        let previous = (previous.source.to_string(), log_summary(&previous));
        retire_log(&mut boot.inputs, &previous, (&path, &own));
    }
    boot.log = Some(data);
    record(boot, &path, InputKind::KernelLog, None, Some(own));
}

/// Lists the log kept so far (`previous`: path and summary) as unused, and makes every note on
/// an unused copy name the log now used.
fn retire_log(inputs: &mut [InputInfo], previous: &(String, String), used: (&str, &str)) {
    for info in inputs.iter_mut() {
        if info.path == previous.0 && info.kind == InputKind::KernelLog {
            info.kind = InputKind::Unused;
            info.note = Some(format!("{LOG_COPY} ({})", previous.1));
        }
        if let Some(note) = &mut info.note {
            if note.starts_with(LOG_COPY) {
                let head = note.split("; ").next().unwrap_or(LOG_COPY).to_string();
                *note = format!("{head}; {} used ({})", used.0, used.1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_richest_copy_of_the_kernel_log_is_kept() {
        assert!(better_log((LogFormat::Kmsg, 800), (LogFormat::Text, 900)));
        assert!(!better_log((LogFormat::Text, 1000), (LogFormat::Kmsg, 800)));
        assert!(better_log((LogFormat::Text, 1000), (LogFormat::Text, 900)));
        assert!(!better_log((LogFormat::Kmsg, 800), (LogFormat::Kmsg, 800)));
        assert!(better_log((LogFormat::JournalJson, 1), (LogFormat::DmesgJson, 9)));

        let info = |path: &str, kind: InputKind, note: Option<String>| InputInfo {
            path: path.to_string(),
            kind,
            moment: None,
            note,
        };
        let mut inputs = vec![
            info(
                "dmesg.txt",
                InputKind::KernelLog,
                Some("Text, 900 records".into()),
            ),
            info(
                "console.log",
                InputKind::Unused,
                Some(format!(
                    "{LOG_COPY} (Text, 500 records); dmesg.txt used (Text, 900 records)"
                )),
            ),
            info("devlink.txt", InputKind::Devlink, None),
        ];
        let previous = ("dmesg.txt".to_string(), "Text, 900 records".to_string());
        retire_log(&mut inputs, &previous, ("kmsg.txt", "Kmsg, 800 records"));
        assert_eq!(inputs[0].kind, InputKind::Unused);
        assert_eq!(
            inputs[0].note.as_deref(),
            Some("another copy of the boot's kernel log (Text, 900 records); kmsg.txt used (Kmsg, 800 records)")
        );
        assert_eq!(
            inputs[1].note.as_deref(),
            Some("another copy of the boot's kernel log (Text, 500 records); kmsg.txt used (Kmsg, 800 records)")
        );
        assert_eq!(inputs[2].kind, InputKind::Devlink);
    }
}
