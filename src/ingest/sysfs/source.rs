//! What the sysfs readers ask of a sysfs, wherever it is: a folder on disk (a copy or the live
//! `/sys`, [`super::SysfsFolder`]), the system `collect` runs on, or what the collection script
//! sent back from an SSH target (both in `collect`). The readers (`readers.rs`) are written once
//! against [`SysfsSource`], so one fact is read by one code path whatever the source.
//!
//! Paths are sysfs paths (`/sys/...`). A source follows links in the directory part of a path
//! as sysfs would, and never out of its root; [`walk`] is the one bounded walk
//! (`--limit sysfs-walk-dirs=`, `--limit sysfs-walk-depth=`) every reader that descends uses.

use std::fmt;

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
pub struct SysfsEntry {
    pub name: String,
    pub kind: EntryKind,
}

/// A directory's entries, sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<SysfsEntry>,
    /// Entries left out because their names cannot be carried in a line-based listing (not
    /// UTF-8, or holding a newline).
    pub left_out: u64,
}

/// Why a path could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SysfsErrorKind {
    /// Not there (or, for [`SysfsSource::read_link`], not a link).
    Missing,
    /// There, but not readable by this user.
    Denied,
    /// The path leaves the root, loops, or crosses something that is not a directory.
    Refused,
    /// Reading failed otherwise; the text says how.
    Failed(String),
}

/// A read that failed, naming the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysfsError {
    /// The sysfs path asked for.
    pub path: String,
    pub kind: SysfsErrorKind,
}

impl SysfsError {
    pub fn new(path: &str, kind: SysfsErrorKind) -> Self {
        SysfsError {
            path: path.to_string(),
            kind,
        }
    }

    pub fn is_missing(&self) -> bool {
        self.kind == SysfsErrorKind::Missing
    }
}

impl fmt::Display for SysfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SysfsErrorKind::Missing => write!(f, "{}: not there", self.path),
            SysfsErrorKind::Denied => write!(f, "{}: permission denied", self.path),
            SysfsErrorKind::Refused => write!(
                f,
                "{}: leads out of the sysfs root or through a loop; not followed",
                self.path
            ),
            SysfsErrorKind::Failed(why) => write!(f, "{}: {why}", self.path),
        }
    }
}

impl std::error::Error for SysfsError {}

pub type SysfsResult<T> = Result<T, SysfsError>;

/// Files found below a directory by [`SysfsSource::find_files`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Sysfs paths, sorted.
    pub paths: Vec<String>,
    /// Set when a cap stopped the walk: what was not looked at.
    pub cut_short: Option<String>,
}

/// A sysfs, read only.
pub trait SysfsSource {
    /// How `path` is named in origins and messages (`capture/sysfs/class/devlink/x`).
    fn describe(&self, path: &str) -> String;
    /// A directory's entries, links in `dir` followed.
    fn list(&mut self, dir: &str) -> SysfsResult<Listing>;
    /// A symbolic link's target as stored (`../../../platform/9050000.smmuv3`).
    fn read_link(&mut self, path: &str) -> SysfsResult<String>;
    /// At most `cap` bytes of a regular file.
    fn read_attr(&mut self, path: &str, cap: u64) -> SysfsResult<Vec<u8>>;
    /// Regular files named `name` anywhere below `dir`, links not followed. A source that cannot
    /// list a whole hierarchy cheaply (an SSH target) answers from its own search.
    fn find_files(&mut self, dir: &str, name: &str) -> SysfsResult<Found> {
        let mut paths = Vec::new();
        let cut_short = walk(self, dir, &mut |dir_path, _depth, listing| {
            for entry in &listing.entries {
                if entry.kind == EntryKind::File && entry.name == name {
                    paths.push(join(dir_path, &entry.name));
                }
            }
        })?;
        paths.sort();
        Ok(Found { paths, cut_short })
    }
}

/// Visits `start` and every directory below it (links not followed), parents before children,
/// in name order, with each directory's depth below `start` and its listing. Stops at
/// the sysfs-walk-dirs cap and does not descend below the sysfs-walk-depth cap (`--limit`); the
/// returned text then says what was left. A directory below `start` that cannot be listed is
/// passed over, as `find` does; `start` itself must be listable.
pub fn walk<S: SysfsSource + ?Sized>(
    source: &mut S,
    start: &str,
    visit: &mut dyn FnMut(&str, usize, &Listing),
) -> SysfsResult<Option<String>> {
    let first = source.list(start)?;
    let mut stack: Vec<(String, usize, Option<Listing>)> = vec![(start.to_string(), 0, Some(first))];
    let limits = crate::limits::current();
    let max_dirs = usize::try_from(limits.sysfs_walk_dirs).unwrap_or(usize::MAX);
    let max_depth = usize::try_from(limits.sysfs_walk_depth).unwrap_or(usize::MAX);
    let mut visited = 0usize;
    let mut too_deep = None;
    while let Some((dir, depth, listing)) = stack.pop() {
        visited += 1;
        if visited > max_dirs {
            return Ok(Some(format!(
                "stopped after {} directories below {}, the sysfs-walk-dirs cap ({})",
                crate::limits::thousands(max_dirs as u64),
                source.describe(start),
                crate::limits::raise_hint("sysfs-walk-dirs")
            )));
        }
        let listing = match listing {
            Some(listing) => listing,
            None => match source.list(&dir) {
                Ok(listing) => listing,
                Err(_) => continue,
            },
        };
        visit(&dir, depth, &listing);
        let children = listing.entries.iter().filter(|e| e.kind == EntryKind::Dir);
        if depth >= max_depth {
            if children.clone().next().is_some() && too_deep.is_none() {
                too_deep = Some(format!(
                    "did not descend below {max_depth} levels at {}, the sysfs-walk-depth cap ({})",
                    source.describe(&dir),
                    crate::limits::raise_hint("sysfs-walk-depth")
                ));
            }
            continue;
        }
        let children: Vec<_> = children.map(|e| (join(&dir, &e.name), depth + 1, None)).collect();
        stack.extend(children.into_iter().rev());
    }
    Ok(too_deep)
}

/// Joins a sysfs directory and an entry name.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether a name can travel in the line-based listings of a bundle.
pub fn name_is_carried(name: &str) -> bool {
    !name.contains('\n') && !name.is_empty()
}
