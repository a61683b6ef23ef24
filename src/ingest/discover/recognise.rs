//! What a file is, from its content: the first 64 KiB (decompressed) are matched against the
//! shape of every evidence format, never the file's name.
//!
//! A DTB is recognised by its magic, a raw ACPI table by its header (length and checksum); the strict line formats (devlink dump or class listing,
//! `waiting_for_supplier` lines, the device table, IOMMU group and class listings,
//! `/proc/modules`, a kernel config) when every sampled line has their shape;
//! `uname`/`/proc/version` and `/proc/cmdline` when the file is one line of that shape (a
//! command line needs at least one `key=value` word and only parameter-shaped words before
//! `--`); `devices_deferred` when every line is `<name><TAB>...` or every line is one
//! device-name-shaped word (one of them with a digit, `.`, `:` or `@`: one word of prose is
//! no list); then a kernel log (`log::sniff`). Mail-mangled `devices_deferred` pastes and other
//! prose with evidence in it, and several files printed under `==> path <==` headers, are not
//! recognised here: `paste` reads them by region. The one
//! exception to "never by name": an **empty** file, which says "nothing" only if one knows what it is, is recognised
//! by a name starting with the kernel's own name for it: `devices_deferred*` (nothing
//! deferred), `devlink*` (no device links), `waiting_for_supplier*`, `iommu_groups*` (no
//! groups). Other empty files are not used.

use crate::ingest::{acpi, bundle, context, devlink, dt, log, paste, InputKind};

/// Bytes of a file looked at to recognise it.
pub const HEAD_BYTES: usize = log::SNIFF_WINDOW;

/// Whether a head read (decompressed, at most `HEAD_BYTES` and at most the input cap) is the
/// whole input: it stopped short of both limits, so the input ended there.
pub fn head_is_whole(head: &[u8]) -> bool {
    head.len() < HEAD_BYTES && (head.len() as u64) < crate::limits::max_input_bytes()
}
/// Lines of the head that must all have a format's shape.
const SAMPLE_LINES: usize = 64;

/// What a directory with nothing usable was expected to hold.
pub const EXPECTED_INPUTS: &str = "kernel log, devlink dump, devices_deferred, \
    waiting_for_supplier, device table, IOMMU group or class listing, device tree (.dtb), \
    /proc/cmdline, /proc/modules, kernel config, uname output, or a sysfs tree";

/// Says what kind of evidence a file is, from its name's moment suffix aside, by content.
pub fn recognise(head: &[u8]) -> Option<InputKind> {
    recognise_with_log_head(head).0
}

/// [`recognise`], with what the log sniffer saw when the head reads as a kernel log (so the
/// log reader need not sniff the same bytes again).
pub(super) fn recognise_with_log_head(head: &[u8]) -> (Option<InputKind>, Option<log::HeadReport>) {
    let (kind, decided) = recognise_before_log(head);
    if kind.is_some() || decided {
        return (kind, None);
    }
    let report = log::sniff_head(head);
    match report.format {
        Some(_) => (Some(InputKind::KernelLog), Some(report)),
        None => (None, None),
    }
}

/// Whether `recognise_before_log`'s `None` is final (a head holding file headers is no one
/// kind, not even a log).
fn kind_decided_before_log(head: &[u8]) -> bool {
    let looks_binary = head.iter().take(4096).any(|&b| b == 0);
    !looks_binary
        && memchr::memmem::find(head, b"==> ").is_some()
        && paste::holds_file_headers(&String::from_utf8_lossy(head))
}

/// Every kind but a kernel log, which is tried last; and whether a `None` is final (see
/// `kind_decided_before_log`).
fn recognise_before_log(head: &[u8]) -> (Option<InputKind>, bool) {
    if head.starts_with(&dt::FDT_MAGIC) {
        return (Some(InputKind::DeviceTree), true);
    }
    if acpi::table_signature(head).is_some() {
        return (Some(InputKind::AcpiTable), true);
    }
    if bundle::is_tar_header(head) {
        return (Some(InputKind::Bundle), true);
    }
    if kind_decided_before_log(head) {
        // Several files printed one after another: no one kind; read by region.
        return (None, true);
    }
    let looks_binary = head.iter().take(4096).any(|&b| b == 0);
    if !looks_binary {
        if let Some(kind) = recognise_text(head) {
            return (Some(kind), true);
        }
    }
    (None, false)
}

/// Names (of the kernel's own files and directories) that an **empty** file may be recognised
/// by: an empty listing is meaningful (nothing deferred, no device links, no IOMMU group).
const EMPTY_FILE_NAMES: &[(&str, InputKind)] = &[
    ("devices_deferred", InputKind::DevicesDeferred),
    ("devlink", InputKind::Devlink),
    ("waiting_for_supplier", InputKind::WaitingForSupplier),
    ("iommu_groups", InputKind::IommuGroups),
];

