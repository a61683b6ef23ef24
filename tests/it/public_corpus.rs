//! The public logs and pastes of fixtures/public, each checked against what its MANIFEST.md
//! entry says a correct analysis concludes, and against claims the log does not support.

use crate::support::corpus::{set, subjects};
use crate::support::deferred::{deferral_of, still_deferred};
use probescope::commands::check::analyse;
use probescope::ingest::discover::InputSpec;
use probescope::rules::Finding;
use std::path::PathBuf;

fn public(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/public")
        .join(name)
}

fn findings(spec: InputSpec) -> Vec<Finding> {
    analyse(&spec)
        .unwrap_or_else(|e| panic!("{spec:?}: {e}"))
        .1
        .findings
}

fn log(name: &str) -> Vec<Finding> {
    findings(InputSpec {
        paths: vec![public(name)],
        ..InputSpec::default()
    })
}

const ORDER_RULES: &[&str] = &[
    "iommu-consumer-probed-before-iommu",
    "iommu-consumer-without-iommu",
    "iommu-dependency-ignored",
    "iommu-group-missing",
];

fn ordering_findings(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| ORDER_RULES.contains(&f.rule))
        .collect()
}

#[test]
fn salvator_xs_devices_probed_without_their_never_probed_iommu() {
    let found = log("rcar-h3-salvatorxs-next20200401-deferred-probe-timeout-iommu-warn.txt");
    let expected = set(&[
        "ee100000.sd",
        "ee140000.sd",
        "ee160000.sd",
        "e6700000.dma-controller",
        "e7300000.dma-controller",
        "e7310000.dma-controller",
        "ec700000.dma-controller",
        "ec720000.dma-controller",
        "ee300000.sata",
        "e6800000.ethernet",
    ]);
    assert_eq!(subjects(&found, "iommu-dependency-ignored"), expected);
    // The log names no IOMMU (no device tree) and no IOMMU driver line: whether the IPMMU
    // registered later is unknown from it, so neither "without" nor "before" is claimed (the
    // mail's text says the IPMMU is disabled, but that is not the kernel's evidence).
    assert!(subjects(&found, "iommu-consumer-without-iommu").is_empty());
    assert!(subjects(&found, "iommu-consumer-probed-before-iommu").is_empty());
    assert_eq!(subjects(&found, "deferred-probe-timeout-expired").len(), 1);
}

#[test]
fn rcar_v5_2_old_style_ignoring_dependency_lines_are_attributed_to_the_iommu() {
    let found = log("rcar-h3-v5.2rc-iommu-ignoring-dependency-systemd-console.txt");
    let ignored = subjects(&found, "iommu-dependency-ignored");
    for device in [
        "e6700000.dma-controller",
        "ee300000.sata",
        "e6800000.ethernet",
        "fe950000.fcp",
        "fea37000.fcp",
    ] {
        assert!(ignored.contains(device), "{device} missing from {ignored:?}");
    }
    assert_eq!(ignored.len(), 16, "{ignored:?}");
    assert!(subjects(&found, "iommu-consumer-probed-before-iommu").is_empty());
}

#[test]
fn mt8186_blames_the_power_controller_and_does_not_call_the_blocked_iommu_late() {
    let found = log("kernelci-mt8186-steelix-serial-deferred-timeout.txt");
    let iommu = deferral_of(&found, "14016000.iommu").expect("the IOMMU is reported as still deferred");
    assert_eq!(iommu.subject, "10006000.syscon:power-controller");
    assert!(
        iommu.message.contains("failed to get child domain id"),
        "{}",
        iommu.message
    );
    let pending = still_deferred(&found);
    assert!(pending.contains("10006000.syscon:power-controller"));
    assert!(pending.len() >= 41, "{}", pending.len());
    assert!(subjects(&found, "iommu-consumer-probed-before-iommu").is_empty());
    assert_eq!(
        subjects(&found, "iommu-dependency-ignored"),
        set(&["16000000.video-decoder"])
    );
}

#[test]
fn negative_controls_have_no_ordering_findings() {
    for name in [
        "kernelci-sc7180-kingoftown-serial-arm-smmu.txt",
        "kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt",
        "lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt",
        "exynos5422-odroidxu3-6.14-sysmmu-v3.3-mixer-iommu-group-before-driver-bind.txt",
        "x86-amd-renoir-journalctl-full-boot-iommu-groups.txt",
        "kernelci-x86-amd-shuboz-5.15-serial-dmesg-decode-kern-alert-amd-vi-groups.txt",
        "dell-poweredge-t440-5.10-initcall-debug-kexec-iommu-groups.txt",
        "exynos5410-odroidxu-hdmi-mixer-sysmmu-devlink-deferral.txt",
    ] {
        let found = log(name);
        assert!(
            ordering_findings(&found).is_empty(),
            "{name}: {:?}",
            ordering_findings(&found)
        );
    }
}

#[test]
fn a_board_without_iommu_activity_yields_nothing() {
    assert!(log("lava-fixture-peach-pi-exynos5800-4.12rc6-serial-boot-no-sysmmu.txt").is_empty());
}

#[test]
fn sysmmu_and_smmu_faults_are_tied_to_master_and_iommu() {
    let snow = log("exynos5250-snow-sysmmu-fimd-page-fault-bug-no-timestamps.txt");
    let fault = snow
        .iter()
        .find(|f| f.rule == "iommu-fault")
        .expect("the SysMMU fault");
    assert_eq!(fault.subject, "14400000.fimd");
    assert_eq!(fault.related, vec!["14640000.sysmmu".to_string()]);
    assert!(
        fault.message.contains("PAGE") && fault.message.contains("0x20000000"),
        "{}",
        fault.message
    );
    assert!(subjects(&snow, "kernel-oops").contains("exynos_sysmmu_irq"));

    let cavium = log("cavium-cn8xx-arm-smmu-unhandled-context-fault.txt");
    let faults: Vec<_> = cavium.iter().filter(|f| f.rule == "iommu-fault").collect();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].subject, "arm-smmu.1.auto");
    assert!(
        faults[0].message.contains("0x9000") && faults[0].message.contains("10 reports"),
        "{}",
        faults[0].message
    );
}

