//! A kernel log of many boots is read and analysed boot by boot (`check` streams it, holding a
//! few boots at a time): the outcomes, and `check`'s output in every format, are the same as
//! when the log is read whole and split into its boots.

use assert_cmd::Command;
use probescope::commands::check::{BootPlan, BootSource};
use probescope::ingest::discover::InputSpec;
use probescope::ingest::BootInputs;
use probescope::pipeline::{outcomes_of, PlannedBoot, RunOptions};
use probescope::report::diagnostic::TextStyle;
use probescope::report::{self, summary, BootOutcome};
use probescope::rules::settings::RuleSettings;
use probescope::rules::Severity;
use std::path::{Path, PathBuf};

/// A boot whose kernel log is read to its end and then split (what `check` did before it
/// streamed).
struct ReadWhole(BootPlan);

impl PlannedBoot for ReadWhole {
    fn name(&self) -> Option<&str> {
        self.0.name()
    }
    fn fallback_name(&self) -> String {
        self.0.fallback_name()
    }
    fn paths(&self) -> &[PathBuf] {
        self.0.paths()
    }
    fn gather(&self) -> probescope::error::Result<BootInputs> {
        self.0.gather()
    }
}

fn plan(path: &Path) -> BootPlan {
    BootPlan {
        name: Some(probescope::pipeline::path_name(path)),
        source: BootSource::Paths(Box::new(InputSpec {
            paths: vec![path.to_path_buf()],
            ..InputSpec::default()
        })),
    }
}

/// Every QEMU dmesg of the corpus, twice over: a console capture of 54 reboots.
fn many_boot_log(dir: &Path) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu");
    let mut logs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .flat_map(|kernel| std::fs::read_dir(kernel.unwrap().path()).into_iter().flatten())
        .map(|scenario| scenario.unwrap().path().join("dmesg.txt"))
        .filter(|log| log.is_file())
        .collect();
    logs.sort();
    assert!(logs.len() >= 20, "the corpus's QEMU logs: {logs:?}");
    let mut text = Vec::new();
    for _ in 0..2 {
        for log in &logs {
            text.extend(std::fs::read(log).unwrap());
            if !text.ends_with(b"\n") {
                text.push(b'\n');
            }
        }
    }
    let path = dir.join("many-boots.log");
    std::fs::write(&path, text).unwrap();
    path
}

fn options(settings: &RuleSettings, pick: Option<i64>) -> RunOptions<'_> {
    RunOptions {
        settings,
        baseline: None,
        threshold: Some(Severity::Error),
        pick,
    }
}

/// `check --format FORMAT` as the library renders `outcomes` (width 100, no colour).
fn rendered(format: &str, outcomes: &[BootOutcome], settings: &RuleSettings) -> String {
    let text_style = TextStyle {
        width: 100,
        colour: false,
        verbose: false,
    };
    let style = summary::Style {
        colour: false,
        width: Some(100),
    };
    match format {
        "text" => report::diagnostic::render(outcomes, &text_style),
        "table" => summary::render(outcomes, style),
        "json" => report::json::render_outcomes(outcomes).unwrap(),
        "ndjson" => outcomes
            .iter()
            .map(|o| report::ndjson::render_line(o).unwrap())
            .collect(),
        "junit" => report::junit::render(outcomes, settings),
        "github" => report::github::render(outcomes),
        other => panic!("no format {other}"),
    }
}