/// [`recognise`], plus the one name-based rule: an empty file is recognised by a name that
/// starts with the kernel's own name for it (`devices_deferred*`, `devlink*`,
/// `waiting_for_supplier*`, `iommu_groups*`). A non-empty file is never judged by its name.
pub fn recognise_named(head: &[u8], file_name: &str) -> Option<InputKind> {
    recognise_named_with_log_head(head, file_name).0
}

/// [`recognise_named`], with the log sniffer's report as [`recognise_with_log_head`] gives it.
pub(super) fn recognise_named_with_log_head(
    head: &[u8],
    file_name: &str,
) -> (Option<InputKind>, Option<log::HeadReport>) {
    if head.is_empty() {
        let kind = EMPTY_FILE_NAMES
            .iter()
            .find(|(prefix, _)| file_name.starts_with(prefix))
            .map(|(_, kind)| *kind);
        return (kind, None);
    }
    recognise_with_log_head(head)
}

/// The first `SAMPLE_LINES` non-blank lines of the head, decoded one by one (a head is up to
/// `HEAD_BYTES`; the sample is a few KiB of it).
fn sample_lines(head: &[u8]) -> Vec<String> {
    let mut text = head;
    if head.len() >= HEAD_BYTES {
        // The last line may be cut.
        if let Some(end) = memchr::memrchr(b'\n', head) {
            text = &head[..end];
        }
    }
    let mut lines = Vec::with_capacity(SAMPLE_LINES);
    for line in text.split(|&b| b == b'\n') {
        if lines.len() == SAMPLE_LINES {
            break;
        }
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if !line.trim().is_empty() {
            lines.push(line.to_string());
        }
    }
    lines
}

fn recognise_text(head: &[u8]) -> Option<InputKind> {
    let lines = sample_lines(head);
    if lines.is_empty() {
        return None;
    }
    let all = |test: &dyn Fn(&str) -> bool| lines.iter().all(|l| test(l));
    if all(&devlink::is_dump_line) {
        return Some(InputKind::Devlink);
    }
    if all(&is_waiting_line) {
        return Some(InputKind::WaitingForSupplier);
    }
    if is_device_table(&lines) {
        return Some(InputKind::DeviceTable);
    }
    if is_iommu_groups(&lines) {
        return Some(InputKind::IommuGroups);
    }
    if is_iommu_class(&lines) {
        return Some(InputKind::IommuClass);
    }
    if all(&|l| context::parse_module_line(l).is_some()) {
        return Some(InputKind::Modules);
    }
    if is_kconfig(&lines) {
        return Some(InputKind::KernelConfig);
    }
    if lines.len() == 1 && context::parse_uname(&lines[0]).is_some() {
        return Some(InputKind::KernelRelease);
    }
    if lines.len() == 1 && is_cmdline(&lines[0]) {
        return Some(InputKind::Cmdline);
    }
    // Names alone: only when one of them has the shape only a device name has (a unit address,
    // an instance number, a bus prefix); one word of prose (`hello`) is no list.
    let device_shaped = |l: &String| l.contains(|c: char| c.is_ascii_digit() || ".:@".contains(c));
    if all(&is_exact_deferred_line) || (all(&is_one_column_deferred_line) && lines.iter().any(device_shaped))
    {
        return Some(InputKind::DevicesDeferred);
    }
    None
}

fn is_waiting_line(line: &str) -> bool {
    line.trim()
        .rsplit_once("/waiting_for_supplier:")
        .is_some_and(|(_, value)| matches!(value.trim(), "0" | "1"))
}

fn is_device_table(lines: &[String]) -> bool {
    lines.first().is_some_and(|l| l.starts_with("#bus\t"))
        || lines.iter().all(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            fields.len() == 7 && fields[6].starts_with("/sys/")
        })
}

fn is_group_header(line: &str) -> bool {
    let mut words = line.split_whitespace();
    words.next() == Some("group") && words.next().is_some_and(|n| n.parse::<u32>().is_ok())
}

fn is_indented_device(line: &str) -> bool {
    line.starts_with(char::is_whitespace) && line.trim_start().starts_with("device ")
}

fn is_iommu_groups(lines: &[String]) -> bool {
    let listing = lines.first().is_some_and(|l| is_group_header(l))
        && lines.iter().all(|l| is_group_header(l) || is_indented_device(l));
    let grep = lines
        .iter()
        .all(|l| l.contains("iommu_groups/") && (l.contains("/type:") || l.contains("/devices/")));
    listing || grep
}

fn is_iommu_class(lines: &[String]) -> bool {
    let header = |l: &str| l.starts_with("iommu ") && l.contains(" path=");
    let listing =
        lines.first().is_some_and(|l| header(l)) && lines.iter().all(|l| header(l) || is_indented_device(l));
    let ls = lines.first().is_some_and(|l| l.trim_end().ends_with("/devices:"))
        && lines
            .iter()
            .all(|l| l.trim_end().ends_with("/devices:") || !l.contains(['=', '\t']));
    listing || ls
}

