//! Every command's JSON reads back typed and renders to the same bytes: render → parse →
//! render, on real captures (the QEMU corpus scenarios the diff and plan tests run on), for
//! `why` (and `--chain`), `graph`, `rules`, `plan`, `diff`, `blame`, `watch`'s NDJSON lines and
//! `check`'s document at their end. Each document is also checked against its `schema/` file.
//! A field that serialises but does not read back (a lossy custom form, an `Option` written
//! as absent but read as something else) fails here.

use probescope::report::contract::Document;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn probescope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_probescope"))
}

/// The early and late captures of three IOMMU kinds: findings of every kind, and none.
fn scenarios() -> Vec<PathBuf> {
    let qemu = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu");
    [
        "smmuv3-6.1/S1-smmu-early",
        "smmuv3-6.1/S2-smmu-late",
        "exynos-6.12/E1-exynos-early",
        "exynos-6.12/E2-exynos-late",
        "virtio-iommu-arm64-6.12/V1-viommu-early",
        "virtio-iommu-arm64-6.12/V2-viommu-late",
    ]
    .iter()
    .map(|name| qemu.join(name))
    .collect()
}

/// The standard output of `probescope ARGS PATHS`, which must end with exit 0 or 1.
fn output_of(args: &[&str], paths: &[&Path]) -> String {
    let output = probescope().args(args).args(paths).output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?}: {:?} {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// How a document was written: indented (`--format json`) or as one NDJSON line.
#[derive(Clone, Copy)]
enum Form {
    Pretty,
    Line,
}

/// Reads `text` back as a typed `kind` document and renders it again: the same bytes. Returns
/// the document as a value, valid against `schema/KIND.json`.
fn reads_back_the_same<T>(kind: &str, form: Form, text: String) -> Value
where
    T: Serialize + Deserialize<'static>,
{
    // Leaked for the test's life: the documents' fixed words (`&'static str` fields such as a
    // rule's code or an edge's kind) are read back borrowing the text.
    let text: &'static str = Box::leak(text.into_boxed_str());
    let document: Document<T> = serde_json::from_str(text.trim_end())
        .unwrap_or_else(|e| panic!("{kind}: the JSON does not read back typed: {e}\n{text}"));
    let again = match form {
        Form::Pretty => document.to_pretty_json(),
        Form::Line => document.to_json_line(),
    }
    .unwrap();
    assert_eq!(
        again, text,
        "{kind}: render → parse → render changed the document"
    );
    let value: Value = serde_json::from_str(text).unwrap();
    crate::support::schema::assert_valid(kind, &value);
    value
}

#[test]
fn graph_why_blame_and_plan_json_of_the_corpus_read_back_the_same() {
    use probescope::report::{blame::BlameRun, graph::json::Graph, plan::PlanReport, why};
    for dir in scenarios() {
        let graph = output_of(&["graph", "--format", "json"], &[&dir]);
        let graph = reads_back_the_same::<Graph<'static>>("graph", Form::Pretty, graph);
        let blame = output_of(&["blame", "--format", "json"], &[&dir]);
        reads_back_the_same::<BlameRun>("blame", Form::Pretty, blame);
        let plan = output_of(&["plan", "--format", "json"], &[&dir]);
        reads_back_the_same::<PlanReport>("plan", Form::Pretty, plan);

        // Every device that is not bound, and the first bound one: chains, blockers, notes.
        let nodes = graph["nodes"].as_array().unwrap();
        let mut devices: Vec<&str> = nodes
            .iter()
            .filter(|n| n["state"] != "bound")
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        devices.extend(
            nodes
                .iter()
                .filter(|n| n["state"] == "bound")
                .take(1)
                .map(|n| n["name"].as_str().unwrap()),
        );
        devices.truncate(4);
        assert!(!devices.is_empty(), "{}", dir.display());
        for device in devices {
            let text = output_of(&["why", "--format", "json", device], &[&dir]);
            reads_back_the_same::<why::WhyReport<'static>>("why", Form::Pretty, text);
            let text = output_of(&["why", "--chain", "--format", "json", device], &[&dir]);
            reads_back_the_same::<why::ChainReport>("why-chain", Form::Pretty, text);
        }
    }
}

#[test]
fn rules_and_diff_json_read_back_the_same() {
    use probescope::report::{diff::DiffReport, rules::RuleList};
    let rules = output_of(&["rules", "--format", "json"], &[]);
    let rules = reads_back_the_same::<RuleList>("rules", Form::Pretty, rules);
    assert!(rules["rules"].as_array().unwrap().len() > 10);
    let scenarios = scenarios();
    for pair in scenarios.chunks(2) {
        for (good, bad) in [(&pair[0], &pair[1]), (&pair[1], &pair[0])] {
            let text = output_of(&["diff", "--format", "json"], &[good, bad]);
            reads_back_the_same::<DiffReport>("diff", Form::Pretty, text);
        }
    }
}

#[test]
fn watch_ndjson_lines_read_back_the_same() {
    use probescope::ingest::discover::InputSpec;
    use probescope::report::json::CheckRun;
    use probescope::report::watch::{finding_line, WatchFinding};
    use probescope::report::BootOutcome;
    use probescope::rules::Severity;
    let mut findings = 0;
    for dir in scenarios() {
        // A finding line as watch prints it when the finding becomes certain, for every finding
        // of the whole capture.
        let spec = InputSpec {
            paths: vec![dir.clone()],
            ..InputSpec::default()
        };
        let (_, report) = probescope::pipeline::analyse(&spec).unwrap();
        let outcome = BootOutcome {
            name: dir.display().to_string(),
            result: Ok(report),
            baseline: None,
            threshold: Some(Severity::Error),
        };
        for finding in outcome.findings() {
            let line = finding_line(&outcome, finding).unwrap();
            reads_back_the_same::<WatchFinding<'static>>("watch-ndjson", Form::Line, line);
            findings += 1;
        }
        // The last line of `watch --format ndjson`: check's document of the whole stream.
        let log = dir.join("dmesg.txt");
        let output = output_of(&["watch", "--format", "ndjson", "--input"], &[&log]);
        let last = output
            .split_inclusive('\n')
            .next_back()
            .expect("the final report");
        reads_back_the_same::<CheckRun<'static>>("check", Form::Line, last.to_string());
    }
    assert!(findings > 0, "the late captures have findings");
}

#[test]
fn sysmmu_json_of_every_case_reads_back_the_same() {
    use probescope::sysmmu::answers::SysmmuAnswer;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures.join("sysmmu/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("truth.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() > 20, "{} cases", cases.len());
    let mut subcommands = std::collections::BTreeSet::new();
    for case in &cases {
        let truth: Value = serde_json::from_slice(&std::fs::read(case.join("truth.json")).unwrap()).unwrap();
        let regs = case.join("regs.json");
        let mem = case.join("memory.json");
        // The truth's sample IOVAs: mapped ones, faults, the zero lv2 table.
        let iovas: Vec<&str> = truth["samples"]
            .as_array()
            .unwrap()
            .iter()
            .take(12)
            .map(|sample| sample["iova"].as_str().unwrap())
            .collect();
        let mut runs: Vec<Vec<&std::ffi::OsStr>> = vec![
            vec!["regs".as_ref(), "--regs".as_ref(), regs.as_os_str()],
            vec![
                "map".as_ref(),
                "--regs".as_ref(),
                regs.as_os_str(),
                "--mem".as_ref(),
                mem.as_os_str(),
            ],
            vec![
                "fault".as_ref(),
                "--regs".as_ref(),
                regs.as_os_str(),
                "--mem".as_ref(),
                mem.as_os_str(),
            ],
        ];
        let mut translate: Vec<&std::ffi::OsStr> = vec![
            "translate".as_ref(),
            "--regs".as_ref(),
            regs.as_os_str(),
            "--mem".as_ref(),
            mem.as_os_str(),
        ];
        translate.extend(iovas.iter().map(std::ffi::OsStr::new));
        runs.push(translate);
        for run in runs {
            let output = probescope()
                .args(["sysmmu"])
                .args(&run)
                .args(["--format", "json"])
                .output()
                .unwrap();
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "{run:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let text = String::from_utf8(output.stdout).unwrap();
            let value = reads_back_the_same::<SysmmuAnswer>("sysmmu", Form::Pretty, text);
            subcommands.insert(value["subcommand"].as_str().unwrap().to_string());
        }
    }
    // The kernel's own fault lines (a public log).
    let log = fixtures.join("public/exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt");
    let text = output_of(&["sysmmu", "fault", "--format", "json", "--log"], &[&log]);
    let value = reads_back_the_same::<SysmmuAnswer>("sysmmu", Form::Pretty, text);
    subcommands.insert(value["subcommand"].as_str().unwrap().to_string());
    assert_eq!(subcommands.len(), 5, "{subcommands:?}");
}
