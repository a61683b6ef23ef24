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
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    crate::support::schema::assert_valid("diff", &value);
    (value, output.status.code().unwrap_or(-1))
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
