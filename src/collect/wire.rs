//! The collection script's output, read back: frames split at a random boundary, then the
//! facts they carry put together as a [`Target`] the bundle builder can ask.
//!
//! The script (`collect.sh`) cannot know a file's size before reading it, and nothing may be
//! written on the target to find out, so frames are not length-prefixed: each starts with
//! `"\n" BOUNDARY " "`, where the boundary is 128 random bits chosen for this run, and a frame's
//! payload runs up to the next boundary. File bytes pass unchanged (binary-safe, no expansion).
//! A target could forge frames, but it can send any bytes anyway; whatever arrives is data that
//! ends up in the bundle, never something executed. A stream without the final `END` frame was
//! cut short, and is never taken for a whole capture.

use super::local::says_denied;
use super::target::{
    DeferredRead, EntryKind, LogAttempt, LogMethod, Read, RegisterRange, SysfsEntry, Target,
};
use crate::ingest::sysfs::layout::DEBUGFS;
use crate::ingest::sysfs::{Found, Listing, SysfsError, SysfsErrorKind, SysfsResult, SysfsSource};
use crate::limits::DEVICES_DEFERRED_BYTES;
use std::collections::HashMap;

/// The protocol version `collect.sh` announces in its `BEGIN` frame.
pub const PROTOCOL_VERSION: u32 = 1;

/// A random boundary for one run: `@@probescope-` and 32 hex digits.
pub fn new_boundary() -> String {
    let mut bytes = [0u8; 16];
    // /dev/urandom never blocks once the kernel's pool is initialised; a boot that far along
    // is the only kind that runs probescope. Should it fail, time and pid still make the
    // boundary unique to this run, which is all that is needed.
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut bytes));
    if random.is_err() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or(0);
        bytes = (now ^ (u128::from(std::process::id()) << 96)).to_le_bytes();
    }
    let mut boundary = String::from("@@probescope-");
    for byte in bytes {
        boundary.push_str(&format!("{byte:02x}"));
    }
    boundary
}

/// One frame: its header line (without the boundary) and its payload.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub header: &'a [u8],
    pub payload: &'a [u8],
}

