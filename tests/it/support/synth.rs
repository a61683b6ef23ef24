//! A seeded generator of large synthetic boots with known truth, for the scale tests and the
//! `graph_scale` benchmark. It produces `BootInputs` directly (what ingest would have read from
//! one final sysfs snapshot: the device table, `/sys/class/devlink`, `devices_deferred`), so
//! the model's build is measured too.
//!
//! The boot:
//! - a bulk of bound devices, each with `links_per_device` suppliers picked among earlier
//!   devices (a DAG: no cycle): managed links `active`, one in eight stateless (`not tracked`),
//!   one in sixteen sync-state-only (`available`, possibly pointing backwards: sync-state-only
//!   links may form cycles, and `cycles(false)` must ignore them);
//! - `chains` chains of `chain_len` deferred devices below a supplier whose driver never bound
//!   (the planted root cause): each waits for the previous one through a `dormant` managed link
//!   and is listed in devices_deferred with `supplier X not ready`, as
//!   `device_links_check_suppliers()` records it; every fourth element also waits for an
//!   element of the previous chain of its group of four, so it inherits that chain's root
//!   causes (and the paths to them multiply along the chains);
//! - `cycles` rings of `cycle_len` deferred devices waiting for each other through dormant
//!   managed links (the planted cycles), each also fed by a bound bulk device.
//!
//! Names look like the kernel's (`1a2b3c00.dev`, `...`), sorted order differs from creation
//! order, and nothing in probescope may key on them.

#![allow(dead_code)]

use probescope::ingest::deferred::DeferredEntry;
use probescope::ingest::devlink::{DevlinkRecord, LinkEnd, LinkStatus};
use probescope::ingest::listing::DeviceEntry;
use probescope::ingest::messages::{DeferReason, Deferral};
use probescope::ingest::{BootInputs, Snapshot};
use probescope::model::{Origin, SourceName};
use std::collections::BTreeSet;

/// The shape of a synthetic boot.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub seed: u64,
    /// Bound devices (the bulk).
    pub devices: usize,
    pub links_per_device: usize,
    pub chains: usize,
    pub chain_len: usize,
    pub cycles: usize,
    pub cycle_len: usize,
}

impl Spec {
    /// About `devices` devices with ten suppliers each; one chain of 40 and one ring of 3 per
    /// thousand devices.
    pub fn scaled(devices: usize) -> Spec {
        Spec {
            seed: 0x5eed_0000 ^ devices as u64,
            devices,
            links_per_device: 10,
            chains: (devices / 1000).max(1),
            chain_len: 40,
            cycles: (devices / 1000).max(1),
            cycle_len: 3,
        }
    }
}

/// What the generator planted.
#[derive(Clone, Debug, Default)]
pub struct Truth {
    /// Each planted ring's device names, sorted; the list sorted.
    pub cycles: Vec<Vec<String>>,
    /// Deferred device → the never-bound suppliers at the end of its chains.
    pub root_causes: Vec<(String, BTreeSet<String>)>,
    /// Every device the final snapshot lists as deferred, sorted.
    pub deferred: Vec<String>,
    /// The never-bound chain heads.
    pub never_bound: Vec<String>,
    /// Distinct supplier–consumer pairs of all links (every kind).
    pub pairs: usize,
    pub links: usize,
}

pub struct Synthetic {
    pub inputs: BootInputs,
    pub truth: Truth,
}

/// SplitMix64: small, seeded, good enough to scatter links.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

struct Builder {
    origin: Origin,
    devices: Vec<DeviceEntry>,
    links: Vec<DevlinkRecord>,
    deferred: Vec<DeferredEntry>,
    pairs: BTreeSet<(usize, usize)>,
}

impl Builder {
    fn device(&mut self, name: String, driver: Option<String>) -> usize {
        self.devices.push(DeviceEntry {
            origin: self.origin.clone(),
            bus: Some("platform".into()),
            sysfs_path: Some(format!("/sys/devices/platform/{name}")),
            name,
            driver,
            iommu_group: None,
            iommu: None,
            of_node: None,
        });
        self.devices.len() - 1
    }

    fn link(&mut self, supplier: usize, consumer: usize, status: LinkStatus, sync_state_only: bool) {
        self.pairs.insert((supplier, consumer));
        let end = |index: usize| LinkEnd {
            bus: Some("platform".into()),
            name: self.devices[index].name.clone(),
            sysfs_path: None,
        };
        let (supplier_end, consumer_end) = (end(supplier), end(consumer));
        self.links.push(DevlinkRecord {
            origin: self.origin.clone(),
            name: format!("platform:{}--platform:{}", supplier_end.name, consumer_end.name),
            supplier: supplier_end,
            consumer: consumer_end,
            status: Some(status),
            auto_remove_on: None,
            runtime_pm: None,
            sync_state_only: Some(sync_state_only),
            supplier_target: None,
            consumer_target: None,
            attr_origins: Default::default(),
        });
    }

