//! `/sys/class/devlink`: device links with their attributes, from a sysfs tree or from the text
//! dump (`grep -r . /sys/class/devlink/*/` lines plus `supplier`/`consumer` symlink lines).
//! Both naming eras (`sup--con` and `bus:sup--bus:con`). See `reference/kernel-formats.md` §1.
//!
//! Device names may contain `:` (`0000:00:03.0`) and, in principle, `--`, so a link's ends are
//! taken from its `supplier`/`consumer` symlink targets (basename = device name, resolved path =
//! identity) and the directory name is split only as a fallback (kernel-formats §1.2).
//!
//! Besides the `grep -r` dump this reader accepts `ls -l /sys/class/devlink` listings (also when
//! a mail client wrapped the `-> ../../devices/virtual/devlink/<name>` target onto the next line):
//! such lines give link names only, without attributes.

mod names;

pub use names::{link_ends, split_link_name};

use super::lines::for_each_line;
use crate::error::{InputError, Location};
use crate::model::{Origin, SourceName};
use std::collections::HashMap;
use std::io::BufRead;

/// A device as named by a link: bus (or class; empty for neither) and kernel device name, and
/// the sysfs path the symlink resolves to when known.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LinkEnd {
    pub bus: Option<String>,
    pub name: String,
    /// `/sys/devices/...` path of the device, when a symlink target was read.
    pub sysfs_path: Option<String>,
}

pub use crate::model::link::LinkStatus;

/// What an error says was expected for a `status` value.
pub const EXPECTED_STATUS: &str = "a devlink status (not tracked, dormant, available, \
                                   consumer probing, active, supplier unbinding, unknown)";

/// One device link as read from sysfs or a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevlinkRecord {
    /// Where the link was first seen (the first dump line naming it, or the link directory).
    pub origin: Origin,
    /// The link's directory name, e.g. `platform:9050000.smmuv3--platform:4010000000.pcie`.
    pub name: String,
    pub supplier: LinkEnd,
    pub consumer: LinkEnd,
    pub status: Option<LinkStatus>,
    /// `auto_remove_on`: `supplier unbind`, `consumer unbind`, `never`.
    pub auto_remove_on: Option<String>,
    pub runtime_pm: Option<bool>,
    pub sync_state_only: Option<bool>,
    /// The `supplier` and `consumer` symlink targets as read (`../../../platform/9030000.pl061`),
    /// when they were.
    pub supplier_target: Option<String>,
    pub consumer_target: Option<String>,
    /// Where each attribute's value was read (its dump line, or its file in a sysfs tree), so
    /// what a value shows cites that value rather than the link's first line.
    pub attr_origins: AttrOrigins,
}

/// Where a link's attributes were read; `None` for one not read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttrOrigins {
    pub status: Option<Origin>,
    pub auto_remove_on: Option<Origin>,
    pub runtime_pm: Option<Origin>,
    pub sync_state_only: Option<Origin>,
}

impl AttrOrigins {
    fn slot(&mut self, attr: LinkAttr) -> &mut Option<Origin> {
        match attr {
            LinkAttr::Status => &mut self.status,
            LinkAttr::AutoRemoveOn => &mut self.auto_remove_on,
            LinkAttr::RuntimePm => &mut self.runtime_pm,
            LinkAttr::SyncStateOnly => &mut self.sync_state_only,
        }
    }
}

impl DevlinkRecord {
    /// Where the link's `status` was read, or where the link was first seen when it was not.
    pub fn status_origin(&self) -> &Origin {
        self.attr_origins.status.as_ref().unwrap_or(&self.origin)
    }
}

/// Where the kernel puts link directories (`/sys/class/devlink/<name>` is a symlink to it, and
/// the `supplier`/`consumer` targets are relative to it): `device_link_add()` registers the link
/// as a parentless class device, drivers/base/core.c.
pub const LINK_DIR_PREFIX: &str = "/sys/devices/virtual/devlink/";

/// Prefixes a dump line can start with, longest first.
const DUMP_PREFIXES: &[&str] = &[
    "/sys/class/devlink/",
    "/sys/devices/virtual/devlink/",
    "class/devlink/",
    "devices/virtual/devlink/",
];

