//! Every rule, in code order. Adding a rule is one file plus one line here.

use super::{Rule, RuleMeta};

pub static RULES: &[&dyn Rule] = &[
    &super::iommu_consumer_probed_before_iommu::IommuConsumerProbedBeforeIommu,
    &super::iommu_consumer_without_iommu::IommuConsumerWithoutIommu,
    &super::iommu_dependency_ignored::IommuDependencyIgnored,
    &super::iommu_group_missing::IommuGroupMissing,
    &super::iommu_fault::IommuFault,
    &super::probe_deferred_unresolved::ProbeDeferredUnresolved,
    &super::supplier_cycle::SupplierCycle,
    &super::deferred_probe_timeout_expired::DeferredProbeTimeoutExpired,
    &super::modular_iommu_without_strict_fw_devlink::ModularIommuWithoutStrictFwDevlink,
    &super::sync_state_pending::SyncStatePending,
    &super::probe_failed::ProbeFailed,
    &super::kernel_oops::KernelOops,
];

/// Finds a rule by code (`PS101`, any case) or name.
pub fn find(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.meta().code.eq_ignore_ascii_case(code_or_name) || rule.meta().name == code_or_name)
}

pub fn metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|rule| rule.meta())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for meta in metas() {
            assert!(codes.insert(meta.code), "duplicate code {}", meta.code);
            assert!(names.insert(meta.name), "duplicate name {}", meta.name);
            assert!(
                meta.code.starts_with("PS") && meta.code.len() == 5,
                "{}",
                meta.code
            );
            assert!(
                meta.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                meta.name
            );
            assert!(!meta.summary.is_empty() && !meta.summary.contains('\n'));
        }
    }

    #[test]
    fn every_explanation_has_the_required_sections() {
        for meta in metas() {
            for section in [
                "## What it detects",
                "## Why it matters",
                "## Example",
                "## How to fix it",
                "## Kernel references",
            ] {
                assert!(
                    meta.explanation.contains(section),
                    "{} lacks {section}",
                    meta.name
                );
            }
        }
    }

    #[test]
    fn rules_are_found_by_code_and_name() {
        let rule = find("ps101").expect("by code");
        assert_eq!(rule.meta().name, "iommu-consumer-probed-before-iommu");
        assert!(find("iommu-group-missing").is_some());
        assert!(find("no-such-rule").is_none());
    }
}
