//! The judge on the real QEMU captures, against what each capture's truth.json records, from
//! the whole capture and from parts of it (the device tree with the kernel log, the snapshots
//! alone, the log alone), so that every kind of proof is used: the kernel's "ignoring
//! dependency" line, log order, a snapshot.

use super::*;
use std::path::{Path, PathBuf};

const SMMU: &str = "9050000.smmuv3";
const S2: &str = "smmuv3-6.1/S2-smmu-late";
const S4: &str = "smmuv3-6.1/S4-smmu-never";
const S7: &str = "smmuv3-6.1/S7-notimeout-late";
/// The four PCI functions behind the SMMU that have a driver in the SMMUv3 captures.
const FUNCTIONS: [&str; 4] = ["0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "0000:01:00.0"];

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/qemu")
        .join(relative)
}

/// A boot read from a folder that holds some of a capture's entries, and that folder's path
/// (which the evidence names).
struct Parts {
    boot: Boot,
    root: String,
}

impl Parts {
    /// The entries of the capture that `keep` selects, linked into a fresh folder; `extra`
    /// files (name, contents) are written next to them.
    fn of(relative: &str, keep: impl Fn(&str, bool) -> bool, extra: &[(&str, String)]) -> Parts {
        let temp = tempfile::tempdir().expect("a temporary folder");
        for entry in std::fs::read_dir(fixture(relative)).expect("the capture folder") {
            let entry = entry.expect("an entry");
            let name = entry.file_name().to_string_lossy().to_string();
            if keep(&name, entry.path().is_dir()) {
                std::os::unix::fs::symlink(entry.path(), temp.path().join(&name)).expect("a link");
            }
        }
        for (name, contents) in extra {
            std::fs::write(temp.path().join(name), contents).expect("a written file");
        }
        let paths = vec![temp.path().to_path_buf()];
        let boot = crate::pipeline::boot_of_paths(&paths);
        Parts {
            boot,
            root: temp.path().display().to_string(),
        }
    }

    /// Named entries of the capture, each given as its own input path in this order (as on a
    /// command line), not as one folder.
    fn files(relative: &str, names: &[&str]) -> Parts {
        let dir = fixture(relative);
        let paths: Vec<PathBuf> = names.iter().map(|name| dir.join(name)).collect();
        let boot = crate::pipeline::boot_of_paths(&paths);
        Parts {
            boot,
            root: dir.display().to_string(),
        }
    }

    fn whole(relative: &str) -> Parts {
        Parts::of(relative, |_, _| true, &[])
    }

    /// The kernel log and the flattened device tree.
    fn log_and_dtb(relative: &str) -> Parts {
        Parts::of(
            relative,
            |name, dir| !dir && (name == "dmesg.txt" || name == "fdt.dtb"),
            &[],
        )
    }

    /// The sysfs mirrors of every snapshot (the device tree is inside them), no log.
    fn sysfs(relative: &str) -> Parts {
        Parts::of(relative, |name, dir| dir && name.starts_with("sysfs"), &[])
    }

    fn id(&self, name: &str) -> DeviceId {
        self.boot
            .find_by_name(name)
            .unwrap_or_else(|| panic!("{name} is a device of the capture"))
    }

    /// An origin as `file:line` relative to the folder.
    fn origin(&self, evidence: &Evidence) -> String {
        let origin = evidence.origin.to_string();
        origin
            .strip_prefix(&self.root)
            .map(|rest| rest.trim_start_matches('/').to_string())
            .unwrap_or(origin)
    }

    /// The one verdict for the edge consumer → IOMMU (by name).
    fn verdict(&self, consumer: &str, iommu: &str) -> EdgeVerdict {
        let (consumer, iommu) = (self.id(consumer), self.id(iommu));
        let all = judge_all(&self.boot);
        let mut matching = all
            .iter()
            .filter(|v| v.consumer == consumer && v.iommu == Some(iommu));
        let verdict = matching.next().expect("a verdict for the edge").clone();
        assert!(matching.next().is_none(), "one verdict per edge: {all:?}");
        verdict
    }

    /// The proof of a verdict as `origin text`.
    fn proof(&self, verdict: &EdgeVerdict) -> Vec<String> {
        verdict
            .proof
            .iter()
            .map(|e| format!("{} {}", self.origin(e), e.text))
            .collect()
    }
}

