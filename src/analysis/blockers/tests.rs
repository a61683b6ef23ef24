//! The blocker walk on real QEMU captures, against what each capture's truth.json records.
//! Long because: one test per capture and moment the walk is checked on.

use super::*;
use crate::analysis::graph::SupplierGraph;
use std::path::{Path, PathBuf};

/// The boot of one capture folder under `fixtures/`.
fn boot_of(relative: &str) -> Boot {
    crate::pipeline::boot_of_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)])
}

/// The boot of some files of one capture folder.
fn boot_of_files(folder: &str, files: &[&str]) -> Boot {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let paths: Vec<PathBuf> = files.iter().map(|file| folder.join(file)).collect();
    crate::pipeline::boot_of_paths(&paths)
}

/// The origins of a cause's evidence, as `file:line` with the fixture's folder cut off.
fn origins(cause: &Cause) -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");
    cause
        .evidence
        .iter()
        .map(|e| e.origin.to_string().trim_start_matches(root).to_string())
        .collect()
}

/// A device of the boot, by its kernel name.
fn id(boot: &Boot, name: &str) -> DeviceId {
    boot.find(name)
        .unwrap_or_else(|| panic!("{name} is a device of the capture"))
}

const S6: &str = "fixtures/qemu/smmuv3-6.1/S6-strict-never";
const Q3: &str = "fixtures/qemu/virtio-iommu-q35-6.12/Q3-viommu-never";
const SMMU: &str = "9050000.smmuv3";

#[test]
fn a_label_names_its_snapshot_and_no_label_the_end() {
    // S6 captured start, before-timeout and final (its truth.json's moments); no after-timeout.
    let boot = boot_of(S6);
    assert_eq!(Moment::named(&boot, None), Some(Moment::End));
    assert_eq!(Moment::named(&boot, Some("start")), Some(Moment::Snapshot(0)));
    assert_eq!(
        Moment::named(&boot, Some("before-timeout")),
        Some(Moment::Snapshot(1))
    );
    assert_eq!(Moment::named(&boot, Some("after-timeout")), None);
}

#[test]
fn a_consumer_deferred_before_the_timeout_waits_for_the_smmu_through_its_dormant_link() {
    // S6 (fw_devlink.strict=1, the SMMU's driver blacklisted): before the timeout the PCIe host
    // is on devices_deferred with "supplier 9050000.smmuv3 not ready" and its device link to
    // the SMMU is dormant (truth.json, iommu_devlink_consumers).
    let boot = boot_of(S6);
    let graph = SupplierGraph::new(&boot);
    let before = Blockers::new(&boot, &graph, Moment::Snapshot(1));
    let (pcie, smmu) = (id(&boot, "4010000000.pcie"), id(&boot, SMMU));
    assert_eq!(before.status(pcie), DeviceStatus::Deferred);
    assert_eq!(before.status(smmu), DeviceStatus::Unbound);
    let causes = before.causes(pcie);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(
        causes[0].obstacle,
        Obstacle::NeverBound {
            device: smmu,
            at: Some("before-timeout".into())
        }
    );
    assert_eq!(causes[0].chain, [pcie, smmu]);
    assert_eq!(
        causes[0].steps,
        ["4010000000.pcie waits: supplier 9050000.smmuv3 not ready \
          (device link platform:9050000.smmuv3 -> platform:4010000000.pcie is dormant)"]
    );
    assert_eq!(
        origins(&causes[0]),
        [
            "qemu/smmuv3-6.1/S6-strict-never/sysfs-before-timeout/kernel/debug/devices_deferred:1",
            // The link's `status` file: its value is what shows the link dormant.
            "qemu/smmuv3-6.1/S6-strict-never/sysfs-before-timeout/class/devlink/\
             platform:9050000.smmuv3--platform:4010000000.pcie/status",
        ]
    );
    // After the timeout the host bound without its IOMMU (dmesg.txt:237): nothing blocks it.
    let end = Blockers::new(&boot, &graph, Moment::End);
    assert_eq!(end.status(pcie), DeviceStatus::Bound);
    assert!(end.causes(pcie).is_empty());
}

