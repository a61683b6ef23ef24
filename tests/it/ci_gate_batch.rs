//! Many boots in one run: every capture of `fixtures/qemu/` and every log of `fixtures/public/`
//! in one batch gives, boot by boot, what checking each alone gives, for one thread and for
//! two; the run's exit code is the worst of its boots'; an unusable input is reported for its
//! boot alone while the others are still analysed.

use crate::support::ci_gate::{batch, code, corpus, ndjson, probescope, read_without_probe_record};
use serde_json::Value;

/// What the exit code of a boot must be, from its own report: 2 for an unusable input, 1 when
/// a finding fails, else 2 when neither a kernel log nor devices_deferred was read, else 0.
fn documented_exit_code(boot: &Value) -> i64 {
    if boot.get("error").is_some() {
        return 2;
    }
    let fails = boot["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["fails"] == true);
    if !fails && read_without_probe_record(boot) {
        return 2;
    }
    i64::from(fails)
}

#[test]
fn a_batch_gives_each_boot_what_checking_it_alone_gives_whatever_the_thread_count() {
    let inputs = corpus();
    let batch = batch(&inputs);
    // Each input's boots checked alone: one, or one per boot its log holds (named `INPUT#K`).
    let alone: Vec<(String, Value)> = batch
        .order
        .iter()
        .flat_map(|input| {
            let output = probescope()
                .args(["check", "--format", "ndjson", "--fail-on", "warning", input])
                .output()
                .unwrap();
            let boots = ndjson(&output.stdout);
            assert!(!boots.is_empty(), "{input}: at least one boot expected");
            let worst = boots.iter().map(|boot| boot["exit_code"].as_i64().unwrap()).max();
            assert_eq!(Some(i64::from(code(&output))), worst, "{input}");
            let count = boots.len();
            boots.into_iter().enumerate().map(move |(index, boot)| {
                let name = match count {
                    1 => input.clone(),
                    _ => format!("{input}#{}", index + 1),
                };
                (name, boot)
            })
        })
        .collect();
    assert!(
        alone.len() > inputs.len(),
        "the corpus has a log of several boots"
    );

    for jobs in ["1", "2"] {
        let output = probescope()
            .args([
                "check",
                "--format",
                "ndjson",
                "--fail-on",
                "warning",
                "--jobs",
                jobs,
            ])
            .args(&batch.args)
            .output()
            .unwrap();
        let boots = ndjson(&output.stdout);
        assert_eq!(boots.len(), alone.len(), "--jobs {jobs}: one line per boot");
        for (in_batch, (input, alone)) in boots.iter().zip(&alone) {
            assert_eq!(
                in_batch["boot"],
                input.as_str(),
                "--jobs {jobs}: boots in input order"
            );
            assert_eq!(
                in_batch, alone,
                "--jobs {jobs}: {input} differs from its run alone"
            );
            assert_eq!(
                in_batch["exit_code"].as_i64().unwrap(),
                documented_exit_code(in_batch),
                "{input}"
            );
        }
        let worst = boots.iter().map(documented_exit_code).max().unwrap();
        assert_eq!(
            i64::from(code(&output)),
            worst,
            "--jobs {jobs}: the run exits with its worst boot's code"
        );
        // The corpus has boots with failing findings (the late-SMMU captures).
        assert!(worst >= 1);
    }
}

#[test]
fn an_unusable_input_fails_only_its_boot_and_the_others_are_still_analysed() {
    let empty = tempfile::tempdir().unwrap();
    let empty = empty.path().to_str().unwrap().to_string();
    let good = "fixtures/qemu/smmuv3-6.1/S1-smmu-early";
    let output = probescope()
        .args([
            "check",
            "--format",
            "ndjson",
            good,
            "fixtures/public/no-such-log.txt",
            &empty,
        ])
        .output()
        .unwrap();
    let boots = ndjson(&output.stdout);
    let names: Vec<&str> = boots.iter().map(|b| b["boot"].as_str().unwrap()).collect();
    assert_eq!(names, [good, "fixtures/public/no-such-log.txt", empty.as_str()]);
    assert!(boots[0].get("error").is_none(), "{}", boots[0]);
    assert_eq!(boots[0]["exit_code"], 0);
    for unusable in &boots[1..] {
        assert_eq!(unusable["exit_code"], 2);
        assert_eq!(unusable["status"], "error");
    }
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("probescope: fixtures/public/no-such-log.txt: "),
        "{stderr}"
    );
}

#[test]
fn unusable_inputs_are_reported_in_input_order_each_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty_a = dir.path().join("a-empty");
    let empty_b = dir.path().join("b-empty");
    std::fs::create_dir(&empty_a).unwrap();
    std::fs::create_dir(&empty_b).unwrap();
    let missing = dir.path().join("missing.log");
    let inputs = [&empty_b, &missing, &empty_a].map(|p| p.to_str().unwrap().to_string());
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let output = probescope()
            .args(["check", "--format", "ndjson", "--jobs", jobs])
            .args(&inputs)
            .output()
            .unwrap();
        assert_eq!(code(&output), 2);
        let boots = ndjson(&output.stdout);
        let names: Vec<&str> = boots.iter().map(|b| b["boot"].as_str().unwrap()).collect();
        assert_eq!(names, inputs.each_ref().map(|s| s.as_str()));
        for boot in &boots {
            assert_eq!(boot["status"], "error");
            assert!(!boot["error"].as_str().unwrap().is_empty());
        }
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        for input in &inputs {
            assert!(stderr.contains(&format!("probescope: {input}: ")), "{stderr}");
        }
        outputs.push(output.stdout);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "output does not depend on the thread count"
    );
}

#[test]
fn the_summary_table_lists_every_boot_with_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    let output = probescope()
        .args(["check", "--format", "table", "--color", "never"])
        .args([&a, &b])
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("== {} ==\n", a.display())), "{stdout}");
    assert!(stdout.contains("│ boot"), "{stdout}");
    assert!(
        stdout.ends_with("2 boots: 0 clean, 0 with failing findings, 2 not usable; exit code 2\n"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'));
    // Colour on request, whatever the terminal.
    let coloured = probescope()
        .args(["check", "--color", "always"])
        .args([&a, &b])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("\u{1b}["));
}

#[test]
fn jobs_must_be_a_positive_count() {
    let output = probescope().args(["check", "--jobs", "0", "x"]).output().unwrap();
    assert_eq!(code(&output), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--jobs"));
}

#[test]
fn a_single_unusable_boot_says_why_on_standard_error_only() {
    let dir = tempfile::tempdir().unwrap();
    let output = probescope().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(code(&output), 2);
    // Standard output has the summary only: the reason is on standard error.
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "no findings in 1 boot (1 not usable)\n"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("probescope: {}: ", dir.path().display())),
        "{stderr}"
    );
}
