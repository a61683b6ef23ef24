//! Device links and fw_devlink (drivers/base/core.c): links made, dropped and relaxed, cycles
//! found, sync_state() still waiting (`reference/kernel-formats.md` §4.5).

use super::prefix::PrefixRef;
use super::{split_at_colon, Message};

/// A message after a device prefix.
pub fn device_message(prefix: PrefixRef<'_>, message: &str) -> Option<Message> {
    let consumer = || prefix.device.to_string();
    // device_link_add(): dev_dbg(consumer, "Linked as a [sync state only ]consumer to %s").
    if let Some(supplier) = message.strip_prefix("Linked as a consumer to ") {
        return Some(Message::LinkedAsConsumer {
            consumer: consumer(),
            supplier: token(supplier)?,
            sync_state_only: false,
        });
    }
    if let Some(supplier) = message.strip_prefix("Linked as a sync state only consumer to ") {
        return Some(Message::LinkedAsConsumer {
            consumer: consumer(),
            supplier: token(supplier)?,
            sync_state_only: true,
        });
    }
    // __device_link_del(): dev_dbg(consumer, "Dropping the link to %s").
    if let Some(supplier) = message.strip_prefix("Dropping the link to ") {
        return Some(Message::DroppingLink {
            consumer: consumer(),
            supplier: token(supplier)?,
        });
    }
    // fw_devlink_relax_link() (v5.11+): dev_dbg(consumer, "Relaxing link with %s").
    if let Some(supplier) = message.strip_prefix("Relaxing link with ") {
        return Some(Message::RelaxingLink {
            consumer: consumer(),
            supplier: token(supplier)?,
        });
    }
    // ~v5.11-v6.2 "Fixing up cyclic dependency with %pfwP (%s)" / "... with %s"; v6.3-~v6.12
    // "Fixed dependency cycle(s) with %pfwf".
    if let Some(with) = message
        .strip_prefix("Fixed dependency cycle(s) with ")
        .or_else(|| message.strip_prefix("Fixing up cyclic dependency with "))
    {
        return Some(Message::CycleFixed {
            device_or_node: consumer(),
            with: with.trim().to_string(),
        });
    }
    // fw_devlink_probing_done() (v6.4+): dev_warn/dev_info(supplier, "sync_state() pending due
    // to %s", consumer).
    if let Some(consumer_name) = message.strip_prefix("sync_state() pending due to ") {
        return Some(Message::SyncStatePending {
            supplier: prefix.device.to_string(),
            consumer: token(consumer_name)?,
        });
    }
    None
}

/// A message without a device prefix (the fwnode forms, printed with `%pfwf` names).
pub fn plain_message(message: &str) -> Option<Message> {
    // fwnode_link_add() / __fwnode_link_del(): pr_debug("%pfwf Linked as a fwnode consumer to
    // %pfwf") and pr_debug("%pfwf Dropping the fwnode link to %pfwf").
    if let Some(space) = memchr::memchr(b' ', message.as_bytes()) {
        let (consumer, rest) = (&message[..space], &message[space + 1..]);
        for (marker, dropped) in [
            ("Linked as a fwnode consumer to ", false),
            ("Dropping the fwnode link to ", true),
        ] {
            if let Some(supplier) = rest.strip_prefix(marker) {
                return Some(Message::FwnodeLink {
                    consumer: token(consumer)?,
                    supplier: token(supplier)?,
                    dropped,
                });
            }
        }
    }
    let (node, rest) = split_at_colon(message)?;
    // ~v6.13+: pr_info("%pfwf: Fixed dependency cycle(s) with %pfwf").
    if let Some(with) = rest.strip_prefix("Fixed dependency cycle(s) with ") {
        return Some(Message::CycleFixed {
            device_or_node: token(node)?,
            with: with.trim().to_string(),
        });
    }
    // v6.9+ __fw_devlink_relax_cycles(): pr_debug("%pfwf: cycle: depends on %pfwf") and
    // "%pfwf: cycle: child of %pfwf".
    let rest = rest.strip_prefix("cycle: ")?;
    let (other, child_of) = match rest.strip_prefix("depends on ") {
        Some(other) => (other, false),
        None => (rest.strip_prefix("child of ")?, true),
    };
    Some(Message::CycleDetail {
        node: token(node)?,
        other: token(other)?,
        child_of,
    })
}

