//! One entry point per fuzz target: the bytes go where a file of that kind goes in a real run
//! (the same library calls the commands make), then on through the boot model, the analysis
//! and the rules where the input kind reaches them. Every function must return for any input;
//! a panic, a hang or a runaway allocation is a bug in the library.
//!
//! Compiled twice: by the fuzz targets (`fuzz/fuzz_targets/*.rs`) and by the ordinary test
//! suite (`tests/it/fuzz_regressions.rs`), which replays the kept crashers through [`TARGETS`].

use probescope::ingest::bundle::{read_bundle_from, BundleLimits};
use probescope::ingest::discover::{ingest_bundle_members, ingest_file};
use probescope::ingest::{dt, BootInputs, InputKind};
use probescope::pipeline::{analyse_inputs, split_boots};
use probescope::report::baseline::Baseline;
use probescope::sysmmu::dump::{read_register_file, ReadOptions};
use probescope::sysmmu::memory::FileMemory;
use probescope::sysmmu::{self, Conventions, InMemory, Iova, Layout, PageTable, PhysAddr, PteFormat};
use std::io::Cursor;
use std::path::PathBuf;

/// A target's entry point: takes any bytes, must return.
pub type Entry = fn(&[u8]);

/// Every target by name (the folder names under `fixtures/fuzz-regressions/`).
pub const TARGETS: &[(&str, Entry)] = &[
    ("log", log),
    ("devlink", devlink),
    ("listing", listing),
    ("deferred", deferred),
    ("dtb", dtb),
    ("acpi", acpi),
    ("sysmmu_regs", sysmmu_regs),
    ("page_table", page_table),
    ("elf_core", elf_core),
    ("bundle", bundle),
    ("config", config),
    ("baseline", baseline),
];

/// A kernel log in any form: the whole log front end (form sniffing, record reading, boot
/// splitting), then every boot it holds through the model, the analysis and the rules.
pub fn log(data: &[u8]) {
    analyse_as(&[(InputKind::KernelLog, "dmesg.txt")], data);
}

/// A `/sys/class/devlink` dump or listing, analysed as a boot's only evidence (the supplier
/// graph of whatever links it names).
pub fn devlink(data: &[u8]) {
    analyse_as(&[(InputKind::Devlink, "devlink.txt")], data);
}

/// The same bytes as each of the other sysfs listings (devices, IOMMU groups, the IOMMU class,
/// waiting_for_supplier): one boot with all four.
pub fn listing(data: &[u8]) {
    analyse_as(
        &[
            (InputKind::DeviceTable, "drivers.txt"),
            (InputKind::IommuGroups, "iommu_groups.txt"),
            (InputKind::IommuClass, "iommu_class.txt"),
            (InputKind::WaitingForSupplier, "waiting_for_supplier.txt"),
        ],
        data,
    );
}

/// `/sys/kernel/debug/devices_deferred`.
pub fn deferred(data: &[u8]) {
    analyse_as(&[(InputKind::DevicesDeferred, "devices_deferred.txt")], data);
}

/// A flattened device tree blob: parsed, then analysed as the boot's device tree.
pub fn dtb(data: &[u8]) {
    let _ = dt::parse_fdt(&"fdt.dtb".into(), data);
    analyse_as(&[(InputKind::DeviceTree, "fdt.dtb")], data);
}

/// An ACPI table (IORT, VIOT, ...), merged into the boot's firmware routes and analysed.
pub fn acpi(data: &[u8]) {
    analyse_as(&[(InputKind::AcpiTable, "IORT")], data);
}

/// A SysMMU register dump in any form (text forms, raw window, regs.json), decoded as the
/// `sysmmu` commands decode it; the same bytes also as a SysMMU fault log.
pub fn sysmmu_regs(data: &[u8]) {
    let file = ScratchFile::new("regs", data);
    if let Ok(window) = read_register_file(&file.path, &ReadOptions::default()) {
        for conventions in [Conventions::Mainline, Conventions::Downstream] {
            let _ = sysmmu::decode(&window, conventions, None);
        }
    }
    let _ = sysmmu::parse_fault_log(Cursor::new(data));
}

/// Page-table memory: `[format][base: u64 LE][lv1 table: u64 LE]` then the memory bytes from
/// `base`. The format byte picks the layout (bits 0–1) and the conventions (bit 2). The whole
/// table is mapped and a spread of addresses translated, as `sysmmu map` and `translate` do.
pub fn page_table(data: &[u8]) {
    let Some((header, memory)) = data.split_first_chunk::<17>() else {
        return;
    };
    let layout = [Layout::V1, Layout::V5, Layout::V7, Layout::V7Vm][usize::from(header[0] & 3)];
    let conventions = if header[0] & 4 == 0 {
        Conventions::Mainline
    } else {
        Conventions::Downstream
    };
    let word = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap_or_default());
    let memory = InMemory::new(PhysAddr(word(1)), memory.to_vec());
    let table = PageTable::load(&memory, PteFormat::new(layout, conventions), PhysAddr(word(9)));
    let _ = sysmmu::map_table(&table);
    for iova in (0..64u32).map(|step| Iova(step.wrapping_mul(0x0404_1041))) {
        let _ = table.translate(iova);
    }
}

/// An ELF core (vmcore) as a memory source: its PT_LOAD segments read and one word fetched.
pub fn elf_core(data: &[u8]) {
    let file = ScratchFile::new("core", data);
    if let Ok(memory) = FileMemory::elf_core(&file.path) {
        use sysmmu::PhysMemory;
        let mut word = [0u8; 4];
        let _ = memory.read(PhysAddr(0), &mut word);
    }
}

/// A bundle (tar, maybe compressed): read with the default limits, every member ingested,
/// the boot analysed.
pub fn bundle(data: &[u8]) {
    let Ok(bundle) = read_bundle_from(Cursor::new(data), "fuzz.tar", &BundleLimits::default()) else {
        return;
    };
    let mut boot = BootInputs::default();
    if ingest_bundle_members(&mut boot, &bundle, "fuzz.tar").is_ok() {
        analyse(boot);
    }
}

/// A project configuration (TOML).
pub fn config(data: &[u8]) {
    let _ = probescope::config::parse(&String::from_utf8_lossy(data), "probescope.toml");
}

/// A baseline file (JSON).
pub fn baseline(data: &[u8]) {
    let _ = Baseline::parse(&String::from_utf8_lossy(data), "baseline.json");
}

/// Reads `data` as each `(kind, name)` into one boot, then analyses every boot it holds.
fn analyse_as(kinds: &[(InputKind, &str)], data: &[u8]) {
    let mut boot = BootInputs::default();
    for (kind, name) in kinds {
        let _ = ingest_file(&mut boot, (*name).into(), *kind, &mut Cursor::new(data), None);
    }
    analyse(boot);
}

fn analyse(inputs: BootInputs) {
    for boot in split_boots(inputs) {
        let _ = analyse_inputs(boot, &[]);
    }
}

/// A file holding the input, for the readers that take a path (they read by offset or look
/// beside the file); removed when dropped.
struct ScratchFile {
    path: PathBuf,
}

impl ScratchFile {
    fn new(kind: &str, data: &[u8]) -> ScratchFile {
        let path = std::env::temp_dir().join(format!(
            "probescope-fuzz-{kind}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        // A scratch file that cannot be written leaves the reader an error to return: still
        // a valid run of the target.
        let _ = std::fs::write(&path, data);
        ScratchFile { path }
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