fn is_kconfig(lines: &[String]) -> bool {
    let option = |l: &str| l.strip_prefix("CONFIG_").is_some_and(|rest| rest.contains('='));
    let not_set = |l: &str| {
        l.strip_prefix("# CONFIG_")
            .is_some_and(|rest| rest.ends_with(" is not set"))
    };
    lines.iter().any(|l| option(l) || not_set(l)) && lines.iter().all(|l| l.starts_with('#') || option(l))
}

fn is_param_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn is_cmdline(line: &str) -> bool {
    if line.contains('\t') {
        return false;
    }
    let params = context::split_cmdline(line);
    params.iter().any(|p| p.value.is_some()) && params.iter().all(|p| is_param_name(&p.name))
}

fn is_exact_deferred_line(line: &str) -> bool {
    match line.split_once('\t') {
        Some((name, _)) => !name.is_empty() && !name.contains(char::is_whitespace),
        None => false,
    }
}

fn is_one_column_deferred_line(line: &str) -> bool {
    let name = line.trim_end();
    let name_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._:-@,+!".contains(c));
    let pci_like = name.len() == 12 && name.as_bytes().get(4) == Some(&b':');
    !name.is_empty()
        && name_chars
        && !name.starts_with(['-', '.'])
        && (name.chars().any(|c| c.is_ascii_alphabetic()) || pci_like)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind_by_content() {
        let cases: &[(&str, Option<InputKind>)] = &[
            (
                "/sys/class/devlink/platform:a--platform:b/status:active\n",
                Some(InputKind::Devlink),
            ),
            (
                "/sys/devices/platform/x/waiting_for_supplier:0\n",
                Some(InputKind::WaitingForSupplier),
            ),
            (
                "#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path\n",
                Some(InputKind::DeviceTable),
            ),
            (
                "group 0 type=DMA\n  device 0000:00:03.0 path=/sys/x\n",
                Some(InputKind::IommuGroups),
            ),
            (
                "/sys/kernel/iommu_groups/0/type:identity\n",
                Some(InputKind::IommuGroups),
            ),
            (
                "iommu smmu3.0x9050000 path=/sys/x parent=/sys/y\n",
                Some(InputKind::IommuClass),
            ),
            (
                "virtio_blk 28672 0 - Live 0xffffac9b50581000\n",
                Some(InputKind::Modules),
            ),
            (
                "#\n# Linux/arm64 6.1 Kernel Configuration\n#\nCONFIG_MODULES=y\n",
                Some(InputKind::KernelConfig),
            ),
            ("6.1.0-56-arm64\n", Some(InputKind::KernelRelease)),
            (
                "Linux (none) 6.1.0-56-arm64 #1 SMP Debian aarch64 GNU/Linux\n",
                Some(InputKind::KernelRelease),
            ),
            (
                "console=ttyAMA0 quiet fw_devlink.strict=1\n",
                Some(InputKind::Cmdline),
            ),
            ("console=ttyS0 quiet -- --init-flag x\n", Some(InputKind::Cmdline)),
            (
                "4010000000.pcie\tplatform: supplier 9050000.smmuv3 not ready\n",
                Some(InputKind::DevicesDeferred),
            ),
            (
                "0000:00:03.0\t\n0000:00:04.0\t\n",
                Some(InputKind::DevicesDeferred),
            ),
            ("2b600000.iommu\n", Some(InputKind::DevicesDeferred)),
            ("platform:a.b--platform:c.d\n", Some(InputKind::Devlink)),
            (
                "platform:a.b--platform:c.d  amba:e--pci:0000:00:03.0\n",
                Some(InputKind::Devlink),
            ),
            ("hello\n", None),
            ("sound\nmixer\n", None),
            ("24.4\n", None),
            ("qemu-system-aarch64\n-M\nvirt\n", None),
            (
                "7f000000.sysmmu driver=exynos-sysmmu runtime_status=active control=auto\n\
                 7f010000.sysmmu driver=exynos-sysmmu runtime_status=active control=auto\n",
                None,
            ),
            ("/dts-v1/;\n\n/ {\n", None),
        ];
        for (text, expected) in cases {
            assert_eq!(recognise(text.as_bytes()), *expected, "{text:?}");
        }
        let mut dtb = dt::FDT_MAGIC.to_vec();
        dtb.extend_from_slice(&[0; 36]);
        assert_eq!(recognise(&dtb), Some(InputKind::DeviceTree));
    }

    #[test]
    fn empty_files_are_recognised_only_by_the_kernels_names() {
        assert_eq!(
            recognise_named(b"", "devices_deferred-final.txt"),
            Some(InputKind::DevicesDeferred)
        );
        assert_eq!(
            recognise_named(b"", "iommu_groups.txt"),
            Some(InputKind::IommuGroups)
        );
        assert_eq!(recognise_named(b"", "drivers.txt"), None);
        assert_eq!(recognise_named(b"", "notes-devlink.txt"), None);
        assert_eq!(recognise(b""), None);
    }
}
