//! An IOMMU's readiness is its registration: over every QEMU capture, the device the analysis
//! takes as registering each IOMMU is the one the capture's truth names as the device the IOMMU
//! driver binds (`driver_device`: the virtio device below a virtio-iommu PCI function, the
//! platform device of an SMMU), and the firmware the analysis sees is the one the truth names.

use crate::support::corpus::{qemu_scenarios as scenarios, truth};
use probescope::analysis::firmware::{firmware, Firmware};
use probescope::analysis::readiness::registrar;
use probescope::commands::check::analyse;
use probescope::ingest::discover::InputSpec;

#[test]
fn the_registering_device_and_the_firmware_are_the_truths() {
    let mut through_a_child = 0;
    for dir in scenarios() {
        let truth = truth(&dir);
        let spec = InputSpec {
            paths: vec![dir.clone()],
            ..InputSpec::default()
        };
        let (boot, _) = analyse(&spec).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        for iommu in truth["iommus"].as_array().unwrap() {
            let (Some(device), Some(driver_device)) =
                (iommu["device"].as_str(), iommu["driver_device"].as_str())
            else {
                continue;
            };
            let id = boot
                .find_by_name(device)
                .unwrap_or_else(|| panic!("{}: no device {device}", dir.display()));
            let found = &boot.device(registrar(&boot, id)).name;
            assert_eq!(found, driver_device, "{}: {device}", dir.display());
            through_a_child += usize::from(device != driver_device);
        }
        let expected = match truth["summary"]["firmware"].as_str() {
            Some("acpi") => Firmware::Acpi,
            // The older sets predate the field: all of them booted with a device tree.
            _ => Firmware::DeviceTree,
        };
        assert_eq!(firmware(&boot), expected, "{}", dir.display());
    }
    assert!(
        through_a_child >= 6,
        "virtio-iommu captures register through a child"
    );
}
