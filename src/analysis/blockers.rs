//! Why a device is not bound: from a deferred or unbound device to what really blocks it, step
//! by step (a supplier with no device, a supplier whose driver never bound, a failed probe, a
//! supplier that is itself deferred — followed —, a cycle, or the driver's own reason).
//!
//! Direct blockers, in the order the driver core meets them in `really_probe()`
//! (drivers/base/dd.c): the recorded deferral reason (`device_links_check_suppliers()` stores
//! "wait for supplier X" / "supplier X not ready"), managed device links whose supplier is not
//! bound, then IOMMUs (`of_iommu_configure()` defers with an empty reason), then the device
//! tree's other fw_devlink bindings.
//!
//! Long because: the walk and the order of its sources are one algorithm read top to
//! bottom; naming the obstacles is already apart (`named`), and its tests are in `tests.rs`.

mod named;

pub use named::{errno_name, Blocker, RootCause};

use crate::analysis::graph::SupplierGraph;
use crate::model::{
    Boot, BootTime, DeferReason, Deferral, DeviceId, EventKind, Evidence, LinkKind, Position,
};
use serde::Serialize;
use std::collections::HashMap;

/// Where a device stands at the moment analysed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeviceStatus {
    Bound,
    Deferred,
    Unbound,
    /// The evidence does not say: no snapshot lists the device and the log shows neither its
    /// bind nor its failure (a plain log rarely prints binds).
    Unknown,
}

/// What ends a chain, by device id: what the analysis works with. [`Blocker`] is the same
/// with kernel names, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obstacle {
    /// A supplier firmware node that never became a device (so it has a path, not an id).
    NoDevice { supplier: String },
    /// A supplier device whose driver never bound and that waits for nothing itself.
    NeverBound {
        device: DeviceId,
        /// The snapshot analysed, when not the end of the capture.
        at: Option<String>,
    },
    /// A supplier whose probe failed.
    ProbeFailed {
        device: DeviceId,
        driver: String,
        errno: i32,
    },
    /// Devices that wait for each other, in chain order.
    Cycle { devices: Vec<DeviceId> },
    /// The driver's own reason, naming no supplier.
    DriverReason { device: DeviceId, reason: String },
    /// Deferred, and nothing in the evidence says why.
    Unexplained { device: DeviceId },
    /// A supplier the capture does not show bound or unbound.
    BindUnknown { device: DeviceId },
    /// The chain goes on past the depth a report spells out (at `device`, `depth` steps in);
    /// [`Blockers::causes`] follows it whole.
    ChainGoesOn { device: DeviceId, depth: usize },
}

/// One root cause by device id: the chain from the device asked about to the obstacle.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub obstacle: Obstacle,
    /// Starting with the device asked about.
    pub chain: Vec<DeviceId>,
    /// One line per step: why each device waits for the next.
    pub steps: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// The moment analysed: a snapshot index (its state only), an instant of the log (the log's
/// records up to it, and no snapshot: a capture's sysfs state is taken at its end, after any
/// instant of the log, and is not mixed in), or the end of the capture (everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    End,
    Snapshot(usize),
    Time(BootTime),
}

impl Moment {
    /// The moment a command line's `--at LABEL` names: the snapshot so labelled, else an
    /// instant in seconds since boot (`12.5`, `12.5s`), or the end of the capture when no label
    /// is given. `None` when the label is neither.
    pub fn named(boot: &Boot, label: Option<&str>) -> Option<Moment> {
        let Some(label) = label else {
            return Some(Moment::End);
        };
        if let Some(index) = boot.snapshots.iter().position(|s| s == label) {
            return Some(Moment::Snapshot(index));
        }
        let seconds: f64 = label.trim().trim_end_matches('s').trim_end().parse().ok()?;
        (seconds.is_finite() && seconds >= 0.0).then(|| Moment::Time(BootTime::from_secs_f64(seconds)))
    }
}

pub struct Blockers<'a> {
    boot: &'a Boot,
    graph: &'a SupplierGraph,
    moment: Moment,
}

/// Causes found for devices asked about before ([`Blockers::causes_sharing`]).
#[derive(Default)]
pub struct KnownCauses {
    by_device: HashMap<DeviceId, Vec<KnownCause>>,
}

