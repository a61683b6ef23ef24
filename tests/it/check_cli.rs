//! The command line end to end: `check`, `why`, `rules`, `explain` on real captures, and every
//! kind of bad input (exit code 2 and a message naming the file, never a panic).

use crate::support::schema::assert_valid;
use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

fn probescope() -> Command {
    Command::cargo_bin("probescope").unwrap()
}

#[test]
fn a_clean_boot_exits_zero_and_a_race_exits_one() {
    probescope()
        .args(["check"])
        .arg(fixture("qemu/smmuv3-6.1/S0-builtin-stock"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no findings"));
    probescope()
        .args(["check"])
        .arg(fixture("qemu/smmuv3-6.1/S2-smmu-late"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[PS101]"))
        .stdout(predicate::str::contains("kmsg.txt:395"));
    probescope()
        .args(["check", "--fail-on", "never"])
        .arg(fixture("qemu/smmuv3-6.1/S2-smmu-late"))
        .assert()
        .code(0);
    // Only warnings in S1 (a modular IOMMU without strict mode): they fail with --fail-on warning.
    probescope()
        .args(["check"])
        .arg(fixture("qemu/smmuv3-6.1/S1-smmu-early"))
        .assert()
        .code(0);
    probescope()
        .args(["check", "--fail-on", "warning"])
        .arg(fixture("qemu/smmuv3-6.1/S1-smmu-early"))
        .assert()
        .code(1);
}

#[test]
fn json_follows_the_contract() {
    let output = probescope()
        .args(["check", "--format", "json"])
        .arg(fixture("qemu/exynos-6.12/E2-exynos-late"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid("check", &run);
    assert_eq!(run["command"], "check");
    assert_eq!(
        (&run["status"], &run["exit_code"]),
        (&"findings".into(), &1.into())
    );
    // One input is a run of one boot, as several are.
    assert_eq!(run["boots"].as_array().unwrap().len(), 1);
    let report = &run["boots"][0];
    assert!(report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["kind"] == "kernel-log"));
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "iommu-consumer-probed-before-iommu" && f["subject"] == "9010000.pl031")
        .expect("the RTC probed before its SysMMU");
    assert_eq!(finding["code"], "PS101");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["related"][0], "7f010000.sysmmu");
    let evidence = &finding["evidence"][0];
    assert!(evidence["file"].as_str().unwrap().ends_with(".txt") && evidence["line"].as_u64().unwrap() > 0);

    // Two inputs: the same document, with two boots.
    let output = probescope()
        .args(["check", "--format", "json"])
        .arg(fixture("qemu/exynos-6.12/E2-exynos-late"))
        .arg(fixture("qemu/smmuv3-6.1/S1-smmu-early"))
        .output()
        .unwrap();
    let two: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid("check", &two);
    assert_eq!(two["boots"].as_array().unwrap().len(), 2);
    assert_eq!(two["boots"][0]["findings"], run["boots"][0]["findings"]);
    assert_eq!(two["exit_code"], 1);
}

#[test]
fn the_schema_rejects_documents_that_break_the_contract() {
    let output = probescope()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(fixture("qemu/smmuv3-6.1/S2-smmu-late"))
        .output()
        .unwrap();
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid("check", &run);
    type Breakage = fn(&mut serde_json::Value);
    let broken: [(&str, Breakage); 5] = [
        ("an old schema version", |run| run["schema"] = 1.into()),
        ("another command's document", |run| run["command"] = "why".into()),
        ("one boot without `boots`", |run| {
            run.as_object_mut().unwrap().remove("boots");
        }),
        ("an unknown status", |run| {
            run["boots"][0]["status"] = "fine".into()
        }),
        ("a finding without its rule", |run| {
            run["boots"][0]["findings"][0]
                .as_object_mut()
                .unwrap()
                .remove("rule");
        }),
    ];
    for (what, mut_fn) in broken {
        let mut bad = run.clone();
        mut_fn(&mut bad);
        let rejected = std::panic::catch_unwind(|| assert_valid("check", &bad)).is_err();
        assert!(rejected, "the schema accepts {what}");
    }
}

#[test]
fn the_same_boot_from_named_text_dumps() {
    let dir = fixture("qemu/smmuv3-6.1/S4-smmu-never");
    probescope()
        .args(["check", "--format", "json", "--dmesg"])
        .arg(dir.join("dmesg.txt"))
        .arg("--devlink")
        .arg(dir.join("devlink-final.txt"))
        .arg("--deferred")
        .arg(dir.join("devices_deferred-final.txt"))
        .arg("--dtb")
        .arg(dir.join("fdt.dtb"))
        .arg("--cmdline")
        .arg(dir.join("cmdline.txt"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("iommu-consumer-without-iommu"));
}

#[test]
fn standard_input_and_compressed_logs_are_read() {
    let log = std::fs::read(fixture("qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &log).unwrap();
    probescope()
        .args(["check", "-"])
        .write_stdin(gz.finish().unwrap())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[PS103]"));
}

#[test]
fn bad_inputs_exit_two_naming_the_file() {
    let temp = tempfile::tempdir().unwrap();
    // An empty directory.
    let empty = temp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    probescope()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty"));
    // Binary junk.
    let junk = temp.path().join("junk.bin");
    std::fs::write(
        &junk,
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    probescope()
        .arg("check")
        .arg(&junk)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("junk.bin"));
    // A text file with no kernel line.
    let prose = temp.path().join("notes.txt");
    std::fs::write(&prose, "shopping list\nmilk\nbread\n").unwrap();
    probescope()
        .arg("check")
        .arg(&prose)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.txt"));
    // A path that does not exist.
    probescope()
        .arg("check")
        .arg(temp.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing"));
    // A truncated device tree alone.
    let dtb = std::fs::read(fixture("qemu/smmuv3-6.1/S2-smmu-late/fdt.dtb")).unwrap();
    let cut = temp.path().join("cut.dtb");
    std::fs::write(&cut, &dtb[..dtb.len() / 3]).unwrap();
    let output = probescope().args(["check", "--dtb"]).arg(&cut).output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "no crash: {output:?}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("cut.dtb")
            || String::from_utf8_lossy(&output.stderr).contains("cut.dtb")
    );
}

#[test]
fn what_was_readable_is_still_analysed() {
    let temp = tempfile::tempdir().unwrap();
    // A log cut in the middle of a line, and a devlink dump with an unknown status.
    let log = std::fs::read_to_string(fixture("qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt")).unwrap();
    // Cut after the "ignoring dependency" lines (282-293), in the middle of line 301.
    let end_of_300: usize = log.lines().take(300).map(|line| line.len() + 1).sum();
    let cut_log = temp.path().join("dmesg.txt");
    std::fs::write(&cut_log, &log.as_bytes()[..end_of_300 + 20]).unwrap();
    let devlink = std::fs::read_to_string(fixture("qemu/smmuv3-6.1/S2-smmu-late/devlink-final.txt")).unwrap();
    let bad_devlink = temp.path().join("devlink.txt");
    std::fs::write(
        &bad_devlink,
        devlink.replace("status:available", "status:resting"),
    )
    .unwrap();
    let output = probescope()
        .args(["check", "--format", "json"])
        .arg(&cut_log)
        .arg(&bad_devlink)
        .arg(fixture("qemu/smmuv3-6.1/S2-smmu-late/fdt.dtb"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid("check", &run);
    let report = &run["boots"][0];
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("devlink.txt:") && notes.contains("resting"),
        "{notes}"
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "iommu-consumer-without-iommu"));
}

#[test]
fn why_rules_and_explain() {
    probescope()
        .args(["why", "0000:01:00.0"])
        .arg(fixture("qemu/smmuv3-6.1/S8-notimeout-never"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0000:01:00.0 is deferred"))
        .stdout(predicate::str::contains(
            "IOMMU 9050000.smmuv3 exists but its driver never bound",
        ));
    probescope()
        .args(["why", "no-such-device"])
        .arg(fixture("qemu/smmuv3-6.1/S8-notimeout-never"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no device `no-such-device`"));
    probescope()
        .args(["why", "0000:01:00.0", "--at", "no-such-moment"])
        .arg(fixture("qemu/smmuv3-6.1/S8-notimeout-never"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("before-timeout"));
    let rules = probescope().args(["rules", "--format", "json"]).output().unwrap();
    let rules: serde_json::Value = serde_json::from_slice(&rules.stdout).unwrap();
    assert_valid("rules", &rules);
    assert!(rules["rules"].as_array().unwrap().len() >= 12);
    let why = probescope()
        .args(["why", "0000:01:00.0", "--format", "json"])
        .arg(fixture("qemu/smmuv3-6.1/S8-notimeout-never"))
        .output()
        .unwrap();
    let why: serde_json::Value = serde_json::from_slice(&why.stdout).unwrap();
    assert_valid("why", &why);
    assert_eq!(
        (&why["command"], &why["state"]),
        (&"why".into(), &"deferred".into())
    );
    assert_eq!(why["root_causes"][0]["blocker"]["kind"], "never-bound");
    probescope()
        .args(["explain", "PS101"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## How to fix it"))
        .stdout(predicate::str::contains("fw_devlink.strict=1"));
    probescope().args(["explain", "no-such-rule"]).assert().code(2);
}

#[test]
fn check_takes_the_sysmmu_version_for_register_dumps() {
    let regs = fixture("sysmmu/cases/fault-page-v5.0/regs.mdl.txt");
    let log = fixture("public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt");
    probescope()
        .args(["check", "--hw-version", "five"])
        .arg("--sysmmu-regs")
        .arg(&regs)
        .arg("--dmesg")
        .arg(&log)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--hw-version five"));
    probescope()
        .args(["check", "--hw-version", "5.0"])
        .arg("--sysmmu-regs")
        .arg(&regs)
        .arg("--dmesg")
        .arg(&log)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[PS105]"));
}
