//! `check --format json` and `--format ndjson`: the check report of the contract (see
//! [`super::contract`]; the schema is `schema/check.json` and `schema/check-ndjson.json`).
//!
//! `--format json` prints one document for the run, one input or many:
//! `{"schema", "tool", "command": "check", "boots": [BOOT, ...], "status", "exit_code"}`.
//! `--format ndjson` prints one line per boot: the header followed by the BOOT's fields.
//!
//! A BOOT is `{"boot", "inputs", "findings": [{"rule", "code", "severity", "subject",
//! "related", "message", "evidence": [{"file", "line", "text"}], "fails", "baseline"?}],
//! "notes", "fixed"?, "error"?, "status", "exit_code"}`: the boot's report plus what the run
//! decided about it (each finding's `fails`, `baseline` `new`/`known` with `--baseline`, the
//! baseline entries no longer `fixed`, and the `error` that made its input unusable).

use super::contract::Document;
use super::{overall_status, BootOutcome, BootStatus};
use crate::error::Result;
use crate::ingest::InputInfo;
use crate::report::baseline::Fingerprint;
use crate::rules::Finding;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The whole run, as `--format json` prints it. Written from borrowed parts, read back owned
/// (`Deserialize`: a consumer in Rust, and the round-trip tests).
#[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckRun<'a> {
    /// Every boot of the run, in the order the command line names them.
    pub boots: Vec<BootReport<'a>>,
    /// The worst of the boots' statuses (an unusable input outranks findings).
    pub status: BootStatus,
    /// The process's exit code: 0 clean, 1 findings, 2 an input was unusable.
    pub exit_code: u8,
}

/// One boot: its report and the run's verdict on it.
#[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BootReport<'a> {
    /// The boot's name: a `--boot` name, the one path it is made of, or the name ingest gave it.
    pub boot: Cow<'a, str>,
    /// Every input read for the boot and what it was taken for (empty when unusable).
    pub inputs: Cow<'a, [InputInfo]>,
    pub findings: Vec<FindingReport<'a>>,
    /// What could not be read, what was assumed, what is missing, what was ignored.
    pub notes: Cow<'a, [String]>,
    /// With `--baseline`: the boot's baseline entries that no finding matches any more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<Cow<'a, [Fingerprint]>>,
    /// Why the boot's input could not be used (then `inputs` and `findings` are empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Cow<'a, str>>,
    pub status: BootStatus,
    /// The exit code this boot alone would give.
    pub exit_code: u8,
}

/// A finding and whether it fails the run.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub struct FindingReport<'a> {
    #[serde(flatten)]
    pub finding: Cow<'a, Finding>,
    /// At or above `--fail-on`, and not in the baseline.
    pub fails: bool,
    /// With `--baseline`: whether the baseline has the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineMatch>,
}

/// Read back owned: serde's derive cannot put a borrowing `Cow` behind `flatten`, so the
/// fields go through an owned twin.
impl<'de> Deserialize<'de> for FindingReport<'_> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Owned {
            #[serde(flatten)]
            finding: Finding,
            fails: bool,
            #[serde(default)]
            baseline: Option<BaselineMatch>,
        }
        let owned = Owned::deserialize(deserializer)?;
        Ok(FindingReport {
            finding: Cow::Owned(owned.finding),
            fails: owned.fails,
            baseline: owned.baseline,
        })
    }
}

/// How a finding compares with the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BaselineMatch {
    /// Not in the baseline: it fails the run when its severity does.
    New,
    /// In the baseline: accepted, never fails.
    Known,
}

