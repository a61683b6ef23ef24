//! Building the boot model from what ingest read: one identity per device across sources,
//! links merged across snapshots, bind evidence inferred from the log.
//!
//! Long because: one `Builder` keeps the identity indexes every source adds to (log, snapshots,
//! device tree, PCI); each `add_*` step is short, and splitting them apart would only spread
//! that shared state over files.

use crate::ingest::devlink::{DevlinkRecord, LinkStatus};
use crate::ingest::messages::{DevicePrefix, Message};
use crate::ingest::{BootInputs, LogEvent, Snapshot};
use crate::model::names::{PciAddress, KNOWN_BUS_OR_CLASS_NAMES};
use crate::model::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// -EPROBE_DEFER (include/linux/err.h): `probe of X returned ±517` is a deferral.
const EPROBE_DEFER: i64 = 517;

/// A candidate for the start of a device's successful probe, found in the log.
struct BindCandidate {
    index: u64,
    time: Option<BootTime>,
    basis: BindBasis,
    driver: Option<String>,
    evidence: Evidence,
}

#[derive(Default)]
struct Builder {
    boot: Boot,
    bus_names: HashSet<String>,
    bind_candidates: BTreeMap<DeviceId, Vec<BindCandidate>>,
    /// `probe of X returned 0|1` lines: (device, value, record index); what the value means
    /// depends on the kernel's era.
    probe_returns: Vec<(DeviceId, i64, u64)>,
    /// Log index of the latest deferral or failed probe per device.
    last_setback: BTreeMap<DeviceId, u64>,
    /// PCI domain → host bridge device, from the log's "PCI host bridge to bus" lines.
    bridge_by_domain: BTreeMap<u32, (DeviceId, Evidence)>,
    /// Consumer → IOMMU instance name (device table `iommu` column).
    instance_of_consumer: Vec<(DeviceId, String, Evidence)>,
    /// Indexes that keep building linear in the size of the inputs.
    link_by_key: HashMap<(DeviceId, DeviceId, LinkKind), usize>,
    /// The first link (of any kind) between a supplier and a consumer.
    first_link_of_pair: HashMap<(DeviceId, DeviceId), usize>,
    iommu_edge_of_pair: HashMap<(DeviceId, DeviceId), usize>,
    /// DT path → the lowest-numbered device with that path.
    device_by_dt_path: HashMap<String, DeviceId>,
    /// (device, snapshot) → the device link whose state showed it bound there (index in
    /// `boot.links`, then in that link's evidence), so that the bind is cited by the link's
    /// file and line.
    bound_per_link: HashMap<(DeviceId, usize), (usize, usize)>,
    /// The run's caps on devices and links (`--limit devices=…`, `links=…`).
    max_devices: usize,
    max_links: usize,
    /// Where the model stopped taking input at the device cap, and where the first link over
    /// the link cap was left out: said once each in the boot's notes.
    device_cap_at: Option<Origin>,
    link_cap_at: Option<Origin>,
}

impl Boot {
    /// Builds the model of one boot from its inputs, under the run's caps.
    pub fn from_inputs(inputs: BootInputs) -> Boot {
        Boot::from_inputs_with(inputs, &crate::limits::current())
    }

    /// Builds the model of one boot from its inputs under `limits`: past the records cap the
    /// log is not used, past the device cap no more input is taken, past the link cap no more
    /// links; each cap hit is a note naming where the boot stopped and the flag that raises it.
    pub fn from_inputs_with(mut inputs: BootInputs, limits: &crate::limits::Limits) -> Boot {
        let mut builder = Builder {
            max_devices: usize::try_from(limits.devices).unwrap_or(usize::MAX),
            max_links: usize::try_from(limits.links).unwrap_or(usize::MAX),
            ..Builder::default()
        };
        if let Some(log) = &mut inputs.log {
            if let Some(note) = cut_at_record_cap(log, limits.records) {
                inputs.notes.push(note);
            }
        }
        builder
            .bus_names
            .extend(KNOWN_BUS_OR_CLASS_NAMES.iter().map(|s| s.to_string()));
        builder.boot.name = inputs.name;
        builder.boot.inputs = inputs.inputs;
        builder.boot.notes = inputs.notes;
        builder
            .boot
            .notes
            .extend(inputs.errors.iter().map(|e| e.to_string()));
        builder.boot.cmdline = inputs.cmdline;
        builder.boot.modules = inputs.modules;
        builder.boot.kconfig = inputs.kconfig;
        builder.boot.kernel_release = inputs.kernel_release;
        builder.boot.snapshots = inputs.snapshots.iter().map(|s| s.label.clone()).collect();
        // Each snapshot is taken by value and its records dropped as they become the model, so
        // the raw records and the model built from them are not both held whole.
        for (index, snapshot) in inputs.snapshots.into_iter().enumerate() {
            builder.add_snapshot(index, snapshot);
        }
        if let Some(tree) = inputs.device_tree {
            builder.add_device_tree(&tree);
            builder.boot.device_tree = Some(tree);
        }
        builder.boot.acpi = inputs.acpi;
        if let Some(log) = inputs.log {
            builder.boot.log_source = Some(log.source.clone());
            for event in &log.events {
                if !builder.takes_more(&event.origin) {
                    break;
                }
                builder.add_log_event(event);
            }
            // Most events are facts: room for all at once, not a vector doubled (and its facts
            // copied) a dozen times over a long boot.
            let mut facts = Vec::with_capacity(log.events.len());
            facts.extend(
                log.events
                    .into_iter()
                    .filter_map(crate::ingest::messages::fact_of),
            );
            builder.boot.facts = facts;
        }
        for fact in &builder.boot.facts {
            if let crate::model::FactKind::AcpiTable { signature } = &fact.kind {
                if !builder.boot.acpi.tables.contains(signature) {
                    builder.boot.acpi.tables.push(signature.clone());
                }
            }
        }
        builder.note_caps();
        builder.finish()
    }
}

