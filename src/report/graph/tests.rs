//! Renderer snapshots on a small boot built here, with every edge kind and device state, and
//! a device name that needs escaping in every format.
//!
//! The boot: a clock controller (bound) supplies a DMA controller (bound, managed link active)
//! and a codec (stateless link); an IOMMU that never bound supplies the DSI host through a
//! dormant managed link (the DSI host is deferred, "supplier 13620000.sysmmu not ready") and
//! the codec through the device tree only (`iommus`, no device link); the DMA controller
//! supplies a sync-state-only link back to the clock controller, and a device with `"`, `\` and
//! an escape character in its name.

use super::*;
use crate::analysis::graph::SupplierGraph;
use crate::ingest::deferred::DeferredEntry;
use crate::ingest::devlink::{DevlinkRecord, LinkEnd};
use crate::ingest::dt::{DeviceTree, DtNode, DtNodeId, IommuSpecifier};
use crate::ingest::listing::DeviceEntry;
use crate::ingest::messages::{DeferReason, Deferral};
use crate::ingest::{BootInputs, Snapshot};
use crate::model::{Origin, SourceName};
use crate::sanitize::escape_control;

pub(crate) const WEIRD: &str = "usb1-1:1.0\"x\\y\u{1b}[31m";

fn origin() -> Origin {
    let file: SourceName = "test".into();
    Origin::new(&file, 1)
}

fn entry(name: &str, driver: Option<&str>, of_node: Option<&str>) -> DeviceEntry {
    DeviceEntry {
        origin: origin(),
        bus: Some("platform".into()),
        name: name.into(),
        driver: driver.map(String::from),
        iommu_group: None,
        iommu: None,
        of_node: of_node.map(String::from),
        sysfs_path: Some(format!("/sys/devices/platform/soc/{name}")),
    }
}

fn link(supplier: &str, consumer: &str, status: LinkStatus, sync_state_only: bool) -> DevlinkRecord {
    let end = |name: &str| LinkEnd {
        bus: Some("platform".into()),
        name: name.into(),
        sysfs_path: None,
    };
    DevlinkRecord {
        origin: origin(),
        name: format!("platform:{supplier}--platform:{consumer}"),
        supplier: end(supplier),
        consumer: end(consumer),
        status: Some(status),
        auto_remove_on: None,
        runtime_pm: None,
        sync_state_only: Some(sync_state_only),
        supplier_target: None,
        consumer_target: None,
        attr_origins: Default::default(),
    }
}

fn dt_node(path: &str, parent: Option<usize>, device: Option<&str>, compatible: &[&str]) -> DtNode {
    let (name, unit) = match path.rsplit('/').next().and_then(|n| n.split_once('@')) {
        Some((name, unit)) => (name.to_string(), Some(unit.to_string())),
        None => (path.rsplit('/').next().unwrap_or("").to_string(), None),
    };
    DtNode {
        path: path.into(),
        parent: parent.map(DtNodeId),
        name,
        unit_address: unit,
        compatible: compatible.iter().map(|c| c.to_string()).collect(),
        phandle: None,
        enabled: true,
        reg_address: None,
        device_name: device.map(String::from),
        iommu_cells: None,
        iommus: Vec::new(),
        iommu_map: Vec::new(),
        iommu_map_mask: None,
        pci_domain: None,
        suppliers: Vec::new(),
    }
}