#[test]
fn a_pci_function_never_bound_at_the_end_waits_for_its_iommu_by_the_device_tree() {
    // S6: 0000:00:00.0 never bound (truth.json, never_bound); its `iommu-map` names the SMMU,
    // which never bound either, and no device link or deferral reason says more.
    let boot = boot_of(S6);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let (function, smmu) = (id(&boot, "0000:00:00.0"), id(&boot, SMMU));
    assert_eq!(end.status(function), DeviceStatus::Unbound);
    let causes = end.causes(function);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(
        causes[0].obstacle,
        Obstacle::NeverBound {
            device: smmu,
            at: None
        }
    );
    assert_eq!(causes[0].chain, [function, smmu]);
    assert_eq!(
        causes[0].steps,
        ["0000:00:00.0 waits for its IOMMU 9050000.smmuv3"]
    );
    assert_eq!(origins(&causes[0]), ["qemu/smmuv3-6.1/S6-strict-never/fdt.dtb"]);
}

#[test]
fn devices_still_deferred_at_the_end_wait_for_the_smmu_that_never_bound() {
    // S8 (no deferred_probe_timeout, SMMU never bound): truth.json's deferred_at_final.
    let boot = boot_of("fixtures/qemu/smmuv3-6.1/S8-notimeout-never");
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let smmu = id(&boot, SMMU);
    let deferred: Vec<&str> = boot
        .device_ids()
        .filter(|d| end.status(*d) == DeviceStatus::Deferred)
        .map(|d| boot.device(d).name.as_str())
        .collect();
    assert_eq!(
        deferred,
        ["0000:00:05.0", "0000:00:03.0", "0000:00:04.0", "0000:01:00.0"]
    );
    for name in deferred {
        let device = id(&boot, name);
        let causes = end.causes(device);
        assert_eq!(causes.len(), 1, "{name}: {causes:?}");
        assert_eq!(
            causes[0].obstacle,
            Obstacle::NeverBound {
                device: smmu,
                at: None
            }
        );
        assert_eq!(causes[0].chain, [device, smmu]);
        assert_eq!(causes[0].steps, [format!("{name} waits for its IOMMU {SMMU}")]);
    }
}

#[test]
fn a_log_alone_tells_bound_from_deferred_and_says_unknown_when_silent() {
    // Q2: the functions are "deferred probe pending" at 10.41 s, then bind once the
    // virtio-iommu probes; Q3: its driver never comes, so they stay deferred with no reason.
    // Its only later line is printed under the driver's name ("virtio-pci 0000:00:03.0:
    // Adding to iommu group 1"): the probe ran, its outcome is not in the log, so unknown.
    let late = boot_of("fixtures/qemu/virtio-iommu-q35-6.12/Q2-viommu-late/dmesg.txt");
    let graph = SupplierGraph::new(&late);
    let blockers = Blockers::new(&late, &graph, Moment::End);
    assert_eq!(blockers.status(id(&late, "0000:00:03.0")), DeviceStatus::Unknown);
    assert!(blockers.causes(id(&late, "0000:00:03.0")).is_empty());

    let never = boot_of("fixtures/qemu/virtio-iommu-q35-6.12/Q3-viommu-never/dmesg.txt");
    let graph = SupplierGraph::new(&never);
    let blockers = Blockers::new(&never, &graph, Moment::End);
    let function = id(&never, "0000:00:03.0");
    assert_eq!(blockers.status(function), DeviceStatus::Deferred);
    let causes = blockers.causes(function);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(causes[0].obstacle, Obstacle::Unexplained { device: function });
    assert_eq!(causes[0].chain, [function]);
    assert!(causes[0].steps.is_empty());

    // S2's log never prints a line for the host bridge's function 0: neither bound nor not.
    let silent = boot_of("fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt");
    let graph = SupplierGraph::new(&silent);
    let blockers = Blockers::new(&silent, &graph, Moment::End);
    assert_eq!(
        blockers.status(id(&silent, "0000:00:00.0")),
        DeviceStatus::Unknown
    );
}

#[test]
fn a_final_device_listing_shows_every_device_it_omits_unbound() {
    // S6's final drivers listing names every bound device: one it does not name as bound is
    // unbound, never unknown.
    let boot = boot_of(S6);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let unknown: Vec<&str> = boot
        .device_ids()
        .filter(|d| end.status(*d) == DeviceStatus::Unknown)
        .map(|d| boot.device(d).name.as_str())
        .collect();
    assert!(unknown.is_empty(), "{unknown:?}");
}

