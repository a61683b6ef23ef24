//! The two ends of a device link, from what names them: the `supplier`/`consumer` symlink
//! targets when read, else the link's directory name, split as the kernel builds it in each
//! naming era (`bus:sup--bus:con` since v5.11-rc5 and 5.10.y stable, `sup--con` before;
//! `device_link_add()`, drivers/base/core.c). See `reference/kernel-formats.md` §1.2.

use super::{LinkEnd, LINK_DIR_PREFIX};
use crate::ingest::sysfs::resolve_link_text;

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
}
