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

/// How a bind, or a probe that ran, was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindBasis {
    /// The driver core's own `driver_bound` / `bound device ... to driver` debug line.
    DriverBoundLine,
    /// `probe of X returned N` (initcall_debug) with the value that means success in this
    /// kernel: 0 from ~v5.14 (`really_probe()` returns 0 once bound), 1 before.
    ProbeReturnedSuccess,
    /// "deferred probe timeout, ignoring dependency": the probe went ahead (printed before
    /// the driver's probe runs, so it does not show the probe succeeding).
    WentAheadIgnoringDependency,
    /// The first line printed with the driver's name as prefix after the last setback:
    /// `dev_driver_string()` names the driver only while `dev->driver` is set, which
    /// `really_probe()` does before calling the probe; so the line shows the driver probing or
    /// bound, not which (dev_err_probe and "Failed to ..." lines have this prefix too).
    DriverPrefixedLine,
    /// A snapshot shows a bound driver (the sysfs `driver` link, or a managed device link's
    /// state: `available`/`consumer probing`/`active` for a supplier, `active` for a consumer).
    Snapshot,
}

/// What a piece of evidence proves about a device's driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindStrength {
    /// The driver bound: the driver core said so, or sysfs showed it.
    Bound,
    /// The driver's probe ran (or was running) at that point; whether it succeeded is not
    /// shown.
    ProbeRan,
}

impl BindBasis {
    pub fn describe(self) -> &'static str {
        match self {
            BindBasis::DriverBoundLine => "the driver core's driver_bound line",
            BindBasis::ProbeReturnedSuccess => "the initcall_debug probe line",
            BindBasis::WentAheadIgnoringDependency => "its \"ignoring dependency\" line",
            BindBasis::DriverPrefixedLine => "the first line its driver printed",
            BindBasis::Snapshot => "a sysfs snapshot",
        }
    }

    /// What this kind of evidence proves.
    pub fn strength(self) -> BindStrength {
        match self {
            BindBasis::DriverBoundLine | BindBasis::ProbeReturnedSuccess | BindBasis::Snapshot => {
                BindStrength::Bound
            }
            BindBasis::WentAheadIgnoringDependency | BindBasis::DriverPrefixedLine => BindStrength::ProbeRan,
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
    /// A driver bound (the earliest evidence of the successful probe; the basis is of
    /// [`BindStrength::Bound`]).
    Bound {
        driver: Option<String>,
        basis: BindBasis,
    },
    /// A driver's probe ran, the evidence not showing its outcome (the basis is of
    /// [`BindStrength::ProbeRan`]): earlier than, or instead of, a `Bound` event.
    ProbeRan {
        driver: Option<String>,
        basis: BindBasis,
    },
    ProbeFailed {
        driver: String,
        errno: i32,
    },
    /// The driver declined the device (-ENODEV or -ENXIO from its probe: "not my device"); the
    /// device is left without a driver and off the deferred list, and no failure is reported.
    ProbeDeclined {
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

impl EventKind {
    /// Whether this marks the kernel giving up waiting for suppliers: a device let go without an
    /// optional supplier ("… ignoring dependency"), or one listed as still pending when the
    /// deferred-probe timeout fired (drivers/base/dd.c).
    pub fn is_timeout_work(&self) -> bool {
        matches!(
            self,
            EventKind::IgnoredDependency { .. } | EventKind::DeferredPending { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub device: DeviceId,
    pub position: Position,
    pub kind: EventKind,
    pub evidence: Evidence,
}
