//! `probescope plan` end to end on the QEMU corpus: on every capture where consumers probed
//! before their IOMMU (truth.json `probed_before_iommu`), the plan names the IOMMU's module last
//! in each consumer's load order, after what the IOMMU itself needs, and `plan --check` clears
//! the race findings; where nothing raced (built-in, early-load, ACPI captures) it plans
//! nothing; the tool formats carry the same modules. Also the module-table parsers.

use assert_cmd::Command;
use probescope::ingest::modules::{parse_alias, parse_builtin, parse_dep};
use probescope::model::modules::{glob_matches, ModuleTables};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/qemu")
        .join(name)
}

fn probescope() -> Command {
    Command::cargo_bin("probescope").expect("binary built")
}

/// The consumers the kernel let probe before their IOMMU, as truth.json records them.
fn raced_consumers(dir: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir.join("truth.json")).expect("truth.json");
    let truth: Value = serde_json::from_str(&text).expect("JSON");
    let list: Vec<(String, Value)> = match &truth["consumers"] {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Value::Array(items) => items
            .iter()
            .map(|v| (v["device"].as_str().unwrap_or_default().to_string(), v.clone()))
            .collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .filter(|(_, v)| v["probed_before_iommu"] == Value::Bool(true))
        .map(|(name, _)| name)
        .collect()
}

fn plan_json(dir: &Path, extra: &[&str]) -> (Value, i32) {
    let output = probescope()
        .arg("plan")
        .arg(dir)
        .args(extra)
        .arg("--format=json")
        .output()
        .expect("runs");
    crate::support::schema::valid_output("plan", &output)
}

fn plan_text(dir: &Path, format: &str) -> String {
    let output = probescope()
        .arg("plan")
        .arg(dir)
        .arg(format!("--format={format}"))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The IOMMU driver's module of each set, as fixtures/qemu/README.md records it.
const LATE: &[(&str, &str)] = &[
    ("smmuv3-6.1/S2-smmu-late", "arm_smmu_v3_mod"),
    ("smmuv3-6.1/S3-strict-late", "arm_smmu_v3_mod"),
    ("smmuv3-6.1/S5-verbose-late", "arm_smmu_v3_mod"),
    ("smmuv3-6.1/S9-strict-verbose-late", "arm_smmu_v3_mod"),
    ("exynos-6.12/E2-exynos-late", "exynos_iommu"),
    ("virtio-iommu-arm64-6.12/V2-viommu-late", "virtio_iommu"),
    ("virtio-iommu-arm64-6.12/V4-verbose-late", "virtio_iommu"),
    ("virtio-iommu-arm64-6.12/V6-strict-late", "virtio_iommu"),
];

#[test]
fn on_late_load_captures_the_iommu_module_comes_after_its_suppliers_and_before_the_consumers() {
    for (name, module) in LATE {
        let dir = scenario(name);
        let expected = raced_consumers(&dir);
        assert!(!expected.is_empty(), "{name}: truth.json has raced consumers");
        let (plan, code) = plan_json(&dir, &[]);
        assert_eq!(code, 0, "{name}");
        let consumers: BTreeSet<String> = plan["consumers"]
            .as_array()
            .expect("consumers")
            .iter()
            .map(|c| c["device"].as_str().expect("device").to_string())
            .collect();
        assert_eq!(
            consumers, expected,
            "{name}: the consumers the kernel let go first"
        );
        for consumer in plan["consumers"].as_array().expect("consumers") {
            assert_eq!(consumer["trouble"], "probed-before", "{name}");
            let needs = consumer["needs"].as_array().expect("needs");
            let last = needs.last().expect("at least the IOMMU");
            assert_eq!(last["role"], "iommu", "{name}: the IOMMU last: {needs:?}");
            assert_eq!(last["provider"]["provision"], "module", "{name}");
            assert_eq!(last["provider"]["module"], *module, "{name}");
            assert!(!last["provider"]["evidence"]
                .as_array()
                .expect("evidence")
                .is_empty());
            // Everything else it needs is a supplier, parent or host of the IOMMU, before it.
            for need in &needs[..needs.len() - 1] {
                assert_ne!(need["role"], "iommu", "{name}: {need}");
            }
        }
        let order: Vec<&str> = plan["load_order"]
            .as_array()
            .expect("load_order")
            .iter()
            .map(|m| m["module"].as_str().expect("module"))
            .collect();
        assert_eq!(order.last(), Some(module), "{name}: {order:?}");
    }
}

#[test]
fn the_virtio_iommu_needs_its_pci_function_and_host_bridge_first() {
    let (plan, _) = plan_json(&scenario("virtio-iommu-arm64-6.12/V2-viommu-late"), &[]);
    let needs: Vec<(String, String)> = plan["consumers"][0]["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .map(|n| {
            (
                n["device"].as_str().expect("device").to_string(),
                n["role"].as_str().expect("role").to_string(),
            )
        })
        .collect();
    let position = |device: &str| needs.iter().position(|(d, _)| d == device);
    // virtio0 (driver virtio_iommu) is created by virtio-pci's probe of 0000:00:02.0, below the
    // host bridge: each must come before the next.
    let (bridge, function, iommu) = (
        position("4010000000.pcie").expect("the host bridge"),
        position("0000:00:02.0").expect("the PCI function"),
        position("virtio0").expect("the virtio device"),
    );
    assert!(bridge < function && function < iommu, "{needs:?}");
    assert_eq!(needs[function].1, "iommu-host");
    // The capture names no module for pci-host-generic or virtio-pci: unknown, not guessed.
    let unknown: Vec<&str> = plan["unknown"]
        .as_array()
        .expect("unknown")
        .iter()
        .map(|n| n["device"].as_str().expect("device"))
        .collect();
    assert_eq!(unknown, ["4010000000.pcie", "0000:00:02.0"]);
}

