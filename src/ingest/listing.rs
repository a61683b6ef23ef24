//! Text listings of the device state that sysfs shows, in the layouts probescope's own bundles
//! use (and the QEMU corpus captures use):
//!
//! - device table `#bus<TAB>device<TAB>driver<TAB>iommu_group<TAB>iommu<TAB>of_node<TAB>sysfs_path`
//!   (`-` for none),
//! - IOMMU groups: `group N type=T` then `  device D path=P` lines; also `grep -Hr .` output of
//!   `/sys/kernel/iommu_groups/N/type` (`path:value`) and paths of `.../N/devices/D`,
//! - IOMMU instances (`/sys/class/iommu`): `iommu NAME path=P parent=P` then `  device D path=P`;
//!   also `ls */devices` run in `/sys/class/iommu` (`NAME/devices:` then device names),
//! - `waiting_for_supplier`: `path:value` lines (`grep -r .` output).

use super::lines::for_each_line;
use crate::error::{InputError, Location};
use crate::model::{Origin, SourceName};
use std::collections::BTreeMap;
use std::io::BufRead;

/// A device and what sysfs says of it at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceEntry {
    pub origin: Origin,
    pub bus: Option<String>,
    pub name: String,
    pub driver: Option<String>,
    pub iommu_group: Option<u32>,
    /// The IOMMU instance its `iommu` link names (class device name).
    pub iommu: Option<String>,
    /// DT node path of `of_node` (`/pcie@10000000`).
    pub of_node: Option<String>,
    pub sysfs_path: Option<String>,
}

/// A device named by a link in a `devices/` directory (of an IOMMU group or instance).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkedDevice {
    pub name: String,
    /// Where the link points (`/sys/devices/...`), when known.
    pub sysfs_path: Option<String>,
}

/// A linked device is compared with a name by its name.
impl PartialEq<str> for LinkedDevice {
    fn eq(&self, name: &str) -> bool {
        self.name == name
    }
}

impl PartialEq<&str> for LinkedDevice {
    fn eq(&self, name: &&str) -> bool {
        self.name == *name
    }
}

impl LinkedDevice {
    fn named(name: &str) -> Self {
        LinkedDevice {
            name: name.to_string(),
            sysfs_path: None,
        }
    }
}

/// `/sys/kernel/iommu_groups/N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IommuGroup {
    pub origin: Origin,
    pub group: u32,
    /// Default domain type (`DMA`, `identity`, ...), when known.
    pub domain_type: Option<String>,
    pub devices: Vec<LinkedDevice>,
}

/// `/sys/class/iommu/NAME`: an IOMMU instance registered with the IOMMU core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IommuInstance {
    pub origin: Origin,
    /// Class device name (`smmu3.0x0000000009050000`, `7f000000.sysmmu`).
    pub name: String,
    /// The device whose driver registered it (from the parent path), e.g. `9050000.smmuv3`.
    pub parent_device: Option<String>,
    /// Where the class device sits (`/sys/devices/.../iommu/NAME`), when known.
    pub sysfs_path: Option<String>,
    /// The path of the device that registered it, when known.
    pub parent_path: Option<String>,
    /// Devices linked below `devices/`.
    pub devices: Vec<LinkedDevice>,
}

/// One `waiting_for_supplier` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingForSupplier {
    pub origin: Origin,
    pub device: String,
    pub sysfs_path: String,
    pub waiting: bool,
}

/// Columns of the device table, in the order probescope writes them.
const TABLE_COLUMNS: [&str; 7] = [
    "bus",
    "device",
    "driver",
    "iommu_group",
    "iommu",
    "of_node",
    "sysfs_path",
];

/// The header line of the device table.
pub const DEVICE_TABLE_HEADER: &str = "#bus\tdevice\tdriver\tiommu_group\tiommu\tof_node\tsysfs_path";

fn dash_is_none(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty() && value != "-").then(|| value.to_string())
}

