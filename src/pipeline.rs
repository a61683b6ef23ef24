//! The analysis pipeline as a library: one boot's inputs → model → analysis → rules → report,
//! and many boots run in parallel with their outcomes in plan order. Commands resolve their
//! arguments, call this, and pick a renderer.
//!
//! Layer: above rules and report, below commands; imports no clap types.

use crate::analysis::blockers::Moment;
use crate::error::{Error, Result};
use crate::model::Boot;
use crate::sanitize::escape_control;

/// The moment `--at LABEL` names (the end of the capture without one), or a usage error that
/// lists the snapshots the boot has.
pub fn moment(boot: &Boot, at: Option<&str>) -> Result<Moment> {
    Moment::named(boot, at).ok_or_else(|| {
        Error::Usage(format!(
            "no snapshot `{}`; the inputs have: {}",
            escape_control(at.unwrap_or_default()),
            if boot.snapshots.is_empty() {
                "none".to_string()
            } else {
                boot.snapshots.join(", ")
            }
        ))
    })
}

/// The device a command line names (kernel name, `bus:name`, DT path or sysfs path), or a
/// usage error saying which names are accepted.
pub fn device(boot: &Boot, name: &str) -> Result<crate::model::DeviceId> {
    boot.find(name).ok_or_else(|| {
        Error::Usage(format!(
            "no device `{}` in the inputs (give its kernel name, bus:name, DT path or sysfs path)",
            escape_control(name)
        ))
    })
}