/// A cause kept for reuse: its obstacle and chain, and how many steps and evidence items it
/// told. The steps' text and evidence are told again from the chain when it is reused (each
/// is what [`Blockers::direct_blockers`] gives for one link of the chain, the same every
/// time), so asking about every device of a 100,000-long chain keeps ids, not ten lines of
/// text and evidence per device.
#[derive(Clone)]
struct KnownCause {
    obstacle: Obstacle,
    chain: Vec<DeviceId>,
    steps: usize,
    evidence: usize,
}

/// A supplier a device waits for, why, and the evidence.
type Step = (DeviceId, String, Vec<Evidence>);

/// A device's place in one root-cause walk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    /// On the chain being followed.
    OnChain,
    /// Followed to its ends already.
    Done,
}

/// One device of the chain being followed, with the suppliers still to follow.
struct Frame {
    device: DeviceId,
    /// Why the previous device waits for this one (none for the device asked about).
    why: Option<String>,
    evidence: Vec<Evidence>,
    suppliers: Vec<Step>,
    next: usize,
}

/// The state of one root-cause walk.
struct Walk {
    frames: Vec<Frame>,
    state: HashMap<DeviceId, Visit>,
    out: Vec<Cause>,
}

impl Walk {
    fn chain(&self) -> Vec<DeviceId> {
        self.frames.iter().map(|f| f.device).collect()
    }

    fn steps(&self) -> Vec<String> {
        self.frames.iter().filter_map(|f| f.why.clone()).collect()
    }

    fn evidence(&self) -> Vec<Evidence> {
        self.frames
            .iter()
            .flat_map(|f| f.evidence.iter().cloned())
            .collect()
    }
}

impl<'a> Blockers<'a> {
    pub fn new(boot: &'a Boot, graph: &'a SupplierGraph, moment: Moment) -> Self {
        Blockers { boot, graph, moment }
    }

    fn snapshot_index(&self) -> Option<usize> {
        match self.moment {
            Moment::Snapshot(index) => Some(index),
            Moment::End => self.boot.final_snapshot(),
            Moment::Time(_) => None,
        }
    }

    fn in_moment(&self, position: &Position) -> bool {
        match (self.moment, position) {
            (Moment::End, _) => true,
            (Moment::Snapshot(k), Position::Snapshot { index }) => *index <= k,
            (Moment::Snapshot(_), Position::Log { .. }) => false,
            // A record without a time cannot be placed before or after the instant.
            (Moment::Time(at), Position::Log { time, .. }) => time.is_some_and(|time| time <= at),
            (Moment::Time(_), Position::Snapshot { .. }) => false,
        }
    }

    /// Bound, deferred or unbound at the moment analysed.
    pub fn status(&self, id: DeviceId) -> DeviceStatus {
        let boot = self.boot;
        let state = self.snapshot_index().map(|index| &boot.device(id).states[index]);
        if let Some(state) = state {
            if state.deferred == Some(true) {
                return DeviceStatus::Deferred;
            }
            if state.bound() == Some(true) {
                return DeviceStatus::Bound;
            }
        }
        if let Moment::Snapshot(_) = self.moment {
            return DeviceStatus::Unbound;
        }
        // A final devices_deferred without the device overrules older deferral lines.
        let listed_as_not_deferred = state.is_some_and(|s| s.deferred == Some(false));
        let mut status = None;
        for event in boot
            .events_of(id)
            .filter(|e| e.position.log_index().is_some() && self.in_moment(&e.position))
        {
            match event.kind {
                EventKind::Bound { .. } => status = Some(DeviceStatus::Bound),
                // The probe went ahead (after any deferral): its outcome is not shown.
                EventKind::ProbeRan { .. } => status = Some(DeviceStatus::Unknown),
                // Only the kernel's own end-of-probing listing says a device stays deferred: a
                // deferral line alone is followed by a silent bind in most logs.
                EventKind::DeferredPending { .. } if !listed_as_not_deferred => {
                    status = Some(DeviceStatus::Deferred)
                }
                EventKind::DeferredPending { .. }
                | EventKind::ProbeFailed { .. }
                | EventKind::ProbeDeclined { .. } => status = Some(DeviceStatus::Unbound),
                _ => {}
            }
        }
        if state.is_some_and(|s| s.bound() == Some(false))
            && matches!(status, Some(DeviceStatus::Bound | DeviceStatus::Unknown))
        {
            // Bound once, unbound at the end (driver removed, or the bind failed late).
            return DeviceStatus::Unbound;
        }
        // Unbound needs a listing that shows the device without a driver (or any final
        // device listing, which lists every bound device); a log's silence says nothing.
        let shown_unbound = state.is_some_and(|s| s.bound() == Some(false))
            || (self.moment == Moment::End && boot.has_final_device_states());
        status
            .filter(|s| *s != DeviceStatus::Unknown)
            .unwrap_or(if shown_unbound {
                DeviceStatus::Unbound
            } else {
                DeviceStatus::Unknown
            })
    }

