//! The live system as an input: what `check` reads when no input is named. Only reads.

use crate::ingest::discover::InputSpec;
use std::path::{Path, PathBuf};

/// The live system's evidence: the kernel log, /sys, the device tree, /proc files.
pub fn live_spec() -> InputSpec {
    let existing = |path: &str| Some(PathBuf::from(path)).filter(|p| Path::new(p).exists());
    InputSpec {
        dmesg: existing("/dev/kmsg").into_iter().collect(),
        sysfs_root: existing("/sys"),
        dtb: existing("/sys/firmware/fdt"),
        cmdline: existing("/proc/cmdline"),
        modules: existing("/proc/modules"),
        kconfig: existing("/proc/config.gz"),
        ..InputSpec::default()
    }
}
