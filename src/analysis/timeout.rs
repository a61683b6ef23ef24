//! The deferred-probe timeout of one boot: how long the kernel waited for suppliers
//! (`deferred_probe_timeout=`, else the default of the kernel's version) and when it fired.
//!
//! Kernel behaviour relied on (drivers/base/dd.c): `deferred_probe_timeout_setup()` reads the
//! parameter with `kstrtoint()`; the default is 10 s since v6.0 (`CONFIG_MODULES`), 0 from
//! v5.7 to v5.18 (`driver_deferred_probe_check_state()` then gives up at `late_initcall`);
//! when it fires, `deferred_probe_timeout_work_func()` prints "deferred probe pending" for
//! each device still waiting and lets consumers probe "ignoring dependency".

use crate::model::context::Cmdline;
use crate::model::{Boot, BootTime, Evidence};

/// How long the kernel waited for suppliers, and when it stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeoutBudget {
    /// `deferred_probe_timeout=` as the command line sets it.
    pub configured: Option<i64>,
    /// The timeout in seconds: the configured one, else this kernel version's default.
    pub seconds: Option<f64>,
    /// The first line showing the timeout fired, when the log has one.
    pub fired: Option<TimeoutFired>,
}

/// The first record of the timeout's work: an "ignoring dependency" probe or a "deferred
/// probe pending" line.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeoutFired {
    pub index: u64,
    pub time: Option<BootTime>,
    pub evidence: Evidence,
}

impl TimeoutBudget {
    pub fn new(boot: &Boot, cmdline: Option<&Cmdline>, kernel_version: Option<(u32, u32)>) -> TimeoutBudget {
        let configured = cmdline.and_then(|c| c.deferred_probe_timeout);
        let default = kernel_version.and_then(|(major, minor)| match (major, minor) {
            (major, _) if major >= 6 => Some(10.0),
            (5, minor) if (7..=18).contains(&minor) => Some(0.0),
            _ => None,
        });
        let timeout_work = boot
            .events
            .iter()
            .filter(|e| e.kind.is_timeout_work())
            .map(|e| TimeoutFired {
                index: e.position.log_index().unwrap_or(0),
                time: e.position.time(),
                evidence: e.evidence.clone(),
            });
        TimeoutBudget {
            configured,
            seconds: configured.map(|value| value as f64).or(default),
            fired: timeout_work.min_by_key(|fired| fired.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceId, Event, EventKind, Origin, Position};

    fn pending_line(index: u64) -> Event {
        Event {
            device: DeviceId(0),
            position: Position::Log { index, time: None },
            evidence: Evidence::new(
                Origin {
                    file: "dmesg.txt".into(),
                    line: index as u32 + 1,
                },
                "deferred probe pending",
            ),
            kind: EventKind::DeferredPending { deferral: None },
        }
    }

    #[test]
    fn the_command_line_wins_over_the_version_default_and_the_first_line_says_when_it_fired() {
        let mut boot = Boot::default();
        boot.events.extend([pending_line(30), pending_line(40)]);
        let by_default = TimeoutBudget::new(&boot, None, Some((6, 1)));
        assert_eq!((by_default.configured, by_default.seconds), (None, Some(10.0)));
        assert_eq!(by_default.fired.map(|f| f.index), Some(30));
        assert_eq!(TimeoutBudget::new(&boot, None, Some((5, 10))).seconds, Some(0.0));
        assert_eq!(TimeoutBudget::new(&boot, None, Some((5, 4))).seconds, None);
        let cmdline = Cmdline {
            deferred_probe_timeout: Some(30),
            ..Cmdline::default()
        };
        let configured = TimeoutBudget::new(&boot, Some(&cmdline), Some((5, 10)));
        assert_eq!(
            (configured.configured, configured.seconds),
            (Some(30), Some(30.0))
        );
        assert_eq!(TimeoutBudget::new(&Boot::default(), None, None).fired, None);
    }
}
