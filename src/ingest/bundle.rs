//! Bundles: one boot's evidence as `probescope collect` writes it, read back without touching
//! the disk.
//!
//! A bundle is a `.tar.gz` (or the same files in a plain directory) holding the files of a
//! capture folder plus `manifest.json`; `crate::collect` documents the layout and writes it.
//! This module defines the format both sides share ([`Manifest`], [`Bundle`]) and opens a
//! `.tar.gz` into memory. A bundle may come from anywhere (a bug report, a CI artefact), so the
//! archive is untrusted: members with absolute paths or `..`, links, device files, oversized
//! members and gzip bombs are refused with an error naming the member, never extracted.

use crate::error::{Error, InputError, Location, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Component, Path};
use std::rc::Rc;

/// `manifest.json`'s `format` field.
pub const BUNDLE_FORMAT: &str = "probescope-bundle";
/// The layout version this build writes and reads. Raised when a member's meaning changes.
pub const BUNDLE_FORMAT_VERSION: u32 = 1;
/// The manifest's member name.
pub const MANIFEST_NAME: &str = "manifest.json";

/// Limits that keep a hostile archive from exhausting memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleLimits {
    /// Largest member (bytes). A kernel log buffer is at most a few tens of MiB.
    pub max_member: u64,
    /// Most decompressed bytes read from the archive in all (headers and padding included).
    pub max_total: u64,
    /// Most members.
    pub max_members: usize,
}

impl Default for BundleLimits {
    fn default() -> Self {
        // The run's caps (`--limit member-bytes=…`, `bundle-members=…`, `input-bytes=…`).
        let limits = crate::limits::current();
        BundleLimits {
            max_member: limits.member_bytes,
            max_total: limits.input_bytes,
            max_members: usize::try_from(limits.bundle_members).unwrap_or(usize::MAX),
        }
    }
}

/// How an item of the capture went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemStatus {
    #[serde(rename = "ok")]
    Ok,
    /// Not there on the target (an optional file, or a kernel without the feature).
    #[serde(rename = "missing")]
    Missing,
    /// There, but not readable by the user the collection ran as.
    #[serde(rename = "permission denied")]
    PermissionDenied,
    /// debugfs is not mounted, so `devices_deferred` could not be read.
    #[serde(rename = "not mounted")]
    NotMounted,
    /// Reading failed otherwise (the note says how).
    #[serde(rename = "error")]
    Error,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Ok => "ok",
            ItemStatus::Missing => "missing",
            ItemStatus::PermissionDenied => "permission denied",
            ItemStatus::NotMounted => "not mounted",
            ItemStatus::Error => "error",
        }
    }

    /// Whether the evidence this item stands for was there to read and was not read: a gap in
    /// the capture rather than an absence on the target.
    pub fn is_gap(self) -> bool {
        matches!(
            self,
            ItemStatus::PermissionDenied | ItemStatus::NotMounted | ItemStatus::Error
        )
    }
}

/// One item of the capture (`kernel-log`, `devlink`, ...) and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestItem {
    /// The item's stable name (see the layout in `crate::collect`).
    pub item: String,
    /// Where on the target it was read (`/dev/kmsg`, `dmesg -r`, `/sys/class/devlink`).
    pub source: String,
    pub status: ItemStatus,
    /// The member that holds it, when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Lower-case hex SHA-256 of the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// What went wrong or what was done, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// The probescope version that wrote the bundle.
    pub tool_version: String,
    /// `local`, or the SSH host as given to `--ssh`.
    pub host: String,
    /// `local` or `ssh`.
    pub transport: String,
    /// The `--remote-root` prefix, when one was used (the capture is then not of a live kernel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_root: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_release: Option<String>,
    /// When the capture ended, RFC 3339 UTC.
    pub captured_at: String,
    /// False when any item is a gap ([`ItemStatus::is_gap`]): the bundle holds less than the
    /// target had.
    pub complete: bool,
    pub items: Vec<ManifestItem>,
    /// Remarks on the capture as a whole (entries skipped for unusable names, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Manifest {
    pub fn item(&self, item: &str) -> Option<&ManifestItem> {
        self.items.iter().find(|entry| entry.item == item)
    }

    /// The items that are gaps, for messages.
    pub fn gaps(&self) -> impl Iterator<Item = &ManifestItem> {
        self.items.iter().filter(|entry| entry.status.is_gap())
    }
}

