//! A sysfs root seen from inside: paths are sysfs paths (`/sys/...`), resolved one component
//! at a time against the root, following symlinks and flattened symlinks but never out of the
//! root. Every read is bounded. What the kernel keeps where is `sysfs`'s business, not this
//! module's.

use super::source::{
    name_is_carried, EntryKind, Listing, SysfsEntry, SysfsError, SysfsErrorKind, SysfsResult, SysfsSource,
};
use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Largest file taken as a flattened symlink.
const MAX_FLATTENED_LINK: u64 = 4096;
/// Symlinks followed while resolving one path (the kernel's own limit is 40).
const MAX_LINK_HOPS: u32 = 40;

/// Where a path led.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// It exists; every component of the returned path is a real (non-link) entry.
    Found(Vec<String>),
    /// It does not exist.
    Missing,
    /// A directory on the way could not be searched (permissions).
    Denied,
    /// It leaves the root, loops, or crosses something that is not a directory.
    Refused,
}

impl Resolved {
    /// The parts of a path that was found, or why it was not.
    fn found(self, path: &str) -> SysfsResult<Vec<String>> {
        match self {
            Resolved::Found(parts) => Ok(parts),
            Resolved::Missing => Err(SysfsError::new(path, SysfsErrorKind::Missing)),
            Resolved::Denied => Err(SysfsError::new(path, SysfsErrorKind::Denied)),
            Resolved::Refused => Err(SysfsError::new(path, SysfsErrorKind::Refused)),
        }
    }
}

/// A sysfs root on disk (the live `/sys` or a copy), and the name it goes by in origins and
/// messages.
#[derive(Clone, Debug)]
pub struct SysfsFolder {
    root: PathBuf,
    display: String,
    /// Directories already resolved, by sysfs path: a walk resolves each directory from its
    /// parent's entry rather than from the root (the tree does not change during one read).
    resolved_dirs: HashMap<String, Vec<String>>,
}

pub(super) fn components(sys_path: &str) -> Vec<String> {
    let rest = sys_path
        .strip_prefix("/sys")
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .unwrap_or(sys_path);
    rest.split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn sys_path(parts: &[String]) -> String {
    if parts.is_empty() {
        "/sys".to_string()
    } else {
        format!("/sys/{}", parts.join("/"))
    }
}

pub(super) fn basename(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path)
}

pub(super) fn normalise(parts: impl IntoIterator<Item = String>) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        match part.as_str() {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            _ => out.push(part),
        }
    }
    Some(out)
}

impl SysfsFolder {
    /// A sysfs root on disk (`/sys`, or a copy); `display` names it in origins and messages.
    pub fn new(root: &Path, display: &str) -> Self {
        SysfsFolder {
            root: root.to_path_buf(),
            display: display.trim_end_matches('/').to_string(),
            resolved_dirs: HashMap::new(),
        }
    }

    fn real(&self, parts: &[String]) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(parts);
        path
    }

    fn display_of(&self, parts: &[String]) -> String {
        if parts.is_empty() {
            self.display.clone()
        } else {
            format!("{}/{}", self.display, parts.join("/"))
        }
    }

    /// Resolves a sysfs path inside the root, following links (and flattened links) one
    /// component at a time.
    fn resolve(&self, sys_path: &str) -> Resolved {
        self.resolve_from(Vec::new(), components(sys_path).into())
    }

    /// Resolves the components `pending` below the resolved directory `done`.
    fn resolve_from(&self, mut done: Vec<String>, mut pending: VecDeque<String>) -> Resolved {
        let mut hops = 0;
        while let Some(part) = pending.pop_front() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        return Resolved::Refused;
                    }
                    continue;
                }
                _ => {}
            }
            let real = self.real(&done).join(&part);
            let meta = match fs::symlink_metadata(&real) {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Resolved::Denied,
                Err(_) => {
                    done.push(part);
                    return match normalise(done.into_iter().chain(pending)) {
                        Some(_) => Resolved::Missing,
                        None => Resolved::Refused,
                    };
                }
            };
            let target = if meta.file_type().is_symlink() {
                match fs::read_link(&real) {
                    Ok(target) => Some(target.to_string_lossy().into_owned()),
                    Err(_) => return Resolved::Refused,
                }
            } else if meta.is_file() {
                // A flattened link is followed; any other file can only end the path.
                match flattened_link(&real, meta.len()) {
                    Some(target) => Some(target),
                    None if pending.is_empty() => None,
                    None => return Resolved::Refused,
                }
            } else {
                None
            };
            match target {
                None => done.push(part),
                Some(target) => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Resolved::Refused;
                    }
                    if target.starts_with('/') {
                        if target != "/sys" && !target.starts_with("/sys/") {
                            return Resolved::Refused;
                        }
                        done.clear();
                    }
                    for piece in components(&target).into_iter().rev() {
                        pending.push_front(piece);
                    }
                }
            }
        }
        Resolved::Found(done)
    }

    /// Resolves a directory's path, from its parent's resolution when that is known.
    fn resolve_dir(&mut self, path: &str) -> Resolved {
        let mut parts = components(path);
        let key = sys_path(&parts);
        if let Some(done) = self.resolved_dirs.get(&key) {
            return Resolved::Found(done.clone());
        }
        let last = parts.pop();
        let resolved = match (last, self.resolved_dirs.get(&sys_path(&parts))) {
            (Some(name), Some(parent)) if name != ".." => {
                self.resolve_from(parent.clone(), VecDeque::from([name]))
            }
            _ => self.resolve(&key),
        };
        if let Resolved::Found(done) = &resolved {
            self.resolved_dirs.insert(key, done.clone());
        }
        resolved
    }

    /// The real directory holding the last component of `path`, and that component.
    fn parent_of(&mut self, path: &str) -> SysfsResult<(Vec<String>, String)> {
        let mut parts = components(path);
        let Some(name) = parts.pop() else {
            return Err(SysfsError::new(path, SysfsErrorKind::Missing));
        };
        let dir = self.resolve_dir(&sys_path(&parts)).found(path)?;
        Ok((dir, name))
    }
}

