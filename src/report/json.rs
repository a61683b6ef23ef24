//! The JSON report (stable contract, documented in the README):
//! `{"version": 1, "inputs": [...], "findings": [{"rule", "code", "severity", "subject",
//! "related", "message", "evidence": [{"file", "line", "text"}]}], "notes": [...]}`.
//!
//! `check` adds what the run decided ([`outcome_value`]): `status`, `exit_code`, each finding's
//! `fails` (and `baseline`: `new`/`known` with `--baseline`), `fixed` baseline entries, and
//! `error` for an unusable input. Several boots render as `{"version", "boots": [...],
//! "status", "exit_code"}`.

use super::{overall_status, BootOutcome, Report, REPORT_VERSION};
use serde_json::{json, Value};

pub fn to_value(report: &Report) -> Value {
    json!({
        "version": REPORT_VERSION,
        "boot": report.boot,
        "inputs": report.inputs,
        "findings": report.findings,
        "notes": report.notes,
    })
}

pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&to_value(report)).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

/// One boot of a run: its v1 report plus the run's verdict on it.
pub fn outcome_value(outcome: &BootOutcome) -> Value {
    let mut value = match &outcome.result {
        Ok(report) => to_value(report),
        Err(error) => json!({
            "version": REPORT_VERSION,
            "boot": outcome.name,
            "inputs": [],
            "findings": [],
            "notes": [],
            "error": error,
        }),
    };
    if let Some(findings) = value.get_mut("findings").and_then(Value::as_array_mut) {
        for (index, finding) in findings.iter_mut().enumerate() {
            finding["fails"] = json!(outcome.fails(index));
            if outcome.baseline.is_some() {
                finding["baseline"] = json!(if outcome.is_known(index) { "known" } else { "new" });
            }
        }
    }
    if let Some(diff) = &outcome.baseline {
        value["fixed"] = json!(diff.fixed);
    }
    let status = outcome.status();
    value["status"] = json!(status.as_str());
    value["exit_code"] = json!(status.exit_code());
    value
}

/// `--format json`: one boot as its object, several as `{"version", "boots", ...}`.
pub fn render_outcomes(outcomes: &[BootOutcome]) -> String {
    let value = match outcomes {
        [single] => outcome_value(single),
        _ => {
            let status = overall_status(outcomes);
            json!({
                "version": REPORT_VERSION,
                "boots": outcomes.iter().map(outcome_value).collect::<Vec<_>>(),
                "status": status.as_str(),
                "exit_code": status.exit_code(),
            })
        }
    };
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Evidence, Origin};
    use crate::rules::{Finding, Severity};

    #[test]
    fn follows_the_documented_contract() {
        let file: crate::model::SourceName = "dmesg.txt".into();
        let finding = Finding {
            rule: "iommu-dependency-ignored",
            code: "PS103",
            severity: Severity::Error,
            subject: "0000:00:03.0".into(),
            related: vec!["9050000.smmuv3".into()],
            message: "m".into(),
            evidence: vec![Evidence::new(Origin::new(&file, 282), "line")],
        };
        let report = Report {
            boot: "b".into(),
            inputs: vec![],
            findings: vec![finding],
            notes: vec!["n".into()],
        };
        let value = to_value(&report);
        assert_eq!(value["version"], 1);
        let f = &value["findings"][0];
        assert_eq!(f["rule"], "iommu-dependency-ignored");
        assert_eq!(f["code"], "PS103");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["subject"], "0000:00:03.0");
        assert_eq!(f["related"][0], "9050000.smmuv3");
        assert_eq!(
            f["evidence"][0],
            json!({"file": "dmesg.txt", "line": 282, "text": "line"})
        );
        assert_eq!(value["notes"][0], "n");
        assert!(value["inputs"].is_array());
    }

    #[test]
    fn outcomes_carry_status_failures_baseline_and_errors() {
        let outcomes = crate::report::fixtures::outcomes();
        let batch: Value = serde_json::from_str(&render_outcomes(&outcomes)).unwrap();
        assert_eq!(batch["version"], 1);
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
        let second = &batch["boots"][1];
        assert_eq!(second["error"], "logs/board-b.txt: expected a kernel log");
        assert_eq!(second["exit_code"], 2);
        assert_eq!(second["findings"], json!([]));

        let single: Value = serde_json::from_str(&render_outcomes(&outcomes[..1])).unwrap();
        assert_eq!(single["boot"], "logs/board-a.txt");
        assert!(single.get("boots").is_none());

        let baselined = outcome_value(&crate::report::fixtures::baselined());
        assert_eq!(baselined["findings"][0]["baseline"], "known");
        assert_eq!(baselined["findings"][1]["baseline"], "new");
        assert_eq!(
            baselined["fixed"],
            json!([{"rule": "iommu-consumer-probed-before-iommu", "subject": "0000:00:05.0", "related": ["9050000.smmuv3"]}])
        );
    }
}