/// Reads the device table. A `#` header line may reorder the columns; rows that do not have
/// them all are reported and skipped.
pub fn parse_device_table(source: &SourceName, reader: impl BufRead) -> (Vec<DeviceEntry>, Vec<InputError>) {
    let mut columns: [usize; 7] = [0, 1, 2, 3, 4, 5, 6];
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let read_error = for_each_line(source, reader, |number, line| {
        if line.trim().is_empty() {
            return;
        }
        if let Some(header) = line.strip_prefix('#') {
            let names: Vec<&str> = header.split('\t').map(str::trim).collect();
            let positions: Option<Vec<usize>> = TABLE_COLUMNS
                .iter()
                .map(|c| names.iter().position(|n| n == c))
                .collect();
            if let Some(positions) = positions {
                for (slot, at) in columns.iter_mut().zip(positions) {
                    *slot = at;
                }
            }
            return;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let get = |column: usize| fields.get(columns[column]).copied();
        let (Some(name), Some(sysfs_path)) = (get(1), get(6)) else {
            errors.push(
                InputError::new(
                    &**source,
                    Location::Line(number),
                    "7 TAB-separated columns: bus, device, driver, iommu_group, iommu, of_node, sysfs_path",
                )
                .found(line),
            );
            return;
        };
        let iommu_group = match get(3).and_then(dash_is_none) {
            None => None,
            Some(text) => match text.parse::<u32>() {
                Ok(group) => Some(group),
                Err(_) => {
                    errors.push(
                        InputError::new(&**source, Location::Line(number), "an IOMMU group number or `-`")
                            .found(&text),
                    );
                    None
                }
            },
        };
        entries.push(DeviceEntry {
            origin: Origin::new(source, number),
            bus: get(0).and_then(dash_is_none),
            name: name.trim().to_string(),
            driver: get(2).and_then(dash_is_none),
            iommu_group,
            iommu: get(4).and_then(dash_is_none),
            of_node: get(5).and_then(dash_is_none),
            sysfs_path: dash_is_none(sysfs_path),
        });
    });
    errors.extend(read_error);
    (entries, errors)
}

/// Splits `key=value` words of a listing line.
fn field<'a>(words: &[&'a str], key: &str) -> Option<&'a str> {
    words.iter().find_map(|w| {
        w.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
            .filter(|v| !v.is_empty())
    })
}

fn basename(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path)
}

fn group_entry<'a>(
    groups: &'a mut BTreeMap<u32, IommuGroup>,
    group: u32,
    origin: &Origin,
) -> &'a mut IommuGroup {
    groups.entry(group).or_insert_with(|| IommuGroup {
        origin: origin.clone(),
        group,
        domain_type: None,
        devices: Vec::new(),
    })
}

/// Reads an IOMMU group listing (`group N type=T` + `  device D path=P`), or `grep -Hr .`
/// output under `/sys/kernel/iommu_groups`. Groups come out in number order.
pub fn parse_iommu_groups(source: &SourceName, reader: impl BufRead) -> (Vec<IommuGroup>, Vec<InputError>) {
    let mut groups: BTreeMap<u32, IommuGroup> = BTreeMap::new();
    let mut current: Option<u32> = None;
    let mut errors = Vec::new();
    let read_error = for_each_line(source, reader, |number, line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let origin = Origin::new(source, number);
        match words.as_slice() {
            ["group", number_text, ..] => match number_text.parse::<u32>() {
                Ok(group) => {
                    let entry = group_entry(&mut groups, group, &origin);
                    // `type=-`: the type could not be read.
                    if let Some(kind) = field(&words, "type").filter(|k| *k != "-") {
                        entry.domain_type = Some(kind.to_string());
                    }
                    current = Some(group);
                }
                Err(_) => errors.push(
                    InputError::new(&**source, Location::Line(number), "an IOMMU group number").found(line),
                ),
            },
            ["device", name, ..] if line.starts_with(char::is_whitespace) => {
                match current.and_then(|g| groups.get_mut(&g)) {
                    Some(group) => group.devices.push(LinkedDevice {
                        name: name.to_string(),
                        sysfs_path: field(&words, "path").filter(|p| *p != "-").map(str::to_string),
                    }),
                    None => errors.push(
                        InputError::new(
                            &**source,
                            Location::Line(number),
                            "a `group N` line before its devices",
                        )
                        .found(line),
                    ),
                }
            }
            _ => {
                // grep/find output: .../iommu_groups/N/type:T or .../iommu_groups/N/devices/D
                let Some(at) = line.find("iommu_groups/") else {
                    return;
                };
                let rest = &line[at + "iommu_groups/".len()..];
                let Some((number_text, after)) = rest.split_once('/') else {
                    return;
                };
                let Ok(group) = number_text.parse::<u32>() else {
                    return;
                };
                if let Some(kind) = after.strip_prefix("type:") {
                    group_entry(&mut groups, group, &origin).domain_type = Some(kind.trim().to_string());
                } else if let Some(device) = after.strip_prefix("devices/") {
                    let device = device.split_whitespace().next().unwrap_or_default();
                    if !device.is_empty() && !device.contains('/') {
                        group_entry(&mut groups, group, &origin)
                            .devices
                            .push(LinkedDevice::named(device));
                    }
                }
            }
        }
    });
    errors.extend(read_error);
    (groups.into_values().collect(), errors)
}