/// The attributes of a link directory whose values matter (`devlink_attrs[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkAttr {
    Status,
    AutoRemoveOn,
    RuntimePm,
    SyncStateOnly,
}

impl LinkAttr {
    pub(crate) const ALL: [LinkAttr; 4] = [
        LinkAttr::Status,
        LinkAttr::AutoRemoveOn,
        LinkAttr::RuntimePm,
        LinkAttr::SyncStateOnly,
    ];

    pub(crate) fn file_name(self) -> &'static str {
        match self {
            LinkAttr::Status => "status",
            LinkAttr::AutoRemoveOn => "auto_remove_on",
            LinkAttr::RuntimePm => "runtime_pm",
            LinkAttr::SyncStateOnly => "sync_state_only",
        }
    }

    pub(crate) fn from_file_name(name: &str) -> Option<LinkAttr> {
        LinkAttr::ALL.into_iter().find(|a| a.file_name() == name)
    }
}

/// A link under construction: attributes and symlink targets as they are found.
#[derive(Clone, Debug, Default)]
pub(crate) struct LinkParts {
    pub(crate) supplier_target: Option<String>,
    pub(crate) consumer_target: Option<String>,
    pub(crate) status: Option<LinkStatus>,
    pub(crate) auto_remove_on: Option<String>,
    pub(crate) runtime_pm: Option<bool>,
    pub(crate) sync_state_only: Option<bool>,
    pub(crate) attr_origins: AttrOrigins,
}

impl LinkParts {
    /// Stores one attribute value read at `origin`; `Err` holds what was expected when the value
    /// is not valid (the attribute then stays unknown, with no origin).
    pub(crate) fn set_attr_at(
        &mut self,
        attr: LinkAttr,
        value: &str,
        origin: Origin,
    ) -> Result<(), &'static str> {
        self.set_attr(attr, value)?;
        *self.attr_origins.slot(attr) = Some(origin);
        Ok(())
    }

    /// Stores one attribute value; `Err` holds what was expected when the value is not valid.
    fn set_attr(&mut self, attr: LinkAttr, value: &str) -> Result<(), &'static str> {
        let value = value.trim();
        match attr {
            LinkAttr::Status => {
                self.status = Some(LinkStatus::parse(value).ok_or(EXPECTED_STATUS)?);
            }
            LinkAttr::AutoRemoveOn => self.auto_remove_on = Some(value.to_string()),
            LinkAttr::RuntimePm => {
                self.runtime_pm = Some(parse_flag(value).ok_or("runtime_pm 0 or 1")?);
            }
            LinkAttr::SyncStateOnly => {
                self.sync_state_only = Some(parse_flag(value).ok_or("sync_state_only 0 or 1")?);
            }
        }
        Ok(())
    }

    pub(crate) fn into_record(self, origin: Origin, name: String) -> DevlinkRecord {
        let (supplier, consumer) = link_ends(
            &name,
            self.supplier_target.as_deref(),
            self.consumer_target.as_deref(),
        );
        DevlinkRecord {
            origin,
            name,
            supplier,
            consumer,
            status: self.status,
            auto_remove_on: self.auto_remove_on,
            runtime_pm: self.runtime_pm,
            sync_state_only: self.sync_state_only,
            supplier_target: self.supplier_target,
            consumer_target: self.consumer_target,
            attr_origins: self.attr_origins,
        }
    }
}

