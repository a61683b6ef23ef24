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

use super::lines::for_each_line;
use super::sysfs::resolve_link_text;
use crate::error::{InputError, Position};
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

/// `status` of a device link (`enum device_link_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkStatus {
    NotTracked,
    Dormant,
    Available,
    ConsumerProbing,
    Active,
    SupplierUnbinding,
    Unknown,
}

impl LinkStatus {
    pub fn parse(text: &str) -> Option<LinkStatus> {
        Some(match text.trim() {
            "not tracked" => LinkStatus::NotTracked,
            "dormant" => LinkStatus::Dormant,
            "available" => LinkStatus::Available,
            "consumer probing" => LinkStatus::ConsumerProbing,
            "active" => LinkStatus::Active,
            "supplier unbinding" => LinkStatus::SupplierUnbinding,
            "unknown" => LinkStatus::Unknown,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::NotTracked => "not tracked",
            LinkStatus::Dormant => "dormant",
            LinkStatus::Available => "available",
            LinkStatus::ConsumerProbing => "consumer probing",
            LinkStatus::Active => "active",
            LinkStatus::SupplierUnbinding => "supplier unbinding",
            LinkStatus::Unknown => "unknown",
        }
    }
}

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

    fn from_file_name(name: &str) -> Option<LinkAttr> {
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
}

impl LinkParts {
    /// Stores one attribute value; `Err` holds what was expected when the value is not valid.
    pub(crate) fn set_attr(&mut self, attr: LinkAttr, value: &str) -> Result<(), &'static str> {
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
    let mut order: Vec<(String, Origin)> = Vec::new();
    let mut parts: HashMap<String, LinkParts> = HashMap::new();
    let mut errors = Vec::new();