    fn defer(&mut self, device: usize, supplier: usize) {
        self.deferred.push(DeferredEntry {
            origin: self.origin.clone(),
            device: self.devices[device].name.clone(),
            deferral: Some(Deferral {
                recorded_by: Some("platform".into()),
                reason: DeferReason::SupplierNotReady {
                    supplier: self.devices[supplier].name.clone(),
                },
            }),
        });
    }
}

/// A kernel-like name whose order does not follow creation order.
fn name(index: usize, kind: &str) -> String {
    let scrambled = (index as u64).wrapping_mul(0x9e37_79b9) & 0xffff_ffff;
    format!("{scrambled:08x}.{kind}{index}")
}

pub fn generate(spec: Spec) -> Synthetic {
    let mut rng = Rng(spec.seed);
    let file: SourceName = "synthetic".into();
    let mut b = Builder {
        origin: Origin::file_only(&file),
        devices: Vec::new(),
        links: Vec::new(),
        deferred: Vec::new(),
        pairs: BTreeSet::new(),
    };
    let mut truth = Truth::default();
    for i in 0..spec.devices {
        b.device(name(i, "dev"), Some(format!("drv{}", i % 97)));
    }
    for consumer in 1..spec.devices {
        let mut picked = BTreeSet::new();
        for _ in 0..spec.links_per_device.min(consumer) {
            // Mostly near neighbours (deep chains of bound devices), some far away.
            let supplier = if rng.below(4) == 0 {
                rng.below(consumer)
            } else {
                consumer - 1 - rng.below(consumer.min(64))
            };
            if !picked.insert(supplier) {
                continue;
            }
            match rng.below(16) {
                0 => b.link(consumer, supplier, LinkStatus::Available, true),
                1 | 2 => b.link(supplier, consumer, LinkStatus::NotTracked, false),
                _ => b.link(supplier, consumer, LinkStatus::Active, false),
            }
        }
    }
    let bulk = spec.devices.max(1);
    // The previous chain's members with the root causes each inherits.
    let mut previous_chain: Vec<(usize, BTreeSet<String>)> = Vec::new();
    for chain in 0..spec.chains {
        let head = b.device(name(chain, "missing"), None);
        let head_name = b.devices[head].name.clone();
        truth.never_bound.push(head_name.clone());
        let mut members: Vec<(usize, BTreeSet<String>)> = Vec::new();
        let mut supplier = head;
        let mut inherited: BTreeSet<String> = [head_name].into();
        for k in 0..spec.chain_len {
            let device = b.device(name(chain * spec.chain_len + k, "waiting"), None);
            b.link(supplier, device, LinkStatus::Dormant, false);
            b.defer(device, supplier);
            if k % 4 == 3 && !previous_chain.is_empty() {
                let (other, roots) = &previous_chain[rng.below(previous_chain.len())];
                b.link(*other, device, LinkStatus::Dormant, false);
                inherited.extend(roots.iter().cloned());
            }
            if spec.devices > 0 {
                let bound = rng.below(bulk);
                b.link(bound, device, LinkStatus::Available, false);
            }
            truth
                .root_causes
                .push((b.devices[device].name.clone(), inherited.clone()));
            members.push((device, inherited.clone()));
            supplier = device;
        }
        // Chains wait for each other in groups of four: the structure stays local as the boot
        // grows (as on a board: a display pipeline, a camera pipeline, ...).
        previous_chain = if chain % 4 == 3 { Vec::new() } else { members };
    }
    for ring in 0..spec.cycles {
        let members: Vec<usize> = (0..spec.cycle_len)
            .map(|k| b.device(name(ring * spec.cycle_len + k, "ring"), None))
            .collect();
        for (k, device) in members.iter().enumerate() {
            let supplier = members[(k + 1) % members.len()];
            b.link(supplier, *device, LinkStatus::Dormant, false);
            b.defer(*device, supplier);
            if spec.devices > 0 {
                let bound = rng.below(bulk);
                b.link(bound, *device, LinkStatus::Available, false);
            }
        }
        let mut names: Vec<String> = members.iter().map(|d| b.devices[*d].name.clone()).collect();
        names.sort();
        truth.cycles.push(names);
    }
    truth.cycles.sort();
    truth.deferred = b.deferred.iter().map(|d| d.device.clone()).collect();
    truth.deferred.sort();
    truth.never_bound.sort();
    truth.root_causes.sort();
    truth.pairs = b.pairs.len();
    truth.links = b.links.len();
    let inputs = BootInputs {
        name: format!("synthetic-{}", spec.devices),
        snapshots: vec![Snapshot {
            label: "final".into(),
            devlinks: Some(b.links),
            deferred: Some(b.deferred),
            devices: Some(b.devices),
            ..Snapshot::default()
        }],
        ..BootInputs::default()
    };
    Synthetic { inputs, truth }
}
