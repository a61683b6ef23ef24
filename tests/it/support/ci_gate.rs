//! Helpers shared by the `ci_gate_*` tests: the corpus as batch inputs, and the binary run from
//! the repository root so that boot names and evidence paths are the relative paths given.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the repository root, without colour and without the caller's NO_COLOR.
pub fn probescope() -> Command {
    let mut command = Command::cargo_bin("probescope").expect("the probescope binary");
    command.current_dir(root()).env_remove("NO_COLOR");
    command
}

/// Every capture folder of `fixtures/qemu/` and every log of `fixtures/public/`, as paths
/// relative to the repository root, sorted.
pub fn corpus() -> Vec<String> {
    let mut inputs = Vec::new();
    let qemu = root().join("fixtures/qemu");
    for set in sorted_entries(&qemu).into_iter().filter(|p| p.is_dir()) {
        for scenario in sorted_entries(&set).into_iter().filter(|p| p.is_dir()) {
            inputs.push(relative(&scenario));
        }
    }
    let public = root().join("fixtures/public");
    for file in sorted_entries(&public) {
        if file.extension().is_some_and(|e| e == "txt") {
            inputs.push(relative(&file));
        }
    }
    assert!(
        inputs.len() >= 13 + 30,
        "expected the whole corpus, found {}",
        inputs.len()
    );
    inputs
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .expect("inside the repository")
        .display()
        .to_string()
}

/// A batch of corpus inputs as command-line arguments that make each input its own boot:
/// inputs that stand for a whole boot (directories, kernel logs) positionally, the others
/// (sysfs pastes) with `--boot P=P`, so that their boot has the same name as when they are
/// checked alone.
pub struct Batch {
    pub args: Vec<String>,
    /// The boots' names in the order the run reports them (positional inputs, then `--boot`s).
    pub order: Vec<String>,
}

pub fn batch(inputs: &[String]) -> Batch {
    let (whole, pastes): (Vec<&String>, Vec<&String>) = inputs
        .iter()
        .partition(|input| probescope::commands::check::is_boot_input(&root().join(input)));
    let mut args: Vec<String> = whole.iter().map(|input| input.to_string()).collect();
    args.extend(pastes.iter().map(|input| format!("--boot={input}={input}")));
    let order = whole.into_iter().chain(pastes).cloned().collect();
    Batch { args, order }
}

/// The corpus inputs probescope can use (their boot is not an input error), in corpus order.
pub fn usable_corpus() -> Vec<String> {
    let inputs = corpus();
    let output = probescope()
        .args(["check", "--format", "ndjson", "--fail-on", "never"])
        .args(&batch(&inputs).args)
        .output()
        .unwrap();
    let usable: std::collections::BTreeSet<String> = ndjson(&output.stdout)
        .iter()
        .filter(|boot| boot.get("error").is_none())
        .map(|boot| boot["boot"].as_str().unwrap().to_string())
        .collect();
    // Every QEMU capture is complete: all of them must be usable.
    let captures = inputs.iter().filter(|i| i.starts_with("fixtures/qemu/")).count();
    let usable_captures = usable.iter().filter(|i| i.starts_with("fixtures/qemu/")).count();
    assert_eq!(usable_captures, captures, "every capture folder is usable");
    inputs
        .into_iter()
        .filter(|input| usable.contains(input))
        .collect()
}

/// Parses ndjson output: one object per line, each valid against `schema/check-ndjson.json`.
pub fn ndjson(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| {
            let boot = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            crate::support::schema::assert_valid("check-ndjson", &boot);
            boot
        })
        .collect()
}

/// The exit code of a finished command.
pub fn code(output: &std::process::Output) -> i32 {
    output.status.code().expect("exited normally")
}

/// Whether a boot's JSON report was read without the kernel's record of probing (no kernel
/// log, devices_deferred list, device links, waiting-for-supplier or driver listing, IOMMU
/// groups or instances), which README "Exit codes" calls `unchecked`.
pub fn read_without_probe_record(boot: &Value) -> bool {
    const PROBE_RECORDS: [&str; 7] = [
        "kernel-log",
        "devices-deferred",
        "devlink",
        "waiting-for-supplier",
        "device-table",
        "iommu-groups",
        "iommu-class",
    ];
    boot.get("error").is_none()
        && !boot["inputs"].as_array().is_some_and(|inputs| {
            inputs.iter().any(|input| {
                input["kind"]
                    .as_str()
                    .is_some_and(|kind| PROBE_RECORDS.contains(&kind))
            })
        })
}