/// A device or fwnode name: one token without white space.
fn token(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && !text.contains(char::is_whitespace)).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::classify_text;
    use super::*;

    fn classify(text: &str) -> Vec<Message> {
        let mut out = Vec::new();
        classify_text(text, false, &mut out);
        out
    }

    fn specific(text: &str) -> Message {
        let messages = classify(text);
        assert_eq!(messages.len(), 2, "{text}: {messages:?}");
        messages[1].clone()
    }

    #[test]
    fn device_links_made_dropped_and_relaxed() {
        // fixtures/qemu/smmuv3-6.1/S9-strict-verbose-late/dmesg.txt:719, :2481, :2615
        assert_eq!(
            specific("platform 4010000000.pcie: Linked as a consumer to 9050000.smmuv3"),
            Message::LinkedAsConsumer {
                consumer: "4010000000.pcie".into(),
                supplier: "9050000.smmuv3".into(),
                sync_state_only: false
            }
        );
        assert_eq!(
            specific("platform 4010000000.pcie: Relaxing link with 9050000.smmuv3"),
            Message::RelaxingLink {
                consumer: "4010000000.pcie".into(),
                supplier: "9050000.smmuv3".into()
            }
        );
        assert_eq!(
            specific("pci-host-generic 4010000000.pcie: Dropping the link to 9050000.smmuv3"),
            Message::DroppingLink {
                consumer: "4010000000.pcie".into(),
                supplier: "9050000.smmuv3".into()
            }
        );
        // fixtures/public/imx8mq-tqma8mq-printk-caller-devlink-dyndbg.txt
        assert_eq!(
            specific(
                "platform 303a0000.gpc: Linked as a sync state only consumer to 30380000.clock-controller"
            ),
            Message::LinkedAsConsumer {
                consumer: "303a0000.gpc".into(),
                supplier: "30380000.clock-controller".into(),
                sync_state_only: true
            }
        );
    }

    #[test]
    fn cycle_messages_of_every_era() {
        // fixtures/public/kernelci-sc7180-kingoftown-serial-arm-smmu.txt (v6.3-v6.12 form)
        assert_eq!(
            specific("platform ae94000.dsi: Fixed dependency cycle(s) with /soc@0/display-subsystem@ae00000/display-controller@ae01000"),
            Message::CycleFixed {
                device_or_node: "ae94000.dsi".into(),
                with: "/soc@0/display-subsystem@ae00000/display-controller@ae01000".into()
            }
        );
        // reference/kernel-formats.md §4.5 example of the ~v6.13+ pr_info form
        assert_eq!(
            classify("/soc/dsi@7e700000: Fixed dependency cycle(s) with /panel_dsi@0"),
            vec![Message::CycleFixed {
                device_or_node: "/soc/dsi@7e700000".into(),
                with: "/panel_dsi@0".into()
            }]
        );
        // fixtures/public/lava-fixture-db410c-next20221020-qcom-iommu-probe-list-corruption.txt
        assert_eq!(
            specific("amba 821000.funnel: Fixing up cyclic dependency with 802000.stm"),
            Message::CycleFixed {
                device_or_node: "821000.funnel".into(),
                with: "802000.stm".into()
            }
        );
        // v6.9+ detail lines (reference §4.5 formats; no corpus line)
        assert_eq!(
            classify("/soc/dsi@7e700000: cycle: depends on /panel_dsi@0"),
            vec![Message::CycleDetail {
                node: "/soc/dsi@7e700000".into(),
                other: "/panel_dsi@0".into(),
                child_of: false
            }]
        );
        assert_eq!(
            classify("/panel_dsi@0: cycle: child of /soc/dsi@7e700000"),
            vec![Message::CycleDetail {
                node: "/panel_dsi@0".into(),
                other: "/soc/dsi@7e700000".into(),
                child_of: true
            }]
        );
    }

    #[test]
    fn fwnode_links_old_and_new_names() {
        // fixtures/qemu/smmuv3-6.1/S5-verbose-late/dmesg.txt:712, :714 (6.1, %pfwP names)
        assert_eq!(
            classify("smmuv3@9050000 Linked as a fwnode consumer to intc@8000000"),
            vec![Message::FwnodeLink {
                consumer: "smmuv3@9050000".into(),
                supplier: "intc@8000000".into(),
                dropped: false
            }]
        );
        assert_eq!(
            classify("smmuv3@9050000 Dropping the fwnode link to intc@8000000"),
            vec![Message::FwnodeLink {
                consumer: "smmuv3@9050000".into(),
                supplier: "intc@8000000".into(),
                dropped: true
            }]
        );
        // fixtures/qemu/exynos-6.12/E5-verbose-early/dmesg.txt:859 (6.12, %pfwf paths)
        assert_eq!(
            classify("/sysmmu@7f000000 Linked as a fwnode consumer to /intc@8000000"),
            vec![Message::FwnodeLink {
                consumer: "/sysmmu@7f000000".into(),
                supplier: "/intc@8000000".into(),
                dropped: false
            }]
        );
    }

    #[test]
    fn sync_state_pending_names_supplier_and_consumer() {
        // reference/kernel-formats.md §4.5 (v6.4+; no corpus line, names from the sc7180 log)
        assert_eq!(
            specific("qcom-rpmhpd 18200000.rsc:power-controller: sync_state() pending due to ae00000.display-subsystem"),
            Message::SyncStatePending {
                supplier: "18200000.rsc:power-controller".into(),
                consumer: "ae00000.display-subsystem".into()
            }
        );
    }
}