/// The four functions of the SMMUv3 captures and the line numbers of their "ignoring
/// dependency" lines in dmesg.txt (truth.json's `deferred_probe_timeout_lines`).
fn ignoring_lines(relative: &str) -> Vec<(&'static str, u32)> {
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(relative).join("truth.json")).expect("truth.json"),
    )
    .expect("truth.json is JSON");
    let lines = truth["deferred_probe_timeout_lines"].as_array().expect("a list");
    FUNCTIONS
        .iter()
        .map(|function| {
            let evidence = lines
                .iter()
                .find(|l| l["device"] == *function)
                .and_then(|l| l["evidence"].as_str())
                .expect("an ignoring-dependency line per function");
            let line = evidence
                .strip_prefix("dmesg.txt:")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse().ok())
                .expect("dmesg.txt:N");
            (*function, line)
        })
        .collect()
}

#[test]
fn the_kernels_ignoring_dependency_line_is_the_proof_and_the_iommus_first_line_its_arrival() {
    // S2 (truth.json): each function's "deferred probe timeout, ignoring dependency" at ~7 s;
    // the SMMU's driver bound at 12.527461 s, its first line dmesg.txt:301.
    let parts = Parts::log_and_dtb(S2);
    for (function, line) in ignoring_lines(S2) {
        let verdict = parts.verdict(function, SMMU);
        assert_eq!(
            parts.proof(&verdict),
            [format!(
                "dmesg.txt:{line} {} {function}: deferred probe timeout, ignoring dependency",
                if function == "0000:00:05.0" {
                    "pcieport"
                } else {
                    "virtio-pci"
                }
            )]
        );
        let Verdict::ProbedBefore {
            iommu_bind: Some(bind),
        } = &verdict.verdict
        else {
            panic!("{function} probed before the SMMU: {verdict:?}");
        };
        assert_eq!(parts.origin(&bind.evidence), "dmesg.txt:301");
        assert_eq!(bind.position.time(), Some(BootTime::from_secs_f64(12.527461)));
        assert_eq!(bind.basis, crate::model::BindBasis::DriverPrefixedLine);
    }
}

#[test]
fn without_the_ignoring_lines_log_order_is_the_proof() {
    // The same S2 log as a kernel that does not print "ignoring dependency" (it came with the
    // deferred-probe timeout rework, v5.x) would give it: the functions' binds at ~7 s still
    // precede the SMMU's first line, so their bind lines prove the order.
    let log = std::fs::read_to_string(fixture(S2).join("dmesg.txt")).expect("dmesg.txt");
    let without: String = log
        .lines()
        .filter(|l| !l.contains("ignoring dependency"))
        .map(|l| format!("{l}\n"))
        .collect();
    let parts = Parts::of(
        S2,
        |name, dir| !dir && name == "fdt.dtb",
        &[("dmesg.txt", without)],
    );
    for function in FUNCTIONS {
        let verdict = parts.verdict(function, SMMU);
        let bind = verdict.consumer_bind.clone().expect("the function bound");
        assert_eq!(verdict.proof, std::slice::from_ref(&bind.evidence), "{function}");
        assert!(
            bind.position.time() < Some(BootTime::from_secs_f64(12.527461)),
            "{function}: {bind:?}"
        );
        assert!(
            matches!(verdict.verdict, Verdict::ProbedBefore { iommu_bind: Some(_) }),
            "{function}: {verdict:?}"
        );
    }
}

#[test]
fn consumers_that_waited_for_the_iommu_are_behind_it_from_every_part_of_the_capture() {
    // S7 (deferred_probe_timeout=-1): the functions waited and bound behind the SMMU.
    for parts in [Parts::whole(S7), Parts::log_and_dtb(S7), Parts::sysfs(S7)] {
        for function in FUNCTIONS {
            let verdict = parts.verdict(function, SMMU);
            assert_eq!(verdict.verdict, Verdict::Behind, "{function}: {verdict:?}");
            assert_eq!(verdict.proof, []);
        }
        // The host bridge function has no driver.
        assert_eq!(parts.verdict("0000:00:00.0", SMMU).verdict, Verdict::NotBound);
    }
}

#[test]
fn a_snapshot_with_the_consumer_bound_and_the_iommu_without_a_driver_is_the_proof() {
    // S2's after-timeout snapshot: the functions bound, the SMMU without a driver; the final
    // snapshot shows it bound.
    let parts = Parts::sysfs(S2);
    for function in FUNCTIONS {
        let verdict = parts.verdict(function, SMMU);
        assert_eq!(
            parts.proof(&verdict),
            [format!(
                "sysfs-after-timeout snapshot after-timeout: {function} bound, {SMMU} without a driver"
            )]
        );
        let Verdict::ProbedBefore {
            iommu_bind: Some(bind),
        } = &verdict.verdict
        else {
            panic!("{function} probed before the SMMU: {verdict:?}");
        };
        assert_eq!(bind.basis, crate::model::BindBasis::Snapshot);
        assert_eq!(parts.origin(&bind.evidence), "sysfs");
    }
}

