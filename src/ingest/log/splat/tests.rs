//! The splat reader on real report shapes: one crash one report, caller ids kept apart,
//! cut-off reports marked, lockdep's chains not taken for its trace.

use super::*;
use crate::model::Origin;

/// The reports read from `(caller, text)` records, as the events list holds them.
fn read(records: &[(Option<&str>, &str)]) -> Vec<Splat> {
    let mut reader = SplatReader::default();
    let mut events = Vec::new();
    for (line, (caller, text)) in records.iter().enumerate() {
        let record = LogRecord {
            origin: Origin::new(&"log".into(), line as u32 + 1),
            time: None,
            wall: None,
            seq: None,
            level: None,
            facility: None,
            caller: caller.map(str::to_string),
            device: None,
            text: text.to_string(),
        };
        reader.see(&record, line as u64, &mut events);
    }
    reader.finish(&mut events);
    events
        .into_iter()
        .filter_map(|event| match event.message {
            Message::Splat(splat) => Some(*splat),
            _ => None,
        })
        .collect()
}

fn lines(text: &str) -> Vec<(Option<&str>, &str)> {
    text.lines().map(|line| (None, line)).collect()
}

#[test]
fn a_bug_its_oops_and_the_panic_are_one_crash() {
    // fixtures/public/exynos5250-snow-..., shortened.
    let splats = read(&lines(
        " kernel BUG at drivers/iommu/exynos-iommu.c:447!\n \
         Internal error: Oops - BUG: 0 [#1] PREEMPT SMP ARM\n \
         Modules linked in:\n \
         PC is at exynos_sysmmu_irq+0x210/0x258\n \
         [<c05a6e34>] (exynos_sysmmu_irq) from [<c01a24f4>] (__handle_irq_event_percpu+0x68/0x42c)\n \
         [<c0100af0>] (__irq_svc) from [<c02b18a0>] (kfree+0x19c/0x3e4)\n \
         Code: e1a00004 ebfe6e3e e3a00000 eaffffd8 (e7f001f2)\n \
         ---[ end trace 5da7a0a8b1a2c8d1 ]---\n \
         Kernel panic - not syncing: Fatal exception in interrupt",
    ));
    assert_eq!(splats.len(), 1);
    assert_eq!(splats[0].class, SplatClass::Bug);
    assert_eq!(splats[0].chain, [SplatClass::Oops, SplatClass::Panic]);
    assert_eq!(
        splats[0].function.as_deref(),
        Some("exynos_sysmmu_irq+0x210/0x258")
    );
    assert!(!splats[0].incomplete);
}

#[test]
fn a_panic_for_another_reason_is_its_own_report() {
    let splats = read(&lines(
        "WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:270 driver_deferred_probe_check_state+0x48/0x68\n\
         Call trace:\n \
         driver_deferred_probe_check_state+0x48/0x68\n\
         ---[ end trace 7c4fd32c7fa6a7a6 ]---\n\
         Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(2,0)",
    ));
    assert_eq!(
        splats.iter().map(|s| s.class).collect::<Vec<_>>(),
        [SplatClass::Warning, SplatClass::Panic]
    );
    assert!(splats[0].chain.is_empty());
}

