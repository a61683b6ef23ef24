//! The first line of each kind of kernel report, as the kernel source prints it:
//!
//! - `WARNING: CPU: %d PID: %d at %s:%d %pS` (kernel/panic.c `__warn()`; older `WARNING: at`,
//!   newer `WARNING: %s:%d at %pS, CPU#%d: ...`)
//! - `BUG: ...` and `kernel BUG at %s:%u!` (lib/bug.c `report_bug()`, mm/, arch fault handlers)
//! - `Internal error: %s: %x [#%d]` (arm64/arm `die()`), `Oops: %04lx [#%d]` and
//!   `Oops: general protection fault ...` (x86 `__die_header()`)
//! - `Unable to handle kernel %s at virtual address %016lx` (arm64 `die_kernel_fault()`, arm)
//! - `general protection fault...`, `divide error: ...` (arch/x86/kernel/traps.c)
//! - `Kernel panic - not syncing: %s` (kernel/panic.c `panic()`)
//! - `BUG: KASAN: %s in %pS` (mm/kasan/report.c), `BUG: KMSAN: %s in %pS` (mm/kmsan/report.c),
//!   `BUG: KCSAN: %s in %pS / %pS` (kernel/kcsan/report.c), `BUG: KFENCE: %s in %pS`
//!   (mm/kfence/report.c)
//! - `UBSAN: %s in %s:%d:%d` (lib/ubsan.c `ubsan_prologue()`)
//! - lockdep (kernel/locking/lockdep.c, lockdep.c `lockdep_rcu_suspicious()`): `WARNING:
//!   possible circular locking dependency detected`, `WARNING: inconsistent lock state`,
//!   `WARNING: bad unlock balance detected!`, `WARNING: held lock freed!`, `WARNING: possible
//!   recursive locking detected`, `WARNING: suspicious RCU usage`, ...; before v4.10 the same
//!   words as `[ INFO: ... ]` / `[ BUG: ... ]`
//! - `rcu: INFO: %s detected stalls on CPUs/tasks:`, `rcu: INFO: %s self-detected stall on CPU`,
//!   `rcu: INFO: %s detected expedited stalls on CPUs/tasks:` (kernel/rcu/tree_stall.h,
//!   tree_exp.h; `rcu: ` is their pr_fmt since v4.19)
//! - `INFO: task %s:%d blocked for more than %ld seconds.` (kernel/hung_task.c)
//! - `watchdog: BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]` and `watchdog: Watchdog
//!   detected hard LOCKUP on cpu %d` (kernel/watchdog.c, watchdog_perf.c; `NMI watchdog: ` in
//!   older kernels, `CPU%u: ` before the words since v6.7)
//! - `VFS: Busy inodes after unmount of %s` (fs/super.c), `VFS: file-max limit %lu reached`
//!   (fs/file_table.c)

use super::frame::code_address;
use crate::model::SplatClass;

/// What a report's first line says.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub class: SplatClass,
    /// The line without what changes between repeats of one report.
    pub summary: String,
    /// The function the line names itself (a WARNING's `func+0x../0x..`, a KASAN report's
    /// `in func+0x../0x..`), with its module.
    pub function: Option<(String, Option<String>)>,
}

/// lockdep's report titles (kernel/locking/lockdep.c), as printed after `WARNING: ` (v4.10+)
/// or inside `[ INFO: ... ]` / `[ BUG: ... ]` (before).
const LOCKDEP_TITLES: &[&str] = &[
    "possible circular locking dependency detected",
    "inconsistent lock state",
    "bad unlock balance detected!",
    "held lock freed!",
    "possible recursive locking detected",
    "possible irq lock inversion dependency detected",
    "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected",
    "SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected",
    "lock held when returning to user space!",
    "Nested lock was not taken",
    "lock held at task exit time!",
    "suspicious RCU usage",
    "possible circular locking dependency detected ]",
];