fn parse_flag(value: &str) -> Option<bool> {
    match value {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// Reads a devlink text dump. Returns every link named in it (in order of first mention) and
/// the problems found; a bad value leaves that attribute unknown and the rest is kept.
pub fn parse_dump(source: &SourceName, reader: impl BufRead) -> (Vec<DevlinkRecord>, Vec<InputError>) {
    // The links in order of first mention, and each name's place among them: the name is held
    // once, by the index, until the records are made.
    let mut links: Vec<(Origin, LinkParts)> = Vec::new();
    let mut at_of_name: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();

    let read_error = for_each_line(source, reader, |number, line| {
        let facts: Vec<DumpLine> = match parse_dump_line(line) {
            Some(fact) => vec![fact],
            None => listed_link_names(line)
                .unwrap_or_default()
                .into_iter()
                .map(|name| DumpLine::Listed { name })
                .collect(),
        };
        for fact in facts {
            read_fact(fact, number, source, &mut at_of_name, &mut links, &mut errors);
        }
    });
    errors.extend(read_error);

    let mut names = vec![String::new(); links.len()];
    for (name, at) in at_of_name {
        if let Some(slot) = names.get_mut(at) {
            *slot = name;
        }
    }
    let records = crate::ingest::assemble::consume(links)
        .zip(names)
        .map(|((origin, link), name)| link.into_record(origin, name))
        .collect();
    (records, errors)
}

/// Adds what one dump line says to the link it names.
fn read_fact(
    fact: DumpLine,
    number: u32,
    source: &SourceName,
    at_of_name: &mut HashMap<String, usize>,
    links: &mut Vec<(Origin, LinkParts)>,
    errors: &mut Vec<InputError>,
) {
    let name = fact.name();
    let at = match at_of_name.get(name) {
        Some(at) => *at,
        None => {
            links.push((Origin::new(source, number), LinkParts::default()));
            at_of_name.insert(name.to_string(), links.len() - 1);
            links.len() - 1
        }
    };
    let Some((_, entry)) = links.get_mut(at) else {
        return;
    };
    match fact {
        DumpLine::Attr { attr, value, .. } => {
            if let Err(expected) = entry.set_attr_at(attr, value, Origin::new(source, number)) {
                errors.push(InputError::new(&**source, Location::Line(number), expected).found(value));
            }
        }
        DumpLine::Symlink { supplier, target, .. } => {
            let slot = if supplier {
                &mut entry.supplier_target
            } else {
                &mut entry.consumer_target
            };
            *slot = Some(target.to_string());
        }
        DumpLine::Listed { .. } => {}
    }
}

/// What one dump line says.
#[derive(Debug, PartialEq, Eq)]
enum DumpLine<'a> {
    Attr {
        name: &'a str,
        attr: LinkAttr,
        value: &'a str,
    },
    Symlink {
        name: &'a str,
        supplier: bool,
        target: &'a str,
    },
    /// A link named by a listing (`ls -l /sys/class/devlink`), without attributes.
    Listed { name: &'a str },
}

impl<'a> DumpLine<'a> {
    fn name(&self) -> &'a str {
        match self {
            DumpLine::Attr { name, .. } | DumpLine::Symlink { name, .. } | DumpLine::Listed { name } => name,
        }
    }
}

/// The link names of a line of a bare `ls /sys/class/devlink` listing (one name, or several
/// as `ls` lays them out in columns), when every word of it is a link name.
pub(crate) fn listed_link_names(line: &str) -> Option<Vec<&str>> {
    let names: Vec<&str> = line.split_whitespace().collect();
    (!names.is_empty() && names.iter().all(|name| is_link_name(name))).then_some(names)
}

/// Whether `name` is a link directory's name, `<bus-or-class>:<device>--<bus-or-class>:<device>`
/// with both ends device-named (an ASCII tree such as `-[0000:00]---00.0-[01-ff]--` is not one).
pub(crate) fn is_link_name(name: &str) -> bool {
    let ends_named = name.split_once("--").is_some_and(|(supplier, consumer)| {
        [supplier, consumer].iter().all(|end| {
            end.split_once(':').is_some_and(|(class, device)| {
                !class.is_empty()
                    && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && device.starts_with(|c: char| c.is_ascii_alphanumeric())
            })
        })
    });
    ends_named && !name.contains(['[', ']', '/']) && split_link_name(name).is_some()
}

/// Whether a line is one a devlink dump or class listing holds (for recognising a file).
pub(crate) fn is_dump_line(line: &str) -> bool {
    let trimmed = line.trim();
    listed_link_names(line).is_some()
        || parse_dump_line(line).is_some()
        || DUMP_PREFIXES
            .iter()
            .any(|p| trimmed.starts_with(p) && trimmed.contains("--"))
}

fn parse_dump_line(line: &str) -> Option<DumpLine<'_>> {
    let trimmed = line.trim();
    // A listing names the link by its target under devices/virtual/devlink (possibly on a
    // line of its own after a mail client's wrap); a dump line has an attribute after the name.
    const LINK_DIR: &str = "devices/virtual/devlink/";
    if let Some(at) = trimmed.find(LINK_DIR) {
        let before = &trimmed[..at];
        let name = trimmed[at + LINK_DIR.len()..].trim_end_matches('/');
        let listing = before.is_empty()
            || before.ends_with("../")
            || before.ends_with("/sys/")
            || before.ends_with("-> ");
        if listing && name.contains("--") && !name.contains('/') && !name.contains(char::is_whitespace) {
            return Some(DumpLine::Listed { name });
        }
    }
    let rest = DUMP_PREFIXES
        .iter()
        .find_map(|prefix| trimmed.strip_prefix(prefix))?;
    // Device names never contain '/' (the kernel turns it into '!'), so the link name ends at
    // the first '/'; the attribute name ends at the first ':' after it.
    let (name, after) = rest.split_once('/')?;
    // `grep -r . /sys/class/devlink/*/` may print `<name>//status`.
    let after = after.trim_start_matches('/');
    if name.is_empty() {
        return None;
    }
    for (link, supplier) in [("supplier", true), ("consumer", false)] {
        if let Some(target) = after.strip_prefix(link).and_then(|t| t.strip_prefix(" -> ")) {
            return Some(DumpLine::Symlink {
                name,
                supplier,
                target: target.trim(),
            });
        }
    }
    let (attr, value) = after.split_once(':')?;
    let attr = LinkAttr::from_file_name(attr)?;
    Some(DumpLine::Attr { name, attr, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> std::fs::File {
        std::fs::File::open(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn parse(text: &str) -> (Vec<DevlinkRecord>, Vec<InputError>) {
        let source: SourceName = "dump.txt".into();
        parse_dump(&source, text.as_bytes())
    }

    #[test]
    fn reads_the_strict_mode_iommu_link_of_a_real_dump() {
        let source: SourceName = "devlink-before-timeout.txt".into();
        let file = fixture("qemu/smmuv3-6.1/S3-strict-late/devlink-before-timeout.txt");
        let (records, errors) = parse_dump(&source, std::io::BufReader::new(file));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(records.len(), 2);
        let smmu = records
            .iter()
            .find(|r| r.supplier.name == "9050000.smmuv3")
            .unwrap();
        assert_eq!(smmu.name, "platform:9050000.smmuv3--platform:4010000000.pcie");
        assert_eq!(smmu.consumer.name, "4010000000.pcie");
        assert_eq!(smmu.supplier.bus.as_deref(), Some("platform"));
        assert_eq!(smmu.consumer.bus.as_deref(), Some("platform"));
        assert_eq!(
            smmu.supplier.sysfs_path.as_deref(),
            Some("/sys/devices/platform/9050000.smmuv3")
        );
        assert_eq!(smmu.status, Some(LinkStatus::Dormant));
        assert_eq!(smmu.auto_remove_on.as_deref(), Some("never"));
        assert_eq!(smmu.runtime_pm, Some(false));
        assert_eq!(smmu.sync_state_only, Some(false));
        assert_eq!(smmu.origin.line, 5);
    }

    #[test]
    fn pci_consumer_name_comes_from_the_symlink() {
        let source: SourceName = "devlink-final.txt".into();
        let file = fixture("qemu/exynos-6.12/E1-exynos-early/devlink-final.txt");
        let (records, errors) = parse_dump(&source, std::io::BufReader::new(file));
        assert!(errors.is_empty());
        let pci = records
            .iter()
            .find(|r| r.consumer.bus.as_deref() == Some("pci"))
            .unwrap();
        assert_eq!(pci.consumer.name, "0000:00:03.0");
        assert_eq!(
            pci.consumer.sysfs_path.as_deref(),
            Some("/sys/devices/platform/4010000000.pcie/pci0000:00/0000:00:03.0")
        );
        assert_eq!(pci.status, Some(LinkStatus::NotTracked));
        assert_eq!(pci.runtime_pm, Some(true));
    }

    #[test]
    fn unknown_status_is_an_error_naming_the_line_and_the_rest_is_kept() {
        let text = "/sys/class/devlink/platform:a--platform:b/status:sleeping\n\
                    /sys/class/devlink/platform:a--platform:b/runtime_pm:1\n\
                    /sys/class/devlink/platform:c--platform:d/status:active\n";
        let (records, errors) = parse(text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].status, None);
        assert_eq!(records[0].runtime_pm, Some(true));
        assert_eq!(records[1].status, Some(LinkStatus::Active));
        assert_eq!(errors.len(), 1);
        let message = errors[0].to_string();
        assert!(
            message.starts_with("dump.txt:1: expected a devlink status"),
            "{message}"
        );
        assert!(message.contains("found `sleeping`"), "{message}");
    }

    #[test]
    fn names_with_colons_and_dashes_split_by_symlinks() {
        let text = "/sys/class/devlink/pci:0000:00:1f.2--usb:1-1:1.0/status:active\n\
                    /sys/class/devlink/pci:0000:00:1f.2--usb:1-1:1.0/supplier -> ../../../pci0000:00/0000:00:1f.2\n\
                    /sys/class/devlink/pci:0000:00:1f.2--usb:1-1:1.0/consumer -> ../../../pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0\n";
        let (records, errors) = parse(text);
        assert!(errors.is_empty());
        let r = &records[0];
        assert_eq!(r.supplier.name, "0000:00:1f.2");
        assert_eq!(r.supplier.bus.as_deref(), Some("pci"));
        assert_eq!(r.consumer.name, "1-1:1.0");
        assert_eq!(r.consumer.bus.as_deref(), Some("usb"));
        assert_eq!(
            r.consumer.sysfs_path.as_deref(),
            Some("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0")
        );
    }

    #[test]
    fn double_dashes_inside_device_names() {
        let text = "/sys/class/devlink/platform:a--b--platform:c//status:active\n\
                    /sys/class/devlink/platform:a--b--platform:c/supplier -> ../../../platform/a--b\n\
                    /sys/class/devlink/platform:a--b--platform:c/consumer -> ../../../platform/c\n";
        let (records, errors) = parse(text);
        assert!(errors.is_empty());
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].status, Some(LinkStatus::Active));
        assert_eq!(records[0].supplier.name, "a--b");
        assert_eq!(records[0].supplier.bus.as_deref(), Some("platform"));
        assert_eq!(records[0].consumer.bus.as_deref(), Some("platform"));
        // Without the symlinks, the split that lands on a known bus wins.
        let (s, c) = split_link_name("platform:a--b--platform:c").unwrap();
        assert_eq!((s.name.as_str(), c.name.as_str()), ("a--b", "c"));
    }

    #[test]
    fn old_era_names_with_symlinks_have_no_bus() {
        let text = "/sys/class/devlink/a.b--c.d/supplier -> ../../../platform/a.b\n\
                    /sys/class/devlink/a.b--c.d/consumer -> ../../../platform/c.d\n";
        let (records, _) = parse(text);
        assert_eq!(records[0].supplier.bus, None);
        assert_eq!(records[0].supplier.name, "a.b");
        assert_eq!(records[0].consumer.name, "c.d");
    }

    #[test]
    fn reads_link_names_from_wrapped_class_listings() {
        let source: SourceName = "listing.txt".into();
        let file = fixture("public/rcar-gen3-dt-overlay-class-devlink-genpd_provider-supplier-listing.txt");
        let (records, errors) = parse_dump(&source, std::io::BufReader::new(file));
        assert!(errors.is_empty());
        let names: std::collections::BTreeSet<&str> = records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), 6, "{names:?}");
        let genpd = records
            .iter()
            .find(|r| r.name == "genpd_provider:ca53-cpu0--platform:e6e90000.spi")
            .unwrap();
        assert_eq!(genpd.supplier.bus.as_deref(), Some("genpd_provider"));
        assert_eq!(genpd.supplier.name, "ca53-cpu0");
        assert_eq!(genpd.consumer.name, "e6e90000.spi");
        assert_eq!(genpd.status, None);
    }

    #[test]
    fn reads_ls_l_lines() {
        let text = "lrwxrwxrwx 1 root root 0 Jan  1 00:00 platform:soc--platform:e6e90000.spi -> ../../devices/virtual/devlink/platform:soc--platform:e6e90000.spi\n";
        let (records, errors) = parse(text);
        assert!(errors.is_empty());
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].supplier.name, "soc");
        assert_eq!(records[0].consumer.name, "e6e90000.spi");
    }
}
