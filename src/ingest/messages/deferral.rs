//! Deferral reasons as the kernel stores them (`device_set_deferred_probe_reason()` in
//! drivers/base/dd.c: `"%s: %pV"` = `<dev_driver_string>: <message>`) and as log lines show
//! them ("deferred probe pending: X", `error -EPROBE_DEFER: X`, `probe deferral - X`).

use super::{DeferReason, Deferral};

/// What v6.8+ prints after "deferred probe pending: " when no reason was recorded.
const REASON_UNKNOWN: &str = "(reason unknown)";

impl Deferral {
    /// Parses a stored reason, `<driver-or-bus>: <message>`; the first part is optional.
    pub fn parse(text: &str) -> Deferral {
        let text = text.trim();
        if text.is_empty() || text == REASON_UNKNOWN {
            return Deferral {
                recorded_by: None,
                reason: DeferReason::Empty,
            };
        }
        match text.split_once(": ") {
            Some((by, message)) if !by.is_empty() && !by.contains(char::is_whitespace) => Deferral {
                recorded_by: Some(by.to_string()),
                reason: DeferReason::parse(message),
            },
            _ => Deferral {
                recorded_by: None,
                reason: DeferReason::parse(text),
            },
        }
    }
}

impl DeferReason {
    /// Parses the message part of a reason (after the `<driver-or-bus>: ` part).
    pub fn parse(message: &str) -> DeferReason {
        let message = message.trim();
        if message.is_empty() {
            return DeferReason::Empty;
        }
        // v5.10-v5.15 printed the driver core's reasons as "probe deferral - ..." (dev_dbg in
        // device_links_check_suppliers()); v5.16+ stores them without it.
        let core = message
            .strip_prefix("probe deferral - ")
            .unwrap_or(message)
            .trim();
        if let Some(fwnode) = core.strip_prefix("wait for supplier ") {
            let fwnode = fwnode.trim();
            if !fwnode.is_empty() && !fwnode.contains(char::is_whitespace) {
                return DeferReason::WaitForSupplier {
                    fwnode: fwnode.to_string(),
                };
            }
        }
        if let Some(supplier) = core
            .strip_prefix("supplier ")
            .and_then(|rest| rest.strip_suffix(" not ready"))
        {
            let supplier = supplier.trim();
            if !supplier.is_empty() && !supplier.contains(char::is_whitespace) {
                return DeferReason::SupplierNotReady {
                    supplier: supplier.to_string(),
                };
            }
        }
        DeferReason::Text(message.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_driver_core_reasons_of_every_era() {
        // kernelci-mt8186-steelix-serial-deferred-timeout.txt (6.13)
        assert_eq!(
            Deferral::parse("platform: supplier 10006000.syscon:power-controller not ready"),
            Deferral {
                recorded_by: Some("platform".into()),
                reason: DeferReason::SupplierNotReady {
                    supplier: "10006000.syscon:power-controller".into()
                }
            }
        );
        assert_eq!(
            Deferral::parse("platform: wait for supplier /soc@0/sysmmu@10a60000"),
            Deferral {
                recorded_by: Some("platform".into()),
                reason: DeferReason::WaitForSupplier {
                    fwnode: "/soc@0/sysmmu@10a60000".into()
                }
            }
        );
        assert_eq!(
            DeferReason::parse("probe deferral - supplier 10023c40.power-domain not ready"),
            DeferReason::SupplierNotReady {
                supplier: "10023c40.power-domain".into()
            }
        );
    }

    #[test]
    fn keeps_driver_text_and_empty_reasons() {
        // kernelci-mt8186-steelix-serial-deferred-timeout.txt
        assert_eq!(
            Deferral::parse("mt8186_mt6366: I2S0: codec dai not found"),
            Deferral {
                recorded_by: Some("mt8186_mt6366".into()),
                reason: DeferReason::Text("I2S0: codec dai not found".into())
            }
        );
        assert_eq!(
            Deferral::parse("(reason unknown)\n"),
            Deferral {
                recorded_by: None,
                reason: DeferReason::Empty
            }
        );
        assert_eq!(Deferral::parse("").reason, DeferReason::Empty);
    }
}