/// pr_fmt prefixes some reports are printed with.
const PREFIXES: &[&str] = &["watchdog: ", "NMI watchdog: ", "rcu: ", "hung_task: "];

/// The header of a kernel report, if `line` is one.
pub fn header(line: &str) -> Option<Header> {
    let line = line.trim();
    let mut message = line;
    for prefix in PREFIXES {
        if let Some(rest) = message.strip_prefix(prefix) {
            message = rest;
            break;
        }
    }
    let class = class_of(message)?;
    Some(Header {
        class,
        summary: summary(class, line, message),
        function: function_named(class, message),
    })
}

fn class_of(message: &str) -> Option<SplatClass> {
    let first = *message.as_bytes().first()?;
    let class = match first {
        b'W' => {
            if let Some(title) = message.strip_prefix("WARNING: ") {
                if is_lockdep_title(title) {
                    SplatClass::Lockdep
                } else if is_warning(title) {
                    SplatClass::Warning
                } else {
                    return None;
                }
            } else if message.contains("Watchdog detected hard LOCKUP") {
                SplatClass::HardLockup
            } else {
                return None;
            }
        }
        b'[' => {
            let inner = message
                .strip_prefix("[ INFO: ")
                .or_else(|| message.strip_prefix("[ BUG: "))?;
            if is_lockdep_title(inner.trim_end_matches(" ]")) {
                SplatClass::Lockdep
            } else {
                return None;
            }
        }
        b'B' => {
            let what = message.strip_prefix("BUG: ")?;
            if what.starts_with("KASAN: ") {
                SplatClass::Kasan
            } else if what.starts_with("KMSAN: ") {
                SplatClass::Kmsan
            } else if what.starts_with("KCSAN: ") {
                SplatClass::Kcsan
            } else if what.starts_with("KFENCE: ") {
                SplatClass::Kfence
            } else if what.starts_with("soft lockup") {
                SplatClass::SoftLockup
            } else if is_lockdep_title(what) {
                SplatClass::Lockdep
            } else {
                SplatClass::Bug
            }
        }
        b'k' if message.starts_with("kernel BUG at ") => SplatClass::Bug,
        b'I' if message.starts_with("Internal error: ") => SplatClass::Oops,
        b'I' if message.starts_with("INFO: task ") && message.contains(" blocked for more than ") => {
            SplatClass::HungTask
        }
        b'I' if message.starts_with("INFO: ")
            && (message.contains(" detected stall") || message.contains(" self-detected stall")) =>
        {
            SplatClass::RcuStall
        }
        b'O' => {
            let what = message.strip_prefix("Oops: ")?;
            if what.starts_with("general protection fault") {
                SplatClass::GeneralProtection
            } else if what.starts_with("divide error") {
                SplatClass::DivideError
            } else {
                SplatClass::Oops
            }
        }
        b'U' if message.starts_with("Unable to handle kernel ") => SplatClass::KernelFault,
        b'U' if message.starts_with("UBSAN: ") => SplatClass::Ubsan,
        b'g' if message.starts_with("general protection fault") => SplatClass::GeneralProtection,
        b'd' if message.starts_with("divide error: ") => SplatClass::DivideError,
        b'K' if message.starts_with("Kernel panic - not syncing") => SplatClass::Panic,
        b'V' if message.starts_with("VFS: Busy inodes after unmount") => SplatClass::BusyInodes,
        b'V' if message.starts_with("VFS: file-max limit ") && message.ends_with(" reached") => {
            SplatClass::FileMaxReached
        }
        // v6.7+: `CPU%u: Watchdog detected hard LOCKUP on cpu %u`.
        b'C' if message.contains(": Watchdog detected hard LOCKUP") => SplatClass::HardLockup,
        _ => return None,
    };
    Some(class)
}

fn is_lockdep_title(title: &str) -> bool {
    let title = title.trim();
    LOCKDEP_TITLES.iter().any(|known| title.starts_with(known))
}

