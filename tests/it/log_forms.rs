//! Every form in which people hand kernel logs over gives the analysis plain `dmesg` gives
//! (issue 13, "Must show"): each QEMU capture's /dev/kmsg records are rendered by our own
//! converter (`support::forms`) into dmesg, journalctl and syslog forms, and each rendering is
//! analysed through the library pipeline like any file a user names.

use crate::support::corpus::qemu_scenarios;
use crate::support::forms::{parse_kmsg, render_boot, render_boots, BootStamp, Form};
use probescope::ingest::discover::InputSpec;
use probescope::pipeline;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A finding as the comparison sees it: rule and subject.
type Key = (String, String);

fn findings_of(path: &Path) -> Result<BTreeSet<Key>, String> {
    analysed(path).map(|(findings, _)| findings)
}

/// The findings and notes of one file analysed as a user would name it.
fn analysed(path: &Path) -> Result<(BTreeSet<Key>, Vec<String>), String> {
    let spec = InputSpec {
        paths: vec![path.to_path_buf()],
        ..InputSpec::default()
    };
    let (_, report) = pipeline::analyse(&spec).map_err(|e| e.to_string())?;
    let findings = report
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.subject.clone()))
        .collect();
    Ok((findings, report.notes))
}

/// Rules whose verdict rests on log time: the deferred-probe timeout and its budget.
fn needs_time(rule: &str) -> bool {
    matches!(
        rule,
        "deferred-probe-timeout-expired" | "deferred-at-end-over-limit"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a rendering");
    path
}

#[test]
fn every_form_of_every_capture_gives_the_plain_dmesg_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let mut timing_findings = 0;
    for scenario in qemu_scenarios() {
        let name = scenario.file_name().unwrap().to_string_lossy().into_owned();
        let plain = findings_of(&scenario.join("dmesg.txt")).expect("plain dmesg reads");
        let kmsg = std::fs::read_to_string(scenario.join("kmsg.txt")).expect("kmsg.txt");
        let records = parse_kmsg(&kmsg);
        assert!(records.len() > 100, "{name}: kmsg.txt has records");
        timing_findings += plain.iter().filter(|(rule, _)| needs_time(rule)).count();
        for &form in Form::ALL {
            let text = render_boot(&records, form, &BootStamp::new(0), true);
            // A neutral name: the front end must recognise the form by content.
            let path = write(dir.path(), &format!("{name}-{form:?}.log"), &text);
            let expected: BTreeSet<Key> = if form.has_time() {
                plain.clone()
            } else {
                plain
                    .iter()
                    .filter(|(rule, _)| !needs_time(rule))
                    .cloned()
                    .collect()
            };
            match findings_of(&path) {
                Ok(got) => {
                    let got: BTreeSet<Key> = if form.has_time() {
                        got
                    } else {
                        got.into_iter().filter(|(rule, _)| !needs_time(rule)).collect()
                    };
                    if got != expected {
                        failures.push(format!(
                            "{name} {form:?}: missing {:?}, extra {:?}",
                            expected.difference(&got).collect::<Vec<_>>(),
                            got.difference(&expected).collect::<Vec<_>>()
                        ));
                    }
                }
                Err(error) => failures.push(format!("{name} {form:?}: {error}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The comparison covers the timeout analysis: the corpus has timing findings to lose.
    assert!(
        timing_findings >= 3,
        "timing findings in the corpus: {timing_findings}"
    );
}

#[test]
fn times_taken_from_the_wall_clock_are_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = qemu_scenarios()
        .into_iter()
        .find(|dir| dir.ends_with("S2-smmu-late"))
        .expect("the late-SMMU capture");
    let records = parse_kmsg(&std::fs::read_to_string(scenario.join("kmsg.txt")).expect("kmsg.txt"));
    for (form, wall_clock) in [
        (Form::SyslogTraditionalNoKernelTime, true),
        (Form::DmesgCtime, true),
        (Form::SyslogTraditional, false),
        (Form::JournalShortMonotonic, false),
    ] {
        let text = render_boot(&records, form, &BootStamp::new(0), true);
        let path = write(dir.path(), &format!("{form:?}.log"), &text);
        let (findings, notes) = analysed(&path).expect("reads");
        assert!(
            findings.iter().any(|(rule, _)| needs_time(rule)),
            "{form:?}: the timeout is still found: {findings:?}"
        );
        let said = notes
            .iter()
            .any(|note| note.contains("wall clock since the boot's first line"));
        assert_eq!(said, wall_clock, "{form:?}: {notes:?}");
    }
}

/// A log's events as the comparison sees them: each event's record text and time.
fn event_texts(log: &probescope::ingest::LogData) -> Vec<(String, Option<u64>)> {
    log.events
        .iter()
        .map(|event| (event.text.to_string(), event.time.map(|t| t.0)))
        .collect()
}

fn read_log(name: &str, text: &str) -> probescope::ingest::LogData {
    probescope::ingest::log::read_log_events(name.into(), text.as_bytes())
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// The /dev/kmsg records of three captures whose answers differ (a late IOMMU with a timeout,
/// an early one, a clean stock boot), so a boot read into its neighbour would show.
fn three_different_boots() -> [Vec<crate::support::forms::Record>; 3] {
    let scenarios = qemu_scenarios();
    let pick = |suffix: &str| {
        let dir = scenarios
            .iter()
            .find(|dir| dir.ends_with(suffix))
            .expect("a capture");
        parse_kmsg(&std::fs::read_to_string(dir.join("kmsg.txt")).expect("kmsg.txt"))
    };
    [
        pick("S2-smmu-late"),
        pick("E1-exynos-early"),
        pick("S0-builtin-stock"),
    ]
}

#[test]
fn several_boots_in_one_file_split_into_the_boots_alone() {
    let boots = three_different_boots();
    let mut failures = Vec::new();
    for &form in Form::ALL {
        for count in [2, 3] {
            let parts: Vec<&[_]> = boots[..count].iter().map(Vec::as_slice).collect();
            let whole = read_log(&format!("{form:?}"), &render_boots(&parts, form));
            let split = whole.into_boots();
            if split.len() != count {
                failures.push(format!("{form:?} x{count}: {} boots", split.len()));
                continue;
            }
            for (index, (boot, records)) in split.iter().zip(&parts).enumerate() {
                let alone = read_log(
                    "alone",
                    &render_boot(records, form, &BootStamp::new(index as u64), true),
                );
                if event_texts(boot) != event_texts(&alone) || boot.kernel_release != alone.kernel_release {
                    failures.push(format!(
                        "{form:?} x{count}: boot {index} has {} events, alone {}",
                        boot.events.len(),
                        alone.events.len()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Findings with their severity and message: what a boot's answer is.
fn answers(report: &probescope::report::Report) -> BTreeSet<(String, String, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.subject.clone(), format!("{:?}", f.severity)))
        .collect()
}

fn reports_of(path: &Path) -> Vec<probescope::report::Report> {
    let spec = InputSpec {
        paths: vec![path.to_path_buf()],
        ..InputSpec::default()
    };
    let inputs = probescope::ingest::discover::gather(&spec).expect("reads");
    pipeline::split_boots(inputs)
        .into_iter()
        .map(|boot| pipeline::analyse_inputs(boot, &spec.paths).expect("analyses").1)
        .collect()
}

#[test]
fn each_boot_of_a_multi_boot_file_gives_the_answer_it_gives_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let boots = three_different_boots();
    let mut failures = Vec::new();
    for &form in Form::ALL {
        let alone: Vec<_> = boots
            .iter()
            .enumerate()
            .map(|(index, records)| {
                let text = render_boot(records, form, &BootStamp::new(index as u64), true);
                let reports = reports_of(&write(dir.path(), &format!("{form:?}-alone-{index}.log"), &text));
                assert_eq!(reports.len(), 1, "{form:?}: one boot alone");
                answers(&reports[0])
            })
            .collect();
        assert_ne!(alone[0], alone[2], "{form:?}: the boots give different answers");
        for count in [2, 3] {
            let parts: Vec<&[_]> = boots[..count].iter().map(Vec::as_slice).collect();
            let path = write(
                dir.path(),
                &format!("{form:?}-{count}.log"),
                &render_boots(&parts, form),
            );
            let reports = reports_of(&path);
            if reports.len() != count {
                failures.push(format!("{form:?} x{count}: {} boots", reports.len()));
                continue;
            }
            for (index, report) in reports.iter().enumerate() {
                if answers(report) != alone[index] {
                    failures.push(format!(
                        "{form:?} x{count}: boot {index}: {:?}, alone {:?}",
                        answers(report),
                        alone[index]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_reports_each_boot_of_a_file_and_boot_n_picks_one() {
    use crate::support::ci_gate::{ndjson, probescope};
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = qemu_scenarios();
    let pick = |suffix: &str| {
        let dir = scenarios
            .iter()
            .find(|dir| dir.ends_with(suffix))
            .expect("a capture");
        parse_kmsg(&std::fs::read_to_string(dir.join("kmsg.txt")).expect("kmsg.txt"))
    };
    let boots = [
        pick("S2-smmu-late"),
        pick("E1-exynos-early"),
        pick("S0-builtin-stock"),
    ];
    let parts: Vec<&[_]> = boots.iter().map(Vec::as_slice).collect();
    let path = write(
        dir.path(),
        "journal.txt",
        &render_boots(&parts, Form::JournalShortIso),
    );
    let path = path.to_str().expect("UTF-8 temp path");
    let check = |extra: &[&str]| {
        let output = probescope()
            .args(["check", "--format", "ndjson", "--fail-on", "never"])
            .args(extra)
            .arg(path)
            .output()
            .expect("runs");
        ndjson(&output.stdout)
    };
    let all = check(&[]);
    let names: Vec<&str> = all
        .iter()
        .map(|boot| boot["boot"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        names,
        [1, 2, 3]
            .map(|k| format!("{path}#{k}"))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    for (pick, expected) in [("1", 0), ("2", 1), ("0", 2), ("-1", 1), ("-2", 0)] {
        let one = check(&["--boot", pick]);
        assert_eq!(one.len(), 1, "--boot {pick}");
        assert_eq!(one[0], all[expected], "--boot {pick}");
    }
    let missing = check(&["--boot", "4"]);
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("holds 3 boots")),
        "{:?}",
        missing[0]
    );
    // The JSON report has one entry per boot too.
    let output = probescope()
        .args(["check", "--format", "json", "--fail-on", "never", path])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["boots"].as_array().map(Vec::len), Some(3));
    // JUnit: a test suite per boot.
    let output = probescope()
        .args(["check", "--format", "junit", "--fail-on", "never", path])
        .output()
        .expect("runs");
    let junit = String::from_utf8(output.stdout).expect("UTF-8");
    for k in 1..=3 {
        assert!(
            junit.contains(&format!("<testsuite name=\"{path}#{k}\"")),
            "{junit}"
        );
    }
}

/// A real serial console across a reboot (the guest restarted once; `fixtures/qemu/README.md`):
/// two boots, not the eight that the guest's own printouts of dmesg, `dmesg -r` and kmsg would make
/// if a replayed log started a boot; the second answers as that boot's own `dmesg.txt` does.
#[test]
fn a_real_console_across_a_reboot_is_two_boots() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/virtio-iommu-arm64-6.12/V5-two-boots");
    let reports = reports_of(&dir.join("console.log"));
    assert_eq!(reports.len(), 2, "boots of console.log");
    let second_alone = reports_of(&dir.join("dmesg.txt"));
    assert_eq!(second_alone.len(), 1);
    let keys = |report: &probescope::report::Report| -> BTreeSet<(String, String)> {
        report
            .findings
            .iter()
            .map(|f| (f.rule.to_string(), f.subject.clone()))
            .collect()
    };
    assert_eq!(keys(&reports[1]), keys(&second_alone[0]));
    // The command streams the log boot by boot (a boot is handed over once the next cannot
    // prove a replay of it): the same two boots.
    let output = crate::support::ci_gate::probescope()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(dir.join("console.log"))
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["boots"].as_array().map(Vec::len), Some(2), "{report}");
}