#[test]
fn interleaved_reports_of_two_callers_keep_their_own_lines() {
    // Two CPUs warning at once (the db410c list corruption, caller ids added): each WARNING
    // takes its `pc`, its trace and the device of its own `cut here` message.
    let splats = read(&[
        (Some("T276"), "------------[ cut here ]------------"),
        (Some("T281"), "------------[ cut here ]------------"),
        (
            Some("T276"),
            "qcom-pon 200f000.spmi:pmic@0:pon@800: list_add corruption.",
        ),
        (
            Some("T281"),
            "list_del corruption. next->prev should be ffff0000, but was dead",
        ),
        (
            Some("T276"),
            "WARNING: CPU: 2 PID: 276 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110",
        ),
        (
            Some("T281"),
            "WARNING: CPU: 3 PID: 281 at lib/list_debug.c:59 __list_del_entry_valid+0x104/0x130",
        ),
        (Some("T281"), "pc : __list_del_entry_valid+0x104/0x130"),
        (Some("T276"), "pc : __list_add_valid+0xdc/0x110"),
        (Some("T276"), "Call trace:"),
        (Some("T281"), "Call trace:"),
        (Some("T281"), " __list_del_entry_valid+0x104/0x130"),
        (Some("T276"), " __list_add_valid+0xdc/0x110"),
        (Some("T281"), " rproc_del+0x30/0x90"),
        (Some("T276"), " device_link_add+0x1c4/0x6d0"),
        (Some("T276"), " qcom_iommu_probe_device+0x5c/0xc4"),
        (Some("T281"), " q6v5_probe+0x2a0/0x4a0"),
        (Some("T281"), " platform_probe+0x70/0xd0"),
        (Some("T276"), " pm8916_pon_probe+0x1c/0x80"),
        (Some("T281"), " really_probe+0x88/0x3f4"),
        (Some("T276"), " platform_probe+0x70/0xd0"),
        (Some("T276"), " really_probe+0x88/0x3f4"),
        (Some("T276"), "---[ end trace 0000000000000000 ]---"),
        (Some("T281"), "---[ end trace 0000000000000000 ]---"),
    ]);
    assert_eq!(splats.len(), 2);
    let add = &splats[0];
    assert_eq!(add.caller.as_deref(), Some("T276"));
    assert_eq!(add.function.as_deref(), Some("__list_add_valid+0xdc/0x110"));
    assert_eq!(add.device.as_deref(), Some("200f000.spmi:pmic@0:pon@800"));
    assert_eq!(add.probe_function.as_deref(), Some("pm8916_pon_probe"));
    let del = &splats[1];
    assert_eq!(del.caller.as_deref(), Some("T281"));
    assert_eq!(
        del.function.as_deref(),
        Some("__list_del_entry_valid+0x104/0x130")
    );
    assert_eq!(del.device, None);
    assert_eq!(del.probe_function.as_deref(), Some("q6v5_probe"));
    assert!(splats.iter().all(|s| s.in_probe && !s.incomplete));
}

#[test]
fn a_report_the_log_cuts_off_is_kept_and_marked() {
    let splats = read(&lines(
        "INFO: task swapper/0:1 blocked for more than 10 seconds.\n\
         Call trace:\n \
         __switch_to+0xc0/0x104\n \
         schedule+0x74/0x94\n \
         __flush_work+0x108/0x19c",
    ));
    assert_eq!(splats.len(), 1);
    assert_eq!(splats[0].class, SplatClass::HungTask);
    assert_eq!(splats[0].function.as_deref(), Some("__flush_work+0x108/0x19c"));
    assert!(splats[0].incomplete);
}

#[test]
fn lockdep_reports_take_their_function_from_the_task_trace_not_the_chain() {
    let splats = read(&lines(
        "WARNING: possible circular locking dependency detected\n\
         -> #1 (fs_reclaim){+.+.}:\n       \
         fs_reclaim_acquire.part.0+0x25/0x30\n       \
         kmem_cache_alloc_node_trace+0x33/0x310\n\
         stack backtrace:\n\
         Call Trace:\n \
         dump_stack+0x77/0x97\n \
         check_noncircular+0x120/0x140\n \
         __lock_acquire+0x1000/0x1500\n \
         lock_acquire+0xbd/0x370\n \
         bch2_alloc_sectors_start+0x22b/0x1550 [bcachefs]\n\
         ---[ end trace 0 ]---",
    ));
    assert_eq!(splats.len(), 1);
    assert_eq!(splats[0].class, SplatClass::Lockdep);
    assert_eq!(
        splats[0].function.as_deref(),
        Some("bch2_alloc_sectors_start+0x22b/0x1550")
    );
    assert_eq!(splats[0].module.as_deref(), Some("bcachefs"));
}

#[test]
fn busy_inodes_as_a_warn_message_is_one_report_with_its_warning() {
    // Without CONFIG_BUG_ON_DATA_CORRUPTION, CHECK_DATA_CORRUPTION() is WARN(1, fmt): `cut
    // here`, the message, then the WARNING line (fs/super.c generic_shutdown_super()).
    let splats = read(&lines(
        "------------[ cut here ]------------\n\
         VFS: Busy inodes after unmount of sdb (ext4)\n\
         WARNING: CPU: 3 PID: 6 at fs/super.c:695 generic_shutdown_super+0xf0/0x100\n\
         Call trace:\n \
         generic_shutdown_super+0xf0/0x100\n \
         kill_block_super+0x20/0x48\n\
         ---[ end trace 0000000000000000 ]---",
    ));
    assert_eq!(splats.len(), 1, "{splats:#?}");
    assert_eq!(splats[0].class, SplatClass::BusyInodes);
    assert_eq!(splats[0].chain, [SplatClass::Warning]);
    assert_eq!(
        splats[0].function.as_deref(),
        Some("generic_shutdown_super+0xf0/0x100")
    );
    assert!(!splats[0].incomplete);
}

