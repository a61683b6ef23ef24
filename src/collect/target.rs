//! What a target can be asked: its sysfs (a [`SysfsSource`], read by the same typed readers as
//! a sysfs folder) and the few other read-only operations the bundle builder (`evidence.rs`)
//! needs, implemented by the local filesystem (`local.rs`) and by the facts the SSH script sent
//! back (`wire.rs`). Paths are the target's own (`/sys/class/devlink`), before any
//! `--remote-root` prefix.

pub use crate::ingest::sysfs::{EntryKind, SysfsEntry, SysfsSource};
use crate::ingest::sysfs::{SysfsError, SysfsErrorKind, SysfsResult};

/// The outcome of reading one thing on the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read<T> {
    Ok(T),
    /// Not there.
    Missing,
    /// There, but not readable by the collecting user.
    Denied,
    /// Reading failed otherwise; the text says how.
    Failed(String),
}

impl<T> Read<T> {
    pub fn ok(self) -> Option<T> {
        match self {
            Read::Ok(value) => Some(value),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Read<&T> {
        match self {
            Read::Ok(value) => Read::Ok(value),
            Read::Missing => Read::Missing,
            Read::Denied => Read::Denied,
            Read::Failed(why) => Read::Failed(why.clone()),
        }
    }
}

impl Read<String> {
    pub fn into_bytes(self) -> Read<Vec<u8>> {
        match self {
            Read::Ok(text) => Read::Ok(text.into_bytes()),
            Read::Missing => Read::Missing,
            Read::Denied => Read::Denied,
            Read::Failed(why) => Read::Failed(why),
        }
    }
}

/// How the kernel log was (or was not) read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogMethod {
    /// `/dev/kmsg` records (with their dictionaries).
    Kmsg,
    /// `dmesg -r`: syslog format with `<prio>` prefixes, no dictionaries.
    DmesgRaw,
    /// Plain `dmesg`.
    Dmesg,
}

impl LogMethod {
    /// Where the manifest says it came from.
    pub fn source(self) -> &'static str {
        match self {
            LogMethod::Kmsg => "/dev/kmsg",
            LogMethod::DmesgRaw => "dmesg -r",
            LogMethod::Dmesg => "dmesg",
        }
    }

    /// The member it is written to (the corpus capture names).
    pub fn member(self) -> &'static str {
        match self {
            LogMethod::Kmsg => "kmsg.txt",
            LogMethod::DmesgRaw => "dmesg-raw.txt",
            LogMethod::Dmesg => "dmesg.txt",
        }
    }
}

/// One way of reading the kernel log that was tried, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogAttempt {
    pub method: LogMethod,
    pub read: Read<Vec<u8>>,
}

/// What reading `devices_deferred` involved: debugfs's mount point as found, the mount done
/// for `--mount-debugfs` (and the unmount after), and the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeferredRead {
    /// `/sys/kernel/debug` before any mount: empty when debugfs is not mounted.
    pub mount_point: Read<Vec<SysfsEntry>>,
    /// `Some` when probescope mounted debugfs: `Ok` or the mount error.
    pub mounted: Option<Result<(), String>>,
    /// `Some` when probescope unmounted it again.
    pub unmounted: Option<Result<(), String>>,
    pub file: Read<Vec<u8>>,
}

/// An Exynos SysMMU register window to read through `/dev/mem`: the one definition lives with
/// the SysMMU decoder.
pub use crate::sysmmu::RegisterRange;

/// The read-only operations collection uses: the target's sysfs, and the rest.
pub trait Target: SysfsSource {
    /// A whole file, up to the bundle's member cap (`/proc/cmdline`, `/sys/firmware/fdt`).
    fn read_file(&mut self, path: &str) -> Read<Vec<u8>>;
    /// The kernel log, by the first method that works.
    fn kernel_log(&mut self) -> Vec<LogAttempt>;
    /// `/sys/kernel/debug/devices_deferred`, mounting debugfs first when `mount` is set and it
    /// is not mounted.
    fn devices_deferred(&mut self, mount: bool) -> DeferredRead;
    /// `uname -r` of the running kernel; `Missing` when the target is a `--remote-root`.
    fn uname_release(&mut self) -> Read<String>;
    /// A register window as little-endian 32-bit words.
    fn register_window(&mut self, window: &RegisterRange) -> Read<Vec<u8>>;
}

impl<T> Read<T> {
    /// A sysfs read as a target read.
    pub fn from_sysfs(read: SysfsResult<T>) -> Read<T> {
        match read {
            Ok(value) => Read::Ok(value),
            Err(error) => match error.kind {
                SysfsErrorKind::Missing => Read::Missing,
                SysfsErrorKind::Denied => Read::Denied,
                SysfsErrorKind::Refused | SysfsErrorKind::Failed(_) => Read::Failed(error.to_string()),
            },
        }
    }

    /// A target read as a sysfs read of `path`.
    pub fn into_sysfs(self, path: &str) -> SysfsResult<T> {
        match self {
            Read::Ok(value) => Ok(value),
            Read::Missing => Err(SysfsError::new(path, SysfsErrorKind::Missing)),
            Read::Denied => Err(SysfsError::new(path, SysfsErrorKind::Denied)),
            Read::Failed(why) => Err(SysfsError::new(path, SysfsErrorKind::Failed(why))),
        }
    }
}

pub use crate::ingest::sysfs::source::{join, name_is_carried};
