//! `probescope diff` end to end on the QEMU corpus: an early-load and a late-load capture of the
//! same kernel differ by the IOMMU race and nothing else that counts; a boot compared with
//! itself, or with the same script's next boot, differs in nothing; bad input exits 2.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/qemu")
        .join(name)
}

fn diff_json(args: &[&Path], extra: &[&str]) -> (Value, i32) {
    let output = Command::cargo_bin("probescope")
        .expect("binary built")
        .arg("diff")
        .args(args)
        .args(extra)
        .arg("--format=json")
        .output()
        .expect("runs");
    crate::support::schema::valid_output("diff", &output)
}

fn is_empty(value: &Value) -> bool {
    value.as_array().is_some_and(Vec::is_empty)
}

#[test]
fn early_against_late_names_the_race_as_new_and_nothing_else() {
    for (early, late) in [
        ("smmuv3-6.1/S1-smmu-early", "smmuv3-6.1/S2-smmu-late"),
        ("exynos-6.12/E1-exynos-early", "exynos-6.12/E2-exynos-late"),
        (
            "virtio-iommu-arm64-6.12/V1-viommu-early",
            "virtio-iommu-arm64-6.12/V2-viommu-late",
        ),
    ] {
        let (diff, code) = diff_json(&[&scenario(early), &scenario(late)], &[]);
        let new = diff["new_findings"].as_array().expect("new_findings");
        assert!(new.iter().any(|f| f["code"] == "PS101"), "{late}: {new:?}");
        for finding in new {
            assert_eq!(finding["race"], true, "{late}: not the race: {finding}");
        }
        let raced: Vec<&str> = new
            .iter()
            .filter(|f| f["code"] == "PS101")
            .map(|f| f["subject"].as_str().expect("subject"))
            .collect();
        for key in ["cleared_findings", "lost_binds", "new_deferrals"] {
            assert!(is_empty(&diff[key]), "{late}: {key}: {}", diff[key]);
        }
        for change in diff["order_changes"].as_array().expect("order_changes") {
            assert_eq!(change["edge"], "iommu", "{late}: {change}");
            assert!(
                raced.contains(&change["consumer"].as_str().expect("consumer")),
                "{late}: {change}"
            );
        }
        // Every bind that came later waits for the race's devices.
        for slower in diff["slower"].as_array().expect("slower") {
            assert!(
                !is_empty(&slower["explained_by"]),
                "{late}: unexplained: {slower}"
            );
        }
        assert_eq!(code, 1, "{late}: the race is a regression");
        assert_eq!(diff["exit_code"], 1);
    }
}

#[test]
fn a_boot_against_itself_is_empty() {
    for name in [
        "smmuv3-6.1/S2-smmu-late",
        "smmuv3-6.1/S8-notimeout-never",
        "exynos-6.12/E2-exynos-late",
        "virtio-iommu-q35-6.12/Q2-viommu-late",
    ] {
        let dir = scenario(name);
        let (diff, code) = diff_json(&[&dir, &dir], &[]);
        for key in [
            "new_findings",
            "cleared_findings",
            "lost_binds",
            "new_deferrals",
            "order_changes",
            "slower",
        ] {
            assert!(is_empty(&diff[key]), "{name}: {key}: {}", diff[key]);
        }
        assert_eq!((diff["regressions"].as_u64(), code), (Some(0), 0), "{name}");
    }
}

#[test]
fn two_boots_of_one_log_are_picked_with_boot() {
    // V5's console holds two boots of the same early-load script.
    let console = scenario("virtio-iommu-arm64-6.12/V5-two-boots/console.log");
    let (diff, code) = diff_json(&[&console], &["--boot", "1", "--boot", "2"]);
    assert!(diff["good"].as_str().expect("good").ends_with("console.log#1"));
    assert!(diff["bad"].as_str().expect("bad").ends_with("console.log#2"));
    assert_eq!((diff["regressions"].as_u64(), code), (Some(0), 0), "{diff}");
}

