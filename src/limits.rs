//! How much of any input probescope reads: one policy for every path bytes come in by (plain
//! files, gzip, xz, zstd, bundle members, standard input), so a hostile or runaway input ends
//! at a documented cap with a message naming the file, the cap and the flag that raises it,
//! instead of filling memory or running forever.
//!
//! The caps are generous for real evidence (a kernel log buffer is at most 32 MiB:
//! `CONFIG_LOG_BUF_SHIFT` ≤ 25, kernel/printk/printk.c) and small enough that a bomb stops
//! within seconds. [`Limits`] holds every cap a run can raise (`--limit NAME=VALUE`, on every
//! command that reads an input); [`FIXED`] lists only what a format itself bounds, which no
//! input can ask more of. `probescope limits` prints both, and the README's "Limits" table is
//! that output (a test keeps them equal).
//!
//! Long because: most of it is [`SPECS`], one entry per cap with the
//! words the listing and the README show, kept beside the defaults and the fields they
//! describe so that none can drift from the others.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

/// Default cap on the decompressed bytes read from one input: eight times the largest kernel
/// log buffer, room for a journal export or a serial capture with other traffic.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;

/// The command-line flag that raises [`max_input_bytes`] (an alias of
/// `--limit input-bytes=SIZE`).
pub const MAX_INPUT_BYTES_FLAG: &str = "--max-input-bytes";

/// Longest supplier chain a finding spells out (devices named, evidence cited). A longer wait
/// chain is reported up to this depth with a pointer to `probescope why`, which follows it
/// whole: naming each device's full chain in every finding costs the square of its length.
pub const REPORT_CHAIN_DEPTH: usize = 8;

/// Longest text of a terminal-table cell (a finding's message or related devices); longer
/// text ends in `…`, and `--format json` carries it whole.
pub const TABLE_CELL_CHARS: usize = 4096;

/// Default cap on a sysfs attribute read by the sysfs readers, from a folder or a target (an
/// attribute is at most a page; this leaves room for 64 KiB pages).
pub const SYSFS_ATTR_BYTES: u64 = 64 * 1024;

/// Default cap on a `devices_deferred` read from a sysfs folder (one line per deferred device).
pub const DEVICES_DEFERRED_BYTES: u64 = 16 << 20;

/// Default cap on the directories one sysfs walk visits (looking for `waiting_for_supplier`,
/// or the device tree's directory form), over a folder or the local system
/// (`ingest::sysfs::source::walk`).
pub const SYSFS_WALK_DIRS: usize = 1_000_000;

/// Default cap on how deep a sysfs walk descends, over a folder or on a target (device paths
/// are far shallower).
pub const SYSFS_WALK_DEPTH: usize = 64;

/// Default cap on one line of a text input: the kernel's own records are at most 1 KiB
/// (`PRINTK_MESSAGE_MAX`), a journal JSON line a few KiB; a longer line is binary junk.
pub const DEFAULT_LINE_BYTES: u64 = 64 * 1024;

/// Default cap on a one-line input (`/proc/cmdline`, `uname`) and on an ACPI table (IOMMU
/// tables are a few KiB).
pub const DEFAULT_SMALL_FILE_BYTES: u64 = 1 << 20;

/// Default cap on one property file of a device tree's directory form (a property is a few
/// bytes; a blob inside one, such as a firmware image, is far below this).
pub const DEFAULT_DT_PROPERTY_BYTES: u64 = 1 << 20;

/// Default cap on the unreadable parts of one log listed one by one (a file of broken JSON
/// lines must not cost memory per line).
pub const DEFAULT_PROBLEMS_LISTED: u64 = 100;

/// Default cap on a SysMMU register window (a window is 4 or 64 KiB; anything far larger is
/// not one).
pub const DEFAULT_REGISTER_WINDOW_BYTES: u64 = 1 << 20;

/// Default cap on a file `collect` copies from a target, locally or over SSH (the bundle reader
/// refuses larger members).
pub const COLLECTED_FILE_BYTES: u64 = 64 << 20;

/// Default cap on the bytes `sysmmu --live` reads from `/dev/mem`: a full table walk reads
/// 16 KiB + 4096 × 1 KiB, so a mistaken walk cannot sweep memory.
pub const DEFAULT_LIVE_MEM_BYTES: u64 = 8 << 20;

