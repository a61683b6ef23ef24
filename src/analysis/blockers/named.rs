//! The report edge of the blocker analysis: obstacles and causes with kernel names instead of
//! device ids, as `why`, the rules' messages and the JSON show them.

use super::{Cause, Obstacle};
use crate::model::{Boot, DeviceId, Evidence};
use serde::Serialize;

/// What ends a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Blocker {
    /// A supplier firmware node that never became a device.
    NoDevice { supplier: String },
    /// A supplier device whose driver never bound (no driver matched, or its module was never
    /// loaded) and that is not waiting for anything itself.
    NeverBound {
        device: String,
        is_iommu: bool,
        /// The snapshot analysed, when not the end of the capture ("no driver yet" then).
        at: Option<String>,
    },
    /// A supplier whose probe failed.
    ProbeFailed {
        device: String,
        driver: String,
        errno: i32,
    },
    /// Devices that wait for each other.
    Cycle { devices: Vec<String> },
    /// The driver's own reason, naming no supplier (`dev_err_probe()` text).
    DriverReason { device: String, reason: String },
    /// Deferred, and nothing in the evidence says why.
    Unexplained { device: String },
    /// A supplier the capture does not show bound or unbound (a log without bind lines and no
    /// snapshot of it): it may be what blocks, or it may have bound silently.
    BindUnknown { device: String },
    /// The chain goes on past the depth a report spells out; `probescope why` follows it.
    ChainGoesOn { device: String, depth: usize },
}

impl Blocker {
    /// The devices (or firmware nodes) the blocker names.
    pub fn names(&self) -> Vec<String> {
        match self {
            Blocker::NoDevice { supplier } => vec![supplier.clone()],
            Blocker::NeverBound { device, .. }
            | Blocker::ProbeFailed { device, .. }
            | Blocker::DriverReason { device, .. }
            | Blocker::Unexplained { device }
            | Blocker::BindUnknown { device } => vec![device.clone()],
            Blocker::ChainGoesOn { device, .. } => vec![device.clone()],
            Blocker::Cycle { devices } => devices.clone(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Blocker::NoDevice { supplier } => format!("supplier {supplier} never became a device"),
            Blocker::NeverBound { device, is_iommu, at } => {
                let what = if *is_iommu {
                    format!("IOMMU {device}")
                } else {
                    device.clone()
                };
                match at {
                    Some(label) => format!("{what} had no driver bound yet at snapshot {label}"),
                    None => format!(
                        "{what} exists but its driver never bound (module not loaded, or no driver matched)"
                    ),
                }
            }
            Blocker::ProbeFailed {
                device,
                driver,
                errno,
            } => {
                format!(
                    "{device}: probe with driver {driver} failed with error {}",
                    errno_name(*errno)
                )
            }
            Blocker::Cycle { devices } => format!("dependency cycle: {}", devices.join(" -> ")),
            Blocker::DriverReason { device, reason } => format!("{device}: the driver says: {reason}"),
            Blocker::Unexplained { device } => {
                format!("{device} is deferred and the capture does not say why")
            }
            Blocker::BindUnknown { device } => {
                format!("the capture does not show whether {device} bound (no bind line, no snapshot)")
            }
            Blocker::ChainGoesOn { device, depth } => format!(
                "the chain of waits goes on past {depth} suppliers (at {device}); \
                 `probescope why` follows it to its end"
            ),
        }
    }
}

/// One root cause with the chain of devices from the one asked about to the blocker, named
/// for reports (see [`Cause`]).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct RootCause {
    pub blocker: Blocker,
    /// Kernel names, starting with the device asked about.
    pub chain: Vec<String>,
    /// One line per step: why each device waits for the next.
    pub steps: Vec<String>,
    pub evidence: Vec<Evidence>,
}

impl Obstacle {
    /// The obstacle with kernel names, for reports.
    pub fn named(&self, boot: &Boot) -> Blocker {
        let name = |id: &DeviceId| boot.device(*id).name.clone();
        match self {
            Obstacle::NoDevice { supplier } => Blocker::NoDevice {
                supplier: supplier.clone(),
            },
            Obstacle::NeverBound { device, at } => Blocker::NeverBound {
                device: name(device),
                is_iommu: boot.device(*device).is_iommu,
                at: at.clone(),
            },
            Obstacle::ProbeFailed {
                device,
                driver,
                errno,
            } => Blocker::ProbeFailed {
                device: name(device),
                driver: driver.clone(),
                errno: *errno,
            },
            Obstacle::Cycle { devices } => Blocker::Cycle {
                devices: devices.iter().map(name).collect(),
            },
            Obstacle::DriverReason { device, reason } => Blocker::DriverReason {
                device: name(device),
                reason: reason.clone(),
            },
            Obstacle::Unexplained { device } => Blocker::Unexplained { device: name(device) },
            Obstacle::BindUnknown { device } => Blocker::BindUnknown { device: name(device) },
            Obstacle::ChainGoesOn { device, depth } => Blocker::ChainGoesOn {
                device: name(device),
                depth: *depth,
            },
        }
    }
}

impl Cause {
    /// The cause with kernel names, for reports.
    pub fn named(&self, boot: &Boot) -> RootCause {
        RootCause {
            blocker: self.obstacle.named(boot),
            chain: self
                .chain
                .iter()
                .map(|id| boot.device(*id).name.clone())
                .collect(),
            steps: self.steps.clone(),
            evidence: self.evidence.clone(),
        }
    }
}

/// `-EPROBE_DEFER`-style names for the errno values probes return.
pub fn errno_name(errno: i32) -> String {
    let name = match errno.abs() {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        6 => "ENXIO",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        34 => "ERANGE",
        61 => "ENODATA",
        95 => "EOPNOTSUPP",
        110 => "ETIMEDOUT",
        517 => "EPROBE_DEFER",
        _ => return errno.to_string(),
    };
    format!("-{name} ({})", -errno.abs())
}
