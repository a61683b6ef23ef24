//! `plan`: what would have prevented each IOMMU race of a boot. For every affected consumer
//! (one that probed before its IOMMU, bound without it, or is still deferred waiting for it):
//! the devices that must have their drivers before it, in load order — the device that
//! registers the IOMMU, the IOMMU's firmware device when that is another one (virtio-iommu's
//! PCI function), their parents with drivers, and their own suppliers from the supplier graph
//! (clocks, power domains, resets: managed links and DT bindings) — each mapped device →
//! driver → module with the evidence ([`provider`]), what is built in already, and the boot
//! settings that would have prevented the race, each with its cost ([`settings`]).
//! [`edit`] applies the plan to a boot model for `plan --check`.
//!
//! Layer: analysis; reads the model and the other analyses, judges nothing (findings are the
//! rules'), prints nothing.

pub mod edit;
pub mod provider;
pub mod settings;

use crate::analysis::blockers::DeviceStatus;
use crate::analysis::iommu_order::Verdict;
use crate::analysis::readiness;
use crate::analysis::Analysis;
use crate::model::modules::ModuleTables;
use crate::model::{Boot, DeviceId, Evidence, LinkKind};
use provider::{Provider, Provision};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Why a consumer is in the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Trouble {
    /// It probed before its IOMMU registered (the race).
    ProbedBefore,
    /// It bound and its IOMMU never registered.
    WithoutIommu,
    /// It is still deferred at the end, behind an IOMMU.
    Deferred,
}

/// What a needed device is to the consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The device whose driver registers the IOMMU.
    Iommu,
    /// The IOMMU's firmware device, whose driver creates the registering device below it.
    IommuHost,
    /// A parent (in sysfs) of one of those, with a driver of its own.
    Parent,
    /// A supplier (device link or DT binding) of one of those, directly or further down.
    Supplier,
}

/// One device that must have its driver before the consumer probes.
#[derive(Clone, Debug, PartialEq)]
pub struct Need {
    pub device: DeviceId,
    pub role: Role,
    /// Why it is needed: the edge from the device that needs it.
    pub why: String,
    pub evidence: Vec<Evidence>,
    pub driver: Option<String>,
    pub provider: Provider,
}

/// One affected consumer and what it needs first.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerPlan {
    pub consumer: DeviceId,
    pub trouble: Trouble,
    pub iommu: DeviceId,
    /// What shows the trouble (the "ignoring dependency" line, a snapshot, ...).
    pub proof: Vec<Evidence>,
    /// The consumer's own driver and where it comes from (for `softdep` lines).
    pub driver: Option<String>,
    pub provider: Provider,
    /// Suppliers first, the IOMMU last: the order to load them in.
    pub needs: Vec<Need>,
}

/// A module to make available early, in load order.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PlannedModule {
    pub module: String,
    /// The devices whose drivers it provides (kernel names).
    pub for_devices: Vec<String>,
    /// Set when it is in the list only because this module needs it (modules.dep).
    pub dependency_of: Option<String>,
}

/// The whole plan for one boot.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub consumers: Vec<ConsumerPlan>,
    /// Every module to load before the consumers, dependencies first.
    pub modules: Vec<PlannedModule>,
    pub settings: Vec<settings::SettingPlan>,
    pub notes: Vec<String>,
}

impl Plan {
    /// The IOMMUs the plan makes ready early: those whose driver it can name.
    pub fn planned_iommus(&self) -> Vec<DeviceId> {
        let mut iommus: Vec<DeviceId> = self
            .consumers
            .iter()
            .filter(|c| {
                c.needs
                    .iter()
                    .any(|n| n.role == Role::Iommu && n.provider.provision != Provision::Unknown)
            })
            .map(|c| c.iommu)
            .collect();
        iommus.sort();
        iommus.dedup();
        iommus
    }
}

/// The driver of a device as the evidence names it: the last snapshot's driver link, else its
/// bind or probe line's driver, else the driver that printed for it.
pub fn driver_of(boot: &Boot, id: DeviceId) -> Option<String> {
    let device = boot.device(id);
    device
        .states
        .iter()
        .rev()
        .find_map(|s| s.driver.clone())
        .flatten()
        .or_else(|| boot.bind_evidence(id).and_then(|b| b.driver))
        .or_else(|| boot.probe_evidence(id).and_then(|b| b.driver))
        .or_else(|| device.drivers_seen.first().cloned())
}