/// Default cap on one record object of `dmesg --json` (a kernel record is at most 1 KiB of
/// text, a few KiB escaped).
pub const DEFAULT_JSON_OBJECT_BYTES: u64 = 1 << 20;

/// Default cap on the bytes of a file searched whole for a pasted listing or for `==> file <==`
/// headers (a mail or a bug report with a sysfs listing in it is a few hundred KiB).
pub const DEFAULT_PASTE_BYTES: u64 = 16 << 20;

/// Default cap on log records taken into one boot's model: 16 times what the largest kernel
/// log buffer holds at 128 bytes a record.
pub const DEFAULT_MAX_RECORDS: u64 = 4_000_000;

/// Default cap on devices in one boot's model (a large SoC or server has a few thousand).
pub const DEFAULT_MAX_DEVICES: u64 = 1_000_000;

/// Default cap on links (device links, device-tree and logged edges) in one boot's model.
pub const DEFAULT_MAX_LINKS: u64 = 4_000_000;

/// Default cap on members of a bundle (a collected bundle has a few dozen).
pub const DEFAULT_BUNDLE_MEMBERS: u64 = 10_000;

/// Default cap on the bytes of one bundle member.
pub const DEFAULT_MEMBER_BYTES: u64 = 64 << 20;

/// Default cap on a flattened device tree (the kernel's are well under 1 MiB).
pub const DEFAULT_DT_BYTES: u64 = 64 << 20;

/// Every cap a run can set, in force for the whole process: every reader, however deep in
/// ingest, applies the same one. Set from `--limit NAME=VALUE` (and `--max-input-bytes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Decompressed bytes read from one input.
    pub input_bytes: u64,
    /// Log records taken into one boot.
    pub records: u64,
    /// Devices in one boot's model.
    pub devices: u64,
    /// Links in one boot's model.
    pub links: u64,
    /// Members of one bundle.
    pub bundle_members: u64,
    /// Bytes of one bundle member.
    pub member_bytes: u64,
    /// Bytes of a flattened device tree.
    pub dt_bytes: u64,
    /// Suppliers one finding spells out ([`REPORT_CHAIN_DEPTH`]).
    pub chain_depth: u64,
    /// Bytes of one line of a text input.
    pub line_bytes: u64,
    /// Bytes of a one-line input or an ACPI table.
    pub small_file_bytes: u64,
    /// Bytes of `devices_deferred` inside a sysfs copy.
    pub deferred_bytes: u64,
    /// Bytes of one sysfs attribute.
    pub sysfs_attr_bytes: u64,
    /// Bytes of one property file of a device tree's directory form.
    pub dt_property_bytes: u64,
    /// Directories one sysfs walk visits.
    pub sysfs_walk_dirs: u64,
    /// Levels one sysfs walk descends.
    pub sysfs_walk_depth: u64,
    /// Bytes of a SysMMU register window.
    pub register_window_bytes: u64,
    /// Unreadable parts of one log listed one by one.
    pub problems_listed: u64,
    /// Bytes of one file copied from a target.
    pub collected_file_bytes: u64,
    /// Bytes read from the live `/dev/mem`.
    pub live_mem_bytes: u64,
    /// Bytes of one record object of `dmesg --json`.
    pub json_object_bytes: u64,
    /// Bytes of a file searched whole for a pasted listing or file headers.
    pub paste_bytes: u64,
}

