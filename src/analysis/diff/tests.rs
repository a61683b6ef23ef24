//! The device-level diff on real QEMU captures of one kernel whose SMMU driver came early,
//! late, never, or was waited for forever (each capture's truth.json), and on a capture of
//! another kernel with the driver built in.

use super::*;
use crate::analysis::graph::SupplierGraph;
use std::path::Path;

fn boot_of(relative: &str) -> Boot {
    crate::pipeline::boot_of_paths(&[Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)])
}

/// The diff of two captures at the command's default threshold (1 s).
fn diff_of(good: &str, bad: &str) -> DeviceDiff {
    let (good, bad) = (boot_of(good), boot_of(bad));
    let (good_graph, bad_graph) = (SupplierGraph::new(&good), SupplierGraph::new(&bad));
    diff(
        &Analysis::new(&good, &good_graph),
        &Analysis::new(&bad, &bad_graph),
        1.0,
    )
}

/// `file:line` of evidence, by file name only.
fn cited(evidence: &[Evidence]) -> Vec<String> {
    evidence
        .iter()
        .map(|e| {
            let file = e.origin.file.to_string();
            let name = file.rsplit('/').next().unwrap_or_default().to_string();
            format!("{name}:{}", e.origin.line)
        })
        .collect()
}

const S1: &str = "qemu/smmuv3-6.1/S1-smmu-early";
const S2: &str = "qemu/smmuv3-6.1/S2-smmu-late";
const SMMU: &str = "9050000.smmuv3";
/// The PCI functions behind the SMMU whose probe the late SMMU let go at the timeout, in the
/// order S2's log shows their "ignoring dependency" lines.
const RACED: [(&str, &str); 4] = [
    ("0000:00:05.0", "kmsg.txt:380"),
    ("0000:00:03.0", "kmsg.txt:395"),
    ("0000:00:04.0", "kmsg.txt:407"),
    ("0000:01:00.0", "kmsg.txt:413"),
];

#[test]
fn early_against_late_is_the_race_and_the_later_binds() {
    let diff = diff_of(S1, S2);
    assert!(diff.lost_binds.is_empty(), "{:?}", diff.lost_binds);
    assert!(diff.new_deferrals.is_empty(), "{:?}", diff.new_deferrals);
    assert!(diff.notes.is_empty(), "{:?}", diff.notes);
    let changes: Vec<(&str, &str, &str, Vec<String>)> = diff
        .order_changes
        .iter()
        .map(|c| {
            (
                c.consumer.as_str(),
                c.supplier.as_str(),
                c.edge.as_str(),
                cited(&c.evidence),
            )
        })
        .collect();
    let expected: Vec<(&str, &str, &str, Vec<String>)> = RACED
        .iter()
        .map(|(function, line)| (*function, SMMU, "iommu", vec![line.to_string()]))
        .collect();
    assert_eq!(changes, expected);
    // S1's first lines of each probe against S2's: the four functions and virtio0 after the
    // timeout (5 s), the SMMU when its module loaded (12.5 s).
    let slower: Vec<(&str, f64, f64, Vec<String>)> = diff
        .slower
        .iter()
        .map(|s| {
            (
                s.device.as_str(),
                s.good_seconds,
                s.bad_seconds,
                cited(&s.evidence),
            )
        })
        .collect();
    let line = |l: &str| vec![l.to_string()];
    assert_eq!(
        slower,
        [
            ("0000:00:05.0", 1.013069, 6.972297, line("kmsg.txt:380")),
            ("0000:00:03.0", 2.092564, 7.027453, line("kmsg.txt:395")),
            ("0000:00:04.0", 2.098865, 7.085698, line("kmsg.txt:407")),
            ("0000:01:00.0", 2.103824, 7.095479, line("kmsg.txt:413")),
            (SMMU, 0.998717, 12.527461, line("kmsg.txt:425")),
            ("virtio0", 2.123259, 7.039153, line("kmsg.txt:401")),
        ]
    );
    // The same boot against itself, and late against early: nothing new.
    for (good, bad) in [(S2, S2), (S2, S1)] {
        assert_eq!(diff_of(good, bad), DeviceDiff::default(), "{good} {bad}");
    }
}

