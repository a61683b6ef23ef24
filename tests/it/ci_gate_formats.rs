//! The formats CI systems read, checked by readers other than the renderers: the JUnit output
//! parsed back with quick-junit and with Python's `xml.etree` (`ci_gate_junit.py`); the GitHub
//! annotations parsed by the documented workflow-command syntax and unescaped, then compared
//! with the same run's JSON.

use crate::support::ci_gate::{batch, code, corpus, ndjson, probescope, read_without_probe_record};
use quick_junit::{NonSuccessKind, TestCaseStatus};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;

/// Runs one batch in `format` and in ndjson; returns both outputs and the exit code.
fn run(format: &str, args: &[String]) -> (String, Vec<Value>, i32) {
    let output = probescope()
        .args(["check", "--format", format, "--fail-on", "warning"])
        .args(args)
        .output()
        .unwrap();
    let boots = probescope()
        .args(["check", "--format", "ndjson", "--fail-on", "warning"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        code(&output),
        code(&boots),
        "the exit code does not depend on the format"
    );
    let exit = code(&output);
    (
        String::from_utf8(output.stdout).unwrap(),
        ndjson(&boots.stdout),
        exit,
    )
}

/// Inputs no ingest can use: their boots are reported with their errors.
fn unusable_inputs() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty, with: a comma");
    std::fs::create_dir(&empty).unwrap();
    let missing = dir.path().join("100% missing.log");
    let args = vec![empty.display().to_string(), missing.display().to_string()];
    (dir, args)
}