#[test]
fn a_failed_probe_in_a_log_leaves_the_device_unbound() {
    // "generic-adc-thermal: probe of thermal-sensor1 failed with error -22", no snapshot.
    let boot = boot_of("fixtures/public/kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt");
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    assert_eq!(end.status(id(&boot, "thermal-sensor1")), DeviceStatus::Unbound);
}

#[test]
fn a_function_deferred_with_an_empty_reason_waits_for_its_iommu() {
    // Q3's final devices_deferred lists the functions with no reason (`of_iommu`/ACPI
    // configuration defers silently); the VIOT names virtio0's IOMMU as theirs.
    let boot = boot_of(Q3);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let (function, iommu) = (id(&boot, "0000:00:03.0"), id(&boot, "virtio0"));
    assert_eq!(end.status(function), DeviceStatus::Deferred);
    let causes = end.causes(function);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(
        causes[0].obstacle,
        Obstacle::NeverBound {
            device: iommu,
            at: None
        }
    );
    assert_eq!(causes[0].steps, ["0000:00:03.0 waits for its IOMMU virtio0"]);
}

/// A cause as told: its obstacle, chain, steps and the origins it cites.
type Told = (Obstacle, Vec<DeviceId>, Vec<String>, Vec<String>);

#[test]
fn a_logged_deferral_and_logged_device_links_each_give_a_supplier_the_log_never_shows_bound() {
    // Beagleplay: "platform fa00000.mmc: error -EPROBE_DEFER: supplier regulator-5 not ready"
    // (line 87) and five "Linked as a consumer to" lines (81-86); the log prints no bind of
    // any of those suppliers, so whether each bound is unknown.
    let boot =
        boot_of("fixtures/public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt");
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let mmc = id(&boot, "fa00000.mmc");
    let told: Vec<Told> = end
        .causes(mmc)
        .into_iter()
        .map(|c| {
            let cited = origins(&c);
            (c.obstacle, c.chain, c.steps, cited)
        })
        .collect();
    let log = "public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt";
    let linked = |supplier: &str, line: u32| {
        let device = id(&boot, supplier);
        (
            Obstacle::BindUnknown { device },
            vec![mmc, device],
            vec![format!(
                "fa00000.mmc has a device link to {supplier}, which has no driver"
            )],
            vec![format!("{log}:{line}")],
        )
    };
    let regulator = id(&boot, "regulator-5");
    assert_eq!(
        told,
        [
            (
                Obstacle::BindUnknown { device: regulator },
                vec![mmc, regulator],
                vec!["fa00000.mmc waits: supplier regulator-5 not ready".to_string()],
                vec![format!("{log}:87")],
            ),
            linked("601000.gpio", 81),
            linked("regulator-4", 82),
            linked("44043000.system-controller:power-controller", 84),
            linked("44043000.system-controller:clock-controller", 85),
            linked("f4000.pinctrl", 86),
        ]
    );
}

/// A generated boot: a devices_deferred as `deferred_devs_show()` prints it, one
/// "DEV\tBUS: wait for supplier SUP" line per (consumer, supplier) pair. The kernel prints
/// "wait for supplier" while the supplier's firmware node has no device, so a supplier the
/// listing does not also show as deferred is one that never became a device.
fn generated(waits: &[(&str, &str)]) -> Boot {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let listing: String = waits
        .iter()
        .map(|(consumer, supplier)| format!("{consumer}\tplatform: wait for supplier {supplier}\n"))
        .collect();
    let path = dir.path().join("devices_deferred");
    std::fs::write(&path, listing).expect("the listing writes");
    let spec = crate::ingest::discover::InputSpec {
        deferred: vec![path.clone()],
        ..Default::default()
    };
    let inputs = crate::ingest::discover::gather(&spec).expect("the listing reads");
    crate::pipeline::boot_of(inputs, &[path]).expect("a usable boot")
}

