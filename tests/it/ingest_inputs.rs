//! Every non-log input of a boot, read from the real captures in `fixtures/`: each QEMU
//! scenario folder gathered as a whole, its sysfs mirrors against its text dumps, its device
//! tree against its `truth.json`, the public pastes against `MANIFEST.md`, and bad input.
//!
//! Scenario folders are iterated, never named: the facts checked come from each folder's own
//! files and `truth.json`.

use crate::support::corpus::{fixtures, qemu_scenarios as scenario_dirs};
use probescope::ingest::deferred::{parse_devices_deferred, DeferredEntry};
use probescope::ingest::devlink::{parse_dump, DevlinkRecord};
use probescope::ingest::discover::{
    gather, moment_label, moment_of_name, moment_order, recognise_named, InputSpec,
};
use probescope::ingest::dt::parse_fdt;
use probescope::ingest::listing::{
    parse_device_table, parse_iommu_class, parse_iommu_groups, parse_waiting_for_supplier, DeviceEntry,
};
use probescope::ingest::messages::{DeferReason, Deferral};
use probescope::ingest::sysfs::read_sysfs_root;
use probescope::ingest::{InputKind, Snapshot};
use probescope::model::SourceName;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Whether the capture's machine was described by ACPI rather than a device tree (its truth
/// says so; such a capture has no DT device nodes, and on arm64 at most the EFI stub's tree).
fn described_by_acpi(dir: &Path) -> bool {
    truth(dir)["summary"]["firmware"] == "acpi"
}

fn truth(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap()
}

fn hex(value: &serde_json::Value) -> u32 {
    let text = value.as_str().unwrap();
    u32::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
}

/// The text dumps of a scenario folder, found by content.
struct TextInputs(BTreeMap<(String, String), PathBuf>);

impl TextInputs {
    fn get(&self, moment: &str, kind: InputKind) -> Option<&PathBuf> {
        self.0.get(&(moment.to_string(), format!("{kind:?}")))
    }

    fn of_kind(&self, kind: InputKind) -> impl Iterator<Item = (&str, &PathBuf)> {
        let wanted = format!("{kind:?}");
        self.0
            .iter()
            .filter(move |((_, k), _)| *k == wanted)
            .map(|((moment, _), path)| (moment.as_str(), path))
    }
}

fn text_inputs(dir: &Path) -> TextInputs {
    let mut found = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let head: Vec<u8> = fs::read(&path).unwrap().into_iter().take(65536).collect();
        // Several copies of the kernel log are normal; the other kinds are one per moment.
        if let Some(kind) = recognise_named(&head, &name).filter(|k| *k != InputKind::KernelLog) {
            let moment = moment_label(moment_of_name(&name).as_deref());
            let previous = found.insert((moment, format!("{kind:?}")), path.clone());
            assert!(previous.is_none(), "two {kind:?} files for one moment in {dir:?}");
        }
    }
    TextInputs(found)
}

fn source(path: &Path) -> SourceName {
    path.display().to_string().into()
}

fn open(path: &Path) -> BufReader<fs::File> {
    BufReader::new(fs::File::open(path).unwrap())
}

type LinkKey = (
    String,
    (Option<String>, String, Option<String>),
    (Option<String>, String, Option<String>),
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<bool>,
);

fn link_keys(records: &[DevlinkRecord]) -> BTreeSet<LinkKey> {
    records
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                (
                    r.supplier.bus.clone(),
                    r.supplier.name.clone(),
                    r.supplier.sysfs_path.clone(),
                ),
                (
                    r.consumer.bus.clone(),
                    r.consumer.name.clone(),
                    r.consumer.sysfs_path.clone(),
                ),
                r.status.map(|s| s.as_str().to_string()),
                r.auto_remove_on.clone(),
                r.runtime_pm,
                r.sync_state_only,
            )
        })
        .collect()
}

