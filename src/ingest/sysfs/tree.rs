//! A sysfs root seen from inside: paths are sysfs paths (`/sys/...`), resolved one component
//! at a time against the root, following symlinks and flattened symlinks but never out of the
//! root. Every read is bounded. What the kernel keeps where is `sysfs`'s business, not this
//! module's.
//!
//! Long because: the listing cache, link resolution and the bounded reads share the node
//! table, and resolution is only correct when all three agree on it.

use super::source::{
    name_is_carried, EntryKind, Listing, SysfsEntry, SysfsError, SysfsErrorKind, SysfsResult, SysfsSource,
};
use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest file taken as a flattened symlink.
const MAX_FLATTENED_LINK: u64 = 4096;
/// Symlinks followed while resolving one path (the kernel's own limit is 40).
const MAX_LINK_HOPS: u32 = 40;

/// Where a path led.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// It exists; every component of the returned path is a real (non-link) entry.
    Found(Place),
    /// It does not exist.
    Missing,
    /// A directory on the way could not be searched (permissions).
    Denied,
    /// It leaves the root, loops, or crosses something that is not a directory.
    Refused,
}

impl Resolved {
    /// The parts of a path that was found, or why it was not.
    fn found(self, path: &str) -> SysfsResult<Place> {
        match self {
            Resolved::Found(parts) => Ok(parts),
            Resolved::Missing => Err(SysfsError::new(path, SysfsErrorKind::Missing)),
            Resolved::Denied => Err(SysfsError::new(path, SysfsErrorKind::Denied)),
            Resolved::Refused => Err(SysfsError::new(path, SysfsErrorKind::Refused)),
        }
    }
}

/// A real directory below the root: its components (none is a link), and in a copy the node
/// that keeps what was read of it (so that a step to a child or to `..` needs no lookup by
/// path).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Place {
    parts: Vec<String>,
    node: Option<usize>,
}

impl std::ops::Deref for Place {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.parts
    }
}

/// What one name in a real directory is (links not followed).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Dir,
    /// A regular file: an attribute, or a flattened link (told only by its content).
    File,
    /// A symbolic link, with its target as stored.
    Link(String),
    Other,
}

/// A sysfs root on disk (the live `/sys` or a copy), and the name it goes by in origins and
/// messages.
#[derive(Clone, Debug)]
pub struct SysfsFolder {
    root: PathBuf,
    display: String,
    /// Directories already resolved, by sysfs path: a walk resolves each directory from its
    /// parent's entry rather than from the root (the tree does not change during one read).
    resolved_dirs: HashMap<String, Arc<Place>>,
    /// For a copy ([`SysfsFolder::copy`]): what was read of it, so that each directory is listed
    /// and each link read once, and a name is looked up in its directory's listing rather than
    /// by a `stat` of its own. `None` for a live tree, which may change between two reads
    /// (`collect` mounts debugfs between listing `/sys/kernel/debug` and reading it).
    read_once: Option<ReadOnce>,
}

impl ReadOnce {
    fn new() -> Self {
        ReadOnce {
            nodes: vec![Node::default()],
        }
    }

    /// The listing of the real directory `dir` (node `node`) below `root`, read on first use;
    /// `None` when it cannot be listed.
    fn listing(&mut self, root: &Path, dir: &[String], node: usize) -> Option<&mut Listed> {
        let slot = &mut self.nodes.get_mut(node)?.listed;
        if slot.is_none() {
            let mut real = root.to_path_buf();
            real.extend(dir);
            *slot = Some(read_listing(&real).ok());
        }
        slot.as_mut()?.as_mut()
    }

    /// The node of entry `at` of node `node`'s listing, made on first use.
    fn child(&mut self, node: usize, at: usize) -> Option<usize> {
        let listed = self.nodes.get(node)?.listed.as_ref()?.as_ref()?;
        if let Some(child) = listed.children.get(at).copied().flatten() {
            return Some(child);
        }
        let child = self.nodes.len();
        self.nodes.push(Node {
            parent: node,
            listed: None,
        });
        let slot = self
            .nodes
            .get_mut(node)?
            .listed
            .as_mut()?
            .as_mut()?
            .children
            .get_mut(at)?;
        *slot = Some(child);
        Some(child)
    }

    fn parent(&self, node: usize) -> Option<usize> {
        self.nodes.get(node).map(|n| n.parent)
    }
}