/// Reads an IOMMU instance listing (`iommu NAME path=P parent=P` + `  device D path=P`), or
/// `ls */devices` output taken in `/sys/class/iommu` (`NAME/devices:` then names).
pub fn parse_iommu_class(source: &SourceName, reader: impl BufRead) -> (Vec<IommuInstance>, Vec<InputError>) {
    let mut instances: Vec<IommuInstance> = Vec::new();
    let mut errors = Vec::new();
    let read_error = for_each_line(source, reader, |number, line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let origin = Origin::new(source, number);
        match words.as_slice() {
            [] => {}
            ["iommu", name, ..] => {
                let known = |key: &str| field(&words, key).filter(|p| *p != "-").map(str::to_string);
                instances.push(IommuInstance {
                    origin,
                    name: name.to_string(),
                    parent_device: known("parent").map(|p| basename(&p).to_string()),
                    sysfs_path: known("path"),
                    parent_path: known("parent"),
                    devices: Vec::new(),
                })
            }
            [header] if header.ends_with("/devices:") => {
                let name = header.trim_end_matches("/devices:");
                instances.push(IommuInstance {
                    origin,
                    name: name.to_string(),
                    parent_device: None,
                    sysfs_path: None,
                    parent_path: None,
                    devices: Vec::new(),
                });
            }
            ["device", name, ..] if line.starts_with(char::is_whitespace) => match instances.last_mut() {
                Some(instance) => instance.devices.push(LinkedDevice {
                    name: name.to_string(),
                    sysfs_path: field(&words, "path").filter(|p| *p != "-").map(str::to_string),
                }),
                None => errors.push(
                    InputError::new(
                        &**source,
                        Location::Line(number),
                        "an `iommu NAME` line before its devices",
                    )
                    .found(line),
                ),
            },
            names => match instances.last_mut() {
                // The `ls */devices` form lists names, several per line.
                Some(instance) if instance.parent_device.is_none() => {
                    instance
                        .devices
                        .extend(names.iter().map(|n| LinkedDevice::named(n)));
                }
                _ => errors.push(
                    InputError::new(
                        &**source,
                        Location::Line(number),
                        "`iommu NAME path=P parent=P`, `  device D path=P` or `NAME/devices:`",
                    )
                    .found(line),
                ),
            },
        }
    });
    errors.extend(read_error);
    (instances, errors)
}

