//! The driver core's probe path (drivers/base/dd.c): deferrals, the deferred-probe timeout,
//! probe results, binds, and the initcall_debug `probe of X returned` line
//! (`reference/kernel-formats.md` §4.1-4.4).

use super::prefix::PrefixRef;
use super::{split_at_colon, Deferral, Message};

/// -EPROBE_DEFER (include/linux/err.h): `probe of X returned ±517` is a deferral.
const EPROBE_DEFER: i64 = 517;

/// A message after a device prefix.
pub fn device_message(prefix: PrefixRef<'_>, message: &str) -> Option<Message> {
    let device = || prefix.device.to_string();
    let prefix_owned = || prefix.to_owned();
    // driver_deferred_probe_check_state() (dd.c), v5.7+.
    if message == "deferred probe timeout, ignoring dependency" {
        return Some(Message::IgnoringDependency {
            device: prefix_owned(),
            assumed_no_driver: false,
        });
    }
    if message == "ignoring dependency for device, assuming no driver" {
        return Some(Message::IgnoringDependency {
            device: prefix_owned(),
            assumed_no_driver: true,
        });
    }
    // deferred_probe_timeout_work_func() (dd.c): without a reason up to v6.7, with one since.
    if let Some(rest) = message.strip_prefix("deferred probe pending") {
        let deferral = match rest.strip_prefix(':') {
            Some(reason) => Some(Box::new(Deferral::parse(reason))),
            None if rest.trim().is_empty() => None,
            None => return None,
        };
        return Some(Message::DeferredProbePending {
            device: prefix_owned(),
            deferral,
        });
    }
    // really_probe() (dd.c), dev_dbg: the driver's probe returned -EPROBE_DEFER.
    if let Some(rest) = message.strip_prefix("Driver ") {
        let driver = rest
            .strip_suffix(" requests probe deferral")
            .or_else(|| rest.strip_suffix(" force probe deferral"))?;
        return Some(Message::ProbeDeferred {
            device: device(),
            driver: Some(driver.to_string()),
            deferral: None,
        });
    }
    if message == "Added to deferred list" || message == "Device match requests probe deferral" {
        return Some(Message::ProbeDeferred {
            device: device(),
            driver: None,
            deferral: None,
        });
    }
    // dev_err_probe() (drivers/base/core.c, v5.9+) with -EPROBE_DEFER: the reason it stores is
    // "<dev_driver_string>: <text>", and dev_driver_string is what the prefix shows.
    if let Some(reason) = message
        .strip_prefix("error -EPROBE_DEFER: ")
        .or_else(|| message.strip_prefix("error -517: "))
    {
        return Some(Message::ProbeDeferred {
            device: device(),
            driver: None,
            deferral: Some(Box::new(recorded(prefix, reason))),
        });
    }
    // device_links_check_suppliers() (core.c), v5.10-v5.15 dev_dbg.
    if message.starts_with("probe deferral - ") {
        return Some(Message::ProbeDeferred {
            device: device(),
            driver: None,
            deferral: Some(Box::new(recorded(prefix, message))),
        });
    }
    // call_driver_probe() (dd.c), ~v6.10+.
    if let Some(rest) = message.strip_prefix("probe with driver ") {
        let (driver, errno) = rest.split_once(" failed with error ")?;
        return Some(Message::ProbeFailed {
            device: device(),
            driver: driver.to_string(),
            errno: errno.trim().parse().ok()?,
        });
    }
    // Newer dev_dbg forms of driver_bound() / really_probe() (the device is the prefix's).
    if let Some(driver) = driver_bound(message) {
        if driver.device.is_none() {
            return Some(Message::DriverBound {
                device: device(),
                driver: driver.driver.to_string(),
            });
        }
    }
    if let Some(bus_line) = bus_line(message) {
        let (kind, driver, named) = bus_line;
        if named.is_none() {
            return Some(match kind {
                BusLine::Bound => Message::DriverBound {
                    device: device(),
                    driver: driver.to_string(),
                },
                BusLine::Probing => Message::ProbeStarted {
                    device: device(),
                    driver: driver.to_string(),
                },
            });
        }
    }
    None
}