/// The caps of a run that sets none (`const`: the process-wide cell starts from it).
const DEFAULTS: Limits = Limits {
    input_bytes: DEFAULT_MAX_INPUT_BYTES,
    records: DEFAULT_MAX_RECORDS,
    devices: DEFAULT_MAX_DEVICES,
    links: DEFAULT_MAX_LINKS,
    bundle_members: DEFAULT_BUNDLE_MEMBERS,
    member_bytes: DEFAULT_MEMBER_BYTES,
    dt_bytes: DEFAULT_DT_BYTES,
    chain_depth: REPORT_CHAIN_DEPTH as u64,
    line_bytes: DEFAULT_LINE_BYTES,
    small_file_bytes: DEFAULT_SMALL_FILE_BYTES,
    deferred_bytes: DEVICES_DEFERRED_BYTES,
    sysfs_attr_bytes: SYSFS_ATTR_BYTES,
    dt_property_bytes: DEFAULT_DT_PROPERTY_BYTES,
    sysfs_walk_dirs: SYSFS_WALK_DIRS as u64,
    sysfs_walk_depth: SYSFS_WALK_DEPTH as u64,
    register_window_bytes: DEFAULT_REGISTER_WINDOW_BYTES,
    problems_listed: DEFAULT_PROBLEMS_LISTED,
    collected_file_bytes: COLLECTED_FILE_BYTES,
    live_mem_bytes: DEFAULT_LIVE_MEM_BYTES,
    json_object_bytes: DEFAULT_JSON_OBJECT_BYTES,
    paste_bytes: DEFAULT_PASTE_BYTES,
};

impl Default for Limits {
    fn default() -> Self {
        DEFAULTS
    }
}

/// Whether a cap counts bytes (read with `K`/`M`/`G` suffixes) or things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Count,
}

/// One settable cap: its name on the command line, what it bounds and what happens at it.
pub struct LimitSpec {
    pub name: &'static str,
    pub unit: Unit,
    pub what: &'static str,
    pub when_hit: &'static str,
    pub get: fn(&Limits) -> u64,
    pub set: fn(&mut Limits, u64),
}