#[test]
fn plan_check_clears_the_race_findings() {
    for (name, _) in LATE {
        let (plan, code) = plan_json(&scenario(name), &["--check"]);
        let check = &plan["check"];
        let codes = |key: &str| -> Vec<(String, String)> {
            check[key]
                .as_array()
                .expect("list")
                .iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or_default().to_string(),
                        f["subject"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        };
        let cleared = codes("cleared");
        assert!(cleared.iter().any(|(c, _)| c == "PS101"), "{name}: {cleared:?}");
        let race = |(code, _): &(String, String)| matches!(code.as_str(), "PS101" | "PS102" | "PS103");
        assert!(
            !codes("remaining").iter().any(race),
            "{name}: {:?}",
            codes("remaining")
        );
        assert!(
            !codes("introduced").iter().any(race),
            "{name}: {:?}",
            codes("introduced")
        );
        assert!(!check["edits"].as_array().expect("edits").is_empty());
        assert_eq!(code, 0, "{name}");
    }
}

#[test]
fn where_nothing_raced_nothing_is_planned() {
    for name in [
        "smmuv3-6.1/S0-builtin-stock",
        "smmuv3-6.1/S1-smmu-early",
        "smmuv3-6.1/S7-notimeout-late",
        "exynos-6.12/E1-exynos-early",
        "virtio-iommu-arm64-6.12/V1-viommu-early",
        "virtio-iommu-q35-6.12/Q2-viommu-late",
        "virtio-iommu-viot-arm64-6.12/A2-viommu-late",
        "intel-iommu-q35-6.12/I1-builtin",
        "smmuv3-iort-arm64-6.12/A1-smmuv3-builtin",
    ] {
        let dir = scenario(name);
        assert!(raced_consumers(&dir).is_empty(), "{name}: truth.json has no race");
        let (plan, code) = plan_json(&dir, &["--check"]);
        assert_eq!(code, 0, "{name}");
        for key in ["consumers", "load_order", "settings"] {
            assert_eq!(plan[key], Value::Array(Vec::new()), "{name}: {key}");
        }
        assert_eq!(plan["check"]["cleared"], Value::Array(Vec::new()), "{name}");
        let lines = plan_text(&dir, "initramfs-tools");
        assert!(lines.lines().all(|l| l.starts_with('#')), "{name}: {lines}");
        assert_eq!(plan_text(&dir, "cmdline"), "", "{name}");
    }
}

#[test]
fn an_iommu_that_never_bound_has_no_module_to_plan_and_check_says_the_race_remains() {
    let (plan, code) = plan_json(&scenario("smmuv3-6.1/S4-smmu-never"), &["--check"]);
    assert_eq!(plan["consumers"].as_array().expect("consumers").len(), 4);
    assert_eq!(plan["consumers"][0]["trouble"], "without-iommu");
    assert_eq!(plan["load_order"], Value::Array(Vec::new()));
    assert_eq!(plan["unknown"][0]["device"], "9050000.smmuv3");
    assert_eq!(plan["unknown"][0]["provider"]["provision"], "unknown");
    assert_eq!(plan["check"]["cleared"], Value::Array(Vec::new()));
    assert_eq!(code, 1, "a race finding remains");
}

#[test]
fn the_tool_formats_carry_the_plan() {
    let dir = scenario("smmuv3-6.1/S2-smmu-late");
    let modules: Vec<String> = plan_text(&dir, "initramfs-tools")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    assert_eq!(modules, ["arm_smmu_v3_mod"]);
    assert!(plan_text(&dir, "dracut").contains("\nforce_drivers+=\" arm_smmu_v3_mod \"\n"));
    let modprobe = plan_text(&dir, "modprobe");
    assert!(
        modprobe.contains("\nsoftdep virtio_pci pre: arm_smmu_v3_mod\n"),
        "{modprobe}"
    );
    // pcieport's module is not in the capture: said, not guessed.
    assert!(
        modprobe.contains("0000:00:05.0's driver (pcieport) comes from a module the capture does not name")
    );
    // The SMMU registered at 12.527461 s (kmsg), the 5 s timeout fired at 6.972297 s: the timer
    // started at 1.972297 s, so 10.56 s were needed; 2 s of margin, rounded up.
    assert_eq!(plan_text(&dir, "cmdline"), "deferred_probe_timeout=13\n");
    let text = plan_text(&dir, "text");
    assert!(
        text.contains("1. module arm_smmu_v3_mod: 9050000.smmuv3 (driver arm-smmu-v3)"),
        "{text}"
    );
    assert!(
        text.contains("fw_devlink.strict=1 (9050000.smmuv3): would not have prevented it"),
        "{text}"
    );
}

#[test]
fn for_limits_the_plan_and_a_bad_modules_dir_is_a_usage_error() {
    let dir = scenario("smmuv3-6.1/S2-smmu-late");
    let (plan, _) = plan_json(&dir, &["--for", "0000:00:03.0"]);
    assert_eq!(plan["consumers"].as_array().expect("consumers").len(), 1);
    let empty = tempfile::tempdir().expect("temp dir");
    probescope()
        .arg("plan")
        .arg(&dir)
        .arg("--modules-dir")
        .arg(empty.path())
        .assert()
        .code(2);
}

#[test]
fn module_tables_are_read_as_depmod_writes_them_and_aliases_match_as_fnmatch() {
    let source: std::sync::Arc<str> = "modules.dep".into();
    let mut tables = ModuleTables::default();
    parse_dep(
        &source,
        "kernel/drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.ko.xz:\n\
         kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz kernel/net/core/failover.ko.xz\n\
         garbage line\n",
        &mut tables,
    );
    assert_eq!(tables.deps["arm_smmu_v3"].0, Vec::<String>::new());
    assert_eq!(tables.deps["virtio_net"].0, ["net_failover", "failover"]);
    assert_eq!(tables.deps["virtio_net"].1.line, 2);
    parse_alias(
        &source,
        "# Aliases extracted from modules themselves.\nalias of:N*T*Carm,smmu-v3C* arm_smmu_v3\nalias of:N*T*Carm,smmu-v3 arm_smmu_v3\n",
        &mut tables,
    );
    // One compatible: only the exact form; another after it: only the `C*` form.
    assert_eq!(tables.matching("of:Nsmmuv3TCarm,smmu-v3").len(), 1);
    assert_eq!(tables.matching("of:Nsmmuv3TCarm,smmu-v3Cvendor,other").len(), 1);
    parse_builtin(&source, "kernel/drivers/iommu/exynos-iommu.ko\n\n", &mut tables);
    assert!(tables.builtin.contains_key("exynos_iommu"));
    assert!(glob_matches("of:N*T*Carm,smmu-v3", "of:Nsmmuv3TCarm,smmu-v3"));
    assert!(!glob_matches("of:N*T*Carm,smmu-v3", "of:NsmmuTCarm,smmu-v3Cfoo"));
    assert!(glob_matches("a[0-9]b", "a5b"));
    assert!(!glob_matches("a[!0-9]b", "a5b"));
    assert!(glob_matches("a?c", "abc"));
    assert!(!glob_matches("abc", "abcd"));
    assert!(glob_matches("*", ""));
}

#[test]
fn a_modules_dir_says_what_is_built_in() {
    // The tables name virtio_pci built in (as Debian's arm64 6.12 kernel builds it): the
    // PCI function that creates virtio-iommu's device then needs nothing loaded.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("modules.builtin"),
        "kernel/drivers/virtio/virtio_pci.ko\n",
    )
    .expect("written");
    let (plan, _) = plan_json(
        &scenario("virtio-iommu-arm64-6.12/V2-viommu-late"),
        &["--modules-dir", dir.path().to_str().expect("UTF-8 path")],
    );
    let built_in: Vec<&str> = plan["built_in"]
        .as_array()
        .expect("built_in")
        .iter()
        .map(|n| n["device"].as_str().expect("device"))
        .collect();
    assert_eq!(built_in, ["0000:00:02.0"]);
    assert!(plan["notes"][0]
        .as_str()
        .expect("note")
        .contains("modules.builtin"));
}