/// One file of a bundle, in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleMember {
    /// Its name in the bundle layout (`kmsg.txt`, `sysmmu/sysmmu_g2d.regs.bin`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A whole bundle in memory: what `collect` produces and what reading a `.tar.gz` gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub manifest: Manifest,
    /// The evidence files (the manifest excluded), in layout order.
    pub members: Vec<BundleMember>,
}

impl Bundle {
    pub fn member(&self, name: &str) -> Option<&BundleMember> {
        self.members.iter().find(|member| member.name == name)
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Whether `head` (already decompressed) starts with a POSIX tar header: the `ustar` magic at
/// offset 257. Used to recognise a bundle among inputs.
pub fn is_tar_header(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

/// Opens the `.tar.gz` bundle at `path` into memory.
pub fn read_bundle(path: &Path) -> Result<Bundle> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    read_bundle_from(
        BufReader::new(file),
        &path.display().to_string(),
        &BundleLimits::default(),
    )
}

/// Reads a `.tar.gz` bundle from `reader`; `source` names it in errors.
pub fn read_bundle_from(reader: impl Read, source: &str, limits: &BundleLimits) -> Result<Bundle> {
    let exceeded = Rc::new(Cell::new(false));
    let budget = Budget {
        inner: flate2::read::MultiGzDecoder::new(reader),
        read: 0,
        limit: limits.max_total,
        exceeded: Rc::clone(&exceeded),
    };
    let archive_error = |expected: &str, error: io::Error| -> Error {
        if exceeded.get() {
            return InputError::new(
                source,
                Location::Offset(limits.max_total),
                format!(
                    "a bundle of at most {} decompressed (refused as a likely gzip bomb; raise the cap with {})",
                    crate::limits::human_bytes(limits.max_total),
                    crate::limits::MAX_INPUT_BYTES_FLAG
                ),
            )
            .into();
        }
        InputError::new(source, Location::File, expected)
            .found(error.to_string())
            .into()
    };
    let mut archive = tar::Archive::new(budget);
    let mut files: Vec<BundleMember> = Vec::new();
    let entries = archive.entries().map_err(|e| archive_error("a tar archive", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| archive_error("a tar member header", e))?;
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let offset = entry.raw_header_position();
        let refuse = |what: &str| {
            Error::from(InputError::new(source, Location::Offset(offset), what).found(&raw_name))
        };
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(refuse(
                "a regular file (links, devices and fifos are refused in a bundle)",
            ));
        }
        let name = member_name(&raw_name).ok_or_else(|| {
            refuse("a relative member name without `..` (absolute names and `..` are refused)")
        })?;
        let size = entry
            .header()
            .size()
            .map_err(|_| refuse("a tar header with a size"))?;
        if size > limits.max_member {
            return Err(refuse(&format!(
                "a member of at most {} bytes (this one declares {size})",
                limits.max_member
            )));
        }
        if files.len() >= limits.max_members {
            return Err(refuse(&format!("at most {} members", limits.max_members)));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&mut entry)
            .take(limits.max_member)
            .read_to_end(&mut bytes)
            .map_err(|e| archive_error(&format!("the data of member `{name}`"), e))?;
        if files.iter().any(|member| member.name == name) {
            return Err(refuse("each member once"));
        }
        files.push(BundleMember { name, bytes });
    }
    strip_top_directory(&mut files);
    let manifest_index = files
        .iter()
        .position(|member| member.name == MANIFEST_NAME)
        .ok_or_else(|| InputError::new(source, Location::File, "a probescope bundle with a manifest.json"))?;
    let manifest_member = files.remove(manifest_index);
    let manifest = parse_manifest(&manifest_member.bytes, &format!("{source}: {MANIFEST_NAME}"))?;
    verify_members(&manifest, &files, source)?;
    Ok(Bundle {
        manifest,
        members: files,
    })
}

/// Parses `manifest.json`; `source` names it in errors.
pub fn parse_manifest(bytes: &[u8], source: &str) -> Result<Manifest> {
    let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| {
        InputError::new(source, Location::Line(e.line() as u32), "a bundle manifest").found(e.to_string())
    })?;
    if manifest.format != BUNDLE_FORMAT {
        return Err(
            InputError::new(source, Location::File, format!("format `{BUNDLE_FORMAT}`"))
                .found(&manifest.format)
                .into(),
        );
    }
    if manifest.format_version > BUNDLE_FORMAT_VERSION {
        return Err(InputError::new(
            source,
            Location::File,
            format!(
                "bundle format version {BUNDLE_FORMAT_VERSION} or older (written by probescope {}; \
                 upgrade probescope to read it)",
                manifest.tool_version
            ),
        )
        .found(manifest.format_version.to_string())
        .into());
    }
    Ok(manifest)
}

