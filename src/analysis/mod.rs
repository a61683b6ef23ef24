//! Analyses of one boot that rules and commands share: the supplier graph, what blocks each
//! device, the probe order of IOMMU consumers against their IOMMUs, and the context facts
//! (kernel version, command line, modular IOMMU drivers) several rules read.
//!
//! Layer: reads `model` only. Built once per boot into one [`Analysis`] that `check`'s rules,
//! `why` and `graph` all use; nothing here judges (rules do) or prints (reports do).

pub mod blockers;
pub mod context;
pub mod critical_chain;
pub mod diff;
pub mod firmware;
pub mod graph;
pub mod iommu_order;
pub mod plan;
pub mod readiness;
pub mod timeout;

use crate::model::context::Cmdline;
use crate::model::{Boot, Evidence};
use blockers::{Blockers, Moment};
use context::ModularIommu;
use graph::SupplierGraph;
use iommu_order::EdgeVerdict;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use timeout::TimeoutBudget;

/// Decoded page-table walks of IOMMU faults, as evidence text by log record index: plain data
/// the pipeline decodes from the SysMMU dumps given beside a boot.
pub type FaultWalks = BTreeMap<u64, String>;

/// Everything computed about one boot, each part once: at construction (the graph's blockers
/// at the end of the capture) or on first use (the rest, which not every command needs).
pub struct Analysis<'a> {
    boot: &'a Boot,
    graph: &'a SupplierGraph,
    blockers_at_end: Blockers<'a>,
    iommu_order: OnceCell<Vec<EdgeVerdict>>,
    kernel_version: OnceCell<Option<(u32, u32)>>,
    cmdline: OnceCell<Option<(Cmdline, Evidence)>>,
    modular_iommus: OnceCell<Vec<ModularIommu>>,
    timeout: OnceCell<TimeoutBudget>,
    fault_walks: FaultWalks,
}

impl<'a> Analysis<'a> {
    pub fn new(boot: &'a Boot, graph: &'a SupplierGraph) -> Analysis<'a> {
        Analysis {
            boot,
            graph,
            blockers_at_end: Blockers::new(boot, graph, Moment::End),
            iommu_order: OnceCell::new(),
            kernel_version: OnceCell::new(),
            cmdline: OnceCell::new(),
            modular_iommus: OnceCell::new(),
            timeout: OnceCell::new(),
            fault_walks: FaultWalks::new(),
        }
    }

    /// The same analysis with the decoded walks of the boot's IOMMU faults.
    pub fn with_fault_walks(mut self, walks: FaultWalks) -> Analysis<'a> {
        self.fault_walks = walks;
        self
    }

    pub fn boot(&self) -> &'a Boot {
        self.boot
    }

    pub fn graph(&self) -> &'a SupplierGraph {
        self.graph
    }

    /// What blocks each device at the end of the capture.
    pub fn blockers(&self) -> &Blockers<'a> {
        &self.blockers_at_end
    }

    /// What blocks each device at `moment` (the end, or one snapshot's state).
    pub fn blockers_at(&self, moment: Moment) -> Blockers<'a> {
        Blockers::new(self.boot, self.graph, moment)
    }

    /// The probe order of every consumer relative to each of its IOMMUs.
    pub fn iommu_order(&self) -> &[EdgeVerdict] {
        self.iommu_order.get_or_init(|| iommu_order::judge_all(self.boot))
    }

    /// `(major, minor)` of the kernel, when the capture says.
    pub fn kernel_version(&self) -> Option<(u32, u32)> {
        *self
            .kernel_version
            .get_or_init(|| context::kernel_version(self.boot))
    }

    /// The kernel command line, parsed, and where it was read.
    pub fn cmdline(&self) -> Option<&(Cmdline, Evidence)> {
        self.cmdline.get_or_init(|| context::cmdline(self.boot)).as_ref()
    }

    /// The deferred-probe timeout: how long the kernel waited, and when it fired.
    pub fn timeout(&self) -> &TimeoutBudget {
        self.timeout.get_or_init(|| {
            TimeoutBudget::new(
                self.boot,
                self.cmdline().map(|(cmdline, _)| cmdline),
                self.kernel_version(),
            )
        })
    }

    /// The IOMMU drivers the capture shows to be modules.
    pub fn modular_iommus(&self) -> &[ModularIommu] {
        self.modular_iommus
            .get_or_init(|| context::modular_iommus(self.boot))
    }

    /// The decoded walk of the IOMMU fault reported by log record `index`, when dumps were given.
    pub fn fault_walk(&self, index: u64) -> Option<&str> {
        self.fault_walks.get(&index).map(String::as_str)
    }
}