#[test]
fn a_chain_is_followed_to_its_head_cut_at_a_depth_and_reused_whole() {
    let boot = generated(&[("d1", "d0"), ("d2", "d1"), ("d3", "d2")]);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let [d1, d2, d3] = ["d1", "d2", "d3"].map(|name| id(&boot, name));
    assert_eq!(boot.find("d0"), None);
    let whole = end.causes(d3);
    assert_eq!(whole.len(), 1, "{whole:?}");
    assert_eq!(
        whole[0].obstacle,
        Obstacle::NoDevice {
            supplier: "d0".into()
        }
    );
    assert_eq!(whole[0].chain, [d3, d2, d1]);
    assert_eq!(
        whole[0].steps,
        ["d3 waits for supplier d2", "d2 waits for supplier d1"]
    );
    // One supplier deep, the walk stops at d2's supplier d1, two devices in.
    let cut = end.causes_within(d3, 1);
    assert_eq!(cut.len(), 1, "{cut:?}");
    assert_eq!(cut[0].obstacle, Obstacle::ChainGoesOn { device: d1, depth: 2 });
    assert_eq!(cut[0].chain, [d3, d2]);
    // Asked in chain order, each device reuses its supplier's causes: the same as a fresh walk.
    let mut known = KnownCauses::default();
    for device in [d1, d2] {
        end.causes_sharing(device, usize::MAX, &mut known);
    }
    assert_eq!(end.causes_sharing(d3, usize::MAX, &mut known), whole);
}

#[test]
fn devices_that_wait_for_each_other_are_one_cycle() {
    let boot = generated(&[("c0", "c1"), ("c1", "c0")]);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let [c0, c1] = ["c0", "c1"].map(|name| id(&boot, name));
    let causes = end.causes(c0);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(
        causes[0].obstacle,
        Obstacle::Cycle {
            devices: vec![c0, c1, c0]
        }
    );
    assert_eq!(causes[0].chain, [c0, c1]);
    // A cycle's causes are not kept for reuse: where it is entered changes how it is told.
    let mut known = KnownCauses::default();
    end.causes_sharing(c0, usize::MAX, &mut known);
    let from_c1 = end.causes_sharing(c1, usize::MAX, &mut known);
    assert_eq!(
        from_c1[0].obstacle,
        Obstacle::Cycle {
            devices: vec![c1, c0, c1]
        }
    );
}

/// Each cause's blocker and chain with kernel names, as `why`, PS201's message and the JSON
/// give them.
fn told_by_name(blockers: &Blockers, device: DeviceId) -> Vec<(Blocker, Vec<String>, String, Vec<String>)> {
    blockers
        .root_causes(device)
        .into_iter()
        .map(|cause| {
            let names = cause.blocker.names();
            let described = cause.blocker.describe();
            (cause.blocker, cause.chain, described, names)
        })
        .collect()
}