/// Every member the manifest lists is there with its size and hash, and nothing else is.
fn verify_members(manifest: &Manifest, files: &[BundleMember], source: &str) -> Result<()> {
    for item in &manifest.items {
        let Some(name) = &item.file else { continue };
        let Some(member) = files.iter().find(|member| &member.name == name) else {
            return Err(InputError::new(
                source,
                Location::File,
                format!("member `{name}`, which the manifest lists"),
            )
            .into());
        };
        let size_matches = item.size.is_none_or(|size| size == member.bytes.len() as u64);
        let hash_matches = item
            .sha256
            .as_deref()
            .is_none_or(|hash| hash.eq_ignore_ascii_case(&sha256_hex(&member.bytes)));
        if !size_matches || !hash_matches {
            return Err(InputError::new(
                source,
                Location::File,
                format!(
                    "member `{name}` with the size and SHA-256 the manifest records (the bundle is damaged)"
                ),
            )
            .into());
        }
    }
    if let Some(stray) = files.iter().find(|member| {
        !manifest
            .items
            .iter()
            .any(|item| item.file.as_deref() == Some(&member.name))
    }) {
        return Err(
            InputError::new(source, Location::File, "only the members the manifest lists")
                .found(&stray.name)
                .into(),
        );
    }
    Ok(())
}

/// A member name made of normal components (`./` allowed), joined with `/`; `None` for
/// absolute names, `..` or an empty name.
fn member_name(raw: &str) -> Option<String> {
    let mut parts = Vec::new();
    for component in Path::new(raw).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::RootDir | Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

/// `tar xzf` of a bundle creates one directory; its members are named inside it.
fn strip_top_directory(files: &mut [BundleMember]) {
    let Some(top) = files
        .iter()
        .find_map(|member| member.name.strip_suffix(MANIFEST_NAME)?.strip_suffix('/'))
        .map(str::to_owned)
    else {
        return;
    };
    if top.contains('/') {
        return;
    }
    let prefix = format!("{top}/");
    if files.iter().all(|member| member.name.starts_with(&prefix)) {
        for member in files.iter_mut() {
            member.name.drain(..prefix.len());
        }
    }
}

/// Counts decompressed bytes and fails once more than `limit` came out.
struct Budget<R> {
    inner: R,
    read: u64,
    limit: u64,
    /// Set once the limit is passed: the tar reader wraps I/O errors in its own, so the flag,
    /// not the error, tells a bomb from a damaged archive.
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            self.exceeded.set(true);
            return Err(io::Error::other("decompressed size over the limit"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_refuse_escapes() {
        assert_eq!(member_name("a/kmsg.txt").as_deref(), Some("a/kmsg.txt"));
        assert_eq!(member_name("./kmsg.txt").as_deref(), Some("kmsg.txt"));
        assert_eq!(member_name("../kmsg.txt"), None);
        assert_eq!(member_name("a/../../kmsg.txt"), None);
        assert_eq!(member_name("/etc/passwd"), None);
        assert_eq!(member_name(""), None);
    }

    #[test]
    fn tar_magic_is_recognised() {
        let mut header = vec![0u8; 512];
        assert!(!is_tar_header(&header));
        header[257..262].copy_from_slice(b"ustar");
        assert!(is_tar_header(&header));
        assert!(!is_tar_header(b"short"));
    }

    #[test]
    fn statuses_serialise_as_documented() {
        let json = serde_json::to_string(&[
            ItemStatus::Ok,
            ItemStatus::Missing,
            ItemStatus::PermissionDenied,
            ItemStatus::NotMounted,
            ItemStatus::Error,
        ])
        .unwrap();
        assert_eq!(
            json,
            r#"["ok","missing","permission denied","not mounted","error"]"#
        );
    }
}
