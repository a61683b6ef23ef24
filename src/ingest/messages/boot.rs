//! Boot context lines: kernel release, command line, initcalls (init/main.c, initcall_debug),
//! module loads (kernel/module, Android init), the start of user space, and the first line of
//! an oops, BUG, WARNING or panic (`reference/kernel-formats.md` §4.1, §4.8).

use super::{
    split_at_colon, Message, OOPS_BUG, OOPS_GENERAL_PROTECTION, OOPS_OOPS, OOPS_PANIC, OOPS_UNABLE_TO_HANDLE,
    OOPS_WARNING,
};

/// A message without a device prefix; returns whether it was recognised.
pub fn plain_message(message: &str, out: &mut Vec<Message>) -> bool {
    let Some(&first) = message.as_bytes().first() else {
        return false;
    };
    let found = match first {
        // start_kernel(): pr_notice("Kernel command line: %s\n", ...).
        b'K' if message.starts_with("Kernel command line: ") => {
            out.push(Message::CommandLine(
                message["Kernel command line: ".len()..].trim().to_string(),
            ));
            true
        }
        b'K' if message.starts_with("Kernel panic - not syncing") => oops(OOPS_PANIC, message, out),
        // init/version.c linux_banner: "Linux version %s (...) ...".
        b'L' if message.starts_with("Linux version ") => {
            match message["Linux version ".len()..].split_whitespace().next() {
                Some(release) => {
                    out.push(Message::KernelVersion(release.to_string()));
                    true
                }
                None => false,
            }
        }
        b'A' if message.starts_with("ACPI: ") => acpi_table(message, out),
        b'c' if message.starts_with("calling ") => initcall_start(message, out),
        b'i' if message.starts_with("initcall ") => initcall_return(message, out),
        // kernel_init() → run_init_process(): pr_info("Run %s as init process\n", ...).
        b'R' => match message
            .strip_prefix("Run ")
            .and_then(|rest| rest.strip_suffix(" as init process"))
        {
            Some(path) if !path.is_empty() => {
                out.push(Message::InitProcessStarted {
                    path: path.to_string(),
                });
                true
            }
            _ => false,
        },
        b'B' if message.starts_with("BUG: ") => oops(OOPS_BUG, message, out),
        b'k' if message.starts_with("kernel BUG at ") => oops(OOPS_BUG, message, out),
        b'I' if message.starts_with("Internal error: ") => oops(OOPS_OOPS, message, out),
        b'O' if message.starts_with("Oops: ") => oops(OOPS_OOPS, message, out),
        b'U' if message.starts_with("Unable to handle kernel ") => oops(OOPS_UNABLE_TO_HANDLE, message, out),
        b'g' if message.starts_with("general protection fault") => {
            oops(OOPS_GENERAL_PROTECTION, message, out)
        }
        b'W' if is_warning(message) => oops(OOPS_WARNING, message, out),
        _ => false,
    };
    found
        || oops_location(message, out)
        || call_trace_entry(message, out)
        || module_notice(message, out)
        || user_space_message(message, out)
}

/// `ACPI: DMAR 0x000000003FFE2423 000078 (v01 BOCHS ...)`: one line per table the firmware
/// provides (drivers/acpi/acpica/tbprint.c `acpi_tb_print_table_header()`).
fn acpi_table(message: &str, out: &mut Vec<Message>) -> bool {
    let mut words = message["ACPI: ".len()..].split_whitespace();
    let (Some(signature), Some(address)) = (words.next(), words.next()) else {
        return false;
    };
    let is_signature = signature.len() == 4
        && signature
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !is_signature || !address.starts_with("0x") {
        return false;
    }
    out.push(Message::AcpiTable {
        signature: signature.to_string(),
    });
    true
}

/// `func+0xoff/0xsize` with an optional ` [module]`, as `%pS` prints a code address.
fn code_address(text: &str) -> Option<(String, Option<String>)> {
    let text = text.trim();
    let (symbol, module) = match text.split_once(" [") {
        Some((symbol, rest)) => (symbol, rest.strip_suffix(']').map(str::to_string)),
        None => (text, None),
    };
    let (name, offsets) = symbol.split_once("+0x")?;
    let (offset, size) = offsets.split_once("/0x")?;
    let is_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && !name.as_bytes()[0].is_ascii_digit();
    let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    (is_name && is_hex(offset) && is_hex(size)).then(|| (symbol.to_string(), module))
}

