//! `check`'s default text output as a reader meets it, piped at 80 columns: diagnostics that fit
//! the width, one finding per root cause, and the summary as the last line; and the JSON of the
//! same runs, where a root cause lists the devices it blocks and no (rule, subject) repeats.

use crate::support::schema::assert_valid;
use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The two captures the issue was filed on: QEMU's SMMUv3 loaded late, and a real MT8186
/// serial log whose power controller never bound.
const SMMU_LATE: &str = "fixtures/qemu/smmuv3-6.1/S2-smmu-late";
const MT8186: &str = "fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt";

/// `check` run from the package root (so paths read as the user typed them), piped, at
/// `COLUMNS=80`, without colour from the environment.
fn check(args: &[&str], input: &str) -> String {
    let output = Command::cargo_bin("probescope")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COLUMNS", "80")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .arg("check")
        .args(args)
        .arg(input)
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|code| code < 2),
        "{input}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(input: &str) -> Value {
    let report = serde_json::from_str(&check(&["--format", "json"], input)).unwrap();
    assert_valid("check", &report);
    report
}

fn subject(finding: &Value) -> &str {
    finding["subject"].as_str().unwrap()
}

/// Every boot's findings (a log may hold several boots).
fn boots(report: &Value) -> Vec<&[Value]> {
    report["boots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|boot| boot["findings"].as_array().unwrap().as_slice())
        .collect()
}

#[test]
fn piped_text_fits_80_columns_and_ends_with_the_summary() {
    let location = regex::Regex::new(r"\n +--> \S+:\d+\n").unwrap();
    let counts = regex::Regex::new(r"^\d+ errors?(, \d+ warnings?)?(, \d+ info)? in \d+ boots?$").unwrap();
    for input in [SMMU_LATE, MT8186] {
        let text = check(&[], input);
        assert!(!text.contains('\u{1b}'), "{input}: colour when piped:\n{text}");
        let widest = text.lines().map(|line| line.chars().count()).max().unwrap();
        assert!(widest <= 80, "{input}: a line of {widest} columns:\n{text}");
        let last = text.lines().last().unwrap();
        assert!(counts.is_match(last), "{input}: last line {last:?}");
        let first = text.lines().find(|line| !line.starts_with("== ")).unwrap();
        assert!(first.starts_with("error["), "{input}: errors come first:\n{text}");
        assert!(location.is_match(&text), "{input}:\n{text}");
    }
}

#[test]
fn the_width_flag_wins_over_columns_and_verbose_shows_every_line() {
    let wide = check(&["--width", "120"], MT8186);
    assert!(wide.lines().any(|line| line.chars().count() > 80), "{wide}");
    assert!(wide.lines().all(|line| line.chars().count() <= 120), "{wide}");
    let short = check(&[], MT8186);
    assert!(short.contains("more evidence lines (--verbose)"), "{short}");
    let verbose = check(&["--verbose"], MT8186);
    assert!(!verbose.contains("(--verbose)"), "{verbose}");
    assert!(verbose.lines().count() > short.lines().count());
}

#[test]
fn mt8186_power_controller_is_one_finding_listing_the_devices_it_blocks() {
    let report = json(MT8186);
    for findings in boots(&report) {
        let is_power = |f: &&Value| f["code"] == "PS201" && subject(f).contains("power-controller");
        let power: Vec<&Value> = findings.iter().filter(is_power).collect();
        assert_eq!(power.len(), 1, "{power:#?}");
        let blocks = power[0]["blocks"].as_array().unwrap();
        assert!(blocks.len() >= 30, "{} blocked devices", blocks.len());
        let devices: BTreeSet<&str> = blocks.iter().map(|b| b["device"].as_str().unwrap()).collect();
        assert_eq!(devices.len(), blocks.len(), "a device listed twice");
        // No other PS201 finding is about a device this root cause already covers.
        let others: Vec<&str> = findings
            .iter()
            .filter(|f| f["code"] == "PS201" && !is_power(f))
            .map(subject)
            .collect();
        assert!(others.iter().all(|s| !devices.contains(s)), "{others:?}");
    }

    let text = check(&[], MT8186);
    let causes = &text[text.rfind("\nroot causes: ").expect("root causes named")..];
    assert!(
        causes.contains("10006000.syscon:power-controller (33 devices)"),
        "{causes}"
    );
}

#[test]
fn no_rule_names_one_subject_twice() {
    for input in [SMMU_LATE, MT8186] {
        let report = json(input);
        for findings in boots(&report) {
            let mut seen = BTreeSet::new();
            for finding in findings {
                let pair = (finding["code"].as_str().unwrap(), subject(finding));
                assert!(seen.insert(pair), "{input}: {pair:?} twice");
            }
        }
    }
}

#[test]
fn no_device_has_two_error_findings() {
    for input in [SMMU_LATE, MT8186] {
        let report = json(input);
        for findings in boots(&report) {
            let mut errors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for finding in findings.iter().filter(|f| f["severity"] == "error") {
                errors
                    .entry(subject(finding))
                    .or_default()
                    .push(finding["code"].as_str().unwrap());
            }
            let twice: Vec<_> = errors.iter().filter(|(_, codes)| codes.len() > 1).collect();
            assert!(twice.is_empty(), "{input}: {twice:?}");
        }
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let always = check(&["--color", "always"], SMMU_LATE);
    assert!(always.contains('\u{1b}'), "{always}");
    let dumb = Command::cargo_bin("probescope")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TERM", "dumb")
        .args(["check", "--color", "auto", SMMU_LATE])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&dumb.stdout).contains('\u{1b}'));
}