type DeviceKey = (
    Option<String>,
    String,
    Option<String>,
    Option<u32>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn device_keys(devices: &[DeviceEntry], with_of_node: bool) -> BTreeSet<DeviceKey> {
    devices
        .iter()
        .map(|d| {
            (
                d.bus.clone(),
                d.name.clone(),
                d.driver.clone(),
                d.iommu_group,
                d.iommu.clone(),
                d.of_node.clone().filter(|_| with_of_node),
                d.sysfs_path.clone(),
            )
        })
        .collect()
}

fn deferred_keys(entries: &[DeferredEntry]) -> Vec<(String, Option<Deferral>)> {
    let mut keys: Vec<_> = entries
        .iter()
        .map(|e| (e.device.clone(), e.deferral.clone()))
        .collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    keys
}

#[test]
fn gathered_scenarios_have_ordered_snapshots_ending_in_the_final_state() {
    for dir in scenario_dirs() {
        let boot = gather(&InputSpec {
            paths: vec![dir.clone()],
            ..InputSpec::default()
        })
        .unwrap();
        let labels: Vec<&str> = boot.snapshots.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels.last(), Some(&"final"), "{dir:?}: {labels:?}");
        let mut sorted = labels.clone();
        sorted.sort_by_key(|l| moment_order(l));
        assert_eq!(labels, sorted, "{dir:?}");
        let truth_moments = truth(&dir)["moments"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>();
        for label in &labels {
            assert!(
                truth_moments.contains(*label),
                "{dir:?}: {label} not a moment of the run"
            );
        }
        // A device tree when the capture has one (an ACPI x86 machine has none); the ACPI
        // tables that describe the IOMMU when the capture has them.
        let has_fdt = dir.join("fdt.dtb").exists() || dir.join("sysfs/firmware/fdt").exists();
        assert_eq!(boot.device_tree.is_some(), has_fdt, "{dir:?}");
        if described_by_acpi(&dir) {
            assert!(!boot.acpi.tables.is_empty(), "{dir:?}");
        }
        if dir.join("acpi/VIOT").exists() || dir.join("acpi/IORT").exists() {
            assert!(!boot.acpi.routes.is_empty(), "{dir:?}: {:?}", boot.acpi);
        }
        assert!(boot.cmdline.is_some(), "{dir:?}");
        assert!(boot.modules.is_some(), "{dir:?}");
        assert!(boot.kernel_release.is_some(), "{dir:?}");
        // Only a file taken for a kernel log may fail to read (the log reader judges that).
        let failed_logs: BTreeSet<&str> = boot
            .inputs
            .iter()
            .filter(|i| i.note.as_deref() == Some("not readable as a kernel log"))
            .map(|i| i.path.as_str())
            .collect();
        let other_errors: Vec<_> = boot
            .errors
            .iter()
            .filter(|e| !failed_logs.contains(e.file.as_str()))
            .collect();
        assert!(other_errors.is_empty(), "{dir:?}: {other_errors:?}");

        // The final devlinks are what devlink-final.txt says.
        let inputs = text_inputs(&dir);
        let dump = inputs.get("final", InputKind::Devlink).unwrap();
        let (from_dump, errors) = parse_dump(&source(dump), open(dump));
        assert!(errors.is_empty());
        let final_links = boot.final_snapshot().unwrap().devlinks.as_ref().unwrap();
        assert_eq!(link_keys(final_links), link_keys(&from_dump), "{dir:?}");

        // Every IOMMU group a consumer joined is in the final snapshot's groups (from the
        // mirror, or from the listing when the run had none and the mirror could not show it).
        let groups = boot.final_snapshot().unwrap().iommu_groups.as_ref().unwrap();
        for consumer in truth(&dir)["consumers"].as_array().unwrap() {
            if let Some(group) = consumer["joined_iommu_group"]["group"].as_str() {
                let group: u32 = group.parse().unwrap();
                let device = consumer["device"].as_str().unwrap();
                let found = groups.iter().find(|g| g.group == group).unwrap();
                assert!(found.devices.iter().any(|d| d == device), "{dir:?} {device}");
            }
        }

        // Every moment that has a devices_deferred file has it in its snapshot.
        for (moment, path) in inputs.of_kind(InputKind::DevicesDeferred) {
            let snapshot: &Snapshot = boot.snapshots.iter().find(|s| s.label == moment).unwrap();
            let (entries, _) = parse_devices_deferred(&source(path), open(path));
            assert_eq!(
                deferred_keys(snapshot.deferred.as_ref().unwrap()),
                deferred_keys(&entries),
                "{path:?}"
            );
        }

        // Dumps of a part the sysfs tree of the same moment already gave are listed unused.
        for info in &boot.inputs {
            if info.kind == InputKind::Unused {
                if let Some(note) = &info.note {
                    assert!(!note.contains("not readable"), "{info:?}");
                }
            }
        }
    }
}

#[test]
fn sysfs_mirrors_agree_with_the_text_dumps_of_their_moment() {
    let mut compared = 0;
    for dir in scenario_dirs() {
        let inputs = text_inputs(&dir);
        for entry in fs::read_dir(&dir).unwrap() {
            let mirror = entry.unwrap().path();
            let name = mirror.file_name().unwrap().to_string_lossy().into_owned();
            if !mirror.is_dir() || !name.starts_with("sysfs") {
                continue;
            }
            let moment = moment_label(moment_of_name(&name).as_deref());
            let read = read_sysfs_root(&mirror, &mirror.display().to_string());
            assert!(read.errors.is_empty(), "{mirror:?}: {:?}", read.errors);
            let tree = &read.snapshot;
            let dump = |kind: InputKind| inputs.get(&moment, kind);

            if let Some(path) = dump(InputKind::Devlink) {
                let (records, _) = parse_dump(&source(path), open(path));
                // A mirror of a moment without device links has no class/devlink to read.
                let from_tree = tree.devlinks.as_deref().unwrap_or_default();
                assert_eq!(
                    link_keys(from_tree),
                    link_keys(&records),
                    "{mirror:?} vs {path:?}"
                );
                compared += 1;
            }
            if let Some(path) = dump(InputKind::DeviceTable) {
                let (devices, errors) = parse_device_table(&source(path), open(path));
                assert!(errors.is_empty());
                // Only the full mirror kept the of_node links.
                let with_of_node = mirror.join("firmware").is_dir();
                assert_eq!(
                    device_keys(tree.devices.as_ref().unwrap(), with_of_node),
                    device_keys(&devices, with_of_node),
                    "{mirror:?} vs {path:?}"
                );
                compared += 1;
            }
            if let Some(path) = dump(InputKind::DevicesDeferred) {
                let (entries, _) = parse_devices_deferred(&source(path), open(path));
                assert_eq!(
                    deferred_keys(tree.deferred.as_ref().unwrap()),
                    deferred_keys(&entries),
                    "{mirror:?} vs {path:?}"
                );
                compared += 1;
            }
            if let Some(path) = dump(InputKind::WaitingForSupplier) {
                let (entries, errors) = parse_waiting_for_supplier(&source(path), open(path));
                assert!(errors.is_empty());
                let keys = |list: &[probescope::ingest::listing::WaitingForSupplier]| {
                    list.iter()
                        .map(|w| (w.sysfs_path.clone(), w.device.clone(), w.waiting))
                        .collect::<BTreeSet<_>>()
                };
                assert_eq!(
                    keys(tree.waiting_for_supplier.as_ref().unwrap()),
                    keys(&entries),
                    "{mirror:?} vs {path:?}"
                );
                compared += 1;
            }
            if let (Some(path), Some(groups)) = (dump(InputKind::IommuGroups), &tree.iommu_groups) {
                let (from_dump, _) = parse_iommu_groups(&source(path), open(path));
                let keys = |list: &[probescope::ingest::listing::IommuGroup]| {
                    list.iter()
                        .map(|g| (g.group, g.domain_type.clone(), g.devices.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(keys(groups), keys(&from_dump), "{mirror:?} vs {path:?}");
                compared += 1;
            }
            if let (Some(path), Some(instances)) = (dump(InputKind::IommuClass), &tree.iommu_instances) {
                let (from_dump, _) = parse_iommu_class(&source(path), open(path));
                let keys = |list: &[probescope::ingest::listing::IommuInstance]| {
                    list.iter()
                        .map(|i| {
                            let mut devices = i.devices.clone();
                            devices.sort();
                            (i.name.clone(), i.parent_device.clone(), devices)
                        })
                        .collect::<BTreeSet<_>>()
                };
                assert_eq!(keys(instances), keys(&from_dump), "{mirror:?} vs {path:?}");
                compared += 1;
            }
        }
    }
    assert!(compared > 40, "only {compared} comparisons made");
}

#[test]
fn device_tree_names_and_iommu_routes_match_truth() {
    // ACPI machines name no IOMMU in a device tree (their routes are checked from the ACPI
    // tables by `ingest::acpi`'s tests and by the gathering test above).
    for dir in scenario_dirs().into_iter().filter(|d| !described_by_acpi(d)) {
        let t = truth(&dir);
        let blob = fs::read(dir.join("fdt.dtb")).unwrap();
        let (tree, problems) = parse_fdt(&source(&dir.join("fdt.dtb")), &blob).unwrap();
        assert!(problems.is_empty(), "{dir:?}: {problems:?}");
        let node = |path: &str| {
            let id = tree
                .by_path(path)
                .unwrap_or_else(|| panic!("{dir:?}: no node {path}"));
            (id, tree.node(id))
        };

        for iommu in t["iommus"].as_array().unwrap() {
            let (_, n) = node(iommu["dt_node"].as_str().unwrap());
            assert_eq!(n.device_name.as_deref(), iommu["device"].as_str(), "{dir:?}");
            assert!(n.iommu_cells.is_some());
        }
        for consumer in t["consumers"].as_array().unwrap() {
            let (_, host) = node(consumer["dt_node"].as_str().unwrap());
            let (iommu, _) = node(consumer["iommu_dt_node"].as_str().unwrap());
            match consumer["via"].as_str().unwrap() {
                "iommu-map" => {
                    let rid = hex(&consumer["rid"]);
                    let stream = hex(&consumer["stream_id"]);
                    assert_eq!(
                        host.map_requester_id(rid),
                        Some((iommu, stream)),
                        "{dir:?} {rid:#x}"
                    );
                    assert!(host.iommu_map.iter().any(|e| e.map(rid) == Some(stream)));
                }
                "iommus" => {
                    assert!(host.iommus.iter().any(|s| s.iommu == iommu), "{dir:?}");
                    assert_eq!(host.device_name.as_deref(), consumer["device"].as_str());
                }
                other => panic!("unknown route {other}"),
            }
        }

        // Every platform/AMBA device of the final device table with an of_node has the name
        // the tree gives that node.
        let inputs = text_inputs(&dir);
        let table = inputs.get("final", InputKind::DeviceTable).unwrap();
        let (devices, _) = parse_device_table(&source(table), open(table));
        let mut checked = 0;
        for device in devices {
            let (Some(bus), Some(of_node)) = (&device.bus, &device.of_node) else {
                continue;
            };
            if bus != "platform" && bus != "amba" {
                continue;
            }
            let (_, n) = node(of_node);
            assert_eq!(n.device_name.as_deref(), Some(device.name.as_str()), "{dir:?}");
            checked += 1;
        }
        assert!(checked > 10, "{dir:?}: {checked}");
    }
}

/// The lines after a `cat .../devices_deferred` command in a mail, quote marks removed, up
/// to the first blank line.
fn pasted_blocks(text: &str) -> Vec<String> {
    let unquote = |line: &str| -> String {
        let mut rest = line;
        while let Some(stripped) = rest.strip_prefix('>') {
            rest = stripped.strip_prefix(' ').unwrap_or(stripped);
        }
        rest.to_string()
    };
    let lines: Vec<String> = text.lines().map(unquote).collect();
    let mut blocks = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if line.contains("cat ") && line.contains("debug/devices_deferred") {
            let block: Vec<&str> = lines[at + 1..]
                .iter()
                .take_while(|l| !l.trim().is_empty())
                .map(String::as_str)
                .collect();
            blocks.push(block.join("\n") + "\n");
        }
    }
    blocks
}

fn public(name: &str) -> String {
    fs::read_to_string(fixtures().join("public").join(name)).unwrap()
}

fn parse_block(block: &str) -> Vec<DeferredEntry> {
    let (entries, errors) = parse_devices_deferred(&"paste".into(), block.as_bytes());
    assert!(errors.is_empty());
    entries
}

fn supplier_not_ready(entry: &DeferredEntry) -> Option<&str> {
    match &entry.deferral.as_ref()?.reason {
        DeferReason::SupplierNotReady { supplier } => Some(supplier),
        _ => None,
    }
}

#[test]
fn exynos4_mangled_paste_gives_the_manifest_chains() {
    let blocks = pasted_blocks(&public(
        "exynos4-fw_devlink-on-devices_deferred-sysmmu-power-domain.txt",
    ));
    assert_eq!(blocks.len(), 1);
    let entries = parse_block(&blocks[0]);
    assert_eq!(entries.len(), 20);
    let sound = entries.iter().find(|e| e.device == "sound").unwrap();
    assert_eq!(sound.deferral.as_ref().unwrap().reason, DeferReason::Empty);
    let expected: &[(&str, &[&str])] = &[
        ("10023c40.power-domain", &["13620000.sysmmu", "13630000.sysmmu"]),
        (
            "10023c20.power-domain",
            &["12e20000.sysmmu", "12d00000.hdmi", "12c10000.mixer"],
        ),
        (
            "10023c00.power-domain",
            &[
                "11a20000.sysmmu",
                "11a30000.sysmmu",
                "11a40000.sysmmu",
                "11a50000.sysmmu",
                "11a60000.sysmmu",
            ],
        ),
        ("10023c80.power-domain", &["11e20000.sysmmu"]),
        ("10023c60.power-domain", &["13000000.gpu"]),
        ("10023ca0.power-domain", &["10048000.clock-controller"]),
        (
            "10048000.clock-controller",
            &[
                "12260000.sysmmu",
                "12270000.sysmmu",
                "122a0000.sysmmu",
                "122b0000.sysmmu",
                "123b0000.sysmmu",
                "123c0000.sysmmu",
            ],
        ),
    ];
    let mut pairs = 0;
    for (supplier, consumers) in expected {
        for consumer in *consumers {
            let entry = entries.iter().find(|e| e.device == *consumer).unwrap();
            assert_eq!(supplier_not_ready(entry), Some(*supplier), "{consumer}");
            assert_eq!(
                entry.deferral.as_ref().unwrap().recorded_by.as_deref(),
                Some("platform")
            );
            pairs += 1;
        }
    }
    assert_eq!(pairs, 19);
}

#[test]
fn one_column_and_hand_formatted_pastes() {
    let juno = pasted_blocks(&public("juno-r1-devices_deferred-iommu-itself-deferred.txt"));
    let entries = parse_block(&juno[0]);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].device, "2b600000.iommu");
    assert_eq!(entries[0].deferral, None);

    let renesas = pasted_blocks(&public(
        "renesas-multiboard-fw_devlink-devices_deferred-wait-for-supplier.txt",
    ));
    let counts: Vec<usize> = renesas.iter().map(|b| parse_block(b).len()).collect();
    assert_eq!(counts, [4, 7, 2, 3, 1, 1]);
    let armadillo = parse_block(&renesas[1]);
    let rtc = armadillo.iter().find(|e| e.device == "0-0030").unwrap();
    assert_eq!(
        rtc.deferral,
        Some(Deferral {
            recorded_by: Some("i2c".into()),
            reason: DeferReason::WaitForSupplier { fwnode: "rtc".into() }
        })
    );
    let sound = armadillo.iter().find(|e| e.device == "sound").unwrap();
    assert_eq!(
        sound.deferral,
        Some(Deferral {
            recorded_by: Some("asoc-simple-card".into()),
            reason: DeferReason::Text("parse error".into())
        })
    );
    let koelsch = parse_block(&renesas[3]);
    let display = koelsch.iter().find(|e| e.device == "feb00000.display").unwrap();
    assert_eq!(
        display.deferral.as_ref().unwrap().recorded_by.as_deref(),
        Some("rcar-du")
    );

    let ulcb = pasted_blocks(&public(
        "rcar-h3-ulcb-kf-fw_devlink-strict-devices_deferred-missing-regulator-driver.txt",
    ));
    let entries = parse_block(&ulcb[0]);
    assert_eq!(entries.len(), 2);
    assert_eq!(supplier_not_ready(&entries[0]), Some("regulator-snd_vcc5v"));
    assert_eq!(entries[0].device, "16-0044");
    assert_eq!(
        entries[1].deferral.as_ref().unwrap().recorded_by.as_deref(),
        Some("asoc-audio-graph-card")
    );

    let overlay = pasted_blocks(&public(
        "rcar-gen3-dt-overlay-fwnode-links-and-class-devlink-listing-diff.txt",
    ));
    let entries = parse_block(&overlay[0]);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].device, "e6e90000.spi");
    assert_eq!(
        entries[0].deferral.as_ref().unwrap().reason,
        DeferReason::WaitForSupplier {
            fwnode: "msiof0".into()
        }
    );
}