/// Drops the log's events from the boot's record `cap` on; the note says where the boot was
/// cut. Records are counted from the boot's first (an event's index counts from the log's).
fn cut_at_record_cap(log: &mut crate::ingest::LogData, cap: u64) -> Option<String> {
    let first = log.boots.first().map_or(0, |span| span.first_record);
    let keep = log
        .events
        .partition_point(|event| event.index < first.saturating_add(cap));
    if log.records <= cap && keep == log.events.len() {
        return None;
    }
    let at = log.events.get(keep).map(|event| event.origin.to_string());
    log.events.truncate(keep);
    Some(format!(
        "{}: {} records, more than the {}-record cap per boot ({}); the boot is analysed up to \
         record {}{}",
        log.source,
        crate::limits::thousands(log.records),
        crate::limits::thousands(cap),
        crate::limits::raise_hint("records"),
        crate::limits::thousands(cap),
        at.map(|at| format!(" (what follows {at} was not used)"))
            .unwrap_or_default()
    ))
}

impl Builder {
    /// Whether the model may take the entry read at `at`: once it holds the capped number of
    /// devices it takes no more input (the first refusal is noted), so a boot past the cap is
    /// analysed as far as the input went before it.
    fn takes_more(&mut self, at: &Origin) -> bool {
        if self.boot.devices.len() < self.max_devices {
            return true;
        }
        self.device_cap_at.get_or_insert_with(|| at.clone());
        false
    }

    /// Whether one more link fits under the link cap (the first link left out is noted).
    fn has_room_for_link(&mut self, at: &Origin) -> bool {
        if self.boot.links.len() < self.max_links {
            return true;
        }
        self.link_cap_at.get_or_insert_with(|| at.clone());
        false
    }

    /// The boot's notes for the caps it hit.
    fn note_caps(&mut self) {
        if let Some(at) = self.device_cap_at.take() {
            self.boot.notes.push(format!(
                "{at}: the boot reached the {}-device cap here ({}); input from here on was not \
                 used, the boot is analysed as far as it went",
                crate::limits::thousands(self.max_devices as u64),
                crate::limits::raise_hint("devices")
            ));
        }
        if let Some(at) = self.link_cap_at.take() {
            self.boot.notes.push(format!(
                "{at}: the boot reached the {}-link cap here ({}); this link and later ones were \
                 left out, the boot is analysed without them",
                crate::limits::thousands(self.max_links as u64),
                crate::limits::raise_hint("links")
            ));
        }
    }

    fn device(&mut self, name: &str) -> DeviceId {
        if let Some(id) = self.boot.find_by_name(name) {
            return id;
        }
        self.boot.add_device(Device {
            name: name.to_string(),
            states: vec![DeviceState::default(); self.boot.snapshots.len()],
            ..Device::default()
        })
    }

    fn device_mut(&mut self, id: DeviceId) -> &mut Device {
        &mut self.boot.devices[id.index()]
    }

    fn set_bus(&mut self, id: DeviceId, bus: Option<&str>) {
        if let Some(bus) = bus.filter(|b| !b.is_empty()) {
            if !self.bus_names.contains(bus) {
                self.bus_names.insert(bus.to_string());
            }
            let device = self.device_mut(id);
            if device.bus.is_none() {
                device.bus = Some(bus.to_string());
            }
        }
    }

    /// Gives a device its DT path unless it has one already.
    fn set_dt_path(&mut self, id: DeviceId, path: &str) {
        let device = self.device_mut(id);
        if device.dt_path.is_some() {
            return;
        }
        device.dt_path = Some(path.to_string());
        self.device_by_dt_path
            .entry(path.to_string())
            .and_modify(|owner| *owner = (*owner).min(id))
            .or_insert(id);
    }

    /// The device whose DT path is `path` (the lowest-numbered one when several share it).
    fn device_with_dt_path(&self, path: &str) -> Option<DeviceId> {
        self.device_by_dt_path.get(path).copied()
    }

    fn set_sysfs_path(&mut self, id: DeviceId, path: Option<&str>) {
        if let Some(path) = path {
            let device = self.device_mut(id);
            if device.sysfs_path.is_none() {
                device.sysfs_path = Some(path.trim_end_matches('/').to_string());
            }
        }
    }