/// A message without a device prefix; returns whether it was recognised.
pub fn plain_message(message: &str, out: &mut Vec<Message>) -> bool {
    // really_probe_debug() (dd.c), initcall_debug: "probe of %s returned %d after %lld usecs".
    if let Some((device, value, usecs)) = probe_returned(message) {
        out.push(Message::ProbeReturned {
            device: device.to_string(),
            value,
            usecs,
        });
        if value.abs() == EPROBE_DEFER {
            out.push(Message::ProbeDeferred {
                device: device.to_string(),
                driver: None,
                deferral: None,
            });
        }
        return true;
    }
    // call_driver_probe() (dd.c) up to ~v6.9: pr_warn("%s: probe of %s failed with error %d").
    if let Some((driver, rest)) =
        split_at_colon(message).and_then(|(d, r)| Some((d, r.strip_prefix("probe of ")?)))
    {
        if let Some((device, errno)) = rest.split_once(" failed with error ") {
            if is_token(driver) && is_token(device) {
                if let Ok(errno) = errno.trim().parse() {
                    out.push(Message::ProbeFailed {
                        device: device.to_string(),
                        driver: driver.to_string(),
                        errno,
                    });
                    return true;
                }
            }
        }
        return false;
    }
    // Old pr_debug forms (names in quotes / in the text).
    if let Some(bound) = driver_bound(message) {
        if let Some(device) = bound.device {
            out.push(Message::DriverBound {
                device: device.to_string(),
                driver: bound.driver.to_string(),
            });
            return true;
        }
    }
    if let Some((kind, driver, Some(device))) = bus_line(message) {
        out.push(match kind {
            BusLine::Bound => Message::DriverBound {
                device: device.to_string(),
                driver: driver.to_string(),
            },
            BusLine::Probing => Message::ProbeStarted {
                device: device.to_string(),
                driver: driver.to_string(),
            },
        });
        return true;
    }
    // device_add() / device_unregister() (core.c): pr_debug("device: '%s': %s\n",
    // dev_name(dev), __func__).
    if let Some(rest) = message.strip_prefix("device: '") {
        if let Some(device) = rest.strip_suffix("': device_add") {
            out.push(Message::DeviceAdded {
                device: device.to_string(),
            });
            return true;
        }
        if let Some(device) = rest.strip_suffix("': device_unregister") {
            out.push(Message::DeviceRemoved {
                device: device.to_string(),
            });
            return true;
        }
        return false;
    }
    // driver_deferred_probe_extend_timeout() (dd.c), v5.19/v6.0+.
    if let Some(rest) = message.strip_prefix("Extended deferred probe timeout by ") {
        if let Some(Ok(secs)) = rest.strip_suffix(" secs").map(|s| s.trim().parse()) {
            out.push(Message::TimeoutExtended { secs });
            return true;
        }
        return false;
    }
    // wait_for_init_devices_probe() (dd.c), v6.0+.
    if message.starts_with("Trying to probe devices needed for running init") {
        out.push(Message::InitDevicesProbe);
        return true;
    }
    false
}

fn recorded(prefix: PrefixRef<'_>, reason: &str) -> Deferral {
    Deferral {
        recorded_by: Some(prefix.driver_or_bus.to_string()),
        reason: super::DeferReason::parse(reason),
    }
}

fn probe_returned(message: &str) -> Option<(&str, i64, Option<u64>)> {
    let rest = message.strip_prefix("probe of ")?;
    let (device, rest) = rest.split_once(" returned ")?;
    if !is_token(device) {
        return None;
    }
    let (value, usecs) = match rest.split_once(" after ") {
        Some((value, usecs)) => (value, usecs.strip_suffix(" usecs")?.trim().parse().ok()),
        None => (rest, None),
    };
    Some((device, value.trim().parse().ok()?, usecs))
}

struct Bound<'a> {
    driver: &'a str,
    /// Named in the text by the old pr_debug form; the newer dev_dbg form has it in the prefix.
    device: Option<&'a str>,
}

/// `driver: '%s': %s: bound to device '%s'` (pr_debug) / `driver: '%s': %s: bound to device`
/// (dev_dbg), printed by driver_bound() in dd.c.
fn driver_bound(message: &str) -> Option<Bound<'_>> {
    let rest = message.strip_prefix("driver: '")?;
    let (driver, rest) = rest.split_once("': ")?;
    let (_function, rest) = rest.split_once(": ")?;
    let rest = rest.strip_prefix("bound to device")?;
    let device = match rest.trim() {
        "" => None,
        quoted => Some(quoted.strip_prefix('\'')?.strip_suffix('\'')?),
    };
    Some(Bound { driver, device })
}

#[derive(Clone, Copy)]
enum BusLine {
    Bound,
    Probing,
}

/// `bus: '%s': %s: bound device %s to driver %s` / `... probing driver %s with device %s`
/// (pr_debug) and the dev_dbg forms without the device name (really_probe() in dd.c).
fn bus_line(message: &str) -> Option<(BusLine, &str, Option<&str>)> {
    let rest = message.strip_prefix("bus: '")?;
    let (_bus, rest) = rest.split_once("': ")?;
    let (_function, rest) = rest.split_once(": ")?;
    if let Some(rest) = rest.strip_prefix("bound device") {
        let (device, driver) = rest.rsplit_once("to driver ")?;
        let device = device.trim();
        let device = (!device.is_empty()).then_some(device);
        return is_token(driver).then_some((BusLine::Bound, driver, device));
    }
    if let Some(rest) = rest.strip_prefix("probing driver ") {
        let (driver, device) = rest.split_once(" with device")?;
        let device = device.trim();
        let device = (!device.is_empty()).then_some(device);
        return is_token(driver).then_some((BusLine::Probing, driver, device));
    }
    None
}