/// What was read of a copy: one node per real directory reached (the root is node 0), each with
/// its listing and its links' targets once read.
#[derive(Clone, Debug)]
struct ReadOnce {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug, Default)]
struct Node {
    /// The node of `..` (the root's own for the root, as `..` there is refused before).
    parent: usize,
    /// `None` until listed; `Some(None)` when it could not be listed (a name in it is then
    /// looked up on its own).
    listed: Option<Option<Listed>>,
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

/// A directory's listing, and whether it holds every entry (a listing stops at
/// [`SYSFS_WALK_DIRS`] entries and leaves out names it cannot carry: a name it does not hold is
/// then not known to be missing).
#[derive(Clone, Debug)]
struct Listed {
    listing: Listing,
    complete: bool,
    /// The target of each entry that is a link, by the entry's index, once read.
    targets: Vec<Option<Result<String, SysfsErrorKind>>>,
    /// The node of each entry that is a directory, by the entry's index, once reached.
    children: Vec<Option<usize>>,
}

impl SysfsFolder {
    /// A sysfs root on disk that may change while it is read (the live `/sys`); `display`
    /// names it in origins and messages. Every name is looked up on its own.
    pub fn new(root: &Path, display: &str) -> Self {
        SysfsFolder {
            root: root.to_path_buf(),
            display: display.trim_end_matches('/').to_string(),
            resolved_dirs: HashMap::new(),
            read_once: None,
        }
    }