#[test]
fn devlink_listings_name_the_manifest_links() {
    let names = |file: &str| {
        let text = public(file);
        let (records, errors) = parse_dump(&file.into(), text.as_bytes());
        assert!(errors.is_empty());
        records
            .into_iter()
            .map(|r| {
                (
                    r.name,
                    r.supplier.bus,
                    r.supplier.name,
                    r.consumer.bus,
                    r.consumer.name,
                )
            })
            .collect::<BTreeSet<_>>()
    };
    let diff = names("rcar-gen3-dt-overlay-fwnode-links-and-class-devlink-listing-diff.txt");
    let expected_diff: BTreeSet<&str> = [
        "platform:e6055000.gpio--platform:e6e90000.spi",
        "platform:e6060000.pinctrl--platform:e6e90000.spi",
        "platform:e6150000.clock-controller--platform:e6e90000.spi",
        "platform:e6060000.pinctrl--platform:keys",
        "platform:soc--platform:e6e90000.spi",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        diff.iter().map(|r| r.0.as_str()).collect::<BTreeSet<_>>(),
        expected_diff
    );
    assert!(diff.contains(&(
        "platform:soc--platform:e6e90000.spi".to_string(),
        Some("platform".to_string()),
        "soc".to_string(),
        Some("platform".to_string()),
        "e6e90000.spi".to_string()
    )));

    let genpd = names("rcar-gen3-dt-overlay-class-devlink-genpd_provider-supplier-listing.txt");
    assert_eq!(genpd.len(), 6);
    assert!(genpd.contains(&(
        "genpd_provider:ca53-cpu0--platform:e6e90000.spi".to_string(),
        Some("genpd_provider".to_string()),
        "ca53-cpu0".to_string(),
        Some("platform".to_string()),
        "e6e90000.spi".to_string()
    )));
    assert!(genpd
        .iter()
        .any(|r| r.0 == "platform:e6060000.pinctrl--platform:keys"));
}

