//! Physical memory behind a trait, so walks do not care where the bytes come from: raw dumps with
//! their base address (`FILE@0xBASE`, several), an ELF core (vmcore/kdump: PT_LOAD physical
//! ranges), a `memory.json` listing dump windows, bytes in memory, or the live `/dev/mem` with a
//! bounded read budget. A read outside every source is `Unreadable`, never invented.

use super::addr::PhysAddr;
use crate::error::{Error, InputError, Location};
use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

/// A read that no source could satisfy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub pa: PhysAddr,
    pub len: u64,
    pub reason: String,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes at {}: {}", self.len, self.pa, self.reason)
    }
}

/// One physical range a source covers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct CoveredRange {
    pub base: PhysAddr,
    pub size: u64,
    pub source: String,
}

/// Readable physical memory. `Send`: a boot's inputs, dumps included, move to the thread that
/// analyses the boot while the next one is read.
pub trait PhysMemory: Send {
    /// Fills `buf` with the bytes at `pa`; fails when any byte lies outside what the source holds.
    fn read(&self, pa: PhysAddr, buf: &mut [u8]) -> Result<(), Unreadable>;

    /// What the source covers, for output.
    fn ranges(&self) -> Vec<CoveredRange>;

    /// Reads a little-endian 32-bit word (page-table entries are LE u32, exynos-iommu.c).
    fn read_u32(&self, pa: PhysAddr) -> Result<u32, Unreadable> {
        let mut word = [0u8; 4];
        self.read(pa, &mut word)?;
        Ok(u32::from_le_bytes(word))
    }
}

fn outside(pa: PhysAddr, len: usize, what: &str) -> Unreadable {
    Unreadable {
        pa,
        len: len as u64,
        reason: format!("not in {what}"),
    }
}

/// Bytes held in memory at a physical base (tests, benchmarks, generated tables).
#[derive(Clone, Debug)]
pub struct InMemory {
    pub base: PhysAddr,
    pub bytes: Vec<u8>,
    pub name: String,
}

impl InMemory {
    pub fn new(base: PhysAddr, bytes: Vec<u8>) -> Self {
        InMemory {
            base,
            bytes,
            name: "memory".into(),
        }
    }
}

impl PhysMemory for InMemory {
    fn read(&self, pa: PhysAddr, buf: &mut [u8]) -> Result<(), Unreadable> {
        let start =
            pa.0.checked_sub(self.base.0)
                .ok_or_else(|| outside(pa, buf.len(), &self.name))?;
        let start = usize::try_from(start).map_err(|_| outside(pa, buf.len(), &self.name))?;
        let end = start
            .checked_add(buf.len())
            .ok_or_else(|| outside(pa, buf.len(), &self.name))?;
        let bytes = self
            .bytes
            .get(start..end)
            .ok_or_else(|| outside(pa, buf.len(), &self.name))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }

    fn ranges(&self) -> Vec<CoveredRange> {
        vec![CoveredRange {
            base: self.base,
            size: self.bytes.len() as u64,
            source: self.name.clone(),
        }]
    }
}

/// Reads `buf.len()` bytes at `offset` of a file without moving a shared cursor.
fn read_file_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], offset + done as u64)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

/// A file whose byte `file_offset + i` holds physical address `base + i`, for `size` bytes.
#[derive(Debug)]
struct FileSegment {
    base: PhysAddr,
    size: u64,
    file_offset: u64,
}

/// A raw physical-memory dump (`FILE@0xBASE`) or an ELF core's PT_LOAD segments.
#[derive(Debug)]
pub struct FileMemory {
    path: PathBuf,
    file: File,
    segments: Vec<FileSegment>,
    kind: &'static str,
}

impl FileMemory {
    /// A raw dump: the whole file, starting at physical `base`.
    pub fn raw(path: &Path, base: PhysAddr) -> Result<FileMemory, Error> {
        let file = File::open(path).map_err(|err| Error::io(path, err))?;
        let size = file.metadata().map_err(|err| Error::io(path, err))?.len();
        if size == 0 {
            return Err(InputError::new(
                path.display().to_string(),
                Location::File,
                "a memory dump, found an empty file",
            )
            .into());
        }
        Ok(FileMemory {
            path: path.to_path_buf(),
            file,
            segments: vec![FileSegment {
                base,
                size,
                file_offset: 0,
            }],
            kind: "raw dump",
        })
    }