#[test]
fn causes_are_told_with_kernel_names_on_real_captures() {
    // S6 before the timeout (truth.json): the host bridge waits for the SMMU, whose driver is
    // blacklisted; at that snapshot it had no driver yet.
    let boot = boot_of(S6);
    let graph = SupplierGraph::new(&boot);
    let before = Blockers::new(&boot, &graph, Moment::Snapshot(1));
    assert_eq!(
        told_by_name(&before, id(&boot, "4010000000.pcie")),
        [(
            Blocker::NeverBound {
                device: SMMU.into(),
                is_iommu: true,
                at: Some("before-timeout".into()),
            },
            vec!["4010000000.pcie".to_string(), SMMU.to_string()],
            "IOMMU 9050000.smmuv3 had no driver bound yet at snapshot before-timeout".to_string(),
            vec![SMMU.to_string()],
        )]
    );
    let explained = before.root_causes(id(&boot, "4010000000.pcie"));
    assert_eq!(
        explained[0].steps,
        before.causes(id(&boot, "4010000000.pcie"))[0].steps
    );
    assert_eq!(
        explained[0].evidence,
        before.causes(id(&boot, "4010000000.pcie"))[0].evidence
    );

    // S8 at the end: never bound, at no snapshot.
    let boot = boot_of("fixtures/qemu/smmuv3-6.1/S8-notimeout-never");
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    assert_eq!(
        told_by_name(&end, id(&boot, "0000:00:03.0")),
        [(
            Blocker::NeverBound {
                device: SMMU.into(),
                is_iommu: true,
                at: None,
            },
            vec!["0000:00:03.0".to_string(), SMMU.to_string()],
            "IOMMU 9050000.smmuv3 exists but its driver never bound (module not loaded, or no driver matched)".to_string(),
            vec![SMMU.to_string()],
        )]
    );

    // Q3's log alone: deferred, no reason printed.
    let boot = boot_of("fixtures/qemu/virtio-iommu-q35-6.12/Q3-viommu-never/dmesg.txt");
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    assert_eq!(
        told_by_name(&end, id(&boot, "0000:00:03.0")),
        [(
            Blocker::Unexplained {
                device: "0000:00:03.0".into()
            },
            vec!["0000:00:03.0".to_string()],
            "0000:00:03.0 is deferred and the capture does not say why".to_string(),
            vec!["0000:00:03.0".to_string()],
        )]
    );

    // Beagleplay: the log never shows regulator-5 bound (first of its six causes).
    let boot =
        boot_of("fixtures/public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt");
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let told = told_by_name(&end, id(&boot, "fa00000.mmc"));
    assert_eq!(told.len(), 6, "{told:?}");
    assert_eq!(
        told[0],
        (
            Blocker::BindUnknown {
                device: "regulator-5".into()
            },
            vec!["fa00000.mmc".to_string(), "regulator-5".to_string()],
            "the capture does not show whether regulator-5 bound (no bind line, no snapshot)".to_string(),
            vec!["regulator-5".to_string()],
        )
    );

    // MT8186: the power controller's driver gives its own reason (dev_err_probe()).
    let boot = boot_of("fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt");
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let controller = "10006000.syscon:power-controller";
    let reason =
        "/soc/syscon@10006000/power-controller/power-domain@6/power-domain@14: failed to get child domain id";
    assert_eq!(
        told_by_name(&end, id(&boot, controller)),
        [(
            Blocker::DriverReason {
                device: controller.into(),
                reason: reason.into(),
            },
            vec![controller.to_string()],
            format!("{controller}: the driver says: {reason}"),
            vec![controller.to_string()],
        )]
    );
}

#[test]
fn generated_chains_and_cycles_are_told_with_kernel_names() {
    let boot = generated(&[("d1", "d0"), ("d2", "d1"), ("d3", "d2")]);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let d3 = id(&boot, "d3");
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        told_by_name(&end, d3),
        [(
            Blocker::NoDevice {
                supplier: "d0".into()
            },
            names(&["d3", "d2", "d1"]),
            "supplier d0 never became a device".to_string(),
            names(&["d0"]),
        )]
    );
    let cut: Vec<Blocker> = end
        .root_causes_within(d3, 1)
        .into_iter()
        .map(|c| c.blocker)
        .collect();
    assert_eq!(
        cut,
        [Blocker::ChainGoesOn {
            device: "d1".into(),
            depth: 2
        }]
    );
    assert_eq!(cut[0].names(), ["d1"]);
    assert_eq!(
        cut[0].describe(),
        "the chain of waits goes on past 2 suppliers (at d1); `probescope why` follows it to its end"
    );

    let boot = generated(&[("c0", "c1"), ("c1", "c0")]);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    assert_eq!(
        told_by_name(&end, id(&boot, "c0")),
        [(
            Blocker::Cycle {
                devices: names(&["c0", "c1", "c0"])
            },
            names(&["c0", "c1"]),
            "dependency cycle: c0 -> c1 -> c0".to_string(),
            names(&["c0", "c1", "c0"]),
        )]
    );
}

#[test]
fn errno_names_are_the_kernels() {
    // include/uapi/asm-generic/errno-base.h, errno.h and include/linux/errno.h; the logs give
    // them negative ("failed with error -22"), the sign is kept as printed.
    let kernel = [
        (1, "EPERM"),
        (2, "ENOENT"),
        (5, "EIO"),
        (6, "ENXIO"),
        (11, "EAGAIN"),
        (12, "ENOMEM"),
        (13, "EACCES"),
        (16, "EBUSY"),
        (17, "EEXIST"),
        (19, "ENODEV"),
        (22, "EINVAL"),
        (34, "ERANGE"),
        (61, "ENODATA"),
        (95, "EOPNOTSUPP"),
        (110, "ETIMEDOUT"),
        (517, "EPROBE_DEFER"),
    ];
    for (errno, name) in kernel {
        assert_eq!(errno_name(-errno), format!("-{name} (-{errno})"));
        assert_eq!(errno_name(errno), format!("-{name} (-{errno})"));
    }
    // EINTR (4) is not named: the number as the log printed it.
    assert_eq!(errno_name(-4), "-4");
}

