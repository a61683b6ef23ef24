//! The integration tests, as one test binary: one module per area, sharing `support`.
//!
//! One binary rather than one per file: each `tests/*.rs` file is its own crate, linked on its
//! own against the library and every dev-dependency, and on a small machine those link steps
//! dominated a cold `cargo test`. A new test file goes here as a module (`mod name;` below);
//! helpers more than one module needs go in `support/`. Run one area with
//! `cargo test --test it check_cli::` (module paths prefix the test names).

mod support;

mod batch_bad_inputs;
mod bind_evidence;
mod check_cli;
mod check_text;
mod ci_gate_baseline;
mod ci_gate_batch;
mod ci_gate_config;
mod ci_gate_formats;
mod collect_bundle;
mod collect_cli;
mod collect_sources;
mod collect_ssh;
mod diff;
mod fault_corpus;
mod fuzz_regressions;
mod generated_files;
mod graph_cli;
mod graph_dev_needs;
mod graph_synth;
mod hostile;
mod ingest_inputs;
mod ingest_notes;
mod json_round_trips;
mod log_forms;
mod log_ingest;
mod many_boots;
mod package;
mod pastes;
mod plan;
mod public_corpus;
mod qemu_corpus;
mod qemu_deferrals;
mod qemu_log_alone;
mod qemu_readiness;
mod round_trips;
mod rules_explain;
mod splat_corpus;
mod sysmmu_cases;
mod sysmmu_cli;
mod sysmmu_public;
mod sysmmu_qemu;
mod timeline;
mod watch;