    /// An ELF core file (vmcore, kdump): every PT_LOAD's file bytes at its physical address.
    pub fn elf_core(path: &Path) -> Result<FileMemory, Error> {
        let file = File::open(path).map_err(|err| Error::io(path, err))?;
        let size = file.metadata().map_err(|err| Error::io(path, err))?.len();
        let segments = super::elf::load_segments(&path.display().to_string(), &file, size)?;
        Ok(FileMemory {
            path: path.to_path_buf(),
            file,
            segments: segments
                .into_iter()
                .map(|segment| FileSegment {
                    base: PhysAddr(segment.paddr),
                    size: segment.filesz,
                    file_offset: segment.offset,
                })
                .collect(),
            kind: "ELF core",
        })
    }
}

impl PhysMemory for FileMemory {
    fn read(&self, pa: PhysAddr, buf: &mut [u8]) -> Result<(), Unreadable> {
        let len = buf.len() as u64;
        let segment = self
            .segments
            .iter()
            .find(|s| pa.0 >= s.base.0 && pa.0 - s.base.0 < s.size && s.size - (pa.0 - s.base.0) >= len)
            .ok_or_else(|| outside(pa, buf.len(), &self.path.display().to_string()))?;
        let offset = segment.file_offset + (pa.0 - segment.base.0);
        read_file_at(&self.file, offset, buf).map_err(|err| Unreadable {
            pa,
            len,
            reason: format!("{}: {err}", self.path.display()),
        })
    }

    fn ranges(&self) -> Vec<CoveredRange> {
        self.segments
            .iter()
            .map(|s| CoveredRange {
                base: s.base,
                size: s.size,
                source: format!("{} ({})", self.path.display(), self.kind),
            })
            .collect()
    }
}

/// The live `/dev/mem`, read only up to a byte budget so a mistaken walk cannot sweep memory.
#[derive(Debug)]
pub struct DevMem {
    file: File,
    path: PathBuf,
    budget: Cell<u64>,
    limit: u64,
}

impl DevMem {
    /// The default budget (`--limit live-mem-bytes=` sets the run's): a full table walk reads
    /// 16 KiB + 4096 × 1 KiB.
    pub const DEFAULT_BUDGET: u64 = crate::limits::DEFAULT_LIVE_MEM_BYTES;

    pub fn open(path: &Path, budget: u64) -> Result<DevMem, Error> {
        let file = File::open(path).map_err(|err| Error::io(path, err))?;
        Ok(DevMem {
            file,
            path: path.to_path_buf(),
            budget: Cell::new(budget),
            limit: budget,
        })
    }
}

impl PhysMemory for DevMem {
    fn read(&self, pa: PhysAddr, buf: &mut [u8]) -> Result<(), Unreadable> {
        let len = buf.len() as u64;
        let left = self.budget.get();
        if len > left {
            return Err(Unreadable {
                pa,
                len,
                reason: format!(
                    "the live read budget of {}, the live-mem-bytes cap, is used up ({})",
                    crate::limits::human_bytes(self.limit),
                    crate::limits::raise_hint("live-mem-bytes")
                ),
            });
        }
        self.budget.set(left - len);
        read_file_at(&self.file, pa.0, buf).map_err(|err| Unreadable {
            pa,
            len,
            reason: format!("{}: {err}", self.path.display()),
        })
    }

    fn ranges(&self) -> Vec<CoveredRange> {
        vec![CoveredRange {
            base: PhysAddr(0),
            size: u64::MAX,
            source: format!("{} (live, budget {} bytes)", self.path.display(), self.limit),
        }]
    }
}

/// Several sources; a read may span adjacent ones.
#[derive(Default)]
pub struct MemorySet {
    sources: Vec<Box<dyn PhysMemory>>,
}

impl MemorySet {
    pub fn new() -> Self {
        MemorySet::default()
    }

