//! What a kernel log line says about probing, in typed form. Recognises the driver core's,
//! fw_devlink's, of_iommu's and the IOMMU core's messages in every kernel version listed in
//! `reference/kernel-formats.md` §4 (detected by the strings present, never by version number).

use super::log::LogRecord;

/// The `<driver-or-bus> <device>: ` prefix of a dev_printk line.
///
/// The first word is the bound or probing driver's name, else the bus name, else the class
/// name (kernel `dev_driver_string()`), so the same device prints as `pci 0000:00:03.0:` while
/// unbound and `virtio-pci 0000:00:03.0:` during and after probe.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DevicePrefix {
    pub driver_or_bus: String,
    pub device: String,
}

/// A deferral reason, as stored by the kernel (`devices_deferred`, "deferred probe pending: X",
/// `error -EPROBE_DEFER: X`), parsed into structure.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DeferReason {
    /// No reason recorded (the entry is `dev<TAB>` with nothing after it).
    Empty,
    /// fw_devlink: an fwnode supplier has no device yet: `wait for supplier <fwnode>`.
    WaitForSupplier { fwnode: String },
    /// A device link's supplier exists but has no driver bound: `supplier <dev> not ready`.
    SupplierNotReady { supplier: String },
    /// Any other text (from `dev_err_probe()` in the driver), e.g. `could not get regulator`.
    Text(String),
}

/// A deferral reason with the `<driver-or-bus>: ` prefix the kernel stores before it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Deferral {
    /// `platform`, `pci`, a driver name, ... (empty when the kernel stored no prefix).
    pub recorded_by: Option<String>,
    pub reason: DeferReason,
}

/// One recognised message. Device names are kernel device names (`0000:00:03.0`,
/// `13620000.sysmmu`); the prefix word is kept where it tells which driver was bound.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// `Kernel command line: ...`
    CommandLine(String),
    /// `Linux version X ...` (X = the release).
    KernelVersion(String),
    /// Any other dev_printk line: the prefix tells whether a driver was bound (or probing).
    DevicePrint(DevicePrefix),
    /// `deferred probe timeout, ignoring dependency` / `ignoring dependency for device, assuming
    /// no driver`: the device went ahead without an opted-in supplier (an IOMMU).
    IgnoringDependency {
        device: DevicePrefix,
        assumed_no_driver: bool,
    },
    /// `deferred probe pending[: reason]` at the deferred-probe timeout.
    DeferredProbePending {
        device: DevicePrefix,
        deferral: Option<Deferral>,
    },
    /// A probe deferral shown by the driver core or a driver: `Driver X requests probe
    /// deferral`, `Added to deferred list`, `error -EPROBE_DEFER: ...`, `probe deferral - ...`,
    /// `probe of X returned 517/-517`.
    ProbeDeferred {
        device: String,
        driver: Option<String>,
        deferral: Option<Deferral>,
    },
    /// `probe of X returned N after M usecs` (initcall_debug), raw value kept.
    ProbeReturned {
        device: String,
        value: i64,
        usecs: Option<u64>,
    },
    /// `driver: 'X': driver_bound: bound to device 'Y'` and its newer dev_dbg form, and
    /// `bus: 'B': really_probe: bound device X to driver Y`.
    DriverBound { device: String, driver: String },
    /// `probe of X failed with error N` / `probe with driver X failed with error N`.
    ProbeFailed {
        device: String,
        driver: String,
        errno: i32,
    },
    /// `Adding to iommu group N`.
    IommuGroupAdded { device: DevicePrefix, group: u32 },
    /// `Failed to add to iommu group N: E` and `Adding to IOMMU failed: E`.
    IommuGroupFailed { device: DevicePrefix, detail: String },
    /// `late IOMMU probe at driver bind, something fishy here!` (v6.15+).
    LateIommuProbe { device: DevicePrefix },
    /// `iommu configuration for device failed with E` (~v6.8).
    IommuConfigFailed { device: DevicePrefix, error: String },
    /// `Linked as a consumer to S` / `Linked as a sync state only consumer to S`.
    LinkedAsConsumer {
        consumer: String,
        supplier: String,
        sync_state_only: bool,
    },
    /// `Dropping the link to S`.
    DroppingLink { consumer: String, supplier: String },
    /// `Relaxing link with S`.
    RelaxingLink { consumer: String, supplier: String },
    /// `Fixed dependency cycle(s) with N` (both formats) / `Fixing up cyclic dependency with N`.
    CycleFixed { device_or_node: String, with: String },
    /// `sync_state() pending due to C`.
    SyncStatePending { supplier: String, consumer: String },
    /// `Extended deferred probe timeout by N secs`.
    TimeoutExtended { secs: u32 },
    /// A module was loaded: initcall_debug `calling X [mod]`, Android init `Loaded kernel module
    /// P`, taint notices (`mod: loading out-of-tree module taints kernel.`).
    ModuleLoaded { module: String },
    /// PCI host bridge: `pci-host-generic D: PCI host bridge to bus DDDD:BB` (maps the bridge's
    /// platform device to its PCI domain).
    PciHostBridge { bridge: String, domain: u32, bus: u32 },
    /// A PCI function enumerated: `pci DDDD:BB:DD.F: [vvvv:dddd] type ..`.
    PciDevice { device: String },
    /// Arm SMMU v3 event (`event 0xNN received:` and its dwords) or context fault.
    SmmuEvent {
        iommu: String,
        event: u32,
        stream_id: Option<u32>,
        text: String,
    },
    /// Oops, BUG, WARN, panic, `Unable to handle kernel ...`: the first line of a splat.
    Oops { kind: String, text: String },
}

/// What `classify` makes of one record: zero or more messages (a record can name a device and
/// be a deferral at once, for instance).
pub fn classify(record: &LogRecord) -> Vec<Message> {
    let _ = record;
    Vec::new()
}