#[test]
fn oopses_name_their_function() {
    assert!(subjects(
        &log("x86-thinkpad-t470s-pstore-raw-levels-initcall-debug-intel-iommu-oops.txt"),
        "kernel-oops"
    )
    .contains("intel_iommu_init"));
    assert!(subjects(
        &log("kernelci-x86-amd-shuboz-5.15-serial-dmesg-decode-kern-alert-amd-vi-groups.txt"),
        "kernel-oops"
    )
    .contains("cros_ec_check_features"));
    let db410c = log("lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt");
    let corruption = db410c
        .iter()
        .find(|f| f.rule == "kernel-oops" && f.subject == "__list_add_valid" && f.message.contains("times"))
        .expect("the list corruption warnings, counted");
    assert!(
        corruption.message.contains("lib/list_debug.c"),
        "{}",
        corruption.message
    );
}

#[test]
fn bootrr_report_names_the_deferred_acpi_device() {
    let found = log("kernelci-bot-report-bootrr-deferred-probe-empty-lava-host-timestamps.txt");
    assert_eq!(still_deferred(&found), set(&["AMDI5682:00"]));
}

fn deferred(name: &str) -> Vec<Finding> {
    findings(InputSpec {
        deferred: vec![public(name)],
        ..InputSpec::default()
    })
}

#[test]
fn devices_deferred_pastes_give_their_root_causes() {
    let juno = deferred("juno-r1-devices_deferred-iommu-itself-deferred.txt");
    assert_eq!(still_deferred(&juno), set(&["2b600000.iommu"]));

    let exynos4 = deferred("exynos4-fw_devlink-on-devices_deferred-sysmmu-power-domain.txt");
    let sysmmu = deferral_of(&exynos4, "13620000.sysmmu").expect("13620000.sysmmu deferred");
    assert_eq!(sysmmu.subject, "10023c40.power-domain", "{}", sysmmu.message);
    // Two-level chain: the ISP SysMMUs wait for a clock controller that waits for a power domain.
    let isp = deferral_of(&exynos4, "12260000.sysmmu").expect("12260000.sysmmu deferred");
    assert_eq!(isp.subject, "10023ca0.power-domain", "{}", isp.message);

    let ulcb = deferred("rcar-h3-ulcb-kf-fw_devlink-strict-devices_deferred-missing-regulator-driver.txt");
    let codec = deferral_of(&ulcb, "16-0044").expect("the codec");
    assert!(codec.message.contains("regulator-snd_vcc5v"), "{}", codec.message);
}

/// A fault line in the kernel's own format (exynos-iommu.c, v6.3+:
/// `"%s: [%s] %s FAULT occurred at %#x"` after the SysMMU's dev_printk prefix), made from a
/// generated SysMMU case's recorded fault: with the case's register and memory dumps given,
/// the `iommu-fault` finding carries the walk and the cause the case's truth records.
#[test]
fn a_sysmmu_fault_finding_carries_the_walk_when_dumps_are_given() {
    for case in ["fault-page-v5.0", "fault-page-v7.0"] {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/sysmmu/cases")
            .join(case);
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
        let fault = &truth["fault"]["faults"][0];
        let sfr_base =
            u64::from_str_radix(truth["sfr_base"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        let sysmmu = format!("{sfr_base:x}.sysmmu");
        let access = if fault["access"] == "write" {
            "WRITE"
        } else {
            "READ"
        };
        let line = format!(
            "[   12.345678] exynos-sysmmu {sysmmu}: 13400000.master: [{access}] {} FAULT occurred at {}\n",
            fault["kind"].as_str().unwrap(),
            fault["address"].as_str().unwrap()
        );
        let temp = tempfile::tempdir().unwrap();
        let log = temp.path().join("dmesg.txt");
        std::fs::write(
            &log,
            format!("[    0.000000] Booting Linux on physical CPU 0x0\n{line}"),
        )
        .unwrap();
        let memory = truth["memory"]["file"].as_str().unwrap_or("memory.bin");
        let spec = InputSpec {
            paths: vec![log],
            ..InputSpec::default()
        };
        let mut inputs = probescope::ingest::discover::gather(&spec).unwrap();
        inputs.sysmmu_dumps = Some(
            probescope::sysmmu::DumpEvidence::read(
                &[dir.join("regs.mdl.txt")],
                &[format!(
                    "{}@{}",
                    dir.join(memory).display(),
                    truth["memory"]["base"].as_str().unwrap()
                )],
                None,
            )
            .unwrap(),
        );
        let (_, report) = probescope::commands::check::analyse_inputs(inputs, &[]).unwrap();
        let finding = report
            .findings
            .iter()
            .find(|f| f.rule == "iommu-fault")
            .expect("the fault");
        assert_eq!(finding.subject, "13400000.master");
        assert_eq!(finding.related, vec![sysmmu.clone()]);
        let walked = &finding.evidence[0].text;
        let cause = truth["fault"]["explain"]["cause"].as_str().unwrap();
        assert!(walked.contains(&format!("cause {cause}")), "{case}: {walked}");
        assert!(
            walked.contains(truth["fault"]["explain"]["lv1_entry_pa"].as_str().unwrap()),
            "{case}: {walked}"
        );
    }
}
