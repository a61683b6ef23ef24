//! IOMMU faults of every kind (fixtures/public-extra/iommu-faults and the public corpus): each
//! attributed to its master, and told apart by when the master bound.

use probescope::commands::check::analyse;
use probescope::ingest::discover::InputSpec;
use probescope::rules::Finding;
use std::path::{Path, PathBuf};

fn faults_in(path: &Path) -> Vec<Finding> {
    let spec = InputSpec {
        paths: vec![path.to_path_buf()],
        ..InputSpec::default()
    };
    analyse(&spec)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .1
        .findings
        .into_iter()
        .filter(|f| f.rule == "iommu-fault")
        .collect()
}

fn faults(name: &str) -> Vec<Finding> {
    faults_in(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public-extra/iommu-faults")
            .join(name),
    )
}

fn only(name: &str) -> Finding {
    let mut found = faults(name);
    assert_eq!(found.len(), 1, "{name}: {found:#?}");
    found.remove(0)
}

fn assert_says(finding: &Finding, parts: &[&str]) {
    for part in parts {
        assert!(
            finding.message.contains(part),
            "{:?} lacks {part:?}",
            finding.message
        );
    }
}

#[test]
fn intel_vtd_faults_name_the_requester_address_and_reason() {
    let gvt = only("vtd-i915-gvt-guest-pasid-form-repeated.txt");
    assert_eq!(gvt.subject, "0000:00:02.0");
    assert_says(
        &gvt,
        &[
            "Intel VT-d: DMA read fault by 0000:00:02.0 at 0x9c000000",
            "PTE Read access is not set",
            "(6 reports)",
        ],
    );
    let early = only("vtd-no-pasid-igpu-early-boot-dasharo.txt");
    assert_says(
        &early,
        &[
            "0x7cd80000, 0x7cd87000",
            "Present bit in root entry is clear",
            "(2 reports)",
        ],
    );
    // No bind line for the GPU in the excerpt: neither the race nor firmware-left DMA is claimed.
    assert!(!early.message.contains("had not bound") && !early.message.contains("probed before"));
}

#[test]
fn amd_vi_faults_name_the_device_from_either_form() {
    let ath10k = only("amd-vi-io-page-fault-device-prefix-ath10k.txt");
    assert_eq!(ath10k.subject, "0000:01:00.0");
    assert_says(
        &ath10k,
        &[
            "AMD-Vi: IO_PAGE_FAULT by 0000:01:00.0",
            "flags=0x0070",
            "(3 reports)",
        ],
    );
    let nvme = only("amd-vi-io-page-fault-nvme-callbacks-suppressed.txt");
    assert_says(&nvme, &["and 2 more", "(6 reports)"]);
}

#[test]
fn an_interrupt_remapping_fault_is_attributed_to_its_function() {
    let found = faults_in(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/public/x86-mlx5-sriov-vf-dmesg-T-ctime-dmar-intr-remap-fault.txt"),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "0000:42:00.2");
    assert_says(
        &found[0],
        &[
            "interrupt remapping fault",
            "Blocked a compatibility format interrupt request",
        ],
    );
}

/// Generated logs with known truth: the same fault, the master's bind line before or after it.
fn generated(lines: &str) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("dmesg.txt");
    std::fs::write(&path, lines).expect("the log is written");
    faults_in(&path)
}

/// PCI enumeration names the device before anything else happens to it.
const ENUMERATED: &str = "[    0.000000] Linux version 6.6.0\n[    0.300000] pci 0000:00:02.0: [8086:9a49] type 00 class 0x030000\n";
const FAULT: &str = "[    1.200000] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x7cd80000 [fault reason 0x01] Present bit in root entry is clear\n";
const BOUND: &str = "[    3.400000] bus: 'pci': really_probe: bound device 0000:00:02.0 to driver i915\n";
const DRIVER_LINE: &str = "[    3.400000] i915 0000:00:02.0: [drm] Finished loading DMC firmware\n";