pub(crate) fn sample_inputs() -> BootInputs {
    let devices = vec![
        entry(
            "10000000.clock-controller",
            Some("clk-exynos"),
            Some("/soc/clock-controller@10000000"),
        ),
        entry("13620000.sysmmu", None, Some("/soc/sysmmu@13620000")),
        entry("14000000.dma", Some("dma-pl330"), None),
        entry("15000000.dsi", None, None),
        entry("16000000.codec", Some("s5p-mfc"), Some("/soc/codec@16000000")),
        entry(WEIRD, Some("usb-storage"), None),
    ];
    let mut stateless = link(
        "10000000.clock-controller",
        "16000000.codec",
        LinkStatus::NotTracked,
        false,
    );
    stateless.runtime_pm = Some(true);
    let devlinks = vec![
        link(
            "10000000.clock-controller",
            "14000000.dma",
            LinkStatus::Active,
            false,
        ),
        stateless,
        link("13620000.sysmmu", "15000000.dsi", LinkStatus::Dormant, false),
        link(
            "14000000.dma",
            "10000000.clock-controller",
            LinkStatus::Available,
            true,
        ),
        link("14000000.dma", WEIRD, LinkStatus::Active, false),
    ];
    let deferred = vec![DeferredEntry {
        origin: origin(),
        device: "15000000.dsi".into(),
        deferral: Some(Deferral {
            recorded_by: Some("platform".into()),
            reason: DeferReason::SupplierNotReady {
                supplier: "13620000.sysmmu".into(),
            },
        }),
    }];
    let mut nodes = vec![
        dt_node("/", None, None, &["samsung,board"]),
        dt_node("/soc", Some(0), None, &["simple-bus"]),
        dt_node(
            "/soc/clock-controller@10000000",
            Some(1),
            Some("10000000.clock-controller"),
            &["samsung,exynos-clock"],
        ),
        dt_node(
            "/soc/sysmmu@13620000",
            Some(1),
            Some("13620000.sysmmu"),
            &["samsung,exynos-sysmmu"],
        ),
        dt_node(
            "/soc/codec@16000000",
            Some(1),
            Some("16000000.codec"),
            &["samsung,mfc-v8", "samsung,mfc"],
        ),
    ];
    nodes[3].iommu_cells = Some(0);
    nodes[4].iommus = vec![IommuSpecifier {
        iommu: DtNodeId(3),
        args: Vec::new(),
    }];
    BootInputs {
        name: "sample".into(),
        snapshots: vec![Snapshot {
            label: "final".into(),
            devlinks: Some(devlinks),
            deferred: Some(deferred),
            devices: Some(devices),
            ..Snapshot::default()
        }],
        device_tree: Some(DeviceTree {
            source: "fdt.dtb".into(),
            nodes,
        }),
        modules: Some(vec![crate::ingest::context::ModuleEntry {
            origin: origin(),
            name: "s5p_mfc".into(),
            size: 1,
            used_by: Vec::new(),
            state: "Live".into(),
            taints: None,
        }]),
        ..BootInputs::default()
    }
}

pub(crate) fn sample() -> (Boot, SupplierGraph) {
    let boot = Boot::from_inputs(sample_inputs());
    let graph = SupplierGraph::new(&boot);
    (boot, graph)
}

fn view(options: ViewOptions) -> GraphView {
    let (boot, graph) = sample();
    build(&Analysis::new(&boot, &graph), &options)
}

fn around(name: &str, direction: Direction) -> ViewOptions {
    let (boot, _) = sample();
    ViewOptions {
        focus: vec![boot.find(name).expect("sample device")],
        direction,
        ..ViewOptions::default()
    }
}

/// Compares line by line, so a failure shows the first line that differs.
#[track_caller]
fn assert_lines(actual: &str, expected: &str) {
    for (number, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} differs; whole output:\n{actual}", number + 1);
    }
    assert_eq!(
        actual.lines().count(),
        expected.lines().count(),
        "line count differs; whole output:\n{actual}"
    );
}

#[test]
fn the_whole_graph_has_every_edge_kind_and_device_state() {
    let view = view(ViewOptions::default());
    let names: Vec<&str> = view.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "10000000.clock-controller",
            "13620000.sysmmu",
            "14000000.dma",
            "15000000.dsi",
            "16000000.codec",
            WEIRD,
        ]
    );
    let edges: Vec<(&str, &str, &str)> = view
        .edges
        .iter()
        .map(|e| {
            (
                view.nodes[e.supplier].name.as_str(),
                view.nodes[e.consumer].name.as_str(),
                e.kind.as_str(),
            )
        })
        .collect();
    assert_eq!(
        edges,
        [
            ("14000000.dma", "10000000.clock-controller", "sync-state-only"),
            ("10000000.clock-controller", "14000000.dma", "managed"),
            ("13620000.sysmmu", "15000000.dsi", "managed"),
            ("10000000.clock-controller", "16000000.codec", "stateless"),
            ("13620000.sysmmu", "16000000.codec", "dt-iommu"),
            ("14000000.dma", WEIRD, "managed"),
        ]
    );
    let dsi = &view.nodes[3];
    assert_eq!(dsi.status, DeviceStatus::Deferred);
    assert!(view.nodes[1].root && view.nodes[1].is_iommu);
    assert_eq!(view.nodes[4].module.as_deref(), Some("s5p_mfc"));
    assert_eq!(view.nodes[4].compatible, ["samsung,mfc-v8", "samsung,mfc"]);
}

#[test]
fn tree_shows_suppliers_with_link_kind_status_and_state() {
    let out = tree::render(&view(around("15000000.dsi", Direction::Suppliers)));
    assert_lines(
        &out,
        "\
# suppliers of sample, at the end of the capture
15000000.dsi  [deferred]
└── needs 13620000.sysmmu  [no driver, IOMMU] (root)  (managed, dormant)
",
    );
}