/// The settable caps, in the order `probescope limits` lists them.
pub const SPECS: &[LimitSpec] = &[
    LimitSpec {
        name: "input-bytes",
        unit: Unit::Bytes,
        what: "decompressed bytes per input (8 × the largest kernel log buffer)",
        when_hit: "the input is analysed up to the cap and a note says so; a bundle over it is refused",
        get: |l| l.input_bytes,
        set: |l, v| l.input_bytes = v,
    },
    LimitSpec {
        name: "records",
        unit: Unit::Count,
        what: "log records per boot",
        when_hit: "the boot is analysed up to that record and a note names the log and the cap",
        get: |l| l.records,
        set: |l, v| l.records = v,
    },
    LimitSpec {
        name: "devices",
        unit: Unit::Count,
        what: "devices per boot",
        when_hit: "no more input is taken into the boot; a note names the file and line it stopped at",
        get: |l| l.devices,
        set: |l, v| l.devices = v,
    },
    LimitSpec {
        name: "links",
        unit: Unit::Count,
        what: "links per boot (device links, device-tree and logged edges)",
        when_hit: "further links are left out; a note names the file and line of the first one",
        get: |l| l.links,
        set: |l, v| l.links = v,
    },
    LimitSpec {
        name: "bundle-members",
        unit: Unit::Count,
        what: "members of a bundle",
        when_hit: "the bundle is refused, naming the member",
        get: |l| l.bundle_members,
        set: |l, v| l.bundle_members = v,
    },
    LimitSpec {
        name: "member-bytes",
        unit: Unit::Bytes,
        what: "bytes of one bundle member",
        when_hit: "the bundle is refused, naming the member",
        get: |l| l.member_bytes,
        set: |l, v| l.member_bytes = v,
    },
    LimitSpec {
        name: "dt-bytes",
        unit: Unit::Bytes,
        what: "flattened device tree (the kernel's are well under 1 MiB)",
        when_hit: "the blob is read up to the cap and a note names it",
        get: |l| l.dt_bytes,
        set: |l, v| l.dt_bytes = v,
    },
    LimitSpec {
        name: "chain-depth",
        unit: Unit::Count,
        what: "suppliers of a wait chain spelled out per finding",
        when_hit: "the finding ends with `the chain of waits goes on past …`; `probescope why DEVICE` follows the whole chain",
        get: |l| l.chain_depth,
        set: |l, v| l.chain_depth = v,
    },
    LimitSpec {
        name: "line-bytes",
        unit: Unit::Bytes,
        what: "one line of a text input (kernel records are at most 1 KiB)",
        when_hit: "the rest of the line is skipped, line numbers stay right, and a note names the first line cut",
        get: |l| l.line_bytes,
        set: |l, v| l.line_bytes = v,
    },
    LimitSpec {
        name: "small-file-bytes",
        unit: Unit::Bytes,
        what: "one-line inputs and ACPI tables (`/proc/cmdline`, `uname`, `/sys/firmware/acpi/tables/*`)",
        when_hit: "the file is read up to the cap and a note names it",
        get: |l| l.small_file_bytes,
        set: |l, v| l.small_file_bytes = v,
    },
    LimitSpec {
        name: "deferred-bytes",
        unit: Unit::Bytes,
        what: "`devices_deferred` inside a sysfs copy",
        when_hit: "the file is read up to the cap and a note names it",
        get: |l| l.deferred_bytes,
        set: |l, v| l.deferred_bytes = v,
    },
    LimitSpec {
        name: "sysfs-attr-bytes",
        unit: Unit::Bytes,
        what: "one sysfs attribute (an attribute is at most a page)",
        when_hit: "the attribute is read up to the cap and an error names it",
        get: |l| l.sysfs_attr_bytes,
        set: |l, v| l.sysfs_attr_bytes = v,
    },
    LimitSpec {
        name: "dt-property-bytes",
        unit: Unit::Bytes,
        what: "one property file of a device tree's directory form",
        when_hit: "the property is read up to the cap and a note names it",
        get: |l| l.dt_property_bytes,
        set: |l, v| l.dt_property_bytes = v,
    },
    LimitSpec {
        name: "sysfs-walk-dirs",
        unit: Unit::Count,
        what: "directories one walk of a sysfs copy visits",
        when_hit: "the walk stops there and a note names where",
        get: |l| l.sysfs_walk_dirs,
        set: |l, v| l.sysfs_walk_dirs = v,
    },
    LimitSpec {
        name: "sysfs-walk-depth",
        unit: Unit::Count,
        what: "levels one walk of a sysfs copy descends",
        when_hit: "the walk goes no deeper and a note names the first directory left",
        get: |l| l.sysfs_walk_depth,
        set: |l, v| l.sysfs_walk_depth = v,
    },
    LimitSpec {
        name: "register-window-bytes",
        unit: Unit::Bytes,
        what: "a SysMMU register window (a window is 4 or 64 KiB)",
        when_hit: "the dump is refused, naming the offset",
        get: |l| l.register_window_bytes,
        set: |l, v| l.register_window_bytes = v,
    },
    LimitSpec {
        name: "problems-listed",
        unit: Unit::Count,
        what: "unreadable parts of one log listed one by one",
        when_hit: "one more entry says that further ones are not listed, naming the flag",
        get: |l| l.problems_listed,
        set: |l, v| l.problems_listed = v,
    },
    LimitSpec {
        name: "collected-file-bytes",
        unit: Unit::Bytes,
        what: "one file `collect` (or `check --ssh`) copies from a target",
        when_hit: "the file is not copied; the bundle lists it as a gap naming the cap and the flag",
        get: |l| l.collected_file_bytes,
        set: |l, v| l.collected_file_bytes = v,
    },
    LimitSpec {
        name: "live-mem-bytes",
        unit: Unit::Bytes,
        what: "bytes `sysmmu --live` reads from `/dev/mem` (a whole table walk reads 4 MiB)",
        when_hit: "further reads are unreadable, naming the cap and the flag",
        get: |l| l.live_mem_bytes,
        set: |l, v| l.live_mem_bytes = v,
    },
    LimitSpec {
        name: "json-object-bytes",
        unit: Unit::Bytes,
        what: "one record object of `dmesg --json` (a record's text is at most 1 KiB)",
        when_hit: "the object is skipped and a note names its line, the cap and the flag",
        get: |l| l.json_object_bytes,
        set: |l, v| l.json_object_bytes = v,
    },
    LimitSpec {
        name: "paste-bytes",
        unit: Unit::Bytes,
        what: "a file searched whole for a pasted listing or `==> file <==` headers (a mail, a bug report)",
        when_hit: "only the file's first bytes are searched, and a note names the file, the cap and the flag",
        get: |l| l.paste_bytes,
        set: |l, v| l.paste_bytes = v,
    },
];

/// A cap set by a format rather than by the run.
pub struct FixedLimit {
    pub what: &'static str,
    pub value: &'static str,
    pub when_hit: &'static str,
}