#[test]
fn a_master_that_binds_only_after_its_fault_was_left_running_by_the_bootloader() {
    let found = generated(&format!("{ENUMERATED}{FAULT}{BOUND}"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_says(&found[0], &["had not bound yet", "iommu-addresses", "identity"]);
    assert!(!found[0].message.contains("probed before its IOMMU"));
}

#[test]
fn a_bind_before_the_fault_or_only_a_driver_line_after_it_claims_no_bootloader_dma() {
    let before = generated(&format!(
        "[    0.000000] Linux version 6.6.0\n{}{}",
        BOUND.replace("3.400000", "0.900000"),
        FAULT
    ));
    assert_eq!(before.len(), 1, "{before:#?}");
    assert!(
        !before[0].message.contains("had not bound"),
        "{}",
        before[0].message
    );
    // A line printed by the driver says it is bound or probing, not since when.
    let weak = generated(&format!(
        "[    0.000000] Linux version 6.6.0\n{FAULT}{DRIVER_LINE}"
    ));
    assert_eq!(weak.len(), 1, "{weak:#?}");
    assert!(!weak[0].message.contains("had not bound"), "{}", weak[0].message);
}

/// A SysMMU register trace without MMU_VERSION (the generated v5.0 case's dump, printed as
/// `0xADDR: 0xVALUE` lines the way a debug patch would, VERSION left out) is decoded with the
/// version the log states (`hardware version: 5.0`, exynos-iommu's dev_dbg), and the fault
/// is walked to the cause the case's truth records; without that line the finding says what
/// is missing.
#[test]
fn a_sysmmu_dump_without_version_is_decoded_with_the_version_the_log_states() {
    let case = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sysmmu/cases/fault-page-v5.0");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("truth.json")).unwrap()).unwrap();
    let md = std::fs::read_to_string(case.join("regs.mdl.txt")).unwrap();
    let mut trace = String::new();
    for line in md.lines().filter(|l| !l.starts_with("=>")) {
        let Some((address, words)) = line.split_once(": ") else {
            continue;
        };
        let address = u64::from_str_radix(address, 16).unwrap();
        for (index, word) in words.split("    ").next().unwrap().split_whitespace().enumerate() {
            let at = address + 4 * index as u64;
            if at & 0xfff != 0x34 {
                trace.push_str(&format!("[    1.000000] sysmmu-debug: {at:#010x}: 0x{word}\n"));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let regs = dir.path().join("trace.txt");
    std::fs::write(&regs, trace).unwrap();
    let fault = &truth["fault"]["faults"][0];
    let fault_line = format!(
        "[   12.345678] exynos-sysmmu 12e30000.sysmmu: 13400000.master: [READ] {} FAULT occurred at {}\n",
        fault["kind"].as_str().unwrap(),
        fault["address"].as_str().unwrap()
    );
    let memory = format!(
        "{}@{}",
        case.join(truth["memory"]["file"].as_str().unwrap_or("memory.bin"))
            .display(),
        truth["memory"]["base"].as_str().unwrap()
    );
    let walk = |log_text: String| {
        let log = dir.path().join("dmesg.txt");
        std::fs::write(&log, log_text).unwrap();
        let spec = InputSpec {
            paths: vec![log],
            ..InputSpec::default()
        };
        let mut inputs = probescope::ingest::discover::gather(&spec).unwrap();
        inputs.sysmmu_dumps = Some(
            probescope::sysmmu::DumpEvidence::read(
                std::slice::from_ref(&regs),
                std::slice::from_ref(&memory),
                None,
            )
            .unwrap(),
        );
        let (_, report) = probescope::commands::check::analyse_inputs(inputs, &[]).unwrap();
        report
            .findings
            .into_iter()
            .find(|f| f.rule == "iommu-fault")
            .expect("the fault")
            .evidence[0]
            .text
            .clone()
    };
    let stated = walk(format!(
        "[    0.500000] exynos-sysmmu 12e30000.sysmmu: hardware version: 5.0\n{fault_line}"
    ));
    let cause = truth["fault"]["explain"]["cause"].as_str().unwrap();
    assert!(stated.contains(&format!("cause {cause}")), "{stated}");
    let unstated = walk(fault_line.clone());
    assert!(unstated.contains("give --hw-version"), "{unstated}");
}

/// Before v4.x an AMD-Vi event came as two records, `AMD-Vi: Event logged [` and its fields
/// (pcengines/apu2-documentation#240 shows it; the lines here are that thread's, without the
/// syslog `kernel: ` prefix).
#[test]
fn an_amd_vi_event_split_over_two_records_is_one_fault() {
    let found = generated(
        "[   13.134460] AMD-Vi: Event logged [\n\
         [   13.137925] INVALID_DEVICE_REQUEST device=00:00.1 address=0x000000fdf8000020 flags=0x0a00]\n\
         [  221.562629] AMD-Vi: Event logged [\n\
         [  221.565929] IO_PAGE_FAULT device=05:00.0 domain=0x0012 address=0x00000000ff6101b0 flags=0x0070]\n\
         [  221.565938] AMD-Vi: Event logged [\n\
         [  221.569235] IO_PAGE_FAULT device=05:00.0 domain=0x0012 address=0x00000000ff6101c0 flags=0x0070]\n",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    let page = found
        .iter()
        .find(|f| f.subject == "0000:05:00.0")
        .expect("the page faults");
    assert_says(page, &["AMD-Vi: IO_PAGE_FAULT by 0000:05:00.0", "(2 reports)"]);
    assert!(found
        .iter()
        .any(|f| f.subject == "0000:00:00.1" && f.message.contains("INVALID_DEVICE_REQUEST")));
}

/// The text of a log line after its `<level>` and `[seconds]` stamp.
fn message_of(line: &str) -> &str {
    let after_level = line
        .trim_start()
        .strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
        .map_or(line.trim_start(), |(_, rest)| rest);
    after_level
        .strip_prefix('[')
        .and_then(|rest| rest.split_once("] "))
        .map_or(after_level, |(_, text)| text)
}

/// Lines `from..=to` (1-based) of a fixture, as message texts.
fn messages(fixture: &str, from: usize, to: usize) -> Vec<String> {
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(fixture))
        .expect("the fixture reads");
    text.lines()
        .skip(from - 1)
        .take(to + 1 - from)
        .map(|line| message_of(line).to_string())
        .collect()
}

/// Generated, with known truth: two CPUs printing at once in a log without caller ids. After
/// `lead` lines of `first`, the lines of two real reports are interleaved one for one under
/// one clock of time stamps, so nothing but their text tells them apart.
fn interleaved(first: &[String], second: &[String], lead: usize) -> String {
    let (head, tail) = first.split_at(lead.min(first.len()));
    let mut lines: Vec<&String> = head.iter().collect();
    let (mut a, mut b) = (tail.iter(), second.iter());
    loop {
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            break;
        }
        lines.extend(x);
        lines.extend(y);
    }
    let mut log = String::from("[    0.000000] Linux version 5.9.0\n");
    for (i, line) in lines.iter().enumerate() {
        log.push_str(&format!("[    6.{:06}] {line}\n", 606_400 + i));
    }
    log
}

fn findings_of(log: &str) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("dmesg.txt");
    std::fs::write(&path, log).expect("the log is written");
    let spec = InputSpec {
        paths: vec![path],
        ..InputSpec::default()
    };
    analyse(&spec).expect("the log reads").1.findings
}

/// The x86 Oops of fixtures/public (intel_iommu_init, lines 1167-1199) and an IOMMU's fault
/// reports printed at the same time by another CPU: each keeps its own finding.
#[test]
fn an_oops_and_iommu_faults_interleaved_without_caller_ids_stay_apart() {
    let oops = messages(
        "fixtures/public/x86-thinkpad-t470s-pstore-raw-levels-initcall-debug-intel-iommu-oops.txt",
        1167,
        1199,
    );
    assert!(oops[0].starts_with("BUG: kernel NULL pointer dereference"));
    // AMD-Vi reports the device prints itself (`ath10k_pci 0000:01:00.0: AMD-Vi: ...`), and
    // VT-d's `DMAR:` reports: one form with a dev_printk prefix, one without.
    let amd_vi = messages(
        "fixtures/public-extra/iommu-faults/amd-vi-io-page-fault-device-prefix-ath10k.txt",
        1,
        3,
    );
    let vt_d = messages(
        "fixtures/public-extra/iommu-faults/vtd-write-fault-onl-as4630.txt",
        1,
        6,
    );
    for (faults, master) in [(&amd_vi, "0000:01:00.0"), (&vt_d, "0000:00:12.0")] {
        // The faults land inside the Oops's register dump and call trace (after its 16th
        // line), or the Oops starts among the faults.
        for log in [interleaved(&oops, faults, 16), interleaved(faults, &oops, 1)] {
            let found = findings_of(&log);
            let crashes: Vec<&Finding> = found.iter().filter(|f| f.rule == "kernel-oops").collect();
            assert_eq!(crashes.len(), 1, "{log}\n{found:#?}");
            let crash = crashes[0];
            assert_eq!(crash.subject, "intel_iommu_init", "{crash:#?}");
            assert!(
                crash.message.starts_with("BUG: kernel NULL pointer dereference")
                    && crash.message.contains("→ Oops")
                    && crash.message.contains("in intel_iommu_init+0xed0/0x1136")
                    && !crash.message.contains("cut off"),
                "{}",
                crash.message
            );
            assert!(
                crash.evidence.iter().all(|e| !e.text.contains("fault")),
                "{:#?}",
                crash.evidence
            );
            let faults_found: Vec<&Finding> = found.iter().filter(|f| f.rule == "iommu-fault").collect();
            assert_eq!(faults_found.len(), 1, "{found:#?}");
            assert_eq!(faults_found[0].subject, master);
            assert!(
                faults_found[0].message.contains("(3 reports)"),
                "{}",
                faults_found[0].message
            );
        }
    }
}

/// The same, with a report whose probe function is deep in its trace: the hung task of
/// fixtures/public-extra/splats (pl330_probe, 17 frames down) with the AMD-Vi reports printed
/// into its trace. The frames after another CPU's lines are still its own.
#[test]
fn a_probe_in_a_trace_another_cpu_prints_into_is_still_found() {
    let hung = messages(
        "fixtures/public-extra/splats/hung-task-rockchip-4.19-pl330-probe-cut.txt",
        1,
        30,
    );
    let amd_vi = messages(
        "fixtures/public-extra/iommu-faults/amd-vi-io-page-fault-device-prefix-ath10k.txt",
        1,
        3,
    );
    // The faults land between frames 3 and 8 of the trace (the trace starts at line 5).
    let found = findings_of(&interleaved(&hung, &amd_vi, 7));
    let hangs: Vec<&Finding> = found.iter().filter(|f| f.rule == "kernel-oops").collect();
    assert_eq!(hangs.len(), 1, "{found:#?}");
    assert_eq!(hangs[0].subject, "__flush_work");
    assert!(
        hangs[0].message.contains("during a probe (pl330_probe)"),
        "{}",
        hangs[0].message
    );
    let faults: Vec<&Finding> = found.iter().filter(|f| f.rule == "iommu-fault").collect();
    assert_eq!(faults.len(), 1, "{found:#?}");
    assert_eq!(faults[0].subject, "0000:01:00.0");
}

/// Generated, with known truth, from two real inputs: the q35 capture's log with
/// initcall_debug (fixtures/qemu/virtio-iommu-q35-6.12/Q4-verbose-late/dmesg.txt, cut to the
/// log alone, without the driver core's dyndbg lines, so `probe of X returned N` is the only
/// bind evidence), and the real VT-d fault report for requester 00:02.0 of
/// fixtures/public-extra/iommu-faults (Dasharo, fault at early boot). The fault line is put
/// right after PCI enumeration named 0000:00:02.0, before its driver's probe returned 0: a
/// master that faults before it has bound at all.
fn q35_log_with_fault(after_probe: bool) -> (tempfile::TempDir, PathBuf) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let log =
        std::fs::read_to_string(root.join("fixtures/qemu/virtio-iommu-q35-6.12/Q4-verbose-late/dmesg.txt"))
            .expect("the capture reads");
    let fault = std::fs::read_to_string(
        root.join("fixtures/public-extra/iommu-faults/vtd-no-pasid-igpu-early-boot-dasharo.txt"),
    )
    .expect("the fault reads");
    let fault = message_of(fault.lines().next().expect("a fault line")).to_string();
    assert!(fault.contains("Request device [00:02.0]"), "{fault}");
    let driver_core_debug = |line: &str| {
        ["bus: '", "driver: '", "device: '"]
            .iter()
            .any(|d| line.contains(d))
    };
    let anchor = if after_probe {
        "probe of 0000:00:02.0 returned 0"
    } else {
        "pci 0000:00:02.0: BAR 4"
    };
    let mut out = String::new();
    let mut placed = false;
    for line in log.lines().filter(|line| !driver_core_debug(line)) {
        out.push_str(line);
        out.push('\n');
        if !placed && line.contains(anchor) {
            let stamp = line.split_once("] ").expect("a time stamp").0;
            out.push_str(&format!("{stamp}] {fault}\n"));
            placed = true;
        }
    }
    assert!(placed);
    assert!(!out.contains("bound device") && !out.contains("driver_bound"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("dmesg.txt");
    std::fs::write(&path, out).expect("the log is written");
    (dir, path)
}

#[test]
fn a_fault_before_the_initcall_debug_bind_is_dma_left_running_by_the_bootloader() {
    let (_dir, path) = q35_log_with_fault(false);
    let found = faults_in(&path);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].subject, "0000:00:02.0");
    assert_says(
        &found[0],
        &[
            "Intel VT-d: DMA read fault by 0000:00:02.0 at 0x7cd80000",
            "had not bound yet (its driver bound later, at ",
            "iommu-addresses",
            "identity",
        ],
    );
    assert!(!found[0].message.contains("probed before its IOMMU"));
    // The bind is cited: the initcall_debug line, by file and line.
    let text = std::fs::read_to_string(&path).expect("the log reads");
    let bind = found[0]
        .evidence
        .iter()
        .find(|e| e.text.contains("probe of 0000:00:02.0 returned 0"))
        .expect("the bind line is cited");
    assert!(
        text.lines()
            .nth(bind.origin.line as usize - 1)
            .is_some_and(|line| line.contains("probe of 0000:00:02.0 returned 0")),
        "{bind:?}"
    );
    let fault_line = found[0].evidence[0].origin.line;
    assert!(fault_line < bind.origin.line);
}

#[test]
fn the_same_fault_after_the_initcall_debug_bind_claims_no_bootloader_dma() {
    let (_dir, path) = q35_log_with_fault(true);
    let found = faults_in(&path);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        !found[0].message.contains("had not bound"),
        "{}",
        found[0].message
    );
    assert!(
        !found[0].message.contains("iommu-addresses"),
        "{}",
        found[0].message
    );
}

/// The LKFT log of a DragonBoard 410c (fixtures/public, see its MANIFEST entry): up to three
/// CPUs print list-corruption WARNINGs and kernel faults into one stream without caller ids,
/// line for line (a fault's decode inside a WARNING's trace, two `CPU:` lines and then two
/// `pc :` lines). Each fault goes on into its own Oops and takes its own `pc`; each WARNING
/// keeps its own; and, as the MANIFEST says, memory corruption is reported, no probe order.
#[test]
fn interleaved_warnings_and_oopses_without_caller_ids_are_each_their_own_report() {
    let name = "fixtures/public/lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
    let spec = InputSpec {
        paths: vec![path.clone()],
        ..InputSpec::default()
    };
    let found = analyse(&spec).expect("the log reads").1.findings;
    let text = std::fs::read_to_string(&path).expect("the fixture reads");
    let cited = |line: u32| {
        text.lines()
            .nth(line as usize - 1)
            .expect("the cited line exists")
    };
    let crashes: Vec<&Finding> = found.iter().filter(|f| f.rule == "kernel-oops").collect();
    let shown: Vec<String> = crashes
        .iter()
        .map(|f| format!("{}: {}", f.subject, f.message))
        .collect();
    // Four faults, each with its Oops [#1]..[#4] (the same two addresses twice): all in
    // sysfs_file_ops, their `pc` and first frame (a udev read of a poisoned attribute).
    for (address, lines) in [
        ("bbbbbbbbbbbbbbc3", [939, 2081]),
        ("006b6b6b6b6b6b73", [2881, 3992]),
    ] {
        let fault = crashes
            .iter()
            .find(|f| f.message.contains(address))
            .unwrap_or_else(|| panic!("no fault at {address}: {shown:#?}"));
        assert_eq!(fault.subject, "sysfs_file_ops", "{shown:#?}");
        assert_says(
            fault,
            &[
                "kernel fault: Unable to handle kernel paging request",
                "→ Oops in sysfs_file_ops+0x40/0x70",
                "(2 times)",
            ],
        );
        assert!(!fault.message.contains("during a probe"), "{}", fault.message);
        let cites: Vec<u32> = fault.evidence.iter().map(|e| e.origin.line).collect();
        assert_eq!(cites, lines, "{address}");
        for line in lines {
            assert!(
                cited(line).ends_with(&format!(
                    "Unable to handle kernel paging request at virtual address {address}"
                )),
                "{line}: {}",
                cited(line)
            );
        }
    }
    // No Oops line stands alone.
    assert!(
        crashes.iter().all(|f| !f.message.starts_with("Oops")),
        "{shown:#?}"
    );
    // The WARNINGs: every `WARNING:` line of list_debug.c:30 is one report (136 in the file),
    // those interleaved with Oops #1 (lines 1009 and 1125) among them, probing the GPU behind
    // the qcom IOMMU (`qcom_iommu_probe_device` in their traces).
    let add = crashes
        .iter()
        .find(|f| f.subject == "__list_add_valid")
        .unwrap_or_else(|| panic!("{shown:#?}"));
    assert!(
        add.message
            .starts_with("WARNING at lib/list_debug.c:30 __list_add_valid+0xdc/0x110 (136 times)"),
        "{}",
        add.message
    );
    assert_says(add, &["1c00000.gpu"]);
    let add_lines: Vec<u32> = add.evidence.iter().map(|e| e.origin.line).collect();
    assert_eq!(add_lines[0], 669);
    assert!(
        add_lines.contains(&1009) && add_lines.contains(&1125),
        "{add_lines:?}"
    );
    for line in add_lines {
        assert!(
            cited(line).contains("at lib/list_debug.c:30 __list_add_valid+0xdc/0x110"),
            "{line}: {}",
            cited(line)
        );
    }
    let del = crashes
        .iter()
        .find(|f| f.subject == "__list_del_entry_valid")
        .unwrap_or_else(|| panic!("{shown:#?}"));
    assert_says(del, &["WARNING at lib/list_debug.c:59", "(6 times)"]);
    assert_eq!(crashes.len(), 4, "{shown:#?}");
    // The IOMMU probed first and its consumers later: no ordering finding.
    let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
    assert!(
        rules
            .iter()
            .all(|r| matches!(*r, "kernel-oops" | "probe-failed" | "supplier-cycle")),
        "{rules:?}"
    );
}
