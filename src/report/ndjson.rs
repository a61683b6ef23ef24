//! `--format ndjson`: one line per boot, written as soon as the boot (and every boot named
//! before it) is analysed, so a CI job can stream a long batch. Each line is a document of the
//! contract: the header, then the boot's fields as in `--format json` (see `json.rs`).

use super::contract::Document;
use super::json::boot_report;
use super::BootOutcome;
use crate::error::Result;

/// One boot as one line (ending with a newline).
pub fn render_line(outcome: &BootOutcome) -> Result<String> {
    Document::new("check", boot_report(outcome)).to_json_line()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn renders_one_document_per_line() {
        let outcomes = fixtures::outcomes();
        let text: String = outcomes
            .iter()
            .map(|outcome| render_line(outcome).unwrap())
            .collect();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(second["boot"], "logs/board-b.txt");
        assert_eq!(second["exit_code"], 2);
        assert_eq!(
            lines[0],
            concat!(
                r#"{"schema":2,"tool":"probescope "#,
                env!("CARGO_PKG_VERSION"),
                r#"","command":"check","boot":"logs/board-a.txt","#,
                r#""inputs":[{"path":"logs/board-a.txt","kind":"kernel-log"}],"findings":["#,
                r#"{"rule":"iommu-dependency-ignored","code":"PS103","severity":"error","subject":"0000:00:03.0","related":["9050000.smmuv3"],"message":"0000:00:03.0 bound before its IOMMU","#,
                r#""evidence":[{"file":"logs/board-a.txt","line":286,"text":"[    7.027453] virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency"}],"fails":true},"#,
                r#"{"rule":"iommu-group-missing","code":"PS104","severity":"warning","subject":"0000:00:04.0","related":["9050000.smmuv3"],"message":"0000:00:04.0 bound before its IOMMU","evidence":[],"fails":false}],"#,
                r#""notes":["no devices_deferred snapshot"],"status":"findings","exit_code":1}"#
            )
        );
    }
}
