//! The text forms of a register dump, read line by line (they mix freely in one file): U-Boot
//! `md` output, busybox `devmem` pairs, `ADDR VALUE` and `NAME = VALUE` lines, and
//! `hexdump`/`od`/`xxd` of a raw window with `*` repeat lines, and the register values drivers
//! and debug patches print into the kernel log (`0x10a60000: 0x00000001`, `reg[0x0c] = 0x...`). Bytes are gathered per aligned word
//! and a register counts only when its word is complete.
//!
//! Over ~600 lines only with its tests, one per dump form.

use super::{max_window, ReadOptions};
use crate::error::{Error, InputError, Location};
use crate::sysmmu::addr::{parse_hex_u64, PhysAddr};
use crate::sysmmu::layout::{HwVersion, Layout, MMU_CAPA0, MMU_CAPA1, MMU_VERSION};
use crate::sysmmu::regs::{choose_layout, DumpForm, RegisterWindow};
use regex::Regex;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::LazyLock;

/// Register addresses are physical: at most 48 bits (so address arithmetic cannot overflow).
const ADDRESS_DIGITS: usize = 12;

/// Bytes gathered from the text, by aligned word address; a word counts only when complete.
#[derive(Default)]
struct WordCells {
    cells: BTreeMap<u64, (u32, u8)>,
    /// Words set twice with different values (address, line).
    conflicts: Vec<(u64, u32)>,
}

impl WordCells {
    fn put_byte(&mut self, addr: u64, byte: u8, line: u32) {
        let word = addr & !3;
        let shift = (addr & 3) * 8;
        let lane = 1u8 << (addr & 3);
        let cell = self.cells.entry(word).or_insert((0, 0));
        let old = ((cell.0 >> shift) & 0xFF) as u8;
        if cell.1 & lane != 0 && old != byte && self.conflicts.last().map(|c| c.0) != Some(word) {
            self.conflicts.push((word, line));
        }
        cell.0 = (cell.0 & !(0xFF << shift)) | (u32::from(byte) << shift);
        cell.1 |= lane;
    }

    /// A value of `size` bytes stored little-endian at `addr`.
    fn put_value(&mut self, addr: u64, value: u64, size: u64, line: u32) {
        for index in 0..size {
            self.put_byte(addr + index, (value >> (index * 8)) as u8, line);
        }
    }
}

/// How a group of hex digits in a dump line stands for bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GroupMeaning {
    /// A number of digits/2 bytes, stored little-endian (md, md.w, od, hexdump, xxd -e).
    Value,
    /// Bytes in memory order (xxd's default 2-byte groups).
    BytesInOrder,
}

struct TextReader<'a> {
    source: &'a str,
    cells: WordCells,
    named: Vec<(u32, String, u32)>,
    forms: Vec<DumpForm>,
    /// `md.w` seen: 4-digit groups after a colon are u16 values, not xxd byte pairs.
    md_width: Option<u64>,
    pending_devmem: Option<(u64, u64)>,
    /// The last dump line's start and bytes, for `*` repeats.
    last_dump: Option<(u64, Vec<u8>)>,
    repeat_pending: bool,
    colonless_dump_seen: bool,
    skipped: usize,
    first_skipped: Option<u32>,
    /// Whether addresses in the text may be window offsets (hexdump/xxd of a raw window).
    offset_forms_only: bool,
    any_address_form: bool,
}

static MD_COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s>#$:])md(?:\.([bwlq]))?\s+(?:0[xX])?[0-9a-fA-F]+").expect("static regex")
});
static DEVMEM_READ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s>#$:])devmem\s+((?:0[xX])?[0-9a-fA-F]+)(?:\s+(8|16|32|64|b|h|w|l))?\s*$")
        .expect("static regex")
});
static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([A-Za-z_][A-Za-z0-9_]*|(?:0[xX])?[0-9a-fA-F]+)\s*=\s*((?:0[xX])?[0-9a-fA-F]+)\s*(?:[#;/].*)?$",
    )
    .expect("static regex")
});
static COLON_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:0[xX])?([0-9a-fA-F]+):(.*)$").expect("static regex"));
/// `0xADDR: 0xVALUE` at the end of a line (a driver's or debug patch's register trace; both
/// numbers with `0x`, which tells it from `md` and `xxd` lines), after any log prefix.
static TRACE_BY_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s:\]])0[xX]([0-9a-fA-F]{1,12}):\s*0[xX]([0-9a-fA-F]{1,8})\s*$").expect("static regex")
});
/// `reg[0xOFF] = 0xVALUE` / `REG[OFF]: VALUE`: a value by its offset into the window.
static TRACE_BY_OFFSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[\s:\]])(?:reg|sfr|r)\[\s*((?:0x)?[0-9a-f]{1,5})\s*\]\s*[=:]\s*((?:0x)?[0-9a-f]{1,8})\s*$",
    )
    .expect("static regex")
});
static HEX_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:0[xX])?[0-9a-fA-F]+$").expect("static regex"));

