//! A small, careful reader of ELF core files (vmcore from kdump, `/proc/vmcore` copies): only the
//! program headers, to map every PT_LOAD's file bytes to its physical address (`p_paddr`, which
//! the kernel fills in `elfcorehdr`, see kernel/crash_core.c `crash_prepare_elf64_headers()`).
//! Both classes and byte orders; `PN_XNUM` extended numbering; every offset checked against the
//! file size.

use crate::error::{Error, InputError, Location};
use std::fs::File;

const PT_LOAD: u32 = 1;
const ET_CORE: u16 = 4;
const PN_XNUM: u16 = 0xFFFF;

/// One PT_LOAD: `filesz` bytes at file `offset` hold physical `paddr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadSegment {
    pub paddr: u64,
    pub offset: u64,
    pub filesz: u64,
}

struct Fields<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl Fields<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn u64(&self, at: usize) -> Option<u64> {
        let b: [u8; 8] = self.bytes.get(at..at + 8)?.try_into().ok()?;
        Some(if self.little {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }

    /// A 32- or 64-bit address-sized field.
    fn word(&self, at: usize, wide: bool) -> Option<u64> {
        if wide {
            self.u64(at)
        } else {
            self.u32(at).map(u64::from)
        }
    }
}

fn read_at(file: &File, source: &str, offset: u64, len: usize) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; len];
    #[cfg(unix)]
    let result = std::os::unix::fs::FileExt::read_exact_at(file, &mut buf, offset);
    #[cfg(windows)]
    let result = {
        let mut done = 0;
        let mut result = Ok(());
        while done < len {
            match std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], offset + done as u64) {
                Ok(0) => {
                    result = Err(std::io::ErrorKind::UnexpectedEof.into());
                    break;
                }
                Ok(n) => done += n,
                Err(err) => {
                    result = Err(err);
                    break;
                }
            }
        }
        result
    };
    result.map_err(|err| Error::io(source, err))?;
    Ok(buf)
}

fn bad(source: &str, offset: u64, expected: &str) -> Error {
    InputError::new(source, Location::Offset(offset), expected).into()
}

/// Reads the PT_LOAD segments of an ELF core.
pub fn load_segments(source: &str, file: &File, file_size: u64) -> Result<Vec<LoadSegment>, Error> {
    if file_size < 52 {
        return Err(bad(source, 0, "an ELF header (at least 52 bytes)"));
    }
    let header = read_at(file, source, 0, 64.min(file_size as usize))?;
    if header.get(0..4) != Some(b"\x7fELF".as_slice()) {
        return Err(bad(source, 0, "the ELF magic 7f 45 4c 46"));
    }
    let wide = match header.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err(bad(source, 4, "ELF class 1 (32-bit) or 2 (64-bit)")),
    };
    let little = match header.get(5) {
        Some(1) => true,
        Some(2) => false,
        _ => {
            return Err(bad(
                source,
                5,
                "ELF data encoding 1 (little-endian) or 2 (big-endian)",
            ))
        }
    };
    let fields = Fields {
        bytes: &header,
        little,
    };
    let truncated = || bad(source, 0, "a complete ELF header");
    let e_type = fields.u16(16).ok_or_else(truncated)?;
    if e_type != ET_CORE {
        return Err(InputError::new(
            source,
            Location::Offset(16),
            "an ELF core file (e_type ET_CORE = 4)",
        )
        .found(format!("e_type {e_type}"))
        .into());
    }
    let (phoff, phentsize, phnum, shoff) = if wide {
        (
            fields.u64(0x20).ok_or_else(truncated)?,
            fields.u16(0x36).ok_or_else(truncated)?,
            fields.u16(0x38).ok_or_else(truncated)?,
            fields.u64(0x28).ok_or_else(truncated)?,
        )
    } else {
        (
            u64::from(fields.u32(0x1C).ok_or_else(truncated)?),
            fields.u16(0x2A).ok_or_else(truncated)?,
            fields.u16(0x2C).ok_or_else(truncated)?,
            u64::from(fields.u32(0x20).ok_or_else(truncated)?),
        )
    };
    let min_entry = if wide { 56 } else { 32 };
    if usize::from(phentsize) < min_entry {
        return Err(bad(
            source,
            if wide { 0x36 } else { 0x2A },
            "a program header size of at least 32/56 bytes",
        ));
    }
    // More than 0xFFFE headers: the real count is in section header 0's sh_info (PN_XNUM).
    let count = if phnum == PN_XNUM {
        // `e_shoff` is the file's word: near 2^64 it must not wrap round to a small offset.
        let sh_info_at = shoff
            .checked_add(if wide { 0x2C } else { 0x1C })
            .filter(|at| at.checked_add(4).is_some_and(|end| end <= file_size));
        let Some(sh_info_at) = sh_info_at else {
            return Err(bad(
                source,
                shoff,
                "section header 0 holding the program header count (PN_XNUM)",
            ));
        };
        let info = read_at(file, source, sh_info_at, 4)?;
        let fields = Fields { bytes: &info, little };
        u64::from(fields.u32(0).unwrap_or(0))
    } else {
        u64::from(phnum)
    };
    let table_len = count * u64::from(phentsize);
    // Real cores have a few thousand headers at most; a bogus count must not size an allocation.
    if table_len > 64 << 20 {
        return Err(bad(
            source,
            phoff,
            "program headers of reasonable size (under 64 MiB)",
        ));
    }
    if phoff.checked_add(table_len).is_none_or(|end| end > file_size) {
        return Err(bad(source, phoff, "program headers inside the file"));
    }
    let table = read_at(file, source, phoff, table_len as usize)?;
    let fields = Fields {
        bytes: &table,
        little,
    };
    let mut segments = Vec::new();
    for index in 0..count as usize {
        let at = index * usize::from(phentsize);
        let entry_offset = phoff + at as u64;
        let short = || bad(source, entry_offset, "a complete program header");
        let p_type = fields.u32(at).ok_or_else(short)?;
        if p_type != PT_LOAD {
            continue;
        }
        let (offset, paddr, filesz) = if wide {
            (
                fields.word(at + 8, true).ok_or_else(short)?,
                fields.word(at + 24, true).ok_or_else(short)?,
                fields.word(at + 32, true).ok_or_else(short)?,
            )
        } else {
            (
                fields.word(at + 4, false).ok_or_else(short)?,
                fields.word(at + 12, false).ok_or_else(short)?,
                fields.word(at + 16, false).ok_or_else(short)?,
            )
        };
        if filesz == 0 {
            continue;
        }
        if offset.checked_add(filesz).is_none_or(|end| end > file_size) {
            return Err(bad(
                source,
                entry_offset,
                "PT_LOAD file bytes inside the file (is the core truncated?)",
            ));
        }
        segments.push(LoadSegment {
            paddr,
            offset,
            filesz,
        });
    }
    if segments.is_empty() {
        return Err(bad(source, phoff, "at least one PT_LOAD segment with file bytes"));
    }
    if segments.len() > 1 && segments.iter().all(|s| s.paddr == 0) {
        return Err(bad(
            source,
            phoff,
            "PT_LOAD physical addresses (p_paddr); every one is 0, so this core cannot be read by physical address",
        ));
    }
    Ok(segments)
}