#[test]
fn an_iommu_that_never_bound_leaves_its_consumers_without_it() {
    // S4: the SMMU's driver never bound; the final snapshot shows it without a driver.
    let sysfs = Parts::sysfs(S4);
    for function in FUNCTIONS {
        let verdict = sysfs.verdict(function, SMMU);
        assert_eq!(
            sysfs.proof(&verdict),
            [format!(
                "sysfs snapshot final: {function} bound, {SMMU} without a driver"
            )]
        );
        let Verdict::WithoutIommu {
            unbound_at_end: Some(unbound),
        } = &verdict.verdict
        else {
            panic!("{function} bound without the SMMU: {verdict:?}");
        };
        assert_eq!(&*unbound.text, format!("snapshot final: {SMMU} has no driver"));
        // Cited by the final snapshot's own entry for the SMMU, not the capture folder.
        assert_eq!(
            sysfs.origin(unbound),
            format!("sysfs/bus/platform/devices/{SMMU}")
        );
    }
    // The whole capture: the kernel's line proves it, the final snapshot's listing (not the
    // log, not an earlier snapshot) shows the SMMU still without a driver.
    let whole = Parts::whole(S4);
    for function in FUNCTIONS {
        let verdict = whole.verdict(function, SMMU);
        assert!(
            whole.proof(&verdict)[0].ends_with(&format!(
                "{function}: deferred probe timeout, ignoring dependency"
            )),
            "{verdict:?}"
        );
        let Verdict::WithoutIommu {
            unbound_at_end: Some(unbound),
        } = &verdict.verdict
        else {
            panic!("{function} bound without the SMMU: {verdict:?}");
        };
        // The final snapshot's own file (an input, or an entry of a sysfs tree input), not
        // the capture folder.
        let file = unbound.origin.file.to_string();
        let input = whole
            .boot
            .inputs
            .iter()
            .filter(|i| i.kind != crate::model::InputKind::Directory)
            .find(|i| file == i.path || file.starts_with(&format!("{}/", i.path)))
            .expect("the evidence names an input");
        assert!(input.moment.as_deref().is_none_or(|m| m == "final"), "{input:?}");
        assert!(
            input.kind != crate::model::InputKind::KernelLog && input.kind != crate::model::InputKind::Unused,
            "{input:?}"
        );
    }
    // Loose inputs, the log first: the final snapshot's own input names the SMMU unbound, not
    // the log nor the earlier snapshot.
    let loose = Parts::files(S4, &["kmsg.txt", "sysfs-before-timeout", "sysfs"]);
    for function in FUNCTIONS {
        let verdict = loose.verdict(function, SMMU);
        let Verdict::WithoutIommu {
            unbound_at_end: Some(unbound),
        } = &verdict.verdict
        else {
            panic!("{function} bound without the SMMU: {verdict:?}");
        };
        assert_eq!(
            loose.origin(unbound),
            format!("sysfs/bus/platform/devices/{SMMU}")
        );
    }
    // The log and the device tree alone: no snapshot to show the end, and no sign of the SMMU.
    let log = Parts::log_and_dtb(S4);
    for function in FUNCTIONS {
        let verdict = log.verdict(function, SMMU);
        assert_eq!(verdict.verdict, Verdict::WithoutIommu { unbound_at_end: None });
        assert_eq!(verdict.proof.len(), 1);
    }
}

#[test]
fn without_a_device_tree_the_ignored_dependency_is_an_unnamed_iommus_and_the_order_unknown() {
    // S2's log alone: the kernel let the functions go ahead "ignoring dependency", and nothing
    // names the IOMMU.
    let parts = Parts::of(S2, |name, dir| !dir && name == "dmesg.txt", &[]);
    let verdicts = judge_all(&parts.boot);
    let mut consumers: Vec<&str> = verdicts
        .iter()
        .map(|v| parts.boot.device(v.consumer).name.as_str())
        .collect();
    consumers.sort_unstable();
    assert_eq!(consumers, FUNCTIONS);
    for verdict in &verdicts {
        assert_eq!(verdict.iommu, None);
        assert_eq!(verdict.verdict, Verdict::Unknown);
        assert!(parts.proof(verdict)[0].ends_with("deferred probe timeout, ignoring dependency"));
        assert!(depends_on_unnamed_iommu(&parts.boot, verdict.consumer));
    }
    // With the device tree the IOMMU is named: one verdict per edge, none for an unnamed one.
    let named = Parts::log_and_dtb(S2);
    assert_eq!(judge_all(&named.boot).len(), named.boot.iommu_edges.len());
    for function in FUNCTIONS {
        assert!(!depends_on_unnamed_iommu(&named.boot, named.id(function)));
    }
    // A log where nothing was ignored names no unnamed dependency.
    let waited = Parts::of(S7, |name, dir| !dir && name == "dmesg.txt", &[]);
    assert_eq!(judge_all(&waited.boot), []);
}

