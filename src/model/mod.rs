//! The boot model: devices with one identity across all sources, supplier links, and
//! probe/defer/bind events on one time line. Facts only, no opinions: rules judge.

pub mod acpi;
pub mod context;
mod deferral;
pub mod device;
pub mod dt;
pub mod event;
pub mod fact;
mod fwnode;
mod input;
pub mod link;
pub mod modules;
pub mod names;
pub mod origin;
pub mod splat;

pub use deferral::{DeferReason, Deferral};
pub use device::{Device, DeviceId, DeviceState};
pub use event::{BindBasis, BindStrength, Event, EventKind, Position};
pub use fact::{DmaFault, DmaRemapper, Fact, FactKind, SmmuEventKind};
pub use input::{InputInfo, InputKind};
pub use link::{IommuEdge, IommuVia, Link, LinkKind};
pub use origin::{BootTime, Evidence, Origin, SourceName};
pub use splat::{Splat, SplatClass};

use std::collections::HashMap;

/// Everything known about one boot. Built once by [`Boot::from_inputs`], which also builds the
/// look-up indexes (by name, DT path, sysfs path; events and IOMMU edges per device): the
/// public vectors are for reading.
#[derive(Debug, Default)]
pub struct Boot {
    pub name: String,
    pub inputs: Vec<InputInfo>,
    pub devices: Vec<Device>,
    by_name: HashMap<String, DeviceId>,
    /// DT path → the lowest-numbered device with that path.
    by_dt_path: HashMap<String, DeviceId>,
    /// The devices with a sysfs path, sorted by path then id (a binary search finds the
    /// lowest-numbered device with a path, without a second copy of every path).
    by_sysfs_path: Vec<DeviceId>,
    /// Per device, indexes into `events` in time-line order.
    events_by_device: PerDevice,
    /// Per consumer, indexes into `iommu_edges`.
    iommu_edges_by_consumer: PerDevice,
    pub links: Vec<Link>,
    /// Device events ordered by position (log events in record order, then snapshot events).
    pub events: Vec<Event>,
    /// Snapshot labels, oldest first; the last is the final state.
    pub snapshots: Vec<String>,
    pub iommu_edges: Vec<IommuEdge>,
    /// Boot-wide facts from the log (module loads, cycle messages, oopses, ...), in record order.
    pub facts: Vec<Fact>,
    pub log_source: Option<SourceName>,
    pub device_tree: Option<dt::DeviceTree>,
    /// The ACPI tables the firmware provided and the IOMMU routes read from them.
    pub acpi: acpi::AcpiFirmware,
    pub cmdline: Option<context::Cmdline>,
    pub modules: Option<Vec<context::ModuleEntry>>,
    pub kconfig: Option<context::KernelConfig>,
    pub kernel_release: Option<String>,
    pub notes: Vec<String>,
}

/// The earliest evidence that a device's driver bound, or (from [`Boot::probe_evidence`]) that
/// its probe ran.
#[derive(Clone, Debug, PartialEq)]
pub struct BindEvidence {
    pub position: Position,
    pub basis: BindBasis,
    pub driver: Option<String>,
    pub evidence: Evidence,
}

impl BindEvidence {
    /// Whether the evidence pins the probe to its own line (the driver core's line, the
    /// kernel's "ignoring dependency" probe, a snapshot) rather than suggesting it (a line its
    /// driver printed while probing or bound).
    pub fn is_strong(&self) -> bool {
        self.basis != BindBasis::DriverPrefixedLine
    }

    /// What the evidence proves: a bind, or only a probe that ran.
    pub fn strength(&self) -> BindStrength {
        self.basis.strength()
    }
}

impl Boot {
    pub fn device(&self, id: DeviceId) -> &Device {
        &self.devices[id.index()]
    }

