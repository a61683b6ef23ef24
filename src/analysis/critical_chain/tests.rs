//! The critical chain on the real QEMU captures: the supplier whose readiness a bind waited
//! for, the suppliers it went ahead without, and an unbound device's chain of waits, each
//! against what the capture's log and truth.json show.

use super::*;
use crate::analysis::graph::SupplierGraph;
use crate::model::Origin;
use std::path::{Path, PathBuf};

/// The boot of one input under `fixtures/qemu/`.
fn boot_of(relative: &str) -> Boot {
    boot_of_parts(&[relative])
}

/// The boot of inputs under `fixtures/qemu/`, each given as its own path.
fn boot_of_parts(relative: &[&str]) -> Boot {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/qemu");
    let paths: Vec<PathBuf> = relative.iter().map(|r| root.join(r)).collect();
    crate::pipeline::boot_of_paths(&paths)
}

fn id(boot: &Boot, name: &str) -> DeviceId {
    boot.find(name)
        .unwrap_or_else(|| panic!("{name} is a device of the capture"))
}

/// `file:line` with the capture folder's parents cut off.
fn at(origin: &Origin) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/qemu/");
    origin.to_string().trim_start_matches(root).to_string()
}

/// Where a readiness was read: `file:line`, "never" or "unknown".
fn told(ready: &Readiness) -> String {
    match ready {
        Readiness::At(bind) => at(&bind.evidence.origin),
        Readiness::Never => "never".into(),
        Readiness::Unknown => "unknown".into(),
    }
}

/// A chain as (device, edge kind, where its readiness was read).
fn links(boot: &Boot, chain: &CriticalChain) -> Vec<(String, Option<LinkKind>, String)> {
    chain
        .links
        .iter()
        .map(|l| (boot.device(l.device).name.clone(), l.kind, told(&l.ready)))
        .collect()
}

/// The suppliers not waited for as (consumer, supplier, kind, IOMMU, readiness, order).
type Skipped = (String, String, LinkKind, Option<String>, String, Option<Ordering>);

fn skipped(boot: &Boot, chain: &CriticalChain) -> Vec<Skipped> {
    let name = |id: DeviceId| boot.device(id).name.clone();
    chain
        .not_waited
        .iter()
        .map(|n| {
            (
                name(n.consumer),
                name(n.supplier),
                n.kind,
                n.iommu.map(name),
                told(&n.ready),
                n.order,
            )
        })
        .collect()
}

fn chain_of(boot: &Boot, device: &str) -> CriticalChain {
    let graph = SupplierGraph::new(boot);
    let analysis = Analysis::new(boot, &graph);
    critical_chain(&analysis, id(boot, device))
}

const SMMU: &str = "9050000.smmuv3";

#[test]
fn a_consumer_probed_after_its_iommu_waited_for_it() {
    // S1 (SMMU module loaded early, truth.json): the SMMU's driver printed first at
    // kmsg.txt:371 (0.998717 s), the function's driver at kmsg.txt:398 (2.092564 s).
    let boot = boot_of("smmuv3-6.1/S1-smmu-early");
    let chain = chain_of(&boot, "0000:00:03.0");
    assert!(!chain.blocked);
    assert_eq!(
        links(&boot, &chain),
        [
            (
                "0000:00:03.0".to_string(),
                None,
                "smmuv3-6.1/S1-smmu-early/kmsg.txt:398".to_string()
            ),
            (
                SMMU.to_string(),
                Some(LinkKind::DtIommu),
                "smmuv3-6.1/S1-smmu-early/kmsg.txt:371".to_string()
            ),
        ]
    );
    assert!(chain.not_waited.is_empty(), "{:?}", chain.not_waited);
}