/// The capture's dmesg.txt without the lines that contain any of `drop`, with its device tree:
/// the log a quieter kernel (or a trimmed paste) gives of the same boot.
fn log_without(relative: &str, drop: &[&str]) -> Parts {
    let log = std::fs::read_to_string(fixture(relative).join("dmesg.txt")).expect("dmesg.txt");
    let kept: String = log
        .lines()
        .filter(|l| !drop.iter().any(|d| l.contains(d)))
        .map(|l| format!("{l}\n"))
        .collect();
    Parts::of(
        relative,
        |name, dir| !dir && name == "fdt.dtb",
        &[("dmesg.txt", kept)],
    )
}

#[test]
fn a_log_that_shows_neither_the_iommu_nor_a_group_join_leaves_the_order_unknown() {
    // S7's log without the SMMU's lines and the group joins: the functions bound, and nothing
    // tells whether the SMMU was there; no snapshot shows the end.
    let parts = log_without(S7, &["Adding to iommu group", SMMU]);
    for function in FUNCTIONS {
        let verdict = parts.verdict(function, SMMU);
        assert_eq!(verdict.verdict, Verdict::Unknown, "{function}: {verdict:?}");
    }
}

#[test]
fn an_iommus_arrival_is_read_from_its_own_consumers_group_joins_only() {
    // E1 (the SysMMU driver prints nothing): each consumer's "Adding to iommu group" shows its
    // own SysMMU bound. Without 0000:00:03.0's join nothing shows 7f050000.sysmmu bound: the
    // other SysMMUs' consumers joining earlier says nothing of it.
    let e1 = "exynos-6.12/E1-exynos-early";
    let parts = log_without(e1, &["0000:00:03.0: Adding to iommu group"]);
    assert_eq!(
        parts.verdict("0000:00:03.0", "7f050000.sysmmu").verdict,
        Verdict::Unknown
    );
    assert_eq!(
        parts.verdict("9010000.pl031", "7f010000.sysmmu").verdict,
        Verdict::Behind
    );
}

#[test]
fn a_snapshots_proof_cites_the_consumers_bind_in_that_snapshot() {
    // S5's snapshots with its log stripped of the "ignoring dependency" lines and of the
    // SMMU's lines: neither the kernel's word nor log order decides, the after-timeout
    // snapshot does, and its proof cites that snapshot (not the log's earlier "bound" lines).
    let s5 = "smmuv3-6.1/S5-verbose-late";
    let log = std::fs::read_to_string(fixture(s5).join("dmesg.txt")).expect("dmesg.txt");
    let kept: String = log
        .lines()
        .filter(|l| !l.contains("ignoring dependency") && !l.contains(SMMU))
        .map(|l| format!("{l}\n"))
        .collect();
    let parts = Parts::of(
        s5,
        |name, dir| dir && name.starts_with("sysfs"),
        &[("dmesg.txt", kept)],
    );
    for function in FUNCTIONS {
        let verdict = parts.verdict(function, SMMU);
        assert_eq!(
            parts.proof(&verdict),
            [format!(
                "sysfs-after-timeout snapshot after-timeout: {function} bound, {SMMU} without a driver"
            )],
            "{verdict:?}"
        );
    }
}

#[test]
fn a_silent_iommu_driver_without_a_snapshot_leaves_the_order_unknown() {
    // E2's log and device tree: the consumers were cut loose by the timeout; the SysMMUs bound
    // at ~11 s (the full capture's sysfs) but their driver prints nothing, so the log cannot
    // tell whether they ever bound: unknown, not "without its IOMMU".
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/exynos-6.12/E2-exynos-late");
    let paths = vec![dir.join("dmesg.txt"), dir.join("fdt.dtb")];
    let boot = crate::pipeline::boot_of_paths(&paths);
    let verdicts = judge_all(&boot);
    let ignored: Vec<&EdgeVerdict> = verdicts
        .iter()
        .filter(|v| boot.ignored_dependency(v.consumer).is_some())
        .collect();
    assert!(!ignored.is_empty());
    for verdict in ignored {
        assert_eq!(verdict.verdict, Verdict::Unknown, "{verdict:?}");
    }
}