    fn add_snapshot(&mut self, index: usize, snapshot: Snapshot) {
        for entry in snapshot.devices.into_iter().flat_map(consume) {
            if !self.takes_more(&entry.origin) {
                break;
            }
            let id = self.device(&entry.name);
            self.set_bus(id, entry.bus.as_deref());
            self.set_sysfs_path(id, entry.sysfs_path.as_deref());
            if let Some(of_node) = &entry.of_node {
                self.set_dt_path(id, of_node);
            }
            let device = self.device_mut(id);
            let state = &mut device.states[index];
            state.driver = Some(entry.driver);
            state.listed_at = Some(entry.origin.clone());
            if entry.iommu_group.is_some() {
                state.iommu_group = entry.iommu_group;
            }
            if let Some(instance) = entry.iommu {
                let evidence = Evidence::new(entry.origin, format!("{}: iommu -> {instance}", entry.name));
                self.instance_of_consumer.push((id, instance, evidence));
            }
        }
        let has_deferred = snapshot.deferred.is_some();
        for entry in snapshot.deferred.into_iter().flat_map(consume) {
            if !self.takes_more(&entry.origin) {
                break;
            }
            let id = self.device(&entry.device);
            self.device_mut(id).states[index].deferred = Some(true);
            let text = match &entry.deferral {
                Some(deferral) => format!("{}\t{}", entry.device, describe_deferral(deferral)),
                None => entry.device,
            };
            self.boot.events.push(Event {
                device: id,
                position: Position::Snapshot { index },
                kind: EventKind::Deferred {
                    deferral: entry.deferral,
                },
                evidence: Evidence::new(entry.origin, text),
            });
        }
        if has_deferred {
            for device in &mut self.boot.devices {
                device.states[index].deferred.get_or_insert(false);
            }
        }
        for entry in snapshot.waiting_for_supplier.into_iter().flat_map(consume) {
            if !self.takes_more(&entry.origin) {
                break;
            }
            let id = self.device(&entry.device);
            self.set_sysfs_path(id, entry.sysfs_path.strip_suffix("/waiting_for_supplier"));
            self.device_mut(id).states[index].waiting_for_supplier = Some(entry.waiting);
        }
        for group in snapshot.iommu_groups.iter().flatten() {
            if !self.takes_more(&group.origin) {
                break;
            }
            for member in &group.devices {
                let id = self.device(&member.name);
                self.device_mut(id).states[index].iommu_group = Some(group.group);
            }
        }
        for instance in snapshot.iommu_instances.iter().flatten() {
            if !self.takes_more(&instance.origin) {
                break;
            }
            let Some(parent) = &instance.parent_device else {
                continue;
            };
            let iommu = self.device(parent);
            let device = self.device_mut(iommu);
            device.is_iommu = true;
            if !device.iommu_instances.contains(&instance.name) {
                device.iommu_instances.push(instance.name.clone());
            }
            // A registered instance means the IOMMU's driver probed.
            if device.states[index].driver.is_none() {
                device.states[index].bound_per_links = Some(true);
            }
            for consumer in &instance.devices {
                let consumer = self.device(&consumer.name);
                let evidence = Evidence::new(
                    instance.origin.clone(),
                    format!(
                        "/sys/class/iommu/{}/devices/{}",
                        instance.name,
                        self.boot.device(consumer).name
                    ),
                );
                self.add_iommu_edge(consumer, iommu, IommuVia::IommuClass, evidence);
            }
        }
        for record in snapshot.devlinks.into_iter().flat_map(consume) {
            if !self.takes_more(&record.origin) {
                break;
            }
            self.add_devlink(index, &record);
        }
    }

    fn add_devlink(&mut self, index: usize, record: &DevlinkRecord) {
        let supplier = self.device(&record.supplier.name);
        self.set_bus(supplier, record.supplier.bus.as_deref());
        self.set_sysfs_path(supplier, record.supplier.sysfs_path.as_deref());
        let consumer = self.device(&record.consumer.name);
        self.set_bus(consumer, record.consumer.bus.as_deref());
        self.set_sysfs_path(consumer, record.consumer.sysfs_path.as_deref());
        let kind = if record.status == Some(LinkStatus::NotTracked) {
            LinkKind::Stateless
        } else if record.sync_state_only == Some(true) {
            LinkKind::SyncStateOnly
        } else {
            LinkKind::Managed
        };
        let text = format!(
            "{} status={}",
            record.name,
            record.status.map(LinkStatus::as_str).unwrap_or("(not captured)")
        );
        // The text shows the link's status: cite the line that gave it.
        let evidence = Evidence::new(record.status_origin().clone(), text);
        let snapshots = self.boot.snapshots.len();
        let at = match self.link_by_key.get(&(supplier, consumer, kind)).copied() {
            Some(at) => at,
            None if !self.has_room_for_link(&record.origin) => return,
            None => self.push_link(Link {
                supplier,
                consumer,
                kind,
                status_by_snapshot: vec![None; snapshots],
                property: None,
                // Most links are seen once: a `Vec`'s first push would make room for four.
                evidence: Vec::with_capacity(1),
            }),
        };
        let link = &mut self.boot.links[at];
        link.status_by_snapshot[index] = record.status;
        let evidence_at = link.evidence.len();
        link.evidence.push(evidence);
        if kind == LinkKind::Managed {
            let (supplier_bound, consumer_bound) = match record.status {
                Some(LinkStatus::Dormant) => (Some(false), Some(false)),
                Some(LinkStatus::Available) => (Some(true), Some(false)),
                Some(LinkStatus::ConsumerProbing) => (Some(true), None),
                Some(LinkStatus::Active) => (Some(true), Some(true)),
                _ => (None, None),
            };
            for (id, bound) in [(supplier, supplier_bound), (consumer, consumer_bound)] {
                if let Some(bound) = bound {
                    let first = self.device_mut(id).states[index]
                        .bound_per_links
                        .get_or_insert(bound);
                    if *first {
                        self.bound_per_link
                            .entry((id, index))
                            .or_insert((at, evidence_at));
                    }
                }
            }
        }
    }

    /// Adds a link and indexes it; returns its index in `boot.links`.
    fn push_link(&mut self, link: Link) -> usize {
        let at = self.boot.links.len();
        self.link_by_key
            .entry((link.supplier, link.consumer, link.kind))
            .or_insert(at);
        self.first_link_of_pair
            .entry((link.supplier, link.consumer))
            .or_insert(at);
        self.boot.links.push(link);
        at
    }

