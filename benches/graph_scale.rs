//! How `check`, `why` and `graph` scale on synthetic boots (`tests/it/support/synth.rs`): ten
//! suppliers per device, a 40-long deferred chain and a 3-ring per thousand devices. Each
//! stage is measured at several sizes; the per-device cost should stay flat (linear growth).
//!
//! `cargo bench --bench graph_scale` (sizes: `PROBESCOPE_BENCH_SIZES=10000,30000,100000`, the
//! default; 100,000 devices are ~1M links).
//!
//! After criterion's runs, a table gives each output's time as a ratio of the model's build
//! time at each size (best of three runs each): issue 15 asks graph JSON and tree output on
//! 100k devices / 1M links to stay within 2 × the build. `PROBESCOPE_BENCH_RATIOS=0` skips it.

#[path = "../tests/it/support/synth.rs"]
mod synth;

use criterion::{criterion_group, BatchSize, BenchmarkId, Criterion, Throughput};
use probescope::blockers::{Blockers, DeviceStatus, Moment};
use probescope::graph::SupplierGraph;
use probescope::model::Boot;
use probescope::report::graph::{self as view, ViewOptions};
use probescope::rules::{self, Analysis};
use std::time::{Duration, Instant};

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
        for (format, write) in FORMATS {
            group.bench_with_input(BenchmarkId::new(format, devices), &boot, |b, boot| {
                b.iter(|| render(boot, &graph, write))
            });
        }
    }
    group.finish();
}

type Writer = fn(&view::GraphView, &mut dyn std::io::Write) -> Result<(), String>;

/// Each format as `probescope graph` writes it: the view built, then the text streamed to the
/// output (here a sink), never held whole.
const FORMATS: [(&str, Writer); 3] = [
    ("graph-dot", |view, out| {
        out.write_all(view::dot::render(view).as_bytes())
            .map_err(|e| e.to_string())
    }),
    ("graph-json", |view, out| {
        view::json::write(view, out, "sink").map_err(|e| e.to_string())
    }),
    ("graph-tree", |view, out| {
        view::tree::write(view, out).map_err(|e| e.to_string())
    }),
];

/// One `probescope graph` output of the boot: the view, then its text into a sink.
fn render(boot: &Boot, graph: &SupplierGraph, write: Writer) -> usize {
    let view = view::build(&Analysis::new(boot, graph), &ViewOptions::default());
    write(&view, &mut std::io::sink()).expect("a sink takes every byte");
    view.edges.len()
}

/// The best of three runs of `run` (after `prepare`, untimed), in seconds.
fn best_of_three<I, O>(mut prepare: impl FnMut() -> I, mut run: impl FnMut(I) -> O) -> f64 {
    (0..3)
        .map(|_| {
            let input = prepare();
            let start = Instant::now();
            std::hint::black_box(run(input));
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Each output's time over the model's build time, per size.
fn ratios() {
    println!("\nOutput time / model build time (best of 3 each):");
    println!(
        "{:>9} {:>9} {:>9}  {:>15} {:>15} {:>15}",
        "devices", "links", "build s", "graph-dot", "graph-json", "graph-tree"
    );
    for devices in sizes() {
        let synthetic = synth::generate(synth::Spec::scaled(devices));
        let build = best_of_three(|| clone_inputs(&synthetic.inputs), Boot::from_inputs);
        let boot = Boot::from_inputs(clone_inputs(&synthetic.inputs));
        let graph = SupplierGraph::new(&boot);
        let cells: Vec<String> = FORMATS
            .iter()
            .map(|(_, write)| {
                let secs = best_of_three(|| (), |()| render(&boot, &graph, *write));
                format!("{secs:.3} s {:>4.2}x", secs / build)
            })
            .collect();
        println!(
            "{devices:>9} {:>9} {build:>9.3}  {:>15} {:>15} {:>15}",
            synthetic.truth.links, cells[0], cells[1], cells[2]
        );
    }
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

// `criterion_main!` with the ratio table after criterion's summary.
fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::var("PROBESCOPE_BENCH_RATIOS").as_deref() != Ok("0") {
        ratios();
    }
}