/// The nearest ancestor in sysfs that is a device with a driver.
fn parent_with_driver(boot: &Boot, id: DeviceId) -> Option<DeviceId> {
    let mut path = boot.device(id).sysfs_path.clone()?;
    while let Some((parent, _)) = path.rsplit_once('/') {
        if parent.is_empty() || parent == "/sys/devices" {
            return None;
        }
        if let Some(found) = boot.find_by_sysfs_path(parent) {
            if driver_of(boot, found).is_some() {
                return Some(found);
            }
        }
        path = parent.to_string();
    }
    None
}

/// Edges that make a device wait for its supplier's driver.
fn waits_for(kind: LinkKind) -> bool {
    matches!(kind, LinkKind::Managed | LinkKind::DtSupplier | LinkKind::DtIommu)
}

/// The devices an IOMMU needs, suppliers first and the registering device last (a depth-first
/// walk with its own stack, in post-order).
fn needs_of_iommu(analysis: &Analysis, tables: Option<&ModuleTables>, iommu: DeviceId) -> Vec<Need> {
    let boot = analysis.boot();
    let graph = analysis.graph();
    let registrar = readiness::registrar(boot, iommu);
    let prerequisites = |device: DeviceId| -> Vec<(DeviceId, Role, String, Vec<Evidence>)> {
        let name = &boot.device(device).name;
        let mut list = Vec::new();
        if device == registrar && registrar != iommu {
            list.push((
                iommu,
                Role::IommuHost,
                format!(
                    "{name} (which registers the IOMMU) is created by the driver of {} below it",
                    boot.device(iommu).name
                ),
                Vec::new(),
            ));
        }
        for (supplier, edge) in graph.suppliers(device) {
            if !waits_for(edge.kind) || supplier == device {
                continue;
            }
            let (property, evidence) = match edge.source {
                crate::analysis::graph::EdgeSource::Link(index) => {
                    let link = &boot.links[index];
                    (
                        link.property.clone(),
                        link.evidence.iter().take(1).cloned().collect(),
                    )
                }
                crate::analysis::graph::EdgeSource::IommuEdge(index) => (
                    Some("iommus".to_string()),
                    boot.iommu_edges[index].evidence.iter().take(1).cloned().collect(),
                ),
            };
            list.push((
                supplier,
                Role::Supplier,
                format!(
                    "supplies {name} ({} {})",
                    edge.kind.as_str(),
                    property
                        .map(|p| format!("link, {p}"))
                        .unwrap_or_else(|| "link".to_string())
                ),
                evidence,
            ));
        }
        if let Some(parent) = parent_with_driver(boot, device) {
            if !list.iter().any(|(id, ..)| *id == parent) {
                list.push((
                    parent,
                    Role::Parent,
                    format!("is the parent of {name} in sysfs"),
                    Vec::new(),
                ));
            }
        }
        list
    };
    struct Frame {
        device: DeviceId,
        role: Role,
        why: String,
        evidence: Vec<Evidence>,
        pending: Vec<(DeviceId, Role, String, Vec<Evidence>)>,
    }
    let mut seen: HashSet<DeviceId> = HashSet::from([registrar]);
    let mut out: Vec<Need> = Vec::new();
    let mut stack = vec![Frame {
        device: registrar,
        role: Role::Iommu,
        why: format!(
            "registers the IOMMU {} (iommu_device_register() in its driver's probe)",
            boot.device(iommu).name
        ),
        evidence: Vec::new(),
        pending: prerequisites(registrar).into_iter().rev().collect(),
    }];
    while let Some(frame) = stack.last_mut() {
        match frame.pending.pop() {
            Some((next, role, why, evidence)) => {
                if seen.insert(next) {
                    let pending = prerequisites(next).into_iter().rev().collect();
                    stack.push(Frame {
                        device: next,
                        role,
                        why,
                        evidence,
                        pending,
                    });
                }
            }
            None => {
                if let Some(done) = stack.pop() {
                    let driver = driver_of(boot, done.device);
                    let provider = provider::provider(boot, tables, done.device, driver.as_deref());
                    out.push(Need {
                        device: done.device,
                        role: done.role,
                        why: done.why,
                        evidence: done.evidence,
                        driver,
                        provider,
                    });
                }
            }
        }
    }
    out
}