/// Reads `path:value` lines of `waiting_for_supplier` attributes (`grep -r .` output).
pub fn parse_waiting_for_supplier(
    source: &SourceName,
    reader: impl BufRead,
) -> (Vec<WaitingForSupplier>, Vec<InputError>) {
    const ATTR: &str = "/waiting_for_supplier:";
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let read_error = for_each_line(source, reader, |number, line| {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        let Some(at) = line.rfind(ATTR) else {
            errors.push(
                InputError::new(
                    &**source,
                    Location::Line(number),
                    "`<device path>/waiting_for_supplier:<0 or 1>`",
                )
                .found(line),
            );
            return;
        };
        let path = &line[..at];
        let value = line[at + ATTR.len()..].trim();
        let waiting = match value {
            "0" => false,
            "1" => true,
            _ => {
                errors.push(
                    InputError::new(&**source, Location::Line(number), "waiting_for_supplier 0 or 1")
                        .found(value),
                );
                return;
            }
        };
        entries.push(WaitingForSupplier {
            origin: Origin::new(source, number),
            device: basename(path).to_string(),
            sysfs_path: path.to_string(),
            waiting,
        });
    });
    errors.extend(read_error);
    (entries, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn fixture(path: &str) -> BufReader<std::fs::File> {
        BufReader::new(
            std::fs::File::open(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
        )
    }

    fn source() -> SourceName {
        "listing.txt".into()
    }

    #[test]
    fn device_table_reads_dashes_as_none() {
        let (entries, errors) =
            parse_device_table(&source(), fixture("qemu/exynos-6.12/E1-exynos-early/drivers.txt"));
        assert!(errors.is_empty(), "{errors:?}");
        let pci = entries.iter().find(|e| e.name == "0000:00:03.0").unwrap();
        assert_eq!(pci.bus.as_deref(), Some("pci"));
        assert_eq!(pci.driver.as_deref(), Some("lab_dma"));
        assert_eq!(pci.iommu_group, Some(2));
        assert_eq!(pci.iommu.as_deref(), Some("7f050000.sysmmu"));
        assert_eq!(pci.of_node, None);
        assert_eq!(pci.origin.line, 31);
        let rtc = entries.iter().find(|e| e.name == "9010000.pl031").unwrap();
        assert_eq!(rtc.of_node.as_deref(), Some("/pl031@9010000"));
        assert_eq!(
            rtc.sysfs_path.as_deref(),
            Some("/sys/devices/platform/9010000.pl031")
        );
    }

    #[test]
    fn device_table_reports_short_rows_and_bad_groups() {
        let text = format!(
            "{DEVICE_TABLE_HEADER}\npci\tx\n\
                            pci\ty\t-\tseven\t-\t-\t/sys/devices/y\n"
        );
        let (entries, errors) = parse_device_table(&source(), text.as_bytes());
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].iommu_group, None);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].position, Location::Line(2));
        assert_eq!(errors[1].position, Location::Line(3));
    }

    #[test]
    fn iommu_groups_listing() {
        let (groups, errors) = parse_iommu_groups(
            &source(),
            fixture("qemu/smmuv3-6.1/S0-builtin-stock/iommu_groups.txt"),
        );
        assert!(errors.is_empty());
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].group, 0);
        assert_eq!(groups[0].domain_type.as_deref(), Some("DMA"));
        assert_eq!(groups[0].devices, ["0000:00:05.0", "0000:01:00.0"]);
    }

    #[test]
    fn iommu_groups_grep_paste_gives_eleven_identity_groups() {
        let (groups, errors) = parse_iommu_groups(
            &source(),
            fixture("public/exynos5422-odroidxu3-iommu_groups-type-grep-identity.txt"),
        );
        assert!(errors.is_empty());
        assert_eq!(groups.len(), 11);
        assert!(groups
            .iter()
            .all(|g| g.domain_type.as_deref() == Some("identity")));
        let numbers: Vec<u32> = groups.iter().map(|g| g.group).collect();
        assert_eq!(numbers, (0..11).collect::<Vec<_>>());
    }

    #[test]
    fn iommu_class_listing() {
        let (instances, errors) = parse_iommu_class(
            &source(),
            fixture("qemu/exynos-6.12/E1-exynos-early/iommu_class.txt"),
        );
        assert!(errors.is_empty());
        assert_eq!(instances.len(), 5);
        assert_eq!(instances[0].name, "7f000000.sysmmu");
        assert_eq!(instances[0].parent_device.as_deref(), Some("7f000000.sysmmu"));
        assert_eq!(instances[0].devices, ["7f040000.dma-controller"]);
        assert!(instances[2].devices.is_empty());
        assert_eq!(instances[4].devices, ["0000:00:03.0"]);
    }

    #[test]
    fn iommu_class_ls_paste() {
        let file = fixture("public/pixel6-gs101-sys-class-iommu-devices-listing.txt");
        // Only the listing block of the mail: from the `ls` command to the signature.
        let text: String = std::io::BufRead::lines(file)
            .map(|l| l.unwrap())
            .skip_while(|l| !l.contains("ls */devices"))
            .skip(1)
            .take_while(|l| !l.starts_with("Bart"))
            .map(|l| l + "\n")
            .collect();
        let (instances, errors) = parse_iommu_class(&source(), text.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(instances.len(), 27);
        assert_eq!(instances.iter().filter(|i| i.devices.is_empty()).count(), 10);
        // MANIFEST.md says "26 consumer entries"; the listing itself names 21 devices (17
        // instances with consumers, 4 of them with two).
        assert_eq!(instances.iter().map(|i| i.devices.len()).sum::<usize>(), 21);
        let two = instances.iter().filter(|i| i.devices.len() == 2).count();
        assert_eq!(two, 4);
        let mfc = instances.iter().find(|i| i.name == "1c870000.sysmmu").unwrap();
        assert_eq!(mfc.devices, ["1c8d0000.MFC-0", "mfc"]);
    }

    #[test]
    fn waiting_for_supplier_lines() {
        let (entries, errors) = parse_waiting_for_supplier(
            &source(),
            fixture("qemu/smmuv3-6.1/S3-strict-late/waiting_for_supplier-before-timeout.txt"),
        );
        assert!(errors.is_empty());
        let bridge = entries.iter().find(|e| e.device == "4010000000.pcie").unwrap();
        assert_eq!(bridge.sysfs_path, "/sys/devices/platform/4010000000.pcie");
        assert!(!bridge.waiting);
        let (_, errors) =
            parse_waiting_for_supplier(&source(), "/sys/devices/x/waiting_for_supplier:2\n".as_bytes());
        assert_eq!(errors.len(), 1);
    }
}