impl SysfsSource for SysfsFolder {
    fn describe(&self, path: &str) -> String {
        self.display_of(&components(path))
    }

    fn list(&mut self, dir: &str) -> SysfsResult<Listing> {
        let parts = self.resolve_dir(dir).found(dir)?;
        let io_error = |e: io::Error| SysfsError::new(dir, io_kind(&e));
        let mut listing = Listing::default();
        let max_entries = crate::limits::current().sysfs_walk_dirs;
        for entry in fs::read_dir(self.real(&parts)).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            let name = match entry.file_name().into_string() {
                Ok(name) if name_is_carried(&name) => name,
                _ => {
                    listing.left_out += 1;
                    continue;
                }
            };
            // file_type() does not follow links: a link to a directory is a link.
            let kind = match entry.file_type() {
                Ok(kind) if kind.is_symlink() => EntryKind::Link,
                Ok(kind) if kind.is_dir() => EntryKind::Dir,
                Ok(kind) if kind.is_file() => EntryKind::File,
                _ => EntryKind::Other,
            };
            listing.entries.push(SysfsEntry { name, kind });
            if listing.entries.len() as u64 > max_entries {
                break;
            }
        }
        listing.entries.sort();
        Ok(listing)
    }

    /// A symlink's target, or a flattened one's (a checkout made with `core.symlinks=false`).
    fn read_link(&mut self, path: &str) -> SysfsResult<String> {
        let (dir, name) = self.parent_of(path)?;
        let real = self.real(&dir).join(name);
        let meta = fs::symlink_metadata(&real).map_err(|e| SysfsError::new(path, io_kind(&e)))?;
        let target = if meta.file_type().is_symlink() {
            let target = fs::read_link(&real).map_err(|e| SysfsError::new(path, io_kind(&e)))?;
            target.into_os_string().into_string().ok()
        } else if meta.is_file() {
            flattened_link(&real, meta.len())
        } else {
            None
        };
        target.ok_or_else(|| SysfsError::new(path, SysfsErrorKind::Missing))
    }

    fn read_attr(&mut self, path: &str, cap: u64) -> SysfsResult<Vec<u8>> {
        let (dir, name) = self.parent_of(path)?;
        let real = self.real(&dir).join(&name);
        let meta = fs::symlink_metadata(&real).map_err(|e| SysfsError::new(path, io_kind(&e)))?;
        if meta.is_file() {
            // One read: a flattened link is told by its content.
            let bytes = read_bounded(&real, cap).map_err(|e| SysfsError::new(path, io_kind(&e)))?;
            if bytes.len() as u64 > MAX_FLATTENED_LINK || flattened_target(bytes.clone()).is_none() {
                return Ok(bytes);
            }
        }
        let parts = self.resolve_from(dir, VecDeque::from([name])).found(path)?;
        let real = self.real(&parts);
        match fs::metadata(&real) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => return Err(SysfsError::new(path, SysfsErrorKind::Missing)),
            Err(e) => return Err(SysfsError::new(path, io_kind(&e))),
        }
        read_bounded(&real, cap).map_err(|e| SysfsError::new(path, io_kind(&e)))
    }
}

/// How an I/O error reads as a sysfs error.
pub fn io_kind(error: &io::Error) -> SysfsErrorKind {
    // ENOTDIR: a path through a file.
    const ENOTDIR: i32 = 20;
    match error.kind() {
        io::ErrorKind::NotFound => SysfsErrorKind::Missing,
        io::ErrorKind::PermissionDenied => SysfsErrorKind::Denied,
        _ if error.raw_os_error() == Some(ENOTDIR) => SysfsErrorKind::Missing,
        _ => SysfsErrorKind::Failed(error.to_string()),
    }
}

/// Reads at most `limit` bytes of a file.
fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    fs::File::open(path)?.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The target of a symlink that a checkout flattened into a regular file: the whole content
/// is a path (`../x`, `./x`, `/sys/x`, `..`) with no newline or control character.
fn flattened_link(path: &Path, size: u64) -> Option<String> {
    if size == 0 || size > MAX_FLATTENED_LINK {
        return None;
    }
    flattened_target(read_bounded(path, MAX_FLATTENED_LINK).ok()?)
}

/// The link target a flattened link's content names, if it is one.
fn flattened_target(bytes: Vec<u8>) -> Option<String> {
    let text = String::from_utf8(bytes).ok()?;
    let is_path =
        (text.starts_with("../") || text.starts_with("./") || text.starts_with('/') || text == "..")
            && !text.chars().any(char::is_control);
    is_path.then_some(text)
}