#[test]
fn tree_of_the_whole_graph_goes_from_the_roots_and_marks_repeats() {
    let out = tree::render(&view(ViewOptions {
        direction: Direction::Consumers,
        ..ViewOptions::default()
    }));
    assert_lines(
        &out,
        "\
# supplier graph of sample, at the end of the capture
13620000.sysmmu  [no driver, IOMMU] (root)
├── needed by 15000000.dsi  [deferred]  (managed, dormant)
└── needed by 16000000.codec  [bound to s5p-mfc]  (dt-iommu: iommus)
10000000.clock-controller  [bound to clk-exynos]
├── needed by 14000000.dma  [bound to dma-pl330]  (managed, active)
│   ├── needed by 10000000.clock-controller  [bound to clk-exynos]  (sync-state-only, available)  [cycle]
│   └── needed by usb1-1:1.0\"x\\y\\x1b[31m  [bound to usb-storage]  (managed, active)
└── needed by 16000000.codec  [bound to s5p-mfc]  (stateless, not tracked)
",
    );
}

#[test]
fn tree_of_the_whole_graph_upwards_starts_where_nothing_waits() {
    let out = tree::render(&view(ViewOptions {
        direction: Direction::Suppliers,
        ..ViewOptions::default()
    }));
    assert_lines(
        &out,
        "\
# supplier graph of sample, at the end of the capture
15000000.dsi  [deferred]
└── needs 13620000.sysmmu  [no driver, IOMMU] (root)  (managed, dormant)
16000000.codec  [bound to s5p-mfc]
├── needs 10000000.clock-controller  [bound to clk-exynos]  (stateless, not tracked)
│   └── needs 14000000.dma  [bound to dma-pl330]  (sync-state-only, available)
│       └── needs 10000000.clock-controller  [bound to clk-exynos]  (managed, active)  [cycle]
└── needs 13620000.sysmmu  [no driver, IOMMU] (root)  (dt-iommu: iommus)
usb1-1:1.0\"x\\y\\x1b[31m  [bound to usb-storage]
└── needs 14000000.dma  [bound to dma-pl330]  (managed, active)  [see above]
",
    );
}

#[test]
fn tree_in_both_directions_and_depth_limit() {
    // The depth limits the walk; an edge the other direction's walk found (dma → clock,
    // sync-state-only) still shows, as the cycle it closes.
    let mut options = around("14000000.dma", Direction::Both);
    options.depth = Some(1);
    let out = tree::render(&view(options));
    assert_lines(
        &out,
        "\
# suppliers and consumers within 1 hop of sample, at the end of the capture
14000000.dma  [bound to dma-pl330]
├── needs 10000000.clock-controller  [bound to clk-exynos]  (managed, active)
│   └── needs 14000000.dma  [bound to dma-pl330]  (sync-state-only, available)  [cycle]
├── needed by 10000000.clock-controller  [bound to clk-exynos]  (sync-state-only, available)  [see above]
└── needed by usb1-1:1.0\"x\\y\\x1b[31m  [bound to usb-storage]  (managed, active)
",
    );
}