    /// The latest deferral reason of a device up to the moment analysed.
    fn latest_deferral(&self, id: DeviceId) -> Option<(Option<Deferral>, Evidence)> {
        self.boot
            .events_of(id)
            .filter(|e| self.in_moment(&e.position))
            .filter_map(|e| match &e.kind {
                EventKind::Deferred { deferral } | EventKind::DeferredPending { deferral } => {
                    Some((deferral.clone(), e.evidence.clone()))
                }
                _ => None,
            })
            .max_by_key(|(deferral, evidence)| {
                // A reason beats an empty one of the same moment; later beats earlier.
                (
                    evidence.origin.line == 0,
                    deferral.as_ref().is_some_and(|d| d.reason != DeferReason::Empty),
                )
            })
    }

    /// Resolves a firmware-node name from "wait for supplier X" to a device, if it has one.
    fn device_of_fwnode(&self, fwnode: &str) -> Result<DeviceId, String> {
        if let Some(id) = self.boot.find(fwnode) {
            return Ok(id);
        }
        let Some(tree) = &self.boot.device_tree else {
            return Err(fwnode.to_string());
        };
        let node = tree.by_path(fwnode).or_else(|| {
            // v5.16-v6.2 print only the node's own name (`%pfwP`): unique names resolve.
            let mut matches = tree.ids().filter(|id| {
                let n = tree.node(*id);
                let full = match &n.unit_address {
                    Some(unit) => format!("{}@{unit}", n.name),
                    None => n.name.clone(),
                };
                full == fwnode
            });
            let first = matches.next();
            first.filter(|_| matches.next().is_none())
        });
        let Some(node) = node else {
            return Err(fwnode.to_string());
        };
        let node = tree.node(node);
        node.device_name
            .as_deref()
            .and_then(|name| self.boot.find(name))
            .or_else(|| self.boot.find(&node.path))
            .ok_or_else(|| node.path.clone())
    }

    /// The managed device link from `supplier` to `consumer` at the moment analysed: a phrase
    /// for the step ("; its device link is dormant") and the link's evidence.
    fn managed_link_status(&self, supplier: DeviceId, consumer: DeviceId) -> (String, Vec<Evidence>) {
        // Through the graph's adjacency: scanning every link per step made each walk cost as
        // much as the whole boot.
        let link = self
            .graph
            .suppliers(consumer)
            .into_iter()
            .find_map(|(from, edge)| match edge.source {
                crate::analysis::graph::EdgeSource::Link(index)
                    if from == supplier && edge.kind == LinkKind::Managed =>
                {
                    self.boot.links.get(index)
                }
                _ => None,
            });
        let Some(link) = link else {
            return (String::new(), Vec::new());
        };
        let status = match (self.snapshot_index(), self.moment) {
            (Some(index), _) => link.status_by_snapshot.get(index).copied().flatten(),
            // No listing was taken by that instant.
            (None, Moment::Time(_)) => None,
            (None, _) => link.last_status(),
        };
        match status {
            Some(status) => (
                format!(
                    " (device link {} -> {} is {})",
                    self.boot.device(supplier).qualified_name(),
                    self.boot.device(consumer).qualified_name(),
                    status.as_str()
                ),
                link.evidence.iter().take(1).cloned().collect(),
            ),
            None => (String::new(), Vec::new()),
        }
    }