/// The place of a splat (`show_regs()` output of each architecture).
fn oops_location(message: &str, out: &mut Vec<Message>) -> bool {
    let rest = message
        .strip_prefix("PC is at ")
        .or_else(|| message.strip_prefix("pc : "))
        .or_else(|| {
            message
                .strip_prefix("RIP: ")
                .map(|r| r.split_once(':').map_or(r, |(_, f)| f))
        });
    match rest.and_then(code_address) {
        Some((function, module)) => {
            out.push(Message::OopsLocation { function, module });
            true
        }
        None => false,
    }
}

/// One line of a call trace: the whole message is a code address (x86 may prefix `? `).
fn call_trace_entry(message: &str, out: &mut Vec<Message>) -> bool {
    match code_address(message.trim_start_matches("? ")) {
        Some((function, module)) => {
            out.push(Message::CallTraceEntry { function, module });
            true
        }
        None => false,
    }
}

/// Messages user space writes that matter to probing: module loads.
pub fn user_space_message(message: &str, out: &mut Vec<Message>) -> bool {
    let Some((_, said)) = split_at_colon(message) else {
        return false;
    };
    // Android init (libmodprobe): "init: Loaded kernel module /lib/modules/x.ko".
    if let Some(path) = said.strip_prefix("Loaded kernel module ") {
        let file = path.trim().rsplit('/').next().unwrap_or(path);
        let name = file.strip_suffix(".ko").unwrap_or(file);
        if !name.is_empty() && !name.contains(char::is_whitespace) {
            out.push(module(name));
            return true;
        }
    }
    // systemd-modules-load: "Inserted module 'x'".
    if let Some(rest) = said.strip_prefix("Inserted module '") {
        if let Some((name, _)) = rest.split_once('\'') {
            if !name.is_empty() {
                out.push(module(name));
                return true;
            }
        }
    }
    false
}

/// `<module>: loading out-of-tree module taints kernel.` and the other taint notices
/// module_augment_kernel_taints() / module_sig_check() print with the module's name.
fn module_notice(message: &str, out: &mut Vec<Message>) -> bool {
    let Some((name, notice)) = split_at_colon(message) else {
        return false;
    };
    let is_module_notice = notice.starts_with("loading out-of-tree module taints kernel")
        || notice.starts_with("module verification failed")
        || notice.starts_with("module license ")
        || notice.starts_with("module is from the staging directory");
    if is_module_notice && is_symbol(name) {
        out.push(module(name));
        return true;
    }
    false
}

/// `calling  %pS @ %i` (do_one_initcall_debug()): `func+0x0/0x1c [module] @ 312`. Device PM
/// callbacks print `calling  dev+ @ pid, parent: p` (initcall_debug during suspend) and are no
/// initcalls.
fn initcall_start(message: &str, out: &mut Vec<Message>) -> bool {
    let rest = message["calling ".len()..].trim_start();
    let Some((symbol, pid)) = rest.rsplit_once(" @ ") else {
        return false;
    };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Some((function, module_name)) = initcall_symbol(symbol) else {
        return false;
    };
    if let Some(name) = module_name {
        out.push(module(name));
    }
    out.push(Message::InitcallStarted {
        function: function.to_string(),
        module: module_name.map(module_name_of),
    });
    true
}

/// `initcall %pS returned %d after %lld usecs` (do_one_initcall_debug()).
fn initcall_return(message: &str, out: &mut Vec<Message>) -> bool {
    let rest = &message["initcall ".len()..];
    let Some((symbol, result)) = rest.split_once(" returned ") else {
        return false;
    };
    let Some((function, module_name)) = initcall_symbol(symbol) else {
        return false;
    };
    let (value, usecs) = match result.split_once(" after ") {
        Some((value, usecs)) => (
            value,
            usecs.strip_suffix(" usecs").and_then(|u| u.trim().parse().ok()),
        ),
        None => (result, None),
    };
    let Ok(value) = value.trim().parse() else {
        return false;
    };
    out.push(Message::InitcallReturned {
        function: function.to_string(),
        module: module_name.map(module_name_of),
        value,
        usecs,
    });
    true
}

/// `func+0x0/0x1c [module]` → (`func`, `Some("module")`).
fn initcall_symbol(symbol: &str) -> Option<(&str, Option<&str>)> {
    let symbol = symbol.trim();
    let (symbol, module_name) = match symbol.strip_suffix(']') {
        Some(rest) => {
            let (symbol, module_name) = rest.rsplit_once(" [")?;
            (symbol.trim(), Some(module_name))
        }
        None => (symbol, None),
    };
    let function = symbol.split_once('+').map_or(symbol, |(f, _)| f);
    (is_symbol(function) && module_name.is_none_or(is_symbol)).then_some((function, module_name))
}

