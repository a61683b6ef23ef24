//! `plan --check`: the boot model with the plan applied as far as the evidence allows. The
//! plan loads each IOMMU's driver before its consumers, so the edit makes each planned IOMMU
//! registered before the first record of any of its consumers, and takes away what the
//! kernel prints only while an IOMMU is missing. Every edit is listed, in words, for the
//! report; nothing else of the capture changes (a later line of the IOMMU's driver stays where
//! it was; what the consumers would have done with their IOMMU, such as joining a group, is
//! not invented).

use super::driver_of;
use crate::analysis::readiness;
use crate::model::{BindBasis, Boot, DeviceId, Event, EventKind, Evidence, Origin, Position};
use std::collections::HashMap;

/// The origin the edit's own records carry, so that no one takes them for the capture's.
pub const EDIT_ORIGIN: &str = "(plan --check: assumed)";

/// Applies the plan to `boot`: each of `iommus` registered before its consumers. Returns one
/// sentence per edit.
pub fn assume_ready(boot: &mut Boot, iommus: &[DeviceId]) -> Vec<String> {
    let mut edits = Vec::new();
    for &iommu in iommus {
        let registrar = readiness::registrar(boot, iommu);
        let registrar_name = boot.device(registrar).name.clone();
        let driver = driver_of(boot, registrar);
        let consumers: Vec<DeviceId> = boot
            .iommu_edges
            .iter()
            .filter(|e| e.iommu == iommu)
            .map(|e| e.consumer)
            .collect();
        // 1. Registered before the first record of any consumer.
        let first = boot
            .events
            .iter()
            .filter(|e| consumers.contains(&e.device))
            .filter_map(|e| {
                e.position
                    .log_index()
                    .map(|index| (index, e.position.time(), e.evidence.origin.clone()))
            })
            .min_by_key(|(index, _, _)| *index);
        if let Some((index, time, origin)) = first {
            boot.events.push(Event {
                device: registrar,
                position: Position::Log { index, time },
                kind: EventKind::Bound {
                    driver: driver.clone(),
                    basis: BindBasis::DriverBoundLine,
                },
                evidence: Evidence::new(
                    Origin {
                        file: EDIT_ORIGIN.into(),
                        line: 0,
                    },
                    format!(
                        "{registrar_name} bound to {} and registered its IOMMU before the first record of its consumers ({origin})",
                        driver.as_deref().unwrap_or("its driver")
                    ),
                ),
            });
            let which = if registrar == iommu {
                format!("the IOMMU {registrar_name}")
            } else {
                format!(
                    "{registrar_name}, which registers the IOMMU {}",
                    boot.device(iommu).name
                )
            };
            edits.push(format!(
                "{which} is bound from just before {origin}, the first record of its consumers"
            ));
        }
        // 2. Every snapshot shows it bound.
        let bound_as = driver.clone().unwrap_or_else(|| "(its driver)".to_string());
        let mut changed = 0;
        for state in &mut boot.devices[registrar.index()].states {
            if state.bound() != Some(true) {
                state.driver = Some(Some(bound_as.clone()));
                state.deferred = state.deferred.map(|_| false);
                state.waiting_for_supplier = None;
                changed += 1;
            }
        }
        if changed > 0 {
            edits.push(format!(
                "{registrar_name} is bound to {bound_as} in every snapshot ({changed} showed it without a driver)"
            ));
        }
        // 3. The kernel prints "ignoring dependency" only while the IOMMU is missing
        // (driver_deferred_probe_check_state() from of_iommu_configure()); a consumer every
        // IOMMU of which is planned would not have printed it.
        let all_planned =
            |boot: &Boot, consumer: DeviceId| boot.iommus_of(consumer).all(|e| iommus.contains(&e.iommu));
        let removable: Vec<DeviceId> = consumers
            .iter()
            .copied()
            .filter(|c| all_planned(boot, *c))
            .collect();
        let before = boot.events.len();
        boot.events.retain(|e| {
            !(removable.contains(&e.device) && matches!(e.kind, EventKind::IgnoredDependency { .. }))
        });
        let removed = before - boot.events.len();
        if removed > 0 {
            edits.push(format!(
                "{removed} \"deferred probe timeout, ignoring dependency\" line{} of its consumers taken out (printed only while the IOMMU is missing)",
                if removed == 1 { "" } else { "s" }
            ));
        }
    }
    reindex(boot);
    edits
}

/// Puts the events back in time-line order (log records by index, then snapshots) and
/// rebuilds the boot's look-up indexes.
fn reindex(boot: &mut Boot) {
    boot.events.sort_by_key(|e| match e.position {
        Position::Log { index, .. } => (0u8, index),
        Position::Snapshot { index } => (1u8, index as u64),
    });
    let mut by_dt_path: HashMap<String, DeviceId> = HashMap::new();
    let ids: Vec<DeviceId> = boot.device_ids().collect();
    for id in ids {
        if let Some(path) = &boot.device(id).dt_path {
            by_dt_path.entry(path.clone()).or_insert(id);
        }
    }
    boot.build_indexes(by_dt_path);
}