    /// The suppliers a device directly waits for, each with why.
    fn direct_blockers(&self, id: DeviceId) -> (Vec<Step>, Option<Obstacle>) {
        let boot = self.boot;
        let name = &boot.device(id).name;
        let mut suppliers: Vec<Step> = Vec::new();
        let mut terminal = None;
        let deferral = self.latest_deferral(id);
        if let Some((Some(deferral), evidence)) = &deferral {
            match &deferral.reason {
                DeferReason::SupplierNotReady { supplier } => match boot.find(supplier) {
                    Some(s) => {
                        let (link, link_evidence) = self.managed_link_status(s, id);
                        suppliers.push((
                            s,
                            format!("{name} waits: supplier {supplier} not ready{link}"),
                            std::iter::once(evidence.clone()).chain(link_evidence).collect(),
                        ))
                    }
                    None => {
                        terminal = Some(Obstacle::NoDevice {
                            supplier: supplier.clone(),
                        })
                    }
                },
                DeferReason::WaitForSupplier { fwnode } => match self.device_of_fwnode(fwnode) {
                    Ok(s) => suppliers.push((
                        s,
                        format!("{name} waits for supplier {fwnode}"),
                        vec![evidence.clone()],
                    )),
                    Err(node) => terminal = Some(Obstacle::NoDevice { supplier: node }),
                },
                DeferReason::Text(text) => {
                    terminal = Some(Obstacle::DriverReason {
                        device: id,
                        reason: text.clone(),
                    })
                }
                DeferReason::Empty => {}
            }
        }
        for (supplier, edge) in self.graph.suppliers(id) {
            if suppliers.iter().any(|(s, _, _)| *s == supplier)
                || self.status(supplier) == DeviceStatus::Bound
            {
                continue;
            }
            let blocking = match edge.kind {
                LinkKind::Managed => true,
                // of_iommu defers with an empty reason; so does a device whose reason is unknown.
                LinkKind::DtIommu => deferral
                    .as_ref()
                    .is_none_or(|(d, _)| d.as_ref().is_none_or(|d| d.reason == DeferReason::Empty)),
                LinkKind::DtSupplier => true,
                LinkKind::Stateless | LinkKind::SyncStateOnly => false,
            };
            if !blocking {
                continue;
            }
            let evidence = match edge.source {
                crate::analysis::graph::EdgeSource::Link(index) => boot.links[index].evidence.clone(),
                crate::analysis::graph::EdgeSource::IommuEdge(index) => {
                    boot.iommu_edges[index].evidence.clone()
                }
            };
            let supplier_name = &boot.device(supplier).name;
            let why = match edge.kind {
                LinkKind::DtIommu => format!("{name} waits for its IOMMU {supplier_name}"),
                LinkKind::Managed => {
                    format!("{name} has a device link to {supplier_name}, which has no driver")
                }
                _ => format!("{name} needs {supplier_name} (device tree)"),
            };
            suppliers.push((supplier, why, evidence));
        }
        suppliers.retain(|(s, _, _)| self.status(*s) != DeviceStatus::Bound);
        if suppliers.is_empty() && terminal.is_none() && self.status(id) == DeviceStatus::Deferred {
            terminal = Some(Obstacle::Unexplained { device: id });
        }
        // Kept on the walk's stack for every device of a chain: no room for more than it holds
        // (a first push reserves four).
        suppliers.shrink_to_fit();
        (suppliers, terminal)
    }

    /// Every root cause of a device not being bound (empty when it is bound): each distinct
    /// blocker once, with the first chain (in supplier order) that leads to it.
    ///
    /// A depth-first walk that enters each device once: a device met again on the current
    /// chain closes a cycle; one met again elsewhere has had its blockers reported already.
    /// So the cost is linear in the part of the graph that blocks the device, however many
    /// paths lead through it (listing every path is exponential when waits fan in), and the
    /// walk keeps its own stack (chains can be longer than the call stack is deep).
    pub fn causes(&self, id: DeviceId) -> Vec<Cause> {
        self.causes_within(id, usize::MAX)
    }

    /// [`Blockers::causes`], following each chain at most `max_depth` suppliers deep: a deeper
    /// chain ends in [`Obstacle::ChainGoesOn`]. Reports on every deferred device use this,
    /// since following each one's whole chain costs the square of the chain's length when
    /// every device of a long chain is deferred.
    pub fn causes_within(&self, id: DeviceId, max_depth: usize) -> Vec<Cause> {
        self.walk_causes(id, max_depth, None)
    }

