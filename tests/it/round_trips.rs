//! Property tests where a round trip exists: what probescope writes, it reads back the same.
//! Bundles (write → read), baselines (write → load), check JSON reports of the QEMU corpus and
//! of generated boots (render → read back typed → the same document, valid against `schema/`), and kernel log lines made from typed probe events (render → parse back into the same
//! events). The generators cover names and bytes no fixture has (control characters, unicode,
//! empty members), which is where hand-picked cases stop.

use probescope::collect::write::{write_bundle, Output};
use probescope::ingest::bundle::{
    read_bundle, sha256_hex, Bundle, BundleMember, ItemStatus, Manifest, ManifestItem, BUNDLE_FORMAT,
    BUNDLE_FORMAT_VERSION,
};
use probescope::ingest::discover::InputSpec;
use probescope::ingest::log::read_log_events;
use probescope::ingest::messages::Message;
use probescope::pipeline;
use probescope::report::baseline::Baseline;
use probescope::report::contract::Document;
use probescope::report::json::{self, BootReport, CheckRun};
use probescope::report::{BootOutcome, Report};
use probescope::rules::{registry, Finding, Severity};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::io::Cursor;

/// Fewer cases than proptest's 256: each bundle case writes and reads a file.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// A member name as `collect` writes them: a path of plain words below the bundle root.
fn member_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,12}(/[a-z0-9_-]{1,8}){0,2}\\.(txt|bin|json)"
}

