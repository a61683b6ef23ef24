//! Renderers: one file per output format, each pinned by tests. Rules never print; the check
//! command builds a [`Report`] and hands it to a renderer.

pub mod baseline;
pub mod blame;
pub mod contract;
pub mod diagnostic;
pub mod diff;
pub mod github;
pub mod graph;
pub mod json;
pub mod junit;
pub mod ndjson;
pub mod plan;
pub mod rules;
pub mod schema;
pub mod summary;
pub mod table;
pub mod timeline;
pub mod watch;
pub mod why;

use crate::ingest::InputInfo;
use crate::report::baseline::BaselineDiff;
use crate::rules::{Finding, Severity};
use schemars::JsonSchema;
use serde::Serialize;

/// The outcome of analysing one boot.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The boot's name (a directory, the first input, or `--boot NAME`).
    pub boot: String,
    pub inputs: Vec<InputInfo>,
    pub findings: Vec<Finding>,
    /// What could not be read, what was assumed, what is missing.
    pub notes: Vec<String>,
}

impl Report {
    /// Whether a kernel log was among the inputs: without one, probe order, deferrals and
    /// timing are unknown, and no finding does not mean none happened.
    pub fn has_kernel_log(&self) -> bool {
        self.inputs
            .iter()
            .any(|input| input.kind == crate::model::InputKind::KernelLog)
    }

    /// Whether the kernel's own record of probing was read: its log (probe order, deferrals),
    /// a devices_deferred list (what is still pending; an empty one says nothing is), or a
    /// state sysfs keeps (device links and their status, who waits for a supplier, which
    /// driver each device has, IOMMU groups and instances). With none of them (a device tree,
    /// a command line, module lists alone), finding nothing is no clean bill: the boot is
    /// unchecked.
    pub fn has_probe_record(&self) -> bool {
        use crate::model::InputKind;
        self.inputs.iter().any(|input| {
            matches!(
                input.kind,
                InputKind::KernelLog
                    | InputKind::DevicesDeferred
                    | InputKind::Devlink
                    | InputKind::WaitingForSupplier
                    | InputKind::DeviceTable
                    | InputKind::IommuGroups
                    | InputKind::IommuClass
            )
        })
    }
}

/// How one boot of a run ended; its exit code is part of the public API (README "Exit codes").
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, JsonSchema,
)]
pub enum BootStatus {
    /// Nothing at or above the failure threshold (or nothing new, with a baseline).
    #[serde(rename = "clean")]
    Clean,
    /// Findings at or above the threshold (new ones, with a baseline).
    #[serde(rename = "findings")]
    Findings,
    /// Neither a kernel log nor a devices_deferred list was read (the live system as a normal
    /// user: /dev/kmsg needs CAP_SYSLOG or kernel.dmesg_restrict=0, debugfs is root-only), so
    /// probe order and deferrals are unknown: finding nothing is not a clean bill. Exits 2, as
    /// nothing could be analysed.
    #[serde(rename = "unchecked")]
    Unchecked,
    /// The boot's input could not be used; the others of the run were still analysed.
    #[serde(rename = "error")]
    InputError,
}

impl BootStatus {
    pub fn exit_code(self) -> u8 {
        match self {
            BootStatus::Clean => 0,
            BootStatus::Findings => 1,
            BootStatus::Unchecked | BootStatus::InputError => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BootStatus::Clean => "clean",
            BootStatus::Findings => "findings",
            BootStatus::Unchecked => "unchecked",
            BootStatus::InputError => "error",
        }
    }
}

/// One boot of a run as every renderer sees it: its report (or why its input was unusable),
/// how it compares with the baseline, and the threshold that decides what fails.
#[derive(Clone, Debug)]
pub struct BootOutcome {
    pub name: String,
    pub result: Result<Report, String>,
    /// The comparison with `--baseline`, when one was given (aligned with the findings).
    pub baseline: Option<BaselineDiff>,
    /// The lowest severity that fails the boot; `None` when nothing does (`--fail-on never`,
    /// or while writing a baseline, which accepts every finding).
    pub threshold: Option<Severity>,
}

impl BootOutcome {
    /// The report's findings (none for an unusable input).
    pub fn findings(&self) -> &[Finding] {
        match &self.result {
            Ok(report) => &report.findings,
            Err(_) => &[],
        }
    }

    /// Whether the baseline has the finding at `index` (never, without a baseline).
    pub fn is_known(&self, index: usize) -> bool {
        self.baseline.as_ref().is_some_and(|diff| diff.is_known(index))
    }

    /// Whether the finding at `index` fails the boot: at or above the threshold, and not in
    /// the baseline.
    pub fn fails(&self, index: usize) -> bool {
        let Some(threshold) = self.threshold else {
            return false;
        };
        self.findings()
            .get(index)
            .is_some_and(|finding| finding.severity >= threshold && !self.is_known(index))
    }

    pub fn status(&self) -> BootStatus {
        if self.result.is_err() {
            BootStatus::InputError
        } else if (0..self.findings().len()).any(|index| self.fails(index)) {
            BootStatus::Findings
        } else if self
            .result
            .as_ref()
            .is_ok_and(|report| !report.has_probe_record())
        {
            BootStatus::Unchecked
        } else {
            BootStatus::Clean
        }
    }
}

