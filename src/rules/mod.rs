//! Rules: one file per rule, each with its code, name, default severity, summary, explanation
//! and check; `registry.rs` lists them all. Rules never print: they return findings.

pub mod consistency;
pub mod deferred_at_end_over_limit;
pub mod deferred_probe_timeout_expired;
pub mod expected_device_not_bound;
pub mod iommu_consumer_probed_before_iommu;
pub mod iommu_consumer_without_iommu;
pub mod iommu_dependency_ignored;
pub mod iommu_fault;
pub mod iommu_group_missing;
pub mod kernel_oops;
pub mod modular_iommu_without_strict_fw_devlink;
pub mod probe_deferred_unresolved;
pub mod probe_failed;
pub mod registry;
pub mod settings;
pub mod supplier_cycle;
pub mod sync_state_pending;

pub use crate::analysis::Analysis;
use crate::model::{Boot, Evidence};
use serde::Serialize;
use settings::{IgnoredFinding, RuleSettings};
use std::fmt;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies a rule and explains it. Codes and names are public API: never reused.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, e.g. `PS101`.
    pub code: &'static str,
    /// kebab-case name of the problem (never of the fix).
    pub name: &'static str,
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// Markdown: what it detects, why it matters, an example, how to fix it, kernel references.
    pub explanation: &'static str,
    /// Real inputs it fires on and close clean ones it must not fire on; the registry's test
    /// runs them all, so a rule that goes silent (or fires where it must not) fails a test.
    pub examples: &'static Examples,
}

/// A rule's examples. Every rule has at least one of each.
#[derive(Debug)]
pub struct Examples {
    pub fires: &'static [Example],
    /// Clean inputs chosen close to firing (the same situation with the one fact that matters
    /// turned the other way), so that a rule that fires too readily is caught as well.
    pub clean: &'static [Example],
}

/// One input a rule is run on: a capture under `fixtures/` read as one boot, optionally with a
/// board configuration, optionally edited at test time into a case with known truth.
#[derive(Debug)]
pub struct Example {
    /// A path relative to the package root: a capture directory or a log file.
    pub capture: &'static str,
    /// `probescope.toml` text, for the rules that judge the board's configuration.
    pub config: Option<&'static str>,
    /// A change made to a copy of the capture before it is read.
    pub edit: Option<ExampleEdit>,
    /// Why the rule fires on it, or why it must not although the input comes close.
    pub why: &'static str,
    /// On a firing example, the subjects of the rule's findings, exactly (each once, any
    /// order), as the capture's own evidence shows them; empty: not checked.
    pub subjects: &'static [&'static str],
}

impl Example {
    /// A capture read as it is, with the default settings.
    pub const fn capture(capture: &'static str, why: &'static str) -> Example {
        Example {
            capture,
            config: None,
            edit: None,
            why,
            subjects: &[],
        }
    }

    /// A capture judged with a `probescope.toml` of this text.
    pub const fn with_config(capture: &'static str, config: &'static str, why: &'static str) -> Example {
        Example {
            capture,
            config: Some(config),
            edit: None,
            why,
            subjects: &[],
        }
    }

    /// The example, with the subjects its findings must have.
    pub const fn about(self, subjects: &'static [&'static str]) -> Example {
        Example { subjects, ..self }
    }
}

/// A generated case: a real capture with one fact removed, so that what the rule must say is
/// known exactly.
#[derive(Clone, Copy, Debug)]
pub enum ExampleEdit {
    /// Every trace of this device's IOMMU group is removed from the copy: its "Adding to iommu
    /// group" lines in each copy of the log, its `iommu_group` link and listing entries, its
    /// row's group in the device table.
    WithoutIommuGroup(&'static str),
    /// The lines of a mail quoted with this prefix (`">> "`), with the prefix removed; every
    /// other line dropped. A log pasted into a reply reads as the log it was.
    QuotedLines(&'static str),
}

/// One problem found on the board.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Finding {
    #[schemars(description = "The rule's kebab-case name (public API, never reused).")]
    pub rule: &'static str,
    #[schemars(description = "The rule's stable code, e.g. `PS101`.")]
    pub code: &'static str,
    pub severity: Severity,
    /// The device as the kernel names it.
    pub subject: String,
    #[schemars(description = "Other devices the finding involves, by kernel name.")]
    pub related: Vec<String>,
    pub message: String,
    #[schemars(
        description = "Where the finding's facts come from: file, 1-based line (0: not tied to a line) and text."
    )]
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        description = "When the subject is a root cause shared by several devices: each device it blocks, once, with the supplier that device waits for directly."
    )]
    pub blocks: Vec<Blocked>,
}