    /// [`Blockers::causes_within`] for one device of many: the causes of suppliers asked
    /// about before are reused from `known` rather than walked again, so asking about every
    /// device of a chain costs its length, not its square. A result that closes a cycle is
    /// not kept, since where a cycle is entered changes how it is told.
    pub fn causes_sharing(&self, id: DeviceId, max_depth: usize, known: &mut KnownCauses) -> Vec<Cause> {
        let causes = self.walk_causes(id, max_depth, Some(known));
        if !causes
            .iter()
            .any(|c| matches!(c.obstacle, Obstacle::Cycle { .. }))
        {
            let kept = causes
                .iter()
                .map(|cause| KnownCause {
                    obstacle: cause.obstacle.clone(),
                    chain: cause.chain.clone(),
                    steps: cause.steps.len(),
                    evidence: cause.evidence.len(),
                })
                .collect();
            known.by_device.insert(id, kept);
        }
        causes
    }

    /// The first `max_steps` steps and `max_evidence` evidence items of a kept cause, told
    /// again from its chain: a step per link (why `chain[i]` waits for `chain[i + 1]`, with
    /// that link's evidence), then, for a chain cut at the depth, the step to where it goes on
    /// (without evidence, as the walk tells it).
    fn retell(
        &self,
        cause: &KnownCause,
        max_steps: usize,
        max_evidence: usize,
    ) -> (Vec<String>, Vec<Evidence>) {
        let steps_wanted = cause.steps.min(max_steps);
        let evidence_wanted = cause.evidence.min(max_evidence);
        let mut steps = Vec::new();
        let mut evidence = Vec::new();
        let links = cause.chain.windows(2).map(|pair| (pair[0], pair[1], true));
        let cut = match (&cause.obstacle, cause.chain.last()) {
            (Obstacle::ChainGoesOn { device, .. }, Some(last)) => Some((*last, *device, false)),
            _ => None,
        };
        for (consumer, supplier, cites) in links.chain(cut) {
            if steps.len() >= steps_wanted && evidence.len() >= evidence_wanted {
                break;
            }
            let (suppliers, _) = self.direct_blockers(consumer);
            let Some((_, why, cited)) = suppliers.into_iter().find(|(s, _, _)| *s == supplier) else {
                break;
            };
            if steps.len() < steps_wanted {
                steps.push(why);
            }
            if cites && evidence.len() < evidence_wanted {
                evidence.extend(cited);
            }
        }
        evidence.truncate(evidence_wanted);
        (steps, evidence)
    }

    fn walk_causes(&self, id: DeviceId, max_depth: usize, known: Option<&KnownCauses>) -> Vec<Cause> {
        if self.status(id) == DeviceStatus::Bound {
            return Vec::new();
        }
        let mut walk = Walk {
            frames: Vec::new(),
            state: HashMap::new(),
            out: Vec::new(),
        };
        self.enter(&mut walk, id, None, Vec::new());
        while let Some(frame) = walk.frames.last_mut() {
            // Each step is taken once (`next` moves past it): moved out, not copied, so a long
            // chain holds its reasons once.
            let Some((supplier, why, evidence)) = frame
                .suppliers
                .get_mut(frame.next)
                .map(|(supplier, why, evidence)| (*supplier, std::mem::take(why), std::mem::take(evidence)))
            else {
                walk.state.insert(frame.device, Visit::Done);
                walk.frames.pop();
                continue;
            };
            frame.next += 1;
            let reusable = known.and_then(|k| k.by_device.get(&supplier));
            match walk.state.get(&supplier) {
                None if reusable.is_some() => {
                    let evidence_cap = max_depth.saturating_add(1).saturating_mul(2);
                    for cause in reusable.into_iter().flatten() {
                        let mut chain = walk.chain();
                        chain.extend(cause.chain.iter().copied());
                        chain.truncate(max_depth.saturating_add(1));
                        let mut steps = walk.steps();
                        steps.push(why.clone());
                        let mut cited = walk.evidence();
                        cited.extend(evidence.iter().cloned());
                        // Only what the truncations below keep is told again.
                        let (more_steps, more_evidence) = self.retell(
                            cause,
                            max_depth.saturating_sub(steps.len()),
                            evidence_cap.saturating_sub(cited.len()),
                        );
                        steps.extend(more_steps);
                        steps.truncate(max_depth);
                        cited.extend(more_evidence);
                        cited.truncate(evidence_cap);
                        walk.out.push(Cause {
                            obstacle: cause.obstacle.clone(),
                            chain,
                            steps,
                            evidence: cited,
                        });
                    }
                    walk.state.insert(supplier, Visit::Done);
                }
                None if walk.frames.len() > max_depth => {
                    let mut steps = walk.steps();
                    steps.push(why);
                    let depth = walk.frames.len();
                    walk.out.push(Cause {
                        obstacle: Obstacle::ChainGoesOn {
                            device: supplier,
                            depth,
                        },
                        chain: walk.chain(),
                        steps,
                        evidence: walk.evidence(),
                    });
                    // Met again on another path, it would only repeat the same cut.
                    walk.state.insert(supplier, Visit::Done);
                }
                Some(Visit::OnChain) => {
                    let start = walk.frames.iter().position(|f| f.device == supplier).unwrap_or(0);
                    let mut devices: Vec<DeviceId> = walk.frames[start..].iter().map(|f| f.device).collect();
                    devices.push(supplier);
                    let mut steps = walk.steps();
                    steps.push(why);
                    walk.out.push(Cause {
                        obstacle: Obstacle::Cycle { devices },
                        chain: walk.chain(),
                        steps,
                        evidence: walk.evidence(),
                    });
                }
                Some(Visit::Done) => {}
                None => self.enter(&mut walk, supplier, Some(why), evidence),
            }
        }
        let mut seen: Vec<&Obstacle> = Vec::new();
        let keep: Vec<bool> = walk
            .out
            .iter()
            .map(|cause| {
                let new = !seen.contains(&&cause.obstacle);
                if new {
                    seen.push(&cause.obstacle);
                }
                new
            })
            .collect();
        let mut keep = keep.into_iter();
        walk.out.retain(|_| keep.next().unwrap_or(false));
        walk.out
    }

