//! Moments of one boot: snapshots taken at several times are told apart by a suffix of the
//! file or directory name, `<kind>-<moment>[.ext]` (`devlink-before-timeout.txt`,
//! `sysfs-after-timeout/`, `devices_deferred-start.txt`), and kept in order.
//!
//! The moment is the text from the first `-`-separated word that is a known moment word
//! (`start`, `boot`, `early`, `initial`, `before*`, `after*`, `final`, `end`, `last`, `t<N>`)
//! and what follows it. No suffix, `final`, `end` and `last` all mean the final
//! state. Snapshots are ordered: `start`/`boot`/`early`/`initial` < `before*` < `after*` < other
//! labels (lexical) < final. Any other suffix (a board's name) is no moment.

use crate::ingest::{BootInputs, Snapshot};

/// The moment a file or directory name carries (`devlink-before-timeout.txt` ->
/// `before-timeout`); `None` for the final state.
pub fn moment_of_name(name: &str) -> Option<String> {
    const EXTENSIONS: &[&str] = &[
        ".gz", ".xz", ".zst", ".txt", ".log", ".dtb", ".out", ".dump", ".bin",
    ];
    let mut stem = name.trim_end_matches('/');
    while let Some(shorter) = EXTENSIONS
        .iter()
        .find_map(|ext| stem.strip_suffix(ext).filter(|s| !s.is_empty()))
    {
        stem = shorter;
    }
    let words: Vec<&str> = stem.split('-').collect();
    if words.len() < 2 {
        return None;
    }
    let known = |w: &str| {
        matches!(
            w,
            "start" | "boot" | "early" | "initial" | "final" | "end" | "last"
        ) || w.starts_with("before")
            || w.starts_with("after")
            || is_time_label(w)
    };
    // Only a moment word makes a moment: any other suffix (`devices_deferred-rk3399.txt`)
    // names the board or the copy, and the file is read as the final state like any other.
    let from = (1..words.len()).find(|&i| known(words[i]))?;
    let label = words[from..].join("-");
    (!label.is_empty() && !matches!(label.as_str(), "final" | "end" | "last")).then_some(label)
}

/// `t5`, `t12s`: a snapshot labelled by when it was taken.
fn is_time_label(word: &str) -> bool {
    word.strip_prefix('t').is_some_and(|rest| {
        let digits = rest.trim_end_matches('s');
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The label a snapshot gets (`final` for the final state).
pub fn moment_label(moment: Option<&str>) -> String {
    match moment.map(str::trim) {
        None | Some("") | Some("final") | Some("end") | Some("last") => "final".to_string(),
        Some(label) => label.to_string(),
    }
}

/// Sort key of a moment label: start-ish < before* < after* < others < final.
pub fn moment_order(label: &str) -> (u8, String) {
    let first = label.split(['-', '_', '.']).next().unwrap_or(label);
    let rank = match first {
        "start" | "boot" | "early" | "initial" => 0,
        "final" | "end" | "last" => 4,
        _ if label.starts_with("before") => 1,
        _ if label.starts_with("after") => 2,
        _ => 3,
    };
    (rank, label.to_string())
}

/// The snapshot of a moment, created in order when new.
pub(super) fn snapshot_mut<'a>(boot: &'a mut BootInputs, label: &str) -> &'a mut Snapshot {
    let position = match boot.snapshots.iter().position(|s| s.label == label) {
        Some(found) => found,
        None => {
            let key = moment_order(label);
            let at = boot
                .snapshots
                .iter()
                .position(|s| moment_order(&s.label) > key)
                .unwrap_or(boot.snapshots.len());
            boot.snapshots.insert(
                at,
                Snapshot {
                    label: label.to_string(),
                    ..Snapshot::default()
                },
            );
            at
        }
    };
    &mut boot.snapshots[position]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_come_from_name_suffixes_and_sort() {
        assert_eq!(
            moment_of_name("devlink-before-timeout.txt").as_deref(),
            Some("before-timeout")
        );
        assert_eq!(
            moment_of_name("sysfs-after-timeout").as_deref(),
            Some("after-timeout")
        );
        assert_eq!(
            moment_of_name("devices_deferred-start.txt.gz").as_deref(),
            Some("start")
        );
        assert_eq!(
            moment_of_name("board-devlink-before.txt").as_deref(),
            Some("before")
        );
        assert_eq!(moment_of_name("devlink-final.txt"), None);
        assert_eq!(moment_of_name("devlink.txt"), None);
        assert_eq!(moment_of_name("sysfs"), None);
        assert_eq!(moment_of_name("devlink-t5.txt").as_deref(), Some("t5"));
        // A board or copy name is no moment: the same list whatever the file is called.
        assert_eq!(moment_of_name("devices_deferred-rk3399.txt"), None);
        assert_eq!(moment_of_name("devlink-board2.txt"), None);

        let mut labels = vec![
            "final",
            "t5",
            "after-timeout",
            "start",
            "before-timeout",
            "a-label",
        ];
        labels.sort_by_key(|l| moment_order(l));
        assert_eq!(
            labels,
            [
                "start",
                "before-timeout",
                "after-timeout",
                "a-label",
                "t5",
                "final"
            ]
        );
    }
}