/// One boot of a run as the contract shows it.
pub fn boot_report(outcome: &BootOutcome) -> BootReport<'_> {
    let status = outcome.status();
    let (inputs, notes): (&[InputInfo], &[String]) = match &outcome.result {
        Ok(report) => (&report.inputs, &report.notes),
        Err(_) => (&[], &[]),
    };
    BootReport {
        boot: Cow::Borrowed(&outcome.name),
        inputs: Cow::Borrowed(inputs),
        findings: outcome
            .findings()
            .iter()
            .enumerate()
            .map(|(index, finding)| FindingReport {
                finding: Cow::Borrowed(finding),
                fails: outcome.fails(index),
                baseline: outcome.baseline.as_ref().map(|_| {
                    if outcome.is_known(index) {
                        BaselineMatch::Known
                    } else {
                        BaselineMatch::New
                    }
                }),
            })
            .collect(),
        notes: Cow::Borrowed(notes),
        fixed: outcome
            .baseline
            .as_ref()
            .map(|diff| Cow::Borrowed(diff.fixed.as_slice())),
        error: outcome.result.as_ref().err().map(|e| Cow::Borrowed(e.as_str())),
        status,
        exit_code: status.exit_code(),
    }
}

/// The run as its document.
pub fn check_run(outcomes: &[BootOutcome]) -> Document<CheckRun<'_>> {
    let status = overall_status(outcomes);
    Document::new(
        "check",
        CheckRun {
            boots: outcomes.iter().map(boot_report).collect(),
            status,
            exit_code: status.exit_code(),
        },
    )
}

/// Writes the run's document (exactly as [`check_run`] prints it pretty) boot by boot, as each
/// boot is analysed: the header and `"boots": [` first, each boot as it comes, the run's status
/// last. Only the status is kept between boots.
pub struct CheckRunWriter<W: std::io::Write> {
    out: W,
    name: &'static str,
    boots: usize,
    status: BootStatus,
}

impl<W: std::io::Write> CheckRunWriter<W> {
    /// Writes the document's header; `name` names `out` in errors.
    pub fn start(mut out: W, name: &'static str) -> Result<Self> {
        // The header's fields as the document prints them: its own pretty form without the
        // closing brace.
        let header = super::contract::Header::new("check");
        let text = serde_json::to_string_pretty(&header).map_err(|e| {
            crate::error::Error::Other(format!("internal error while writing the check JSON: {e}"))
        })?;
        let fields = text.strip_suffix("\n}").unwrap_or(&text);
        write!(out, "{fields},\n  \"boots\": [").map_err(|e| crate::error::Error::io(name, e))?;
        Ok(CheckRunWriter {
            out,
            name,
            boots: 0,
            status: BootStatus::Clean,
        })
    }

    /// Writes one boot.
    pub fn boot(&mut self, outcome: &BootOutcome) -> Result<()> {
        self.status = self.status.max(outcome.status());
        let text = serde_json::to_string_pretty(&boot_report(outcome)).map_err(|e| {
            crate::error::Error::Other(format!("internal error while writing the check JSON: {e}"))
        })?;
        // A boot sits two levels deep (the document, its `boots`): each line indented by four.
        let mut indented = String::with_capacity(text.len() + text.len() / 8);
        indented.push_str(if self.boots == 0 { "\n" } else { ",\n" });
        for (index, line) in text.split('\n').enumerate() {
            if index > 0 {
                indented.push('\n');
            }
            indented.push_str("    ");
            indented.push_str(line);
        }
        self.boots += 1;
        self.out
            .write_all(indented.as_bytes())
            .map_err(|e| crate::error::Error::io(self.name, e))
    }

    /// Writes the run's status and ends the document.
    pub fn finish(mut self) -> Result<W> {
        let close = if self.boots == 0 { "]" } else { "\n  ]" };
        let status = serde_json::to_string(&self.status).map_err(|e| {
            crate::error::Error::Other(format!("internal error while writing the check JSON: {e}"))
        })?;
        write!(
            self.out,
            "{close},\n  \"status\": {status},\n  \"exit_code\": {}\n}}\n",
            self.status.exit_code()
        )
        .map_err(|e| crate::error::Error::io(self.name, e))?;
        Ok(self.out)
    }
}