fn is_token(word: &str) -> bool {
    !word.is_empty() && !word.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::super::{classify_text, DeferReason, DevicePrefix};
    use super::*;

    fn classify(text: &str) -> Vec<Message> {
        let mut out = Vec::new();
        classify_text(text, false, &mut out);
        out
    }

    fn prefix(driver: &str, device: &str) -> DevicePrefix {
        DevicePrefix {
            driver_or_bus: driver.into(),
            device: device.into(),
        }
    }

    /// The specific message, after the `DevicePrint` every dev_printk line gives.
    fn specific(text: &str) -> Message {
        let messages = classify(text);
        assert_eq!(messages.len(), 2, "{text}: {messages:?}");
        assert!(matches!(messages[0], Message::DevicePrint(_)));
        messages[1].clone()
    }

    #[test]
    fn ignoring_dependency_both_forms() {
        // fixtures/qemu/smmuv3-6.1/S2-smmu-late/dmesg.txt
        assert_eq!(
            specific("pcieport 0000:00:05.0: deferred probe timeout, ignoring dependency"),
            Message::IgnoringDependency {
                device: prefix("pcieport", "0000:00:05.0"),
                assumed_no_driver: false
            }
        );
        // fixtures/public/rcar-h3-v5.2rc-iommu-ignoring-dependency-systemd-console.txt
        assert_eq!(
            specific("ravb e6800000.ethernet: ignoring dependency for device, assuming no driver"),
            Message::IgnoringDependency {
                device: prefix("ravb", "e6800000.ethernet"),
                assumed_no_driver: true
            }
        );
    }

    #[test]
    fn deferred_probe_pending_with_and_without_reason() {
        // fixtures/public/renesas-multiboard-fw_devlink-devices_deferred-wait-for-supplier.txt
        assert_eq!(
            specific("    platform fe1f0000.sound: deferred probe pending"),
            Message::DeferredProbePending {
                device: prefix("platform", "fe1f0000.sound"),
                deferral: None
            }
        );
        // fixtures/public/kernelci-mt8186-steelix-serial-deferred-timeout.txt
        assert_eq!(
            specific(
                "platform 14016000.iommu: deferred probe pending: platform: supplier \
                 10006000.syscon:power-controller not ready"
            ),
            Message::DeferredProbePending {
                device: prefix("platform", "14016000.iommu"),
                deferral: Some(Box::new(Deferral {
                    recorded_by: Some("platform".into()),
                    reason: DeferReason::SupplierNotReady {
                        supplier: "10006000.syscon:power-controller".into()
                    }
                }))
            }
        );
        // reference/kernel-formats.md §4.3 (v6.8+ without a recorded reason; no corpus line)
        assert_eq!(
            specific("platform 13100000.foo: deferred probe pending: (reason unknown)"),
            Message::DeferredProbePending {
                device: prefix("platform", "13100000.foo"),
                deferral: Some(Box::new(Deferral {
                    recorded_by: None,
                    reason: DeferReason::Empty
                }))
            }
        );
    }

    #[test]
    fn deferrals_of_the_driver_core_and_drivers() {
        // fixtures/public/exynos5410-odroidxu-hdmi-mixer-sysmmu-devlink-deferral.txt:82-83
        // (hard-wrapped by the mail client; joined)
        assert_eq!(
            specific("platform 14450000.mixer: Driver exynos-mixer requests probe deferral"),
            Message::ProbeDeferred {
                device: "14450000.mixer".into(),
                driver: Some("exynos-mixer".into()),
                deferral: None
            }
        );
        // fixtures/qemu/smmuv3-6.1/S9-strict-verbose-late/dmesg.txt
        assert_eq!(
            specific("platform 4010000000.pcie: Added to deferred list"),
            Message::ProbeDeferred {
                device: "4010000000.pcie".into(),
                driver: None,
                deferral: None
            }
        );
        assert_eq!(
            specific("platform 4010000000.pcie: error -EPROBE_DEFER: supplier 9050000.smmuv3 not ready"),
            Message::ProbeDeferred {
                device: "4010000000.pcie".into(),
                driver: None,
                deferral: Some(Box::new(Deferral {
                    recorded_by: Some("platform".into()),
                    reason: DeferReason::SupplierNotReady {
                        supplier: "9050000.smmuv3".into()
                    }
                }))
            }
        );
        // reference/kernel-formats.md §4.5 (v5.10-v5.15 dev_dbg; no corpus line)
        assert_eq!(
            specific("platform 12c80000.decon: probe deferral - wait for supplier sysmmu@12c90000"),
            Message::ProbeDeferred {
                device: "12c80000.decon".into(),
                driver: None,
                deferral: Some(Box::new(Deferral {
                    recorded_by: Some("platform".into()),
                    reason: DeferReason::WaitForSupplier {
                        fwnode: "sysmmu@12c90000".into()
                    }
                }))
            }
        );
    }

    #[test]
    fn probe_returned_and_its_deferral() {
        // fixtures/public/beagleplay-am625-6.18rc7-probe-deferral-initcall-debug-returned-517.txt
        assert_eq!(
            classify("probe of 8000f00.mdio returned 517 after 36137 usecs"),
            vec![
                Message::ProbeReturned {
                    device: "8000f00.mdio".into(),
                    value: 517,
                    usecs: Some(36137)
                },
                Message::ProbeDeferred {
                    device: "8000f00.mdio".into(),
                    driver: None,
                    deferral: None
                }
            ]
        );
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt
        assert_eq!(
            classify("probe of 0000:00:03.0 returned 0 after 24368 usecs"),
            vec![Message::ProbeReturned {
                device: "0000:00:03.0".into(),
                value: 0,
                usecs: Some(24368)
            }]
        );
    }

    #[test]
    fn probe_failures_both_forms() {
        // fixtures/public/kernelci-mt8183-juniper-6.6.33rc1-serial-mtk-iommu-larb-bind.txt
        assert_eq!(
            classify("generic-adc-thermal: probe of thermal-sensor2 failed with error -22"),
            vec![Message::ProbeFailed {
                device: "thermal-sensor2".into(),
                driver: "generic-adc-thermal".into(),
                errno: -22
            }]
        );
        // fixtures/qemu/README.md (exynos-6.12): the 6.12 form
        assert_eq!(
            specific("exynos-sysmmu 7f000000.sysmmu: probe with driver exynos-sysmmu failed with error -22"),
            Message::ProbeFailed {
                device: "7f000000.sysmmu".into(),
                driver: "exynos-sysmmu".into(),
                errno: -22
            }
        );
    }

    #[test]
    fn driver_bound_old_and_new_forms() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt:2601
        assert_eq!(
            classify("driver: 'virtio-pci': driver_bound: bound to device '0000:00:03.0'"),
            vec![Message::DriverBound {
                device: "0000:00:03.0".into(),
                driver: "virtio-pci".into()
            }]
        );
        assert_eq!(
            classify("bus: 'pci': really_probe: bound device 0000:00:03.0 to driver virtio-pci"),
            vec![Message::DriverBound {
                device: "0000:00:03.0".into(),
                driver: "virtio-pci".into()
            }]
        );
        assert_eq!(
            classify("bus: 'pci': really_probe: probing driver virtio-pci with device 0000:00:03.0"),
            vec![Message::ProbeStarted {
                device: "0000:00:03.0".into(),
                driver: "virtio-pci".into()
            }]
        );
        // reference/kernel-formats.md §4.2: the newer dev_dbg forms name the device in the
        // prefix (no corpus line; format strings from drivers/base/dd.c).
        assert_eq!(
            specific("exynos-sysmmu 7f000000.sysmmu: driver: 'exynos-sysmmu': driver_bound: bound to device"),
            Message::DriverBound {
                device: "7f000000.sysmmu".into(),
                driver: "exynos-sysmmu".into()
            }
        );
        assert_eq!(
            specific("exynos-sysmmu 7f000000.sysmmu: bus: 'platform': really_probe: bound device to driver exynos-sysmmu"),
            Message::DriverBound {
                device: "7f000000.sysmmu".into(),
                driver: "exynos-sysmmu".into()
            }
        );
    }

    #[test]
    fn device_add_timeout_extension_and_init_probe() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt; the last: reference §4.5
        assert_eq!(
            classify("device: '9050000.smmuv3': device_add"),
            vec![Message::DeviceAdded {
                device: "9050000.smmuv3".into()
            }]
        );
        // fixtures/qemu/smmuv3-6.1/S9-strict-verbose-late/dmesg.txt:2616
        assert_eq!(
            classify("device: 'platform:9050000.smmuv3--platform:4010000000.pcie': device_unregister"),
            vec![Message::DeviceRemoved {
                device: "platform:9050000.smmuv3--platform:4010000000.pcie".into()
            }]
        );
        assert_eq!(
            classify("Extended deferred probe timeout by 5 secs"),
            vec![Message::TimeoutExtended { secs: 5 }]
        );
        assert_eq!(
            classify("Trying to probe devices needed for running init ..."),
            vec![Message::InitDevicesProbe]
        );
    }
}
