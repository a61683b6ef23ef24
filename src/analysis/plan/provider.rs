//! Which module provides a device's driver, or that it is built in, and the evidence for it;
//! `unknown` when the capture cannot say.
//!
//! Evidence, strongest first: `modules.alias` matching the device's DT compatible strings
//! (the modalias `of_modalias()` in drivers/of/module.c builds: `of:N<name>T<type>C<compat>…`);
//! `modules.builtin`; `/proc/modules` listing a module named as the driver (`KBUILD_MODNAME`
//! with `-` as `_`: most drivers take their module's name); for the IOMMU drivers whose
//! driver and module names differ, the module their kernel source builds (table below) found
//! in `/proc/modules` or configured `=y`/`=m`; `modules.dep` listing a module of the
//! driver's name. Nothing else counts: a driver's module is never guessed from a similar name.

use crate::model::modules::{module_name, ModuleTables};
use crate::model::{Boot, DeviceId, Evidence, Origin};
use serde::Serialize;

/// Mainline IOMMU drivers whose module is named otherwise than the driver (or with a suffix
/// out-of-tree builds add): driver name, the module its source builds, its Kconfig symbol.
const IOMMU_DRIVERS: &[(&str, &str, &str)] = &[
    // drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: .name = "arm-smmu-v3"
    ("arm-smmu-v3", "arm_smmu_v3", "CONFIG_ARM_SMMU_V3"),
    // drivers/iommu/arm/arm-smmu/arm-smmu.c: .name = "arm-smmu"
    ("arm-smmu", "arm_smmu", "CONFIG_ARM_SMMU"),
    // drivers/iommu/exynos-iommu.c: .name = "exynos-sysmmu"
    ("exynos-sysmmu", "exynos_iommu", "CONFIG_EXYNOS_IOMMU"),
    // drivers/iommu/virtio-iommu.c: .name = KBUILD_MODNAME
    ("virtio_iommu", "virtio_iommu", "CONFIG_VIRTIO_IOMMU"),
    // drivers/iommu/rockchip-iommu.c: .name = "rk_iommu"
    ("rk_iommu", "rockchip_iommu", "CONFIG_ROCKCHIP_IOMMU"),
    // drivers/iommu/ipmmu-vmsa.c: .name = "ipmmu-vmsa"
    ("ipmmu-vmsa", "ipmmu_vmsa", "CONFIG_IPMMU_VMSA"),
    // drivers/iommu/mtk_iommu.c: .name = "mtk-iommu"
    ("mtk-iommu", "mtk_iommu", "CONFIG_MTK_IOMMU"),
];

/// Whether the driver comes as a module, is built in, or the capture does not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Provision {
    Module,
    BuiltIn,
    Unknown,
}

/// Where a device's driver comes from, and why probescope says so.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Provider {
    pub provision: Provision,
    /// The module (or, built in, the module it would be); `None` when unknown.
    pub module: Option<String>,
    /// How it was established, or why it could not be.
    pub how: String,
    pub evidence: Vec<Evidence>,
}

impl Provider {
    fn unknown(how: String) -> Provider {
        Provider {
            provision: Provision::Unknown,
            module: None,
            how,
            evidence: Vec::new(),
        }
    }
}

/// The modalias of a device's DT node as `of_modalias()` builds it, without the node's
/// `device_type` (not in the model; alias patterns match any with `T*`).
fn of_modalias(boot: &Boot, id: DeviceId) -> Option<String> {
    let path = boot.device(id).dt_path.as_deref()?;
    let tree = boot.device_tree.as_ref()?;
    let node = tree.node(tree.by_path(path)?);
    if node.compatible.is_empty() {
        return None;
    }
    let mut alias = format!("of:N{}T", node.name);
    for compatible in &node.compatible {
        alias.push('C');
        alias.push_str(compatible);
    }
    Some(alias)
}