    fn add_device_tree(&mut self, tree: &crate::model::dt::DeviceTree) {
        // Nodes whose device the inputs already name get their DT path.
        for node in &tree.nodes {
            if let Some(name) = &node.device_name {
                if let Some(id) = self.boot.find_by_name(name) {
                    self.set_dt_path(id, &node.path);
                }
            }
        }
        let device_of_node = |builder: &mut Builder, node: &crate::model::dt::DtNode| -> Option<DeviceId> {
            if let Some(id) = builder.device_with_dt_path(&node.path) {
                return Some(id);
            }
            let name = node.device_name.as_deref()?;
            let id = builder.device(name);
            builder.set_dt_path(id, &node.path);
            Some(id)
        };
        for node in tree.nodes.iter().filter(|n| n.enabled) {
            if !self.takes_more(&Origin::file_only(&tree.source)) {
                break;
            }
            if node.iommu_cells.is_some() {
                if let Some(id) = device_of_node(self, node) {
                    self.device_mut(id).is_iommu = true;
                }
            }
            if node.iommus.is_empty() {
                continue;
            }
            let Some(consumer) = device_of_node(self, node) else {
                continue;
            };
            for spec in &node.iommus {
                let iommu_node = tree.node(spec.iommu);
                if !iommu_node.enabled {
                    continue;
                }
                let Some(iommu) = device_of_node(self, iommu_node) else {
                    continue;
                };
                self.device_mut(iommu).is_iommu = true;
                let evidence = Evidence::new(
                    Origin::file_only(&tree.source),
                    format!("{}: iommus = <&{}>", node.path, iommu_node.path),
                );
                self.add_iommu_edge(consumer, iommu, IommuVia::DtIommus, evidence);
            }
        }
    }

    fn add_log_event(&mut self, event: &LogEvent) {
        let position = Position::Log {
            index: event.index,
            time: event.time,
        };
        let evidence = Evidence::new(event.origin.clone(), event.text.clone());
        let push = |builder: &mut Builder, device: DeviceId, kind: EventKind| {
            builder.boot.events.push(Event {
                device,
                position,
                kind,
                evidence: evidence.clone(),
            });
        };
        match &event.message {
            Message::DevicePrint(prefix) => {
                self.note_prefix(prefix, event, &evidence);
            }
            Message::IgnoringDependency {
                device,
                assumed_no_driver,
            } => {
                let id = self.note_prefix(device, event, &evidence);
                push(
                    self,
                    id,
                    EventKind::IgnoredDependency {
                        assumed_no_driver: *assumed_no_driver,
                    },
                );
                let driver = self.driver_in_prefix(id, device);
                self.candidate(
                    id,
                    event,
                    BindBasis::WentAheadIgnoringDependency,
                    driver,
                    &evidence,
                );
            }
            Message::DeferredProbePending { device, deferral } => {
                let id = self.note_prefix(device, event, &evidence);
                self.last_setback.insert(id, event.index);
                push(
                    self,
                    id,
                    EventKind::DeferredPending {
                        deferral: deferral.as_deref().cloned(),
                    },
                );
            }
            Message::ProbeDeferred { device, deferral, .. } => {
                let id = self.device(device);
                self.last_setback.insert(id, event.index);
                push(
                    self,
                    id,
                    EventKind::Deferred {
                        deferral: deferral.as_deref().cloned(),
                    },
                );
            }
            // really_probe_debug() (dd.c): ±517 is a deferral, which the message reader also
            // gives as `ProbeDeferred`; what 0 and 1 mean depends on the kernel's era, known
            // once the whole log is read (see `add_bind_events`).
            Message::ProbeReturned { value, .. } if value.abs() == EPROBE_DEFER => {}
            Message::ProbeReturned { device, value, .. } if matches!(value, 0 | 1) => {
                let id = self.device(device);
                let basis = BindBasis::ProbeReturnedSuccess;
                self.probe_returns.push((id, *value, event.index));
                self.candidate(id, event, basis, None, &evidence);
            }
            Message::ProbeReturned { device, value, .. } => {
                // From ~v5.14 a positive value is the driver's error negated (19 and 6,
                // -ENODEV/-ENXIO, are a driver declining the device; the others a failure the
                // driver core also prints as "probe with driver X failed"); a negative one a
                // failure before the driver's probe, printed by nothing else.
                let id = self.device(device);
                self.last_setback.insert(id, event.index);
                if matches!(value, 19 | 6) {
                    push(
                        self,
                        id,
                        EventKind::ProbeDeclined {
                            errno: -(*value as i32),
                        },
                    );
                } else if *value < 0 {
                    let driver = self
                        .boot
                        .device(id)
                        .drivers_seen
                        .last()
                        .cloned()
                        .unwrap_or_else(|| "(not named)".to_string());
                    let errno = i32::try_from(*value).unwrap_or(i32::MIN);
                    push(self, id, EventKind::ProbeFailed { driver, errno });
                }
            }
            Message::DriverBound { device, driver } => {
                let id = self.device(device);
                self.note_driver(id, driver);
                self.candidate(
                    id,
                    event,
                    BindBasis::DriverBoundLine,
                    Some(driver.clone()),
                    &evidence,
                );
            }
            Message::ProbeFailed {
                device,
                driver,
                errno,
            } => {
                let id = self.device(device);
                self.last_setback.insert(id, event.index);
                push(
                    self,
                    id,
                    EventKind::ProbeFailed {
                        driver: driver.clone(),
                        errno: *errno,
                    },
                );
            }
            Message::IommuGroupAdded { device, group } => {
                let id = self.note_prefix(device, event, &evidence);
                push(self, id, EventKind::JoinedIommuGroup { group: *group });
            }
            Message::IommuGroupFailed { device, detail } => {
                let id = self.note_prefix(device, event, &evidence);
                push(
                    self,
                    id,
                    EventKind::IommuGroupFailed {
                        detail: detail.clone(),
                    },
                );
            }
            Message::LateIommuProbe { device } => {
                let id = self.note_prefix(device, event, &evidence);
                push(self, id, EventKind::LateIommuProbe);
            }
            Message::IommuConfigFailed { device, error } => {
                let id = self.note_prefix(device, event, &evidence);
                push(self, id, EventKind::IommuConfigFailed { error: error.clone() });
            }
            Message::LinkedAsConsumer {
                consumer,
                supplier,
                sync_state_only,
            } => {
                let kind = if *sync_state_only {
                    LinkKind::SyncStateOnly
                } else {
                    LinkKind::Managed
                };
                self.add_logged_link(supplier, consumer, kind, evidence);
            }
            Message::DroppingLink { consumer, supplier } | Message::RelaxingLink { consumer, supplier } => {
                let (supplier, consumer) = (self.device(supplier), self.device(consumer));
                if let Some(at) = self.first_link_of_pair.get(&(supplier, consumer)) {
                    self.boot.links[*at].evidence.push(evidence);
                }
            }
            Message::PciHostBridge { bridge, domain, .. } => {
                let id = self.device(bridge);
                self.bridge_by_domain.entry(*domain).or_insert((id, evidence));
            }
            Message::PciDevice { device } => {
                let id = self.device(device);
                self.set_bus(id, Some("pci"));
            }
            _ => {}
        }
    }