fn check_junit(xml: &str, boots: &[Value]) {
    // quick-junit's own reader.
    let parsed = quick_junit::Report::deserialize_from_str(xml).expect("quick-junit reads it");
    assert_eq!(parsed.name.as_str(), "probescope");
    assert_eq!(parsed.test_suites.len(), boots.len());
    for (suite, boot) in parsed.test_suites.iter().zip(boots) {
        assert_eq!(suite.name.as_str(), boot["boot"].as_str().unwrap());
        let failed: BTreeMap<&str, NonSuccessKind> = suite
            .test_cases
            .iter()
            .filter_map(|case| match &case.status {
                TestCaseStatus::NonSuccess { kind, .. } => Some((case.name.as_str(), *kind)),
                _ => None,
            })
            .collect();
        if boot.get("error").is_some() {
            assert_eq!(
                failed.into_iter().collect::<Vec<_>>(),
                [("input", NonSuccessKind::Error)]
            );
            continue;
        }
        let mut failing: Vec<String> = boot["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["fails"] == true)
            .map(|f| format!("{} {}", f["code"].as_str().unwrap(), f["rule"].as_str().unwrap()))
            .collect();
        failing.dedup();
        // A boot read without a kernel log or devices_deferred is unchecked: an errored case.
        if failing.is_empty() && read_without_probe_record(boot) {
            failing.push("input".into());
        }
        let failed: Vec<&str> = failed.keys().copied().collect();
        let mut failing: Vec<&str> = failing.iter().map(String::as_str).collect();
        failing.sort();
        assert_eq!(failed, failing, "{}", suite.name.as_str());
    }

    if let Some(problems) = python_reader(xml, boots) {
        assert!(
            problems.is_empty(),
            "ci_gate_junit.py found problems:\n{problems}"
        );
    }
}

/// Runs `ci_gate_junit.py` (Python's standard library only); returns what it reports, or
/// `None` when there is no python3 here (outside CI).
fn python_reader(xml: &str, boots: &[Value]) -> Option<String> {
    if !crate::support::require_programs(&["python3"], "apt-get install python3") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("report.xml");
    let ndjson_path = dir.path().join("run.ndjson");
    std::fs::write(&xml_path, xml).unwrap();
    let lines: String = boots.iter().map(|b| format!("{b}\n")).collect();
    std::fs::write(&ndjson_path, lines).unwrap();
    let script = crate::support::ci_gate::root().join("tests/it/ci_gate_junit.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(&xml_path)
        .arg(&ndjson_path)
        .output()
        .expect("python3 runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.success(), report.is_empty(), "{report}");
    Some(report)
}

#[test]
fn junit_of_unusable_inputs_reads_back_with_two_readers() {
    let (_dir, args) = unusable_inputs();
    let (xml, boots, exit) = run("junit", &args);
    assert_eq!(exit, 2);
    assert_eq!(boots.len(), 2);
    check_junit(&xml, &boots);
}

#[test]
fn the_python_reader_rejects_what_breaks_the_conventions() {
    let (_dir, args) = unusable_inputs();
    let (xml, boots, _) = run("junit", &args);
    let wrong_count = xml.replacen("errors=\"2\"", "errors=\"1\"", 1);
    let Some(report) = python_reader(&wrong_count, &boots) else {
        return;
    };
    assert!(report.contains("testsuites errors=1 but the suites sum to 2"));
    let wrong_kind = xml
        .replacen("<error ", "<failure ", 1)
        .replacen("</error>", "</failure>", 1);
    assert!(python_reader(&wrong_kind, &boots).is_some_and(|report| !report.is_empty()));
    assert!(
        python_reader(&xml, &boots[..1]).is_some_and(|report| !report.is_empty()),
        "a suite too many"
    );
}

#[test]
fn junit_of_the_corpus_reads_back_with_two_readers() {
    let (xml, boots, _) = run("junit", &batch(&corpus()).args);
    assert!(boots
        .iter()
        .any(|b| b["findings"].as_array().is_some_and(|f| !f.is_empty())));
    check_junit(&xml, &boots);
}

/// Undoes the workflow-command escaping; `None` when a `%` starts no escape the docs define.
fn unescape(text: &str, property: bool) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 3)?;
        out.push(match code {
            "25" => '%',
            "0D" => '\r',
            "0A" => '\n',
            "3A" if property => ':',
            "2C" if property => ',',
            _ => return None,
        });
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Some(out)
}

/// One annotation, parsed by the documented syntax `::LEVEL [k=v,...]::MESSAGE`.
#[derive(Debug, PartialEq)]
struct Annotation {
    level: String,
    properties: BTreeMap<String, String>,
    message: String,
}

fn parse_annotations(text: &str) -> Vec<Annotation> {
    let syntax = Regex::new(r"^::(error|warning|notice)(?: ([^:\r\n]*))?::([^\r\n]*)$").unwrap();
    let property = Regex::new(r"^(file|line|endLine|col|endColumn|title)=([^,:\r\n]*)$").unwrap();
    text.lines()
        .map(|line| {
            let parts = syntax
                .captures(line)
                .unwrap_or_else(|| panic!("not a workflow command: {line:?}"));
            let mut properties = BTreeMap::new();
            if let Some(list) = parts.get(2) {
                for item in list.as_str().split(',') {
                    let kv = property
                        .captures(item)
                        .unwrap_or_else(|| panic!("bad property {item:?} in {line:?}"));
                    let value = unescape(&kv[2], true).unwrap_or_else(|| panic!("bad escape in {line:?}"));
                    properties.insert(kv[1].to_string(), value);
                }
            }
            Annotation {
                level: parts[1].to_string(),
                properties,
                message: unescape(&parts[3], false).unwrap_or_else(|| panic!("bad escape in {line:?}")),
            }
        })
        .collect()
}

/// What the annotations must say, from the same run's JSON.
fn expected_annotations(boots: &[Value]) -> Vec<Annotation> {
    let mut expected = Vec::new();
    for boot in boots {
        let name = boot["boot"].as_str().unwrap();
        if let Some(error) = boot["error"].as_str() {
            expected.push(Annotation {
                level: "error".into(),
                properties: [("title".to_string(), "probescope: input not usable".to_string())].into(),
                message: format!("{name}: {error}"),
            });
            continue;
        }
        let fails = boot["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["fails"] == true);
        if !fails && read_without_probe_record(boot) {
            let mut message =
                format!("{name}: no kernel log was read, so probe order and deferrals are unchecked");
            for note in boot["notes"].as_array().unwrap() {
                message.push_str(&format!("; {}", note.as_str().unwrap()));
            }
            expected.push(Annotation {
                level: "error".into(),
                properties: [(
                    "title".to_string(),
                    "probescope: probe order unchecked".to_string(),
                )]
                .into(),
                message,
            });
        }
        for finding in boot["findings"].as_array().unwrap() {
            let evidence = finding["evidence"].as_array().unwrap();
            let located = evidence.iter().find(|e| e["line"] != 0).or(evidence.first());
            let mut properties = BTreeMap::new();
            if let Some(e) = located {
                properties.insert("file".to_string(), e["file"].as_str().unwrap().to_string());
                if e["line"] != 0 {
                    properties.insert("line".to_string(), e["line"].to_string());
                }
            }
            let subject = finding["subject"].as_str().unwrap();
            properties.insert(
                "title".into(),
                format!(
                    "{} {}: {subject}",
                    finding["code"].as_str().unwrap(),
                    finding["rule"].as_str().unwrap()
                ),
            );
            let mut message = format!("{name}: {}", finding["message"].as_str().unwrap());
            for e in evidence {
                let place = match e["line"].as_u64().unwrap() {
                    0 => e["file"].as_str().unwrap().to_string(),
                    line => format!("{}:{line}", e["file"].as_str().unwrap()),
                };
                message.push_str(&format!("\n{place}: {}", e["text"].as_str().unwrap()));
            }
            let level = match finding["severity"].as_str().unwrap() {
                "info" => "notice",
                other => other,
            };
            expected.push(Annotation {
                level: level.into(),
                properties,
                message,
            });
        }
    }
    expected
}

/// Control characters other than line breaks are shown escaped in annotations.
fn visible(text: &str) -> String {
    text.split('\n')
        .map(probescope::sanitize::escape_control)
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_github(text: &str, boots: &[Value]) {
    let found = parse_annotations(text);
    let mut expected = expected_annotations(boots);
    for annotation in &mut expected {
        annotation.message = visible(&annotation.message);
        for value in annotation.properties.values_mut() {
            *value = visible(value);
        }
    }
    assert_eq!(found.len(), expected.len());
    for (found, expected) in found.iter().zip(&expected) {
        assert_eq!(found, expected);
    }
}

#[test]
fn github_annotations_of_unusable_inputs_follow_the_documented_syntax() {
    let (_dir, args) = unusable_inputs();
    let (text, boots, exit) = run("github", &args);
    assert_eq!(exit, 2);
    // The paths carry `%`, `,` and `:`; the errors span several lines.
    assert!(text.contains("100%25 missing.log"), "{text}");
    check_github(&text, &boots);
}

#[test]
fn github_annotations_of_the_corpus_follow_the_documented_syntax() {
    let (text, boots, _) = run("github", &batch(&corpus()).args);
    assert!(
        text.lines().any(|l| l.starts_with("::error file=fixtures/qemu/")),
        "{text}"
    );
    check_github(&text, &boots);
}
