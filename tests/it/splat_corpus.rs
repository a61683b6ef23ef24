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