    /// Records a dev_printk prefix: the device exists, and a prefix other than its bus names
    /// the driver bound or probing at that moment.
    fn note_prefix(&mut self, prefix: &DevicePrefix, event: &LogEvent, evidence: &Evidence) -> DeviceId {
        let id = self.device(&prefix.device);
        if let Some(driver) = self.driver_in_prefix(id, prefix) {
            self.note_driver(id, &driver);
            self.candidate(id, event, BindBasis::DriverPrefixedLine, Some(driver), evidence);
        }
        id
    }

    /// `id`: the device the prefix names.
    fn driver_in_prefix(&self, id: DeviceId, prefix: &DevicePrefix) -> Option<String> {
        let word = prefix.driver_or_bus.as_str();
        if word.is_empty() {
            return None;
        }
        let is_bus = self.bus_names.contains(word) || self.boot.device(id).bus.as_deref() == Some(word);
        (!is_bus).then(|| word.to_string())
    }

    fn note_driver(&mut self, id: DeviceId, driver: &str) {
        let device = self.device_mut(id);
        if !device.drivers_seen.iter().any(|d| d == driver) {
            device.drivers_seen.push(driver.to_string());
        }
    }

    fn candidate(
        &mut self,
        id: DeviceId,
        event: &LogEvent,
        basis: BindBasis,
        driver: Option<String>,
        evidence: &Evidence,
    ) {
        self.bind_candidates.entry(id).or_default().push(BindCandidate {
            index: event.index,
            time: event.time,
            basis,
            driver,
            evidence: evidence.clone(),
        });
    }

    fn add_logged_link(&mut self, supplier: &str, consumer: &str, kind: LinkKind, evidence: Evidence) {
        let (supplier, consumer) = (self.device(supplier), self.device(consumer));
        let snapshots = self.boot.snapshots.len();
        match self.first_link_of_pair.get(&(supplier, consumer)).copied() {
            Some(at) => self.boot.links[at].evidence.push(evidence),
            None if !self.has_room_for_link(&evidence.origin) => {}
            None => {
                self.push_link(Link {
                    supplier,
                    consumer,
                    kind,
                    status_by_snapshot: vec![None; snapshots],
                    property: None,
                    evidence: vec![evidence],
                });
            }
        }
    }

    fn add_iommu_edge(&mut self, consumer: DeviceId, iommu: DeviceId, via: IommuVia, evidence: Evidence) {
        if consumer == iommu {
            return;
        }
        match self.iommu_edge_of_pair.get(&(consumer, iommu)) {
            Some(at) => {
                let edge = &mut self.boot.iommu_edges[*at];
                if !edge.via.contains(&via) {
                    edge.via.push(via);
                }
                edge.evidence.push(evidence);
            }
            None => {
                self.iommu_edge_of_pair
                    .insert((consumer, iommu), self.boot.iommu_edges.len());
                self.boot.iommu_edges.push(IommuEdge {
                    consumer,
                    iommu,
                    via: vec![via],
                    evidence: vec![evidence],
                });
            }
        }
    }