fn is_symbol(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$'))
}

/// Module names as the kernel knows them: `-` in a file name is `_` in the module's name
/// (scripts/Makefile.lib, `modname`).
fn module_name_of(name: &str) -> String {
    name.replace('-', "_")
}

fn module(name: &str) -> Message {
    Message::ModuleLoaded {
        module: module_name_of(name),
    }
}

/// `WARNING: CPU: %d PID: %d at ...` (`__warn()`), the old `WARNING: at %s:%d`, and the newer
/// `WARNING: <file>:<line> at <func>, CPU#n: ...`; firmware lines that start with `WARNING:`
/// have none of these shapes.
fn is_warning(message: &str) -> bool {
    let Some(rest) = message.strip_prefix("WARNING: ") else {
        return false;
    };
    if rest.starts_with("CPU: ") || rest.starts_with("at ") {
        return true;
    }
    match rest.split_once(' ') {
        Some((place, after)) => {
            after.starts_with("at ")
                && place
                    .rsplit_once(':')
                    .is_some_and(|(file, line)| file.contains('.') && line.parse::<u32>().is_ok())
        }
        None => false,
    }
}

fn oops(kind: &str, message: &str, out: &mut Vec<Message>) -> bool {
    out.push(Message::Oops {
        kind: kind.to_string(),
        text: message.to_string(),
    });
    true
}

#[cfg(test)]
mod tests {
    use super::super::classify_text;
    use super::*;

    #[test]
    fn finds_where_a_splat_happened_and_its_call_trace() {
        // fixtures/public/exynos5250-snow-...: arm32 register dump.
        assert_eq!(
            classify("PC is at exynos_sysmmu_irq+0x210/0x258"),
            vec![Message::OopsLocation {
                function: "exynos_sysmmu_irq+0x210/0x258".into(),
                module: None
            }]
        );
        // fixtures/public/kernelci-x86-amd-shuboz-...: x86 RIP line.
        assert_eq!(
            classify("RIP: 0010:cros_ec_check_features+0x7/0x110 [cros_ec_dev]"),
            vec![Message::OopsLocation {
                function: "cros_ec_check_features+0x7/0x110".into(),
                module: Some("cros_ec_dev".into())
            }]
        );
        assert_eq!(
            classify(" really_probe+0x1a4/0x3e0"),
            vec![Message::CallTraceEntry {
                function: "really_probe+0x1a4/0x3e0".into(),
                module: None
            }]
        );
        assert!(
            classify("pc : exynos_iommu_of_xlate+0x18/0x80 [exynos_iommu]").contains(
                &Message::OopsLocation {
                    function: "exynos_iommu_of_xlate+0x18/0x80".into(),
                    module: Some("exynos_iommu".into())
                }
            )
        );
        assert!(classify("Memory: 98324K/1048576K available")
            .iter()
            .all(|m| !matches!(m, Message::CallTraceEntry { .. })));
    }

    fn classify(text: &str) -> Vec<Message> {
        let mut out = Vec::new();
        classify_text(text, false, &mut out);
        out
    }

    fn oops_kind(text: &str) -> Option<String> {
        match classify(text).as_slice() {
            [Message::Oops { kind, text: t }] if t == text => Some(kind.clone()),
            _ => None,
        }
    }

