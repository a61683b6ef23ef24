//! Which device a firmware node became: the one resolver every layer uses to turn a DT path
//! (as fw_devlink messages, drivers and users name a node) into the kernel's device name, so
//! that one device has one name in every output.

use super::{Boot, DeviceId};

impl Boot {
    /// The device a firmware node (or device) name became: any name [`Boot::find`] knows (kernel
    /// name, `bus:name`, DT path, sysfs path), or, with no device tree to look the path up in,
    /// the name the kernel gives a DT platform device, `<unit address>.<node name>`
    /// (`drivers/of/platform.c` `of_device_make_bus_id()`, which uses the translated `reg`
    /// address: the unit address on the SoCs whose logs name both). `None` when no device
    /// answers to it.
    pub fn find_node(&self, node: &str) -> Option<DeviceId> {
        if let Some(id) = self.find(node) {
            return Some(id);
        }
        let (_, last) = node.rsplit_once('/')?;
        let (name, address) = last.split_once('@')?;
        self.find_by_name(&format!("{address}.{name}"))
    }

    /// The kernel's name for the device a firmware node became; the node's own name when no
    /// device answers to it.
    pub fn node_device_name(&self, node: &str) -> String {
        match self.find_node(node) {
            Some(id) => self.device(id).name.clone(),
            None => node.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Boot, Device};

    fn boot_with(names: &[&str]) -> Boot {
        let mut boot = Boot::default();
        for name in names {
            boot.add_device(Device {
                name: name.to_string(),
                ..Device::default()
            });
        }
        boot
    }

    #[test]
    fn a_dt_path_without_a_device_tree_finds_the_platform_device_of_its_unit_address() {
        let boot = boot_with(&["14013000.dsi", "10006000.syscon"]);
        assert_eq!(boot.node_device_name("/soc/dsi@14013000"), "14013000.dsi");
        assert_eq!(boot.node_device_name("14013000.dsi"), "14013000.dsi");
        // No unit address, or no device with it: the node keeps its path.
        assert_eq!(
            boot.node_device_name("/soc/syscon@10006000/power-controller"),
            "/soc/syscon@10006000/power-controller"
        );
        assert_eq!(boot.node_device_name("/soc/i2c@11007000"), "/soc/i2c@11007000");
        assert!(boot.find_node("dsi@14013000").is_none(), "a path starts with `/`");
    }
}