    /// PCI functions sit behind the IOMMU their host bridge's `iommu-map` gives their requester
    /// ID; the bridge itself is no consumer (its devlink to the IOMMU only orders its probe).
    fn add_pci_iommu_edges(&mut self) {
        let Some(tree) = self.boot.device_tree.take() else {
            return;
        };
        let bridges: Vec<_> = tree
            .nodes
            .iter()
            .filter(|n| n.enabled && !n.iommu_map.is_empty())
            .filter_map(|n| {
                let id = self
                    .device_with_dt_path(&n.path)
                    .or_else(|| n.device_name.as_deref().map(|name| self.device(name)))?;
                self.set_dt_path(id, &n.path);
                Some((id, n))
            })
            .collect();
        if !bridges.is_empty() {
            let functions: Vec<(DeviceId, PciAddress)> = self
                .boot
                .device_ids()
                .filter_map(|id| PciAddress::parse(&self.boot.device(id).name).map(|a| (id, a)))
                .collect();
            for (function, address) in functions {
                let Some((bridge, node, how)) = self.bridge_of(function, address, &bridges) else {
                    continue;
                };
                let rid = address.requester_id();
                for entry in &node.iommu_map {
                    let Some(stream_id) = entry.map(rid) else { continue };
                    let iommu_node = tree.node(entry.iommu);
                    if !iommu_node.enabled {
                        continue;
                    }
                    let iommu = match self.device_with_dt_path(&iommu_node.path) {
                        Some(id) => id,
                        None => match iommu_node.device_name.as_deref() {
                            Some(name) => self.device(name),
                            None => continue,
                        },
                    };
                    self.device_mut(iommu).is_iommu = true;
                    let text = format!(
                        "{}: iommu-map: requester ID {rid:#x} -> {} stream ID {stream_id:#x} ({how})",
                        node.path, iommu_node.path
                    );
                    let evidence = Evidence::new(Origin::file_only(&tree.source), text);
                    self.add_iommu_edge(
                        function,
                        iommu,
                        IommuVia::DtIommuMap {
                            bridge,
                            rid,
                            stream_id,
                        },
                        evidence,
                    );
                }
            }
        }
        self.boot.device_tree = Some(tree);
    }

