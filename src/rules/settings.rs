//! What a project says about its rules (from `probescope.toml`, resolved by `crate::config`):
//! which rules run, at what severity, which findings are accepted with a reason, and what the
//! board is expected to look like at the end of a boot. Rules read the expectations; the rule
//! runner applies the rest to their findings.

use super::{Finding, RuleMeta, Severity};
use globset::GlobMatcher;
use std::collections::BTreeMap;

/// A per-rule change to the registry's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleOverride {
    /// `Some(false)` keeps the rule from running.
    pub enabled: Option<bool>,
    /// Replaces the rule's default severity on every finding it reports.
    pub severity: Option<Severity>,
}

/// A device name pattern (shell glob: `*`, `?`, `[...]`, `{a,b}`), as written and compiled.
#[derive(Clone, Debug)]
pub struct DevicePattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl DevicePattern {
    /// Compiles `text`; the error says what is wrong with the glob.
    pub fn new(text: &str) -> Result<DevicePattern, globset::Error> {
        let matcher = globset::GlobBuilder::new(text)
            .literal_separator(false)
            .build()?
            .compile_matcher();
        Ok(DevicePattern {
            text: text.to_string(),
            matcher,
        })
    }

    /// Whether the pattern matches a device name (`13620000.sysmmu`, `0000:00:03.0`) or its
    /// bus-qualified form (`platform:13620000.sysmmu`).
    pub fn matches(&self, name: &str) -> bool {
        self.matcher.is_match(name)
    }
}

impl PartialEq for DevicePattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// Findings a project has accepted: a rule (or any rule) on subjects matching a glob.
#[derive(Clone, Debug, PartialEq)]
pub struct Ignore {
    /// The rule's code; `None` = every rule.
    pub rule: Option<&'static str>,
    pub subject: DevicePattern,
    /// Why the finding is accepted (required: an ignore without a reason rots).
    pub reason: String,
    /// Where the entry was written (`probescope.toml:12`), for the note that reports its use.
    pub origin: String,
}

impl Ignore {
    pub fn matches(&self, finding: &Finding) -> bool {
        self.rule.is_none_or(|code| code == finding.code) && self.subject.matches(&finding.subject)
    }
}

/// What the board must show at the end of a boot (read by the board-expectation rules).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BoardExpectations {
    /// Each pattern must match at least one device bound at the end of the capture.
    pub expect_bound: Vec<DevicePattern>,
    /// At most this many devices may still be deferred at the end; `None` = no limit.
    pub max_deferred_at_end: Option<u32>,
}

/// Everything the rule runner applies. `RuleSettings::DEFAULT` is the registry as it stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleSettings {
    /// Keyed by rule code.
    pub overrides: BTreeMap<&'static str, RuleOverride>,
    pub ignores: Vec<Ignore>,
    pub expectations: BoardExpectations,
}

impl RuleSettings {
    pub const DEFAULT: RuleSettings = RuleSettings {
        overrides: BTreeMap::new(),
        ignores: Vec::new(),
        expectations: BoardExpectations {
            expect_bound: Vec::new(),
            max_deferred_at_end: None,
        },
    };

    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        self.overrides
            .get(meta.code)
            .and_then(|o| o.enabled)
            .unwrap_or(true)
    }

    pub fn severity(&self, meta: &RuleMeta) -> Severity {
        self.overrides
            .get(meta.code)
            .and_then(|o| o.severity)
            .unwrap_or(meta.severity)
    }

    /// The first ignore entry that accepts `finding`.
    pub fn ignore_for(&self, finding: &Finding) -> Option<&Ignore> {
        self.ignores.iter().find(|ignore| ignore.matches(finding))
    }
}