/// A target whose kernel log, devices_deferred and device links could not be read (a root
/// holding only /proc/cmdline stands for the live system run as a normal user): every format
/// says so, the boot is `unchecked` rather than clean, and the exit code is 2.
#[test]
fn an_unread_system_is_never_called_clean() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("proc")).unwrap();
    std::fs::write(root.path().join("proc/cmdline"), "console=ttyS0 root=/dev/vda\n").unwrap();
    let run = |format: &str| {
        let output = Command::cargo_bin("probescope")
            .unwrap()
            .env("COLUMNS", "80")
            .args(["check", "--format", format, "--remote-root"])
            .arg(root.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{format}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };

    let report: Value = serde_json::from_str(&run("json")).unwrap();
    assert_valid("check", &report);
    assert_eq!(report["status"], "unchecked");
    assert_eq!(report["exit_code"], 2);
    let boot = &report["boots"][0];
    assert_eq!(boot["status"], "unchecked");
    let notes: Vec<&str> = boot["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes.iter().any(|note| note.contains("devices-deferred")),
        "what could not be read: {notes:?}"
    );

    let text = run("text");
    assert_eq!(
        text.lines().last(),
        Some("no findings in 1 boot (no kernel log read: probe order unchecked)"),
        "{text}"
    );
    let ndjson: Value = serde_json::from_str(run("ndjson").trim()).unwrap();
    assert_valid("check-ndjson", &ndjson);
    assert_eq!(ndjson["status"], "unchecked");
    assert!(run("junit").contains(r#"type="unchecked""#));
    assert!(run("github").starts_with("::error title=probescope%3A probe order unchecked::"));
}

/// Runs probescope with `args` from the package root and returns its JSON output, checked
/// against the named schema.
fn json_of(schema: &str, args: &[&str]) -> Value {
    let output = Command::cargo_bin("probescope")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
    let document = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid(schema, &document);
    document
}

/// One name per device: a DT path (as fw_devlink's messages and users name a node) finds the
/// device the kernel named after its unit address even in a log without the device tree; the
/// outputs use the kernel's name and give the node path once, beside it.
#[test]
fn a_device_has_one_name_in_why_graph_and_check() {
    let why = json_of("why", &["why", "--format", "json", "/soc/dsi@14013000", MT8186]);
    assert_eq!(why["device"], "14013000.dsi");
    assert_eq!(why["firmware_node"], "/soc/dsi@14013000");
    let chains: Vec<&Value> = why["root_causes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|cause| cause["chain"].as_array().unwrap())
        .collect();
    assert!(!chains.is_empty() && chains.iter().all(|name| !name.as_str().unwrap().starts_with('/')));

    let graph = json_of(
        "graph",
        &[
            "graph",
            "--format",
            "json",
            "--device",
            "/soc/dsi@14013000",
            MT8186,
        ],
    );
    let focus: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|node| node["focus"] == true)
        .map(|node| node["name"].as_str().unwrap())
        .collect();
    assert_eq!(focus, ["14013000.dsi"]);

    // In the capture with a device tree, every node and edge is named by its kernel name.
    let graph = json_of("graph", &["graph", "--format", "json", SMMU_LATE]);
    let mut names = BTreeSet::new();
    for node in graph["nodes"].as_array().unwrap() {
        let name = node["name"].as_str().unwrap();
        assert!(!name.starts_with('/') && !name.contains("--"), "{name}");
        assert!(names.insert(name), "{name} twice");
    }
    for edge in graph["edges"].as_array().unwrap() {
        for end in ["supplier", "consumer"] {
            assert!(names.contains(edge[end].as_str().unwrap()), "{edge}");
        }
    }

    // fw_devlink names the DSI by its node; the cycle finding names the device.
    let report = json(MT8186);
    let findings = boots(&report).concat();
    let named: Vec<&str> = findings
        .iter()
        .filter(|finding| finding["code"] == "PS202")
        .flat_map(|finding| {
            std::iter::once(&finding["subject"]).chain(finding["related"].as_array().unwrap())
        })
        .map(|name| name.as_str().unwrap())
        .collect();
    assert!(named.contains(&"14013000.dsi"), "{named:?}");
    assert!(!named.contains(&"/soc/dsi@14013000"), "{named:?}");
}