#[test]
fn dot_is_complete_styled_and_escaped() {
    let out = dot::render(&view(ViewOptions::default()));
    assert_lines(
        &out,
        r##"digraph "probescope" {
  graph [rankdir=LR, labelloc=t, fontname="Helvetica", label="sample at end of capture"];
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];
  edge [fontname="Helvetica", fontsize=9];
  n0 [label="10000000.clock-controller\nbound to clk-exynos", fillcolor="#d9ead3"];
  n1 [label="13620000.sysmmu\nno driver, IOMMU", fillcolor="#fff2cc", shape=box3d, peripheries=2];
  n2 [label="14000000.dma\nbound to dma-pl330", fillcolor="#d9ead3"];
  n3 [label="15000000.dsi\ndeferred", fillcolor="#f4cccc"];
  n4 [label="16000000.codec\nbound to s5p-mfc", fillcolor="#d9ead3"];
  n5 [label="usb1-1:1.0\"x\\y\\x1b[31m\nbound to usb-storage", fillcolor="#d9ead3"];
  n2 -> n0 [style=dotted, color="#3d85c6", label="sync-state-only, available"];
  n0 -> n2 [style=solid, color="#000000", label="active"];
  n1 -> n3 [style=solid, color="#e69138", label="dormant"];
  n0 -> n4 [style=dashed, color="#000000", label="stateless"];
  n1 -> n4 [style="bold,dashed", color="#cc0000", fontcolor="#cc0000", label="dt-iommu, iommus"];
  n2 -> n5 [style=solid, color="#000000", label="active"];
  subgraph cluster_legend {
    label="legend"; style=dashed; color="#999999"; fontsize=10;
    legend_state0 [label="bound", fillcolor="#d9ead3"];
    legend_state1 [label="deferred", fillcolor="#f4cccc"];
    legend_state2 [label="no driver", fillcolor="#fff2cc"];
    legend_root [label="root: waits for nothing", fillcolor=white, peripheries=2];
    legend_iommu [label="IOMMU", fillcolor=white, shape=box3d];
    legend_from0 [label="", shape=point, width=0.05];
    legend_to0 [label="managed, active", shape=plaintext, style=""];
    legend_from0 -> legend_to0 [style=solid, color="#000000"];
    legend_from1 [label="", shape=point, width=0.05];
    legend_to1 [label="managed, dormant", shape=plaintext, style=""];
    legend_from1 -> legend_to1 [style=solid, color="#e69138"];
    legend_from2 [label="", shape=point, width=0.05];
    legend_to2 [label="stateless, not tracked", shape=plaintext, style=""];
    legend_from2 -> legend_to2 [style=dashed, color="#000000"];
    legend_from3 [label="", shape=point, width=0.05];
    legend_to3 [label="sync-state-only, available", shape=plaintext, style=""];
    legend_from3 -> legend_to3 [style=dotted, color="#3d85c6"];
    legend_from4 [label="", shape=point, width=0.05];
    legend_to4 [label="dt-iommu", shape=plaintext, style=""];
    legend_from4 -> legend_to4 [style="bold,dashed", color="#cc0000", fontcolor="#cc0000"];
  }
}
"##,
    );
}

