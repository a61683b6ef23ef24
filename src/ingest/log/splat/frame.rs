//! The lines of a report's body that matter: where it happened (`show_regs()` of each
//! architecture), its call-trace frames (every unwinder's format), the lines that start or end
//! parts of a report, and which frames are reporting helpers or the driver core's probe path.

/// `func+0xoff/0xsize` with an optional ` [module]`, as `%pS` prints a code address.
pub fn code_address(text: &str) -> Option<(String, Option<String>)> {
    let text = text.trim();
    let (symbol, module) = match text.split_once(" [") {
        Some((symbol, rest)) => (symbol, rest.split(']').next().map(str::to_string)),
        None => (text, None),
    };
    let symbol = symbol.trim();
    let (name, offsets) = symbol.split_once("+0x")?;
    let (offset, size) = offsets.split_once("/0x")?;
    let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    (is_name(name) && is_hex(offset) && is_hex(size)).then(|| (symbol.to_string(), module))
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// Where a report happened: arm `PC is at F`, arm64 `pc : F`, x86 `RIP: 0010:F` (before v4.9
/// `RIP: 0010:[<...>]  [<...>] F`), i386 `EIP: F`, old x86 `IP: [<...>] F`, powerpc
/// `NIP [...] F`, riscv `epc : F` (each architecture's `show_regs()`).
pub fn location(line: &str) -> Option<(String, Option<String>)> {
    let line = line.trim();
    let rest = line
        .strip_prefix("PC is at ")
        .or_else(|| line.strip_prefix("pc : "))
        .or_else(|| line.strip_prefix("epc : "))
        .or_else(|| {
            line.strip_prefix("RIP: ")
                .map(|r| skip_addresses(r.split_once(':').map_or(r, |(_, f)| f)))
        })
        .or_else(|| line.strip_prefix("EIP: ").map(skip_addresses))
        .or_else(|| line.strip_prefix("IP: ").map(skip_addresses))
        .or_else(|| line.strip_prefix("NIP ").map(skip_addresses))?;
    code_address(rest)
}

/// `[<ffffffff8135067c>] ` and `[c7363c70] ` address groups before a symbol.
fn skip_addresses(mut text: &str) -> &str {
    loop {
        let trimmed = text.trim_start();
        let Some(rest) = trimmed.strip_prefix('[') else {
            return trimmed;
        };
        let Some((inside, after)) = rest.split_once(']') else {
            return trimmed;
        };
        let inside = inside.trim_start_matches('<').trim_end_matches('>').trim();
        if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b'x') {
            return trimmed;
        }
        text = after;
    }
}

/// One call-trace frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// `name+0xoff/0xsize` (or the bare name where the unwinder prints only that).
    pub function: String,
    pub module: Option<String>,
    /// x86 prints `? ` before addresses found on the stack that the unwinder could not
    /// confirm; powerpc appends `(unreliable)`.
    pub reliable: bool,
}

impl Frame {
    /// The function's name without its offsets.
    pub fn name(&self) -> &str {
        self.function.split('+').next().unwrap_or(&self.function)
    }
}

/// A call-trace frame, in any unwinder's format: `func+0x1/0x2 [mod]` (arm64, x86 ORC),
/// `[<ffffffff81000000>] ? func+0x1/0x2` (old x86), `[<c05a6e34>] (func) from [<...>] (...)`
/// (arm), `[c7363c70] [c0631338] func+0x30/0xbc (unreliable)` (powerpc), and the
/// `func (file.c:123)` that scripts/decode_stacktrace.sh writes.
pub fn frame(line: &str) -> Option<Frame> {
    // Old x86 traces put the context marker before the first frame: `<NMI>  [<...>] ? f+0x1/0x2`.
    let mut text = line.trim_start();
    for marker in ["<NMI>", "<IRQ>", "<EOI>", "<EOE>"] {
        if let Some(rest) = text.strip_prefix(marker) {
            text = rest;
        }
    }
    let text = skip_addresses(text);
    let (text, mut reliable) = match text.strip_prefix("? ") {
        Some(rest) => (rest.trim_start(), false),
        None => (text, true),
    };
    let text = match text.strip_suffix("(unreliable)") {
        Some(rest) => {
            reliable = false;
            rest.trim_end()
        }
        None => text.trim_end(),
    };
    // arm: `(func) from [<lr>] (caller+0x../0x..)`: the frame is the first function.
    if let Some(rest) = text.strip_prefix('(') {
        let (inside, after) = rest.split_once(')')?;
        if !after.trim_start().starts_with("from ") {
            return None;
        }
        let name = inside.split('+').next().unwrap_or(inside);
        return is_name(name).then(|| Frame {
            function: inside.to_string(),
            module: None,
            reliable,
        });
    }
    if let Some((function, module)) = code_address(text) {
        return Some(Frame {
            function,
            module,
            reliable,
        });
    }
    // decode_stacktrace.sh: `show_stack (arch/x86/kernel/dumpstack.c:319)`.
    let (name, place) = text.split_once(" (")?;
    let place = place.strip_suffix(')')?;
    (is_name(name) && place.contains(".c:") || is_name(name) && place.contains(".h:")).then(|| Frame {
        function: name.to_string(),
        module: None,
        reliable,
    })
}