/// The plan for the boot's affected consumers (only `only` when given).
pub fn plan(analysis: &Analysis, tables: Option<&ModuleTables>, only: &[DeviceId]) -> Plan {
    let boot = analysis.boot();
    let mut consumers: Vec<ConsumerPlan> = Vec::new();
    let mut cache: HashMap<DeviceId, Vec<Need>> = HashMap::new();
    for verdict in analysis.iommu_order() {
        let Some(iommu) = verdict.iommu else { continue };
        if !only.is_empty() && !only.contains(&verdict.consumer) {
            continue;
        }
        let trouble = match verdict.verdict {
            Verdict::ProbedBefore { .. } => Trouble::ProbedBefore,
            Verdict::WithoutIommu { .. } => Trouble::WithoutIommu,
            Verdict::NotBound if analysis.blockers().status(verdict.consumer) == DeviceStatus::Deferred => {
                Trouble::Deferred
            }
            _ => continue,
        };
        if consumers
            .iter()
            .any(|c| c.consumer == verdict.consumer && c.iommu == iommu)
        {
            continue;
        }
        let needs = cache
            .entry(iommu)
            .or_insert_with(|| needs_of_iommu(analysis, tables, iommu))
            .clone();
        let mut proof = verdict.proof.clone();
        if proof.is_empty() {
            proof = verdict.relation.iter().take(1).cloned().collect();
        }
        let driver = driver_of(boot, verdict.consumer);
        let provider = provider::provider(boot, tables, verdict.consumer, driver.as_deref());
        consumers.push(ConsumerPlan {
            consumer: verdict.consumer,
            trouble,
            iommu,
            proof,
            driver,
            provider,
            needs,
        });
    }
    consumers.sort_by(|a, b| {
        (
            boot.device(a.iommu).name.as_str(),
            boot.device(a.consumer).name.as_str(),
        )
            .cmp(&(
                boot.device(b.iommu).name.as_str(),
                boot.device(b.consumer).name.as_str(),
            ))
    });
    let modules = load_order(boot, tables, &consumers);
    let settings = settings::settings(analysis, &consumers);
    let mut notes = Vec::new();
    if let Some(tables) = tables {
        notes.push(format!("module tables read: {}", tables.read.join(", ")));
    }
    Plan {
        consumers,
        modules,
        settings,
        notes,
    }
}

/// Every module the consumers need, in load order: each module's own dependencies
/// (modules.dep, loaded last-listed first as modprobe does) before it, each module once.
fn load_order(boot: &Boot, tables: Option<&ModuleTables>, consumers: &[ConsumerPlan]) -> Vec<PlannedModule> {
    let mut out: Vec<PlannedModule> = Vec::new();
    let mut add = |module: &str, device: Option<&str>, dependency_of: Option<&str>| match out
        .iter_mut()
        .find(|m| m.module == module)
    {
        Some(existing) => {
            if let Some(device) = device {
                if !existing.for_devices.iter().any(|d| d == device) {
                    existing.for_devices.push(device.to_string());
                }
            }
        }
        None => out.push(PlannedModule {
            module: module.to_string(),
            for_devices: device.map(|d| vec![d.to_string()]).unwrap_or_default(),
            dependency_of: dependency_of.map(str::to_string),
        }),
    };
    for consumer in consumers {
        for need in &consumer.needs {
            if need.provider.provision != Provision::Module {
                continue;
            }
            let Some(module) = need.provider.module.as_deref() else {
                continue;
            };
            if let Some((deps, _)) = tables.and_then(|t| t.deps.get(module)) {
                for dep in deps.iter().rev() {
                    add(dep, None, Some(module));
                }
            }
            add(module, Some(&boot.device(need.device).name), None);
        }
    }
    out
}