#[test]
fn a_sync_state_only_link_gates_no_probe() {
    // S1: gpio-keys has a sync-state-only link to the GPIO controller 9030000.pl061
    // (device_links_check_suppliers() skips such links): its chain is itself.
    let boot = boot_of("smmuv3-6.1/S1-smmu-early");
    let graph = SupplierGraph::new(&boot);
    let keys = id(&boot, "gpio-keys");
    assert!(graph
        .suppliers(keys)
        .iter()
        .any(|(s, e)| *s == id(&boot, "9030000.pl061") && e.kind == LinkKind::SyncStateOnly));
    let chain = chain_of(&boot, "gpio-keys");
    assert_eq!(chain.links.len(), 1, "{:?}", links(&boot, &chain));
    assert!(chain.not_waited.is_empty());
}

#[test]
fn a_race_consumer_did_not_wait_for_its_iommu() {
    // S2: the function probed at kmsg.txt:395 ("ignoring dependency"), the SMMU's driver
    // printed first at kmsg.txt:425, after it.
    let boot = boot_of("smmuv3-6.1/S2-smmu-late");
    let chain = chain_of(&boot, "0000:00:03.0");
    assert_eq!(
        links(&boot, &chain),
        [(
            "0000:00:03.0".to_string(),
            None,
            "smmuv3-6.1/S2-smmu-late/kmsg.txt:395".to_string()
        )]
    );
    assert_eq!(
        skipped(&boot, &chain),
        [(
            "0000:00:03.0".to_string(),
            SMMU.to_string(),
            LinkKind::DtIommu,
            Some(SMMU.to_string()),
            "smmuv3-6.1/S2-smmu-late/kmsg.txt:425".to_string(),
            Some(Ordering::Greater)
        )]
    );
}

#[test]
fn an_iommu_that_never_bound_is_never_ready_or_unknown_without_a_snapshot() {
    // S4: the SMMU's driver never loads; the final snapshot shows it unbound.
    let whole = boot_of("smmuv3-6.1/S4-smmu-never");
    let chain = chain_of(&whole, "0000:00:03.0");
    let told: Vec<(String, Option<Ordering>)> =
        skipped(&whole, &chain).into_iter().map(|s| (s.4, s.5)).collect();
    assert_eq!(told, [("never".to_string(), None)]);
    // Its log and device tree alone: the function probed at dmesg.txt:287 ("ignoring
    // dependency") and printed no bind; the SMMU prints nothing. Neither is known bound, so
    // the chain is the chain of waits, and the SMMU's readiness is unknown.
    let parts = boot_of_parts(&[
        "smmuv3-6.1/S4-smmu-never/dmesg.txt",
        "smmuv3-6.1/S4-smmu-never/fdt.dtb",
    ]);
    let chain = chain_of(&parts, "0000:00:03.0");
    assert!(chain.blocked);
    assert_eq!(
        links(&parts, &chain),
        [
            (
                "0000:00:03.0".to_string(),
                None,
                "smmuv3-6.1/S4-smmu-never/dmesg.txt:287".to_string()
            ),
            (SMMU.to_string(), Some(LinkKind::DtIommu), "unknown".to_string()),
        ]
    );
}

#[test]
fn each_iommu_a_consumer_went_ahead_without_is_named_once() {
    // E2 (SysMMUs loaded late): the DMA controller probed "ignoring dependency" on both its
    // SysMMUs (kmsg.txt:303); they are shown bound only by the final snapshot.
    let boot = boot_of("exynos-6.12/E2-exynos-late");
    let chain = chain_of(&boot, "7f040000.dma-controller");
    let names: Vec<(String, String, Option<Ordering>)> = skipped(&boot, &chain)
        .into_iter()
        .map(|s| (s.0, s.1, s.5))
        .collect();
    assert_eq!(
        names,
        [
            (
                "7f040000.dma-controller".to_string(),
                "7f000000.sysmmu".to_string(),
                None
            ),
            (
                "7f040000.dma-controller".to_string(),
                "7f020000.sysmmu".to_string(),
                None
            ),
        ]
    );
}