fn check(dir: &Path, log: &Path, args: &[&str]) -> String {
    let output = Command::cargo_bin("probescope")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--color", "never", "--width", "100"])
        .args(args)
        .arg(log)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_log_streamed_boot_by_boot_gives_what_the_whole_log_gives_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let log = many_boot_log(dir.path());
    let settings = RuleSettings::default();
    let whole = outcomes_of(&ReadWhole(plan(&log)), &options(&settings, None));
    let streamed = outcomes_of(&plan(&log), &options(&settings, None));
    assert!(whole.len() >= 40, "{} boots", whole.len());
    assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
    assert!(whole.iter().any(|o| !o.findings().is_empty()));
    for format in ["text", "table", "json", "ndjson", "junit", "github"] {
        let printed = check(dir.path(), &log, &["--format", format]);
        assert_eq!(printed, rendered(format, &whole, &settings), "--format {format}");
    }
    // `--boot`: the first, a middle one, the last, the one before it; and none.
    for pick in [1, 7, 0, -1, 999, -999] {
        let whole = outcomes_of(&ReadWhole(plan(&log)), &options(&settings, Some(pick)));
        let streamed = outcomes_of(&plan(&log), &options(&settings, Some(pick)));
        assert_eq!(whole.len(), 1, "--boot {pick}");
        assert_eq!(format!("{streamed:?}"), format!("{whole:?}"), "--boot {pick}");
        let printed = check(
            dir.path(),
            &log,
            &["--format", "json", "--boot", &pick.to_string()],
        );
        assert_eq!(printed, rendered("json", &whole, &settings), "--boot {pick}");
    }
}

#[test]
fn lines_quoted_before_a_log_of_several_boots_are_a_note_either_way() {
    // A report that quotes a line of another boot before pasting two boots' logs: the quote is
    // a note of the last boot, not a boot, whether the log is streamed or read whole.
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/smmuv3-6.1");
    let mut text = String::from(
        "Before these patches the driver said:\n\n\
         [    3.222205] ravb e6800000.ethernet: ignoring dependency for device, assuming no driver\n\n\
         --- log ---\n",
    );
    text.push_str(&std::fs::read_to_string(fixtures.join("S1-smmu-early/dmesg.txt")).unwrap());
    text.push_str(&std::fs::read_to_string(fixtures.join("S4-smmu-never/dmesg.txt")).unwrap());
    let log = dir.path().join("report.txt");
    std::fs::write(&log, text).unwrap();
    let settings = RuleSettings::default();
    let whole = outcomes_of(&ReadWhole(plan(&log)), &options(&settings, None));
    let streamed = outcomes_of(&plan(&log), &options(&settings, None));
    assert_eq!(whole.len(), 2);
    assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
    let last = whole[1].result.as_ref().unwrap();
    assert!(
        last.notes.iter().any(|n| n.contains("quoted apart")),
        "{:?}",
        last.notes
    );
}

#[test]
fn the_record_cap_counts_each_boot_of_a_log_from_its_own_first_record() {
    // Two boots of about 300 records each under a 400-record cap: neither boot is cut.
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu/smmuv3-6.1");
    let mut text = std::fs::read_to_string(fixtures.join("S1-smmu-early/dmesg.txt")).unwrap();
    text.push_str(&std::fs::read_to_string(fixtures.join("S4-smmu-never/dmesg.txt")).unwrap());
    let log = dir.path().join("two-boots.txt");
    std::fs::write(&log, text).unwrap();
    let spec = InputSpec {
        paths: vec![log],
        ..InputSpec::default()
    };
    let boots = probescope::pipeline::split_boots(probescope::ingest::discover::gather(&spec).unwrap());
    assert_eq!(boots.len(), 2);
    let records: Vec<u64> = boots.iter().map(|b| b.log.as_ref().unwrap().records).collect();
    let cap = 400;
    assert!(
        records.iter().all(|r| *r < cap) && records.iter().sum::<u64>() > cap,
        "{records:?}"
    );
    let limits = probescope::limits::Limits {
        records: cap,
        ..probescope::limits::Limits::default()
    };
    for boot in boots {
        let events = boot.log.as_ref().unwrap().events.len();
        let model = probescope::model::Boot::from_inputs_with(boot, &limits);
        assert!(
            model.notes.iter().all(|n| !n.contains("-record cap")),
            "{:?}",
            model.notes
        );
        assert!(events > 0 && !model.facts.is_empty());
    }
}
