//! A batch of real logs with an empty file and an HTML error page saved as `dmesg.txt` among
//! them: each bad input is an error of its own (its NDJSON line, its JUnit error, its name on
//! stderr), the real logs are reported exactly as when checked alone, and the run exits 2 after
//! reporting everything — in every output format.

use crate::support::ci_gate::{code, ndjson, probescope};
use crate::support::schema::assert_valid;
use serde_json::Value;
use std::path::Path;

const LOGS: [&str; 2] = [
    "fixtures/public/cavium-cn8xx-arm-smmu-unhandled-context-fault.txt",
    "fixtures/public/kernelci-sc7180-kingoftown-serial-arm-smmu.txt",
];

/// The batch: the first log, the empty file, the HTML page, the second log.
fn batch(dir: &Path) -> Vec<String> {
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let html = dir.join("dmesg.txt");
    std::fs::write(
        &html,
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n\
         <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n",
    )
    .unwrap();
    vec![
        LOGS[0].to_string(),
        empty.display().to_string(),
        html.display().to_string(),
        LOGS[1].to_string(),
    ]
}

fn run(format: &str, inputs: &[String]) -> std::process::Output {
    probescope()
        .args(["check", "--format", format])
        .args(inputs)
        .output()
        .unwrap()
}

#[test]
fn bad_inputs_are_errors_of_their_own_and_spoil_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = batch(dir.path());
    let bad = [&inputs[1], &inputs[2]];

    // NDJSON: one line per input, the real ones as alone, the bad ones with their error.
    let output = run("ndjson", &inputs);
    assert_eq!(code(&output), 2);
    let lines = ndjson(&output.stdout);
    assert_eq!(lines.len(), 4);
    for line in &lines {
        assert_valid("check-ndjson", line);
    }
    for (at, log) in [(0, LOGS[0]), (3, LOGS[1])] {
        let alone = ndjson(&run("ndjson", &[log.to_string()]).stdout);
        assert_eq!(alone, [lines[at].clone()], "{log}");
    }
    for (at, name) in [(1, bad[0]), (2, bad[1])] {
        assert_eq!(lines[at]["boot"], Value::from(name.as_str()));
        let error = lines[at]["error"].as_str().unwrap();
        assert!(error.contains(name.as_str()), "{error}");
        assert_eq!(lines[at]["exit_code"], 2);
    }
    assert!(lines[1]["error"].as_str().unwrap().contains("the file is empty"));
    assert!(lines[2]["error"].as_str().unwrap().contains("<!DOCTYPE html>"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in bad {
        assert!(stderr.contains(name.as_str()), "{stderr}");
    }
    for log in LOGS {
        assert!(!stderr.contains(log), "{stderr}");
    }

    // JSON: the same boots in one document.
    let output = run("json", &inputs);
    assert_eq!(code(&output), 2);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid("check", &report);
    let boots = report["boots"].as_array().unwrap();
    assert_eq!(boots.len(), 4);
    for (at, log) in [(0, LOGS[0]), (3, LOGS[1])] {
        let alone: Value = serde_json::from_slice(&run("json", &[log.to_string()]).stdout).unwrap();
        assert_eq!(alone["boots"][0], boots[at], "{log}");
    }
    assert!(boots[1].get("error").is_some() && boots[2].get("error").is_some());
    assert_eq!(report["exit_code"], 2);

    // JUnit: a suite per input, an error for each bad one.
    let output = run("junit", &inputs);
    assert_eq!(code(&output), 2);
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(xml.contains(r#"errors="2""#), "{xml}");
    for name in bad {
        let suite = format!(r#"<testsuite name="{name}" tests="1" disabled="0" errors="1""#);
        assert!(xml.contains(&suite), "{suite} in {xml}");
    }
    for log in LOGS {
        assert!(xml.contains(&format!(r#"<testsuite name="{log}""#)), "{log}");
    }

    // Table: both logs' findings, both errors named, the summary counting them.
    let output = run("table", &inputs);
    assert_eq!(code(&output), 2);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("4 boots: 0 clean, 2 with failing findings, 2 not usable; exit code 2"),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in bad {
        assert!(stderr.contains(name.as_str()), "{stderr}");
    }
}

#[test]
fn a_lone_bad_input_exits_2_and_says_what_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("dmesg.log");
    std::fs::write(&junk, [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0xff, 0xfe]).unwrap();
    let output = run("ndjson", &[junk.display().to_string()]);
    assert_eq!(code(&output), 2);
    let lines = ndjson(&output.stdout);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0]["error"].as_str().unwrap().contains("binary data"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_forced_kind_that_reads_as_nothing_is_an_error_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("deferred.txt");
    std::fs::write(
        &html,
        "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n",
    )
    .unwrap();
    let output = probescope()
        .args(["check", "--format", "ndjson", "--deferred"])
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    let error = ndjson(&output.stdout)[0]["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("expected devices_deferred lines, found `<!DOCTYPE html>`"),
        "{error}"
    );

    // An empty devices_deferred says "nothing deferred": a clean boot, not an error.
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let output = probescope()
        .args(["check", "--format", "ndjson", "--deferred"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_files_name_does_not_change_how_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let line = "2b600000.iommu\tplatform: wait for supplier /smmu@2b600000\n";
    let reports: Vec<Value> = ["devices_deferred.txt", "devices_deferred-rk3399.txt"]
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            std::fs::write(&path, line).unwrap();
            let output = run("ndjson", &[path.display().to_string()]);
            // The file's own name appears where the report cites it; nowhere else may differ.
            let text = String::from_utf8(output.stdout).unwrap().replace(name, "FILE");
            ndjson(text.as_bytes()).remove(0)
        })
        .collect();
    assert_eq!(reports[0]["inputs"][0]["moment"], "final");
    assert_eq!(reports[0], reports[1]);

    // One word of prose is no devices_deferred list.
    let word = dir.path().join("devices_deferred.txt");
    std::fs::write(&word, "hello\n").unwrap();
    let output = run("ndjson", &[word.display().to_string()]);
    assert_eq!(code(&output), 2);
}

#[test]
fn a_bad_input_named_only_by_flag_names_the_boot_not_the_live_system() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("page.txt");
    std::fs::write(
        &html,
        "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n",
    )
    .unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    for (flag, file) in [
        ("--deferred", &html),
        ("--devlink", &html),
        ("--dtb", &html),
        ("--dmesg", &html),
        ("--dmesg", &empty),
    ] {
        let named = file.display().to_string();
        let ndjson_output = probescope()
            .args(["check", "--format", "ndjson", flag])
            .arg(file)
            .output()
            .unwrap();
        assert_eq!(code(&ndjson_output), 2, "{flag} {named}");
        let line = &ndjson(&ndjson_output.stdout)[0];
        assert_valid("check-ndjson", line);
        assert_eq!(line["boot"], named.as_str(), "{flag}: {line}");
        let stderr = String::from_utf8_lossy(&ndjson_output.stderr);
        assert!(
            stderr.contains(&format!("probescope: {named}: ")),
            "{flag}: {stderr}"
        );
        assert!(!stderr.contains("the live system"), "{flag}: {stderr}");

        let json_output = probescope()
            .args(["check", "--format", "json", flag])
            .arg(file)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&json_output.stdout).unwrap();
        assert_valid("check", &report);
        assert_eq!(report["boots"][0]["boot"], named.as_str(), "{flag}: {report}");
    }
}
