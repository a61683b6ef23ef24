//! Facts about the kernel several rules need: its version, its command line, its modules and
//! which IOMMU drivers are modules. From /proc files when captured, else from the log.

use crate::model::context::Cmdline;
use crate::model::{Boot, Evidence, FactKind, Origin};

/// `(major, minor)` of the kernel, from `uname -r` or the log's "Linux version" line.
pub fn kernel_version(boot: &Boot) -> Option<(u32, u32)> {
    let release = boot.kernel_release.clone().or_else(|| {
        boot.facts.iter().find_map(|fact| match &fact.kind {
            FactKind::KernelVersion { release } => Some(release.clone()),
            _ => None,
        })
    })?;
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The kernel command line, parsed, and where it was read: /proc/cmdline when captured, else
/// the log's `Kernel command line:` line.
pub fn cmdline(boot: &Boot) -> Option<(Cmdline, Evidence)> {
    if let Some(cmdline) = &boot.cmdline {
        let origin = cmdline.origin.clone().unwrap_or_else(|| Origin {
            file: "/proc/cmdline".into(),
            line: 0,
        });
        return Some((cmdline.clone(), Evidence::new(origin, cmdline.text.clone())));
    }
    boot.facts.iter().find_map(|fact| match &fact.kind {
        FactKind::CommandLine(cmdline) => Some((cmdline.clone(), fact.evidence.clone())),
        _ => None,
    })
}

/// Module names of the mainline IOMMU drivers (`drivers/iommu/**/Makefile` objects) and the
/// Samsung downstream one. A loaded module whose name starts with one of these (out-of-tree
/// builds add suffixes) is an IOMMU driver.
pub const IOMMU_MODULES: &[&str] = &[
    "arm_smmu_v3",
    "arm_smmu",
    "exynos_iommu",
    "samsung_iommu",
    "samsung_iommu_v9",
    "qcom_iommu",
    "msm_iommu",
    "mtk_iommu",
    "mtk_iommu_v1",
    "rockchip_iommu",
    "ipmmu_vmsa",
    "sun50i_iommu",
    "apple_dart",
    "virtio_iommu",
    "omap_iommu",
    "tegra_smmu",
    "sprd_iommu",
    "s390_iommu",
];

/// The Kconfig symbols of the same drivers (`drivers/iommu/Kconfig`).
pub const IOMMU_KCONFIG: &[&str] = &[
    "CONFIG_ARM_SMMU",
    "CONFIG_ARM_SMMU_V3",
    "CONFIG_EXYNOS_IOMMU",
    "CONFIG_SAMSUNG_IOMMU",
    "CONFIG_QCOM_IOMMU",
    "CONFIG_MSM_IOMMU",
    "CONFIG_MTK_IOMMU",
    "CONFIG_MTK_IOMMU_V1",
    "CONFIG_ROCKCHIP_IOMMU",
    "CONFIG_IPMMU_VMSA",
    "CONFIG_SUN50I_IOMMU",
    "CONFIG_APPLE_DART",
    "CONFIG_VIRTIO_IOMMU",
    "CONFIG_OMAP_IOMMU",
    "CONFIG_TEGRA_IOMMU_SMMU",
    "CONFIG_SPRD_IOMMU",
];

fn normalise(name: &str) -> String {
    name.replace('-', "_").to_ascii_lowercase()
}

/// Whether a module name is an IOMMU driver's, given the IOMMU drivers the boot showed.
pub fn is_iommu_module(module: &str, iommu_drivers: &[String]) -> bool {
    let module = normalise(module);
    IOMMU_MODULES
        .iter()
        .any(|stem| module == *stem || module.starts_with(&format!("{stem}_")))
        || iommu_drivers.iter().any(|driver| {
            let driver = normalise(driver);
            module == driver || module.starts_with(&format!("{driver}_"))
        })
}

/// An IOMMU driver built as a module, and the evidence for it.
#[derive(Clone, Debug)]
pub struct ModularIommu {
    pub module: String,
    pub evidence: Evidence,
}

/// Every IOMMU driver the capture shows to be a module: loaded (/proc/modules, a module-load
/// line) or configured `=m`.
pub fn modular_iommus(boot: &Boot) -> Vec<ModularIommu> {
    let iommu_drivers: Vec<String> = boot
        .devices
        .iter()
        .filter(|d| d.is_iommu)
        .flat_map(|d| {
            d.drivers_seen
                .iter()
                .cloned()
                .chain(d.states.iter().filter_map(|s| s.driver.clone().flatten()))
        })
        .collect();
    let mut found: Vec<ModularIommu> = Vec::new();
    let mut add = |module: &str, evidence: Evidence| {
        if !found.iter().any(|m| m.module == module) {
            found.push(ModularIommu {
                module: module.to_string(),
                evidence,
            });
        }
    };
    for module in boot.modules.iter().flatten() {
        if is_iommu_module(&module.name, &iommu_drivers) {
            let text = format!(
                "{} {} {} - {}",
                module.name,
                module.size,
                module.used_by.len(),
                module.state
            );
            add(&module.name, Evidence::new(module.origin.clone(), text));
        }
    }
    for fact in &boot.facts {
        if let FactKind::ModuleLoaded { module } = &fact.kind {
            if is_iommu_module(module, &iommu_drivers) {
                add(module, fact.evidence.clone());
            }
        }
    }
    if let Some(config) = &boot.kconfig {
        for symbol in IOMMU_KCONFIG {
            if config.get(symbol) == Some("m") {
                let origin = config.origin.clone().unwrap_or_else(|| Origin {
                    file: "kernel config".into(),
                    line: 0,
                });
                add(symbol, Evidence::new(origin, format!("{symbol}=m")));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// The boot of inputs under `fixtures/`, each given as its own input path, with the kernel
    /// configuration `kconfig` when given.
    fn boot_of(relative: &[&str], kconfig: Option<&str>) -> Boot {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let paths: Vec<PathBuf> = relative.iter().map(|r| root.join(r)).collect();
        let spec = crate::ingest::discover::InputSpec {
            paths: paths.clone(),
            kconfig: kconfig.map(|k| root.join(k)),
            ..Default::default()
        };
        let inputs = crate::ingest::discover::gather(&spec).expect("the inputs read");
        crate::pipeline::boot_of(inputs, &paths).expect("a usable boot")
    }

    /// `file:line` of evidence with the fixtures folder cut off.
    fn at(evidence: &Evidence) -> String {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");
        evidence.origin.to_string().trim_start_matches(root).to_string()
    }

    const S2: &str = "qemu/smmuv3-6.1/S2-smmu-late";
    const S2_LOG: &str = "qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt";

    #[test]
    fn the_kernel_version_comes_from_uname_else_from_the_log() {
        // S2: uname.txt and dmesg.txt:2 both say 6.1.0-56-arm64; the sc7180 log's
        // "Linux version 6.10.0-rc2 (kernelci@...)" line (558).
        assert_eq!(kernel_version(&boot_of(&[S2], None)), Some((6, 1)));
        assert_eq!(kernel_version(&boot_of(&[S2_LOG], None)), Some((6, 1)));
        let sc7180 = "public/kernelci-sc7180-kingoftown-serial-arm-smmu.txt";
        assert_eq!(kernel_version(&boot_of(&[sc7180], None)), Some((6, 10)));
    }

    #[test]
    fn the_command_line_comes_from_proc_else_from_the_log() {
        let text = "console=ttyAMA0 log_buf_len=4M panic=-1 rdinit=/init deferred_probe_timeout=5 lab.scenario=late lab.label=S2-smmu-late initcall_blacklist=arm_smmu_driver_init";
        let (read, evidence) = super::cmdline(&boot_of(&[S2], None)).expect("S2 has cmdline.txt");
        assert_eq!(read.text, text);
        assert_eq!(read.deferred_probe_timeout, Some(5));
        assert_eq!(&*evidence.text, text);
        assert!(
            at(&evidence).ends_with("S2-smmu-late/cmdline.txt:1"),
            "{}",
            at(&evidence)
        );
        let (read, evidence) = super::cmdline(&boot_of(&[S2_LOG], None)).expect("dmesg.txt:41");
        assert_eq!(read.text, text);
        assert_eq!(at(&evidence), format!("{S2_LOG}:41"));
    }

    #[test]
    fn an_iommu_module_is_found_once_from_proc_modules_the_log_or_the_config() {
        // S2: /proc/modules lists arm_smmu_v3_mod (line 1) and the log prints its taint
        // notice (dmesg.txt:299): one module, cited from /proc/modules.
        let whole = modular_iommus(&boot_of(&[S2], None));
        let found: Vec<(&str, String)> = whole
            .iter()
            .map(|m| (m.module.as_str(), at(&m.evidence)))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "arm_smmu_v3_mod");
        assert!(found[0].1.ends_with("S2-smmu-late/modules.txt:1"), "{found:?}");
        // The log alone: its taint notice.
        let log = modular_iommus(&boot_of(&[S2_LOG], None));
        let found: Vec<(&str, String)> = log.iter().map(|m| (m.module.as_str(), at(&m.evidence))).collect();
        assert_eq!(found, [("arm_smmu_v3_mod", format!("{S2_LOG}:299"))]);
        // S0 builds the SMMU driver in: no module.
        assert!(modular_iommus(&boot_of(&["qemu/smmuv3-6.1/S0-builtin-stock"], None)).is_empty());
        // Debian's 6.1 amd64 config builds its IOMMU drivers in (AMD_IOMMU=y, INTEL_IOMMU=y)
        // or not at all (VIRTIO_IOMMU): with S2's log, still only the loaded module.
        let with_config = modular_iommus(&boot_of(
            &[S2_LOG],
            Some("kconfig/debian-6.1.192-3-amd64.config.gz"),
        ));
        let names: Vec<&str> = with_config.iter().map(|m| m.module.as_str()).collect();
        assert_eq!(names, ["arm_smmu_v3_mod"]);
    }

    #[test]
    fn recognises_iommu_modules_by_stem_and_by_driver() {
        assert!(is_iommu_module("arm_smmu_v3_mod", &[]));
        assert!(is_iommu_module("exynos_iommu", &[]));
        assert!(is_iommu_module("vendor_sysmmu", &["vendor-sysmmu".to_string()]));
        assert!(!is_iommu_module("virtio_blk", &[]));
        assert!(!is_iommu_module("arm_smmuv3_pmu", &[]));
    }
}