    /// A copy of a sysfs on disk (a capture's mirror), which does not change while it is
    /// read: each directory is listed once and each link read once, and a path is resolved
    /// against those listings (the kind of an entry comes from the listing, not a `stat`).
    pub fn copy(root: &Path, display: &str) -> Self {
        SysfsFolder {
            read_once: Some(ReadOnce::new()),
            ..SysfsFolder::new(root, display)
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

    /// The root as a place.
    fn root_place(&self) -> Place {
        Place {
            parts: Vec::new(),
            node: self.read_once.as_ref().map(|_| 0),
        }
    }

    /// What `name` in the real directory `dir` is, and for a directory in a copy its node. A
    /// copy answers from the directory's listing (read once) and its links' targets (read
    /// once); a name it cannot answer for (the directory could not be listed, or its listing
    /// left names out) is looked up on its own.
    fn lookup(&mut self, dir: &Place, name: &str) -> Result<(Entry, Option<usize>), SysfsErrorKind> {
        let (root, read_once) = (&self.root, self.read_once.as_mut());
        let (Some(read_once), Some(node)) = (read_once, dir.node) else {
            return self.lookup_alone(dir, name).map(|entry| (entry, None));
        };
        let Some(listed) = read_once.listing(root, dir, node) else {
            return self.lookup_alone(dir, name).map(|entry| (entry, None));
        };
        let at = match listed
            .listing
            .entries
            .binary_search_by(|e| e.name.as_str().cmp(name))
        {
            Ok(at) => at,
            Err(_) if listed.complete => return Err(SysfsErrorKind::Missing),
            Err(_) => return self.lookup_alone(dir, name).map(|entry| (entry, None)),
        };
        let entry = match listed.listing.entries[at].kind {
            EntryKind::Dir => Entry::Dir,
            EntryKind::File => Entry::File,
            EntryKind::Other => Entry::Other,
            EntryKind::Link => {
                let target = listed.targets[at].get_or_insert_with(|| {
                    let mut real = root.to_path_buf();
                    real.extend(dir.iter());
                    real.push(name);
                    fs::read_link(real).map_err(|e| io_kind(&e)).and_then(|t| {
                        t.into_os_string()
                            .into_string()
                            .map_err(|_| SysfsErrorKind::Missing)
                    })
                });
                return target.clone().map(|target| (Entry::Link(target), None));
            }
        };
        let child = match entry {
            Entry::Dir | Entry::Other => read_once.child(node, at),
            _ => None,
        };
        Ok((entry, child))
    }

    /// [`Self::lookup`] by a `stat` (and a `readlink` for a link) of the name itself.
    fn lookup_alone(&self, dir: &[String], name: &str) -> Result<Entry, SysfsErrorKind> {
        let real = self.real(dir).join(name);
        let meta = fs::symlink_metadata(&real).map_err(|e| io_kind(&e))?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(&real).map_err(|e| io_kind(&e))?;
            return target
                .into_os_string()
                .into_string()
                .map(Entry::Link)
                .map_err(|_| SysfsErrorKind::Missing);
        }
        Ok(if kind.is_dir() {
            Entry::Dir
        } else if kind.is_file() {
            Entry::File
        } else {
            Entry::Other
        })
    }

    /// Resolves a sysfs path inside the root, following links (and flattened links) one
    /// component at a time.
    fn resolve(&mut self, sys_path: &str) -> Resolved {
        self.resolve_from(self.root_place(), components(sys_path).into())
    }

    /// Resolves the components `pending` below the resolved directory `done`.
    fn resolve_from(&mut self, mut done: Place, mut pending: VecDeque<String>) -> Resolved {
        let mut hops = 0;
        while let Some(part) = pending.pop_front() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.parts.pop().is_none() {
                        return Resolved::Refused;
                    }
                    done.node = done.node.and_then(|node| self.read_once.as_ref()?.parent(node));
                    continue;
                }
                _ => {}
            }
            let (entry, child) = match self.lookup(&done, &part) {
                Ok(found) => found,
                Err(SysfsErrorKind::Denied) => return Resolved::Denied,
                Err(_) => {
                    done.parts.push(part);
                    return match normalise(done.parts.into_iter().chain(pending)) {
                        Some(_) => Resolved::Missing,
                        None => Resolved::Refused,
                    };
                }
            };
            let target = match entry {
                Entry::Link(target) => Some(target),
                // A flattened link is followed; any other file can only end the path.
                Entry::File => match flattened_link(&self.real(&done).join(&part)) {
                    Some(target) => Some(target),
                    None if pending.is_empty() => None,
                    None => return Resolved::Refused,
                },
                Entry::Dir | Entry::Other => None,
            };
            match target {
                None => {
                    done.parts.push(part);
                    done.node = child;
                }
                Some(target) => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Resolved::Refused;
                    }
                    if target.starts_with('/') {
                        if target != "/sys" && !target.starts_with("/sys/") {
                            return Resolved::Refused;
                        }
                        done = self.root_place();
                    }
                    for piece in components(&target).into_iter().rev() {
                        pending.push_front(piece);
                    }
                }
            }
        }
        Resolved::Found(done)
    }

    /// Resolves a directory's path, from its parent's resolution when that is known; a
    /// failure names `asked` (the path the caller was asked for).
    fn resolve_dir(&mut self, path: &str, asked: &str) -> SysfsResult<Arc<Place>> {
        // The readers ask for paths in the form the cache keeps (`/sys/a/b`): no parsing then.
        if let Some(done) = self.resolved_dirs.get(path) {
            return Ok(Arc::clone(done));
        }
        if let Some((parent, name)) = plain_sys_path(path).then(|| path.rsplit_once('/')).flatten() {
            if let Some(parent_done) = self.resolved_dirs.get(parent) {
                let parent_done = Place::clone(parent_done);
                let resolved = self.resolve_from(parent_done, VecDeque::from([name.to_string()]));
                let done = Arc::new(resolved.found(asked)?);
                self.resolved_dirs.insert(path.to_string(), Arc::clone(&done));
                return Ok(done);
            }
        }
        let mut parts = components(path);
        let key = sys_path(&parts);
        if let Some(done) = self.resolved_dirs.get(&key) {
            return Ok(Arc::clone(done));
        }
        let last = parts.pop();
        let parent = self.resolved_dirs.get(&sys_path(&parts)).map(|p| Place::clone(p));
        let resolved = match (last, parent) {
            (Some(name), Some(parent)) if name != ".." => self.resolve_from(parent, VecDeque::from([name])),
            _ => self.resolve(&key),
        };
        let done = Arc::new(resolved.found(asked)?);
        self.resolved_dirs.insert(key, Arc::clone(&done));
        Ok(done)
    }

    /// The real directory holding the last component of `path`, and that component.
    fn parent_of(&mut self, path: &str) -> SysfsResult<(Arc<Place>, String)> {
        if let Some((parent, name)) = path.rsplit_once('/') {
            if let Some(done) = self.resolved_dirs.get(parent) {
                if !matches!(name, "" | "." | "..") {
                    return Ok((Arc::clone(done), name.to_string()));
                }
            }
        }
        let mut parts = components(path);
        let Some(name) = parts.pop() else {
            return Err(SysfsError::new(path, SysfsErrorKind::Missing));
        };
        let dir = self.resolve_dir(&sys_path(&parts), path)?;
        Ok((dir, name))
    }

    /// Where a link's `target`, stored in the real directory `dir`, leads: the real directory
    /// holding its last component, and that component (`None` when the target ends in a
    /// directory, `..` or `.`).
    fn follow(&mut self, dir: Place, target: &str, path: &str) -> SysfsResult<(Place, Option<String>)> {
        if target.starts_with('/') && target != "/sys" && !target.starts_with("/sys/") {
            return Err(SysfsError::new(path, SysfsErrorKind::Refused));
        }
        let start = if target.starts_with('/') {
            self.root_place()
        } else {
            dir
        };
        let mut pieces = components(target);
        let last = match pieces.last() {
            Some(name) if name != ".." && name != "." => pieces.pop(),
            _ => None,
        };
        Ok((self.resolve_from(start, pieces.into()).found(path)?, last))
    }
}