    #[test]
    fn release_and_command_line() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt:2
        assert_eq!(
            classify("Linux version 6.1.0-56-arm64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP Debian 6.1.192-2 (2026-11-16)"),
            vec![Message::KernelVersion("6.1.0-56-arm64".into())]
        );
        assert_eq!(
            classify("Kernel command line: console=ttyAMA0 log_buf_len=4M panic=-1 rdinit=/init deferred_probe_timeout=5"),
            vec![Message::CommandLine(
                "console=ttyAMA0 log_buf_len=4M panic=-1 rdinit=/init deferred_probe_timeout=5"
                    .into()
            )]
        );
    }

    #[test]
    fn initcalls_and_module_initcalls() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt
        assert_eq!(
            classify("calling  deferred_probe_initcall+0x0/0xc0 @ 1"),
            vec![Message::InitcallStarted {
                function: "deferred_probe_initcall".into(),
                module: None
            }]
        );
        assert_eq!(
            classify("calling  arm_smmu_v3_mod_driver_init+0x0/0x1000 [arm_smmu_v3_mod] @ 316"),
            vec![
                Message::ModuleLoaded {
                    module: "arm_smmu_v3_mod".into()
                },
                Message::InitcallStarted {
                    function: "arm_smmu_v3_mod_driver_init".into(),
                    module: Some("arm_smmu_v3_mod".into())
                }
            ]
        );
        assert_eq!(
            classify("initcall deferred_probe_initcall+0x0/0xc0 returned 0 after 1586 usecs"),
            vec![Message::InitcallReturned {
                function: "deferred_probe_initcall".into(),
                module: None,
                value: 0,
                usecs: Some(1586)
            }]
        );
        // fixtures/public/pm-graph-skynet-3.15-suspend-resume-dmesg-pm-initcall-debug-parent.txt:
        // device PM callbacks are no initcalls.
        assert_eq!(classify("calling  7-0061+ @ 4122, parent: i2c-7"), vec![]);
    }

    #[test]
    fn module_loads_from_kernel_and_user_space() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt:2639-2640
        assert_eq!(
            classify("arm_smmu_v3_mod: loading out-of-tree module taints kernel."),
            vec![Message::ModuleLoaded {
                module: "arm_smmu_v3_mod".into()
            }]
        );
        assert_eq!(
            classify("arm_smmu_v3_mod: module verification failed: signature and/or required key missing - tainting kernel"),
            vec![Message::ModuleLoaded {
                module: "arm_smmu_v3_mod".into()
            }]
        );
        // reference/kernel-formats.md §4.8 (Android init, user facility; no corpus line)
        let mut out = Vec::new();
        classify_text(
            "init: Loaded kernel module /lib/modules/samsung-iommu.ko",
            true,
            &mut out,
        );
        assert_eq!(
            out,
            vec![Message::ModuleLoaded {
                module: "samsung_iommu".into()
            }]
        );
        // User space text is never read as a kernel message.
        let mut out = Vec::new();
        classify_text("virtio-pci 0000:00:03.0: Adding to iommu group 1", true, &mut out);
        assert_eq!(out, vec![]);
    }

    #[test]
    fn init_process() {
        // fixtures/public/x86-amd-renoir-journalctl-full-boot-iommu-groups.txt
        assert_eq!(
            classify("Run /init as init process"),
            vec![Message::InitProcessStarted { path: "/init".into() }]
        );
        // Prefix and suffix overlap: no path, no message (and no panic).
        assert_eq!(classify("Run as init process"), vec![]);
    }

    #[test]
    fn first_lines_of_splats() {
        // fixtures/public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt
        assert_eq!(
            oops_kind("kernel BUG at drivers/iommu/exynos-iommu.c:447!").as_deref(),
            Some(OOPS_BUG)
        );
        assert_eq!(
            oops_kind("Internal error: Oops - BUG: 0 [#1] PREEMPT SMP ARM").as_deref(),
            Some(OOPS_OOPS)
        );
        assert_eq!(
            oops_kind("WARNING: CPU: 0 PID: 12 at mm/vmalloc.c:163 vmap_page_range_noflush+0x18c/0x1b0")
                .as_deref(),
            Some(OOPS_WARNING)
        );
        assert_eq!(
            oops_kind("Kernel panic - not syncing: Fatal exception in interrupt").as_deref(),
            Some(OOPS_PANIC)
        );
        // fixtures/public/x86-thinkpad-t470s-pstore-raw-levels-initcall-debug-intel-iommu-oops.txt
        assert_eq!(
            oops_kind("BUG: kernel NULL pointer dereference, address: 0000000000000038").as_deref(),
            Some(OOPS_BUG)
        );
        assert_eq!(oops_kind("Oops: 0002 [#1] SMP PTI").as_deref(), Some(OOPS_OOPS));
        // fixtures/public/lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt
        assert_eq!(
            oops_kind("Unable to handle kernel paging request at virtual address bbbbbbbbbbbbbbc3")
                .as_deref(),
            Some(OOPS_UNABLE_TO_HANDLE)
        );
        // Firmware text is not a kernel warning
        // (fixtures/public/kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt).
        assert_eq!(oops_kind("WARNING: RO_VPD is uninitialized or empty."), None);
        assert_eq!(oops_kind("WARNING: ?apc:0x168, sa:0x0, ea:0xfff"), None);
    }
}