/// What the capture says of one module name: built in, loaded, configured, or on disk.
fn known_module(boot: &Boot, tables: Option<&ModuleTables>, module: &str) -> Option<Provider> {
    if let Some(origin) = tables.and_then(|t| t.builtin.get(module)) {
        return Some(Provider {
            provision: Provision::BuiltIn,
            module: Some(module.to_string()),
            how: format!("{module} is listed in modules.builtin"),
            evidence: vec![Evidence::new(origin.clone(), module.to_string())],
        });
    }
    if let Some(entry) = boot.modules.iter().flatten().find(|m| m.name == module) {
        return Some(Provider {
            provision: Provision::Module,
            module: Some(module.to_string()),
            how: format!("module {module} is loaded (/proc/modules)"),
            evidence: vec![Evidence::new(
                entry.origin.clone(),
                format!("{} {} …", entry.name, entry.size),
            )],
        });
    }
    if let Some((_, origin)) = tables.and_then(|t| t.deps.get(module)) {
        return Some(Provider {
            provision: Provision::Module,
            module: Some(module.to_string()),
            how: format!("module {module} is in modules.dep"),
            evidence: vec![Evidence::new(origin.clone(), format!("{module}.ko"))],
        });
    }
    None
}

/// Where the driver `driver` of device `id` comes from.
pub fn provider(boot: &Boot, tables: Option<&ModuleTables>, id: DeviceId, driver: Option<&str>) -> Provider {
    // 1. The device's own modalias against modules.alias: works even when the driver never bound.
    if let (Some(tables), Some(alias)) = (tables, of_modalias(boot, id)) {
        let matches = tables.matching(&alias);
        let mut modules: Vec<&str> = matches.iter().map(|m| m.module.as_str()).collect();
        modules.sort_unstable();
        modules.dedup();
        if let [module] = modules.as_slice() {
            let evidence: Vec<Evidence> = matches
                .iter()
                .take(1)
                .map(|m| Evidence::new(m.origin.clone(), format!("alias {} {}", m.pattern, m.module)))
                .collect();
            let builtin = tables.builtin.get(*module);
            return Provider {
                provision: if builtin.is_some() {
                    Provision::BuiltIn
                } else {
                    Provision::Module
                },
                module: Some(module.to_string()),
                how: format!(
                    "modules.alias matches the device's modalias {alias}{}",
                    if builtin.is_some() {
                        " and modules.builtin lists the module"
                    } else {
                        ""
                    }
                ),
                evidence,
            };
        }
    }
    let Some(driver) = driver else {
        return Provider::unknown(
            "no driver bound to it in the capture, and no modules.alias entry matches its compatible strings"
                .to_string(),
        );
    };
    // 2. A module named as the driver.
    if let Some(found) = known_module(boot, tables, &module_name(driver)) {
        return Provider {
            how: format!("driver {driver}: {}", found.how),
            ..found
        };
    }
    // 3. The IOMMU drivers whose module is named otherwise (or carries a build's suffix).
    if let Some((_, stem, symbol)) = IOMMU_DRIVERS.iter().find(|(name, _, _)| *name == driver) {
        if let Some(found) = known_module(boot, tables, stem) {
            return Provider {
                how: format!(
                    "driver {driver} is built from {stem} (kernel source): {}",
                    found.how
                ),
                ..found
            };
        }
        let loaded: Vec<_> = boot
            .modules
            .iter()
            .flatten()
            .filter(|m| m.name.starts_with(&format!("{stem}_")))
            .collect();
        if let [entry] = loaded.as_slice() {
            return Provider {
                provision: Provision::Module,
                module: Some(entry.name.clone()),
                how: format!(
                    "driver {driver} is built from {stem} (kernel source); the one loaded module of that name is {} (/proc/modules)",
                    entry.name
                ),
                evidence: vec![Evidence::new(entry.origin.clone(), format!("{} {} …", entry.name, entry.size))],
            };
        }
        if let Some(config) = &boot.kconfig {
            let origin = config.origin.clone().unwrap_or_else(|| Origin {
                file: "kernel config".into(),
                line: 0,
            });
            match config.get(symbol) {
                Some("y") => {
                    return Provider {
                        provision: Provision::BuiltIn,
                        module: Some(stem.to_string()),
                        how: format!(
                            "driver {driver} is built from {stem}; the kernel config has {symbol}=y"
                        ),
                        evidence: vec![Evidence::new(origin, format!("{symbol}=y"))],
                    }
                }
                Some("m") => {
                    return Provider {
                        provision: Provision::Module,
                        module: Some(stem.to_string()),
                        how: format!(
                            "driver {driver} is built from {stem}; the kernel config has {symbol}=m"
                        ),
                        evidence: vec![Evidence::new(origin, format!("{symbol}=m"))],
                    }
                }
                _ => {}
            }
        }
    }
    Provider::unknown(format!(
        "driver {driver}: the capture does not say which module provides it or that it is built in \
         (no module of that name in /proc/modules; give --modules-dir with modules.alias and modules.builtin)"
    ))
}
