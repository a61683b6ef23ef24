//! The public crash logs of fixtures/public-extra/splats: every file gives exactly the
//! kernel-oops findings its README states (class, function, cut off or not, how many).

use probescope::commands::check::analyse;
use probescope::ingest::discover::InputSpec;
use probescope::rules::Finding;
use std::path::PathBuf;

fn splats(name: &str) -> Vec<Finding> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/public-extra/splats")
        .join(name);
    // Read by content, as a user's `probescope check report.txt` would: a report pasted alone,
    // without time stamps or a boot around it, is still recognised as a kernel log.
    let spec = InputSpec {
        paths: vec![path],
        ..InputSpec::default()
    };
    analyse(&spec)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .1
        .findings
        .into_iter()
        .filter(|f| f.rule == "kernel-oops")
        .collect()
}

/// One expected finding: the class its text starts with, its subject (the function, or
/// `kernel`), and whether the report is cut off.
struct Expected {
    class: &'static str,
    subject: &'static str,
    cut_off: bool,
}

const fn whole(class: &'static str, subject: &'static str) -> Expected {
    Expected {
        class,
        subject,
        cut_off: false,
    }
}

const fn cut(class: &'static str, subject: &'static str) -> Expected {
    Expected {
        class,
        subject,
        cut_off: true,
    }
}

/// The findings are exactly the expected ones, in any order.
fn assert_findings(name: &str, expected: &[Expected]) {
    let mut found = splats(name);
    let shown: Vec<String> = found
        .iter()
        .map(|f| format!("{}: {}", f.subject, f.message))
        .collect();
    assert_eq!(found.len(), expected.len(), "{name}: {shown:#?}");
    for expected in expected {
        let matching = found.iter().position(|finding| {
            finding.message.starts_with(expected.class)
                && finding.subject == expected.subject
                && finding.message.contains("the report is cut off") == expected.cut_off
        });
        match matching {
            Some(index) => {
                found.remove(index);
            }
            None => panic!(
                "{name}: no {} finding on {} (cut off: {}) in {shown:#?}",
                expected.class, expected.subject, expected.cut_off
            ),
        }
    }
}