#[test]
fn a_late_boot_against_an_early_one_clears_the_race() {
    let (diff, code) = diff_json(
        &[
            &scenario("smmuv3-6.1/S2-smmu-late"),
            &scenario("smmuv3-6.1/S1-smmu-early"),
        ],
        &[],
    );
    assert!(diff["cleared_findings"]
        .as_array()
        .expect("cleared")
        .iter()
        .any(|f| f["code"] == "PS101"));
    assert!(is_empty(&diff["new_findings"]), "{}", diff["new_findings"]);
    assert_eq!(code, 0, "{diff}");
}

#[test]
fn bad_input_exits_2() {
    let console = scenario("virtio-iommu-arm64-6.12/V5-two-boots/console.log");
    for args in [vec!["--boot", "7", "--boot", "1"], vec![]] {
        Command::cargo_bin("probescope")
            .expect("binary built")
            .arg("diff")
            .arg(&console)
            .args(&args)
            .assert()
            .code(2);
    }
    Command::cargo_bin("probescope")
        .expect("binary built")
        .arg("diff")
        .arg(scenario("no-such-capture"))
        .arg(scenario("smmuv3-6.1/S2-smmu-late"))
        .assert()
        .code(2);
}

/// Copies the capture folder `from` to `to`, giving device `old` the name `new` everywhere the
/// capture names it (log records, sysfs listings, file and link names of the sysfs mirror): the
/// same boot as a kernel that names the device otherwise would show it (an ACPI-enumerated
/// platform device is `DRIVER.N.auto`, a DT one `UNITADDRESS.NODE`), on the same firmware node.
fn copy_renamed(from: &Path, to: &Path, old: &str, new: &str) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let source = entry.path();
        let name = entry.file_name().to_string_lossy().replace(old, new);
        let target = to.join(name);
        let kind = entry.file_type().expect("file type");
        if kind.is_symlink() {
            let link = std::fs::read_link(&source).expect("read_link");
            let link = link.to_string_lossy().replace(old, new);
            std::os::unix::fs::symlink(link, &target).expect("symlink");
        } else if kind.is_dir() {
            copy_renamed(&source, &target, old, new);
        } else {
            let bytes = std::fs::read(&source).expect("read");
            let bytes = match String::from_utf8(bytes) {
                Ok(text) => text.replace(old, new).into_bytes(),
                Err(error) => error.into_bytes(),
            };
            std::fs::write(&target, bytes).expect("write");
        }
    }
}

/// Identity by fwnode path: S2 with its SMMU renamed (`9050000.smmuv3` → `arm-smmu-v3.0.auto`,
/// consistently) is the same boot. Truth by construction: against S2 nothing changed (no lost
/// bind, no new or cleared finding, the match named in a note); against S1 the race is new and
/// nothing else, as for the unrenamed pair.
#[test]
fn a_device_named_otherwise_is_matched_by_its_firmware_node() {
    let work = tempfile::tempdir().expect("temp dir");
    let renamed = work.path().join("S2-renamed");
    copy_renamed(
        &scenario("smmuv3-6.1/S2-smmu-late"),
        &renamed,
        "9050000.smmuv3",
        "arm-smmu-v3.0.auto",
    );
    let (diff, code) = diff_json(&[&scenario("smmuv3-6.1/S2-smmu-late"), &renamed], &[]);
    for key in [
        "new_findings",
        "cleared_findings",
        "lost_binds",
        "new_deferrals",
        "order_changes",
        "slower",
    ] {
        assert!(is_empty(&diff[key]), "{key}: {}", diff[key]);
    }
    assert_eq!(code, 0, "{diff}");
    assert!(
        diff["notes"].as_array().expect("notes").iter().any(|n| n
            == "arm-smmu-v3.0.auto (bad boot) is 9050000.smmuv3 (good boot): the same firmware node /smmuv3@9050000"),
        "{}",
        diff["notes"]
    );

    let (diff, code) = diff_json(&[&scenario("smmuv3-6.1/S1-smmu-early"), &renamed], &[]);
    let new = diff["new_findings"].as_array().expect("new_findings");
    assert!(new.iter().any(|f| f["code"] == "PS101"), "{new:?}");
    for finding in new {
        assert_eq!(finding["race"], true, "not the race: {finding}");
    }
    for key in ["cleared_findings", "lost_binds", "new_deferrals"] {
        assert!(is_empty(&diff[key]), "{key}: {}", diff[key]);
    }
    assert_eq!(code, 1);
}