    pub fn push(&mut self, source: Box<dyn PhysMemory>) {
        self.sources.push(source);
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

impl PhysMemory for MemorySet {
    fn read(&self, pa: PhysAddr, buf: &mut [u8]) -> Result<(), Unreadable> {
        let mut first_error = None;
        for source in &self.sources {
            match source.read(pa, buf) {
                Ok(()) => return Ok(()),
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        // Not in one piece: try word by word across the sources (tables straddling two dumps).
        if buf.len() > 4 && buf.len().is_multiple_of(4) {
            let mut ok = true;
            for (index, chunk) in buf.chunks_exact_mut(4).enumerate() {
                let at = pa.offset(index as u64 * 4);
                if !self.sources.iter().any(|source| source.read(at, chunk).is_ok()) {
                    ok = false;
                    break;
                }
            }
            if ok {
                return Ok(());
            }
        }
        Err(first_error.unwrap_or_else(|| outside(pa, buf.len(), "any memory source (none given)")))
    }

    fn ranges(&self) -> Vec<CoveredRange> {
        let mut ranges: Vec<CoveredRange> = self.sources.iter().flat_map(|s| s.ranges()).collect();
        ranges.sort_by_key(|r| r.base);
        ranges
    }
}

#[derive(serde::Deserialize)]
struct MemoryJsonWindow {
    base: String,
    file: String,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum MemoryJson {
    Windows { windows: Vec<MemoryJsonWindow> },
    One(MemoryJsonWindow),
}

/// Opens one `--mem` argument: `FILE@0xBASE` (raw dump), an ELF core, or a `memory.json`
/// (`{"base", "size", "file"}` or `{"windows": [...]}`) naming raw dumps beside it.
pub fn open_memory_spec(spec: &str) -> Result<Vec<Box<dyn PhysMemory>>, Error> {
    if let Some((file, base)) = spec.rsplit_once('@') {
        if let Some(base) = PhysAddr::parse(base) {
            return Ok(vec![Box::new(FileMemory::raw(Path::new(file), base)?)]);
        }
        if !Path::new(spec).exists() {
            return Err(Error::Usage(format!(
                "--mem {}: expected FILE@0xBASE with a hex base address",
                crate::sanitize::escape_control(spec)
            )));
        }
    }
    let path = Path::new(spec);
    let mut head = [0u8; 64];
    let head_len = {
        use std::io::Read;
        let mut file = File::open(path).map_err(|err| Error::io(path, err))?;
        let mut filled = 0;
        while filled < head.len() {
            let n = file
                .read(&mut head[filled..])
                .map_err(|err| Error::io(path, err))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        filled
    };
    let head = &head[..head_len];
    if head.starts_with(b"\x7fELF") {
        return Ok(vec![Box::new(FileMemory::elf_core(path)?)]);
    }
    if String::from_utf8_lossy(head).trim_start().starts_with('{') {
        return open_memory_json(path);
    }
    Err(InputError::new(
        path.display().to_string(),
        Location::Offset(0),
        "an ELF core or a memory.json; give a raw dump as FILE@0xBASE",
    )
    .into())
}

fn open_memory_json(path: &Path) -> Result<Vec<Box<dyn PhysMemory>>, Error> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| Error::io(path, err))?;
    let json: MemoryJson = serde_json::from_str(&text).map_err(|err| {
        InputError::new(
            source.clone(),
            Location::Line(err.line() as u32),
            "a memory.json: {\"base\", \"size\", \"file\"} or {\"windows\": [{\"base\", \"size\", \"file\"}, …]}",
        )
        .found(err.to_string())
    })?;
    let windows = match json {
        MemoryJson::Windows { windows } => windows,
        MemoryJson::One(window) => vec![window],
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut sources: Vec<Box<dyn PhysMemory>> = Vec::new();
    for window in windows {
        let base = PhysAddr::parse(&window.base).ok_or_else(|| {
            InputError::new(source.clone(), Location::File, "window base as a hex address")
                .found(&window.base)
        })?;
        sources.push(Box::new(FileMemory::raw(&dir.join(&window.file), base)?));
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_reads_only_what_it_holds() {
        let memory = InMemory::new(PhysAddr(0x1000), vec![1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(memory.read_u32(PhysAddr(0x1004)), Ok(2));
        assert!(memory.read_u32(PhysAddr(0x1006)).is_err());
        assert!(memory.read_u32(PhysAddr(0xFFC)).is_err());
    }

    #[test]
    fn a_set_reads_across_adjacent_sources() {
        let mut set = MemorySet::new();
        set.push(Box::new(InMemory::new(PhysAddr(0x1000), vec![1, 0, 0, 0])));
        set.push(Box::new(InMemory::new(PhysAddr(0x1004), vec![2, 0, 0, 0])));
        let mut buf = [0u8; 8];
        assert!(set.read(PhysAddr(0x1000), &mut buf).is_ok());
        assert_eq!(buf, [1, 0, 0, 0, 2, 0, 0, 0]);
        assert!(set.read(PhysAddr(0x1004), &mut [0u8; 8]).is_err());
    }
}
