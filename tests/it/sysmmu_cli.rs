//! `probescope sysmmu …` end to end: every subcommand, success and failure, text and JSON.

use crate::support::sysmmu::*;
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn case(name: &str) -> PathBuf {
    fixtures().join("sysmmu/cases").join(name)
}

fn probescope() -> Command {
    Command::cargo_bin("probescope").unwrap()
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

fn json_of(command: &mut Command) -> Value {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    crate::support::schema::assert_valid("sysmmu", &json);
    json
}

// ------------------------------------------------------------------------------------------ regs

#[test]
fn regs_decodes_every_text_form_in_json_as_the_truth() {
    let dir = case("random-v7.4vm-s1");
    let truth = truth(&dir);
    for form in [
        "regs.mdl.txt",
        "regs.devmem.txt",
        "regs.addrval.txt",
        "regs.named.txt",
        "regs.bin",
    ] {
        let json = json_of(
            probescope()
                .args(["sysmmu", "regs", "--format", "json", "--regs"])
                .arg(dir.join(form)),
        );
        assert_eq!(json["command"], "sysmmu");
        assert_eq!(json["subcommand"], "regs");
        assert_eq!(json["layout"], truth["decode"]["layout"], "{form}");
        assert_eq!(json["pt_base"], truth["decode"]["pt_base"], "{form}");
        assert_eq!(json["ctrl"], truth["decode"]["ctrl"], "{form}");
        assert_eq!(json["capa"], truth["decode"]["capa"], "{form}");
        assert_eq!(json["mmu_enabled"], truth["decode"]["mmu_enabled"], "{form}");
    }
}

#[test]
fn regs_table_shows_faults_and_conventions() {
    let dir = case("random-v6.0-s1");
    probescope()
        .args(["sysmmu", "regs", "--regs"])
        .arg(dir.join("regs.devmem.txt"))
        .assert()
        .success()
        .stdout(predicate::str::contains("ACCESS_PROTECTION"))
        .stdout(predicate::str::contains("0x729fc764"))
        .stdout(predicate::str::contains("conventions: mainline"))
        .stdout(predicate::str::contains("--conventions downstream"));
}

#[test]
fn regs_says_when_the_mmu_is_disabled_or_never_programmed() {
    probescope()
        .args(["sysmmu", "regs", "--regs"])
        .arg(case("edge-disabled-blockstop-v7.0").join("regs.mdl.txt"))
        .assert()
        .success()
        .stdout(predicate::str::contains("disabled_blocked"))
        .stdout(predicate::str::contains("not translating"));
    probescope()
        .args(["sysmmu", "regs", "--regs"])
        .arg(case("edge-never-enabled-v7.0").join("regs.bin"))
        .assert()
        .success()
        .stdout(predicate::str::contains("never programmed"));
}

#[test]
fn regs_failures_name_the_file_and_line() {
    probescope()
        .args(["sysmmu", "regs", "--regs", "/nonexistent/regs.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/regs.txt"));
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "just some words\nand more\n").unwrap();
    probescope()
        .args(["sysmmu", "regs", "--regs"])
        .arg(&text)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("notes.txt").and(predicate::str::contains("expected register values")),
        );
    let named = dir.path().join("named.txt");
    std::fs::write(
        &named,
        "MMU_VERSION = 0x50000000\nMMU_CTRL = 0x5\nPT_BASE_ADDR = 0x40000000\n",
    )
    .unwrap();
    probescope()
        .args(["sysmmu", "regs", "--regs"])
        .arg(&named)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("named.txt:3").and(predicate::str::contains("v1 layout")));
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "0x13620000 = 0x5\n0x13620034 = 0x123456789\n").unwrap();
    probescope()
        .args(["sysmmu", "regs", "--regs"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.txt:2").and(predicate::str::contains("32 bits")));
    probescope()
        .args(["sysmmu", "regs", "--base", "nothex", "--regs"])
        .arg(case("random-v5.0-s1").join("regs.bin"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--base"));
}

// ------------------------------------------------------------------------------------- translate

#[test]
fn translate_gives_one_json_object_per_iova_as_the_truth() {
    let dir = case("edge-high-pa-v5.0");
    let truth = truth(&dir);
    let samples: Vec<&Value> = truth["samples"].as_array().unwrap().iter().take(40).collect();
    let mut command = probescope();
    command
        .args(["sysmmu", "translate", "--format", "json", "--regs"])
        .arg(dir.join("regs.addrval.txt"))
        .arg("--mem")
        .arg(dir.join("memory.json"));
    for sample in &samples {
        command.arg(sample["iova"].as_str().unwrap());
    }
    let json = json_of(&mut command);
    let walks = json["walks"].as_array().unwrap();
    assert_eq!(walks.len(), samples.len());
    for (walk, sample) in walks.iter().zip(samples) {
        for field in [
            "iova",
            "result",
            "level",
            "pa",
            "page_size",
            "kind",
            "lv1_entry",
            "lv2_entry",
        ] {
            assert_eq!(
                walk.get(field),
                sample.get(field),
                "{field} of {}",
                sample["iova"]
            );
        }
        assert!(!walk["steps"].as_array().unwrap().is_empty());
    }
}

#[test]
fn translate_reads_raw_dumps_and_elf_cores() {
    let dir = case("random-v3.3-s1");
    let truth = truth(&dir);
    let mapped: Vec<&Value> = truth["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["result"] == "mapped")
        .take(5)
        .collect();
    assert!(!mapped.is_empty());
    let base = truth["memory"]["base"].as_str().unwrap();
    let bytes = std::fs::read(dir.join("memory.bin")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let core = scratch.path().join("vmcore");
    let base_value = hex(&truth["memory"]["base"]).unwrap();
    // Split the dump into two PT_LOADs to show reads are mapped by physical address.
    let half = bytes.len() / 2;
    let (low, high) = bytes.split_at(half);
    std::fs::write(
        &core,
        probescope::sysmmu::elf::build_core64(&[(base_value + half as u64, high), (base_value, low)]),
    )
    .unwrap();
    for mem in [format!("{}@{base}", arg(&dir.join("memory.bin"))), arg(&core)] {
        let mut command = probescope();
        command
            .args(["sysmmu", "translate", "--format", "json", "--regs"])
            .arg(dir.join("regs.bin"))
            .args(["--mem", &mem]);
        for sample in &mapped {
            command.arg(sample["iova"].as_str().unwrap());
        }
        let json = json_of(&mut command);
        for (walk, sample) in json["walks"].as_array().unwrap().iter().zip(&mapped) {
            assert_eq!(walk["pa"], sample["pa"], "{mem}");
        }
    }
}

#[test]
fn translate_text_shows_steps_and_the_zero_table() {
    let dir = case("random-v5.0-s1");
    probescope()
        .args(["sysmmu", "translate", "--regs"])
        .arg(dir.join("regs.named.txt"))
        .arg("--mem")
        .arg(dir.join("memory.json"))
        .arg("0x6d837fe4")
        .assert()
        .success()
        .stdout(predicate::str::contains("ZERO_LV2LINK"))
        .stdout(predicate::str::contains("Entry at"))
        .stdout(predicate::str::contains("0x8c9ddb60"));
}

#[test]
fn translate_failures() {
    let dir = case("random-v5.0-s1");
    probescope()
        .args(["sysmmu", "translate", "--regs"])
        .arg(dir.join("regs.bin"))
        .arg("--mem")
        .arg(dir.join("memory.json"))
        .arg("0xnothex")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("IOVA `0xnothex`"));
    probescope()
        .args(["sysmmu", "translate", "--regs"])
        .arg(dir.join("regs.bin"))
        .arg("0x1000")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--mem"));
    probescope()
        .args(["sysmmu", "translate", "--regs"])
        .arg(dir.join("regs.bin"))
        .args(["--mem", "memory.bin@zz", "0x1000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("FILE@0xBASE"));
    probescope()
        .args(["sysmmu", "translate", "--regs"])
        .arg(dir.join("regs.bin"))
        .arg("--mem")
        .arg(format!("{}@0x0", arg(&dir.join("no-such.bin"))))
        .arg("0x1000")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such.bin"));
}

#[test]
fn translate_without_registers_takes_version_and_pt_base() {
    let dir = case("random-v5.0-s1");
    let truth = truth(&dir);
    let sample = &truth["fault"]["explain"];
    let json = json_of(
        probescope()
            .args([
                "sysmmu",
                "translate",
                "--format",
                "json",
                "--hw-version",
                "5.0",
                "--pt-base",
            ])
            .arg(truth["lv1_table_pa"].as_str().unwrap())
            .arg("--mem")
            .arg(dir.join("memory.json"))
            .arg(sample["iova"].as_str().unwrap()),
    );
    assert_eq!(json["walks"][0]["result"], sample["result"]);
    assert_eq!(json["walks"][0]["level"], sample["level"]);
}

// ----------------------------------------------------------------------------------------- map

#[test]
fn map_json_runs_equal_the_truth_in_every_coalescing() {
    let dir = case("edge-lpage-table-end-v3.3");
    let truth = truth(&dir);
    for (policy, field) in [("size", "runs"), ("any", "runs_any_size")] {
        let json = json_of(
            probescope()
                .args([
                    "sysmmu",
                    "map",
                    "--format",
                    "json",
                    "--coalesce",
                    policy,
                    "--regs",
                ])
                .arg(dir.join("regs.mdl.txt"))
                .arg("--mem")
                .arg(dir.join("memory.json")),
        );
        assert_eq!(json[field], truth[field], "{policy}");
        assert_eq!(json["zero_lv2_table_pa"], truth["zero_lv2_table_pa"]);
    }
    let json = json_of(
        probescope()
            .args([
                "sysmmu",
                "map",
                "--format",
                "json",
                "--coalesce",
                "entries",
                "--regs",
            ])
            .arg(dir.join("regs.bin"))
            .arg("--mem")
            .arg(dir.join("memory.json")),
    );
    let ours = json["mappings"].as_array().unwrap();
    let theirs = truth["mappings"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len());
    for (a, b) in ours.iter().zip(theirs) {
        for field in [
            "iova",
            "pa",
            "size",
            "kind",
            "prot",
            "shareable",
            "lv1_index",
            "lv2_index",
        ] {
            assert_eq!(a[field], b[field], "{field}");
        }
    }
}

#[test]
fn map_says_what_is_missing_or_malformed() {
    let outside = case("edge-ptbase-outside-v5.0");
    probescope()
        .args(["sysmmu", "map", "--regs"])
        .arg(outside.join("regs.bin"))
        .arg("--mem")
        .arg(outside.join("memory.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("not in the memory given"))
        .stdout(predicate::str::contains("lv1_table_outside_dump"));
    let lv2 = case("edge-lv2-outside-v7.0");
    probescope()
        .args(["sysmmu", "map", "--regs"])
        .arg(lv2.join("regs.bin"))
        .arg("--mem")
        .arg(lv2.join("memory.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("Unreadable"))
        .stdout(predicate::str::contains("0x8ada19400"));
    let malformed = case("edge-malformed-v3.3");
    probescope()
        .args(["sysmmu", "map", "--regs"])
        .arg(malformed.join("regs.bin"))
        .arg("--mem")
        .arg(malformed.join("memory.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("lpage_replica_mismatch"))
        .stdout(predicate::str::contains("lv1_reserved_encoding"))
        .stdout(predicate::str::contains("lv2_table_shared"));
    let disabled = case("edge-disabled-v3.3");
    probescope()
        .args(["sysmmu", "map", "--regs"])
        .arg(disabled.join("regs.bin"))
        .arg("--mem")
        .arg(disabled.join("memory.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("not translating"));
    let never = case("edge-never-enabled-v7.0");
    probescope()
        .args(["sysmmu", "map", "--regs"])
        .arg(never.join("regs.bin"))
        .arg("--mem")
        .arg(never.join("memory.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("never programmed"));
}

#[test]
fn map_needs_memory() {
    probescope()
        .args(["sysmmu", "map", "--regs"])
        .arg(case("random-v5.0-s1").join("regs.bin"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--mem FILE@0xBASE"));
}

#[test]
fn map_of_a_real_driver_table_in_the_qemu_dump() {
    let dump = fixtures().join("qemu/exynos-6.12/E1-exynos-early/memdump-resumed");
    let json = json_of(
        probescope()
            .args([
                "sysmmu",
                "map",
                "--format",
                "json",
                "--coalesce",
                "entries",
                "--regs",
            ])
            .arg(dump.join("7f050000.sysmmu/regs.json"))
            .arg("--mem")
            .arg(dump.join("memory.json")),
    );
    let pages: u64 = json["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|leaf| leaf["size"].as_u64().unwrap() / 4096)
        .sum();
    // The PCI function's domain: 2 MiB of sections, 192 KiB + 12 KiB + 4 KiB coherent, 8 KiB + 4 KiB
    // streaming (the released 1 MiB, 64 KiB and 4 KiB are gone).
    assert_eq!(pages, 512 + 48 + 3 + 1 + 2 + 1);
    assert_eq!(json["zero_lv2_table_pa"], "0x43b13c00");
}

// --------------------------------------------------------------------------------------- fault

#[test]
fn fault_from_registers_explains_each_bit() {
    for name in [
        "edge-permfault-v3.3",
        "fault-ptw-v5.0",
        "random-v7.0-downstream-s1",
        "fault-bus-v3.3",
    ] {
        let dir = case(name);
        let truth = truth(&dir);
        let json = json_of(
            probescope()
                .args(["sysmmu", "fault", "--format", "json", "--regs"])
                .arg(dir.join("regs.bin"))
                .arg("--mem")
                .arg(dir.join("memory.json")),
        );
        let expected = &truth["fault"]["explain"];
        assert_eq!(json["explain"]["cause"], expected["cause"], "{name}");
        assert_eq!(json["explain"]["result"], expected["result"], "{name}");
        assert_eq!(json["explain"]["level"], expected["level"], "{name}");
        assert_eq!(json["primary_bit"], truth["fault"]["primary_bit"], "{name}");
        assert_eq!(
            json["faults"][0]["kind"], truth["fault"]["faults"][0]["kind"],
            "{name}"
        );
    }
    let dir = case("edge-permfault-v3.3");
    probescope()
        .args(["sysmmu", "fault", "--regs"])
        .arg(dir.join("regs.devmem.txt"))
        .arg("--mem")
        .arg(dir.join("memory.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("cause permission"))
        .stdout(predicate::str::contains("allows r, the master did a write"));
}

#[test]
fn fault_with_no_pending_interrupt_says_so() {
    let dir = case("fault-none-v7.0");
    probescope()
        .args(["sysmmu", "fault", "--regs"])
        .arg(dir.join("regs.bin"))
        .arg("--mem")
        .arg(dir.join("memory.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("no fault pending"));
}

#[test]
fn fault_from_the_public_snow_log() {
    let log = fixtures().join("public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt");
    let json = json_of(
        probescope()
            .args(["sysmmu", "fault", "--format", "json", "--log"])
            .arg(&log),
    );
    let faults = json["faults"].as_array().unwrap();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0]["report"]["sysmmu"], "14640000.sysmmu");
    assert_eq!(faults[0]["report"]["master"], "14400000.fimd");
    assert_eq!(faults[0]["report"]["kind"], "PAGE");
    assert_eq!(faults[0]["report"]["address"], "0x20000000");
    assert_eq!(faults[0]["line"], 96);
}

#[test]
fn fault_from_a_log_walks_the_logged_table_in_memory() {
    // Fault lines in the 6.3+ format for the PL330's SysMMU of the E5 scenario, whose table the
    // resumed dump holds (PT_BASE_PFN 0x45508: lv1 at 0x45508000; 0xfffff000 is mapped, the rest
    // of that MiB is not).
    let dump = fixtures().join("qemu/exynos-6.12/E5-verbose-early/memdump-resumed");
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("dmesg.txt");
    std::fs::write(
        &log,
        "[    1.0] exynos-sysmmu 7f000000.sysmmu: hardware version: 5.0\n\
         [    9.0] exynos-sysmmu 7f000000.sysmmu: 7f040000.dma-controller: [WRITE] PAGE FAULT occurred at 0xfff01000\n\
         [    9.0] exynos-sysmmu 7f000000.sysmmu: Page table base: 0x0000000045508000\n\
         [    9.1] exynos-sysmmu 7f000000.sysmmu: 7f040000.dma-controller: [READ] PAGE FAULT occurred at 0xfffff010\n\
         [    9.2] exynos-sysmmu 7f000000.sysmmu: 7f040000.dma-controller: [READ] PAGE FAULT occurred at 0x10000000\n",
    )
    .unwrap();
    let json = json_of(
        probescope()
            .args(["sysmmu", "fault", "--format", "json", "--log"])
            .arg(&log)
            .arg("--mem")
            .arg(dump.join("memory.json")),
    );
    let faults = json["faults"].as_array().unwrap();
    assert_eq!(faults.len(), 3);
    assert_eq!(faults[0]["cause"], "lv2_fault");
    assert_eq!(faults[0]["walk"]["lv1_entry_pa"], "0x4550bffc");
    assert_eq!(faults[1]["cause"], "mapped_at_dump");
    assert_eq!(faults[1]["walk"]["pa"], "0x48002010");
    assert_eq!(faults[2]["cause"], "lv2_fault");
    assert_eq!(faults[2]["walk"]["via_zero_lv2_table"], true);
}

#[test]
fn fault_from_logged_entries_without_memory() {
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("dmesg.txt");
    std::fs::write(
        &log,
        "exynos-sysmmu 13a80000.sysmmu: 13a00000.jpeg: AW PAGE FAULT occurred at 0x1000a000\n\
         exynos-sysmmu 13a80000.sysmmu: Page table base: 0x0000000046000000\n\
         exynos-sysmmu 13a80000.sysmmu: \tLv1 entry: 0x4601c01\n\
         exynos-sysmmu 13a80000.sysmmu: \t Lv2 entry: 0x0\n\
         \x1b[31mexynos-sysmmu 13a80000.sysmmu: 13a00000.jp\x1b[0meg: AR PAGE FAULT occurred at 0x2000\n\
         exynos-sysmmu 13a80000.sysmmu: \tLv1 entry: 0x0\n",
    )
    .unwrap();
    probescope()
        .args(["sysmmu", "fault", "--hw-version", "5.0", "--log"])
        .arg(&log)
        .assert()
        .success()
        .stdout(predicate::str::contains("cause lv2_fault"))
        .stdout(predicate::str::contains("link to lv2 table at 0x4601c000"))
        .stdout(predicate::str::contains("cause lv1_fault"))
        .stdout(predicate::str::contains("\\x1b[0m"))
        .stdout(predicate::str::contains("\x1b").not());
}

#[test]
fn fault_needs_registers_or_a_log() {
    probescope()
        .args(["sysmmu", "fault"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--regs").and(predicate::str::contains("--log")));
    let dir = case("random-v5.0-s1");
    probescope()
        .args(["sysmmu", "fault", "--regs"])
        .arg(dir.join("regs.bin"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--mem"));
    probescope()
        .args(["sysmmu", "fault", "--log", "/nonexistent/dmesg"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/dmesg"));
}