    /// Puts a device on the chain and reports what ends there.
    fn enter(&self, walk: &mut Walk, id: DeviceId, why: Option<String>, evidence: Vec<Evidence>) {
        walk.state.insert(id, Visit::OnChain);
        let (suppliers, terminal) = self.direct_blockers(id);
        let leaf = suppliers.is_empty();
        walk.frames.push(Frame {
            device: id,
            why,
            evidence,
            suppliers,
            next: 0,
        });
        let has_terminal = terminal.is_some();
        if let Some(obstacle) = terminal {
            walk.out.push(Cause {
                obstacle,
                chain: walk.chain(),
                steps: walk.steps(),
                evidence: walk.evidence(),
            });
        }
        if leaf && walk.frames.len() > 1 && !has_terminal {
            walk.out.push(Cause {
                obstacle: self.supplier_obstacle(id),
                chain: walk.chain(),
                steps: walk.steps(),
                evidence: walk.evidence(),
            });
        }
    }

    /// [`Blockers::causes`] with kernel names, for reports.
    pub fn root_causes(&self, id: DeviceId) -> Vec<RootCause> {
        self.root_causes_within(id, usize::MAX)
    }

    /// [`Blockers::causes_sharing`] with kernel names, for reports.
    pub fn root_causes_sharing(
        &self,
        id: DeviceId,
        max_depth: usize,
        known: &mut KnownCauses,
    ) -> Vec<RootCause> {
        self.causes_sharing(id, max_depth, known)
            .iter()
            .map(|cause| cause.named(self.boot))
            .collect()
    }

    /// [`Blockers::causes_within`] with kernel names, for reports.
    pub fn root_causes_within(&self, id: DeviceId, max_depth: usize) -> Vec<RootCause> {
        self.causes_within(id, max_depth)
            .iter()
            .map(|cause| cause.named(self.boot))
            .collect()
    }

    /// What is wrong with a supplier that waits for nothing itself.
    fn supplier_obstacle(&self, id: DeviceId) -> Obstacle {
        let boot = self.boot;
        let failed = boot
            .events_of(id)
            .filter(|e| self.in_moment(&e.position))
            .find_map(|e| match &e.kind {
                EventKind::ProbeFailed { driver, errno } => Some((driver.clone(), *errno)),
                _ => None,
            });
        match failed {
            Some((driver, errno)) => Obstacle::ProbeFailed {
                device: id,
                driver,
                errno,
            },
            None if self.status(id) == DeviceStatus::Deferred => Obstacle::Unexplained { device: id },
            None if self.status(id) == DeviceStatus::Unknown => Obstacle::BindUnknown { device: id },
            None => Obstacle::NeverBound {
                device: id,
                at: match self.moment {
                    Moment::Snapshot(index) => boot.snapshots.get(index).cloned(),
                    Moment::Time(at) => Some(format!("{at} s")),
                    Moment::End => None,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests;
