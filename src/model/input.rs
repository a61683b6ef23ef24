//! Which inputs a boot's model was built from, and what each was taken for.

/// What kind of evidence an input was taken for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    KernelLog,
    Devlink,
    DevicesDeferred,
    WaitingForSupplier,
    DeviceTable,
    IommuGroups,
    IommuClass,
    DeviceTree,
    /// A raw ACPI table (`/sys/firmware/acpi/tables/<SIG>`).
    AcpiTable,
    Cmdline,
    Modules,
    KernelConfig,
    KernelRelease,
    SysfsRoot,
    Directory,
    Bundle,
    /// Recognised but not used (e.g. a second copy of the same kernel log).
    Unused,
}

/// One input as used for the analysis.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct InputInfo {
    pub path: String,
    pub kind: InputKind,
    /// The snapshot it belongs to, for per-moment evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
