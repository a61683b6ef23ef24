//! Facts about the boot as a whole rather than about one device's probe: the kernel's release
//! and command line as the log states them, module loads, fw_devlink's cycle and sync_state
//! reports, splats, IOMMU faults. Each is read once by ingest from one log record and keeps that
//! record as its evidence; rules judge these, never the text. What the log says about one
//! device's probe (deferred, pending at the timeout, failed, bound) is an [`super::Event`] of
//! that device, never also a fact: one kernel statement, one typed record (initcall_debug's
//! probe durations are the one measurement kept beside it, as [`FactKind::ProbeTimed`]).

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
    /// initcall_debug `initcall F returned N after M usecs` (init/main.c
    /// `do_one_initcall_debug()`): how long one initcall (or a module's init) ran, printed when
    /// it returns.
    InitcallTimed {
        function: String,
        module: Option<String>,
        value: i64,
        usecs: u64,
    },
    /// initcall_debug `probe of X returned N after M usecs` (drivers/base/dd.c
    /// `really_probe_debug()`): how long one probe call ran, printed when it returns. The
    /// outcome is the device's event (bound, deferred, failed); this is only the measurement,
    /// which timelines and `blame` draw.
    ProbeTimed { device: String, value: i64, usecs: u64 },
    /// `Fixed dependency cycle(s) with N` / `Fixing up cyclic dependency with N`.
    CycleFixed { device_or_node: String, with: String },
    /// `sync_state() pending due to C`: `supplier` waits for `consumer`.
    SyncStatePending { supplier: String, consumer: String },
    /// A kernel report (WARNING, BUG, Oops, panic, sanitizer, lockdep, stall, hung task,
    /// lockup, ...), its records put together; one crash is one splat.
    Splat(super::Splat),
    /// `exynos-sysmmu <device>: hardware version: X.Y` (exynos-iommu.c `__sysmmu_get_version()`,
    /// dev_dbg): the register layout of that SysMMU.
    SysmmuVersion {
        device: String,
        version: crate::sysmmu::HwVersion,
    },
    /// An Exynos/Samsung SysMMU fault line, decoded.
    SysmmuFault(crate::sysmmu::FaultReport),
    /// An Intel VT-d or AMD-Vi fault (`ingest::messages::dma_fault`).
    DmaFault(DmaFault),
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

/// The x86 IOMMU that reported a `DmaFault`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DmaRemapper {
    /// Intel VT-d (`DMAR:` lines of drivers/iommu/intel/dmar.c).
    IntelVtd,
    /// AMD-Vi (`AMD-Vi: Event logged [...]`, drivers/iommu/amd/iommu.c).
    AmdVi,
}

impl DmaRemapper {
    pub fn label(self) -> &'static str {
        match self {
            DmaRemapper::IntelVtd => "Intel VT-d",
            DmaRemapper::AmdVi => "AMD-Vi",
        }
    }
}

/// One VT-d or AMD-Vi fault line: which device's request, what kind, at which address.
#[derive(Clone, Debug, PartialEq)]
pub struct DmaFault {
    pub remapper: DmaRemapper,
    /// `DMA read`, `DMA write`, `interrupt remapping` (VT-d); the event name (AMD-Vi,
    /// `IO_PAGE_FAULT`, `ILLEGAL_DEV_TABLE_ENTRY`, ...).
    pub kind: String,
    /// The requester, as the kernel names the PCI device (`0000:00:14.0`).
    pub device: Option<String>,
    /// The faulting I/O virtual address, as printed.
    pub address: Option<String>,
    /// The fault reason (VT-d) or the event's other fields (AMD-Vi).
    pub detail: Option<String>,
}
