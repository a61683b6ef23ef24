//! How `check`, `why` and `graph` scale on synthetic boots (`tests/it/support/synth.rs`): ten
//! suppliers per device, a 40-long deferred chain and a 3-ring per thousand devices. Each
//! stage is measured at several sizes; the per-device cost should stay flat (linear growth).
//!
//! `cargo bench --bench graph_scale` (sizes: `PROBESCOPE_BENCH_SIZES=10000,30000,100000`, the
//! default).

#[path = "../tests/it/support/synth.rs"]
mod synth;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use probescope::blockers::{Blockers, DeviceStatus, Moment};
use probescope::graph::SupplierGraph;
use probescope::model::Boot;
use probescope::report::graph::{self as view, ViewOptions};
use probescope::rules::{self, Analysis};
use std::time::Duration;

fn sizes() -> Vec<usize> {
    std::env::var("PROBESCOPE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![10_000, 30_000, 100_000])
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph_scale");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for devices in sizes() {
        let synthetic = synth::generate(synth::Spec::scaled(devices));
        let links = synthetic.truth.links;
        eprintln!("{devices} bulk devices, {links} links");
        group.throughput(Throughput::Elements(devices as u64));
        group.bench_with_input(BenchmarkId::new("build", devices), &synthetic, |b, s| {
            b.iter_batched(
                || clone_inputs(&s.inputs),
                Boot::from_inputs,
                BatchSize::LargeInput,
            )
        });
        let boot = Boot::from_inputs(clone_inputs(&synthetic.inputs));
        group.bench_with_input(BenchmarkId::new("check", devices), &boot, |b, boot| {
            b.iter(|| {
                let graph = SupplierGraph::new(boot);
                rules::run_all(&Analysis::new(boot, &graph)).len()
            })
        });
        let graph = SupplierGraph::new(&boot);
        let deferred: Vec<_> = {
            let blockers = Blockers::new(&boot, &graph, Moment::End);
            boot.device_ids()
                .filter(|id| blockers.status(*id) == DeviceStatus::Deferred)
                .collect()
        };
        group.bench_with_input(BenchmarkId::new("why", devices), &deferred, |b, deferred| {
            b.iter(|| {
                let blockers = Blockers::new(&boot, &graph, Moment::End);
                deferred
                    .iter()
                    .map(|id| blockers.root_causes(*id).len())
                    .sum::<usize>()
            })
        });
        // Each format as `probescope graph` writes it: the view built, then the text streamed
        // to the output (here a sink), never held whole.
        for (format, write) in [
            (
                "graph-dot",
                (|view, out| {
                    out.write_all(view::dot::render(view).as_bytes())
                        .map_err(|e| e.to_string())
                }) as fn(&view::GraphView, &mut dyn std::io::Write) -> Result<(), String>,
            ),
            ("graph-json", |view, out| {
                view::json::write(view, out, "sink").map_err(|e| e.to_string())
            }),
            ("graph-tree", |view, out| {
                view::tree::write(view, out).map_err(|e| e.to_string())
            }),
        ] {
            group.bench_with_input(BenchmarkId::new(format, devices), &boot, |b, boot| {
                b.iter(|| {
                    let view = view::build(&Analysis::new(boot, &graph), &ViewOptions::default());
                    write(&view, &mut std::io::sink()).expect("a sink takes every byte");
                    view.edges.len()
                })
            });
        }
    }
    group.finish();
}

/// `BootInputs` is not `Clone` (it holds errors); the synthetic one has only snapshots.
fn clone_inputs(inputs: &probescope::ingest::BootInputs) -> probescope::ingest::BootInputs {
    probescope::ingest::BootInputs {
        name: inputs.name.clone(),
        snapshots: inputs.snapshots.clone(),
        ..Default::default()
    }
}

criterion_group!(benches, scale);
criterion_main!(benches);