/// Splits `stream` into frames; bytes before the first boundary (a login banner) are dropped.
pub fn split_frames<'a>(stream: &'a [u8], boundary: &str) -> Vec<Frame<'a>> {
    let marker = format!("\n{boundary} ");
    let starts: Vec<usize> = memchr::memmem::find_iter(stream, marker.as_bytes()).collect();
    let mut frames = Vec::with_capacity(starts.len());
    for (index, &start) in starts.iter().enumerate() {
        let header_start = start + marker.len();
        let end = starts.get(index + 1).copied().unwrap_or(stream.len());
        let Some(rest) = stream.get(header_start..end) else {
            continue;
        };
        let (header, payload) = match memchr::memchr(b'\n', rest) {
            Some(newline) => (&rest[..newline], &rest[newline + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        frames.push(Frame { header, payload });
    }
    frames
}

/// What the script reported as a whole, beside the facts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ScriptOutcome {
    /// The `BEGIN` frame's protocol version.
    pub protocol: Option<u32>,
    /// The `END` frame arrived.
    pub ended: bool,
    /// Tools the target lacks (`NEED`).
    pub missing_tools: Option<String>,
    /// The `--remote-root` directory does not exist there (`NOROOT`).
    pub no_root: bool,
}

/// The facts the script sent, answering the builder's questions.
#[derive(Debug, Default)]
pub struct RemoteTree {
    files: HashMap<String, Read<Vec<u8>>>,
    links: HashMap<String, Read<String>>,
    dirs: HashMap<String, Listing>,
    /// Paths reported missing (`M`) or unreadable (`D`).
    absent: HashMap<String, Read<()>>,
    /// The files `find` named below a directory.
    finds: HashMap<String, Read<Vec<String>>>,
    logs: Vec<LogAttempt>,
    mounted: Option<Result<(), String>>,
    unmounted: Option<Result<(), String>>,
    windows: HashMap<String, Read<Vec<u8>>>,
    uname: Option<Read<String>>,
}

/// A frame waiting for its `X` status frame.
enum Pending {
    None,
    File {
        path: String,
        bytes: Vec<u8>,
    },
    Log {
        method: LogMethod,
        bytes: Vec<u8>,
    },
    Window {
        name: String,
        lines: Vec<u8>,
    },
    /// A frame whose path could not be carried; its status is dropped with it.
    Discard,
}

impl RemoteTree {
    /// Puts the frames together.
    pub fn from_frames(frames: &[Frame<'_>]) -> (RemoteTree, ScriptOutcome) {
        let mut tree = RemoteTree::default();
        let mut outcome = ScriptOutcome::default();
        let mut pending = Pending::None;
        let mut listing: Option<String> = None;
        let mut finding: Option<String> = None;
        for frame in frames {
            // A path that is not UTF-8 belongs to an entry the builder never asks for (it is
            // left out of listings and counted there); its frames are dropped.
            let Ok(header) = std::str::from_utf8(frame.header) else {
                if frame.header.starts_with(b"E ") {
                    tree.left_out(listing.as_deref());
                } else {
                    listing = None;
                    if frame.header.starts_with(b"F ") {
                        pending = Pending::Discard;
                    }
                }
                continue;
            };
            let (kind, rest) = header.split_once(' ').unwrap_or((header, ""));
            if kind != "E" && kind != "SKIP" {
                listing = None;
            }
            match kind {
                "BEGIN" => outcome.protocol = rest.parse().ok(),
                "END" if rest.is_empty() => outcome.ended = true,
                "NEED" => outcome.missing_tools = Some(rest.trim().to_string()),
                "NOROOT" => outcome.no_root = true,
                "SKIP" => tree.left_out(listing.as_deref()),
                "DIR" => {
                    tree.dirs.insert(rest.to_string(), Listing::default());
                    listing = Some(rest.to_string());
                }
                "E" => {
                    let (code, name) = rest.split_once(' ').unwrap_or(("", ""));
                    let kind = match code {
                        "l" => EntryKind::Link,
                        "d" => EntryKind::Dir,
                        "f" => EntryKind::File,
                        _ => EntryKind::Other,
                    };
                    if let Some(listed) = listing.as_ref().and_then(|dir| tree.dirs.get_mut(dir)) {
                        listed.entries.push(SysfsEntry {
                            name: name.to_string(),
                            kind,
                        });
                    }
                }
                "M" | "D" => {
                    let read = if kind == "M" { Read::Missing } else { Read::Denied };
                    match std::mem::replace(&mut pending, Pending::None) {
                        Pending::Log { method, .. } => tree.logs.push(LogAttempt {
                            method,
                            read: read.as_ref().map_unit(),
                        }),
                        other => pending = other,
                    }
                    if finding.as_deref() == Some(rest) {
                        tree.finds.insert(rest.to_string(), read.as_ref().map_unit());
                    } else if let (Some(dir), Read::Denied) = (&finding, &read) {
                        if let Some(Read::Ok(found)) = tree.finds.get_mut(dir) {
                            found.push(rest.to_string());
                        }
                    }
                    tree.absent.insert(rest.to_string(), read);
                }
                "F" => {
                    pending = Pending::File {
                        path: rest.to_string(),
                        bytes: frame.payload.to_vec(),
                    }
                }
                "X" => {
                    let status: i32 = rest.parse().unwrap_or(-1);
                    let why = String::from_utf8_lossy(frame.payload);
                    match std::mem::replace(&mut pending, Pending::None) {
                        Pending::File { path, bytes } => {
                            let read = classify(status, &why, bytes);
                            if let Some(Read::Ok(found)) =
                                finding.as_ref().and_then(|dir| tree.finds.get_mut(dir))
                            {
                                found.push(path.clone());
                            }
                            tree.files.insert(path, read);
                        }
                        Pending::Log { method, bytes } => tree.logs.push(LogAttempt {
                            method,
                            read: classify(status, &why, bytes),
                        }),
                        Pending::Window { name, lines } => {
                            let read = window_words(status, &why, &lines);
                            tree.windows.insert(name, read);
                        }
                        Pending::None | Pending::Discard => {}
                    }
                }
                "L" => {
                    let target = frame.payload.strip_suffix(b"\n").unwrap_or(frame.payload);
                    let read = match std::str::from_utf8(target) {
                        Ok("") => Read::Failed("readlink printed nothing".into()),
                        Ok(text) => Read::Ok(text.to_string()),
                        Err(_) => Read::Failed("link target is not UTF-8".into()),
                    };
                    tree.links.insert(rest.to_string(), read);
                }
                "FIND" => {
                    tree.finds.insert(rest.to_string(), Read::Ok(Vec::new()));
                    finding = Some(rest.to_string());
                }
                "FOUND" => finding = None,
                "LOG" => {
                    let method = match rest {
                        "dmesg-r" => LogMethod::DmesgRaw,
                        "dmesg" => LogMethod::Dmesg,
                        _ => LogMethod::Kmsg,
                    };
                    pending = Pending::Log {
                        method,
                        bytes: frame.payload.to_vec(),
                    };
                }
                "MOUNT" | "UMOUNT" => {
                    let result = if rest == "0" {
                        Ok(())
                    } else {
                        Err(crate::sanitize::escape_control(
                            String::from_utf8_lossy(frame.payload).trim(),
                        ))
                    };
                    if kind == "MOUNT" {
                        tree.mounted = Some(result);
                    } else {
                        tree.unmounted = Some(result);
                    }
                }
                "WIN" => {
                    pending = Pending::Window {
                        name: rest.to_string(),
                        lines: frame.payload.to_vec(),
                    }
                }
                "CMD" if rest == "uname-r" => {
                    let text = String::from_utf8_lossy(frame.payload).trim().to_string();
                    tree.uname = Some(if text.is_empty() {
                        Read::Failed("uname -r printed nothing".into())
                    } else {
                        Read::Ok(text)
                    });
                }
                _ => {}
            }
        }
        (tree, outcome)
    }

    /// Counts an entry of the listing under way that was left out for its name.
    fn left_out(&mut self, listing: Option<&str>) {
        if let Some(listed) = listing.and_then(|dir| self.dirs.get_mut(dir)) {
            listed.left_out += 1;
        }
    }

    /// What the script said of `path` when it sent no content: missing, unreadable, or (when
    /// it never asked) nothing.
    fn absent_as<T>(&self, path: &str) -> Read<T> {
        match self.absent.get(path) {
            Some(read) => read.as_ref().map_unit(),
            None => not_gathered(path),
        }
    }

    /// The kind of the entry `path` as its directory's listing gave it.
    fn listed_kind(&self, path: &str) -> Option<EntryKind> {
        let (dir, name) = path.rsplit_once('/')?;
        let listed = self.dirs.get(dir)?;
        listed.entries.iter().find(|e| e.name == name).map(|e| e.kind)
    }
}

impl Read<&()> {
    fn map_unit<T>(self) -> Read<T> {
        match self {
            Read::Ok(()) | Read::Missing => Read::Missing,
            Read::Denied => Read::Denied,
            Read::Failed(why) => Read::Failed(why),
        }
    }
}

/// A command's outcome from its exit status and error message (the script sets LC_ALL=C).
fn classify(status: i32, why: &str, bytes: Vec<u8>) -> Read<Vec<u8>> {
    let cap = crate::limits::current().collected_file_bytes;
    if status == 0 && bytes.len() as u64 > cap {
        return Read::Failed(too_large(cap));
    }
    if status == 0 {
        return Read::Ok(bytes);
    }
    if says_denied(why) {
        return Read::Denied;
    }
    if why.contains("No such file") {
        return Read::Missing;
    }
    let why = why.trim();
    Read::Failed(if why.is_empty() {
        format!("exit status {status}")
    } else {
        format!(
            "exit status {status}: {}",
            crate::sanitize::shorten(&crate::sanitize::escape_control(why), 200)
        )
    })
}

/// `devmem` lines to little-endian words.
fn window_words(status: i32, why: &str, lines: &[u8]) -> Read<Vec<u8>> {
    let mut words = Vec::new();
    for line in lines.split(|&byte| byte == b'\n').filter(|line| !line.is_empty()) {
        match super::local::parse_devmem_word(line) {
            Some(word) => words.extend_from_slice(&word.to_le_bytes()),
            None => {
                return Read::Failed(format!(
                    "devmem printed `{}`",
                    crate::sanitize::escape_control(&String::from_utf8_lossy(line))
                ))
            }
        }
    }
    if status == 0 {
        return Read::Ok(words);
    }
    if words.is_empty() {
        return classify(status, why, Vec::new()).map_failed(|why| format!("devmem: {why}"));
    }
    Read::Failed(format!(
        "devmem failed after {} registers (exit status {status})",
        words.len() / 4
    ))
}

impl Read<Vec<u8>> {
    fn map_failed(self, wrap: impl FnOnce(String) -> String) -> Read<Vec<u8>> {
        match self {
            Read::Failed(why) => Read::Failed(wrap(why)),
            other => other,
        }
    }
}

fn not_gathered<T>(what: &str) -> Read<T> {
    Read::Failed(format!(
        "{what} was not gathered by the collection script (a probescope bug; please report it)"
    ))
}

impl SysfsSource for RemoteTree {
    fn describe(&self, path: &str) -> String {
        path.to_string()
    }

    fn list(&mut self, dir: &str) -> SysfsResult<Listing> {
        match self.dirs.get(dir) {
            Some(listed) => {
                let mut listed = listed.clone();
                listed.entries.sort();
                Ok(listed)
            }
            None => self.absent_as(dir).into_sysfs(dir),
        }
    }

    fn read_link(&mut self, path: &str) -> SysfsResult<String> {
        if let Some(read) = self.links.get(path) {
            return read.clone().into_sysfs(path);
        }
        // Listed as something other than a link: the script sent no link for it.
        if self.listed_kind(path).is_some_and(|kind| kind != EntryKind::Link) {
            return Err(SysfsError::new(path, SysfsErrorKind::Missing));
        }
        self.absent_as(path).into_sysfs(path)
    }

    fn read_attr(&mut self, path: &str, cap: u64) -> SysfsResult<Vec<u8>> {
        let mut bytes = self.read_file(path).into_sysfs(path)?;
        bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        Ok(bytes)
    }

    fn find_files(&mut self, dir: &str, name: &str) -> SysfsResult<Found> {
        if name != "waiting_for_supplier" {
            return not_gathered(name).into_sysfs(dir);
        }
        let mut paths = self
            .finds
            .remove(dir)
            .unwrap_or_else(|| not_gathered(dir))
            .into_sysfs(dir)?;
        paths.sort();
        Ok(Found {
            paths,
            cut_short: None,
        })
    }
}

impl Target for RemoteTree {
    fn read_file(&mut self, path: &str) -> Read<Vec<u8>> {
        match self.files.remove(path) {
            Some(read) => read,
            None => self.absent_as(path),
        }
    }

    fn kernel_log(&mut self) -> Vec<LogAttempt> {
        std::mem::take(&mut self.logs)
    }

    fn devices_deferred(&mut self, _mount: bool) -> DeferredRead {
        DeferredRead {
            mount_point: Read::from_sysfs(self.list(DEBUGFS).map(|listing| listing.entries)),
            mounted: self.mounted.take(),
            unmounted: self.unmounted.take(),
            file: Read::from_sysfs(
                self.read_attr(&format!("{DEBUGFS}/devices_deferred"), DEVICES_DEFERRED_BYTES),
            ),
        }
    }

    fn uname_release(&mut self) -> Read<String> {
        self.uname.take().unwrap_or(Read::Missing)
    }

    fn register_window(&mut self, window: &RegisterRange) -> Read<Vec<u8>> {
        match self.windows.remove(&window.name) {
            Some(Read::Ok(words)) if words.len() as u64 != window.size => {
                Read::Failed(format!("got {} of {} bytes", words.len(), window.size))
            }
            Some(read) => read,
            None => not_gathered(&format!("register window {}", window.name)),
        }
    }
}

/// Why a file over the collected-file-bytes cap was not copied: the cap and its flag.
pub(crate) fn too_large(cap: u64) -> String {
    format!(
        "larger than {}, the collected-file-bytes cap; not copied ({})",
        crate::limits::human_bytes(cap),
        crate::limits::raise_hint("collected-file-bytes")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "@@probescope-00";

    fn frame(header: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = format!("\n{B} {header}\n").into_bytes();
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn payloads_are_binary_safe() {
        let mut stream = b"banner\n".to_vec();
        stream.extend(frame("BEGIN 1", b""));
        // Content that ends in newlines, holds NULs and a near-boundary.
        stream.extend(frame(
            "F /sys/firmware/fdt",
            b"\xd0\x0d\xfe\xed\0\n@@probescope-0\n\n",
        ));
        stream.extend(frame("X 0", b""));
        stream.extend(frame("END", b""));
        let frames = split_frames(&stream, B);
        assert_eq!(frames.len(), 4);
        assert_eq!(frames[1].payload, b"\xd0\x0d\xfe\xed\0\n@@probescope-0\n\n");
        let (mut tree, outcome) = RemoteTree::from_frames(&frames);
        assert!(outcome.ended);
        assert_eq!(outcome.protocol, Some(PROTOCOL_VERSION));
        assert_eq!(
            tree.read_file("/sys/firmware/fdt"),
            Read::Ok(b"\xd0\x0d\xfe\xed\0\n@@probescope-0\n\n".to_vec())
        );
    }

    #[test]
    fn statuses_listings_and_links_are_put_together() {
        let mut stream = Vec::new();
        stream.extend(frame("DIR /sys/class/devlink", b""));
        stream.extend(frame("E l a b$(reboot)", b""));
        stream.extend(frame("SKIP", b""));
        stream.extend(frame("L /sys/class/devlink/a b$(reboot)/supplier", b"../../x\n"));
        stream.extend(frame("M /sys/kernel/debug", b""));
        stream.extend(frame("F /sys/kernel/debug/devices_deferred", b""));
        stream.extend(frame("X 1", b"cat: can't open: Permission denied"));
        stream.extend(frame("D /sys/firmware/fdt", b""));
        let frames = split_frames(&stream, B);
        let (mut tree, outcome) = RemoteTree::from_frames(&frames);
        assert!(!outcome.ended);
        assert_eq!(
            tree.list("/sys/class/devlink"),
            Ok(Listing {
                entries: vec![SysfsEntry {
                    name: "a b$(reboot)".into(),
                    kind: EntryKind::Link
                }],
                left_out: 1,
            })
        );
        assert_eq!(
            tree.read_link("/sys/class/devlink/a b$(reboot)/supplier"),
            Ok("../../x".into())
        );
        assert_eq!(tree.read_file("/sys/kernel/debug/devices_deferred"), Read::Denied);
        assert_eq!(tree.read_file("/sys/firmware/fdt"), Read::Denied);
        assert!(tree.list("/sys/kernel/debug").is_err_and(|e| e.is_missing()));
        assert!(matches!(tree.read_file("/proc/cmdline"), Read::Failed(_)));
    }

    #[test]
    fn boundaries_differ_per_run() {
        let (a, b) = (new_boundary(), new_boundary());
        assert_ne!(a, b);
        assert_eq!(a.len(), "@@probescope-".len() + 32);
    }
}