#[test]
fn of_two_iommus_ready_before_a_bind_the_later_one_gated_it() {
    // E5 (verbose, SysMMUs early): the DMA controller's two SysMMUs printed first at
    // kmsg.txt:3214 (1.279174 s) and kmsg.txt:3272 (1.281087 s); it bound at kmsg.txt:3433.
    // exynos-iommu links each consumer to its SysMMU with a stateless link (which gates no
    // probe itself) once the IOMMU is registered; the IOMMU gated the probe all the same.
    let boot = boot_of("exynos-6.12/E5-verbose-early");
    let chain = chain_of(&boot, "7f040000.dma-controller");
    assert_eq!(
        links(&boot, &chain),
        [
            (
                "7f040000.dma-controller".to_string(),
                None,
                "exynos-6.12/E5-verbose-early/kmsg.txt:3433".to_string()
            ),
            (
                "7f020000.sysmmu".to_string(),
                Some(LinkKind::DtIommu),
                "exynos-6.12/E5-verbose-early/kmsg.txt:3272".to_string()
            ),
        ]
    );
    assert!(chain.not_waited.is_empty(), "{:?}", skipped(&boot, &chain));
}

#[test]
fn an_unbound_devices_chain_is_its_chain_of_waits() {
    // S8 (no timeout, SMMU never bound): the functions stay deferred for the SMMU.
    let boot = boot_of("smmuv3-6.1/S8-notimeout-never");
    let chain = chain_of(&boot, "0000:00:03.0");
    assert!(chain.blocked);
    let kinds: Vec<(String, Option<LinkKind>, String)> = links(&boot, &chain);
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(
        kinds[1],
        (SMMU.to_string(), Some(LinkKind::DtIommu), "never".to_string())
    );
    assert_eq!((kinds[0].0.as_str(), kinds[0].1), ("0000:00:03.0", None));
    assert!(chain.not_waited.is_empty());
}

#[test]
fn a_stateless_link_to_a_device_that_is_not_its_iommu_gates_nothing() {
    // E5 with the firmware's IOMMU edge from 7f020000.sysmmu to the DMA controller taken away
    // (the stateless link exynos-iommu added stays): that link alone gates no probe
    // (device_links_check_suppliers() checks managed links only), so the bind waited for the
    // one SysMMU the firmware still names.
    let mut boot = boot_of("exynos-6.12/E5-verbose-early");
    let (dma, dropped) = (id(&boot, "7f040000.dma-controller"), id(&boot, "7f020000.sysmmu"));
    let before = boot.iommu_edges.len();
    boot.iommu_edges
        .retain(|edge| !(edge.consumer == dma && edge.iommu == dropped));
    assert_eq!(boot.iommu_edges.len(), before - 1);
    let chain = chain_of(&boot, "7f040000.dma-controller");
    assert_eq!(
        links(&boot, &chain),
        [
            (
                "7f040000.dma-controller".to_string(),
                None,
                "exynos-6.12/E5-verbose-early/kmsg.txt:3433".to_string()
            ),
            (
                "7f000000.sysmmu".to_string(),
                Some(LinkKind::DtIommu),
                "exynos-6.12/E5-verbose-early/kmsg.txt:3214".to_string()
            ),
        ]
    );
    assert!(chain.not_waited.is_empty(), "{:?}", skipped(&boot, &chain));
}

#[test]
fn a_managed_link_gates_its_consumer() {
    // D1 (fw_devlink.strict=1, SMMU driver built in): fw_devlink linked the PCIe host bridge
    // to the SMMU (devlink-final.txt); the SMMU's driver printed first at kmsg.txt:185
    // (6.089781 s), the bridge's at kmsg.txt:229 (13.438359 s).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/public-extra/captures/smmuv3-dt-arm64-6.12/D1-strict-builtin");
    let boot = crate::pipeline::boot_of_paths(&[root]);
    let chain = chain_of(&boot, "4010000000.pcie");
    let kinds: Vec<(String, Option<LinkKind>)> = chain
        .links
        .iter()
        .map(|l| (boot.device(l.device).name.clone(), l.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("4010000000.pcie".to_string(), None),
            (SMMU.to_string(), Some(LinkKind::Managed)),
        ]
    );
}