fn bundle_of(members: Vec<(String, Vec<u8>)>) -> Bundle {
    let items = members
        .iter()
        .map(|(name, bytes)| ManifestItem {
            item: name.clone(),
            source: format!("/{name}"),
            status: ItemStatus::Ok,
            file: Some(name.clone()),
            size: Some(bytes.len() as u64),
            sha256: Some(sha256_hex(bytes)),
            note: None,
        })
        .collect();
    Bundle {
        manifest: Manifest {
            format: BUNDLE_FORMAT.to_string(),
            format_version: BUNDLE_FORMAT_VERSION,
            tool_version: "0.0.0-test".to_string(),
            host: "local".to_string(),
            transport: "local".to_string(),
            remote_root: None,
            kernel_release: None,
            captured_at: "2026-01-01T00:00:00Z".to_string(),
            complete: true,
            items,
            notes: Vec::new(),
        },
        members: members
            .into_iter()
            .map(|(name, bytes)| BundleMember { name, bytes })
            .collect(),
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn a_written_bundle_reads_back_whole(
        members in proptest::collection::btree_map(member_name(), proptest::collection::vec(any::<u8>(), 0..2048), 1..6)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("capture.tar.gz");
        let bundle = bundle_of(members.into_iter().collect());
        write_bundle(&bundle, &Output::TarGz(path.clone()), 0).unwrap();
        let read = read_bundle(&path).unwrap();
        prop_assert_eq!(&read.manifest, &bundle.manifest);
        let mut written: Vec<_> = bundle.members.iter().map(|m| (&m.name, &m.bytes)).collect();
        let mut back: Vec<_> = read.members.iter()
            .filter(|m| m.name != "manifest.json")
            .map(|m| (&m.name, &m.bytes))
            .collect();
        written.sort();
        back.sort();
        prop_assert_eq!(back, written);
    }
}

/// A finding of a real rule with generated subject and related devices.
fn finding() -> impl Strategy<Value = Finding> {
    let metas: Vec<_> = registry::metas().collect();
    (
        0..metas.len(),
        ".{0,24}",
        proptest::collection::vec(".{0,16}", 0..4),
    )
        .prop_map(move |(rule, subject, related)| {
            let mut finding = Finding::new(metas[rule], subject, "message");
            finding.related = related;
            finding
        })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn a_written_baseline_loads_as_the_same_baseline(
        boots in proptest::collection::btree_map(".{0,20}", proptest::collection::vec(finding(), 0..5), 1..4)
    ) {
        let mut baseline = Baseline::default();
        for (boot, findings) in &boots {
            baseline.record(boot, findings);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        baseline.write(&path).unwrap();
        let loaded = Baseline::load(&path).unwrap();
        prop_assert_eq!(&loaded, &baseline);
        for (boot, findings) in &boots {
            let diff = loaded.compare(boot, findings);
            prop_assert!(diff.known.iter().all(|known| *known));
            prop_assert!(diff.fixed.is_empty());
        }
    }
}

/// One probe event as the kernel prints it with initcall_debug, or a deferral by the driver
/// core (drivers/base/dd.c).
#[derive(Clone, Debug, PartialEq)]
enum ProbeLine {
    Returned { device: String, value: i64, usecs: u64 },
    Deferred { device: String, driver: String },
}

fn device_name() -> impl Strategy<Value = String> {
    "[0-9a-f]{1,8}\\.[a-z][a-z0-9_-]{0,10}"
}

fn probe_line() -> impl Strategy<Value = ProbeLine> {
    prop_oneof![
        (
            device_name(),
            prop_oneof![Just(0i64), Just(-517), Just(-19), Just(-22)],
            0u64..10_000_000
        )
            .prop_map(|(device, value, usecs)| ProbeLine::Returned { device, value, usecs }),
        (device_name(), "[a-z][a-z0-9_-]{0,12}")
            .prop_map(|(device, driver)| ProbeLine::Deferred { device, driver }),
    ]
}

fn render(lines: &[ProbeLine]) -> String {
    let mut log = String::from("[    0.000000] Linux version 6.12.0 (builder@host) #1 SMP\n");
    for (index, line) in lines.iter().enumerate() {
        let stamp = format!("[{:5}.{:06}] ", 1 + index / 1000, index % 1000);
        log.push_str(&stamp);
        match line {
            ProbeLine::Returned { device, value, usecs } => log.push_str(&format!(
                "probe of {device} returned {value} after {usecs} usecs\n"
            )),
            ProbeLine::Deferred { device, driver } => log.push_str(&format!(
                "platform {device}: Driver {driver} requests probe deferral\n"
            )),
        }
    }
    log
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn generated_probe_lines_parse_back_into_the_same_events(lines in proptest::collection::vec(probe_line(), 0..40)) {
        let data = read_log_events("gen.txt".into(), Cursor::new(render(&lines))).unwrap();
        let parsed: Vec<ProbeLine> = data.events.iter().filter_map(|event| match &event.message {
            Message::ProbeReturned { device, value, usecs } => Some(ProbeLine::Returned {
                device: device.clone(),
                value: *value,
                usecs: usecs.unwrap_or(u64::MAX),
            }),
            Message::ProbeDeferred { device, driver: Some(driver), .. } => Some(ProbeLine::Deferred {
                device: device.clone(),
                driver: driver.clone(),
            }),
            _ => None,
        }).collect();
        prop_assert_eq!(parsed, lines);
        prop_assert_eq!(data.boots.len(), 1);
    }
}

/// The check document of `outcomes` read back typed: the same document, field for field, and
/// valid against `schema/check.json` (each boot also as an NDJSON line against its schema).
fn assert_check_json_round_trips(outcomes: &[BootOutcome]) -> Result<(), TestCaseError> {
    let document = json::check_run(outcomes);
    let text = document.to_pretty_json().unwrap();
    let back: Document<CheckRun<'static>> = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("the check JSON does not read back: {e}\n{text}")))?;
    prop_assert_eq!(&back, &document);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    crate::support::schema::assert_valid("check", &value);
    for outcome in outcomes {
        let line = probescope::report::ndjson::render_line(outcome).unwrap();
        let boot: Document<BootReport<'static>> = serde_json::from_str(&line)
            .map_err(|e| TestCaseError::fail(format!("an NDJSON line does not read back: {e}\n{line}")))?;
        prop_assert_eq!(&boot, &Document::new("check", json::boot_report(outcome)));
        crate::support::schema::assert_valid("check-ndjson", &serde_json::from_str(&line).unwrap());
    }
    Ok(())
}

/// A boot's outcome as `check` makes it, with a baseline that knows some of its findings and
/// has one entry they no longer match (so `baseline` and `fixed` are written too).
fn outcome_of(name: &str, report: Report, known: usize) -> BootOutcome {
    let mut baseline = Baseline::default();
    let mut accepted: Vec<Finding> = report.findings.iter().take(known).cloned().collect();
    let mut gone = Finding::new(registry::metas().next().unwrap(), "gone.dev", "fixed since");
    gone.related = vec!["supplier.dev".into()];
    accepted.push(gone);
    baseline.record(name, &accepted);
    let diff = baseline.compare(name, &report.findings);
    BootOutcome {
        name: name.to_string(),
        result: Ok(report),
        baseline: Some(diff),
        threshold: Some(Severity::Warning),
    }
}

#[test]
fn check_json_of_the_qemu_corpus_reads_back_the_same() {
    let mut outcomes = Vec::new();
    for dir in crate::support::corpus::qemu_scenarios() {
        let spec = InputSpec {
            paths: vec![dir.clone()],
            ..InputSpec::default()
        };
        let (_, report) = pipeline::analyse(&spec).unwrap();
        outcomes.push(outcome_of(&dir.display().to_string(), report, 1));
    }
    assert!(
        outcomes.len() >= 8,
        "the QEMU corpus has {} scenarios",
        outcomes.len()
    );
    assert!(outcomes.iter().any(|o| !o.findings().is_empty()));
    // An unusable input is part of the contract too (`error`, no inputs).
    outcomes.push(BootOutcome {
        name: "missing.txt".into(),
        result: Err("missing.txt: no such file".into()),
        baseline: None,
        threshold: Some(Severity::Error),
    });
    assert_check_json_round_trips(&outcomes).unwrap();
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn check_json_of_generated_boots_reads_back_the_same(
        devices in 2usize..60,
        chains in 0usize..3,
        chain_len in 1usize..6,
        cycles in 0usize..3,
        cycle_len in 2usize..5,
        seed in any::<u64>(),
        known in 0usize..4,
    ) {
        let synthetic = crate::support::synth::generate(crate::support::synth::Spec {
            seed,
            devices,
            links_per_device: 3,
            chains,
            chain_len,
            cycles,
            cycle_len,
        });
        let (_, report) = pipeline::analyse_inputs(synthetic.inputs, &[]).unwrap();
        let outcomes = vec![outcome_of(&format!("synthetic-{seed:x}"), report, known)];
        assert_check_json_round_trips(&outcomes)?;
    }
}
