//! The JSON report (stable contract, documented in the README):
//! `{"version": 1, "inputs": [...], "findings": [{"rule", "code", "severity", "subject",
//! "related", "message", "evidence": [{"file", "line", "text"}]}], "notes": [...]}`.

use super::{Report, REPORT_VERSION};
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
}