    let read_error = for_each_line(source, reader, |number, line| {
        let Some(fact) = parse_dump_line(line) else {
            return;
        };
        let name = fact.name();
        let entry = parts.entry(name.to_string()).or_insert_with(|| {
            order.push((name.to_string(), Origin::new(source, number)));
            LinkParts::default()
        });
        match fact {
            DumpLine::Attr { attr, value, .. } => {
                if let Err(expected) = entry.set_attr(attr, value) {
                    errors.push(InputError::new(&**source, Position::Line(number), expected).found(value));
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
    });
    errors.extend(read_error);

    let records = order
        .into_iter()
        .map(|(name, origin)| {
            let link = parts.remove(&name).unwrap_or_default();
            link.into_record(origin, name)
        })
        .collect();
    (records, errors)
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

/// Whether a line is one a devlink dump or class listing holds (for recognising a file).
pub(crate) fn is_dump_line(line: &str) -> bool {
    let trimmed = line.trim();
    parse_dump_line(line).is_some()
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

/// The two ends of link `name`, from the `supplier`/`consumer` symlink targets when known
/// (relative targets are resolved against the link's directory under
/// `/sys/devices/virtual/devlink/`), else from the name alone.
pub fn link_ends(
    name: &str,
    supplier_target: Option<&str>,
    consumer_target: Option<&str>,
) -> (LinkEnd, LinkEnd) {
    let link_dir = format!("{LINK_DIR_PREFIX}{name}");
    let resolve = |target: Option<&str>| {
        target.map(|t| resolve_link_text(&link_dir, t).unwrap_or_else(|| t.to_string()))
    };
    let supplier_path = resolve(supplier_target);
    let consumer_path = resolve(consumer_target);
    let split = split_link_name(name);
    let end = |path: Option<String>, from_name: Option<&LinkEnd>| -> LinkEnd {
        match path {
            Some(path) => LinkEnd {
                bus: None,
                name: basename(&path).to_string(),
                sysfs_path: Some(path),
            },
            None => from_name.cloned().unwrap_or(LinkEnd {
                bus: None,
                name: String::new(),
                sysfs_path: None,
            }),
        }
    };
    let mut supplier = end(supplier_path, split.as_ref().map(|s| &s.0));
    let mut consumer = end(consumer_path, split.as_ref().map(|s| &s.1));

    // With both device names known the buses follow from the name exactly; otherwise take
    // them from the fallback split.
    if let Some((sup_bus, con_bus)) = buses_given_names(name, &supplier.name, &consumer.name) {
        supplier.bus = sup_bus;
        consumer.bus = con_bus;
    } else if let Some((s, c)) = &split {
        if supplier.bus.is_none() && s.name == supplier.name {
            supplier.bus = s.bus.clone();
        }
        if consumer.bus.is_none() && c.name == consumer.name {
            consumer.bus = c.bus.clone();
        }
    }
    (supplier, consumer)
}

fn basename(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path)
}

/// Buses of a link whose device names are known: `<sb>:<sup>--<cb>:<con>` (v5.11-rc5+, and
/// 5.10.y stable) gives `(Some(sb), Some(cb))`; `<sup>--<con>` (v5.9/early 5.10) gives
/// `(None, None)`. `None` when the name matches neither.
fn buses_given_names(name: &str, supplier: &str, consumer: &str) -> Option<(Option<String>, Option<String>)> {
    if !supplier.is_empty() && !consumer.is_empty() {
        if let Some((sup_bus, after)) = name.split_once(':') {
            let con_part = after
                .strip_prefix(supplier)
                .and_then(|rest| rest.strip_prefix("--"));
            if let Some(con_bus) = con_part
                .and_then(|rest| rest.strip_suffix(consumer))
                .and_then(|rest| rest.strip_suffix(':'))
            {
                if !sup_bus.contains("--") && !con_bus.contains(':') {
                    return Some((Some(sup_bus.to_string()), Some(con_bus.to_string())));
                }
            }
        }
        if name.len() == supplier.len() + 2 + consumer.len()
            && name.starts_with(supplier)
            && name.ends_with(consumer)
            && name[supplier.len()..].starts_with("--")
        {
            return Some((None, None));
        }
    }
    None
}

/// Bus and class names seen in link names; a split that lands on one of these is preferred
/// when a name could be split in several places.
const COMMON_BUSES: &[&str] = &[
    "platform",
    "amba",
    "pci",
    "i2c",
    "spi",
    "usb",
    "mmc",
    "sdio",
    "virtio",
    "regulator",
    "genpd_provider",
    "mdio_bus",
    "scsi",
    "serio",
    "acpi",
    "gpio",
    "nvmem",
    "soundwire",
    "auxiliary",
    "cpu",
    "coresight",
    "typec",
    "net",
    "extcon",
    "drm",
    "phy",
    "power_supply",
    "i3c",
    "spmi",
    "mhi",
    "rpmsg",
    "tee",
    "qcom_smd",
    "snd_soc",
];

fn is_bus_like(text: &str) -> bool {
    text.is_empty()
        || (text.starts_with(|c: char| c.is_ascii_alphabetic())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
}

/// Splits a link directory name without its symlinks (fallback): `bus:sup--bus:con` when the
/// text before the first `:` looks like a bus or class name (possibly empty) and a
/// `--<bus>:` follows, else `sup--con` at the first `--`.
pub fn split_link_name(name: &str) -> Option<(LinkEnd, LinkEnd)> {
    let end = |bus: Option<&str>, dev: &str| LinkEnd {
        bus: bus.map(str::to_string),
        name: dev.to_string(),
        sysfs_path: None,
    };
    if let Some((sup_bus, rest)) = name.split_once(':') {
        if is_bus_like(sup_bus) && !sup_bus.contains("--") {
            let mut candidates = Vec::new();
            let mut from = 0;
            while let Some(found) = rest[from..].find("--") {
                let at = from + found;
                let sup = &rest[..at];
                let after = &rest[at + 2..];
                if let Some((con_bus, con)) = after.split_once(':') {
                    let bus_ok = is_bus_like(con_bus) && !con_bus.contains("--");
                    if !sup.is_empty() && !con.is_empty() && bus_ok {
                        candidates.push((sup, con_bus, con));
                    }
                }
                from = at + 1;
            }
            let chosen = candidates
                .iter()
                .find(|(_, bus, _)| COMMON_BUSES.contains(bus))
                .or_else(|| candidates.first());
            if let Some((sup, con_bus, con)) = chosen {
                return Some((end(Some(sup_bus), sup), end(Some(con_bus), con)));
            }
        }
    }
    let (sup, con) = name.split_once("--")?;
    (!sup.is_empty() && !con.is_empty()).then(|| (end(None, sup), end(None, con)))
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
    fn fallback_split_handles_both_eras_and_classless_ends() {
        let (s, c) = split_link_name("platform:10a60000.sysmmu--platform:10a00000.mfc").unwrap();
        assert_eq!(
            (s.bus.as_deref(), s.name.as_str()),
            (Some("platform"), "10a60000.sysmmu")
        );
        assert_eq!(
            (c.bus.as_deref(), c.name.as_str()),
            (Some("platform"), "10a00000.mfc")
        );

        let (s, c) = split_link_name(":some-classless-dev--platform:foo").unwrap();
        assert_eq!(
            (s.bus.as_deref(), s.name.as_str()),
            (Some(""), "some-classless-dev")
        );
        assert_eq!((c.bus.as_deref(), c.name.as_str()), (Some("platform"), "foo"));

        let (s, c) = split_link_name("10a60000.sysmmu--10a00000.mfc").unwrap();
        assert_eq!((s.bus, s.name.as_str()), (None, "10a60000.sysmmu"));
        assert_eq!((c.bus, c.name.as_str()), (None, "10a00000.mfc"));

        let (s, c) = split_link_name("0000:00:01.0--0000:01:00.0").unwrap();
        assert_eq!((s.bus, s.name.as_str()), (None, "0000:00:01.0"));
        assert_eq!(c.name, "0000:01:00.0");

        let (s, c) = split_link_name("pci:0000:00:1f.2--usb:1-1:1.0").unwrap();
        assert_eq!((s.bus.as_deref(), s.name.as_str()), (Some("pci"), "0000:00:1f.2"));
        assert_eq!((c.bus.as_deref(), c.name.as_str()), (Some("usb"), "1-1:1.0"));

        let (s, c) = split_link_name("regulator:regulator.5--platform:11120000.mmc").unwrap();
        assert_eq!(
            (s.bus.as_deref(), s.name.as_str()),
            (Some("regulator"), "regulator.5")
        );
        assert_eq!(c.name, "11120000.mmc");

        assert!(split_link_name("nolink").is_none());
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