    pub fn device_ids(&self) -> impl Iterator<Item = DeviceId> + '_ {
        (0..self.devices.len() as u32).map(DeviceId)
    }

    /// Looks a device up by any of its names: kernel name, `bus:name`, DT path, sysfs path.
    pub fn find(&self, name: &str) -> Option<DeviceId> {
        if let Some(id) = self.by_name.get(name) {
            return Some(*id);
        }
        if let Some((_, plain)) = name.split_once(':').filter(|(bus, _)| !bus.is_empty()) {
            if let Some(id) = self
                .by_name
                .get(plain)
                .filter(|id| self.device(**id).bus.is_some())
            {
                if self.device(*id).qualified_name() == name {
                    return Some(*id);
                }
            }
        }
        let trimmed = name.trim_end_matches('/');
        [
            self.by_dt_path.get(trimmed).copied(),
            self.find_by_sysfs_path(trimmed),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Looks a device up by its `/sys/devices/...` path (no trailing `/`).
    pub fn find_by_sysfs_path(&self, path: &str) -> Option<DeviceId> {
        let first = self
            .by_sysfs_path
            .partition_point(|id| self.device(*id).sysfs_path.as_deref() < Some(path));
        self.by_sysfs_path
            .get(first)
            .copied()
            .filter(|id| self.device(*id).sysfs_path.as_deref() == Some(path))
    }

    /// Events of one device, in time-line order.
    pub fn events_of(&self, id: DeviceId) -> impl Iterator<Item = &Event> + '_ {
        self.events_by_device
            .of(id)
            .iter()
            .map(|index| &self.events[*index as usize])
    }

    /// The IOMMUs a consumer sits behind.
    pub fn iommus_of(&self, consumer: DeviceId) -> impl Iterator<Item = &IommuEdge> + '_ {
        self.iommu_edges_by_consumer
            .of(consumer)
            .iter()
            .map(|index| &self.iommu_edges[*index as usize])
    }

    /// The earliest log evidence of the device's successful probe, else the first snapshot
    /// showing it bound: only evidence of [`BindStrength::Bound`].
    pub fn bind_evidence(&self, id: DeviceId) -> Option<BindEvidence> {
        let from_log = self.events_of(id).find_map(|event| match &event.kind {
            EventKind::Bound { driver, basis } if event.position.log_index().is_some() => {
                Some(bind_of(event, driver, *basis))
            }
            _ => None,
        });
        from_log.or_else(|| self.first_bound_snapshot(id))
    }

    /// The earliest log evidence that the device's driver probed, with its outcome shown or
    /// not (a bind, an "ignoring dependency" line, a line of its driver after its last setback),
    /// else the first snapshot showing it bound. What orders a consumer against its IOMMU: the
    /// IOMMU is configured for a device before its driver's probe runs.
    pub fn probe_evidence(&self, id: DeviceId) -> Option<BindEvidence> {
        let from_log = self.events_of(id).find_map(|event| match &event.kind {
            EventKind::Bound { driver, basis } | EventKind::ProbeRan { driver, basis }
                if event.position.log_index().is_some() =>
            {
                Some(bind_of(event, driver, *basis))
            }
            _ => None,
        });
        from_log.or_else(|| self.first_bound_snapshot(id))
    }

    /// The first snapshot that shows the device bound.
    pub fn first_bound_snapshot(&self, id: DeviceId) -> Option<BindEvidence> {
        self.events_of(id).find_map(|event| match &event.kind {
            EventKind::Bound {
                driver,
                basis: BindBasis::Snapshot,
            } => Some(BindEvidence {
                position: event.position,
                basis: BindBasis::Snapshot,
                driver: driver.clone(),
                evidence: event.evidence.clone(),
            }),
            _ => None,
        })
    }

    /// Whether any evidence shows the device bound at some point (not only probing).
    pub fn ever_bound(&self, id: DeviceId) -> bool {
        self.bind_evidence(id).is_some()
    }

    /// The device with exactly this kernel name.
    pub fn find_by_name(&self, name: &str) -> Option<DeviceId> {
        self.by_name.get(name).copied()
    }

    /// Adds a device (whose name no device has yet) and returns its id: the only way devices
    /// are added, so that the name index stays whole.
    pub fn add_device(&mut self, device: Device) -> DeviceId {
        let id = DeviceId(self.devices.len() as u32);
        self.by_name.insert(device.name.clone(), id);
        self.devices.push(device);
        id
    }

    /// Builds the look-up indexes (by DT path, sysfs path; events and IOMMU edges per device)
    /// once every device, event and edge is in; `by_dt_path` maps each DT path to the
    /// lowest-numbered device with it.
    pub fn build_indexes(&mut self, by_dt_path: HashMap<String, DeviceId>) {
        self.by_dt_path = by_dt_path;
        let mut by_sysfs_path: Vec<DeviceId> = self
            .device_ids()
            .filter(|id| self.device(*id).sysfs_path.is_some())
            .collect();
        by_sysfs_path.sort_unstable_by(|a, b| {
            (self.device(*a).sysfs_path.as_deref(), a).cmp(&(self.device(*b).sysfs_path.as_deref(), b))
        });
        self.by_sysfs_path = by_sysfs_path;
        let devices = self.devices.len();
        self.events_by_device = PerDevice::new(devices, self.events.iter().map(|e| e.device));
        self.iommu_edges_by_consumer = PerDevice::new(devices, self.iommu_edges.iter().map(|e| e.consumer));
    }

    /// Whether the capture has a final snapshot that lists device states.
    pub fn has_final_device_states(&self) -> bool {
        self.devices
            .iter()
            .any(|d| d.states.last().is_some_and(|s| s.driver.is_some()))
    }

    /// The kernel's word that the device probed without an opted-in dependency.
    pub fn ignored_dependency(&self, id: DeviceId) -> Option<&Event> {
        self.events_of(id)
            .find(|e| matches!(e.kind, EventKind::IgnoredDependency { .. }))
    }

    /// The IOMMU group joins of a device.
    pub fn group_joins(&self, id: DeviceId) -> impl Iterator<Item = &Event> + '_ {
        self.events_of(id)
            .filter(|e| matches!(e.kind, EventKind::JoinedIommuGroup { .. }))
    }

    /// Index of the final snapshot.
    pub fn final_snapshot(&self) -> Option<usize> {
        self.snapshots.len().checked_sub(1)
    }
}