impl SysfsSource for SysfsFolder {
    fn describe(&self, path: &str) -> String {
        // A path already in the form the readers build (`/sys/a/b`) needs no parsing.
        match path.strip_prefix("/sys/") {
            Some(rest) if plain_sys_path(path) => format!("{}/{rest}", self.display),
            _ => self.display_of(&components(path)),
        }
    }

    fn list(&mut self, dir: &str) -> SysfsResult<Listing> {
        let parts = self.resolve_dir(dir, dir)?;
        let (root, read_once) = (&self.root, self.read_once.as_mut());
        if let (Some(read_once), Some(node)) = (read_once, parts.node) {
            if let Some(listed) = read_once.listing(root, &parts, node) {
                return Ok(listed.listing.clone());
            }
        }
        read_listing(&self.real(&parts))
            .map(|listed| listed.listing)
            .map_err(|e| SysfsError::new(dir, io_kind(&e)))
    }

    /// A symlink's target, or a flattened one's (a checkout made with `core.symlinks=false`).
    fn read_link(&mut self, path: &str) -> SysfsResult<String> {
        let (dir, name) = self.parent_of(path)?;
        let target = match self
            .lookup(&dir, &name)
            .map_err(|kind| SysfsError::new(path, kind))?
            .0
        {
            Entry::Link(target) => Some(target),
            Entry::File => flattened_link(&self.real(&dir).join(name)),
            Entry::Dir | Entry::Other => None,
        };
        target.ok_or_else(|| SysfsError::new(path, SysfsErrorKind::Missing))
    }

    /// An attribute, read with one `open` and `read`: a flattened link is told by its content,
    /// a link is followed from the listing (or `stat`) that named it.
    fn read_attr(&mut self, path: &str, cap: u64) -> SysfsResult<Vec<u8>> {
        let (mut dir, mut name) = self.parent_of(path)?;
        for _ in 0..=MAX_LINK_HOPS {
            let target = match self
                .lookup(&dir, &name)
                .map_err(|kind| SysfsError::new(path, kind))?
                .0
            {
                Entry::Link(target) => target,
                Entry::File => {
                    let real = self.real(&dir).join(&name);
                    let bytes = read_bounded(&real, cap).map_err(|e| SysfsError::new(path, io_kind(&e)))?;
                    let flattened = (bytes.len() as u64 <= MAX_FLATTENED_LINK)
                        .then(|| flattened_target(&bytes))
                        .flatten();
                    match flattened {
                        Some(target) => target,
                        None => return Ok(bytes),
                    }
                }
                Entry::Dir | Entry::Other => return Err(SysfsError::new(path, SysfsErrorKind::Missing)),
            };
            match self.follow(Place::clone(&dir), &target, path)? {
                (next_dir, Some(next_name)) => (dir, name) = (Arc::new(next_dir), next_name),
                (_, None) => return Err(SysfsError::new(path, SysfsErrorKind::Missing)),
            }
        }
        Err(SysfsError::new(path, SysfsErrorKind::Refused))
    }
}

/// Whether `path` is in the form the readers build and the caches key by: `/sys/a/b`, no empty,
/// `.` or `..` component, no trailing `/` (`/sys` itself is not: it has no parent).
fn plain_sys_path(path: &str) -> bool {
    path.strip_prefix("/sys/")
        .is_some_and(|rest| rest.split('/').all(|c| !matches!(c, "" | "." | "..")))
}

/// A directory's entries with their kinds from the listing itself (no `stat` per entry), sorted.
fn read_listing(real: &Path) -> io::Result<Listed> {
    let mut listing = Listing::default();
    let mut complete = true;
    let max_entries = crate::limits::current().sysfs_walk_dirs;
    for entry in fs::read_dir(real)? {
        let entry = entry?;
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
            complete = false;
            break;
        }
    }
    listing.entries.sort();
    complete &= listing.left_out == 0;
    let targets = vec![None; listing.entries.len()];
    let children = vec![None; listing.entries.len()];
    Ok(Listed {
        listing,
        complete,
        targets,
        children,
    })
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
fn flattened_link(path: &Path) -> Option<String> {
    let bytes = read_bounded(path, MAX_FLATTENED_LINK + 1).ok()?;
    if bytes.len() as u64 > MAX_FLATTENED_LINK {
        return None;
    }
    flattened_target(&bytes)
}

/// The link target a flattened link's content names, if it is one.
fn flattened_target(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let is_path =
        (text.starts_with("../") || text.starts_with("./") || text.starts_with('/') || text == "..")
            && !text.chars().any(char::is_control);
    is_path.then(|| text.to_string())
}