#[test]
fn consumers_deferred_for_ever_are_planned_and_no_setting_is_claimed_to_help() {
    // S8: deferred_probe_timeout=-1 and the SMMU module never loaded: the four functions wait
    // for ever (devices_deferred-final.txt); the SMMU never bound, so nothing names its module.
    let (plan, _) = plan_json(&scenario("smmuv3-6.1/S8-notimeout-never"), &["--check"]);
    let consumers = plan["consumers"].as_array().expect("consumers");
    assert_eq!(consumers.len(), 4);
    assert!(consumers.iter().all(|c| c["trouble"] == "deferred"));
    for setting in plan["settings"].as_array().expect("settings") {
        assert_eq!(setting["prevents"], "no", "{setting}");
    }
    let edits = plan["check"]["edits"].as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert!(edits[0].as_str().expect("edit").starts_with("nothing to apply"));
}

/// `plan --boot N` plans for boot N of a log that holds several (journalctl's count; the last
/// by default), named as `check` names it; a boot the log does not hold is exit 2.
#[test]
fn boot_n_picks_the_boot_to_plan_for() {
    let console = scenario("virtio-iommu-arm64-6.12/V5-two-boots/console.log");
    for (extra, name) in [
        (vec![], "console.log#2"),
        (vec!["--boot", "1"], "console.log#1"),
        (vec!["--boot", "-1"], "console.log#1"),
        (vec!["--boot", "2"], "console.log#2"),
    ] {
        let (plan, code) = plan_json(&console, &extra);
        assert_eq!(plan["boot"], name, "{extra:?}");
        // Both boots loaded the IOMMU early: nothing to plan in either.
        assert!(plan["load_order"].as_array().is_some_and(Vec::is_empty), "{plan}");
        assert_eq!(code, 0);
    }
    let output = probescope()
        .arg("plan")
        .arg(&console)
        .args(["--boot", "3"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no boot 3: the input holds 2 boots"));
}

#[test]
fn plan_check_says_each_edit_it_made_to_the_capture() {
    // S2 (truth.json): the SMMU bound at 12.527461 s, after the start, before-timeout and
    // after-timeout snapshots; four functions printed "ignoring dependency", the first at
    // kmsg.txt:380. V2: virtio0 registers the virtio-iommu function's IOMMU; three functions
    // went ahead. E2: one consumer of the first SysMMU went ahead.
    let cases: [(&str, &[&str]); 3] = [
        (
            "smmuv3-6.1/S2-smmu-late",
            &[
                "the IOMMU 9050000.smmuv3 is bound from just before @kmsg.txt:380, the first record of its consumers",
                "9050000.smmuv3 is bound to arm-smmu-v3 in every snapshot (3 showed it without a driver)",
                "4 \"deferred probe timeout, ignoring dependency\" lines of its consumers taken out (printed only while the IOMMU is missing)",
            ],
        ),
        (
            "virtio-iommu-arm64-6.12/V2-viommu-late",
            &[
                "virtio0, which registers the IOMMU 0000:00:02.0 is bound from just before @kmsg.txt:398, the first record of its consumers",
                "virtio0 is bound to virtio_iommu in every snapshot (3 showed it without a driver)",
                "3 \"deferred probe timeout, ignoring dependency\" lines of its consumers taken out (printed only while the IOMMU is missing)",
            ],
        ),
        (
            "exynos-6.12/E2-exynos-late",
            &[
                "the IOMMU 7f000000.sysmmu is bound from just before @kmsg.txt:303, the first record of its consumers",
                "7f000000.sysmmu is bound to exynos-sysmmu in every snapshot (3 showed it without a driver)",
                "1 \"deferred probe timeout, ignoring dependency\" line of its consumers taken out (printed only while the IOMMU is missing)",
            ],
        ),
    ];
    for (name, expected) in cases {
        let dir = scenario(name);
        let (plan, _) = plan_json(&dir, &["--check"]);
        let edits: Vec<String> = plan["check"]["edits"]
            .as_array()
            .expect("edits")
            .iter()
            .map(|e| e.as_str().unwrap_or_default().to_string())
            .collect();
        let folder = format!("{}/", dir.display());
        for line in expected {
            let line = line.replace('@', &folder);
            assert!(edits.contains(&line), "{name}: {line}\nnot among {edits:#?}");
        }
        // An edit that changed nothing is not listed (E2: the DMA controller's line goes with
        // its first SysMMU, so its second one has none left to take out).
        assert!(
            !edits
                .iter()
                .any(|e| e.starts_with("0 ") || e.contains("(0 showed")),
            "{name}: {edits:#?}"
        );
    }
}

#[test]
fn a_module_is_loaded_once_for_every_iommu_it_drives() {
    // E2 (truth.json): the consumers that bound without their IOMMU sit behind four SysMMUs,
    // all driven by exynos_iommu; the DMA controller is behind two of them.
    let dir = scenario("exynos-6.12/E2-exynos-late");
    let truth = crate::support::corpus::truth(&dir);
    let raced: BTreeSet<&str> = truth["summary"]["bound_without_iommu"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // Each raced consumer's IOMMUs: its `iommus` phandles (`iommus = <0x04 0x05>` in the
    // dt_evidence) by the IOMMUs' phandles, or its `iommu` when it is behind one through
    // `iommu-map`.
    let by_phandle: std::collections::BTreeMap<u64, &str> = truth["iommus"]
        .as_array()
        .expect("iommus")
        .iter()
        .filter_map(|i| {
            let phandle = u64::from_str_radix(i["phandle"].as_str()?.trim_start_matches("0x"), 16).ok()?;
            Some((phandle, i["device"].as_str()?))
        })
        .collect();
    let mut iommus: Vec<String> = Vec::new();
    for consumer in truth["consumers"].as_array().expect("consumers") {
        if !consumer["device"].as_str().is_some_and(|d| raced.contains(d)) {
            continue;
        }
        let evidence = consumer["dt_evidence"].as_str().unwrap_or_default();
        match evidence.split_once("iommus = <") {
            Some((_, cells)) => iommus.extend(
                cells
                    .trim_end_matches(">;")
                    .split_whitespace()
                    .filter_map(|cell| u64::from_str_radix(cell.trim_start_matches("0x"), 16).ok())
                    .filter_map(|phandle| by_phandle.get(&phandle).map(|d| d.to_string())),
            ),
            None => iommus.extend(consumer["iommu"].as_str().map(String::from)),
        }
    }
    iommus.sort();
    iommus.dedup();
    assert_eq!(iommus.len(), 4, "{iommus:?}");
    let (plan, _) = plan_json(&dir, &[]);
    let load_order = plan["load_order"].as_array().expect("load_order");
    assert_eq!(load_order.len(), 1, "{load_order:#?}");
    assert_eq!(load_order[0]["module"], "exynos_iommu");
    let mut for_devices: Vec<String> = load_order[0]["for_devices"]
        .as_array()
        .expect("for_devices")
        .iter()
        .filter_map(|d| d.as_str().map(String::from))
        .collect();
    for_devices.sort();
    assert_eq!(for_devices, iommus);
}

/// The IOMMU's need of a plan: (device, provision, module, how) of the need whose role is
/// `iommu`, for every consumer.
fn iommu_providers(plan: &Value) -> BTreeSet<(String, String, String, String)> {
    plan["consumers"]
        .as_array()
        .expect("consumers")
        .iter()
        .flat_map(|c| c["needs"].as_array().expect("needs").iter())
        .filter(|need| need["role"] == "iommu")
        .map(|need| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            let provider = &need["provider"];
            (
                text(&need["device"]),
                text(&provider["provision"]),
                text(&provider["module"]),
                text(&provider["how"]),
            )
        })
        .collect()
}

#[test]
fn the_iommu_driver_module_is_told_with_how_it_was_found() {
    let owned = |items: [&str; 4]| items.map(String::from).into();
    // V2: /proc/modules lists virtio_iommu, the driver's own name.
    let (v2, _) = plan_json(&scenario("virtio-iommu-arm64-6.12/V2-viommu-late"), &[]);
    assert_eq!(
        iommu_providers(&v2),
        BTreeSet::from([owned([
            "virtio0",
            "module",
            "virtio_iommu",
            "driver virtio_iommu: module virtio_iommu is loaded (/proc/modules)"
        ])])
    );
    // E2: exynos-sysmmu is built from exynos_iommu (drivers/iommu/Makefile), which is loaded.
    let (e2, _) = plan_json(&scenario("exynos-6.12/E2-exynos-late"), &[]);
    let how = "driver exynos-sysmmu is built from exynos_iommu (kernel source): module exynos_iommu is loaded (/proc/modules)";
    assert!(iommu_providers(&e2).iter().all(|(_, provision, module, told)| {
        provision == "module" && module == "exynos_iommu" && told == how
    }));
    // V2's log and device tree without /proc/modules, with the Debian kernel's own config
    // (the capture's kernel, 6.12.118+deb12-arm64): CONFIG_VIRTIO_IOMMU=m.
    let folder = scenario("virtio-iommu-arm64-6.12/V2-viommu-late");
    let config =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/kconfig/debian-6.12.118-arm64.config.gz");
    let output = probescope()
        .arg("plan")
        .arg(folder.join("dmesg.txt"))
        .arg(folder.join("fdt.dtb"))
        .arg("--kconfig")
        .arg(&config)
        .arg("--format=json")
        .output()
        .expect("runs");
    let (from_config, _) = crate::support::schema::valid_output("plan", &output);
    assert_eq!(
        iommu_providers(&from_config),
        BTreeSet::from([owned([
            "virtio0",
            "module",
            "virtio_iommu",
            "driver virtio_iommu is built from virtio_iommu; the kernel config has CONFIG_VIRTIO_IOMMU=m"
        ])])
    );
}

/// The plan's setting for `iommu` whose parameter starts with `parameter`.
fn setting_of<'a>(plan: &'a Value, iommu: &str, parameter: &str) -> &'a Value {
    plan["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .find(|s| s["iommu"] == iommu && s["parameter"].as_str().is_some_and(|p| p.starts_with(parameter)))
        .unwrap_or_else(|| panic!("a {parameter} setting for {iommu}"))
}

#[test]
fn the_timeout_setting_is_worked_out_from_the_captures_own_times() {
    // S2 (truth.json): deferred_probe_timeout=5 on the command line, the first "ignoring
    // dependency" at 6.972297 s, the SMMU bound at 12.527461 s. The timer started 5 s before
    // it fired; the SMMU came 10.555 s after that; 13 s covers it with the 2 s margin.
    let dir = scenario("smmuv3-6.1/S2-smmu-late");
    let truth = crate::support::corpus::truth(&dir);
    let fired = truth["deferred_probe_timeout_lines"][0]["t"]
        .as_f64()
        .expect("a time");
    let bound = truth["summary"]["iommu_bound_at"]["9050000.smmuv3"]
        .as_f64()
        .expect("a time");
    let started = fired - 5.0;
    let needed = bound - started;
    let setting = (needed + 2.0).ceil() as u64;
    let (plan, _) = plan_json(&dir, &[]);
    let timeout = setting_of(&plan, "9050000.smmuv3", "deferred_probe_timeout=");
    assert_eq!(timeout["parameter"], format!("deferred_probe_timeout={setting}"));
    assert_eq!(timeout["prevents"], "yes");
    assert_eq!(
        timeout["why"],
        format!(
            "the timeout (5 s) fired at {fired:.3} s and let the consumers probe without 9050000.smmuv3, \
             which registered at {bound:.3} s: {needed:.3} s after the timer started (at about {started:.3} s); \
             {setting} s covers that with a 2 s margin"
        )
    );
    let mut cut_loose: Vec<&str> = truth["deferred_probe_timeout_lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|line| line["device"].as_str())
        .collect();
    cut_loose.sort_unstable();
    assert_eq!(
        timeout["cost"],
        serde_json::json!([
            format!(
                "{} would probe at about {bound:.3} s (when 9050000.smmuv3 registered) instead of {fired:.3} s",
                cut_loose.join(", ")
            ),
            format!("any device whose optional supplier never arrives waits up to {setting} s instead of 5 s before it probes without it"),
        ])
    );
    // fw_devlink.strict=1 alone: the timeout relaxes the links (fw_devlink_drivers_done()); the
    // PCIe host, whose node carries the iommu-map, is what a strict link would have held.
    let strict = setting_of(&plan, "9050000.smmuv3", "fw_devlink.strict=1");
    assert_eq!(strict["parameter"], "fw_devlink.strict=1");
    assert_eq!(strict["prevents"], "no");
    assert_eq!(
        strict["cost"],
        serde_json::json!([
            "4010000000.pcie (and every device below it) would not probe until 9050000.smmuv3's driver binds, or until the timeout relaxes the links"
        ])
    );
}

#[test]
fn the_settings_of_one_iommu_name_what_else_the_timeout_let_go() {
    // E2 (truth.json): the timeout let go 9010000.pl031, 7f040000.dma-controller and
    // 0000:00:03.0; the DMA controller's `iommus` names 7f000000.sysmmu, the other two are
    // behind other SysMMUs.
    let dir = scenario("exynos-6.12/E2-exynos-late");
    let truth = crate::support::corpus::truth(&dir);
    let mut others: Vec<&str> = truth["deferred_probe_timeout_lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|line| line["device"].as_str())
        .filter(|device| *device != "7f040000.dma-controller")
        .collect();
    others.sort_unstable();
    let (plan, _) = plan_json(&dir, &[]);
    let timeout = setting_of(&plan, "7f000000.sysmmu", "deferred_probe_timeout");
    assert!(
        timeout["cost"][0]
            .as_str()
            .is_some_and(|c| c.starts_with(&format!(
                "{} (let go by the same timeout, for other suppliers) would wait",
                others.join(", ")
            ))),
        "{timeout:#}"
    );
    let strict = setting_of(&plan, "7f000000.sysmmu", "fw_devlink.strict=1");
    assert_eq!(
        strict["cost"],
        serde_json::json!([
            "7f040000.dma-controller (and every device below it) would not probe until 7f000000.sysmmu's driver binds, or until the timeout relaxes the links"
        ])
    );
}

#[test]
fn strict_mode_already_set_or_an_iommu_that_never_came_is_said_so() {
    let whys = |name: &str| -> Vec<(String, String, String)> {
        let (plan, _) = plan_json(&scenario(name), &[]);
        plan["settings"]
            .as_array()
            .expect("settings")
            .iter()
            .map(|s| {
                let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
                (text(&s["parameter"]), text(&s["prevents"]), text(&s["why"]))
            })
            .collect()
    };
    // S3: fw_devlink.strict=1 on its command line (cmdline.txt), and its consumers still raced.
    let s3 = whys("smmuv3-6.1/S3-strict-late");
    assert!(
        s3.contains(&(
            "fw_devlink.strict=1".into(),
            "no".into(),
            "fw_devlink.strict=1 is set already in this boot and the race happened".into()
        )),
        "{s3:#?}"
    );
    // S6 (truth.json): the SMMU never bound; no setting makes it come.
    let never = "9050000.smmuv3 never registered in this capture: no setting makes it come; a longer timeout (or -1) or strict links only keep its consumers waiting longer (with -1, for ever)";
    let s6 = whys("smmuv3-6.1/S6-strict-never");
    assert_eq!(s6.len(), 2, "{s6:#?}");
    assert!(
        s6.iter()
            .all(|(_, prevents, why)| prevents == "no" && why == never),
        "{s6:#?}"
    );
}
