//! Helpers shared by the SysMMU tests: fixture paths, truth access, opening a case.

use probescope::sysmmu::dump::{read_register_file, ReadOptions};
use probescope::sysmmu::memory::{open_memory_spec, MemorySet};
use probescope::sysmmu::{decode, Conventions, PhysAddr, RegisterDecode, RegisterWindow};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("sysmmu/cases"))
        .expect("fixtures/sysmmu/cases exists")
        .map(|entry| entry.expect("readable dir entry").path())
        .filter(|path| path.join("truth.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 30,
        "expected the SysMMU cases, found {}",
        dirs.len()
    );
    dirs
}

pub fn truth(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("truth.json")).expect("truth.json readable");
    serde_json::from_str(&text).expect("truth.json parses")
}

pub fn hex(value: &Value) -> Option<u64> {
    let text = value.as_str()?;
    u64::from_str_radix(text.trim_start_matches("0x"), 16).ok()
}

pub fn name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

pub fn sfr_base(dir: &Path) -> PhysAddr {
    let text = std::fs::read_to_string(dir.join("regs.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    PhysAddr(hex(&json["sfr_base"]).unwrap())
}

pub fn read_regs(path: &Path, base: Option<PhysAddr>) -> RegisterWindow {
    read_register_file(path, &ReadOptions { base, version: None })
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

pub fn decode_file(path: &Path, conventions: Conventions) -> RegisterDecode {
    decode(&read_regs(path, None), conventions, None)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

pub fn memory(spec: &Path) -> MemorySet {
    let mut set = MemorySet::new();
    for source in open_memory_spec(&spec.display().to_string()).unwrap() {
        set.push(source);
    }
    set
}

/// IOVA page → PA page, expanded to 4 KiB.
pub type PageMap = std::collections::BTreeMap<u64, (u64, String)>;

fn ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| if (0x20..0x7f).contains(b) { *b as char } else { '.' })
        .collect()
}

/// `hexdump -C` of `bytes`, with its `*` squeezing of repeated lines and closing offset line.
pub fn hexdump_c(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut previous: Option<&[u8]> = None;
    let mut squeezing = false;
    for (index, line) in bytes.chunks(16).enumerate() {
        if previous == Some(line) {
            if !squeezing {
                out.push_str("*\n");
                squeezing = true;
            }
            continue;
        }
        squeezing = false;
        previous = Some(line);
        let mut hex = String::new();
        for (i, b) in line.iter().enumerate() {
            hex.push_str(&format!("{b:02x} "));
            if i == 7 {
                hex.push(' ');
            }
        }
        out.push_str(&format!("{:08x}  {hex:<49} |{}|\n", index * 16, ascii(line)));
    }
    out.push_str(&format!("{:08x}\n", bytes.len()));
    out
}

/// Plain `xxd` (two-byte groups, bytes in memory order).
pub fn xxd(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (index, line) in bytes.chunks(16).enumerate() {
        let groups: Vec<String> = line
            .chunks(2)
            .map(|pair| pair.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        out.push_str(&format!(
            "{:08x}: {:<39}  {}\n",
            index * 16,
            groups.join(" "),
            ascii(line)
        ));
    }
    out
}
