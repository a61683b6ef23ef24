//! Why the kernel says a probe was deferred, parsed into structure by ingest.

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
