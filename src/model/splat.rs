//! A kernel report ("splat") as one fact: what kind of report the kernel printed, its first
//! line, where it happened and, when the log shows it, which device was being probed. One
//! crash (BUG → Oops → panic) is one splat; ingest puts the records of a report together.

use super::Evidence;

/// The kind of report, by the header the kernel printed (each verified against the kernel
/// source that prints it; see `ingest::log::splat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplatClass {
    /// `WARNING: CPU: N PID: N at file:line func` (kernel/panic.c `__warn()`).
    Warning,
    /// `BUG: ...`, `kernel BUG at file:line!` (lib/bug.c, arch traps).
    Bug,
    /// `Internal error: Oops...` (arm, arm64 `die()`), `Oops: ...` (x86 `__die_header()`).
    Oops,
    /// `Unable to handle kernel ... at virtual address ...` (arm, arm64 `die_kernel_fault()`).
    KernelFault,
    /// `general protection fault...` (x86 `exc_general_protection()`).
    GeneralProtection,
    /// `divide error: ...` (x86 `exc_divide_error()`).
    DivideError,
    /// `Kernel panic - not syncing: ...` (kernel/panic.c `panic()`).
    Panic,
    /// `BUG: KASAN: ...` (mm/kasan/report.c).
    Kasan,
    /// `BUG: KMSAN: ...` (mm/kmsan/report.c).
    Kmsan,
    /// `BUG: KCSAN: ...` (kernel/kcsan/report.c).
    Kcsan,
    /// `BUG: KFENCE: ...` (mm/kfence/report.c).
    Kfence,
    /// `UBSAN: ... in file:line:col` (lib/ubsan.c `ubsan_prologue()`).
    Ubsan,
    /// lockdep's reports (kernel/locking/lockdep.c): circular dependency, inconsistent lock
    /// state, bad unlock balance, held lock freed, recursive locking, suspicious RCU usage.
    Lockdep,
    /// `rcu: INFO: rcu_sched detected stalls on CPUs/tasks:`, `... self-detected stall on CPU`
    /// (kernel/rcu/tree_stall.h, tree_exp.h).
    RcuStall,
    /// `INFO: task X:PID blocked for more than N seconds.` (kernel/hung_task.c).
    HungTask,
    /// `watchdog: BUG: soft lockup - CPU#N stuck for Ns!` (kernel/watchdog.c).
    SoftLockup,
    /// `Watchdog detected hard LOCKUP on cpu N` (kernel/watchdog.c, watchdog_perf.c).
    HardLockup,
    /// `VFS: Busy inodes after unmount of ...` (fs/super.c `generic_shutdown_super()`).
    BusyInodes,
    /// `VFS: file-max limit N reached` (fs/file_table.c `alloc_empty_file()`).
    FileMaxReached,
}

impl SplatClass {
    /// How the class is named in findings.
    pub fn label(self) -> &'static str {
        match self {
            SplatClass::Warning => "WARNING",
            SplatClass::Bug => "BUG",
            SplatClass::Oops => "Oops",
            SplatClass::KernelFault => "kernel fault",
            SplatClass::GeneralProtection => "general protection fault",
            SplatClass::DivideError => "divide error",
            SplatClass::Panic => "panic",
            SplatClass::Kasan => "KASAN report",
            SplatClass::Kmsan => "KMSAN report",
            SplatClass::Kcsan => "KCSAN report",
            SplatClass::Kfence => "KFENCE report",
            SplatClass::Ubsan => "UBSAN report",
            SplatClass::Lockdep => "lockdep report",
            SplatClass::RcuStall => "RCU stall",
            SplatClass::HungTask => "hung task",
            SplatClass::SoftLockup => "soft lockup",
            SplatClass::HardLockup => "hard lockup",
            SplatClass::BusyInodes => "busy inodes after unmount",
            SplatClass::FileMaxReached => "file-max reached",
        }
    }

    /// Whether a report of this class is followed by the Oops that kills the task (so an Oops
    /// right after it on the same CPU is the same crash).
    pub fn leads_to_oops(self) -> bool {
        matches!(
            self,
            SplatClass::Bug
                | SplatClass::KernelFault
                | SplatClass::GeneralProtection
                | SplatClass::DivideError
                | SplatClass::Kasan
                | SplatClass::Kfence
        )
    }
}

/// One report, put together from its records.
#[derive(Clone, Debug, PartialEq)]
pub struct Splat {
    /// The first report's class; `chain` lists what followed it in the same crash.
    pub class: SplatClass,
    /// The classes after the first one, in order (`[Oops, Panic]` for BUG → Oops → panic).
    pub chain: Vec<SplatClass>,
    /// The first line, as printed.
    pub first_line: String,
    /// The first line without what changes between repeats of one report (a WARNING's
    /// `CPU: N PID: N`, a hung task's PID and seconds), for counting repeats.
    pub summary: String,
    /// The function it happened in (`name+0xoff/0xsize`): `pc :`/`PC is at`/`RIP:`, the one
    /// the first line names, else the first call-trace frame that is not a reporting helper.
    pub function: Option<String>,
    /// The module of that function (`[module]`), when it is in one.
    pub module: Option<String>,
    /// The call trace runs through the driver core's probe path (`really_probe`).
    pub in_probe: bool,
    /// The driver's probe function in that trace (the frame just inside the bus's probe).
    pub probe_function: Option<String>,
    /// The device named by a `<driver> <device>:` prefix of the report's own message (a
    /// `dev_WARN()` or a dev_printk inside the report).
    pub device: Option<String>,
    /// The printk caller id the report's records carry (`T123`, `C1`), when the log has them.
    pub caller: Option<String>,
    /// The report was cut off (end of log, another boot) before its call trace or end marker.
    pub incomplete: bool,
    /// The last report of the crash (the panic line) when there was more than one.
    pub last: Option<Evidence>,
}

impl Splat {
    /// The class the crash ended in (the first one when nothing followed).
    pub fn final_class(&self) -> SplatClass {
        self.chain.last().copied().unwrap_or(self.class)
    }

    /// Whether the crash ended in a panic.
    pub fn ends_in_panic(&self) -> bool {
        self.final_class() == SplatClass::Panic
    }
}
