//! Replays every input the fuzzers found a crash, a hang or a runaway allocation with
//! (`fixtures/fuzz-regressions/<target>/`) through the target's own entry point, compiled here
//! from `fuzz/src/entries.rs`: CI needs no nightly toolchain to keep them fixed. Each input
//! must return without a panic, within an allocation budget counted in-process.

#[path = "../../fuzz/src/entries.rs"]
#[allow(dead_code)]
mod entries;

use crate::support::alloc_count::peak_allocated_during;
use std::path::Path;

/// Far above what any kept input needs (they are small), far below what the bugs they pinned
/// took (gigabytes).
const PEAK_BYTES: usize = 256 << 20;

#[test]
fn every_kept_crasher_returns_within_its_budget() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz-regressions");
    let mut replayed = 0;
    for (target, entry) in entries::TARGETS {
        let dir = root.join(target);
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for file in files {
            let path = file.expect("a readable regression folder").path();
            if path.extension().is_some_and(|e| e == "md") {
                continue;
            }
            let data = std::fs::read(&path).expect("a readable regression input");
            let peak = peak_allocated_during(|| entry(&data));
            assert!(
                peak < PEAK_BYTES,
                "{}: peak allocation {peak} bytes (budget {PEAK_BYTES})",
                path.display()
            );
            replayed += 1;
        }
    }
    // Every folder under fixtures/fuzz-regressions/ names a target: a misspelt one would
    // never be replayed.
    for folder in std::fs::read_dir(&root).expect("fixtures/fuzz-regressions/") {
        let name = folder.expect("a readable folder").file_name();
        let name = name.to_string_lossy();
        assert!(
            name.ends_with(".md") || entries::TARGETS.iter().any(|(target, _)| *target == name),
            "fixtures/fuzz-regressions/{name} is no fuzz target"
        );
    }
    assert!(replayed > 0, "no regression input was replayed");
}