/// `--format json`: the run as one document, whatever the number of boots.
pub fn render_outcomes(outcomes: &[BootOutcome]) -> Result<String> {
    check_run(outcomes).to_pretty_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{fixtures, Report};
    use serde_json::{json, Value};

    #[test]
    fn the_run_written_boot_by_boot_is_the_document() {
        let all = fixtures::outcomes();
        for outcomes in [&all[..0], &all[..1], &all[..]] {
            let mut writer = CheckRunWriter::start(Vec::new(), "<memory>").unwrap();
            for outcome in outcomes {
                writer.boot(outcome).unwrap();
            }
            let written = String::from_utf8(writer.finish().unwrap()).unwrap();
            assert_eq!(written, check_run(outcomes).to_pretty_json().unwrap());
        }
    }

    #[test]
    fn one_boot_is_a_run_of_one_with_the_documented_fields() {
        let report = Report {
            boot: "b".into(),
            inputs: vec![fixtures::kernel_log("dmesg.txt")],
            findings: vec![fixtures::finding(
                "iommu-dependency-ignored",
                "PS103",
                crate::rules::Severity::Error,
                "0000:00:03.0",
                &[("dmesg.txt", 282, "line")],
            )],
            notes: vec!["n".into()],
        };
        let outcome = BootOutcome {
            name: "b".into(),
            result: Ok(report),
            baseline: None,
            threshold: None,
        };
        let run: Value = serde_json::from_str(&render_outcomes(&[outcome]).unwrap()).unwrap();
        assert_eq!(run["schema"], crate::report::contract::SCHEMA_VERSION);
        assert_eq!(run["command"], "check");
        assert_eq!(run["boots"].as_array().unwrap().len(), 1);
        let boot = &run["boots"][0];
        assert_eq!(boot["boot"], "b");
        let f = &boot["findings"][0];
        assert_eq!(f["rule"], "iommu-dependency-ignored");
        assert_eq!(f["code"], "PS103");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["subject"], "0000:00:03.0");
        assert_eq!(f["related"][0], "9050000.smmuv3");
        assert_eq!(f["fails"], false);
        assert_eq!(
            f["evidence"][0],
            json!({"file": "dmesg.txt", "line": 282, "text": "line"})
        );
        assert_eq!(boot["notes"][0], "n");
        assert!(boot["inputs"].is_array());
        assert_eq!((&run["status"], &run["exit_code"]), (&json!("clean"), &json!(0)));
    }

    #[test]
    fn outcomes_carry_status_failures_baseline_and_errors() {
        let outcomes = fixtures::outcomes();
        let batch: Value = serde_json::from_str(&render_outcomes(&outcomes).unwrap()).unwrap();
        assert_eq!(batch["exit_code"], 2);
        assert_eq!(batch["status"], "error");
        let first = &batch["boots"][0];
        assert_eq!(first["boot"], "logs/board-a.txt");
        assert_eq!(first["status"], "findings");
        assert_eq!(first["exit_code"], 1);
        assert_eq!(first["findings"][0]["fails"], true);
        assert_eq!(first["findings"][1]["fails"], false);
        assert!(first["findings"][0].get("baseline").is_none());
        assert!(first.get("fixed").is_none());
        assert!(first.get("error").is_none());
        let second = &batch["boots"][1];
        assert_eq!(second["error"], "logs/board-b.txt: expected a kernel log");
        assert_eq!(second["exit_code"], 2);
        assert_eq!(second["findings"], json!([]));

        let baselined = serde_json::to_value(boot_report(&fixtures::baselined())).unwrap();
        assert_eq!(baselined["findings"][0]["baseline"], "known");
        assert_eq!(baselined["findings"][1]["baseline"], "new");
        assert_eq!(
            baselined["fixed"],
            json!([{"rule": "iommu-consumer-probed-before-iommu", "subject": "0000:00:05.0", "related": ["9050000.smmuv3"]}])
        );
    }
}
