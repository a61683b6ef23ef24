//! `probescope graph` end to end on the QEMU corpus: what each format shows for S3 (fw_devlink
//! strict, SMMU module loaded late), that DOT output renders with Graphviz, and how it fails.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/qemu/smmuv3-6.1")
        .join(name)
}

fn probescope() -> Command {
    Command::cargo_bin("probescope").expect("binary built")
}

fn graph_json(args: &[&str]) -> Value {
    let output = probescope()
        .arg("graph")
        .args(args)
        .arg("--format=json")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let graph = serde_json::from_slice(&output.stdout).expect("JSON");
    crate::support::schema::assert_valid("graph", &graph);
    graph
}

fn edges(value: &Value) -> Vec<(String, String, String, String)> {
    value["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap_or("-").to_string();
            (text("supplier"), text("consumer"), text("kind"), text("status"))
        })
        .collect()
}

#[test]
fn before_the_timeout_the_dormant_link_holds_the_host_bridge() {
    let dir = scenario("S3-strict-late");
    let dir = dir.to_str().expect("utf-8 path");
    let value = graph_json(&[dir, "--at", "before-timeout", "--device", "4010000000.pcie"]);
    assert_eq!(value["moment"], "before-timeout");
    assert_eq!(
        edges(&value),
        [(
            "9050000.smmuv3".to_string(),
            "4010000000.pcie".to_string(),
            "managed".to_string(),
            "dormant".to_string()
        )]
    );
    let nodes = value["nodes"].as_array().expect("nodes");
    let state = |name: &str| {
        nodes
            .iter()
            .find(|n| n["name"] == name)
            .map(|n| n["state"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(state("4010000000.pcie"), "deferred");
    assert_eq!(state("9050000.smmuv3"), "unbound");
    probescope()
        .args(["graph", dir, "--at", "before-timeout", "--device", "platform:4010000000.pcie"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "4010000000.pcie  [deferred]\n└── needs 9050000.smmuv3  [no driver, IOMMU] (root)  (managed, dormant)",
        ));
}

#[test]
fn at_the_end_the_link_is_gone_and_the_iommu_map_edges_remain() {
    let dir = scenario("S3-strict-late");
    let value = graph_json(&[dir.to_str().expect("utf-8 path")]);
    let edges = edges(&value);
    // The strict link was dropped at the timeout: shown, marked removed.
    let link = value["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["supplier"] == "9050000.smmuv3" && e["consumer"] == "4010000000.pcie")
        .expect("the host bridge's link");
    assert_eq!(link["removed"], true);
    // The DT's iommu-map puts the four PCI functions behind the SMMU.
    for function in ["0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "0000:01:00.0"] {
        assert!(
            edges
                .iter()
                .any(|(s, c, kind, _)| s == "9050000.smmuv3" && c == function && kind == "dt-iommu"),
            "no iommu-map edge to {function}: {edges:?}"
        );
    }
}

#[test]
fn every_format_renders_the_scenario() {
    let dir = scenario("S3-strict-late");
    let dir = dir.to_str().expect("utf-8 path");
    for format in ["tree", "dot", "mermaid", "json", "tsort"] {
        for device in [None, Some("9050000.smmuv3"), Some("/pcie@10000000")] {
            let mut command = probescope();
            command.args(["graph", dir, "--format", format, "--direction", "both"]);
            if let Some(device) = device {
                command.args(["--device", device]);
            }
            let output = command.output().expect("runs");
            assert!(output.status.success(), "{format} {device:?}");
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(text.contains("9050000.smmuv3"), "{format} {device:?}: {text}");
            let again = command.output().expect("runs");
            assert_eq!(
                output.stdout, again.stdout,
                "{format} output is not deterministic"
            );
        }
    }
}

#[test]
fn dot_output_renders_with_graphviz() {
    use std::io::Write as _;
    use std::process::{Command as Process, Stdio};
    if !crate::support::require_programs(&["dot"], "apt-get install graphviz") {
        return;
    }
    let dir = scenario("S3-strict-late");
    for extra in [&[][..], &["--at", "before-timeout"][..], &["--parents"][..]] {
        let output = probescope()
            .arg("graph")
            .arg(&dir)
            .args(["--format", "dot"])
            .args(extra)
            .output()
            .expect("runs");
        assert!(output.status.success());
        let mut dot = Process::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Graphviz `dot` runs");
        dot.stdin
            .take()
            .expect("stdin")
            .write_all(&output.stdout)
            .expect("write");
        let rendered = dot.wait_with_output().expect("dot ran");
        let stderr = String::from_utf8_lossy(&rendered.stderr);
        assert!(rendered.status.success() && stderr.trim().is_empty(), "{stderr}");
        let svg = String::from_utf8_lossy(&rendered.stdout);
        assert!(
            svg.contains("<svg") && svg.contains("9050000.smmuv3"),
            "{extra:?}"
        );
    }
}

#[test]
fn an_unknown_device_or_snapshot_is_a_usage_error() {
    let dir = scenario("S3-strict-late");
    probescope()
        .arg("graph")
        .arg(&dir)
        .args(["--device", "no-such-device"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "no device `no-such-device` in the inputs",
        ));
    probescope()
        .arg("graph")
        .arg(&dir)
        .args(["--at", "no-such-moment"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no snapshot `no-such-moment`")
                .and(predicate::str::contains("before-timeout")),
        );
}

#[test]
fn nothing_usable_is_an_error() {
    let empty = tempfile::tempdir().expect("tempdir");
    probescope()
        .arg("graph")
        .arg(empty.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("probescope: "));
}

#[test]
fn bad_arguments_are_usage_errors() {
    probescope()
        .args(["graph", "--format", "png"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'png'"));
    probescope()
        .args(["graph", "--kinds", "managed,bogus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'bogus'"));
    probescope()
        .args(["graph", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--direction").and(predicate::str::contains("tsort")));
}

#[test]
fn at_an_instant_the_graph_shows_the_log_up_to_it_and_no_later_snapshot() {
    // S5 (driver-core debug): "driver_bound: bound to device '9050000.smmuv3'" at 11.818782 s.
    // Before it the SMMU's state is unknown (its end-of-capture listings are not mixed in);
    // after it, bound by the driver core's own line.
    let dir = scenario("S5-verbose-late");
    let dir = dir.to_str().expect("utf-8 path");
    let smmu_at = |at: &str| {
        let value = graph_json(&[dir, "--at", at, "--device", "9050000.smmuv3"]);
        let node = value["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["name"] == "9050000.smmuv3")
            .cloned()
            .expect("the SMMU is drawn");
        (
            value["moment"].clone(),
            node["state"].clone(),
            node["driver"].clone(),
        )
    };
    assert_eq!(
        smmu_at("11.7s"),
        (Value::from("11.700000 s"), Value::from("unknown"), Value::Null)
    );
    assert_eq!(
        smmu_at("11.9s"),
        (
            Value::from("11.900000 s"),
            Value::from("bound"),
            Value::from("arm-smmu-v3")
        )
    );
}
