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

    #[test]
    fn recognises_iommu_modules_by_stem_and_by_driver() {
        assert!(is_iommu_module("arm_smmu_v3_mod", &[]));
        assert!(is_iommu_module("exynos_iommu", &[]));
        assert!(is_iommu_module("vendor_sysmmu", &["vendor-sysmmu".to_string()]));
        assert!(!is_iommu_module("virtio_blk", &[]));
        assert!(!is_iommu_module("arm_smmuv3_pmu", &[]));
    }
}
