//! Bind evidence on real input: a managed device link's state is a bind, cited by its file and
//! line; a log alone that shows no bind leaves the state unknown.
//!
//! The capture (fixtures/public-extra/captures/smmuv3-dt-arm64-6.12/D1-strict-builtin, see its
//! README) is a real arm64 boot with `fw_devlink.strict=1`: the PCIe host `4010000000.pcie`
//! consumes the SMMU through `iommu-map`, its link ends `status:active`, and the log has no line
//! of the driver core or initcall_debug saying when the host bound.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const CAPTURE: &str = "fixtures/public-extra/captures/smmuv3-dt-arm64-6.12/D1-strict-builtin";

/// The capture's `names`, copied into a temporary folder: the inputs the test gives, no more.
fn cut_to(names: &[&str]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CAPTURE);
    let paths = names
        .iter()
        .map(|name| {
            let to = dir.path().join(name);
            std::fs::copy(root.join(name), &to).expect("the capture file copies");
            to
        })
        .collect();
    (dir, paths)
}

fn why_json(args: &[&str], paths: &[PathBuf]) -> serde_json::Value {
    let mut command = Command::cargo_bin("probescope").expect("the binary");
    command
        .args(["why", "4010000000.pcie", "--format", "json"])
        .args(args);
    for path in paths {
        command.arg(path);
    }
    let output = command.output().expect("why runs");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

#[test]
fn an_active_device_link_is_the_bind_and_is_cited_by_file_and_line() {
    let (_dir, paths) = cut_to(&["dmesg.txt", "devlink-final.txt"]);
    let log = paths[0].to_str().expect("a UTF-8 path");
    let devlink = paths[1].to_str().expect("a UTF-8 path");
    let why = why_json(&["--dmesg", log, "--devlink", devlink], &[]);
    assert_eq!(why["state"], "bound", "{why:#}");
    let evidence = why["evidence"].as_array().expect("evidence");
    let link = evidence
        .iter()
        .find(|e| {
            e["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("devlink-final.txt"))
        })
        .unwrap_or_else(|| panic!("the link is cited: {why:#}"));
    // The cited line is the one that shows the bind: the link's own `status` line in the dump.
    let line = link["line"].as_u64().expect("a line number") as usize;
    let dump = std::fs::read_to_string(&paths[1]).expect("the dump reads");
    let cited = dump.lines().nth(line - 1).expect("the cited line exists");
    assert_eq!(
        cited.trim_end(),
        "/sys/class/devlink/platform:9050000.smmuv3--platform:4010000000.pcie/status:active"
    );
    assert!(
        link["text"].as_str().is_some_and(|t| t.contains("status=active")),
        "{link:#}"
    );
    // The driver's own line is there too, but it shows a probe running, not a bind.
    assert!(evidence
        .iter()
        .any(|e| e["file"].as_str().is_some_and(|f| f.ends_with("dmesg.txt")) && e["line"] == 217));
    // The people's form says the same, with the link's file and line.
    let text = Command::cargo_bin("probescope")
        .expect("the binary")
        .args(["why", "4010000000.pcie", "--dmesg", log, "--devlink", devlink])
        .output()
        .expect("why runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("4010000000.pcie is bound at the end of the capture"),
        "{text}"
    );
    assert!(text.contains(&format!("devlink-final.txt:{line}")), "{text}");
}

#[test]
fn the_log_alone_does_not_say_whether_it_bound() {
    let (_dir, paths) = cut_to(&["dmesg.txt"]);
    let why = why_json(&[], &paths);
    assert_eq!(why["state"], "unknown", "{why:#}");
}