const S2: &str = "fixtures/qemu/smmuv3-6.1/S2-smmu-late";

#[test]
fn an_instant_is_a_number_of_seconds_since_boot_and_never_negative_or_infinite() {
    let boot = boot_of(S2);
    assert_eq!(
        Moment::named(&boot, Some("12.5s")),
        Some(Moment::Time(BootTime::from_secs_f64(12.5)))
    );
    assert_eq!(
        Moment::named(&boot, Some(" 3 ")),
        Some(Moment::Time(BootTime::from_secs_f64(3.0)))
    );
    for label in ["-5", "inf", "NaN", "soon"] {
        assert_eq!(Moment::named(&boot, Some(label)), None, "{label}");
    }
}

#[test]
fn a_moment_counts_only_what_the_evidence_shows_by_then() {
    // S2 (truth.json): 0000:00:03.0 is on devices_deferred before the timeout and bound after
    // it; the SMMU's module bound it at 12.527461 s, after the after-timeout snapshot (11.7 s)
    // and before the final one (15.6 s).
    let boot = boot_of(S2);
    let graph = SupplierGraph::new(&boot);
    let (function, smmu) = (id(&boot, "0000:00:03.0"), id(&boot, SMMU));
    let at = |label: &str| {
        let moment = Moment::named(&boot, Some(label)).expect("a moment of S2");
        Blockers::new(&boot, &graph, moment)
    };
    assert_eq!(at("before-timeout").status(function), DeviceStatus::Deferred);
    assert_eq!(at("after-timeout").status(function), DeviceStatus::Bound);
    assert_ne!(at("after-timeout").status(smmu), DeviceStatus::Bound);
    assert_eq!(at("final").status(smmu), DeviceStatus::Bound);
    assert_eq!(
        Blockers::new(&boot, &graph, Moment::End).status(smmu),
        DeviceStatus::Bound
    );

    // Instants read the log. S5 (dynamic debug on): `driver_bound: bound to device
    // '9050000.smmuv3'` at 11.818782 s (kmsg.txt:2892, truth.json's iommu_bound_at).
    let boot = boot_of("fixtures/qemu/smmuv3-6.1/S5-verbose-late");
    let graph = SupplierGraph::new(&boot);
    let smmu = id(&boot, SMMU);
    let at = |seconds: f64| Blockers::new(&boot, &graph, Moment::Time(BootTime::from_secs_f64(seconds)));
    assert_ne!(at(11.8).status(smmu), DeviceStatus::Bound);
    assert_eq!(at(11.818782).status(smmu), DeviceStatus::Bound);
}

#[test]
fn a_device_the_log_left_pending_stays_deferred_when_the_final_listing_has_no_deferred_list() {
    // Q3 (virtio-iommu never loaded): the log's "deferred probe pending" lines at the timeout
    // name four functions, and truth.json has them on the final devices_deferred. Read with
    // the final device table (drivers.txt: bound or not, no deferred list), the log's word
    // stands: only a devices_deferred that leaves a device out overrules it.
    let boot = boot_of_files(Q3, &["dmesg.txt", "drivers.txt"]);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    for name in ["0000:00:05.0", "0000:00:03.0", "0000:01:00.0"] {
        assert_eq!(end.status(id(&boot, name)), DeviceStatus::Deferred, "{name}");
    }
}

#[test]
fn a_bind_an_earlier_snapshot_showed_is_not_taken_for_the_end() {
    // Q3's device table before the timeout (0000:00:02.0 bound to virtio-pci) and its final
    // devices_deferred (which lists deferred devices only): whether the function is still
    // bound at the end is not in these files, so it is unknown, not bound.
    let boot = boot_of_files(Q3, &["drivers-before-timeout.txt", "devices_deferred-final.txt"]);
    let graph = SupplierGraph::new(&boot);
    let function = id(&boot, "0000:00:02.0");
    let before = Moment::named(&boot, Some("before-timeout")).expect("the earlier snapshot");
    assert_eq!(
        Blockers::new(&boot, &graph, before).status(function),
        DeviceStatus::Bound
    );
    assert_eq!(
        Blockers::new(&boot, &graph, Moment::End).status(function),
        DeviceStatus::Unknown
    );
}

