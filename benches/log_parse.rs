//! Throughput of `read_log_events` on a large log: every kernel-text log of the corpus (QEMU
//! dmesg, dmesg -r and console captures, the public text logs) concatenated and repeated to
//! about `PROBESCOPE_BENCH_MB` MiB (50 by default), and the /dev/kmsg captures likewise.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use probescope::ingest::log::{read_log_events, sniff, LogFormat};
use std::io::Cursor;
use std::path::{Path, PathBuf};

fn fixture_logs(format: LogFormat) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    for group in std::fs::read_dir(root.join("qemu"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for scenario in std::fs::read_dir(group.path()).into_iter().flatten().flatten() {
            for name in ["dmesg.txt", "dmesg-raw.txt", "console.log", "kmsg.txt"] {
                files.push(scenario.path().join(name));
            }
        }
    }
    for entry in std::fs::read_dir(root.join("public"))
        .into_iter()
        .flatten()
        .flatten()
    {
        files.push(entry.path());
    }
    files.sort();
    files
        .into_iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| {
                let head = &bytes[..bytes.len().min(256 * 1024)];
                sniff(head) == Some(format)
            })
        })
        .collect()
}

/// The logs of `format` concatenated, repeated to at least `megabytes` MiB.
fn big_log(format: LogFormat, megabytes: usize) -> Vec<u8> {
    let mut one_round = Vec::new();
    for path in fixture_logs(format) {
        let mut bytes = std::fs::read(&path).unwrap_or_default();
        if !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        one_round.extend_from_slice(&bytes);
    }
    assert!(!one_round.is_empty(), "no {format:?} logs in fixtures/");
    let target = megabytes << 20;
    let mut log = Vec::with_capacity(target + one_round.len());
    while log.len() < target {
        log.extend_from_slice(&one_round);
    }
    log
}

fn megabytes() -> usize {
    std::env::var("PROBESCOPE_BENCH_MB")
        .ok()
        .and_then(|mb| mb.parse().ok())
        .unwrap_or(50)
}

fn log_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_log_events");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(10));
    for (name, format, share) in [("text", LogFormat::Text, 1), ("kmsg", LogFormat::Kmsg, 4)] {
        let log = big_log(format, (megabytes() / share).max(1));
        group.throughput(Throughput::Bytes(log.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let data = read_log_events("big.log".into(), Cursor::new(&log[..])).unwrap();
                data.events.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, log_parse);
criterion_main!(benches);
