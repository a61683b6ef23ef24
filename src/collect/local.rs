//! The local machine as a [`Target`]: probescope reads the files itself, with bounded reads,
//! and writes nothing (debugfs is mounted only for `--mount-debugfs`, and unmounted after).
//! Commands run only where no file will do: `dmesg` when `/dev/kmsg` cannot be read, `devmem`
//! for register windows (MMIO has to be read through `mmap`, 32 bits at a time), `uname`,
//! `mount`/`umount`.

use super::target::{join, DeferredRead, LogAttempt, LogMethod, Read, RegisterRange, Target};
use crate::ingest::sysfs::{Found, Listing, SysfsFolder, SysfsResult, SysfsSource};
use crate::limits::DEVICES_DEFERRED_BYTES;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `O_NONBLOCK` for this architecture (include/uapi/asm-generic/fcntl.h and the arch overrides
/// in arch/*/include/uapi/asm/fcntl.h).
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
const O_NONBLOCK: i32 = 0o200;
#[cfg(target_arch = "sparc64")]
const O_NONBLOCK: i32 = 0x4000;
#[cfg(not(any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64")))]
const O_NONBLOCK: i32 = 0o4000;

const ENOENT: i32 = 2;
const EPERM: i32 = 1;
const ENOTDIR: i32 = 20;
const EPIPE: i32 = 32;

/// The machine probescope runs on, optionally seen below a root prefix (`--remote-root`).
/// Its sysfs is read as a sysfs folder is: links resolved one component at a time, never out
/// of `<root>/sys`.
#[derive(Debug)]
pub struct LocalTarget {
    /// `None` for `/`.
    root: Option<PathBuf>,
    /// `<root>/sys`, named by the target's own paths (`/sys/...`).
    sysfs: SysfsFolder,
}

impl LocalTarget {
    pub fn new(root: Option<PathBuf>) -> Self {
        let sys = match &root {
            Some(root) => root.join("sys"),
            None => PathBuf::from("/sys"),
        };
        LocalTarget {
            sysfs: SysfsFolder::new(&sys, "/sys"),
            root,
        }
    }

    fn real(&self, path: &str) -> PathBuf {
        match &self.root {
            Some(root) => root.join(path.trim_start_matches('/')),
            None => PathBuf::from(path),
        }
    }

    fn read_kmsg(&self) -> LogAttempt {
        let path = self.real("/dev/kmsg");
        let read = match fs::metadata(&path) {
            Err(error) => io_read(error),
            Ok(meta) if meta.file_type().is_char_device() => {
                read_kmsg_device(&path, crate::limits::current().collected_file_bytes)
            }
            // A regular file stands in for the device below a `--remote-root`.
            Ok(_) => read_bounded(&path),
        };
        LogAttempt {
            method: LogMethod::Kmsg,
            read,
        }
    }
}

impl SysfsSource for LocalTarget {
    fn describe(&self, path: &str) -> String {
        self.sysfs.describe(path)
    }

    fn list(&mut self, dir: &str) -> SysfsResult<Listing> {
        self.sysfs.list(dir)
    }

    fn read_link(&mut self, path: &str) -> SysfsResult<String> {
        self.sysfs.read_link(path)
    }

    fn read_attr(&mut self, path: &str, cap: u64) -> SysfsResult<Vec<u8>> {
        self.sysfs.read_attr(path, cap)
    }

    fn find_files(&mut self, dir: &str, name: &str) -> SysfsResult<Found> {
        self.sysfs.find_files(dir, name)
    }
}

impl Target for LocalTarget {
    fn read_file(&mut self, path: &str) -> Read<Vec<u8>> {
        read_bounded(&self.real(path))
    }

    fn kernel_log(&mut self) -> Vec<LogAttempt> {
        let mut attempts = vec![self.read_kmsg()];
        // `dmesg` reads the running kernel, which a `--remote-root` tree does not stand for.
        if self.root.is_none() {
            for (method, args) in [(LogMethod::DmesgRaw, &["-r"][..]), (LogMethod::Dmesg, &[][..])] {
                if attempts
                    .iter()
                    .any(|attempt| matches!(&attempt.read, Read::Ok(bytes) if !bytes.is_empty()))
                {
                    break;
                }
                attempts.push(LogAttempt {
                    method,
                    read: run("dmesg", args),
                });
            }
        }
        attempts
    }

    fn devices_deferred(&mut self, mount: bool) -> DeferredRead {
        use crate::ingest::sysfs::layout::DEBUGFS;
        let file_path = join(DEBUGFS, "devices_deferred");
        let mount_point = Read::from_sysfs(self.sysfs.list(DEBUGFS).map(|listing| listing.entries));
        let mut mounted = None;
        let not_mounted = matches!(&mount_point, Read::Ok(entries) if entries.is_empty());
        if mount && not_mounted {
            let mount_dir = self.real(DEBUGFS).display().to_string();
            mounted = Some(command_result(run(
                "mount",
                &["-t", "debugfs", "debugfs", mount_dir.as_str()],
            )));
        }
        // Read as `check` reads it inside a sysfs folder, under the same cap.
        let file = Read::from_sysfs(self.sysfs.read_attr(&file_path, DEVICES_DEFERRED_BYTES));
        let unmounted = match mounted {
            Some(Ok(())) => {
                let mount_dir = self.real(DEBUGFS).display().to_string();
                Some(command_result(run("umount", &[mount_dir.as_str()])))
            }
            _ => None,
        };
        DeferredRead {
            mount_point,
            mounted,
            unmounted,
            file,
        }
    }

    fn uname_release(&mut self) -> Read<String> {
        if self.root.is_some() {
            return Read::Missing;
        }
        match run("uname", &["-r"]) {
            Read::Ok(bytes) => Read::Ok(String::from_utf8_lossy(&bytes).trim().to_string()),
            Read::Missing => Read::Missing,
            Read::Denied => Read::Denied,
            Read::Failed(why) => Read::Failed(why),
        }
    }

    fn register_window(&mut self, window: &RegisterRange) -> Read<Vec<u8>> {
        let mut words = Vec::with_capacity(usize::try_from(window.size).unwrap_or(0));
        let mut offset = 0;
        while offset < window.size {
            let address = (window.base + offset).to_string();
            let output = match run("devmem", &[address.as_str(), "32"]) {
                Read::Ok(output) => output,
                Read::Missing => {
                    return Read::Failed("no devmem command (busybox devmem reads registers)".into())
                }
                failed => return failed,
            };
            match parse_devmem_word(&output) {
                Some(word) => words.extend_from_slice(&word.to_le_bytes()),
                None => {
                    return Read::Failed(format!(
                        "devmem printed `{}` for {:#x}",
                        crate::sanitize::escape_control(String::from_utf8_lossy(&output).trim()),
                        window.base + offset
                    ))
                }
            }
            offset += 4;
        }
        Read::Ok(words)
    }
}

/// One 32-bit value as `devmem` prints it (`0x0000000A`).
pub fn parse_devmem_word(output: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(output).ok()?.trim();
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))?;
    u32::from_str_radix(digits, 16).ok()
}

