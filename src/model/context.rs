//! What the kernel's context says, as read from `/proc/cmdline`, `/proc/modules` and the kernel
//! config by `ingest::context`.

use super::Origin;
use std::collections::BTreeMap;

/// The fw_devlink and deferred-probe settings of a kernel command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cmdline {
    pub origin: Option<Origin>,
    pub text: String,
    /// `fw_devlink=` value as written (`on`, `permissive`, `off`, `rpm`; the kernel ignores
    /// any other value, `fw_devlink_setup()` in drivers/base/core.c).
    pub fw_devlink: Option<String>,
    /// `fw_devlink.strict=` parsed as a kernel bool (`1`, `y`, `Y`, `true`, `on`).
    pub fw_devlink_strict: Option<bool>,
    /// `fw_devlink.sync_state=`.
    pub fw_devlink_sync_state: Option<String>,
    /// `deferred_probe_timeout=` seconds (-1 = forever on kernels that accept it).
    pub deferred_probe_timeout: Option<i64>,
    pub initcall_debug: bool,
    /// `initcall_blacklist=` functions.
    pub initcall_blacklist: Vec<String>,
    /// `module_blacklist=` / `modprobe.blacklist=` modules.
    pub module_blacklist: Vec<String>,
}

/// One line of `/proc/modules`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleEntry {
    pub origin: Origin,
    pub name: String,
    pub size: u64,
    pub used_by: Vec<String>,
    /// `Live`, `Loading`, `Unloading`.
    pub state: String,
    /// Taint flags between parentheses (`OE`), if any.
    pub taints: Option<String>,
}

/// A kernel config: `CONFIG_X=y|m|"string"|n` (`# CONFIG_X is not set` = `n`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelConfig {
    pub origin: Option<Origin>,
    pub options: BTreeMap<String, String>,
}

impl KernelConfig {
    pub fn get(&self, option: &str) -> Option<&str> {
        self.options.get(option).map(String::as_str)
    }
}
