//! A sysfs root seen from inside: paths are sysfs paths (`/sys/...`), resolved one component
//! at a time against the root, following symlinks and flattened symlinks but never out of the
//! root. Every read is bounded. What the kernel keeps where is `sysfs`'s business, not this
//! module's.

use super::{resolve_link_text, SysfsRead};
use crate::error::{InputError, Location};
use crate::limits::SYSFS_WALK_DIRS;
use crate::model::SourceName;
use std::collections::VecDeque;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Largest file taken as a flattened symlink.
const MAX_FLATTENED_LINK: u64 = 4096;
/// Symlinks followed while resolving one path (the kernel's own limit is 40).
const MAX_LINK_HOPS: u32 = 40;

/// Where a path led.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Resolved {
    /// It exists; every component of the returned path is a real (non-link) entry.
    Found(Vec<String>),
    /// It does not exist; the lexical path it names.
    Missing(Vec<String>),
    /// It leaves the root, loops, or crosses something that is not a directory.
    Refused,
}

/// A sysfs root on disk, and the name it goes by in origins and messages.
pub(super) struct Tree {
    pub(super) root: PathBuf,
    pub(super) display: String,
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

impl Tree {
    pub(super) fn real(&self, parts: &[String]) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(parts);
        path
    }

    pub(super) fn display_of(&self, parts: &[String]) -> String {
        if parts.is_empty() {
            self.display.clone()
        } else {
            format!("{}/{}", self.display, parts.join("/"))
        }
    }

    pub(super) fn source(&self, parts: &[String]) -> SourceName {
        self.display_of(parts).into()
    }

    /// Resolves a sysfs path inside the root, following links (and flattened links) one
    /// component at a time.
    pub(super) fn resolve(&self, sys_path: &str) -> Resolved {
        let mut done: Vec<String> = Vec::new();
        let mut pending: VecDeque<String> = components(sys_path).into();
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
                Err(_) => {
                    done.push(part);
                    return match normalise(done.into_iter().chain(pending)) {
                        Some(parts) => Resolved::Missing(parts),
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

    /// The directory a sysfs path resolves to, if it is one.
    pub(super) fn dir(&self, sys_path: &str) -> Option<Vec<String>> {
        match self.resolve(sys_path) {
            Resolved::Found(parts) if self.real(&parts).is_dir() => Some(parts),
            _ => None,
        }
    }

    /// Entry names of a directory, sorted; `Err` says why it could not be listed.
    pub(super) fn list(&self, dir: &[String]) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(self.real(dir))? {
            let entry = entry?;
            names.push(entry.file_name().to_string_lossy().into_owned());
            if names.len() > SYSFS_WALK_DIRS {
                break;
            }
        }
        names.sort();
        Ok(names)
    }

    /// Entry names of a directory, or `None` with a note saying why it could not be listed.
    pub(super) fn list_noting(&self, dir: &[String], read: &mut SysfsRead) -> Option<Vec<String>> {
        match self.list(dir) {
            Ok(names) => Some(names),
            Err(e) => {
                read.notes
                    .push(format!("{} not readable: {e}", self.display_of(dir)));
                None
            }
        }
    }

    /// The target text of the link `name` in `dir` (a symlink or a flattened one).
    pub(super) fn link_target(&self, dir: &[String], name: &str) -> Option<String> {
        let real = self.real(dir).join(name);
        let meta = fs::symlink_metadata(&real).ok()?;
        if meta.file_type().is_symlink() {
            fs::read_link(&real)
                .ok()
                .map(|t| t.to_string_lossy().into_owned())
        } else if meta.is_file() {
            flattened_link(&real, meta.len())
        } else {
            None
        }
    }

    /// The sysfs path a link in `dir` points at (lexically; it may dangle).
    pub(super) fn link_path(&self, dir: &[String], name: &str) -> Option<String> {
        let target = self.link_target(dir, name)?;
        resolve_link_text(&sys_path(dir), &target)
    }

    /// Reads a small attribute file of a resolved directory.
    pub(super) fn attr(&self, dir: &[String], name: &str, limit: u64) -> io::Result<Option<Vec<u8>>> {
        let real = self.real(dir).join(name);
        match fs::symlink_metadata(&real) {
            Ok(meta) if meta.is_file() => read_bounded(&real, limit).map(Some),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(super) fn attr_error(&self, parts: &[String], error: &io::Error) -> InputError {
        InputError::new(
            self.display_of(parts),
            Location::File,
            "a readable sysfs attribute",
        )
        .found(error.to_string())
    }
}

/// Reads at most `limit` bytes of a file.
pub(super) fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
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
    let bytes = read_bounded(path, MAX_FLATTENED_LINK).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let is_path =
        (text.starts_with("../") || text.starts_with("./") || text.starts_with('/') || text == "..")
            && !text.chars().any(char::is_control);
    is_path.then_some(text)
}