/// The caps no flag changes: each is set by the format, so no input can ask for more.
pub const FIXED: &[FixedLimit] = &[
    FixedLimit {
        what: "page-table walk",
        value: "4,096 lv1 entries, 256 per lv2 table, two levels",
        when_hit: "nothing to hit: the Exynos SysMMU format has two levels of fixed-size tables, so a walk \
                   follows at most one link and `map` reads at most 4,096 × 256 entries",
    },
    FixedLimit {
        what: "a symlink of a sysfs copy flattened into a file",
        value: "4 KiB",
        when_hit:
            "a longer file is not a link target (the kernel's PATH_MAX is 4,096 bytes) and is read as a file",
    },
    FixedLimit {
        what: "symlinks followed to resolve one path of a sysfs copy",
        value: "40",
        when_hit: "the path is refused as a loop, as the kernel does at its MAXSYMLINKS (40)",
    },
];

static CURRENT: RwLock<Limits> = RwLock::new(DEFAULTS);

/// [`Limits::line_bytes`], kept apart from [`CURRENT`]: the line readers look it up once per
/// line, and a relaxed load costs nothing there where a lock would.
static LINE_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_LINE_BYTES);

/// The caps in force for this run.
pub fn current() -> Limits {
    // A poisoned lock still holds a whole `Limits` (a `Copy` value written in one store).
    *CURRENT.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The cap on one line of a text input in force for this run (`--limit line-bytes=`).
pub fn line_bytes() -> usize {
    usize::try_from(LINE_BYTES.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
}

/// Sets the caps for this run; process-wide because every reader, however deep in ingest,
/// must apply the same ones.
pub fn set_current(limits: Limits) {
    *CURRENT.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = limits;
    LINE_BYTES.store(limits.line_bytes, Ordering::Relaxed);
}

/// The cap on decompressed bytes per input in force for this run.
pub fn max_input_bytes() -> u64 {
    current().input_bytes
}

/// Sets the cap on decompressed bytes per input (`--max-input-bytes`, `--limit input-bytes=`).
pub fn set_max_input_bytes(bytes: u64) {
    let mut limits = current();
    limits.input_bytes = bytes;
    set_current(limits);
}

/// One `--limit` argument: a cap to set, or `help` (list them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitSetting {
    Help,
    Set { name: &'static str, value: u64 },
}

/// Reads `NAME=VALUE` (or `help`) as `--limit` takes it.
pub fn parse_setting(text: &str) -> Result<LimitSetting, String> {
    if text.trim() == "help" {
        return Ok(LimitSetting::Help);
    }
    let names = || SPECS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ");
    let Some((name, value)) = text.split_once('=') else {
        return Err(format!(
            "expected NAME=VALUE (NAME one of {}), or `help`; found `{text}`",
            names()
        ));
    };
    let spec = spec(name.trim())
        .ok_or_else(|| format!("no limit named `{}`; the limits are {}", name.trim(), names()))?;
    let value = match spec.unit {
        Unit::Bytes => parse_size(value)?,
        Unit::Count => parse_count(value)?,
    };
    Ok(LimitSetting::Set {
        name: spec.name,
        value,
    })
}

/// The settable cap named `name`.
pub fn spec(name: &str) -> Option<&'static LimitSpec> {
    SPECS.iter().find(|s| s.name == name)
}

impl Limits {
    /// These limits with `settings` applied in order (a later setting of a name wins).
    pub fn with(mut self, settings: &[LimitSetting]) -> Limits {
        for setting in settings {
            if let LimitSetting::Set { name, value } = setting {
                if let Some(spec) = spec(name) {
                    (spec.set)(&mut self, *value);
                }
            }
        }
        self
    }
}

/// The `--limit` flag that raises the cap named `name` (`--limit records=…`).
pub fn raise_hint(name: &str) -> String {
    format!("raise it with --limit {name}=…")
}

/// A cap's value as people read it: sizes in binary units, counts with thousands separators.
pub fn display_value(unit: Unit, value: u64) -> String {
    match unit {
        Unit::Bytes => human_bytes(value),
        Unit::Count => thousands(value),
    }
}

/// The note for an input read only up to the cap named `name` (a [`SPECS`] entry): the file,
/// the cap and the flag that raises it.
pub fn cap_hit(file: &str, name: &str) -> String {
    let cap = match spec(name) {
        Some(spec) => display_value(spec.unit, (spec.get)(&current())),
        None => "its".to_string(),
    };
    format!(
        "{file}: read up to the {cap} {name} cap; the rest was not read ({})",
        raise_hint(name)
    )
}

/// `1000000` → `1,000,000`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Every cap as the README's Markdown table: settable ones with their flag, then fixed ones.
pub fn markdown_table(limits: &Limits) -> String {
    let mut out = String::from("| limit | default | raised by | when hit |\n|---|---|---|---|\n");
    for spec in SPECS {
        let mut flag = format!("`--limit {}=…`", spec.name);
        if spec.name == "input-bytes" {
            flag.push_str(" or `--max-input-bytes SIZE`");
        }
        out.push_str(&format!(
            "| `{}`: {} | {} | {flag} | {} |\n",
            spec.name,
            spec.what,
            display_value(spec.unit, (spec.get)(limits)),
            spec.when_hit
        ));
    }
    for fixed in FIXED {
        out.push_str(&format!(
            "| {} | {} | — | {} |\n",
            fixed.what, fixed.value, fixed.when_hit
        ));
    }
    out
}

/// Parses a count: digits, with `_` or `,` between groups allowed (`1_000_000`).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let digits: String = text.trim().chars().filter(|c| !matches!(c, '_' | ',')).collect();
    match digits.parse::<u64>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(format!(
            "expected a count above 0 such as 1000000, found `{}`",
            text.trim()
        )),
    }
}

