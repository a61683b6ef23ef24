//! Boot context lines: kernel release, command line, initcalls (init/main.c, initcall_debug),
//! module loads (kernel/module, Android init) and the start of user space
//! (`reference/kernel-formats.md` §4.1). Splats (oops, BUG, WARNING, panic, ...) are read by
//! `ingest::log::splat`, which needs the records around them.

use super::{rsplit_once_at, split_at_colon, split_once_at, Message};

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
        _ => false,
    };
    found || module_notice(message, out) || user_space_message(message, out)
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
    let Some((symbol, pid)) = rsplit_once_at(rest, " @ ") else {
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
    let Some((symbol, result)) = split_once_at(rest, " returned ") else {
        return false;
    };
    let Some((function, module_name)) = initcall_symbol(symbol) else {
        return false;
    };
    let (value, usecs) = match split_once_at(result, " after ") {
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
            let (symbol, module_name) = rsplit_once_at(rest, " [")?;
            (symbol.trim(), Some(module_name))
        }
        None => (symbol, None),
    };
    let function = memchr::memchr(b'+', symbol.as_bytes()).map_or(symbol, |plus| &symbol[..plus]);
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

#[cfg(test)]
mod tests {
    use super::super::classify_text;
    use super::*;

    fn classify(text: &str) -> Vec<Message> {
        let mut out = Vec::new();
        classify_text(text, false, &mut out);
        out
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
}