/// A finding an ignore entry accepted, kept so the report can say what was left out and why.
#[derive(Clone, Debug, PartialEq)]
pub struct IgnoredFinding {
    pub finding: Finding,
    pub origin: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names_with_dots_colons_and_slashes() {
        let mfc = DevicePattern::new("*.mfc").unwrap();
        assert!(mfc.matches("13400000.mfc"));
        assert!(!mfc.matches("13400000.mfc-left"));
        let pci = DevicePattern::new("0000:00:0?.0").unwrap();
        assert!(pci.matches("0000:00:03.0"));
        assert!(!pci.matches("0000:00:13.0"));
        let alternatives = DevicePattern::new("{13620000,13630000}.sysmmu").unwrap();
        assert!(alternatives.matches("13630000.sysmmu"));
        assert!(DevicePattern::new("*").unwrap().matches("platform:soc/a"));
        assert!(DevicePattern::new("[a-").is_err());
    }

    #[test]
    fn patterns_are_equal_when_written_alike() {
        // Settings compare by what the configuration says, not by the compiled matcher.
        let mfc = DevicePattern::new("*.mfc").unwrap();
        assert_eq!(mfc, DevicePattern::new("*.mfc").unwrap());
        assert_ne!(mfc, DevicePattern::new("*.gpu").unwrap());
    }

    #[test]
    fn overrides_change_enabling_and_severity_only_for_their_rule() {
        let meta = &crate::rules::iommu_group_missing::META;
        let other = &crate::rules::iommu_dependency_ignored::META;
        let mut settings = RuleSettings::default();
        assert!(settings.is_enabled(meta));
        assert_eq!(settings.severity(meta), Severity::Warning);
        settings.overrides.insert(
            meta.code,
            RuleOverride {
                enabled: Some(false),
                severity: Some(Severity::Error),
            },
        );
        assert!(!settings.is_enabled(meta));
        assert_eq!(settings.severity(meta), Severity::Error);
        assert!(settings.is_enabled(other));
        assert_eq!(settings.severity(other), other.severity);
    }

    #[test]
    fn the_runner_applies_enabling_severity_and_ignores() {
        use crate::analysis::graph::SupplierGraph;
        use crate::rules::expected_device_not_bound::tests::boot_with;
        use crate::rules::{evaluate, Analysis};

        let boot = boot_with(&[("a.mfc", None)], &["a.mfc"]);
        let graph = SupplierGraph::new(&boot);
        let mut settings = RuleSettings::default();
        settings.expectations.expect_bound = vec![
            DevicePattern::new("*.mfc").unwrap(),
            DevicePattern::new("*.gpu").unwrap(),
        ];
        settings.expectations.max_deferred_at_end = Some(0);
        let codes = |settings: &RuleSettings| -> Vec<(&str, String, Severity)> {
            evaluate(&Analysis::new(&boot, &graph), settings)
                .findings
                .into_iter()
                // The board-expectation rules; other rules (PS201 on the deferred device) are
                // not what this test is about.
                .filter(|f| matches!(f.code, "PS301" | "PS302"))
                .map(|f| (f.code, f.subject, f.severity))
                .collect()
        };
        assert_eq!(
            codes(&settings),
            [
                ("PS301", "*.gpu".to_string(), Severity::Error),
                ("PS301", "*.mfc".to_string(), Severity::Error),
                ("PS302", "max_deferred_at_end".to_string(), Severity::Error),
            ]
        );

        settings.overrides.insert(
            "PS302",
            RuleOverride {
                enabled: None,
                severity: Some(Severity::Info),
            },
        );
        settings.ignores.push(Ignore {
            rule: Some("PS301"),
            subject: DevicePattern::new("*.gpu").unwrap(),
            reason: "no GPU on this SKU".into(),
            origin: "probescope.toml:7".into(),
        });
        let run = evaluate(&Analysis::new(&boot, &graph), &settings);
        assert_eq!(run.ignored.len(), 1);
        assert_eq!(run.ignored[0].finding.subject, "*.gpu");
        assert_eq!(run.ignored[0].origin, "probescope.toml:7");
        assert_eq!(
            codes(&settings),
            [
                ("PS301", "*.mfc".to_string(), Severity::Error),
                ("PS302", "max_deferred_at_end".to_string(), Severity::Info),
            ]
        );

        settings.overrides.insert(
            "PS301",
            RuleOverride {
                enabled: Some(false),
                severity: None,
            },
        );
        assert_eq!(
            codes(&settings),
            [("PS302", "max_deferred_at_end".to_string(), Severity::Info)]
        );
    }
}
