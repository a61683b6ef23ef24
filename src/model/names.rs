//! Device naming rules shared by every source: PCI addresses and requester IDs, and which
//! dev_printk prefixes are bus or class names rather than driver names.

/// A PCI function address `DDDD:BB:DD.F`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PciAddress {
    pub domain: u32,
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl PciAddress {
    /// Parses a kernel PCI device name (`0000:01:00.0`); port-service names
    /// (`0000:00:05.0:pcie001`) and bus names (`0000:00`) are not functions.
    pub fn parse(name: &str) -> Option<PciAddress> {
        let (domain, rest) = name.split_once(':')?;
        let (bus, rest) = rest.split_once(':')?;
        let (device, function) = rest.split_once('.')?;
        let hex = |s: &str, len: std::ops::RangeInclusive<usize>| {
            (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(s, 16).ok())
                .flatten()
        };
        let domain = hex(domain, 4..=8)?;
        let bus = u8::try_from(hex(bus, 2..=2)?).ok()?;
        let device = u8::try_from(hex(device, 2..=2)?).ok().filter(|d| *d < 32)?;
        let function = u8::try_from(hex(function, 1..=1)?).ok().filter(|f| *f < 8)?;
        Some(PciAddress {
            domain,
            bus,
            device,
            function,
        })
    }

    /// The requester ID the function's transactions carry (`PCI_DEVID(bus, devfn)`).
    pub fn requester_id(self) -> u32 {
        (u32::from(self.bus) << 8) | (u32::from(self.device) << 3) | u32::from(self.function)
    }
}

/// Bus and class names that appear as the first word of dev_printk lines when no driver is
/// bound (`dev_driver_string()` falls back to the bus, then the class). Names learnt from the
/// inputs (devlink ends, device tables, kmsg dictionaries) are added at run time.
pub const KNOWN_BUS_OR_CLASS_NAMES: &[&str] = &[
    "platform",
    "pci",
    "pci_bus",
    "pci_express",
    "amba",
    "i2c",
    "spi",
    "usb",
    "virtio",
    "mdio_bus",
    "serio",
    "scsi",
    "mmc",
    "sdio",
    "hid",
    "nvmem",
    "soc",
    "cpu",
    "node",
    "memory",
    "container",
    "workqueue",
    "clockevents",
    "clocksource",
    "event_source",
    "gpio",
    "mipi-dsi",
    "host1x",
    "acpi",
    "pnp",
    "xen",
    "vmbus",
    "coresight",
    "auxiliary",
    "rpmsg",
    "spmi",
    "slimbus",
    "soundwire",
    "tee",
    "typec",
    "ulpi",
    "w1",
    "regulator",
    "net",
    "block",
    "tty",
    "rtc",
    "input",
    "misc",
    "iommu",
    "devlink",
    "thermal",
    "hwmon",
    "drm",
    "sound",
    "dma",
    "phy",
    "nd",
    "mei",
    "ishtp",
    "serial",
    "snd_seq",
    "media",
    "video4linux",
    "mtd",
    "ubi",
    "watchdog",
    "power_supply",
    "leds",
    "backlight",
    "extcon",
    "devfreq",
    "remoteproc",
    "genpd",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_functions_and_rejects_other_pci_names() {
        let rng = PciAddress::parse("0000:01:00.0").unwrap();
        assert_eq!(rng.requester_id(), 0x100);
        assert_eq!(PciAddress::parse("0000:00:03.0").unwrap().requester_id(), 0x18);
        assert_eq!(PciAddress::parse("0000:00:05.0:pcie001"), None);
        assert_eq!(PciAddress::parse("0000:00"), None);
        assert_eq!(PciAddress::parse("9050000.smmuv3"), None);
        assert_eq!(PciAddress::parse("10000:e1:1f.7").unwrap().domain, 0x10000);
    }
}