/// A finding read back from JSON names a rule of this build: `rule` and `code` become the
/// registry's own `&'static str` (a rule this build does not have is an error, not a new rule).
impl<'de> serde::Deserialize<'de> for Finding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        #[derive(serde::Deserialize)]
        struct Owned {
            rule: String,
            code: String,
            severity: Severity,
            subject: String,
            related: Vec<String>,
            message: String,
            evidence: Vec<Evidence>,
            #[serde(default)]
            blocks: Vec<Blocked>,
        }
        let owned = Owned::deserialize(deserializer)?;
        let meta = registry::metas()
            .find(|meta| meta.name == owned.rule)
            .ok_or_else(|| D::Error::custom(format!("no rule is named `{}`", owned.rule)))?;
        if meta.code != owned.code {
            return Err(D::Error::custom(format!(
                "rule `{}` has the code {}, not {}",
                meta.name, meta.code, owned.code
            )));
        }
        Ok(Finding {
            rule: meta.name,
            code: meta.code,
            severity: owned.severity,
            subject: owned.subject,
            related: owned.related,
            message: owned.message,
            evidence: owned.evidence,
            blocks: owned.blocks,
        })
    }
}

/// A device a root cause keeps from probing (one entry per device of a grouped finding).
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Blocked {
    /// The blocked device, by kernel name.
    pub device: String,
    /// The supplier it waits for directly (absent when it waits for the root cause itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
}

impl Finding {
    pub fn new(meta: &'static RuleMeta, subject: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            rule: meta.name,
            code: meta.code,
            severity: meta.severity,
            subject: subject.into(),
            related: Vec::new(),
            message: message.into(),
            evidence: Vec::new(),
            blocks: Vec::new(),
        }
    }

    pub fn related(mut self, related: impl IntoIterator<Item = String>) -> Finding {
        self.related.extend(related);
        self
    }

    /// Adds evidence, each item once. Items are found by hash, so this stays linear (a finding
    /// about a 100,000-link supplier cycle cites every link) without a second copy of each.
    pub fn evidence(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Finding {
        use std::hash::BuildHasher;
        let hasher = std::collections::hash_map::RandomState::new();
        let mut by_hash: std::collections::HashMap<u64, Vec<usize>> = std::collections::HashMap::new();
        for (index, item) in self.evidence.iter().enumerate() {
            by_hash.entry(hasher.hash_one(item)).or_default().push(index);
        }
        for item in evidence {
            let same_hash = by_hash.entry(hasher.hash_one(&item)).or_default();
            if !same_hash.iter().any(|&index| self.evidence[index] == item) {
                same_hash.push(self.evidence.len());
                self.evidence.push(item);
            }
        }
        self
    }
}

static DEFAULT_SETTINGS: RuleSettings = RuleSettings::DEFAULT;

/// A rule: its metadata and its check.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// The rule's findings on one boot: a pure function of the boot, its analysis and the
    /// project's settings.
    fn check(&self, boot: &Boot, analysis: &Analysis, settings: &RuleSettings) -> Vec<Finding>;
}

/// Runs every rule of the registry with its default settings and returns the findings sorted
/// (deterministic output; see [`evaluate`]).
pub fn run_all(analysis: &Analysis) -> Vec<Finding> {
    evaluate(analysis, &DEFAULT_SETTINGS).findings
}

/// What running the rules gave: the findings that stand, and those the settings' ignore
/// entries accepted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleRun {
    pub findings: Vec<Finding>,
    pub ignored: Vec<IgnoredFinding>,
}