#[test]
fn a_hung_task_in_a_probe_names_where_it_waits_and_the_probe_function() {
    let name = "hung-task-rockchip-4.19-pl330-probe-cut.txt";
    assert_findings(name, &[cut("hung task", "__flush_work")]);
    let found = splats(name);
    assert!(
        found[0].message.contains("INFO: task swapper/0:1 blocked"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("during a probe (pl330_probe)"),
        "{}",
        found[0].message
    );
}

#[test]
fn hung_tasks_without_traces_are_one_finding_per_task() {
    assert_findings(
        "hung-tasks-sonic-4.19-no-traces.txt",
        &[
            whole("hung task", "kernel"),
            whole("hung task", "kernel"),
            whole("hung task", "kernel"),
            whole("hung task", "kernel"),
            cut("hung task", "kernel"),
        ],
    );
}

#[test]
fn two_rcu_stalls_at_different_times_are_two_findings() {
    assert_findings(
        "rcu-stall-tetragon-x86-two-reports.txt",
        &[whole("RCU stall", "rcu_gp_kthread"), cut("RCU stall", "kernel")],
    );
}

#[test]
fn a_self_detected_rcu_stall_takes_its_function_from_the_interrupted_rip() {
    let name = "rcu-self-detected-stall-amdgpu-hmm-5.12-x86-cut.txt";
    let found = splats(name);
    assert_eq!(found.len(), 1, "{found:#?}");
    // RCU's own frames and the timer interrupt's are inside `<IRQ>`; the stalled code is the
    // interrupted context's `RIP:`.
    let stall = finding_on(
        name,
        "clear_page_rep",
        "rcu: INFO: rcu_sched self-detected stall on CPU",
    );
    assert_eq!(stall.evidence[0].origin.line, 3);
    assert_says(&stall, &["RCU stall", "in clear_page_rep+0x7/0x10"]);
    assert!(!stall.message.contains("probe"), "{}", stall.message);
}

#[test]
fn ubsan_reports_name_the_driver_function_past_ubsans_own_frames() {
    assert_findings(
        "ubsan-rtl8188eus-6.6.58-x86-shift-out-of-bounds-cut.txt",
        &[cut("UBSAN report", "phydm_process_rssi_for_dm")],
    );
    assert!(
        splats("ubsan-rtl8188eus-6.6.58-x86-shift-out-of-bounds-cut.txt")[0]
            .message
            .contains("[8188eu]")
    );
    assert_findings(
        "ubsan-rtw8852be-5.15-array-index-cut.txt",
        &[cut("UBSAN report", "dispr_send_msg")],
    );
}

#[test]
fn lockdep_reports_in_every_form() {
    assert_findings(
        "lockdep-suspicious-rcu-mcelog-4.13-x86-cut.txt",
        &[cut("lockdep report", "dev_mce_log")],
    );
    assert_findings(
        "lockdep-old-info-suspicious-rcu-tempesta-4.1-cut.txt",
        &[cut("lockdep report", "kernel")],
    );
    assert_findings(
        "lockdep-circular-bcachefs-5.6-x86-cut.txt",
        &[cut("lockdep report", "kernel")],
    );
}

#[test]
fn lockups_and_sanitizers() {
    assert_findings(
        "soft-lockup-mptcp-5.9-qemu-x86-cut.txt",
        &[cut("soft lockup", "mptcp_subflow_data_available")],
    );
    assert_findings(
        "kasan-use-after-free-caller-ids-decoded-mptcp-6.5-cut.txt",
        &[cut("KASAN report", "kernfs_test_super")],
    );
    assert_findings(
        "kasan-slab-out-of-bounds-bcachefs-6.1-x86-cut.txt",
        &[cut("KASAN report", "bch2_fs_usage_read")],
    );
    assert_findings(
        "hard-lockup-old-warn-ratelimit-3.16-x86-cut.txt",
        &[cut("hard lockup", "watchdog_overflow_callback")],
    );
}

#[test]
fn a_warning_in_a_syslog_is_one_warning_not_a_general_protection_fault() {
    assert_findings(
        "warning-syslog-zfs-5.3-gpf-in-user-access-cut.txt",
        &[cut("WARNING", "ex_handler_uaccess")],
    );
}

/// The one finding of `name` whose subject is `subject`, with its first line (the evidence
/// the finding cites first) checked against the file.
fn finding_on(name: &str, subject: &str, first_line: &str) -> Finding {
    let found = splats(name);
    let finding = found
        .iter()
        .find(|f| f.subject == subject)
        .unwrap_or_else(|| panic!("{name}: no finding on {subject}: {found:#?}"))
        .clone();
    let first = &finding.evidence[0];
    assert_eq!(&*first.text, first_line, "{name}");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/public-extra/splats")
        .join(name);
    let text = std::fs::read_to_string(path).expect("the fixture reads");
    let cited = text
        .lines()
        .nth(first.origin.line as usize - 1)
        .expect("the cited line exists");
    assert!(
        cited.contains(first_line),
        "{name}:{}: {cited}",
        first.origin.line
    );
    finding
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
fn kmsan_with_caller_ids_names_the_function_its_header_names() {
    let name = "kmsan-uninit-value-caller-ids-syzkaller-5.4-softirq-cut.txt";
    assert_findings(name, &[cut("KMSAN report", "nf_ip_checksum")]);
    let kmsan = finding_on(
        name,
        "nf_ip_checksum",
        "BUG: KMSAN: uninit-value in nf_ip_checksum+0x758/0x770",
    );
    assert!(!kmsan.message.contains("probe"), "{}", kmsan.message);
}

#[test]
fn kcsan_takes_the_first_access_of_its_header_and_runs_to_its_closing_rule() {
    // Both access stacks belong to the one report; without the closing rule it is cut off.
    let name = "kcsan-data-race-ppc64-6.2-initcall-cut.txt";
    assert_findings(name, &[cut("KCSAN report", "queued_spin_lock_slowpath")]);
    finding_on(
        name,
        "queued_spin_lock_slowpath",
        "BUG: KCSAN: data-race in queued_spin_lock_slowpath / queued_spin_lock_slowpath",
    );
}

#[test]
fn kfence_in_a_module_is_complete_at_its_closing_rule_and_names_the_module_once() {
    let name = "kfence-out-of-bounds-read-scst-module-5.14-el9.txt";
    assert_findings(name, &[whole("KFENCE report", "scst_cmd_overlap_atomic")]);
    let kfence = finding_on(
        name,
        "scst_cmd_overlap_atomic",
        "BUG: KFENCE: out-of-bounds read in scst_cmd_overlap_atomic+0x119/0x150 [scst]",
    );
    assert_eq!(kfence.message.matches("[scst]").count(), 1, "{}", kfence.message);
}

#[test]
fn a_divide_error_takes_its_function_from_the_old_two_address_rip_line() {
    let name = "divide-error-coreos-4.3-old-rip-form-cut.txt";
    assert_findings(name, &[cut("divide error", "task_numa_find_cpu")]);
    let divide = finding_on(name, "task_numa_find_cpu", "divide error: 0000 [#1] SMP");
    assert_says(&divide, &["in task_numa_find_cpu+0x234/0x700"]);
}

#[test]
fn a_general_protection_fault_takes_its_function_from_rip() {
    let name = "gpf-non-canonical-mlxsw-6.9-workqueue-commit-message-cut.txt";
    assert_findings(
        name,
        &[cut("general protection fault", "mlxsw_sp_acl_erp_bf_insert")],
    );
    let gpf = finding_on(
        name,
        "mlxsw_sp_acl_erp_bf_insert",
        "general protection fault, probably for non-canonical address 0xdead000000000d90: 0000 [#1] PREEMPT SMP PTI",
    );
    assert_says(&gpf, &["in mlxsw_sp_acl_erp_bf_insert+0x25/0x80"]);
}

#[test]
fn busy_inodes_and_the_bug_check_data_corruption_goes_on_into_are_one_report() {
    let name = "vfs-busy-inodes-then-bug-arm64-6.6-commit-message-cut.txt";
    assert_findings(
        name,
        &[cut("busy inodes after unmount", "generic_shutdown_super")],
    );
    let busy = finding_on(
        name,
        "generic_shutdown_super",
        "VFS: Busy inodes after unmount of sdb (ext4)",
    );
    assert_says(&busy, &["→ BUG", "in generic_shutdown_super+0xf0/0x100"]);
}

#[test]
fn repeated_file_max_reports_are_one_finding_with_a_count() {
    let name = "vfs-file-max-limit-syslog-2.6-ubuntu-dapper-repeated.txt";
    assert_findings(name, &[whole("file-max reached", "kernel")]);
    let file_max = finding_on(name, "kernel", "VFS: file-max limit 205258 reached");
    assert_says(&file_max, &["(4 times)"]);
    assert_eq!(file_max.evidence.len(), 4);
}

#[test]
fn lockdep_reports_of_every_title_take_the_task_trace_after_lockdeps_own_frames() {
    // inconsistent lock state: the frames under "state was registered at" are the lock's
    // history; the excerpt ends before "stack backtrace:", so no function.
    let inconsistent = "lockdep-inconsistent-lock-state-wilc-4.14-arm-cut.txt";
    assert_findings(inconsistent, &[cut("lockdep report", "kernel")]);
    finding_on(inconsistent, "kernel", "WARNING: inconsistent lock state");
    // bad unlock balance, then the rwsem WARNING it leads to: two reports, each whole.
    let unlock = "lockdep-bad-unlock-balance-riscv-6.5-next-serial-then-warning.txt";
    assert_findings(
        unlock,
        &[whole("lockdep report", "up_read"), whole("WARNING", "__up_read")],
    );
    finding_on(unlock, "up_read", "WARNING: bad unlock balance detected!");
    let rwsem = finding_on(
        unlock,
        "__up_read",
        "WARNING: CPU: 3 PID: 58 at kernel/locking/rwsem.c:1348 __up_read+0x1c2/0x224",
    );
    assert!(!rwsem.message.contains("probe"), "{}", rwsem.message);
    // held lock freed, in a remove called from really_probe: the function is the one
    // freeing (past lockdep's check and kfree), during a probe that names no device.
    let freed = "lockdep-held-lock-freed-of-unittest-5.6-next-i386-probe-then-warning.txt";
    assert_findings(
        freed,
        &[
            whole("lockdep report", "unittest_gpio_remove"),
            whole("WARNING", "devres_release_all"),
        ],
    );
    let held = finding_on(freed, "unittest_gpio_remove", "WARNING: held lock freed!");
    assert_says(&held, &["in unittest_gpio_remove+0x28/0x40", ", during a probe"]);
    assert!(held.related.is_empty(), "{:?}", held.related);
    let devres = finding_on(
        freed,
        "devres_release_all",
        "WARNING: CPU: 0 PID: 1 at drivers/base/devres.c:526 devres_release_all+0xe/0x50",
    );
    assert_says(&devres, &[", during a probe"]);
}

#[test]
fn a_hard_lockup_in_the_v6_7_form_takes_its_function_from_rip() {
    let name = "hard-lockup-6.7plus-form-arch-6.16-xhci-bugzilla-wrapped.txt";
    assert_findings(name, &[whole("hard lockup", "delay_halt_mwaitx")]);
    let lockup = finding_on(
        name,
        "delay_halt_mwaitx",
        "watchdog: CPU4: Watchdog detected hard LOCKUP on cpu 4",
    );
    assert_says(&lockup, &["in delay_halt_mwaitx+0x1f/0x40"]);
    assert!(!lockup.message.contains("probe"), "{}", lockup.message);
}