fn temp_capture() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn bad_inputs_give_errors_not_panics() {
    let scenario = &scenario_dirs()[0];
    let blob = fs::read(scenario.join("fdt.dtb")).unwrap();

    // An empty directory is a usage error naming it and what was expected.
    let empty = temp_capture();
    let error = gather(&InputSpec {
        paths: vec![empty.path().to_path_buf()],
        ..InputSpec::default()
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains(&empty.path().display().to_string()), "{error}");
    assert!(
        error.contains("kernel log, devlink dump, devices_deferred") && error.contains("device tree"),
        "{error}"
    );

    // A path that does not exist.
    assert!(gather(&InputSpec {
        paths: vec![empty.path().join("nothing-here")],
        ..InputSpec::default()
    })
    .is_err());

    // A truncated DTB: the error names the byte offset; the rest of the folder is used.
    let capture = temp_capture();
    fs::write(capture.path().join("fdt.dtb"), &blob[..blob.len() / 2]).unwrap();
    fs::write(
        capture.path().join("devlink.txt"),
        "/sys/class/devlink/platform:a--platform:b/status:active\n\
         /sys/class/devlink/platform:c--platform:d/status:resting\n\
         /sys/class/devlink/platform:c--platform:d/runtime_pm:1\n",
    )
    .unwrap();
    let boot = gather(&InputSpec {
        paths: vec![capture.path().to_path_buf()],
        ..InputSpec::default()
    })
    .unwrap();
    let messages: Vec<String> = boot.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("fdt.dtb") && m.contains("byte offset")),
        "{messages:?}"
    );
    let status_error = messages
        .iter()
        .find(|m| m.contains("devlink.txt:2: expected a devlink status"))
        .unwrap_or_else(|| panic!("{messages:?}"));
    assert!(status_error.contains("resting"));
    let links = boot.final_snapshot().unwrap().devlinks.as_ref().unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(links[1].runtime_pm, Some(true));

    // Random bytes named as a DTB.
    let random = temp_capture();
    let mut state: u32 = 0x1234_5678;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    fs::write(random.path().join("noise.dtb"), &noise).unwrap();
    let boot = gather(&InputSpec {
        dtb: Some(random.path().join("noise.dtb")),
        ..InputSpec::default()
    })
    .unwrap();
    assert!(boot.device_tree.is_none());
    assert!(boot.errors[0].to_string().contains("magic d00dfeed"));
    assert!(boot.is_empty());

    // An unreadable file: a corrupt gzip stream named as a devlink dump, and a dangling
    // symlink in a capture folder.
    let broken = temp_capture();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(
        &mut gz,
        "/sys/class/devlink/platform:a--platform:b/status:active\n"
            .repeat(2000)
            .as_bytes(),
    )
    .unwrap();
    let mut packed = gz.finish().unwrap();
    let cut = packed.len() / 2;
    packed.truncate(cut);
    fs::write(broken.path().join("devlink.txt.gz"), &packed).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", broken.path().join("dangling.txt")).unwrap();
    let boot = gather(&InputSpec {
        devlink: vec![broken.path().join("devlink.txt.gz")],
        ..InputSpec::default()
    })
    .unwrap();
    assert!(!boot.errors.is_empty());
    assert!(
        boot.errors[0].to_string().contains("devlink.txt.gz"),
        "{:?}",
        boot.errors
    );
    assert_eq!(
        boot.final_snapshot().unwrap().devlinks.as_ref().map(Vec::len),
        Some(1)
    );
    let result = gather(&InputSpec {
        paths: vec![broken.path().to_path_buf()],
        ..InputSpec::default()
    });
    // The folder holds a damaged dump and a dangling link: both reported, no panic.
    let boot = result.unwrap();
    let files: Vec<String> = boot.errors.iter().map(|e| e.file.clone()).collect();
    assert!(files.iter().any(|f| f.ends_with("devlink.txt.gz")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("dangling.txt")), "{files:?}");
}