#[test]
fn a_later_bug_is_not_taken_for_a_busy_inodes_report() {
    let splats = read(&lines(
        "VFS: Busy inodes after unmount of sdb (ext4)\n\
         EXT4-fs (sdc1): mounted filesystem\n\
         usb 1-1: new high-speed USB device\n\
         kernel BUG at mm/slub.c:123!",
    ));
    assert_eq!(
        splats.iter().map(|s| s.class).collect::<Vec<_>>(),
        [SplatClass::BusyInodes, SplatClass::Bug]
    );
}

#[test]
fn driver_lines_another_cpu_prints_into_a_trace_do_not_end_it() {
    // No caller ids: an IOMMU driver's fault line lands between two frames of an Oops's
    // trace; the frames after it are still the Oops's (its probe function is further down).
    let splats = read(&lines(
        "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008\n\
         Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP\n\
         pc : rk_iommu_of_xlate+0x30/0x90\n\
         Call trace:\n \
         rk_iommu_of_xlate+0x30/0x90\n\
         arm-smmu 5000000.iommu: Unhandled context fault: fsr=0x402, iova=0x8010003f6000\n \
         of_iommu_xlate+0x80/0xe0\n \
         rockchip_vop_probe+0x1c/0x80\n \
         platform_probe+0x70/0xd0\n \
         really_probe+0x88/0x3f4\n\
         ---[ end trace 0000000000000000 ]---",
    ));
    assert_eq!(splats.len(), 1, "{splats:#?}");
    assert_eq!(splats[0].chain, [SplatClass::Oops]);
    assert_eq!(splats[0].function.as_deref(), Some("rk_iommu_of_xlate+0x30/0x90"));
    assert_eq!(splats[0].probe_function.as_deref(), Some("rockchip_vop_probe"));
    assert_eq!(splats[0].device, None);
    assert!(splats[0].in_probe && !splats[0].incomplete);
}

#[test]
fn a_sanitizer_report_runs_past_its_traces_to_its_closing_rule() {
    let cut = read(&lines(
        "BUG: KCSAN: data-race in foo / bar\n\
         \n\
         write to 0x1 of 1 bytes by task 10 on cpu 2:\n \
         foo+0x1/0x2\n \
         kthread+0x1/0x2\n\
         \n\
         read to 0x1 of 1 bytes by task 1 on cpu 1:\n \
         bar+0x1/0x2\n \
         kthread+0x1/0x2\n\
         \n\
         value changed: 0x00 -> 0x01",
    ));
    assert_eq!(cut.len(), 1);
    assert!(cut[0].incomplete, "no closing rule: cut off");
    let whole = read(&lines(
        "BUG: KFENCE: out-of-bounds read in foo+0x1/0x2\n\
         \n\
         Out-of-bounds read at 0x1 (40B right of kfence-#110):\n \
         foo+0x1/0x2\n\
         \n\
         kfence-#110: 0x2-0x3, size=32, cache=kmalloc-32\n\
         ==================================================================",
    ));
    assert_eq!(whole.len(), 1);
    assert!(!whole[0].incomplete);
}

#[test]
fn the_probe_path_is_found_under_the_compilers_clone_names() {
    // kernelci shuboz 5.15 (fixtures/public): `really_probe.part.0` is the driver core, not
    // the driver's probe function.
    let splats = read(&lines(
        "BUG: kernel NULL pointer dereference, address: 00000000000002fc\n\
         Oops: 0000 [#1] SMP NOPTI\n\
         RIP: 0010:cros_ec_check_features+0x7/0x110\n\
         Call Trace:\n \
         <TASK>\n \
         ? cros_ec_check_features+0x7/0x110\n \
         cros_typec_probe+0xd4/0x4d9 [cros_ec_typec]\n \
         platform_probe+0x3a/0xa0\n \
         really_probe.part.0+0xb3/0x2a0\n \
         __driver_probe_device+0x8c/0x130\n \
         </TASK>",
    ));
    assert_eq!(splats.len(), 1);
    assert!(splats[0].in_probe);
    assert_eq!(splats[0].probe_function.as_deref(), Some("cros_typec_probe"));
}
