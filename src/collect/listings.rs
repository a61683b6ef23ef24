//! The sysfs parts of a bundle: what the typed readers (`ingest::sysfs::readers`) gathered on
//! the target, written in the corpus capture formats that `ingest` parses back (so bundles
//! written before, and the QEMU corpus captures, read the same way), and the manifest status of
//! each part from how its reads went.

use crate::ingest::bundle::ItemStatus;
use crate::ingest::devlink::DevlinkRecord;
use crate::ingest::listing::{
    DeviceEntry, IommuGroup, IommuInstance, LinkedDevice, WaitingForSupplier, DEVICE_TABLE_HEADER,
};
use crate::ingest::sysfs::layout::DEVLINK_CLASS;
use crate::ingest::sysfs::{PartAccount, SysfsErrorKind};

/// `grep -r . /sys/class/devlink/*/` lines, then `<link>/{supplier,consumer} -> <target>` lines.
pub fn devlink_dump(records: &[DevlinkRecord]) -> Vec<u8> {
    let mut attributes = String::new();
    let mut ends = String::new();
    for record in records {
        let dir = format!("{DEVLINK_CLASS}/{}", record.name);
        let flag = |value: bool| if value { "1" } else { "0" };
        // In the order `grep -r` lists them (by file name).
        let values = [
            ("auto_remove_on", record.auto_remove_on.as_deref()),
            ("runtime_pm", record.runtime_pm.map(flag)),
            ("status", record.status.map(|status| status.as_str())),
            ("sync_state_only", record.sync_state_only.map(flag)),
        ];
        for (attr, value) in values {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                attributes.push_str(&format!("{dir}/{attr}:{value}\n"));
            }
        }
        for (end, target) in [
            ("supplier", &record.supplier_target),
            ("consumer", &record.consumer_target),
        ] {
            if let Some(target) = target {
                ends.push_str(&format!("{dir}/{end} -> {target}\n"));
            }
        }
    }
    attributes.push_str(&ends);
    attributes.into_bytes()
}

/// `path:value` of every `waiting_for_supplier` attribute, sorted by the attribute's path (as
/// `find | sort` gives them).
pub fn waiting_for_supplier(records: &[WaitingForSupplier]) -> Vec<u8> {
    let mut lines: Vec<String> = records
        .iter()
        .map(|record| {
            let value = if record.waiting { 1 } else { 0 };
            format!("{}/waiting_for_supplier:{value}\n", record.sysfs_path)
        })
        .collect();
    lines.sort();
    lines.concat().into_bytes()
}

/// One row per device of every bus: bus, device, driver, iommu_group, iommu, of_node, sysfs path.
pub fn device_table(records: &[DeviceEntry]) -> Vec<u8> {
    let mut rows: Vec<(&str, &str, String)> = records
        .iter()
        .map(|device| {
            let bus = device.bus.as_deref().unwrap_or("-");
            let group = device.iommu_group.map(|group| group.to_string());
            let row = [
                Some(bus),
                Some(device.name.as_str()),
                device.driver.as_deref(),
                group.as_deref(),
                device.iommu.as_deref(),
                device.of_node.as_deref(),
                device.sysfs_path.as_deref(),
            ]
            .map(|cell| cell.unwrap_or("-"))
            .join("\t");
            (bus, device.name.as_str(), row)
        })
        .collect();
    rows.sort();
    let mut out = format!("{DEVICE_TABLE_HEADER}\n");
    for (_, _, row) in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out.into_bytes()
}

/// `group N type=T` and its `  device D path=P` lines, groups in numeric order.
pub fn iommu_groups(records: &[IommuGroup]) -> Vec<u8> {
    let mut out = String::new();
    for group in records {
        let domain_type = group.domain_type.as_deref().unwrap_or("-");
        out.push_str(&format!("group {} type={domain_type}\n", group.group));
        member_lines(&mut out, &group.devices);
    }
    out.into_bytes()
}

/// `iommu NAME path=P parent=P` and its `  device D path=P` lines.
pub fn iommu_class(records: &[IommuInstance]) -> Vec<u8> {
    let mut out = String::new();
    for instance in records {
        out.push_str(&format!(
            "iommu {} path={} parent={}\n",
            instance.name,
            instance.sysfs_path.as_deref().unwrap_or("-"),
            instance.parent_path.as_deref().unwrap_or("-")
        ));
        member_lines(&mut out, &instance.devices);
    }
    out.into_bytes()
}

fn member_lines(out: &mut String, devices: &[LinkedDevice]) {
    for device in devices {
        out.push_str(&format!(
            "  device {} path={}\n",
            device.name,
            device.sysfs_path.as_deref().unwrap_or("-")
        ));
    }
}

/// The manifest status of a part from how its reads went, with a note saying why.
pub fn part_status(account: &PartAccount) -> (ItemStatus, Option<String>) {
    let root_failure = match account.root.as_ref().map(|error| &error.kind) {
        Some(SysfsErrorKind::Missing) => return (ItemStatus::Missing, None),
        Some(SysfsErrorKind::Denied) => {
            return (
                ItemStatus::PermissionDenied,
                Some("the directory is not readable; collect as root for a full listing".into()),
            )
        }
        Some(_) => account.root.as_ref(),
        None => None,
    };
    if account.denied > 0 {
        return (
            ItemStatus::PermissionDenied,
            Some(format!(
                "{} entries were not readable; collect as root for a full listing",
                account.denied
            )),
        );
    }
    let mut failures = root_failure.into_iter().chain(&account.failures);
    if let Some(first) = failures.next() {
        let more = failures.count();
        let tail = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        return (ItemStatus::Error, Some(format!("{first}{tail}")));
    }
    (ItemStatus::Ok, None)
}