    /// The host bridge a PCI function sits below: from its sysfs path, from the log's "PCI host
    /// bridge to bus" line for its domain, from `linux,pci-domain`, or the only bridge there is.
    fn bridge_of<'t>(
        &self,
        function: DeviceId,
        address: PciAddress,
        bridges: &[(DeviceId, &'t crate::model::dt::DtNode)],
    ) -> Option<(DeviceId, &'t crate::model::dt::DtNode, &'static str)> {
        if let Some(path) = &self.boot.device(function).sysfs_path {
            for (bridge, node) in bridges {
                let name = &self.boot.device(*bridge).name;
                if path.split('/').any(|component| component == name) {
                    return Some((*bridge, node, "below the bridge in sysfs"));
                }
            }
        }
        if let Some((bridge, _)) = self.bridge_by_domain.get(&address.domain) {
            if let Some((id, node)) = bridges.iter().find(|(id, _)| id == bridge) {
                return Some((*id, node, "the bridge's PCI domain per the log"));
            }
        }
        if let Some((id, node)) = bridges.iter().find(|(_, n)| n.pci_domain == Some(address.domain)) {
            return Some((*id, node, "linux,pci-domain"));
        }
        match bridges {
            [(id, node)] => Some((*id, node, "the only host bridge with an iommu-map")),
            _ => None,
        }
    }

    fn finish(mut self) -> Boot {
        self.add_pci_iommu_edges();
        // Device links from an IOMMU device: its consumers, except host bridges with an
        // iommu-map, whose functions are the consumers.
        let bridge_paths: HashSet<String> = self
            .boot
            .device_tree
            .iter()
            .flat_map(|t| {
                t.nodes
                    .iter()
                    .filter(|n| !n.iommu_map.is_empty())
                    .map(|n| n.path.clone())
            })
            .collect();
        let link_edges: Vec<_> = self
            .boot
            .links
            .iter()
            .filter(|l| self.boot.device(l.supplier).is_iommu)
            .filter(|l| {
                !self
                    .boot
                    .device(l.consumer)
                    .dt_path
                    .as_ref()
                    .is_some_and(|p| bridge_paths.contains(p))
            })
            .map(|l| (l.consumer, l.supplier, l.evidence.first().cloned()))
            .collect();
        for (consumer, iommu, evidence) in link_edges {
            if let Some(evidence) = evidence {
                self.add_iommu_edge(consumer, iommu, IommuVia::DeviceLink, evidence);
            }
        }
        let instances: Vec<_> = std::mem::take(&mut self.instance_of_consumer);
        let mut owner_of_instance: HashMap<&str, DeviceId> = HashMap::new();
        for id in self.boot.device_ids() {
            for instance in &self.boot.device(id).iommu_instances {
                owner_of_instance.entry(instance.as_str()).or_insert(id);
            }
        }
        let owned: Vec<_> = instances
            .into_iter()
            .filter_map(|(consumer, instance, evidence)| {
                owner_of_instance
                    .get(instance.as_str())
                    .map(|owner| (consumer, *owner, evidence))
            })
            .collect();
        for (consumer, owner, evidence) in owned {
            self.add_iommu_edge(consumer, owner, IommuVia::IommuClass, evidence);
        }
        self.add_acpi_iommu_edges();
        self.add_bind_events();
        let order = |e: &Event| match e.position {
            Position::Log { index, .. } => (0, index as usize),
            Position::Snapshot { index } => (1, index),
        };
        // Often in order already (snapshot events only): the sort's buffer of half the events
        // is then not needed.
        if !self.boot.events.is_sorted_by_key(order) {
            self.boot.events.sort_by_key(order);
        }
        self.index();
        // The model is held through the whole analysis: none of its growth's spare room
        // (up to half of each list, a third of the peak on a 100,000-device graph).
        self.boot.devices.shrink_to_fit();
        self.boot.links.shrink_to_fit();
        self.boot.events.shrink_to_fit();
        self.boot.iommu_edges.shrink_to_fit();
        self.boot.facts.shrink_to_fit();
        self.boot
    }

    /// PCI functions whose requester ID an ACPI table (VIOT, IORT) routes to an IOMMU that is
    /// a known device: a PCI function the table names (virtio-iommu), or the device that
    /// registered the IOMMU instance the driver names after its base address
    /// (`smmu3.0x<base>`, drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c `arm_smmu_device_probe()`).
    fn add_acpi_iommu_edges(&mut self) {
        let routes = self.boot.acpi.routes.clone();
        for route in &routes {
            let iommu = match (&route.iommu.device, route.iommu.base_address) {
                (Some(name), _) => self.boot.find_by_name(name),
                (None, Some(base)) => {
                    let instance = format!("smmu3.{base:#018x}");
                    self.boot
                        .device_ids()
                        .find(|id| self.boot.device(*id).iommu_instances.contains(&instance))
                }
                (None, None) => None,
            };
            let Some(iommu) = iommu else {
                continue;
            };
            self.device_mut(iommu).is_iommu = true;
            let consumers: Vec<DeviceId> = self
                .boot
                .device_ids()
                .filter(|id| route.endpoints.contains(&self.boot.device(*id).name))
                .collect();
            for consumer in consumers {
                let evidence = route.evidence.clone();
                self.add_iommu_edge(consumer, iommu, IommuVia::AcpiTable, evidence);
            }
        }
    }

    /// The boot's look-up indexes, once everything is in.
    fn index(&mut self) {
        let by_dt_path = std::mem::take(&mut self.device_by_dt_path);
        self.boot.build_indexes(by_dt_path);
    }

    /// Whether `probe of X returned 1` means a bind (before ~v5.14 `really_probe()` returned 1
    /// once bound and 0 for every probe error it swallowed) rather than 0 meaning one.
    fn old_probe_return_values(&self) -> bool {
        if self.probe_returns.iter().any(|(_, value, _)| *value == 1) {
            return true;
        }
        let release = self.boot.kernel_release.clone().or_else(|| {
            self.boot.facts.iter().find_map(|fact| match &fact.kind {
                crate::model::FactKind::KernelVersion { release } => Some(release.clone()),
                _ => None,
            })
        });
        let version = release.and_then(|release| {
            let mut parts = release.split(|c: char| !c.is_ascii_digit());
            let major: u32 = parts.next()?.parse().ok()?;
            let minor: u32 = parts.next()?.parse().ok()?;
            Some((major, minor))
        });
        version.is_some_and(|version| version < (5, 14))
    }

    /// One `Bound` event per device from the earliest proof of a bind after its last setback
    /// (deferral, failure), and a `ProbeRan` event from weaker evidence before it (or instead
    /// of it): the probe order of IOMMU consumers needs the earliest sign of the probe, the
    /// device's state needs proof.
    fn add_bind_events(&mut self) {
        let success = if self.old_probe_return_values() { 1 } else { 0 };
        let failed_returns: HashSet<(DeviceId, u64)> = self
            .probe_returns
            .iter()
            .filter(|(_, value, _)| *value != success)
            .map(|(id, _, index)| (*id, *index))
            .collect();
        for (id, index) in &failed_returns {
            // A swallowed error (old kernels' 0): the probe ran and did not bind.
            let setback = self.last_setback.entry(*id).or_insert(*index);
            *setback = (*setback).max(*index);
        }
        let candidates = std::mem::take(&mut self.bind_candidates);
        for (id, candidates) in candidates {
            let setback = self.last_setback.get(&id).copied();
            let after_setback: Vec<BindCandidate> = candidates
                .into_iter()
                .filter(|c| setback.is_none_or(|s| c.index > s))
                .filter(|c| !failed_returns.contains(&(id, c.index)))
                .collect();
            let bound = after_setback
                .iter()
                .filter(|c| c.basis.strength() == BindStrength::Bound)
                .min_by_key(|c| (c.index, c.basis != BindBasis::DriverBoundLine));
            let ran = after_setback
                .iter()
                .filter(|c| c.basis.strength() == BindStrength::ProbeRan)
                .filter(|c| bound.is_none_or(|b| c.index < b.index))
                // The kernel's own line names what the probe was, over the prefix of that line.
                .min_by_key(|c| (c.index, c.basis != BindBasis::WentAheadIgnoringDependency));
            for (c, is_bound) in [(ran, false), (bound, true)] {
                let Some(c) = c else { continue };
                let (driver, basis) = (c.driver.clone(), c.basis);
                let kind = if is_bound {
                    EventKind::Bound { driver, basis }
                } else {
                    EventKind::ProbeRan { driver, basis }
                };
                self.boot.events.push(Event {
                    device: id,
                    position: Position::Log {
                        index: c.index,
                        time: c.time,
                    },
                    kind,
                    evidence: c.evidence.clone(),
                });
            }
        }
        let snapshots = self.boot.snapshots.clone();
        for id in self.boot.device_ids().collect::<Vec<_>>() {
            let device = self.boot.device(id);
            let Some(index) = device.states.iter().position(|s| s.bound() == Some(true)) else {
                continue;
            };
            let driver = device.states[index].driver.clone().flatten();
            let text = match &driver {
                Some(driver) => format!(
                    "{}: driver {driver} bound at snapshot {}",
                    device.name, snapshots[index]
                ),
                None => format!("{}: bound at snapshot {}", device.name, snapshots[index]),
            };
            // Without a driver listing, a managed link's state is what showed it: cite that.
            let by_link = self
                .bound_per_link
                .get(&(id, index))
                .and_then(|(link, at)| self.boot.links.get(*link)?.evidence.get(*at));
            let evidence = match (&driver, by_link) {
                (None, Some(link)) => {
                    Evidence::new(link.origin.clone(), format!("{text} (device link {})", link.text))
                }
                _ => Evidence::new(self.snapshot_origin(index), text),
            };
            self.boot.events.push(Event {
                device: id,
                position: Position::Snapshot { index },
                kind: EventKind::Bound {
                    driver,
                    basis: BindBasis::Snapshot,
                },
                evidence,
            });
        }
    }

    fn snapshot_origin(&self, index: usize) -> Origin {
        let label = self
            .boot
            .snapshots
            .get(index)
            .map(String::as_str)
            .unwrap_or("final");
        let file = self
            .boot
            .inputs
            .iter()
            .find(|i| i.moment.as_deref() == Some(label) && i.kind != InputKind::Unused)
            .or_else(|| self.boot.inputs.iter().find(|i| i.moment.is_none()))
            .map(|i| i.path.clone())
            .unwrap_or_else(|| format!("snapshot {label}"));
        Origin {
            file: file.into(),
            line: 0,
        }
    }
}

/// Yields a vector's items in order and gives their memory back as it goes (the buffer shrinks
/// each time half of it is spent): a 100,000-link dump's records (~37 MB) are then not held
/// whole while the model they become is built.
pub(crate) fn consume<T>(items: Vec<T>) -> impl Iterator<Item = T> {
    let mut rest = items;
    rest.reverse();
    std::iter::from_fn(move || {
        let item = rest.pop()?;
        if rest.capacity() > 64 && rest.len() < rest.capacity() / 2 {
            rest.shrink_to_fit();
        }
        Some(item)
    })
}

/// A deferral reason as the kernel stores it (`platform: supplier X not ready`).
pub fn describe_deferral(deferral: &Deferral) -> String {
    let reason = match &deferral.reason {
        DeferReason::Empty => String::new(),
        DeferReason::WaitForSupplier { fwnode } => format!("wait for supplier {fwnode}"),
        DeferReason::SupplierNotReady { supplier } => format!("supplier {supplier} not ready"),
        DeferReason::Text(text) => text.clone(),
    };
    match &deferral.recorded_by {
        Some(by) if !reason.is_empty() => format!("{by}: {reason}"),
        _ => reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boot of one input under `fixtures/`.
    fn boot_of(relative: &str) -> Boot {
        let spec = crate::ingest::discover::InputSpec {
            paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)],
            ..Default::default()
        };
        Boot::from_inputs(crate::ingest::discover::gather(&spec).expect("the fixture reads"))
    }