/// `CPU: %d PID: %d at ...` (`__warn()`), the old `at %s:%d`, and the newer `<file>:<line> at
/// <func>, CPU#n: ...`; firmware lines that start with `WARNING:` have none of these shapes.
fn is_warning(rest: &str) -> bool {
    if rest.starts_with("CPU: ") || rest.starts_with("at ") {
        return true;
    }
    match rest.split_once(' ') {
        Some((place, after)) => after.starts_with("at ") && is_file_line(place),
        None => false,
    }
}

fn is_file_line(place: &str) -> bool {
    place
        .rsplit_once(':')
        .is_some_and(|(file, line)| file.contains('.') && line.parse::<u32>().is_ok())
}

/// The report's first line without what changes between repeats of it.
fn summary(class: SplatClass, line: &str, message: &str) -> String {
    match class {
        SplatClass::Warning => match message
            .strip_prefix("WARNING: CPU: ")
            .and_then(|rest| rest.split_once(" at "))
        {
            Some((_, place)) => format!("WARNING at {place}"),
            // The newer form ends in `, CPU#n: comm/pid`.
            None => match message.split_once(", CPU#") {
                Some((place, _)) => place.to_string(),
                None => message.to_string(),
            },
        },
        // `INFO: task %s:%d blocked for more than %ld seconds.`: the same task, whatever
        // the seconds.
        SplatClass::HungTask => match message.split_once(" blocked for more than ") {
            Some((task, _)) => format!("{task} blocked"),
            None => message.to_string(),
        },
        SplatClass::SoftLockup => match message.split_once(" - CPU#") {
            Some((what, _)) => what.to_string(),
            None => message.to_string(),
        },
        _ => line.to_string(),
    }
}

