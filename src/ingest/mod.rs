//! Ingest: one module per input format; text in, typed records (each with its origin) out.
//! Parsers take bytes plus a source name, never the system; `discover` finds the inputs.

pub mod acpi;
mod assemble;
pub mod bundle;
pub mod context;
pub mod deferred;
pub mod devlink;
pub mod discover;
pub mod dt;
mod lines;
pub mod listing;
pub mod log;
pub mod messages;
pub mod modules;
pub mod open;
pub mod paste;
pub mod sysfs;
#[cfg(test)]
mod xorshift;

use crate::error::InputError;
use crate::model::{BootTime, Origin, SourceName};

/// A kernel log line that says something about probing, in typed form.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEvent {
    pub origin: Origin,
    pub time: Option<BootTime>,
    /// Position of the record in its log (0-based): the order when there are no timestamps.
    pub index: u64,
    /// The record's text (for evidence), shared by the record's events and the facts built
    /// from them.
    pub text: std::sync::Arc<str>,
    pub message: messages::Message,
}

/// The events of one kernel log, and what reading it showed.
#[derive(Clone, Debug, PartialEq)]
pub struct LogData {
    pub source: SourceName,
    pub format: log::LogFormat,
    pub events: Vec<LogEvent>,
    /// Records read.
    pub records: u64,
    /// Records that had a kernel time stamp.
    pub timed_records: u64,
    /// Of those, records timed from their wall clock (relative to the boot's first line)
    /// because they carried no kernel time stamp: timing is then only as good as that clock.
    pub wall_clock_times: u64,
    /// Lines that were no kernel record (boot loader and user space output, blank lines,
    /// journal headers, cut markers).
    pub skipped_lines: u64,
    /// Messages the console said it dropped (`** N printk messages dropped **`).
    pub dropped_messages: u64,
    /// The release from the first `Linux version` line.
    pub kernel_release: Option<String>,
    /// The first `Kernel command line:`.
    pub command_line: Option<String>,
    /// Time of the first and of the last timed record.
    pub first_time: Option<BootTime>,
    pub last_time: Option<BootTime>,
    /// `index` of every `Linux version` banner after the first: where the log holds another
    /// boot (a console capture of repeated power-ons) or a replay of this one.
    pub boot_starts: Vec<u64>,
    /// What each boot of the log showed, in order (one entry for a log of one boot, none for
    /// a log without records); `LogData::into_boots` splits the log on them.
    pub boots: Vec<log::BootSpan>,
    /// Parts of the input that could not be read (the rest was).
    pub problems: Vec<log::ReadProblem>,
}

/// What sysfs/debugfs showed at one moment of the boot. Every part is optional: a snapshot may
/// hold only `devices_deferred`, for instance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The moment's label (`final`, `before-timeout`, ...; `final` when unnamed).
    pub label: String,
    pub devlinks: Option<Vec<devlink::DevlinkRecord>>,
    pub deferred: Option<Vec<deferred::DeferredEntry>>,
    pub devices: Option<Vec<listing::DeviceEntry>>,
    pub iommu_groups: Option<Vec<listing::IommuGroup>>,
    pub iommu_instances: Option<Vec<listing::IommuInstance>>,
    pub waiting_for_supplier: Option<Vec<listing::WaitingForSupplier>>,
}

pub use crate::model::{InputInfo, InputKind};

/// Everything read for one boot.
#[derive(Debug, Default)]
pub struct BootInputs {
    /// A name for the boot (the directory or first file name, or `--boot NAME`).
    pub name: String,
    pub inputs: Vec<InputInfo>,
    pub log: Option<LogData>,
    /// Ordered oldest first; the last one is the final state.
    pub snapshots: Vec<Snapshot>,
    pub device_tree: Option<dt::DeviceTree>,
    pub cmdline: Option<context::Cmdline>,
    pub modules: Option<Vec<context::ModuleEntry>>,
    pub kconfig: Option<context::KernelConfig>,
    pub kernel_release: Option<String>,
    /// Raw ACPI tables given (`/sys/firmware/acpi/tables/<SIG>`) and what they route.
    pub acpi: crate::model::acpi::AcpiFirmware,
    /// What could not be read or was not there, said plainly.
    pub notes: Vec<String>,
    /// Problems in inputs that were otherwise used (the readable rest is still analysed).
    pub errors: Vec<InputError>,
    /// SysMMU register and memory dumps given with the boot.
    pub sysmmu_dumps: Option<crate::sysmmu::DumpEvidence>,
}

impl BootInputs {
    /// The last snapshot (the final state), if any.
    pub fn final_snapshot(&self) -> Option<&Snapshot> {
        self.snapshots.last()
    }

    /// Whether anything usable was read at all.
    pub fn is_empty(&self) -> bool {
        self.log.is_none()
            && self.snapshots.is_empty()
            && self.device_tree.is_none()
            && self.cmdline.is_none()
            && self.modules.is_none()
            && self.kconfig.is_none()
    }
}
