//! How much of any input probescope reads: one policy for every path bytes come in by (plain
//! files, gzip, xz, zstd, bundle members, standard input), so a hostile or runaway input ends
//! at a documented cap with a message naming the file, the cap and the flag that raises it,
//! instead of filling memory or running forever.
//!
//! The caps are generous for real evidence (a kernel log buffer is at most 32 MiB:
//! `CONFIG_LOG_BUF_SHIFT` ≤ 25, kernel/printk/printk.c) and small enough that a bomb stops
//! within seconds. The README's "Limits" section lists them with their flags.

use std::sync::atomic::{AtomicU64, Ordering};

/// Default cap on the decompressed bytes read from one input: eight times the largest kernel
/// log buffer, room for a journal export or a serial capture with other traffic.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;

/// The command-line flag that raises [`max_input_bytes`].
pub const MAX_INPUT_BYTES_FLAG: &str = "--max-input-bytes";

/// Longest supplier chain a finding spells out (devices named, evidence cited). A longer wait
/// chain is reported up to this depth with a pointer to `probescope why`, which follows it
/// whole: naming each device's full chain in every finding costs the square of its length.
pub const REPORT_CHAIN_DEPTH: usize = 8;

/// Longest text of a terminal-table cell (a finding's message or related devices); longer
/// text ends in `…`, and `--format json` carries it whole.
pub const TABLE_CELL_CHARS: usize = 4096;

/// Largest sysfs attribute read by the sysfs readers, from a folder or a target (an attribute
/// is at most a page; this leaves room for 64 KiB pages).
pub const SYSFS_ATTR_BYTES: u64 = 64 * 1024;

/// Largest `devices_deferred` read from a sysfs folder (one line per deferred device).
pub const DEVICES_DEFERRED_BYTES: u64 = 16 << 20;

/// Most directories one sysfs walk visits (looking for `waiting_for_supplier`, or the device
/// tree's directory form), over a folder or the local system (`ingest::sysfs::source::walk`).
pub const SYSFS_WALK_DIRS: usize = 1_000_000;

/// Deepest a sysfs walk descends, over a folder or on a target (device paths are far
/// shallower).
pub const SYSFS_WALK_DEPTH: usize = 64;

/// Largest file `collect` copies from a target, locally or over SSH (the bundle reader refuses
/// larger members).
pub const COLLECTED_FILE_BYTES: u64 = 64 << 20;

static MAX_INPUT_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT_BYTES);

/// The cap on decompressed bytes per input in force for this run.
pub fn max_input_bytes() -> u64 {
    MAX_INPUT_BYTES.load(Ordering::Relaxed)
}

/// Sets the cap on decompressed bytes per input (from `--max-input-bytes`); a process-wide
/// setting because every reader, however deep in ingest, must apply the same one.
pub fn set_max_input_bytes(bytes: u64) {
    MAX_INPUT_BYTES.store(bytes, Ordering::Relaxed);
}

/// The message for an input cut at the size cap: the cap and the flag that raises it.
pub fn input_cap_message(cap: u64) -> String {
    format!(
        "input cut at the {} decompressed-size cap (raise it with {MAX_INPUT_BYTES_FLAG}); \
         what came before was analysed",
        human_bytes(cap)
    )
}

/// `256 MiB`, `1 GiB`, or plain bytes when not a whole number of MiB.
pub fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
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
    }
}