#[test]
fn mermaid_escapes_labels_and_styles_links() {
    let out = mermaid::render(&view(around("16000000.codec", Direction::Suppliers)));
    assert_lines(
        &out,
        "\
graph LR
  n0[\"16000000.codec<br/>bound to s5p-mfc\"]
  n1[\"10000000.clock-controller<br/>bound to clk-exynos\"]
  n2[\"13620000.sysmmu<br/>no driver, IOMMU\"]
  n3[\"14000000.dma<br/>bound to dma-pl330\"]
  n1 -.->|\"stateless, not tracked\"| n0
  n2 ==>|\"dt-iommu: iommus\"| n0
  n3 -.->|\"sync-state-only, available\"| n1
  n1 -->|\"managed, active\"| n3
  linkStyle 1 stroke:#cc0000,stroke-width:2px,stroke-dasharray:6 3
  classDef bound fill:#d9ead3,stroke:#6aa84f
  classDef deferred fill:#f4cccc,stroke:#cc0000
  classDef unbound fill:#fff2cc,stroke:#bf9000
  classDef focus stroke-width:3px
  class n0,n1,n3 bound
  class n2 unbound
  class n0 focus
",
    );
    let weird = mermaid::render(&view(around(WEIRD, Direction::Suppliers)));
    assert!(
        weird.contains("n0[\"usb1-1:1.0#quot;x\\y\\x1b[31m<br/>bound to usb-storage\"]"),
        "{weird}"
    );
}

#[test]
fn json_names_devices_and_edges_per_the_contract() {
    let value = json::to_value(&view(around("15000000.dsi", Direction::Suppliers))).unwrap();
    assert_eq!(value["schema"], crate::report::contract::SCHEMA_VERSION);
    assert_eq!(value["command"], "graph");
    assert_eq!(value["moment"], "end");
    assert_eq!(
        value["nodes"][0],
        serde_json::json!({
            "name": "15000000.dsi", "bus": "platform", "dt_path": null,
            "sysfs_path": "/sys/devices/platform/soc/15000000.dsi", "driver": null,
            "module": null, "compatible": [], "state": "deferred", "iommu": false,
            "root": false, "focus": true, "label": "15000000.dsi"
        })
    );
    assert_eq!(value["nodes"][1]["dt_path"], "/soc/sysmmu@13620000");
    assert_eq!(value["nodes"][1]["compatible"][0], "samsung,exynos-sysmmu");
    assert_eq!(
        value["edges"],
        serde_json::json!([{
            "supplier": "13620000.sysmmu", "consumer": "15000000.dsi", "kind": "managed",
            "status": "dormant", "removed": false, "detail": null
        }])
    );
}

#[test]
fn tsort_pairs_follow_dev_needs_and_its_views() {
    let mut options = around("16000000.codec", Direction::Suppliers);
    assert_lines(
        &tsort::render(&view(options.clone())),
        "\
\"10000000.clock-controller\" \"16000000.codec\"
\"13620000.sysmmu\" \"16000000.codec\"
\"14000000.dma\" \"10000000.clock-controller\"
\"ROOT\" \"13620000.sysmmu\"
\"10000000.clock-controller\" \"14000000.dma\"
",
    );
    options.label = Label::Compatible;
    options.kinds = vec![LinkKind::Managed, LinkKind::DtIommu];
    assert_lines(
        &tsort::render(&view(options.clone())),
        "\
\"samsung,exynos-sysmmu\" \"samsung,mfc-v8 samsung,mfc\"
\"ROOT\" \"samsung,exynos-sysmmu\"
",
    );
    options.label = Label::Fwnode;
    let out = tsort::render(&view(options.clone()));
    assert!(out.contains("\"/sys/firmware/devicetree/base/soc/sysmmu@13620000\" \"/sys/firmware/devicetree/base/soc/codec@16000000\""), "{out}");
    options.label = Label::Driver;
    let out = tsort::render(&view(options.clone()));
    // No driver bound to the IOMMU: its name stands in, as dev-needs.sh prints the device.
    assert!(out.contains("\"13620000.sysmmu\" \"s5p-mfc\""), "{out}");
    options.label = Label::Module;
    let out = tsort::render(&view(options.clone()));
    assert!(out.contains("\"13620000.sysmmu\" \"s5p_mfc\""), "{out}");
    let weird = tsort::render(&view(around(WEIRD, Direction::Suppliers)));
    assert!(
        weird.contains("\"14000000.dma\" \"usb1-1:1.0\\\"x\\\\y\\\\x1b[31m\""),
        "{weird}"
    );
}

#[test]
fn parents_are_the_nearest_bound_ancestors() {
    let mut inputs = sample_inputs();
    let devices = inputs.snapshots[0].devices.as_mut().expect("devices");
    devices.push(DeviceEntry {
        sysfs_path: Some("/sys/devices/platform/soc/14000000.dma/dma0chan0/extra/child".into()),
        bus: None,
        ..entry("child", None, None)
    });
    let boot = Boot::from_inputs(inputs);
    let graph = SupplierGraph::new(&boot);
    let options = ViewOptions {
        focus: vec![boot.find("child").expect("child")],
        parents: true,
        label: Label::Path,
        ..ViewOptions::default()
    };
    let out = tsort::render(&build(&Analysis::new(&boot, &graph), &options));
    assert_lines(
        &out,
        "\
\"/sys/devices/platform/soc/14000000.dma\" \"/sys/devices/platform/soc/14000000.dma/dma0chan0/extra/child\"
\"/sys/devices/platform/soc/10000000.clock-controller\" \"/sys/devices/platform/soc/14000000.dma\"
\"/sys/devices/platform/soc/14000000.dma\" \"/sys/devices/platform/soc/10000000.clock-controller\"
",
    );
}

/// Runs `dot -Tsvg` on DOT text; `None` when Graphviz is not installed (outside CI).
pub(crate) fn render_svg(dot_text: &str) -> Option<String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: cannot run Graphviz `dot` ({err}); `apt-get install graphviz`");
            return None;
        }
        Err(err) => panic!("Graphviz `dot` is needed in CI: {err}"),
    };
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(dot_text.as_bytes())
        .expect("write to dot");
    let output = child.wait_with_output().expect("dot ran");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dot failed: {stderr}\n{dot_text}");
    assert!(stderr.trim().is_empty(), "dot warned: {stderr}\n{dot_text}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn dot_output_renders_with_graphviz() {
    let (boot, graph) = sample();
    for options in [ViewOptions::default(), around(WEIRD, Direction::Both)] {
        let view = build(&Analysis::new(&boot, &graph), &options);
        let Some(svg) = render_svg(&dot::render(&view)) else {
            return;
        };
        assert!(svg.contains("<svg"), "{svg}");
        // Every device is drawn with its name (as the terminal-safe text) in the SVG.
        let text = xml_text(&svg);
        for node in &view.nodes {
            assert!(
                text.contains(&escape_control(&node.name)),
                "{} missing from the SVG:\n{svg}",
                node.name
            );
        }
    }
}

/// The SVG with its character references decoded (Graphviz writes `-` as `&#45;`).
fn xml_text(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&after[..=end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}