#[test]
fn a_boot_that_waits_forever_loses_binds_and_defers_anew() {
    // S7 (no timeout, SMMU late) against S8 (no timeout, SMMU never): S8's final
    // devices_deferred lists the four functions (lines 1-4); the SMMU stays unbound; the
    // devices below the functions never appear.
    let diff = diff_of(
        "qemu/smmuv3-6.1/S7-notimeout-late",
        "qemu/smmuv3-6.1/S8-notimeout-never",
    );
    let lost: Vec<(&str, &str, Vec<String>)> = diff
        .lost_binds
        .iter()
        .map(|l| (l.device.as_str(), l.now, cited(&l.evidence)))
        .collect();
    let listed = |line: u32| vec![format!("devices_deferred:{line}")];
    assert_eq!(
        lost,
        [
            ("0000:00:05.0", "deferred", listed(1)),
            ("0000:00:03.0", "deferred", listed(2)),
            ("0000:00:04.0", "deferred", listed(3)),
            ("0000:01:00.0", "deferred", listed(4)),
            (SMMU, "unbound", vec![]),
            ("0000:00:05.0:pcie001", "absent", vec![]),
            ("0000:00:05.0:pcie002", "absent", vec![]),
            ("0000:00:05.0:pcie004", "absent", vec![]),
            ("virtio0", "absent", vec![]),
            ("virtio1", "absent", vec![]),
            ("virtio2", "absent", vec![]),
        ]
    );
    let deferred: Vec<(&str, Vec<String>, Vec<String>)> = diff
        .new_deferrals
        .iter()
        .map(|d| (d.device.as_str(), d.reasons.clone(), cited(&d.evidence)))
        .collect();
    let expected: Vec<(&str, Vec<String>, Vec<String>)> = RACED
        .iter()
        .map(|(function, _)| {
            (
                *function,
                vec![format!(
                    "{function} waits for its IOMMU {SMMU}: IOMMU {SMMU} exists but its driver never bound (module not loaded, or no driver matched)"
                )],
                vec!["fdt.dtb:0".to_string()],
            )
        })
        .collect();
    assert_eq!(deferred, expected);
    assert!(diff.order_changes.is_empty() && diff.slower.is_empty() && diff.notes.is_empty());
}

#[test]
fn a_bad_boot_read_from_its_log_alone_says_what_it_cannot_compare() {
    // S2's log alone prints no line for 20 of the devices S1 shows bound.
    let diff = diff_of(S1, "qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt");
    assert!(diff.lost_binds.is_empty(), "{:?}", diff.lost_binds);
    assert_eq!(
        diff.notes,
        ["20 devices bound in the good boot cannot be compared: the bad boot's evidence does not say whether they bound"]
    );
    assert_eq!(diff.slower.len(), 6, "{:?}", diff.slower);
}

#[test]
fn a_consumer_now_before_its_managed_link_supplier_is_an_order_change() {
    // D1 (fw_devlink.strict=1, SMMU built in) against S9 (strict, SMMU module after the
    // timeout): the host bridge now probes (kmsg.txt:2602) before the SMMU (kmsg.txt:2866).
    let diff = diff_of(
        "public-extra/captures/smmuv3-dt-arm64-6.12/D1-strict-builtin",
        "qemu/smmuv3-6.1/S9-strict-verbose-late",
    );
    let managed: Vec<(&str, &str, Vec<String>)> = diff
        .order_changes
        .iter()
        .filter(|c| c.edge == "managed")
        .map(|c| (c.consumer.as_str(), c.supplier.as_str(), cited(&c.evidence)))
        .collect();
    assert_eq!(
        managed,
        [(
            "4010000000.pcie",
            SMMU,
            vec!["kmsg.txt:2602".to_string(), "kmsg.txt:2866".to_string()]
        )]
    );
    assert_eq!(diff.order_changes.len(), 5, "{:?}", diff.order_changes);
}

#[test]
fn what_waits_for_the_smmu_is_its_consumers_and_the_devices_below_them() {
    let boot = boot_of(S2);
    let graph = SupplierGraph::new(&boot);
    let analysis = Analysis::new(&boot, &graph);
    let mut waiting: Vec<String> = downstream(&analysis, &[SMMU.to_string()]).into_iter().collect();
    waiting.sort();
    // Its five consumers by the device tree's iommu-map, and below them in sysfs the PCIe
    // port's services and the virtio devices.
    assert_eq!(
        waiting,
        [
            "0000:00:00.0",
            "0000:00:03.0",
            "0000:00:04.0",
            "0000:00:05.0",
            "0000:00:05.0:pcie001",
            "0000:00:05.0:pcie002",
            "0000:00:05.0:pcie004",
            "0000:00:05.0:pcie010",
            "0000:01:00.0",
            SMMU,
            "virtio0",
            "virtio1",
            "virtio2",
        ]
    );
}

/// A boot against itself at a threshold of 0 s: every bind is at the same instant, and "later
/// by more than the threshold" holds for none of them.
#[test]
fn a_boot_against_itself_at_no_threshold_has_nothing_later() {
    let boot = boot_of(S2);
    let graph = SupplierGraph::new(&boot);
    let analysis = Analysis::new(&boot, &graph);
    let diff = diff(&analysis, &analysis, 0.0);
    assert!(diff.slower.is_empty(), "{:?}", diff.slower);
    assert!(diff.order_changes.is_empty(), "{:?}", diff.order_changes);
}
