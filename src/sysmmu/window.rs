//! Where one SysMMU's registers are: the physical range a collector reads (through `/dev/mem`)
//! before [`super::dump`] turns the bytes into a [`super::RegisterWindow`] of values. The same
//! range names the files it is written to, so the name is restricted to what a file name can
//! safely hold.

/// The physical range of one SysMMU's register window, and a name for its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterRange {
    /// A name for the files (`[A-Za-z0-9_.-]`, not starting with `.` or `-`).
    pub name: String,
    /// Physical address of the window, 4-byte aligned. A plain number (not [`super::PhysAddr`])
    /// because the collector writes it into its scripts and manifests as one.
    pub base: u64,
    /// Bytes, a non-zero multiple of 4.
    pub size: u64,
}