/// Lines inside a call trace that are not frames: x86's context markers.
pub fn is_trace_marker(line: &str) -> bool {
    matches!(
        line.trim(),
        "<TASK>" | "</TASK>" | "<IRQ>" | "</IRQ>" | "<NMI>" | "</NMI>" | "<EOI>" | "<SOFTIRQ>" | "</SOFTIRQ>"
    )
}

/// The line that starts a call trace.
pub fn starts_trace(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("Call trace:")
        || line.starts_with("Call Trace:")
        || line.starts_with("Backtrace:")
        || line == "Call Trace"
}

/// lockdep prints the chains it reasons about (frames too) before the task's own trace,
/// which it starts with this line.
pub fn starts_lockdep_trace(line: &str) -> bool {
    line.trim() == "stack backtrace:"
}

/// `---[ end trace %016llx ]---` (`print_oops_end_marker()`), `---[ end Kernel panic - not
/// syncing: ... ]---` (`panic()`).
pub fn ends_report(line: &str) -> bool {
    line.trim_start().starts_with("---[ end ")
}

/// The rule of `=` that the sanitizers and UBSAN print before and after their reports.
pub fn is_rule(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 20 && line.bytes().all(|b| b == b'=')
}

/// `------------[ cut here ]------------` (`CUT_HERE`, include/asm-generic/bug.h): a WARN or
/// BUG follows, and a WARN's own message comes before its `WARNING:` line.
pub fn is_cut_here(line: &str) -> bool {
    line.trim() == "------------[ cut here ]------------"
}

/// Reporting and scheduling helpers that are never the function a report is about: the first
/// frame that is none of these is.
const HELPERS: &[&str] = &[
    "dump_backtrace",
    "show_stack",
    "dump_stack",
    "dump_stack_lvl",
    "__dump_stack",
    "show_trace",
    "sched_show_task",
    "__warn",
    "warn_slowpath",
    "report_bug",
    "bug_handler",
    "panic",
    "die",
    "__die",
    "ubsan_epilogue",
    "print_address_description",
    "print_report",
    "kasan_report",
    "__kasan_report",
    "kmsan_report",
    "kcsan_report",
    "kfence_report_error",
    "lock_acquire",
    "__lock_acquire",
    "lock_release",
    "validate_chain",
    "check_noncircular",
    "check_prev_add",
    "print_circular_bug",
    "lockdep_rcu_suspicious",
    "print_usage_bug",
    "mark_lock",
    // lockdep checks freed memory for held locks on the allocator's free path
    // (`debug_check_no_locks_freed()`): the report is about the function freeing.
    "debug_check_no_locks_freed",
    "kfree",
    "kvfree",
    "vfree",
    "kmem_cache_free",
    "__schedule",
    "schedule",
    "__switch_to",
    "__switch_to_asm",
    "schedule_timeout",
    "schedule_preempt_disabled",
    "io_schedule",
    "io_schedule_timeout",
    "__mutex_lock",
    "__mutex_lock_common",
    "__mutex_lock_slowpath",
    "mutex_lock",
    "mutex_lock_nested",
    "__down",
    "down",
    "rwsem_down_read_slowpath",
    "rwsem_down_write_slowpath",
    "wait_for_common",
    "wait_for_completion",
    "__wait_for_common",
    "do_wait_for_common",
    "bit_wait",
    "bit_wait_io",
    "__wait_on_bit",
    "out_of_line_wait_on_bit",
    "_raw_spin_lock",
    "_raw_spin_lock_irqsave",
    "_raw_spin_lock_irq",
    "do_raw_spin_lock",
    "queued_spin_lock_slowpath",
    "native_queued_spin_lock_slowpath",
];

/// Name prefixes of reporting helpers (the sanitizers' hooks, the exception entry code).
const HELPER_PREFIXES: &[&str] = &[
    "__ubsan_handle_",
    "__asan_",
    "__msan_",
    "__tsan_",
    "kasan_",
    "__kasan_",
    "kmsan_",
    "kfence_",
    "__kfence_",
    "check_",
    "print_",
    "do_error_trap",
    "exc_",
    "asm_exc_",
    "handle_bug",
    "el1_",
    "el1h_",
    "do_mem_abort",
    "__do_kernel_fault",
    "die_kernel_fault",
];

