//! Is this a kernel log, and in which container format? Decided from the first bytes only
//! (`SNIFF_WINDOW`), by content, never by file name.
//!
//! Other evidence files must not be claimed: sysfs listings (`path:value`), devices_deferred
//! (`name<TAB>reason`), tables, /proc files, kernel configs, device trees, JSON that is not a
//! log. What makes a log is kernel structure: time stamps, `<prio>` / `fac:lev` prefixes,
//! /dev/kmsg headers, journal lines from the `kernel` identifier, or (for pastes without
//! stamps) enough lines that only the kernel prints (dev_printk lines, splats, call traces).

use super::journal::{is_export_field, looks_like_journal_entry, parse_journal_line};
use super::kmsg::{is_dictionary_line as is_kmsg_dictionary, parse_header};
use super::stamps::parse_line;
use super::text::clean;
use super::LogFormat;
use crate::ingest::messages::{classify_text, prefix, Message};

/// How much of an input `sniff` should be given: serial captures can carry tens of KiB of
/// firmware output before the kernel's first line.
pub const SNIFF_WINDOW: usize = 256 * 1024;

/// What the sniffer saw in a head.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeadReport {
    pub format: Option<LogFormat>,
    /// Lines with a kernel prefix (time stamp, priority): the log carries them, so lines
    /// before the first one are boot loader output.
    pub kernel_prefixed: usize,
}

/// Recognises a kernel log from its first bytes (already decompressed; ideally
/// `SNIFF_WINDOW` of them) and says which format it is in; `None` when nothing there looks
/// like a kernel log.
pub fn sniff(head: &[u8]) -> Option<LogFormat> {
    analyse(head).format
}

pub fn analyse(head: &[u8]) -> HeadReport {
    let none = HeadReport::default();
    if head.is_empty() || looks_binary(head) {
        return none;
    }
    let first = head
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0 && *b != 0x1e);
    if first.is_some_and(|at| head[at] == b'{') {
        return HeadReport {
            format: sniff_json(head),
            kernel_prefixed: 0,
        };
    }
    let mut counts = Counts::default();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', head) {
        counts.add(&head[start..end]);
        start = end + 1;
    }
    counts.add(&head[start..]);
    HeadReport {
        format: counts.decide(),
        kernel_prefixed: counts.prefixed,
    }
}

#[derive(Debug, Default)]
struct Counts {
    nonempty: usize,
    kmsg_headers: usize,
    kmsg_dictionary: usize,
    journal_kernel: usize,
    /// `journalctl -o export` lines: `FIELD=value`, and the entries' `MESSAGE=` among them.
    export_fields: usize,
    export_messages: usize,
    prefixed: usize,
    shaped: usize,
    /// Lines a kernel prints once, first thing in a boot (`Linux version`, `Booting Linux on
    /// physical CPU`), without a prefix: a whole boot's log printed without time stamps.
    banners: usize,
}

impl Counts {
    fn add(&mut self, raw: &[u8]) {
        let start = raw.iter().take_while(|&&b| b == 0).count();
        let line = clean(&raw[start..]);
        if line.trim().is_empty() {
            return;
        }
        self.nonempty += 1;
        if parse_header(&line).is_some() {
            self.kmsg_headers += 1;
            return;
        }
        if is_kmsg_dictionary(&line) {
            self.kmsg_dictionary += 1;
            return;
        }
        if is_export_field(&line) {
            self.export_fields += 1;
            if line.starts_with("MESSAGE=") {
                self.export_messages += 1;
            }
        }
        // A journal line of the kernel names its identifier, `kernel:`; most lines do not
        // hold that, and the journal's grammar is not tried on them.
        let may_be_kernel_journal = memchr::memmem::find(line.as_bytes(), b"kernel:").is_some();
        if may_be_kernel_journal && parse_journal_line(&line).is_some_and(|j| j.kernel) {
            self.journal_kernel += 1;
        }
        let parsed = parse_line(&line);
        if parsed.kernel_prefix {
            self.prefixed += 1;
        } else if self.prefixed < 2 && is_kernel_shaped(parsed.text) {
            // Once two lines carry a kernel prefix, `decide` never reads the shaped counts
            // (its rules before them do not use them): the costliest test is not run again.
            self.shaped += 1;
            if parsed.text.starts_with("Linux version ")
                || parsed.text.starts_with("Booting Linux on physical CPU")
            {
                self.banners += 1;
            }
        }
    }

