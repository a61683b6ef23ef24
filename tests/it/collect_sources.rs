//! One sysfs, three sources: a capture's sysfs read as a folder (what `check` does with a
//! copy), the same tree read as the local system below a root (what `collect` does), and the
//! same tree as the SSH collection script reports it (`collect.sh` run by `sh` here, no SSH
//! needed) all give the same typed snapshot: the readers are written once, over the sources.

use crate::support::collect::{fixture, open_temp_dir, root_from_capture};
use probescope::collect::local::LocalTarget;
use probescope::collect::script::{render, ScriptParams};
use probescope::collect::wire::{split_frames, RemoteTree};
use probescope::ingest::sysfs::{read_sysfs, SysfsFolder, SysfsRead};
use std::process::{Command, Stdio};

/// One QEMU capture with a sysfs mirror per kernel and IOMMU family (the script source runs a
/// process per file, so not every capture).
fn captures() -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for family in std::fs::read_dir(fixture("qemu")).unwrap() {
        let family = family.unwrap().path();
        if !family.is_dir() {
            continue;
        }
        let mut members: Vec<_> = std::fs::read_dir(&family)
            .unwrap()
            .map(|capture| capture.unwrap().path())
            .filter(|capture| capture.join("sysfs").is_dir() && capture.join("kmsg.txt").is_file())
            .collect();
        members.sort();
        found.extend(members.into_iter().next());
    }
    found.sort();
    found
}

/// What a read gives, as text (the device tree has no equality of its own).
fn summary(read: &SysfsRead) -> String {
    format!(
        "{:#?}\nmissing {:?}\nnotes {:?}\nerrors {:?}\nacpi {:?}\ndt {:?}",
        read.snapshot, read.missing, read.notes, read.errors, read.acpi_tables, read.device_tree,
    )
}

/// The script's answers for the tree below `root`, as the SSH transport would get them.
fn script_tree(root: &std::path::Path) -> RemoteTree {
    let boundary = "@@probescope-0123456789abcdef0123456789abcdef";
    let script = render(&ScriptParams {
        boundary,
        root: Some(root.to_str().unwrap()),
        mount_debugfs: false,
        windows: &[],
    });
    let mut child = Command::new("sh")
        .arg("-s")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), script.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let frames = split_frames(&output.stdout, boundary);
    let (tree, outcome) = RemoteTree::from_frames(&frames);
    assert!(outcome.ended, "{outcome:?}");
    tree
}

#[test]
fn folder_local_and_script_sources_give_identical_snapshots() {
    let captures = captures();
    assert!(captures.len() >= 6, "{captures:?}");
    for capture in captures {
        let work = open_temp_dir();
        let root = root_from_capture(&capture, work.path());
        // The folder source names paths as the target does, so origins compare too.
        let folder = read_sysfs(&mut SysfsFolder::new(&capture.join("sysfs"), "/sys"));
        let local = read_sysfs(&mut LocalTarget::new(Some(root.clone())));
        let script = read_sysfs(&mut script_tree(&root));
        assert!(
            folder.snapshot.devices.as_ref().is_some_and(|d| !d.is_empty()),
            "{capture:?}"
        );
        assert_eq!(summary(&local), summary(&folder), "{capture:?}: local vs folder");
        assert_eq!(
            summary(&script),
            summary(&folder),
            "{capture:?}: script vs folder"
        );
    }
}