/// Functions of the driver core's probe path.
pub const PROBE_PATH: &[&str] = &["really_probe", "__driver_probe_device", "driver_probe_device"];

/// Bus and core probe functions between `really_probe` and the driver's probe function.
pub const BUS_PROBES: &[&str] = &[
    "call_driver_probe",
    "platform_probe",
    "platform_drv_probe",
    "amba_probe",
    "pci_device_probe",
    "local_pci_probe",
    "i2c_device_probe",
    "spi_probe",
    "spi_drv_probe",
    "virtio_dev_probe",
    "usb_probe_interface",
    "usb_probe_device",
    "mmc_bus_probe",
    "sdio_bus_probe",
    "hid_device_probe",
    "serio_driver_probe",
    "acpi_device_probe",
    "scsi_probe_and_add_lun",
];

pub fn is_helper(name: &str) -> bool {
    let name = name.split('.').next().unwrap_or(name);
    HELPERS.contains(&name) || HELPER_PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_of_every_unwinder() {
        let f = frame(" really_probe+0x1a4/0x3e0").expect("arm64");
        assert_eq!((f.name(), f.reliable), ("really_probe", true));
        let f = frame(" [<ffffffff8135067c>] ? __mutex_lock_common.isra.5+0xff/0x164").expect("old x86");
        assert_eq!((f.name(), f.reliable), ("__mutex_lock_common.isra.5", false));
        let f = frame(
            "[<c05a6e34>] (exynos_sysmmu_irq) from [<c01a24f4>] (__handle_irq_event_percpu+0x68/0x42c)",
        )
        .expect("arm");
        assert_eq!(f.name(), "exynos_sysmmu_irq");
        let f = frame("[c7363c70] [c0631338] schedule+0x30/0xbc (unreliable)").expect("powerpc");
        assert_eq!((f.name(), f.reliable), ("schedule", false));
        let f = frame("show_stack (arch/x86/kernel/dumpstack.c:319) ").expect("decoded");
        assert_eq!(f.name(), "show_stack");
        let f = frame(" phydm_process_rssi_for_dm+0x6b0/0xb00 [8188eu]").expect("module");
        assert_eq!(f.module.as_deref(), Some("8188eu"));
        assert_eq!(
            frame("Hardware name: Samsung Exynos (Flattened Device Tree)"),
            None
        );
        assert_eq!(frame("Modules linked in: foo bar"), None);
    }

    #[test]
    fn locations_of_every_architecture() {
        assert_eq!(
            location("PC is at exynos_sysmmu_irq+0x210/0x258")
                .map(|l| l.0)
                .as_deref(),
            Some("exynos_sysmmu_irq+0x210/0x258")
        );
        assert_eq!(
            location("pc : rk_iommu_of_xlate+0x30/0x90")
                .map(|l| l.0)
                .as_deref(),
            Some("rk_iommu_of_xlate+0x30/0x90")
        );
        assert_eq!(
            location("RIP: 0010:intel_iommu_init+0xed0/0x1136 [intel]"),
            Some((
                "intel_iommu_init+0xed0/0x1136".to_string(),
                Some("intel".to_string())
            ))
        );
        assert_eq!(
            location("IP: [<ffffffff8126a303>] evict+0xb3/0x180")
                .map(|l| l.0)
                .as_deref(),
            Some("evict+0xb3/0x180")
        );
        assert_eq!(
            location("pc : [<c05a6e34>]    lr : [<c05a13ec>]    psr: a0000193"),
            None
        );
        // Before v4.9 x86 printed the address twice before the function.
        assert_eq!(
            location("RIP: 0010:[<ffffffff8e0a3d34>]  [<ffffffff8e0a3d34>] task_numa_find_cpu+0x234/0x700")
                .map(|l| l.0)
                .as_deref(),
            Some("task_numa_find_cpu+0x234/0x700")
        );
        assert_eq!(
            location("EIP: devres_release_all+0xe/0x50")
                .map(|l| l.0)
                .as_deref(),
            Some("devres_release_all+0xe/0x50")
        );
        assert_eq!(
            location("epc : __up_read+0x1c2/0x224").map(|l| l.0).as_deref(),
            Some("__up_read+0x1c2/0x224")
        );
        // riscv's register line that follows is not a location.
        assert_eq!(
            location("epc : ffffffff8007e636 ra : ffffffff8007e636 sp : ffffffc8002b3df0"),
            None
        );
    }
}
