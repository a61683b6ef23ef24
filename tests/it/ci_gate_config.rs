//! `probescope.toml` through the command line: mistakes are reported with the file and line
//! (exit 2, before anything is analysed); rule settings, ignores and board expectations change
//! the findings and the exit code.

use crate::support::ci_gate::{code, ndjson, probescope, root};
use std::path::Path;

/// Runs `check` with `config` as `--config` (or as `probescope.toml` in the working directory
/// when `discovered`), on `inputs`.
fn run_with_config(config: &str, discovered: bool, inputs: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = probescope();
    command.args(["check", "--format", "ndjson"]);
    if discovered {
        std::fs::write(dir.path().join("probescope.toml"), config).unwrap();
        command.current_dir(dir.path());
    } else {
        let path = dir.path().join("board.toml");
        std::fs::write(&path, config).unwrap();
        command.arg("--config").arg(&path);
    }
    let inputs: Vec<String> = inputs
        .iter()
        .map(|input| root().join(input).display().to_string())
        .collect();
    command.args(&inputs).output().unwrap()
}

fn config_error(config: &str, discovered: bool) -> String {
    let output = run_with_config(config, discovered, &["fixtures/qemu/smmuv3-6.1/S2-smmu-late"]);
    assert_eq!(code(&output), 2, "a config error is a usage error");
    assert!(output.stdout.is_empty(), "nothing is analysed");
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn an_unknown_rule_is_reported_with_its_line() {
    let stderr = config_error("# board A\n\n[rules.iommu-order-wrong]\nenabled = false\n", false);
    assert!(
        stderr.contains("board.toml:3: unknown rule `iommu-order-wrong`; rules are"),
        "{stderr}"
    );
}

#[test]
fn a_bad_glob_is_reported_with_its_line() {
    let stderr = config_error(
        "[board]\nexpect_bound = [\n  \"13620000.sysmmu\",\n  \"*.mfc[\",\n]\n",
        false,
    );
    assert!(stderr.contains("board.toml:4: bad glob `*.mfc[`"), "{stderr}");
}

#[test]
fn a_wrong_type_is_reported_with_its_line() {
    let stderr = config_error(
        "[board]\nexpect_bound = []\nmax_deferred_at_end = \"zero\"\n",
        false,
    );
    assert!(
        stderr.contains("board.toml:3: invalid type: string \"zero\", expected u32"),
        "{stderr}"
    );
    let stderr = config_error("[rules.PS104]\nseverity = \"fatal\"\n", false);
    assert!(
        stderr.contains("board.toml:2: unknown variant `fatal`"),
        "{stderr}"
    );
}

#[test]
fn unknown_keys_and_ignores_without_reason_are_reported_with_their_line() {
    let stderr = config_error("[board]\nexpect_bound = []\n\n[boards]\n", true);
    assert!(
        stderr.contains("probescope: probescope.toml:4: unknown field `boards`"),
        "{stderr}"
    );
    let stderr = config_error("[[ignore]]\nrule = \"PS101\"\nsubject = \"*\"\n", true);
    assert!(
        stderr.contains("probescope.toml:1: missing field `reason`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_config_file_is_an_error() {
    let output = probescope()
        .args(["check", "--config", "/nonexistent/probescope.toml", "x"])
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/probescope.toml"));
}

fn rules_of(boot: &serde_json::Value) -> Vec<(String, String)> {
    boot["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn board_expectations_settings_and_ignores_change_findings_and_exit_code() {
    let s2 = "fixtures/qemu/smmuv3-6.1/S2-smmu-late";
    assert!(Path::new(&root().join(s2)).is_dir());

    // The SMMU bound late (PS101 fires for the PCI functions); expectations about a device that
    // exists and is bound stay silent, a missing one fires.
    let output = run_with_config(
        "[board]\nexpect_bound = [\"9050000.smmuv3\", \"*.no-such-device\"]\n",
        false,
        &[s2],
    );
    let boot = &ndjson(&output.stdout)[0];
    let found = rules_of(boot);
    assert!(
        found.contains(&("PS301".into(), "*.no-such-device".into())),
        "{found:?}"
    );
    assert!(!found
        .iter()
        .any(|(code, subject)| code == "PS301" && subject == "9050000.smmuv3"));
    assert_eq!(code(&output), 1);

    // Ignoring every IOMMU-ordering finding of the PCI functions, with a reason: they are gone,
    // a note says by which entry, and nothing else fails.
    let config = "[[ignore]]\nsubject = \"0000:*\"\nreason = \"QEMU virt has no SMMU users that matter\"\n\
                  \n[rules.deferred-probe-timeout-expired]\nenabled = false\n\
                  \n[rules.modular-iommu-without-strict-fw-devlink]\nseverity = \"info\"\n";
    let output = run_with_config(config, false, &[s2]);
    let boot = &ndjson(&output.stdout)[0];
    let found = rules_of(boot);
    assert!(
        !found.iter().any(|(_, subject)| subject.starts_with("0000:")),
        "{found:?}"
    );
    let notes = boot["notes"].to_string();
    assert!(
        notes.contains("board.toml:2 (QEMU virt has no SMMU users that matter)"),
        "{notes}"
    );
    let failing: Vec<_> = boot["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fails"] == true)
        .collect();
    assert_eq!(code(&output), i32::from(!failing.is_empty()), "{failing:?}");

    // S8: the SMMU never bound and the timeout is off, four PCI functions stay deferred.
    let s8 = "fixtures/qemu/smmuv3-6.1/S8-notimeout-never";
    let output = run_with_config("[board]\nmax_deferred_at_end = 3\n", false, &[s8]);
    let boot = &ndjson(&output.stdout)[0];
    let over = boot["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PS302")
        .unwrap_or_else(|| panic!("no PS302 in {boot}"));
    assert_eq!(over["related"].as_array().unwrap().len(), 4, "{over}");
    let output = run_with_config("[board]\nmax_deferred_at_end = 4\n", false, &[s8]);
    assert!(!rules_of(&ndjson(&output.stdout)[0])
        .iter()
        .any(|(code, _)| code == "PS302"));
}
