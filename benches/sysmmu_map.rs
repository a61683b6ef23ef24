//! A full 4 GiB IOVA-space map: 4096 lv1 entries, every one linking its own lv2 table, every lv2
//! entry a 4 KiB page (1 048 576 leaves), generated in memory with the v5 encoding (shift 4).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use probescope::sysmmu::walk::PageTable;
use probescope::sysmmu::{coalesce, map_table, Conventions, InMemory, Layout, PhysAddr, PteFormat};
use std::hint::black_box;

const BASE: u64 = 0x8_0000_0000;
const LV1_BYTES: usize = 4096 * 4;
const LV2_BYTES: usize = 256 * 4;

/// lv1 at BASE, lv2 table `i` right after it; page `n` maps to a scattered PA so no two leaves
/// coalesce (the worst case for the run builder too).
fn full_table() -> InMemory {
    let mut bytes = vec![0u8; LV1_BYTES + 4096 * LV2_BYTES];
    for lv1 in 0..4096usize {
        let table = BASE + (LV1_BYTES + lv1 * LV2_BYTES) as u64;
        let link = ((table >> 4) as u32 & 0xFFFF_FFC0) | 1;
        bytes[lv1 * 4..lv1 * 4 + 4].copy_from_slice(&link.to_le_bytes());
        for lv2 in 0..256usize {
            let page = (lv1 * 256 + lv2) as u64;
            let pa = 0x9_0000_0000 + ((page * 7919) % (1 << 20)) * 4096;
            let entry = ((pa >> 4) as u32 & 0xFFFF_FF00) | 0xC | 2;
            let at = LV1_BYTES + lv1 * LV2_BYTES + lv2 * 4;
            bytes[at..at + 4].copy_from_slice(&entry.to_le_bytes());
        }
    }
    InMemory::new(PhysAddr(BASE), bytes)
}

fn bench_full_map(c: &mut Criterion) {
    let memory = full_table();
    let format = PteFormat::new(Layout::V5, Conventions::Mainline);
    let mut group = c.benchmark_group("sysmmu_map");
    group.sample_size(10);
    group.throughput(Throughput::Elements(4096 * 256));
    group.bench_function("full_4gib_map", |b| {
        b.iter(|| {
            let table = PageTable::load(&memory, format, PhysAddr(BASE));
            let map = map_table(&table);
            assert_eq!(map.mappings.len(), 4096 * 256);
            black_box(map)
        })
    });
    group.bench_function("full_4gib_map_and_runs", |b| {
        b.iter(|| {
            let table = PageTable::load(&memory, format, PhysAddr(BASE));
            let map = map_table(&table);
            black_box(coalesce(&map.mappings, true))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_full_map);
criterion_main!(benches);