/// Reads a text register dump line by line.
pub fn read_register_text(
    source: &str,
    mut reader: impl BufRead,
    options: &ReadOptions,
) -> Result<RegisterWindow, Error> {
    let mut text = TextReader {
        source,
        cells: WordCells::default(),
        named: Vec::new(),
        forms: Vec::new(),
        md_width: None,
        pending_devmem: None,
        last_dump: None,
        repeat_pending: false,
        colonless_dump_seen: false,
        skipped: 0,
        first_skipped: None,
        offset_forms_only: true,
        any_address_form: false,
    };
    let mut buffer = Vec::new();
    let mut line_number = 0u32;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|err| Error::io(source, err))?;
        if read == 0 {
            break;
        }
        line_number += 1;
        let line = String::from_utf8_lossy(&buffer);
        text.line(line.trim_end_matches(['\n', '\r']).trim(), line_number)?;
    }
    text.finish(options)
}

impl TextReader<'_> {
    fn error(&self, line: u32, expected: &str, found: &str) -> Error {
        InputError::new(self.source, Location::Line(line), expected)
            .found(found)
            .into()
    }

    fn form(&mut self, form: DumpForm) {
        if !self.forms.contains(&form) {
            self.forms.push(form);
        }
        if !matches!(form, DumpForm::Hexdump | DumpForm::Xxd | DumpForm::Named) {
            self.offset_forms_only = false;
        }
        if form != DumpForm::Named {
            self.any_address_form = true;
        }
    }

    fn skip(&mut self, line: u32) {
        self.skipped += 1;
        self.first_skipped.get_or_insert(line);
    }

    fn line(&mut self, line: &str, number: u32) -> Result<(), Error> {
        if line.is_empty() {
            return Ok(());
        }
        if let Some((addr, size)) = self.pending_devmem.take() {
            if HEX_TOKEN.is_match(line) {
                let value = self.hex_value(line, (size * 2) as usize, number)?;
                self.form(DumpForm::Devmem);
                self.check_aligned(addr, size, number, line)?;
                self.cells.put_value(addr, value, size, number);
                return Ok(());
            }
        }
        let devmem_command = line
            .contains("devmem")
            .then(|| DEVMEM_READ.captures(line))
            .flatten();
        if let Some(captures) = devmem_command {
            let addr = self.hex_value(&captures[1], ADDRESS_DIGITS, number)?;
            let size = match captures.get(2).map(|m| m.as_str()) {
                Some("8" | "b") => 1,
                Some("16" | "h") => 2,
                Some("64" | "l") => 8,
                _ => 4,
            };
            self.pending_devmem = Some((addr, size));
            return Ok(());
        }
        let md_command = line.contains("md").then(|| MD_COMMAND.captures(line)).flatten();
        if let Some(captures) = md_command {
            self.md_width = Some(match captures.get(1).map(|m| m.as_str()) {
                Some("b") => 1,
                Some("w") => 2,
                Some("q") => 8,
                _ => 4,
            });
            self.form(DumpForm::UbootMd);
            return Ok(());
        }
        if line == "*" {
            self.repeat_pending = true;
            return Ok(());
        }
        if let Some(captures) = TRACE_BY_ADDRESS.captures(line) {
            let addr = self.hex_value(&captures[1], ADDRESS_DIGITS, number)?;
            let value = self.hex_value(&captures[2], 8, number)?;
            self.check_aligned(addr, 4, number, line)?;
            self.form(DumpForm::LogTrace);
            self.offset_forms_only = false;
            self.cells.put_value(addr, value, 4, number);
            return Ok(());
        }
        if let Some(captures) = TRACE_BY_OFFSET.captures(line) {
            let offset = self.hex_value(&captures[1], ADDRESS_DIGITS, number)?;
            let value = self.hex_value(&captures[2], 8, number)?;
            self.check_aligned(offset, 4, number, line)?;
            // An offset form: the addresses are the window's, placed by --base.
            let offset_only = self.offset_forms_only;
            self.form(DumpForm::LogTrace);
            self.offset_forms_only = offset_only;
            self.cells.put_value(offset, value, 4, number);
            return Ok(());
        }
        let pair = line.contains('=').then(|| PAIR.captures(line)).flatten();
        if let Some(captures) = pair {
            let left = &captures[1];
            let value = self.hex_value(&captures[2], 8, number)? as u32;
            if is_hex_number(left) {
                let addr = self.hex_value(left, ADDRESS_DIGITS, number)?;
                self.check_aligned(addr, 4, number, line)?;
                self.form(DumpForm::Devmem);
                self.cells.put_value(addr, u64::from(value), 4, number);
            } else {
                self.form(DumpForm::Named);
                self.named.push((number, left.to_string(), value));
            }
            return Ok(());
        }
        if let Some(captures) = COLON_LINE.captures(line) {
            let addr = self.hex_value(&captures[1], ADDRESS_DIGITS, number)?;
            let rest = captures.get(2).map_or("", |m| m.as_str());
            // The hex groups end where the ASCII column starts: U-Boot puts four spaces before
            // it, xxd two (`print_buffer()` in U-Boot lib/display_options.c; xxd.c).
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            let hex_part = rest.split("  ").next().unwrap_or("");
            let groups: Vec<&str> = hex_part.split_whitespace().collect();
            if groups.is_empty() {
                self.skip(number);
                return Ok(());
            }
            let width = groups[0].len();
            let uniform = groups.iter().all(|g| g.len() == width && is_hex_number(g));
            if !uniform || !matches!(width, 2 | 4 | 8 | 16) {
                return Err(self.error(
                    number,
                    "hex groups of 2, 4, 8 or 16 digits after the address (U-Boot md or xxd)",
                    line,
                ));
            }
            let (meaning, form) = match (width, self.md_width) {
                (4, Some(2)) => (GroupMeaning::Value, DumpForm::UbootMd),
                (4, _) => (GroupMeaning::BytesInOrder, DumpForm::Xxd),
                _ if self.md_width.is_some() => (GroupMeaning::Value, DumpForm::UbootMd),
                (8, _) if !rest.contains("  ") || rest.contains("    ") => {
                    (GroupMeaning::Value, DumpForm::UbootMd)
                }
                _ => (GroupMeaning::Value, DumpForm::Xxd),
            };
            self.form(form);
            self.dump_groups(addr, &groups, meaning, number, line)?;
            return Ok(());
        }
        // Colon-less: `ADDR VALUE`, hexdump -C, plain hexdump, od.
        let without_ascii = line.split('|').next().unwrap_or("");
        let tokens: Vec<&str> = without_ascii.split_whitespace().collect();
        if !tokens.is_empty() && tokens.iter().all(|t| is_hex_number(t)) {
            match tokens.len() {
                1 => {
                    // hexdump's closing offset line: ends a `*` repeat.
                    let addr = self.hex_value(tokens[0], ADDRESS_DIGITS, number)?;
                    self.end_repeat(addr, number);
                    return Ok(());
                }
                2 if !(self.colonless_dump_seen && matches!(tokens[1].len(), 2 | 4)) => {
                    let addr = self.hex_value(tokens[0], ADDRESS_DIGITS, number)?;
                    let value = self.hex_value(tokens[1], 8, number)?;
                    self.check_aligned(addr, 4, number, line)?;
                    self.form(DumpForm::AddrValue);
                    self.cells.put_value(addr, value, 4, number);
                    return Ok(());
                }
                _ => {
                    let addr = self.hex_value(tokens[0], ADDRESS_DIGITS, number)?;
                    let groups = &tokens[1..];
                    let width = groups[0].len();
                    if groups.iter().all(|g| g.len() == width) && matches!(width, 2 | 4 | 8 | 16) {
                        self.colonless_dump_seen = true;
                        self.form(DumpForm::Hexdump);
                        self.dump_groups(addr, groups, GroupMeaning::Value, number, line)?;
                        return Ok(());
                    }
                }
            }
        }
        self.skip(number);
        Ok(())
    }

    fn hex_value(&self, text: &str, max_digits: usize, line: u32) -> Result<u64, Error> {
        let digits = text.trim_start_matches("0x").trim_start_matches("0X");
        let significant = digits.trim_start_matches('0');
        if significant.len() > max_digits {
            return Err(self.error(
                line,
                &format!("a hex number of at most {} bits", max_digits * 4),
                text,
            ));
        }
        parse_hex_u64(text).ok_or_else(|| self.error(line, "a hex number", text))
    }

    fn check_aligned(&self, addr: u64, size: u64, line: u32, text: &str) -> Result<(), Error> {
        if !addr.is_multiple_of(size) {
            return Err(self.error(line, &format!("a {size}-byte aligned register address"), text));
        }
        Ok(())
    }

    fn dump_groups(
        &mut self,
        addr: u64,
        groups: &[&str],
        meaning: GroupMeaning,
        number: u32,
        line: &str,
    ) -> Result<(), Error> {
        let mut bytes = Vec::with_capacity(groups.len() * 4);
        for group in groups {
            let size = (group.len() / 2) as u64;
            let value = self.hex_value(group, group.len(), number)?;
            match meaning {
                GroupMeaning::Value => {
                    for index in 0..size {
                        bytes.push((value >> (index * 8)) as u8);
                    }
                }
                GroupMeaning::BytesInOrder => {
                    for index in (0..size).rev() {
                        bytes.push((value >> (index * 8)) as u8);
                    }
                }
            }
        }
        if bytes.len() as u64 > max_window() {
            return Err(self.error(number, "a dump line of reasonable length", line));
        }
        self.end_repeat(addr, number);
        for (index, byte) in bytes.iter().enumerate() {
            self.cells.put_byte(addr + index as u64, *byte, number);
        }
        self.last_dump = Some((addr, bytes));
        Ok(())
    }

    /// hexdump and od print `*` for lines equal to the one before; fill them in up to `until`.
    fn end_repeat(&mut self, until: u64, number: u32) {
        if !std::mem::take(&mut self.repeat_pending) {
            return;
        }
        let Some((start, bytes)) = self.last_dump.clone() else {
            return;
        };
        if bytes.is_empty() || until <= start || until - start > max_window() {
            return;
        }
        let mut addr = start + bytes.len() as u64;
        while addr + bytes.len() as u64 <= until {
            for (index, byte) in bytes.iter().enumerate() {
                self.cells.put_byte(addr + index as u64, *byte, number);
            }
            addr += bytes.len() as u64;
        }
    }

    fn finish(mut self, options: &ReadOptions) -> Result<RegisterWindow, Error> {
        let mut window = RegisterWindow::new(self.source);
        let partial = self.cells.cells.values().filter(|(_, mask)| *mask != 0xF).count();
        let words: Vec<(u64, u32)> = self
            .cells
            .cells
            .iter()
            .filter(|(_, (_, mask))| *mask == 0xF)
            .map(|(addr, (value, _))| (*addr, *value))
            .collect();
        if words.is_empty() && self.named.is_empty() {
            return Err(InputError::new(
                self.source,
                Location::File,
                "register values: U-Boot md output, devmem pairs, ADDR VALUE or NAME = VALUE lines, \
                 hexdump -C/xxd of the window, or the raw window",
            )
            .into());
        }
        if let (Some(&(lowest, _)), Some(&(highest, _))) = (words.first(), words.last()) {
            let base = match options.base {
                Some(base) if lowest >= base.0 => base.0,
                Some(base) if self.offset_forms_only && highest < max_window() => {
                    window.notes.push(format!(
                        "addresses in the dump are below --base {base}: read as offsets into the window"
                    ));
                    0
                }
                Some(base) => {
                    return Err(InputError::new(
                        self.source,
                        Location::File,
                        format!("register addresses at or above the window base {base} given with --base"),
                    )
                    .found(format!("{lowest:#x}"))
                    .into())
                }
                None => lowest & !0xFFF,
            };
            window.base = match options.base {
                Some(given) => Some(given),
                None if self.offset_forms_only && base == 0 => None,
                None => {
                    window.base_inferred = true;
                    window.notes.push(format!(
                        "window base {base:#x} inferred (lowest address rounded down to 4 KiB); give --base if \
                         the dump does not start in the window's first page"
                    ));
                    Some(PhysAddr(base))
                }
            };
            let cap = max_window();
            for (addr, value) in words {
                let offset = addr - base;
                if offset >= cap {
                    return Err(InputError::new(
                        self.source,
                        Location::File,
                        format!(
                            "registers of one SysMMU window (within {} of its base {base:#x}, the \
                             register-window-bytes cap); give --base, or split the dump per SysMMU, \
                             or {}",
                            crate::limits::human_bytes(cap),
                            crate::limits::raise_hint("register-window-bytes")
                        ),
                    )
                    .found(format!("{addr:#x}"))
                    .into());
                }
                window.set(offset as u32, value);
            }
        }
        if !self.named.is_empty() {
            self.resolve_named(&mut window, options)?;
        }
        if partial > 0 {
            window.notes.push(format!(
                "{partial} word(s) only partly dumped, ignored (a register needs all 4 bytes)"
            ));
        }
        for (addr, line) in &self.cells.conflicts {
            window.notes.push(format!(
                "{}:{line}: the word at {addr:#x} appears again with another value; the later one is used",
                self.source
            ));
        }
        if self.skipped > 0 {
            window.notes.push(format!(
                "{} line(s) not recognised as register values were skipped (first: line {})",
                self.skipped,
                self.first_skipped.unwrap_or(0)
            ));
        }
        self.forms.sort();
        window.forms = self.forms;
        Ok(window)
    }

    /// `NAME = VALUE` lines: the names mean offsets only once the layout is known, which needs
    /// MMU_VERSION (and the CAPA registers on v7).
    fn resolve_named(&self, window: &mut RegisterWindow, options: &ReadOptions) -> Result<(), Error> {
        let named_value = |wanted: &str| {
            self.named
                .iter()
                .rev()
                .find(|(_, name, _)| {
                    let upper = name.to_ascii_uppercase();
                    upper.strip_prefix("REG_").unwrap_or(&upper) == wanted
                })
                .map(|(_, _, value)| *value)
        };
        let version =
            match options.version {
                Some(version) => version,
                None => match named_value("MMU_VERSION").or_else(|| window.get(MMU_VERSION)) {
                    Some(raw) => HwVersion::decode(raw),
                    None => return Err(InputError::new(
                        self.source,
                        Location::File,
                        "an MMU_VERSION line (the register names depend on the layout it selects), or the \
                         version given with --hw-version",
                    )
                    .into()),
                },
            };
        let (layout, notes) = choose_layout(&version, |offset| match offset {
            MMU_CAPA0 => named_value("MMU_CAPA0").or_else(|| window.get(offset)),
            MMU_CAPA1 => named_value("MMU_CAPA1").or_else(|| window.get(offset)),
            _ => window.get(offset),
        });
        window.notes.extend(notes);
        for (line, name, value) in &self.named {
            let Some(def) = layout.register_named(name) else {
                let known: Vec<&str> = layout.registers().iter().map(|def| def.name).collect();
                let elsewhere: Vec<&str> = Layout::ALL
                    .iter()
                    .filter(|other| other.register_named(name).is_some())
                    .map(|other| other.name())
                    .collect();
                let hint = if elsewhere.is_empty() {
                    String::new()
                } else {
                    format!(" ({name} belongs to the {} layout)", elsewhere.join("/"))
                };
                return Err(InputError::new(
                    self.source,
                    Location::Line(*line),
                    format!(
                        "a register name of the {layout} layout chosen by MMU_VERSION v{version}{hint}: {}",
                        known.join(", ")
                    ),
                )
                .found(name)
                .into());
            };
            if let Some(old) = window.set(def.offset, *value) {
                window.notes.push(format!(
                    "{}:{line}: {} given again ({old:#x} before); the later value is used",
                    self.source, def.name
                ));
            }
        }
        Ok(())
    }
}

