//! What a target can be asked: the few read-only operations the bundle builder
//! (`evidence.rs`) needs, implemented by the local filesystem (`local.rs`) and by the facts the
//! SSH script sent back (`wire.rs`). Paths are the target's own (`/sys/class/devlink`), before
//! any `--remote-root` prefix.

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

/// What a directory entry is (symbolic links are not followed to decide).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    File,
    Dir,
    Link,
    Other,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DirEntry {
    pub name: String,
    pub kind: EntryKind,
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
    pub mount_point: Read<Vec<DirEntry>>,
    /// `Some` when probescope mounted debugfs: `Ok` or the mount error.
    pub mounted: Option<Result<(), String>>,
    /// `Some` when probescope unmounted it again.
    pub unmounted: Option<Result<(), String>>,
    pub file: Read<Vec<u8>>,
}

/// An Exynos SysMMU register window to read through `/dev/mem`: the one definition lives with
/// the SysMMU decoder.
pub use crate::sysmmu::RegisterRange;

/// Files found by [`Target::find_files`]: each path with its content.
pub type FoundFiles = Vec<(String, Read<Vec<u8>>)>;

/// The read-only operations collection uses.
pub trait Target {
    fn read_file(&mut self, path: &str) -> Read<Vec<u8>>;
    /// A symbolic link's target as stored (`../../../platform/9050000.smmuv3`).
    fn read_link(&mut self, path: &str) -> Read<String>;
    /// A directory's entries, sorted by name. Entries whose names cannot be carried (not UTF-8,
    /// or holding a newline) are left out and counted in [`Target::skipped_names`].
    fn list_dir(&mut self, path: &str) -> Read<Vec<DirEntry>>;
    /// Regular files named `name` anywhere below `dir` (symbolic links not followed), each with
    /// its content, sorted by path.
    fn find_files(&mut self, dir: &str, name: &str) -> Read<FoundFiles>;
    /// The kernel log, by the first method that works.
    fn kernel_log(&mut self) -> Vec<LogAttempt>;
    /// `/sys/kernel/debug/devices_deferred`, mounting debugfs first when `mount` is set and it
    /// is not mounted.
    fn devices_deferred(&mut self, mount: bool) -> DeferredRead;
    /// `uname -r` of the running kernel; `Missing` when the target is a `--remote-root`.
    fn uname_release(&mut self) -> Read<String>;
    /// A register window as little-endian 32-bit words.
    fn register_window(&mut self, window: &RegisterRange) -> Read<Vec<u8>>;
    /// How many directory entries were left out for their names.
    fn skipped_names(&self) -> u64;
}

/// Joins a target directory and an entry name.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether a name can travel in the line-based files of a bundle.
pub fn name_is_carried(name: &str) -> bool {
    !name.contains('\n') && !name.is_empty()
}