/// Copies `from` to `to`, turning every symlink into a file holding its target (what a git
/// checkout with core.symlinks=false does).
fn copy_flattened(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            let link = fs::read_link(entry.path()).unwrap();
            fs::write(&target, link.to_string_lossy().as_bytes()).unwrap();
        } else if kind.is_dir() {
            copy_flattened(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_flattened_checkout_of_a_mirror_reads_the_same() {
    // One scenario per capture set keeps the copying cheap.
    let mut seen_sets = BTreeSet::new();
    for dir in scenario_dirs() {
        if !seen_sets.insert(dir.parent().unwrap().to_path_buf()) {
            continue;
        }
        let mirror = dir.join("sysfs");
        let original = read_sysfs_root(&mirror, "m");
        let flat = tempfile::tempdir().unwrap();
        copy_flattened(&mirror, flat.path());
        let copy = read_sysfs_root(flat.path(), "m");
        assert!(copy.errors.is_empty(), "{:?}", copy.errors);
        if !described_by_acpi(&dir) {
            // fw_devlink makes device links only from a device tree.
            assert!(original.snapshot.devlinks.as_ref().is_some_and(|l| !l.is_empty()));
        }
        assert_eq!(original.snapshot, copy.snapshot, "{dir:?}");
        assert_eq!(original.device_tree, copy.device_tree, "{dir:?}");
    }
}

#[test]
fn the_live_system_is_read() {
    // What `check` reads with no input named, except the kernel log (the log reader's part).
    let existing = |path: &str| Some(PathBuf::from(path)).filter(|p| p.exists());
    let spec = InputSpec {
        paths: existing("/proc/sys/kernel/osrelease").into_iter().collect(),
        sysfs_root: existing("/sys"),
        dtb: existing("/sys/firmware/fdt"),
        cmdline: existing("/proc/cmdline"),
        modules: existing("/proc/modules"),
        kconfig: existing("/proc/config.gz"),
        ..InputSpec::default()
    };
    if spec.sysfs_root.is_none() {
        return;
    }
    let boot = gather(&spec).unwrap();
    assert!(boot.errors.is_empty(), "{:?}", boot.errors);
    let snapshot = boot.final_snapshot().unwrap();
    assert!(!snapshot.devices.as_ref().unwrap().is_empty());
    assert!(!boot.notes.is_empty());
}

#[test]
fn one_kernel_log_is_kept_per_boot() {
    for dir in scenario_dirs() {
        let boot = gather(&InputSpec {
            paths: vec![dir.clone()],
            ..InputSpec::default()
        })
        .unwrap();
        let log = boot.log.as_ref().expect("a kernel log");
        assert_eq!(log.format, probescope::ingest::log::LogFormat::Kmsg, "{dir:?}");
        let logs = boot
            .inputs
            .iter()
            .filter(|i| i.kind == InputKind::KernelLog)
            .count();
        assert_eq!(logs, 1);
        let unused_logs = boot
            .inputs
            .iter()
            .filter(|i| {
                i.note
                    .as_deref()
                    .is_some_and(|n| n.contains("copy of the boot's kernel log"))
            })
            .count();
        assert!(unused_logs >= 2, "{dir:?}");
    }
}

#[test]
fn the_devicetree_directory_form_names_nodes_like_the_blob() {
    for dir in scenario_dirs() {
        let base = dir.join("sysfs/firmware/devicetree/base");
        if !base.is_dir() {
            // An ACPI machine (the EFI stub's tree, if any, is in firmware/fdt only).
            assert!(described_by_acpi(&dir), "{dir:?}");
            continue;
        }
        if !base.join("#address-cells").exists() {
            // Some capture sets mirror only the nodes that of_node links point to, without the
            // root's properties: reg cannot be read as the kernel reads it there.
            continue;
        }
        let boot = gather(&InputSpec {
            dtb: Some(base.clone()),
            ..InputSpec::default()
        })
        .unwrap();
        let from_dir = boot.device_tree.as_ref().unwrap();
        let blob = fs::read(dir.join("fdt.dtb")).unwrap();
        let (from_blob, _) = parse_fdt(&source(&dir.join("fdt.dtb")), &blob).unwrap();
        let mut compared = 0;
        for node in &from_dir.nodes {
            let twin = from_blob.node(from_blob.by_path(&node.path).unwrap());
            assert_eq!(node.device_name, twin.device_name, "{dir:?} {}", node.path);
            assert_eq!(node.reg_address, twin.reg_address, "{dir:?} {}", node.path);
            if !twin.iommu_map.is_empty() {
                let paths = |t: &probescope::ingest::dt::DeviceTree, n: &probescope::ingest::dt::DtNode| {
                    n.iommu_map
                        .iter()
                        .map(|e| (e.rid_base, t.node(e.iommu).path.clone(), e.iommu_base, e.length))
                        .collect::<Vec<_>>()
                };
                assert_eq!(paths(from_dir, node), paths(&from_blob, twin), "{dir:?}");
            }
            compared += 1;
        }
        assert!(compared > 10, "{dir:?}");
    }
}

/// Each byte read once: in a folder holding the same log twice and a log saved earlier in the
/// same boot (all of it at the start of the later one), only one copy is parsed; the others
/// are listed as unused, saying why, and the boot reads as the one copy alone does.
#[test]
fn copies_of_the_log_held_whole_in_another_are_not_parsed() {
    let dir = scenario_dirs().into_iter().next().expect("a QEMU scenario");
    let alone = gather(&InputSpec {
        paths: vec![dir.clone()],
        ..InputSpec::default()
    })
    .unwrap();
    let used = alone.log.as_ref().expect("the scenario's log").source.to_string();
    let bytes = fs::read(&used).unwrap();
    let half = bytes[..bytes.len() / 2]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let copies = tempfile::tempdir().unwrap();
    fs::write(copies.path().join("a-log.txt"), &bytes).unwrap();
    fs::write(copies.path().join("b-log-again.txt"), &bytes).unwrap();
    fs::write(copies.path().join("c-log-earlier.txt"), &bytes[..half]).unwrap();
    let boot = gather(&InputSpec {
        paths: vec![copies.path().to_path_buf()],
        ..InputSpec::default()
    })
    .unwrap();
    let log = boot.log.as_ref().unwrap();
    assert!(log.source.to_string().ends_with("a-log.txt"), "{}", log.source);
    assert_eq!(log.records, alone.log.as_ref().unwrap().records);
    assert_eq!(log.events.len(), alone.log.as_ref().unwrap().events.len());
    let note_of = |name: &str| {
        let info = boot.inputs.iter().find(|i| i.path.ends_with(name)).unwrap();
        assert_eq!(info.kind, InputKind::Unused, "{info:?}");
        info.note.clone().unwrap()
    };
    let a = copies.path().join("a-log.txt").display().to_string();
    assert!(note_of("b-log-again.txt").contains(&format!("not read: the same bytes as {a}")));
    assert!(note_of("c-log-earlier.txt").contains(&format!("not read: all of it is at the start of {a}")));
    assert!(note_of("c-log-earlier.txt").contains(&format!("; {a} used")));
}