fn read_bounded(path: &Path) -> Read<Vec<u8>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => return io_read(error),
    };
    let mut bytes = Vec::new();
    let cap = crate::limits::current().collected_file_bytes;
    match file.take(cap.saturating_add(1)).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > cap => Read::Failed(crate::collect::wire::too_large(cap)),
        Ok(_) => Read::Ok(bytes),
        Err(error) => io_read(error),
    }
}

/// `/dev/kmsg`'s device number: char major 1 (`MEM_MAJOR`), minor 11, `devlist[]` in
/// drivers/char/mem.c.
const KMSG_DEVICE: (u32, u32) = (1, 11);

/// Whether `path` (symlinks followed) is the kernel's printk record device: a `/dev/kmsg`
/// named as an input is read here, never by ingest, which parses the bytes.
pub fn is_kernel_record_device(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).is_ok_and(|meta| {
        let rdev = meta.rdev();
        meta.file_type().is_char_device() && (libc::major(rdev), libc::minor(rdev)) == KMSG_DEVICE
    })
}

/// The records the kernel's record device at `path` holds now, at most `cap` bytes of them.
pub fn read_kernel_records(path: &Path, cap: u64) -> crate::error::Result<Vec<u8>> {
    let failed = |why: String| crate::error::Error::io(path, io::Error::other(why));
    match read_kmsg_device(path, cap) {
        Read::Ok(bytes) => Ok(bytes),
        Read::Missing => Err(failed("not there".into())),
        Read::Denied => Err(crate::error::Error::io(
            path,
            io::Error::from(io::ErrorKind::PermissionDenied),
        )),
        Read::Failed(why) => Err(failed(why)),
    }
}