    fn kinds<'b>(boot: &'b Boot, device: &str) -> Vec<&'b EventKind> {
        let id = boot.find_by_name(device).expect("the device is in the log");
        boot.events_of(id).map(|e| &e.kind).collect()
    }

    /// S5 is a 6.1 kernel with initcall_debug and the driver core's debug lines (6.1 is past
    /// the ~5.14 rework: `probe of X returned 0` is a bind).
    const VERBOSE: &str = "fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt";

    #[test]
    fn the_driver_cores_lines_are_binds() {
        let boot = boot_of(VERBOSE);
        // 9000000.pl011: `driver_bound` at 0.155045 s, `probe of ... returned 0` at 0.155177 s.
        let pl011 = boot.find_by_name("9000000.pl011").expect("the UART");
        let bind = boot.bind_evidence(pl011).expect("bound");
        assert_eq!(bind.basis, BindBasis::DriverBoundLine);
        assert_eq!(bind.strength(), BindStrength::Bound);
    }

    #[test]
    fn probe_returned_zero_is_a_bind_nineteen_a_decline_and_517_a_deferral() {
        let boot = boot_of(VERBOSE);
        // `probe of psci returned 0 after 0 usecs`, and no driver_bound line for it before.
        let psci = boot.find_by_name("psci").expect("psci");
        assert!(boot.bind_evidence(psci).is_some());
        // `probe of psci-cpuidle returned 19`: -ENODEV, the driver declined it; no bind.
        let cpuidle = boot.find_by_name("psci-cpuidle").expect("psci-cpuidle");
        assert_eq!(boot.bind_evidence(cpuidle), None);
        assert!(!kinds(&boot, "psci-cpuidle")
            .iter()
            .any(|k| matches!(k, EventKind::ProbeFailed { .. })));
        // `probe of 0000:00:05.0 returned -517`: deferred by device links.
        assert!(kinds(&boot, "0000:00:05.0")
            .iter()
            .any(|k| matches!(k, EventKind::Deferred { .. })));
    }

    #[test]
    fn a_line_with_the_drivers_prefix_shows_a_probe_not_a_bind() {
        // The SMMU-late log without its debug lines: "arm-smmu-v3 9050000.smmuv3: ias 44-bit"
        // at 12.527461 s is printed from the driver's probe, which might still fail.
        let boot = boot_of("fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt");
        let smmu = boot.find_by_name("9050000.smmuv3").expect("the SMMU");
        assert_eq!(boot.bind_evidence(smmu), None);
        let probe = boot.probe_evidence(smmu).expect("its driver printed");
        assert_eq!(probe.basis, BindBasis::DriverPrefixedLine);
        assert_eq!(probe.strength(), BindStrength::ProbeRan);
    }

    #[test]
    fn a_failed_probe_leaves_no_bind_though_its_driver_printed() {
        // MT8186: "clk-mt8186-cam 1a000000.clock-controller: probe with driver clk-mt8186-cam
        // failed with error -22", printed with the driver's prefix.
        let boot = boot_of("fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt");
        let clock = boot
            .find_by_name("1a000000.clock-controller")
            .expect("the clock controller");
        assert_eq!(boot.probe_evidence(clock), None);
        assert!(kinds(&boot, "1a000000.clock-controller")
            .iter()
            .any(|k| matches!(k, EventKind::ProbeFailed { errno: -22, .. })));
    }
}