fn is_hex_number(text: &str) -> bool {
    HEX_TOKEN.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, options: ReadOptions) -> RegisterWindow {
        read_register_text("test.txt", text.as_bytes(), &options).unwrap()
    }

    #[test]
    fn reads_register_values_printed_into_a_log() {
        // By address, with and without the log's time stamp and the driver's device prefix.
        let by_address = read(
            "[   12.345678] exynos-sysmmu 10a60000.sysmmu: 0x10a60000: 0x00000001\n\
             0x10a60034: 0x70000000\n",
            ReadOptions::default(),
        );
        assert_eq!(by_address.base, Some(PhysAddr(0x10a6_0000)));
        assert_eq!(by_address.get(0), Some(1));
        assert_eq!(by_address.get(0x34), Some(0x7000_0000));
        // By offset into the window, placed by --base.
        let by_offset = read(
            "reg[0x00] = 0x00000001\nreg[0x34] = 0x70000000\n",
            ReadOptions {
                base: Some(PhysAddr(0x10a6_0000)),
                ..ReadOptions::default()
            },
        );
        assert_eq!(by_offset.base, Some(PhysAddr(0x10a6_0000)));
        assert_eq!(by_offset.get(0x34), Some(0x7000_0000));
    }

    #[test]
    fn reads_md_l_with_and_without_prompt() {
        let with = read(
            "=> md.l 0x15170000 0x8\n15170000: 00000005 01100784 00000000 00964460    ............`..\n\
             15170030: 00000000 70820000 00000000 00000000    .......p........\n",
            ReadOptions::default(),
        );
        assert_eq!(with.base, Some(PhysAddr(0x1517_0000)));
        assert_eq!(with.get(0x34), Some(0x7082_0000));
        assert_eq!(with.get(0xC), Some(0x0096_4460));
        let without = read(
            "15170000: 00000005 01100784 00000000 00964460    ............`..\n",
            ReadOptions::default(),
        );
        assert_eq!(without.get(4), Some(0x0110_0784));
    }

    #[test]
    fn reads_md_w_as_values_and_xxd_as_bytes() {
        let md_w = read(
            "=> md.w 0x1000 4\n00001000: 0005 0000 0784 0110    ........\n",
            ReadOptions::default(),
        );
        assert_eq!(md_w.get(4), Some(0x0110_0784));
        let xxd = read(
            "00000000: 0500 0000 8407 1001 0000 0000 0000 0000  ................\n",
            ReadOptions::default(),
        );
        assert_eq!(xxd.get(0), Some(5));
        assert_eq!(xxd.get(4), Some(0x0110_0784));
        assert_eq!(xxd.base, None);
    }

    #[test]
    fn reads_hexdump_c_with_repeats() {
        let text = "00000000  05 00 00 00 84 07 10 01  00 00 00 00 00 00 00 00  |................|\n\
                    00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n\
                    *\n\
                    00000030  00 00 00 00 00 00 82 70  00 00 00 00 00 00 00 00  |...............p|\n\
                    00000040\n";
        let window = read(text, ReadOptions::default());
        assert_eq!(window.get(0x20), Some(0));
        assert_eq!(window.get(0x34), Some(0x7082_0000));
        assert_eq!(window.forms, vec![DumpForm::Hexdump]);
    }

    #[test]
    fn reads_devmem_commands_and_pairs() {
        let text = "# devmem 0x13620034\n0x50000000\n0x13620000 = 0x00000005\n";
        let window = read(text, ReadOptions::default());
        assert_eq!(window.get(0x34), Some(0x5000_0000));
        assert_eq!(window.get(0), Some(5));
    }

    #[test]
    fn addr_value_lines_in_every_style() {
        let text = "0x10A60000  0x5\n10a60004\t01100784\n10A60034 50000000\n";
        let window = read(text, ReadOptions::default());
        assert_eq!(window.base, Some(PhysAddr(0x10a6_0000)));
        let err =
            read_register_text("x.txt", "0x10a60002 5\n".as_bytes(), &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("x.txt:1"), "{err}");
    }

    #[test]
    fn named_lines_resolve_through_the_version() {
        let text = "MMU_CTRL = 0x5\nMMU_VERSION = 0x70820000\nMMU_CAPA0 = 0x3c04\nMMU_CAPA1 = 0x4013\n\
                    PT_BASE_PFN_VM = 0x000c41a4\n";
        let window = read(text, ReadOptions::default());
        assert_eq!(window.get(0x800C), Some(0xc41a4));
        let err = read_register_text(
            "n.txt",
            "MMU_VERSION = 0x50000000\nPT_BASE_PFN_VM = 1\n".as_bytes(),
            &ReadOptions::default(),
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("n.txt:2") && message.contains("v7_vm"),
            "{message}"
        );
    }

    #[test]
    fn text_without_registers_is_an_error() {
        let err =
            read_register_text("e.txt", "hello\nworld\n".as_bytes(), &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("e.txt"));
    }
}
