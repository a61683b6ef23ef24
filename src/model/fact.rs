//! Facts about the boot as a whole rather than about one device's probe: the kernel's release
//! and command line as the log states them, module loads, fw_devlink's cycle and sync_state
//! reports, splats, IOMMU faults. Each is read once by ingest from one log record and keeps that
//! record as its evidence; rules judge these, never the text. What the log says about one
//! device's probe (deferred, pending at the timeout, failed, bound) is an [`super::Event`] of
//! that device, never also a fact: one kernel statement, one typed record.

use super::context::Cmdline;
use super::{BootTime, Evidence};

/// One boot-wide fact, where the log states it.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    /// Position of the record in its log (0-based): the order when there are no timestamps.
    pub index: u64,
    pub time: Option<BootTime>,
    /// The record, for citation.
    pub evidence: Evidence,
    pub kind: FactKind,
}

/// What a boot-wide fact says.
#[derive(Clone, Debug, PartialEq)]
pub enum FactKind {
    /// `Linux version X ...` (X = the release).
    KernelVersion { release: String },
    /// `ACPI: SIG 0x...`: the firmware provides ACPI table SIG (so the boot is described by
    /// ACPI, not, or not only, by a device tree).
    AcpiTable { signature: String },
    /// `Kernel command line: ...`, parsed as the kernel parses it.
    CommandLine(Cmdline),
    /// A module was loaded (initcall_debug, Android init, taint notices); the name as the
    /// kernel knows it (`-` read as `_`).
    ModuleLoaded { module: String },
    /// `Fixed dependency cycle(s) with N` / `Fixing up cyclic dependency with N`.
    CycleFixed { device_or_node: String, with: String },
    /// `sync_state() pending due to C`: `supplier` waits for `consumer`.
    SyncStatePending { supplier: String, consumer: String },
    /// The first line of a splat (Oops, BUG, WARN, panic, ...); `kind` is one of the
    /// `ingest::messages::OOPS_*` names.
    Oops {
        kind: String,
        /// The line without what changes between repeats of one splat (a WARNING's
        /// `CPU: N PID: N`).
        summary: String,
        /// The function the line names itself (a WARNING's `func+0x../0x..`).
        function: Option<String>,
    },
    /// Where a splat happened (`PC is at F`, `pc : F`, `RIP: 0010:F`).
    OopsLocation {
        function: String,
        module: Option<String>,
    },
    /// One entry of a call trace.
    CallTraceEntry {
        function: String,
        module: Option<String>,
    },
    /// An Exynos/Samsung SysMMU fault line, decoded.
    SysmmuFault(crate::sysmmu::FaultReport),
    /// An Arm SMMU v3 event or v1/v2 context fault (see `ingest::messages::Message::SmmuEvent`).
    SmmuEvent {
        iommu: String,
        event: u32,
        stream_id: Option<u32>,
        /// The faulting address as printed (`iova=`), when the report gives one.
        iova: Option<String>,
        kind: SmmuEventKind,
    },
}

/// Which Arm SMMU report an `SmmuEvent` came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmmuEventKind {
    /// SMMUv3 event queue record (`arm_smmu_evtq_thread()`).
    V3Event,
    /// SMMUv1/v2 context bank fault (`arm_smmu_context_fault()`).
    ContextFault,
}