/// Reads every record `/dev/kmsg` holds without waiting for new ones: each read() returns one
/// record and, on a non-blocking descriptor, EAGAIN after the last (`devkmsg_read()` in
/// kernel/printk/printk.c). EPIPE means records were overwritten while reading; the next read
/// continues with the oldest one left.
fn read_kmsg_device(path: &Path, cap: u64) -> Read<Vec<u8>> {
    let mut file = match OpenOptions::new().read(true).custom_flags(O_NONBLOCK).open(path) {
        Ok(file) => file,
        Err(error) => return io_read(error),
    };
    let mut bytes = Vec::new();
    let mut record = vec![0u8; 16 << 10];
    loop {
        match file.read(&mut record) {
            Ok(0) => break,
            Ok(n) => {
                bytes.extend_from_slice(&record[..n]);
                if bytes.len() as u64 > cap {
                    return Read::Failed(crate::collect::wire::too_large(cap));
                }
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
            Err(error) if error.raw_os_error() == Some(EPIPE) => continue,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return io_read(error),
        }
    }
    Read::Ok(bytes)
}

fn io_read<T>(error: io::Error) -> Read<T> {
    match error.raw_os_error() {
        Some(ENOENT | ENOTDIR) => Read::Missing,
        Some(EPERM) => Read::Denied,
        _ if error.kind() == io::ErrorKind::PermissionDenied => Read::Denied,
        _ if error.kind() == io::ErrorKind::NotFound => Read::Missing,
        _ => Read::Failed(error.to_string()),
    }
}

/// Runs `program args` and returns its standard output; `Missing` when the program is not
/// there, `Denied` when it says so.
fn run(program: &str, args: &[&str]) -> Read<Vec<u8>> {
    let output = match Command::new(program).args(args).env("LC_ALL", "C").output() {
        Ok(output) => output,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Read::Missing,
        Err(error) => return Read::Failed(format!("{program}: {error}")),
    };
    if output.status.success() {
        return Read::Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if says_denied(&stderr) {
        return Read::Denied;
    }
    Read::Failed(format!(
        "{program} {}: {}",
        args.join(" "),
        crate::sanitize::escape_control(&stderr)
    ))
}

fn command_result(read: Read<Vec<u8>>) -> Result<(), String> {
    match read {
        Read::Ok(_) => Ok(()),
        Read::Missing => Err("command not found".into()),
        Read::Denied => Err("permission denied (mounting needs root)".into()),
        Read::Failed(why) => Err(why),
    }
}

/// Whether a tool's error message is a permission refusal (the script sets LC_ALL=C).
pub fn says_denied(message: &str) -> bool {
    message.contains("ermission denied") || message.contains("not permitted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_record_device_is_read_as_the_live_log_and_its_read_is_capped() {
        assert!(!is_kernel_record_device(Path::new("/dev/null")));
        assert!(!is_kernel_record_device(Path::new("Cargo.toml")));
        assert!(!is_kernel_record_device(Path::new("/nonexistent")));
        let kmsg = Path::new("/dev/kmsg");
        if !kmsg.exists() {
            return;
        }
        assert!(is_kernel_record_device(kmsg));
        // Readable only where the kernel lets this user read its log (dmesg_restrict).
        if let Ok(records) = read_kernel_records(kmsg, crate::limits::current().collected_file_bytes) {
            if records.len() > 1 {
                let err = read_kernel_records(kmsg, 1).unwrap_err().to_string();
                assert!(err.contains("larger than 1 bytes"), "{err}");
            }
        }
    }

    #[test]
    fn the_sysfs_below_a_root_is_read_without_leaving_it() {
        use crate::ingest::sysfs::readers;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let devlinks = root.join("sys/class/devlink");
        fs::create_dir_all(&devlinks).unwrap();
        fs::create_dir_all(dir.path().join("outside/a--b")).unwrap();
        fs::write(dir.path().join("outside/a--b/status"), "active\n").unwrap();
        // Out of the root by `..`, by an absolute path, and a loop.
        std::os::unix::fs::symlink("../../../../outside/a--b", devlinks.join("a--b")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside/a--b"), devlinks.join("c--d")).unwrap();
        std::os::unix::fs::symlink("e--f", devlinks.join("e--f")).unwrap();
        let mut target = LocalTarget::new(Some(root));
        let part = readers::devlinks(&mut target);
        let links = part.records.unwrap();
        assert_eq!(links.len(), 3);
        assert!(links.iter().all(|l| l.status.is_none()), "{links:?}");
        // Each refusal is said, naming the link.
        assert_eq!(part.account.failures.len(), 3, "{:?}", part.account);
        assert!(part.account.failures[0]
            .to_string()
            .contains("/sys/class/devlink/a--b"));
    }

    #[test]
    fn devmem_words_parse() {
        assert_eq!(parse_devmem_word(b"0x0000000A\n"), Some(10));
        assert_eq!(parse_devmem_word(b"0xdeadbeef"), Some(0xdead_beef));
        assert_eq!(parse_devmem_word(b"devmem: can't open"), None);
    }

    #[test]
    fn errors_map_to_statuses() {
        assert_eq!(io_read::<()>(io::Error::from_raw_os_error(ENOENT)), Read::Missing);
        assert_eq!(io_read::<()>(io::Error::from_raw_os_error(13)), Read::Denied);
        assert_eq!(io_read::<()>(io::Error::from_raw_os_error(EPERM)), Read::Denied);
        assert!(matches!(
            io_read::<()>(io::Error::from_raw_os_error(5)),
            Read::Failed(_)
        ));
    }
}