#[test]
fn a_bind_the_log_shows_stands_beside_a_final_list_that_says_nothing_of_binds() {
    // S5: the log's `driver_bound` line for the SMMU, and the final devices_deferred (which
    // lists deferred devices only): bound, not "bound once, unbound at the end".
    let s5 = boot_of_files(
        "fixtures/qemu/smmuv3-6.1/S5-verbose-late",
        &["kmsg.txt", "devices_deferred-final.txt"],
    );
    let graph = SupplierGraph::new(&s5);
    let end = Blockers::new(&s5, &graph, Moment::End);
    assert_eq!(end.status(id(&s5, SMMU)), DeviceStatus::Bound);
}

#[test]
fn a_probe_that_ran_after_a_pending_line_is_unknown_beside_a_final_deferred_list() {
    // Q2: 0000:00:00.0 is "deferred probe pending" at 10.41 s, then its driver prints
    // "agpgart-intel 0000:00:00.0: Adding to iommu group 3" (dmesg.txt:412): its probe ran, and
    // neither the log nor the final devices_deferred (which leaves it out) says how it ended.
    let q2 = boot_of_files(
        "fixtures/qemu/virtio-iommu-q35-6.12/Q2-viommu-late",
        &["dmesg.txt", "devices_deferred-final.txt"],
    );
    let graph = SupplierGraph::new(&q2);
    let end = Blockers::new(&q2, &graph, Moment::End);
    assert_eq!(end.status(id(&q2, "0000:00:00.0")), DeviceStatus::Unknown);
}

#[test]
fn a_reused_cause_names_the_root_past_the_depth_within_its_bounds() {
    // A chain of six waits ending at a supplier that never became a device, and a second
    // chain that joins it half way, asked in chain order (as PS201 asks every deferred device).
    let boot = generated(&[
        ("d1", "d0"),
        ("d2", "d1"),
        ("d3", "d2"),
        ("d4", "d3"),
        ("d5", "d4"),
        ("d6", "d5"),
        ("e1", "d3"),
        ("e2", "e1"),
    ]);
    let graph = SupplierGraph::new(&boot);
    let end = Blockers::new(&boot, &graph, Moment::End);
    let order = ["d1", "d2", "d3", "d4", "d5", "d6", "e1", "e2"].map(|name| id(&boot, name));
    let root = Obstacle::NoDevice {
        supplier: "d0".into(),
    };
    // Where every chain fits in the depth, reuse tells what a fresh walk tells.
    for depth in [6, usize::MAX] {
        let mut known = KnownCauses::default();
        for device in order {
            assert_eq!(
                end.causes_sharing(device, depth, &mut known),
                end.causes_within(device, depth),
                "{} at depth {depth}",
                boot.device(device).name
            );
        }
    }
    // Past the depth a fresh walk stops (to bound its cost), but a device whose supplier's
    // causes are known names the root they found, its chain, steps and evidence cut to the
    // same bounds as the walk's.
    for depth in [1, 2, 3] {
        let mut known = KnownCauses::default();
        for device in order {
            let shared = end.causes_sharing(device, depth, &mut known);
            assert_eq!(shared.len(), 1, "{shared:?}");
            let cause = &shared[0];
            let name = &boot.device(device).name;
            assert_eq!(cause.obstacle, root, "{name} at depth {depth}");
            assert_eq!(cause.chain[0], device);
            assert!(cause.chain.len() <= depth + 1, "{cause:?}");
            assert!(cause.steps.len() <= depth, "{cause:?}");
            assert!(cause.evidence.len() <= 2 * (depth + 1), "{cause:?}");
            // Each step says why one device of the chain waits for the next, in order.
            for (step, pair) in cause.steps.iter().zip(cause.chain.windows(2)) {
                let (consumer, supplier) = (&boot.device(pair[0]).name, &boot.device(pair[1]).name);
                assert_eq!(step, &format!("{consumer} waits for supplier {supplier}"));
            }
            assert_eq!(
                cause.steps.len(),
                cause.chain.len() - 1,
                "{name} at depth {depth}: {cause:?}"
            );
        }
    }
}