/// Indexes into one of the boot's vectors, grouped per device: one flat vector and where each
/// device's share starts (two allocations, where a `Vec` per device took 100,000 for as many
/// devices).
#[derive(Debug, Default)]
struct PerDevice {
    /// `starts[d]..starts[d + 1]` is device `d`'s range of `indexes`.
    starts: Vec<u32>,
    indexes: Vec<u32>,
}

impl PerDevice {
    /// Groups the positions of `owners` (the device each item belongs to) per device, each
    /// group in item order; items of a device beyond `devices` are left out.
    fn new(devices: usize, owners: impl Iterator<Item = DeviceId> + Clone) -> PerDevice {
        let mut starts = vec![0u32; devices + 1];
        for owner in owners.clone() {
            if let Some(count) = starts.get_mut(owner.index() + 1) {
                *count += 1;
            }
        }
        for d in 0..devices {
            starts[d + 1] += starts[d];
        }
        let mut next = starts.clone();
        let mut indexes = vec![0u32; starts[devices] as usize];
        for (index, owner) in owners.enumerate() {
            if let Some(slot) = next.get_mut(owner.index()).filter(|_| owner.index() < devices) {
                indexes[*slot as usize] = index as u32;
                *slot += 1;
            }
        }
        PerDevice { starts, indexes }
    }

    /// The indexes of one device's items (none for an unknown device).
    fn of(&self, id: DeviceId) -> &[u32] {
        match (self.starts.get(id.index()), self.starts.get(id.index() + 1)) {
            (Some(start), Some(end)) => &self.indexes[*start as usize..*end as usize],
            _ => &[],
        }
    }
}

fn bind_of(event: &Event, driver: &Option<String>, basis: BindBasis) -> BindEvidence {
    BindEvidence {
        position: event.position,
        basis,
        driver: driver.clone(),
        evidence: event.evidence.clone(),
    }
}