/// The message for an input cut at the size cap: the cap and the flag that raises it.
pub fn input_cap_message(cap: u64) -> String {
    format!(
        "input cut at the {} decompressed-size cap (raise it with {MAX_INPUT_BYTES_FLAG})",
        human_bytes(cap)
    )
}

/// `256 MiB`, `1 GiB`, `64 KiB`, or plain bytes when not a whole number of KiB.
pub fn human_bytes(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Parses a size as the flag takes it: plain bytes or with a `K`, `M` or `G` suffix
/// (binary units).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, 'K' | 'k')) => (&text[..at], 10),
        Some((at, 'M' | 'm')) => (&text[..at], 20),
        Some((at, 'G' | 'g')) => (&text[..at], 30),
        _ => (text, 0),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("expected a size such as 512M or 2G, found `{text}`"))?;
    value
        .checked_mul(1 << shift)
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| format!("expected a size above 0 and below 16 EiB, found `{text}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn caps_read_as_people_write_them() {
        assert_eq!(human_bytes(DEFAULT_MAX_INPUT_BYTES), "256 MiB");
        assert_eq!(human_bytes(1 << 30), "1 GiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
        assert_eq!(human_bytes(64 << 10), "64 KiB");
    }

    #[test]
    fn settings_name_a_cap_and_a_value_in_its_unit() {
        assert_eq!(
            parse_setting("records=1_000"),
            Ok(LimitSetting::Set {
                name: "records",
                value: 1000
            })
        );
        assert_eq!(
            parse_setting("input-bytes=2G"),
            Ok(LimitSetting::Set {
                name: "input-bytes",
                value: 2 << 30
            })
        );
        assert_eq!(parse_setting("help"), Ok(LimitSetting::Help));
        let err = parse_setting("nodes=3").unwrap_err();
        assert!(
            err.contains("no limit named `nodes`") && err.contains("devices"),
            "{err}"
        );
        assert!(parse_setting("devices").is_err());
        assert!(parse_setting("devices=0").is_err());
        let limits = Limits::default().with(&[
            parse_setting("links=5").unwrap(),
            parse_setting("links=7").unwrap(),
        ]);
        assert_eq!(limits.links, 7);
        assert_eq!(limits.devices, DEFAULT_MAX_DEVICES);
    }

    #[test]
    fn every_cap_is_listed_once_with_its_default() {
        let table = markdown_table(&Limits::default());
        for spec in SPECS {
            assert_eq!(
                table.matches(&format!("| `{}`:", spec.name)).count(),
                1,
                "{}",
                spec.name
            );
        }
        assert!(table.contains("| 4,000,000 |"), "{table}");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
