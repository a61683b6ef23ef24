//! Read problems reach the user: a kernel log cut short, a record broken off, a file that
//! cannot be opened. The readable rest is still analysed, and what was left out is a note of
//! the boot in the JSON report and in the table output alike.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// Runs `probescope check` with `args`; the analysis must succeed (findings or none).
fn check(args: &[&str], input: &Path) -> String {
    let output = Command::cargo_bin("probescope")
        .unwrap()
        .arg("check")
        .args(args)
        .arg(input)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Every note of every boot in a JSON report, wherever the report keeps them.
fn json_notes(report: &serde_json::Value) -> Vec<String> {
    let mut notes = Vec::new();
    match report {
        serde_json::Value::Object(fields) => {
            for (key, value) in fields {
                match (key.as_str(), value) {
                    ("notes", serde_json::Value::Array(items)) => {
                        notes.extend(items.iter().filter_map(|n| n.as_str().map(str::to_string)));
                    }
                    _ => notes.extend(json_notes(value)),
                }
            }
        }
        serde_json::Value::Array(items) => notes.extend(items.iter().flat_map(json_notes)),
        _ => {}
    }
    notes
}

/// Asserts that one note contains every part of `wanted`, in JSON and in the table output.
fn assert_noted(input: &Path, wanted: &[&str]) {
    let report: serde_json::Value = serde_json::from_str(&check(&["--format", "json"], input)).unwrap();
    let notes = json_notes(&report);
    assert!(
        notes.iter().any(|n| wanted.iter().all(|w| n.contains(w))),
        "no JSON note with {wanted:?} in {notes:#?}"
    );
    assert!(
        !notes.iter().any(|n| n.contains("expected expected")),
        "{notes:#?}"
    );
    let table = check(&["--format", "table", "--color", "never"], input);
    assert!(
        table.lines().any(|line| wanted.iter().all(|w| line.contains(w))),
        "no line with {wanted:?} in the table output:\n{table}"
    );
}

#[test]
fn a_kmsg_capture_cut_inside_a_record_is_noted_with_its_line() {
    let original = fs::read_to_string(fixture("qemu/smmuv3-6.1/S2-smmu-late/kmsg.txt")).unwrap();
    // Cut the capture inside the header of a record well into the boot, as a copy interrupted
    // while writing would be: the record's text never arrived.
    let cut_line = original.lines().count() / 2;
    let line_start: usize = original.lines().take(cut_line - 1).map(|l| l.len() + 1).sum();
    let header_end = line_start + original[line_start..].find(';').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("kmsg.txt");
    fs::write(&cut, &original[..header_end]).unwrap();

    assert_noted(&cut, &[&format!("kmsg.txt:{cut_line}"), "cut before its text"]);
}

#[test]
fn a_dmesg_json_cut_inside_an_object_is_noted() {
    let original = fs::read(fixture(
        "public/util-linux-fixture-dmesg-json-output-with-caller.txt",
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("dmesg.json");
    fs::write(&cut, &original[..original.len() * 2 / 3]).unwrap();

    assert_noted(&cut, &["dmesg.json:", "the end of a dmesg record object"]);
}

#[test]
fn an_unreadable_file_in_a_capture_folder_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        fixture("qemu/smmuv3-6.1/S2-smmu-late/kmsg.txt"),
        dir.path().join("kmsg.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("devlink.txt")).unwrap();

    assert_noted(dir.path(), &["devlink.txt", "a symlink to nothing"]);
}