/// Builds a minimal little-endian ELF64 core with the given PT_LOADs (tests and examples).
pub fn build_core64(loads: &[(u64, &[u8])]) -> Vec<u8> {
    let phnum = loads.len() + 1;
    let data_start = 64 + 56 * phnum;
    let mut out = vec![0u8; data_start];
    out[0..4].copy_from_slice(b"\x7fELF");
    out[4] = 2;
    out[5] = 1;
    out[6] = 1;
    out[16..18].copy_from_slice(&ET_CORE.to_le_bytes());
    out[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    out[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
    out[0x34..0x36].copy_from_slice(&64u16.to_le_bytes());
    out[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
    out[0x38..0x3A].copy_from_slice(&(phnum as u16).to_le_bytes());
    // A PT_NOTE first, as real vmcores have, to show non-LOAD headers are skipped.
    out[64..68].copy_from_slice(&4u32.to_le_bytes());
    let mut offset = data_start as u64;
    for (index, (paddr, bytes)) in loads.iter().enumerate() {
        let at = 64 + 56 * (index + 1);
        out[at..at + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
        out[at + 8..at + 16].copy_from_slice(&offset.to_le_bytes());
        out[at + 16..at + 24].copy_from_slice(&(0xffff_0000_0000_0000u64 | paddr).to_le_bytes());
        out[at + 24..at + 32].copy_from_slice(&paddr.to_le_bytes());
        out[at + 32..at + 40].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        out[at + 40..at + 48].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        offset += bytes.len() as u64;
    }
    for (_, bytes) in loads {
        out.extend_from_slice(bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_pt_loads_of_a_core() {
        let core = build_core64(&[(0x4000_0000, &[1, 2, 3, 4]), (0x8000_0000, &[5, 6, 7, 8])]);
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&core).unwrap();
        let segments = load_segments("core", file.as_file(), core.len() as u64).unwrap();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[1].paddr, 0x8000_0000);
        assert_eq!(segments[1].filesz, 4);
    }

    #[test]
    fn rejects_truncated_cores_with_an_offset() {
        let mut core = build_core64(&[(0x4000_0000, &[1, 2, 3, 4])]);
        core.truncate(core.len() - 2);
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&core).unwrap();
        let err = load_segments("core", file.as_file(), core.len() as u64).unwrap_err();
        assert!(err.to_string().contains("byte offset"), "{err}");
    }
}