/// The function a header names itself.
fn function_named(class: SplatClass, message: &str) -> Option<(String, Option<String>)> {
    match class {
        SplatClass::Warning => {
            // `WARNING: CPU: 1 PID: 151 at file.c:256 func+0x1c/0x80 [mod]`, newer `WARNING:
            // file.c:256 at func+0x1c/0x80, CPU#1: comm/151`, old `WARNING: at file.c:256
            // func()`.
            let (before, after) = message.split_once(" at ")?;
            let symbol_text = if is_file_line(after.split_whitespace().next()?) {
                after.split_once(' ')?.1
            } else if is_file_line(before.trim_start_matches("WARNING: ")) {
                after.split(", CPU#").next()?
            } else {
                return None;
            };
            // Before v4.1 the caller was printed `%pS()`.
            match symbol_text.trim().strip_suffix("()") {
                Some(symbol) => code_address(symbol).or_else(|| Some((symbol.to_string(), None))),
                None => code_address(symbol_text),
            }
        }
        SplatClass::Kasan | SplatClass::Kmsan | SplatClass::Kcsan | SplatClass::Kfence => {
            let (_, place) = message.split_once(" in ")?;
            let first = place.split(" / ").next()?;
            // decode_stacktrace.sh writes `func (file.c:123)` for `func+0x1/0x2`.
            code_address(first).or_else(|| {
                let name = first.split(" (").next()?.trim();
                (!name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'))
                .then(|| (name.to_string(), None))
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(line: &str) -> Option<SplatClass> {
        header(line).map(|h| h.class)
    }

    #[test]
    fn every_report_header_is_recognised() {
        let cases = [
            ("WARNING: CPU: 1 PID: 151 at drivers/iommu/foo.c:256 foo_probe+0x1c/0x80", SplatClass::Warning),
            ("WARNING: at drivers/base/dd.c:270 driver_deferred_probe_check_state()", SplatClass::Warning),
            ("kernel BUG at drivers/iommu/exynos-iommu.c:447!", SplatClass::Bug),
            ("BUG: kernel NULL pointer dereference, address: 0000000000000038", SplatClass::Bug),
            ("Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP", SplatClass::Oops),
            ("Oops: 0002 [#1] SMP PTI", SplatClass::Oops),
            ("Oops: general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN", SplatClass::GeneralProtection),
            ("general protection fault: 0000 [#1] SMP PTI", SplatClass::GeneralProtection),
            ("divide error: 0000 [#1] PREEMPT SMP KASAN", SplatClass::DivideError),
            ("Oops: divide error: 0000 [#1] PREEMPT SMP KASAN NOPTI", SplatClass::DivideError),
            ("Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008", SplatClass::KernelFault),
            ("Kernel panic - not syncing: Fatal exception", SplatClass::Panic),
            ("BUG: KASAN: slab-out-of-bounds in foo+0x10/0x20", SplatClass::Kasan),
            ("BUG: KMSAN: uninit-value in foo+0x10/0x20", SplatClass::Kmsan),
            ("BUG: KCSAN: data-race in foo / bar", SplatClass::Kcsan),
            ("BUG: KFENCE: out-of-bounds read in foo+0x10/0x20", SplatClass::Kfence),
            ("UBSAN: shift-out-of-bounds in ./include/linux/log2.h:57:13", SplatClass::Ubsan),
            ("WARNING: possible circular locking dependency detected", SplatClass::Lockdep),
            ("WARNING: inconsistent lock state", SplatClass::Lockdep),
            ("WARNING: bad unlock balance detected!", SplatClass::Lockdep),
            ("WARNING: held lock freed!", SplatClass::Lockdep),
            ("WARNING: suspicious RCU usage", SplatClass::Lockdep),
            ("[ INFO: possible circular locking dependency detected ]", SplatClass::Lockdep),
            ("rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", SplatClass::RcuStall),
            ("rcu: INFO: rcu_preempt self-detected stall on CPU", SplatClass::RcuStall),
            ("INFO: rcu_sched detected stalls on CPUs/tasks:", SplatClass::RcuStall),
            ("INFO: task swapper/0:1 blocked for more than 10 seconds.", SplatClass::HungTask),
            ("watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:97]", SplatClass::SoftLockup),
            ("watchdog: Watchdog detected hard LOCKUP on cpu 3", SplatClass::HardLockup),
            ("NMI watchdog: Watchdog detected hard LOCKUP on cpu 1", SplatClass::HardLockup),
            ("watchdog: CPU3: Watchdog detected hard LOCKUP on cpu 3", SplatClass::HardLockup),
            ("VFS: Busy inodes after unmount of sdb (ext4)", SplatClass::BusyInodes),
            ("VFS: file-max limit 8192 reached", SplatClass::FileMaxReached),
        ];
        for (line, expected) in cases {
            assert_eq!(class(line), Some(expected), "{line}");
        }
    }

    #[test]
    fn lines_that_only_look_like_reports_are_not() {
        for line in [
            "WARNING: the mand mount option is being deprecated",
            "INFO: something else",
            "Oops-free boot",
            "VFS: Mounted root (ext4 filesystem) readonly on device 179:2.",
            "Kernel command line: console=ttyS0",
        ] {
            assert_eq!(class(line), None, "{line}");
        }
    }

    #[test]
    fn headers_name_their_function_and_drop_what_changes_between_repeats() {
        let warning = header("WARNING: CPU: 1 PID: 151 at drivers/iommu/foo.c:256 foo_probe+0x1c/0x80 [foo]")
            .expect("a warning");
        assert_eq!(
            warning.summary,
            "WARNING at drivers/iommu/foo.c:256 foo_probe+0x1c/0x80 [foo]"
        );
        assert_eq!(
            warning.function,
            Some(("foo_probe+0x1c/0x80".to_string(), Some("foo".to_string())))
        );
        let kasan = header("BUG: KASAN: use-after-free in bar+0x1/0x2").expect("KASAN");
        assert_eq!(kasan.function, Some(("bar+0x1/0x2".to_string(), None)));
        let hung = header("INFO: task kworker/1:2:10762 blocked for more than 120 seconds.").expect("hung");
        assert_eq!(hung.summary, "INFO: task kworker/1:2:10762 blocked");
    }
}