/// Runs the enabled rules, sets each finding's severity from the settings (so `--fail-on`
/// judges the project's severity, not the default), then splits off the ignored findings.
pub fn evaluate(analysis: &Analysis, settings: &RuleSettings) -> RuleRun {
    let boot = analysis.boot();
    let mut findings: Vec<Finding> = registry::RULES
        .iter()
        .filter(|rule| settings.is_enabled(rule.meta()))
        .flat_map(|rule| {
            let severity = settings.severity(rule.meta());
            rule.check(boot, analysis, settings)
                .into_iter()
                .map(move |mut finding| {
                    finding.severity = severity;
                    finding
                })
        })
        .collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(b.code))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    findings.dedup();
    let mut run = RuleRun::default();
    for finding in findings {
        match settings.ignore_for(&finding) {
            Some(ignore) => run.ignored.push(IgnoredFinding {
                origin: ignore.origin.clone(),
                reason: ignore.reason.clone(),
                finding,
            }),
            None => run.findings.push(finding),
        }
    }
    run
}

/// The findings of the whole pipeline on one input under `fixtures/` (a capture folder or a
/// file), with the default settings: what a rule's own tests pin its messages on.
#[cfg(test)]
pub(crate) fn findings_on_fixture(relative: &str) -> Vec<Finding> {
    let spec = crate::ingest::discover::InputSpec {
        paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)],
        ..Default::default()
    };
    let (_, report) = crate::pipeline::analyse(&spec).expect("the fixture reads");
    report.findings
}

/// The findings of the whole pipeline on several inputs (files or folders, as on a command
/// line), with the default settings: for tests that feed a rule part of a capture.
#[cfg(test)]
pub(crate) fn findings_on_inputs(paths: &[std::path::PathBuf]) -> Vec<Finding> {
    let spec = crate::ingest::discover::InputSpec {
        paths: paths.to_vec(),
        ..Default::default()
    };
    let (_, report) = crate::pipeline::analyse(&spec).expect("the inputs read");
    report.findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::graph::SupplierGraph;

    /// A finding read back from JSON names a rule the registry has, with that rule's code: a
    /// report edited by hand (or from another version) with a code that does not match is
    /// refused, naming both.
    #[test]
    fn a_finding_reads_back_only_with_its_rules_code() {
        let json = |code: &str| {
            format!(
                r#"{{"rule":"sync-state-pending","code":"{code}","severity":"warning","subject":"s","related":[],"message":"m","evidence":[]}}"#
            )
        };
        let finding: Finding = serde_json::from_str(&json("PS205")).expect("the rule's own code");
        assert_eq!((finding.rule, finding.code), ("sync-state-pending", "PS205"));
        let error = serde_json::from_str::<Finding>(&json("PS101")).expect_err("another rule's code");
        assert!(
            error
                .to_string()
                .contains("rule `sync-state-pending` has the code PS205, not PS101"),
            "{error}"
        );
    }

    #[test]
    fn run_all_reports_what_the_default_settings_report() {
        // The SMMU came after the timeout: findings of several rules (see the registry's examples).
        let boot =
            crate::pipeline::boot_of_paths(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/qemu/smmuv3-6.1/S2-smmu-late")]);
        let graph = SupplierGraph::new(&boot);
        let analysis = Analysis::new(&boot, &graph);
        let findings = run_all(&analysis);
        assert!(findings.iter().any(|f| f.code == "PS101"), "{findings:?}");
        assert_eq!(findings, evaluate(&analysis, &RuleSettings::DEFAULT).findings);
    }

    #[test]
    fn an_example_about_subjects_keeps_them_for_the_registry_to_check() {
        let example =
            Example::capture("fixtures/qemu/smmuv3-6.1/S4-smmu-never", "why").about(&["9050000.smmuv3"]);
        assert_eq!(example.subjects, ["9050000.smmuv3"]);
        assert_eq!(example.capture, "fixtures/qemu/smmuv3-6.1/S4-smmu-never");
    }
}