/// The run's status: the worst of its boots' (an unusable or unread input outranks findings).
pub fn overall_status(outcomes: &[BootOutcome]) -> BootStatus {
    outcomes
        .iter()
        .map(BootOutcome::status)
        .max()
        .unwrap_or(BootStatus::Clean)
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Reports and outcomes built by hand for the renderers' snapshot tests.

    use super::*;
    use crate::model::{Evidence, Origin, SourceName};
    use crate::report::baseline::Fingerprint;

    pub fn finding(
        rule: &'static str,
        code: &'static str,
        severity: Severity,
        subject: &str,
        evidence: &[(&str, u32, &str)],
    ) -> Finding {
        Finding {
            rule,
            code,
            severity,
            subject: subject.into(),
            related: vec!["9050000.smmuv3".into()],
            message: format!("{subject} bound before its IOMMU"),
            evidence: evidence
                .iter()
                .map(|(file, line, text)| {
                    let file: SourceName = (*file).into();
                    Evidence::new(Origin::new(&file, *line), *text)
                })
                .collect(),
            blocks: vec![],
        }
    }

    /// A kernel log among a boot's inputs (a boot read without one is unchecked).
    pub fn kernel_log(path: &str) -> crate::model::InputInfo {
        crate::model::InputInfo {
            path: path.into(),
            kind: crate::model::InputKind::KernelLog,
            moment: None,
            note: None,
        }
    }

    /// Two boots: one with an error and a warning finding, one whose input was unusable.
    pub fn outcomes() -> Vec<BootOutcome> {
        let report = Report {
            boot: "logs/board-a.txt".into(),
            inputs: vec![kernel_log("logs/board-a.txt")],
            findings: vec![
                finding(
                    "iommu-dependency-ignored",
                    "PS103",
                    Severity::Error,
                    "0000:00:03.0",
                    &[(
                        "logs/board-a.txt",
                        286,
                        "[    7.027453] virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency",
                    )],
                ),
                finding(
                    "iommu-group-missing",
                    "PS104",
                    Severity::Warning,
                    "0000:00:04.0",
                    &[],
                ),
            ],
            notes: vec!["no devices_deferred snapshot".into()],
        };
        vec![
            BootOutcome {
                name: "logs/board-a.txt".into(),
                result: Ok(report),
                baseline: None,
                threshold: Some(Severity::Error),
            },
            BootOutcome {
                name: "logs/board-b.txt".into(),
                result: Err("logs/board-b.txt: expected a kernel log".into()),
                baseline: None,
                threshold: Some(Severity::Error),
            },
        ]
    }

    /// The first boot of [`outcomes`] compared with a baseline that knows its error finding
    /// and one finding that no longer occurs.
    pub fn baselined() -> BootOutcome {
        let mut outcome = outcomes().remove(0);
        outcome.baseline = Some(BaselineDiff {
            known: vec![true, false],
            fixed: vec![Fingerprint {
                rule: "iommu-consumer-probed-before-iommu".into(),
                subject: "0000:00:05.0".into(),
                related: vec!["9050000.smmuv3".into()],
            }],
        });
        outcome.threshold = Some(Severity::Warning);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_threshold_baseline_and_input_errors() {
        let outcomes = fixtures::outcomes();
        assert_eq!(outcomes[0].status(), BootStatus::Findings);
        assert_eq!(outcomes[1].status(), BootStatus::InputError);
        assert_eq!(overall_status(&outcomes), BootStatus::InputError);
        assert_eq!(overall_status(&outcomes[..1]), BootStatus::Findings);
        assert_eq!(overall_status(&[]), BootStatus::Clean);

        let mut never = outcomes[0].clone();
        never.threshold = None;
        assert_eq!(never.status(), BootStatus::Clean);

        // The baseline knows the error; the warning is new and fails at --fail-on warning.
        let baselined = fixtures::baselined();
        assert!(!baselined.fails(0) && baselined.fails(1));
        assert_eq!(baselined.status(), BootStatus::Findings);
        let mut error_only = baselined.clone();
        error_only.threshold = Some(Severity::Error);
        assert_eq!(error_only.status(), BootStatus::Clean);
        assert_eq!(BootStatus::InputError.exit_code(), 2);

        // Without a kernel log nothing fails, but nothing was checked either: never clean.
        let mut unread = never.clone();
        if let Ok(report) = &mut unread.result {
            report.inputs.clear();
        }
        assert_eq!(unread.status(), BootStatus::Unchecked);
        assert_eq!(unread.status().exit_code(), 2);
        // A failing finding still decides, log or not.
        unread.threshold = Some(Severity::Error);
        assert_eq!(unread.status(), BootStatus::Findings);
    }

    #[test]
    fn statuses_serialize_as_the_words_the_text_formats_use() {
        for status in [
            BootStatus::Clean,
            BootStatus::Findings,
            BootStatus::Unchecked,
            BootStatus::InputError,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
