//! Probe, deferral and bind events on one time line.

use super::{BootTime, Deferral, DeviceId, Evidence};
use std::cmp::Ordering;

/// Where on the boot's time line something happened. Log positions are totally ordered by
/// record order (timestamps are shown, not trusted for order: they may be absent). Snapshot
/// positions are ordered among themselves; how a snapshot falls among log records is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Position {
    Log { index: u64, time: Option<BootTime> },
    Snapshot { index: usize },
}

impl Position {
    /// Order of two positions when the evidence allows one.
    pub fn ordering(&self, other: &Position) -> Option<Ordering> {
        match (self, other) {
            (Position::Log { index: a, .. }, Position::Log { index: b, .. }) => Some(a.cmp(b)),
            (Position::Snapshot { index: a }, Position::Snapshot { index: b }) => Some(a.cmp(b)),
            _ => None,
        }
    }

    pub fn log_index(&self) -> Option<u64> {
        match self {
            Position::Log { index, .. } => Some(*index),
            Position::Snapshot { .. } => None,
        }
    }

    pub fn time(&self) -> Option<BootTime> {
        match self {
            Position::Log { time, .. } => *time,
            Position::Snapshot { .. } => None,
        }
    }
}

/// How a bind was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindBasis {
    /// The driver core's own `driver_bound` / `bound device ... to driver` debug line.
    DriverBoundLine,
    /// `probe of X returned 0` (initcall_debug, v5.14+ meaning).
    ProbeReturnedZero,
    /// "deferred probe timeout, ignoring dependency": the probe that went ahead.
    WentAheadIgnoringDependency,
    /// The first line printed with the driver's name as prefix after the last deferral
    /// (`dev_driver_string()` names the driver only while `dev->driver` is set).
    DriverPrefixedLine,
    /// A snapshot shows a bound driver.
    Snapshot,
}

impl BindBasis {
    pub fn describe(self) -> &'static str {
        match self {
            BindBasis::DriverBoundLine => "the driver core's driver_bound line",
            BindBasis::ProbeReturnedZero => "the initcall_debug probe line",
            BindBasis::WentAheadIgnoringDependency => "its \"ignoring dependency\" line",
            BindBasis::DriverPrefixedLine => "the first line its driver printed",
            BindBasis::Snapshot => "a sysfs snapshot",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// A probe attempt deferred.
    Deferred {
        deferral: Option<Deferral>,
    },
    /// The kernel let the device probe without an opted-in supplier (an IOMMU).
    IgnoredDependency {
        assumed_no_driver: bool,
    },
    /// Still deferred when the deferred-probe timeout fired.
    DeferredPending {
        deferral: Option<Deferral>,
    },
    /// A driver bound (the earliest evidence of the successful probe).
    Bound {
        driver: Option<String>,
        basis: BindBasis,
    },
    ProbeFailed {
        driver: String,
        errno: i32,
    },
    JoinedIommuGroup {
        group: u32,
    },
    IommuGroupFailed {
        detail: String,
    },
    LateIommuProbe,
    IommuConfigFailed {
        error: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub device: DeviceId,
    pub position: Position,
    pub kind: EventKind,
    pub evidence: Evidence,
}