    fn decide(&self) -> Option<LogFormat> {
        if self.kmsg_headers > 0 && self.kmsg_headers * 2 >= self.nonempty - self.kmsg_dictionary {
            return Some(LogFormat::Kmsg);
        }
        if self.export_messages > 0 && self.export_fields * 10 >= self.nonempty * 9 {
            return Some(LogFormat::JournalExport);
        }
        if self.journal_kernel > 0 && self.journal_kernel * 4 >= self.nonempty {
            return Some(LogFormat::JournalText);
        }
        if self.prefixed >= 2 || (self.prefixed == 1 && self.nonempty <= 3) {
            return Some(LogFormat::Text);
        }
        if self.shaped >= 5 && self.shaped * 4 >= self.nonempty {
            return Some(LogFormat::Text);
        }
        // `dmesg -t`, `journalctl -o cat`: a boot from its banner on, where most lines are
        // kernel messages this reader has no pattern for (memory maps, CPU features).
        if self.banners > 0 && self.shaped >= 20 && self.shaped * 10 >= self.nonempty {
            return Some(LogFormat::Text);
        }
        None
    }
}

/// A line without a kernel prefix that only the kernel prints: a dev_printk line naming a
/// device-like name, a recognised kernel message, or part of a splat or call trace.
fn is_kernel_shaped(text: &str) -> bool {
    const SPLAT: [&str; 14] = [
        "------------[ cut here ]------------",
        "---[ end trace",
        "Call trace:",
        "Call Trace:",
        "Modules linked in:",
        "Hardware name: ",
        "Workqueue: ",
        "Exception stack(",
        "PC is at ",
        "LR is at ",
        "Backtrace:",
        "Booting Linux on physical CPU",
        "Internal error: ",
        "pstate: ",
    ];
    if SPLAT.iter().any(|s| text.starts_with(s)) {
        return true;
    }
    // ARM call trace entries: "[<c0111f20>] (unwind_backtrace) from [<c010d128>] ...".
    if text.starts_with("[<") && text.contains(">]") {
        return true;
    }
    if text.starts_with("CPU: ") && text.contains(" PID: ") {
        return true;
    }
    if super::splat::is_report_line(text) {
        return true;
    }
    let mut messages = Vec::new();
    classify_text(text, false, &mut messages);
    messages.iter().any(|message| match message {
        Message::DevicePrint(_) => prefix::split(text).prefix.is_some_and(|p| {
            p.device
                .bytes()
                .any(|b| b.is_ascii_digit() || matches!(b, b'.' | b':' | b'-' | b'_'))
                && !p.driver_or_bus.bytes().any(|b| b.is_ascii_uppercase())
        }),
        _ => true,
    })
}

fn sniff_json(head: &[u8]) -> Option<LogFormat> {
    let text = String::from_utf8_lossy(head);
    let body = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{1e}');
    let after_brace = body.strip_prefix('{')?.trim_start();
    if let Some(rest) = after_brace.strip_prefix("\"dmesg\"") {
        if rest.trim_start().strip_prefix(':')?.trim_start().starts_with('[') {
            return Some(LogFormat::DmesgJson);
        }
    }
    // One object per line, or (json-pretty) one field per line up to a closing `}` line.
    let first_object = match body.lines().next()?.trim() {
        "{" => body.split("\n}").next()?,
        _ => body.lines().next()?,
    };
    looks_like_journal_entry(first_object).then_some(LogFormat::JournalJson)
}

/// Binary data (a DTB, a register dump): control bytes a text never has. NUL bytes right at
/// the start of a line are allowed (/dev/kmsg records read with a NUL between them).
fn looks_binary(head: &[u8]) -> bool {
    use super::text::{word_has_byte_below, word_of};
    let mut count = BinaryCount::default();
    // Eight bytes at a time where none is below 0x20 nor 0x7f (nearly all of a text): all
    // allowed, and none starts a line.
    let mut words = head.chunks_exact(8);
    for chunk in words.by_ref() {
        let word = word_of(chunk);
        if word_has_byte_below(word, 0x20) || word_has_byte_below(word ^ 0x7f7f_7f7f_7f7f_7f7f, 1) {
            chunk.iter().for_each(|&b| count.see(b));
        } else {
            count.see(b' ');
        }
    }
    words.remainder().iter().for_each(|&b| count.see(b));
    count.bad * 100 > head.len()
}

/// The bytes a text never has, counted byte by byte.
struct BinaryCount {
    bad: usize,
    line_start: bool,
}