/// A device-link order change between two real boots of the same QEMU `virt` machine with
/// `fw_devlink.strict=1`: D1 has the SMMU built in, so the PCI host bridge, a consumer of the
/// SMMU by a managed device link (`Linked as a consumer to 9050000.smmuv3`), probed after it
/// (6.09 s, then 13.44 s); S9 loads the SMMU as a module after the deferred-probe timeout, so
/// the host bridge probed first. D1 → S9 names that link's order change (edge `managed`, with
/// both probes' records); S9 → D1 does not (there the consumer moved after its supplier).
#[test]
fn a_consumer_now_before_its_device_link_supplier_is_an_order_change() {
    let d1 = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/public-extra/captures/smmuv3-dt-arm64-6.12/D1-strict-builtin");
    let s9 = scenario("smmuv3-6.1/S9-strict-verbose-late");
    let link_changes = |diff: &Value| -> Vec<Value> {
        diff["order_changes"]
            .as_array()
            .expect("order_changes")
            .iter()
            .filter(|change| change["edge"] != "iommu")
            .cloned()
            .collect()
    };
    let (diff, code) = diff_json(&[&d1, &s9], &[]);
    let changes = link_changes(&diff);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let change = &changes[0];
    assert_eq!(
        (&change["consumer"], &change["supplier"], &change["edge"]),
        (
            &Value::from("4010000000.pcie"),
            &Value::from("9050000.smmuv3"),
            &Value::from("managed")
        )
    );
    let cited: Vec<&str> = change["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| e["text"].as_str().expect("text"))
        .collect();
    assert!(
        cited.len() == 2
            && cited[0].starts_with("pci-host-generic 4010000000.pcie:")
            && cited[1].starts_with("arm-smmu-v3 9050000.smmuv3:"),
        "{cited:?}"
    );
    assert_eq!(code, 1);

    let (back, _) = diff_json(&[&s9, &d1], &[]);
    assert!(link_changes(&back).is_empty(), "{}", back["order_changes"]);
    let (same, _) = diff_json(&[&s9, &s9], &[]);
    assert!(is_empty(&same["order_changes"]), "{}", same["order_changes"]);
}

/// A side that could not be read whole says so: `diff` of two logs cut at the input-size cap
/// is not a clean "no regressions" without a word, and the cap's note names the side, the
/// place and the flag. What both sides lack alike is not repeated.
#[test]
fn what_one_side_could_not_read_is_said_with_the_side() {
    let good = scenario("smmuv3-6.1/S1-smmu-early/dmesg.txt");
    let bad = scenario("smmuv3-6.1/S2-smmu-late/dmesg.txt");
    let (report, code) = diff_json(&[&good, &bad], &["--limit", "input-bytes=2K"]);
    assert_eq!(code, 0, "{report}");
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let cap = "(byte offset 0x800): expected more of the log, reading stopped: input cut at the 2 KiB decompressed-size cap (raise it with --max-input-bytes)";
    for (side, path) in [("good", &good), ("bad", &bad)] {
        let expected = format!("{side}: {} {cap}", path.display());
        assert!(notes.contains(&expected.as_str()), "{expected} in {notes:#?}");
    }
    assert!(
        !notes.iter().any(|note| note.contains("no device tree")),
        "both sides lack one alike: {notes:#?}"
    );
    let (report, _) = diff_json(&[&good, &scenario("smmuv3-6.1/S2-smmu-late")], &[]);
    assert!(
        report["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .any(|note| note == "good: no device tree: DT-only IOMMU edges (iommus, iommu-map) and fw_devlink bindings unavailable"),
        "{report}"
    );
}
