//! `--format ndjson`: one line per boot, written as soon as the boot (and every boot named
//! before it) is analysed, so a CI job can stream a long batch. Each line is the boot's JSON
//! report (contract v1) with the run's verdict (`status`, `exit_code`, ...; see `json.rs`).

use super::json::outcome_value;
use super::BootOutcome;

/// One boot as one line (ending with a newline). JSON strings escape every control character,
/// so a line never breaks inside a log's text.
pub fn render_line(outcome: &BootOutcome) -> String {
    let mut line = serde_json::to_string(&outcome_value(outcome)).unwrap_or_else(|_| "{}".into());
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn renders_one_object_per_line() {
        let outcomes = fixtures::outcomes();
        let text: String = outcomes.iter().map(render_line).collect();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(second["boot"], "logs/board-b.txt");
        assert_eq!(second["exit_code"], 2);
        assert_eq!(
            lines[0],
            concat!(
                r#"{"boot":"logs/board-a.txt","exit_code":1,"findings":["#,
                r#"{"code":"PS103","evidence":[{"file":"logs/board-a.txt","line":286,"text":"[    7.027453] virtio-pci 0000:00:03.0: deferred probe timeout, ignoring dependency"}],"#,
                r#""fails":true,"message":"0000:00:03.0 bound before its IOMMU","related":["9050000.smmuv3"],"rule":"iommu-dependency-ignored","severity":"error","subject":"0000:00:03.0"},"#,
                r#"{"code":"PS104","evidence":[],"fails":false,"message":"0000:00:04.0 bound before its IOMMU","related":["9050000.smmuv3"],"rule":"iommu-group-missing","severity":"warning","subject":"0000:00:04.0"}],"#,
                r#""inputs":[],"notes":["no devices_deferred snapshot"],"status":"findings","version":1}"#
            )
        );
    }
}
