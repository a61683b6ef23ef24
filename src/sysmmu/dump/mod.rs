//! Register dump readers: every form people produce on real boards, recognised by content.
//!
//! Text forms (mixed freely in one file, read line by line): U-Boot `md`/`md.l`/`md.w`/`md.b`
//! output with or without the prompt line, busybox `devmem` pairs (`0x13620000 = 0x00000005`, or a
//! `devmem ADDR` command line followed by the value it printed), `ADDR VALUE` lines (with or
//! without `0x`, any case, space or tab, padded or not), `NAME = 0xVALUE` lines with the layout's
//! register names, and `hexdump -C`/`hexdump`/`od`/`xxd` of a raw window (with `*` repeat lines).
//! Binary: the raw window (little-endian words), or a `regs.json` naming one. Addresses in the
//! text are absolute (the window base is the lowest address rounded down to 4 KiB, unless given)
//! or, for hexdump/xxd of a raw window, offsets.

use super::addr::PhysAddr;
use super::layout::HwVersion;
use super::regs::{DumpForm, RegisterWindow};
use crate::error::{Error, InputError, Location};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

mod text;
pub use text::read_register_text;

/// The largest register window read (v7 windows are 64 KiB; anything far larger is not one):
/// the run's `--limit register-window-bytes=`, 1 MiB by default.
pub fn max_window() -> u64 {
    crate::limits::current().register_window_bytes
}

/// What the user told the reader beyond the file.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Physical address of the window start (`--base`).
    pub base: Option<PhysAddr>,
    /// The hardware version, for `NAME = VALUE` dumps without MMU_VERSION.
    pub version: Option<HwVersion>,
}

/// Reads a register dump file of any supported form.
pub fn read_register_file(path: &Path, options: &ReadOptions) -> Result<RegisterWindow, Error> {
    let source = path.display().to_string();
    let file = File::open(path).map_err(|err| Error::io(path, err))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let head = reader.fill_buf().map_err(|err| Error::io(path, err))?.to_vec();
    if head.is_empty() {
        return Err(InputError::new(source, Location::File, "a register dump, found an empty file").into());
    }
    if looks_like_regs_json(&head) {
        return read_regs_json(path, &mut reader, options);
    }
    if looks_binary(&head) {
        let mut bytes = Vec::new();
        reader
            .take(max_window().saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|err| Error::io(path, err))?;
        return read_register_binary(&source, &bytes, options).map_err(Error::from);
    }
    read_register_text(&source, reader, options)
}

fn looks_like_regs_json(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('{') && text.contains("sfr_base")
}

/// Text dumps are printable ASCII (plus the odd UTF-8 in comments); a raw register window is
/// mostly zero words, so any NUL or a high share of other control bytes means binary.
fn looks_binary(head: &[u8]) -> bool {
    if head.contains(&0) {
        return true;
    }
    let odd = head
        .iter()
        .filter(|b| b.is_ascii_control() && !matches!(b, b'\n' | b'\r' | b'\t' | b'\x0c'))
        .count();
    odd * 20 > head.len()
}

/// Reads a raw register window (little-endian 32-bit words from offset 0).
pub fn read_register_binary(
    source: &str,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<RegisterWindow, InputError> {
    let cap = max_window();
    if bytes.len() as u64 > cap {
        return Err(InputError::new(
            source,
            Location::Offset(cap),
            format!(
                "a raw register window of at most {}, the register-window-bytes cap (a SysMMU window is 4 or 64 KiB; {})",
                crate::limits::human_bytes(cap),
                crate::limits::raise_hint("register-window-bytes")
            ),
        ));
    }
    if bytes.len() < 0x38 {
        return Err(InputError::new(
            source,
            Location::Offset(bytes.len() as u64),
            "a raw register window of at least 0x38 bytes (up to MMU_VERSION at 0x034)",
        ));
    }
    let mut window = RegisterWindow::new(source);
    window.forms.push(DumpForm::RawBinary);
    window.base = options.base;
    for (index, word) in bytes.chunks_exact(4).enumerate() {
        let value = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        window.set((index * 4) as u32, value);
    }
    if !bytes.len().is_multiple_of(4) {
        window.notes.push(format!(
            "{} trailing bytes after the last whole word ignored",
            bytes.len() % 4
        ));
    }
    Ok(window)
}

#[derive(serde::Deserialize)]
struct RegsJson {
    sfr_base: String,
    file: String,
}

fn read_regs_json(
    path: &Path,
    reader: &mut impl Read,
    options: &ReadOptions,
) -> Result<RegisterWindow, Error> {
    let source = path.display().to_string();
    let mut text = String::new();
    reader
        .take(max_window())
        .read_to_string(&mut text)
        .map_err(|err| Error::io(path, err))?;
    let json: RegsJson = serde_json::from_str(&text).map_err(|err| {
        InputError::new(
            source.clone(),
            Location::Line(err.line() as u32),
            "a regs.json object {\"sfr_base\": \"0x…\", \"size\": N, \"file\": \"regs.bin\"}",
        )
        .found(err.to_string())
    })?;
    let base = PhysAddr::parse(&json.sfr_base).ok_or_else(|| {
        InputError::new(source.clone(), Location::File, "sfr_base as a hex address").found(&json.sfr_base)
    })?;
    let window_path: PathBuf = path.parent().unwrap_or(Path::new(".")).join(&json.file);
    let mut bytes = Vec::new();
    File::open(&window_path)
        .map_err(|err| Error::io(&window_path, err))?
        .take(max_window().saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| Error::io(&window_path, err))?;
    let options = ReadOptions {
        base: options.base.or(Some(base)),
        version: options.version,
    };
    let mut window = read_register_binary(&window_path.display().to_string(), &bytes, &options)?;
    window.forms = vec![DumpForm::RegsJson];
    Ok(window)
}