impl Default for BinaryCount {
    fn default() -> Self {
        BinaryCount {
            bad: 0,
            line_start: true,
        }
    }
}

impl BinaryCount {
    fn see(&mut self, b: u8) {
        let allowed = match b {
            b'\n' => {
                self.line_start = true;
                return;
            }
            0 => self.line_start,
            b'\t' | b'\r' | 0x1b | 0x08 | 0x0c | 0x1e => true,
            0x01..=0x1f | 0x7f => false,
            _ => true,
        };
        if b != 0 {
            self.line_start = false;
        }
        if !allowed {
            self.bad += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `looks_binary` a byte at a time, as it read before its fast path.
    fn looks_binary_bytewise(head: &[u8]) -> bool {
        let mut count = BinaryCount::default();
        head.iter().for_each(|&b| count.see(b));
        count.bad * 100 > head.len()
    }

    #[test]
    fn binary_is_told_eight_bytes_at_a_time_as_byte_by_byte() {
        // Generated heads over the bytes that matter (NULs at and after a line's start, 0x7f,
        // control bytes allowed and not), of every length around the word size, and dense
        // enough in bad bytes to cross the 1 % line both ways.
        const ALPHABET: &[u8] = &[
            b'a', b'a', b'a', b'a', b'\n', 0, 0x7f, 0x01, b'\t', 0x1e, 0x80, b' ',
        ];
        let mut next = crate::ingest::xorshift::xorshift(0x2545_f491_4f6c_dd1d);
        let mut both = [0usize; 2];
        for len in (0..200).chain([1000, 4096]) {
            for _ in 0..20 {
                let sparse = next().is_multiple_of(4);
                let head: Vec<u8> = (0..len)
                    .map(|_| match next() % 64 {
                        n if sparse && n > 2 => b'x',
                        n => ALPHABET[(n % ALPHABET.len() as u64) as usize],
                    })
                    .collect();
                let binary = looks_binary_bytewise(&head);
                both[usize::from(binary)] += 1;
                assert_eq!(looks_binary(&head), binary, "{head:?}");
            }
        }
        assert!(both[0] > 100 && both[1] > 100, "{both:?}");
    }

    #[test]
    fn formats_by_content() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/{dmesg,dmesg-raw,kmsg}.txt
        assert_eq!(
            sniff(b"[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]\n[    0.000000] Linux version 6.1.0-56-arm64\n"),
            Some(LogFormat::Text)
        );
        assert_eq!(
            sniff(b"6,0,0,-;Booting Linux on physical CPU 0x0000000000 [0x411fd070]\n5,1,0,-;Linux version 6.1.0-56-arm64\n"),
            Some(LogFormat::Kmsg)
        );
        assert_eq!(
            sniff(b"{\n   \"dmesg\": [\n      {\n         \"pri\": 0,"),
            Some(LogFormat::DmesgJson)
        );
        assert_eq!(
            sniff(br#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1","_TRANSPORT":"kernel","MESSAGE":"x"}"#),
            Some(LogFormat::JournalJson)
        );
        assert_eq!(
            sniff(b"-- Journal begins at Mon 2021-06-28 09:22:12 MST. --\nJun 29 18:28:41 hp-4300G kernel: Linux version 5.12.0\nJun 29 18:28:41 hp-4300G kernel: Command line: x\n"),
            Some(LogFormat::JournalText)
        );
    }

    #[test]
    fn other_evidence_is_not_a_log() {
        for head in [
            &b"/sys/class/devlink/amba:9030000.pl061--platform:gpio-keys/status:available\n"[..],
            b"0000:00:03.0\t\n4010000000.pcie\tplatform: supplier 9050000.smmuv3 not ready\n",
            b"#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path\n",
            b"console=ttyAMA0 log_buf_len=4M panic=-1 rdinit=/init deferred_probe_timeout=5\n",
            b"virtio_rng 16384 0 - Live 0xffff80007ab4d000\n",
            b"CONFIG_IOMMU_SUPPORT=y\n# CONFIG_EXYNOS_IOMMU is not set\n",
            b"\xd0\x0d\xfe\xed\x00\x00\x20\x00\x00\x00\x00\x38\x00\x00\x1f\x0c\x00\x00\x00\x28",
            b"{\n  \"set\": \"smmuv3-6.1\",\n  \"evidence\": \"dmesg.txt:1: [    0.000000] Booting\"\n}\n",
            b"",
        ] {
            assert_eq!(sniff(head), None, "{}", String::from_utf8_lossy(head));
        }
    }
}
